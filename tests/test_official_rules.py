"""The office's rules are the official rules (#31): scoring settings stored per plan and used by
every official figure (总览, 综合评估, 评分模拟's 当前得分, the meeting screen, the report, the
exports and ``score``), official 加分/扣分 entered on 综合评估, what-ifs labelled as such, and the
forecast applying the lateness rule."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.present import evaluation_report, meeting
from perfdash.store import Store, StoreError
from perfdash.workflows import forecast, official, scoring
from tests.fixtures import shipped_plan, signed_in
from tests.running import run_cli

OFFICE = Actor.office()
AS_OF = date(2025, 11, 21)
STRICT = {
    "rule": "stepped",
    "late_share_per_month": 0.1,
    "late_cap": 0.5,
    "bands": [["优秀", 95], ["良好", 85], ["一般", 60], ["较差", 0]],
}


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def page(script: str) -> dict[str, str]:
    at = signed_in(script).run()
    assert not at.exception
    return metrics(at)


def xlsx_total(data: bytes) -> float:
    """The 总分 row of the 自评表."""
    sheet = load_workbook(io.BytesIO(data)).active
    for row in sheet.iter_rows(values_only=True):
        cells = [c for c in row if c is not None]
        if cells and any(str(c).strip() == "总分" for c in cells):
            return float(next(c for c in reversed(cells) if isinstance(c, int | float)))
    raise AssertionError("no 总分 row")


def xlsx_grade(data: bytes) -> str:
    """The 等次 written beside the 总分 of the 自评表."""
    sheet = load_workbook(io.BytesIO(data)).active
    return next(str(c) for row in sheet.iter_rows(values_only=True) for c in row if str(c).startswith("等次："))


def test_stored_rules_are_the_official_rules_everywhere(db, tmp_path):
    before = run_cli("score", "--db", str(db), "--json").as_json()
    assert before["provisional"] and before["rules"]["rule"] == "proportional"
    provisional = tmp_path / "暂定.docx"
    assert run_cli("report", "--db", str(db), "--out", str(provisional)).code == 0
    assert xlsx_grade(provisional.with_suffix(".xlsx").read_bytes()) == f"等次：{before['grade']}（暂定）"
    stored = run_cli("rules", "--db", str(db), "--set", json.dumps(STRICT, ensure_ascii=False))
    assert stored.code == 0 and json.loads(stored.out)["rule"] == "stepped"
    truth = run_cli("score", "--db", str(db), "--json").as_json()
    assert not truth["provisional"] and "simulation" not in truth
    assert truth["rules"]["bands"][0] == ["优秀", 95] and truth["rules"]["late_share_per_month"] == 0.1
    assert truth["total"] < before["total"]  # stepped and lateness take points: not the defaults
    shown = f"{fmt.score(truth['total'], unit=True)} · {truth['grade']}"

    overview = page("pages/overview.py")
    score = fmt.score(truth["total"], unit=True)
    assert (overview["当前得分"], overview["当前等次"]) == (score, truth["grade"])  # no 暂定: the office's bands
    assert overview["预计等次"] == truth["projected"]["grade"]
    assert page("pages/scoring.py")["当前得分"] == shown
    evaluation = page("pages/evaluation.py")
    assert (evaluation["评估总分"], evaluation["等次"]) == (fmt.score(truth["total"], unit=True), truth["grade"])
    store = Store(db, read_only=True)
    try:
        slides = meeting.build_slides(store, 1, 2025, meeting.week_of(AS_OF), AS_OF)
        data, result = evaluation_report.build(store, 1, AS_OF)
    finally:
        store.close()
    assert (slides[0].numbers["projected_total"], slides[0].numbers["projected_grade"]) == tuple(
        truth["projected"].values()
    )
    assert result.total == truth["total"] and evaluation_report.read_totals(data)["total"] == truth["total"]
    assert "绩效办设定的分界" in evaluation_report.read_totals(data)["text"]
    out = tmp_path / "报告.docx"
    assert run_cli("report", "--db", str(db), "--out", str(out)).code == 0
    assert xlsx_total(out.with_suffix(".xlsx").read_bytes()) == truth["total"]
    assert xlsx_grade(out.with_suffix(".xlsx").read_bytes()) == f"等次：{truth['grade']}"  # the office's bands

    # A what-if over the stored rules says so; the stored rules stay.
    proportional = run_cli("score", "--db", str(db), "--json", "--rule", "proportional").as_json()
    assert proportional["simulation"] and proportional["rules"]["rule"] == "proportional"
    assert proportional["rules"]["bands"] == truth["rules"]["bands"]
    assert run_cli("score", "--db", str(db), "--json").as_json() == truth


def test_the_issues_example_and_another_plan_keeps_its_own(db):
    assert run_cli("rules", "--db", str(db), "--set", json.dumps(STRICT | {"late_share_per_month": 0})).code == 0
    answer = run_cli("score", "--db", str(db), "--all", "87", "--json").as_json()
    assert (answer["total"], answer["grade"]) == (80, "一般")  # every target at 87 %: the 80 % step; 80 < 85
    store = Store(db)
    try:
        store.import_plan(dataclasses.replace(shipped_plan(), year=2026), OFFICE)
        assert official.stored(store, 2).provisional and official.stored(store, 2).rules == scoring.Rules()
    finally:
        store.close()
    other = run_cli("score", "--db", str(db), "--year", "2026", "--all", "87", "--json").as_json()
    assert (other["total"], other["grade"]) == (87, "良好") and other["provisional"]
    audit = run_cli("rules", "--db", str(db), "--year", "2025")
    assert json.loads(audit.out)["rule"] == "stepped" and "系统" in audit.err


def test_bad_rules_are_refused_with_one_line_and_nothing_changes(db):
    for change, words in (
        ({"bands": [["优秀", 60], ["良好", 85], ["一般", 50], ["较差", 0]]}, "从高到低"),
        ({"rule": "lottery"}, "未知的计分规则"),
        ({"late_cap": 3}, "0 到 1"),
        ({"colour": "red"}, "未知的项"),
    ):
        bad = run_cli("rules", "--db", str(db), "--set", json.dumps(change, ensure_ascii=False))
        assert bad.code != 0 and words in bad.err and "Traceback" not in bad.err
    assert run_cli("rules", "--db", str(db), "--set", "{not json").code == 2
    store = Store(db, read_only=True)
    try:
        assert official.stored(store, 1).provisional
    finally:
        store.close()
    store = Store(db)
    try:
        with pytest.raises(StoreError, match="只有绩效办"):
            store.set_rules(1, "{}", Actor.section("中教科"))
    finally:
        store.close()


def test_the_office_enters_a_deduction_on_evaluation_and_simulation_has_no_official_form(db):
    at = signed_in("pages/evaluation.py").run()
    before = metrics(at)["评估总分"]
    at.selectbox(key="adj_kind").set_value("deduction")
    at.number_input(key="adj_points").set_value(0.5)
    at.text_input(key="adj_note").set_value("察访核验发现台账不全")
    at.text_input(key="adj_basis").set_value("市效能办通报〔2025〕3号")
    next(b for b in at.button if b.label == "录入").click().run()
    assert not at.exception
    after = metrics(at)["评估总分"]
    assert float(before.split()[0]) - float(after.split()[0]) == pytest.approx(0.5)
    assert run_cli("score", "--db", str(db), "--json").as_json()["total"] == float(after.split()[0])
    sim = signed_in("pages/scoring.py").run()
    assert not sim.exception
    assert "adj_note" not in {t.key for t in sim.text_input}
    assert "市效能办通报〔2025〕3号" in sim.dataframe[-1].value.to_string()  # listed, read-only


def test_a_hypothetical_entry_stays_in_the_simulation(db):
    at = signed_in("pages/scoring.py").run()
    official_total = metrics(at)["当前得分"]
    at.selectbox(key="sim_entry_kind").set_value("bonus")
    at.number_input(key="sim_entry_points").set_value(1.0)
    at.text_input(key="sim_entry_note").set_value("假设获省级推广")
    next(b for b in at.button if b.label == "加入模拟").click().run()
    assert not at.exception
    m = metrics(at)
    assert m["加分 / 扣分"].startswith("+1.00") and m["当前得分"] == official_total
    assert run_cli("score", "--db", str(db), "--json").as_json()["total"] == float(official_total.split()[0])


def test_the_forecast_applies_the_lateness_rule():
    frame = pd.DataFrame(
        {
            "points": [10.0],
            "completion_pct": [50.0],
            "forecast_pct": [50.0],
            "forecast_sd": [0.0],
            "fixed_score": [np.nan],
            "late_now": [2.0],
            "late_at_end": [3.0],
        }
    )
    plain = forecast.simulate(frame, scoring.Rules(), draws=10)
    late = forecast.simulate(frame, scoring.Rules(late_share_per_month=0.1, late_cap=0.5), draws=10)
    assert plain.base_total == 5.0  # 10 × 50 %
    assert late.base_total == 2.0  # unfinished at the year's end: 3 months × 10 % of 10 points off
    done = frame.assign(completion_pct=100.0, forecast_pct=100.0)
    assert forecast.simulate(done, scoring.Rules(late_share_per_month=0.1, late_cap=0.5), draws=10).base_total == 8.0
