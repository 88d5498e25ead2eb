"""Hostile and awkward Office files, built by code from raw XML (openpyxl would never write them)."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
LEDGER_HEADER = ("编号", "填报日期", "完成率(%)", "状态", "进展说明")


def cell_xml(ref: str, value: object, style: int | None = None, formula: str | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    if formula is not None:
        v = "" if value is None else f"<v>{value}</v>"
        return f'<c r="{ref}"{s}><f>{escape(formula)}</f>{v}</c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"{s}><is><t>{escape(str(value))}</t></is></c>'


def row_xml(number: int, values: list[object], styles: dict[int, int] | None = None) -> str:
    cells = "".join(
        cell_xml(f"{chr(65 + i)}{number}", v, (styles or {}).get(i)) for i, v in enumerate(values) if v is not None
    )
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows: str, dimension: str | None = None, prefix: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return f"{head}{prefix}<worksheet {NS}>{dim}<sheetData>{rows}</sheetData></worksheet>"


# A style sheet with two cell formats: 0 general, 1 percent (built-in format 9 "0%"), 2 a date.
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {NS}><fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/>'
    '<xf numFmtId="9" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
)


def workbook(sheets: list[tuple[str, str, str]], styles: bool = True, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """An .xlsx of the given (name, state, sheet XML) sheets; state is 'visible' or 'hidden'."""
    ct = [
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
    ]
    rels, entries = [], []
    files: dict[str, str] = {}
    for n, (name, state, xml) in enumerate(sheets, start=1):
        ct.append(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{n}.xml"/>'
        )
        hidden = ' state="hidden"' if state == "hidden" else ""
        entries.append(f'<sheet name="{escape(name)}" sheetId="{n}"{hidden} r:id="rId{n}"/>')
        files[f"xl/worksheets/sheet{n}.xml"] = xml
    if styles:
        ct.append(
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/>'
        )
        files["xl/styles.xml"] = STYLES
    files["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types">{"".join(ct)}</Types>'
    )
    files["_rels/.rels"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    files["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} {REL_NS}><sheets>{"".join(entries)}</sheets></workbook>'
    )
    files["xl/_rels/workbook.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships">{"".join(rels)}</Relationships>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def ledger(rows: list[list[object]], styles: dict[int, int] | None = None, sheet: str = "进度台账") -> bytes:
    """A plain ledger with the template's header."""
    body = row_xml(1, list(LEDGER_HEADER)) + "".join(row_xml(n, r, styles) for n, r in enumerate(rows, start=2))
    return workbook([(sheet, "visible", sheet_xml(body))])


def dimension_bomb(columns: int = 4) -> bytes:
    """The finding of the attack run: a header, one cell in the sheet's last row, and a declared
    dimension of the whole sheet (A1:XFD1048576) — under 2 KB."""
    header = row_xml(1, list(LEDGER_HEADER[:columns]) + ["x"] * max(0, columns - len(LEDGER_HEADER)))
    rows = header + '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook([("进度台账", "visible", sheet_xml(rows, "A1:XFD1048576"))], styles=False)


def wide_bomb() -> bytes:
    """One row whose only cell sits in the last column (XFD), repeated down a few rows."""
    rows = row_xml(1, list(LEDGER_HEADER)) + "".join(
        f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 200)
    )
    return workbook([("进度台账", "visible", sheet_xml(rows, "A1:XFD199"))], styles=False)


def many_rows(n: int = 200_000) -> bytes:
    """A small file (tens of KB compressed) of far more rows than a ledger may have; the rows carry
    no row numbers, so only counting them finds how far the sheet goes."""
    rows = row_xml(1, list(LEDGER_HEADER)) + "<row><c><v>1</v></c></row>" * (n - 1)
    return workbook([("进度台账", "visible", sheet_xml(rows))], styles=False)


def zip_bomb(megabytes: int = 200) -> bytes:
    """A sheet whose XML expands a thousandfold (padding whitespace inside sheetData)."""
    rows = row_xml(1, list(LEDGER_HEADER)) + " " * (megabytes * 1024 * 1024)
    return workbook([("进度台账", "visible", sheet_xml(rows))], styles=False)


def long_cell(chars: int = 20_000_000) -> bytes:
    """A 进展说明 of ``chars`` characters in an otherwise valid ledger row."""
    return ledger([["1-1-1", "2025-06-30", 50, "推进中", "长" * chars]])


def entity_bomb() -> bytes:
    """'Billion laughs': an internal DTD whose entities expand exponentially."""
    dtd = (
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]>"
    )
    rows = row_xml(1, list(LEDGER_HEADER)) + '<row r="2"><c r="A2" t="inlineStr"><is><t>&i;</t></is></c></row>'
    xml = f'<?xml version="1.0" encoding="UTF-8"?>{dtd}<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>'
    return workbook([("进度台账", "visible", xml)], styles=False)


def hidden_ledger(visible_rows: list[list[object]], hidden_rows: list[list[object]]) -> bytes:
    """A hidden sheet named 进度台账 beside a visible sheet the person actually filled in."""

    def body(rows: list[list[object]]) -> str:
        return row_xml(1, list(LEDGER_HEADER)) + "".join(row_xml(n, r) for n, r in enumerate(rows, start=2))

    return workbook(
        [("进度台账", "hidden", sheet_xml(body(hidden_rows))), ("Sheet1", "visible", sheet_xml(body(visible_rows)))]
    )


def formula_without_value() -> bytes:
    """完成率 written as a formula that was never calculated (no cached <v>)."""
    rows = (
        row_xml(1, list(LEDGER_HEADER))
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>1-1-1</t></is></c>'
        + '<c r="B2" t="inlineStr"><is><t>2025-06-30</t></is></c>'
        + '<c r="C2"><f>40+40</f></c><c r="D2" t="inlineStr"><is><t>推进中</t></is></c></row>'
    )
    return workbook([("进度台账", "visible", sheet_xml(rows))])
