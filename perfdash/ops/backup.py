"""Backups: a consistent copy of the database, and a restore that checks it.

A backup is a directory written by DuckDB's ``EXPORT DATABASE`` (``schema.sql``, ``load.sql`` and
one Parquet file per table) plus ``manifest.json``: the rows and a content checksum of every table
(computed in SQL, in the same transaction as the export), the next value of every sequence, the
schema version, the time, and the SHA-256 of every file, the evidence files (迎评材料, under
``evidence/``) included. ``restore`` imports a backup into a new file beside the target, checks all
of that, puts the evidence files into the new database's evidence folder, and only then moves the
file into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from perfdash.core import settings
from perfdash.db.database import Database, StoreError
from perfdash.ops import archive

MANIFEST = "manifest.json"
FORMAT = "perfdash-backup"
FORMAT_VERSION = 2  # 2: evidence files (迎评材料) travel with the tables
READABLE_VERSIONS = (1, 2)
EVIDENCE = "evidence"
EVIDENCE_NAME_RE = re.compile(r"^evidence/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
FLAT_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}$")  # manifest.json, schema.sql, progress.parquet…
LOCK_WAIT_SECONDS = 60.0  # the CLI waits this long for another program holding the database
NEXTVAL_RE = re.compile(r"^nextval\('([^']+)'\)$")
MAX_SEQUENCE_STEP = 10_000_000  # a sequence further behind than this means a damaged manifest


class BackupError(StoreError):
    """A backup or restore refused or failed its checks (message in Chinese)."""


@dataclass(frozen=True)
class TableCheck:
    """What a backup promises about one table: its rows and a checksum of their content."""

    rows: int
    checksum: str


@dataclass(frozen=True)
class Manifest:
    """The contents of ``manifest.json``."""

    created_at: str
    schema_version: str
    duckdb_version: str
    tables: dict[str, TableCheck]
    sequences: dict[str, int]  # sequence → the value nextval() gives next
    files: dict[str, str]  # file name (evidence/ab/… for evidence files) → SHA-256
    format_version: int = FORMAT_VERSION

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def as_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "duckdb_version": self.duckdb_version,
            "tables": {k: {"rows": v.rows, "checksum": v.checksum} for k, v in sorted(self.tables.items())},
            "sequences": dict(sorted(self.sequences.items())),
            "files": dict(sorted(self.files.items())),
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        if data.get("format") != FORMAT or data.get("format_version") not in READABLE_VERSIONS:
            raise BackupError(f"{MANIFEST} 不是 perfdash 的备份清单（或版本不受支持）")
        try:
            return cls(
                created_at=str(data["created_at"]),
                schema_version=str(data["schema_version"]),
                duckdb_version=str(data.get("duckdb_version", "")),
                tables={
                    str(k): TableCheck(int(v["rows"]), str(v["checksum"])) for k, v in dict(data["tables"]).items()
                },
                sequences={str(k): int(v) for k, v in dict(data["sequences"]).items()},
                files={str(k): str(v) for k, v in dict(data["files"]).items()},
                format_version=int(data["format_version"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"{MANIFEST} 内容不完整或格式有误（{exc.__class__.__name__}）") from exc


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the new file, the backup's manifest, the sequences it had to move on."""

    path: Path
    manifest: Manifest
    sequences_fixed: dict[str, int]


# ---------------------------------------------------------------------------
# Checks computed in SQL (the same at backup and at restore)


def _ident(name: str) -> str:
    """A quoted SQL identifier (table names come from the catalog, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """A quoted SQL string literal: EXPORT / IMPORT DATABASE take no parameters."""
    return "'" + text.replace("'", "''") + "'"


def _tables(cur: duckdb.DuckDBPyConnection) -> list[str]:
    rows = cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def table_checks(cur: duckdb.DuckDBPyConnection) -> dict[str, TableCheck]:
    """Rows and an order-independent checksum of every table: the MD5 of the sorted MD5s of each
    row's JSON form (JSON quotes strings and lists unambiguously; equal rows count twice)."""
    out = {}
    for table in _tables(cur):
        rows_sql = f"SELECT md5(to_json(_row)::VARCHAR) AS h FROM {_ident(table)} AS _row"  # noqa: S608 (catalog name)
        rows, checksum = cur.execute(
            f"SELECT count(*)::BIGINT, md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM ({rows_sql})"  # noqa: S608
        ).fetchall()[0]
        out[table] = TableCheck(int(rows), str(checksum))
    return out


