"""The Word reader (perfdash.plan.docx) on documents built by code: a 考评表 split over several Word
tables is read as one, a cell merged down gives its text to every row it spans on the grid, and
tracked changes read as accepted."""

from __future__ import annotations

import copy
import io
import itertools

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from perfdash.plan import read_plan_bytes
from perfdash.plan.docx import MAX_MERGED_CHARS, docx_document
from perfdash.plan.model import PlanError
from tests import plan_docs, plan_variants
from tests.fixtures import shipped_plan

SPLIT_AT = 30  # the Word row before which the 考评表 is cut in two
NOT_FOUND = (
    "方案.docx：Word 文件的表格中没有找到考评表：既没有目标编号（如 1-1-1），也没有“年度工作目标、分值”等表头。"
    "请确认上传的是方案附件中的考评表；如表格没有表头，请在第一行写上列名"
    "（编号、年度工作目标、分值、完成时限、责任科室、责任人、分管领导）"
)


def saved(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def page_break():
    p, r, br = OxmlElement("w:p"), OxmlElement("w:r"), OxmlElement("w:br")
    br.set(qn("w:type"), "page")
    r.append(br)
    p.append(r)
    return p


def section_break():
    p, ppr = OxmlElement("w:p"), OxmlElement("w:pPr")
    ppr.append(OxmlElement("w:sectPr"))
    p.append(ppr)
    return p


def split_word(data: bytes, at: int, repeat_header: bool = False, between=page_break) -> bytes:
    """The Word file with its 考评表 (its last table) cut in two before row ``at`` (0-based), as an
    office that pastes a table in parts leaves it: a page or section break between, the second
    table with the same grid, optionally starting with a copy of the first table's row 1. Cells
    that continued a vertical merge across the cut stay as they are (w:vMerge, no text)."""
    document = Document(io.BytesIO(data))
    tbl = document.element.body.findall(qn("w:tbl"))[-1]
    rows = tbl.findall(qn("w:tr"))
    second = copy.deepcopy(tbl)
    for tr in second.findall(qn("w:tr")):
        second.remove(tr)
    if repeat_header:
        second.append(copy.deepcopy(rows[0]))
    for tr in rows[at:]:
        second.append(tr)  # moved
    tbl.addnext(second)
    tbl.addnext(between())
    return saved(document)


def targets(data: bytes) -> list[dict]:
    return [t.as_dict() for t in read_plan_bytes("方案.docx", data).targets]


def header_plan() -> bytes:
    """The shipped plan's 61 targets in another layout: a header row (类别 | 一级指标 | 编号 | 年度工作
    目标 | 分值 | …), the group and the indicator merged down (tests.plan_docs.header_docx)."""
    plan = shipped_plan()
    rows = [dict(t.as_dict(), deadline_text=f"{t.deadline.month}月{t.deadline.day}日前") for t in plan.targets]
    points = {g.name: g.stated_points or sum(t.points for t in plan.targets if t.group == g.name) for g in plan.groups}
    return plan_docs.header_docx(plan.unit, plan.year, rows, points)


# -- a 考评表 split over several Word tables ------------------------------------------------------------------


@pytest.mark.parametrize("between", [page_break, section_break], ids=["page break", "section break"])
def test_a_plan_split_in_two_tables_reads_as_the_whole(between):
    whole = plan_docs.seed_docx()
    split = split_word(whole, SPLIT_AT, between=between)
    expected = targets(whole)
    assert len(expected) == 61
    assert targets(split) == expected

    one, two = docx_document("方案.docx", whole), docx_document("方案.docx", split)
    assert two.lines == one.lines and two.rows == one.rows
    assert one.origins is None
    assert len(two.origins) == len(two.rows) == 64
    assert two.origins[0] == "第1个表格第1行" and two.origins[SPLIT_AT - 1] == f"第1个表格第{SPLIT_AT}行"
    assert two.origins[SPLIT_AT] == "第2个表格第1行" and two.origins[-1] == f"第2个表格第{64 - SPLIT_AT}行"
    assert two.where(SPLIT_AT + 1) == "第2个表格第1行"
    # the category 重点工作目标 runs down from row 1 in the whole table; a merge does not cross the join
    assert (SPLIT_AT, 1) in one.merged and one.grid[SPLIT_AT][1] == one.grid[0][1]
    assert (SPLIT_AT, 1) not in two.merged and two.grid[SPLIT_AT][1] == ""
    assert two.grid[:SPLIT_AT] == one.grid[:SPLIT_AT]
    assert two.merged == {(r, c) for r, c in one.merged if r < SPLIT_AT or two.grid[r][c] == one.grid[r][c]}


@pytest.mark.parametrize("repeat_header", [True, False], ids=["header repeated", "header once"])
def test_a_plan_with_a_header_row_split_in_two_tables_reads_as_the_whole(repeat_header):
    whole = header_plan()
    split = split_word(whole, SPLIT_AT + 1, repeat_header=repeat_header)  # the header and 30 targets
    expected = targets(whole)
    assert len(expected) == 61
    assert targets(split) == expected

    one, two = docx_document("方案.docx", whole), docx_document("方案.docx", split)
    assert two.rows == one.rows and len(two.rows) == 63  # the header once, 61 targets, 合计
    assert two.origins[SPLIT_AT] == f"第1个表格第{SPLIT_AT + 1}行"
    # row 1 of the second table is the repeated header, read once
    assert two.origins[SPLIT_AT + 1] == f"第2个表格第{2 if repeat_header else 1}行"
    assert len(two.origins) == len(two.rows)
    # the group and indicator cells that continue a merge right below the repeated header take
    # nothing from it (nor across the join)
    assert two.grid[SPLIT_AT + 1][:2] == ["", ""] and not {(SPLIT_AT + 1, 0), (SPLIT_AT + 1, 1)} & two.merged
    assert one.grid[SPLIT_AT + 1][0] == one.grid[1][0] != ""


def test_the_last_row_of_the_table_alone_after_a_break_is_joined():
    """The 合计 row alone after a page break: no code, no header, as wide as the table before it."""
    whole = plan_docs.seed_docx()
    doc = docx_document("方案.docx", split_word(whole, 63))
    assert doc.rows == docx_document("方案.docx", whole).rows
    assert doc.origins[-1] == "第2个表格第1行" and doc.origins[-2] == "第1个表格第63行"


def test_tables_that_do_not_belong_are_left_out():
    """A cover table before the 考评表 stays in its prose; a table right after it that is not as
    wide, or one that some text separates from it, is not part of it."""
    _, rows = plan_docs.seed_document()
    grid = plan_docs.seed_grid(rows)
    document = Document()
    cover = [[("报送单位", 1), ("泉州市教育局", 9)], [("报送日期", 1), ("2025-03-01", 9)]]  # a date, not a code
    plan_docs.word_table(document, cover, merge_columns=())
    document.add_paragraph("泉州市教育局2025年度绩效目标考评表")
    plan_docs.word_table(document, grid)
    document.element.body.sectPr.addprevious(page_break())
    plan_docs.word_table(document, [[("联系人", 1), ("电话", 1)]], merge_columns=())  # right after, 2 columns
    document.add_paragraph("备注：以上目标由各科室负责落实。")
    plan_docs.word_table(document, [[("签名", 5), ("日期", 5)]], merge_columns=())  # 10 columns, after text
    doc = docx_document("方案.docx", saved(document))
    assert doc.lines[0].startswith("报送单位 泉州市教育局") and doc.lines[1].startswith("报送日期 2025-03-01")
    assert doc.lines[-1] == "泉州市教育局2025年度绩效目标考评表"
    assert len(doc.rows) == len(rows) and doc.origins is None


def test_a_span_bomb_in_the_second_table_names_that_table():
    document = Document(io.BytesIO(split_word(plan_docs.seed_docx(), SPLIT_AT)))
    tbl = document.element.body.findall(qn("w:tbl"))[1]
    tc = tbl.findall(qn("w:tr"))[4].findall(qn("w:tc"))[0]
    for old in tc.tcPr.findall(qn("w:gridSpan")):
        tc.tcPr.remove(old)
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), "2000000000")
    tc.tcPr.insert(0, span)
    with pytest.raises(PlanError, match=r"^方案\.docx：第2个表格第5行第1个单元格声明跨 2,000,000,000 列"):
        docx_document("方案.docx", saved(document))


