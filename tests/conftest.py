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
