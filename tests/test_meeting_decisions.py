"""The weekly meeting closes the loop (#36), on the meeting screen: the two slides 上周会议决定事项
and 需要协调的事项 (hand-checkable data on the demo plan, written through the workflows), and the
capture panel where a signed-in leader or office user records a decision (AppTest)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from perfdash.core.access import Actor
from perfdash.present import meeting
from perfdash.store import ProgressRow, Store
from perfdash.workflows import decisions
from tests.fixtures import signed_in

OFFICE = Actor("office", "绩效办", "admin")
LEADER = Actor("leader", "蔡玉霖", "cyl")
ZHONGJIAO = Actor("section", "中教科", "zj")  # leads 1-3-1
XIAOAN = Actor("section", "校安科", "xa")  # leads 7-2
WEEK = meeting.week_of(date(2025, 11, 21))  # 第47期, 11-15 – 11-21: the demo's last closed period
DECIDED = date(2025, 11, 17)  # last week's meeting, inside 第47期
MEETING = date(2025, 11, 24)  # this week's meeting, showing 第47期


def _slides(store: Store, week: meeting.Week = WEEK, today: date = MEETING) -> dict[str, meeting.Slide]:
    return {s.key: s for s in meeting.build_slides(store, 1, 2025, week, week.end, today)}


def _row(store: Store, oid: int, today: date = MEETING) -> pd.Series:
    items = _slides(store, today=today)["decisions"].tables["items"]
    return items.set_index("order_id").loc[oid]


# -- 上周会议决定事项 ----------------------------------------------------------------------------------


def test_one_decision_on_the_slide_at_every_stage(demo_store):
    """A leader's decision of 17 November (第47期), due 28 November, walked through 签收 → reply →
    return → reply → 办结; the slide of the 24 November meeting (showing 第47期) reads its status
    and latest reply at every stage."""
    store = demo_store
    assert "decisions" not in _slides(store)  # nothing decided yet: no slide
    oid = store.record_decision(
        1, "1-3-1 进度滞后：中教科周五前报送推进方案", "中教科", date(2025, 11, 28), LEADER, code="1-3-1",
        source_day=DECIDED, today=DECIDED,
    )  # fmt: skip
    sign_due = pd.Timestamp(decisions.items(store, 1, MEETING).set_index("order_id").loc[oid, "sign_due"]).date()
    slides = _slides(store, today=DECIDED)
    assert list(slides) == ["headline", "week", "decisions", "due", "ranking", "heatmap", "leaders"]
    row = slides["decisions"].tables["items"].iloc[0]
    assert (row["status"], row["section"], row["code"], row["latest"]) == ("未签收", "中教科", "1-3-1", "")
    assert _row(store, oid, today=sign_due + timedelta(days=1))["status"] == "签收超时"  # the 24th is past it

    store.sign_order(oid, ZHONGJIAO)
    assert _row(store, oid)["status"] == "办理中"
    store.respond_order(oid, "已报送推进方案，附时间节点表", ZHONGJIAO)
    row = _row(store, oid)
    assert (row["status"], row["latest"]) == ("待复核", "已报送推进方案，附时间节点表")
    store.return_order(oid, "方案缺少各校的分解任务", OFFICE)
    row = _row(store, oid)
    assert (row["status"], row["latest"]) == ("办理中", "退回：方案缺少各校的分解任务")  # the office's return shows
    assert _row(store, oid, today=date(2025, 11, 29))["status"] == "逾期"  # past 28 November, still open
    store.respond_order(oid, "已补充分解任务到各校", ZHONGJIAO)
    assert (_row(store, oid)["status"], _row(store, oid)["latest"]) == ("待复核", "已补充分解任务到各校")
    store.close_order(oid, "办结销号", OFFICE)
    slide = _slides(store)["decisions"]
    assert slide.tables["items"].iloc[0]["status"] == "已办结"
    assert slide.numbers["status"] == {"逾期": 0, "签收超时": 0, "未签收": 0, "待复核": 0, "办理中": 0, "已办结": 1}
    html = meeting.decision_table(slide.tables["items"])
    assert '<b class="pd-good">已办结</b>' in html and ">已补充分解任务到各校</div></td>" in html


def test_the_slides_read_whose_turn_it_is_and_todays_colours(demo_store):
    """#36 review. An item answered and waiting for 复核 past its due day reads 待复核（已过时限）:
    the office's turn, not 逾期. A return stamped the very instant of the reply it returns counts
    as the return (decisions.returned), as on 督办与催报. The 逾期与临期 slide colours open 督办 on
    the meeting's day, as every page does, not on the cut-off day."""
    store = demo_store
    oid = store.record_decision(
        1, "报送推进方案", "中教科", date(2025, 11, 20), LEADER, code="1-3-1", source_day=DECIDED, today=DECIDED
    )
    store.respond_order(oid, "已报送推进方案", ZHONGJIAO)
    row = _row(store, oid)  # on 11-24, four days after its due day
    assert (row["status"], bool(row["past_due"]), row["latest"]) == ("待复核", True, "已报送推进方案")
    html = meeting.decision_table(_slides(store)["decisions"].tables["items"])
    assert 'style="color:var(--pd-accent)">待复核（已过时限）</b>' in html
    store.return_order(oid, "请补充各校的分解任务", OFFICE)
    store.con.execute(
        "UPDATE order_reviews SET reviewed_at = (SELECT max(responded_at) FROM order_responses WHERE order_id = ?) "
        "WHERE order_id = ?",
        [oid, oid],
    )
    row = _row(store, oid)
    assert (row["status"], row["latest"]) == ("逾期", "退回：请补充各校的分解任务")

    # Decided on the cut-off day 11-21, due 11-22: blue on 11-21, orange at the meeting of 11-24.
    late = store.record_decision(
        1, "报送整改清单", "校安科", date(2025, 11, 22), LEADER, code="7-2", source_day=WEEK.end, today=WEEK.end
    )
    due = _slides(store)["due"]
    orders = due.tables["orders"].set_index("order_id")["level"]
    assert orders[late] == "橙色" and due.numbers["orders"] == 2
    assert _slides(store, today=WEEK.end)["due"].tables["orders"].set_index("order_id").loc[late, "level"] == "蓝色"


