"""The 备份 tab of 账户与审计 (AppTest): the office backs up while the app serves, gets one file to
download, and previews any backup in the folder (its tables, rows, time and schema version,
checked) with the command that restores it."""

from __future__ import annotations

import zipfile

from perfdash.ops import backup_folder as bf
from perfdash.store import Store
from tests.fixtures import signed_in


def test_the_office_backs_up_from_the_page_and_previews_it(db, tmp_path, monkeypatch):
    folder = tmp_path / "bk"
    monkeypatch.setenv("PERFDASH_BACKUP_DIR", str(folder))
    at = signed_in("pages/admin.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["账户", "大屏令牌", "审计日志", "备份"]
    assert any(str(folder) in c.value for c in at.caption)
    assert not [b for b in at.get("download_button") if b.proto.label.startswith("下载备份文件")]
    at.button(key="backup_now").click().run()
    assert not at.exception and not at.error
    made = bf.list_backups(folder)
    assert [b.kind for b in made] == ["manual"]
    assert any("已备份" in s.value and "备份清单已核对" in s.value for s in at.success)
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"下载备份文件 {made[0].path.name}" in labels
    # the preview of the folder's backup (the one just made): time, version, rows, checked
    manifest = bf.inspect(made[0].path).manifest
    assert at.selectbox(key="backup_pick").value == made[0]
    heading = f"**备份时间** {manifest.created_at.replace('T', ' ')}　·　**表结构版本** {manifest.schema_version}"
    assert any(m.value.startswith(heading) for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"表": f"{len(manifest.tables)} 张", "数据": f"{manifest.total_rows} 行", "迎评材料文件": "0 个"}
    contents = next(d.value for d in at.dataframe if "行数" in d.value.columns).set_index("表")
    assert contents.loc["progress", "行数"] == 2280 and contents.loc["progress", "内容"] == "进度记录"
    assert any("已核对" in s.value for s in at.success)
    assert any("python -m perfdash restore" in c.value and made[0].path.name in c.value for c in at.code)
    assert any("先停止看板" in i.value for i in at.info)
    store = Store(db)
    try:
        assert store.scalar("SELECT count(*) FROM audit_log WHERE action = '备份数据库'") == 1
    finally:
        store.close()


def test_a_damaged_backup_in_the_folder_is_named_in_the_preview(db, tmp_path, monkeypatch):
    folder = tmp_path / "bk"
    monkeypatch.setenv("PERFDASH_BACKUP_DIR", str(folder))
    at = signed_in("pages/admin.py").run()
    at.button(key="backup_now").click().run()
    good = bf.list_backups(folder)[0].path
    bad = folder / "perfdash-20251231-235959-auto.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("progress.parquet"):
                data = data.replace(b"PAR1", b"PAR2", 1)  # one byte of the table's file changed
            dst.writestr(info, data)
    listed = bf.list_backups(folder)
    assert [b.path for b in listed] == [good, bad]
    at.run()  # the page lists the folder anew
    at.selectbox(key="backup_pick").set_value(listed[1]).run()
    assert not at.exception
    assert any("这份备份不能使用" in e.value and "progress" in e.value for e in at.error)


def test_sections_see_no_backups(db):
    at = signed_in("pages/admin.py", "section", "校安科").run()
    assert not at.exception
    assert not [t for t in at.tabs if t.label == "备份"]
    assert not [b for b in at.button if b.label == "立即备份"]  # the page stops before any tab
    assert any("只有绩效办" in i.value for i in at.info)
