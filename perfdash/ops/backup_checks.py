"""What a backup promises and how that is checked: ``manifest.json``, signed by this installation.

The manifest lists every table (its rows, a content checksum computed in SQL, its columns), the
next value of every sequence, the schema version, the time, the SHA-256 of every other file in the
backup (one Parquet file per table, the evidence files 迎评材料), and the evidence files its tables
name that could not be saved. It carries an HMAC-SHA256 of all that, keyed by this installation's
backup key (perfdash.core.keys: outside the repository, the database and the backup folder). So a
backup edited anywhere (a Parquet file and its hash, a table checksum, the format version) no
longer matches its signature, and one made elsewhere is known as such. Nothing in a backup is
outside the manifest: every file is either ``manifest.json`` or listed in it with its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from perfdash.core import keys
from perfdash.db.database import StoreError

MANIFEST = "manifest.json"
FORMAT = "perfdash-backup"
# 1: tables only; 2: evidence files travel with the tables; 3: signed, one Parquet file per table
# and no SQL. Every version is read with every check on: the number only refuses what this
# program does not know, it never switches a check off.
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
SIGNATURE = "signature"
SIGNATURE_PREFIX = "hmac-sha256:"
KEY_PURPOSE = "backup"
EVIDENCE = "evidence"
# DuckDB's EXPORT DATABASE wrote these into backups of format 1 and 2: hashed and kept, never run.
LEGACY_SQL = ("schema.sql", "load.sql")
EVIDENCE_NAME_RE = re.compile(r"^evidence/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
FLAT_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}$")  # manifest.json, progress.parquet…
NEXTVAL_RE = re.compile(r"^nextval\('([^']+)'\)$")
MAX_SEQUENCE_STEP = 10_000_000  # a sequence further behind than this means a damaged manifest
MAX_NAMED = 10  # missing evidence files named in one message


class BackupError(StoreError):
    """A backup or restore refused or failed its checks (message in Chinese)."""


@dataclass(frozen=True)
class TableCheck:
    """What a backup promises about one table: its rows, a checksum of their content, and its
    columns with their types (for people reading the manifest; the Parquet file holds the same)."""

    rows: int
    checksum: str
    columns: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MissingEvidence:
    """A file kept in the evidence folder that the tables name (迎评材料, a 督办 reply's file, an
    issued 督查通报) and the backup could not hold: missing from, or damaged in, the server's
    evidence folder when the backup was taken."""

    file: str  # its name inside a backup: evidence/ab/<sha256>.ext
    names: tuple[str, ...]  # what people called it: 照片.png（目标 7-2）
    problem: str  # 缺失 | 已损坏
    kinds: tuple[str, ...] = ()  # FILE_KINDS of the rows naming it; () in manifests of before: 迎评材料


@dataclass(frozen=True)
class Manifest:
    """The contents of ``manifest.json`` (its signature checked apart: see ``signature_problem``)."""

    created_at: str
    schema_version: str
    duckdb_version: str
    tables: dict[str, TableCheck]
    sequences: dict[str, int]  # sequence → the value nextval() gives next
    files: dict[str, str]  # file name (evidence/ab/… for evidence files) → SHA-256
    missing_evidence: tuple[MissingEvidence, ...] = ()
    format_version: int = FORMAT_VERSION

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def as_json(self) -> dict:
        """The manifest as written (unsigned; ``sign`` adds the signature)."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "duckdb_version": self.duckdb_version,
            "tables": {
                k: {"rows": v.rows, "checksum": v.checksum, "columns": dict(v.columns)}
                for k, v in sorted(self.tables.items())
            },
            "sequences": dict(sorted(self.sequences.items())),
            "files": dict(sorted(self.files.items())),
            "missing_evidence": [
                {"file": m.file, "names": list(m.names), "problem": m.problem, "kinds": list(m.kinds)}
                for m in self.missing_evidence
            ],
        }

    @classmethod
    def from_json(cls, data: object) -> Manifest:
        if not isinstance(data, dict):
            raise BackupError(f"{MANIFEST} 已损坏，无法读取")
        version = data.get("format_version")
        # bool is an int in Python: format_version true must not read as 1
        if data.get("format") != FORMAT or type(version) is not int or version not in READABLE_VERSIONS:
            raise BackupError(f"{MANIFEST} 不是 perfdash 的备份清单（或格式版本 {str(version)[:20]} 不受支持）")
        try:
            return cls(
                created_at=str(data["created_at"]),
                schema_version=str(data["schema_version"]),
                duckdb_version=str(data.get("duckdb_version", "")),
                tables={
                    str(k): TableCheck(
                        int(v["rows"]),
                        str(v["checksum"]),
                        tuple((str(c), str(t)) for c, t in dict(v.get("columns", {})).items()),
                    )
                    for k, v in dict(data["tables"]).items()
                },
                sequences={str(k): int(v) for k, v in dict(data["sequences"]).items()},
                files={str(k): str(v) for k, v in dict(data["files"]).items()},
                missing_evidence=tuple(
                    MissingEvidence(
                        str(m["file"]),
                        tuple(str(n) for n in m["names"]),
                        str(m["problem"]),
                        tuple(str(k) for k in m.get("kinds", ())),
                    )
                    for m in list(data.get("missing_evidence", []))
                ),
                format_version=version,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"{MANIFEST} 内容不完整或格式有误（{exc.__class__.__name__}）") from exc