def test_a_word_file_without_the_table_is_refused_with_what_to_do():
    document = Document()
    document.add_paragraph("泉州市教育局2025年度绩效目标考评表")
    plan_docs.word_table(document, [[("姓名", 1), ("电话", 1)], [("王一", 1), ("0595-22345678", 1)]], merge_columns=())
    document.add_paragraph("")
    plan_docs.word_table(document, [[("日期", 1), ("2025-3-1", 1)]], merge_columns=())
    with pytest.raises(PlanError) as refused:
        read_plan_bytes("方案.docx", saved(document))
    assert str(refused.value) == NOT_FOUND


# -- vertical merges on the grid -------------------------------------------------------------------------------

MERGED_HEADER = ["类别", "一级指标", "编号", "年度工作目标", "分值", "完成时限", "责任科室", "责任人", "分管领导"]
DEADLINE, SECTIONS = 5, 6


def merged_plan() -> bytes:
    """A 考评表 with a header row whose 完成时限 and 责任科室 cells run down over three targets (and
    the group over all of them), as an office writes one deadline for several rows."""
    rows = [
        [
            "业务工作（10分）",
            "教育事业发展",
            "1-1-1",
            "新增公办学位3000个。",
            "4",
            "6月30日前",
            "规划建设科",
            "王一",
            "赵三",
        ],
        ["", "", "1-1-2", "完成义务教育质量监测。", "3", "", "", "李二", "赵三"],
        ["", "", "1-1-3", "培训骨干教师500名。", "3", "", "", "张四", "赵三"],
    ]
    grid = [[(h, 1) for h in MERGED_HEADER], *([(c, 1) for c in row] for row in rows)]
    grid.append([("合计", 4), ("10", 1), ("", 4)])
    document = Document()
    document.add_paragraph("示范县教育局2026年度绩效目标考评表")
    plan_docs.word_table(document, grid, merge_columns={0, DEADLINE, SECTIONS})
    return saved(document)


