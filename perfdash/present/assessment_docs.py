"""《内设科室绩效考评结果》 as the office hands it in: a Word document in the 公文 style
(perfdash.present.officedoc) and a print-ready Excel file (perfdash.core.excel), both from one
``Standing`` (workflows.assessment's result with the unit, the schemes and the adjustments' reasons),
so every number in them is the one ``assessment.assess`` gives and the page shows. Also the
二级绩效管理 paragraph the 绩效评估报告 states for its target 5-6 (``report_paragraph``).

Ranks and grades are within a group (分类考评); results not yet locked by the office are marked
预估 in the title, and a plan holding the demo history says 演示数据, as the report does."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pandas as pd
from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from perfdash.core import fmt
from perfdash.core.excel import Band, Column, book_bytes, new_book, print_table
from perfdash.core.settings import DEMO_LABEL
from perfdash.db import queries
from perfdash.db.database import Database
from perfdash.present import officedoc as od
from perfdash.workflows import assessment
from perfdash.workflows.assessment import PART_LABELS, PROVISIONAL, Scheme

TITLE = "内设科室绩效考评结果"
MAIN_PARTS = ("completion", "process", "year_end", "innovation")  # always shown; 领导评价 only when weighed
TYPE_AREA_MM = 156  # A4 less the 公文 margins (28 + 26 mm)
# The Word table's fixed columns (mm, 五号, 1 mm cell margins): 名次, the parts ("56.40"), 调整分 and
# 合计 ("-10.00", "100.00"), 等次 (不合格); 科室 takes the rest. LibreOffice's digits are wide: measured.
RANK_MM, PART_MM, ADJUST_MM, TOTAL_MM, GRADE_MM = 10, 14, 15, 15, 13
CELL_MARGIN_TWIPS = 57  # 1 mm each side (Word's default is 1.9 mm)
HEADERS = {  # the parts' headers, broken where a reader expects on a narrow column
    "completion": "目标\n完成",
    "process": "过程\n管理",
    "year_end": "年终\n评估",
    "innovation": "创新与\n加减分",
    "leader": "领导\n评价",
}


@dataclass(frozen=True)
class Standing:
    """What the documents state: the plan's unit and year, the assessment (locked snapshot or
    预估), each group's scheme ('' = the default) and the adjustments in force with their reasons
    (assessment.adjustments), and whether the plan's progress is the demo history."""

    unit: str
    year: int
    result: assessment.Result
    schemes: dict[str, Scheme]
    adjustments: pd.DataFrame
    demo: bool = False

    def scheme(self, group: str) -> Scheme:
        return self.schemes.get(group, self.schemes.get("", Scheme()))

    def groups(self) -> list[tuple[str, pd.DataFrame]]:
        """Each group with its sections, in the result's order (by rank within the group)."""
        table = self.result.table
        return [(str(g), table[table["group"] == g]) for g in table["group"].drop_duplicates()]

    def parts(self, group: str | None = None) -> list[str]:
        """The parts shown (of one group, or of all): the four main ones, and 领导评价 when a
        scheme weighs it or a section has points in it."""
        groups = [(g, rows) for g, rows in self.groups() if group is None or g == group]
        weighed = any(self.scheme(g).leader or (rows["leader"].astype(float) != 0).any() for g, rows in groups)
        return [*MAIN_PARTS, *(["leader"] if weighed else [])]


def gather(store: Database, plan_id: int, as_of: date) -> Standing:
    """The standing of every section on ``as_of`` (the locked snapshot when the office locked it)."""
    plan = queries.plans(store).set_index("plan_id").loc[plan_id]
    year = int(plan["year"])
    return Standing(
        unit=str(plan["unit"]),
        year=year,
        result=assessment.assess(store, plan_id, as_of, year),
        schemes=assessment.schemes(store, plan_id),
        adjustments=assessment.adjustments(store, plan_id),
        demo=queries.is_demo(plan),
    )


def title(s: Standing) -> str:
    """泉州市教育局2025年度内设科室绩效考评结果, with （预估） before the lock and （演示数据） for demo data."""
    return (
        f"{s.unit}{s.year}年度{TITLE}"
        + (f"（{PROVISIONAL}）" if s.result.provisional else "")
        + (f"（{DEMO_LABEL}）" if s.demo else "")
    )


