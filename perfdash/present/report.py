"""The 绩效评估报告 as a Word document (python-docx): the score and grade, the groups against
70/20/4/4/1/1, every target's scores, the sections' summaries, problems and measures."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from perfdash.db import queries
from perfdash.db.database import Database
from perfdash.workflows import evaluation, scoring

FONT = "宋体"


def _font(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # Chinese text needs the east-Asian font set too


def _table(doc: Document, header: list[str], rows: list[list[object]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = _text(value)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def evaluation_report(
    store: Database, plan_id: int, as_of: date, rules: scoring.Rules | None = None
) -> tuple[bytes, scoring.Score]:
    """The report as .docx bytes, and the score it states (the same the score CLI prints)."""
    rules = rules or scoring.Rules()
    plan = queries.plans(store).set_index("plan_id").loc[plan_id]
    year = int(plan["year"])
    state = queries.target_state(store, plan_id, as_of, year)
    sheet = evaluation.sheet(store, plan_id, state, rules, as_of)
    result = sheet.result
    reasons = store.query("SELECT code, reason FROM evaluations WHERE plan_id = $p", {"p": plan_id})
    reason = dict(zip(reasons["code"], reasons["reason"], strict=True))
    notes = store.query("SELECT problems, measures FROM report_notes WHERE plan_id = $p", {"p": plan_id})
    locked = store.locked(plan_id)

    doc = Document()
    _font(doc)
    title = doc.add_heading(f"{plan['unit']}{year}年度绩效评估报告", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        f"统计截至 {as_of.isoformat()}；{'年度已锁定' if locked else '年度尚未锁定（草稿）'}；"
        f"计分规则：{scoring.RULE_LABELS[rules.rule]}。"
    )

    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(
        f"年度绩效目标考评得分 {result.total:.2f} 分，等次：{result.grade}。"
        f"其中目标得分 {sum(result.groups.values()):.2f} 分，加分 {result.bonus:g} 分，扣分 {result.deduction:g} 分"
        + ("，存在一票否决事项" if result.vetoed else "")
        + "。等次分界为 perfdash 默认设置（优秀 ≥ 90、良好 ≥ 80、一般 ≥ 60），以上级正式标准为准。"
    )

    doc.add_heading("二、分组得分", level=1)
    _table(
        doc,
        ["目标组", "应有分值", "得分"],
        [[g, float(p), round(result.groups.get(g, 0.0), 2)] for g, p in result.groups_possible.items()]
        + [["合计（不含加减分）", float(result.possible), round(sum(result.groups.values()), 2)]],
    )

    doc.add_heading("三、年度工作目标评分", level=1)
    rows = sheet.rows
    final = result.targets.set_index("code")["score"]
    _table(
        doc,
        ["编号", "分值", "完成率", "自评得分", "评定得分", "理由"],
        [
            [
                r.code,
                r.points,
                f"{r.completion_pct:.0f}%",
                r.proposed_score,
                round(float(final[r.code]), 2),
                reason.get(r.code, ""),
            ]
            for r in rows.itertuples()
        ],
    )

    doc.add_heading("四、各科室自评小结", level=1)
    done = evaluation.assessments(store, plan_id)
    if done.empty:
        doc.add_paragraph("尚无科室提交自评。")
    else:
        lead = state.set_index("code")["lead_section"]
        done = done.assign(section=done["code"].map(lead))
        for section, part in done.groupby("section", sort=False):
            doc.add_heading(str(section), level=2)
            for r in part.itertuples():
                signed = f"（{r.signed_by} 审签）" if isinstance(r.signed_by, str) and r.signed_by else "（未审签）"
                doc.add_paragraph(f"{r.code}：{r.summary}{signed}", style="List Bullet")

    doc.add_heading("五、存在问题", level=1)
    doc.add_paragraph(
        notes.iloc[0]["problems"] if not notes.empty and notes.iloc[0]["problems"] else "（待绩效办填写）"
    )
    doc.add_heading("六、改进措施", level=1)
    doc.add_paragraph(
        notes.iloc[0]["measures"] if not notes.empty and notes.iloc[0]["measures"] else "（待绩效办填写）"
    )
    doc.add_paragraph(f"生成时间：{datetime.now():%Y-%m-%d %H:%M}")

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue(), result


def read_totals(data: bytes) -> dict[str, object]:
    """Read a generated report back: the total and grade sentence and the group table."""
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    groups = {row.cells[0].text: float(row.cells[2].text) for row in doc.tables[0].rows[1:]}
    targets = pd.DataFrame(
        [[c.text for c in row.cells] for row in doc.tables[1].rows[1:]],
        columns=[c.text for c in doc.tables[1].rows[0].cells],
    )
    return {"text": text, "groups": groups, "targets": targets}
