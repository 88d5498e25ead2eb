"""Numeric commitments (量化指标) in target texts: extraction, matching, and completion from actuals."""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from perfdash.plan import Plan, PlanError

# Keys of one commitment in the CLI's JSON form. Other tools read them: keep them stable.
KPI_KEYS: tuple[str, ...] = ("code", "value", "unit", "comparator", "phrase")
COMPARATORS: tuple[str, ...] = (">=", "<=", "=")
COMPARATOR_LABELS = {">=": "≥", "<=": "≤", "=": "="}
METHODS = ("mean_capped", "min")


@dataclass(frozen=True)
class Kpi:
    """One numeric commitment: value and unit (万 expanded), comparator, what is counted, and its phrase."""

    code: str
    value: float
    unit: str
    comparator: str
    subject: str
    phrase: str

    def as_dict(self) -> dict:
        """The JSON form: the CLI keys (value an int when whole) plus subject."""
        return {
            "code": self.code,
            "value": _num(self.value),
            "unit": self.unit,
            "comparator": self.comparator,
            "phrase": self.phrase,
            "subject": self.subject,
        }


def _num(x: float) -> float | int:
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


# ---------------------------------------------------------------------------
# Vocabulary

# Full-width digits and signs → ASCII, one character for one so positions stay valid in the original text.
_WIDTH = str.maketrans("０１２３４５６７８９．％～－", "0123456789.%~-")

# Measure words (量词) a quantity must carry to count as a commitment; longest first so 人次 beats 人.
UNITS: tuple[str, ...] = tuple(
    sorted(
        (
            *("个工作日", "个月", "场次", "人次", "户次", "学时", "课时", "平方米", "公里", "分钟", "小时"),
            *("个", "所", "场", "名", "人", "项", "家", "条", "轮", "次", "批", "元", "间", "座", "台", "套"),
            *("件", "门", "节", "期", "支", "组", "篇", "部", "本", "册", "张", "份", "处", "户", "班", "位"),
            *("种", "类", "辆", "栋", "亩", "米", "天", "周", "倍", "分", "%"),
        ),
        key=len,
        reverse=True,
    )
)
# After a Chinese numeral only these count: 一批 / 一类 / 一期 / 十分 / 一本 are idiom, tier or phase, not a quantity.
CN_UNITS = frozenset(("个", "所", "场", "场次", "名", "人", "人次", "项", "家", "条", "轮", "次", "间", "座", "台"))
CN_UNITS |= frozenset(("套", "件", "篇", "份", "户", "班", "辆", "栋", "元", "%"))
DURATION_UNITS = frozenset(("分钟", "小时", "天", "周"))

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_POWER = {"十": 10, "百": 100, "千": 1000}
_MULTIPLIER = {"万": 10_000, "亿": 100_000_000, "千": 1_000}

# Set phrases whose numeral names something (八项规定 = the Eight-point Regulation), wherever they stand.
NAME_PHRASES: tuple[str, ...] = (
    *("八项规定", "一件事", "一条龙", "一次性", "一揽子", "一把手", "一盘棋", "一张网", "一站式"),
    *("两个覆盖", "两项督导", "两个维护", "两个确立", "两个结合", "四个意识", "四个自信", "三个一"),
)
# A 一 after these characters is part of a word (统一, 唯一, 之一, 进一步, 新一轮), not a count.
_WORD_BEFORE_ONE = frozenset("统唯之同逐单划专万第一合归进新上下每")

# Every expression here runs on what people write, at every position of a text of up to 20,000
# characters, and holds the GIL while it does: each is linear. A Chinese numeral is at most 12
# characters (九千九百九十九 is 7; an unbounded run was retried from each of its characters:
# "推进" + "一" × 19,000 took 43 s), thousands groups at most 5 (10^18), and whitespace is taken
# possessively (\s*+: two adjacent \s* would try every split of a run of spaces).
_ARABIC = r"\d{1,3}(?:,\d{3}){1,5}(?:\.\d+)?|\d+(?:\.\d+)?"
_CN_NUMBER = r"[零〇一二两三四五六七八九十百千]{1,12}"
_UNIT_RE = "|".join(re.escape(u) for u in UNITS)
QUANTITY_RE = re.compile(
    rf"(?<![\d.A-Za-z])(?P<num>{_ARABIC}|{_CN_NUMBER})"
    rf"(?:\s*+(?P<to>[-~—–至到])\s*+(?P<num2>{_ARABIC}|{_CN_NUMBER}))?"
    rf"\s*+(?P<mult>[万亿千])?(?P<approx>余|多)?\s*+(?P<unit>{_UNIT_RE})"
)
PERCENT_WORDS_RE = re.compile(rf"百分之(?P<num>{_ARABIC}|{_CN_NUMBER})")

