"""科室考评 (#35) through AppTest on the demo plan: the office sees the results by group (预估),
changes a weight and the totals follow by hand calculation, sets groups, adjusts with a reason
(refused without), locks and unlocks (a reason required); a leader reads the results and the
责任人 sheet; a section sees only its own parts and is refused the sheet; 按科室 shows the
provisional parts to the office and a section only its own.

On the demo plan (统计日期 2025-11-21) every section is in 全部科室 under the default scheme:
教育系统工会 (only co-operating targets, 94%) has 56.40 + 20 + 10 + 0 = 86.40 and ranks first;
校安科 has 54.93 + 19.79 + 2.00 = 76.72, rank 10, reporting on time 46 of 47 periods."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from perfdash.app import reads
from perfdash.core.access import Actor
from perfdash.present import assessment_docs
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import assessment
from tests.fixtures import signed_in

PAGE = "pages/assessment.py"
SECTIONS_PAGE = "pages/sections.py"
AS_OF = date(2025, 11, 21)  # the demo's last closed period: the pages' default 统计日期
DEFAULT = "默认"  # the form keys' suffix for the default scheme


def _rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _texts(at: AppTest, *kinds: str) -> list[str]:
    kinds = kinds or ("markdown", "caption", "warning", "info", "success", "error", "subheader")
    return [str(e.value).replace("\\", "") for kind in kinds for e in at.get(kind)]


def _results(at: AppTest) -> pd.DataFrame:
    """Every group's results table of the page, one after the other."""
    frames = [d.value for d in at.dataframe if "合计" in d.value.columns]
    return pd.concat(frames).set_index("科室") if frames else pd.DataFrame()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def _names(db: Path) -> list[str]:
    store = Store(db)
    try:
        return assessment.sections_of(store, 1)
    finally:
        store.close()


def test_the_office_sees_the_results_by_group(db):
    at = _ok(signed_in(PAGE).run())
    assert [t.label for t in at.tabs] == ["考评结果", "考评方案", "分组", "调整与领导评价", "责任人参考"]
    assert [s.value for s in at.subheader] == ["全部科室（20 个科室，预估）"]
    assert any(w.startswith("**预估**：按截至 2025-11-21") for w in _texts(at, "warning"))
    table = _results(at)
    assert list(table.columns) == ["排名", "目标完成", "过程管理", "年终评估", "创新与加减分", "调整", "合计", "等次"]
    # 教育系统工会 leads no target: its on-time reporting counts at the group's average rate.
    assert table.loc["教育系统工会", ["排名", "目标完成", "过程管理", "合计", "等次"]].tolist() == [
        3,
        56.4,
        19.54,
        77.94,
        "良好",
    ]
    assert table.loc["校安科", ["排名", "过程管理", "年终评估", "合计"]].tolist() == [6, 19.79, 2.0, 76.72]
    # The page's numbers are the domain's, section by section.
    store = Store(db)
    try:
        direct = assessment.assess(store, 1, AS_OF, 2025).table.set_index("section")["total"]
    finally:
        store.close()
    assert table["合计"].to_dict() == direct.to_dict()
    # Each section opens to its measures: 按时填报 46/47 期, nothing due counts in full.
    labels = [e.label for e in at.expander]
    assert "6. 校安科　76.72 分 · 良好" in labels
    shown = "\n".join(_texts(at, "markdown"))
    assert "按时填报 46/47 期（98%）；督办按时答复 0/0 → 满分" in shown
    assert "**怎样提高**" in shown
    # The two hand-in documents are offered, and the Word file states the page's totals.
    assert [b.proto.label for b in at.get("download_button")] == ["下载考评结果（Word）", "下载考评结果表（Excel）"]
    store = Store(db)
    try:
        doc = assessment_docs.read_results(reads.assessment_docx(store, 1, AS_OF)).set_index("科室")
    finally:
        store.close()
    assert {s: float(v) for s, v in doc["合计"].items()} == table["合计"].to_dict()


