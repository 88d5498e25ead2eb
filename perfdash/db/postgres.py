"""PostgreSQL as the system of record for several app processes (PERFDASH_DB=postgresql://…).

PostgreSQL holds the data and takes every write (the same schema, translated from schema.sql by
perfdash.db.dialect; the same one write path). Each process keeps DuckDB as its analytic engine: an
in-memory mirror of the tables, read from PostgreSQL whenever a table changed there. Statement
triggers count each table's changes in ``perfdash_table_changes``; a process compares the counts
with those it last loaded (at most every POLL_SECONDS, and at once after its own writes) and
reloads only the tables that changed, appending just the new rows of append-only tables. The
data version (meta.data_version) travels with the mirror, so every process's caches, keyed by it,
follow every other process's writes."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

# psycopg, psycopg_pool and sqlglot are imported where PostgreSQL is used: a DuckDB-only process
# (make run, every command on a file) does not pay for them at start.

POLL_SECONDS = 0.25  # how stale a process's view of other processes' writes may get
MIRROR_BATCH_ROWS = 20_000  # rows read from PostgreSQL into the mirror at a time
POOL_SIZE = 8  # connections kept open per process (psycopg_pool's min_size)
POOL_MAX = 32  # more are opened under a burst, up to this many; past it a request waits for one
POOL_IDLE_SECONDS = 60.0  # a burst's extra connections, unused this long, are closed (one at a time)
# No connection within this long (a server that does not answer, or refuses, or every connection
# busy): give up, and pages say the database is unavailable. Also how long the pool keeps retrying
# a connection in the background before it waits for the next request to try again, so that a
# server back after an outage is used again within seconds (not after a long backoff).
CONNECT_SECONDS = 10
# SQLSTATEs that mean the server cannot be reached or is going away (class 08: connection
# exception; 57P01-03: shut down, crashed, not yet accepting connections; 53300: too many
# connections). A failure with no SQLSTATE at all is the client losing the connection.
UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300")
# Tables only ever appended to by data-changing writes, which take the data version's row lock
# first and so commit in the order their ids were drawn: new rows are exactly those past the last
# id loaded.
APPEND_ONLY = {"progress": "progress_id", "audit_log": "audit_id"}
# Sign-in bookkeeping, written by every sign-in and read only as committed (Database.current_rows,
# or inside the write that counts attempts): not mirrored. Mirrored, each sign-in made every
# process reload the sessions table under the mirror's lock while every reader waited on it
# (py-spy on a 30-person rush: a quarter of the server's samples).
LIVE_ONLY = frozenset({"sessions", "sign_in_attempts"})
CHANGES_TABLE = "perfdash_table_changes"  # PostgreSQL's own bookkeeping; not part of the schema

# Names in the SQL of this module are the schema's own tables and columns, never input.
_CHANGES_SQL = """
CREATE TABLE IF NOT EXISTS perfdash_table_changes (
    name     TEXT PRIMARY KEY,
    changes  BIGINT NOT NULL,
    rewrites BIGINT NOT NULL
);
CREATE OR REPLACE FUNCTION perfdash_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO perfdash_table_changes AS c (name, changes, rewrites)
    VALUES (TG_TABLE_NAME, 1, CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE 1 END)
    ON CONFLICT (name) DO UPDATE SET changes = c.changes + 1, rewrites = c.rewrites + EXCLUDED.rewrites;
    RETURN NULL;