# Comparators before the number (longest first, so 不低于 is not read as 低于) and after it.
_PREFIX: tuple[tuple[str, str], ...] = (
    *(("不少于", ">="), ("不低于", ">="), ("不小于", ">="), ("至少", ">="), ("最少", ">="), ("超过", ">=")),
    *(("高于", ">="), ("达到", ">="), ("增加至", ">="), ("增加到", ">="), ("提高至", ">="), ("提高到", ">=")),
    *(("提升至", ">="), ("提升到", ">="), ("增至", ">="), ("达", ">=")),
    *(("不超过", "<="), ("不高于", "<="), ("不多于", "<="), ("不大于", "<="), ("至多", "<="), ("最多", "<=")),
    *(("低于", "<="), ("少于", "<="), ("控制在", "<="), ("压减至", "<="), ("降至", "<="), ("降低到", "<=")),
    *(("下降到", "<="),),
)
_PREFIX_MAP = dict(_PREFIX)
PREFIX_RE = re.compile("|".join(re.escape(w) for w, _ in sorted(_PREFIX, key=lambda p: -len(p[0]))))
SUFFIX_RE = re.compile(r"\s*+(及以上|或以上|以上|及以下|以下|以内|之内|左右)")
_SUFFIX_MAP = {"及以上": ">=", "或以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<=", "之内": "<="}
# How far a multi-character comparator may stand before its number: 至少[开展]两轮, 至少[有]1所.
PREFIX_GAP = 4
# How far from a number its comparator, its subject and its scope (每个县) are looked for: a real
# clause is under 60 characters. Reading no further keeps a text with thousands of numbers linear.
NEAR = 200
# Commitments read from one target text (a real one has at most five), and the length of the phrase
# kept with each (a real one is under 40 characters): a text of 9,000 "5个" would otherwise give
# 9,000 commitments each carrying an 18,000-character phrase, hundreds of MB for one table.
MAX_KPIS = 30
MAX_PHRASE = NEAR

CLAUSE_RE = re.compile(r"[，。；;！？!?：:\n]")
_OPEN, _CLOSE = '（(“‘《「【"', '）)”’》」】"'
_QUOTES = (("“", "”"), ("《", "》"), ("「", "」"), ('"', '"'))

# Where the counted noun phrase ends: 5个县（市、区）|试点…, 10名教师|赴三明…
_SUBJECT_STOPS = ("新增", "开展", "参加", "参与", "参评", "对口", "赴", "入选", "相关")
_PLACE_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}（[^）]{0,40}）")  # 县（市、区）
# Verbs and scope words stripped from the front of a noun phrase taken from before the number.
_LEAD_WORDS = (
    *("持续", "巩固", "提升", "推动", "推进", "全面", "确保", "实现", "完成", "落实", "开展", "组织", "建设"),
    *("创建", "新建", "改扩建", "改造", "建成投用", "建成", "投用", "全市", "我市", "在全市范围", "安排"),
    *("发布", "遴选", "培育", "打造", "选聘", "引聘", "新增", "指导", "深化", "加快", "力争", "努力"),
    *("进一步", "区域", "各类", "市级", "层面"),
)
_LEAD_RE = re.compile(r"(?:\d{4}(?:年度|年|秋季|春季|学年)?|" + "|".join(map(re.escape, _LEAD_WORDS)) + ")")
_TRAIL_RE = re.compile(r"(?:在|为|是|达|的)$")
_EACH_RE = re.compile(  # 每个县（市）至少有1所: the per-unit scope of a commitment
    r"每个?[\u4e00-\u9fff]{1,6}?(?:（[^）]{0,40}）)?"
    r"(?=（|至少|不少于|不低于|均|都|有|要|应|配|开展|建成|建设|举办|组织)"
)


