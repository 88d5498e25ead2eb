"""The plan reader: the published 2025 document, encodings, an unseen plan in the same layout, broken plans."""

from __future__ import annotations

import calendar
import copy
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from perfdash.plan import (
    TARGET_KEYS,
    PlanError,
    decode,
    parse_deadline,
    parse_plan_text,
    read_plan,
    split_indicator,
)

ROOT = Path(__file__).resolve().parent.parent
PLAN_FILE = ROOT / "data" / "quanzhou_edu_2025_plan.txt"
EXPECTED = json.loads((Path(__file__).parent / "data" / "expected_targets_2025.json").read_text(encoding="utf-8"))
GROUP_POINTS = {"职能工作": 70, "行政能力": 20, "精神文明": 4, "平安建设": 4, "安全生产": 1, "消防安全": 1}


@pytest.fixture(scope="module")
def real_plan():
    return read_plan(PLAN_FILE)


def _rows_by_code(plan) -> dict[str, dict]:
    return {t.code: t.as_dict() for t in plan.targets}


# ---------------------------------------------------------------------------
# 1. The published 2025 document


def test_expected_file_is_the_hand_checked_61_rows():
    assert len(EXPECTED) == 61
    assert len({e["code"] for e in EXPECTED}) == 61
    assert all(list(e) == list(TARGET_KEYS) for e in EXPECTED)


def test_real_document_header_and_order(real_plan):
    assert real_plan.unit == "泉州市教育局"
    assert real_plan.year == 2025
    assert real_plan.title == "泉州市教育局2025年度绩效目标考评表"
    assert [t.code for t in real_plan.targets] == [e["code"] for e in EXPECTED]


@pytest.mark.parametrize("expected", EXPECTED, ids=[e["code"] for e in EXPECTED])
def test_real_document_target(real_plan, expected):
    got = _rows_by_code(real_plan)[expected["code"]]
    assert list(got) == list(TARGET_KEYS)
    for key in TARGET_KEYS:
        assert got[key] == expected[key], key


def test_real_document_indicators(real_plan):
    indicators = real_plan.indicators()
    assert len(indicators) == 24
    codes = [i["indicator_code"] for i in indicators]
    assert codes == [f"1-{n}" for n in range(1, 15)] + ["2-1", "2-2", "2-3", "4", "5", "6"] + [
        "7-1",
        "7-2",
        "7-3",
        "7-4",
    ]
    by_code = {i["indicator_code"]: i for i in indicators}
    assert by_code["1-6"]["source_note"] == "属市委常委会2025年工作要点第3点，p7；抓城建提品质第9点，p15"
    assert (by_code["4"]["indicator"], by_code["4"]["indicator_points"], by_code["4"]["targets"]) == (
        "全面从严治党",
        7,
        7,
    )
    assert (by_code["5"]["indicator"], by_code["5"]["indicator_points"]) == ("依法履职", 6)
    assert (by_code["6"]["indicator"], by_code["6"]["indicator_points"]) == ("机关效能", 7)
    # Every indicator's stated points equal the sum of its targets in the published table.
    assert all(i["indicator_points"] == i["target_points"] for i in indicators)


def test_real_document_only_warning_is_66_vs_61(real_plan):
    assert len(real_plan.warnings) == 1
    (w,) = real_plan.warnings
    assert (w.check, w.subject, w.expected, w.actual) == ("正文与考评表", "年度工作目标总数", "66", "61")
    assert "66" in w.message and "61" in w.message
    # The other prose claims agree with the table.
    prose = {c.subject: (c.expected, c.actual, c.ok) for c in real_plan.checks if c.check == "正文与考评表"}
    assert prose == {
        "一级指标总数": ("24", "24", True),
        "年度工作目标总数": ("66", "61", False),
        "重点工作一级指标数": ("14", "14", True),
        "常规工作一级指标数": ("3", "3", True),
        "行政能力一级指标数": ("3", "3", True),
    }


