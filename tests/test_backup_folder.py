"""One-file backups in the backup folder: taken through the open store, restored exactly from the
.zip (evidence included), previewed and checked without restoring, hostile archives refused, kept
to a count, and taken on a schedule by a thread of the serving process."""

from __future__ import annotations

import hashlib
import stat
import threading
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from perfdash.core.access import Actor
from perfdash.ops import backup as bk
from perfdash.ops import backup_folder as bf
from perfdash.store import Store
from tests.test_backup import _with_evidence, assert_same_tables

OFFICE = Actor("office", "绩效办", "admin")


def evidence_files(db: Path) -> dict[str, str]:
    """The evidence folder beside a database: relative name → SHA-256."""
    root = db.parent / "evidence"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.*")}


@pytest.fixture
def live(tmp_path, monkeypatch):
    """A demo database with three evidence files (two distinct), open as the app holds it."""
    db, _ = _with_evidence(tmp_path, monkeypatch)
    store = Store(db)
    yield store, db
    store.close()


def test_a_zip_taken_through_the_open_store_restores_exactly(live, tmp_path):
    store, db = live
    made, manifest = bf.take(store, tmp_path / "bk", "manual")
    assert made.path.parent == tmp_path / "bk" and made.kind == "manual"
    assert bf.NAME_RE.match(made.path.name)
    assert [b.path for b in bf.list_backups(tmp_path / "bk")] == [made.path]
    assert not [p for p in (tmp_path / "bk").iterdir() if p.name.startswith(".")]  # no work left behind
    with zipfile.ZipFile(made.path) as zf:  # one folder inside, named after the file
        assert {n.split("/")[0] for n in zf.namelist()} == {made.path.stem}
    store.close()
    restored = tmp_path / "elsewhere" / "restored.duckdb"
    result = bk.restore(made.path, restored)
    assert result.manifest == manifest
    assert_same_tables(db, restored)
    assert evidence_files(restored) == evidence_files(db) and len(evidence_files(db)) == 2
    assert not [p for p in restored.parent.iterdir() if p.name.startswith(".")]  # unpacked copy removed


def test_preview_reads_the_manifest_and_checks_every_file(live, tmp_path):
    store, _ = live
    made, manifest = bf.take(store, tmp_path / "bk", "auto")
    preview = bf.inspect(made.path)
    assert preview.problem is None and preview.manifest == manifest
    assert preview.manifest.tables["progress"].rows == 2280 and preview.evidence_files == 2
    assert preview.manifest.schema_version == store.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
    uploaded = bf.inspect_upload(made.path.read_bytes())  # the page's preview of a downloaded file
    assert uploaded.manifest == manifest and uploaded.problem is None
    # the same file with one evidence file's bytes changed: the preview names it
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(made.path) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, b"%PDF-1.4 forged" if info.filename.endswith(".pdf") else data)
    found = bf.inspect(forged)
    assert found.problem and "已被改动或损坏" in found.problem and ".pdf" in found.problem
    with pytest.raises(bk.BackupError, match="已被改动或损坏"):
        bk.restore(forged, tmp_path / "r.duckdb")
    assert not (tmp_path / "r.duckdb").exists()


