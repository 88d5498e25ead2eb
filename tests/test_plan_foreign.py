"""The plan reader on other bureaus' 考评表 (tests/foreign_plans.py): each is read exactly, or every
target and field it may have read wrong is named in a warning, or it is refused with what to do —
never a field stored wrong in silence. Where a reader can reasonably be exact, it must be, and at
least two thirds of the layouts must read exactly."""

from __future__ import annotations

import functools
import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from perfdash.plan import Check, Plan, PlanError, Target, read_plan_bytes
from tests import foreign_plans as fp

NAMES = list(fp.LAYOUTS)
FIELDS = ("text", "points", "deadline", "sections", "persons", "leaders")
# The words by which a warning names a field (a row it could not read names all of them).
FIELD_WORDS = {
    "text": ("年度工作目标", "目标文字"),
    "points": ("分值",),
    "deadline": ("完成时限",),
    "sections": ("责任科室",),
    "persons": ("责任人",),
    "leaders": ("分管领导",),
}
ROW_WORDS = ("无法识别", "已跳过", "未导入")


@functools.cache
def outcome(name: str) -> Plan | PlanError:
    """The layout as the reader reads it, or its refusal (once per test run)."""
    layout = fp.LAYOUTS[name]
    try:
        return read_plan_bytes(f"{layout.unit}考评表.{layout.kind}", layout.data())
    except PlanError as exc:
        return exc


def read(name: str) -> Plan:
    got = outcome(name)
    if isinstance(got, PlanError):
        pytest.fail(f"{name}: refused: {got}")
    return got


def values(t: Target) -> dict:
    return {
        "text": t.target,
        "points": t.points,
        "deadline": t.deadline.isoformat(),
        "sections": list(t.sections),
        "persons": list(t.persons),
        "leaders": list(t.leaders),
    }


def pairs(plan: Plan, truth: list[dict]) -> list[tuple[dict | None, Target | None]]:
    """Truth and read targets paired in document order when as many were read as written, else
    by their text (an unmatched one on either side is missing or extra)."""
    if len(plan.targets) == len(truth):
        return list(zip(truth, plan.targets, strict=True))
    left = list(plan.targets)
    out: list[tuple[dict | None, Target | None]] = []
    for e in truth:
        t = next((t for t in left if t.target == e["text"]), None)
        if t is not None:
            left.remove(t)
        out.append((e, t))
    return out + [(None, t) for t in left]


def names(w: Check, codes: set[str], rows: set[str], words: tuple[str, ...]) -> bool:
    """Whether a warning names a target (by its code as a whole, or its row) and a field (by one of
    ``words``). The notice that codes were generated names no target."""
    if w.check == "编号" and w.subject == "考评表":
        return False
    text = f"{w.subject} {w.message}"
    target = any(re.search(rf"{re.escape(r)}(?!\d)", text) for r in rows if r) or any(
        re.search(rf"(?<![0-9A-Za-z-]){re.escape(c)}(?![0-9A-Za-z-]|\s*式)", text) for c in codes if c
    )
    return target and any(word in f"{w.check} {text}" for word in words)


def differences(name: str, plan: Plan) -> list[tuple[dict | None, Target | None, list[str]]]:
    """Each target read differently from the truth, with the fields that differ."""
    layout = fp.LAYOUTS[name]
    out = []
    for e, t in pairs(plan, layout.truth):
        if e is None or t is None:
            out.append((e, t, ["missing" if t is None else "extra"]))
            continue
        got = values(t)
        diff = [f for f in FIELDS if got[f] != e[f]]
        if diff:
            out.append((e, t, diff))
    return out


def describe(e: dict | None, t: Target | None, diff: list[str]) -> str:
    label = f"{e['number'] or e['text'][:12]}" if e else f"(extra {t.code if t else ''})"
    if e is None or t is None:
        return f"{label} {diff[0]}"
    got = values(t)
    return "; ".join(f"{label} {f}: read {got[f]!r}, written {e[f]!r} (read as {t.code})" for f in diff)


def silent(name: str, plan: Plan) -> list[str]:
    """Every target and field read differently from the truth that no warning names."""
    layout = fp.LAYOUTS[name]
    out = []
    for e, t, diff in differences(name, plan):
        codes = {t.code if t else ""}
        rows = {layout.where(e["row"]) if e else "", t.source("row") if t else ""}
        for f in diff:
            words = ROW_WORDS + (FIELD_WORDS["text"] if f in ("missing", "extra") else FIELD_WORDS[f])
            if not any(names(w, codes, rows, words) for w in plan.warnings):
                out.append(describe(e, t, [f]))
    return out


def exact(name: str) -> bool:
    got = outcome(name)
    return not isinstance(got, PlanError) and not differences(name, got)


# ---------------------------------------------------------------------------
# The builder writes what it claims


@pytest.mark.parametrize("name", NAMES)
def test_layout_holds_its_title_and_every_target(name):
    layout = fp.LAYOUTS[name]
    data = layout.data()
    if layout.kind == "docx":
        document = Document(io.BytesIO(data))
        texts = {p.text for p in document.paragraphs}
        texts |= {"".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in document.element.body.iter(qn("w:tc"))}
    else:
        ws = load_workbook(io.BytesIO(data))[layout.sheet]
        texts = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert layout.title in texts
    assert [e["text"] for e in layout.truth if e["text"] not in texts] == []
    assert len(layout.truth) >= 3


