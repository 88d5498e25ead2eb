"""Assessing sections (内设科室绩效考评, #35) on a small plan whose numbers are checked by hand:
three sections in two groups, monthly periods, known histories."""

from __future__ import annotations

import json
from datetime import date, time

import pytest

from perfdash.core.access import Actor
from perfdash.plan.checks import validate
from perfdash.plan.model import Plan, Target
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import assessment, assessment_measures, claims

OFFICE = Actor("office", "绩效办", "admin")
AS_OF = date(2025, 3, 31)


def _target(code: str, points: float, sections: tuple[str, ...]) -> Target:
    return Target(
        code=code,
        group="职能工作",
        category="重点工作",
        indicator_code="1-1",
        indicator="测试指标",
        indicator_points=10.0,
        source_note="",
        target=f"测试目标{code}",
        points=points,
        deadline=date(2025, 12, 31),
        sections=sections,
        persons=tuple(f"{s}负责人" for s in sections),
        leaders=("王局",),
    )


@pytest.fixture
def store(tmp_path):
    plan = Plan(
        unit="测试局",
        year=2025,
        title="测试局2025年度绩效目标",
        targets=[
            _target("1-1-1", 4, ("甲科", "乙科")),  # 甲 leads, 乙 co-operates
            _target("1-1-2", 2, ("乙科",)),
            _target("1-1-3", 4, ("丙科", "甲科")),  # 丙 leads, 甲 co-operates
        ],
        source_name="test.txt",
    )
    plan.checks = validate(plan)
    s = Store(tmp_path / "a.duckdb")
    plan_id = s.import_plan(plan).plan_id
    s.set_rhythm(plan_id, "monthly", 4, time(17, 0), OFFICE)
    history = {  # section → [(code, day, pct)]: 甲 skips February, 丙 reports only in March
        "甲科": [("1-1-1", date(2025, 1, 31), 20), ("1-1-1", date(2025, 3, 31), 50)],
        "乙科": [("1-1-2", date(2025, 1, 31), 40), ("1-1-2", date(2025, 2, 28), 70), ("1-1-2", date(2025, 3, 31), 100)],
        "丙科": [("1-1-3", date(2025, 3, 31), 80)],
    }
    for section, rows in history.items():
        for code, day, pct in rows:
            status = "已完成" if pct == 100 else "推进中"
            s.add_progress(
                plan_id, [ProgressRow(code, day, pct, status)], Actor.section(section), is_demo=True, today=day
            )
    s.set_groups(plan_id, {"甲科": "业务科室", "乙科": "业务科室", "丙科": "综合科室"}, OFFICE)
    yield s
    s.close()


def _rows(result: assessment.Result) -> dict:
    return result.table.set_index("section").to_dict("index")


def test_parts_totals_and_ranks_by_hand(store):
    rows = _rows(assessment.assess(store, 1, AS_OF, 2025))
    # 目标完成 60 × weighted completion: 甲 (4×50 + 0.3×4×80) / 5.2 = 56.923%; 乙 (0.3×4×50 + 2×100) / 3.2 = 81.25%.
    assert [rows[s]["completion"] for s in ("甲科", "乙科", "丙科")] == [34.15, 48.75, 48.0]
    # 过程管理 20 = 10 × on time (甲 2/3, 乙 3/3, 丙 1/3) + 5 (no 督办) + 5 (no milestones).
    assert [rows[s]["process"] for s in ("甲科", "乙科", "丙科")] == [16.67, 20.0, 13.33]
    # 年终评估 10: nothing self-assessed, signed or evidenced; 核验 2 × 1 (乙's claim accepted, none elsewhere).
    assert {rows[s]["year_end"] for s in rows} == {2.0}
    assert [rows[s]["total"] for s in ("甲科", "乙科", "丙科")] == [52.82, 70.75, 63.33]
    assert [(rows[s]["group"], rows[s]["rank"], rows[s]["grade"]) for s in ("甲科", "乙科", "丙科")] == [
        ("业务科室", 2, "不合格"),
        ("业务科室", 1, "合格"),
        ("综合科室", 1, "合格"),
    ]
    details = assessment.assess(store, 1, AS_OF, 2025).details["甲科"]
    assert details["process"]["on_time"] == [2, 3] and details["completion_rate"] == 56.9
    assert details["raise"][0].startswith("按时自评") or "1-1-1" in " ".join(details["raise"])


