"""Meeting decisions as tracked 督办 (#36): recorded by a leader, signed for by the section,
answered, returned by the office, answered again, closed — each status on the way, each step
audited; on DuckDB and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pandas as pd
import pytest

from perfdash.core.access import Actor
from perfdash.store import Store, StoreError
from perfdash.workflows import decisions, evaluation, order_files
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
            today=MEETING,
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
        today=MEETING,
    )
    older = store.record_decision(1, "上上周的事", "财务科", MEETING, OFFICE, source_day=MEETING - timedelta(days=14))
    since = decisions.items(store, 1, MEETING, since=MEETING - timedelta(days=7))
    assert list(since["order_id"]) == [oid] and since.iloc[0]["code"] is None
    assert since.iloc[0]["source_label"] == "领导批示"
    assert older in set(decisions.items(store, 1, MEETING)["order_id"])
    meeting_only = decisions.items(store, 1, MEETING, source="meeting")
    assert set(meeting_only["order_id"]) == {older}


# -- the office's days, files with a reply, what the reminders carry (督办与催报, #36) ------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # 45 bytes
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 56  # 64 bytes


def test_the_office_sets_the_sign_and_remind_days(db_target):
    store = Store(db_target)
    try:
        plan_id = store.import_plan(shipped_plan()).plan_id
        assert decisions.settings(store, plan_id) == (2, 3)  # SIGN_DAYS, REMIND_DAYS until the office sets them
        with pytest.raises(StoreError, match="只有绩效办可以设置督办时限"):
            store.set_supervision_settings(plan_id, 1, 5, ZHONGJIAO)
        with pytest.raises(StoreError, match="签收时限应为 0 到 30 之间的整数天（现为 31）"):
            store.set_supervision_settings(plan_id, 31, 5, OFFICE)
        with pytest.raises(StoreError, match="临近提醒天数应为 0 到 30 之间的整数天（现为 -1）"):
            store.set_supervision_settings(plan_id, 1, -1, OFFICE)
        assert decisions.settings(store, plan_id) == (2, 3)  # nothing written by a refusal
        store.set_supervision_settings(plan_id, 1, 5, OFFICE)
        assert decisions.settings(store, plan_id) == (1, 5)
        store.set_supervision_settings(plan_id, 4, 5, OFFICE)  # again: one row per plan
        assert decisions.settings(store, plan_id) == (4, 5)
        assert store.scalar("SELECT count(*) FROM supervision_settings") == 1
        audit = store.query(
            "SELECT old_value, new_value FROM audit_log WHERE action = '设置督办时限' ORDER BY audit_id"
        )
        assert [json.loads(v) for v in audit["new_value"]] == [
            {"签收时限": 1, "临近提醒": 5},
            {"签收时限": 4, "临近提醒": 5},
        ]
        assert json.loads(audit["old_value"].iloc[0]) == {"签收时限": 2, "临近提醒": 3}

        # A decision takes the plan's 签收时限 unless it names its own; an office order too, from today.
        plain = store.record_decision(
            plan_id, "报送方案", "中教科", MEETING + timedelta(days=7), LEADER, source_day=MEETING, today=MEETING
        )
        own = store.record_decision(
            plan_id, "报送方案", "中教科", MEETING + timedelta(days=7), LEADER, source_day=MEETING, today=MEETING,
            sign_days=0,
        )  # fmt: skip
        order = store.issue_order(plan_id, "1-3-1", "加快进度", date.today() + timedelta(days=20), OFFICE)
        found = decisions.items(store, plan_id, MEETING).set_index("order_id")["sign_due"]
        assert str(found[plain])[:10] == "2025-11-28"  # 11-24 + 4
        assert str(found[own])[:10] == "2025-11-24"
        assert str(found[order])[:10] == (date.today() + timedelta(days=4)).isoformat()

        # Entered five days after its meeting (#36 review): 签收 runs from the day it is recorded, as an
        # office order's does, not from the meeting's day (which would make it 签收超时 at once).
        late = store.record_decision(
            plan_id, "补录上周会议决定", "中教科", MEETING + timedelta(days=10), LEADER, source_day=MEETING,
            today=MEETING + timedelta(days=5),
        )  # fmt: skip
        item = decisions.items(store, plan_id, MEETING + timedelta(days=5)).set_index("order_id").loc[late]
        assert (str(item["sign_due"])[:10], item["status"]) == ("2025-12-03", decisions.UNSIGNED)  # 11-29 + 4
        assert str(item["source_day"])[:10] == "2025-11-24"  # still the meeting's decision
        assert _status(store, plan_id, late, date(2025, 12, 4)) == decisions.SIGN_LATE
        three_days_ago = date.today() - timedelta(days=3)
        unpinned = store.record_decision(
            plan_id, "今天录入", "中教科", date.today() + timedelta(days=10), LEADER, source_day=three_days_ago
        )  # recorded now: four days from today, not from three days ago
        found = decisions.items(store, plan_id, date.today()).set_index("order_id")
        assert str(found.loc[unpinned, "sign_due"])[:10] == (date.today() + timedelta(days=4)).isoformat()
        assert found.loc[unpinned, "status"] == decisions.UNSIGNED
    finally:
        store.close()


def test_files_go_with_the_reply_or_not_at_all(db_target, monkeypatch):
    store = Store(db_target)
    try:
        plan_id = store.import_plan(shipped_plan()).plan_id
        oid = store.record_decision(
            plan_id, "报送推进方案", "中教科", MEETING + timedelta(days=4), LEADER, code="1-3-1", source_day=MEETING,
            today=MEETING,
        )  # fmt: skip
        folder = evaluation.evidence_dir(store)
        kept = lambda: sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []  # noqa: E731
        replies = lambda: store.scalar("SELECT count(*) FROM order_responses WHERE order_id = ?", [oid])  # noqa: E731

        # One bad file among good ones: every problem named, nothing written, the item not signed.
        with pytest.raises(StoreError) as refused:
            store.respond_order(
                oid, "已报送", ZHONGJIAO, files=[("方案.pdf", PDF), ("说明.txt", b"hi"), ("照片.png", PDF)]
            )
        assert str(refused.value).splitlines() == [
            "说明.txt：不支持的文件类型（可上传 DOC、DOCX、JPEG、JPG、PDF、PNG、XLS、XLSX）",
            "照片.png：文件内容与扩展名不符（不是真正的 PNG 文件）",
        ]
        assert (replies(), kept(), store.scalar("SELECT count(*) FROM order_files")) == (0, [], 0)
        assert _status(store, plan_id, oid, MEETING) == decisions.UNSIGNED
        with pytest.raises(StoreError, match="一次答复最多附 10 个文件（现有 11 个）"):
            store.respond_order(oid, "x", ZHONGJIAO, files=[(f"{n}.pdf", PDF) for n in range(11)])
        with pytest.raises(StoreError, match=r"方案\.pdf：同名文件附了两次"):
            store.respond_order(oid, "x", ZHONGJIAO, files=[("方案.pdf", PDF), ("方案.pdf", PDF)])
        # A reply that fails in its transaction takes back the files it wrote.
        with monkeypatch.context() as m:
            m.setattr(order_files, "record", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk")))
            with pytest.raises(RuntimeError, match="disk"):
                store.respond_order(oid, "已报送", ZHONGJIAO, files=[("方案.pdf", PDF)])
        assert (replies(), kept()) == (0, [])

        # A good reply: the text and both files in one write, which signs the item too.
        store.respond_order(oid, "已报送推进方案", ZHONGJIAO, files=[("推进方案.pdf", PDF), ("dir/照片.png", PNG)])
        files = order_files.listing(store, oid)
        assert files[["seq", "file_name", "size_bytes", "mime"]].values.tolist() == [
            [1, "推进方案.pdf", 45, "application/pdf"],
            [1, "照片.png", 64, "image/png"],
        ]
        assert len(kept()) == 2
        name, mime, data = order_files.read(store, oid, hashlib.sha256(PNG).hexdigest())
        assert (name, mime, data) == ("照片.png", "image/png", PNG)
        with pytest.raises(StoreError, match="没有这个文件"):
            order_files.read(store, oid, "0" * 64)
        item = decisions.items(store, plan_id, MEETING).set_index("order_id").loc[oid]
        assert (item["status"], item["signed_by"], item["last_reply_seq"]) == (decisions.REVIEW, "中教科", 1)
        audit = store.scalar("SELECT new_value FROM audit_log WHERE action = '答复督办单'")
        assert json.loads(audit) == {"text": "已报送推进方案", "files": ["推进方案.pdf", "照片.png"], "signed": True}

        # Returned, answered again without files, closed: the course reads in order.
        store.return_order(oid, "缺少时间节点", OFFICE)
        with pytest.raises(StoreError, match="已退回，等待科室重新答复"):
            store.return_order(oid, "再退一次", OFFICE)
        store.respond_order(oid, "已补充时间节点", ZHONGJIAO)
        store.close_order(oid, "销号", OFFICE)
        course = decisions.history(store, oid)
        assert list(course["event"]) == ["周例会决定", "签收", "答复", "复核退回", "答复", "办结销号"]
        assert list(course["files"]) == ["", "", "推进方案.pdf、照片.png", "", "", ""]
        assert list(course["text"])[2:] == ["已报送推进方案", "缺少时间节点", "已补充时间节点", "销号"]
    finally:
        store.close()


def _due(store: Store, plan_id: int, day: date) -> list[tuple[str, int, str]]:
    found = decisions.due_reminders(store, plan_id, day)
    return [(r.kind, r.order_id, r.status) for r in found.itertuples()]


def test_what_the_reminders_carry_on_chosen_days(db_target):
    """Decided on Monday 11-24 (签收 in 2 days: by 11-26; reminded 3 days before the due day):
    A due Friday 11-28 (中教科), B due 12-10 (督导科, free-standing), C due Tuesday 11-25 (校安科)."""
    store = Store(db_target)
    try:
        p = store.import_plan(shipped_plan()).plan_id
        a = store.record_decision(
            p, "报送推进方案", "中教科", date(2025, 11, 28), LEADER, code="1-3-1", source_day=MEETING, today=MEETING
        )
        b = store.record_decision(
            p, "协调财政资金", "督导科", date(2025, 12, 10), OFFICE, source="instruction", source_leader="林长华",
            source_day=MEETING, today=MEETING,
        )  # fmt: skip
        c = store.record_decision(
            p, "排查隐患", "校安科", date(2025, 11, 25), LEADER, code="7-2", source_day=MEETING, today=MEETING
        )
        soon, late, unsigned = decisions.DUE_SOON, decisions.DUE_LATE, decisions.NOT_SIGNED
        assert _due(store, p, date(2025, 11, 24)) == [(soon, c, "未签收")]  # A: 11-28 is 4 days off
        assert _due(store, p, date(2025, 11, 25)) == [(soon, c, "未签收"), (soon, a, "未签收")]  # due today: still soon
        assert _due(store, p, date(2025, 11, 26)) == [
            (late, c, "逾期"),
            (soon, a, "未签收"),
        ]  # sign-by day: not late yet
        assert _due(store, p, date(2025, 11, 27)) == [
            (late, c, "逾期"),
            (unsigned, a, "签收超时"),
            (unsigned, b, "签收超时"),
        ]
        row = decisions.due_reminders(store, p, date(2025, 11, 27)).iloc[1]
        assert (row["section"], row["code"], str(row["due_date"]), str(row["sign_due"])) == (
            "中教科", "1-3-1", "2025-11-28", "2025-11-26"
        )  # fmt: skip
        store.sign_order(a, Actor("section", "中教科"))
        store.respond_order(b, "已对接财政", Actor("section", "督导科"))  # answered: the office's turn, no reminder
        assert _due(store, p, date(2025, 11, 27)) == [(late, c, "逾期"), (soon, a, "办理中")]
        store.return_order(b, "请附会议纪要", OFFICE)  # back with 督导科, but 12-10 is far
        assert _due(store, p, date(2025, 11, 27)) == [(late, c, "逾期"), (soon, a, "办理中")]
        assert _due(store, p, date(2025, 12, 8)) == [(late, c, "逾期"), (late, a, "逾期"), (soon, b, "办理中")]
        store.close_order(c, "已整改", OFFICE)
        store.set_supervision_settings(p, 2, 0, OFFICE)  # remind on the due day only
        assert _due(store, p, date(2025, 12, 8)) == [(late, a, "逾期")]
        assert _due(store, p, date(2025, 12, 10)) == [(late, a, "逾期"), (soon, b, "办理中")]
        # The section's landing counts: 中教科 signed; 督导科 has a returned item to answer again.
        assert decisions.section_todo(store, p, "督导科", date(2025, 12, 8)) == {"to_sign": 0, "returned": 1}
        assert decisions.section_todo(store, p, "中教科", date(2025, 11, 24)) == {"to_sign": 0, "returned": 0}
    finally:
        store.close()


# -- the #36 review: whose turn it is, one rule for every page -----------------------------------------


def test_an_answer_waiting_for_review_is_the_offices_turn_past_its_due_day(demo_store):
    """Answered two days before its due day, not reviewed: five days later it is still 待复核 (past
    its due day: past_due), blue (the wait is the office's, it does not escalate), in no reminder;
    the office can still close or return it. Returned, it is the section's turn again: 逾期."""
    from perfdash.workflows import supervision

    store, today = demo_store, date.today()
    oid = store.record_decision(
        1, "报送方案", "中教科", today + timedelta(days=2), OFFICE, code="1-3-1", source_day=today
    )
    store.respond_order(oid, "方案已报送", ZHONGJIAO)  # today: on time
    for later in (today + timedelta(days=5), today + timedelta(days=30)):
        item = decisions.items(store, 1, later).set_index("order_id").loc[oid]
        assert (item["status"], bool(item["past_due"])) == (decisions.REVIEW, True)
        assert decisions.board(store, 1, later).set_index("order_id").loc[oid, "level"] == decisions.BLUE
        assert supervision.orders(store, 1, later).set_index("order_id").loc[oid, "level"] == decisions.BLUE
        assert oid not in set(decisions.due_reminders(store, 1, later)["order_id"])
    store.return_order(oid, "请补充时间节点", OFFICE)
    later = today + timedelta(days=5)
    item = decisions.items(store, 1, later).set_index("order_id").loc[oid]
    assert (item["status"], bool(item["past_due"])) == (decisions.OVERDUE, True)
    assert decisions.board(store, 1, later).set_index("order_id").loc[oid, "level"] == decisions.ORANGE
    store.respond_order(oid, "已补充", ZHONGJIAO)  # answered again, late: waits, held at its day's colour
    assert decisions.items(store, 1, later).set_index("order_id").loc[oid, "status"] == decisions.REVIEW
    store.close_order(oid, "", OFFICE)  # closing an answer under review needs no note
    assert decisions.items(store, 1, later).set_index("order_id").loc[oid, "status"] == decisions.CLOSED


def test_the_office_closes_any_open_item_with_a_note(demo_store):
    """Recorded by mistake or no longer needed: the office closes an item nobody answered (办结销号),
    saying why; without a note it is refused in one line. Only the office closes."""
    oid = demo_store.record_decision(
        1, "重复录入的事项", "中教科", MEETING + timedelta(days=4), OFFICE, source_day=MEETING
    )
    with pytest.raises(StoreError, match=f"督办单 {oid} 没有待复核的答复：直接办结销号请写明办结说明"):
        demo_store.close_order(oid, "  ", OFFICE)
    with pytest.raises(StoreError, match="只有绩效办可以办结督办单"):
        demo_store.close_order(oid, "x", ZHONGJIAO)
    demo_store.close_order(oid, "重复录入，已撤销", OFFICE)
    item = decisions.items(demo_store, 1, MEETING).set_index("order_id").loc[oid]
    assert (item["status"], item["close_note"]) == (decisions.CLOSED, "重复录入，已撤销")


def test_only_the_items_section_answers(demo_store):
    """The office reviews; it does not answer (its answer would count as the section's 签收 and
    reply). Nor does another section, nor a leader. The page's action for it is the reply's."""
    from perfdash.app import actions

    oid = demo_store.record_decision(
        1, "报送方案", "中教科", MEETING + timedelta(days=4), LEADER, code="1-3-1", source_day=MEETING
    )
    for who in (OFFICE, CHUYOU, LEADER):
        with pytest.raises(StoreError, match=f"^督办单 {oid} 由中教科答复$"):
            demo_store.respond_order(oid, "绩效办备注", who)
    item = decisions.items(demo_store, 1, MEETING).set_index("order_id").loc[oid]
    assert (item["replies"], item["signed_at"] is None or pd.isna(item["signed_at"])) == (0, True)
    assert not hasattr(actions, "respond_order") and hasattr(actions, "reply_order")


def test_a_failed_reply_keeps_a_file_another_save_recorded(demo_store):
    """Two saves of the same bytes: the first writes the file, the second finds it there and records
    it; when the first then fails it must not take the file away from the second. A file nobody
    records is still taken back."""
    store = demo_store
    a = store.record_decision(1, "报送方案", "中教科", MEETING + timedelta(days=4), LEADER, source_day=MEETING)
    b = store.record_decision(1, "报送台账", "中教科", MEETING + timedelta(days=4), LEADER, source_day=MEETING)
    checked = order_files.check_files([("方案.pdf", PDF)])
    written = order_files.keep(store, checked)  # the first reply's file, not yet recorded
    assert len(written) == 1 and written[0].exists()
    store.respond_order(b, "已报送", ZHONGJIAO, files=[("方案.pdf", PDF)])  # the second: the file is there
    order_files.forget(store, written)  # the first reply fails now
    assert written[0].exists()
    assert order_files.read(store, b, hashlib.sha256(PDF).hexdigest())[2] == PDF
    lone = order_files.keep(store, order_files.check_files([("照片.png", PNG)]))
    order_files.forget(store, lone)  # recorded by nobody: gone
    assert not lone[0].exists()
    # The evidence upload and an issued 通报 take back their file under the same rule.
    assert evaluation.named(store, hashlib.sha256(PDF).hexdigest())
    assert not evaluation.named(store, hashlib.sha256(PNG).hexdigest())
    assert a
