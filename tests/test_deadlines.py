"""完成时限: each kind of phrase read to a hand-checked date, certain only where the phrase says the
day, and where it does not, a note that names the phrase and the reading chosen; hostile phrases of
20,000 characters read in milliseconds."""

from __future__ import annotations

import time
from datetime import date

import pytest

from perfdash.plan.deadlines import parse_deadline, read_deadline
from perfdash.plan.text import decode, parse_plan_text
from tests.fixtures import PLAN_FILE


def d(month: int, day: int, year: int = 2025) -> date:
    return date(year, month, day)


QUARTER_ENDS = (d(3, 31), d(6, 30), d(9, 30))
MONTH_ENDS = tuple(d(m, day) for m, day in enumerate((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30), start=1))

# phrase, date (None: not read), certain, a fragment of the note ("" for certain ones), earlier
CASES = [
    # certain: the phrase names the day, exactly as before
    ("2025年12月31日前", d(12, 31), True, "", ()),
    ("12月31日", d(12, 31), True, "", ()),
    ("12月底前", d(12, 31), True, "", ()),
    ("9月底前", d(9, 30), True, "", ()),
    ("6月30日前", d(6, 30), True, "", ()),
    ("2026年1月底前", d(1, 31, 2026), True, "", ()),  # the next year, named
    ("次年1月", d(1, 31, 2026), True, "", ()),
    ("第一季度", d(3, 31), True, "", ()),
    ("三季度末", d(9, 30), True, "", ()),
    ("上半年", d(6, 30), True, "", ()),
    ("下半年", d(12, 31), True, "", ()),
    ("年底前", d(12, 31), True, "", ()),
    ("年内", d(12, 31), True, "", ()),
    ("2025-06-30", d(6, 30), True, "", ()),  # ISO: no doubt what it means
    # a part of a month: its last day, flagged
    ("9月上旬前", d(9, 10), False, "“9月上旬前”按上旬末（2025-09-10）计", ()),
    ("11月中旬", d(11, 20), False, "“11月中旬”按中旬末（2025-11-20）计", ()),
    ("12月中旬前", d(12, 20), False, "按中旬末（2025-12-20）计", ()),
    ("10月下旬", d(10, 31), False, "“10月下旬”按月底（2025-10-31）计", ()),
    ("2月下旬", d(2, 28), False, "按月底（2025-02-28）计", ()),
    ("7月初", d(7, 10), False, "“7月初”按上旬末（2025-07-10）计", ()),
    ("7月上旬", d(7, 10), False, "按上旬末（2025-07-10）计", ()),
    ("7月中", d(7, 15), False, "“7月中”按月中15日（2025-07-15）计", ()),
    # a range: its end; the start is no milestone
    ("6月至12月", d(12, 31), False, "“6月至12月”是时间范围，按结束时间（2025-12-31）计", ()),
    ("6月—12月", d(12, 31), False, "范围，按结束时间（2025-12-31）计", ()),
    ("6-12月", d(12, 31), False, "范围，按结束时间（2025-12-31）计", ()),
    ("3-5月", d(5, 31), False, "范围，按结束时间（2025-05-31）计", ()),
    ("6月~12月", d(12, 31), False, "范围，按结束时间（2025-12-31）计", ()),
    ("2025年6月—2025年12月", d(12, 31), False, "范围，按结束时间（2025-12-31）计", ()),
    ("2025年6月至12月底", d(12, 31), False, "范围，按结束时间（2025-12-31）计", ()),
    ("6月至9月中旬", d(9, 20), False, "按结束时间（中旬末，2025-09-20）计", ()),
    ("一至三季度", d(9, 30), False, "范围，按结束时间（2025-09-30）计", ()),
    # several periods with their verbs: the last, the earlier ones offered as milestones
    ("6月底前启动 12月底前完成", d(12, 31), False, "按最后一个（2025-12-31）计，其余可设为节点", (d(6, 30),)),
    ("6月底前启动，9月底前完成", d(9, 30), False, "按最后一个（2025-09-30）计", (d(6, 30),)),
    # a start is no deadline
    ("9月起", d(12, 31), False, "“9月起”是开始时间，不是完成时限，按年底（2025-12-31）计", ()),
    ("9月开始", d(12, 31), False, "是开始时间，不是完成时限，按年底（2025-12-31）计", ()),
    ("自9月起", d(12, 31), False, "是开始时间，不是完成时限，按年底（2025-12-31）计", ()),
    ("从9月份开始", d(12, 31), False, "是开始时间，不是完成时限，按年底（2025-12-31）计", ()),
    ("9月起，11月底前完成", d(11, 30), True, "", ()),  # the start dropped, one deadline left
    ("9月起至11月", d(11, 30), False, "范围，按结束时间（2025-11-30）计", ()),
    # no term at all: the year's end, flagged
    ("全年", d(12, 31), False, "“全年”没有具体时限，按年底（2025-12-31）计", ()),
    ("全年持续", d(12, 31), False, "没有具体时限，按年底（2025-12-31）计", ()),
    ("持续推进", d(12, 31), False, "没有具体时限，按年底（2025-12-31）计", ()),
    ("长期", d(12, 31), False, "没有具体时限，按年底（2025-12-31）计", ()),
    ("常态化", d(12, 31), False, "没有具体时限，按年底（2025-12-31）计", ()),
    ("每年", d(12, 31), False, "没有具体时限，按年底（2025-12-31）计", ()),
    # Chinese-numeral months
    ("十二月底前", d(12, 31), False, "“十二月底前”用了中文数字月份，按12月底（2025-12-31）计", ()),
    ("十一月", d(11, 30), False, "中文数字月份，按11月底（2025-11-30）计", ()),
    ("九月上旬", d(9, 10), False, "中文数字月份，按上旬末（2025-09-10）计", ()),
    # dotted and slashed dates
    ("2025.6.30", d(6, 30), False, "“2025.6.30”按2025年6月30日（2025-06-30）理解", ()),
    ("6.30前", d(6, 30), False, "“6.30前”按6月30日（2025-06-30）理解", ()),
    ("2025/6/30", d(6, 30), False, "按2025年6月30日（2025-06-30）理解", ()),
    ("2025.06", d(6, 30), False, "“2025.06”按2025年6月底（2025-06-30）理解", ()),
    # lists and repeats, as before
    (
        "上半年、三季度、四季度",
        d(12, 31),
        False,
        "列了几个时点，按最后一个（2025-12-31）计，其余可设为节点",
        (d(6, 30), d(9, 30)),
    ),
    ("每季度", d(12, 31), False, "“每季度”按年底（2025-12-31）计，各季度末可设为节点", QUARTER_ENDS),
    ("每月", d(12, 31), False, "“每月”按年底（2025-12-31）计，各月末可设为节点", MONTH_ENDS),
    # not read: no date is invented
    ("", None, False, "完成时限为空", ()),
    ("待定", None, False, "“待定”无法识别为日期", ()),
    ("上旬", None, False, "无法识别为日期", ()),  # no month
    ("2月30日", None, False, "“2月30日”：2025年2月没有30日", ()),
    ("2月29日前", None, False, "2025年2月没有29日", ()),
    ("13月底前", None, False, "“13月底前”：没有13月", ()),
    ("十三月", None, False, "没有十三月", ()),
    ("2025.13", None, False, "不是有效的日期", ()),
]