def test_a_weight_changes_the_result_as_expected(store):
    scheme = json.loads(assessment.Scheme().to_json()) | {"completion": 70}
    store.set_scheme(1, "", json.dumps(scheme), OFFICE)
    rows = _rows(assessment.assess(store, 1, AS_OF, 2025))
    # 70 × 56.923% = 39.85; total 39.85 + 16.67 + 2 = 58.51 of 110 (53%): 不合格; 乙 56.875 + 22 = 78.88 (72%): 合格.
    assert (rows["甲科"]["completion"], rows["甲科"]["total"], rows["甲科"]["full_marks"]) == (39.85, 58.51, 110.0)
    assert (rows["乙科"]["total"], rows["乙科"]["grade"]) == (78.88, "合格")
    # A group's own scheme: 综合科室 counts co-operated targets in full, so 丙 is unchanged (it co-operates on none).
    store.set_scheme(1, "综合科室", json.dumps(json.loads(assessment.Scheme().to_json()) | {"co_factor": 1}), OFFICE)
    assert _rows(assessment.assess(store, 1, AS_OF, 2025))["丙科"]["total"] == 63.33
    with pytest.raises(StoreError, match="协作目标的系数应在 0 到 1 之间"):
        store.set_scheme(1, "", json.dumps(scheme | {"co_factor": 2}), OFFICE)


def test_an_adjustment_with_a_reason_shows_and_is_audited(store):
    with pytest.raises(StoreError, match="请填写调整理由"):
        store.add_section_adjustment(1, "丙科", 5, " ", OFFICE)
    with pytest.raises(StoreError, match="只有绩效办可以调整科室考评结果"):
        store.add_section_adjustment(1, "丙科", 5, "获市级表彰", Actor.section("丙科"))
    aid = store.add_section_adjustment(1, "丙科", 5, "获市级表彰", OFFICE)
    rows = _rows(assessment.assess(store, 1, AS_OF, 2025))
    assert (rows["丙科"]["adjustment"], rows["丙科"]["total"]) == (5.0, 68.33)
    audit = store.query("SELECT action, entity_key, new_value FROM audit_log WHERE action = '调整科室考评结果'")
    assert list(audit["entity_key"]) == ["丙科"] and "获市级表彰" in audit.iloc[0]["new_value"]
    store.withdraw_section_adjustment(1, aid, OFFICE)
    assert _rows(assessment.assess(store, 1, AS_OF, 2025))["丙科"]["total"] == 63.33


def test_leader_scores_are_averaged_by_the_chosen_rule(store):
    store.set_scheme(1, "", json.dumps(json.loads(assessment.Scheme().to_json()) | {"leader": 10}), OFFICE)
    for leader, score in (("王局", 90), ("李局", 70), ("张局", 95)):
        store.rate_section(1, "甲科", leader, score, OFFICE)
    assert _rows(assessment.assess(store, 1, AS_OF, 2025))["甲科"]["leader"] == 8.5  # mean 85 × 10%
    trimmed = json.loads(assessment.Scheme().to_json()) | {"leader": 10, "leader_rule": "trimmed"}
    store.set_scheme(1, "", json.dumps(trimmed), OFFICE)
    assert _rows(assessment.assess(store, 1, AS_OF, 2025))["甲科"]["leader"] == 9.0  # only 90 left