def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(
    ("members", "link", "message"),
    [
        ({"b/manifest.json": b"{}", "b/../../escape.txt": b"x"}, None, "含有“..”"),
        ({"/tmp/abs.txt": b"x", "manifest.json": b"{}"}, None, "不安全"),
        ({"b/manifest.json": b"{}"}, "b/schema.sql", "是链接"),
        ({"b/manifest.json": b"{}", "b/evidence/../x": b"x"}, None, "含有“..”"),
        ({"b/manifest.json": b"{}", "b/sub/deep.txt": b"x"}, None, "不是 perfdash 备份中的文件"),
        ({"b/manifest.json": b"{}", "b/zeros.parquet": bytes(3 << 20)}, None, "超过 1 MB 的上限"),
    ],
    ids=["dot-dot", "absolute", "symlink", "dot-dot-in-evidence", "unknown-folder", "too-big"],
)
def test_a_hostile_archive_is_refused_and_nothing_is_written(tmp_path, monkeypatch, members, link, message):
    monkeypatch.setenv("PERFDASH_BACKUP_MAX_MB", "1")
    evil = _zip(tmp_path / "evil.zip", members, link)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(bk.BackupError):  # refused before anything is unpacked (names, or no signature)
        bk.restore(evil, out / "r.duckdb")
    assert list(out.iterdir()) == []
    with pytest.raises(bk.BackupError, match=message):  # and by unpacking's own checks when trusted
        bk.restore(evil, out / "r.duckdb", trust_unsigned=True)
    assert list(out.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/abs.txt").exists()


def test_a_file_that_is_not_a_backup_is_named(tmp_path):
    text = tmp_path / "notes.zip"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(bk.BackupError, match="不是 perfdash 备份"):
        bk.restore(text, tmp_path / "r.duckdb")
    with pytest.raises(bk.BackupError, match="不是 perfdash 备份"):
        bf.inspect(text)
    empty = _zip(tmp_path / "empty.zip", {"x/readme.txt": b"hi"})
    with pytest.raises(bk.BackupError, match=r"缺少 manifest\.json"):
        bf.inspect(empty)


def test_prune_keeps_the_newest_of_each_kind_and_nothing_else_is_touched(tmp_path):
    folder = tmp_path / "bk"
    folder.mkdir()
    for day in range(1, 6):
        for kind in ("auto", "manual"):
            (folder / f"perfdash-202512{day:02d}-020000-{kind}.zip").write_bytes(b"z")
    (folder / "perfdash-20251203-020000-2-auto.zip").write_bytes(b"z")  # a second one in the same second
    (folder / "my-notes.zip").write_bytes(b"keep me")
    removed = bf.prune(folder, "auto", 3)
    assert sorted(p.name for p in removed) == [
        "perfdash-20251201-020000-auto.zip",
        "perfdash-20251202-020000-auto.zip",
        "perfdash-20251203-020000-auto.zip",  # the first of the two in that second
    ]
    left = bf.list_backups(folder)
    assert [b.path.name for b in left if b.kind == "auto"] == [
        "perfdash-20251205-020000-auto.zip",
        "perfdash-20251204-020000-auto.zip",
        "perfdash-20251203-020000-2-auto.zip",
    ]
    assert len([b for b in left if b.kind == "manual"]) == 5
    assert (folder / "my-notes.zip").read_bytes() == b"keep me"
    assert bf.latest(folder).path.name == "perfdash-20251205-020000-manual.zip"


def test_the_page_backup_is_the_unbound_offices_and_audited(live, tmp_path):
    store, _ = live
    with pytest.raises(bk.BackupError, match="只有不限单位的绩效办"):
        bf.backup_now(store, Actor("section", "校安科", "xa"), tmp_path / "bk")
    with pytest.raises(bk.BackupError, match="只有不限单位的绩效办"):
        bf.backup_now(store, Actor("office", "绩效办", "o2", ("泉州市教育局",)), tmp_path / "bk")
    before = store.scalar("SELECT count(*) FROM audit_log")
    made, manifest = bf.backup_now(store, OFFICE, tmp_path / "bk")
    assert made.kind == "manual"
    audit = store.rows("SELECT actor, action, entity_key FROM audit_log ORDER BY logged_at DESC LIMIT 1")
    assert audit == [("admin", "备份数据库", made.path.name)]  # written once the file is there, naming it
    assert store.scalar("SELECT count(*) FROM audit_log") == before + 1
    assert manifest.tables["audit_log"].rows == before  # so the entry is not inside the backup it records


def test_the_scheduler_takes_a_backup_when_due_and_reports_failures(live, tmp_path):
    store, _ = live
    folder = tmp_path / "bk"
    said: list[str] = []
    done = threading.Event()

    def say(text: str) -> None:
        said.append(text)
        done.set()

    scheduler = bf.BackupScheduler(store, folder, every_hours=24, keep=2, say=say).start()
    try:
        assert done.wait(60), "no scheduled backup within a minute"
    finally:
        scheduler.stop()
    first = bf.latest(folder, "auto")
    assert first is not None and "定时备份已保存" in said[0] and str(first.path) in said[0]
    assert bf.inspect(first.path).problem is None
    # The next one is due a day after the newest; an overdue one at once.
    now = first.taken_at + timedelta(hours=1)
    assert scheduler.next_due(now) == first.taken_at + timedelta(hours=24)
    assert scheduler.next_due(first.taken_at + timedelta(days=3)) == first.taken_at + timedelta(days=3)
    # A backup that cannot be taken (its folder is a file) is reported; the thread keeps running.
    blocked = tmp_path / "bk2"
    blocked.write_text("not a folder")
    said.clear()
    done.clear()
    failing = bf.BackupScheduler(store, blocked, every_hours=24, keep=2, say=say).start()
    try:
        assert done.wait(60)
        assert "定时备份失败：无法写入备份目录" in said[0] and str(blocked) in said[0]
        assert failing._thread.is_alive()
    finally:
        failing.stop()
    assert not failing._thread.is_alive()
    assert blocked.read_text() == "not a folder"


def test_names_sort_by_time_not_by_text(tmp_path):
    folder = tmp_path / "bk"
    folder.mkdir()
    when = datetime(2025, 12, 1, 2, 0, 0)
    for n in (1, 2, 10):
        name = f"perfdash-{when:%Y%m%d-%H%M%S}-{n}-auto.zip" if n > 1 else f"perfdash-{when:%Y%m%d-%H%M%S}-auto.zip"
        (folder / name).write_bytes(b"z")
    assert bf.latest(folder).path.name.endswith("-10-auto.zip")


def test_a_folder_that_cannot_be_written_is_a_message(live, tmp_path):
    store, _ = live
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    with pytest.raises(bk.BackupError, match="无法写入备份目录"):
        bf.take(store, blocked / "bk", "manual")


def test_restoring_a_zip_onto_an_existing_file_is_refused_before_unpacking(live, tmp_path):
    store, _ = live
    made, _ = bf.take(store, tmp_path / "bk", "manual")
    existing = tmp_path / "out" / "existing.duckdb"
    existing.parent.mkdir()
    existing.write_bytes(b"keep")
    with pytest.raises(bk.BackupError, match="已存在"):
        bk.restore(made.path, existing)
    assert existing.read_bytes() == b"keep" and sorted(p.name for p in existing.parent.iterdir()) == ["existing.duckdb"]


def test_the_cli_restores_the_downloaded_file(live, tmp_path):
    from tests.running import run_cli

    store, db = live
    made, manifest = bf.take(store, tmp_path / "bk", "manual")
    store.close()
    out = run_cli("restore", str(made.path), "--db", str(tmp_path / "cli.duckdb"))
    assert out.code == 0, out.err
    assert f"恢复 {len(manifest.tables)} 张表、{manifest.total_rows} 行和 2 个迎评材料文件" in out.out
    assert_same_tables(db, tmp_path / "cli.duckdb")
