"""Restore: a backup into a new database file, trusting nothing in it but the data it checks.

The backup's signature is checked first (perfdash.ops.backup_checks): one this installation did
not sign is refused unless the operator says otherwise (``trust_unsigned``, the CLI's
``--trust-unsigned``). Then every file against the manifest. No SQL from a backup is ever run: the
new database gets the program's own schema.sql (a new database has every migration in it), and
each table's Parquet file is loaded into it by name, its columns matched against the program's
table (an unknown table or column is refused by name, values cast to the column's type under the
schema's own constraints), and its rows and checksum compared with the manifest. The evidence files
go into the new database's evidence folder, and only then is the file moved into place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from perfdash.core import settings
from perfdash.db.database import SCHEMA_VERSION, Database
from perfdash.ops import archive
from perfdash.ops.backup_checks import (
    EVIDENCE,
    MANIFEST,
    BackupError,
    Manifest,
    MissingEvidence,
    columns_of,
    continue_sequences,
    ident,
    is_backup_name,
    parse_manifest,
    read_signed,
    refusal,
    schema_version_of,
    sha256,
    stored_files,
    table_check,
    verify_files,
)

BATCH_ROWS = 65_536  # rows read from a Parquet file at a time


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the new file, the backup's manifest, the sequences it had to move on,
    and the signature problem the operator chose to trust (None: signed by this installation)."""

    path: Path
    manifest: Manifest
    sequences_fixed: dict[str, int]
    unsigned: str | None = None

    @property
    def missing_evidence(self) -> tuple[MissingEvidence, ...]:
        """Evidence files that were already missing when the backup was taken."""
        return self.manifest.missing_evidence


def unpack(archive_file: Path, dest: Path) -> None:
    """A backup .zip unpacked into ``dest`` (new or empty), refusing unsafe or oversized archives."""
    if not archive.is_archive(archive_file):
        raise BackupError(f"{archive_file} 不是 perfdash 备份（应为备份目录，或页面下载的 .zip 备份文件）")
    try:
        archive.extract(archive_file, dest, is_backup_name, settings.backup_max_bytes())
    except archive.ArchiveError as exc:
        raise BackupError(str(exc)) from exc


