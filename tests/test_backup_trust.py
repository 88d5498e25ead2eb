"""A backup is trusted only if this installation signed it, and restore runs no SQL from it.

The attacks of issue 29: a backup whose data was edited and every checksum recomputed (every
report set to 100%, the admin's password hash swapped), SQL appended to the archive's schema, a
``format_version`` chosen to skip a check, a backup signed by another installation. And what the
operator may still do: restore an older, unsigned backup with ``--trust-unsigned``, with every other
check on and no SQL from it run."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from perfdash.core import keys
from perfdash.core.access import Actor
from perfdash.db.database import SCHEMA_VERSION
from perfdash.ops import archive, auth
from perfdash.ops import backup as bk
from perfdash.ops import backup_checks as checks
from perfdash.store import Store
from tests.running import run_cli
from tests.test_backup import (
    _with_evidence,
    assert_same_tables,
    build,
    recheck,
    rehash,
    resign,
    rewrite_manifest,
    tables,
)

SIGNATURE = "签名与本安装的密钥不符"
UNSIGNED = "这份备份没有本安装的签名"


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> tuple[Path, Path]:
    """The demo database with two office accounts, and a signed backup of it."""
    root = tmp_path_factory.mktemp("trust")
    db = root / "demo.duckdb"
    store = build(db)
    auth.register_account(store, Actor.system(), "admin", "管理员", "office", None, "admin-password-123")
    auth.register_account(store, Actor.system(), "mallory", "某科室", "office", None, "mallory-password-456")
    bk.backup(store, root / "backup")
    store.close()
    return db, root / "backup"


def copy_of(backup: Path, tmp_path: Path, name: str = "copy") -> Path:
    copy = tmp_path / name
    shutil.copytree(backup, copy)
    return copy


def zipped(backup: Path, tmp_path: Path) -> Path:
    """The backup as the one .zip file the page offers for download."""
    out = tmp_path / f"{backup.name}.zip"
    archive.pack(backup, out)
    return out


def rewrite(b: Path, table: str, select: str, where: str = "TRUE") -> None:
    """Rewrite a table's Parquet file as ``SELECT {select} FROM`` it (types kept, as a careful
    attacker keeps them), then cover the edit: its SHA-256, rows and checksum into the manifest."""
    path = b / f"{table}.parquet"
    edited = path.with_suffix(".edited")
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")  # noqa: S608 (test paths)
        con.execute(f"COPY (SELECT {select} FROM t WHERE {where}) TO '{edited}' (FORMAT parquet)")  # noqa: S608
    finally:
        con.close()
    edited.replace(path)
    recheck(b, table)


def every_report_at_100(b: Path) -> None:
    """The attack: every progress row set to 100%, then the file's SHA-256 and the table's own
    checksum recomputed into manifest.json exactly as perfdash computes them."""
    rewrite(b, "progress", "* REPLACE (100::DECIMAL(4, 1) AS completion_pct, '已完成' AS status)")


def admin_hash_swapped(b: Path) -> None:
    """The attack: admin's password hash replaced by another account's, checksums recomputed."""
    other = "(SELECT password_hash FROM t WHERE username = 'mallory')"
    swapped = f"CASE WHEN username = 'admin' THEN {other} ELSE password_hash END"
    rewrite(b, "accounts", f"* REPLACE ({swapped} AS password_hash)")


@pytest.mark.parametrize("forge", [every_report_at_100, admin_hash_swapped], ids=["progress-100", "admin-hash"])
def test_a_forged_backup_with_every_checksum_recomputed_is_refused(signed, tmp_path, forge):
    _, backup = signed
    forged = copy_of(backup, tmp_path)
    forge(forged)
    out = tmp_path / "restored.duckdb"
    with pytest.raises(bk.BackupError, match=SIGNATURE):
        bk.restore(forged, out)
    with pytest.raises(bk.BackupError, match=SIGNATURE):
        bk.restore(zipped(forged, tmp_path), out)
    assert not out.exists()
    cli = run_cli("restore", str(zipped(forged, tmp_path)), "--db", str(out))
    assert cli.code == 2 and not out.exists()
    assert cli.err.count("\n") == 1 and SIGNATURE in cli.err and "--trust-unsigned" in cli.err
    # Every check but the signature passes: only the signature tells this forgery from the real one.
    assert bk.restore(forged, out, trust_unsigned=True).unsigned.startswith("这份备份的签名与本安装的密钥不符")


def test_a_backup_signed_by_another_installation_is_refused(signed, tmp_path, monkeypatch):
    db, _ = signed
    with monkeypatch.context() as m:  # another server: its own key
        m.setenv("PERFDASH_SECRETS_DIR", str(tmp_path / "other-keys"))
        keys.forget()
        bk.backup(db, tmp_path / "theirs")
    keys.forget()
    assert (tmp_path / "other-keys" / "backup.key").read_text() != keys.key_file("backup").read_text()
    with pytest.raises(bk.BackupError, match=SIGNATURE):
        bk.restore(tmp_path / "theirs", tmp_path / "r.duckdb")


def test_the_signature_covers_the_whole_manifest_and_every_file(signed, tmp_path):
    _, backup = signed
    data = json.loads((backup / bk.MANIFEST).read_text(encoding="utf-8"))
    assert data["signature"].startswith("hmac-sha256:") and len(data["signature"]) == len("hmac-sha256:") + 64
    members = {p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()}
    assert members - {bk.MANIFEST} == set(data["files"])  # nothing in the backup is unhashed
    assert {f"{t}.parquet" for t in data["tables"]} == set(data["files"])  # no SQL in a new backup
    assert data["tables"]["progress"]["columns"]["completion_pct"] == "DECIMAL(4,1)"  # readable by people
    for field, value in [("created_at", "2020-01-01T00:00:00"), ("duckdb_version", "x"), ("missing_evidence", [])]:
        copy = copy_of(backup, tmp_path, field)
        rewrite_manifest(copy, lambda m, f=field, v=value: m.__setitem__(f, v if m.get(f) != v else "changed"))
        with pytest.raises(bk.BackupError, match=SIGNATURE):
            bk.restore(copy, tmp_path / f"{field}.duckdb")


# -- no SQL from a backup is ever run ---------------------------------------------------------------


def _sql_appended(b: Path, target: Path) -> None:
    """A ``COPY … TO`` appended to the archive's SQL files (listed with their hashes, as older
    backups held them), run by a restore that executes them."""
    attack = f"\nCOPY (SELECT 'pwned' AS x) TO '{target}' (HEADER false);\n"
    for name in checks.LEGACY_SQL:
        (b / name).write_text(f"CREATE TABLE IF NOT EXISTS x (a INTEGER);{attack}", encoding="utf-8")
        rehash(b, name)


def test_sql_in_the_archive_never_runs_even_when_trusted(signed, tmp_path):
    db, backup = signed
    target = tmp_path / "written-by-restore.csv"
    hostile = copy_of(backup, tmp_path)
    _sql_appended(hostile, target)
    with pytest.raises(bk.BackupError, match=SIGNATURE):
        bk.restore(hostile, tmp_path / "r1.duckdb")
    out = tmp_path / "r2.duckdb"
    cli = run_cli("restore", str(zipped(hostile, tmp_path)), "--db", str(out), "--trust-unsigned")
    assert cli.code == 0, cli.err
    assert cli.err.startswith("警告：这份备份的签名与本安装的密钥不符") and "--trust-unsigned" in cli.err
    assert not target.exists()
    assert_same_tables(db, out)  # the data restored, the SQL beside it ignored


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("extra", "表 progress 中有当前程序没有（或重复）的列：extra"),
        ("a\"); COPY (SELECT 1) TO 'pwned.csv'; --", '表 progress 中有当前程序没有（或重复）的列：a"'),
    ],
    ids=["plain", "sql-in-the-name"],
)
def test_a_column_the_program_lacks_is_refused_by_name(signed, tmp_path, column, message, monkeypatch):
    _, backup = signed
    b = copy_of(backup, tmp_path)
    rewrite(b, "progress", f"*, 1 AS {checks.ident(column)}")
    resign(b)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(bk.BackupError, match=message.replace("(", r"\(").replace(")", r"\)")):
        bk.restore(b, tmp_path / "r.duckdb")
    assert not (tmp_path / "pwned.csv").exists() and not (tmp_path / "r.duckdb").exists()


def _add_table(b: Path) -> None:
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS a) TO '{b / 'evil.parquet'}' (FORMAT parquet)")
    con.close()
    rewrite_manifest(b, lambda m: m["tables"].__setitem__("evil", {"rows": 1, "checksum": "0" * 32}))
    rehash(b, "evil.parquet")


def _uncastable(b: Path) -> None:
    rewrite(b, "progress", "* REPLACE ('abc' AS completion_pct)")


def _out_of_range(b: Path) -> None:
    rewrite(b, "progress", "* REPLACE (150::INTEGER AS completion_pct)")


def _column_dropped(b: Path) -> None:
    rewrite(b, "progress", "* EXCLUDE (note)")


def _not_parquet(b: Path) -> None:
    (b / "targets.parquet").write_bytes(b"PAR1 not really")
    rehash(b, "targets.parquet")


def _table_dropped(b: Path) -> None:
    (b / "scenarios.parquet").unlink()
    rewrite_manifest(b, lambda m: (m["tables"].pop("scenarios"), m["files"].pop("scenarios.parquet")))


# Each is signed again after the edit (as only the server could): the checks behind the signature.
TYPED = {
    "unknown-table": (_add_table, "备份中有当前程序没有的表：evil"),
    "uncastable-value": (_uncastable, "表 progress 的数据与当前程序的列类型不符"),
    "constraint-broken": (_out_of_range, "表 progress 的数据不符合表结构的约束"),
    "column-missing": (_column_dropped, "表 progress 缺少列：note"),
    "not-parquet": (_not_parquet, "备份文件 targets.parquet 不是可读的 Parquet 文件"),
    "table-missing": (_table_dropped, "备份缺少表 scenarios"),
    "newer-schema": (
        lambda b: rewrite_manifest(b, lambda m: m.__setitem__("schema_version", "99")),
        "这份备份来自更新版本的程序（表结构版本 99",
    ),
    "odd-schema-version": (
        lambda b: rewrite_manifest(b, lambda m: m.__setitem__("schema_version", "5'; DROP TABLE plans; --")),
        "表结构版本.*不合理",
    ),
}


@pytest.mark.parametrize("how", list(TYPED))
def test_tables_load_by_name_with_typed_checks(signed, tmp_path, how):
    _, backup = signed
    b = copy_of(backup, tmp_path)
    edit, message = TYPED[how]
    edit(b)
    resign(b)
    with pytest.raises(bk.BackupError, match=message):
        bk.restore(b, tmp_path / "r.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]


# -- format_version switches nothing off -----------------------------------------------------------


@pytest.mark.parametrize("version", [True, "3", 3.0, 0, 4, 99, None, -1])
def test_an_unknown_format_version_is_refused(signed, tmp_path, version):
    _, backup = signed
    b = copy_of(backup, tmp_path)
    rewrite_manifest(b, lambda m: m.__setitem__("format_version", version))
    with pytest.raises(bk.BackupError, match=SIGNATURE):
        bk.restore(b, tmp_path / "r.duckdb")
    with pytest.raises(bk.BackupError, match=r"格式版本 .* 不受支持"):
        bk.restore(b, tmp_path / "r.duckdb", trust_unsigned=True)
    resign(b)  # even signed by this installation
    with pytest.raises(bk.BackupError, match=r"格式版本 .* 不受支持"):
        bk.restore(b, tmp_path / "r.duckdb")
    assert not (tmp_path / "r.duckdb").exists()


def test_an_old_format_version_keeps_every_check(tmp_path, monkeypatch):
    """format_version 1 (before evidence files travelled) once skipped the evidence check."""
    db, _ = _with_evidence(tmp_path, monkeypatch)
    bk.backup(db, tmp_path / "bk")
    pdf = next((tmp_path / "bk" / "evidence").rglob("*.pdf"))
    pdf.unlink()

    def old(m: dict) -> None:
        m["files"].pop(f"evidence/{pdf.parent.name}/{pdf.name}")
        m["format_version"] = 1

    rewrite_manifest(tmp_path / "bk", old)
    with pytest.raises(bk.BackupError, match=SIGNATURE):
        bk.restore(tmp_path / "bk", tmp_path / "r.duckdb")
    for trust in (False, True):
        if not trust:
            resign(tmp_path / "bk")
        with pytest.raises(bk.BackupError, match="备份缺少 1 个迎评材料文件"):
            bk.restore(tmp_path / "bk", tmp_path / "r.duckdb", trust_unsigned=trust)


# -- backups made before signing ---------------------------------------------------------------------


def legacy_backup(db: Path, out: Path) -> None:
    """A backup as perfdash wrote them before this change (format 2): DuckDB's EXPORT DATABASE
    (schema.sql, load.sql, Parquet files) and an unsigned manifest."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(f"EXPORT DATABASE '{out}' (FORMAT parquet)")
        found = checks.table_checks(con)
        manifest = {
            "format": checks.FORMAT,
            "format_version": 2,
            "created_at": "2025-12-01T08:00:00",
            "schema_version": checks.schema_version_of(con),
            "duckdb_version": duckdb.__version__,
            "tables": {t: {"rows": c.rows, "checksum": c.checksum} for t, c in found.items()},
            "sequences": checks.next_values(con),
            "files": {p.name: checks.sha256(p) for p in sorted(out.iterdir())},
        }
    finally:
        con.close()
    (out / bk.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_an_older_unsigned_backup_restores_only_when_trusted(signed, tmp_path):
    db, _ = signed
    old = tmp_path / "old"
    legacy_backup(db, old)
    target = tmp_path / "written-by-restore.csv"
    with (old / "load.sql").open("a", encoding="utf-8") as f:
        f.write(f"COPY (SELECT 'pwned' AS x) TO '{target}' (HEADER false);\n")
    rehash(old, "load.sql")
    old_zip = zipped(old, tmp_path)
    out = tmp_path / "restored.duckdb"
    with pytest.raises(bk.BackupError, match=UNSIGNED):
        bk.restore(old_zip, out)
    refused = run_cli("restore", str(old_zip), "--db", str(out))
    assert refused.code == 2 and UNSIGNED in refused.err and "--trust-unsigned" in refused.err
    assert not out.exists()
    ok = run_cli("restore", str(old_zip), "--db", str(out), "--trust-unsigned")
    assert ok.code == 0, ok.err
    assert ok.err.startswith(f"警告：{UNSIGNED}") and "已按 --trust-unsigned 恢复" in ok.err
    assert "行数和校验和与备份清单一致" in ok.out
    assert_same_tables(db, out)
    assert not target.exists()  # its load.sql was never run


def test_a_backup_of_an_earlier_schema_gets_the_columns_added_since(signed, tmp_path):
    """A schema-4 backup (before 迟报, progress.late): loaded into this program's schema, the
    column added by migration 005 takes its default, and the file is at this program's version."""
    db, backup = signed
    b = copy_of(backup, tmp_path)
    rewrite(b, "progress", "* EXCLUDE (late)")
    version_4 = "key, CASE WHEN key = 'schema_version' THEN '4' ELSE value END AS value"
    rewrite(b, "meta", version_4, where="key <> 'migration_005'")
    rewrite_manifest(b, lambda m: m.__setitem__("schema_version", "4"))
    resign(b)
    out = tmp_path / "r.duckdb"
    bk.restore(b, out)
    restored, original = tables(out), tables(db)
    assert restored["meta"][1] == original["meta"][1]  # this program's schema version and migrations
    assert restored["progress"][0]["late"].tolist() == [False] * 2280
    store = Store(out)
    try:
        assert store.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == SCHEMA_VERSION
    finally:
        store.close()


def test_a_zip_is_refused_for_its_signature_before_it_is_unpacked(signed, tmp_path, monkeypatch):
    _, backup = signed
    b = copy_of(backup, tmp_path)
    rewrite_manifest(b, lambda m: m.pop("signature"))
    packed = zipped(b, tmp_path)
    unpacked: list[Path] = []
    monkeypatch.setattr(archive, "extract", lambda *a, **k: unpacked.append(a[1]))
    with pytest.raises(bk.BackupError, match=UNSIGNED):
        bk.restore(packed, tmp_path / "out" / "r.duckdb")
    assert unpacked == []
    with zipfile.ZipFile(packed) as zf:  # one folder of parquet files and the manifest, readable by hand
        assert {Path(n).suffix for n in zf.namelist()} == {".parquet", ".json"}
