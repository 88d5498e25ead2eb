"""Plan intake for any year and any bureau: the Word file as published (merged cells and all), the
probes of the intake issue each read right or stopped with its cause, deadlines read only where
certain, and structure taken from the document (a 1000-point plan of other groups)."""

from __future__ import annotations

from datetime import date

import pytest

from perfdash.plan import TARGET_KEYS, PlanError, read_plan, read_plan_bytes
from perfdash.plan.deadlines import read_deadline
from perfdash.plan.text import decode, parse_plan_text
from tests import plan_docs
from tests.fixtures import PLAN_FILE, shipped_plan
from tests.running import run_cli

SEED_TEXT = decode(PLAN_FILE.read_bytes())


def as_json(plan) -> list[dict]:
    return [t.as_dict() for t in plan.targets]


@pytest.fixture(scope="module")
def seed():
    return shipped_plan()


# -- the Word file ---------------------------------------------------------------------------------


def test_the_seed_as_word_reads_exactly_as_the_text(seed):
    plan = read_plan_bytes("方案.docx", plan_docs.seed_docx())
    assert (plan.unit, plan.year) == ("泉州市教育局", 2025)
    assert as_json(plan) == as_json(seed)
    assert [c.message for c in plan.warnings] == [c.message for c in seed.warnings]  # 66 vs 61 only
    assert [(e.name, e.start, e.end) for e in plan.calendar] == [(e.name, e.start, e.end) for e in seed.calendar]


def test_the_word_file_really_holds_merged_cells():
    """The test document is what Word writes: cells running down (w:vMerge) and across (w:gridSpan)."""
    import io
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(plan_docs.seed_docx())).read("word/document.xml").decode()
    assert xml.count('w:vMerge w:val="restart"') >= 20
    assert xml.count("<w:vMerge/>") >= 60
    assert xml.count("<w:gridSpan") >= 20


def test_the_cli_reads_the_word_file_like_the_text(tmp_path, seed):
    path = tmp_path / "泉州市教育局2025年度绩效工作方案.docx"
    path.write_bytes(plan_docs.seed_docx())
    printed = run_cli("plan", str(path), "--json").as_json()
    assert [{k: r[k] for k in TARGET_KEYS} for r in printed] == as_json(seed)


def test_a_title_written_year_first_names_the_unit(seed):
    plan = read_plan_bytes("a.docx", plan_docs.seed_docx("2025年度泉州市教育局绩效目标考评表"))
    assert plan.unit == "泉州市教育局" and plan.year == 2025
    text = SEED_TEXT.replace("\n泉州市教育局2025年度绩效目标考评表 \n", "\n2025年度泉州市教育局绩效目标考评表\n")
    assert parse_plan_text(text).unit == "泉州市教育局"  # never "附件：泉州市教育局" from the prose


def test_a_title_inside_the_table(seed):
    lines, rows = plan_docs.seed_document()
    data = plan_docs.docx_bytes(lines[:-1], rows, "泉州市教育局2025年度绩效目标考评表", title_in_table=True)
    plan = read_plan_bytes("t.docx", data)
    assert plan.unit == "泉州市教育局" and as_json(plan) == as_json(seed)


def test_another_layout_with_a_header_row_reads_by_column_names():
    targets = plan_docs.thousand_point_targets()
    data = plan_docs.header_docx("示范县教育局", 2026, targets, plan_docs.THOUSAND_GROUPS, year_first=True)
    plan = read_plan_bytes("县方案.docx", data)
    assert (plan.unit, plan.year) == ("示范县教育局", 2026)
    assert [t.code for t in plan.targets] == [t["code"] for t in targets]
    assert [t.group for t in plan.targets] == [t["group"] for t in targets]
    assert [t.points for t in plan.targets] == [t["points"] for t in targets]
    assert [t.indicator for t in plan.targets] == [t["indicator"] for t in targets]
    assert plan.total_points == 1000
    assert [(g.name, g.stated_points) for g in plan.groups] == list(plan_docs.THOUSAND_GROUPS.items())
    assert not any(c.check == "分值结构" and not c.ok for c in plan.checks)  # its own structure holds


# -- the probes -------------------------------------------------------------------------------------


def test_a_cell_ending_with_an_empty_paragraph_loses_no_target(seed):
    cut = SEED_TEXT.replace(
        "有效增加城区基础教育阶段学位供给。2025秋季全市建成投用中学学位2万个。\n",
        "有效增加城区基础教育阶段学位供给。2025秋季全市建成投用中学学位2万个。\n\n",
        1,
    )
    assert cut != SEED_TEXT
    plan = parse_plan_text(cut)
    assert as_json(plan) == as_json(seed)


def test_a_table_copied_from_a_web_page(seed):
    lines, rows = plan_docs.seed_document()
    copied = ["\t".join(c.replace("\n", "") for c in cells) for cells in rows if any(cell.strip() for cell in cells)]
    plan = parse_plan_text("\n".join([*lines, *copied]))
    assert len(plan.targets) == 61
    assert as_json(plan)[0] == as_json(seed)[0]
    # the leading cells merged from above are left out in a copy: the rows still read
    dropped = []
    for line in copied:
        cells = line.split("\t")
        while cells and not cells[0]:
            cells.pop(0)
        dropped.append("\t".join(cells))
    plan = parse_plan_text("\n".join([*lines, *dropped]))
    assert [t.code for t in plan.targets] == [t.code for t in seed.targets]
    assert [t.indicator_code for t in plan.targets] == [t.indicator_code for t in seed.targets]