def test_a_long_reply_is_clipped_and_text_is_escaped(demo_store):
    oid = demo_store.record_decision(
        1, "<b>协调</b>", "财务科", date(2025, 12, 5), OFFICE, source="instruction", source_leader="林长华",
        source_day=DECIDED, today=DECIDED,
    )  # fmt: skip
    demo_store.respond_order(oid, "已与财政局对接，" + "经费" * 20, Actor("section", "财务科", "cw"))
    items = _slides(demo_store)["decisions"].tables["items"]
    assert items.iloc[0]["latest"] == "已与财政局对接，" + "经费" * 16 + "…"  # 40 characters and …
    html = meeting.decision_table(items)
    assert "〔批示〕&lt;b&gt;协调&lt;/b&gt;" in html and "<b>协调</b>" not in html
    assert "<td>—</td>" in html  # no target
    assert '<b style="color:var(--pd-accent)">待复核</b>' in html


def _items(rows: list[tuple[int, str, str | None, str]]) -> pd.DataFrame:
    """decisions.items-like rows: (order_id, decided day, closed day or None, status)."""
    return pd.DataFrame(
        {
            "order_id": [r[0] for r in rows],
            "source_day": pd.to_datetime([r[1] for r in rows]),
            "issued_at": pd.to_datetime([r[1] for r in rows]),
            "closed_at": pd.to_datetime([r[2] for r in rows]),
            "status": [r[3] for r in rows],
            "due_date": pd.to_datetime(["2025-12-01"] * len(rows)),
        }
    )


