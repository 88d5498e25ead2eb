"""Scoring rules pinned to the exact point on hand-computed cases; the forecast and Monte Carlo."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.store import ProgressRow, Store
from perfdash.workflows import forecast, scoring
from perfdash.workflows.scoring import Adjustment, Rules
from tests.fixtures import shipped_plan


def frame(points, completion, deadline=None, finished=None, groups=None) -> pd.DataFrame:
    n = len(points)
    return pd.DataFrame(
        {
            "code": [f"1-1-{i + 1}" for i in range(n)],
            "group": groups or ["职能工作"] * n,
            "indicator_code": ["1-1"] * n,
            "points": [float(p) for p in points],
            "completion_pct": [float(c) for c in completion],
            "deadline": pd.to_datetime(deadline or ["2025-12-31"] * n),
            "finished_on": pd.to_datetime(finished or [None] * n),
            "sections": [["中教科"]] * n,
            "leaders": [["蔡玉霖"]] * n,
        }
    )


# -- the rules, by hand -------------------------------------------------------------------------


def test_proportional_scores_points_times_completion_capped_at_100():
    r = scoring.score(frame([2, 3, 5, 1], [100, 50, 0, 120]))
    assert list(r.targets["score"]) == [2.0, 1.5, 0.0, 1.0]
    assert r.total == 4.5
    assert r.groups == {"职能工作": 4.5}  # the groups are the state's own
    assert r.possible == 11 and r.groups_possible == {"职能工作": 11}


def test_stepped_gives_full_points_at_100_then_steps_and_nothing_below_the_floor():
    r = scoring.score(frame([10] * 7, [100, 99.9, 90, 89.9, 70, 60, 59.9]), Rules(rule="stepped"))
    assert list(r.targets["score"]) == [10.0, 9.0, 9.0, 8.0, 7.0, 6.0, 0.0]


def test_stepped_with_the_offices_own_steps():
    rules = Rules(rule="stepped", steps=((95.0, 0.8), (75.0, 0.5)), floor=75.0)
    r = scoring.score(frame([4, 4, 4, 4], [100, 96, 80, 74]), rules)
    assert list(r.targets["score"]) == [4.0, 3.2, 2.0, 0.0]


def test_lateness_deducts_a_share_per_started_month_capped():
    rules = Rules(late_share_per_month=0.1, late_cap=0.3)
    state = frame(
        [10, 10, 10, 10],
        [100, 100, 80, 50],
        deadline=["2025-09-30"] * 4,
        finished=["2025-09-30", "2025-11-09", None, None],
    )
    r = scoring.score(state, rules, as_of=date(2025, 10, 20))
    # on time: 10; 40 days late → 2 months → −2; unfinished 20 days late → 1 month → 8 − 1;
    # the last: 5 − 1 = 4.
    assert list(r.targets["months_late"]) == [0, 2, 1, 1]
    assert list(r.targets["score"]) == [10.0, 8.0, 7.0, 4.0]
    later = scoring.score(state, rules, as_of=date(2026, 3, 1))  # 152 days late → 6 months, capped at 30 %
    assert list(later.targets["score"]) == [10.0, 8.0, 5.0, 2.0]


def test_lateness_never_takes_a_target_below_zero():
    rules = Rules(late_share_per_month=0.5, late_cap=1.0)
    r = scoring.score(frame([2], [10], deadline=["2025-01-31"]), rules, as_of=date(2025, 6, 1))
    assert list(r.targets["score"]) == [0.0]


def test_bonus_and_deduction_move_the_total_and_veto_caps_the_grade():
    state = frame([50, 50], [100, 90])  # a 100-point toy plan: bands read as points
    plain = scoring.score(state)
    assert (plain.total, plain.grade) == (95.0, "优秀")
    adjusted = scoring.score(state, adjustments=[Adjustment("bonus", 1.5, "创新"), Adjustment("deduction", 7, "察访")])
    assert adjusted.total == 89.5 and adjusted.grade == "良好"
    vetoed = scoring.score(state, adjustments=[Adjustment("veto", 0, "安全事故")])
    assert vetoed.total == 95.0 and vetoed.grade == "一般" and vetoed.vetoed


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (100, "优秀"),
        (90, "优秀"),
        (89.99, "良好"),
        (80, "良好"),
        (79.99, "一般"),
        (60, "一般"),
        (59.99, "较差"),
        (0, "较差"),
    ],
)
def test_grade_bands(total, expected):
    assert scoring.grade(total, Rules()) == expected


def test_grade_bands_are_settings():
    rules = Rules(bands=(("优秀", 95.0), ("良好", 85.0), ("一般", 70.0), ("较差", 0.0)), veto_grade="良好")
    assert scoring.grade(94.9, rules) == "良好"
    assert scoring.grade(99, rules, vetoed=True) == "良好"
    assert scoring.grade(70, rules, vetoed=True) == "一般"  # a veto never raises a grade


def test_rules_refuse_nonsense():
    with pytest.raises(ValueError, match="未知的计分规则"):
        Rules(rule="magic")
    with pytest.raises(ValueError, match="0 到 1"):
        Rules(late_share_per_month=2)
    assert Rules.from_json(Rules(rule="stepped", late_share_per_month=0.05).to_json()) == Rules(
        rule="stepped", late_share_per_month=0.05
    )


def test_waterfall_steps_add_up_from_100_to_the_total():
    state = frame([50, 20, 30], [80, 100, 50], groups=["职能工作", "行政能力", "精神文明"])
    r = scoring.score(state, adjustments=[Adjustment("bonus", 2, "x")])
    steps = scoring.waterfall_steps(r)
    assert list(steps["label"]) == ["职能工作", "精神文明", "加分"]
    # this toy plan's own structure 50/20/30 against its scores 40/20/15
    assert 100 + steps["delta"].sum() == pytest.approx(r.total)  # 100 − points lost + bonus
    by_indicator = scoring.waterfall_steps(r, by="indicator")
    assert list(by_indicator["delta"]) == [-(10 + 15), 2]


def test_bulk_set_matches_co_sections_and_leaders():
    plan = shipped_plan()
    state = pd.DataFrame(
        {
            "code": [t.code for t in plan.targets],
            "indicator_code": [t.indicator_code for t in plan.targets],
            "group": [t.group for t in plan.targets],
            "sections": [list(t.sections) for t in plan.targets],
            "leaders": [list(t.leaders) for t in plan.targets],
        }
    )
    zj = scoring.bulk_set(state, "section", "中教科", 90)
    assert len(zj) == 9 and set(zj.values()) == {90.0}
    assert set(scoring.bulk_set(state, "indicator", "6", 80)) == {"6-1", "6-2", "6-3", "6-4", "6-5"}
    assert len(scoring.bulk_set(state, "leader", "纪如", 50)) == 2
    with pytest.raises(ValueError):
        scoring.bulk_set(state, "section", "中教科", 120)


# -- on the real plan ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(databases, tmp_path_factory):
    store = Store(databases.copy("demo", tmp_path_factory.mktemp("score")))
    yield store
    store.close()


def test_all_complete_is_100_with_the_structure(demo):
    state = queries.target_state(demo, 1, date(2025, 11, 21), 2025)
    r = scoring.score(state, completion=dict.fromkeys(state["code"], 100.0))
    assert r.as_json() == {
        "total": 100,
        "groups": {"职能工作": 70, "行政能力": 20, "精神文明": 4, "平安建设": 4, "安全生产": 1, "消防安全": 1},
        "grade": "优秀",
        "possible": 100,  # the plan's own total
    }
    one_half = scoring.score(state, completion=dict.fromkeys(state["code"], 100.0) | {"1-1-1": 50.0})
    assert one_half.total == 99 and one_half.groups["职能工作"] == 69


def test_compare_lists_only_the_targets_that_differ(demo):
    state = queries.target_state(demo, 1, date(2025, 11, 21), 2025)
    full = dict.fromkeys(state["code"], 100.0)
    summary, differing = scoring.compare(state, [("满分", full, Rules()), ("6-5 减半", full | {"6-5": 50.0}, Rules())])
    assert list(summary["total"]) == [100.0, 98.5]
    assert list(differing["code"]) == ["6-5"]
    assert list(differing["6-5 减半·得分"]) == [1.5]


def test_forecast_carries_the_recent_pace_to_the_deadline(tmp_path):
    store = Store(tmp_path / "f.duckdb")
    store.import_plan(shipped_plan())
    weeks = [date(2025, 10, 3), date(2025, 10, 10), date(2025, 10, 17), date(2025, 10, 24)]
    rows = [ProgressRow("7-1", d, 40 + 5 * k, "推进中") for k, d in enumerate(weeks)]  # 5 points a week
    rows += [ProgressRow("7-2", d, 80 + 5 * k, "推进中") for k, d in enumerate(weeks)]
    rows += [ProgressRow("7-3", weeks[-1], 100, "已完成")]
    store.add_progress(1, rows, Actor.office(), today=date(2025, 12, 31))
    state = queries.target_state(store, 1, date(2025, 10, 24), 2025)
    fc = forecast.target_forecast(store, 1, state, date(2025, 10, 24)).set_index("code")
    # 7-1: 55 % on 24 Oct, 5 points a week, 68 days to 31 Dec → 55 + 5/7 × 68 = 103.6 → capped 100
    assert fc.loc["7-1", "pace_per_week"] == pytest.approx(5.0)
    assert fc.loc["7-1", "forecast_pct"] == 100
    assert fc.loc["7-3", "forecast_pct"] == 100 and fc.loc["7-3", "forecast_sd"] == 0
    assert fc.loc["7-4", "forecast_pct"] == 0  # never reported: no pace
    store.close()


def test_monte_carlo_is_reproducible_fast_and_consistent(demo):
    state = queries.target_state(demo, 1, date(2025, 11, 21), 2025)
    fc = forecast.target_forecast(demo, 1, state, date(2025, 11, 21))
    a = forecast.simulate(fc, seed=7)
    b = forecast.simulate(fc, seed=7)
    c = forecast.simulate(fc, seed=8)
    assert np.array_equal(a.totals, b.totals)
    assert not np.array_equal(a.totals, c.totals)
    assert len(a.totals) == 10_000
    assert sum(a.grade_probability.values()) == pytest.approx(1.0)
    assert list(a.grade_probability) == ["优秀", "良好", "一般", "较差"]
    # every draw lies between today's score and full marks
    now = scoring.score(state).total
    assert a.totals.min() >= now - 1e-9 and a.totals.max() <= 100 + 1e-9
    runs = []
    for seed in range(5):
        started = time.perf_counter()
        forecast.simulate(fc, seed=seed)
        runs.append(time.perf_counter() - started)
    assert sorted(runs)[2] < 0.3, runs
    kept = a.without_scores()  # what the 年终预测 page caches
    assert kept.scores.shape == (0, len(fc)) and a.scores.shape == (10_000, len(fc))
    assert np.array_equal(kept.totals, a.totals) and kept.grade_probability == a.grade_probability


def test_veto_moves_every_draw_to_its_cap(demo):
    state = queries.target_state(demo, 1, date(2025, 11, 21), 2025)
    fc = forecast.target_forecast(demo, 1, state, date(2025, 11, 21))
    sim = forecast.simulate(fc, adjustments=[Adjustment("veto", 0, "x")])
    assert sim.grade_probability["优秀"] == 0 and sim.grade_probability["良好"] == 0
    assert sim.grade_probability["一般"] == pytest.approx(1.0)


def test_points_at_risk_rank_by_expected_loss_and_lift(demo):
    state = queries.target_state(demo, 1, date(2025, 11, 21), 2025)
    fc = forecast.target_forecast(demo, 1, state, date(2025, 11, 21))
    sim = forecast.simulate(fc)
    risk = forecast.points_at_risk(fc, sim, Rules())
    lost = list(risk["expected_lost"])
    assert lost == sorted(lost, reverse=True)
    first = risk.iloc[0]
    assert first["expected_lost"] == pytest.approx(first["points"] * (1 - first["forecast_pct"] / 100), abs=0.01)
    assert (risk["top_grade_lift"] >= 0).all()
    assert risk.attrs["top_grade"] == "优秀"
    assert risk.attrs["top_grade_probability"] == pytest.approx(sim.grade_probability["优秀"])


def test_grades_are_shares_of_the_plans_own_total():
    """A 1000-point plan: all complete is 1000 and 优秀; 850 is 良好 (85 %), as 85 is of 100."""
    state = frame([600, 300, 100], [100, 100, 100], groups=["业务工作", "党的建设", "基础管理"])
    full = scoring.score(state)
    assert (full.total, full.possible, full.grade) == (1000, 1000, "优秀")
    assert full.as_json()["possible"] == 1000 and full.percent == 100
    at_85 = scoring.score(state, completion={"1-1-1": 75.0})  # 450 + 300 + 100
    assert (at_85.total, at_85.grade, round(at_85.percent)) == (850, "良好", 85)
    assert list(scoring.group_table(at_85)["structure_points"]) == [600, 300, 100]
