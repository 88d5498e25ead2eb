"""The database: the shared DuckDB connection, reads, and the one write path every domain's writes
go through (one transaction, the actor checked, the data version raised, the audit entry written)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sys
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from perfdash.core.access import ROLE_LABELS, Actor, unit_refusal
from perfdash.core.settings import TEXT_LIMITS
from perfdash.db.postgres import Mirror, PgCursor, PgRecord, is_postgres, schema_columns

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
# Changes to existing tables, one file per schema version (NNN_what.sql), applied in order to a
# database made by an earlier version; a new database gets schema.sql as it is now.
MIGRATIONS = {int(p.name[:3]): p for p in sorted(Path(__file__).with_name("migrations").glob("[0-9][0-9][0-9]_*.sql"))}
SCHEMA_VERSION = str(max(MIGRATIONS, default=1))
# A safety net under every field's own limit: no single text value written may be longer than
# this, whatever path it came by (a 20-million-character note slowed every page for everyone).
MAX_TEXT = 20_000

# The data version of every database file open in this process, shared by all its Databases. A
# DuckDB file open for writing is locked against other processes, so only this process's write
# transactions move it: they set it here after each COMMIT, and reads never need a query for it.
_VERSIONS: dict[str, int] = {}
_VERSIONS_LOCK = threading.Lock()


class StoreError(ValueError):
    """A write refused by validation or permission (message in Chinese)."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


class HeldByServer(StoreError):
    """The database file is held by a running app server: waiting for it would not help."""

    def __init__(self, path: str, pid: int):
        super().__init__(f"数据库 {path} 正由运行中的看板使用（进程 {pid}）")
        self.path, self.pid = path, pid


def bounded(label: str, value: str | None, kind: str, required: bool = False) -> str:
    """``value`` stripped, refused (naming ``label``) when longer than the limit of its ``kind``
    (settings.TEXT_LIMITS) or, if ``required``, empty."""
    text = (value or "").strip()
    limit = TEXT_LIMITS[kind]
    if len(text) > limit:
        raise StoreError(f"{label}有 {len(text)} 个字，超过 {limit} 字的上限，请精简后再保存")
    if required and not text:
        raise StoreError(f"请填写{label}")
    return text


def require_role(actor: Actor, roles: Collection[str], what: str) -> None:
    """Refuse an actor whose role is not among ``roles``, naming who may do ``what``."""
    if actor.role not in roles:
        who = "或".join(ROLE_LABELS[r] for r in roles)
        raise StoreError(f"只有{who}可以{what}（当前身份：{actor.label}）")


