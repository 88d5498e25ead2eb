"""Cell values safe in a spreadsheet: text that a spreadsheet would run as a formula is neutralised
when written, and read back as it was."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A value safe to put in a cell: control characters (which Excel cannot store, e.g. Word's
    manual line break) are dropped, and text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def cell_text(value: object) -> object:
    """Undo ``safe_cell`` when reading a sheet back: the apostrophe before formula-like text."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value
