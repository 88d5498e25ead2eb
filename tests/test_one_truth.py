"""One truth (#18): reporting periods the office controls, one score and one count on every page,
simulations always labelled, an honest forecast, and every problem of an upload at once."""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import exports, meeting
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import forecast, ledger, official, periods, progress, scoring
from tests import hostile
from tests.fixtures import signed_in
from tests.running import run_cli

OFFICE = Actor.office()
SECTION = Actor.section("中教科")


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# -- reporting periods ---------------------------------------------------------------------------


def test_weekly_and_monthly_periods_cover_the_year_without_gaps():
    weekly = periods.Calendar(2025).periods()
    assert (weekly[0].start, weekly[0].end) == (date(2025, 1, 1), date(2025, 1, 3))  # to the first Friday
    assert weekly[-1].end == date(2025, 12, 31) and len(weekly) == 53
    assert all((b.start - a.end).days == 1 for a, b in itertools.pairwise(weekly))
    monthly = periods.Calendar(2025, rhythm="monthly").periods()
    assert [p.end.day for p in monthly[:3]] == [31, 28, 31] and len(monthly) == 12


def test_the_dashboards_date_is_the_last_closed_cut_off_never_the_latest_report():
    rules = periods.Calendar(2025, closed_through=date(2025, 11, 21))
    assert rules.as_of(date(2026, 12, 1)) == date(2025, 11, 21)
    assert periods.Calendar(2025).as_of(date(2025, 6, 30)) == date(2025, 6, 27)  # the last period ended
    pinned = periods.Calendar(2025, closed_through=date(2025, 11, 21), pinned_as_of=date(2025, 9, 30))
    assert pinned.as_of(date(2026, 12, 1)) == date(2025, 9, 30)
    assert "已关闭" in rules.status(date(2025, 11, 21)) and "未关闭" in rules.status(date(2025, 11, 25))


def test_a_report_after_the_open_periods_cut_off_or_in_the_future_is_refused():
    rules = periods.Calendar(2025, closed_through=date(2025, 11, 21))
    assert rules.problem(date(2025, 11, 28), date(2026, 12, 1)) is None
    assert "截止日" in rules.problem(date(2025, 12, 5), date(2026, 12, 1))
    assert "晚于今天" in rules.problem(date(2025, 11, 27), date(2025, 11, 25))
    assert "不在方案年度" in rules.problem(date(2026, 1, 2), date(2026, 12, 1))
    # A report for a closed period, or after its cut-off time, is late (迟报), and kept.
    assert rules.late(date(2025, 11, 14), datetime(2025, 11, 24, 9))
    assert rules.late(date(2025, 11, 27), datetime(2025, 11, 28, 17, 30))
    assert not rules.late(date(2025, 11, 27), datetime(2025, 11, 28, 16, 59))


def test_only_the_office_closes_reopens_pins_and_sets_the_rhythm(db):
    store = Store(db)
    try:
        for write in (
            lambda a: store.close_period(1, a, today=date(2025, 12, 1)),
            lambda a: store.reopen_period(1, a),
            lambda a: store.pin_as_of(1, date(2025, 9, 30), a),
            lambda a: store.set_rhythm(1, "monthly", 4, time(17), a),
        ):
            with pytest.raises(StoreError):
                write(SECTION)
        before = periods.calendar(store, 1)
        closed = store.close_period(1, OFFICE, today=date(2025, 12, 1))
        assert closed.end == date(2025, 11, 28) and periods.calendar(store, 1).closed_through == date(2025, 11, 28)
        with pytest.raises(StoreError, match="还没到截止日"):
            store.close_period(1, OFFICE, today=date(2025, 12, 1))
        store.reopen_period(1, OFFICE)
        assert periods.calendar(store, 1) == before
        audit = store.query("SELECT action FROM audit_log WHERE entity = 'reporting_settings' ORDER BY audit_id")[
            "action"
        ]
        assert audit.tolist()[-2:] == ["关闭填报周期", "重新打开填报周期"]
    finally:
        store.close()


def test_a_late_report_is_kept_marked_and_counted_from_its_own_date(db):
    store = Store(db)
    try:
        store.add_progress(1, [ProgressRow("1-3-1", date(2025, 11, 20), 77, "推进中")], SECTION)
        late = store.rows("SELECT late, report_date FROM progress WHERE code = '1-3-1' ORDER BY progress_id DESC")[0]
        assert late == (True, date(2025, 11, 20))
        pct = queries.target_state(store, 1, date(2025, 11, 20), 2025).set_index("code").loc["1-3-1", "completion_pct"]
        assert pct == 77  # its own date: the 11-21 report stays the latest
    finally:
        store.close()