def test_real_document_group_sums(real_plan):
    sums: dict[str, float] = defaultdict(float)
    for t in real_plan.targets:
        sums[t.group] += t.points
    assert dict(sums) == GROUP_POINTS
    assert sum(t.points for t in real_plan.targets) == 100
    structure = {c.subject: (c.expected, c.actual, c.ok) for c in real_plan.checks if c.check == "分值结构"}
    assert structure == {
        "职能工作": ("70", "70", True),
        "行政能力": ("20", "20", True),
        "精神文明": ("4", "4", True),
        "平安建设": ("4", "4", True),
        "安全生产": ("1", "1", True),
        "消防安全": ("1", "1", True),
        "重点工作目标": ("61", "61", True),
        "常规工作目标": ("9", "9", True),
        "总分": ("100", "100", True),
    }
    subtotals = [(c.subject, c.expected, c.ok) for c in real_plan.checks if c.check == "小计行"]
    assert subtotals == [
        ("小计（1-1-1–2-3-2）", "70", True),
        ("小计（4-1–6-5）", "20", True),
        ("绩效目标考评得分（全表）", "100", True),
    ]


# ---------------------------------------------------------------------------
# 2. Encodings and line endings


@pytest.mark.parametrize(("bom", "crlf"), [(True, False), (False, True), (True, True)], ids=["bom", "crlf", "bom+crlf"])
def test_bom_and_crlf_give_identical_rows(tmp_path, real_plan, bom, crlf):
    text = PLAN_FILE.read_text(encoding="utf-8")
    if crlf:
        text = text.replace("\n", "\r\n")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path = tmp_path / "plan.txt"
    path.write_bytes(data)
    plan = read_plan(path)
    assert [t.as_dict() for t in plan.targets] == [t.as_dict() for t in real_plan.targets]
    assert (plan.unit, plan.year, plan.title) == (real_plan.unit, real_plan.year, real_plan.title)
    assert [c.as_dict() for c in plan.checks] == [c.as_dict() for c in real_plan.checks]


def test_decode_gb18030_fallback():
    assert decode("泉州\r\n绩效".encode("gb18030")) == "泉州\n绩效"
    assert decode(b"\xef\xbb\xbfa\rb") == "a\nb"


# ---------------------------------------------------------------------------
# 3. A plan never seen before, rendered in the published layout


def _n(x: float) -> str:
    x = round(float(x), 6)  # as a person writes a sum: 3.3, not 3.3000000000000003
    return str(int(x)) if x.is_integer() else str(x)


def _deadline_text(iso: str) -> str:
    d = date.fromisoformat(iso)
    if d.day == calendar.monthrange(d.year, d.month)[1]:
        return f"{d.month}月底前"
    return f"{d.month}月{d.day}日前"


def _rotated(label: str) -> str:
    return "\n".join(label)