def restore(
    source: str | Path,
    new_db_path: str | Path,
    force: bool = False,
    evidence: bool = True,
    trust_unsigned: bool = False,
) -> RestoreResult:
    """Restore a backup into a new database file and check it (see the module's docstring).
    ``source`` is a backup directory or the one .zip file the app offers for download (its
    signature read before anything is unpacked; unpacked safely beside the target, see
    perfdash.ops.archive, and removed afterwards). The evidence files go into the new database's
    evidence folder unless ``evidence`` is False (a throw-away copy to read from). An existing
    file is replaced only with ``force``, and never while another program holds it. A backup not
    signed by this installation is refused unless ``trust_unsigned``. Raises BackupError (in
    Chinese) and leaves the target alone when anything is wrong."""
    src, target = Path(source), Path(new_db_path)
    try:
        if not src.is_file():
            return _restore_dir(src, target, force, evidence, trust_unsigned)
        if target.is_dir():
            raise BackupError(f"{target} 是一个目录，请给出数据库文件的路径")
        if not force and (target.exists() or Path(str(target) + ".wal").exists()):  # before unpacking anything
            raise BackupError(f"数据库文件 {target} 已存在：恢复只写入新文件（确需覆盖请加 --force）")
        if not trust_unsigned:
            _signature_first(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        unpacked = target.parent / f".{target.name}.unpacking-{os.getpid()}"
        shutil.rmtree(unpacked, ignore_errors=True)
        try:
            unpack(src, unpacked)
            return _restore_dir(unpacked, target, force, evidence, trust_unsigned)
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
    except OSError as exc:
        raise BackupError(f"恢复失败：无法写入 {target.parent}（{exc.strerror or exc}），没有写出任何文件") from exc


def _signature_first(src: Path) -> None:
    """Refuse an archive this installation did not sign before unpacking gigabytes of it."""
    if not archive.is_archive(src):
        return  # unpack names it
    try:
        text = archive.read_text(src, MANIFEST, is_backup_name, settings.backup_max_bytes())
    except (archive.ArchiveError, UnicodeDecodeError) as exc:
        raise BackupError(f"{src.name} 无法读取：{exc}") from exc
    if text is None:
        raise BackupError(f"{src.name} 不是 perfdash 备份（缺少 {MANIFEST}）")
    parse_manifest(text, refusal)


def _restore_dir(root: Path, target: Path, force: bool, evidence: bool, trust_unsigned: bool) -> RestoreResult:
    manifest, unsigned = read_signed(root, None if trust_unsigned else refusal)
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
        fixed = _load_and_check(root, work, manifest)
        if evidence:
            _restore_evidence(root, manifest, target)
        _move_into_place(work, target, force)
    except BaseException:
        _remove(work)
        raise
    return RestoreResult(path=target, manifest=manifest, sequences_fixed=fixed, unsigned=unsigned)


def _backup_schema_version(manifest: Manifest) -> int:
    """The backup's schema version as a number: one this program knows (1 … its own)."""
    text = manifest.schema_version
    if not text.isdigit() or not 1 <= int(text) <= 999:
        raise BackupError(f"备份清单中的表结构版本“{text[:20]}”不合理（备份清单被改动或损坏）")
    if int(text) > int(SCHEMA_VERSION):
        raise BackupError(
            f"这份备份来自更新版本的程序（表结构版本 {text}，当前程序为 {SCHEMA_VERSION}）：请先升级程序再恢复"
        )
    return int(text)


def _load_and_check(root: Path, work: Path, manifest: Manifest) -> dict[str, int]:
    """The new database: the program's own schema, the backup's tables loaded into it and checked
    against the manifest, its evidence rows against the files it holds, its sequences moved on."""
    older = _backup_schema_version(manifest) < int(SCHEMA_VERSION)
    Database(work).close()  # schema.sql as a new database gets it: every migration in it
    con = duckdb.connect(str(work))
    try:
        schema = columns_of(con)
        unknown = sorted(set(manifest.tables) - set(schema))
        if unknown:
            raise BackupError(f"备份中有当前程序没有的表：{'、'.join(t[:60] for t in unknown[:10])}，已拒绝恢复")
        absent = sorted(set(schema) - set(manifest.tables))
        if absent and not older:  # a backup of an earlier schema may lack tables added since
            raise BackupError(f"备份缺少表 {'、'.join(absent)}，备份不完整")
        # What a new database of this program records about its own schema, put back after the load.
        own_meta = con.execute(
            "SELECT key, value FROM meta WHERE key = 'schema_version' OR key LIKE 'migration_%'"
        ).fetchall()
        con.execute("DELETE FROM meta")
        # Parents first: every foreign key of the schema points at plans.
        for table in sorted(manifest.tables, key=lambda t: (t != "plans", t)):
            columns = _load_table(con, root / f"{table}.parquet", table, schema[table], older)
            rows, checksum = table_check(con, table, columns)
            want = manifest.tables[table]
            if rows != want.rows:
                raise BackupError(f"表 {table} 恢复后有 {rows} 行，备份清单记为 {want.rows} 行")
            if checksum != want.checksum:
                raise BackupError(f"表 {table} 恢复后的内容校验和与备份清单不符（数据被改动或损坏）")
        _check_evidence_rows(con, manifest)
        version = schema_version_of(con)
        if version != manifest.schema_version:
            raise BackupError(f"恢复后的表结构版本为“{version[:20]}”，备份清单记为“{manifest.schema_version}”")
        for key, value in own_meta:  # the data now has this program's schema
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        fixed = continue_sequences(con, manifest.sequences)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return fixed


def _load_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    schema: list[tuple[str, str, bool, str | None]],
    older: bool,
) -> list[str]:
    """One table's Parquet file into the program's table of that name, by column name, each value
    cast to the program's type; the file's columns, in its order (the manifest's checksum is over
    them). Refuses columns the program's table lacks, and columns the file lacks unless the backup
    is of an earlier schema and the column may be empty or has a default (as a migration adds it)."""
    try:
        parquet = pq.ParquetFile(path)
        names = list(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise BackupError(f"备份文件 {path.name} 不是可读的 Parquet 文件（{_first_line(exc)}）") from exc
    types = {name: kind for name, kind, _, _ in schema}
    unknown = [n for n in names if n not in types]
    if unknown or len(set(names)) != len(names):
        listed = "、".join(n[:60] for n in (unknown or names)[:10])
        raise BackupError(f"表 {table} 中有当前程序没有（或重复）的列：{listed}，已拒绝恢复")
    # A backup of an earlier schema may lack a column added since, if it may be empty or has a default.
    lacking = [
        n for n, _, nullable, default in schema if n not in names and not (older and (nullable or default is not None))
    ]
    if lacking:
        raise BackupError(f"表 {table} 缺少列：{'、'.join(lacking)}，已拒绝恢复")
    if not names:
        raise BackupError(f"备份文件 {path.name} 没有任何列，已拒绝恢复")
    select = ", ".join(f"CAST({ident(n)} AS {types[n]})" for n in names)
    reader = pa.RecordBatchReader.from_batches(parquet.schema_arrow, parquet.iter_batches(batch_size=BATCH_ROWS))
    con.register("_incoming", reader)
    try:
        con.execute(f"INSERT INTO {ident(table)} ({', '.join(map(ident, names))}) SELECT {select} FROM _incoming")  # noqa: S608
    except duckdb.ConversionException as exc:
        raise BackupError(f"表 {table} 的数据与当前程序的列类型不符（{_first_line(exc)}），已拒绝恢复") from exc
    except duckdb.ConstraintException as exc:
        raise BackupError(f"表 {table} 的数据不符合表结构的约束（{_first_line(exc)}），已拒绝恢复") from exc
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        raise BackupError(f"表 {table} 无法恢复（{_first_line(exc)}）") from exc
    finally:
        con.unregister("_incoming")
    return names


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]


def _check_evidence_rows(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
    """Every evidence file the restored tables name is in the backup, or the manifest says it was
    already missing when the backup was taken (and says so again to whoever restores it)."""
    named = {f"{EVIDENCE}/{sha[:2]}/{sha}{Path(name).suffix.lower()}" for sha, name, *_ in stored_files(con)}
    absent = sorted(named - set(manifest.files) - {m.file for m in manifest.missing_evidence})
    if absent:
        raise BackupError(f"备份缺少 {len(absent)} 个迎评材料文件（如 {absent[0]}），备份不完整")


def _restore_evidence(root: Path, manifest: Manifest, target: Path) -> None:
    """The backup's evidence files into the restored database's evidence folder (each already
    checked against the manifest; a file that is already there with the same content stays)."""
    for name in sorted(n for n in manifest.files if n.startswith(f"{EVIDENCE}/")):
        source = root / name
        sha = Path(name).name.split(".")[0]
        dest = settings.evidence_file(target, sha, Path(name).name)
        if dest.is_file() and sha256(dest) == sha:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        shutil.copyfile(source, tmp)
        if sha256(tmp) != sha:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"迎评材料 {name} 写入后校验不符，恢复已停止")
        tmp.replace(dest)


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
