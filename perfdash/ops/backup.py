"""Backups: a consistent copy of the database, signed by this installation.

A backup is a directory of one Parquet file per table (written with ``COPY`` in one transaction,
so every table is the same moment's), the evidence files (迎评材料, under ``evidence/``) and
``manifest.json`` (perfdash.ops.backup_checks: rows, checksums and columns of every table, the
SHA-256 of every file, the next value of every sequence, the schema version, the time, the
evidence files that could not be saved, and this installation's HMAC over all of it). It holds no
SQL. ``restore`` (perfdash.ops.restore) builds a new database from the program's own schema and
loads the tables into it with every check on.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import duckdb

from perfdash.core import settings
from perfdash.db.database import Database
from perfdash.ops.backup_checks import (
    EVIDENCE,
    FORMAT_VERSION,
    MANIFEST,
    BackupError,
    Manifest,
    MissingEvidence,
    continue_sequences,
    evidence_count,
    file_label,
    ident,
    is_backup_name,
    literal,
    next_values,
    read_manifest,
    schema_version_of,
    sha256,
    sign,
    stored_files,
    table_checks,
    tables_of,
    verify_files,
)
from perfdash.ops.restore import RestoreResult, restore, unpack

# What callers and tests have always taken from here.
__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "BackupError",
    "Manifest",
    "RestoreResult",
    "backup",
    "evidence_count",
    "is_backup_name",
    "read_manifest",
    "restore",
    "unpack",
    "verify_files",
    "write_failed",
]

LOCK_WAIT_SECONDS = 60.0  # the CLI waits this long for another program holding the database


def write_failed(exc: BaseException, folder: Path) -> BackupError:
    """The one line a backup that could not be written says: a full disk, or a folder that
    cannot be written (DuckDB's own I/O errors carry the system's text, not an errno)."""
    if getattr(exc, "errno", None) == errno.ENOSPC or "No space left on device" in str(exc):
        return BackupError(
            f"备份失败：磁盘空间不足，备份没有保存（{folder}）；"
            "请清理磁盘或把 PERFDASH_BACKUP_DIR 指向空间充足的目录后再试"
        )
    reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0][:200]
    return BackupError(f"备份失败：无法写入备份目录 {folder}（{reason}）")


def backup(
    store_or_path: Database | str | Path,
    out_dir: str | Path,
    wait_seconds: float = LOCK_WAIT_SECONDS,
    where: Path | None = None,
) -> Manifest:
    """Write a consistent, signed copy of the database to ``out_dir`` (a new or empty directory).

    Given the app's ``Database``, the copy goes through its connection, so it works while the app
    holds the file; given a path, the file is opened (waiting up to ``wait_seconds`` for another
    program to let go of it) and closed again. The tables and the manifest's counts and checksums
    come from one transaction: writes that happen meanwhile are either wholly in or wholly out.
    An evidence file missing from the server's folder is named in the manifest (and by
    ``Manifest.missing_evidence``) and everything else is still saved. A disk that fills up or a
    folder that cannot be written is a BackupError naming ``where`` (else the folder ``out_dir``
    is in), and leaves nothing behind."""
    out = Path(out_dir)
    where = where or out.parent
    if isinstance(store_or_path, Database):
        return _backup_guarded(store_or_path, out, where)
    if settings.is_server_db(store_or_path):
        store = Database(store_or_path)
    else:
        path = Path(store_or_path)
        if not path.is_file():
            raise BackupError(f"找不到数据库文件：{path}")
        store = Database(path, wait_seconds=wait_seconds)
    try:
        return _backup_guarded(store, out, where)
    finally:
        store.close()


def _backup_guarded(store: Database, out: Path, where: Path) -> Manifest:
    try:
        return _backup(store, out)
    except (OSError, duckdb.IOException) as exc:
        raise write_failed(exc, where) from exc


def _backup(store: Database, out: Path) -> Manifest:
    if store.on_postgres:
        return _backup_postgres(store, out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"备份目录 {out} 已存在且不是空目录；请换一个新的目录")
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written into a hidden sibling and renamed at the end: a backup cut short never looks complete.
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    cur = store.con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        for table in tables_of(cur):
            target = literal(str((work / f"{table}.parquet").resolve()))
            cur.execute(f"COPY (SELECT * FROM {ident(table)}) TO {target} (FORMAT parquet)")  # noqa: S608 (catalog)
        tables = table_checks(cur)
        sequences = next_values(cur)
        schema_version = schema_version_of(cur)
        evidence = stored_files(cur)
        cur.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            cur.execute("ROLLBACK")
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        cur.close()
    try:
        missing = _copy_evidence(store, evidence, work)
        manifest = Manifest(
            created_at=datetime.now().isoformat(timespec="seconds"),
            schema_version=schema_version,
            duckdb_version=duckdb.__version__,
            tables=tables,
            sequences=sequences,
            files={p.relative_to(work).as_posix(): sha256(p) for p in sorted(work.rglob("*")) if p.is_file()},
            missing_evidence=missing,
        )
        text = json.dumps(sign(manifest.as_json()), ensure_ascii=False, indent=1) + "\n"
        (work / MANIFEST).write_text(text, encoding="utf-8")
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
            cur.execute(f"ATTACH {literal(str(snapshot_path))} AS snapshot")
            cur.execute("BEGIN TRANSACTION")
            cur.execute("DELETE FROM snapshot.meta")
            # Parents first: every foreign key of the schema points at plans.
            for table in sorted(tables_of(cur), key=lambda t: (t != "plans", t)):
                cur.execute(f"INSERT INTO snapshot.{ident(table)} BY NAME SELECT * FROM main.{ident(table)}")  # noqa: S608
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
            continue_sequences(snapshot.con, next_ids)
            snapshot.path = store.path  # evidence files are found where the live database keeps them
            return _backup(snapshot, out)
        finally:
            snapshot.close()


def _copy_evidence(
    store: Database, evidence: list[tuple[str, str, str, str | None]], work: Path
) -> tuple[MissingEvidence, ...]:
    """Every evidence file the tables name, checked against its hash, into the backup. A file
    missing or damaged in the live folder is left out and returned, named, for the manifest and
    for whoever took the backup: one lost file must not stop every backup of everything else."""
    labels: dict[str, list[str]] = {}
    kinds: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for sha, name, kind, ref in evidence:
        source = settings.evidence_file(store.path, sha, name)
        inside = f"{EVIDENCE}/{sha[:2]}/{source.name}"
        copy = work / inside
        if copy.is_file():
            continue  # the same content under another name: copied already
        if inside not in problems:
            if not source.is_file():
                problems[inside] = "缺失"
            elif sha256(source) != sha:
                problems[inside] = "已损坏"
            else:
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)
                continue
        labels.setdefault(inside, []).append(file_label(name, kind, ref))
        if kind not in kinds.setdefault(inside, []):
            kinds[inside].append(kind)
    return tuple(MissingEvidence(f, tuple(labels[f]), problems[f], tuple(kinds[f])) for f in sorted(problems))