def render_document(unit: str, year: int, rows: list[dict], crlf: bool = False, bom: bool = False) -> bytes:
    """Text in the layout of the published 考评表 (cells start with a tab, rows end with a blank line).

    ``rows`` are target dicts (TARGET_KEYS) in document order. Optional layout keys say how a
    cell is written: ``deadline_text``, ``target_cell``, ``persons_cell``, ``leaders_cell`` and
    ``points_cell`` (printed instead of ``points``; labels and subtotals still use ``points``).
    """
    group_sum: dict[str, float] = defaultdict(float)
    ind_sum: dict[str, float] = defaultdict(float)
    for r in rows:
        group_sum[r["group"]] += r["points"]
        ind_sum[r["indicator_code"]] += r["points"]
    indicators = list(dict.fromkeys((r["indicator_code"], r["category"]) for r in rows))
    n_cat = {c: sum(1 for _, cat in indicators if cat == c) for c in ("重点工作目标", "常规工作目标", "行政能力目标")}

    out = [
        f"{unit}{year}年度绩效工作方案",
        "",
        "三、绩效管理内容",
        f"根据有关要求，共设定{len(indicators)}个一级指标、{len(rows)}项年度工作目标（详见附件）的绩效考核评估内容。"
        f"包括重点工作一级指标{n_cat['重点工作目标']}个，常规工作目标一级指标{n_cat['常规工作目标']}个，"
        f"行政能力一级指标{n_cat['行政能力目标']}个，精神文明建设、平安建设、安全生产、消防安全指标。具体如下。",
        "",
        f"附件：{unit}{year}年度绩效目标考评表",
        "",
        "附件",
        f"{unit}{year}年度绩效目标考评表 ",
    ]

    def emit(cells: list[str]) -> None:
        out.extend("\t" + c for c in cells)
        out.append("")

    def subtotal(label: str, value: float) -> None:
        emit(["", label, _n(value), "", "", "", ""])

    def tail(r: dict) -> list[str]:
        return [
            r.get("target_cell", r["target"]),
            r.get("points_cell", _n(r["points"])),
            r.get("deadline_text", _deadline_text(r["deadline"])),
            "\n".join(r["sections"]),
            r.get("persons_cell", "\n".join(r["persons"])),
            r.get("leaders_cell", "\n".join(r["leaders"])),
        ]

    prev: dict | None = None
    for r in rows:
        group, category, ind = r["group"], r["category"], r["indicator_code"]
        first_of_group = prev is None or prev["group"] != group
        first_of_cat = prev is None or prev["category"] != category
        first_of_ind = prev is None or prev["indicator_code"] != ind
        if prev is not None and first_of_group and prev["group"] in ("职能工作", "行政能力"):
            subtotal("小 计" if prev["group"] == "职能工作" else "小  计", group_sum[prev["group"]])
        if group == "职能工作":
            if first_of_group:
                out.append(f" ︵{_n(group_sum[group])}分︶")
                lead = [_rotated(category)]
            else:
                lead = ["", _rotated(category) if first_of_cat else ""]
            indicator = ""
            if first_of_ind:
                indicator = f"{r['indicator']}（{_n(r['indicator_points'])}分）"
                if r["source_note"]:
                    indicator += f"（{r['source_note']}）"
            emit([*lead, r["code"], indicator, *tail(r)])
        elif group == "行政能力":
            if first_of_group:
                lead = [_rotated(category) + f"︵{_n(group_sum[group])}分︶", r["indicator"] + " "]
            else:
                lead = ["", r["indicator"] if first_of_ind else ""]
            emit([*lead, r["code"], *tail(r)])
        else:
            emit([f"{group}({_n(group_sum[group])}分)", r["code"], *tail(r)])
        prev = r
    if prev is not None and prev["group"] in ("职能工作", "行政能力"):
        subtotal("小  计", group_sum[prev["group"]])
    emit(["绩效目标考评得分", _n(sum(group_sum.values())), "", "", "", ""])
    out += ["", "", ""]

    text = "\n".join(out)
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


# Indicators of the invented plan: code → (group, category, title, source note).
NEW_INDICATORS: dict[str, tuple[str, str, str, str]] = {
    "1-1": ("职能工作", "重点工作目标", "推进城乡学校布局调整，扩大优质学位供给。", ""),
    "1-2": ("职能工作", "重点工作目标", "深化新时代教育评价改革，健全教师队伍管理机制。", "属县委全会报告第二部分，p4"),
    "1-3": ("职能工作", "重点工作目标", "推动职业教育与本地产业协同发展。", ""),
    "2-1": ("职能工作", "常规工作目标", "统筹全县教育考试和语言文字工作。", ""),
    "2-2": ("职能工作", "常规工作目标", "做好学校体育、美育和卫生健康工作。", ""),
    "4": ("行政能力", "行政能力目标", "全面从严治党", ""),
    "5": ("行政能力", "行政能力目标", "依法履职", ""),
    "6": ("行政能力", "行政能力目标", "机关效能", ""),
}