def test_which_decisions_the_slide_brings_back():
    """第47期 is 11-15 – 11-21. Decided in it: shown whatever became of them. Decided before: shown
    while open, and once as 已办结 when closed since 11-15; closed before: gone. Decided after the
    cut-off day (this meeting's own, 11-24): the next week's screen."""
    found = _items(
        [
            (1, "2025-11-17", None, "办理中"),  # last week's meeting, open
            (2, "2025-11-17", "2025-11-20", "已办结"),  # last week's, closed within the week
            (3, "2025-11-03", None, "逾期"),  # older, still open
            (4, "2025-11-03", "2025-11-19", "已办结"),  # older, closed this week: once more
            (5, "2025-11-03", "2025-11-12", "已办结"),  # older, closed before the week: shown last week
            (6, "2025-11-24", None, "未签收"),  # today's meeting: not yet
            (7, "2025-11-21", None, "待复核"),  # the cut-off day is in the week
        ]
    )
    shown = meeting.brought_back(found, WEEK)
    assert list(shown["order_id"]) == [3, 7, 1, 2, 4]  # 逾期, 待复核, 办理中, then 已办结 by due day and number
    next_week = meeting.brought_back(found, meeting.week_of(date(2025, 11, 28)))
    assert list(next_week["order_id"]) == [3, 6, 7, 1]  # the closed ones are not shown twice
    assert meeting.brought_back(found[found["order_id"] == 6], WEEK).empty  # only a later one: nothing


def test_decision_tiles_count_by_status():
    n = {"status": {"逾期": 1, "签收超时": 2, "未签收": 1, "待复核": 0, "办理中": 3, "已办结": 4}}
    tiles = meeting.decision_tiles(n)
    assert [(k, v, tone) for k, v, _, tone in tiles] == [
        ("逾期", "1 项", "bad"),
        ("未签收", "3 项", "bad"),  # 签收超时 counted in, and colours it
        ("办理中", "3 项", ""),
        ("待复核", "0 项", ""),
        ("已办结", "4 项", "good"),
    ]
    assert tiles[1][2] == "其中签收超时 2 项"


def test_many_decisions_go_on_over_pages(demo_store):
    """Nine decisions of last week: seven on the first page of the slide, two on the second."""
    for n in range(9):
        demo_store.record_decision(
            1, f"事项{n}", "财务科", date(2025, 12, 1) + timedelta(days=n), OFFICE, source_day=DECIDED, today=DECIDED
        )
    items = _slides(demo_store)["decisions"].tables["items"]
    assert len(items) == 9 and meeting.DECISION_ROWS == 7
    first, second = meeting.decision_table(items, 0), meeting.decision_table(items, 1)
    assert first.count("<tr>") == 1 + 7 and second.count("<tr>") == 1 + 2
    assert ">事项0</div>" in first and ">事项8</div>" in second  # by due day


# -- 需要协调的事项 ------------------------------------------------------------------------------------


def test_coordination_shows_once_reported_and_until_withdrawn(demo_store):
    """中教科 flags 1-3-1 需协调 in its report of 21 November (第47期, after the demo's report of
    that day); 校安科 flags 7-2 on 26 November (第48期). 第47期's slide lists 1-3-1 only; 第48期's
    7-2 only (1-3-1's flag was a 第47期 report); a later 第47期 report of 1-3-1 without the flag
    withdraws it and the slide goes."""
    store = demo_store
    assert "coordination" not in _slides(store)
    day = date(2025, 11, 21)
    store.add_progress(
        1, [ProgressRow("1-3-1", day, 94, "推进中", "需财政局协调专项经费 300 万元", coordinate=True)], ZHONGJIAO,
        today=MEETING,
    )  # fmt: skip
    store.add_progress(
        1, [ProgressRow("7-2", date(2025, 11, 26), 88, "推进中", "需公安部门联合检查", coordinate=True)], XIAOAN,
        today=date(2025, 11, 26),
    )  # fmt: skip
    asked = _slides(store)["coordination"].tables["asked"]
    assert list(asked["code"]) == ["1-3-1"]
    row = asked.iloc[0]
    assert (row["section"], row["completion_pct"], row["reported"]) == ("中教科", 94.0, "11月21日")
    html = meeting.coordination_table(asked)
    assert "<td>1-3-1</td>" in html and "<td>中教科</td><td>94%</td>" in html
    assert ">需财政局协调专项经费 300 万元</div></td><td>11月21日</td>" in html
    week48 = meeting.week_of(date(2025, 11, 28))
    assert list(_slides(store, week48, date(2025, 12, 1))["coordination"].tables["asked"]["code"]) == ["7-2"]
    store.add_progress(1, [ProgressRow("1-3-1", day, 95, "推进中", "经费已落实")], ZHONGJIAO, today=MEETING)
    assert "coordination" not in _slides(store)


