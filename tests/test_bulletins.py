"""Issuing the 督查通报 (perfdash.workflows.bulletins, present.bulletin.issue, pages/bulletins.py) on
the demo history (weekly periods to Friday, closed to 2025-11-21): the office edits a month's draft
and issues it under a number of its own; the Word file is kept under its hash and says what the
office wrote, the tables keep the draft's numbers; a refused issue leaves no row and no file."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from perfdash.app import nav
from perfdash.core.access import Actor
from perfdash.db.database import StoreError
from perfdash.present import bulletin
from perfdash.store import ProgressRow, Store
from perfdash.workflows import bulletins
from tests.fixtures import shipped_plan, signed_in
from tests.test_bulletin import docx_text

OFFICE = Actor("office", "绩效办", "office_wang")
OCTOBER, NOVEMBER = date(2025, 10, 1), date(2025, 11, 1)
PAGE = "pages/bulletins.py"
MINE = "请各科室于11月7日前在系统中报送整改情况，绩效办将于11月10日汇总。"


def edited(store: Store, month: date = OCTOBER, issue: str = "2025年第10期") -> bulletins.Edits:
    """The month's draft text with the office's changes: its number, a new title, 六、 rewritten."""
    e = bulletin.edits_of(bulletin.draft(store, 1, month))
    paragraphs = list(e.paragraphs)
    paragraphs[5] = (MINE,)
    return replace(e, issue=issue, title="关于10月份绩效目标推进情况的通报", paragraphs=tuple(paragraphs))


def kept_files(store: Store) -> list[Path]:
    return sorted(bulletins.file_path(store, "0" * 64).parent.parent.rglob("*.docx*"))


def test_the_office_issues_the_edited_text_and_the_file_is_kept_as_issued(demo_store):
    edits = edited(demo_store)
    bulletin_id = bulletin.issue(demo_store, 1, OCTOBER, edits, OFFICE)
    listed = bulletins.issued(demo_store, 1)
    assert len(listed) == 1
    row = listed.iloc[0]
    assert (row["bulletin_id"], row["issue"], row["title"]) == (bulletin_id, "2025年第10期", edits.title)
    assert (row["month"].date(), row["cutoff"].date()) == (OCTOBER, date(2025, 10, 31))
    assert row["issued_by"] == "绩效办（office_wang）"
    name, data = bulletins.read_issued(demo_store, bulletin_id)
    assert name == row["file_name"] == "泉州市教育局绩效督查通报2025年第10期.docx"
    assert row["size_bytes"] == len(data)
    # Kept under its hash beside the evidence, the same bytes the issuing wrote.
    sha = hashlib.sha256(data).hexdigest()
    assert kept_files(demo_store) == [bulletins.file_path(demo_store, sha)]
    assert bulletins.file_path(demo_store, sha).parent.parent == Path(demo_store.path).parent / "evidence"
    # What the file says is what the office wrote; the numbers are the draft's.
    text, tables = docx_text(data)
    assert text.splitlines()[:2] == ["绩效督查通报（演示数据）", "2025年第10期"]
    assert MINE in text and bulletin.NEXT_STEPS[0] not in text
    assert "关于10月份绩效目标推进情况的通报" in text and "关于2025年10月绩效目标推进情况的通报" not in text
    assert tables[0][-1] == ["合计", "61", "100", "82%", "83%", "-1", "14"]
    assert "草稿" not in Document(io.BytesIO(data)).core_properties.comments
    # The text as issued is kept with the row, paragraph by paragraph.
    kept = bulletins.issued_text(demo_store, bulletin_id)
    assert kept["issue"] == "2025年第10期" and kept["addressee"] == edits.addressee
    assert [p["paragraphs"] for p in kept["parts"]] == [list(p) for p in edits.paragraphs]
    assert [p["heading"] for p in kept["parts"]][5] == "六、下一步工作要求"
    # The same edits give the same file (the draft download differs only in saying 草稿).
    again = bulletin.to_docx(replace(bulletin.apply_edits(bulletin.draft(demo_store, 1, OCTOBER), edits), issued=True))
    assert again == data
    # Audited, with the file's hash.
    audit = demo_store.query(
        "SELECT actor, action, entity_key, new_value, unit FROM audit_log WHERE entity = 'bulletin'"
    )
    assert audit[["action", "entity_key", "unit"]].values.tolist() == [
        ["签发督查通报", str(bulletin_id), "泉州市教育局"]
    ]
    assert sha in audit.iloc[0]["new_value"] and "2025年第10期" in audit.iloc[0]["new_value"]


def test_an_issue_number_is_used_once_per_plan(demo_store):
    bulletin.issue(demo_store, 1, OCTOBER, edited(demo_store), OFFICE)
    files = kept_files(demo_store)
    # The same number, whatever its spaces, for another month: refused before any file is written.
    with pytest.raises(
        StoreError, match=r"^期号“2025年 第10期”已用于2025年10月的通报（绩效办（office_wang） .* 签发），请换一个期号$"
    ):
        bulletin.issue(demo_store, 1, NOVEMBER, edited(demo_store, NOVEMBER, "2025年 第10期"), OFFICE)
    assert len(bulletins.issued(demo_store, 1)) == 1 and kept_files(demo_store) == files
    # A second 通报 of the same month under a new number is fine (a correction).
    bulletin.issue(demo_store, 1, OCTOBER, edited(demo_store, issue="2025年第10期（更正）"), OFFICE)
    assert list(bulletins.issued(demo_store, 1)["issue"]) == ["2025年第10期（更正）", "2025年第10期"]


def test_a_number_taken_meanwhile_is_refused_in_the_write_and_its_file_taken_back(demo_store, monkeypatch):
    bulletin.issue(demo_store, 1, OCTOBER, edited(demo_store), OFFICE)
    files = kept_files(demo_store)
    checks = []
    real = bulletins._taken

    def late(rows, issue):  # the first check (before the file) misses it, as if another account issued meanwhile
        checks.append(issue)
        return None if len(checks) == 1 else real(rows, issue)

    monkeypatch.setattr(bulletins, "_taken", late)
    with pytest.raises(StoreError, match="已用于2025年10月的通报"):
        bulletin.issue(demo_store, 1, NOVEMBER, edited(demo_store, NOVEMBER), OFFICE)
    assert len(checks) == 2
    assert len(bulletins.issued(demo_store, 1)) == 1 and kept_files(demo_store) == files  # no row, no file


@pytest.mark.parametrize(
    "actor", [Actor.leader("李自坚"), Actor.section("办公室"), Actor("office", "绩效办", "other", ("厦门市教育局",))]
)
def test_only_the_plans_office_issues(demo_store, actor):
    with pytest.raises(StoreError, match=r"只有绩效办可以签发督查通报|属于厦门市教育局"):
        bulletin.issue(demo_store, 1, OCTOBER, edited(demo_store), actor)
    assert bulletins.issued(demo_store, 1).empty and kept_files(demo_store) == []
    assert demo_store.query("SELECT count(*) AS n FROM audit_log WHERE entity = 'bulletin'")["n"][0] == 0


def test_the_kept_file_is_checked_when_read(demo_store):
    bulletin_id = bulletin.issue(demo_store, 1, OCTOBER, edited(demo_store), OFFICE)
    (path,) = kept_files(demo_store)
    good = path.read_bytes()
    path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    with pytest.raises(StoreError, match=r"^2025年第10期督查通报的文件已损坏（校验值不符）$"):
        bulletins.read_issued(demo_store, bulletin_id)
    path.unlink()
    with pytest.raises(StoreError, match="文件缺失"):
        bulletins.read_issued(demo_store, bulletin_id)
    with pytest.raises(StoreError, match="没有编号为 99 的督查通报"):
        bulletins.read_issued(demo_store, 99)


def test_edits_are_checked_every_problem_on_its_own_line(demo_store):
    draft = bulletin.draft(demo_store, 1, OCTOBER)
    e = bulletin.edits_of(draft)
    empty_part = list(e.paragraphs)
    empty_part[2] = ("  ",)
    empty_part[5] = ("长" * 2001,)
    bad = replace(e, issue=" ", title="通" * 101, paragraphs=tuple(empty_part))
    with pytest.raises(StoreError) as refused:
        bulletin.apply_edits(draft, bad)
    assert str(refused.value).splitlines() == [
        "请填写期号",
        "标题有 101 个字，超过 100 字的上限，请精简后再保存",
        "“三、滞后和逾期目标”的正文不能为空",
        "“六、下一步工作要求”第1段有 2001 个字，超过 2000 字的上限，请精简后再保存",
    ]
    with pytest.raises(StoreError, match=r"^请填写期号$"):
        bulletin.issue(demo_store, 1, OCTOBER, replace(e, issue=""), OFFICE)
    # Applying edits leaves the draft as it was, and keeps its tables.
    changed = bulletin.apply_edits(draft, replace(e, paragraphs=(("一段。", " "), *e.paragraphs[1:])))
    assert changed.parts[0].paragraphs == ["一段。"] and draft.parts[0].paragraphs == list(e.paragraphs[0])
    assert changed.parts[1].tables == draft.parts[1].tables
    assert bulletins.paragraphs_of(bulletins.text_of(["甲。", "乙。"]) + "\n\n\n丙。\n") == ("甲。", "乙。", "丙。")


def test_the_months_a_bulletin_can_be_drafted_for(demo_store):
    months = bulletins.months(demo_store, 1)
    assert [m for m, why in months.items() if why is None] == [date(2025, m, 1) for m in range(1, 12)]
    assert months[date(2025, 12, 1)] == (
        "2025年12月还没有已关闭的填报周期，不能生成该月的督查通报（目前已关闭至2025年11月21日）"
    )
    # On demand: the month in progress (November) up to its last closed period, 11-21.
    assert bulletins.latest_month(months) == NOVEMBER
    bulletin_id = bulletin.issue(demo_store, 1, NOVEMBER, edited(demo_store, NOVEMBER, "2025年第11期"), OFFICE)
    assert bulletins.issued(demo_store, 1).iloc[0]["cutoff"].date() == date(2025, 11, 21)
    assert "第48期截止日在本月但尚未关闭" in docx_text(bulletins.read_issued(demo_store, bulletin_id)[1])[0]


def test_a_draft_made_before_a_period_moved_is_refused(demo_store):
    draft = bulletin.draft(demo_store, 1, NOVEMBER)
    e = bulletin.edits_of(draft)
    headings = [p.heading for p in draft.parts]
    with pytest.raises(
        StoreError, match=r"^草稿统计截至2025年11月14日，而2025年11月最后一个已关闭的填报周期截至2025年11月21日"
    ):
        demo_store.issue_bulletin(1, NOVEMBER, date(2025, 11, 14), headings, e, bulletin.to_docx(draft), OFFICE)
    with pytest.raises(StoreError, match="不是 Word"):
        demo_store.issue_bulletin(1, NOVEMBER, draft.cutoff, headings, e, b"%PDF-1.4", OFFICE)
    assert bulletins.issued(demo_store, 1).empty and kept_files(demo_store) == []


def test_issuing_on_both_backends(db_target):
    """The same write on DuckDB and PostgreSQL: a plan without reports, periods closed to 10-31."""
    store = Store(db_target)
    try:
        plan_id = store.import_plan(shipped_plan()).plan_id
        with pytest.raises(StoreError, match="目前还没有关闭任何填报周期"):
            bulletin.issue(store, plan_id, OCTOBER, bulletins.Edits("x", "x", "x", ()), OFFICE)
        store.close_period(plan_id, OFFICE, today=date(2025, 11, 3), through=date(2025, 10, 31))
        e = bulletin.edits_of(bulletin.draft(store, plan_id, OCTOBER))
        bulletin_id = bulletin.issue(store, plan_id, OCTOBER, replace(e, issue="2025年第10期"), OFFICE)
        with pytest.raises(StoreError, match="已用于2025年10月的通报"):
            bulletin.issue(store, plan_id, OCTOBER, replace(e, issue="2025年第10期"), OFFICE)
        (row,) = bulletins.issued(store, plan_id).itertuples()
        assert (row.bulletin_id, row.issue, str(row.cutoff)[:10]) == (bulletin_id, "2025年第10期", "2025-10-31")
        text, _ = docx_text(bulletins.read_issued(store, bulletin_id)[1])
        assert "数据统计截至2025年10月31日" in text
        assert bulletins.issued_text(store, bulletin_id)["parts"][5]["paragraphs"] == list(bulletin.NEXT_STEPS)
    finally:
        store.close()


# -- the page --------------------------------------------------------------------------------------


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def test_the_page_is_in_the_office_and_leader_menus_only():
    assert "bulletins" in nav.menu("office")["督办"]
    assert "bulletins" in nav.menu("leader")["督办与评估"]
    assert not any("bulletins" in urls for urls in nav.menu("section").values())


def test_the_office_edits_issues_and_sees_it_listed(db):
    at = _ok(signed_in(PAGE).run())
    assert [t.label for t in at.tabs] == ["起草与签发", "已签发的通报（0）"]
    # The latest month with a closed period (November, to 11-21), its figures beside the text.
    assert at.selectbox(key="bulletin_month").value == NOVEMBER
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["加权完成率"] == "86%" and metrics["序时进度"] == "89%" and metrics["滞后"] == "14 项"
    at.selectbox(key="bulletin_month").set_value(OCTOBER).run()
    metrics = {m.label: m.value for m in _ok(at).metric}
    assert (metrics["加权完成率"], metrics["序时进度"], metrics["已完成"], metrics["逾期未完成"]) == (
        "82%",
        "83%",
        "9 项",
        "1 项",
    )
    assert at.text_input(key="bulletin_issue").value == "2025年第10期"
    assert at.text_area(key="bulletin_part_5").value == "\n\n".join(bulletin.NEXT_STEPS)
    assert at.button(key="bulletin_restore").disabled  # nothing edited yet
    # Edit, restore, edit again.
    at.text_area(key="bulletin_part_5").set_value("随便写写").run()
    at.button(key="bulletin_restore").click().run()
    assert _ok(at).text_area(key="bulletin_part_5").value == "\n\n".join(bulletin.NEXT_STEPS)
    at.text_area(key="bulletin_part_5").set_value(MINE).run()
    at.text_input(key="bulletin_title").set_value("关于10月份绩效目标推进情况的通报").run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载修改稿（Word）"]
    # Issue: asked first, then issued, listed, kept.
    at.button(key="bulletin_issue_start").click().run()
    assert any(w.value.startswith("确认签发？期号 **2025年第10期**") for w in _ok(at).warning)
    at.button(key="bulletin_issue_confirm").click().run()
    assert [s.value for s in _ok(at).success] == ["已签发 2025年第10期，Word 文件已保存，见“已签发的通报”。"]
    assert [t.label for t in at.tabs][1] == "已签发的通报（1）"
    listed = at.dataframe[-1].value
    assert listed[["期号", "月份", "标题", "统计截至", "签发人"]].values.tolist() == [
        ["2025年第10期", "2025年10月", "关于10月份绩效目标推进情况的通报", "2025-10-31", "绩效办（t_office_e3b0c442）"]
    ]
    assert "下载 2025年第10期（Word）" in [b.proto.label for b in at.get("download_button")]
    assert any(i.value.startswith("2025年10月已签发：2025年第10期") for i in at.info)
    store = Store(db)
    try:
        (row,) = bulletins.issued(store, 1).itertuples()
        text, _ = docx_text(bulletins.read_issued(store, row.bulletin_id)[1])
    finally:
        store.close()
    assert MINE in text and "关于10月份绩效目标推进情况的通报" in text
    # The same number again: refused in one line, nothing added.
    at.button(key="bulletin_issue_start").click().run()
    at.button(key="bulletin_issue_confirm").click().run()
    assert next(e.value.replace("\\", "") for e in _ok(at).error).startswith("期号“2025年第10期”已用于2025年10月的通报")
    assert [t.label for t in at.tabs][1] == "已签发的通报（1）"


def test_a_late_report_after_the_text_was_filled_in_is_pointed_out(db):
    at = _ok(signed_in(PAGE).run())
    at.selectbox(key="bulletin_month").set_value(OCTOBER).run()
    at.text_area(key="bulletin_part_5").set_value(MINE).run()
    assert not _ok(at).warning[1:]  # only the demo banner
    store = Store(db)
    try:  # 1-3-3 (逾期, 83%) reported done on 10-30, late: the October draft's numbers change
        store.add_progress(1, [ProgressRow("1-3-3", date(2025, 10, 30), 100.0, "已完成", "补报")], OFFICE)
    finally:
        store.close()
    at.run()
    assert any(w.value.startswith("打开草稿后有补报") for w in _ok(at).warning)
    assert "已完成9项" in at.text_area(key="bulletin_part_0").value  # the office's fields keep their text
    assert at.text_area(key="bulletin_part_5").value == MINE
    at.button(key="bulletin_restore").click().run()
    assert "已完成10项" in _ok(at).text_area(key="bulletin_part_0").value
    assert not any(w.value.startswith("打开草稿后有补报") for w in at.warning)


def test_a_month_without_a_closed_period_says_why(db):
    at = _ok(signed_in(PAGE).run())
    at.selectbox(key="bulletin_month").set_value(date(2025, 12, 1)).run()
    assert [i.value for i in _ok(at).info] == [
        "2025年12月还没有已关闭的填报周期，不能生成该月的督查通报（目前已关闭至2025年11月21日）"
    ]
    assert not at.text_area and not at.get("download_button")


def test_an_empty_part_keeps_the_draft_from_being_written(db):
    at = _ok(signed_in(PAGE).run())
    at.text_area(key="bulletin_part_4").set_value("  ").run()
    assert "“五、未报送科室”的正文不能为空" in _ok(at).error[0].value
    assert at.button(key="bulletin_issue_start").disabled
    assert [b.proto.disabled for b in at.get("download_button")] == [True]


def test_a_leader_reads_the_issued_list_and_a_section_is_refused(db):
    store = Store(db)
    try:
        bulletin.issue(store, 1, OCTOBER, edited(store), OFFICE)
    finally:
        store.close()
    leader = _ok(signed_in(PAGE, "leader", "李自坚").run())
    assert not leader.tabs and not leader.text_area and not leader.text_input
    assert leader.dataframe[0].value["期号"].tolist() == ["2025年第10期"]
    assert [b.proto.label for b in leader.get("download_button")] == ["下载 2025年第10期（Word）"]
    assert not [b for b in leader.button if b.key and b.key.startswith("bulletin_issue")]
    section = _ok(signed_in(PAGE, "section", "办公室").run())
    assert [i.value for i in section.info] == ["督查通报由绩效办编辑、签发，本页供绩效办和局领导使用。"]
    assert not section.dataframe and not section.get("download_button") and not section.text_area