END $$;
"""


def is_postgres(target: str) -> bool:
    """Whether a database location names a PostgreSQL server rather than a DuckDB file."""
    return target.startswith(("postgresql://", "postgres://"))


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether an exception (or one it was raised from) says the PostgreSQL server cannot be
    reached or went away: a page shows 数据库暂时不可用 rather than an error. The pool's own
    errors (psycopg_pool.PoolTimeout: no connection within CONNECT_SECONDS; PoolClosed) are
    OperationalErrors without a SQLSTATE, so they count. A refused statement, a deadlock or a
    serialization failure is not that."""
    psycopg = sys.modules.get("psycopg")
    seen: set[int] = set()
    while psycopg is not None and exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, psycopg.OperationalError):
            state = getattr(exc, "sqlstate", None)
            if state is None or state.startswith(UNAVAILABLE_STATES):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def _plain(value: object) -> object:
    """A parameter as psycopg adapts it (numpy scalars from DataFrames become Python numbers)."""
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, (str, bytes, Decimal)) and type(value).__module__ == "numpy":
        return item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def schema_columns(schema_sql: str) -> dict[str, list[tuple[str, str]]]:
    """Every table of a DuckDB schema script with its columns and DuckDB types, in order (the
    shape the mirror takes, and what PostgreSQL must have)."""
    shape = duckdb.connect(":memory:")
    try:
        shape.execute(schema_sql)
        rows = shape.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM duckdb_columns() c "
            "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
            "WHERE t.database_name = current_database() AND NOT t.internal AND NOT t.temporary "
            "ORDER BY c.table_name, c.column_index"
        ).fetchall()
    finally:
        shape.close()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        columns.setdefault(table, []).append((column, kind))
    return columns


class PgCursor:
    """A PostgreSQL cursor that takes perfdash's DuckDB-dialect statements and parameters, so the
    write path's code is the same on both backends."""

    def __init__(self, cur: psycopg.Cursor):
        self.cur = cur

    def execute(self, sql: str, params: Sequence | dict | None = None) -> PgCursor:
        if isinstance(params, dict):
            values: Sequence | dict = {k: _plain(v) for k, v in params.items()}
        else:
            values = [_plain(v) for v in params or []]
        from perfdash.db.dialect import to_postgres

        self.cur.execute(to_postgres(sql), values or None)
        return self

    def fetchall(self) -> list[tuple]:
        return self.cur.fetchall() if self.cur.description is not None else []

    def lock(self, key: str) -> None:
        """Hold ``key`` until the transaction ends: two writers that meet on it take turns."""
        self.cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Many rows at once through COPY (``table`` and ``columns`` are the caller's constants)."""
        with self.cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_plain(v) for v in row])


