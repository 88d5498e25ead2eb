"""Claims checked before they count (#34): the queue, the counted completion, returns and
resubmissions, the checklist and the gaps, on the demo database with hand-checkable numbers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.store import ProgressRow, StoreError
from perfdash.workflows import claims, evaluation, official

OFFICE = Actor("office", "绩效办", "admin")
ZHONGJIAO = Actor("section", "中教科", "zj")  # leads 1-3-1, 1-3-2, 1-3-3
CHUYOU = Actor("section", "初幼教科", "cy")  # co-section of 1-3-2
TODAY = date(2025, 12, 31)
DAY = date(2025, 11, 28)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def store(demo_store):
    return demo_store


def _state(store, as_of=DAY):
    return queries.target_state(store, 1, as_of, 2025).set_index("code")


def _score(store, as_of=DAY) -> float:
    return official.score_sheet(store, 1, queries.target_state(store, 1, as_of, 2025), as_of).result.total


def test_a_claim_counts_once_accepted_and_a_returned_one_not(store):
    before = _state(store).loc["1-3-1"]
    assert before["completion_pct"] < 100 and before["claim_state"] == ""  # the demo: 1-3-1 still under way
    old_pct = float(before["completion_pct"])
    total = _score(store)

    # A section reports 100% 已完成 with no evidence: it is a claim, the score keeps the old value.
    store.add_progress(1, [ProgressRow("1-3-1", DAY, 100, "已完成", "全部完成")], ZHONGJIAO, today=TODAY)
    now = _state(store).loc["1-3-1"]
    assert (now["completion_pct"], now["checked_pct"], now["claim_state"]) == (100.0, old_pct, "pending")
    assert _score(store) == pytest.approx(total)
    sheet = official.score_sheet(store, 1, queries.target_state(store, 1, DAY, 2025), DAY).rows.set_index("code")
    assert (sheet.loc["1-3-1", "completion_pct"], sheet.loc["1-3-1", "reported_pct"]) == (old_pct, 100.0)
    assert sheet.loc["1-3-1", "claim_state"] == "待核验"
    waiting = claims.queue(store, 1)
    assert list(waiting["code"]) == ["1-3-1"] and waiting.iloc[0]["files"] == 0
    assert waiting.iloc[0]["missing_items"]  # every checklist item still lacks a file
    cid = int(waiting.iloc[0]["claim_id"])

    # Only the office decides; a return needs a reason.
    with pytest.raises(StoreError, match="只有绩效办可以核验填报"):
        store.decide_claim(1, cid, True, "", ZHONGJIAO)
    with pytest.raises(StoreError, match="请填写核验意见"):
        store.decide_claim(1, cid, False, " ", OFFICE)
    store.decide_claim(1, cid, False, "缺少验收报告", OFFICE)
    assert _state(store).loc["1-3-1", "claim_state"] == "returned"
    assert _score(store) == pytest.approx(total)  # a returned claim counts like a pending one
    gaps = claims.gaps(store, 1, "中教科")
    returned = gaps[gaps["kind"] == "已退回待修改"]
    assert list(returned["code"]) == ["1-3-1"] and "缺少验收报告" in returned.iloc[0]["what"]
    with pytest.raises(StoreError, match="不在待核验状态"):
        store.decide_claim(1, cid, True, "", OFFICE)

    # The section files a proof under the first item and resubmits; a co-section of another target cannot.
    evaluation.store_evidence(store, 1, "1-3-1", "验收报告.pdf", PDF, ZHONGJIAO, item_seq=1)
    with pytest.raises(StoreError, match="只有 1-3-1 的责任科室可以重新提交"):
        store.resubmit_claim(1, cid, "已补充", CHUYOU)
    store.resubmit_claim(1, cid, "已补充验收报告", ZHONGJIAO)
    again = claims.queue(store, 1)
    assert again.iloc[0]["state"] == "pending" and again.iloc[0]["files"] == 1
    store.decide_claim(1, cid, True, "", OFFICE)
    assert claims.queue(store, 1).empty
    after = _state(store).loc["1-3-1"]
    assert (after["checked_pct"], after["claim_state"]) == (100.0, "accepted")
    points = float(after["points"])
    assert _score(store) > total  # the score moves once accepted
    assert _score(store) - total <= points + 1e-9
    # Every step is in the audit log.
    actions = set(store.query("SELECT action FROM audit_log")["action"])
    assert {"核验退回", "重新提交核验", "核验通过"} <= actions


def test_a_later_report_replaces_an_open_claim_and_reports_below_complete_count_at_once(store):
    store.add_progress(1, [ProgressRow("1-3-3", date(2025, 11, 27), 100, "已完成")], ZHONGJIAO, today=TODAY)
    assert len(claims.queue(store, 1)) == 1
    store.add_progress(1, [ProgressRow("1-3-3", DAY, 95, "推进中", "验收推迟")], ZHONGJIAO, today=TODAY)
    assert claims.queue(store, 1).empty  # superseded by the newer report, which counts at once
    state = _state(store).loc["1-3-3"]
    assert state["checked_pct"] == state["completion_pct"] == 95.0


def test_the_office_marks_a_report_for_checking(store):
    pct = float(_state(store).loc["1-1-1", "completion_pct"])
    cid = store.mark_for_check(1, "1-1-1", "抽查", OFFICE)
    with pytest.raises(StoreError, match="已在核验队列中"):
        store.mark_for_check(1, "1-1-1", "", OFFICE)
    state = _state(store).loc["1-1-1"]
    assert state["claim_state"] == "pending" and state["checked_pct"] < pct  # counts the report before it
    store.decide_claim(1, cid, True, "属实", OFFICE)
    assert _state(store).loc["1-1-1", "checked_pct"] == pct


def test_the_demo_history_counts_as_it_was_reported(store):
    state = _state(store)
    assert (state["completion_pct"] == state["checked_pct"]).all()
    assert claims.queue(store, 1).empty


def test_the_checklist_is_proposed_from_the_numbers_and_the_text():
    kpis = [{"phrase": "12所", "subject": "帮扶结对学校"}, {"phrase": "2所", "subject": "省级达标高中"}]
    items = claims.propose_items("完成12所薄弱高中帮扶结对，新增2所省级达标高中，印发实施方案。", kpis)
    assert items[0] == "“12所”的证明材料（帮扶结对学校）"
    assert items[1] == "“2所”的证明材料（省级达标高中）"
    assert "印发的文件、方案或制度（正式文本）" in items
    assert items[-1] == claims.SUMMARY_ITEM
    assert claims.propose_items("做好日常工作", []) == [claims.SUMMARY_ITEM]


def test_the_office_edits_a_checklist_and_files_keep_their_item(store):
    proposed = claims.checklist(store, 1, ["1-3-1"])
    assert not proposed["confirmed"].any() and len(proposed) >= 2
    evaluation.store_evidence(store, 1, "1-3-1", "协议.pdf", PDF, ZHONGJIAO, item_seq=2)
    kept = proposed.loc[proposed["seq"] == 2, "title"].item()
    store.set_checklist(1, "1-3-1", ["结对协议原件", kept], OFFICE)
    now = claims.coverage(store, 1, ["1-3-1"])
    assert list(now["title"]) == ["结对协议原件", kept] and now["confirmed"].all()
    assert now.set_index("title").loc[kept, "files"] == 1  # the kept item keeps its file
    with pytest.raises(StoreError, match="只有绩效办可以编辑佐证清单"):
        store.set_checklist(1, "1-3-1", ["x"], ZHONGJIAO)
    with pytest.raises(StoreError, match="没有第 9 项"):
        evaluation.store_evidence(store, 1, "1-3-1", "b.pdf", PDF + b"1", ZHONGJIAO, item_seq=9)
    assert store.confirm_checklists(1, OFFICE) == 60  # every other target's proposal, once
    assert store.confirm_checklists(1, OFFICE) == 0


def test_the_gaps_name_every_target_whose_checklist_lacks_a_file(store):
    every = claims.gaps(store, 1)
    assert set(every.loc[every["kind"] == "缺少佐证", "code"]) == set(_state(store).index)  # nothing filed yet
    evaluation.store_evidence(store, 1, "1-3-1", "a.pdf", PDF, ZHONGJIAO, item_seq=1)
    mine = claims.gaps(store, 1, "中教科")
    assert all("中教科" in s for s in mine["sections"])
    first = claims.checklist(store, 1, ["1-3-1"]).iloc[0]["title"]
    assert first not in set(mine.loc[mine["code"] == "1-3-1", "what"])
    assert claims.gaps_from(store, 1, 2025) == date(2025, 12, 1)
    store.set_gaps_from(1, date(2025, 11, 15), OFFICE)
    assert claims.gaps_from(store, 1, 2025) == date(2025, 11, 15)
    assert "缺少佐证" in claims.gaps_summary(mine)


def test_the_whole_cycle_runs_on_both_backends(db_target):
    """The claim's writes (inside the progress write), the counted state, the queue and the gaps:
    the same SQL on DuckDB and PostgreSQL."""
    from perfdash.store import Store
    from tests.fixtures import shipped_plan

    s = Store(db_target)
    try:
        plan_id = s.import_plan(shipped_plan()).plan_id
        section = Actor.section("校安科")  # leads 7-2
        s.add_progress(plan_id, [ProgressRow("7-2", date(2025, 11, 21), 45, "推进中")], section, today=TODAY)
        s.add_progress(plan_id, [ProgressRow("7-2", DAY, 100, "已完成")], section, today=TODAY)
        state = queries.target_state(s, plan_id, DAY, 2025).set_index("code").loc["7-2"]
        assert (state["completion_pct"], state["checked_pct"], state["claim_state"]) == (100.0, 45.0, "pending")
        cid = int(claims.queue(s, plan_id).iloc[0]["claim_id"])
        s.decide_claim(plan_id, cid, False, "缺少台账", OFFICE)
        assert claims.gaps(s, plan_id, "校安科").iloc[0]["kind"] == "已退回待修改"
        s.set_checklist(plan_id, "7-2", ["排查台账"], OFFICE)
        item = int(claims.checklist(s, plan_id, ["7-2"]).iloc[0]["seq"])  # a new title: a new number
        evaluation.store_evidence(s, plan_id, "7-2", "台账.pdf", PDF, section, item_seq=item)
        s.resubmit_claim(plan_id, cid, "已补台账", section)
        s.decide_claim(plan_id, cid, True, "", OFFICE)
        state = queries.target_state(s, plan_id, DAY, 2025).set_index("code").loc["7-2"]
        assert (state["checked_pct"], state["claim_state"]) == (100.0, "accepted")
        assert claims.coverage(s, plan_id, ["7-2"])["files"].tolist() == [1]
    finally:
        s.close()


def test_editing_a_proposed_checklist_keeps_each_file_under_its_title(store):
    proposed = claims.checklist(store, 1, ["1-3-1"])
    second = proposed.loc[proposed["seq"] == 2, "title"].item()
    last = proposed.iloc[-1]["title"]
    evaluation.store_evidence(store, 1, "1-3-1", "proof.pdf", PDF, ZHONGJIAO, item_seq=2)
    evaluation.store_evidence(
        store, 1, "1-3-1", "sum.pdf", PDF + b"2", ZHONGJIAO, item_seq=int(proposed.iloc[-1]["seq"])
    )
    store.set_checklist(1, "1-3-1", [second, last], OFFICE)  # the first item dropped, a proposed list
    cover = claims.coverage(store, 1, ["1-3-1"]).set_index("title")
    assert cover.loc[second, "files"] == 1 and cover.loc[last, "files"] == 1
    store.set_checklist(1, "1-3-1", [second], OFFICE)  # the last item removed: its file becomes unfiled
    files = claims.filed(store, 1).set_index("file_name")
    assert pd.isna(files.loc["sum.pdf", "item_seq"])
    store.set_checklist(1, "1-3-1", [second, "新增的一项"], OFFICE)  # a new item inherits nothing
    cover = claims.coverage(store, 1, ["1-3-1"]).set_index("title")
    assert cover.loc["新增的一项", "files"] == 0


def test_a_backdated_report_leaves_the_claim_open_and_a_later_check_counts(store):
    """The review's case: 100% claimed on 11-28, then a report dated 11-27 arrives. The claimed
    report is still the latest: its claim stays in the queue (it was superseded and then never
    counted again); once accepted, 100 counts."""
    store.add_progress(1, [ProgressRow("1-3-1", DAY, 100, "已完成")], ZHONGJIAO, today=TODAY)
    store.add_progress(1, [ProgressRow("1-3-1", date(2025, 11, 27), 80, "推进中")], ZHONGJIAO, today=TODAY)
    waiting = claims.queue(store, 1)
    assert list(waiting["code"]) == ["1-3-1"] and waiting.iloc[0]["state"] == "pending"
    assert _state(store).loc["1-3-1", "checked_pct"] == 80.0  # the latest report that counts
    store.decide_claim(1, int(waiting.iloc[0]["claim_id"]), True, "", OFFICE)
    assert _state(store).loc["1-3-1", "checked_pct"] == 100.0


def test_an_accepted_check_counts_even_after_an_earlier_claim_on_the_same_report(store):
    """A report whose claim was superseded, then marked for checking and accepted, counts."""
    store.add_progress(1, [ProgressRow("1-3-1", date(2025, 11, 27), 100, "已完成")], ZHONGJIAO, today=TODAY)
    store.add_progress(1, [ProgressRow("1-3-1", DAY, 100, "已完成", "补充说明")], ZHONGJIAO, today=TODAY)
    # The newer report superseded the first claim and opened its own: one claim in the queue.
    assert len(claims.queue(store, 1)) == 1
    store.decide_claim(1, int(claims.queue(store, 1).iloc[0]["claim_id"]), True, "", OFFICE)
    cid = store.mark_for_check(1, "1-3-1", "复查", OFFICE)
    assert _state(store).loc["1-3-1", "checked_pct"] < 100
    store.decide_claim(1, cid, True, "", OFFICE)
    assert _state(store).loc["1-3-1", "checked_pct"] == 100.0


def test_two_completing_rows_of_one_batch_open_one_claim(store):
    rows = [ProgressRow("1-3-1", date(2025, 11, 27), 100, "已完成"), ProgressRow("1-3-1", DAY, 100, "已完成", "续")]
    store.add_progress(1, rows, ZHONGJIAO, today=TODAY)
    waiting = claims.queue(store, 1)
    assert len(waiting) == 1 and str(waiting.iloc[0]["report_date"])[:10] == DAY.isoformat()
    assert _state(store).loc["1-3-1", "checked_pct"] < 100  # neither row counts before the check


def test_a_self_assessed_score_waits_for_the_check_too(store):
    """A section claims 100% and self-assesses full points: the total does not move until the
    office accepts (the review's case: 85.53 became 85.67 with the claim still pending)."""
    total = _score(store)
    store.add_progress(1, [ProgressRow("1-3-1", DAY, 100, "已完成")], ZHONGJIAO, today=TODAY)
    store.submit_self_assessment(1, "1-3-1", 100, 2, "全部完成", ZHONGJIAO)
    sheet = official.score_sheet(store, 1, queries.target_state(store, 1, DAY, 2025), DAY)
    assert sheet.result.total == pytest.approx(total) and sheet.rows.set_index("code").loc["1-3-1", "proposed_held"]
    store.decide_claim(1, int(claims.queue(store, 1).iloc[0]["claim_id"]), True, "", OFFICE)
    assert _score(store) > total


def test_filing_under_a_proposed_list_keeps_it_when_the_numbers_are_reviewed(store):
    """A file filed under the second proposed item stays under that title after the office
    reviews the 量化指标 the proposal came from (the proposal is stored at the first filing)."""
    proposed = claims.checklist(store, 1, ["1-3-1"])
    second = proposed.loc[proposed["seq"] == 2, "title"].item()
    evaluation.store_evidence(store, 1, "1-3-1", "p.pdf", PDF, ZHONGJIAO, item_seq=2)
    kpi = {"value": 3, "unit": "所", "comparator": ">=", "subject": "新学校", "phrase": "3所"}
    store.review_kpis(1, "1-3-1", [kpi], OFFICE)  # the proposal would now start differently
    cover = claims.coverage(store, 1, ["1-3-1"]).set_index("title")
    assert cover.loc[second, "files"] == 1
