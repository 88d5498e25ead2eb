"""The house's shape, kept: every perfdash import points down the layers, and no modules import
each other in a circle (imports inside functions count too: a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "perfdash"
# From the bottom up; a module may import its own layer and the ones below.
LAYERS = ("core", "plan", "db", "ops", "workflows", "present", "server", "app", "bench")
TOP = {"perfdash", "perfdash.__main__"}  # above every layer, with every module of the CLI package
CLI = "perfdash.cli"
APP = {"perfdash.store"}  # gathers every domain's writes: as high as the server that opens it


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted((root / "perfdash").rglob("*.py"))}


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


def is_top(module: str) -> bool:
    """The package itself and the command line (perfdash.__main__, perfdash.cli and its commands)."""
    return module in TOP or module == CLI or module.startswith(CLI + ".")


def layer(module: str) -> int:
    if is_top(module):
        return len(LAYERS)
    if module in APP:
        return LAYERS.index("server")
    return LAYERS.index(module.split(".")[1])


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    found = modules(root)
    known = set(found)
    return {m: imports_of(p, known) - {m} for m, p in found.items()}


def upward_imports(deps: dict[str, set[str]]) -> list[str]:
    """Every import that points up the layers, as 'source (layer) imports target'."""
    return [
        f"{source} ({LAYERS[layer(source)] if layer(source) < len(LAYERS) else 'top'}) imports {target}"
        for source, targets in sorted(deps.items())
        for target in sorted(targets)
        if layer(target) > layer(source)
    ]


def circles(deps: dict[str, set[str]]) -> list[str]:
    """Every import circle found by a depth-first walk, as 'a → b → a'."""
    found = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(deps[m]):
            if state.get(n) == 1:
                found.append(" → ".join([*stack[stack.index(n) :], n]))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(deps):
        if m not in state:
            visit(m)
    return found


def test_every_module_sits_in_a_layer():
    for module in modules():
        assert is_top(module) or module in APP or module.split(".")[1] in LAYERS, f"{module} is in no layer"


def test_imports_point_down_the_layers():
    assert upward_imports(graph()) == []


def test_no_import_circles():
    assert circles(graph()) == []


def test_the_checks_can_fail(tmp_path: Path):
    """The checker, fed a package with an upward import, a lazy one and a circle, finds all three."""
    files = {
        "perfdash/__init__.py": "",
        "perfdash/core/__init__.py": "",
        "perfdash/core/fmt.py": "from perfdash.app import ui\n",  # core reaching up to app
        "perfdash/db/__init__.py": "",
        "perfdash/db/rows.py": "def f():\n    import perfdash.present.charts\n",  # a lazy upward import
        "perfdash/plan/__init__.py": "",
        "perfdash/plan/a.py": "from perfdash.plan import b\n",
        "perfdash/plan/b.py": "from perfdash.plan.a import thing\n",  # a ↔ b
        "perfdash/present/__init__.py": "",
        "perfdash/present/charts.py": "from perfdash.core import fmt\n",  # down: fine
        "perfdash/app/__init__.py": "",
        "perfdash/app/ui.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    deps = graph(tmp_path)
    assert upward_imports(deps) == [
        "perfdash.core.fmt (core) imports perfdash.app.ui",
        "perfdash.db.rows (db) imports perfdash.present.charts",
    ]
    assert circles(deps) == ["perfdash.plan.a → perfdash.plan.b → perfdash.plan.a"]


def test_benchmarks_sit_between_the_app_and_the_command_line(tmp_path: Path):
    """A benchmark may run the app's pages; the app may not reach a benchmark, nor a benchmark
    the command line (every module of perfdash.cli is on top, like perfdash.__main__)."""
    files = {
        "perfdash/__init__.py": "",
        "perfdash/app/__init__.py": "",
        "perfdash/app/nav.py": "from perfdash.bench import servers\n",  # up: app reaching a benchmark
        "perfdash/bench/__init__.py": "",
        "perfdash/bench/servers.py": "from perfdash.app import nav\n",  # down: fine (and a circle)
        "perfdash/bench/bench.py": "from perfdash.cli import serve\n",  # up: a benchmark reaching the CLI
        "perfdash/cli/__init__.py": "",
        "perfdash/cli/serve.py": "",
        "perfdash/cli/bench.py": "from perfdash.bench.bench import cmd_bench\n",  # down: fine
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert upward_imports(graph(tmp_path)) == [
        "perfdash.app.nav (app) imports perfdash.bench.servers",
        "perfdash.bench.bench (bench) imports perfdash.cli.serve",
    ]
    assert layer("perfdash.cli") == layer("perfdash.cli.bench") == layer("perfdash.__main__") > layer("perfdash.bench")


def code_lines(path: Path) -> int:
    """A module's lines of code: blank lines, comments and docstrings do not count, so nobody
    makes a module fit by cutting the words that explain it."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc_lines: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                doc_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(
        1
        for n, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and n not in doc_lines
    )


def test_code_lines_skip_words():
    sample = ROOT / "perfdash" / "core" / "fmt.py"
    assert 0 < code_lines(sample) < len(sample.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("limit", [600])
def test_no_module_outgrows_one_concept(limit: int):
    """A module of over ~600 lines of code holds more than one concept: split it by what it holds
    (comments and docstrings are not counted, so they are never the thing to cut)."""
    big = {m: n for m, p in modules().items() if (n := code_lines(p)) > limit}
    assert big == {}


def test_the_store_is_small_and_holds_no_domain_writes():
    """Database keeps the connection, reads and the one write path; domain writes live beside their rules."""
    source = (PACKAGE / "db" / "database.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    database = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Database")
    assert database.end_lineno - database.lineno < 400
    methods = {n.name for n in database.body if isinstance(n, ast.FunctionDef)}
    assert "write" in methods
    assert not methods & {"add_progress", "import_plan", "save_scenario", "issue_order", "insert_account"}


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
