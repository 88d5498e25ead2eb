"""截止热力图 and 完成趋势 through AppTest, with and without filters: the numbers shown are the
numbers a direct query of the database gives."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from perfdash.core.schedule import LAG_STATUSES, OVERDUE
from tests.fixtures import plotly_values, signed_in

AS_OF = date(2025, 11, 21)  # the default: the demo's latest report


def _page(name: str, **query: str) -> AppTest:
    at = signed_in(f"pages/{name}")
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _direct(db: Path, as_of: date, where: str = "TRUE", params: dict | None = None) -> pd.DataFrame:
    """Each target straight from the database, without perfdash: latest completion on or before
    ``as_of``, 序时进度 and lag status by the README's rule (yellow 10–30 points behind, red over
    30 or past the deadline unfinished). ``where`` is a constant condition of these tests."""
    con = duckdb.connect(str(db))  # same process as the app: same configuration
    try:
        return con.execute(
            f"""
            WITH latest AS (
                SELECT code, arg_max(completion_pct, (report_date, progress_id)) AS pct
                FROM progress WHERE report_date <= $as_of GROUP BY code
            ),
            t AS (
                SELECT t.code, i.grp, t.points::DOUBLE AS points, t.deadline,
                       coalesce(l.pct, 0)::DECIMAL(4, 1) AS pct,
                       round(100 * least(greatest(datediff('day', DATE '2025-01-01', $as_of)
                             / datediff('day', DATE '2025-01-01', t.deadline), 0), 1), 1)::DECIMAL(4, 1) AS expected
                FROM targets t JOIN indicators i USING (plan_id, indicator_code) LEFT JOIN latest l USING (code)
                WHERE {where}
            )
            SELECT *, CASE WHEN pct >= 100 THEN 'done'
                           WHEN deadline < $as_of THEN 'overdue'
                           WHEN expected - pct > 30 THEN 'red'
                           WHEN expected - pct >= 10 THEN 'yellow'
                           ELSE 'ok' END AS lag
            FROM t ORDER BY code
            """,  # noqa: S608 (``where`` is a constant of this file; values travel as parameters)
            {"as_of": as_of, **(params or {})},
        ).df()
    finally:
        con.close()


def _weighted(frame: pd.DataFrame, column: str) -> float:
    return float((frame["points"] * frame[column].astype(float)).sum() / frame["points"].sum())


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table showing ``column`` (st.dataframe keys are not exposed to AppTest)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _html(at: AppTest, marker: str) -> str:
    """The body of the st.html element holding ``marker`` (a chart drawn as HTML)."""
    return next(h.proto.body for h in at.get("html") if marker in h.proto.body)


DUE_TABLE = 'class="pd-due"'
TREND = 'class="pd-trend"'


def _trend_weeks(at: AppTest) -> list[tuple[str, float, float]]:
    """The trend drawn as HTML (charts_html.trend): each week's (date, 加权完成率, 序时进度) as its
    hover tooltip gives them, in order."""
    found = re.findall(r'title="(\d{4}-\d{2}-\d{2})：加权完成率 ([0-9.]+)%，序时进度 ([0-9.]+)%', _html(at, TREND))
    return [(day, float(done), float(due)) for day, done, due in found]


def _due_rows(at: AppTest) -> dict[str, list[str]]:
    """The due table (charts_html.due_table): section → each month's cell text ("" when nothing
    falls due), in the order shown."""
    body = _html(at, DUE_TABLE)
    rows = re.findall(r'<tr><th class="s" title="[^"]*">([^<]*)</th>(.*?)</tr>', body, flags=re.S)
    return {
        html.unescape(name): [html.unescape(t) for t in re.findall(r"<td[^>]*>([^<]*)</td>", cells)]
        for name, cells in rows
    }


def _grid(trace: dict, key: str) -> np.ndarray:
    """A heatmap's 2-D (or 3-D) array from the figure JSON."""
    value = trace[key]
    flat = np.asarray(plotly_values(trace, key), dtype=float)
    if isinstance(value, dict) and "shape" in value:
        return flat.reshape([int(n) for n in str(value["shape"]).split(",")])
    return np.asarray(value, dtype=float)


