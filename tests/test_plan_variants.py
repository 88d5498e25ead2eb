"""The plan reader on Word variants of the real 2025 考评表 in other bureaus' layouts
(tests/plan_variants.py): each is read exactly, field by field against the hand-checked targets, or
every target it may have read wrong is named in a warning — never a silent misread."""

from __future__ import annotations

import functools
import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from perfdash.plan import Plan, Target, read_plan_bytes
from tests import plan_variants as pv

EXPECTED = pv.EXPECTED
NAMES = list(pv.VARIANTS)

CORE = (
    "code",
    "group",
    "indicator_code",
    "indicator",
    "indicator_points",
    "target",
    "points",
    "deadline",
    "sections",
    "persons",
    "leaders",
)
# The synonyms layout and those built on it carry category labels, the indicator's source note
# and a 评分标准 column as well.
LABELLED = (*CORE, "category", "source_note", "standard")
# The fields each layout carries, so the fields to read exactly.
FIELDS: dict[str, tuple[str, ...]] = {
    "synonyms": LABELLED,
    "split": LABELLED,
    "two_header_rows": (*CORE, "category", "source_note"),
    "multi_level": (*CORE, "category"),
    # no codes in the document: the reader generates them (and says so, see its own test)
    "no_codes": tuple(f for f in (*CORE, "category") if f not in ("code", "indicator_code")),
    "merged_cells": LABELLED,
    "tracked_changes": LABELLED,
    "seven_indicators": (*CORE, "source_note"),
    "deadline_phrases": LABELLED,
    "subtotals_and_total": LABELLED,
}
# Checks of points the document states; every variant states them consistently, so each of these
# checks must be ok (seven_indicators has no categories: its 分值结构 of 重点/常规 cannot hold).
POINT_CHECKS = ("标签分值", "小计行", "层级分值", "指标分值", "分值结构")


@functools.cache
def read(name: str) -> Plan:
    """The variant as the reader reads it (once per test run; the tests only look at it)."""
    return read_plan_bytes(f"{name}.docx", pv.VARIANTS[name]())


def expected(name: str) -> list[dict]:
    """The truth for a variant: the targets, with the 评分标准 text where the layout has one."""
    extra = {"standard": pv.STANDARD} if "standard" in FIELDS[name] else {}
    return [{**e, **extra} for e in EXPECTED]


def skipped(name: str, code: str) -> tuple[str, ...]:
    """Fields a variant cannot carry exactly for one target (checked by the variant's own test)."""
    if name == "deadline_phrases" and code in pv.DEADLINE_PHRASES:
        return ("deadline",)
    return ()


def as_dict(t: Target) -> dict:
    return {**t.as_dict(), "standard": t.standard}


def first_difference(plan: Plan, name: str) -> str | None:
    """The first target and field read differently from the truth, in document order."""
    exp, got = expected(name), [as_dict(t) for t in plan.targets]
    if len(exp) != len(got):
        missing = [e["code"] for e in exp if e["code"] not in {g["code"] for g in got}]
        extra = [g["code"] for g in got if g["code"] not in {e["code"] for e in exp}]
        return f"{len(got)} targets read, {len(exp)} expected; missing {missing[:5]}, extra {extra[:5]}"
    for e, g in zip(exp, got, strict=True):
        for field in FIELDS[name]:
            if field in skipped(name, e["code"]):
                continue
            if g[field] != e[field]:
                return f"{e['code']} {field}: read {g[field]!r}, expected {e[field]!r} (read as {g['code']})"
    return None


def names_target(warning, codes: set[str], where: str) -> bool:
    """Whether a warning names a target: by one of its codes (not as part of a longer code), or
    by its row."""
    text = f"{warning.subject} {warning.message}"
    if where and where in text:
        return True
    # "1-1-1 式编号" names the format, not a target
    return any(re.search(rf"(?<![\d-]){re.escape(c)}(?!\d|-\d|\s*式)", text) for c in codes if c)