def _new_target(code: str, points: float, target: str, sections, persons, leaders, deadline="2026-12-31", **layout):
    if code.startswith("7-"):
        group = {"7-1": "精神文明", "7-2": "平安建设", "7-3": "安全生产", "7-4": "消防安全"}[code]
        ind, category, title, note = code, group, group, ""
    else:
        ind = code.rsplit("-", 1)[0] if code.count("-") == 2 else code.split("-")[0]
        group, category, title, note = NEW_INDICATORS[ind]
    if "\n" in target:  # a target written over several lines in its cell
        layout.setdefault("target_cell", target)
    return {
        "code": code,
        "group": group,
        "category": category,
        "indicator_code": ind,
        "indicator": title,
        "indicator_points": 0,  # filled in below: the sum of the indicator's targets
        "source_note": note,
        "target": "".join(part.strip() for part in target.split("\n")),
        "points": points,
        "deadline": deadline,
        "sections": list(sections),
        "persons": list(persons),
        "leaders": list(leaders),
        **layout,
    }


def new_plan_rows() -> list[dict]:
    """An invented 2026 plan: other names, points (one 0.5), deadlines, runs of names split over lines.

    钟思远 (基础教育科), 白雪 (体艺科) and 李文金 (德育科) never stand alone in a 责任人 cell: they
    are only ever run together with others. 李文金高远 (6-1) also reads as 李文 + 金高远, two names
    that do stand alone elsewhere; only the pair 教研室→高远 seen in 1-3-1 says it is 李文金 + 高远.
    """
    rows = [
        _new_target(
            "1-1-1",
            20,
            "完成城东、城西两所九年一贯制学校主体工程建设，新增公办学位3000个。 \n推进5所乡镇中心校运动场改造。",
            ["规划科"],
            ["欧文博"],
            ["陈国栋"],
            deadline="2026-06-30",
        ),
        _new_target(
            "1-1-2",
            10,
            "督促各乡镇完成学校布局专项规划修编，撤并小规模学校不少于6所。",
            ["督导科", "基础教育科"],
            ["何静", "钟思远"],
            ["林海", "吴晓岚"],
            deadline="2026-09-30",
            persons_cell="何静钟思远",
        ),
        _new_target(
            "1-1-3",
            10,
            "建成12所学校午餐配送中心。开展校园饮用水提升改造。",
            ["基础教育科", "体艺科"],
            ["钟思远", "白雪"],
            ["吴晓岚"],
            deadline="2026-11-30",
            deadline_text="11月30日前",
            persons_cell="钟思远白雪",
        ),
        _new_target(
            "1-2-1",
            0.5,
            "出台中小学教师“县管校聘”管理办法。",
            ["人事科", "财审科", "督导科"],
            ["叶子涵", "孔黎", "何静"],
            ["郑一鸣", "林海"],
            persons_cell="叶子涵孔黎\n何静",
        ),
        _new_target(
            "1-2-2",
            10.5,
            "开展学校办学质量综合评价，覆盖全县公办中小学。",
            ["体艺科", "基础教育科", "督导科"],
            ["白雪", "钟思远", "何静"],
            ["吴晓岚", "林海"],
            deadline="2026-06-30",
            persons_cell="白雪钟思远\n何静",
            leaders_cell="吴晓岚林海",
        ),
        _new_target(
            "1-3-1",
            10,
            "新增2个校企共建实训基地，\n组织职业学校学生参加省级技能大赛。",
            ["职成科", "安全科", "教研室"],
            ["马骁", "任可", "高远"],
            ["陈国栋", "郑一鸣"],
            persons_cell="马骁任可\n高远",
        ),
        _new_target(
            "2-1-1",
            4,
            "做好中考28个考点考务组织工作。",
            ["考试中心"],
            ["苏明"],
            ["郑一鸣"],
            deadline="2026-06-30",
        ),
        _new_target(
            "2-1-2",
            0.5,
            "组织普通话水平测试不少于4次。",
            ["考试中心", "办公室"],
            ["苏明", "苏明轩"],
            ["郑一鸣"],
            persons_cell="苏明苏明轩",
        ),
        _new_target(
            "2-2-1",
            4.5,
            "举办全县中小学生运动会和艺术节。",
            ["体艺科", "人事科"],
            ["白雪", "叶子涵"],
            ["吴晓岚", "郑一鸣"],
            deadline="2026-10-31",
            persons_cell="白雪叶子涵",
        ),
        _new_target("4-1", 2, "落实全面从严治党主体责任。", ["电教馆"], ["金高远"], ["陈国栋"]),
        _new_target(
            "4-2",
            3,
            "开展清廉学校建设。",
            ["办公室", "各科室"],
            ["苏明轩", "各科长"],
            ["陈国栋"],
            persons_cell="苏明轩\n各科长",
        ),
        _new_target("5-1", 5, "加强预算绩效管理。", ["财审科"], ["孔黎"], ["林海"]),
        _new_target("5-2", 2.5, "依法办理信访事项。", ["语委办"], ["李文"], ["陈国栋"]),
        _new_target(
            "6-1",
            7.5,
            "提升政务服务效能，\n形成至少1项创新成果。",
            ["德育科", "教研室"],
            ["李文金", "高远"],
            ["陈国栋"],
            persons_cell="李文金高远",
        ),
        _new_target("7-1", 4, "精神文明建设成效。", ["人事科"], ["叶子涵"], ["郑一鸣"]),
        _new_target("7-2", 4, "平安建设成效。", ["安全科"], ["任可"], ["陈国栋"]),
        _new_target("7-3", 1, "安全生产工作成效。", ["安全科"], ["任可"], ["陈国栋"]),
        _new_target("7-4", 1, "消防安全工作成效。", ["安全科"], ["任可"], ["陈国栋"]),
    ]
    return _sum_indicator_points(rows)


