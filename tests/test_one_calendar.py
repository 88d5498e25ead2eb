"""One calendar (#31): the reporting period is the week everywhere. 未报送 means no report in the
open period (or the period chosen); a section that reported sees 本期已报; the office sees before
closing what is waiting and from whom, why it cannot close yet (in text), and may close early with
a confirmation and a reason, audited. The demo closed its periods through Friday 21 November 2025:
the open period is 第48期, Saturday 22 to Friday 28 November, and nobody has reported in it."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from perfdash.app import ui
from perfdash.core.access import Actor
from perfdash.present import downloads, meeting
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import periods, supervision
from tests.fixtures import signed_in

OFFICE = Actor.office()
ZHONGJIAO = Actor.section("中教科")
TODAY = date(2025, 11, 26)  # a Wednesday in the open period, two days before its cut-off
OPEN = periods.Period(48, date(2025, 11, 22), date(2025, 11, 28))
CLOSED = periods.Period(47, date(2025, 11, 15), date(2025, 11, 21))  # the dashboards' period (统计日期 11-21)


@pytest.fixture
def wednesday(monkeypatch):
    """The pages read 本期 on Wednesday 26 November 2025."""
    monkeypatch.setattr(ui, "today", lambda: TODAY)


def _report(db, rows, actor=ZHONGJIAO):
    store = Store(db)
    try:
        store.add_progress(1, rows, actor, today=TODAY)
    finally:
        store.close()


def _texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _html(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


# -- the week is the reporting period --------------------------------------------------------------


def test_the_issues_weeks_are_one_period():
    """2026, closed through Friday 4 December, seen on Monday 7 December: the dashboards' period, the
    meeting screen's 本周 and the sidebar are 11-28–12-04 (第49期); 本期 is 12-05–12-11 (第50期).
    2025: the period of Friday 21 November is 11-15–11-21 on the meeting screen too."""
    cal = periods.Calendar(2026, closed_through=date(2026, 12, 4))
    monday = date(2026, 12, 7)
    board = cal.as_of(monday)
    assert board == date(2026, 12, 4)
    week = meeting.week_of(board, cal)
    assert (week.start, week.end, week.number) == (date(2026, 11, 28), date(2026, 12, 4), 49)
    assert week.label == "第49期 11月28日—12月4日"
    assert cal.status(board) == "第49期（11-28 至 12-04） · 已关闭"
    now = cal.open_period(monday)
    assert (now.name, now.days) == ("第50期", "12月5日—12月11日") and cal.this_period(monday) == now
    assert meeting.week_of(date(2025, 11, 21)).label == "第47期 11月15日—11月21日"
    # A monthly rhythm makes the meeting's week the month, as the calendar says.
    monthly = periods.Calendar(2026, rhythm="monthly")
    assert meeting.week_of(date(2026, 11, 18), monthly) == meeting.Week(date(2026, 11, 1), date(2026, 11, 30), 11)


def test_the_meeting_compares_with_the_end_of_the_period_before(demo_store):
    slides = {s.key: s for s in meeting.build_slides(demo_store, 1, 2025, meeting.plan_week(demo_store, 1, TODAY))}
    # The open period's week, compared with the end of the period before (21 November): nothing
    # reported since, nothing moved (a target may still fall behind as 序时进度 goes on).
    assert (slides["week"].numbers["moved"], slides["week"].numbers["finished"]) == (0, 0)


def test_overview_supervision_and_meeting_name_the_same_periods(db, wednesday):
    overview = signed_in("pages/overview.py").run()
    assert not overview.exception
    banner = next(w.value for w in overview.warning if "未报送的科室" in w.value)
    assert banner.startswith("本期（第48期，11月22日—11月28日）未报送的科室：") and "中教科" in banner
    assert any(f"所属填报周期：{CLOSED.label}" in c.value for c in overview.sidebar.caption)

    supervision_page = signed_in("pages/supervision.py").run()
    assert not supervision_page.exception
    assert supervision_page.selectbox(key="remind_period").value == OPEN
    assert any(c.value.startswith("第48期（11月22日—11月28日）：14 个科室") for c in supervision_page.caption)

    screen = signed_in("pages/meeting.py").run()  # its 本周: the period of the 统计日期, as the sidebar says
    assert not screen.exception
    assert "第47期 11月15日—11月21日" in _html(screen)
    screen.session_state["meeting_paused"] = True  # held on 本周变化, whose tile names 本期's 未报送
    screen.session_state["meeting_slide"] = 1
    screen.run()
    assert not screen.exception and "本期未报送" in _html(screen)
    assert "14 个科室" in _html(screen) and "第48期 11月22日—11月28日" in _html(screen)  # as 总览 and 督办与催报
    screen.query_params["week"] = TODAY.isoformat()  # the open period, asked for by a day in it
    screen.run()
    assert "第48期 11月22日—11月28日" in _html(screen)


# -- a report in the open period -------------------------------------------------------------------


def test_a_sections_report_in_the_open_period_takes_it_off_every_list(db, wednesday):
    _report(db, [ProgressRow("1-3-1", date(2025, 11, 25), 80, "推进中")])

    mine = signed_in("pages/progress.py", "section", "中教科").run()
    assert not mine.exception
    assert any(s.value.startswith("本期已报 1 条 ✓，关闭本期后计入看板") for s in mine.success)
    own = signed_in("pages/overview.py", "section", "中教科").run()
    assert not own.exception
    assert any(s.value.startswith("本期已报 1 条 ✓，关闭本期后计入看板") for s in own.success)
    banner = next(w.value for w in own.warning if "未报送的科室" in w.value)
    assert "中教科" not in banner and "校安科" in banner
    other = signed_in("pages/progress.py", "section", "校安科").run()
    assert any("本期（第48期，11月22日—11月28日）校安科还没有报送进度" in i.value for i in other.info)

    office = signed_in("pages/supervision.py").run()
    assert not office.exception
    listed = next(d.value for d in office.dataframe if "未报送目标" in d.value.columns)
    assert "中教科" not in set(listed["科室"]) and len(listed) == 13
    assert "中教科" not in office.multiselect(key="remind_who").options
    codes = [c.value for c in office.code]
    assert len(codes) == 13 and not [t for t in codes if "中教科" in t]
    # The 催报清单 (the registry's build, as a command would make it) leaves it out too.
    store = Store(db)
    try:
        sheet = downloads.BY_KEY["reminders"].build(store, downloads.Inputs(1, date(2025, 11, 21), OFFICE))
    finally:
        store.close()
    ws = load_workbook(io.BytesIO(sheet)).active
    assert ws["A2"].value == "第48期填报周期（11月22日—11月28日）未报送进度的科室"
    assert "中教科" not in [row[1] for row in ws.iter_rows(min_row=4, values_only=True)]


# -- closing the period ----------------------------------------------------------------------------


def test_closing_early_needs_a_reason_and_is_audited(demo_store):
    cal = periods.calendar(demo_store, 1)
    assert cal.close_blocker(TODAY) == (
        "第48期（11月22日—11月28日）的截止时间是 11月28日（周五）17:00，还有 2 天；"
        "截止日之前各科室仍在填报本期，到截止日才能关闭"
    )
    assert cal.close_blocker(date(2025, 11, 28)) is None  # on its cut-off day it may be closed
    with pytest.raises(StoreError, match="只有绩效办可以关闭填报周期"):
        demo_store.close_period(1, ZHONGJIAO, today=TODAY, early_reason="科室要求")
    for reason in (None, "", "   "):
        with pytest.raises(StoreError, match=r"还没到截止日.*请说明理由"):
            demo_store.close_period(1, OFFICE, today=TODAY, early_reason=reason)
    assert periods.calendar(demo_store, 1).closed_through == date(2025, 11, 21)
    with pytest.raises(StoreError, match="超过 500 字"):
        demo_store.close_period(1, OFFICE, today=TODAY, early_reason="理" * 501)
    closed = demo_store.close_period(1, OFFICE, today=TODAY, early_reason="周四召开周会，提前汇总")
    assert closed == OPEN and periods.calendar(demo_store, 1).closed_through == OPEN.end
    action, new = demo_store.rows(
        "SELECT action, new_value FROM audit_log WHERE entity = 'reporting_settings' ORDER BY audit_id DESC LIMIT 1"
    )[0]
    assert action == "提前关闭填报周期"
    assert json.loads(new) == {
        "已关闭至": "2025-11-28",
        "提前关闭": "2025-11-26（截止日 2025-11-28 之前）",
        "理由": "周四召开周会，提前汇总",
    }


def test_the_office_sees_what_is_waiting_and_why_it_cannot_close_yet(db, wednesday):
    _report(db, [ProgressRow("1-3-1", date(2025, 11, 25), 80, "推进中"), ProgressRow("1-3-2", TODAY, 40, "推进中")])
    _report(db, [ProgressRow("7-2", TODAY, 60, "推进中")], Actor.section("校安科"))
    at = signed_in("pages/plans.py").run()
    assert not at.exception
    text = _texts(at)
    assert "本期已收到 **3 条**进度记录，来自 2 个填报人（中教科 2 条、校安科 1 条），关闭本期后计入看板" in text
    assert "本期未报送的科室（12 个）：" in text
    waiting = next(d.value for d in at.dataframe if "填报人" in d.value.columns)
    assert waiting[["填报人", "条数", "目标数"]].values.tolist() == [["中教科", 2, 2], ["校安科", 1, 1]]
    # Why it cannot close: in the page's text, not a tooltip.
    reason = next(i.value for i in at.info if i.value.startswith("现在还不能关闭本期"))
    assert "第48期（11月22日—11月28日）的截止时间是 11月28日（周五）17:00，还有 2 天" in reason
    close = at.button(key="period_close")
    assert close.disabled and not close.help
    # Early: confirm, then a reason is required.
    at.checkbox(key="period_early").check().run()
    assert not at.button(key="period_close").disabled
    at.button(key="period_close").click().run()
    assert any("请说明理由" in e.value for e in at.error)
    at.text_input(key="period_early_reason").input("区里周四要数").run()
    at.button(key="period_close").click().run()
    assert not at.exception
    store = Store(db)
    try:
        assert periods.calendar(store, 1).closed_through == OPEN.end
        action, new = store.rows(
            "SELECT action, new_value FROM audit_log WHERE entity = 'reporting_settings' ORDER BY audit_id DESC LIMIT 1"
        )[0]
    finally:
        store.close()
    assert action == "提前关闭填报周期" and json.loads(new)["理由"] == "区里周四要数"
    # Now the reports are on the dashboards: 中教科's 1-3-1 at 80 % as of the new 统计日期.
    overview = signed_in("pages/overview.py").run()
    assert any(f"所属填报周期：{OPEN.label}" in c.value for c in overview.sidebar.caption)


def test_on_its_cut_off_day_the_period_closes_without_a_reason(db, monkeypatch):
    monkeypatch.setattr(ui, "today", lambda: OPEN.end)
    at = signed_in("pages/plans.py").run()
    assert not [i for i in at.info if i.value.startswith("现在还不能关闭本期")]
    assert not at.button(key="period_close").disabled
    at.button(key="period_close").click().run()
    assert not at.exception
    store = Store(db)
    try:
        assert periods.calendar(store, 1).closed_through == OPEN.end
        assert store.scalar("SELECT action FROM audit_log ORDER BY audit_id DESC LIMIT 1") == "关闭填报周期"
    finally:
        store.close()


def test_not_reported_in_a_chosen_period_on_the_page(db, wednesday):
    at = signed_in("pages/supervision.py").run()
    october = periods.Period(43, date(2025, 10, 18), date(2025, 10, 24))
    at.selectbox(key="remind_period").set_value(october).run()
    assert not at.exception
    listed = next(d.value for d in at.dataframe if "未报送目标" in d.value.columns)
    assert list(listed["科室"]) == ["考试院", "规划建设科"]
    assert list(listed["最近一次填报"]) == ["2025-10-17", "2025-10-17"]
    store = Store(db)
    try:
        assert supervision.not_reported(store, 1, october.start, october.end)["section"].tolist() == list(
            listed["科室"]
        )
    finally:
        store.close()
