"""The demo history: deterministic, plausible, and written through the validating write path."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from perfdash.core.schedule import DONE, OVERDUE, RED, YELLOW
from perfdash.db import queries
from perfdash.server.demo import build_demo, demo_reports, report_days
from perfdash.store import Store
from tests.fixtures import DEMO_SEED, shipped_plan


def _frame(reports) -> pd.DataFrame:
    return pd.DataFrame(
        [(r.section, r.row.code, r.row.report_date, r.row.completion_pct, r.row.status, r.profile) for r in reports],
        columns=["section", "code", "report_date", "completion_pct", "status", "profile"],
    )


def test_same_seed_same_history_other_seed_other_history():
    plan = shipped_plan()
    a, b = demo_reports(plan, DEMO_SEED), demo_reports(plan, DEMO_SEED)
    assert a == b
    assert demo_reports(plan, DEMO_SEED + 1) != a


def test_history_is_plausible():
    plan = shipped_plan()
    df = _frame(demo_reports(plan, DEMO_SEED))
    assert set(df["code"]) == {t.code for t in plan.targets}  # every target reports
    assert df["report_date"].min() >= date(2025, 1, 1)
    assert df["report_date"].max() <= date(2025, 11, 25)
    assert df["completion_pct"].between(0, 100).all()
    for _, g in df.sort_values("report_date").groupby("code"):
        assert g["completion_pct"].is_monotonic_increasing  # progress never goes back
    assert (df.loc[df["completion_pct"] >= 100, "status"] == "已完成").all()
    assert set(df["status"]) <= {"未开始", "推进中", "已完成", "有风险"}
    leads = {t.code: t.sections[0] for t in plan.targets}
    assert (df["section"] == df["code"].map(leads)).all()  # the lead section reports


def test_state_at_the_end_has_every_kind_of_target(tmp_path):
    store = Store(tmp_path / "demo.duckdb")
    plan_id, rows = build_demo(store, shipped_plan(), DEMO_SEED)
    assert 2000 < rows < 3000
    latest = queries.plans(store).iloc[0]["latest_report"].date()
    assert latest == date(2025, 11, 21)
    state = queries.target_state(store, plan_id, latest, 2025)
    counts = state["lag_status"].value_counts()
    assert counts.get(DONE, 0) >= 5  # some done early
    assert counts.get(YELLOW, 0) >= 3  # some lagging
    assert counts.get(RED, 0) >= 2  # a few at risk
    assert counts.get(OVERDUE, 0) >= 1  # 1-3-3 was due in September
    assert state.set_index("code").loc["1-3-3", "lag_status"] == OVERDUE
    on_track = counts.get("正常", 0) + counts.get(DONE, 0)
    assert on_track >= len(state) * 0.6  # most targets on track
    assert 70 <= queries.weighted_completion(state) <= 95
    assert state["is_demo"].all()
    store.close()


def test_demo_is_written_once(tmp_path):
    store = Store(tmp_path / "demo.duckdb")
    _, first = build_demo(store, shipped_plan(), DEMO_SEED)
    _, second = build_demo(store, shipped_plan(), DEMO_SEED)
    assert first > 0
    assert second == 0
    assert store.scalar("SELECT count(*) FROM progress") == first
    store.close()


@pytest.mark.parametrize(("year", "first", "last"), [(2025, date(2025, 1, 10), date(2025, 11, 21))])
def test_report_days_are_fridays(year, first, last):
    days = report_days(year, date(year, 11, 25))
    assert days[0] == first
    assert days[-1] == last
    assert all(d.weekday() == 4 for d in days)