@pytest.mark.parametrize(
    ("phrase", "expected", "certain", "earlier"),
    [
        ("12月底前", date(2025, 12, 31), True, ()),
        ("第一季度", date(2025, 3, 31), True, ()),
        ("三季度末", date(2025, 9, 30), True, ()),
        ("上半年", date(2025, 6, 30), True, ()),
        ("下半年", date(2025, 12, 31), True, ()),
        ("次年1月", date(2026, 1, 31), True, ()),  # January of the NEXT year
        ("上半年、三季度、四季度", date(2025, 12, 31), False, (date(2025, 6, 30), date(2025, 9, 30))),
        ("每季度", date(2025, 12, 31), False, (date(2025, 3, 31), date(2025, 6, 30), date(2025, 9, 30))),
        ("长期坚持", date(2025, 12, 31), False, ()),
        ("", None, False, ()),
        ("待定", None, False, ()),
    ],
)
def test_deadlines_are_dates_only_where_certain(phrase, expected, certain, earlier):
    read = read_deadline(phrase, 2025)
    assert (read.date, read.certain, read.earlier) == (expected, certain, earlier)
    assert read.certain or read.note  # what is not certain says why


def _with_deadline(code: str, phrase: str) -> str:
    marker = f"\t{code}\n"
    start = SEED_TEXT.index(marker)
    at = SEED_TEXT.index("\t12月底前\n", start)
    return SEED_TEXT[:at] + f"\t{phrase}\n" + SEED_TEXT[at + len("\t12月底前\n") :]


def test_a_list_of_periods_takes_the_last_and_offers_the_others():
    plan = parse_plan_text(_with_deadline("1-1-3", "上半年、三季度、四季度"))
    t = {t.code: t for t in plan.targets}["1-1-3"]
    assert t.deadline == date(2025, 12, 31)
    assert plan.suggested_milestones["1-1-3"] == (date(2025, 6, 30), date(2025, 9, 30))
    assert any(c.check == "完成时限" and c.subject == "1-1-3" and "其余可设为节点" in c.message for c in plan.warnings)


def test_next_january_is_flagged_outside_the_year():
    plan = parse_plan_text(_with_deadline("1-1-3", "次年1月"))
    assert {t.code: t.deadline for t in plan.targets}["1-1-3"] == date(2026, 1, 31)
    assert any(c.subject == "1-1-3" and "不在方案年度内" in c.message for c in plan.warnings)


def test_an_empty_deadline_keeps_the_row_with_a_warning():
    plan = parse_plan_text(_with_deadline("1-1-3", ""))
    assert len(plan.targets) == 61
    assert {t.code: t.deadline for t in plan.targets}["1-1-3"] == date(2025, 12, 31)
    messages = [c.message for c in plan.warnings]
    assert any("1-1-3 没有填写完成时限" in m for m in messages)
    assert not any("编号" in m for m in messages)  # the message names the real cause


def test_a_row_without_section_or_person_is_flagged():
    text = SEED_TEXT.replace(
        "\t校安科\n\t胡志强\n\t庄映峰\n\n\t\n\t\n\t1-2-1", "\t\n\t\n\t庄映峰\n\n\t\n\t\n\t1-2-1", 1
    )
    plan = parse_plan_text(text)
    assert len(plan.targets) == 61
    flagged = {(c.check, c.subject) for c in plan.warnings}
    assert ("责任科室", "1-1-3") in flagged and ("责任人", "1-1-3") in flagged


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "另存为” Word 文档（.docx）"),
        (b"%PDF-1.7\n%...", "PDF"),
        (b"{\\rtf1\\ansi ...}", "RTF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "图片"),
        ("2025年度泉州市教育局绩效工作方案\n\n一、总体要求\n".encode(), "未找到“××××年度绩效目标考评表”表格标题"),
    ],
    ids=["doc-or-wps", "pdf", "rtf", "image", "no-title"],
)
def test_each_refusal_names_its_cause(data, cause):
    with pytest.raises(PlanError, match=cause.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_plan_bytes("方案.doc", data)


def test_a_word_file_without_the_table_says_so():
    import io

    from docx import Document

    doc = Document()
    doc.add_paragraph("泉州市教育局2025年度绩效工作方案")
    buf = io.BytesIO()
    doc.save(buf)
    with pytest.raises(PlanError, match="Word 文件中没有表格"):
        read_plan_bytes("方案.docx", buf.getvalue())


def test_a_word_file_renamed_txt_is_still_read(tmp_path, seed):
    path = tmp_path / "方案.txt"
    path.write_bytes(plan_docs.seed_docx())
    assert as_json(read_plan(path)) == as_json(seed)


def test_a_damaged_word_file_is_refused_with_its_cause():
    data = plan_docs.seed_docx()
    with pytest.raises(PlanError, match="Word"):
        read_plan_bytes("坏.docx", data[: len(data) // 3])