def test_a_weight_saved_in_the_form_changes_the_totals(db):
    at = _ok(signed_in(PAGE).run())
    at.number_input(key=f"sa_completion_{DEFAULT}").set_value(70.0)
    at.button(key=f"sa_scheme_save_{DEFAULT}").click().run()
    _ok(at)
    assert any("已保存默认考评方案" in s for s in _texts(at, "success"))
    stored = json.loads(_rows(db, "SELECT scheme_json FROM assessment_schemes WHERE grp = ''")[0][0])
    assert stored["completion"] == 70
    # 教育系统工会: 94% × 70 = 65.80, + 19.54 + 2 = 87.34 of 110 (79%): 良好, third behind 财务科 (87.87)
    # and 政策审批科 (87.60).
    table = _results(at)
    assert table.loc["教育系统工会", ["目标完成", "合计", "等次", "排名"]].tolist() == [65.8, 87.34, "良好", 3]
    assert any("满分 110 分：目标完成 70" in c for c in _texts(at, "caption"))
    assert any("**目标完成（70 分）**" in m for m in _texts(at, "markdown"))  # the explanation follows


def test_a_refused_scheme_keeps_the_form_and_names_the_field(db):
    at = _ok(signed_in(PAGE).run())
    at.number_input(key=f"sa_grade_1_{DEFAULT}").set_value(95.0)  # 良好 above 优秀 (90)
    at.button(key=f"sa_scheme_save_{DEFAULT}").click().run()
    assert any("等次分界应从高到低排列" in e for e in _texts(at, "error"))
    assert at.number_input(key=f"sa_grade_1_{DEFAULT}").value == 95.0
    assert _rows(db, "SELECT count(*) FROM assessment_schemes") == [(0,)]
    at.number_input(key=f"sa_grade_1_{DEFAULT}").set_value(75.0)
    for key in ("on_time", "supervision", "milestones"):
        at.number_input(key=f"sa_process_split_{key}_{DEFAULT}").set_value(0.0)
    at.button(key=f"sa_scheme_save_{DEFAULT}").click().run()
    errors = _texts(at, "error")
    assert any("过程管理的分项应为 按时填报、督办按时答复、节点按时完成" in e for e in errors), errors
    assert _rows(db, "SELECT count(*) FROM assessment_schemes") == [(0,)]


