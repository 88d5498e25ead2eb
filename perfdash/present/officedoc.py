"""A Word document in the form of a Chinese official document (GB/T 9704 党政机关公文格式): A4,
margins 37 / 35 / 28 / 26 mm, title in 方正小标宋简体 二号, headings in 黑体 and 楷体_GB2312 三号,
body in 仿宋_GB2312 三号 on a 22-line page, page numbers "— 1 —" at the foot, and the 落款.

Fonts are named, never embedded. Each name is set for Chinese and Latin text alike (w:eastAsia,
w:ascii, w:hAnsi), and the font table gives Word and WPS the font to use when one is missing
(w:altName: 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 方正小标宋简体 → 宋体); LibreOffice
substitutes a CJK font of the same kind. The styles are the document's own: none of python-docx's
default blue "Title" or "Heading" styles is used.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree  # python-docx's own XML library

from perfdash.core.excel import clean

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, PAGE_FONT = (
    "方正小标宋简体",
    "黑体",
    "楷体_GB2312",
    "仿宋_GB2312",
    "宋体",
)
# The font Word / WPS use when a named one is missing (fontTable w:altName), and its family.
FALLBACK = {
    TITLE_FONT: ("宋体", "roman"),
    HEADING_FONT: ("SimHei", "modern"),
    SUBHEADING_FONT: ("楷体", "modern"),
    BODY_FONT: ("仿宋", "modern"),
    PAGE_FONT: ("SimSun", "auto"),
}
ERHAO, SANHAO, SIHAO, WUHAO = Pt(22), Pt(16), Pt(14), Pt(10.5)  # 二号, 三号, 四号, 五号
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINE = Pt(28.9)  # 22 lines in the 225 mm type area
INDENT = Pt(32)  # two characters of 三号
STYLES = {  # name: (font, size, bold, outline level or None, centred)
    "公文标题": (TITLE_FONT, ERHAO, False, None, True),
    "公文副标题": (SUBHEADING_FONT, SANHAO, False, None, True),
    "一级标题": (HEADING_FONT, SANHAO, False, 0, False),
    "二级标题": (SUBHEADING_FONT, SANHAO, False, 1, False),
    "三级标题": (BODY_FONT, SANHAO, True, 2, False),
    "表格文字": (BODY_FONT, WUHAO, False, None, False),
}


def set_fonts(rpr_parent: object, font: str) -> None:
    """Name ``font`` for every script of a run or style (w:eastAsia for Chinese, w:ascii / w:hAnsi
    for Latin letters and digits, w:cs), replacing theme fonts, with the East Asian hint set so
    punctuation such as “” uses it too."""
    rpr = rpr_parent.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    fonts.set(qn("w:hint"), "eastAsia")


def _defaults(doc: DocumentObject) -> None:
    """Document defaults: the body font without theme fonts, Chinese as the East Asian language
    (so suites pick simplified-Chinese glyphs), no space after paragraphs."""
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")


def _style(doc: DocumentObject, name: str) -> None:
    font, size, bold, level, centred = STYLES[name]
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.size = size
    style.font.bold = bold
    set_fonts(style.element, font)
    pf = style.paragraph_format
    if name == "表格文字":
        pf.first_line_indent = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
    elif name == "公文标题":
        pf.first_line_indent = Pt(0)
        pf.line_spacing = Pt(36)  # exact: a 22 pt title needs more than the body's 28.9 pt
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    if centred:
        pf.first_line_indent = Pt(0)
        pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if level is not None:
        pf.keep_with_next = True
        pf.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{level}"/>'))


def _fallbacks(doc: DocumentObject) -> None:
    """Declare each font in the font table with the one to use in its place (w:altName) and the
    GB2312 character set, so Word and WPS substitute a near font rather than their default."""
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype == RT.FONT_TABLE)
    table = etree.fromstring(part.blob)
    for name, (alt, family) in FALLBACK.items():
        font = parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
        )
        table.append(font)
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)  # a plain part


def new_document() -> DocumentObject:
    """An empty document on A4 with the GB/T 9704 margins, fonts, styles and page numbers."""
    doc = Document()
    _defaults(doc)
    normal = doc.styles["Normal"]
    normal.font.size = SANHAO
    set_fonts(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.line_spacing = LINE
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.space_after = Pt(0)
    pf.space_before = Pt(0)
    pf.first_line_indent = INDENT
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.widow_control = True
    for name in STYLES:
        _style(doc, name)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(26)  # the page number sits about 7 mm below the type area
    _page_numbers(section.footer.paragraphs[0])
    _fallbacks(doc)
    return doc


def _page_numbers(paragraph: Paragraph) -> None:
    """ "— 1 —" centred: 四号 宋体 around a PAGE field."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)

    def run(text: str = "") -> object:
        r = paragraph.add_run(text)
        r.font.size = SIHAO
        set_fonts(r._r, PAGE_FONT)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind:
            r._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="{kind}"/>'))
        elif text == "1":
            r.text = text  # shown until the field is updated
        else:
            instr = parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve">{text}</w:instrText>')
            r._r.append(instr)
    run(" —")


