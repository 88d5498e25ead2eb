"""How a 考评表's columns and rows are read: the mapping the reader guesses from the header row(s),
with a reason for each column, which the office may change and confirm. A confirmed mapping is
remembered for the unit's next upload; the CLI takes one as a JSON file (plan FILE --mapping M.json).

Columns are numbered from 1 in the JSON form and on screen, as a person counts them; rows too
(the row numbers of the table as read, several Word tables joined)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from perfdash.plan.cells import flat
from perfdash.plan.model import PlanError

# The fields a column can hold, in the order the preview lists them ("" = not read).
FIELDS: dict[str, str] = {
    "code": "编号",
    "group": "类别（目标组）",
    "indicator": "一级指标",
    "target": "年度工作目标",
    "standard": "评分标准",
    "points": "分值",
    "deadline": "完成时限",
    "sections": "责任科室（牵头）",
    "co_sections": "配合科室",
    "persons": "责任人",
    "leaders": "分管领导",
    "": "不读",
}

# What the office can say a row is, overriding the reader.
ROLES: dict[str, str] = {
    "target": "年度工作目标",
    "heading": "标题（指标或类别）",
    "subtotal": "小计",
    "total": "合计（全表）",
    "skip": "不是目标（跳过）",
}

# Header names of each field, as 考评表 of different bureaus and years write them. A header
# matches a name exactly, or starts with a name of three characters or more ("完成时限（月）").
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("编号", "序号", "指标编号", "目标编号", "代码", "项目编号", "序列"),
    "indicator": (
        "一级指标",
        "指标名称",
        "考评指标",
        "考核指标",
        "一级指标名称",
        "评价指标",
        "考核项目",
        "考评项目",
        "二级指标",
        "指标",
    ),
    "target": (
        "年度工作目标",
        "工作目标",
        "目标任务",
        "年度目标",
        "考评内容",
        "考核内容",
        "工作任务",
        "目标内容",
        "工作内容",
        "主要内容",
        "具体目标",
        "目标要求",
        "任务内容",
        "三级指标",
    ),
    "standard": ("评分标准", "考核标准", "考评标准", "评分细则", "评分办法", "计分方法", "考核办法", "评价标准"),
    "points": ("分值", "分数", "权重", "标准分", "分值分"),
    "deadline": ("完成时限", "时限", "完成时间", "完成期限", "时间节点", "完成时间节点", "时限要求"),
    "sections": (
        "责任科室",
        "责任单位",
        "牵头科室",
        "责任处室",
        "责任部门",
        "承办科室",
        "牵头单位",
        "牵头处室",
        "主责科室",
        "责任科室单位",
        "责任股室",
        "主办股室",
        "牵头股室",
        "责任股",
        "承办单位",
        "主办单位",
        "主办科室",
    ),
    "co_sections": (
        "配合科室",
        "协办科室",
        "配合单位",
        "协助科室",
        "配合处室",
        "协同科室",
        "参与科室",
        "协办单位",
        "配合股室",
        "协办股室",
    ),
    "persons": ("责任人", "具体责任人", "经办人", "科室责任人", "股室负责人", "科室负责人", "具体负责人", "联系人"),
    "leaders": ("分管领导", "分管局领导", "责任领导", "分管负责人", "牵头领导", "分管副局长"),
    "group": ("类别", "目标类别", "考评类别", "项目", "类型", "目标类型", "指标类别"),
    "": ("备注", "说明", "自评得分", "得分", "考评得分", "考核得分", "佐证材料", "完成情况"),
}

BRACKETS_RE = re.compile(r"[（(][^）)]*[）)]")


def header_field(cell: str | None) -> tuple[str, str] | None:
    """(field, the header name it matched) of a header cell, or None when it names no field."""
    raw = flat(cell or "").replace(" ", "").replace("\u3000", "")
    if not raw or len(raw) > 16:
        return None
    for name in (raw, BRACKETS_RE.sub("", raw)):
        for key, names in HEADERS.items():
            if name in names:
                return key, name
        for key, names in HEADERS.items():
            hit = next((n for n in names if len(n) >= 3 and name.startswith(n)), None)
            if hit:
                return key, hit
    return None


def header_map(cells: list[str | None]) -> dict[str, int]:
    """Column of each field in a header row ('编号 | 年度工作目标 | 分值 | …'), if it is one: at
    least three fields named, one of them the target or the points. A second column of a field
    already found is not used (the first 责任科室 is the lead's)."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        hit = header_field(cell)
        if hit and hit[0] and hit[0] not in found:
            found[hit[0]] = i
    return found if len(found) >= 3 and ("target" in found or "points" in found) else {}


@dataclass
class Mapping:
    """Which field each column holds (0-based grid column → field; empty: the table has no header
    and is read by position, in the order of the Quanzhou layout), which rows are the header, what
    the office said some rows are, and why each column was read as it was."""

    columns: dict[int, str] = field(default_factory=dict)
    header_rows: tuple[int, ...] = ()  # 1-based row numbers of the header
    rows: dict[int, str] = field(default_factory=dict)  # 1-based row number → a ROLES key
    reasons: dict[int, str] = field(default_factory=dict)
    headers: dict[int, str] = field(default_factory=dict)  # column → its header text as read
    confirmed: bool = False  # set by the office (or given as a file), not guessed

    @property
    def positional(self) -> bool:
        return not self.columns

    def column_of(self, key: str) -> int | None:
        return next((c for c, f in sorted(self.columns.items()) if f == key), None)

    def columns_of(self, key: str) -> list[int]:
        return [c for c, f in sorted(self.columns.items()) if f == key]

    def describe(self) -> list[str]:
        """One line per column, in Chinese: '第3列“考核内容” → 年度工作目标（表头“考核内容”）'."""
        if self.positional:
            return [
                "没有表头：按泉州市考评表的列序读取（编号之后依次为一级指标、年度工作目标、分值、完成时限、"
                "责任科室、责任人、分管领导）"
            ]
        lines = []
        for col in sorted(set(self.columns) | set(self.headers)):
            head = self.headers.get(col, "")
            meaning = FIELDS.get(self.columns.get(col, ""), "不读")
            why = self.reasons.get(col, "")
            lines.append(
                f"第{col + 1}列" + (f"“{head}”" if head else "") + f" → {meaning}" + (f"（{why}）" if why else "")
            )
        return lines

    def as_json(self) -> str:
        """The file form: columns and rows numbered from 1, each column with its header text."""
        return json.dumps(
            {
                "columns": {str(c + 1): f for c, f in sorted(self.columns.items())},
                "header_rows": list(self.header_rows),
                "rows": {str(r): role for r, role in sorted(self.rows.items())},
                "headers": {str(c + 1): h for c, h in sorted(self.headers.items())},
                "reasons": {str(c + 1): why for c, why in sorted(self.reasons.items()) if c >= 0},
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str, name: str = "映射文件") -> Mapping:
        """A mapping from its file form; every problem one Chinese line naming the key."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PlanError(f"{name}：不是有效的 JSON（第{getattr(exc, 'lineno', '?')}行）") from None
        if not isinstance(data, dict):
            raise PlanError(f"{name}：应为一个对象，含 columns、header_rows、rows")
        errors: list[str] = []
        columns: dict[int, str] = {}
        for key, value in _dict(data.get("columns"), name, "columns", errors).items():
            col = _positive(key)
            if col is None:
                errors.append(f"{name}：columns 的列号“{key}”应为从 1 起的整数")
            elif value not in FIELDS:
                errors.append(
                    f"{name}：columns 第{key}列的含义“{value}”不认识"
                    f"（可用：{'、'.join(k for k in FIELDS if k)}，或空字符串表示不读）"
                )
            elif value:
                columns[col - 1] = value
        rows: dict[int, str] = {}
        for key, value in _dict(data.get("rows"), name, "rows", errors).items():
            row = _positive(key)
            if row is None:
                errors.append(f"{name}：rows 的行号“{key}”应为从 1 起的整数")
            elif value not in ROLES:
                errors.append(f"{name}：rows 第{key}行的类型“{value}”不认识（可用：{'、'.join(ROLES)}）")
            else:
                rows[row] = value
        header_rows = data.get("header_rows", [])
        if not isinstance(header_rows, list) or not all(isinstance(r, int) and r >= 1 for r in header_rows):
            errors.append(f"{name}：header_rows 应为从 1 起的行号列表，如 [1] 或 [1, 2]")
            header_rows = []
        headers = {
            c - 1: str(h) for k, h in _dict(data.get("headers"), name, "headers", errors).items() if (c := _positive(k))
        }
        if columns and not any(f in ("target", "standard") for f in columns.values()):
            errors.append(f"{name}：columns 中没有“target”（年度工作目标）列")
        if columns and "points" not in columns.values():
            errors.append(f"{name}：columns 中没有“points”（分值）列")
        if errors:
            raise PlanError("\n".join(errors))
        given = {
            c - 1: str(w) for k, w in _dict(data.get("reasons"), name, "reasons", errors).items() if (c := _positive(k))
        }
        reasons = {c: given.get(c, "按指定的列对应") for c in columns}
        return cls(columns, tuple(sorted(set(header_rows))), rows, reasons, headers, confirmed=True)

    def field_for_header(self, name: str) -> str | None:
        """The field this mapping gave a column headed ``name`` (None: no column had that header)."""
        for col, head in self.headers.items():
            if head == name:
                return self.columns.get(col, "")
        return None

    def with_column(self, col: int, key: str) -> Mapping:
        """This mapping with column ``col`` (0-based) read as ``key`` ('' = not read)."""
        columns = {c: f for c, f in self.columns.items() if c != col}
        if key:
            columns[col] = key
        reasons = {**self.reasons, col: "绩效办指定"}
        return Mapping(columns, self.header_rows, dict(self.rows), reasons, dict(self.headers), confirmed=True)

    def with_row(self, row: int, role: str | None) -> Mapping:
        """This mapping with row ``row`` (1-based) read as ``role`` (None: as the reader sees it)."""
        rows = {r: v for r, v in self.rows.items() if r != row}
        if role:
            rows[row] = role
        return Mapping(
            dict(self.columns), self.header_rows, rows, dict(self.reasons), dict(self.headers), confirmed=True
        )


def _dict(value: object, name: str, key: str, errors: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f'{name}：{key} 应为对象（如 {{"1": "code"}}）')
        return {}
    return value


def _positive(key: object) -> int | None:
    text = str(key).strip()
    return int(text) if text.isdigit() and 0 < int(text) <= 200 else None


def guess(rows: list[list[str | None]], remembered: Mapping | None = None) -> Mapping:
    """The mapping the reader proposes for a table's rows (on the column grid when the file has
    one): the header row among the first eight rows, a second header row under it when the first
    has cells spanning columns (责任单位 over 牵头 | 配合), each column's field from its header name
    with the name as the reason. A remembered mapping of the same unit decides a column whose
    header text it knows. No header row: the positional mapping (no columns)."""
    for i, cells in enumerate(rows[:8]):
        found = header_map(cells)
        if not found:
            continue
        names = [flat(c or "") for c in cells]
        header_rows = [i + 1]
        below = rows[i + 1] if i + 1 < len(rows) else []
        second = [flat(c or "") for c in below]
        if below and sum(1 for c in below if header_field(c)) >= 1 and not _has_numbers(below):
            header_rows.append(i + 2)
            # a cell spanning columns in the first row names the columns under it too
            last = ""
            for c in range(len(names)):
                if c < len(cells) and cells[c] is None:
                    names[c] = last
                last = names[c] or last
            names += [""] * (len(second) - len(names))
            names = [s if s and header_field(s) else n for n, s in zip(names, second + [""] * len(names), strict=False)]
        mapping = Mapping(header_rows=tuple(header_rows))
        taken: set[str] = set()
        for col, name in enumerate(names):
            if not name:
                continue
            mapping.headers[col] = name
            known = remembered.field_for_header(name) if remembered is not None else None
            hit = header_field(name)
            key = known if known is not None else (hit[0] if hit else None)
            if key is None:
                mapping.reasons[col] = "表头不是已知的列名，不读"
                continue
            if key in taken and key in ("sections", "co_sections", "persons", "leaders"):
                mapping.reasons[col] = f"又一个“{FIELDS[key]}”列：与前一列合并读取"
            elif key in taken and key:
                mapping.reasons[col] = f"已有“{FIELDS[key]}”列，本列不读"
                continue
            else:
                mapping.reasons[col] = "沿用上次确认的映射" if known is not None else f"表头“{name}”"
            if key:
                mapping.columns[col] = key
                taken.add(key)
        return mapping
    return Mapping(reasons={-1: "没有找到表头行"})


def _has_numbers(cells: list[str | None]) -> bool:
    return any(re.fullmatch(r"\d+(?:\.\d+)?\s*分?", flat(c or "")) for c in cells)
