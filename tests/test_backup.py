"""Backup and restore: an exact round trip of a demo database with scenarios and adjustments,
writes that continue after it, refusing to overwrite, edited or damaged backups detected, the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.ops import backup as bk
from perfdash.ops import backup_checks as checks
from perfdash.plan import read_plan
from perfdash.server.demo import build_demo
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows.scoring import Rules
from tests.fixtures import amended, copy_base
from tests.running import run_cli
from tests.waiting import wait_until

PLAN_TEXT = PROJECT_ROOT / "data" / "quanzhou_edu_2025_plan.txt"
OFFICE = Actor.office()
TODAY = date(2025, 12, 31)


def build(path: Path) -> Store:
    """The demo database plus two scenarios (one deleted again) and three adjustments (one withdrawn)."""
    store = Store(path)
    plan_id, rows = build_demo(store, read_plan(PLAN_TEXT), 2025)
    assert (plan_id, rows) == (1, 2280)
    rules = Rules().to_json()
    store.save_scenario(
        1, "保守", "按现状", "current", date(2025, 11, 21), rules, {"1-1-1": 50.0, "7-4": 100.0}, OFFICE
    )
    gone = store.save_scenario(1, "乐观", "", "complete", date(2025, 11, 21), rules, {"1-1-1": 100.0}, OFFICE)
    store.delete_scenario(gone, OFFICE)
    store.add_adjustment(1, "bonus", 1.5, "创新成果获省级推广", OFFICE)
    withdrawn = store.add_adjustment(1, "deduction", 0.5, "=察访核验发现台账不全", OFFICE)
    store.withdraw_adjustment(withdrawn, OFFICE)
    store.add_adjustment(1, "bonus", 0.25, "典型经验'交流\"", OFFICE, group="职能工作")
    return store


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """A demo database file and a backup of it taken through the open Store (as the app does)."""
    root = tmp_path_factory.mktemp("backup")
    db = root / "demo.duckdb"
    store = build(db)
    bk.backup(store, root / "backup")
    store.close()
    return db, root / "backup"


def tables(path: Path) -> dict[str, tuple[pd.DataFrame, list[tuple]]]:
    """Every table of a database file, rows sorted on every column: as a DataFrame and as the
    exact Python values (lists, decimals, timestamps to the microsecond)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            sql = f'SELECT * FROM "{name}" ORDER BY ALL'  # noqa: S608 (catalog names)
            out[name] = (con.execute(sql).df(), con.execute(sql).fetchall())
        return out
    finally:
        con.close()


def assert_same_tables(a: Path, b: Path) -> None:
    left, right = tables(a), tables(b)
    assert sorted(left) == sorted(right)
    for name, (frame, rows) in left.items():
        pd.testing.assert_frame_equal(frame, right[name][0], obj=name)
        assert rows == right[name][1], name


def rewrite_manifest(backup: Path, change) -> None:
    path = backup / bk.MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def rehash(backup: Path, name: str) -> None:
    """Put a file's new SHA-256 into the manifest (someone covering an edit)."""
    digest = hashlib.sha256((backup / name).read_bytes()).hexdigest()
    rewrite_manifest(backup, lambda m: m["files"].__setitem__(name, digest))


def recheck(backup: Path, table: str) -> None:
    """Put a table's new rows and content checksum into the manifest, computed as perfdash does
    (someone covering an edit of the data with every check the manifest holds)."""
    con = duckdb.connect()
    try:
        parquet = str(backup / f"{table}.parquet")
        con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM read_parquet(?)', [parquet])  # noqa: S608 (test names)
        rows, checksum = checks.table_check(con, table)
    finally:
        con.close()

    def change(m: dict) -> None:
        m["tables"][table].update(rows=rows, checksum=checksum)

    rewrite_manifest(backup, change)
    rehash(backup, f"{table}.parquet")


def resign(backup: Path) -> None:
    """Sign the manifest with this installation's key again (as only the server itself can): the
    checks behind the signature, reached by a backup that passes it."""
    path = backup / bk.MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(checks.sign(data), ensure_ascii=False), encoding="utf-8")


# -- the round trip --------------------------------------------------------------------------------


