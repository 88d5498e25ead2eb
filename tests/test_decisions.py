"""Meeting decisions as tracked 督办 (#36): recorded by a leader, signed for by the section,
answered, returned by the office, answered again, closed — each status on the way, each step
audited; on DuckDB and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from perfdash.core.access import Actor
from perfdash.store import Store, StoreError
from perfdash.workflows import decisions
from tests.fixtures import shipped_plan

OFFICE = Actor("office", "绩效办", "admin")
LEADER = Actor("leader", "蔡玉霖", "cyl")  # supervises the 1-3 targets
ZHONGJIAO = Actor("section", "中教科", "zj")  # leads 1-3-1
CHUYOU = Actor("section", "初幼教科", "cy")
MEETING = date(2025, 11, 24)


def _status(store: Store, plan_id: int, oid: int, today: date) -> str:
    found = decisions.items(store, plan_id, today).set_index("order_id")
    return str(found.loc[oid, "status"])


def test_one_decision_walks_every_stage(db_target):
    store = Store(db_target)
    try:
        plan_id = store.import_plan(shipped_plan()).plan_id
        with pytest.raises(StoreError, match="只有绩效办或领导可以记录会议决定事项"):
            store.record_decision(plan_id, "报送推进方案", "中教科", MEETING + timedelta(days=4), ZHONGJIAO)
        with pytest.raises(StoreError, match="不是 1-3-1 的责任科室"):
            store.record_decision(plan_id, "x", "财务科", MEETING, LEADER, code="1-3-1", source_day=MEETING)
        oid = store.record_decision(
            plan_id,
            "1-3-1 进度滞后：中教科周五前报送推进方案",
            "中教科",
            MEETING + timedelta(days=4),
            LEADER,
            code="1-3-1",
            person="张少杰",
            source_day=MEETING,
        )
        item = decisions.items(store, plan_id, MEETING).set_index("order_id").loc[oid]
        assert (item["source_label"], item["source_leader"], item["person"]) == ("周例会", "蔡玉霖", "张少杰")
        assert str(item["sign_due"])[:10] == (MEETING + timedelta(days=decisions.SIGN_DAYS)).isoformat()
        assert _status(store, plan_id, oid, MEETING) == decisions.UNSIGNED
        assert _status(store, plan_id, oid, MEETING + timedelta(days=3)) == decisions.SIGN_LATE  # escalates
        assert _status(store, plan_id, oid, MEETING + timedelta(days=5)) == decisions.OVERDUE

        with pytest.raises(StoreError, match="由中教科签收"):
            store.sign_order(oid, CHUYOU)
        store.sign_order(oid, ZHONGJIAO)
        assert _status(store, plan_id, oid, MEETING + timedelta(days=1)) == decisions.WORKING
        with pytest.raises(StoreError, match="还没有答复，无需退回"):
            store.return_order(oid, "请补充", OFFICE)

        store.respond_order(oid, "已报送推进方案（附件）", ZHONGJIAO)
        assert _status(store, plan_id, oid, MEETING + timedelta(days=1)) == decisions.REVIEW  # a reply closes nothing
        with pytest.raises(StoreError, match="只有绩效办可以复核督办单"):
            store.return_order(oid, "x", LEADER)
        with pytest.raises(StoreError, match="请填写退回理由"):
            store.return_order(oid, " ", OFFICE)
        store.return_order(oid, "方案缺少时间节点", OFFICE)
        item = decisions.items(store, plan_id, MEETING + timedelta(days=1)).set_index("order_id").loc[oid]
        assert (item["status"], item["last_return"]) == (decisions.WORKING, "方案缺少时间节点")

        store.respond_order(oid, "已补充时间节点", ZHONGJIAO)
        assert _status(store, plan_id, oid, MEETING + timedelta(days=2)) == decisions.REVIEW
        store.close_order(oid, "销号", OFFICE)
        assert _status(store, plan_id, oid, MEETING + timedelta(days=9)) == decisions.CLOSED

        audit = list(store.query("SELECT action FROM audit_log WHERE entity = 'order' ORDER BY audit_id")["action"])
        assert audit == ["记录会议决定事项", "签收督办单", "答复督办单", "复核退回督办单", "答复督办单", "办结督办单"]
    finally:
        store.close()


def test_a_free_standing_instruction_and_last_weeks_items(demo_store):
    store = demo_store
    with pytest.raises(StoreError, match="请写明批示领导"):
        store.record_decision(1, "协调财政资金", "财务科", MEETING + timedelta(days=7), OFFICE, source="instruction")
    oid = store.record_decision(
        1,
        "协调财政资金",
        "财务科",
        MEETING + timedelta(days=7),
        OFFICE,
        source="instruction",
        source_leader="林长华",
        source_day=MEETING,
    )
    older = store.record_decision(1, "上上周的事", "财务科", MEETING, OFFICE, source_day=MEETING - timedelta(days=14))
    since = decisions.items(store, 1, MEETING, since=MEETING - timedelta(days=7))
    assert list(since["order_id"]) == [oid] and since.iloc[0]["code"] is None
    assert since.iloc[0]["source_label"] == "领导批示"
    assert older in set(decisions.items(store, 1, MEETING)["order_id"])
    meeting_only = decisions.items(store, 1, MEETING, source="meeting")
    assert set(meeting_only["order_id"]) == {older}
