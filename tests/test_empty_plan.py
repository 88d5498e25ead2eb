"""An honest empty state (#31): a plan with nothing reported shows 尚无填报 — counts, no score, no
forecast, no red — on 总览, 我的分管 and the meeting screen, and nobody lands on it while another
plan has data."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from perfdash.core.access import Actor
from perfdash.present import meeting
from perfdash.store import Store
from perfdash.workflows import periods
from perfdash.workflows.plans import default_plan
from tests.fixtures import shipped_plan, signed_in

OFFICE = Actor.office()


def rows(*plans: tuple[int, int, str | None]) -> pd.DataFrame:
    """queries.plans-like rows (newest year first): (plan_id, year, latest report or None)."""
    return pd.DataFrame(
        [{"plan_id": p, "year": y, "latest_report": pd.Timestamp(r) if r else pd.NaT} for p, y, r in plans]
    )


def test_the_default_plan_is_this_years_with_data_else_the_latest_with_data():
    today = date(2026, 12, 7)
    assert default_plan(rows((2, 2026, None), (1, 2025, "2025-11-21")), today) == 1  # new 2026 plan: empty
    assert default_plan(rows((2, 2026, "2026-03-06"), (1, 2025, "2025-11-21")), today) == 2
    assert default_plan(rows((3, 2027, None), (2, 2026, None), (1, 2025, "2025-11-21")), today) == 1
    assert default_plan(rows((2, 2026, None), (1, 2025, None)), today) == 2  # nothing anywhere: the newest


@pytest.fixture
def second_plan(db) -> int:
    """The demo database with a 2026 plan imported and nothing reported for it."""
    store = Store(db)
    try:
        return store.import_plan(dataclasses.replace(shipped_plan(), year=2026), OFFICE).plan_id
    finally:
        store.close()


def texts(at) -> str:
    parts = [m.label + " " + m.value for m in at.metric]
    parts += [e.value for e in (*at.info, *at.markdown, *at.caption)]
    return "\n".join(str(p) for p in parts)


def test_a_new_plan_says_no_reports_yet_on_overview_and_mine(db, second_plan):
    at = signed_in("pages/overview.py").run()
    assert not at.exception and at.selectbox(key="plan_id").value != second_plan  # lands on the plan with data
    assert "当前得分" in texts(at)
    at.selectbox(key="plan_id").set_value(second_plan).run()
    shown, labels = texts(at), {m.label for m in at.metric}
    assert not at.exception and "尚无填报" in shown
    assert not {"当前得分", "预计等次", "滞后", "加权完成率"} & labels  # no score, forecast, red
    assert not any(label.startswith("预计年终得分") for label in labels)
    assert "年度工作目标 61 项" in shown
    mine = signed_in("pages/mine.py", role="leader", scope="李自坚").run()
    mine.selectbox(key="plan_id").set_value(second_plan).run()
    assert not mine.exception and "尚无填报" in texts(mine)
    assert not {"滞后", "加权完成率"} & {m.label for m in mine.metric}


def test_the_meeting_screen_of_a_new_plan_has_no_grade_and_no_forecast(db, second_plan):
    store = Store(db, read_only=True)
    try:
        day = periods.default_as_of(store, second_plan)
        slides = meeting.build_slides(store, second_plan, 2026, meeting.week_of(day), day)
    finally:
        store.close()
    assert [s.key for s in slides] == ["headline"] and slides[0].numbers["reported"] == 0
    assert "projected_grade" not in slides[0].numbers
    at = signed_in("pages/meeting.py")
    at.query_params["plan"] = str(second_plan)
    at.run()
    assert not at.exception
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "尚无填报" in html and "预计年终得分" not in html and "等次" not in html