def test_round_trip_is_exact_and_new_writes_follow_the_restored_ids(demo, tmp_path):
    db, backup = demo
    manifest = bk.read_manifest(backup)
    # The numbers a person can check: the demo's 2,280 reports, 61 targets, one scenario of two
    # values left, three adjustments, and every table of the schema in the manifest.
    assert manifest.tables["progress"].rows == 2280
    assert manifest.tables["targets"].rows == 61
    assert (manifest.tables["scenarios"].rows, manifest.tables["scenario_values"].rows) == (1, 2)
    assert manifest.tables["adjustments"].rows == 3
    assert set(manifest.tables) == set(tables(db))
    assert manifest.sequences["progress_id_seq"] == 2281
    assert manifest.sequences["scenario_id_seq"] == 3  # scenario 2 was deleted: its id is not reused

    moved = tmp_path / "elsewhere" / "copy"  # a backup copied to another disk still restores
    shutil.copytree(backup, moved)
    out = tmp_path / "restored.duckdb"
    result = bk.restore(moved, out)
    assert result.path == out and result.sequences_fixed == {}
    assert_same_tables(db, out)
    assert not list(tmp_path.glob(".*restoring*"))

    store = Store(out)
    try:
        before = int(store.scalar("SELECT max(progress_id) FROM progress"))
        store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 26), 100, "已完成", "恢复后")], OFFICE, today=TODAY)
        new_id = store.scalar("SELECT progress_id FROM progress WHERE note = '恢复后'")
        assert (before, new_id) == (2280, 2281)
        plan = read_plan(PLAN_TEXT)
        store.import_plan(amended(plan, drop="7-4", change="1-1-1", add_from="7-3", new_code="7-5"))
        assert store.query("SELECT import_id FROM plan_imports ORDER BY 1")["import_id"].tolist() == [1, 2]
        sid = store.save_scenario(1, "乐观", "", "complete", date(2025, 11, 21), Rules().to_json(), {}, OFFICE)
        assert sid == 3
        assert store.add_adjustment(1, "bonus", 1, "恢复后加分", OFFICE) == 4
    finally:
        store.close()


def test_backup_while_writers_run_is_consistent(tmp_path):
    """Through the app's Store, with a thread writing all along: the backup is one moment's state."""
    store = Store(tmp_path / "busy.duckdb")
    store.import_plan(read_plan(PLAN_TEXT))
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        day = 0
        while not stop.is_set() and day < 300:
            rows = [
                ProgressRow(c, date(2025, 1, 1) + pd.Timedelta(days=day).to_pytimedelta(), 10, "推进中")
                for c in ("7-2", "7-3")
            ]
            written.append(store.add_progress(1, rows, OFFICE, today=TODAY))
            day += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_until(lambda: len(written) >= 3 or not thread.is_alive(), 60, "three batches written", every=0.005)
        manifests = [bk.backup(store, tmp_path / f"b{k}") for k in range(3)]
    finally:
        stop.set()
        thread.join()
    store.close()
    counts = [m.tables["progress"].rows for m in manifests]
    assert 6 <= counts[0] <= counts[1] <= counts[2] <= 2 * len(written)
    assert all(c % 2 == 0 for c in counts)  # whole batches of two, never half of one
    for k in range(3):
        out = tmp_path / f"r{k}.duckdb"
        bk.restore(tmp_path / f"b{k}", out)
        con = duckdb.connect(str(out), read_only=True)
        assert con.execute("SELECT count(*) FROM progress").fetchall()[0][0] == counts[k]
        con.close()


# -- refusing ----------------------------------------------------------------------------------------


def test_restore_never_overwrites_without_force(demo, tmp_path):
    _, backup = demo
    existing = tmp_path / "existing.duckdb"
    Store(existing).close()
    digest = hashlib.sha256(existing.read_bytes()).hexdigest()
    with pytest.raises(bk.BackupError, match="已存在：恢复只写入新文件（确需覆盖请加 --force）"):
        bk.restore(backup, existing)
    assert hashlib.sha256(existing.read_bytes()).hexdigest() == digest
    bk.restore(backup, existing, force=True)
    assert len(tables(existing)["progress"][1]) == 2280