# ---------------------------------------------------------------------------
# Numbers


def parse_cn_number(text: str) -> int | None:
    """Chinese numeral → int (两 = 2, 十五 = 15, 一百二十 = 120); None if it is not one."""
    if not text or any(c not in _CN_DIGIT and c not in _CN_POWER for c in text):
        return None
    total, digit = 0, None
    for c in text:
        if c in _CN_DIGIT:
            if digit is not None:  # two digits in a row (一二) is not a number
                return None
            digit = _CN_DIGIT[c]
        else:
            total += (1 if digit is None else digit) * _CN_POWER[c]
            digit = None
    return total + (digit or 0)


def _value(text: str) -> float | None:
    if text[0].isdigit():
        return float(text.replace(",", ""))
    n = parse_cn_number(text)
    return None if n is None else float(n)


# ---------------------------------------------------------------------------
# Text structure


class _Quoted:
    """The spans inside quotes (“…”, 《…》): whether a position lies strictly inside one, in
    O(log n) (a text may hold thousands of quotes and of numbers)."""

    def __init__(self, spans: list[tuple[int, int]]):
        spans = sorted(spans)
        self.starts = [a for a, _ in spans]
        self.reach: list[int] = []  # the furthest end among the spans starting at or before each
        for _, b in spans:
            self.reach.append(max(b, self.reach[-1]) if self.reach else b)

    def covers(self, i: int) -> bool:
        k = bisect.bisect_left(self.starts, i) - 1  # the last span starting before i
        return k >= 0 and self.reach[k] > i


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for open_, close in _QUOTES:
        start = 0
        while (i := text.find(open_, start)) >= 0:
            j = text.find(close, i + 1)
            if j < 0:
                break
            spans.append((i, j + 1))
            start = j + 1
    return spans


def _segments(text: str) -> list[tuple[int, int, bool]]:
    """Clauses (split at ，。；) and list items (at 、 outside brackets): (start, end, joined by 、 to the previous)."""
    out: list[tuple[int, int, bool]] = []
    depth, start, joined = 0, 0, False
    for i, c in enumerate(text):
        if c in _OPEN and not (c == '"' and depth):
            depth += 1
        elif c in _CLOSE and depth:
            depth -= 1
        elif depth == 0 and (c == "、" or CLAUSE_RE.match(c) or (c == "," and not _thousands(text, i))):
            out.append((start, i, joined))
            start, joined = i + 1, c == "、"
    out.append((start, len(text), joined))
    return out


@dataclass
class _Hit:
    start: int
    end: int  # end of the quantity, including its unit
    after: int  # end including a suffix comparator (以上)
    value: float
    unit: str
    comparator: str | None
    upper: float | None = None  # second bound of a range


def _is_name(norm: str, m: re.Match, quoted: _Quoted) -> bool:
    """A numeral that names or orders something rather than counting it."""
    start, end = m.start(), m.end()
    if quoted.covers(start):
        return True  # inside “5G+专递课堂” or 《…》
    before = norm[max(0, start - NEAR) : start].rstrip()
    if before.endswith("第"):
        return True  # 第十八中学, 第二届, 第3页
    if before.endswith(("从", "由")):
        return True  # 从5所增加至8所: the baseline, not the commitment
    for phrase in NAME_PHRASES:  # 八项规定: a phrase that starts at most len-1 characters before the numeral
        i = norm.find(phrase, max(0, start - len(phrase) + 1), start + len(phrase))
        if 0 <= i <= start:
            return True
    num, unit = m.group("num"), m.group("unit")
    if not num[0].isdigit():
        if unit not in CN_UNITS:
            return True
        if num == "一" and start > 0 and norm[start - 1] in _WORD_BEFORE_ONE:
            return True
    nxt = norm[end : end + 1]
    if unit in DURATION_UNITS and nxt and _is_cjk(nxt) and nxt not in "内以之左":
        return True  # 课间15分钟改革, 15分钟生活圈
    # The points mark （5分）
    return unit == "分" and nxt in ("）", ")") and before.endswith(("（", "("))