def test_a_cell_merged_down_fills_every_row_on_the_grid():
    doc = docx_document("方案.docx", merged_plan())
    assert [row[DEADLINE] for row in doc.grid[1:4]] == ["6月30日前"] * 3
    assert [row[SECTIONS] for row in doc.grid[1:4]] == ["规划建设科"] * 3
    assert [row[0] for row in doc.grid[1:4]] == ["业务工作（10分）"] * 3
    assert doc.merged == {(r, c) for r in (2, 3) for c in (0, DEADLINE, SECTIONS)}
    # the rows of cells keep the merge as Word's text export writes it: empty below its first row
    assert [row[DEADLINE] for row in doc.rows[1:4]] == ["6月30日前", "", ""]
    assert [row[SECTIONS] for row in doc.rows[1:4]] == ["规划建设科", "", ""]


def test_a_cell_merged_down_gives_each_target_its_value():
    plan = read_plan_bytes("方案.docx", merged_plan())
    assert [t.code for t in plan.targets] == ["1-1-1", "1-1-2", "1-1-3"]
    assert {t.deadline.isoformat() for t in plan.targets} == {"2026-06-30"}
    assert {t.sections for t in plan.targets} == {("规划建设科",)}


def test_text_repeated_down_merges_is_bounded():
    """One long cell merged down hundreds of rows costs the file nothing and would hand the reader
    gigabytes of text as laid out: refused."""
    # varied characters, so that the file passes the archive's compression-ratio check
    long = "".join(chr(0x4E00 + k * 7919 % 20_000) for k in range(19_000))
    rows = MAX_MERGED_CHARS // len(long) + 2
    grid = [[(h, 1) for h in MERGED_HEADER]]
    grid += [[("", 1), ("", 1), (f"1-1-{n}", 1), (long if n == 1 else "", 1), ("1", 1)] for n in range(1, rows + 1)]
    document = Document()
    plan_docs.word_table(document, grid, merge_columns={3})
    with pytest.raises(PlanError, match=r"^方案\.docx：考评表合并单元格展开后的文字超过 5,000,000 字"):
        docx_document("方案.docx", saved(document))