def _sum_indicator_points(rows: list[dict]) -> list[dict]:
    """Each indicator's points are the sum of its targets' (as the 考评表 states them)."""
    sums: dict[str, float] = defaultdict(float)
    for r in rows:
        sums[r["indicator_code"]] += r["points"]
    for r in rows:
        r["indicator_points"] = round(sums[r["indicator_code"]], 6)
    return rows


def _public(row: dict) -> dict:
    return {k: row[k] for k in TARGET_KEYS}


def test_new_plan_is_well_formed():
    # The invented plan itself keeps the bureau's structure, so any warning is the parser's.
    rows = new_plan_rows()
    sums: dict[str, float] = defaultdict(float)
    for r in rows:
        sums[r["group"]] += r["points"]
    assert dict(sums) == GROUP_POINTS
    assert any(r["points"] == 0.5 for r in rows)
    cells = [r.get("persons_cell", "\n".join(r["persons"])) for r in rows]
    alone = {line.strip() for cell in cells for line in cell.split("\n")}
    assert not alone & {"钟思远", "白雪", "李文金"}
    assert {"李文", "金高远", "高远"} <= alone
    assert any("\n" in r.get("target_cell", "") for r in rows)


@pytest.mark.parametrize(("crlf", "bom"), [(False, False), (True, True)], ids=["lf", "crlf+bom"])
def test_new_plan_round_trips(tmp_path, crlf, bom):
    rows = new_plan_rows()
    path = tmp_path / "plan_2026.txt"
    path.write_bytes(render_document("清源县教育局", 2026, rows, crlf=crlf, bom=bom))
    plan = read_plan(path)
    assert (plan.unit, plan.year, plan.title) == ("清源县教育局", 2026, "清源县教育局2026年度绩效目标考评表")
    assert plan.source_name == "plan_2026.txt"
    got = [t.as_dict() for t in plan.targets]
    assert [g["code"] for g in got] == [r["code"] for r in rows]
    for g, r in zip(got, rows, strict=True):
        for key in TARGET_KEYS:
            assert g[key] == r[key], (r["code"], key)
    assert plan.warnings == []
    assert len(plan.indicators()) == 12


def test_new_plan_names_split_by_section():
    plan = parse_plan_text(render_document("清源县教育局", 2026, new_plan_rows()).decode("utf-8"))
    persons = {t.code: t.persons for t in plan.targets}
    assert persons["1-1-2"] == ("何静", "钟思远")
    assert persons["1-1-3"] == ("钟思远", "白雪")
    assert persons["1-2-1"] == ("叶子涵", "孔黎", "何静")
    assert persons["1-2-2"] == ("白雪", "钟思远", "何静")
    assert persons["2-1-2"] == ("苏明", "苏明轩")
    assert persons["4-2"] == ("苏明轩", "各科长")
    assert persons["6-1"] == ("李文金", "高远")  # not 李文 + 金高远, though both are names here
    assert persons["4-1"] == ("金高远",) and persons["5-2"] == ("李文",)
    assert {t.code: t.leaders for t in plan.targets}["1-2-2"] == ("吴晓岚", "林海")


