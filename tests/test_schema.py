"""The schema is SQL a reader can check by eye; its fixed lists are the settings' lists."""

from __future__ import annotations

import re

from perfdash.core.settings import STATUSES
from perfdash.db.database import SCHEMA_FILE, SCHEMA_VERSION, Database


def _in_lists(column: str) -> list[list[str]]:
    sql = SCHEMA_FILE.read_text(encoding="utf-8")
    return [re.findall(r"'([^']*)'", m) for m in re.findall(rf"\b{column} IN \(([^)]*)\)", sql)]


def test_status_checks_match_the_settings_and_groups_are_the_documents():
    assert _in_lists("status") == [list(STATUSES)]
    assert _in_lists("grp") == []  # a plan's groups come from its document


def test_the_schema_builds_and_rebuilds(tmp_path):
    path = tmp_path / "s.duckdb"
    Database(path).close()
    db = Database(path)  # every statement idempotent: an existing database is brought up to date
    try:
        tables = set(db.query("SELECT table_name FROM duckdb_tables()")["table_name"])
        assert {"plans", "targets", "progress", "audit_log", "accounts"} <= tables
        assert db.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == SCHEMA_VERSION
    finally:
        db.close()