# -- tracked changes ---------------------------------------------------------------------------------------------


run = plan_variants._run  # one w:r builder for the tests


CHANGE_IDS = itertools.count(1)


def tracked(kind: str, *runs):
    change = OxmlElement(kind)
    change.set(qn("w:id"), str(next(CHANGE_IDS)))
    change.set(qn("w:author"), "办公室")
    for r in runs:
        change.append(r)
    return change


def only_paragraph(tc):
    """The cell's first paragraph, emptied, the others removed."""
    first, *rest = tc.findall(qn("w:p"))
    for p in rest:
        tc.remove(p)
    for r in first.findall(qn("w:r")):
        first.remove(r)
    return first


def test_tracked_changes_read_as_accepted():
    """The office revised the plan with track changes on: inserted text (w:ins, w:moveTo) is read,
    deleted text (w:del, w:moveFrom) is not, in the title and in the cells; python-docx's own
    Paragraph.text would drop what was inserted."""
    document = Document(io.BytesIO(plan_docs.seed_docx()))
    body = document.element.body
    title = [p for p in body.findall(qn("w:p")) if "绩效目标考评表" in "".join(p.itertext())][-1]
    for r in title.findall(qn("w:r")):
        title.remove(r)
    title.append(run("泉州市教育局"))
    title.append(tracked("w:del", run("2024", "w:delText")))
    title.append(tracked("w:ins", run("2025")))
    title.append(run("年度绩效目标考评表"))

    first = body.find(qn("w:tbl")).findall(qn("w:tr"))[0].findall(qn("w:tc"))
    target, sections = (only_paragraph(first[4]), only_paragraph(first[7]))
    target.append(run("推进11个义务教育薄弱环节"))
    target.append(tracked("w:ins", run("改善与能力提升")))
    target.append(tracked("w:del", run("旧的说法", "w:delText")))
    target.append(tracked("w:moveFrom", run("移走的文字")))
    target.append(tracked("w:moveTo", run("项目。")))
    tab, br = run("规划建设科"), run("资源中心")
    tab.append(OxmlElement("w:tab"))
    br.insert(0, OxmlElement("w:br"))
    sections.append(tracked("w:ins", tab, br))
    data = saved(document)

    doc = docx_document("方案.docx", data)
    assert doc.lines[-1] == "泉州市教育局2025年度绩效目标考评表"
    assert doc.rows[0][4] == "推进11个义务教育薄弱环节改善与能力提升项目。"
    assert doc.rows[0][7] == "规划建设科\t\n资源中心"
    plan = read_plan_bytes("方案.docx", data)
    assert plan.year == 2025
    first_target = plan.targets[0]
    assert first_target.target == "推进11个义务教育薄弱环节改善与能力提升项目。"
    assert first_target.sections == ("规划建设科", "资源中心")


def test_a_code_inserted_as_a_tracked_change_is_found():
    """A table whose only code was typed with track changes on (and split over runs) still holds
    the 考评表."""
    document = Document()
    document.add_paragraph("示范县教育局2026年度绩效目标考评表")
    plan_docs.word_table(document, [[("", 1), ("新增公办学位3000个。", 1), ("4", 1)]], merge_columns=())
    p = document.element.body.find(qn("w:tbl")).find(qn("w:tr")).find(qn("w:tc")).find(qn("w:p"))
    p.append(run("1-1"))
    p.append(tracked("w:ins", run("-1")))
    p.append(tracked("w:del", run("-9", "w:delText")))
    doc = docx_document("方案.docx", saved(document))
    assert doc.rows == [["1-1-1", "新增公办学位3000个。", "4"]]