def test_the_office_sets_groups(db):
    at = _ok(signed_in(PAGE).run())
    at.multiselect(key="sa_group_sections").set_value(["教科院", "考试院"])
    at.text_input(key="sa_group_name").input("直属单位")
    at.button(key="sa_group_assign").click().run()
    _ok(at)
    assert any("已将 2 个科室归入“直属单位”" in s for s in _texts(at, "success"))
    assert sorted(_rows(db, "SELECT section FROM section_groups WHERE grp = '直属单位'")) == [("教科院",), ("考试院",)]
    assert [s.value for s in at.subheader] == ["全部科室（18 个科室，预估）", "直属单位（2 个科室，预估）"]
    # Ranked within the group: 考试院 74.09 before 教科院 68.40.
    assert _results(at).loc[["考试院", "教科院"], "排名"].tolist() == [1, 2]
    assert at.multiselect(key="sa_group_sections").value == []  # emptied after the save
    # The table: 校安科 typed into a new group; a cleared name is refused and nothing changes.
    editor = next(d for d in at.dataframe if d.key == "sa_groups_editor")
    names = list(editor.value["科室"])
    at.session_state["sa_groups_editor"] = {
        "edited_rows": {names.index("校安科"): {"分组": ""}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="sa_groups_save").click().run()
    assert any("请填写校安科的分组" in e for e in _texts(at, "error")), _texts(at, "error")
    at.session_state["sa_groups_editor"] = {
        "edited_rows": {names.index("校安科"): {"分组": "业务科室"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.button(key="sa_groups_save").click().run()
    _ok(at)
    assert _rows(db, "SELECT grp FROM section_groups WHERE section = '校安科'") == [("业务科室",)]
    assert "业务科室（1 个科室，预估）" in [s.value for s in at.subheader]
    assert _results(at).loc["校安科", "排名"] == 1


def test_an_adjustment_needs_a_reason_and_shows_in_the_total(db):
    at = _ok(signed_in(PAGE).run())
    at.selectbox(key="sa_adj_section").set_value("校安科")
    at.number_input(key="sa_adj_points").set_value(5.0)
    at.button(key="sa_adj_add").click().run()
    assert any("请填写调整理由" in e for e in _texts(at, "error"))
    assert at.number_input(key="sa_adj_points").value == 5.0  # kept as typed
    assert _rows(db, "SELECT count(*) FROM section_adjustments") == [(0,)]
    at.text_input(key="sa_adj_reason").input("获市级平安校园表彰")
    at.button(key="sa_adj_add").click().run()
    _ok(at)
    assert any("已录入校安科的调整 +5 分" in s for s in _texts(at, "success"))
    assert at.text_input(key="sa_adj_reason").value == ""  # the form starts again
    table = _results(at)
    assert table.loc["校安科", ["调整", "合计", "排名"]].tolist() == [5.0, 81.72, 1]  # 76.72 + 5
    assert any("**调整 +5 分**：获市级平安校园表彰" in m for m in _texts(at, "markdown"))
    audit = _rows(db, "SELECT entity_key, new_value FROM audit_log WHERE action = '调整科室考评结果'")
    assert audit[0][0] == "校安科" and "获市级平安校园表彰" in audit[0][1]
    (aid,) = _rows(db, "SELECT adjustment_id FROM section_adjustments")[0]
    at.button(key=f"sa_withdraw_{aid}").click().run()
    _ok(at)
    assert _results(at).loc["校安科", "合计"] == 76.72
    assert _rows(db, "SELECT withdrawn_by IS NOT NULL FROM section_adjustments") == [(True,)]


def test_leader_scores_are_entered_per_section(db):
    at = _ok(signed_in(PAGE).run())
    at.selectbox(key="sa_rate_section").set_value("校安科").run()
    at.number_input(key="sa_rate_校安科_李自坚").set_value(80.0)
    at.button(key="sa_rate_save").click().run()
    _ok(at)
    assert _rows(db, "SELECT section, leader, score::DOUBLE FROM leader_ratings") == [("校安科", "李自坚", 80.0)]
    assert any("领导评价为 0 分，录入的评分暂不计入" in c for c in _texts(at, "caption"))
    ratings = next(d.value for d in at.dataframe if "李自坚" in d.value.columns)
    assert ratings.set_index("科室").loc["校安科", "李自坚"] == 80.0


def test_the_office_locks_and_unlocks_with_a_reason(db):
    at = _ok(signed_in(PAGE).run())
    before = _results(at)["合计"].to_dict()
    at.button(key="assessment_lock").click().run()
    assert any("确认锁定？" in w for w in _texts(at, "warning"))
    assert _rows(db, "SELECT count(*) FROM assessment_locks") == [(0,)]  # asked first
    at.button(key="assessment_lock_confirm").click().run()
    _ok(at)
    assert any("已锁定科室考评结果" in s for s in _texts(at, "success"))
    assert _rows(db, "SELECT as_of FROM assessment_locks") == [(AS_OF,)]
    assert [s.value for s in at.subheader] == ["全部科室（20 个科室）"]
    assert any(s.startswith("**已锁定**：绩效办 于 ") for s in _texts(at, "success")), _texts(at, "success")
    # New progress does not move a locked result (校安科's 7-4 from 90% to 95%).
    store = Store(db)
    try:
        store.add_progress(1, [ProgressRow("7-4", AS_OF, 95, "推进中")], Actor.section("校安科"), today=AS_OF)
    finally:
        store.close()
    at.run()
    assert _results(at)["合计"].to_dict() == before
    # Nothing changes while locked: the form's refusal says so.
    at.text_input(key="sa_adj_reason").input("获表彰")
    at.number_input(key="sa_adj_points").set_value(1.0)
    at.button(key="sa_adj_add").click().run()
    assert any("已锁定" in e for e in _texts(at, "error"))
    # Unlocking needs a reason.
    at.button(key="assessment_unlock").click().run()
    assert any("请填写解除理由" in e for e in _texts(at, "error"))
    at.text_input(key="sa_unlock_reason").input("补录11月进度")
    at.button(key="assessment_unlock").click().run()
    _ok(at)
    assert _rows(db, "SELECT count(*) FROM assessment_locks") == [(0,)]
    audit = "SELECT action FROM audit_log WHERE action IN ('锁定科室考评结果', '解除科室考评锁定') ORDER BY audit_id"
    assert _rows(db, audit) == [("锁定科室考评结果",), ("解除科室考评锁定",)]
    after = _results(at)["合计"].to_dict()
    assert after["校安科"] > before["校安科"]  # the new report counts again


def test_a_leader_reads_the_results_and_the_person_sheet(db):
    at = _ok(signed_in(PAGE, "leader", "李自坚").run())
    assert [t.label for t in at.tabs] == ["考评结果", "责任人参考"]
    assert len(_results(at)) == 20
    assert not [b for b in at.button if b.key and b.key.startswith(("assessment_", "sa_"))]  # read-only
    assert not at.number_input and not at.text_input
    assert any("参考（仅供绩效办和局领导查看，不作为考评结果）" in w for w in _texts(at, "warning"))
    sheet = next(d.value for d in at.dataframe if "责任人" in d.value.columns).set_index("责任人")
    assert sheet.loc["胡志强", ["科室", "牵头目标"]].tolist() == ["校安科", 5]


def test_a_section_sees_only_its_own_parts(db):
    at = _ok(signed_in(PAGE, "section", "校安科").run())
    assert not at.tabs and not at.dataframe and not at.expander[1:]  # only 考评办法
    shown = "\n".join(_texts(at))
    assert "本科室考评（预估）" in shown and "**合计 76.72 分**" in shown
    assert "按时填报 46/47 期（98%）" in shown and "**怎样提高**" in shown
    others = [s for s in _names(db) if s != "校安科"]
    assert not [s for s in others if s in shown]  # no other section named, let alone its numbers
    assert "责任人参考" not in shown and "组内排名仅绩效办和局领导可见" in shown  # nor its rank
    with pytest.raises(StoreError, match="责任人参考仅供绩效办和局领导查看"):
        store = Store(db)
        try:
            reads.person_sheet(store, 1, AS_OF, 2025, Actor.section("校安科"))
        finally:
            store.close()


def test_sections_page_shows_the_provisional_standing(db):
    office = _ok(signed_in(SECTIONS_PAGE).run())
    assert "科室考评（预估）" in [s.value for s in office.subheader]
    board = next(d.value for d in office.dataframe if "合计" in d.value.columns).set_index("科室")
    parts = ["目标完成", "过程管理", "年终评估", "创新与加减分"]
    assert list(board.columns) == ["排名", "分组", *parts, "调整", "合计", "等次"]
    assert len(board) == 20 and board.loc["校安科", ["分组", "合计", "排名"]].tolist() == ["全部科室", 76.72, 6]
    leader = _ok(signed_in(SECTIONS_PAGE, "leader", "李自坚").run())
    assert "科室考评（预估）" in [s.value for s in leader.subheader]
    # A section: its own parts with the measures and hints, no board of the others.
    section = _ok(signed_in(SECTIONS_PAGE, "section", "校安科").run())
    assert "科室考评（预估）" not in [s.value for s in section.subheader]
    assert not [d for d in section.dataframe if "合计" in d.value.columns]
    blocks = section.main.children.values()
    block = next(b for b in blocks if str(getattr(b.proto, "id", "")).endswith("own_assessment"))
    own = "\n".join(str(m.value).replace("\\", "") for m in block.get("markdown"))
    assert "本科室考评（预估）" in own and "**合计 76.72 分**" in own and "**怎样提高**" in own
    assert not [s for s in _names(db) if s != "校安科" and s in own]
