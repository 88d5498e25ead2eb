"""The plan as an Excel template: export, import, and errors that name sheet, row and column."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from perfdash.plan import PlanError, read_plan
from perfdash.plan.xlsx import SHEET
from perfdash.present.templates import plan_template_xlsx
from tests.fixtures import shipped_plan


def test_round_trip_is_exact(tmp_path):
    plan = shipped_plan()
    path = tmp_path / "plan.xlsx"
    path.write_bytes(plan_template_xlsx(plan))
    back = read_plan(path)
    assert (back.unit, back.year) == (plan.unit, plan.year)
    assert [t.as_dict() for t in back.targets] == [t.as_dict() for t in plan.targets]
    assert not back.warnings


def _broken(tmp_path, row: int, col: int, value) -> str:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(plan_template_xlsx(shipped_plan()))
    wb = load_workbook(path)
    wb[SHEET].cell(row, col).value = value
    wb.save(path)
    return str(path)


@pytest.mark.parametrize(
    ("row", "col", "value", "message"),
    [
        (2, 1, "1.1.1", "第2行“编号 code”列：编号“1.1.1”格式不对"),
        (5, 9, "两分", "第5行“分值 points”列：分值“两分”不是正数"),
        (7, 10, "年底", "第7行“完成时限 deadline”列：完成时限“年底”不是日期"),
        (3, 2, None, "第3行“目标组 group”列：目标组为空"),  # any group name is the document's own
        (4, 11, None, "第4行“责任科室 sections（、分隔，首个为牵头）”列：责任科室为空"),
    ],
)
def test_bad_cells_are_named(tmp_path, row, col, value, message):
    with pytest.raises(PlanError, match=message):
        read_plan(_broken(tmp_path, row, col, value))


def test_points_off_structure_still_loads_with_warnings(tmp_path):
    plan = read_plan(_broken(tmp_path, 2, 9, 3))  # 1-1-1 from 2 to 3 points
    messages = " ".join(c.message for c in plan.warnings)
    assert "职能工作应为 70 分，考评表合计 71 分" in messages
    assert "一级指标 1-1 标注 5 分，其目标合计 6 分" in messages


def test_not_an_excel_file(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("hello")
    with pytest.raises(PlanError, match="不是有效的 Excel 文件"):
        read_plan(path)
