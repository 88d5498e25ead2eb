"""督办与催报 through AppTest (#36): a section signs for an item and answers it with files (a bad file
refused, its text kept), the office returns the answer with a reason (kept when refused) and then
closes it, a leader reads without a button; the office's 签收 and 提醒 days; the reminders' 督办
lines on the page; the section's landing page counts what waits for it."""

from __future__ import annotations

from datetime import date

import pytest

from perfdash.core.access import Actor
from perfdash.store import Store
from perfdash.workflows import decisions
from tests.fixtures import signed_in

TODAY = date(2025, 11, 27)  # Thursday of the open period; the items were decided on Monday 11-24
MEETING = date(2025, 11, 24)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 56
LEADER = Actor("leader", "蔡玉霖", "cyl")
ZHONGJIAO = Actor("section", "中教科")
PAGE = "pages/supervision.py"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("perfdash.app.ui.today", lambda: TODAY)
    return TODAY


def _store(db):
    return Store(db)


def _decide(db, answered: bool = False) -> int:
    """中教科's item of the meeting of 11-24 on 1-3-1, due 11-28; signed and answered with a PDF."""
    s = _store(db)
    try:
        oid = s.record_decision(
            1, "报送推进方案", "中教科", date(2025, 11, 28), LEADER, code="1-3-1", source_day=MEETING, today=MEETING
        )
        if answered:
            s.respond_order(oid, "已报送推进方案", ZHONGJIAO, files=[("推进方案.pdf", PDF)])
        return oid
    finally:
        s.close()