# -- the slides on screen ----------------------------------------------------------------------------


def _html(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_both_slides_render_on_the_screen(db, monkeypatch):
    from perfdash.app import ui

    store = Store(db)
    try:
        oid = store.record_decision(
            1, "报送推进方案", "中教科", date(2025, 11, 28), LEADER, code="1-3-1", source_day=DECIDED, today=DECIDED
        )
        store.add_progress(
            1, [ProgressRow("1-3-1", date(2025, 11, 21), 94, "推进中", "需协调经费", coordinate=True)], ZHONGJIAO,
            today=MEETING,
        )  # fmt: skip
    finally:
        store.close()
    monkeypatch.setattr(ui, "today", lambda: MEETING)
    for index, must in [
        (2, ["上周会议决定事项", "报送推进方案", "签收超时", "尚无答复", "11月28日", "状态截至11月24日"]),
        (3, ["需要协调的事项", "1-3-1", "需协调经费", "94%", "第47期 11月15日—11月21日"]),
    ]:
        at = signed_in("pages/meeting.py")
        at.query_params["week"] = "2025-11-21"
        at.session_state["meeting_slide"] = index
        at.run()
        assert not at.exception, at.exception
        html = _html(at)
        for text in must:
            assert text in html, (index, text)
    assert oid


# -- the capture panel ---------------------------------------------------------------------------------


def _panel(role: str = "leader", scope: str | None = "李自坚", **params: str):
    at = signed_in("pages/meeting.py", role=role, scope=scope)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _plain(markdown: str) -> str:
    return markdown.replace("\\", "")  # the message as shown (fmt.md escapes markdown characters)


def _orders(db) -> pd.DataFrame:
    store = Store(db)
    try:
        return decisions.items(store, 1, MEETING)
    finally:
        store.close()


def test_a_leader_records_a_decision_from_the_meeting_screen(db, monkeypatch):
    from perfdash.app import ui

    monkeypatch.setattr(ui, "today", lambda: MEETING)
    at = _panel()
    at.button(key="meeting_capture").click().run()
    assert not at.exception, at.exception
    assert at.radio(key="mc_source").value == "meeting"
    assert at.date_input(key="mc_day").value == MEETING  # the meeting is today
    assert at.selectbox(key="mc_code").value == ""  # 不针对单个目标: every section of the plan
    assert len(at.selectbox(key="mc_section_all").options) == 21
    at.text_area(key="mc_what").input("1-3-1 进度滞后：中教科周五前报送推进方案")
    at.selectbox(key="mc_code").set_value("1-3-1").run()
    assert at.selectbox(key="mc_section_1-3-1").options == ["中教科（牵头）"]  # the target's sections, lead first
    at.text_input(key="mc_person").input("张少杰")
    at.date_input(key="mc_due").set_value(date(2025, 11, 28))
    at.button(key="mc_submit").click().run()
    assert not at.exception, at.exception
    orders = _orders(db)
    assert len(orders) == 1
    o = orders.iloc[0]
    assert (o["source"], o["code"], o["section"], o["person"], o["source_leader"]) == (
        "meeting",
        "1-3-1",
        "中教科",
        "张少杰",
        "李自坚",
    )
    assert pd.Timestamp(o["due_date"]).date() == date(2025, 11, 28)
    assert pd.Timestamp(o["source_day"]).date() == MEETING
    assert [_plain(s.value) for s in at.success] == [f"已记录为督办单 {o['order_id']}：中教科，办理时限 11月28日"]
    assert at.text_area(key="mc_what").value == "" and at.selectbox(key="mc_code").value == ""  # ready for the next
    listed = " ".join(m.value for m in at.markdown)
    assert "本次会议已记录（1 项）" in listed and f"督办单 {o['order_id']} · 中教科 · 11月28日前" in listed
    store = Store(db)
    try:  # decided today, after 第47期's cut-off day: the next week's screen brings it back, not this one
        assert "decisions" not in _slides(store)
        assert list(_slides(store, meeting.week_of(date(2025, 11, 28)))["decisions"].tables["items"]["order_id"]) == [
            o["order_id"]
        ]
    finally:
        store.close()


def test_a_refusal_keeps_what_was_typed(db, monkeypatch):
    from perfdash.app import ui

    monkeypatch.setattr(ui, "today", lambda: MEETING)
    at = _panel(role="office", scope=None)
    at.button(key="meeting_capture").click().run()
    at.text_area(key="mc_what").input("协调财政资金")
    at.selectbox(key="mc_code").set_value("7-2").run()
    at.text_input(key="mc_person").input("王芳")
    at.date_input(key="mc_due").set_value(MEETING - timedelta(days=1))  # before the meeting
    at.button(key="mc_submit").click().run()
    assert [_plain(e.value) for e in at.error] == ["办理时限 2025-11-23 早于决定日期 2025-11-24"]
    assert at.text_area(key="mc_what").value == "协调财政资金"
    assert (at.selectbox(key="mc_code").value, at.selectbox(key="mc_section_7-2").value) == ("7-2", "校安科")
    assert at.text_input(key="mc_person").value == "王芳"
    assert _orders(db).empty
    # 领导批示 by the office: the leader's name is required, then it is recorded.
    at.radio(key="mc_source").set_value("instruction").run()
    assert at.text_input(key="mc_leader").value == ""  # the office is not a leader: no default
    at.date_input(key="mc_due").set_value(MEETING + timedelta(days=7))
    at.button(key="mc_submit").click().run()
    assert [_plain(e.value) for e in at.error] == ["领导批示请写明批示领导"]
    at.text_input(key="mc_leader").input("林长华")
    at.button(key="mc_submit").click().run()
    assert not at.error
    o = _orders(db).iloc[0]
    assert (o["source"], o["source_leader"], o["what"], o["section"]) == (
        "instruction",
        "林长华",
        "协调财政资金",
        "校安科",
    )


def test_a_leaders_instruction_names_the_leader_by_default(db):
    at = _panel()
    at.button(key="meeting_capture").click().run()
    at.radio(key="mc_source").set_value("instruction").run()
    assert at.text_input(key="mc_leader").value == "李自坚"


def test_no_panel_for_the_projector_token_nor_for_a_section(db):
    from perfdash.ops import auth

    store = Store(db)
    try:
        token = auth.new_kiosk_token(store, Actor.office(), "会议室")
    finally:
        store.close()
    kiosk = signed_in("pages/meeting.py", role="leader", scope="李自坚")  # signed in, but on the token
    kiosk.query_params["token"] = token
    kiosk.run()
    assert not kiosk.exception
    assert "meeting_pause" in [b.key for b in kiosk.button]
    assert "meeting_capture" not in [b.key for b in kiosk.button]
    section = _panel(role="section", scope="中教科")
    assert not section.exception
    assert "meeting_pause" in [b.key for b in section.button]
    assert "meeting_capture" not in [b.key for b in section.button]
    assert not section.text_area  # no panel


def test_the_panel_refuses_a_viewer_whose_session_ended(db):
    """The panel's 记录 asks again whether the session holds (it may have ended since it was drawn)."""
    from perfdash.app import actions, meeting_view

    store = Store(db)
    try:
        ctx = meeting_view.MeetingContext(
            store, 1, "泉州市教育局", 2025, WEEK, True, WEEK.end, None, "no-such-session", None, LEADER
        )
        with pytest.raises(actions.StoreError, match="登录已过期"):
            actions.record_decision(ctx, "x", "中教科", MEETING)
        kiosk = meeting_view.MeetingContext(store, 1, "泉州市教育局", 2025, WEEK, True, WEEK.end, "t", None, None, None)
        assert not kiosk.may_record
        with pytest.raises(actions.StoreError, match="大屏令牌只能查看"):
            actions.record_decision(kiosk, "x", "中教科", MEETING)
    finally:
        store.close()


# -- the walk: from the meeting page to 办结销号 ----------------------------------------------


def test_one_decision_from_the_meeting_page_to_closed_audited_and_on_the_next_slide(db, monkeypatch):
    """#36's done-when, in one walk: a leader records a decision on the meeting page (周例会, due
    in four days) → a 督办单 with its source and deadline → the reminder of items due soon carries it
    → 中教科 signs → answers with a file → the office returns it → 中教科 answers again → the office
    closes it. Every step leaves its audit entry, and the next meeting's slide (the week of the
    decision) reads the status at every stage."""
    from perfdash.app import ui
    from perfdash.db import queries
    from perfdash.workflows import order_files

    monkeypatch.setattr(ui, "today", lambda: MEETING)
    at = _panel()
    at.button(key="meeting_capture").click().run()
    at.text_area(key="mc_what").input("1-3-1 进度滞后：中教科周五前报送推进方案")
    at.selectbox(key="mc_code").set_value("1-3-1").run()
    at.date_input(key="mc_due").set_value(date(2025, 11, 28))
    at.button(key="mc_submit").click().run()
    assert not at.exception, at.exception
    order = _orders(db).iloc[0]
    oid = int(order["order_id"])
    assert (order["source_label"], order["section"], order["code"]) == ("周例会", "中教科", "1-3-1")
    assert pd.Timestamp(order["due_date"]).date() == date(2025, 11, 28)

    next_week = meeting.week_of(date(2025, 11, 28))  # the week of the decision, shown at the next meeting
    store = Store(db)
    try:

        def on_slide(today: date) -> str:
            items = _slides(store, next_week, today)["decisions"].tables["items"]
            return str(items.set_index("order_id").loc[oid, "status"])

        def audited() -> list[str]:
            log = queries.audit_log(store, entity="order")
            return list(log[log["entity_key"] == str(oid)]["action"])[::-1]  # oldest first

        assert on_slide(MEETING) == "未签收"
        due = decisions.due_reminders(store, 1, date(2025, 11, 25))  # within the 3 days of 临近提醒
        assert oid in set(due["order_id"])
        assert "中教科" in set(due.loc[due["order_id"] == oid, "section"])
        store.sign_order(oid, ZHONGJIAO)
        assert on_slide(MEETING) == "办理中"
        store.respond_order(oid, "已报送推进方案", ZHONGJIAO, files=[("推进方案.pdf", b"%PDF-1.4 plan")])
        assert on_slide(MEETING) == "待复核"
        assert list(order_files.listing(store, oid)["file_name"]) == ["推进方案.pdf"]
        store.return_order(oid, "方案缺少各校的分解任务", OFFICE)
        assert on_slide(MEETING) == "办理中"
        store.respond_order(oid, "已补充分解任务到各校", ZHONGJIAO)
        assert on_slide(MEETING) == "待复核"
        store.close_order(oid, "办结销号", OFFICE)
        assert on_slide(MEETING) == "已办结"
        assert audited() == [
            "记录会议决定事项",
            "签收督办单",
            "答复督办单",
            "复核退回督办单",
            "答复督办单",
            "办结督办单",
        ]
    finally:
        store.close()
