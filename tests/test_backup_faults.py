"""Backups when something is wrong on the server: a full disk is one clear line (on the page, in the
command line, from the scheduler) and no audit entry says a failed backup was made; a missing or
damaged evidence file is named while everything else is still saved; and the page's upload limit
for previews is the one the server and the README state."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import threading
import tomllib
from pathlib import Path

import pytest

from perfdash.core.settings import PROJECT_ROOT
from perfdash.ops import archive
from perfdash.ops import backup as bk
from perfdash.ops import backup_folder as bf
from perfdash.store import Store
from tests.fixtures import signed_in
from tests.running import run_cli
from tests.test_backup import _with_evidence, assert_same_tables
from tests.test_backup_folder import OFFICE

FREE_BYTES = 64 << 10  # left free on the "full" disk: less than any backup of the demo needs


@pytest.fixture
def full_disk(tmp_path):
    """A 1 MB tmpfs filled up to its last 64 KB (root may mount one; else the test is skipped)."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        vfs = os.statvfs(mount)
        (mount / "filler").write_bytes(bytes(vfs.f_bavail * vfs.f_frsize - FREE_BYTES))
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _left_behind(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "filler") if folder.is_dir() else []


def _backup_audits(db: Path) -> int:
    store = Store(db)
    try:
        return int(store.scalar("SELECT count(*) FROM audit_log WHERE action = '备份数据库'"))
    finally:
        store.close()


# -- a full disk ---------------------------------------------------------------------------------------


def test_a_full_disk_is_one_line_everywhere_and_leaves_nothing(full_disk, tmp_path, monkeypatch):
    db, _ = _with_evidence(tmp_path, monkeypatch)
    store = Store(db)
    try:
        with pytest.raises(bk.BackupError, match=r"^备份失败：磁盘空间不足，备份没有保存") as refused:
            bf.backup_now(store, OFFICE, full_disk / "bk")
        assert "\n" not in str(refused.value) and str(full_disk / "bk") in str(refused.value)
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '备份数据库'") == 0
    finally:
        store.close()
    assert _left_behind(full_disk / "bk") == [] and _left_behind(full_disk) == ["bk"]
    cli = run_cli("backup", "--db", str(db), "--out", str(full_disk / "cli"))
    assert cli.code == 2
    assert cli.err.startswith("错误：备份失败：磁盘空间不足") and cli.err.count("\n") == 1, cli.err
    assert _left_behind(full_disk) == ["bk"]


def test_the_page_says_the_disk_is_full_and_audits_nothing(db, full_disk, monkeypatch):
    monkeypatch.setenv("PERFDASH_BACKUP_DIR", str(full_disk / "bk"))
    at = signed_in("pages/admin.py").run()
    at.button(key="backup_now").click().run()
    assert not at.exception  # not 页面出错了
    assert [e.value for e in at.error if e.value.startswith("备份失败：磁盘空间不足")], [e.value for e in at.error]
    assert not at.get("download_button")
    assert bf.list_backups(full_disk / "bk") == []
    assert _backup_audits(db) == 0


@pytest.mark.parametrize("where", ["pack", "manifest"])
def test_a_write_that_fails_with_enospc_is_a_message_and_no_audit(tmp_path, monkeypatch, where):
    """The same without a tmpfs: the disk fills while packing the .zip, or writing the manifest."""
    db, _ = _with_evidence(tmp_path, monkeypatch)

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "pack":
        monkeypatch.setattr(archive, "pack", no_space)
    else:
        monkeypatch.setattr(bk, "sign", no_space)  # the manifest's write: after the tables, before the rename
    store = Store(db)
    try:
        with pytest.raises(bk.BackupError, match=r"^备份失败：磁盘空间不足"):
            bf.backup_now(store, OFFICE, tmp_path / "bk")
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '备份数据库'") == 0
    finally:
        store.close()
    assert _left_behind(tmp_path / "bk") == []


def test_the_scheduler_reports_a_full_disk_and_keeps_going(full_disk, tmp_path, monkeypatch):
    db, _ = _with_evidence(tmp_path, monkeypatch)
    store = Store(db)
    said: list[str] = []
    done = threading.Event()
    scheduler = bf.BackupScheduler(
        store, full_disk / "bk", every_hours=24, keep=2, say=lambda t: (said.append(t), done.set())
    ).start()
    try:
        assert done.wait(60)
        assert said[0].startswith("[perfdash] 定时备份失败：磁盘空间不足"), said
        assert scheduler._thread.is_alive()
    finally:
        scheduler.stop()
        store.close()


# -- a missing evidence file -----------------------------------------------------------------------


