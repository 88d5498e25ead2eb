"""The schema is SQL a reader can check by eye; its fixed lists are the settings' lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def test_migration_3_keeps_contacts_and_reminders_and_takes_phones(tmp_path):
    """A version-2 database: its e-mail contacts and its reminders (channel 'webhook') survive the
    rebuild of both tables; a contact may then have a phone and no e-mail; new ids follow the old."""
    import duckdb

    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    con.execute((Path(__file__).parent / "data" / "schema_v2.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO meta VALUES ('schema_version', '2'), ('data_version', '7')")
    con.execute("INSERT INTO plans (unit, year, title) VALUES ('甲局', 2025, 't')")
    con.execute("INSERT INTO section_contacts VALUES ('甲局', '中教科', 'zj@example.cn')")
    con.execute(
        "INSERT INTO reminders (plan_id, channel, recipients, sections, subject, body, ok, error, sent_by, sent_at) "
        "VALUES (1, 'webhook', '工作群', ['中教科'], 's', 'b', true, NULL, '绩效办', now())"
    )
    with pytest.raises(duckdb.ConstraintException):  # version 2 refuses a contact without an e-mail
        con.execute("INSERT INTO section_contacts VALUES ('甲局', '校安科', '')")
    con.close()
    db = Database(path)
    try:
        assert db.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == SCHEMA_VERSION  # 003, then 004
        assert db.rows("SELECT unit, section, email, phone FROM section_contacts") == [
            ("甲局", "中教科", "zj@example.cn", "")
        ]
        assert db.rows("SELECT reminder_id, channel, sections FROM reminders") == [(1, "webhook", ["中教科"])]
        db.con.execute("INSERT INTO section_contacts (unit, section, phone) VALUES ('甲局', '校安科', '13800000000')")
        new_id = db.scalar(
            "INSERT INTO reminders (plan_id, channel, recipients, sections, subject, body, ok, sent_by, sent_at) "
            "VALUES (1, 'dingtalk', '钉钉群', ['校安科'], 's', 'b', true, '绩效办', now()) RETURNING reminder_id"
        )
        assert new_id == 2
        with pytest.raises(duckdb.ConstraintException):
            db.con.execute("INSERT INTO section_contacts (unit, section) VALUES ('甲局', '无联系方式科')")
        assert db.scalar("SELECT value FROM meta WHERE key = 'data_version'") == "7"
    finally:
        db.close()