def silent_misreads(plan: Plan, name: str) -> list[str]:
    """Every target and field read differently from the truth that no warning names (by the
    target's code, expected or read, or by its row). Targets are paired in document order when as
    many were read as expected, else by code (a missing or an extra target counts as misread)."""
    exp, got = expected(name), plan.targets
    if len(exp) == len(got):
        pairs: list[tuple[dict | None, Target | None]] = list(zip(exp, got, strict=True))
    else:
        by_code = {t.code: t for t in got}
        pairs = [(e, by_code.get(e["code"])) for e in exp]
        pairs += [(None, t) for t in got if t.code not in {e["code"] for e in exp}]
    out = []
    for e, t in pairs:
        codes = {e["code"] if e else "", t.code if t else ""}
        if e is None or t is None:
            diffs = ["missing" if t is None else "extra"]
        else:
            g = as_dict(t)
            diffs = [f for f in FIELDS[name] if g[f] != e[f]]
        where = t.source("row") if t is not None else ""
        if diffs and not any(names_target(w, codes, where) for w in plan.warnings):
            out.append(f"{'/'.join(sorted(c for c in codes if c))} {', '.join(diffs)}")
    return out


# ---------------------------------------------------------------------------
# The generator writes what it claims


@pytest.mark.parametrize("name", NAMES)
def test_variant_document_holds_every_target(name):
    """Each variant is a Word file with the title and every target's text (tracked_changes: its
    text with the deletion left out), so a failure below is the reader's."""
    document = Document(io.BytesIO(pv.VARIANTS[name]()))
    assert pv.TITLE in [p.text for p in document.paragraphs]
    cells = set()
    for tc in document.element.body.iter(qn("w:tc")):
        cells.add("".join(t.text or "" for t in tc.iter(qn("w:t"))))
    missing = [e["code"] for e in EXPECTED if e["target"] not in cells]
    assert missing == [], f"{name}: no cell holds the text of {missing[:5]}"


def test_all_2025_deadlines_are_month_ends():
    assert all(pv.deadline_text(e["deadline"]).endswith("月底前") for e in EXPECTED)


# ---------------------------------------------------------------------------
# Every variant: read exactly, and nothing misread in silence


@pytest.mark.parametrize("name", NAMES)
def test_variant_read_exactly(name):
    plan = read(name)
    assert (plan.unit, plan.year) == ("泉州市教育局", 2025)
    difference = first_difference(plan, name)
    assert difference is None, f"{name}: {difference}"


@pytest.mark.parametrize("name", NAMES)
def test_variant_no_silent_misread(name):
    plan = read(name)
    silent = silent_misreads(plan, name)
    assert silent == [], f"{name}: read differently with no warning naming the target: {silent[:8]}"


@pytest.mark.parametrize("name", NAMES)
def test_variant_points_as_stated(name):
    """The points each variant states (labels, headings, 小计, 合计) agree with its targets: a
    warning about them is a misreading of the document."""
    plan = read(name)
    assert len(plan.targets) == 61 and plan.total_points == 100, (len(plan.targets), plan.total_points)
    bad = [
        f"[{c.check}] {c.subject}: {c.message}"
        for c in plan.warnings
        if c.check in POINT_CHECKS
        and not (name == "seven_indicators" and c.subject in ("重点工作目标", "常规工作目标"))
    ]
    assert bad == [], f"{name}: {bad[:6]}"


# ---------------------------------------------------------------------------
# What each layout asks of the reader


def test_synonyms_reads_the_standard_apart_from_the_target():
    plan = read("synonyms")
    assert {t.standard for t in plan.targets} == {pv.STANDARD}
    assert all(pv.STANDARD not in t.target for t in plan.targets)