def test_new_plan_deadlines():
    plan = parse_plan_text(render_document("清源县教育局", 2026, new_plan_rows()).decode("utf-8"))
    deadlines = {t.code: t.deadline for t in plan.targets}
    assert deadlines["1-1-1"] == date(2026, 6, 30)
    assert deadlines["1-1-2"] == date(2026, 9, 30)
    assert deadlines["1-1-3"] == date(2026, 11, 30)
    assert deadlines["2-2-1"] == date(2026, 10, 31)
    assert deadlines["4-1"] == date(2026, 12, 31)


def test_new_plan_with_tenths_of_points_has_no_float_noise():
    # 1.1 + 2.2 and 0.1 + 0.2 are not exact in floating point; the document says 3.3 and 0.3.
    points = {"1-2-1": 1.1, "1-2-2": 2.2, "1-3-1": 17.7, "4-1": 0.1, "4-2": 0.2, "5-1": 9.7, "5-2": 5, "6-1": 5}
    rows = new_plan_rows()
    for r in rows:
        r["points"] = points.get(r["code"], r["points"])
    _sum_indicator_points(rows)
    text = render_document("清源县教育局", 2026, rows).decode("utf-8")
    assert "（3.3分）" in text
    plan = parse_plan_text(text)
    assert plan.warnings == []
    got = {t.code: t.as_dict() for t in plan.targets}
    assert got["1-2-1"]["indicator_points"] == 3.3
    assert got["4-1"]["indicator_points"] == got["4-2"]["indicator_points"] == 0.3
    assert got["5-1"]["indicator_points"] == 14.7
    assert {i["indicator_code"]: i["indicator_points"] for i in plan.indicators()}["4"] == 0.3


# ---------------------------------------------------------------------------
# 4. Plans that break the structure still load, with warnings


def test_points_off_in_new_plan_loads_with_warnings():
    rows = new_plan_rows()
    broken = copy.deepcopy(rows)
    broken[6]["points_cell"] = "5"  # 2-1-1: 4 → 5, while labels and 小计 still say 70
    plan = parse_plan_text(render_document("清源县教育局", 2026, broken).decode("utf-8"))
    assert len(plan.targets) == len(rows)
    assert {t.code: t.points for t in plan.targets}["2-1-1"] == 5
    bad = {(c.check, c.subject): c for c in plan.warnings}
    assert (bad["分值结构", "职能工作"].expected, bad["分值结构", "职能工作"].actual) == ("70", "71")
    assert "职能工作" in bad["分值结构", "职能工作"].message
    assert (bad["分值结构", "常规工作目标"].expected, bad["分值结构", "常规工作目标"].actual) == ("9", "10")
    sub = bad["小计行", "小计（1-1-1–2-2-1）"]
    assert (sub.expected, sub.actual) == ("70", "71")
    assert "小计" in sub.message and "70" in sub.message and "71" in sub.message
    assert (bad["小计行", "绩效目标考评得分（全表）"].expected, bad["小计行", "绩效目标考评得分（全表）"].actual) == (
        "100",
        "101",
    )
    assert ("指标分值", "2-1 统筹全县教育考试和语言文字工作。") in bad
    assert bad["标签分值", "职能工作"].actual == "71"
    assert ("小计行", "小计（4-1–6-1）") not in bad