def test_a_missing_or_damaged_evidence_file_is_named_and_the_rest_is_saved(tmp_path, monkeypatch):
    db, _ = _with_evidence(tmp_path, monkeypatch)
    next((db.parent / "evidence").rglob("*.png")).unlink()
    pdf = next((db.parent / "evidence").rglob("*.pdf"))
    cli = run_cli("backup", "--db", str(db), "--out", str(tmp_path / "b1"))
    assert cli.code == 0, cli.err
    assert "已备份" in cli.out
    assert cli.err.startswith("警告：1 个迎评材料文件在服务器上缺失或损坏，未能备份：照片.png（目标 7-2）（缺失）")
    manifest = bk.read_manifest(tmp_path / "b1")
    (missing,) = manifest.missing_evidence
    assert missing.names == ("照片.png（目标 7-2）",) and missing.problem == "缺失"
    assert missing.file.endswith(".png") and missing.file not in manifest.files
    assert bk.evidence_count(manifest) == 1  # the pdf (two rows, one file) is in it
    out = tmp_path / "r1.duckdb"
    restored = run_cli("restore", str(tmp_path / "b1"), "--db", str(out))
    assert restored.code == 0, restored.err
    assert "这份备份不含 1 个迎评材料文件（备份时已缺失或损坏）：照片.png" in restored.err
    assert_same_tables(db, out)  # every row, the missing file's row included

    pdf.write_bytes(b"%PDF-1.4 damaged on the server")
    manifest = bk.backup(db, tmp_path / "b2")
    assert sorted((m.problem, m.names) for m in manifest.missing_evidence) == [
        ("已损坏", ("同一份.pdf（目标 1-3-1）", "总结.pdf（目标 1-3-1）")),
        ("缺失", ("照片.png（目标 7-2）",)),
    ]
    assert bk.evidence_count(manifest) == 0
    assert bk.restore(tmp_path / "b2", tmp_path / "r2.duckdb").missing_evidence == manifest.missing_evidence


def test_the_page_names_the_missing_evidence_file(tmp_path, monkeypatch):
    db, _ = _with_evidence(tmp_path, monkeypatch)
    next((db.parent / "evidence").rglob("*.png")).unlink()
    monkeypatch.setenv("PERFDASH_DB", str(db))
    monkeypatch.setenv("PERFDASH_BACKUP_DIR", str(tmp_path / "bk"))
    at = signed_in("pages/admin.py").run()
    at.button(key="backup_now").click().run()
    assert not at.exception and not at.error
    assert any("已备份" in s.value for s in at.success)
    warnings = [w.value for w in at.warning if "照片\\.png" in w.value and "未能备份" in w.value]
    assert len(warnings) == 2  # the backup just made, and its preview below
    assert [b.kind for b in bf.list_backups(tmp_path / "bk")] == ["manual"]


def test_the_scheduler_saves_the_rest_and_names_the_missing_file(tmp_path, monkeypatch):
    db, _ = _with_evidence(tmp_path, monkeypatch)
    next((db.parent / "evidence").rglob("*.png")).unlink()
    store = Store(db)
    said: list[str] = []
    both = threading.Event()

    def say(text: str) -> None:
        said.append(text)
        if len(said) == 2:
            both.set()

    scheduler = bf.BackupScheduler(store, tmp_path / "bk", every_hours=24, keep=2, say=say).start()
    try:
        assert both.wait(60)
    finally:
        scheduler.stop()
        store.close()
    assert said[0].startswith("[perfdash] 定时备份已保存") and "1 个迎评材料文件" in said[0]
    assert said[1].startswith("[perfdash] 注意：1 个迎评材料文件") and "照片.png" in said[1]


# -- the preview's upload limit ----------------------------------------------------------------------


def test_the_preview_upload_limit_is_the_servers_and_the_readmes():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] >= bf.UPLOAD_MAX_MB  # the server cuts a larger one off
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.findall(r"上传下载过的 \.zip，≤ (\d+) MB", readme)
    assert stated == [str(bf.UPLOAD_MAX_MB)]


def test_an_upload_over_the_limit_is_a_message(tmp_path):
    with pytest.raises(bk.BackupError, match=f"上传的备份文件超过 {bf.UPLOAD_MAX_MB} MB"):
        bf.inspect_upload(bytes((bf.UPLOAD_MAX_MB << 20) + 1))


def test_the_page_refuses_to_show_an_unsigned_backup(tmp_path, monkeypatch):
    from tests.test_backup import rewrite_manifest

    db, _ = _with_evidence(tmp_path, monkeypatch)
    folder = tmp_path / "bk"
    store = Store(db)
    try:
        made, _ = bf.take(store, folder, "auto")
    finally:
        store.close()
    unpacked = tmp_path / "unpacked"
    bk.unpack(made.path, unpacked)
    rewrite_manifest(unpacked, lambda m: m.pop("signature"))
    made.path.unlink()
    archive.pack(unpacked, made.path)
    with pytest.raises(bk.BackupError, match=r"没有本安装的签名.*：网页上不查看、不使用"):
        bf.inspect(made.path)
    with pytest.raises(bk.BackupError, match="--trust-unsigned"):
        bf.inspect_upload(made.path.read_bytes())
    monkeypatch.setenv("PERFDASH_DB", str(db))
    monkeypatch.setenv("PERFDASH_BACKUP_DIR", str(folder))
    at = signed_in("pages/admin.py").run()
    assert not at.exception
    assert any("没有本安装的签名" in e.value for e in at.error)
    assert not at.metric  # nothing of it shown