def _rows(db, sql: str, params: list) -> list[tuple]:
    s = _store(db)
    try:
        return s.rows(sql, params)
    finally:
        s.close()


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _errors(at) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]  # shown through fmt.md: markdown escaped


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_a_section_signs_and_answers_with_files(db, today):
    oid = _decide(db)
    at = signed_in(PAGE, "section", "中教科").run()
    assert not at.exception
    assert _metrics(at)["待签收"] == "1 件" and _metrics(at)["退回待重新答复"] == "0 件"
    assert "签收时限 2025-11-26" in _texts(at)  # decided 11-24, 2 days to sign
    assert not [t for t in at.text_area if t.key.startswith("reply_text_")]  # sign first
    at.button(key=f"sign_{oid}").click().run()
    assert [s.value for s in at.success] == [f"已签收督办单 #{oid}。"]
    assert _metrics(at)["待签收"] == "0 件"

    # A file that is not what its name says: refused, nothing written, the text stays.
    at.text_area(key=f"reply_text_{oid}_0").input("已报送推进方案")
    at.file_uploader(key=f"reply_files_{oid}_0").set_value([("假的.pdf", b"not a pdf", "application/pdf")])
    at.button(key=f"reply_{oid}").click().run()
    assert _errors(at) == ["假的.pdf：文件内容与扩展名不符（不是真正的 PDF 文件）"]
    assert at.text_area(key=f"reply_text_{oid}_0").value == "已报送推进方案"
    assert _rows(db, "SELECT count(*) FROM order_responses WHERE order_id = ?", [oid]) == [(0,)]

    at.file_uploader(key=f"reply_files_{oid}_0").set_value(
        [("推进方案.pdf", PDF, "application/pdf"), ("照片.png", PNG, "image/png")]
    )
    at.button(key=f"reply_{oid}").click().run()
    assert [s.value for s in at.success] == [f"已提交督办单 #{oid} 的答复（附 2 个文件），等待绩效办复核。"]
    assert _rows(db, "SELECT file_name, size_bytes FROM order_files WHERE order_id = ? ORDER BY 1", [oid]) == [
        ("推进方案.pdf", 45),
        ("照片.png", 64),
    ]
    assert "已答复，等待绩效办复核（办结销号或退回）。" in _texts(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载 推进方案.pdf（1 KB）" in labels and "下载 照片.png（1 KB）" in labels
    assert _metrics(at)["待复核"] == "1 件"


def test_the_office_returns_with_a_reason_then_closes(db, today):
    oid = _decide(db, answered=True)
    at = signed_in(PAGE).run()
    assert not at.exception
    assert _metrics(at)["待复核"] == "1 件"
    assert "待复核（1 件）" in [h.value for h in at.subheader]
    assert "**最近答复**（中教科" in _texts(at) and "已报送推进方案" in _texts(at)
    assert "下载 推进方案.pdf（1 KB）" in [b.proto.label for b in at.get("download_button")]
    # The filters: 来源 周例会 keeps it, 绩效办督办 leaves nothing.
    at.multiselect(key="order_source").set_value(["绩效办督办"]).run()
    assert "待复核（0 件）" in [h.value for h in at.subheader]
    at.multiselect(key="order_source").set_value(["周例会"]).run()
    assert "待复核（1 件）" in [h.value for h in at.subheader]

    # 退回 without a reason, then with one over the limit: refused, and what was typed stays.
    at.button(key=f"return_{oid}").click().run()
    assert _errors(at) == ["请填写退回理由"]
    long = "缺" * 1001
    at.text_area(key=f"review_note_{oid}").input(long)
    at.button(key=f"return_{oid}").click().run()
    assert _errors(at) == ["退回理由有 1001 个字，超过 1000 字的上限，请精简后再保存"]
    assert at.text_area(key=f"review_note_{oid}").value == long
    assert _rows(db, "SELECT count(*) FROM order_reviews", []) == [(0,)]
    at.text_area(key=f"review_note_{oid}").input("方案缺少时间节点")
    at.button(key=f"return_{oid}").click().run()
    assert [s.value for s in at.success] == [f"已退回督办单 #{oid}，中教科会在“督办与催报”看到退回理由。"]
    assert "待复核（0 件）" in [h.value for h in at.subheader]

    # The section sees why, and answers again.
    section = signed_in(PAGE, "section", "中教科").run()
    assert _metrics(section)["退回待重新答复"] == "1 件"
    assert [w.value for w in section.warning if "退回" in w.value] == [
        "绩效办退回：方案缺少时间节点。请补充后重新答复。"
    ]
    section.text_area(key=f"reply_text_{oid}_0").input("已补充时间节点")
    section.button(key=f"reply_{oid}").click().run()
    assert f"已提交督办单 #{oid} 的答复，等待绩效办复核。" in [s.value for s in section.success]

    at.run()
    at.text_area(key=f"review_note_{oid}").input("同意销号")
    at.button(key=f"close_{oid}").click().run()
    assert [s.value for s in at.success] == [f"督办单 #{oid} 已办结销号。"]
    assert _rows(db, "SELECT closed_by, close_note FROM supervision_orders WHERE order_id = ?", [oid]) == [
        ("绩效办", "同意销号")
    ]
    assert _metrics(at)["已办结"] == "1 件"
    audit = _rows(db, "SELECT action FROM audit_log WHERE entity = 'order' ORDER BY audit_id", [])
    assert [a for (a,) in audit] == ["记录会议决定事项", "答复督办单", "复核退回督办单", "答复督办单", "办结督办单"]
    # The course, readable from the page: decided, signed with the first answer, returned, closed.
    course = "\n".join(m.value for m in at.markdown if "**周例会决定**" in m.value).replace("\\", "")
    for step in ("**周例会决定**", "**签收**", "**答复**", "附件：推进方案.pdf", "**复核退回**", "**办结销号**"):
        assert step in course


def test_a_leader_reads_without_a_button(db, today):
    _decide(db, answered=True)
    at = signed_in(PAGE, "leader", "蔡玉霖").run()
    assert not at.exception
    assert "待复核（1 件）" in [h.value for h in at.subheader]
    assert "已报送推进方案" in _texts(at)
    keys = [b.key or "" for b in at.button]
    assert not [k for k in keys if k.split("_")[0] in ("sign", "reply", "close", "return", "remind")], keys
    assert not [n for n in at.number_input if n.key.startswith("settings_")]
    assert "下发督办单" not in [b.label for b in at.button]
    assert "下载 推进方案.pdf（1 KB）" in [b.proto.label for b in at.get("download_button")]  # reading the proof


def test_the_office_sets_the_days_and_sees_the_reminder_lines(db, today):
    oid = _decide(db)  # not signed by 11-26: on 11-27 签收超时, escalated to orange
    at = signed_in(PAGE).run()
    board = next(d.value for d in at.dataframe if "签收" in d.value.columns)
    assert board[["编号", "状态", "等级", "来源", "签收"]].values.tolist() == [
        [oid, "签收超时", "橙色", "周例会（2025-11-24）", "限 2025-11-26"]
    ]
    due = next(d.value for d in at.dataframe if "提醒" in d.value.columns)
    assert due[["提醒", "编号", "责任科室"]].values.tolist() == [["未签收", oid, "中教科"]]
    text = next(c.value for c in at.code if c.value.startswith("【催报】中教科："))
    assert f"  #{oid} 1-3-1 报送推进方案（签收时限 11月26日，未签收）" in text.splitlines()

    at.number_input(key="settings_sign_days").set_value(1)
    at.number_input(key="settings_remind_days").set_value(5)
    next(b for b in at.button if b.label == "保存时限").click().run()
    assert [s.value for s in at.success] == ["已保存：签收时限 1 天，到期前 5 天提醒。"]
    s = _store(db)
    try:
        assert decisions.settings(s, 1) == (1, 5)
    finally:
        s.close()


def test_the_sections_landing_page_counts_what_waits(db, today):
    _decide(db)
    returned = _decide(db, answered=True)
    s = _store(db)
    try:
        s.return_order(returned, "请补充", Actor("office", "绩效办", "admin"))
    finally:
        s.close()
    at = signed_in("pages/progress.py", "section", "中教科").run()
    assert not at.exception
    block = [m.value for m in at.markdown if "待签收督办" in m.value]
    assert block == ["待签收督办 **1** 项 · 退回待重新答复 **1** 项"]
    other = signed_in("pages/progress.py", "section", "校安科").run()
    assert not [m.value for m in other.markdown if "待签收督办" in m.value]  # nothing waits: no block


# -- the #36 review: the office's turn past the due day, closing any item, today's colours -----------


def _subheaders(at) -> list[str]:
    return [h.value for h in at.subheader]


def test_an_answer_past_its_due_day_still_waits_for_the_office(db, monkeypatch):
    """Answered, not reviewed: on 12-01, past its due day 11-28, the item is still in 待复核 with
    办结销号 and 退回, and its row reads 待复核（已过时限）. An item nobody answered the office closes
    from 其他操作, saying why (refused without a note)."""
    oid = _decide(db, answered=True)
    other = _decide(db)  # never signed nor answered
    monkeypatch.setattr("perfdash.app.ui.today", lambda: date(2025, 12, 1))
    at = signed_in(PAGE).run()
    assert not at.exception
    assert "待复核（1 件）" in _subheaders(at)
    keys = [b.key for b in at.button]
    assert f"close_{oid}" in keys and f"return_{oid}" in keys
    board = next(d.value for d in at.dataframe if "签收" in d.value.columns).set_index("编号")
    assert (board.loc[oid, "状态"], board.loc[other, "状态"]) == ("待复核（已过时限）", "逾期")
    assert _metrics(at)["待复核"] == "1 件" and _metrics(at)["逾期"] == "1 件"

    at.selectbox(key="other_close_pick").set_value(other)
    at.button(key="other_close").click().run()
    assert _errors(at) == [f"督办单 {other} 没有待复核的答复：直接办结销号请写明办结说明（如事项有误、已无需办理）"]
    at.text_area(key="other_close_note").input("重复录入，已撤销")
    at.button(key="other_close").click().run()
    assert [s.value for s in at.success] == [f"督办单 #{other} 已办结销号。"]
    assert _rows(db, "SELECT close_note FROM supervision_orders WHERE order_id = ?", [other]) == [("重复录入，已撤销",)]
    assert "待复核（1 件）" in _subheaders(at)  # the answered one still waits for its review

    section = signed_in(PAGE, "section", "中教科").run()
    assert "已答复，等待绩效办复核（办结销号或退回）。" in _texts(section)


def test_overview_and_progress_colour_items_as_of_today(db, today):
    """总览 and 进度填报 colour 督办 on today (11-27), as 督办与催报 does, not on the 统计日期 (11-21):
    decided 11-24, due 11-25, never signed — orange, on every page."""
    s = _store(db)
    try:
        oid = s.record_decision(
            1, "报送推进方案", "中教科", date(2025, 11, 25), LEADER, code="1-3-1", source_day=MEETING, today=MEETING
        )
    finally:
        s.close()
    board = signed_in(PAGE).run()
    levels = next(d.value for d in board.dataframe if "签收" in d.value.columns).set_index("编号")["等级"]
    assert levels[oid] == "橙色"
    overview = signed_in("pages/overview.py").run()
    assert not overview.exception
    said = next(w.value for w in overview.warning if "未办结督办" in w.value)
    assert "未办结督办：红色 0 件，橙色 1 件，蓝色 0 件" in said
    mine = signed_in("pages/progress.py", "section", "中教科").run()
    assert not mine.exception
    said = [w.value for w in mine.warning if w.value.startswith("督办（")]
    assert len(said) == 1 and said[0].startswith(f"督办（橙色）#{oid} ")