# ---------------------------------------------------------------------------
# The signature
#
# The standard library's hmac, not itsdangerous (which signs the cookies, perfdash.ops.cookies):
# this is one signature over a JSON document, stored as a hex digest in a field of that same
# document, computed over its canonical form (sorted keys, the signature left out). There is no
# token to carry, no value to pack beside its signature, no expiry: itsdangerous's formats would
# add nothing, and the hex digest stays readable and checkable with any HMAC tool.


def _signed_bytes(data: dict) -> bytes:
    """The manifest without its signature, as canonical JSON (sorted keys, no spaces)."""
    body = {k: v for k, v in data.items() if k != SIGNATURE}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _key() -> bytes:
    try:
        return keys.installation_key(KEY_PURPOSE)
    except OSError as exc:  # a secrets folder this user cannot read or write: not the backup's fault
        raise BackupError(f"无法读取本安装的备份密钥 {keys.key_file(KEY_PURPOSE)}（{exc.strerror or exc}）") from exc


def _mac(data: dict) -> str:
    return SIGNATURE_PREFIX + hmac.new(_key(), _signed_bytes(data), "sha256").hexdigest()


def sign(data: dict) -> dict:
    """The manifest with this installation's signature added."""
    return {**data, SIGNATURE: _mac(data)}


def signature_problem(data: dict) -> str | None:
    """None when the manifest carries this installation's signature over exactly its contents;
    else what is wrong, in Chinese."""
    given = data.get(SIGNATURE)
    if given is None:
        return "这份备份没有本安装的签名（升级前做的旧备份，或签名被去掉）"
    try:
        want = _mac(data)
    except (TypeError, ValueError):
        return "这份备份的清单无法核对签名（内容被改动过）"
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), want.encode()):
        return (
            "这份备份的签名与本安装的密钥不符（备份被改动过、来自另一套安装，"
            f"或读取的密钥目录 {keys.key_file(KEY_PURPOSE).parent} 与看板所用的不同）"
        )
    return None


def refusal(problem: str) -> str:
    """The one line restore says when it refuses a backup for its signature."""
    return (
        f"{problem}，已拒绝恢复；若确认它是本单位的备份（如服务器重装、备份密钥已丢失），"
        "可由服务器管理员在命令行加 --trust-unsigned 恢复"
    )


# ---------------------------------------------------------------------------
# Reading and checking the files