def test_restore_never_replaces_a_file_another_process_holds(demo, tmp_path):
    _, backup = demo
    held = tmp_path / "held.duckdb"
    Store(held).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(held)!r}); print('ok', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(bk.BackupError, match="正被另一个程序使用"):
            bk.restore(backup, held, force=True)
        # Backing it up from another process waits for the lock, then says so.
        with pytest.raises(StoreError, match="正被另一个程序使用"):
            bk.backup(held, tmp_path / "b", wait_seconds=0.3)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not (tmp_path / "b").exists()
    assert not list(tmp_path.glob(".*restoring*")) and not list(tmp_path.glob(".*partial*"))


def test_backup_wants_a_new_directory_and_an_existing_database(demo, tmp_path):
    db, backup = demo
    with pytest.raises(bk.BackupError, match="已存在且不是空目录"):
        bk.backup(db, backup)
    with pytest.raises(bk.BackupError, match="找不到数据库文件"):
        bk.backup(tmp_path / "nope.duckdb", tmp_path / "b")
    (tmp_path / "empty").mkdir()
    assert bk.backup(db, tmp_path / "empty").tables["progress"].rows == 2280


# -- edited or damaged backups -----------------------------------------------------------------------


def flip_a_byte(b: Path) -> None:
    data = bytearray((b / "progress.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (b / "progress.parquet").write_bytes(bytes(data))


def rewrite_parquet(path: Path, edit) -> None:
    """Rewrite a backup's Parquet file as a valid file with ``edit`` applied to its rows."""
    con = duckdb.connect()
    frame = edit(con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df())
    con.register("edited", frame)
    con.execute(f"COPY edited TO '{path}' (FORMAT parquet)")
    con.close()


def change_a_value(b: Path) -> None:
    """One report's percent changed."""

    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[0, "completion_pct"] = 99
        return frame

    rewrite_parquet(b / "progress.parquet", edit)


def drop_a_row(b: Path) -> None:
    """The withdrawn adjustment removed."""
    rewrite_parquet(b / "adjustments.parquet", lambda f: f[f["adjustment_id"] != 2])


SIGNATURE = "签名与本安装的密钥不符"
# how → (the edit, what restore says, what it says when the operator trusts the signature away)
TAMPERING = {
    "parquet-byte-flipped": (flip_a_byte, "备份文件 progress.parquet 已被改动或损坏", None),
    "parquet-value-changed": (change_a_value, "备份文件 progress.parquet 已被改动或损坏", None),
    "value-changed-and-file-hash-covered": (
        lambda b: (change_a_value(b), rehash(b, "progress.parquet")),
        SIGNATURE,
        "表 progress 恢复后的内容校验和与备份清单不符",
    ),
    "row-dropped-and-file-hash-covered": (
        lambda b: (drop_a_row(b), rehash(b, "adjustments.parquet")),
        SIGNATURE,
        "表 adjustments 恢复后有 2 行，备份清单记为 3 行",
    ),
    "manifest-count-edited": (
        lambda b: rewrite_manifest(b, lambda m: m["tables"]["progress"].__setitem__("rows", 2279)),
        SIGNATURE,
        "表 progress 恢复后有 2280 行，备份清单记为 2279 行",
    ),
    "manifest-checksum-edited": (
        lambda b: rewrite_manifest(b, lambda m: m["tables"]["targets"].__setitem__("checksum", "0" * 32)),
        SIGNATURE,
        "表 targets 恢复后的内容校验和与备份清单不符",
    ),
    "manifest-table-dropped": (
        lambda b: rewrite_manifest(b, lambda m: m["tables"].pop("scenarios")),
        SIGNATURE,
        "备份清单中的文件 scenarios.parquet 不属于任何一张表",
    ),
    "manifest-signature-removed": (
        lambda b: rewrite_manifest(b, lambda m: m.pop("signature")),
        "这份备份没有本安装的签名",
        "",  # nothing else is wrong: it restores
    ),
    "manifest-garbled": (lambda b: (b / bk.MANIFEST).write_text("{", encoding="utf-8"), "manifest.json 已损坏", None),
    "manifest-missing": (lambda b: (b / bk.MANIFEST).unlink(), "不是 perfdash 备份（缺少 manifest.json）", None),
    "file-missing": (lambda b: (b / "targets.parquet").unlink(), "备份文件 targets.parquet 不存在", None),
    "file-added": (
        lambda b: (b / "schema.sql").write_text("COPY (SELECT 1) TO 'x.csv';", encoding="utf-8"),
        "备份中有备份清单未列出的文件：schema.sql",
        None,
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_an_edited_or_damaged_backup_is_refused(demo, tmp_path, how):
    _, backup = demo
    copy = tmp_path / "copy"
    shutil.copytree(backup, copy)
    tamper, message, trusted = TAMPERING[how]
    tamper(copy)
    out = tmp_path / "restored.duckdb"
    with pytest.raises(bk.BackupError, match=message):
        bk.restore(copy, out)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]  # no half-restored file left behind
    # Trusting the signature away switches no other check off.
    if trusted == "":
        assert bk.restore(copy, out, trust_unsigned=True).unsigned.startswith("这份备份没有本安装的签名")
        return
    with pytest.raises(bk.BackupError, match=trusted or message):
        bk.restore(copy, out, trust_unsigned=True)
    assert not out.exists()


def test_a_sequence_behind_the_ids_is_moved_on(demo, tmp_path):
    """A backup whose sequence would restart at 1 (as older DuckDB exports wrote it): restore moves
    it past the restored ids, so the next report gets a new id instead of a key violation."""
    _, backup = demo
    copy = tmp_path / "old-style"
    shutil.copytree(backup, copy)
    rewrite_manifest(copy, lambda m: m["sequences"].__setitem__("progress_id_seq", 1))
    resign(copy)
    out = tmp_path / "r.duckdb"
    assert bk.restore(copy, out).sequences_fixed == {"progress_id_seq": 2281}
    store = Store(out)
    try:
        store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 26), 100, "已完成")], OFFICE, today=TODAY)
        assert store.scalar("SELECT max(progress_id) FROM progress") == 2281
    finally:
        store.close()