def status_line(s: Standing) -> str:
    """Whether the results are final: locked (by whom, when) or 预估."""
    r = s.result
    if r.locked:
        when = fmt.long_day(r.locked_at) if r.locked_at else ""
        return f"考评结果已由{r.locked_by}于{when}锁定（统计截至{fmt.long_day(r.as_of)}），锁定后不再随数据变化。"
    return (
        f"以上为{PROVISIONAL}结果：考评结果尚未锁定，随进度填报、核验和绩效办的调整而变化，"
        "最终以绩效办锁定后的结果为准。"
    )


def signed(points: float) -> str:
    """An adjustment with its sign: +2.00, -1.50, 0.00."""
    return ("+" if round(float(points), 2) > 0 else "") + fmt.score(points)


def grade_counts(s: Standing, rows: pd.DataFrame | None = None) -> str:
    """优秀2个、良好5个 — in the schemes' order of grades, leaving out grades nobody has."""
    rows = s.result.table if rows is None else rows
    order = list(dict.fromkeys(name for g, _ in s.groups() for name, _ in s.scheme(g).grades))
    counts = Counter(str(g) for g in rows["grade"])
    order += [g for g in counts if g not in order]
    return "、".join(f"{name}{counts[name]}个" for name in order if counts[name])


def weights(scheme: Scheme, parts: list[str]) -> str:
    """目标完成60、过程管理20、年终评估10、创新与加减分10."""
    return "、".join(f"{PART_LABELS[p]}{getattr(scheme, p):g}" for p in parts if p != "leader" or scheme.leader)


def scheme_lines(scheme: Scheme) -> list[str]:
    """The scheme explained as the page explains it, without the page's markdown."""
    return [re.sub(r"\*\*", "", line) for line in scheme.describe()]


def _ranked(groups: list) -> str:
    return ("各组内" if len(groups) > 1 else "") + "按合计排名、评定等次"


def _adjustments_of(s: Standing, sections: pd.Series) -> pd.DataFrame:
    adj = s.adjustments
    return adj[adj["section"].isin(set(sections))] if not adj.empty else adj


def _adjustment_text(row: object) -> str:
    when = pd.Timestamp(row.created_at).date() if pd.notna(row.created_at) else None  # type: ignore[attr-defined]
    return (
        f"{row.section}{signed(row.points)}分：{row.reason}"  # type: ignore[attr-defined]
        f"（{row.created_by}录入，{fmt.long_day(when)}）"  # type: ignore[attr-defined]
    )


# -- the Word document ---------------------------------------------------------------------------


def results_docx(s: Standing, issued: date | None = None) -> bytes:
    """《内设科室绩效考评结果》 (.docx): the title (预估 / 演示数据), 统计截至, who was assessed and
    how; 一、考评结果 per group — a table of the sections by rank with each part's points, the
    adjustment, total and grade, then the adjustments with their reasons; 二、考评办法 (each
    scheme as the page explains it); the 落款, dated ``issued`` (default: the data's date, as the
    report)."""
    r = s.result
    doc = od.new_document()
    head = title(s)
    od.para(doc, head, "公文标题")
    od.para(doc, f"（统计截至{fmt.long_day(r.as_of)}）", "公文副标题")
    props = doc.core_properties
    props.title = head
    props.comments = f"数据截至 {r.as_of.isoformat()}；{'已锁定' if r.locked else PROVISIONAL}"
    od.para(doc, "")
    groups = s.groups()
    sizes = "，".join(f"{g}{len(rows)}个" for g, rows in groups)
    who = (
        f"{len(r.table)}个内设科室（单位）统一考评"
        if len(groups) == 1
        else f"{len(r.table)}个内设科室（单位）分{len(groups)}组考评（{sizes}）"
    )
    od.para(
        doc,
        f"按照“坚持分类考评、奖优罚劣”的原则，{s.year}年度对{who}，{_ranked(groups)}。"
        + (f"等次分布：{grade_counts(s)}。" if len(r.table) else ""),
    )
    od.para(doc, status_line(s))
    od.para(doc, "一、考评结果", "一级标题")
    if not groups:
        od.para(doc, "本方案尚无可考评的科室。")
    for n, (group, rows) in enumerate(groups, start=1):
        scheme = s.scheme(group)
        od.para(doc, f"（{fmt.cn_number(n)}）{group}", "二级标题")
        top = "、".join(rows.loc[rows["rank"] == 1, "section"].astype(str))
        od.para(
            doc,
            f"本组{len(rows)}个科室，满分{scheme.full_marks:g}（{weights(scheme, s.parts(group))}）；第一名{top}，"
            f"合计{fmt.score(rows['total'].iloc[0])}分；{grade_counts(s, rows)}。",
        )
        _results_table(doc, rows, s.parts(group))
        adjusted = _adjustments_of(s, rows["section"])
        if adjusted.empty:
            od.para(doc, "本组无调整事项。")
        else:
            od.para(doc, "调整事项及理由：")
            for k, row in enumerate(adjusted.itertuples(), start=1):
                od.para(doc, f"{k}.{_adjustment_text(row)}")
    od.para(doc, "二、考评办法", "一级标题")
    used: dict[str, list[str]] = {}
    for group, _ in groups:
        used.setdefault(s.scheme(group).to_json(), []).append(group)
    for n, names in enumerate(used.values(), start=1):
        if len(used) > 1:
            od.para(doc, f"（{fmt.cn_number(n)}）适用于{'、'.join(names)}", "二级标题")
        for line in scheme_lines(s.scheme(names[0])):
            od.para(doc, line)
    od.para(doc, "名次按组内合计从高到低排列，合计相同的名次并列。")
    od.signature(doc, s.unit, issued or r.as_of)
    return od.to_bytes(doc)


