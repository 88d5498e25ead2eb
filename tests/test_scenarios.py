"""Scenarios and adjustments in the store (office only), the Excel exports, the score CLI,
and 评分模拟 / 年终预测 through AppTest."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import duckdb
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import exports
from perfdash.store import StoreError
from perfdash.workflows import scoring
from perfdash.workflows.scoring import Rules
from tests.fixtures import signed_in
from tests.running import run_cli

OFFICE = Actor.office()


@pytest.fixture
def store(plan_store):
    return plan_store


def test_save_load_replace_delete_a_scenario(store):
    values = {"1-1-1": 50.0, "7-4": 100.0}
    sid = store.save_scenario(1, "保守", "按现状", "current", date(2025, 11, 21), Rules().to_json(), values, OFFICE)
    assert queries.scenario_values(store, sid) == values
    with pytest.raises(StoreError, match="已有名为“保守”的情景"):
        store.save_scenario(1, "保守", "", "current", date(2025, 11, 21), Rules().to_json(), values, OFFICE)
    sid2 = store.save_scenario(
        1, "保守", "改", "forecast", date(2025, 11, 21), Rules().to_json(), {"1-1-1": 60.0}, OFFICE, replace=True
    )
    assert queries.scenario_values(store, sid2) == {"1-1-1": 60.0}
    assert list(queries.scenarios(store, 1)["note"]) == ["改"]
    store.delete_scenario(sid2, OFFICE)
    assert queries.scenarios(store, 1).empty
    assert store.scalar("SELECT count(*) FROM scenario_values") == 0


@pytest.mark.parametrize(
    ("values", "actor", "message"),
    [
        ({"9-9": 1.0}, OFFICE, "没有的目标编号：9-9"),
        ({"1-1-1": 101.0}, OFFICE, "超出 0–100"),
        ({"1-1-1": 50.0}, Actor.section("中教科"), "只有绩效办可以保存情景"),
        ({"1-1-1": 50.0}, Actor.leader("林长华"), "只有绩效办可以保存情景"),
    ],
)
def test_bad_scenarios_are_refused(store, values, actor, message):
    with pytest.raises(StoreError, match=message):
        store.save_scenario(1, "x", "", "current", date(2025, 11, 21), Rules().to_json(), values, actor)
    assert queries.scenarios(store, 1).empty


def test_adjustments_are_recorded_withdrawn_and_office_only(store):
    bonus = store.add_adjustment(1, "bonus", 1.5, "创新成果获省级推广", OFFICE)
    store.add_adjustment(1, "deduction", 0.5, "察访核验发现台账不全", OFFICE)
    with pytest.raises(StoreError, match="事由"):
        store.add_adjustment(1, "bonus", 1, "  ", OFFICE)
    with pytest.raises(StoreError, match="只有绩效办"):
        store.add_adjustment(1, "bonus", 1, "自己加分", Actor.section("中教科"))
    adj = scoring.adjustments_of(queries.adjustments(store, 1))
    assert [(a.kind, a.points) for a in adj] == [("bonus", 1.5), ("deduction", 0.5)]
    store.withdraw_adjustment(bonus, OFFICE)
    assert list(queries.adjustments(store, 1)["kind"]) == ["deduction"]
    assert store.scalar("SELECT count(*) FROM adjustments") == 2  # withdrawn, not deleted


def test_self_assessment_export_matches_the_score_and_neutralises_formulas(store):
    state = queries.target_state(store, 1, date(2025, 11, 21), 2025)
    result = scoring.score(state, completion={"1-1-1": 100.0, "7-4": 50.0})
    data = exports.self_assessment_xlsx(
        result, "泉州市教育局", 2025, date(2025, 11, 21), notes={"7-4": '=HYPERLINK("http://x")', "7-3": "@SUM(A1)"}
    )
    ws = load_workbook(io.BytesIO(data))["自评表"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "泉州市教育局2025年度绩效目标自评表" and ws.print_title_rows == "$1:$2"
    assert rows[1] == ("编号", "年度工作目标", "分值", "完成率", "自评得分", "牵头科室", "说明")
    by_code = {r[0]: r for r in rows[2:] if r[0] and r[1]}  # not the 一级指标 headings (one merged cell)
    assert len(by_code) == 61
    assert by_code["1-1-1"][4] == 2 and by_code["7-4"][4] == 0.5
    # Formula-like notes show as typed, and stay text.
    assert by_code["7-4"][6] == '=HYPERLINK("http://x")' and by_code["7-3"][6] == "@SUM(A1)"
    notes = [c for c in ws["G"] if c.value in ('=HYPERLINK("http://x")', "@SUM(A1)")]
    assert len(notes) == 2 and all(c.data_type == "s" and c.quotePrefix for c in notes)
    totals = {r[1]: r for r in rows[2:] if r[0] is None and r[1]}
    assert totals["总分"][4] == 2.5 and totals["总分"][6] == "等次：较差"
    heads = [r[0] for r in rows[2:] if r[0] and r[1] is None]  # a group's heading carries its subtotal
    groups = dict(re.findall(r"^(.+?)（分值[\d.]+，自评得分([\d.]+)）", "\n".join(heads), re.M))
    assert groups == {
        "职能工作": "2.00",
        "行政能力": "0.00",
        "精神文明": "0.00",
        "平安建设": "0.00",
        "安全生产": "0.00",
        "消防安全": "0.50",
    }


def test_score_cli(demo_db):
    db = demo_db  # what `python -m perfdash demo` writes (tests/test_cli.py runs that command)

    def score(*extra: str) -> dict:
        out = run_cli("score", "--db", str(db), *extra, "--json")
        assert out.code == 0, out.err
        return json.loads(out.out)

    full = score("--all", "100")
    assert full.pop("simulation") == "模拟，非正式结果"  # a what-if says so
    assert full.pop("as_of") == "2025-11-21" and full.pop("counts")["targets"] == 61
    assert full.pop("provisional") is True and full.pop("rules")["rule"] == "proportional"  # nothing stored
    assert full == {
        "total": 100,
        "groups": {"职能工作": 70, "行政能力": 20, "精神文明": 4, "平安建设": 4, "安全生产": 1, "消防安全": 1},
        "grade": "优秀",
        "possible": 100,  # the plan's own total
    }
    assert score("--all", "100", "--set", "1-1-1=50")["total"] == 99
    assert score("--all", "100", "--set", "1-1-1=50", "--rule", "stepped")["total"] == 98  # 50 % is below the floor
    assert score("--all", "100", "--set", "1-1-1=95", "--rule", "stepped")["total"] == 99.8
    now = score()
    con = duckdb.connect(str(db))
    direct = con.execute(
        "WITH l AS (SELECT code, arg_max(completion_pct, report_date) AS p FROM progress GROUP BY code) "
        "SELECT sum(t.points * coalesce(l.p, 0) / 100) FROM targets t LEFT JOIN l USING (code)"
    ).fetchone()[0]
    con.close()
    assert now["total"] == pytest.approx(float(direct), abs=0.005)
    earlier = score("--as-of", "2025-06-30")
    assert earlier["total"] < now["total"]
    bad = run_cli("score", "--db", str(db), "--set", "9-9=1", "--json")
    assert bad.code == 2 and "没有编号为“9-9”" in bad.err


# -- pages ---------------------------------------------------------------------------------------


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_scoring_page_edit_save_load_compare(db):
    at = signed_in("pages/scoring.py")
    at.session_state["sim_base"] = "complete"
    at.run()
    assert not at.exception
    assert _metrics(at)["模拟总分"] == "100.00 分"
    # An edit: 6-5 (3 points) at 50 % costs 1.5 points.
    editor = next(d for d in at.dataframe if "sim_pct" in d.value.columns).value
    row = list(editor["code"]).index("6-5")
    at.session_state["sim_editor"] = {"edited_rows": {row: {"sim_pct": 50}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert _metrics(at)["模拟总分"] == "98.50 分"
    # Save it.
    at.text_input(key="scenario_name").input("6-5 减半")
    at.text_input(key="scenario_note").input("创新成果未达预期")
    next(b for b in at.button if b.label == "保存当前模拟为情景").click().run()
    assert not at.exception
    assert any("已保存情景“6-5 减半”" in s.value for s in at.success)
    # A bulk change, saved as a second scenario: everything of 中教科 at 90 %.
    at.selectbox(key="sim_bulk_by").set_value("section").run()
    at.selectbox(key="sim_bulk_value").set_value("中教科").run()
    at.number_input(key="sim_bulk_pct").set_value(90.0).run()
    at.button(key="sim_bulk_apply").click().run()
    # 中教科's 9 targets carry 16 points; at 90 % they lose 1.6; 6-5 still at 50 % loses 1.5.
    assert _metrics(at)["模拟总分"] == "96.90 分"
    at.text_input(key="scenario_name").input("中教科九成")
    next(b for b in at.button if b.label == "保存当前模拟为情景").click().run()
    # Load the first one back.
    at.selectbox(key="scenario_pick").set_value("6-5 减半")
    at.button(key="scenario_load").click().run()
    assert _metrics(at)["模拟总分"] == "98.50 分"
    # Compare both.
    at.multiselect(key="scenario_compare").set_value(["6-5 减半", "中教科九成"]).run()
    assert not at.exception
    summary = next(d for d in at.dataframe if "总分" in d.value.columns and "情景" in d.value.columns).value
    assert list(summary["总分"]) == [98.5, 96.9]
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM scenarios").fetchone()[0] == 2
    con.close()


def test_scoring_page_refuses_saves_for_a_section(db):
    at = signed_in("pages/scoring.py", "section", "中教科").run()
    assert not at.exception
    assert any("只有绩效办可以" in c.value for c in at.caption)


def test_forecast_page_shows_probabilities_that_add_up(db):
    at = signed_in("pages/forecast.py").run()
    assert not at.exception
    shown = _metrics(at)
    probs = [int(shown[f"{g}的概率"].rstrip("%")) for g in ("优秀", "良好", "一般", "较差")]
    assert 99 <= sum(probs) <= 101
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["type"] == "histogram"