# -- the command line --------------------------------------------------------------------------------


def test_cli_backup_and_restore(demo, tmp_path):
    db, _ = demo
    out = run_cli("backup", "--db", str(db), "--out", str(tmp_path / "b"))
    assert out.code == 0, out.err
    assert "已备份" in out.out and "2280" not in out.out  # totals all tables, not only progress
    total = bk.read_manifest(tmp_path / "b").total_rows
    assert f"{total} 行" in out.out

    new = tmp_path / "new.duckdb"
    ok = run_cli("restore", str(tmp_path / "b"), "--db", str(new))
    assert ok.code == 0, ok.err
    assert "行数和校验和与备份清单一致" in ok.out
    assert_same_tables(db, new)

    again = run_cli("restore", str(tmp_path / "b"), "--db", str(new))
    assert again.code == 2
    assert "错误：数据库文件" in again.err and "--force" in again.err
    forced = run_cli("restore", str(tmp_path / "b"), "--db", str(new), "--force")
    assert forced.code == 0, forced.err

    flip_a_byte(tmp_path / "b")
    bad = run_cli("restore", str(tmp_path / "b"), "--db", str(tmp_path / "other.duckdb"))
    assert bad.code == 2
    assert "备份文件 progress.parquet 已被改动或损坏" in bad.err
    assert not (tmp_path / "other.duckdb").exists()


# -- evidence files travel with the backup --------------------------------------------------------


def _with_evidence(tmp_path: Path, monkeypatch) -> tuple[Path, list[int]]:
    """A demo database with three evidence files beside it (PERFDASH_EVIDENCE_DIR unset: they live
    in evidence/ next to the database, as on a server)."""
    from perfdash.workflows import evaluation

    monkeypatch.delenv("PERFDASH_EVIDENCE_DIR", raising=False)
    db = copy_base("demo", tmp_path / "live" / "live.duckdb")
    store = Store(db)
    ids = [
        evaluation.store_evidence(store, 1, "1-3-1", "总结.pdf", b"%PDF-1.4 summary", OFFICE),
        evaluation.store_evidence(store, 1, "7-2", "照片.png", b"\x89PNG\r\n\x1a\n" + b"p" * 50, OFFICE),
        evaluation.store_evidence(store, 1, "1-3-1", "同一份.pdf", b"%PDF-1.4 summary", OFFICE),  # same content
    ]
    store.close()
    return db, ids


def test_a_backup_carries_the_evidence_and_restore_puts_it_back(tmp_path, monkeypatch):
    from perfdash.workflows import evaluation

    db, ids = _with_evidence(tmp_path, monkeypatch)
    manifest = bk.backup(db, tmp_path / "bk")
    assert bk.evidence_count(manifest) == 2  # files are kept by content: two distinct
    restored = tmp_path / "elsewhere" / "restored.duckdb"
    bk.restore(tmp_path / "bk", restored)
    assert_same_tables(db, restored)
    store = Store(restored)
    try:
        for eid in ids:
            name, _, data = evaluation.read_evidence(store, eid)
            assert data.startswith((b"%PDF", b"\x89PNG")), name
    finally:
        store.close()