class Write:
    """One write transaction in progress: its cursor (DuckDB's, or PostgreSQL's taking the same
    statements), and the audit entry it must leave."""

    def __init__(self, cur: duckdb.DuckDBPyConnection | PgCursor, actor: Actor):
        self.cur, self.actor = cur, actor
        self.entry: tuple[str, str, str, object, object] | None = None
        self.unaudited = False

    def execute(self, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        """Run one statement of the write (parameters only, never formatted in) and return its rows."""
        _check_lengths(params)
        return self.cur.execute(sql, params or []).fetchall()

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Insert many rows in one statement (``table`` and ``columns`` are the caller's constants)."""
        for row in rows:
            _check_lengths(row)
        if isinstance(self.cur, PgCursor):
            if rows:
                self.cur.insert(table, columns, rows)
        else:
            _insert_rows(self.cur, table, columns, rows)

    def lock(self, key: str) -> None:
        """Make two writes that meet on ``key`` (an account's sign-in count, say) take turns. On
        PostgreSQL, where writes from several processes run at once, a lock held until this
        transaction ends; on DuckDB writes already go one at a time."""
        if isinstance(self.cur, PgCursor):
            self.cur.lock(key)

    def audit(self, action: str, entity: str, key: str, old: object, new: object) -> None:
        """What this write did, for the audit log: ``action`` on ``entity`` ``key``, from ``old`` to ``new``."""
        self.entry = (action, entity, key, old, new)

    def without_audit(self) -> None:
        """This write records nothing anyone did (generated demo data, a login attempt, a no-op)."""
        self.unaudited = True


class Database:
    """One DuckDB database. Reads go through ``query``; writes through ``write``, which every
    domain's write functions use (perfdash.store.Store gathers them)."""

    def __init__(self, path: str | Path, wait_seconds: float = 0.0, read_only: bool = False):
        """Open (or create) the database. Only one process may hold a DuckDB file: another
        process's command waits up to ``wait_seconds`` for it, then gives up with a clear message.
        ``read_only``: an existing DuckDB file, opened for reading only (never created or migrated;
        DuckDB refuses a write); on PostgreSQL it changes nothing."""
        self.path = str(path)
        self._write_lock = threading.Lock()
        self._pg: PgRecord | None = None
        self._mirror: Mirror | None = None
        if is_postgres(self.path):
            self._open_postgres()
            return
        if read_only:
            self.con = _connect(self.path, wait_seconds, read_only=True)
            self._require_current()
        else:
            self._open_for_writing(wait_seconds)
        # One key per database: the file's real path, or this instance for an in-memory database.
        self._version_key = f":memory:{id(self)}" if self.path == ":memory:" else str(Path(self.path).resolve())
        with _VERSIONS_LOCK:
            _VERSIONS[self._version_key] = self._stored_version(self.con)

    def _open_for_writing(self, wait_seconds: float) -> None:
        """The file opened (created when new) and brought to the newest schema."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, wait_seconds)
        fresh = not self.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'meta'").fetchall()
        self.con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        self.con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING", [SCHEMA_VERSION])
        self.con.execute("INSERT INTO meta VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING")
        if fresh:  # schema.sql is the newest shape: every migration is in it already
            for v in MIGRATIONS:
                self.con.execute("INSERT INTO meta VALUES (?, 'applied') ON CONFLICT (key) DO NOTHING", [_marker(v)])
        else:
            self._migrate()

    def _require_current(self) -> None:
        """A file opened read-only is read as it is: refuse one that is not a perfdash database, or
        that an earlier version made (bringing it up to date is a write)."""
        if not self.rows("SELECT 1 FROM duckdb_tables() WHERE table_name = 'meta'"):
            self.con.close()
            raise StoreError(f"{self.path} 不是看板的数据库")
        current = int(self.scalar("SELECT value FROM meta WHERE key = 'schema_version'") or 0)
        applied = {str(r[0]) for r in self.rows("SELECT key FROM meta WHERE key LIKE 'migration_%'")}
        applied = applied or {_marker(v) for v in MIGRATIONS if v <= current}  # from before the markers
        if any(_marker(v) not in applied for v in MIGRATIONS):
            self.con.close()
            raise StoreError(f"数据库 {self.path} 由较早的版本建立，需要先升级（启动一次看板即自动升级），再运行此命令")

    def _open_postgres(self) -> None:
        """PostgreSQL as the system of record: its schema brought up to date (one process at a
        time, under a lock), then this process's DuckDB mirror loaded from it."""
        self._pg = PgRecord(self.path)
        try:
            schema = SCHEMA_FILE.read_text(encoding="utf-8")
            columns = schema_columns(schema)
            if not self._pg.is_current(columns, {_marker(v) for v in MIGRATIONS}):
                self._set_up_postgres(self._pg, schema)
            self._mirror = Mirror(self._pg, columns)
            self.con = self._mirror.con
            self._mirror.sync(force=True)
        except BaseException:
            # A server down at the first visit, say: the pool's threads would keep trying to connect.
            if self._mirror is not None:
                self._mirror.close()
            self._pg.close()
            raise

    @staticmethod
    def _set_up_postgres(pg: PgRecord, schema: str) -> None:
        """schema.sql, the migrations not yet applied and the change triggers, in one transaction
        (one process at a time). Its table locks make running processes' writes wait: it runs only
        when the database lacks something (new, or made by an earlier version)."""
        with pg.transaction() as cur:
            cur.lock("perfdash schema")
            fresh = not cur.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'meta'"
            ).fetchall()
            pg.run_script(cur, schema)
            cur.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING", [SCHEMA_VERSION])
            cur.execute("INSERT INTO meta VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING")
            applied = {str(r[0]) for r in cur.execute("SELECT key FROM meta WHERE key LIKE 'migration_%'").fetchall()}
            for version, path in sorted(MIGRATIONS.items()):
                if fresh or not applied:  # a new database has every migration in schema.sql
                    cur.execute("INSERT INTO meta VALUES (?, 'applied') ON CONFLICT DO NOTHING", [_marker(version)])
                elif _marker(version) not in applied:
                    pg.run_script(cur, path.read_text(encoding="utf-8"))
                    cur.execute("INSERT INTO meta VALUES (?, 'applied')", [_marker(version)])
                    cur.execute(
                        "UPDATE meta SET value = ? WHERE key = 'schema_version' AND CAST(value AS INTEGER) < ?",
                        [str(version), version],
                    )
            pg.prepare(cur)

    @property
    def on_postgres(self) -> bool:
        """Whether PostgreSQL is the system of record (several processes share it)."""
        return self._pg is not None

    def claim(self, name: str) -> bool:
        """Whether this process is the one to do ``name`` among the processes sharing the database
        (always, on a DuckDB file: one process holds it)."""
        return self._pg.claim(name) if self._pg is not None else True

    def next_ids(self) -> dict[str, int]:
        """On PostgreSQL, the id each sequence gives next (a backup carries them, so that a restored
        database never reuses the id of a row deleted before it); on DuckDB, empty (its own
        catalog says, in the same transaction as the backup)."""
        return self._pg.next_values() if self._pg is not None else {}

    def _fresh(self) -> None:
        """On PostgreSQL, the mirror brought up to other processes' writes (checked at most every
        few hundred milliseconds); on DuckDB nothing to do."""
        if self._mirror is not None:
            self._mirror.sync()

    def close(self) -> None:
        self.con.close()
        if self._pg is not None:
            self._pg.close()

    def _migrate(self) -> None:
        """Bring a database made by an earlier version up to date: every migration it has not had,
        in order, each in one transaction with its marker (one cut short leaves no trace). A
        database from before the markers has had every migration up to its schema version."""
        current = int(self.scalar("SELECT value FROM meta WHERE key = 'schema_version'"))
        applied = {str(k) for k in self.query("SELECT key FROM meta WHERE key LIKE 'migration_%'")["key"]}
        if not applied:  # from before the markers: record what its version says it has had
            applied = {_marker(v) for v in MIGRATIONS if v <= current}
            for m in sorted(applied):
                self.con.execute("INSERT INTO meta VALUES (?, 'applied') ON CONFLICT (key) DO NOTHING", [m])
        for version, path in sorted(MIGRATIONS.items()):
            if _marker(version) in applied:
                continue
            cur = self.con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                cur.execute(path.read_text(encoding="utf-8"))
                cur.execute("INSERT INTO meta VALUES (?, 'applied') ON CONFLICT (key) DO NOTHING", [_marker(version)])
                cur.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version' AND CAST(value AS INTEGER) < ?",
                    [str(version), version],
                )
                cur.execute("COMMIT")
            except BaseException:
                _rollback(cur)
                raise
            finally:
                cur.close()

    # -- reading -----------------------------------------------------------

    def query(self, sql: str, params: Sequence | dict | None = None) -> pd.DataFrame:
        """Run one read query on a cursor of its own (safe across Streamlit's threads)."""
        self._fresh()
        cur = self.con.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def rows(self, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        """Run one read query and return its rows as tuples."""
        self._fresh()
        cur = self.con.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    def current_rows(self, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        """``rows`` as committed this moment by every process: on PostgreSQL asked of the server
        itself, not this process's mirror (which follows other processes' writes within
        POLL_SECONDS). For checks a revocation must reach at once: a session, a screen token."""
        if self._pg is not None:
            return self._pg.read_now(sql, params)
        return self.rows(sql, params)

    def scalar(self, sql: str, params: Sequence | dict | None = None) -> object:
        """Run one read query and return the first column of its first row (None: no row)."""
        self._fresh()
        cur = self.con.cursor()
        try:
            row = cur.execute(sql, params or []).fetchall()
            return row[0][0] if row else None
        finally:
            cur.close()

    def version(self) -> int:
        """A number every write transaction raises: the key of cached reads, so a write
        invalidates exactly what was read before it. On DuckDB kept in memory (no query); on
        PostgreSQL the version of the mirror, which follows every process's writes."""
        if self._mirror is not None:
            self._mirror.sync()
            return self._mirror.version
        return _VERSIONS[self._version_key]

    @staticmethod
    def _stored_version(cur: duckdb.DuckDBPyConnection | PgCursor) -> int:
        return int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])

    def locked(self, plan_id: int) -> bool:
        """Whether the office has locked the plan's year (after the evaluation)."""
        return bool(self.scalar("SELECT count(*) FROM plan_locks WHERE plan_id = ?", [plan_id]))

    def require_unlocked(self, plan_id: int, actor: Actor) -> None:
        """Once the office locks a plan's year, only the office changes anything in it."""
        if actor.role != "office" and self.locked(plan_id):
            raise StoreError("本年度绩效已由绩效办锁定，只有绩效办可以修改")

    def plan_unit(self, plan_id: int) -> str:
        """The unit (bureau) a plan belongs to; StoreError if there is no such plan."""
        unit = self.scalar("SELECT unit FROM plans WHERE plan_id = ?", [plan_id])
        if unit is None:
            raise StoreError(f"方案 {plan_id} 不存在")
        return str(unit)

    def require_unit(self, plan_id: int, actor: Actor) -> None:
        """Refuse an actor bound to other units than the plan's (an account sees and changes only
        its own unit's plans), and the city's office (市直绩效办 reads every unit, changes none).
        Every write of a plan's data passes here (``write`` with its plan_id), so this is the one
        place a unit's data is guarded."""
        refusal = unit_refusal(actor, self.plan_unit(plan_id))
        if refusal is not None:
            raise StoreError(refusal)

    def target_people(self, plan_id: int, code: str) -> tuple[list[str], list[str], float]:
        """A target's sections (lead first), leaders and points; StoreError if there is no such target."""
        rows = self.query(
            "SELECT t.points::DOUBLE AS points, "
            "(SELECT list(section ORDER BY seq) FROM target_sections s WHERE s.plan_id = t.plan_id AND s.code = t.code)"
            " AS sections, (SELECT list(leader ORDER BY seq) FROM target_leaders l WHERE l.plan_id = t.plan_id "
            "AND l.code = t.code) AS leaders FROM targets t WHERE t.plan_id = $p AND t.code = $c",
            {"p": plan_id, "c": code},
        )
        if rows.empty:
            raise StoreError(f"方案中没有编号为“{code}”的目标")
        r = rows.iloc[0]
        return (
            list(r["sections"] if r["sections"] is not None else []),
            list(r["leaders"] if r["leaders"] is not None else []),
            float(r["points"]),
        )

    def progress_rules(self, plan_id: int) -> tuple[int, dict[str, set[str]]]:
        """What validating progress needs: the plan year and each target's sections."""
        year = self.scalar("SELECT year FROM plans WHERE plan_id = ?", [plan_id])
        if year is None:
            raise StoreError(f"方案 {plan_id} 不存在")
        owners: dict[str, set[str]] = {}
        self._fresh()
        cur = self.con.cursor()
        try:
            pairs = cur.execute(
                "SELECT t.code, s.section FROM targets t LEFT JOIN target_sections s USING (plan_id, code) "
                "WHERE t.plan_id = ?",
                [plan_id],
            ).fetchall()
        finally:
            cur.close()
        for code, section in pairs:
            owners.setdefault(code, set()).add(section)
        return int(year), owners

    def plan_year(self, plan_id: int) -> int:
        """The year of a plan."""
        return int(self.scalar("SELECT year FROM plans WHERE plan_id = ?", [plan_id]))

    # -- writing: the one path --------------------------------------------

    @contextlib.contextmanager
    def write(
        self,
        actor: Actor,
        *,
        roles: Collection[str] | None = None,
        what: str = "修改",
        plan_id: int | None = None,
        unlocked: bool = False,
        changes_data: bool = True,
        live_only: bool = False,
    ) -> Iterator[Write]:
        """The only way anything is written: one transaction on a cursor of its own, committed whole
        or rolled back whole, with its audit entry (who, when, what, old and new; see ``Write.audit``)
        inside it, and the data version raised. ``roles`` limits who may write (refused as
        "只有…可以{what}"); ``plan_id`` must lie in one of the actor's units (``require_unit``: never
        the city's office, which reads only); ``unlocked`` refuses
        everyone but the office once that plan's year is locked. Sign-in bookkeeping, which no page
        shows, leaves the data version (and every cached read) alone (``changes_data=False``); a
        write only to the tables PostgreSQL's mirror leaves out (sessions, sign-in attempts:
        LIVE_ONLY) says ``live_only``: it changes no data either, and costs no mirror sync.
        Writes are serialised (DuckDB takes one writer at a time anyway)."""
        if roles is not None:
            require_role(actor, roles, what)
        unit = None
        if plan_id is not None:
            self.require_unit(plan_id, actor)
            unit = self.plan_unit(plan_id)
        with self._transaction() as cur:
            if changes_data and not live_only:
                # First, so that data-changing writes take turns on this row (PostgreSQL: several
                # processes write at once) and commit in the order they began.
                cur.execute(
                    "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'"
                )
            locked = unlocked and plan_id is not None and actor.role != "office"
            if locked and cur.execute("SELECT count(*) FROM plan_locks WHERE plan_id = ?", [plan_id]).fetchall()[0][0]:
                raise StoreError("本年度绩效已由绩效办锁定，只有绩效办可以修改")
            w = Write(cur, actor)
            yield w
            if w.entry is not None:
                _audit(cur, actor, *w.entry, unit=unit)
            elif not w.unaudited:
                raise RuntimeError("a write must leave an audit entry (Write.audit) or say it has none")
            version = self._stored_version(cur)
        if self._mirror is not None:
            if not live_only:
                self._mirror.sync(force=True)  # this process reads its own write at once
        else:
            with _VERSIONS_LOCK:
                _VERSIONS[self._version_key] = version

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection | PgCursor]:
        """One transaction of the write path, committed when the block ends, rolled back when it
        raises: on PostgreSQL (writers of several processes meet on row locks), or on DuckDB
        (serialised in this process; DuckDB takes one writer at a time anyway)."""
        if self._pg is not None:
            with self._pg.transaction() as pg:
                yield pg
            return
        with self._write_lock:
            cur = self.con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                _rollback(cur)
                raise
            finally:
                cur.close()


