"""Another bureau's 考评表 kept in Excel: read as a table (title, header, merged cells), the
template still read as the template, a workbook without a 考评表 refused, and hostile merges bounded."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from perfdash.plan import PlanError, read_plan_bytes
from perfdash.plan.mapping import Mapping
from perfdash.plan.xlsx import TABLE_KIND, is_template, read_plan_xlsx_bytes, xlsx_document
from perfdash.present.templates import plan_template_xlsx
from tests import hostile
from tests.fixtures import shipped_plan

NAME = "示范县教育局考评表.xlsx"
TITLE = "示范县教育局2026年度绩效目标考评表"
HEADER = ["序号", "考核内容", "评分标准", "分值", "责任科室", "完成时限", "责任人", "分管领导"]
NOT_FOUND = (
    f"{NAME}：Excel 文件中没有找到考评表：各工作表都没有“年度工作目标、分值”等表头或 1-1-1 式编号。"
    "可下载本系统的 Excel 模板填写，或上传方案的 Word 文件"
)
# (code, 考核内容, 评分标准, 分值, 责任科室, 完成时限, 责任人, 分管领导); None: under the merge above.
TARGETS = [
    ("1-1-1", "完成校舍安全排查", "未完成扣2分", 2, "计财科", datetime(2026, 6, 30), "王一", "林长华"),
    ("1-1-2", "推进学前教育普惠", "按进度计分", 3.0, "基教科", "9月底前", "李二", "陈明"),
    ("1-1-3", "落实课后服务", "每缺一项扣1分", 2, None, "12月底前", "李二", "陈明"),
    ("1-2-1", "开展教师培训", "未开展不得分", 2.5, None, "6月底前", "李二", "陈明"),
    ("1-2-2", "组织学业质量监测", "按时完成得满分", 2, "督导室", "10月底前", "赵三", "林长华"),
    ("2-1-1", "加强党风廉政建设", "发生问题不得分", 3, "办公室", "12月底前", "钱四", "王强"),
    ("2-1-2", "做好信息公开", "按要求公开", 1, "办公室", "12月底前", "钱四", "王强"),
    ("2-1-3", "办理建议提案", "按期办结", 1, "办公室", "8月底前", "钱四", "王强"),
]


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bureau_book(*, notes_sheet: bool = True) -> bytes:
    wb = Workbook()
    if notes_sheet:  # a first sheet that is not the table: the reader chooses the one that is
        wb.active.title = "填表说明"
        wb.active.append(["请按要求填写"])
        ws = wb.create_sheet("Sheet1")
    else:
        ws = wb.active
    ws.append(["附件1"])
    ws.append([TITLE])
    ws.merge_cells("A2:H2")
    ws.append(HEADER)
    for row in TARGETS:
        ws.append(list(row))
    ws.merge_cells("E5:E7")  # 基教科 over 1-1-2, 1-1-3, 1-2-1
    return _bytes(wb)


def test_a_bureau_workbook_is_read_as_a_table():
    data = _bureau_book()
    assert not is_template(NAME, data)
    plan = read_plan_bytes(NAME, data)
    assert (plan.unit, plan.year) == ("示范县教育局", 2026)
    assert [t.code for t in plan.targets] == [r[0] for r in TARGETS]
    assert [t.target for t in plan.targets] == [r[1] for r in TARGETS]
    assert [t.standard for t in plan.targets] == [r[2] for r in TARGETS]
    assert [t.points for t in plan.targets] == [2, 3, 2, 2.5, 2, 3, 1, 1]
    by_code = {t.code: t for t in plan.targets}
    for code in ("1-1-2", "1-1-3", "1-2-1"):
        assert by_code[code].sections == ("基教科",)
    assert by_code["1-1-1"].sections == ("计财科",)
    assert by_code["1-1-1"].deadline.isoformat() == "2026-06-30"
    assert by_code["1-1-3"].persons == ("李二",)
    # the preview says which values came from the merged cell, and names Excel's rows
    assert "责任科室" in by_code["1-1-3"].source("merged")
    assert by_code["1-1-2"].source("merged") == ""
    assert by_code["1-1-3"].source("row") == "第6行"


def test_the_document_lays_merges_out_as_word_does():
    doc = xlsx_document(NAME, _bureau_book(notes_sheet=False))
    assert doc.kind == TABLE_KIND
    assert doc.lines == ["附件1", TITLE]
    assert doc.rows[0] == HEADER
    assert doc.grid is not None and doc.grid[0] == HEADER
    first, second, third = doc.grid[2], doc.grid[3], doc.grid[4]  # 1-1-2, 1-1-3, 1-2-1
    assert first[:6] == ["1-1-2", "推进学前教育普惠", "按进度计分", "3", "基教科", "9月底前"]
    assert second[4] == third[4] == "基教科"
    assert doc.rows[3][4] == doc.rows[4][4] == ""  # Word's text export leaves the merge's rows empty
    assert doc.merged == {(3, 4), (4, 4)}
    assert doc.grid[1][5] == "2026-06-30"
    assert doc.origins is not None and doc.origins[0] == "第3行"


def test_a_title_merged_across_is_one_cell_in_rows_and_none_on_the_grid():
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["1-1-1", "目标", "标准", 2, "办公室", "6月底前", "张三", "王强"])
    ws.append(["合计", None, None, 2])
    ws.merge_cells("A3:C3")
    doc = xlsx_document(NAME, _bytes(wb))
    assert doc.lines == []
    assert doc.grid is not None and doc.grid[2] == ["合计", None, None, "2", "", "", "", ""]
    assert doc.rows[2] == ["合计", "2", "", "", "", ""]


def test_a_given_mapping_is_used():
    mapping = Mapping.from_json(read_plan_bytes(NAME, _bureau_book()).table.mapping_json)
    plan = read_plan_bytes(NAME, _bureau_book(), mapping)
    assert len(plan.targets) == len(TARGETS)


def test_the_template_still_reads_as_the_template():
    plan = shipped_plan()
    data = plan_template_xlsx(plan)
    assert is_template("plan.xlsx", data)
    back = read_plan_bytes("plan.xlsx", data)
    assert [t.as_dict() for t in back.targets] == [t.as_dict() for t in plan.targets]
    assert [t.as_dict() for t in back.targets] == [t.as_dict() for t in read_plan_xlsx_bytes("plan.xlsx", data).targets]


def test_a_workbook_of_numbers_is_refused_with_what_to_do():
    wb = Workbook()
    ws = wb.active
    ws.title = "图表数据"
    ws.append(["月份", "完成率"])
    for month in range(1, 13):
        ws.append([month, month / 12])
    ws.append([1.1, 2.5])  # numbers, not codes typed as text
    with pytest.raises(PlanError) as caught:
        read_plan_bytes(NAME, _bytes(wb))
    assert str(caught.value) == NOT_FOUND


def _with_merge(ref: str) -> bytes:
    """The bureau's workbook with one more merged range, written into the sheet's XML as it is
    (openpyxl would lay out a cell for each cell a range covers)."""
    data = _bureau_book(notes_sheet=False)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                text = re.sub(r'<mergeCells count="\d+">', '<mergeCells count="3">', text)
                text = text.replace("</mergeCells>", f'<mergeCell ref="{ref}"/></mergeCells>')
                body = text.encode()
            dst.writestr(item, body)
    return out.getvalue()


@pytest.mark.parametrize("ref", ["J1:Z3000", "J1:XFD1048576", "A12:XFD1048576"])
def test_a_huge_merged_range_costs_only_the_rows_read(ref):
    started = time.monotonic()
    plan = read_plan_bytes(NAME, _with_merge(ref))
    assert time.monotonic() - started < 5
    assert len(plan.targets) == len(TARGETS)


def test_a_sheet_merged_over_a1_z3000_is_bounded():
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "示意"
    ws.merge_cells("A1:Z3000")
    started = time.monotonic()
    with pytest.raises(PlanError) as caught:
        read_plan_bytes(NAME, _bytes(wb))
    assert time.monotonic() - started < 10
    assert str(caught.value) == NOT_FOUND


def test_overlapping_merges_are_refused_naming_the_cell():
    with pytest.raises(PlanError, match="单元格 E7 属于两处合并单元格"):
        read_plan_bytes(NAME, _with_merge("D7:E9"))


def test_a_formula_without_its_result_names_the_cell():
    rows = (
        hostile.row_xml(1, [TITLE])
        + hostile.row_xml(2, HEADER)
        + '<row r="3">'
        + "".join(hostile.cell_xml(f"{c}3", v) for c, v in zip("ABC", ["1-1-1", "目标", "标准"], strict=True))
        + hostile.cell_xml("D3", None, formula="1+1")
        + "</row>"
    )
    data = hostile.workbook([("Sheet1", "visible", hostile.sheet_xml(rows))])
    with pytest.raises(PlanError) as caught:
        read_plan_bytes(NAME, data)
    assert str(caught.value) == (
        f"{NAME} 工作表“Sheet1”单元格 D3：是公式，但文件里没有保存计算结果，请在 Excel 中打开、保存后再上传"
    )


def test_numbers_percentages_and_dates_read_as_excel_shows_them():
    rows = (
        hostile.row_xml(1, [TITLE])
        + hostile.row_xml(2, HEADER)
        + hostile.row_xml(3, ["1-1-1", "目标", 0.3 + 0.6, 5.0, "办公室", 46203, "张三", 0.05], styles={5: 2, 7: 1})
    )
    doc = xlsx_document(NAME, hostile.workbook([("Sheet1", "visible", hostile.sheet_xml(rows))]))
    assert doc.lines == [TITLE]
    assert doc.rows[1] == ["1-1-1", "目标", "0.9", "5", "办公室", "2026-06-30", "张三", "5%"]


def test_a_two_row_header_a_group_band_and_an_indicator_merged_down():
    wb = Workbook()
    ws = wb.active
    ws.append(["泉州市XX局2025年度绩效目标考评表"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "一级指标", "年度工作目标", "分值", "完成时限", "责任单位", None, "分管领导"])
    ws.append([None, None, None, None, None, "牵头科室", "配合科室", None])
    for column in "ABCDEH":
        ws.merge_cells(f"{column}2:{column}3")
    ws.merge_cells("F2:G2")
    ws.append(["一、职能工作（70分）"])
    ws.merge_cells("A4:H4")
    ws.append(["1-1-1", "教育质量（5分）", "目标甲", 2, "6月底前", "基教科", "办公室", "林长华"])
    ws.append(["1-1-2", None, "目标乙", 3, "9月底前", "基教科", None, "林长华"])
    ws.merge_cells("B5:B6")
    plan = read_plan_bytes("q.xlsx", _bytes(wb))
    assert (plan.unit, plan.year) == ("泉州市XX局", 2025)
    assert [(t.code, t.group, t.indicator, t.indicator_points) for t in plan.targets] == [
        ("1-1-1", "职能工作", "教育质量", 5),
        ("1-1-2", "职能工作", "教育质量", 5),
    ]
    assert [t.sections for t in plan.targets] == [("基教科", "办公室"), ("基教科",)]