def _thousands(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def _is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _prefix_comparator(before: str) -> tuple[str | None, int]:
    """The comparator standing just before a number (至少[开展]两轮), and where it starts in `before`:
    the last comparator word followed only by spaces and at most `limit` other characters (none a
    digit or %), in one pass over `before` (not one per comparator word)."""
    found: tuple[str | None, int] = (None, len(before))
    end = len(before.rstrip())
    # just after the last digit or % (\d is a Unicode decimal, as str.isdecimal): no gap may hold one
    after_digit = next((len(before) - i for i, c in enumerate(reversed(before)) if c.isdecimal() or c == "%"), 0)
    # reach[limit]: the first position from which `before` up to `end - limit` is only spaces
    reach = {}
    for limit in (0, PREFIX_GAP):
        r = max(end - limit, 0)
        while r > 0 and before[r - 1].isspace():
            r -= 1
        reach[limit] = r
    for m in PREFIX_RE.finditer(before):
        limit = 0 if len(m.group()) == 1 else PREFIX_GAP
        if m.end() >= reach[limit] and m.end() >= after_digit:
            found = (_PREFIX_MAP[m.group()], m.start())
    return found


def _hits(norm: str, seg_start: int, seg_end: int, quoted: _Quoted) -> list[_Hit]:
    """The quantities of norm[seg_start:seg_end] (the text before it seen by look-behinds only)."""
    hits: list[_Hit] = []
    taken: list[tuple[int, int]] = []  # spans of 百分之…, in order and apart
    for m in PERCENT_WORDS_RE.finditer(norm, seg_start, seg_end):
        value = _value(m.group("num"))
        if value is not None:
            hits.append(_Hit(m.start(), m.end(), m.end(), value, "%", None))
            taken.append(m.span())
    for m in QUANTITY_RE.finditer(norm, seg_start, seg_end):
        k = bisect.bisect_right(taken, (m.start(), len(norm))) - 1
        if (k >= 0 and taken[k][1] > m.start()) or _is_name(norm, m, quoted):
            continue
        value = _value(m.group("num"))
        if value is None:
            continue
        upper = _value(m.group("num2")) if m.group("num2") else None
        mult = _MULTIPLIER[m.group("mult")] if m.group("mult") else 1
        approx = ">=" if m.group("approx") else None  # 二十余场, 100多人: more than
        hits.append(
            _Hit(m.start(), m.end(), m.end(), value * mult, m.group("unit"), approx, upper * mult if upper else None)
        )
    hits.sort(key=lambda h: h.start)
    for h in hits:
        h.comparator = _prefix_comparator(norm[max(seg_start, h.start - NEAR) : h.start])[0] or h.comparator
        s = SUFFIX_RE.match(norm, h.end, seg_end)
        if s and s.group(1) in _SUFFIX_MAP:
            h.comparator = h.comparator or _SUFFIX_MAP[s.group(1)]
            h.after = s.end()
        elif s:
            h.comparator = h.comparator or "="
            h.after = s.end()
    return hits


def _subject(text: str, seg_start: int, seg_end: int, hit: _Hit, prev_end: int) -> str:
    """Best effort: the noun phrase after the quantity, else the one before it (rates: always before)."""
    after = text[hit.after : min(seg_end, hit.after + NEAR)]
    after = re.split(r"[\d０-９]", after, maxsplit=1)[0].lstrip("的 ").strip()
    place = _PLACE_RE.match(after)
    cut = place.group() if place else after
    for stop in _SUBJECT_STOPS:
        i = cut.find(stop)
        if i > 0:
            cut = cut[:i]
    before = re.split(r"[、，,]", text[max(seg_start, prev_end, hit.start - NEAR) : hit.start])[-1]
    before = before[: _prefix_comparator(before)[1]]
    before = _TRAIL_RE.sub("", before.strip())
    for stop in _SUBJECT_STOPS:  # 高校新增|电动自行车充电设施410个
        i = before.rfind(stop)
        if i > 0 and i + len(stop) < len(before):
            before = before[i + len(stop) :]
    lead = 0
    while (m := _LEAD_RE.match(before, lead)) and m.end() < len(before):
        lead = m.end()
    before = re.sub(r"^[对在把将向]", "", before[lead:]).strip()
    each = _EACH_RE.search(text, max(seg_start, hit.start - NEAR), hit.start)
    subject = before if hit.unit == "%" and before else cut or after or before
    if each and each.group() not in subject:
        subject = f"{subject}（{each.group()}）"
    return subject


def extract(code: str, text: str) -> list[Kpi]:
    """Every numeric commitment (量化指标) in one target text, in order (at most MAX_KPIS)."""
    norm = text.translate(_WIDTH)
    quoted = _Quoted(_quoted_spans(norm))
    out: list[Kpi] = []
    for items in _phrases(norm, quoted):
        previous: str | None = None
        for start, end in items:
            hits = _hits(norm, start, end, quoted)
            lead = norm[start:end].lstrip()
            phrase = text[start:end].strip()
            if len(phrase) > MAX_PHRASE:
                phrase = phrase[:MAX_PHRASE] + "…"
            prev_end = start
            for i, h in enumerate(hits):
                comparator = h.comparator
                # 建设至少3个试点区、30所试点校: an item that is only a quantity takes the comparator before it.
                if comparator is None and i == 0 and previous and lead[:1] == norm[h.start]:
                    comparator = previous
                comparator = comparator or "="
                subject = _subject(text, start, end, h, prev_end)
                if h.upper is not None:
                    out.append(Kpi(code, h.value, h.unit, ">=", subject, phrase))
                    out.append(Kpi(code, h.upper, h.unit, "<=", subject, phrase))
                else:
                    out.append(Kpi(code, h.value, h.unit, comparator, subject, phrase))
                prev_end = h.after
                previous = comparator
                if len(out) >= MAX_KPIS:
                    return out[:MAX_KPIS]
    return out


def _phrases(norm: str, quoted: _Quoted) -> list[list[tuple[int, int]]]:
    """Clauses as lists of phrases; a list item without a number joins its neighbour (新建、改扩建…场地22个)."""
    clauses: list[list[tuple[int, int]]] = []
    for start, end, joined in _segments(norm):
        if joined and clauses:
            clauses[-1].append((start, end))
        else:
            clauses.append([(start, end)])
    out = []
    for items in clauses:
        merged: list[list[int]] = []
        waiting: int | None = None  # start of numberless items before the next numbered one
        for start, end in items:
            if _hits(norm, start, end, quoted):
                merged.append([start if waiting is None else waiting, end])
                waiting = None
            elif waiting is None:
                waiting = start
        if merged and waiting is not None:
            merged[-1][1] = items[-1][1]
        if merged:
            out.append([(a, b) for a, b in merged])
    return out


def extract_plan(plan: Plan) -> list[Kpi]:
    """The numeric commitments of every target of a plan, in document order."""
    return [k for t in plan.targets for k in extract(t.code, t.target)]


# ---------------------------------------------------------------------------
# Matching against a hand-checked list


def normalise_unit(unit: str) -> str:
    """Units compared loosely: full width to half width, 万/亿 prefixes dropped (values are expanded), ％ → %."""
    unit = unicodedata.normalize("NFKC", unit).strip()
    return unit[1:] if len(unit) > 1 and unit[0] in "万亿" else unit


def kpi_key(kpi: Kpi | dict) -> tuple[str, float, str, str]:
    """What two commitments must share to be the same: code, value, comparator, unit (normalised)."""
    d = kpi.as_dict() if isinstance(kpi, Kpi) else kpi
    return (d["code"], round(float(d["value"]), 6), d["comparator"], normalise_unit(d["unit"]))


@dataclass(frozen=True)
class MatchResult:
    """Extraction scored against ground truth: matched count, false positives, misses, precision and recall."""

    matched: int
    false_positives: list[Kpi | dict]
    misses: list[Kpi | dict]
    found: int
    expected: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0


def match(found: Sequence[Kpi | dict], expected: Sequence[Kpi | dict]) -> MatchResult:
    """Match extracted commitments against expected ones as multisets of kpi_key."""
    left = Counter(kpi_key(k) for k in expected)
    false_positives = []
    for k in found:
        key = kpi_key(k)
        if left[key]:
            left[key] -= 1
        else:
            false_positives.append(k)
    misses = []
    for k in expected:
        key = kpi_key(k)
        if left[key]:
            left[key] -= 1
            misses.append(k)
    return MatchResult(len(found) - len(false_positives), false_positives, misses, len(found), len(expected))


# ---------------------------------------------------------------------------
# Completion from actuals (完成率)


def _ratio(target: float, actual: float, comparator: str) -> float:
    if comparator not in COMPARATORS:
        raise ValueError(f"未知的比较符：{comparator}")
    if comparator == "<=":
        return 1.0 if actual <= target else target / actual
    if target <= 0:
        return 1.0
    return max(0.0, min(actual / target, 1.0))


def kpi_completion(
    kpis_with_actuals: Iterable[tuple[Kpi, float | None] | tuple[float, float | None, str]],
    method: str = "mean_capped",
) -> float | None:
    """A target's completion % (0–100) from its commitments and their actuals; None if no actual is known.

    Each item is (Kpi, actual) or (target value, actual, comparator). For >= and =: min(actual / target, 1);
    for <=: 1 if actual <= target else target / actual. "mean_capped" averages these, "min" takes the worst.
    Commitments without an actual (None) are left out.
    """
    if method not in METHODS:
        raise ValueError(f"未知的计算方法：{method}（可选 {'、'.join(METHODS)}）")
    ratios = []
    for item in kpis_with_actuals:
        if isinstance(item[0], Kpi):
            kpi, actual = item[0], item[1]
            target, comparator = kpi.value, kpi.comparator
        else:
            target, actual, comparator = item  # type: ignore[misc]
        if actual is not None:
            ratios.append(_ratio(float(target), float(actual), comparator))
    if not ratios:
        return None
    share = min(ratios) if method == "min" else sum(ratios) / len(ratios)
    return share * 100


# ---------------------------------------------------------------------------
# Command line: python -m perfdash kpis PATH [--json]


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))