@pytest.mark.parametrize(("phrase", "expected", "certain", "note", "earlier"), CASES, ids=[c[0] or "空" for c in CASES])
def test_each_phrase_reads_to_its_date(phrase, expected, certain, note, earlier):
    read = read_deadline(phrase, 2025)
    assert (read.date, read.certain, read.earlier) == (expected, certain, earlier)
    assert parse_deadline(phrase, 2025) == expected
    assert read.phrase == phrase
    if certain:
        assert read.note == ""
        assert read.reading.endswith(f"（{expected}）计")
    else:
        assert note in read.note
    if expected is not None and not certain:  # the office sees the phrase and what was chosen
        assert read.note.startswith(f"“{phrase}”")
        assert read.reading in read.note and str(expected) in read.reading


def test_the_plan_year_decides_february():
    assert read_deadline("2月底前", 2024).date == date(2024, 2, 29)
    assert read_deadline("2月下旬", 2024).date == date(2024, 2, 29)
    assert read_deadline("2月29日前", 2024).date == date(2024, 2, 29)
    assert read_deadline("9月上旬前", 2026).note == "“9月上旬前”按上旬末（2026-09-10）计"


# name: (phrase, date, certain); only the last 次年 before a month counts, as before
HOSTILE = {
    "9月": ("9月" * 10_000, date(2025, 9, 30), False),
    "上旬": ("上旬" * 10_000, None, False),
    "9月上旬": ("9月上旬" * 5_000, date(2025, 9, 10), False),
    "digits": ("1" * 19_999 + "月", None, False),
    "次年": ("次年" * 9_996 + "12月", date(2026, 12, 31), True),
    "Chinese tens": ("十" * 19_999 + "月", None, False),
    "range starts": ("9月起至" * 5_000, date(2025, 9, 30), False),
    "list": ("第一季度、" * 4_000, date(2025, 3, 31), False),
    "dots": ("6." * 10_000, None, False),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_phrase_of_20000_characters_is_quick(name):
    phrase, expected, certain = HOSTILE[name]
    assert 19_990 <= len(phrase) <= 20_001
    # CPU time of this thread, not the clock: other work on a loaded machine does not count, a
    # reading that backtracks (seconds of CPU on such a phrase) still does.
    started = time.thread_time()
    read = read_deadline(phrase, 2025)
    assert time.thread_time() - started < 0.5
    assert (read.date, read.certain) == (expected, certain)
    assert len(read.note) < 200  # the note quotes the start of the phrase, not all of it


SEED_TEXT = decode(PLAN_FILE.read_bytes())


def _with_deadline(code: str, phrase: str) -> str:
    start = SEED_TEXT.index(f"\t{code}\n")
    at = SEED_TEXT.index("\t12月底前\n", start)
    return SEED_TEXT[:at] + f"\t{phrase}\n" + SEED_TEXT[at + len("\t12月底前\n") :]


def test_a_plan_shows_the_office_what_was_decided():
    plan = parse_plan_text(_with_deadline("1-1-3", "9月上旬前"))
    assert {t.code: t.deadline for t in plan.targets}["1-1-3"] == date(2025, 9, 10)
    assert "1-1-3：“9月上旬前”按上旬末（2025-09-10）计" in [c.message for c in plan.warnings]
    plan = parse_plan_text(_with_deadline("1-1-3", "6月至12月"))
    assert {t.code: t.deadline for t in plan.targets}["1-1-3"] == date(2025, 12, 31)
    assert "1-1-3" not in plan.suggested_milestones  # the start of a range is no milestone