def _results_table(doc: DocumentObject, rows: pd.DataFrame, parts: list[str]) -> None:
    header = ["名次", "科室", *(HEADERS[p] for p in parts), "调整分", "合计", "等次"]
    fixed = RANK_MM + PART_MM * len(parts) + ADJUST_MM + TOTAL_MM + GRADE_MM
    widths = [RANK_MM, TYPE_AREA_MM - fixed, *([PART_MM] * len(parts)), ADJUST_MM, TOTAL_MM, GRADE_MM]
    body = [
        [
            str(int(r.rank)),
            str(r.section),
            *(fmt.score(float(getattr(r, p))) for p in parts),
            signed(r.adjustment),
            fmt.score(r.total),
            str(r.grade),
        ]
        for r in rows.itertuples()
    ]
    table = od.table(doc, header, widths, body, numeric=[0, *range(2, len(header))])
    margins = parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:left w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/>'
        f'<w:right w:w="{CELL_MARGIN_TWIPS}" w:type="dxa"/></w:tblCellMar>'
    )
    # Narrower than Word's default, so "100.00" fits 15 mm; in the schema's place (before tblLook),
    # where Word expects it.
    pr = table._tbl.tblPr
    after = [pr.find(qn(f"w:{tag}")) for tag in ("tblLook", "tblCaption", "tblDescription")]
    following = next((e for e in after if e is not None), None)
    if following is None:
        pr.append(margins)
    else:
        following.addprevious(margins)


def read_results(data: bytes) -> pd.DataFrame:
    """Read a generated document back: every section's row of the group tables (columns as headed,
    a header's line breaks dropped), with its group."""
    import io

    from docx import Document

    doc = Document(io.BytesIO(data))
    groups = [p.text.split("）", 1)[1] for p in doc.paragraphs if p.style.name == "二级标题" and "适用于" not in p.text]
    frames = []
    for group, t in zip(groups, doc.tables, strict=False):
        header = [c.text.replace("\n", "") for c in t.rows[0].cells]
        rows = [[c.text for c in row.cells] for row in t.rows[1:]]
        frame = pd.DataFrame(rows, columns=header)
        frame.insert(0, "分组", group)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# -- the Excel file ------------------------------------------------------------------------------