def parse_manifest(text: str, refuse: Callable[[str], str] | None = None) -> tuple[Manifest, str | None]:
    """A manifest read from its text, and its signature problem (None: signed by this installation).
    With ``refuse``, a manifest this installation did not sign is refused (BackupError with the
    line ``refuse`` makes of the problem) before anything in it is read."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BackupError(f"{MANIFEST} 已损坏，无法读取") from exc
    if not isinstance(data, dict):
        raise BackupError(f"{MANIFEST} 已损坏，无法读取")
    problem = signature_problem(data)
    if problem and refuse is not None:
        raise BackupError(refuse(problem))
    return Manifest.from_json(data), problem


def read_signed(backup_dir: str | Path, refuse: Callable[[str], str] | None = None) -> tuple[Manifest, str | None]:
    """The manifest of a backup directory and its signature problem, as ``parse_manifest``
    (BackupError if it is missing or malformed)."""
    root = Path(backup_dir)
    if not root.is_dir():
        raise BackupError(f"找不到备份目录：{backup_dir}")
    if not (root / MANIFEST).is_file():
        raise BackupError(f"{backup_dir} 不是 perfdash 备份（缺少 {MANIFEST}）")
    try:
        return parse_manifest((root / MANIFEST).read_text(encoding="utf-8"), refuse)
    except UnicodeDecodeError as exc:
        raise BackupError(f"{MANIFEST} 已损坏，无法读取") from exc


def read_manifest(backup_dir: str | Path) -> Manifest:
    """The manifest of a backup directory, signed or not (BackupError if missing or malformed)."""
    return read_signed(backup_dir)[0]


def is_backup_name(name: str) -> bool:
    """Whether ``name`` (a path inside a backup) is one a backup holds: the manifest, a table's
    Parquet file (flat names) or an evidence file (evidence/ab/<sha256>.ext)."""
    return bool(FLAT_NAME_RE.match(name) or EVIDENCE_NAME_RE.match(name))


def files_problem(manifest: Manifest, found: dict[str, str]) -> str | None:
    """The first way a backup's files (name → SHA-256, the manifest itself left out) differ from
    what its manifest lists: a table without its Parquet file, a listed file that is no table's,
    no evidence file and no old SQL file, a file missing or changed, or a file the manifest does
    not list."""
    for table in sorted(manifest.tables):
        if f"{table}.parquet" not in manifest.files:
            return f"备份清单中缺少表 {table} 的数据文件 {table}.parquet，备份不完整"
    tables = {f"{t}.parquet" for t in manifest.tables}
    for name, digest in sorted(manifest.files.items()):
        if name not in tables and name not in LEGACY_SQL and not EVIDENCE_NAME_RE.match(name):
            return f"备份清单中的文件 {name[:80]} 不属于任何一张表或迎评材料，已拒绝"
        if name not in found:
            return f"备份文件 {name} 不存在，备份不完整"
        if found[name] != digest:
            return f"备份文件 {name} 已被改动或损坏（校验和与备份清单不符）"
    unlisted = sorted(set(found) - set(manifest.files) - {MANIFEST})
    if unlisted:
        return f"备份中有备份清单未列出的文件：{'、'.join(n[:80] for n in unlisted[:5])}，已拒绝"
    return None


def verify_files(backup_dir: str | Path, manifest: Manifest) -> None:
    """Every file the manifest lists is there with the same SHA-256, and nothing else is
    (BackupError naming the first that is not)."""
    root = Path(backup_dir)
    found = {p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}
    problem = files_problem(manifest, found)
    if problem:
        raise BackupError(problem)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def evidence_count(manifest: Manifest) -> int:
    """How many evidence files a backup holds."""
    return sum(1 for n in manifest.files if n.startswith(f"{EVIDENCE}/"))


def missing_evidence_text(missing: Iterable[MissingEvidence], restored: bool = False) -> str:
    """One line naming the files a backup could not hold ('' when there are none), as said when it
    is taken, or (``restored``) when it is restored, with what to do about each kind: 迎评材料 are
    uploaded again; a 督办 reply's file or an issued 通报 cannot be, and are found in an older
    backup (or the section answers again)."""
    missing = list(missing)
    if not missing:
        return ""
    named = "；".join(f"{'、'.join(m.names)}（{m.problem}）" for m in missing[:MAX_NAMED])
    named += f" 等 {len(missing)} 个" if len(missing) > MAX_NAMED else ""
    kinds = [k for k in FILE_KINDS if any(k in _kinds(m) for m in missing)]
    nouns = list(dict.fromkeys(FILE_KINDS[k][0] for k in kinds))
    what = f"{len(missing)} 个{nouns[0]}" if len(nouns) == 1 else f"{len(missing)} 个文件（{'、'.join(nouns)}）"
    advice = []
    if "evidence" in kinds or "innovation" in kinds:
        again = "请重新上传这些材料" if restored else "请补传这些材料后再备份一次"
        advice.append(again if len(nouns) == 1 else again.replace("这些材料", "迎评材料"))
    advice += [FILE_KINDS[k][1] for k in ("order_file", "bulletin") if k in kinds]
    if restored:
        return f"这份备份不含 {what}（备份时已缺失或损坏）：{named}；{'；'.join(advice)}"
    return f"{what}在服务器上缺失或损坏，未能备份：{named}。其余数据和材料已备份；{'；'.join(advice)}"


def _kinds(m: MissingEvidence) -> tuple[str, ...]:
    return m.kinds or ("evidence",)  # a manifest of before kinds were kept: evidence was all it named


# ---------------------------------------------------------------------------
# Checks computed in SQL (the same at backup and at restore)


def ident(name: str) -> str:
    """A quoted SQL identifier (table and column names come from the catalog, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal: COPY … TO takes no parameters."""
    return "'" + text.replace("'", "''") + "'"


# The files the tables name, kept beside the evidence under their hash: 迎评材料 (of a target, or an
# innovation's: 创新成果), the files of a 督办 reply and issued 督查通报 (its name gives only the
# suffix), each with its kind (FILE_KINDS) and what it belongs to (the target's code, the 督办单's
# number, the 通报's 期号). A backup of an older schema may lack the later tables.
STORED_FILES = {
    "evidence": (
        "SELECT content_sha256, file_name, CASE WHEN code IS NULL THEN 'innovation' ELSE 'evidence' END, code "
        "FROM evidence"
    ),
    "order_files": "SELECT content_sha256, file_name, 'order_file', CAST(order_id AS VARCHAR) FROM order_files",
    "bulletins": "SELECT content_sha256, 'bulletin.docx', 'bulletin', issue FROM bulletins",
}
# kind → (what a message calls such a file, what to do when one is lost)
FILE_KINDS = {
    "evidence": ("迎评材料文件", ""),
    "innovation": ("迎评材料文件", ""),
    "order_file": (
        "督办答复附件",
        "督办答复的附件不能在系统中补传：请从更早的备份中找回，或请责任科室重新答复并附上材料",
    ),
    "bulletin": ("督查通报文件", "已印发的督查通报不能重新上传：请从更早的备份中找回该文件"),
}


def file_label(name: str, kind: str, ref: str | None) -> str:
    """How a message names a stored file: 照片.png（目标 7-2）, 总结.pdf（创新成果）, 推进方案.pdf（督办答复，
    督办单 12）, 督查通报（2025年第10期）."""
    if kind == "evidence":
        return f"{name}（目标 {ref}）"
    if kind == "order_file":
        return f"{name}（督办答复，督办单 {ref}）"
    if kind == "bulletin":
        return f"督查通报（{ref}）"
    return f"{name}（创新成果）"


def stored_files(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None]]:
    """(SHA-256, file name, kind (FILE_KINDS), what it belongs to) of every file the tables name, in
    a stable order."""
    present = set(tables_of(cur))
    parts = [sql for table, sql in STORED_FILES.items() if table in present]
    if not parts:
        return []
    return cur.execute(f"SELECT DISTINCT * FROM ({' UNION ALL '.join(parts)}) ORDER BY 1, 2").fetchall()  # noqa: S608


def tables_of(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """The database's own tables (main schema), by name."""
    rows = cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def columns_of(cur: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, bool, str | None]]]:
    """Every table's columns in order: (name, type, nullable, default)."""
    out: dict[str, list[tuple[str, str, bool, str | None]]] = {}
    for table, column, kind, nullable, default in cur.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal "
        "ORDER BY table_name, column_index"
    ).fetchall():
        out.setdefault(table, []).append((column, kind, bool(nullable), default))
    return out


