"""The year-end cycle on the demo database: self-assessment, evidence, sign-off, evaluation,
lock, the report re-read with python-docx, and the two pages through AppTest."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.present import evaluation_report, exports
from perfdash.store import ProgressRow, Store, StoreError
from perfdash.workflows import evaluation, official, scoring
from tests.fixtures import signed_in
from tests.running import run_cli

OFFICE = Actor("office", "绩效办", "admin")
ZHONGJIAO = Actor("section", "中教科", "zj")  # leads 1-3-1, 1-3-2, 1-3-3
CHUYOU = Actor("section", "初幼教科", "cy")  # co-section of 1-3-2
CAI = Actor("leader", "蔡玉霖", "cyl")  # supervises the 1-3 targets
LIN = Actor("leader", "林长华", "lch")
AS_OF = date(2025, 11, 21)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def store(demo_store):
    return demo_store


def test_a_whole_year_end_cycle(store, tmp_path):
    # 1. Self-assessments: the lead section only.
    store.submit_self_assessment(1, "1-3-1", 95, 1.9, "完成12所帮扶结对，新增2所省级达标高中。", ZHONGJIAO)
    store.submit_self_assessment(1, "1-3-3", 90, 0.9, "7所综合高中班试点已招生。", ZHONGJIAO)
    with pytest.raises(StoreError, match="由牵头科室（中教科）提交"):
        store.submit_self_assessment(1, "1-3-2", 90, 1.8, "协作科室代交", CHUYOU)
    with pytest.raises(StoreError, match="自评得分应在 0 到该目标分值 2 之间"):
        store.submit_self_assessment(1, "1-3-2", 90, 2.5, "超分", ZHONGJIAO)
    with pytest.raises(StoreError, match="请填写自评小结"):
        store.submit_self_assessment(1, "1-3-2", 90, 1.8, "  ", ZHONGJIAO)

    # 2. Evidence: the right types, by content hash; wrong type, fake content and oversize refused.
    eid = evaluation.store_evidence(store, 1, "1-3-1", "帮扶协议.pdf", PDF, ZHONGJIAO)
    evaluation.store_evidence(store, 1, "1-3-1", "现场照片.png", PNG, Actor("section", "中教科", "zj2"))
    assert evaluation.read_evidence(store, eid) == ("帮扶协议.pdf", "application/pdf", PDF)
    for name, data, message in [
        ("病毒.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("假的.pdf", b"<html><script>alert(1)</script>", "文件内容与扩展名不符"),
        ("空.pdf", b"", "文件是空的"),
    ]:
        with pytest.raises(StoreError, match=message):
            evaluation.store_evidence(store, 1, "1-3-1", name, data, ZHONGJIAO)
    with pytest.raises(StoreError, match="不是 1-1-1 的责任科室"):
        evaluation.store_evidence(store, 1, "1-1-1", "x.pdf", PDF, ZHONGJIAO)
    assert store.scalar("SELECT count(*) FROM evidence") == 2

    # 3. Sign-off by the target's leader (or the office on paper's behalf).
    with pytest.raises(StoreError, match="只有分管领导可以审签"):
        store.sign_self_assessment(1, "1-3-1", LIN)
    store.sign_self_assessment(1, "1-3-1", CAI)
    store.sign_self_assessment(1, "1-3-3", OFFICE)
    done = evaluation.assessments(store, 1).set_index("code")
    assert done.loc["1-3-1", "signed_by"] == "蔡玉霖" and done.loc["1-3-1", "evidence"] == 2
    assert done.loc["1-3-3", "signed_by"] == "绩效办（代录）"
    # Resubmitting clears the signature: a changed text needs a new one.
    store.submit_self_assessment(1, "1-3-3", 92, 0.92, "补充：第8所试点已批复。", ZHONGJIAO)
    assert pd.isna(evaluation.assessments(store, 1).set_index("code").loc["1-3-3", "signed_by"])

    # 4. The board.
    state = queries.target_state(store, 1, AS_OF, 2025)
    board = evaluation.board(state, evaluation.assessments(store, 1)).set_index("section")
    assert board.loc["中教科"].to_dict() | {} == {
        "targets": 3,
        "assessed": 2,
        "evidenced": 1,
        "signed": 1,
        "complete": False,
    }
    assert evaluation.self_assessment_deadline(queries.plan_calendar(store, 1), 2025) == date(2025, 12, 30)

    # 5. The office evaluates: a changed score needs a reason.
    with pytest.raises(StoreError, match="请填写理由"):
        store.evaluate(1, "1-3-1", 1.5, "", 1.9, OFFICE)
    with pytest.raises(StoreError, match="只有绩效办可以评定得分"):
        store.evaluate(1, "1-3-1", 2, "", 1.9, ZHONGJIAO)
    store.evaluate(1, "1-3-1", 1.5, "察访核验：1所结对未开展活动", 1.9, OFFICE)
    store.evaluate(1, "1-3-3", 0.92, "", 0.92, OFFICE)
    store.add_adjustment(1, "bonus", 0.5, "创新成果获省级推广", OFFICE)
    iid = store.add_innovation(1, "“泉家育福”家校协同平台", "省级", "资源中心", "覆盖500所学校", OFFICE)
    store.select_innovation(iid, True, OFFICE)

    sheet = official.score_sheet(store, 1, state, AS_OF, scoring.Rules())
    rows = sheet.rows.set_index("code")
    assert rows.loc["1-3-1", "final_score"] == 1.5
    assert rows.loc["6-5", "computed_score"] == 3.0  # a selected innovation completes 6-5
    by_code = sheet.result.targets.set_index("code")["score"]
    assert by_code["1-3-1"] == 1.5 and by_code["1-3-3"] == 0.92 and by_code["6-5"] == 3.0
    plain = scoring.score(state, completion={"6-5": 100.0}).targets.set_index("code")["score"]
    assert sheet.result.total == pytest.approx(plain.sum() - plain["1-3-1"] + 1.5 - plain["1-3-3"] + 0.92 + 0.5)

    # 6. Lock: sections can change nothing; the office still can, with the audit trail.
    store.set_lock(1, True, OFFICE)
    for write in (
        lambda: store.submit_self_assessment(1, "1-3-2", 90, 1.8, "晚交", ZHONGJIAO),
        lambda: store.add_progress(
            1, [ProgressRow("1-3-2", date(2025, 12, 5), 95, "推进中")], ZHONGJIAO, today=date(2025, 12, 31)
        ),
        lambda: evaluation.store_evidence(store, 1, "1-3-2", "晚到.pdf", PDF, ZHONGJIAO),
        lambda: store.sign_self_assessment(1, "1-3-1", CAI),
    ):
        with pytest.raises(StoreError, match="已由绩效办锁定"):
            write()
    store.evaluate(1, "1-3-1", 1.6, "复核后调整", 1.9, OFFICE)
    log = queries.audit_log(store)
    assert list(log["action"][:2]) == ["评定得分", "锁定年度"]

    # 7. The report, re-read: the same numbers as the score CLI.
    store.set_report_notes(1, "个别目标推进滞后。", "加强督办，按月通报。", OFFICE)
    data, result = evaluation_report.build(store, 1, AS_OF)
    back = evaluation_report.read_totals(data)
    assert f"年度绩效目标考评得分{result.total:.2f}分，等次为{result.grade}" in back["text"]
    assert back["total"] == round(result.total, 2)
    assert back["groups"]["职能工作"] == round(result.groups["职能工作"], 2)
    assert "个别目标推进滞后" in back["text"] and "加强督办" in back["text"]
    assert "本年度考评尚未锁定" not in back["text"]  # locked in step 6
    target_rows = back["targets"].set_index("编号")
    assert len(target_rows) == 61
    assert target_rows.loc["1-3-1", "得分"] == "1.60"  # two decimals, as every score in the report
    assert target_rows.loc["1-3-1", "年度工作目标"].endswith("（评定说明：复核后调整）")
    store.close()
    db = store.path
    cli = run_cli("score", "--db", db, "--json").as_json()
    assert cli["total"] == round(result.total, 2)
    assert cli["groups"]["职能工作"] == round(result.groups["职能工作"], 2)
    out = run_cli("report", "--db", db, "--out", str(tmp_path / "r.docx"))
    assert out.code == 0, out.err
    assert f"总分 {result.total:.2f}" in out.out
    again = evaluation_report.read_totals((tmp_path / "r.docx").read_bytes())
    assert again["groups"] == back["groups"]
    sheet_xlsx = load_workbook(tmp_path / "r.xlsx")
    totals = {r[1]: r[4] for r in sheet_xlsx["自评表"].iter_rows(min_row=3, values_only=True) if r[0] is None}
    assert totals["总分"] == round(result.total, 2)


def test_oversize_evidence_is_refused(store, monkeypatch):
    monkeypatch.setattr(evaluation, "MAX_EVIDENCE_BYTES", 1024)
    with pytest.raises(StoreError, match="超过"):
        evaluation.store_evidence(store, 1, "1-3-1", "大.pdf", PDF + b"0" * 2000, ZHONGJIAO)
    assert store.scalar("SELECT count(*) FROM evidence") == 0


def test_innovations_and_survey_samples(store):
    with pytest.raises(StoreError, match="科室只能申报本科室"):
        store.add_innovation(1, "x", "市级", "资源中心", "y", ZHONGJIAO)
    store.add_innovation(1, "科学教育特色校", "市级", "中教科", "20所", ZHONGJIAO)
    assert evaluation.innovation_completion(store, 1) is None  # not selected yet
    store.add_survey_sample(1, "王老师", "泉州五中", "学校", "=1+1", "中教科", "", ZHONGJIAO)
    with pytest.raises(StoreError, match="科室只能登记本科室"):
        store.add_survey_sample(1, "李", "x", "家长", "1", "校安科", "", ZHONGJIAO)
    wb = load_workbook(io.BytesIO(exports.survey_samples_xlsx(queries.survey_samples(store, 1))))
    ws = wb["公众评议样本"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][1] == "王老师" and rows[2][4] == "=1+1"  # under title and header: shown as typed
    assert ws.cell(3, 5).data_type == "s" and ws.cell(3, 5).quotePrefix  # and never a formula


# -- pages -----------------------------------------------------------------------------------------


def test_self_assessment_page_submit_then_sign(db):
    at = signed_in("pages/self_assessment.py", "section", "中教科").run()
    assert not at.exception
    assert (
        at.selectbox(key="sa_code").options == ["1-3-1 有序扩大优质普通高中资源总量…"]
        or at.selectbox(key="sa_code").value == "1-3-1"
    )
    item = at.selectbox(key="ev_item_1-3-1")  # an upload may go under an item of the 佐证清单
    assert (
        item.value is None
        and item.options[0] == "暂不归类"
        and item.options[-1].endswith("工作完成情况说明（已有 0 份）")
    )
    at.text_area(key="sa_summary_1-3-1").input("帮扶12所县域高中。")
    next(b for b in at.button if b.label == "提交自评").click().run()
    assert not at.exception
    assert any("已提交 1-3-1 的自评" in s.value for s in at.success)
    leader = signed_in("pages/self_assessment.py", "leader", "蔡玉霖").run()
    assert not leader.exception
    leader.button(key="sign_1-3-1").click().run()
    assert any("已审签 1-3-1" in s.value for s in leader.success)
    s = Store(db)
    try:
        assert evaluation.assessments(s, 1).set_index("code").loc["1-3-1", "signed_by"] == "蔡玉霖"
    finally:
        s.close()


def test_evaluation_page_saves_scores_and_locks(db):
    at = signed_in("pages/evaluation.py").run()
    assert not at.exception
    assert [b.label for b in at.download_button][-3:] == [
        "下载绩效评估报告（Word）",
        "下载自评表（Excel）",
        "下载量化指标完成情况（Excel）",
    ]
    editor = next(d for d in at.dataframe if "final_score" in d.value.columns).value
    row = list(editor["code"]).index("6-2")
    at.session_state["eval_editor"] = {
        "edited_rows": {row: {"final_score": 0.2, "reason": "察访核验发现问题"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="save_evaluation").click().run()
    assert not at.exception
    assert any("已保存全部评定得分" in s.value for s in at.success)
    at.button(key="lock").click().run()
    assert any("已锁定本年度" in s.value for s in at.success)
    s = Store(db)
    try:
        assert evaluation.final_scores(s, 1)["6-2"] == 0.2
        assert s.locked(1)
        assert len(evaluation.final_scores(s, 1)) == 61
    finally:
        s.close()
    section = signed_in("pages/evaluation.py", "section", "中教科").run()
    assert any("综合评估由绩效办进行" in i.value for i in section.info)
