"""The mapping step of a plan import: the columns guessed from a header with their reasons, a
mapping given by the office (or as a file to the CLI) changes what is read, a confirmed mapping is
remembered for the unit's next upload, and an import from the page needs a reason for each
flagged reading."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document

from perfdash.plan import Mapping, PlanError, read_plan_bytes
from perfdash.plan.mapping import guess, header_field
from perfdash.store import Store, StoreError
from perfdash.workflows import plans
from tests.running import run_cli

TITLE = "示范县教育局2026年度绩效目标考评表"
HEADER = ["序号", "考核内容", "评分标准", "分值", "牵头", "完成时限", "责任人", "分管领导"]
ROWS = [
    ["一、党的建设（20分）"],
    ["1", "落实全面从严治党主体责任。", "未落实扣1分", "10", "办公室", "12月底前", "王一", "赵三"],
    ["2", "开展清廉机关建设。", "酌情扣分", "10", "机关党委", "9月上旬前", "李二", "赵三"],
    ["二、业务工作（80分）"],
    ["1", "新增公办学位3000个。", "按比例计分", "50", "规划科", "6月至12月", "张四", "钱五"],
    ["2", "培训骨干教师500名。", "按比例计分", "30", "人事科", "11月底前", "陈六", "钱五"],
    ["合计", "", "", "100", "", "", "", ""],
]


def bureau_docx(order: list[int] | None = None) -> bytes:
    """Another bureau's 考评表: headings spanning the row, plain 序号, a header of which one column
    ("牵头") names no field the reader knows; ``order`` moves the columns."""
    order = order or list(range(len(HEADER)))
    document = Document()
    document.add_paragraph(TITLE)
    table = document.add_table(rows=0, cols=len(HEADER))
    for cells in [HEADER, *ROWS]:
        cells = cells if len(cells) == 1 else [cells[i] for i in order]
        row = table.add_row()
        if len(cells) == 1:
            merged = row.cells[0].merge(row.cells[-1])
            merged.text = cells[0]
        else:
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_the_guess_names_each_column_and_why():
    plan = read_plan_bytes("县.docx", bureau_docx())
    columns = {c: (head, key, why) for c, head, key, why in plan.table.columns}
    assert columns[1] == ("考核内容", "target", "表头“考核内容”")
    assert columns[2] == ("评分标准", "standard", "表头“评分标准”")
    assert columns[4] == ("牵头", "", "表头不是已知的列名，不读")
    assert [t.standard for t in plan.targets][:2] == ["未落实扣1分", "酌情扣分"]
    assert plan.targets[0].target == "落实全面从严治党主体责任。"  # never the 评分标准
    assert all(t.sections == () for t in plan.targets)
    assert sum(1 for c in plan.warnings if c.check == "责任科室") == 4  # each unread value said, per target


def test_a_mapping_given_by_the_office_changes_the_reading():
    plan = read_plan_bytes("县.docx", bureau_docx())
    mapping = Mapping.from_json(plan.table.mapping_json).with_column(4, "sections")
    again = read_plan_bytes("县.docx", bureau_docx(), mapping)
    assert [t.sections for t in again.targets] == [("办公室",), ("机关党委",), ("规划科",), ("人事科",)]
    assert not any(c.check == "责任科室" for c in again.warnings)
    assert again.table.columns[4][3] == "绩效办指定"
    assert again.table.columns[1][3] == "表头“考核内容”"  # the columns not touched keep their reason
    # a row the office says is no target is left out, and the totals say so
    skipped = read_plan_bytes("县.docx", bureau_docx(), mapping.with_row(3, "skip"))
    assert len(skipped.targets) == 3 and any("合计" in c.message for c in skipped.warnings)


def test_generated_codes_keep_the_numbering_they_stand_for():
    plan = read_plan_bytes("县.docx", bureau_docx())
    assert [t.code for t in plan.targets] == ["1-1", "1-2", "2-1", "2-2"]
    assert [t.source("code") for t in plan.targets] == ["一、1", "一、2", "二、1", "二、2"]
    assert any(c.check == "编号" and "生成编号" in c.message for c in plan.warnings)
    assert [t.group for t in plan.targets] == ["党的建设", "党的建设", "业务工作", "业务工作"]


def test_the_deadline_keeps_its_phrase_and_a_flag_names_the_target():
    plan = read_plan_bytes("县.docx", bureau_docx())
    target = plan.targets[1]
    assert (target.deadline.isoformat(), target.source("deadline")) == ("2026-09-10", "9月上旬前")
    assert any(c.check == "完成时限" and c.subject == target.code for c in plan.warnings)
    ranged = plan.targets[2]
    assert ranged.deadline.isoformat() == "2026-12-31"
    assert any(c.subject == ranged.code and "范围" in c.message for c in plan.warnings)


def test_a_total_row_after_the_headings_is_the_grand_total():
    plan = read_plan_bytes("县.docx", bureau_docx())
    assert plan.stated_total == 100
    assert all(c.ok for c in plan.checks if c.check in ("小计行", "标签分值", "层级分值"))


def test_header_names_and_two_header_rows():
    assert header_field("考核指标") == ("indicator", "考核指标")
    assert header_field("完成时限（月）") == ("deadline", "完成时限")
    assert header_field("配合科室") == ("co_sections", "配合科室")
    assert header_field("年度工作目标任务说明很长很长的一段文字不是表头") is None
    rows = [
        ["编号", "年度工作目标", "分值", "责任单位", None, "完成时限"],
        ["", "", "", "牵头科室", "配合科室", ""],
        ["1-1", "目标", "5", "办公室", "财务科", "12月底前"],
    ]
    mapping = guess(rows)
    assert mapping.header_rows == (1, 2)
    assert mapping.columns == {0: "code", 1: "target", 2: "points", 3: "sections", 4: "co_sections", 5: "deadline"}


def test_a_mapping_file_is_checked_line_by_line():
    with pytest.raises(PlanError) as caught:
        Mapping.from_json(json.dumps({"columns": {"0": "target", "2": "points", "3": "科室"}}), "m.json")
    lines = str(caught.value).splitlines()
    assert len(lines) == 3  # column 0, the unknown meaning, and no target column left
    assert all(line.startswith("m.json：") for line in lines)
    with pytest.raises(PlanError, match="不是有效的 JSON"):
        Mapping.from_json("{", "m.json")


def test_the_cli_writes_the_guess_and_reads_by_a_mapping_file(tmp_path):
    doc = tmp_path / "县方案.docx"
    doc.write_bytes(bureau_docx())
    written = tmp_path / "映射.json"
    assert run_cli("plan", str(doc), "--write-mapping", str(written)).code == 0
    mapping = json.loads(written.read_text(encoding="utf-8"))
    assert mapping["columns"]["2"] == "target" and "5" not in mapping["columns"]
    mapping["columns"]["5"] = "sections"
    written.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    rows = run_cli("plan", str(doc), "--mapping", str(written), "--json").as_json()
    assert [r["sections"] for r in rows] == [["办公室"], ["机关党委"], ["规划科"], ["人事科"]]
    assert rows[0]["sources"]["sections"] == "办公室"
    bad = tmp_path / "坏.json"
    bad.write_text('{"columns": {"2": "目标"}}', encoding="utf-8")
    out = run_cli("plan", str(doc), "--mapping", str(bad))
    assert out.code == 2 and "坏.json：columns 第2列的含义“目标”不认识" in out.err and "Traceback" not in out.err


def test_a_confirmed_mapping_is_remembered_for_the_units_next_upload(tmp_path):
    plan = read_plan_bytes("县.docx", bureau_docx())
    mapping = Mapping.from_json(plan.table.mapping_json).with_column(4, "sections")
    confirmed = read_plan_bytes("县.docx", bureau_docx(), mapping)
    store = Store(tmp_path / "m.duckdb")
    try:
        reviews = {plans.review_key(c): "已核对" for c in confirmed.warnings}
        store.import_plan(confirmed, reviews=reviews, remember_mapping=True)
        remembered = plans.remembered_mapping(store, "示范县教育局")
        assert remembered is not None and remembered.columns[4] == "sections"
        stored = store.rows("SELECT field, phrase FROM target_sources WHERE code = '1-2' ORDER BY field")
        assert ("deadline", "9月上旬前") in stored and ("sections", "机关党委") in stored
        assert store.scalar("SELECT standard FROM targets WHERE code = '1-1'") == "未落实扣1分"
    finally:
        store.close()
    # next year's file, its columns moved: the header "牵头" is still read as the sections
    next_year = read_plan_bytes("县.docx", bureau_docx([0, 4, 1, 2, 3, 5, 6, 7]), remembered=remembered)
    assert next_year.table.columns[1][2:] == ("sections", "沿用上次确认的映射")
    assert next_year.targets[0].sections == ("办公室",)


def test_an_import_from_the_page_needs_a_reason_for_every_flagged_reading(tmp_path):
    plan = read_plan_bytes("县.docx", bureau_docx())
    store = Store(tmp_path / "r.duckdb")
    try:
        keys = [plans.review_key(c) for c in plan.warnings]
        with pytest.raises(StoreError, match=f"还有 {len(keys)} 项提示没有填写确认理由"):
            store.import_plan(plan, reviews={})
        with pytest.raises(StoreError, match="还有 1 项提示"):
            store.import_plan(plan, reviews={k: "已核对" for k in keys[1:]})
        assert store.scalar("SELECT count(*) FROM plans") == 0  # nothing half-written
        store.import_plan(plan, reviews={k: f"理由{n}" for n, k in enumerate(keys)})
        assert store.scalar("SELECT count(*) FROM plan_reviews") == len(keys)
        audit = store.scalar("SELECT new_value FROM audit_log WHERE action = '导入方案'")
        assert "理由0" in str(audit)
    finally:
        store.close()


def test_the_seed_with_a_header_row_reads_exactly_as_without():
    """The published layout with a header row over it (its label columns unnamed, the 行政能力
    indicators in a label column, 7-1 … 7-4 spanning the indicator column): read by the header's
    columns, every field as the document without a header gives it."""
    from tests import plan_docs
    from tests.fixtures import shipped_plan

    lines, rows = plan_docs.seed_document()
    header = ["类别", "", "编号", "一级指标", "年度工作目标", "分值", "完成时限", "责任科室", "责任人", "分管领导"]
    grid = [[(h, 1) for h in header], *plan_docs.seed_grid(rows)]
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    plan_docs.word_table(document, grid)
    buf = io.BytesIO()
    document.save(buf)
    plan = read_plan_bytes("表头.docx", buf.getvalue())
    assert not plan.table.positional
    assert [t.as_dict() for t in plan.targets] == [t.as_dict() for t in shipped_plan().targets]
    assert [c.message for c in plan.warnings] == [c.message for c in shipped_plan().warnings]


@pytest.mark.parametrize(
    ("cell", "sections"),
    [
        ("规划科（牵头）、财务科", ["规划科", "财务科"]),
        ("财务科、规划科（牵头）", ["规划科", "财务科"]),
        ("牵头：办公室；配合：财务科、人事科", ["办公室", "财务科", "人事科"]),
        ("牵头科室：基教科，配合科室：财务科", ["基教科", "财务科"]),
        ("民管科（对台办）、办公室", ["民管科（对台办）", "办公室"]),  # a bracket that is part of a name stays
    ],
)
def test_roles_written_into_a_sections_cell_give_the_order(cell, sections):
    from perfdash.plan.cells import sections_of

    assert sections_of(cell) == sections