# ---------------------------------------------------------------------------
# Every layout: nothing misread in silence; exact where a reader can be


@pytest.mark.parametrize("name", NAMES)
def test_no_silent_misread(name):
    layout = fp.LAYOUTS[name]
    got = outcome(name)
    if isinstance(got, PlanError):
        assert layout.refusable, f"{name}: refused: {got}"
        assert "请" in str(got), f"{name}: refused without saying what to do: {got}"
        return
    assert (got.unit, got.year) == (layout.unit, fp.YEAR)
    misread = silent(name, got)
    assert misread == [], f"{name}: read differently with no warning naming the target and field: {misread[:6]}"


@pytest.mark.parametrize("name", [n for n in NAMES if fp.LAYOUTS[n].exact])
def test_read_exactly(name):
    plan = read(name)
    diff = differences(name, plan)
    assert diff == [], f"{name}: first difference: {describe(*diff[0])}"


def test_most_layouts_read_exactly():
    done = [n for n in NAMES if exact(n)]
    assert len(done) * 3 >= len(NAMES) * 2, f"{len(done)} of {len(NAMES)} read exactly: {done}"


@pytest.mark.parametrize("name", [n for n in NAMES if any(e["number"] for e in fp.LAYOUTS[n].truth)])
def test_code_keeps_the_original_numbering(name):
    """A generated code keeps the numbering it stands for in source("code"); a 1-1-1 code is the
    document's own (1.1.1 read as 1-1-1)."""
    if isinstance(outcome(name), PlanError) and fp.LAYOUTS[name].refusable:
        return  # refused, as it may be: test_no_silent_misread checks the refusal says what to do
    plan = read(name)
    truth = fp.LAYOUTS[name].truth
    assert len(plan.targets) == len(truth), f"{name}: {len(plan.targets)} targets read, {len(truth)} written"
    for t, e in zip(plan.targets, truth, strict=True):
        number = e["number"]
        if re.fullmatch(r"\d+(?:[.-]\d+){1,2}", number):
            assert t.code == number.replace(".", "-"), f"{name}: {number} read as {t.code}"
        else:
            source = t.source("code")
            assert re.search(rf"(?<![\dA-Za-z]){re.escape(number)}$", source), (
                f"{name}: {number} (read as {t.code}): source of the code {source!r}"
            )


@pytest.mark.parametrize("name", NAMES)
def test_generated_codes_are_said_and_unique(name):
    got = outcome(name)
    if isinstance(got, PlanError):
        return
    codes = [t.code for t in got.targets]
    assert len(set(codes)) == len(codes), f"{name}: codes not unique: {codes}"
    written = [e["number"] for e in fp.LAYOUTS[name].truth]
    if not all(re.fullmatch(r"\d+(?:[.-]\d+){1,2}", n) for n in written):
        assert any(w.check == "编号" and "生成" in w.message for w in got.warnings), f"{name}: codes generated unsaid"


# ---------------------------------------------------------------------------
# What some layouts ask of the reader


def test_lead_and_co_in_one_cell_is_never_a_silent_section():
    """A 责任科室 cell naming roles ("牵头：办公室；配合：财务科、人事科", "规划科（牵头）、财务科"): a
    section stored with its role in its name must be named in a warning."""
    plan = read("lead_and_co")
    for t in plan.targets[:2]:
        odd = [s for s in t.sections if "牵头" in s or "配合" in s]
        warned = [w.message for w in plan.warnings if w.subject == t.code and w.check == "责任科室"]
        assert not odd or warned, f"{t.code}: sections {t.sections} stored without a warning"


def test_no_header_is_refused_with_what_to_do():
    got = outcome("no_header")
    if isinstance(got, PlanError):
        assert "列名" in str(got) or "列的对应" in str(got), str(got)
    else:
        assert got.warnings, "a table without a header read without a word"


@pytest.mark.parametrize("name", NAMES)
def test_points_stated_agree(name):
    """Every layout states its points consistently (headings, indicator cells, 小计, 总分, 合计,
    千分制): a point check that fails is a misreading of the document."""
    got = outcome(name)
    if isinstance(got, PlanError):
        return
    checks = ("层级分值", "指标分值", "小计行", "标签分值")
    bad = [f"[{c.check}] {c.message}" for c in got.warnings if c.check in checks]
    assert bad == [], f"{name}: {bad[:6]}"


@pytest.mark.parametrize("name", [n for n in NAMES if "indicator" in fp.LAYOUTS[n].truth[0]])
def test_indicator_cells_group_their_targets(name):
    """An indicator written once and merged down over its targets ("营商环境（40分）") is one
    indicator of those targets, with its title and points; another cell is another indicator."""
    plan = read(name)
    truth = fp.LAYOUTS[name].truth
    assert len(plan.targets) == len(truth), f"{name}: {len(plan.targets)} targets read, {len(truth)} written"
    runs = {(e["indicator_run"], t.indicator_code) for t, e in zip(plan.targets, truth, strict=True)}
    by_run = {r: sorted(c for q, c in runs if q == r) for r, _ in runs}
    assert len(runs) == len({r for r, _ in runs}) == len({c for _, c in runs}), f"{name}: cell → codes {by_run}"
    for t, e in zip(plan.targets, truth, strict=True):
        title, points = re.fullmatch(r"(.+)（(\d+)分）", e["indicator"]).groups()  # type: ignore[union-attr]
        assert (t.indicator, t.indicator_points) == (title, float(points)), f"{name}: {e['number']} ({t.code})"