def results_xlsx(s: Standing) -> bytes:
    """The same results as a print-ready sheet (A4 landscape, one page wide, title and header on
    every page): per group a heading with its scheme's weights, then the sections by rank with each
    part's points, the adjustment, total and grade; the adjustments with their reasons on a
    second sheet."""
    r = s.result
    parts = s.parts()
    stamp = f"统计截至 {fmt.day(r.as_of)}"
    subtitle = re.sub(r"^以上为", "本表为", status_line(s))
    wb = new_book()
    rows: list[list[object] | Band] = []
    for group, part in s.groups():
        scheme = s.scheme(group)
        rows.append(Band(f"{group}（{len(part)}个科室；满分{scheme.full_marks:g}：{weights(scheme, parts)}）"))
        rows += [
            [
                int(t.rank),
                str(t.section),
                *(round(float(getattr(t, p)), 2) for p in parts),
                round(float(t.adjustment), 2),
                round(float(t.total), 2),
                str(t.grade),
            ]
            for t in part.itertuples()
        ]
    print_table(
        wb.create_sheet("考评结果"),
        title(s).removesuffix(f"（{DEMO_LABEL}）"),  # print_table adds it
        (
            Column("名次", 6, "int"),
            Column("科室", 24, grow=True),
            *(Column(PART_LABELS[p], 13 if p == "innovation" else 10, "score", grow=True) for p in parts),
            Column("调整分", 9, "score"),
            Column("合计", 9, "score"),
            Column("等次", 8, "code"),
        ),
        rows,
        unit=s.unit,
        stamp=stamp,
        subtitle=subtitle,
        freeze_columns=2,
        demo=s.demo,
    )
    group_of = dict(zip(r.table["section"], r.table["group"], strict=True))
    adjusted = s.adjustments[s.adjustments["section"].isin(set(group_of))] if not s.adjustments.empty else None
    lines: list[list[object] | Band] = (
        [Band("无调整事项")]
        if adjusted is None or adjusted.empty
        else [
            [
                n,
                str(a.section),
                str(group_of[a.section]),
                round(float(a.points), 2),
                str(a.reason),
                str(a.created_by),
                pd.Timestamp(a.created_at).date() if pd.notna(a.created_at) else None,
            ]
            for n, a in enumerate(adjusted.itertuples(), start=1)
        ]
    )
    print_table(
        wb.create_sheet("调整事项"),
        f"{s.unit}{s.year}年度内设科室绩效考评调整事项" + (f"（{PROVISIONAL}）" if r.provisional else ""),
        (
            Column("序号", 6, "int"),
            Column("科室", 18),
            Column("分组", 12),
            Column("调整分", 9, "score"),
            Column("理由", 60, grow=True),
            Column("录入人", 10, "code"),
            Column("录入日期", 11, "date"),
        ),
        lines,
        unit=s.unit,
        stamp=stamp,
        demo=s.demo,
    )
    return book_bytes(wb)


# -- the report's paragraph ----------------------------------------------------------------------


def report_paragraph(s: Standing) -> str:
    """The 绩效评估报告's paragraph on 二级绩效管理 (target 5-6): how many sections in how many
    groups, the scheme in one sentence, the first of each group, the grades, and whether the
    results are locked or 预估. Every score with two decimals, as the report writes them."""
    r = s.result
    groups = s.groups()
    if not groups:
        return ""
    parts = s.parts()
    if len(groups) == 1:
        who = f"{len(r.table)}个内设科室（单位）统一考评"
    else:
        who = (
            f"{len(r.table)}个内设科室（单位）分{len(groups)}组考评（{'、'.join(f'{g}{len(t)}个' for g, t in groups)}）"
        )
    schemes = {s.scheme(g).to_json(): g for g, _ in groups}
    if len(schemes) == 1:
        scheme = s.scheme(groups[0][0])
        how = (
            f"考评方案由{'、'.join(PART_LABELS[p] for p in parts)}组成"
            f"（满分依次为{'、'.join(f'{getattr(scheme, p):g}' for p in parts)}，合计{scheme.full_marks:g}）"
        )
    else:
        how = "考评方案按组设定（" + "；".join(f"{g}：{weights(s.scheme(g), parts)}" for g in schemes.values()) + "）"
    firsts = []
    for group, rows in groups:
        top = rows[rows["rank"] == 1]
        names = "、".join(top["section"].astype(str)) + ("（并列）" if len(top) > 1 else "")
        where = "" if len(groups) == 1 else group
        firsts.append(f"{where}第一名为{names}（{fmt.score(top['total'].iloc[0])}分）")
    when = (
        f"截至{fmt.long_day(r.as_of)}的{PROVISIONAL}结果（尚未锁定，以绩效办锁定后的结果为准）"
        if r.provisional
        else f"{fmt.long_day(r.locked_at) if r.locked_at else ''}锁定的结果（统计截至{fmt.long_day(r.as_of)}）"
    )
    return (
        f"二级绩效管理方面，我局坚持分类考评、奖优罚劣，对{who}，{how}，另计绩效办调整分（须写明理由），"
        f"{_ranked(groups)}。{when}：{'；'.join(firsts)}；等次分布为{grade_counts(s)}。"
    )
