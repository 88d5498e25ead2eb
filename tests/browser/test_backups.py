"""Backups while the app serves, in a real browser against ``python -m perfdash serve``: the office
clicks 立即备份 on 账户与审计 and downloads one file; the server's scheduler writes its own backups;
after the server stops, both restore to databases equal to the served one table by table, with the
same evidence files. Every wait is for what it checks."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

from perfdash.core.settings import PROJECT_ROOT
from perfdash.ops import backup as bk
from perfdash.ops import backup_folder as bf
from tests.browser.conftest import OFFICE_USER, demo_db, serve, sign_in
from tests.test_backup import assert_same_tables, tables
from tests.waiting import wait_until

EVERY_HOURS = 0.005  # a scheduled backup every 18 s, so one comes soon after the page's


def evidence_files(db: Path) -> dict[str, str]:
    root = db.parent / "evidence"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*.*")}


def scheduled_after(folder: Path, when) -> bf.BackupFile | None:
    """The newest scheduled backup taken after ``when``, if there is one yet."""
    return next((b for b in bf.list_backups(folder) if b.kind == "auto" and b.taken_at > when), None)


def test_the_office_backs_up_from_the_page_and_the_schedule_backs_up_too(browser, tmp_path, monkeypatch, artifacts):
    from perfdash.core.access import Actor
    from perfdash.store import Store
    from perfdash.workflows import evaluation

    monkeypatch.delenv("PERFDASH_EVIDENCE_DIR", raising=False)  # evidence/ beside the database, as on a server
    db = tmp_path / "live" / "live.duckdb"
    db.parent.mkdir()
    demo_db(db)
    store = Store(db)
    try:
        evaluation.store_evidence(store, 1, "1-3-1", "总结.pdf", b"%PDF-1.4 summary", Actor.office())
        evaluation.store_evidence(store, 1, "7-2", "照片.png", b"\x89PNG\r\n\x1a\n" + b"p" * 50, Actor.office())
    finally:
        store.close()
    folder = tmp_path / "backups"
    env = {"PERFDASH_BACKUP_DIR": str(folder), "PERFDASH_BACKUP_EVERY": str(EVERY_HOURS)}
    with serve(db, tmp_path, perfdash_serve=True, env=env) as url:
        wait_until(lambda: bf.latest(folder, "auto"), 60, "the scheduled backup taken at start")
        page = sign_in(browser, url, OFFICE_USER, "/admin")
        try:
            page.get_by_role("tab", name="备份").click()
            started = time.perf_counter()
            page.get_by_role("button", name="立即备份").click()
            download_button = page.get_by_role("button", name="下载备份文件")
            download_button.wait_for(timeout=60_000)
            took = time.perf_counter() - started
            assert page.get_by_text("备份清单已核对").first.is_visible()
            with page.expect_download(timeout=60_000) as download:
                download_button.click()
            downloaded = tmp_path / download.value.suggested_filename
            download.value.save_as(downloaded)
            page.get_by_text("已核对：备份中的").first.wait_for(timeout=30_000)  # the preview of it
            page.screenshot(path=str(artifacts / "backup_tab.png"), full_page=True)
        finally:
            page.close()
        manual = bf.latest(folder, "manual")
        assert manual is not None and downloaded.name == manual.path.name
        assert downloaded.read_bytes() == manual.path.read_bytes()
        print(f"page backup: {took:.2f} s from the click to the download button; {manual.size_bytes} bytes")
        later = wait_until(
            lambda: scheduled_after(folder, manual.taken_at),
            EVERY_HOURS * 3600 * 3 + 30,
            "a scheduled backup after the page's",
        )
    from_page = tmp_path / "from_page.duckdb"
    restored = subprocess.run(
        [sys.executable, "-m", "perfdash", "restore", str(downloaded), "--db", str(from_page)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restored.returncode == 0, restored.stderr
    assert "行数和校验和与备份清单一致" in restored.stdout and "2 个迎评材料文件" in restored.stdout
    from_schedule = tmp_path / "scheduled" / "from_schedule.duckdb"
    bk.restore(later.path, from_schedule)
    # The scheduled backup came after every write: it equals the database the server held, table
    # by table. The page's backup is audited once it is saved, so it holds all but that entry (and
    # the data version it raised). Both carry the same evidence files.
    assert_same_tables(db, from_schedule)
    served, page = tables(db), tables(from_page)
    assert {t: rows for t, (_, rows) in served.items() if t not in ("audit_log", "meta")} == {
        t: rows for t, (_, rows) in page.items() if t not in ("audit_log", "meta")
    }
    extra = [r for r in served["audit_log"][1] if r not in page["audit_log"][1]]
    assert [(r[4], r[6]) for r in extra] == [("备份数据库", manual.path.name)]
    for copy in (from_page, from_schedule):
        assert evidence_files(copy) == evidence_files(db) and len(evidence_files(db)) == 2