def test_a_bad_date_from_one_section_moves_no_one_and_closing_moves_everyone(db):
    overview_before = metrics(signed_in("pages/overview.py").run())
    score_before = run_cli("score", "--db", str(db), "--json").as_json()
    store = Store(db)
    try:
        plan = queries.plans(store).iloc[0]
        slides_before = meeting.build_slides(store, 1, 2025, meeting.week_of(date(2025, 11, 21)), date(2025, 11, 21))
        for day, today in ((date(2025, 12, 5), None), (date(2025, 11, 27), date(2025, 11, 25))):
            with pytest.raises(StoreError):
                store.add_progress(1, [ProgressRow("1-3-1", day, 100, "已完成")], SECTION, today=today)
        assert store.scalar("SELECT count(*) FROM progress WHERE report_date > DATE '2025-11-21'") == 0
        # A report within the open period is taken, and still moves no one's default view ...
        store.add_progress(1, [ProgressRow("1-3-1", date(2025, 11, 26), 100, "已完成")], SECTION)
    finally:
        store.close()
    assert metrics(signed_in("pages/overview.py").run()) == overview_before
    assert run_cli("score", "--db", str(db), "--json").as_json() == score_before
    store = Store(db)
    try:
        assert periods.default_as_of(store, 1) == date(2025, 11, 21) == queries.latest_report_day(plan)
        # ... until the office closes the period: then everyone moves together.
        store.close_period(1, OFFICE)
        assert periods.default_as_of(store, 1) == date(2025, 11, 28)
        slides_after = meeting.build_slides(store, 1, 2025, meeting.week_of(date(2025, 11, 28)), date(2025, 11, 28))
    finally:
        store.close()
    after = run_cli("score", "--db", str(db), "--json").as_json()
    assert after["as_of"] == "2025-11-28" and after["counts"]["done"] == score_before["counts"]["done"] + 1
    overview_after = metrics(signed_in("pages/overview.py").run())
    assert overview_after["已完成"] == f"{after['counts']['done']} 项" != overview_before["已完成"]
    assert slides_after[0].numbers["done"] == after["counts"]["done"] == slides_before[0].numbers["done"] + 1


# -- one score, one count ------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [date(2025, 6, 27), date(2025, 9, 26), date(2025, 11, 21)])
def test_every_page_shows_the_clis_score_grade_and_counts(db, as_of):
    store = Store(db)
    try:  # a self-assessment and an office score, which the one score must take in
        store.submit_self_assessment(1, "1-3-1", 95, 1.5, "自评", Actor.section("中教科"))
        store.evaluate(1, "7-2", 0.8, "评定", 0.8, OFFICE)
    finally:
        store.close()
    truth = run_cli("score", "--db", str(db), "--json", "--as-of", as_of.isoformat()).as_json()
    assert truth["provisional"]  # the office stored no rules: every grade says 暂定
    shown = f"{fmt.score(truth['total'], unit=True)} · {truth['grade']}（暂定）"

    def page(script: str):
        at = signed_in(script).run()
        at.date_input(key="as_of").set_value(as_of).run()
        assert not at.exception
        return metrics(at)

    overview = page("pages/overview.py")
    assert f"{overview['当前得分']} · {overview['当前等次（暂定）']}（暂定）" == shown  # 暂定 beside the label
    assert overview["滞后"] == f"{truth['counts']['late']} 项"
    projected = next(v for k, v in overview.items() if k.startswith("预计年终得分"))
    assert projected == fmt.score(truth["projected"]["total"], unit=True)
    assert overview["预计等次（暂定）"] == truth["projected"]["grade"]
    assert page("pages/scoring.py")["当前得分"] == shown
    evaluation_page = page("pages/evaluation.py")
    assert (evaluation_page["评估总分"], evaluation_page["等次"]) == (
        fmt.score(truth["total"], unit=True),
        truth["grade"] + "（暂定）",
    )
    store = Store(db)
    try:
        slides = meeting.build_slides(store, 1, 2025, meeting.week_of(as_of), as_of)
    finally:
        store.close()
    numbers = slides[0].numbers
    assert (numbers["late"], numbers["overdue"]) == (truth["counts"]["late"], truth["counts"]["overdue"])
    assert (numbers["projected_total"], numbers["projected_grade"]) == (
        truth["projected"]["total"],
        truth["projected"]["grade"] + "（暂定）",
    )