def test_split_reads_both_tables():
    plan = read("split")
    codes = [t.code for t in plan.targets]
    assert codes == [e["code"] for e in EXPECTED], f"read {len(codes)} targets, from {codes[:1]}"
    second = plan.targets[pv.SPLIT_AFTER]  # the first target of the second table
    assert (second.group, second.category) == ("职能工作", "重点工作目标")


def test_two_header_rows_lead_and_co_sections():
    plan = read("two_header_rows")
    assert plan.table is not None and plan.table.roles[:2] == ["header", "header"], plan.table and plan.table.roles[:3]
    for t, e in zip(plan.targets, EXPECTED, strict=False):
        assert t.sections[:1] == tuple(e["sections"][:1]), f"{e['code']}: lead section {t.sections}"


def test_multi_level_counts_points_once():
    plan = read("multi_level")
    assert len(plan.targets) == 61
    assert plan.total_points == 100
    by_group: dict[str, float] = {}
    for t in plan.targets:
        by_group[t.group] = by_group.get(t.group, 0) + t.points
    assert by_group == pv.points_by("group")
    levels = [c for c in plan.checks if c.check == "层级分值"]
    assert all(c.ok for c in levels), [c.message for c in levels if not c.ok]


def test_no_codes_generates_codes_and_keeps_the_numbering():
    plan = read("no_codes")
    assert len(plan.targets) == 61
    said = [w for w in plan.warnings if w.check == "编号" and "生成" in w.message]
    assert said, [f"[{w.check}] {w.message}" for w in plan.warnings][:8]
    assert len({t.code for t in plan.targets}) == 61, "generated codes are not unique"
    for t, e, number in zip(plan.targets, EXPECTED, pv.no_codes_numbering(), strict=True):
        source = t.source("code")
        assert source == number or re.search(rf"(?<!\d){number}\D*$", source), (
            f"{e['code']} (read as {t.code}): source of the code {source!r}, numbered {number!r} in the document"
        )


def test_tracked_changes_read_as_accepted():
    plan = read("tracked_changes")
    t = next(t for t, e in zip(plan.targets, EXPECTED, strict=False) if e["code"] == pv.TRACKED_CODE)
    truth = next(e["target"] for e in EXPECTED if e["code"] == pv.TRACKED_CODE)
    assert pv.TRACKED_DELETED not in t.target, t.target
    assert t.target == truth, t.target


def test_seven_indicators_stay_four():
    plan = read("seven_indicators")
    rows = [(i["indicator_code"], i["indicator"], i["indicator_points"]) for i in plan.indicators()]
    assert [r for r in rows if r[0].startswith("7")] == [
        ("7-1", "精神文明", 4),
        ("7-2", "平安建设", 4),
        ("7-3", "安全生产", 1),
        ("7-4", "消防安全", 1),
    ], rows
    assert {t.indicator_code for t in plan.targets if t.code.startswith("4-")} == {"4"}
    assert len(rows) == 24


def test_deadline_phrases_are_flagged():
    plan = read("deadline_phrases")
    for code, phrase in pv.DEADLINE_PHRASES.items():
        flagged = [w for w in plan.warnings if w.check == "完成时限" and names_target(w, {code}, "")]
        assert flagged, (
            f"{code} “{phrase}” read as {next(t.deadline for t in plan.targets if t.code == code)} unflagged"
        )
        t = next(t for t in plan.targets if t.code == code)
        assert t.source("deadline") == phrase, t.source("deadline")


def test_subtotals_and_total_agree():
    plan = read("subtotals_and_total")
    rows = [c for c in plan.checks if c.check == "小计行"]
    assert len(rows) == len(pv.points_by("group")) + 1, [c.subject for c in rows]
    assert all(c.ok for c in rows), [c.message for c in rows if not c.ok]
    noisy = [w.message for w in plan.warnings if re.search("合计|小计|小 计", f"{w.check}{w.subject}{w.message}")]
    assert noisy == []
    assert plan.stated_total == 100
