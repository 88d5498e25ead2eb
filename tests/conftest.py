"""Every test sees a failing page's traceback (the server shows visitors only a reference)."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import Databases, session_databases

# The installation's keys (cookie and backup signing) of this test run: never the user's own
# ~/.config/perfdash. Set at import, so servers the tests start inherit it.
os.environ.setdefault("PERFDASH_SECRETS_DIR", tempfile.mkdtemp(prefix="perfdash-keys-"))


@pytest.fixture(autouse=True)
def _show_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFDASH_SHOW_ERRORS", "1")


@pytest.fixture(scope="session", autouse=True)
def _scan_streamlit_components_once() -> None:
    """Each new AppTest scans every installed package's metadata for Streamlit components before
    its first run (app_test.py → BidiComponentManager.discover_and_register_components →
    components/v2/manifest_scanner.scan_component_manifests): 0.15 s, a third of a short page test,
    paid again by every test that makes an AppTest. The installed packages do not change during a
    test session, so the first scan's answer serves them all. Only the tests' process is touched
    (servers the tests start scan as usual); tests/test_lanes.py fails if an upgrade moves it."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # tests/test_lanes.py names the change
        return
    scan = getattr(manifest_scanner, "scan_component_manifests", None)
    if scan is not None and not hasattr(scan, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.cache(scan)


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL server for this test session (started on first use, stopped at the end)."""
    from tests.pg import Cluster

    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["duckdb", "postgresql"])
def db_target(request, tmp_path, monkeypatch) -> str:
    """Where a test's store lives, once on each backend: a DuckDB file, or a new PostgreSQL database
    (whose evidence files and backups go to the test's own folder, as beside a DuckDB file)."""
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    monkeypatch.setenv("PERFDASH_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("PERFDASH_BACKUP_DIR", str(tmp_path / "backups"))
    return request.getfixturevalue("pg_cluster").new_database()


# Test databases: each kind (tests/fixtures.py BASE_KINDS) is built once per session by the one
# builder, make_database, and every test gets its own copy of the closed file — a file copy takes
# milliseconds where building the demo history takes about a second (datasette's make_app_client).
@pytest.fixture(scope="session")
def databases() -> Databases:
    """The base databases of this test session (module-scoped fixtures copy from it too)."""
    return session_databases()


@pytest.fixture
def plan_db(databases: Databases, tmp_path: Path) -> Path:
    """This test's own closed database file holding the shipped plan (plan 1)."""
    return databases.copy("plan", tmp_path)


@pytest.fixture
def demo_db(databases: Databases, tmp_path: Path) -> Path:
    """This test's own closed database file holding the shipped plan and its demo history."""
    return databases.copy("demo", tmp_path)


@pytest.fixture
def db(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo database the pages open (PERFDASH_DB): what ``signed_in`` would prepare, ready."""
    monkeypatch.setenv("PERFDASH_DB", str(demo_db))
    return demo_db


@pytest.fixture
def plan_store(plan_db: Path) -> Iterator:
    """An open Store on this test's copy of the plan database."""
    from perfdash.store import Store

    store = Store(plan_db)
    yield store
    store.close()


@pytest.fixture
def demo_store(demo_db: Path) -> Iterator:
    """An open Store on this test's copy of the demo database."""
    from perfdash.store import Store

    store = Store(demo_db)
    yield store
    store.close()


# Lanes. `make test` runs everything; `make check` leaves out what needs a system package, a
# server of its own or minutes of wall time. Markers come from where a test lives and what it uses,
# so a new test lands in the right lane without anyone remembering to mark it.
LANE_MARKERS = {
    "browser": "drives Debian's chromium against a served app",
    "office": "converts exports with LibreOffice",
    "pg": "needs a PostgreSQL server (started by the tests)",
    "bench": "measures performance (servers, crowds)",
    "slow": "long by nature: timing curves, hundreds of fuzzed cases, a real server, racing processes",
}
BENCH_FILES = {"test_bench.py", "test_protocol_bench.py", "test_session_memory.py"}
OFFICE_FILES = {"test_office_suite.py"}


def pytest_configure(config: pytest.Config) -> None:
    for name, help_text in LANE_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {help_text}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path
        if "browser" in path.parts:
            item.add_marker(pytest.mark.browser)
        if path.name in BENCH_FILES:
            item.add_marker(pytest.mark.bench)
        if path.name in OFFICE_FILES:
            item.add_marker(pytest.mark.office)
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("db_target") == "postgresql"
        if on_postgres or {"pg_cluster", "cluster"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pg)