def test_a_backup_with_a_missing_or_edited_evidence_file_is_refused(tmp_path, monkeypatch):
    db, _ = _with_evidence(tmp_path, monkeypatch)
    bk.backup(db, tmp_path / "bk")
    pdf = next((tmp_path / "bk" / "evidence").rglob("*.pdf"))
    pdf.write_bytes(b"%PDF-1.4 forged")
    with pytest.raises(bk.BackupError, match="已被改动或损坏"):
        bk.restore(tmp_path / "bk", tmp_path / "r1.duckdb")
    pdf.unlink()
    with pytest.raises(bk.BackupError, match="不存在"):
        bk.restore(tmp_path / "bk", tmp_path / "r2.duckdb")
    rewrite_manifest(tmp_path / "bk", lambda m: m["files"].pop(f"evidence/{pdf.parent.name}/{pdf.name}"))
    resign(tmp_path / "bk")  # even signed: a file the tables name and the manifest does not declare missing
    with pytest.raises(bk.BackupError, match="备份缺少 1 个迎评材料文件"):
        bk.restore(tmp_path / "bk", tmp_path / "r3.duckdb")


def test_the_self_assessment_page_opens_every_restored_file(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from perfdash.ops import auth

    db, ids = _with_evidence(tmp_path, monkeypatch)
    bk.backup(db, tmp_path / "bk")
    restored = tmp_path / "elsewhere" / "restored.duckdb"
    bk.restore(tmp_path / "bk", restored)
    store = Store(restored)
    try:
        auth.register_account(store, Actor.system(), "office", "绩效办", "office", None, "backup-test-password")
        token = auth.start_session(store, auth.load(store, "office"))
    finally:
        store.close()
    monkeypatch.setenv("PERFDASH_DB", str(restored))
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "self_assessment.py"), default_timeout=60)
    at.session_state["auth"] = {"token": token}
    at.run()
    for code, evidence_id in (("1-3-1", ids[0]), ("1-3-1", ids[2]), ("7-2", ids[1])):
        at.selectbox(key="sa_code").set_value(code).run()
        at.selectbox(key="ev_pick").set_value(evidence_id).run()
        assert not at.exception, (code, evidence_id)
        assert not at.error, [e.value for e in at.error]
        assert at.get("download_button"), (code, evidence_id)
    # a file gone from the folder is a message on the page, never a traceback
    next((restored.parent / "evidence").rglob("*.png")).unlink()
    at.run()
    assert not at.exception
    assert any("材料文件缺失" in e.value for e in at.error)


def test_a_postgresql_database_backs_up_like_a_duckdb_file(demo, pg_cluster, tmp_path, monkeypatch):
    """The same writes on PostgreSQL give the same backup (a DuckDB file, restored as any other):
    the same rows and the same next ids — a deleted scenario's id is not reused there either."""
    monkeypatch.setenv("PERFDASH_EVIDENCE_DIR", str(tmp_path / "evidence"))
    store = build(pg_cluster.new_database())
    try:
        manifest = bk.backup(store, tmp_path / "pg-backup")
    finally:
        store.close()
    want = bk.read_manifest(demo[1])
    assert {t: m.rows for t, m in manifest.tables.items()} == {t: m.rows for t, m in want.tables.items()}
    assert manifest.sequences == want.sequences
    out = bk.restore(tmp_path / "pg-backup", tmp_path / "restored.duckdb").path
    assert _timeless(out) == _timeless(demo[0])  # row for row, but for the moments things were written


def _timeless(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows without its timestamp columns, sorted."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index"
        ).fetchall():
            if not kind.startswith("TIMESTAMP"):
                columns.setdefault(table, []).append(column)
        return {
            t: con.execute(f'SELECT {", ".join(cs)} FROM "{t}" ORDER BY ALL').fetchall()  # noqa: S608 (catalog names)
            for t, cs in columns.items()
        }
    finally:
        con.close()