SECTION_WHERE = "t.code IN (SELECT code FROM target_sections WHERE section = $section)"


# -- 截止热力图 -------------------------------------------------------------------------------


def test_heatmap_page_shows_the_database_numbers(db):
    at = _page("heatmap.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "截止热力图"
    assert at.session_state["as_of"] == AS_OF
    assert "演示数据" in at.caption[0].value and "全部 61 项目标" in at.caption[0].value
    direct = _direct(db, AS_OF)
    shown = _metrics(at)
    assert shown["目标"] == f"{len(direct)} 项" == "61 项"
    assert shown["未完成"] == f"{(direct['pct'] < 100).sum()} 项"
    assert shown["滞后（含逾期）"] == f"{direct['lag'].isin(['yellow', 'red', 'overdue']).sum()} 项"
    assert shown["逾期未完成"] == f"{(direct['lag'] == 'overdue').sum()} 项" == "1 项"

    # The due table: one row per section and month, a target counted for each of its sections;
    # drawn on demand.
    assert not [df for df in at.dataframe if "到期目标" in df.value.columns]
    at.toggle(key="due_details").set_value(True).run()
    table = _table(at, "到期目标")
    con = duckdb.connect(str(db))
    try:
        per_section = dict(
            con.execute(
                "SELECT s.section || ' ' || strftime(t.deadline, '%Y-%m'), count(*) "
                "FROM target_sections s JOIN targets t USING (plan_id, code) GROUP BY ALL"
            ).fetchall()
        )
    finally:
        con.close()
    assert dict(zip(table["责任科室"] + " " + table["到期月份"], table["到期目标"], strict=True)) == per_section
    row = table[(table["责任科室"] == "中教科") & (table["到期月份"] == "2025-09")].iloc[0]
    assert (row["到期目标"], row["滞后（含逾期）"], row["目标编号"]) == (1, 1, "1-3-3")

    # The due heat map, drawn as an HTML table: a row per section, a cell per month of the year.
    due = _due_rows(at)
    assert len(due) == table["责任科室"].nunique() and all(len(cells) == 12 for cells in due.values())
    assert due["中教科"][8] == "1项"  # September: 1-3-3
    # The lag heatmap, drawn once an order is chosen: every target, every Friday from 3 January to 21 November.
    assert not _charts(at)
    at.selectbox(key="lag_order").set_value("plan").run()
    (lag,) = _charts(at)
    trace = lag["data"][0]
    z = _grid(trace, "z")
    assert z.shape == (61, 47)
    assert trace["x"][0] == "2025-01-03" and trace["x"][-1] == "2025-11-21"
    completion = _grid(trace, "customdata")[:, -1, 0]
    codes = [y.split("</b>")[0].removeprefix("<b>") for y in trace["y"]]
    assert dict(zip(codes, completion.tolist(), strict=True)) == {r.code: float(r.pct) for r in direct.itertuples()}
    assert z[codes.index("1-3-3"), -1] == LAG_STATUSES.index(OVERDUE)
    labels = [a["text"] for a in lag["layout"]["annotations"]]
    assert labels[:3] == [
        "科室自评 12月1日–12月30日",
        "综合评估 次年1月1日–1月10日",
        "总结上报 次年1月11日–1月20日",
    ]


def test_heatmap_page_filtered_by_section_in_the_url(db):
    at = _page("heatmap.py", section="中教科")
    assert not at.exception, at.exception
    assert at.multiselect(key="f_section").value == ["中教科"]
    direct = _direct(db, AS_OF, SECTION_WHERE, {"section": "中教科"})
    shown = _metrics(at)
    assert shown["目标"] == f"{len(direct)} 项" == "9 项"
    assert shown["未完成"] == f"{(direct['pct'] < 100).sum()} 项"
    assert shown["滞后（含逾期）"] == f"{direct['lag'].isin(['yellow', 'red', 'overdue']).sum()} 项"
    assert "筛选后 9 / 61 项目标（责任科室：中教科）" in at.caption[0].value
    at.selectbox(key="lag_order").set_value("plan").run()
    (lag,) = _charts(at)
    codes = sorted(y.split("</b>")[0].removeprefix("<b>") for y in lag["data"][0]["y"])
    assert codes == sorted(direct["code"])
    # Co-sections of those targets appear in the due table too (each target counts for each section).
    assert "初幼教科" in _due_rows(at)
    at.toggle(key="due_details").set_value(True).run()
    table = _table(at, "到期目标")
    assert table.loc[table["责任科室"] == "中教科", "到期目标"].sum() == 9
    assert "初幼教科" in set(table["责任科室"])
    assert at.query_params["section"] == "中教科"  # the filter stays in the URL


def test_heatmap_page_filtered_by_status_and_sorted_by_lag(db):
    at = _page("heatmap.py")
    at.multiselect(key="f_status").set_value(["红色滞后", "逾期未完成"]).run()
    at.selectbox(key="lag_order").set_value("lag").run()
    assert not at.exception, at.exception
    direct = _direct(db, AS_OF)
    late = direct[direct["lag"].isin(["red", "overdue"])]
    assert _metrics(at)["目标"] == f"{len(late)} 项" == "5 项"
    (lag,) = _charts(at)
    codes = [y.split("</b>")[0].removeprefix("<b>") for y in lag["data"][0]["y"]]
    assert codes[0] == "1-3-3" and sorted(codes) == sorted(late["code"])


def test_heatmap_page_with_a_filter_matching_nothing(db):
    at = _page("heatmap.py", group="消防安全", section="中教科")
    assert not at.exception, at.exception
    assert any("没有符合筛选条件的目标" in i.value for i in at.info)
    assert not at.get("plotly_chart")


# -- 完成趋势 ---------------------------------------------------------------------------------


def test_trend_page_shows_the_database_numbers(db):
    at = _page("trend.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "完成趋势"
    assert "演示数据" in at.caption[0].value
    direct = _direct(db, AS_OF)
    completion, expected = _weighted(direct, "pct"), _weighted(direct, "expected")
    shown = _metrics(at)
    assert shown["加权完成率"] == f"{round(completion)}%"
    assert shown["序时进度"] == f"{round(expected)}%"
    assert shown["较序时进度"] == f"{completion - expected:+.0f} 个百分点"
    four_weeks_ago = _weighted(_direct(db, date(2025, 10, 24)), "pct")
    assert shown["近四周提升"] == f"{completion - four_weeks_ago:+.0f} 个百分点"

    table = _table(at, "加权完成率").set_index("目标组")
    assert table.loc["全部", "分值"] == 100 and table.loc["职能工作", "分值"] == 70
    for group, part in direct.groupby("grp"):
        assert table.loc[group, "加权完成率"] == pytest.approx(_weighted(part, "pct")), group
        assert table.loc[group, "目标数"] == len(part)

    weeks = _trend_weeks(at)  # the main trend, drawn as HTML: every Friday from 3 January
    assert len(weeks) == 47 and weeks[0][0] == "2025-01-03" and weeks[-1][0] == "2025-11-21"
    assert weeks[-1][1] == pytest.approx(round(completion, 1)) and weeks[-1][2] == pytest.approx(round(expected, 1))
    assert not _charts(at)  # the groups' small multiples are drawn on demand
    at.toggle(key="group_trends_shown").set_value(True).run()
    (groups,) = _charts(at)
    assert len(groups["data"]) == 2 * 6  # six groups, two lines each


def test_trend_page_filtered_by_group_in_the_url(db):
    at = _page("trend.py", group="行政能力")
    assert not at.exception, at.exception
    direct = _direct(db, AS_OF, "i.grp = $grp", {"grp": "行政能力"})
    shown = _metrics(at)
    assert shown["加权完成率"] == f"{round(_weighted(direct, 'pct'))}%"
    assert shown["序时进度"] == f"{round(_weighted(direct, 'expected'))}%"
    table = _table(at, "加权完成率")
    assert list(table["目标组"]) == ["全部", "行政能力"]
    assert list(table["分值"]) == [20, 20]
    assert not _charts(at) and not at.toggle  # one group: no small multiples repeating it, nor their switch
    assert _trend_weeks(at)[-1][1] == pytest.approx(round(_weighted(direct, "pct"), 1))
    assert "筛选后 18 / 61 项目标（目标组：行政能力）" in at.caption[0].value


def test_trend_page_follows_the_as_of_date_and_the_section_widget(db):
    at = _page("trend.py")
    at.date_input(key="as_of").set_value(date(2025, 6, 27)).run()
    at.multiselect(key="f_section").set_value(["办公室"]).run()
    assert not at.exception, at.exception
    direct = _direct(db, date(2025, 6, 27), SECTION_WHERE, {"section": "办公室"})
    assert _metrics(at)["加权完成率"] == f"{round(_weighted(direct, 'pct'))}%"
    assert not _charts(at) and not at.toggle  # 办公室's targets are all 行政能力: no small multiples
    weeks = _trend_weeks(at)
    assert len(weeks) == 26 and weeks[-1][0] == "2025-06-27"  # 26 Fridays from 3 January
    assert weeks[-1][1] == pytest.approx(round(_weighted(direct, "pct"), 1))
    assert at.query_params["section"] == "办公室"  # the widget wrote the URL


def test_trend_page_with_a_filter_matching_nothing(db):
    at = _page("trend.py", group="消防安全", section="中教科")
    assert not at.exception, at.exception
    assert any("没有符合筛选条件的目标" in i.value for i in at.info)


# -- charts shaped by widgets --------------------------------------------------------------------


def _drawn(at: AppTest, chart: int | str) -> str:
    """Plotly chart number ``chart``'s figure, or the st.html chart holding ``chart`` (a marker)."""
    return _html(at, chart) if isinstance(chart, str) else at.get("plotly_chart")[chart].proto.spec


@pytest.mark.parametrize(
    ("page", "widget", "kind", "value", "chart", "first"),
    [
        ("heatmap.py", "due_color", "radio", "unfinished", DUE_TABLE, None),
        ("heatmap.py", "due_text", "radio", "points", DUE_TABLE, None),
        ("heatmap.py", "lag_order", "selectbox", "lag", 0, "plan"),  # drawn once an order is chosen
        ("trend.py", "trend_group", "selectbox", "行政能力", TREND, None),
        ("forecast.py", "fc_rule", "radio", "stepped", 0, None),
        ("forecast.py", "fc_seed", "number_input", 7, 0, None),
        ("sections.py", "drill_target", "selectbox", "1-13-2", 0, "1-13-1"),  # a target's panel, once chosen
        ("scoring.py", "sim_waterfall_by", "radio", "indicator", 0, None),
        ("scoring.py", "sim_rule", "radio", "stepped", 0, None),
        ("scoring.py", "sim_base", "radio", "complete", 0, None),
    ],
)
def test_a_widget_that_shapes_a_chart_redraws_it(db, page, widget, kind, value, chart, first):
    """Figures are cached per view and widget values: changing the widget must change the chart.
    ``first``: the widget's value that draws the chart in the first place (drawn on demand)."""
    at = _page(page)
    if first is not None:
        getattr(at, kind)(key=widget).set_value(first).run()
    before = _drawn(at, chart)
    getattr(at, kind)(key=widget).set_value(value).run()
    assert not at.exception, at.exception
    assert _drawn(at, chart) != before