class PgRecord:
    """The PostgreSQL side: a pool of connections (psycopg_pool), the schema, transactions."""

    def __init__(self, url: str):
        from psycopg_pool import ConnectionPool

        self.url = url
        self._claims: list[psycopg.Connection] = []
        # Whether the server may be down: at first, and after the pool could not hand out a
        # connection in time. Then the next request asks the server directly (see connection()).
        self._down = True
        # Connections in autocommit mode: transaction() says BEGIN (with its isolation level) and
        # COMMIT itself. One returned broken is closed and replaced, one returned in the middle of a
        # transaction rolled back (psycopg_pool does both); each is checked as it is handed out.
        self.pool: ConnectionPool = ConnectionPool(
            url,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_SECONDS},
            min_size=POOL_SIZE,
            max_size=POOL_MAX,
            max_idle=POOL_IDLE_SECONDS,
            timeout=CONNECT_SECONDS,
            reconnect_timeout=CONNECT_SECONDS,
            check=self._check,
            name="perfdash",
            open=True,
        )

    def _check(self, conn: psycopg.Connection) -> None:
        """A connection about to be handed out, tried (one empty statement). One that fails means
        the server restarted or went away, and every idle connection is as stale: all are replaced
        at once (the pool's drain), so that the next try gets a new one rather than the pool
        working through the stale ones, backing off longer after each."""
        from psycopg_pool import ConnectionPool

        try:
            ConnectionPool.check_connection(conn)
        except Exception:
            self.pool.drain()
            raise

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection of the pool for the block (psycopg_pool.PoolTimeout when none can be had
        within CONNECT_SECONDS: is_unavailable says so).

        While the server may be down, one direct attempt to connect first: a server that refuses
        makes the page say so at once, where the pool would have the visitor wait CONNECT_SECONDS
        (it retries in the background and tells waiting clients nothing of failed attempts)."""
        from psycopg_pool import PoolTimeout

        if self._down:
            import psycopg

            psycopg.connect(self.url, connect_timeout=CONNECT_SECONDS).close()
            self._down = False
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout:
            self._down = True
            raise

    @contextlib.contextmanager
    def transaction(self, isolation: str = "READ COMMITTED") -> Iterator[PgCursor]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        import psycopg

        with self.connection() as conn, conn.cursor() as cur:
            cur.execute(f"BEGIN ISOLATION LEVEL {isolation}")  # one of two constants of this module
            try:
                yield PgCursor(cur)
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def read_now(self, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        """One DuckDB-dialect read, answered by PostgreSQL as committed this moment (one round trip
        on a pooled connection), not by this process's mirror."""
        with self.connection() as conn, conn.cursor() as cur:
            return PgCursor(cur).execute(sql, params).fetchall()

    def claim(self, name: str) -> bool:
        """Whether this process is the one to do ``name`` (scheduled backups, say) among all the
        processes sharing the database: a lock held by a connection kept open for the life of the
        process, so that another process takes over only when this one ends (its own connection,
        outside the pool: the pool would recycle it, and the lock with it)."""
        import psycopg

        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_SECONDS)
        got = bool(conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 1))", [name]).fetchone()[0])
        if got:
            self._claims.append(conn)
        else:
            conn.close()
        return got

    def next_values(self) -> dict[str, int]:
        """The value each sequence's nextval() gives next (without taking it). Sequences are not
        transactional: read after a snapshot, they are at or past every id in it."""
        with self.transaction("READ COMMITTED READ ONLY") as cur:
            rows = cur.cur.execute(
                "SELECT sequencename, coalesce(last_value + increment_by, start_value) FROM pg_sequences "
                "WHERE schemaname = current_schema()"
            ).fetchall()
        return {str(name): int(value) for name, value in rows}

    def close(self) -> None:
        for conn in self._claims:
            conn.close()
        self.pool.close()

    def run_script(self, cur: PgCursor, script: str) -> None:
        """A DuckDB script (schema.sql, a migration), translated, in the caller's transaction."""
        from perfdash.db.dialect import script_to_postgres

        for statement in script_to_postgres(script):
            cur.cur.execute(statement)

    def is_current(self, columns: dict[str, list[tuple[str, str]]], markers: set[str]) -> bool:
        """Whether the database already has every table and column of ``columns`` (schema.sql's),
        every migration marker in ``markers`` and the change triggers: then opening it changes
        nothing. Checked without locks, because setting up takes table locks that a running
        process's writes would wait on (or deadlock with)."""
        with self.transaction("READ COMMITTED READ ONLY") as cur:
            have = set(
                cur.cur.execute(
                    "SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema()"
                ).fetchall()
            )
            if ("meta", "key") not in have or any((t, c) not in have for t, cols in columns.items() for c, _ in cols):
                return False
            applied = {r[0] for r in cur.cur.execute("SELECT key FROM meta WHERE key LIKE 'migration_%'").fetchall()}
            return markers <= applied and set(columns) <= self._triggered(cur)

    @staticmethod
    def _triggered(cur: PgCursor) -> set[str]:
        """The tables that have their change trigger."""
        return {
            r[0]
            for r in cur.cur.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE t.tgname = 'perfdash_changes' AND n.nspname = current_schema()"
            ).fetchall()
        }

    def prepare(self, cur: PgCursor) -> None:
        """Setting up, in the caller's transaction: the change counter and a trigger on every table
        that lacks one (a table added by a later schema version gets its trigger then)."""
        cur.cur.execute(_CHANGES_SQL)
        triggered = self._triggered(cur)
        tables = [
            r[0]
            for r in cur.cur.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> %s",
                [CHANGES_TABLE],
            ).fetchall()
            if r[0] not in triggered
        ]
        for table in tables:
            cur.cur.execute(
                f'CREATE OR REPLACE TRIGGER perfdash_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION perfdash_note_change()"
            )