def para(doc: DocumentObject, text: str, style: str = "Normal") -> Paragraph:
    """A paragraph in one of the document's styles (text from data without the characters no XML
    file may hold, such as Word's manual line break pasted into a note)."""
    return doc.add_paragraph(str(clean(text)), style=doc.styles[style])


def signature(doc: DocumentObject, unit: str, day: date) -> None:
    """The 落款: one blank line, the unit two characters from the right, the date (in Arabic
    numerals) under it, centred on the unit's name."""
    para(doc, "")
    dated = f"{day.year}年{day.month}月{day.day}日"
    name_width, date_width = _width(unit), _width(dated)
    for text, right in (
        (unit, 2 * 16 + max(date_width - name_width, 0) / 2),
        (dated, 2 * 16 + max(name_width - date_width, 0) / 2),
    ):
        p = para(doc, text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.right_indent = Pt(right)


def _width(text: str) -> float:
    """Points a line of 三号 text takes (a Chinese character 16 pt, a digit or letter 8 pt)."""
    return sum(8 if ord(c) < 0x2E80 else 16 for c in text)


def page_break(doc: DocumentObject) -> None:
    """Start the next paragraph on a new page."""
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def table(
    doc: DocumentObject,
    header: Sequence[str],
    widths_mm: Sequence[float],
    rows: Sequence[Sequence[str] | str],
    numeric: Sequence[int] = (),
) -> Table:
    """A bordered table in 五号 仿宋 across the type area: the header row (黑体) repeats on every page,
    no row breaks across pages, long text wraps. A row given as a single string spans the whole
    table in bold (a group heading or a total)."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for column, width in zip(t.columns, widths_mm, strict=True):
        column.width = Mm(width)  # the table grid, which LibreOffice goes by
    _cells(t.rows[0], header, widths_mm, bold=True, centred=range(len(header)), font=HEADING_FONT)
    tr_pr = t.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
    for row in rows:
        r = t.add_row()
        r._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        if isinstance(row, str):
            merged = r.cells[0].merge(r.cells[-1])
            merged.text = ""
            _fill(merged.paragraphs[0], row, bold=True)
            continue
        _cells(r, row, widths_mm, centred=numeric)
    return t


def _cells(row: object, values: Sequence[str], widths_mm: Sequence[float], **kwargs: object) -> None:
    for i, (cell, value, width) in enumerate(zip(row.cells, values, widths_mm, strict=True)):  # type: ignore[attr-defined]
        cell.width = Mm(width)
        _fill(
            cell.paragraphs[0],
            value,
            bold=bool(kwargs.get("bold")),
            centred=i in kwargs.get("centred", ()),  # type: ignore[operator]
            font=str(kwargs.get("font") or BODY_FONT),
        )


def _fill(paragraph: Paragraph, text: str, bold: bool = False, centred: bool = False, font: str = BODY_FONT) -> None:
    paragraph.style = paragraph.part.document.styles["表格文字"]
    if centred:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(str(clean(text)))
    run.bold = bold
    if font != BODY_FONT:
        set_fonts(run._r, font)


def to_bytes(doc: DocumentObject) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
