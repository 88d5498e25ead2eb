"""Every test sees a failing page's traceback (the server shows visitors only a reference)."""

from __future__ import annotations

import os
import tempfile

import pytest

# The installation's keys (cookie and backup signing) of this test run: never the user's own
# ~/.config/perfdash. Set at import, so servers the tests start inherit it.
os.environ.setdefault("PERFDASH_SECRETS_DIR", tempfile.mkdtemp(prefix="perfdash-keys-"))


@pytest.fixture(autouse=True)
def _show_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFDASH_SHOW_ERRORS", "1")


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


# Lanes. `make test` runs everything; `make check` leaves out what needs a system package, a
# server of its own or minutes of wall time. Markers come from where a test lives and what it uses,
# so a new test lands in the right lane without anyone remembering to mark it.
LANE_MARKERS = {
    "browser": "drives Debian's chromium against a served app",
    "office": "converts exports with LibreOffice",
    "pg": "needs a PostgreSQL server (started by the tests)",
    "bench": "measures performance (servers, crowds)",
    "slow": "takes more than about 10 seconds on its own",
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
        if on_postgres or "pg_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.pg)