def test_points_off_in_real_document_loads_with_warnings():
    text = PLAN_FILE.read_text(encoding="utf-8")
    snippet = "改造电动自行车充电设施591个。\n\t1\n"
    assert text.count(snippet) == 1
    plan = parse_plan_text(text.replace(snippet, "改造电动自行车充电设施591个。\n\t2\n"))
    assert len(plan.targets) == 61
    assert {t.code: t.points for t in plan.targets}["1-1-3"] == 2
    bad = {(c.check, c.subject): (c.expected, c.actual) for c in plan.warnings}
    assert bad["分值结构", "职能工作"] == ("70", "71")
    assert bad["分值结构", "重点工作目标"] == ("61", "62")
    assert bad["小计行", "小计（1-1-1–2-3-2）"] == ("70", "71")
    assert bad["指标分值", "1-1 持续实施“惠民生补短板”专项行动"] == ("5", "6")
    assert ("小计行", "小计（4-1–6-5）") not in bad


def test_unreadable_deadline_and_row_still_load():
    rows = new_plan_rows()
    rows[9]["deadline_text"] = "待定"  # 4-1
    text = render_document("清源县教育局", 2026, rows).decode("utf-8")
    text = text.replace("\t绩效目标考评得分", "\t备注\n\t见说明\n\n\t绩效目标考评得分")
    plan = parse_plan_text(text)
    assert len(plan.targets) == len(rows)
    assert {t.code: t.deadline for t in plan.targets}["4-1"] == date(2026, 12, 31)
    checks = {c.check for c in plan.warnings}
    assert checks == {"完成时限", "表格行"}


# ---------------------------------------------------------------------------
# 5. Fields


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("12月底前", 2025, date(2025, 12, 31)),
        ("2月底前", 2024, date(2024, 2, 29)),
        ("2月底前", 2025, date(2025, 2, 28)),
        ("9月底前", 2025, date(2025, 9, 30)),
        ("6月30日前", 2025, date(2025, 6, 30)),
        (" 11月 30日前 ", 2026, date(2026, 11, 30)),
        ("上半年", 2026, date(2026, 6, 30)),
        ("年底前", 2026, date(2026, 12, 31)),
        ("2026年1月底前", 2025, date(2026, 1, 31)),  # a deadline naming its own year keeps it
        ("2025年12月31日前", 2025, date(2025, 12, 31)),
        ("2月30日前", 2025, None),
        ("待定", 2025, None),
    ],
)
def test_parse_deadline(text, year, expected):
    assert parse_deadline(text, year) == expected


def test_split_indicator_points_and_source_note():
    assert split_indicator("推进智慧教育。（5分）（属市委常委会2025年工作要点第3点，p7；抓城建提品质第9点，p15）") == (
        "推进智慧教育。",
        5.0,
        "属市委常委会2025年工作要点第3点，p7；抓城建提品质第9点，p15",
    )
    assert split_indicator("落实资助政策。\n（4分）") == ("落实资助政策。", 4.0, "")
    assert split_indicator("目标(2.5分)(属甲)(属乙)") == ("目标", 2.5, "属甲；属乙")
    assert split_indicator("行政能力目标︵20分︶") == ("行政能力目标", 20.0, "")
    assert split_indicator("全面从严治党") == ("全面从严治党", None, "")


def test_no_title_is_a_plan_error():
    with pytest.raises(PlanError, match="考评表"):
        parse_plan_text("泉州市教育局2025年度绩效工作方案\n\n\t1-1-1\n\t目标\n\t2\n\t12月底前\n\t科\n\t张三\n\t李四\n")


def test_title_without_targets_is_a_plan_error():
    with pytest.raises(PlanError, match="年度工作目标"):
        parse_plan_text("清源县教育局2026年度绩效目标考评表\n\n\t绩效目标考评得分\n\t100\n")


def test_missing_file_is_a_plan_error(tmp_path):
    with pytest.raises(PlanError, match="找不到"):
        read_plan(tmp_path / "missing.txt")


def test_leader_runs_split_on_names_seen_alone_and_flag_the_rest():
    from perfdash.plan.names import split_leaders as _split_leaders

    names, uncertain = _split_leaders([["林长华"], ["蔡玉霖"], ["林长华蔡玉霖"], ["王五赵六"]])
    assert names[2] == ("林长华", "蔡玉霖")
    assert uncertain == ["王五赵六"]
