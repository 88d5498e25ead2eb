"""One schema source: schema.sql and the migrations, written for DuckDB, give PostgreSQL the same
tables, columns, types, defaults and constraints (every table someone adds is compared too)."""

from __future__ import annotations

import re
import threading

import psycopg
import pytest

from perfdash.db.postgres import CHANGES_TABLE
from perfdash.store import Store
from tests.waiting import wait_until

# DuckDB's type names and PostgreSQL's for the same thing.
PG_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "time without time zone": "TIME",
    "double precision": "DOUBLE",
}


def _duckdb_shape(store: Store) -> dict:
    con = store.con
    columns = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL "
        "FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND NOT internal ORDER BY table_name, column_name"
    ).fetchall()
    constraints = con.execute(
        "SELECT table_name, constraint_type, constraint_column_names, referenced_table "
        "FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND constraint_type <> 'NOT NULL'"
    ).fetchall()
    return {
        "columns": {(t, c, kind, bool(n), bool(d)) for t, c, kind, n, d in columns},
        "keys": sorted(
            (t, kind, tuple(cols), ref if kind == "FOREIGN KEY" else "")
            for t, kind, cols, ref in constraints
            if kind != "CHECK"
        ),
        "checks": sorted(t for t, kind, _, _ in constraints if kind == "CHECK"),
    }


def _pg_type(data_type: str, udt: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"DECIMAL({precision},{scale})"
    if data_type == "ARRAY":
        return PG_TYPES[{"_text": "text", "_varchar": "character varying"}[udt]] + "[]"
    return PG_TYPES[data_type]


def _postgres_shape(url: str) -> dict:
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, udt_name, numeric_precision, numeric_scale, "
            "is_nullable = 'YES', column_default IS NOT NULL FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name <> %s",
            [CHANGES_TABLE],
        ).fetchall()
        constraints = conn.execute(
            "SELECT c.conrelid::regclass::text, c.contype, "
            "  ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
            "        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), "
            "  CASE WHEN c.contype = 'f' THEN c.confrelid::regclass::text ELSE '' END "
            "FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace "
            "WHERE s.nspname = current_schema() AND c.conrelid::regclass::text <> %s",
            [CHANGES_TABLE],
        ).fetchall()
    kinds = {"p": "PRIMARY KEY", "u": "UNIQUE", "f": "FOREIGN KEY", "c": "CHECK"}
    return {
        "columns": {(t, c, _pg_type(k, u, p, s), n, d) for t, c, k, u, p, s, n, d in columns},
        "keys": sorted(
            (t, kinds[kind], tuple(cols), ref) for t, kind, cols, ref in constraints if kinds.get(kind) != "CHECK"
        ),
        "checks": sorted(t for t, kind, _, _ in constraints if kind == "c"),
    }


@pytest.fixture
def both(tmp_path, pg_cluster):
    url = pg_cluster.new_database()
    duck, pg = Store(tmp_path / "shape.duckdb"), Store(url)
    yield duck, url
    duck.close()
    pg.close()


def test_both_backends_have_the_same_tables_columns_and_constraints(both):
    duck, url = both
    d, p = _duckdb_shape(duck), _postgres_shape(url)
    assert {c[0] for c in d["columns"]} == {c[0] for c in p["columns"]}
    assert len({c[0] for c in d["columns"]}) >= 30  # every table of schema.sql, not an empty match
    assert d["columns"] == p["columns"]
    assert d["keys"] == p["keys"]
    assert d["checks"] == p["checks"]


def test_a_migration_written_for_duckdb_runs_on_postgresql(pg_cluster, tmp_path, monkeypatch):
    """A database made at one schema version gets the next one's migration, on PostgreSQL too."""
    import perfdash.db.database as database

    url = pg_cluster.new_database()
    Store(url).close()  # made at the current version
    migration = tmp_path / "999_test_column.sql"
    migration.write_text(
        "ALTER TABLE plans ADD COLUMN IF NOT EXISTS test_note VARCHAR "
        "CHECK (test_note IS NULL OR regexp_full_match(test_note, '[a-z]+'));\n"
        "UPDATE meta SET value = value WHERE key LIKE 'migration_%';\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(database.MIGRATIONS, 999, migration)
    store = Store(url)
    try:
        assert store.scalar("SELECT value FROM meta WHERE key = 'migration_999'") == "applied"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO plans (unit, year, title, test_note) VALUES ('某局', 2025, 't', 'abc')")
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute("INSERT INTO plans (unit, year, title, test_note) VALUES ('某局', 2026, 't', 'ab1')")
    finally:
        store.close()


def test_translation_keeps_parameters_and_literal_percent_signs():
    from perfdash.db.dialect import to_postgres

    sql = to_postgres("SELECT key FROM meta WHERE key LIKE 'migration_%' AND value = ? AND key <> $name")
    assert re.search(r"LIKE 'migration_%%'", sql)
    assert "= %s" in sql and "<> %(name)s" in sql


def test_a_new_table_and_column_reach_postgresql_and_the_mirror(pg_cluster, tmp_path, monkeypatch):
    """A later version's schema.sql with a new table and a new column (and the migration that adds
    the column to an older database), on a PostgreSQL database made before: both arrive, the new
    table gets its change trigger, and the mirror reads them."""
    import perfdash.db.database as database

    url = pg_cluster.new_database()
    Store(url).close()  # made at the current version
    schema = tmp_path / "schema.sql"
    schema.write_text(
        database.SCHEMA_FILE.read_text(encoding="utf-8")
        + "\nCREATE TABLE IF NOT EXISTS test_settings (plan_id INTEGER PRIMARY KEY REFERENCES plans (plan_id), "
        "due_day INTEGER NOT NULL CHECK (due_day BETWEEN 1 AND 28));\n"
        "ALTER TABLE progress ADD COLUMN IF NOT EXISTS test_late BOOLEAN DEFAULT FALSE;\n",
        encoding="utf-8",
    )
    migration = tmp_path / "998_test_late.sql"
    migration.write_text("ALTER TABLE progress ADD COLUMN IF NOT EXISTS test_late BOOLEAN DEFAULT FALSE;\n", "utf-8")
    monkeypatch.setattr(database, "SCHEMA_FILE", schema)
    monkeypatch.setitem(database.MIGRATIONS, 998, migration)
    store = Store(url)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO plans (unit, year, title) VALUES ('某局', 2025, 't')")
            conn.execute("INSERT INTO test_settings VALUES (1, 20)")
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute("INSERT INTO test_settings VALUES (1, 31)")
        wait_until(
            lambda: store.rows("SELECT due_day FROM test_settings") == [(20,)],
            5,
            "the mirror seeing the new table's row",
            every=0.05,
        )
        assert store.rows("SELECT count(*) FROM progress WHERE NOT test_late") == [(0,)]
    finally:
        store.close()


def test_opening_an_up_to_date_database_does_not_wait_for_writers(pg_cluster):
    """A process starting beside running ones (a new app process, the command line) takes no table
    lock: it opens while another process's write transaction is still open."""
    url = pg_cluster.new_database()
    Store(url).close()
    with psycopg.connect(url) as writer:  # a transaction left open, as a write in progress is
        writer.execute("UPDATE meta SET value = value WHERE key = 'data_version'")
        writer.execute("INSERT INTO plans (unit, year, title) VALUES ('某局', 2025, 't')")
        opened: list[Store] = []
        thread = threading.Thread(target=lambda: opened.append(Store(url)), daemon=True)
        thread.start()
        thread.join(20)
        assert opened, "opening waited on the open write transaction"
        opened[0].close()
        writer.rollback()