def test_the_rounding_rule_is_half_up_to_two_decimals_and_the_grade_reads_the_rounded_total():
    assert fmt.round_score(86.985) == 86.99 and round(86.985, 2) == 86.98  # Python's round differs
    assert fmt.score(89.995) == "90.00"
    state = _one_target_state(89.995)
    result = scoring.score(state)
    assert result.total == 90.0 and result.grade == "优秀"  # as shown, so as graded
    assert result.as_json()["total"] == 90


def _one_target_state(completion: float):
    import pandas as pd

    return pd.DataFrame(
        {
            "code": ["1-1"],
            "group": ["职能工作"],
            "indicator_code": ["1"],
            "points": [100.0],
            "completion_pct": [completion],
            "deadline": [date(2025, 12, 31)],
        }
    )


def test_a_simulation_changes_only_what_it_changes(db):
    store = Store(db)
    try:
        store.evaluate(1, "7-2", 0.8, "评定", 0.8, OFFICE)
        as_of = date(2025, 11, 21)
        state = queries.target_state(store, 1, as_of, 2025)
        rules = scoring.Rules()
        sheet = official.score_sheet(store, 1, state, as_of, rules)
        current = dict(zip(state["code"], state["completion_pct"], strict=True))
        same = official.what_if(sheet, state, rules, current, [], as_of)
        assert same.total == sheet.result.total  # nothing changed: the one score itself
        moved = official.what_if(sheet, state, rules, current | {"1-3-1": 100.0, "7-2": 100.0}, [], as_of)
        points = state.set_index("code")["points"].astype(float)
        gained = (100 - current["1-3-1"]) / 100 * points["1-3-1"] + (points["7-2"] - 0.8)  # 7-2 leaves its 0.8
        assert moved.total == fmt.round_score(sheet.result.total + gained)
    finally:
        store.close()


# -- simulations labelled ------------------------------------------------------------------------


