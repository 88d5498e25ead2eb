"""The house's shape, kept: every perfdash import points down the layers, and no modules import
each other in a circle (imports inside functions count too: a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "perfdash"
# From the bottom up; a module may import its own layer and the ones below.
LAYERS = ("core", "plan", "db", "ops", "workflows", "present", "app")
TOP = {"perfdash", "perfdash.__main__"}  # above every layer
APP = {"perfdash.store"}  # gathers every domain's writes: as high as the app that opens it


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The perfdash modules a file imports (``from perfdash.x import y`` counts y when it is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("perfdash")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("perfdash"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in known else node.module)
    return {m for m in found if m in known}


def layer(module: str) -> int:
    if module in TOP:
        return len(LAYERS)
    if module in APP:
        return LAYERS.index("app")
    return LAYERS.index(module.split(".")[1])


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {m: imports_of(p, known) - {m} for m, p in found.items()}


def test_every_module_sits_in_a_layer():
    for module in modules():
        assert module in TOP | APP or module.split(".")[1] in LAYERS, f"{module} is in no layer: add it to one"


def test_imports_point_down_the_layers():
    upward = [
        f"{source} ({LAYERS[layer(source)] if layer(source) < len(LAYERS) else 'top'}) imports {target}"
        for source, targets in graph().items()
        for target in targets
        if layer(target) > layer(source)
    ]
    assert upward == []


def test_no_import_circles():
    deps = graph()
    circles = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(deps[m]):
            if state.get(n) == 1:
                circles.append(" → ".join([*stack[stack.index(n) :], n]))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(deps):
        if m not in state:
            visit(m)
    assert circles == []


def test_the_checks_can_fail():
    """The checker itself sees an upward import and a circle when there is one."""
    assert layer("perfdash.core.settings") < layer("perfdash.db.queries") < layer("perfdash.app.ui")
    assert "perfdash.db.database" in graph()["perfdash.workflows.progress"]


@pytest.mark.parametrize("limit", [600])
def test_no_module_outgrows_one_concept(limit: int):
    """A module over ~600 lines holds more than one concept; the benchmark is exempt (it measures
    every page and query, one section each)."""
    big = {
        m: n
        for m, p in modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > limit and m != "perfdash.app.bench"
    }
    assert big == {}


def test_the_store_is_small_and_holds_no_domain_writes():
    """Database keeps the connection, reads and the one write path; domain writes live beside their rules."""
    source = (PACKAGE / "db" / "database.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    database = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Database")
    assert database.end_lineno - database.lineno < 400
    methods = {n.name for n in database.body if isinstance(n, ast.FunctionDef)}
    assert "write" in methods
    assert not methods & {"add_progress", "import_plan", "save_scenario", "issue_order", "create_account"}


def test_every_write_goes_through_the_one_path():
    """No module but the database opens a transaction of its own (perfdash.db.postgres is the
    database's PostgreSQL side: the write path's transaction there, and the mirror's reloads)."""
    offenders = [
        module
        for module, path in modules().items()
        if module not in {"perfdash.db.database", "perfdash.db.postgres", "perfdash.ops.backup"}
        and ("BEGIN TRANSACTION" in (text := path.read_text(encoding="utf-8")) or "COMMIT" in text)
    ]
    assert offenders == []