def table_check(cur: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> tuple[int, str]:
    """Rows and an order-independent checksum of a table (of ``columns`` in that order, else all):
    the MD5 of the sorted MD5s of each row's JSON form (JSON quotes strings and lists
    unambiguously; equal rows count twice)."""
    listed = ", ".join(map(ident, columns)) if columns is not None else ""
    source = ident(table) if columns is None else f"(SELECT {listed} FROM {ident(table)})"  # noqa: S608 (checked names)
    rows_sql = f"SELECT md5(to_json(_row)::VARCHAR) AS h FROM {source} AS _row"  # noqa: S608 (catalog names)
    rows, checksum = cur.execute(
        f"SELECT count(*)::BIGINT, md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM ({rows_sql})"  # noqa: S608
    ).fetchall()[0]
    return int(rows), str(checksum)


def table_checks(cur: duckdb.DuckDBPyConnection) -> dict[str, TableCheck]:
    """Rows, checksum and columns of every table."""
    columns = columns_of(cur)
    return {t: TableCheck(*table_check(cur, t), tuple((c, k) for c, k, _, _ in columns[t])) for t in tables_of(cur)}


def next_values(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The value each sequence's nextval() gives next (without taking it)."""
    rows = cur.execute(
        "SELECT sequence_name, start_value, last_value, increment_by FROM duckdb_sequences() "
        "WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()
    return {name: int(start if last is None else last + step) for name, start, last, step in rows}


def schema_version_of(cur: duckdb.DuckDBPyConnection) -> str:
    """The schema version the database's meta table records ('' when none)."""
    row = cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return str(row[0][0]) if row else ""


def continue_sequences(con: duckdb.DuckDBPyConnection, sequences: dict[str, int]) -> dict[str, int]:
    """Move every sequence past the ids in its tables and to at least ``sequences`` (the backup's
    next values), so a new row never reuses an id (nor the id of a row deleted before the backup).
    DuckDB has no setval: a sequence behind is advanced by taking values. Returns the sequences
    whose value in ``sequences`` was behind the ids (moved on further than it said)."""
    want: dict[str, int] = dict(sequences)
    fixed: dict[str, int] = {}
    for table, columns in columns_of(con).items():
        for column, _, _, default in columns:
            m = NEXTVAL_RE.match((default or "").strip())
            if not m:
                continue
            top = con.execute(f"SELECT max({ident(column)}) FROM {ident(table)}").fetchall()[0][0]  # noqa: S608
            seq = m.group(1)
            if top is not None and int(top) + 1 > want.get(seq, 0):
                want[seq] = fixed[seq] = int(top) + 1
    now = next_values(con)
    for seq, value in sorted(want.items()):
        if seq not in now:
            raise BackupError(f"恢复后缺少序列 {seq}")
        behind = value - now[seq]
        if behind > MAX_SEQUENCE_STEP:
            raise BackupError(f"备份清单中序列 {seq} 的值 {value} 不合理（备份清单被改动或损坏）")
        if behind > 0:
            con.execute("SELECT max(nextval(?)) FROM range(?)", [seq, behind]).fetchall()
    after = next_values(con)
    late = [s for s, v in want.items() if after[s] < v]
    if late:
        raise BackupError(f"序列 {'、'.join(late)} 无法推进到已恢复的编号之后")
    return fixed
