"""目标详情's summary block through AppTest: status, completion against 序时进度, the latest 进展说明
in full, who answers for the target and when it was last reported — or that it never was."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from perfdash.core.access import Actor
from perfdash.store import Store
from perfdash.workflows.progress import ProgressRow
from tests.fixtures import signed_in

# A note longer than any table cell shows, with characters markdown would otherwise act on.
LONG_NOTE = (
    "数字政府平台二期已完成招标，但省级接口联调排期推迟到12月第2周；"
    "需分管领导协调大数据局*优先*安排联调窗口，否则年底前无法上线。"
    "1. 本科室已整理问题清单 2. 每周五报送进度。"
)


def _summary(at: AppTest) -> list[str]:
    """The summary block's paragraphs, as a reader sees them (markdown escapes removed)."""
    block = next(b for b in at.main.children.values() if str(getattr(b.proto, "id", "")).endswith("-target_summary"))
    return [m.value.replace("\\", "") for m in block.children.values() if m.type == "markdown"]


def _target_page(code: str, role: str = "leader", scope: str | None = "李自坚") -> AppTest:
    at = signed_in("pages/target.py", role, scope)
    at.query_params["code"] = code
    return at.run()


def test_a_reported_target_opens_with_its_latest_note_in_full_and_who_answers(db):
    store = Store(db)
    try:  # 办公室, 6-2's lead section, reports on the as-of day; the office gives it a phone number
        store.add_progress(
            1, [ProgressRow("6-2", date(2025, 11, 21), 45, "有风险", LONG_NOTE)], Actor.section("办公室")
        )
        store.set_section_contact("办公室", "", Actor.office(), plan_id=1, phone="13800000000")
    finally:
        store.close()
    at = _target_page("6-2")
    assert not at.exception
    status, reported, note, responsible = _summary(at)
    metrics = {m.label: m.value for m in at.metric}  # the panel below: the same numbers
    assert metrics["完成率"] == "45%" and metrics["序时进度"] == "89%" and metrics["滞后状态"] == "红色滞后"
    assert status == ":red-badge[红色滞后] 完成率 **45%**，序时进度 **89%**，落后 44 个百分点"
    assert reported.startswith("**最新进展**（2025-11-21 办公室填报，填报状态：有风险")
    assert note == LONG_NOTE  # in full, as typed
    assert responsible.split("  \n") == [
        "**责任**",
        "牵头：办公室（黄洺鋆） · 电话 13800000000",
        "协作：各科室（各科长）",
        "分管领导：李自坚",
    ]


def test_a_report_without_a_note_shows_the_one_before(db):
    store = Store(db)
    try:
        before = store.query(
            "SELECT report_date, note FROM progress WHERE code = '6-2' ORDER BY report_date DESC, progress_id DESC "
            "LIMIT 1"
        ).iloc[0]
        store.add_progress(1, [ProgressRow("6-2", date(2025, 11, 21), 45, "有风险")], Actor.section("办公室"))
    finally:
        store.close()
    note = _summary(_target_page("6-2"))[2]
    assert before["note"]  # the demo's latest report has a note
    assert note == f"（本次未写进展说明；{before['report_date']:%Y-%m-%d} 填报时的说明：）  \n{before['note']}"


def test_a_target_never_reported_says_so(plan_db, monkeypatch):
    monkeypatch.setenv("PERFDASH_DB", str(plan_db))  # the plan alone: no report yet
    at = _target_page("1-3-3", "office", None)
    assert not at.exception
    status, latest, responsible = _summary(at)
    assert "完成率 **0%**" in status
    assert latest.startswith("**最新进展**  \n尚未填报：截至 ")
    assert responsible.startswith("**责任**  \n牵头：")


def test_each_status_says_its_colour_in_words():
    from perfdash.app.widgets import status_label

    assert status_label("红色滞后") == ":red-badge[红色滞后]"  # its name says it
    assert status_label("逾期未完成") == ":red-badge[逾期未完成（红色）]"
    assert status_label("黄色滞后") == ":orange-badge[黄色滞后]"
    assert status_label("正常") == ":green-badge[正常（绿色）]"
    assert status_label("已完成") == ":blue-badge[已完成（蓝色）]"
