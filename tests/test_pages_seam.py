"""One seam between the pages and the domain: a page reads widgets, calls perfdash.app.reads and
perfdash.app.actions (and ui's page setup) and draws. It never touches the store, the database
package or SQL; every read it makes is cached by the one decorator."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from perfdash.app import reads

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
FORBIDDEN_MODULES = ("perfdash.db", "perfdash.store", "duckdb")
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b")


def seam_problems(source: str) -> list[str]:
    """What in a page's source crosses the seam: the store (any ``store`` attribute or name), an
    import of the database layer, the store or duckdb, SQL in a string."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute) and node.attr == "store":
            found.append((line, ".store"))
        elif isinstance(node, ast.Name) and node.id == "store":
            found.append((line, "store"))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if isinstance(node, ast.ImportFrom) and node.module == "perfdash":  # from perfdash import db
                names = [f"perfdash.{a.name}" for a in node.names]
            for name in names:
                if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES):
                    found.append((line, f"imports {name}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append((line, f"SQL {node.value[:40]!r}"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_go_through_reads_and_actions(page: Path):
    assert seam_problems(page.read_text(encoding="utf-8")) == []


def test_the_check_can_fail():
    bad = (
        "import duckdb\n"
        "from perfdash.db import queries\n"
        "from perfdash import store\n"
        "from perfdash.store import StoreError\n"
        "rows = queries.plans(ctx.store)\n"
        "ctx.store.set_lock(1, True, actor)\n"
        "x = store\n"
        "q = 'SELECT * FROM plans'\n"
    )
    assert seam_problems(bad) == [
        "line 1: imports duckdb",
        "line 2: imports perfdash.db",
        "line 3: imports perfdash.store",
        "line 4: imports perfdash.store",
        "line 5: .store",
        "line 6: .store",
        "line 7: store",
        "line 8: SQL 'SELECT * FROM plans'",
    ]
    fine = "from perfdash.app import actions, reads\nst.button('删除', key='scenario_delete')\n"
    assert seam_problems(fine) == []


def test_every_read_is_cached_by_the_one_decorator():
    functions = {
        name: value
        for name, value in vars(reads).items()
        if inspect.isfunction(value) and not name.startswith("_") and name != "cached"
    }
    assert len(functions) > 40
    assert [name for name, f in functions.items() if getattr(f, "cached_by", None) is not reads.cached] == []
    # Not cached, each with its reason: what they read changes without raising the data version.
    live = {name: f.live for name, f in functions.items() if f.live}
    assert set(live) == {"audit_log", "evidence_file", "refused_accounts"}


def test_no_other_app_module_caches_on_its_own():
    """Every cached read of the app is in reads (st.cache_resource for the shared store aside)."""
    caching = {
        path.name
        for path in (ROOT / "perfdash" / "app").glob("*.py")
        if "st.cache_data" in (text := path.read_text(encoding="utf-8")) or "st.cache_resource" in text
    }
    assert caching == {"reads.py", "session.py"}
