"""Chinese everywhere: every page, as each role, shows no English UI word, no None/NaN, no empty
table (Streamlit draws "empty" in it), no raw JSON, and a Chinese header on every table column.
AppTest sees every tab's content and the data behind each table (which the browser draws on a
canvas); tests/browser/test_chinese.py looks at the page as drawn."""

from __future__ import annotations

import json
import math
import re

import pytest

from tests.fixtures import signed_in
from tests.test_pages import PAGES

ROLES = [("office", None), ("section", "校安科"), ("leader", "李自坚")]
ENGLISH = re.compile(r"\b(View|more|empty|None|nan|NaN|Upload|per file|null|true|false)\b")
RAW_JSON = re.compile(r'[{\[]\s*"[A-Za-z_]+"\s*:')
CJK = re.compile(r"[\u4e00-\u9fff]")


def _headers(element) -> dict[str, str]:
    """Each shown column's header: its column_config label, else the DataFrame's column name."""
    config = json.loads(element.proto.columns or "{}")
    labels = {}
    for name in element.value.columns:
        conf = config.get(f"col:{name}", config.get(str(name), {}))
        if conf.get("hidden"):
            continue
        labels[str(name)] = conf.get("label") or str(name)
    return labels


def _bad_cell(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    text = str(value)
    return text in ("None", "nan", "NaN", "NaT", "<NA>") or bool(RAW_JSON.search(text))


def _texts(at) -> list[str]:
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader", "metric")
    out = []
    for kind in kinds:
        for e in at.get(kind):
            out.append(str(getattr(e, "value", "")) + " " + str(getattr(e, "label", "")))
    for e in at.get("selectbox") + at.get("multiselect") + at.get("radio"):
        out += [str(e.label), *(str(o) for o in e.options)]
    return out


@pytest.mark.parametrize(("role", "scope"), ROLES, ids=[r for r, _ in ROLES])
@pytest.mark.parametrize("script", [p for p in PAGES if p != "pages/meeting.py"])
def test_every_page_speaks_chinese(db, script, role, scope):
    at = signed_in(script, role, scope).run()
    assert not at.exception, at.exception
    problems = []
    for frame in at.dataframe:
        df = frame.value
        adds_rows = frame.proto.editing_mode == frame.proto.EditingMode.DYNAMIC  # an empty editor invites rows
        if len(df) == 0 and not adds_rows:
            problems.append(f"an empty table (columns {list(df.columns)})")
        for name, label in _headers(frame).items():
            if not CJK.search(label):
                problems.append(f"column header {label!r}")
            bad = [v for v in df[name].tolist() if _bad_cell(v)] if name in df.columns else []
            if bad:
                problems.append(f"{label}: {bad[:3]}")
    for text in _texts(at):
        if ENGLISH.search(text) or RAW_JSON.search(text):
            problems.append(text[:120])
    assert not problems, problems