class Mirror:
    """This process's DuckDB copy of the PostgreSQL tables (the analytic engine of every read):
    the same columns and types as schema.sql gives DuckDB, without constraints (PostgreSQL has
    enforced them; a reload deletes and inserts freely)."""

    def __init__(self, record: PgRecord, columns: dict[str, list[tuple[str, str]]]):
        self.record = record
        self.con = duckdb.connect(":memory:")
        self.columns = {table: cols for table, cols in columns.items() if table not in LIVE_ONLY}
        for table, cols in self.columns.items():
            self.con.execute(f'CREATE TABLE "{table}" ({", ".join(f"{c} {k}" for c, k in cols)})')
        self._seen: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._checked = 0.0
        self.version = 0

    def sync(self, force: bool = False) -> None:
        """Bring the mirror up to PostgreSQL's last commit when anything changed there (looked at
        no more often than every POLL_SECONDS unless ``force``): one consistent snapshot of
        PostgreSQL, applied in one DuckDB transaction, so a reader sees the mirror before or after,
        never half-way."""
        if not force and time.monotonic() - self._checked < POLL_SECONDS:
            return
        with self._lock:
            if not force and time.monotonic() - self._checked < POLL_SECONDS:
                return  # another thread looked meanwhile
            started = time.monotonic()
            with self.record.transaction("REPEATABLE READ READ ONLY") as pg:
                counts = {
                    name: (int(c), int(r))
                    for name, c, r in pg.cur.execute(f"SELECT name, changes, rewrites FROM {CHANGES_TABLE}").fetchall()  # noqa: S608
                }
                stale = [t for t in self.columns if counts.get(t, (0, 0)) != self._seen.get(t)]
                if stale:
                    self._load(pg, stale, counts)
                version = int(pg.cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])
            self._seen = {t: counts.get(t, (0, 0)) for t in self.columns}
            self.version = version
            self._checked = started

    def _load(self, pg: PgCursor, tables: list[str], counts: dict[str, tuple[int, int]]) -> None:
        cur = self.con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            for table in tables:
                cols = self.columns[table]
                names = [c for c, _ in cols]
                key = APPEND_ONLY.get(table)
                seen = self._seen.get(table)
                since = None
                if key and seen is not None and seen[1] == counts.get(table, (0, 0))[1]:
                    since = cur.execute(f'SELECT coalesce(max({key}), 0) FROM "{table}"').fetchall()[0][0]  # noqa: S608
                else:
                    cur.execute(f'DELETE FROM "{table}"')  # noqa: S608
                select = ", ".join(_transfer(c, k) for c, k in cols)
                sql = f'SELECT {select} FROM "{table}"'  # noqa: S608
                params: list = []
                if since is not None:
                    sql += f" WHERE {key} > %s ORDER BY {key}"
                    params = [since]
                elif key:
                    sql += f" ORDER BY {key}"
                casts = ", ".join(f"CAST({c} AS {k})" for c, k in cols)
                # Streamed in batches (a server-side cursor): a whole city's progress read at once
                # held every row twice, in libpq and as Python objects, while the process started.
                with pg.cur.connection.cursor(name=f"mirror_{table}") as result:
                    result.execute(sql, params or None)
                    while batch := result.fetchmany(MIRROR_BATCH_ROWS):
                        cur.register("pg_rows", pd.DataFrame(batch, columns=names, dtype=object))
                        cur.execute(f'INSERT INTO "{table}" ({", ".join(names)}) SELECT {casts} FROM pg_rows')  # noqa: S608
                        cur.unregister("pg_rows")
            cur.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def close(self) -> None:
        self.con.close()


def _transfer(column: str, kind: str) -> str:
    """How a column travels from PostgreSQL to the mirror: exact decimals as text (DuckDB casts
    them back exactly), everything else as psycopg gives it."""
    return f"{column}::text" if kind.startswith("DECIMAL") else column