def _marker(version: int) -> str:
    return f"migration_{version:03d}"


def _check_lengths(values: Sequence | dict | None) -> None:
    for value in (values.values() if isinstance(values, dict) else values) or ():
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise StoreError(f"文字内容有 {len(value)} 个字符，超过 {MAX_TEXT} 字的上限，未保存")


def _audit(
    cur: duckdb.DuckDBPyConnection | PgCursor,
    actor: Actor,
    action: str,
    entity: str,
    key: str,
    old: object,
    new: object,
    unit: str | None = None,
) -> None:
    """One audit entry, inside the write's own transaction: who, when, what, old and new, and the
    unit whose plan it changed."""
    cur.execute(
        "INSERT INTO audit_log (logged_at, actor, role, action, entity, entity_key, old_value, new_value, unit) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(),
            actor.username or actor.name,  # the person, where one is signed in
            actor.role,
            action,
            entity,
            key,
            _audit_value(old),
            _audit_value(new),
            unit,
        ],
    )


def _audit_value(value: object) -> str | None:
    """An audit entry's old or new value as JSON, within MAX_TEXT like every other text: a batch
    of thousands of rows is kept as its beginning, its full length and the SHA-256 of the whole
    (which the rows themselves, in their tables, can be checked against)."""
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= MAX_TEXT:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()
    tail = f"…（共 {len(text)} 字，超过 {MAX_TEXT} 字，只记前面部分；全文 SHA-256 {digest}）"
    return text[: MAX_TEXT - len(tail)] + tail


