"""The plan as an Excel template, read back: one row per target, the same fields as the JSON form.
This module owns the template's columns; perfdash.present.templates.plan_template_xlsx writes the
file (every download is built there, and printed by the office-suite test)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from perfdash.core import intake
from perfdash.core.excel import cell_text
from perfdash.plan.checks import validate
from perfdash.plan.model import CODE_RE, Plan, PlanError, Target

SHEET = "考评表"
META_SHEET = "方案"
LIST_SEP = "、"
# (key, header, width). The header names the JSON key too, so the sheet documents itself. Widths
# in Excel's character units: together one A4 landscape page at 100 % (the headers wrap).
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("code", "编号 code", 7),
    ("group", "目标组 group", 8),
    ("category", "类别 category", 9),
    ("indicator_code", "一级指标编号 indicator_code", 6),
    ("indicator", "一级指标 indicator", 22),
    ("indicator_points", "指标分值 indicator_points", 6),
    ("source_note", "指标来源 source_note", 8),
    ("target", "年度工作目标 target", 40),
    ("points", "分值 points", 6),
    ("deadline", "完成时限 deadline", 11),
    ("sections", "责任科室 sections（、分隔，首个为牵头）", 11),
    ("persons", "责任人 persons（、分隔，与科室一一对应）", 8),
    ("leaders", "分管领导 leaders（、分隔）", 6),
)
LIST_KEYS = ("sections", "persons", "leaders")
LIMITS = intake.Limits(max_bytes=5 * intake.MB, max_rows=2000)  # a plan has tens of targets, not thousands


def read_plan_xlsx_bytes(name: str, data: bytes) -> Plan:
    """Read a plan from the Excel template; every bad cell is named (sheet, row, column)."""
    path = Path(name)
    if not intake.is_zip(data):
        raise PlanError(f"{path.name}：不是有效的 Excel 文件（.xlsx），请用 Excel 另存为 .xlsx 后再试")
    try:
        with intake.Workbook(path.name, data, LIMITS) as wb:
            meta_sheet = wb.named(META_SHEET)
            plan_sheet = wb.named(SHEET)
    except intake.FileRejected as exc:
        raise PlanError(str(exc)) from exc
    if plan_sheet is None:
        raise PlanError(f"{path.name}：缺少工作表“{SHEET}”")
    unit, year, title = "", None, ""
    for _, row in meta_sheet.rows if meta_sheet else []:
        key, value = str(row[0].value or ""), row[1].value if len(row) > 1 else None
        if key.startswith("单位"):
            unit = str(value or "").strip()
        elif key.startswith("年度"):
            year = _int(value)
        elif key.startswith("标题"):
            title = str(value or "").strip()
    errors: list[str] = []
    if not unit:
        errors.append(f"{path.name} 工作表“{META_SHEET}”：缺少“单位”")
    if year is None:
        errors.append(f"{path.name} 工作表“{META_SHEET}”：缺少或无法识别“年度”")
    numbered = [(n, tuple(c.value for c in cells)) for n, cells in plan_sheet.rows]
    if not numbered:
        raise PlanError(f"{path.name}：工作表“{SHEET}”是空的")
    rows = [r for _, r in numbered]
    header = [str(h or "").strip() for h in rows[0]]
    index: dict[str, int] = {}
    for key, label, _ in COLUMNS:
        pos = next((i for i, h in enumerate(header) if h == label or h.split(" ")[-1] == key or key in h.split()), None)
        if pos is None:
            errors.append(f"{path.name} 工作表“{SHEET}”第1行：缺少列“{label}”")
        else:
            index[key] = pos
    if errors:
        raise PlanError("\n".join(errors))
    targets: list[Target] = []
    for n, row in numbered[1:]:

        def cell(key: str, row: tuple = row) -> object:
            pos = index[key]
            return cell_text(row[pos]) if pos < len(row) else None

        def where(key: str, n: int = n) -> str:
            return f"{path.name} 工作表“{SHEET}”第{n}行“{dict((k, h) for k, h, _ in COLUMNS)[key]}”列"

        code = str(cell("code") or "").strip()
        if not CODE_RE.match(code):
            errors.append(f"{where('code')}：编号“{code}”格式不对（应如 1-1-1 或 4-1）")
        group = str(cell("group") or "").strip()
        if not group:
            errors.append(f"{where('group')}：目标组为空")
        points = _float(cell("points"))
        if points is None or points <= 0:
            errors.append(f"{where('points')}：分值“{cell('points')}”不是正数")
        ind_points = _float(cell("indicator_points"))
        if ind_points is None or ind_points < 0:
            errors.append(f"{where('indicator_points')}：指标分值“{cell('indicator_points')}”不是数字")
        deadline = _date(cell("deadline"))
        if deadline is None:
            errors.append(f"{where('deadline')}：完成时限“{cell('deadline')}”不是日期（应如 2025-12-31）")
        text = str(cell("target") or "").strip()
        if not text:
            errors.append(f"{where('target')}：年度工作目标为空")
        sections = _list(cell("sections"))
        if not sections:
            errors.append(f"{where('sections')}：责任科室为空")
        if errors and errors[-1].startswith(f"{path.name} 工作表“{SHEET}”第{n}行"):
            continue
        targets.append(
            Target(
                code=code,
                group=group,
                category=str(cell("category") or group).strip(),
                indicator_code=str(cell("indicator_code") or "").strip(),
                indicator=str(cell("indicator") or "").strip(),
                indicator_points=float(ind_points or 0),
                source_note=str(cell("source_note") or "").strip(),
                target=text,
                points=float(points or 0),
                deadline=deadline or date(year or 2000, 12, 31),
                sections=tuple(sections),
                persons=tuple(_list(cell("persons"))),
                leaders=tuple(_list(cell("leaders"))),
            )
        )
    if errors:
        raise PlanError("\n".join(errors))
    if not targets:
        raise PlanError(f"{path.name} 工作表“{SHEET}”：没有任何目标行")
    plan = Plan(unit=unit, year=int(year or 0), title=title, targets=targets, source_name=path.name)
    plan.checks = validate(plan)
    return plan


def _list(value: object) -> list[str]:
    if value is None:
        return []
    return [x.strip() for x in str(value).replace("，", LIST_SEP).replace(",", LIST_SEP).split(LIST_SEP) if x.strip()]


def _float(value: object) -> float | None:
    try:
        return float(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        return None


def _int(value: object) -> int | None:
    f = _float(value)
    return int(f) if f is not None and f.is_integer() else None


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None
