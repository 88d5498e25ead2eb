"""Nothing is downloaded or written that the registry (perfdash.present.downloads.EXPORTS) does not
list: every download button on a page and every file a command writes is built by a registered
export's ``make`` (directly, or through the one reads function a page calls), or is a stored file
handed out as it is (STORED_FILES). Every registered export builds from the standard inputs, and
each of its sheets carries the print setup (the office-suite test prints them; this one runs in
the fast lane)."""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import textwrap
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import downloads
from perfdash.store import Store

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
COMMANDS = sorted((ROOT / "perfdash" / "cli").glob("*.py"))
OFFICE = Actor("office", "绩效办", "admin")
BY_MAKE = {e.make: e for e in downloads.EXPORTS}


def namespace(tree: ast.AST) -> dict[str, Any]:
    """The names a module's imports bind (anywhere in it: commands import inside their functions)."""
    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name if a.asname else a.name.split(".")[0]
                names[a.asname or top] = importlib.import_module(top if not a.asname else a.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = importlib.import_module(node.module)
            for a in node.names:
                value = getattr(module, a.name, None)
                if value is None:  # a submodule not imported by its package
                    value = importlib.import_module(f"{node.module}.{a.name}")
                names[a.asname or a.name] = value
    return names


def resolve(expr: ast.expr, names: dict[str, Any]) -> Any:
    """The object a dotted name (``exports.kpi_xlsx``) stands for, or None."""
    attrs = []
    while isinstance(expr, ast.Attribute):
        attrs.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in names:
        return None
    value = names[expr.id]
    for attr in reversed(attrs):
        value = getattr(value, attr, None)
    return value


def makes_called(tree: ast.AST, names: dict[str, Any], depth: int = 1) -> set:
    """The registered ``make`` functions that ``tree`` calls: directly, or within a perfdash
    function it calls (``depth`` levels down: a page's reads function, undecorated)."""
    found = set()
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        fn = resolve(call.func, names)
        if fn is None or not callable(fn):
            continue
        fn = inspect.unwrap(fn)
        if fn in BY_MAKE:
            found.add(fn)
        elif depth and inspect.isfunction(fn) and fn.__module__.startswith("perfdash."):
            source = ast.parse(textwrap.dedent(inspect.getsource(fn)))
            found |= makes_called(source, fn.__globals__, depth - 1)
    return found


def page_downloads(path: Path) -> dict[str, set]:
    """Each download button of a page ("pages/<file>#<key>") with the makes its data calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = namespace(tree)
    out = {}
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "download_button"):
            continue
        keywords = {k.arg: k.value for k in call.keywords}
        key = keywords.get("key")
        if isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
            name = f"{key.values[0].value}*"  # one button per row (f"ev_download_{row}"): its fixed prefix
        else:
            where = f"{path.name} line {call.lineno}"
            assert isinstance(key, ast.Constant), f"{where}: a download button without a fixed key"
            name = key.value
        data = call.args[1] if len(call.args) > 1 else keywords["data"]
        out[f"pages/{path.name}#{name}"] = makes_called(data, names)
    return out


def command_files(path: Path) -> list[tuple[int, set]]:
    """Each file a command module writes (``….write_bytes(x)``): its line and the makes building
    ``x`` (a call, or a name assigned from one in the same function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = namespace(tree)
    out = []
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        assigned: dict[str, ast.expr] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            assigned[name.id] = node.value
        for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
            if isinstance(call.func, ast.Attribute) and call.func.attr == "write_bytes":
                arg = call.args[0]
                source = assigned.get(arg.id, arg) if isinstance(arg, ast.Name) else arg
                out.append((call.lineno, makes_called(source, names)))
    return out


def test_every_download_button_serves_a_registered_export():
    found = {}
    for page in PAGES:
        found |= page_downloads(page)
    assert len(found) >= len(downloads.EXPORTS)
    for offer, makes in found.items():
        if offer in downloads.STORED_FILES:
            assert not makes, f"{offer} builds a document: register it in EXPORTS"
            continue
        assert len(makes) == 1, f"{offer} serves no registered export (perfdash/present/downloads.py): {makes}"
        export = BY_MAKE[makes.pop()]
        assert offer in export.offered, f"{offer} serves {export.name}, whose entry does not list it"
    listed = {o for e in downloads.EXPORTS for o in e.offered if o.startswith("pages/")} | set(downloads.STORED_FILES)
    assert listed - set(found) == set(), "the registry lists buttons no page has"


def test_every_file_a_command_writes_is_a_registered_export():
    written = []
    for module in COMMANDS:
        for line, makes in command_files(module):
            where = f"perfdash/cli/{module.name} line {line}"
            assert len(makes) == 1, f"{where} writes a file no registered export builds"
            export = BY_MAKE[makes.pop()]
            command = f"python -m perfdash {module.stem}"
            assert any(o.startswith(command) for o in export.offered), f"{where}: {export.name} does not list it"
            written.append(export.key)
    assert sorted(written) == sorted(
        o for e in downloads.EXPORTS for o in [e.key] * sum(x.startswith("python -m") for x in e.offered)
    )


def test_the_checks_can_fail():
    page = ast.parse(
        "import streamlit as st\n"
        "from perfdash.present import exports\n"
        "st.download_button('a', lambda: exports.kpi_xlsx(k, u, y, d), key='a')\n"
        "st.download_button('b', data=lambda: open('x').read(), key='b')\n"
    )
    names = namespace(page)
    calls = [n for n in ast.walk(page) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "download_button"]
    assert [makes_called(c.args[1] if len(c.args) > 1 else c.keywords[0].value, names) for c in calls] == [
        {downloads.BY_KEY["kpis"].make},
        set(),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, bytes]:
    """Every registered export, built from the demo database."""
    from tests.fixtures import demo_db_path

    store = Store(demo_db_path(tmp_path_factory.mktemp("downloads")))
    try:
        as_of = queries.latest_report_day(queries.plans(store).iloc[0])
        inputs = downloads.Inputs(1, as_of, OFFICE, since=as_of + timedelta(days=1))
        return {e.key: e.build(store, inputs) for e in downloads.EXPORTS}
    finally:
        store.close()


@pytest.mark.parametrize("export", downloads.EXPORTS, ids=lambda e: e.key)
def test_every_export_builds_with_its_print_setup(built, export):
    data = built[export.key]
    if export.kind == "docx":
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        return
    book = load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        where = f"{export.name}: {ws.title}"
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape", where  # 9: A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, where
        assert ws.print_title_rows, where  # the title and header repeat on every page
        assert ws.oddHeader.left.text and "&P" in ws.oddFooter.center.text, where
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], where