def server_holding(lock_message: str) -> int | None:
    """The process id of the app server holding a database, from DuckDB's lock error ("Conflicting
    lock is held in … (PID 123)"), or None when the holder is not a server (another command, which
    ends by itself) or cannot be told (no /proc)."""
    m = re.search(r"\(PID (\d+)\)", lock_message)
    if not m:
        return None
    pid = int(m.group(1))
    try:
        words = [w.decode("utf-8", "replace") for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if w]
    except OSError:
        return None
    streamlit = any(Path(w).name == "streamlit" for w in words)  # streamlit run, python -m streamlit run
    serving = "perfdash" in words and "serve" in words  # python -m perfdash serve
    return pid if streamlit or serving else None


def _connect(path: str, wait_seconds: float, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only and not Path(path).is_file():
        raise StoreError(f"数据库文件 {path} 不存在")
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.ConnectionException as exc:
            # This process holds the file for writing already (a command run in-process, as tests
            # do): DuckDB keeps one instance per file and process and refuses a second
            # configuration, so share that one. The file exists; nothing is created.
            if read_only and "different configuration" in str(exc):
                return duckdb.connect(path)
            raise
        except duckdb.IOException as exc:
            if read_only and "lock" not in str(exc).lower():  # not a DuckDB file, say: one line for the reader
                raise StoreError(f"无法读取数据库 {path}：{exc}") from exc
            if "lock" not in str(exc).lower():
                raise
            server = server_holding(str(exc))
            if server is not None:
                raise HeldByServer(path, server) from exc
            if time.monotonic() >= deadline:
                raise StoreError(f"数据库 {path} 正被另一个程序使用（如正在运行的看板），请稍后再试") from exc
            if delay == 0.05:  # the first wait: say why the command seems to hang
                print(f"数据库 {path} 正被另一个程序使用，最多等待 {wait_seconds:g} 秒…", file=sys.stderr, flush=True)
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def _insert_rows(cur: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert many rows in one statement (row-by-row executemany is slow in DuckDB).

    ``table`` and ``columns`` are constants of the calling module; the values travel as a DataFrame."""
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=list(columns))
    cur.register("incoming_rows", frame)
    try:
        cols = ", ".join(columns)
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming_rows")  # noqa: S608
    finally:
        # In a transaction that just failed, unregistering fails too; keep the first error.
        with contextlib.suppress(duckdb.Error):
            cur.unregister("incoming_rows")


def num(x: object) -> float | int:
    """A stored number as it reads best: 2 rather than 2.0."""
    f = float(x)  # type: ignore[arg-type]
    return int(f) if f.is_integer() else f


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # no transaction was open
        cur.execute("ROLLBACK")
