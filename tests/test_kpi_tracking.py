"""量化指标 in use: the office's review survives a re-import, actuals, completion from them, the
page and the 自评表 export."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from perfdash.core.access import Actor
from perfdash.db import kpi_tracking, queries
from perfdash.present import exports
from perfdash.store import StoreError
from perfdash.workflows import scoring
from tests.fixtures import shipped_plan, signed_in

OFFICE = Actor("office", "绩效办", "admin")
XIAOAN = Actor("section", "校安科", "xa")  # leads 1-1-3
TODAY = date(2025, 12, 31)


@pytest.fixture
def store(plan_store):
    return plan_store


def test_extracted_until_reviewed_and_the_review_survives_a_reimport(store):
    mine = kpi_tracking.effective(store, 1, ["1-1-3"])
    assert sorted(mine["value"]) == [6, 410, 473, 591] or {473, 410, 591} <= set(mine["value"])
    assert not mine["reviewed"].any()
    store.review_kpis(
        1,
        "1-1-3",
        [
            {"value": 473, "unit": "所", "comparator": ">=", "subject": "校园交通安全设施提升", "phrase": "473所"},
            {"value": 1001, "unit": "个", "comparator": "=", "subject": "充电设施", "phrase": "充电设施（合计）"},
        ],
        OFFICE,
    )
    with pytest.raises(StoreError, match="只有绩效办可以审核量化指标"):
        store.review_kpis(1, "1-1-3", [], XIAOAN)
    with pytest.raises(StoreError, match="比较符"):
        store.review_kpis(1, "1-1-3", [{"value": 1, "comparator": "≈", "phrase": "x"}], OFFICE)
    amended = shipped_plan()
    amended.targets[2] = dataclasses.replace(amended.targets[2], target=amended.targets[2].target + "（修订）")
    store.import_plan(amended)
    again = kpi_tracking.effective(store, 1, ["1-1-3"])
    assert list(again["phrase"]) == ["473所", "充电设施（合计）"] and again["reviewed"].all()


def test_completion_from_kpis_when_chosen(store):
    store.review_kpis(
        1,
        "1-1-3",
        [
            {"value": 473, "unit": "所", "comparator": ">=", "subject": "", "phrase": "473所"},
            {"value": 1000, "unit": "个", "comparator": ">=", "subject": "", "phrase": "1000个"},
        ],
        OFFICE,
    )
    store.report_kpi_actuals(1, "1-1-3", {"473所": 473, "1000个": 500}, date(2025, 10, 10), XIAOAN, today=TODAY)
    with pytest.raises(StoreError, match="无权填报"):
        store.report_kpi_actuals(
            1, "1-1-3", {"473所": 1}, date(2025, 10, 10), Actor("section", "中教科", "z"), today=TODAY
        )
    state = queries.target_state(store, 1, date(2025, 10, 31), 2025).set_index("code")
    assert state.loc["1-1-3", "completion_source"] == "填报"  # direct until the office switches
    assert state.loc["1-1-3", "completion_pct"] == 0
    store.set_completion_mode(1, "1-1-3", "kpi", OFFICE)
    state = queries.target_state(store, 1, date(2025, 10, 31), 2025).set_index("code")
    assert state.loc["1-1-3", "completion_source"] == "量化指标"
    assert state.loc["1-1-3", "completion_pct"] == 75.0  # mean of 100 % and 50 %
    assert scoring.score(state.reset_index()).targets.set_index("code").loc["1-1-3", "score"] == 0.75
    # Before the actuals were reported, the reported completion stands.
    assert (
        queries.target_state(store, 1, date(2025, 10, 1), 2025).set_index("code").loc["1-1-3", "completion_source"]
        == "填报"
    )
    table = kpi_tracking.with_actuals(store, 1, date(2025, 10, 31), ["1-1-3"])
    data = exports.kpi_xlsx(table, "泉州市教育局", 2025, date(2025, 10, 31))
    rows = list(load_workbook(io.BytesIO(data))["量化指标"].iter_rows(values_only=True))
    assert rows[1] == ("编号", "原文", "比较", "目标值", "单位", "实际值", "达成率")  # under the title
    assert rows[2][:7] == ("1-1-3", "473所", "≥", 473, "所", 473, 100)  # >= written as a reader writes it
    assert rows[3][5] == 500 and rows[3][6] == 50


def test_kpi_page(db):
    at = signed_in("pages/kpis.py")
    at.session_state["kpi_code"] = "1-1-3"
    at.run()
    assert not at.exception
    shown = next(d for d in at.dataframe if "原文" in d.value.columns and "达成率" in d.value.columns).value
    assert {"1-1-3"} <= set(shown["编号"])
    assert "完成率来源：填报" in " ".join(c.value for c in at.caption)
