"""The 绩效评估报告 as an official document, read back with python-docx: page, margins, fonts and
styles (GB/T 9704), page numbers, the four parts, the 落款 and the 附件, one number format, and
last year's score when the database holds it. (How LibreOffice prints it: tests/test_office_suite.py.)"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import date

import pytest
from docx import Document
from docx.shared import Mm

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.present import evaluation_report, officedoc
from perfdash.server.demo import build_demo
from perfdash.store import ProgressRow, Store
from perfdash.workflows import scoring, years
from tests.fixtures import DEMO_SEED, shipped_plan

AS_OF = date(2025, 11, 21)
OFFICE = Actor("office", "绩效办", "admin")


@pytest.fixture(scope="module")
def store(databases, tmp_path_factory):
    s = Store(databases.copy("demo", tmp_path_factory.mktemp("report")))
    yield s
    s.close()


@pytest.fixture(scope="module")
def made(store):
    data, result = evaluation_report.build(store, 1, AS_OF, issued=date(2025, 12, 5))
    return data, result, Document(io.BytesIO(data))


def _fonts(element) -> dict[str, str]:
    fonts = element.rPr.rFonts
    return {k.split("}")[1]: v for k, v in fonts.attrib.items()}


def test_a4_with_the_official_margins(made):
    _, _, doc = made
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]
    assert section.footer_distance < Mm(35)  # the page number sits below the type area


def test_fonts_and_styles_are_the_official_ones(made):
    _, _, doc = made
    used = {p.style.name for p in doc.paragraphs}
    assert not {s for s in used if s.startswith(("Title", "Heading"))}  # python-docx's blue defaults
    expected = {
        "公文标题": ("方正小标宋简体", 22),
        "一级标题": ("黑体", 16),
        "二级标题": ("楷体_GB2312", 16),
        "Normal": ("仿宋_GB2312", 16),
    }
    for name, (font, size) in expected.items():
        style = doc.styles[name]
        fonts = _fonts(style.element)
        assert fonts["eastAsia"] == fonts["ascii"] == fonts["hAnsi"] == font, name
        assert not any(k.endswith("Theme") for k in fonts), name  # no theme font overrides the name
        assert style.font.size.pt == size, name
        assert style.font.color.rgb is None, name
    assert {"公文标题", "一级标题", "二级标题", "三级标题", "Normal"} <= used
    assert doc.paragraphs[0].style.name == "公文标题"
    assert doc.paragraphs[0].text == "泉州市教育局2025年度绩效评估报告（演示数据）"  # this store holds the demo history
    assert doc.styles["Normal"].paragraph_format.line_spacing.pt == pytest.approx(28.9)


def test_fonts_are_named_with_fallbacks_and_not_embedded(made):
    data, _, _ = made
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not [n for n in z.namelist() if n.startswith("word/fonts/")]
        assert b"embedTrueTypeFonts" not in z.read("word/settings.xml")
        table = z.read("word/fontTable.xml").decode("utf-8")
    for name, (alt, _) in officedoc.FALLBACK.items():
        assert re.search(rf'w:name="{name}">\s*<w:altName w:val="{alt}"/>\s*<w:charset w:val="86"/>', table), name


def test_page_numbers_are_a_page_field_between_dashes(made):
    _, _, doc = made
    footer = doc.sections[0].footer.paragraphs[0]
    xml = footer._p.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert footer.alignment == 1  # centred


def test_the_parts_in_order_with_the_signature_and_annex(made):
    _, result, doc = made
    texts = [p.text for p in doc.paragraphs]
    heads = [t for t in texts if re.match(r"^[一二三四]、", t)]
    assert heads == ["一、总体情况", "二、主要成效", "三、存在问题", "四、下一步措施"]
    attached = texts.index("附件：泉州市教育局2025年度绩效目标完成情况表")
    assert texts[attached + 2 : attached + 4] == ["泉州市教育局", "2025年12月5日"]  # 落款, after a blank line
    assert texts[-3:] == ["附件", "泉州市教育局2025年度绩效目标完成情况表", ""]  # then the annex table
    body = "\n".join(texts)
    assert f"年度绩效目标考评得分{result.total:.2f}分，等次为{result.grade}" in body
    assert "序时进度" in body and "按本局暂定分界" in body
    assert "（待绩效办填写）" in body  # no notes yet: the place for them is marked
    for word in ("perfdash", "默认设置", "Perfdash"):
        assert word not in body


def test_every_target_by_group_and_indicator(made, store):
    _, _, doc = made
    texts = [p.text for p in doc.paragraphs]
    state = evaluation_report.gather(store, 1, AS_OF, scoring.Rules()).rows
    groups = list(state["group"].drop_duplicates())
    assert [t for t in texts if re.match(r"^（[一二三四五六七八九十]+）", t)] == [
        f"（{n}）{g}" for n, g in zip("一二三四五六", groups, strict=False)
    ]
    body = "\n".join(texts)
    for t in state.itertuples():
        assert f"{t.target}（{t.code}：分值{t.points:.2f}分" in body, t.code
    annex = evaluation_report.read_totals(made[0])["targets"]
    assert list(annex["编号"]) == list(state["code"])
    assert all(annex["年度工作目标"].str.startswith(tuple(state["target"])))


def test_one_number_format_for_scores(made):
    data, result, doc = made
    body = "\n".join(p.text for p in doc.paragraphs)
    amounts = re.findall(r"(\d+(?:\.\d+)?)分(?!钟)", body)  # 课间15分钟 in a target is no score
    assert amounts and all(re.fullmatch(r"\d+\.\d\d", a) for a in amounts), [a for a in amounts if "." not in a]
    table = doc.tables[-1]
    header = [c.text for c in table.rows[0].cells]
    for row in table.rows[1:]:
        cells = dict(zip(header, (c.text for c in row.cells), strict=True))
        for column in ("分值", "得分"):
            value = cells[column]
            assert value in ("", result.grade) or re.fullmatch(r"\d+\.\d\d", value) or value == cells["编号"], value
    assert evaluation_report.read_totals(data)["total"] == round(result.total, 2)


def test_notes_and_last_year(demo_db):
    plan = shipped_plan()
    s = Store(demo_db)  # this year's plan (1) and its demo history
    try:
        data, _ = evaluation_report.build(s, 1, AS_OF)
        assert "2024年度" not in evaluation_report.read_totals(data)["text"]  # no previous year: no comparison
        last = dataclasses.replace(
            plan,
            year=2024,
            title=plan.title.replace("2025", "2024"),
            targets=[dataclasses.replace(t, deadline=t.deadline.replace(year=2024)) for t in plan.targets],
        )
        build_demo(s, last, DEMO_SEED, until=date(2024, 12, 31))
        problems = "一是个别目标滞后。\n二是材料归集\x0b不及时。"  # \x0b: Word's line break, pasted
        s.set_report_notes(1, problems, "加强调度，按月通报。", OFFICE)
        data, result = evaluation_report.build(s, 1, AS_OF)
        text = evaluation_report.read_totals(data)["text"]
        before = evaluation_report.gather(s, 2, date(2024, 12, 31), scoring.Rules()).result
        change = round(result.total, 2) - round(before.total, 2)
        last_day = years.year_result(s, years.previous_plan(s, plan.unit, 2025)).as_of  # not locked: as recorded
        assert f"2024年度考评得分{before.total:.2f}分（截至{fmt.long_day(last_day)}），等次为{before.grade}" in text
        assert f"较上年{'提高' if change > 0 else '降低'}{abs(change):.2f}分" in text
        paragraphs = text.splitlines()
        assert "一是个别目标滞后。" in paragraphs and "二是材料归集不及时。" in paragraphs  # one paragraph a line
        assert "加强调度，按月通报。" in paragraphs
    finally:
        s.close()


# -- its date, and demo data said so ------------------------------------------------------------


def test_dated_by_its_data_not_by_the_day_it_is_made(store):
    data, _ = evaluation_report.build(store, 1, AS_OF)  # no issue date given
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    assert texts[1] == "（统计截至2025年11月21日）"
    attached = texts.index("附件：泉州市教育局2025年度绩效目标完成情况表")
    assert texts[attached + 2 : attached + 4] == ["泉州市教育局", "2025年11月21日"]  # the 落款: the data's date
    today = date.today()
    assert f"{today.year}年{today.month}月{today.day}日" not in "\n".join(texts)  # (the test runs after 2025)
    props = doc.core_properties
    assert props.title == "泉州市教育局2025年度绩效评估报告（演示数据）"
    assert props.comments.startswith("数据截至 2025-11-21；生成于 " + today.isoformat())


def test_real_data_is_not_labelled_demo(plan_store):
    section = Actor.section("校安科")
    plan_store.add_progress(1, [ProgressRow("7-2", date(2025, 11, 21), 60, "推进中")], section, today=AS_OF)
    data, _ = evaluation_report.build(plan_store, 1, AS_OF)
    doc = Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "泉州市教育局2025年度绩效评估报告"
    assert (
        "演示数据" not in evaluation_report.read_totals(data)["text"]
        and doc.core_properties.title == doc.paragraphs[0].text
    )
