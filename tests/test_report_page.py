"""进度填报 and 目标详情 through AppTest: an upload, an edit, refusals, and the timeline."""

from __future__ import annotations

import json
from datetime import date

import duckdb
from streamlit.testing.v1 import AppTest

from tests.fixtures import plotly_values, signed_in

HEADER = "编号,年度工作目标,完成时限,本科室角色,填报日期,完成率(%),状态,进展说明"


def _page(name: str, identity: str | None = None) -> AppTest:
    role, scope = ("office", None)
    if identity:
        kind, _, scope = identity.partition("·")
        role = {"科室": "section", "领导": "leader"}[kind]
    return signed_in(f"pages/{name}", role, scope).run()


def _table(at: AppTest, column: str):
    """The first table showing ``column`` (st.dataframe keys are not exposed to AppTest)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _count(db, sql: str, params: list | None = None) -> int:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, params or []).fetchone()[0]
    finally:
        con.close()


def test_a_section_uploads_its_ledger(db):
    at = _page("progress.py", "科室·校安科")
    assert not at.exception
    assert "可填报 5 项目标" in at.caption[0].value
    before = _count(db, "SELECT count(*) FROM progress")
    # 7-3 was finished (100 %, 已完成) in September: that row repeats it and is skipped.
    rows = "7-2,,,,2025-11-28,95,推进中,隐患整改完毕\n7-3,,,,2025-11-28,100,已完成,\n7-4,,,,2025-11-28,100,已完成,\n"
    csv = f"{HEADER}\n{rows}".encode("gbk")
    at.file_uploader(key="ledger_upload").set_value(("平安台账.csv", csv, "text/csv")).run()
    assert not at.exception
    preview = _table(at, "完成率变化")
    assert list(preview["编号"]) == ["7-2", "7-3", "7-4"] and list(preview["有变化"]) == [True, False, True]
    assert preview.iloc[0]["完成率变化"].endswith("→ 95%")
    assert any(
        i.value.startswith("共 3 行：2 行有变化，将保存为新的进度记录；1 行与该目标最近一次填报相同") for i in at.info
    )
    at.button(key="commit_upload").click().run()
    assert not at.exception
    assert _count(db, "SELECT count(*) FROM progress") == before + 2
    assert (
        _count(
            db,
            "SELECT completion_pct FROM progress WHERE reporter = '校安科' AND code = '7-4' "
            "AND report_date = DATE '2025-11-28'",
        )
        == 100
    )
    assert _count(db, "SELECT count(*) FROM progress WHERE code = '7-3' AND report_date = DATE '2025-11-28'") == 0
    assert any("已从 平安台账.csv 保存 2 条进度记录；另有 1 行与该目标最近一次填报相同" in s.value for s in at.success)


def test_an_unchanged_upload_saves_nothing(db):
    at = _page("progress.py", "科室·校安科")
    before = _count(db, "SELECT count(*) FROM progress")
    csv = f"{HEADER}\n7-3,,,,2025-11-28,100,已完成,\n".encode()  # as stored since September
    at.file_uploader(key="ledger_upload").set_value(("same.csv", csv, "text/csv")).run()
    assert not at.exception
    assert any("0 行有变化" in i.value and "没有需要保存的内容" in i.value for i in at.info)
    assert at.button(key="commit_upload").disabled
    assert _count(db, "SELECT count(*) FROM progress") == before


def test_an_edit_whose_status_contradicts_its_percent_is_not_saved(db):
    at = _page("progress.py", "科室·校安科")
    before = _count(db, "SELECT count(*) FROM progress")
    editor = at.dataframe(key="editor").value
    row = list(editor["code"]).index("7-4")  # 90 %, 推进中
    at.session_state["editor"] = {
        "edited_rows": {row: {"status": "已完成"}},  # 已完成 at 90 %
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # shown as plain text: markdown escaped
    assert any(
        "状态与完成率不一致" in e and f"第 {row + 1} 行（7-4）：状态为“已完成”，完成率却是 90%" in e for e in shown
    ), shown
    assert at.button(key="save_edits").disabled
    assert _count(db, "SELECT count(*) FROM progress") == before


def test_an_upload_with_one_bad_row_is_refused_whole(db):
    at = _page("progress.py", "科室·校安科")
    before = _count(db, "SELECT count(*) FROM progress")
    csv = f"{HEADER}\n7-2,,,,2025-11-28,95,推进中,\n1-1-1,,,,2025-11-28,50,推进中,\n".encode()
    at.file_uploader(key="ledger_upload").set_value(("x.csv", csv, "text/csv")).run()
    errors = _table(at, "问题")
    assert list(errors["问题"]) == ["1-1-1：“校安科”不是该目标的责任科室，无权填报"]
    assert list(errors["行"]) == ["3"]
    assert not [b for b in at.button if b.key == "commit_upload"]
    assert _count(db, "SELECT count(*) FROM progress") == before


def test_a_section_edits_in_the_app(db):
    at = _page("progress.py", "科室·校安科")
    editor = at.dataframe(key="editor").value
    assert list(editor["code"]) == ["1-1-3", "1-8-2", "7-2", "7-3", "7-4"]
    row = list(editor["code"]).index("7-4")
    at.session_state["editor"] = {
        "edited_rows": {row: {"completion_pct": 97, "note": "消防演练完成"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert "已修改 1 项" in at.caption[1].value
    at.button(key="save_edits").click().run()
    assert not at.exception
    last = (
        duckdb.connect(str(db))
        .execute(
            "SELECT completion_pct, note, reporter, report_date FROM progress WHERE code = '7-4' "
            "ORDER BY progress_id DESC LIMIT 1"
        )
        .fetchone()
    )
    assert (float(last[0]), last[1], last[2], last[3]) == (
        97.0,
        "消防演练完成",
        "校安科",
        date(2025, 11, 28),
    )  # the open period's cut-off
    assert any("已保存 1 条进度记录" in s.value for s in at.success)


def test_a_leader_only_reads(db):
    at = _page("progress.py", "领导·林长华")
    assert not at.exception
    assert "领导查看进度，由各科室填报" in at.info[0].value
    assert not at.data_editor


def test_target_page_shows_the_timeline(db):
    at = signed_in("pages/target.py")
    at.query_params["code"] = "1-3-3"
    at.run()
    assert not at.exception
    assert at.title[0].value == "目标详情"
    assert at.selectbox(key="target_code").value == "1-3-3"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["完成时限"] == "2025-09-30"
    assert metrics["滞后状态"] == "逾期未完成"
    n = _count(db, "SELECT count(*) FROM progress WHERE code = '1-3-3' AND report_date <= DATE '2025-11-21'")
    assert len(_table(at, "序时进度")) == n
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [t["name"] for t in spec["data"]] == ["序时进度", "填报完成率"]
    y = plotly_values(spec["data"][1], "y")
    assert len(y) == n
    assert y == sorted(y)  # demo progress never goes back


def test_dimension_bomb_on_the_page_is_refused_fast_and_parsed_once(db, monkeypatch):
    """The attack run's 1.8 KB sheet, uploaded by a section: refused at once with the reason, nothing
    written, and a rerun while it sits in the uploader does not read it again."""
    import time

    from perfdash.workflows import ledger
    from tests import hostile

    calls = []
    real = ledger.read_upload
    monkeypatch.setattr(ledger, "read_upload", lambda name, data: calls.append(name) or real(name, data))
    at = _page("progress.py", "科室·校安科")
    before = _count(db, "SELECT count(*) FROM progress")
    started = time.perf_counter()
    at.file_uploader(key="ledger_upload").set_value(("bomb.xlsx", hostile.dimension_bomb(), "application/zip")).run()
    assert time.perf_counter() - started < 2.0
    assert not at.exception
    problems = _table(at, "问题")
    assert "第 1048576 行仍有内容" in problems.iloc[0]["问题"]
    at.run()  # any rerun (another click on the page) while the file stays in the uploader
    assert calls == ["bomb.xlsx"]
    assert _count(db, "SELECT count(*) FROM progress") == before


def test_percent_cell_previews_as_shown_in_excel(db):
    from tests import hostile

    at = _page("progress.py", "科室·校安科")
    data = hostile.ledger([["7-2", "2025-11-28", 0.9, "推进中"]], styles={2: 1})
    at.file_uploader(key="ledger_upload").set_value(("pct.xlsx", data, "application/zip")).run()
    assert not at.exception
    assert _table(at, "完成率变化").iloc[0]["完成率变化"].endswith("→ 90%")