def test_a_locked_result_does_not_change_when_progress_is_added(store):
    before = _rows(assessment.assess(store, 1, AS_OF, 2025))
    store.lock_assessment(1, AS_OF, 2025, OFFICE)
    section = Actor.section("甲科")
    store.add_progress(
        1, [ProgressRow("1-1-1", date(2025, 4, 30), 90, "推进中")], section, is_demo=True, today=date(2025, 4, 30)
    )
    locked = assessment.assess(store, 1, date(2025, 4, 30), 2025)
    assert locked.locked and _rows(locked) == before
    with pytest.raises(StoreError, match="已锁定"):
        store.add_section_adjustment(1, "甲科", 1, "x", OFFICE)
    with pytest.raises(StoreError, match="请填写解除理由"):
        store.unlock_assessment(1, "", OFFICE)
    store.unlock_assessment(1, "补录4月进度", OFFICE)
    after = _rows(assessment.assess(store, 1, date(2025, 4, 30), 2025))
    assert after["甲科"]["completion"] > before["甲科"]["completion"]
    actions = list(store.query("SELECT action FROM audit_log ORDER BY audit_id")["action"])
    assert actions[-2:] == ["锁定科室考评结果", "解除科室考评锁定"] or "解除科室考评锁定" in actions


def test_the_person_sheet_lists_each_lead_person(store):
    sheet = assessment_measures.person_sheet(store, 1, AS_OF, 2025).set_index("person")
    assert sheet.loc["甲科负责人", "targets"] == 1 and sheet.loc["甲科负责人", "completion_pct"] == 50.0
    assert sheet.loc["乙科负责人", "reports"] == 3


def test_a_group_returns_to_the_default_scheme(store):
    store.set_scheme(1, "综合科室", json.dumps(json.loads(assessment.Scheme().to_json()) | {"completion": 70}), OFFICE)
    assert _rows(assessment.assess(store, 1, AS_OF, 2025))["丙科"]["full_marks"] == 110.0
    store.clear_scheme(1, "综合科室", OFFICE)
    assert _rows(assessment.assess(store, 1, AS_OF, 2025))["丙科"]["total"] == 63.33
    with pytest.raises(StoreError, match="没有单独的考评方案"):
        store.clear_scheme(1, "综合科室", OFFICE)
    with pytest.raises(StoreError, match="默认考评方案不能删除"):
        store.clear_scheme(1, "", OFFICE)
    assert "恢复默认考评方案" in set(store.query("SELECT action FROM audit_log")["action"])


def test_a_measure_with_nothing_due_counts_at_the_groups_average(store):
    """In one group, on time 2/3 (甲), 3/3 (乙), 1/3 (丙): a section leading no target would get the
    average 2/3 for it; nobody had a 督办 due, so that measure is not averaged (full marks)."""
    store.set_groups(1, {"甲科": "业务科室", "乙科": "业务科室", "丙科": "业务科室"}, OFFICE)
    neutral = assessment.assess(store, 1, AS_OF, 2025).details["甲科"]["neutral"]
    assert neutral["on_time"] == pytest.approx(2 / 3) and "supervision" not in neutral


def test_a_total_below_zero_still_gets_the_lowest_grade(store):
    store.add_section_adjustment(1, "甲科", -100, "重大失误", OFFICE)
    rows = _rows(assessment.assess(store, 1, AS_OF, 2025))
    assert rows["甲科"]["total"] < 0 and rows["甲科"]["grade"] == "不合格"


def test_a_milestone_is_met_only_by_a_report_that_counts(store):
    store.set_milestones(1, "1-1-1", [("全部完成", date(2025, 3, 31), "", 1.0)], OFFICE)

    def details() -> list[int]:
        return assessment.assess(store, 1, AS_OF, 2025).details["甲科"]["process"]["milestones"]

    assert details() == [0, 1]  # 50% by 03-31
    section = Actor.section("甲科")
    store.add_progress(1, [ProgressRow("1-1-1", date(2025, 3, 30), 100, "已完成")], section, today=date(2025, 3, 31))
    assert details() == [0, 1]  # claimed, not yet checked
    store.decide_claim(1, int(claims.queue(store, 1).iloc[0]["claim_id"]), True, "", OFFICE)
    assert details() == [1, 1]