def _next_values(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The value each sequence's nextval() gives next (without taking it)."""
    rows = cur.execute(
        "SELECT sequence_name, start_value, last_value, increment_by FROM duckdb_sequences() "
        "WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()
    return {name: int(start if last is None else last + step) for name, start, last, step in rows}


def _sequence_columns(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(sequence, table, column) for every column whose default takes the sequence's next value."""
    rows = cur.execute(
        "SELECT table_name, column_name, column_default FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND column_default LIKE 'nextval(%'"
    ).fetchall()
    out = []
    for table, column, default in rows:
        m = NEXTVAL_RE.match(default.strip())
        if m:
            out.append((m.group(1), table, column))
    return out


def _schema_version(cur: duckdb.DuckDBPyConnection) -> str:
    row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return str(row[0][0]) if row else ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Backup


def backup(
    store_or_path: Database | str | Path, out_dir: str | Path, wait_seconds: float = LOCK_WAIT_SECONDS
) -> Manifest:
    """Write a consistent copy of the database to ``out_dir`` (a new or empty directory).

    Given the app's ``Database``, the copy goes through its connection, so it works while the app
    holds the file; given a path, the file is opened (waiting up to ``wait_seconds`` for another
    program to let go of it) and closed again. The export and the manifest's counts and checksums
    come from one transaction: writes that happen meanwhile are either wholly in or wholly out."""
    if isinstance(store_or_path, Database):
        return _backup(store_or_path, Path(out_dir))
    if settings.is_server_db(store_or_path):
        store = Database(store_or_path)
        try:
            return _backup(store, Path(out_dir))
        finally:
            store.close()
    path = Path(store_or_path)
    if not path.is_file():
        raise BackupError(f"找不到数据库文件：{path}")
    store = Database(path, wait_seconds=wait_seconds)
    try:
        return _backup(store, Path(out_dir))
    finally:
        store.close()


def _backup(store: Database, out: Path) -> Manifest:
    if store.on_postgres:
        return _backup_postgres(store, out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"备份目录 {out} 已存在且不是空目录；请换一个新的目录")
    out.parent.mkdir(parents=True, exist_ok=True)
    # Export into a hidden sibling and rename at the end: a backup cut short never looks complete.
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    cur = store.con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        cur.execute(f"EXPORT DATABASE {_literal(str(work.resolve()))} (FORMAT parquet)")
        tables = table_checks(cur)
        sequences = _next_values(cur)
        schema_version = _schema_version(cur)
        evidence = cur.execute("SELECT DISTINCT content_sha256, file_name FROM evidence").fetchall()
        cur.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            cur.execute("ROLLBACK")
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        cur.close()
    try:
        _copy_evidence(store, evidence, work)
        manifest = Manifest(
            created_at=datetime.now().isoformat(timespec="seconds"),
            schema_version=schema_version,
            duckdb_version=duckdb.__version__,
            tables=tables,
            sequences=sequences,
            files={p.relative_to(work).as_posix(): _sha256(p) for p in sorted(work.rglob("*")) if p.is_file()},
        )
        (work / MANIFEST).write_text(
            json.dumps(manifest.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        if out.exists():
            out.rmdir()  # empty, checked above
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _backup_postgres(store: Database, out: Path) -> Manifest:
    """A backup of a PostgreSQL database, in the same form as a DuckDB one (restore makes a DuckDB
    file of it): this process's mirror, brought up to PostgreSQL's last commit, is copied in one
    DuckDB transaction (one data version) into a new file with schema.sql's constraints, which is
    then backed up as any other."""
    store.version()  # the mirror up to date
    next_ids = store.next_ids()  # read after the mirror's snapshot: at or past every id in it
    with tempfile.TemporaryDirectory(prefix="perfdash-pg-backup-") as tmp:
        snapshot_path = Path(tmp) / "snapshot.duckdb"
        Database(snapshot_path).close()  # schema.sql as a new database gets it
        cur = store.con.cursor()
        try:
            cur.execute(f"ATTACH {_literal(str(snapshot_path))} AS snapshot")
            cur.execute("BEGIN TRANSACTION")
            cur.execute("DELETE FROM snapshot.meta")
            # Parents first: every foreign key of the schema points at plans.
            for table in sorted(_tables(cur), key=lambda t: (t != "plans", t)):
                cur.execute(f"INSERT INTO snapshot.{_ident(table)} BY NAME SELECT * FROM main.{_ident(table)}")  # noqa: S608
            cur.execute("COMMIT")
            cur.execute("DETACH snapshot")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                cur.execute("ROLLBACK")
            with contextlib.suppress(duckdb.Error):
                cur.execute("DETACH snapshot")
            raise
        finally:
            cur.close()
        snapshot = Database(snapshot_path)
        try:
            ids = Manifest(created_at="", schema_version="", duckdb_version="", tables={}, sequences=next_ids, files={})
            _continue_sequences(snapshot.con, ids)
            snapshot.path = store.path  # evidence files are found where the live database keeps them
            return _backup(snapshot, out)
        finally:
            snapshot.close()


# ---------------------------------------------------------------------------
# Restore


def read_manifest(backup_dir: str | Path) -> Manifest:
    """The manifest of a backup directory (BackupError if it is missing or malformed)."""
    path = Path(backup_dir) / MANIFEST
    if not Path(backup_dir).is_dir():
        raise BackupError(f"找不到备份目录：{backup_dir}")
    if not path.is_file():
        raise BackupError(f"{backup_dir} 不是 perfdash 备份（缺少 {MANIFEST}）")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 已损坏，无法读取") from exc
    if not isinstance(data, dict):
        raise BackupError(f"{MANIFEST} 已损坏，无法读取")
    return Manifest.from_json(data)


def verify_files(backup_dir: str | Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there with the same SHA-256 (BackupError naming the first
    that is not)."""
    root = Path(backup_dir)
    for name in ("schema.sql", "load.sql"):
        if name not in manifest.files:
            raise BackupError(f"备份清单中缺少 {name}，备份不完整")
    for name, digest in sorted(manifest.files.items()):
        path = root / name
        if not is_backup_name(name) or not path.is_file():
            raise BackupError(f"备份文件 {name} 不存在，备份不完整")
        if _sha256(path) != digest:
            raise BackupError(f"备份文件 {name} 已被改动或损坏（校验和与备份清单不符）")


def _held_by_another_process(path: Path) -> bool:
    """Whether another program holds the DuckDB file (it cannot be opened for its lock)."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        return "lock" in str(exc).lower()
    except duckdb.Error:
        return False  # not a database DuckDB can open: nothing holds it as one
    con.close()
    return False


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def restore(source: str | Path, new_db_path: str | Path, force: bool = False, evidence: bool = True) -> RestoreResult:
    """Restore a backup into a new database file and check it: the files' SHA-256, every table's
    rows and checksum, the schema version, and that every sequence continues past the restored
    ids (moved on where it does not). ``source`` is a backup directory or the one .zip file the
    app offers for download (unpacked safely beside the target, see perfdash.ops.archive, and
    removed afterwards). The evidence files go into the new database's evidence folder unless
    ``evidence`` is False (a throw-away copy to read from). An existing file is replaced only
    with ``force``, and never while another program holds it. Raises BackupError (in Chinese) and
    leaves the target alone when anything is wrong."""
    src, target = Path(source), Path(new_db_path)
    if not src.is_file():
        return _restore_dir(src, target, force, evidence)
    if target.is_dir():
        raise BackupError(f"{target} 是一个目录，请给出数据库文件的路径")
    if not force and (target.exists() or Path(str(target) + ".wal").exists()):  # before unpacking anything
        raise BackupError(f"数据库文件 {target} 已存在：恢复只写入新文件（确需覆盖请加 --force）")
    target.parent.mkdir(parents=True, exist_ok=True)
    unpacked = target.parent / f".{target.name}.unpacking-{os.getpid()}"
    shutil.rmtree(unpacked, ignore_errors=True)
    try:
        unpack(src, unpacked)
        return _restore_dir(unpacked, target, force, evidence)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


def _restore_dir(root: Path, target: Path, force: bool, evidence: bool) -> RestoreResult:
    manifest = read_manifest(root)
    verify_files(root, manifest)
    if target.is_dir():
        raise BackupError(f"{target} 是一个目录，请给出数据库文件的路径")
    exists = target.exists() or Path(str(target) + ".wal").exists()
    if exists and not force:
        raise BackupError(f"数据库文件 {target} 已存在：恢复只写入新文件（确需覆盖请加 --force）")
    if exists and _held_by_another_process(target):
        raise BackupError(f"数据库 {target} 正被另一个程序使用（如正在运行的看板），不能覆盖；请先关闭它")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".{target.name}.restoring-{os.getpid()}"
    _remove(work)
    try:
        fixed = _import_and_check(root, work, manifest)
        if evidence:
            _restore_evidence(root, manifest, target)
        _move_into_place(work, target, force)
    except BaseException:
        _remove(work)
        raise
    return RestoreResult(path=target, manifest=manifest, sequences_fixed=fixed)


def is_backup_name(name: str) -> bool:
    """Whether ``name`` (a path inside a backup) is one a backup holds: the manifest, DuckDB's
    export files (flat names) or an evidence file (evidence/ab/<sha256>.ext)."""
    return bool(FLAT_NAME_RE.match(name) or EVIDENCE_NAME_RE.match(name))


def unpack(archive_file: Path, dest: Path) -> None:
    """A backup .zip unpacked into ``dest`` (new or empty), refusing unsafe or oversized archives."""
    if not archive.is_archive(archive_file):
        raise BackupError(f"{archive_file} 不是 perfdash 备份（应为备份目录，或页面下载的 .zip 备份文件）")
    try:
        archive.extract(archive_file, dest, is_backup_name, settings.backup_max_bytes())
    except archive.ArchiveError as exc:
        raise BackupError(str(exc)) from exc


def _copy_evidence(store: Database, evidence: list[tuple[str, str]], work: Path) -> None:
    """Every evidence file the tables name, checked against its hash, into the backup. A file
    missing or damaged in the live folder stops the backup with its name."""
    for sha, name in evidence:
        source = settings.evidence_file(store.path, sha, name)
        if not source.is_file():
            raise BackupError(f"迎评材料 {name} 的文件缺失（{source.name}），备份不完整；请先补传该材料")
        if _sha256(source) != sha:
            raise BackupError(f"迎评材料 {name} 的文件已损坏（校验值不符），备份不完整")
        copy = work / EVIDENCE / sha[:2] / source.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)


def _restore_evidence(root: Path, manifest: Manifest, target: Path) -> None:
    """The backup's evidence files into the restored database's evidence folder (each already
    checked against the manifest; a file that is already there with the same content stays)."""
    for name in sorted(n for n in manifest.files if n.startswith(f"{EVIDENCE}/")):
        source = root / name
        sha = Path(name).name.split(".")[0]
        dest = settings.evidence_file(target, sha, Path(name).name)
        if dest.is_file() and _sha256(dest) == sha:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        shutil.copyfile(source, tmp)
        if _sha256(tmp) != sha:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"迎评材料 {name} 写入后校验不符，恢复已停止")
        tmp.replace(dest)


def evidence_count(manifest: Manifest) -> int:
    """How many evidence files a backup holds."""
    return sum(1 for n in manifest.files if n.startswith(f"{EVIDENCE}/"))


def _import_and_check(root: Path, work: Path, manifest: Manifest) -> dict[str, int]:
    con = duckdb.connect(str(work))
    try:
        try:
            con.execute(f"IMPORT DATABASE {_literal(str(root.resolve()))}")
        except duckdb.Error as exc:
            raise BackupError(f"备份无法导入（文件损坏或不完整）：{exc}") from exc
        found = table_checks(con)
        missing = sorted(set(manifest.tables) - set(found))
        extra = sorted(set(found) - set(manifest.tables))
        if missing or extra:
            raise BackupError(
                "恢复后的表与备份清单不符："
                + "；".join(
                    part
                    for part in (
                        f"缺少 {'、'.join(missing)}" if missing else "",
                        f"多出 {'、'.join(extra)}" if extra else "",
                    )
                    if part
                )
            )
        for table, want in sorted(manifest.tables.items()):
            got = found[table]
            if got.rows != want.rows:
                raise BackupError(f"表 {table} 恢复后有 {got.rows} 行，备份清单记为 {want.rows} 行")
            if got.checksum != want.checksum:
                raise BackupError(f"表 {table} 恢复后的内容校验和与备份清单不符（数据被改动或损坏）")
        if manifest.format_version >= 2:  # this version carries every evidence file its tables name
            named = {
                f"{EVIDENCE}/{sha[:2]}/{sha}{Path(name).suffix.lower()}"
                for sha, name in con.execute("SELECT DISTINCT content_sha256, file_name FROM evidence").fetchall()
            }
            absent = sorted(named - set(manifest.files))
            if absent:
                raise BackupError(f"备份缺少 {len(absent)} 个迎评材料文件（如 {absent[0]}），备份不完整")
        version = _schema_version(con)
        if version != manifest.schema_version:
            raise BackupError(f"恢复后的表结构版本为“{version}”，备份清单记为“{manifest.schema_version}”")
        fixed = _continue_sequences(con, manifest)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return fixed


def _continue_sequences(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> dict[str, int]:
    """Move every sequence past the restored ids and to at least where the backup's was, so a
    new row never reuses an id (nor the id of a row deleted before the backup). DuckDB 2.0's
    EXPORT writes each sequence with START at its next value, so this normally changes nothing;
    DuckDB has no setval, so a sequence behind is advanced by taking values."""
    want: dict[str, int] = dict(manifest.sequences)
    for seq, table, column in _sequence_columns(con):
        top = con.execute(f"SELECT max({_ident(column)}) FROM {_ident(table)}").fetchall()[0][0]  # noqa: S608
        if top is not None:
            want[seq] = max(want.get(seq, 0), int(top) + 1)
    now = _next_values(con)
    fixed = {}
    for seq, value in sorted(want.items()):
        if seq not in now:
            raise BackupError(f"恢复后缺少序列 {seq}")
        behind = value - now[seq]
        if behind > MAX_SEQUENCE_STEP:
            raise BackupError(f"备份清单中序列 {seq} 的值 {value} 不合理（备份清单被改动或损坏）")
        if behind > 0:
            con.execute("SELECT max(nextval(?)) FROM range(?)", [seq, behind])
            fixed[seq] = value
    after = _next_values(con)
    late = [s for s, v in want.items() if after[s] < v]
    if late:
        raise BackupError(f"序列 {'、'.join(late)} 无法推进到已恢复的编号之后")
    return fixed


def _move_into_place(work: Path, target: Path, force: bool) -> None:
    """The checked file becomes the target: a hard link when there is no target (so a file that
    appeared meanwhile is never overwritten), a rename over it with ``force``."""
    if not force:
        try:
            os.link(work, target)
        except FileExistsError as exc:
            raise BackupError(f"数据库文件 {target} 已存在：恢复只写入新文件（确需覆盖请加 --force）") from exc
        except OSError:  # a file system without hard links
            if target.exists():
                raise BackupError(f"数据库文件 {target} 已存在：恢复只写入新文件（确需覆盖请加 --force）") from None
            os.replace(work, target)
        else:
            work.unlink()
        return
    if target.exists() and _held_by_another_process(target):
        raise BackupError(f"数据库 {target} 正被另一个程序使用（如正在运行的看板），不能覆盖；请先关闭它")
    with contextlib.suppress(FileNotFoundError):
        Path(str(target) + ".wal").unlink()  # the old file's log must not be replayed into the new one
    os.replace(work, target)