def _answered_order_and_issued_bulletin(store: Store) -> tuple[int, int]:
    """A 督办单 answered with a file (推进情况.pdf) and an issued 督查通报 of 2025-10: their ids."""
    from perfdash.present import bulletin

    order = store.issue_order(1, "1-3-1", "请加快推进", date(2025, 12, 31), OFFICE)
    store.respond_order(order, "已推进", Actor.section("中教科"), files=[("推进情况.pdf", b"%PDF-1.4 reply")])
    draft = bulletin.draft(store, 1, date(2025, 10, 1))
    return order, bulletin.issue(store, 1, draft.month, bulletin.edits_of(draft), OFFICE)


def test_a_reply_s_files_and_an_issued_bulletin_travel_with_the_backup(tmp_path, monkeypatch):
    """The files of a 督办 reply and the .docx of an issued 督查通报 live beside the evidence: a
    backup holds them and a restore puts them back where their readers look."""

    from perfdash.workflows import bulletins, order_files

    db, _ = _with_evidence(tmp_path, monkeypatch)
    store = Store(db)
    try:
        order, bid = _answered_order_and_issued_bulletin(store)
        data = bulletins.read_issued(store, bid)[1]
    finally:
        store.close()
    manifest = bk.backup(db, tmp_path / "bk")
    assert bk.evidence_count(manifest) == 4  # two evidence files, the reply's, the 通报
    restored = tmp_path / "elsewhere" / "restored.duckdb"
    bk.restore(tmp_path / "bk", restored)
    store = Store(restored)
    try:
        files = order_files.listing(store, order)
        assert [order_files.read(store, order, sha)[2] for sha in files["content_sha256"]] == [b"%PDF-1.4 reply"]
        assert bulletins.read_issued(store, bid)[1] == data
    finally:
        store.close()


def test_a_lost_reply_file_or_issued_bulletin_is_named_for_what_it_is(tmp_path, monkeypatch):
    """#36 review: a lost file of a 督办 reply or of an issued 通报 is not an 创新成果: each is named
    for what it is, and the advice says what can be done (neither can be uploaded again)."""
    from perfdash.workflows import bulletins, evaluation

    db, _ = _with_evidence(tmp_path, monkeypatch)
    store = Store(db)
    try:
        order, bid = _answered_order_and_issued_bulletin(store)
        issue = str(bulletins.issued(store, 1).iloc[0]["issue"])
        evaluation.evidence_path(store, hashlib.sha256(b"%PDF-1.4 reply").hexdigest(), "推进情况.pdf").unlink()
        kept = str(store.scalar("SELECT content_sha256 FROM bulletins WHERE bulletin_id = ?", [bid]))
        bulletins.file_path(store, kept).unlink()
    finally:
        store.close()
    manifest = bk.backup(db, tmp_path / "bk")
    assert sorted((m.names, m.kinds) for m in manifest.missing_evidence) == sorted(
        [((f"推进情况.pdf（督办答复，督办单 {order}）",), ("order_file",)), ((f"督查通报（{issue}）",), ("bulletin",))]
    )
    text = checks.missing_evidence_text(manifest.missing_evidence)
    assert text.startswith("2 个文件（督办答复附件、督查通报文件）在服务器上缺失或损坏，未能备份：")
    assert "创新成果" not in text and "补传这些材料" not in text
    assert text.endswith(
        "其余数据和材料已备份；督办答复的附件不能在系统中补传：请从更早的备份中找回，或请责任科室重新答复并附上材料；"
        "已印发的督查通报不能重新上传：请从更早的备份中找回该文件"
    )
    assert bk.read_manifest(tmp_path / "bk").missing_evidence == manifest.missing_evidence  # the kinds are kept
    said = checks.missing_evidence_text(manifest.missing_evidence, restored=True)
    assert said.startswith("这份备份不含 2 个文件（督办答复附件、督查通报文件）（备份时已缺失或损坏）：")
    # A lost 迎评材料 reads as before, and so does one in a manifest of before kinds were kept.
    old = checks.MissingEvidence("evidence/ab/x.png", ("照片.png（目标 7-2）",), "缺失")
    assert checks.missing_evidence_text([old]) == (
        "1 个迎评材料文件在服务器上缺失或损坏，未能备份：照片.png（目标 7-2）（缺失）。其余数据和材料已备份；"
        "请补传这些材料后再备份一次"
    )