def test_a_simulation_export_says_simulation_in_its_name_title_and_every_sheet(db):
    store = Store(db)
    try:
        as_of = date(2025, 11, 21)
        state = queries.target_state(store, 1, as_of, 2025)
        result = scoring.score(state, scoring.Rules(), dict.fromkeys(state["code"], 100.0))
    finally:
        store.close()
    label = scoring.simulation_label("全部完成", "complete", scoring.Rules(), 61, as_of, "如果全部完成")
    name = exports.simulation_file_name(label, "泉州市教育局", 2025, as_of)
    assert name.startswith("模拟_全部完成_") and "自评表" not in name
    book = load_workbook(io.BytesIO(exports.simulation_xlsx(result, "泉州市教育局", 2025, as_of, label)))
    assert book.sheetnames == ["模拟测算", "模拟假设"]
    for ws in book.worksheets:
        assert str(ws["A1"].value).startswith("模拟：全部完成，非正式结果"), ws.title
        assert "模拟" in (ws.oddHeader.right.text or ""), ws.title  # on every printed page, too
    assumptions = {r[0]: r[1] for r in book["模拟假设"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert assumptions["起点"] == "全部完成" and assumptions["说明"] == "如果全部完成"
    assert assumptions["改动完成率的目标"] == "61 项"
    summary, differing = scoring.compare(
        state, [("甲", {}, scoring.Rules()), ("乙", {"1-3-1": 100.0}, scoring.Rules())]
    )
    labels = [scoring.simulation_label(n, "current", scoring.Rules(), k, as_of) for n, k in (("甲", 0), ("乙", 1))]
    book = load_workbook(io.BytesIO(exports.comparison_xlsx(summary, differing, labels, "泉州市教育局", as_of)))
    assert all(str(ws["A1"].value).startswith("模拟：情景对比（甲、乙），非正式结果") for ws in book.worksheets)


def test_the_scoring_page_labels_its_simulation_and_its_download(db):
    at = signed_in("pages/scoring.py").run()
    assert not at.exception
    assert any("模拟：未保存的模拟，非正式结果" in w.value for w in at.warning)
    button = at.get("download_button")[0].proto
    assert button.label == "导出模拟测算表（Excel）"


# -- an honest forecast --------------------------------------------------------------------------


def test_the_backtest_covers_about_eighty_percent_and_june_is_never_certain(db):
    store = Store(db)
    try:
        bt = forecast.backtest(store, 1, 2025, draws=1_000)
        june = queries.target_state(store, 1, date(2025, 6, 27), 2025)
        _, sim = forecast.standing_forecast(store, 1, june, date(2025, 6, 27))
    finally:
        store.close()
    assert len(bt.weeks) >= 30 and bt.checked > 1_000
    assert 0.72 <= bt.target_coverage <= 0.88, bt.target_coverage
    assert 0.6 <= bt.total_coverage <= 1.0 and 0 <= bt.brier < 0.4
    assert max(sim.grade_probability.values()) < 0.99
    low, high = sim.interval()
    assert low < sim.base_total < high and high - low > 3  # half a year left: a real interval
    assert sim.base_total == fmt.round_score(float(sorted(sim.totals)[len(sim.totals) // 2]))


def test_uncertainty_grows_with_the_time_left(db):
    store = Store(db)
    try:
        state = queries.target_state(store, 1, date(2025, 6, 27), 2025)
        near = forecast.target_forecast(store, 1, state, date(2025, 6, 27), until=date(2025, 7, 31))
        far = forecast.target_forecast(store, 1, state, date(2025, 6, 27), until=date(2025, 12, 31))
    finally:
        store.close()
    open_targets = state["completion_pct"].to_numpy() < 100
    assert (far["forecast_sd"].to_numpy()[open_targets] > near["forecast_sd"].to_numpy()[open_targets]).all()


def test_forecast_backtest_command_prints_coverage_and_brier(db):
    out = run_cli("forecast", "--db", str(db), "--backtest", "--json").as_json()
    assert out["weeks"] >= 30 and 0.7 <= out["target_coverage_80"] <= 0.9 and 0 <= out["brier"] < 0.4


def test_the_forecast_page_shows_its_reliability(db):
    at = signed_in("pages/forecast.py").run()
    at.toggle(key="fc_backtest").set_value(True).run()
    assert not at.exception
    shown = metrics(at)
    assert shown["目标的 80% 区间覆盖率"].endswith("%") and "等次概率的 Brier 分数" in shown


# -- every problem at once -----------------------------------------------------------------------


def test_a_ledger_with_five_problems_reports_all_five_in_one_upload(db):
    rows = [
        ["1-3-1", "2025-11-25", "八成", "推进中"],  # not a number
        ["1-3-2", "2025-11-25", 50, "快完成了"],  # not a status word
        ["7-2", "2025-11-25", 50, "推进中"],  # another section's target
        ["9-9-9", "2025-11-25", 50, "推进中"],  # no such target
        ["1-3-3", "2025-12-05", 50, "推进中"],  # after the open period's cut-off
    ]
    store = Store(db)
    try:
        up = ledger.read_upload("中教科台账.xlsx", hostile.ledger(rows))
        ledger.check_upload(store, 1, SECTION, up)
        before = store.scalar("SELECT count(*) FROM progress")
        with pytest.raises(StoreError):
            progress.commit(store, 1, SECTION, up.rows)
        assert store.scalar("SELECT count(*) FROM progress") == before  # nothing written
    finally:
        store.close()
    assert [(e.row, e.column) for e in up.errors] == [
        (2, "完成率(%)"),
        (3, "状态"),
        (4, "编号"),
        (5, "编号"),
        (6, "填报日期"),
    ], [e.message for e in up.errors]
    assert all(e.file == "中教科台账.xlsx" for e in up.errors)


def test_the_office_closes_a_period_on_the_plans_page_and_every_page_follows(db):
    at = signed_in("pages/plans.py").run()
    assert not at.exception
    assert (metrics(at)["已关闭至"], metrics(at)["看板统计日期"]) == ("2025-11-21", "2025-11-21")
    at.button(key="period_close").click().run()
    assert not at.exception
    assert (metrics(at)["已关闭至"], metrics(at)["看板统计日期"]) == ("2025-11-28", "2025-11-28")
    assert any("所属填报周期：第48期（11-22 至 11-28） · 已关闭" in c.value for c in at.sidebar.caption)
    assert run_cli("score", "--db", str(db), "--json").as_json()["as_of"] == "2025-11-28"
    at.button(key="period_reopen").click().run()
    assert metrics(at)["已关闭至"] == "2025-11-21"