def _clip(s: str, width: int) -> str:
    out = ""
    for c in s:
        if _width(out + c) > width - 1:
            return out + "…"
        out += c
    return out


def table_lines(plan: Plan, kpis: Sequence[Kpi]) -> list[str]:
    """A readable Chinese table of the commitments of a plan."""
    codes = {k.code for k in kpis}
    lines = [
        f"{plan.unit}{plan.year}年度：{len(plan.targets)} 项目标中 {len(codes)} 项含量化指标，共 {len(kpis)} 项",
        "  ".join((_pad("编号", 7), _pad("指标", 14), _pad("计量对象", 36), "原文")),
    ]
    for k in kpis:
        value = _num(k.value)
        amount = f"{COMPARATOR_LABELS[k.comparator]} {value:,}{k.unit}" if k.comparator != "=" else f"{value:,}{k.unit}"
        lines.append("  ".join((_pad(k.code, 7), _pad(amount, 14), _pad(_clip(k.subject, 36), 36), k.phrase)))
    return lines


def main(argv: list[str] | None = None) -> int:
    """The kpis command: print a plan document's numeric commitments as a table or JSON (argv without "kpis")."""
    parser = argparse.ArgumentParser(
        prog="python -m perfdash kpis", description="从方案文档的年度工作目标中提取量化指标（数量、单位、比较符）"
    )
    parser.add_argument("path", help="方案文档（.txt，官方文本）或 Excel 模板（.xlsx）")
    parser.add_argument("--json", action="store_true", help="打印 JSON 数组，每项量化指标一个对象")
    args = parser.parse_args(argv)
    from perfdash.plan.worker import read_plan_bounded

    try:
        plan = read_plan_bounded(args.path)  # a file from anywhere: read within a time and memory budget
    except PlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    kpis = extract_plan(plan)
    if args.json:
        rows = [{key: k.as_dict()[key] for key in KPI_KEYS} for k in kpis]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print("\n".join(table_lines(plan, kpis)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
