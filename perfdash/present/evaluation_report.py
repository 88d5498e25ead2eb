"""The 绩效评估报告 as a Word document in the form of an official document (perfdash.present.officedoc):
一、总体情况 (score, grade, against 序时进度 and the previous year), 二、主要成效 by 目标组 and 一级指标
(each target with its points, completion, score and a short evidence note; under the target on
二级绩效管理 — 5-6 in the Quanzhou plan — a paragraph on the 内设科室绩效考评), 三、存在问题,
四、下一步措施 (the office's report notes), the 落款, and the 附件 table of every target.

Groups, indicators and their points come from the plan in the database, never from a fixed
structure. Scores and points are written with two decimals throughout (perfdash.core.fmt.score)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Pt

from perfdash.core import fmt
from perfdash.core.schedule import LATE_STATUSES, OVERDUE
from perfdash.core.settings import DEMO_LABEL
from perfdash.db import queries
from perfdash.db.database import Database
from perfdash.present import assessment_docs
from perfdash.present import officedoc as od
from perfdash.workflows import official, scoring, years

ANNEX_HEADER = ("编号", "年度工作目标", "牵头科室", "分值", "完成率", "得分")
ANNEX_WIDTHS_MM = (16, 68, 21, 17, 17, 17)  # the 156 mm type area; "100.00" takes 17 mm in 五号
NOTE_CHARS = 60  # a target's evidence note in 二、主要成效: its first sentence, at most this long
PENDING = "（待绩效办填写）"
SECOND_LEVEL = "二级绩效管理"  # the target (5-6) under which the report sums up the 内设科室绩效考评


@dataclass
class Facts:
    """Everything the report states, gathered once."""

    unit: str
    year: int
    as_of: date
    rules: scoring.Rules
    state: pd.DataFrame  # queries.target_state
    rows: pd.DataFrame  # one per target, plan order: the state's fields and the score counted
    result: scoring.Score
    locked: bool
    notes: dict[str, str]  # the office's problems and measures
    previous: years.YearResult | None  # the same unit's previous year, when in the database
    official: official.OfficialRules  # the plan's stored rules (the report's rules unless simulated)
    is_demo: bool = False  # the plan's progress is the generated demo history (演示数据), as the app's banner says
    second_level: tuple[str, str] | None = None  # (the 二级绩效管理 target's code, the paragraph under it)


def gather(store: Database, plan_id: int, as_of: date, rules: scoring.Rules | None = None) -> Facts:
    """Read the plan, its state as of ``as_of``, the year's score as the score CLI counts it (under
    the plan's stored rules unless ``rules`` simulate others), the evaluation's reasons, evidence
    and summaries, the office's notes and last year's score (under that year's own rules)."""
    stored = official.stored(store, plan_id)
    rules = rules if rules is not None else stored.rules
    plans = queries.plans(store)
    plan = plans.set_index("plan_id").loc[plan_id]
    unit, year = str(plan["unit"]), int(plan["year"])
    is_demo = queries.is_demo(plan)
    state = queries.target_state(store, plan_id, as_of, year)
    sheet = official.score_sheet(store, plan_id, state, as_of, rules)
    reasons = store.query("SELECT code, reason FROM evaluations WHERE plan_id = $p", {"p": plan_id})
    reason = dict(zip(reasons["code"], reasons["reason"], strict=True))
    scores = sheet.result.targets.set_index("code")["score"]
    rows = state.merge(sheet.rows[["code", "evidence", "note"]].rename(columns={"note": "summary"}), on="code")
    rows["score"] = rows["code"].map(scores).astype(float)
    rows["reason"] = [str(reason.get(c) or "") for c in rows["code"]]
    before = years.previous_plan(store, unit, year)
    previous = None if before is None else years.year_result(store, before)
    return Facts(
        unit=unit,
        year=year,
        as_of=as_of,
        rules=rules,
        state=state,
        rows=rows,
        result=sheet.result,
        locked=store.locked(plan_id),
        notes=queries.report_notes(store, plan_id),
        previous=previous,
        official=stored,
        is_demo=is_demo,
        second_level=second_level_paragraph(store, plan_id, state, as_of),
    )


def second_level_paragraph(store: Database, plan_id: int, state: pd.DataFrame, as_of: date) -> tuple[str, str] | None:
    """The paragraph on 二级绩效管理 (the sections' assessment, as the documents of
    assessment_docs state it) and the target it belongs under: the plan's first target that asks
    for 二级绩效管理. None when the plan has no such target or no section to assess."""
    anchor = next((str(c) for c, t in zip(state["code"], state["target"], strict=True) if SECOND_LEVEL in str(t)), None)
    if anchor is None:
        return None
    text = assessment_docs.report_paragraph(assessment_docs.gather(store, plan_id, as_of))
    return (anchor, text) if text else None


def build(
    store: Database,
    plan_id: int,
    as_of: date,
    rules: scoring.Rules | None = None,
    issued: date | None = None,
) -> tuple[bytes, scoring.Score]:
    """The report as .docx bytes, and the score it states (the same the score CLI prints).
    ``issued`` is the date of the 落款: by default the data's as-of date, not the day the file is
    made. A generated report is a draft of the data as of a date; dated by it, the page shows one
    date (the 落款 agrees with 统计截至 above it), and the same data give the same document. The
    office sets the issue date when it signs, in the document. When the file was made is in its
    properties (created, and a comment naming both dates). A plan whose progress is demo data
    says 演示数据 in the title, so no printout passes for a real report."""
    facts = gather(store, plan_id, as_of, rules)
    doc = od.new_document()
    title = report_title(facts)
    od.para(doc, title, "公文标题")
    od.para(doc, f"（统计截至{fmt.long_day(as_of)}）", "公文副标题")
    made = datetime.now()
    props = doc.core_properties
    props.title, props.created = title, made
    props.comments = f"数据截至 {as_of.isoformat()}；生成于 {made:%Y-%m-%d %H:%M}"
    od.para(doc, "")
    overall(doc, facts)
    achievements(doc, facts)
    problems(doc, facts)
    od.para(doc, "四、下一步措施", "一级标题")
    for text in _paragraphs(facts.notes.get("measures", "")) or [PENDING]:
        od.para(doc, text)
    od.para(doc, "")
    od.para(doc, f"附件：{annex_title(facts)}")
    od.signature(doc, facts.unit, issued or as_of)
    annex(doc, facts)
    return od.to_bytes(doc), facts.result


def report_title(facts: Facts) -> str:
    """The document's title: 泉州市教育局2025年度绩效评估报告, and （演示数据） after it for demo data."""
    return f"{facts.unit}{facts.year}年度绩效评估报告" + (f"（{DEMO_LABEL}）" if facts.is_demo else "")


def _band_source(facts: Facts) -> str:
    """Whose grade bands these are: the office's stored ones, provisional defaults, or a simulation's."""
    if facts.rules != facts.official.rules:
        return "模拟的分界"
    return "本局暂定分界" if facts.official.provisional else "绩效办设定的分界"


def _paragraphs(text: str) -> list[str]:
    """The office's text, one paragraph per line (only line ends split: str.splitlines would also
    split at Word's manual line break, which the document drops)."""
    return [line.strip() for line in re.split(r"\r\n|\r|\n", str(text or "")) if line.strip()]


def _groups(facts: Facts) -> list[tuple[str, pd.DataFrame]]:
    """The plan's groups in plan order, each with its targets."""
    rows = facts.rows
    return [(str(g), rows[rows["group"] == g]) for g in rows["group"].drop_duplicates()]


def overall(doc: DocumentObject, facts: Facts) -> None:
    """一、总体情况: the structure, progress against 序时进度, the score, the grade and last year."""
    r, rows = facts.result, facts.rows
    head = queries.headline(facts.state)
    od.para(doc, "一、总体情况", "一级标题")
    parts = "、".join(f"{g}{fmt.score(part['points'].sum())}分" for g, part in _groups(facts))
    done, late = int(head["done"]), int(head["late"])
    done_pct, expected_pct = round(head["completion_pct"]), round(head["expected_pct"])
    gap = fmt.shown_gap(head["completion_pct"], head["expected_pct"])
    versus = "与序时进度持平" if gap == 0 else f"{'高于' if gap > 0 else '低于'}序时进度{abs(gap)}个百分点"
    od.para(
        doc,
        f"{facts.year}年度，我局承担年度工作目标{len(rows)}项，总分值{fmt.score(rows['points'].sum())}分"
        f"（{parts}）。截至{fmt.long_day(facts.as_of)}，目标加权完成率{done_pct}%，序时进度{expected_pct}%，"
        f"{versus}；已完成{done}项，尚未完成{len(rows) - done}项，其中滞后{late}项"
        f"（含逾期未完成{int(head['overdue'])}项）。",
    )
    bands = "，".join(f"{name}≥{fmt.score(cut / 100 * r.possible)}分" for name, cut in facts.rules.bands if cut > 0)
    lowest = min(facts.rules.bands, key=lambda b: b[1])[0]
    od.para(
        doc,
        f"{scoring.RULE_LABELS[facts.rules.rule]}，年度绩效目标考评得分{fmt.score(r.total)}分，等次为{r.grade}。"
        f"其中目标得分{fmt.score(rows['score'].sum())}分，加分{fmt.score(r.bonus)}分，扣分{fmt.score(r.deduction)}分"
        + (f"，存在一票否决事项，等次不高于{facts.rules.veto_grade}" if r.vetoed else "")
        + f"。等次按{_band_source(facts)}（{bands}，以下为{lowest}）确定"
        + ("，以上级正式公布的标准为准。" if facts.official.provisional else "。"),
    )
    if facts.previous:
        last = facts.previous
        year = last.year
        change = round(r.total, 2) - round(last.total, 2)
        trend = "持平" if change == 0 else f"{'提高' if change > 0 else '降低'}{fmt.score(abs(change))}分"
        when = "" if last.final else f"（截至{fmt.long_day(last.as_of)}）"
        od.para(doc, f"{year}年度考评得分{fmt.score(last.total)}分{when}，等次为{last.grade}；本年度较上年{trend}。")
    if not facts.locked:
        od.para(doc, "本年度考评尚未锁定，以上为锁定前的统计结果，最终以绩效办锁定后的评定为准。")


def _note(row: object) -> str:
    """A target's short evidence note: the first sentence of its self-assessment summary (else of
    its latest progress note), and how many evidence files back it."""
    text = str(getattr(row, "summary", "") or "") or str(getattr(row, "note", "") or "")
    text = text if text not in ("nan", "None") else ""
    first = re.split(r"(?<=[。；！？])", text.strip(), maxsplit=1)[0].strip()
    if len(first) > NOTE_CHARS:
        first = first[: NOTE_CHARS - 1] + "…"
    if first and first[-1] not in "。；！？…":
        first += "。"
    files = int(getattr(row, "evidence", 0) or 0)
    return first + (f"佐证材料{files}份。" if files else "")


def achievements(doc: DocumentObject, facts: Facts) -> None:
    """二、主要成效: per 目标组 and 一级指标, each target's points, completion, score and note."""
    od.para(doc, "二、主要成效", "一级标题")
    for g, (group, part) in enumerate(_groups(facts), start=1):
        points, got = part["points"].sum(), part["score"].sum()
        rate = fmt.pct(got / points * 100) if points else "—"
        od.para(doc, f"（{fmt.cn_number(g)}）{group}", "二级标题")
        od.para(doc, f"{group}共{len(part)}项目标，分值{fmt.score(points)}分，得分{fmt.score(got)}分，得分率{rate}。")
        indicators = list(part["indicator_code"].drop_duplicates())
        for i, code in enumerate(indicators, start=1):
            targets = part[part["indicator_code"] == code]
            name = str(targets["indicator"].iloc[0])
            if not (len(indicators) == 1 and name == group):  # 精神文明 is its own only indicator
                od.para(
                    doc,
                    f"{i}.{name}（分值{fmt.score(targets['points'].sum())}分，"
                    f"得分{fmt.score(targets['score'].sum())}分）",
                    "三级标题",
                )
            for k, t in enumerate(targets.itertuples(), start=1):
                od.para(
                    doc,
                    f"（{k}）{t.target}（{t.code}：分值{fmt.score(t.points)}分，"
                    f"完成率{fmt.pct(t.completion_pct)}，得分{fmt.score(t.score)}分）{_note(t)}",
                )
                if facts.second_level and facts.second_level[0] == t.code:
                    od.para(doc, facts.second_level[1])


def problems(doc: DocumentObject, facts: Facts) -> None:
    """三、存在问题: the targets behind schedule (from the data), then the office's own account."""
    rows = facts.rows
    od.para(doc, "三、存在问题", "一级标题")
    lost = rows["points"].sum() - rows["score"].sum()
    behind = rows[rows["lag_status"].isin(LATE_STATUSES)]
    od.para(
        doc,
        f"截至{fmt.long_day(facts.as_of)}，尚有{int((rows['completion_pct'] < 100).sum())}项目标未全部完成，"
        f"目标失分{fmt.score(lost)}分；落后于序时进度的目标{len(behind)}项" + ("：" if len(behind) else "。"),
    )
    for k, t in enumerate(behind.itertuples(), start=1):
        late = "，已逾期" if t.lag_status == OVERDUE else ""
        od.para(
            doc,
            f"（{k}）{t.target}（{t.code}，{t.lead_section}牵头：完成率{fmt.pct(t.completion_pct)}，"
            f"序时进度{fmt.pct(t.expected_pct)}{late}）",
        )
    for text in _paragraphs(facts.notes.get("problems", "")) or [PENDING]:
        od.para(doc, text)


def annex_title(facts: Facts) -> str:
    return f"{facts.unit}{facts.year}年度绩效目标完成情况表"


def annex(doc: DocumentObject, facts: Facts) -> None:
    """附件: every target by group, its points, completion and score (the office's reason for a score
    it set below the target's text), with the group subtotals, adjustments, total and grade."""
    r = facts.result
    od.page_break(doc)
    head = od.para(doc, "附件", "一级标题")
    head.paragraph_format.first_line_indent = Pt(0)
    od.para(doc, annex_title(facts), "公文标题")
    od.para(doc, "")
    rows: list[list[str] | str] = []
    for g, (group, part) in enumerate(_groups(facts), start=1):
        rows.append(f"{fmt.cn_number(g)}、{group}")
        rows += [
            [
                t.code,
                str(t.target) + (f"\n（评定说明：{t.reason}）" if t.reason else ""),
                str(t.lead_section),
                fmt.score(t.points),
                fmt.pct(t.completion_pct),
                fmt.score(t.score),
            ]
            for t in part.itertuples()
        ]
    for group, part in _groups(facts):
        rows.append(["", f"{group} 小计", "", fmt.score(part["points"].sum()), "", fmt.score(part["score"].sum())])
    total_points, total_score = facts.rows["points"].sum(), facts.rows["score"].sum()
    rows += [
        ["", "目标得分合计", "", fmt.score(total_points), "", fmt.score(total_score)],
        ["", "加分", "", "", "", fmt.score(r.bonus)],
        ["", "扣分", "", "", "", fmt.score(r.deduction)],
        ["", "总分", "", "", "", fmt.score(r.total)],
        ["", f"等次（按{_band_source(facts)}）", "", "", "", r.grade],
    ]
    od.table(doc, ANNEX_HEADER, ANNEX_WIDTHS_MM, rows, numeric=(0, 3, 4, 5))


def read_totals(data: bytes) -> dict[str, object]:
    """Read a generated report back: its text, the group subtotals and total of the 附件 table, and
    the table's target rows (columns as headed)."""
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    table = doc.tables[-1]
    header = [c.text for c in table.rows[0].cells]
    cells = [[c.text for c in row.cells] for row in table.rows[1:]]
    body = [row for row in cells if len(set(row)) > 1]  # a group heading spans the row
    targets = pd.DataFrame([row for row in body if row[0]], columns=header)
    groups = {row[1].removesuffix(" 小计"): float(row[5]) for row in body if not row[0] and row[1].endswith(" 小计")}
    total = next(float(row[5]) for row in body if not row[0] and row[1] == "总分")
    return {"text": text, "groups": groups, "total": total, "targets": targets}
