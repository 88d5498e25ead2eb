"""Validation as data: counts, point sums and the prose against the table, each a Check row."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from perfdash.core.settings import CATEGORY_POINTS, GROUP_POINTS
from perfdash.plan.model import Check, Plan, fmt_num

# The groups of the Quanzhou system (职能工作 70 + 行政能力 20 + 精神文明 4 + 平安建设 4 + 安全生产 1
# + 消防安全 1): its fixed structure is checked only in documents of that system.
QUANZHOU_GROUPS: tuple[str, ...] = tuple(GROUP_POINTS)


def quanzhou_system(plan: Plan) -> bool:
    """Whether a plan is of the Quanzhou system: its groups are the six (or some of them, with 职能工作)."""
    groups = set(plan.group_names())
    return "职能工作" in groups and groups <= set(QUANZHOU_GROUPS)


# A number is read from its first digit ((?<!\d)): retried from every digit of a long run of
# digits, the search would be quadratic in the run's length.
PROSE_CLAIMS: tuple[tuple[str, str], ...] = (
    (r"共设定?(\d+)个一级指标", "一级指标总数"),
    (r"(?<!\d)(\d+)项年度工作目标", "年度工作目标总数"),
    (r"重点工作(?:目标)?一级指标(\d+)个", "重点工作一级指标数"),
    (r"常规工作(?:目标)?一级指标(\d+)个", "常规工作一级指标数"),
    (r"行政能力(?:目标)?一级指标(\d+)个", "行政能力一级指标数"),
)


def validate(
    plan: Plan,
    prose: str = "",
    subtotals: list[tuple[str, float, int]] | None = None,
    label_points: list[tuple[str, str, float]] | None = None,
) -> list[Check]:
    """Every structural check on a plan, as rows: counts, point sums, and prose against table."""
    checks: list[Check] = []
    targets = plan.targets
    indicators = plan.indicators()
    total = sum(t.points for t in targets)

    def add(check: str, subject: str, expected: float | int | str, actual: float | int | str, msg_bad: str) -> None:
        exp, act = (
            fmt_num(expected) if isinstance(expected, (int, float)) else expected,
            fmt_num(actual) if isinstance(actual, (int, float)) else actual,
        )
        ok = exp == act
        checks.append(Check(check, subject, exp, act, ok, "一致" if ok else msg_bad))

    checks.append(
        Check("一级指标数", "考评表", "", str(len(indicators)), True, f"考评表共有 {len(indicators)} 个一级指标")
    )
    checks.append(
        Check("年度工作目标数", "考评表", "", str(len(targets)), True, f"考评表共有 {len(targets)} 项年度工作目标")
    )

    # The prose of the plan against the table.
    table_counts = {
        "一级指标总数": len(indicators),
        "年度工作目标总数": len(targets),
        "重点工作一级指标数": sum(1 for i in indicators if i["category"] == "重点工作目标"),
        "常规工作一级指标数": sum(1 for i in indicators if i["category"] == "常规工作目标"),
        "行政能力一级指标数": sum(1 for i in indicators if i["category"] == "行政能力目标"),
    }
    for pattern, name in PROSE_CLAIMS:
        m = re.search(pattern, prose)
        if m:
            claimed = int(m.group(1))
            add(
                "正文与考评表",
                name,
                claimed,
                table_counts[name],
                f"正文称{name}为 {claimed}，考评表实有 {table_counts[name]}",
            )

    # Points per group: the Quanzhou system against its fixed structure 70/20/4/4/1/1 = 100,
    # any other document against what its own labels and 合计 row state.
    by_group: dict[str, float] = defaultdict(float)
    by_category: dict[str, float] = defaultdict(float)
    for t in targets:
        by_group[t.group] += t.points
        by_category[t.category] += t.points
    if quanzhou_system(plan):
        for grp, expected in GROUP_POINTS.items():
            add(
                "分值结构",
                grp,
                expected,
                by_group.get(grp, 0.0),
                f"{grp}应为 {fmt_num(expected)} 分，考评表合计 {fmt_num(by_group.get(grp, 0.0))} 分",
            )
        for cat, expected in CATEGORY_POINTS.items():
            add(
                "分值结构",
                cat,
                expected,
                by_category.get(cat, 0.0),
                f"{cat}应为 {fmt_num(expected)} 分，考评表合计 {fmt_num(by_category.get(cat, 0.0))} 分",
            )
        add("分值结构", "总分", sum(GROUP_POINTS.values()), total, f"总分应为 100 分，考评表合计 {fmt_num(total)} 分")
    else:
        checks.append(
            Check(
                "分值结构",
                "目标组",
                "",
                "、".join(plan.group_names()),
                True,
                f"考评表有 {len(plan.group_names())} 个目标组（{'、'.join(plan.group_names())}），"
                f"合计 {fmt_num(total)} 分",
            )
        )

    # Each indicator's stated points against the sum of its targets.
    for ind in indicators:
        add(
            "指标分值",
            f"{ind['indicator_code']} {ind['indicator'][:16]}",
            ind["indicator_points"],
            ind["target_points"],
            f"一级指标 {ind['indicator_code']} 标注 {fmt_num(ind['indicator_points'])} 分，"
            f"其目标合计 {fmt_num(ind['target_points'])} 分",
        )

    # Points written on labels (︵70分︶) and subtotal rows (小计 70) against the sums.
    for kind, grp, pts in label_points or []:
        summed = (by_category if kind == "category" else by_group).get(grp, 0.0)
        add("标签分值", grp, pts, summed, f"考评表标签写{grp} {fmt_num(pts)} 分，目标合计 {fmt_num(summed)} 分")
    start = 0
    for label, value, end in subtotals or []:
        # the whole table: the only subtotal, a 总分/得分 row, or one at the end after the others
        if (end == len(targets) and start in (0, end)) or "得分" in label or "总" in label:
            part = total
            subject = f"{label}（全表）"
        else:
            part = sum(t.points for t in targets[start:end])
            subject = f"{label}（{targets[start].code}–{targets[end - 1].code}）" if end > start else label
        add("小计行", subject, value, part, f"考评表{label}写 {fmt_num(value)} 分，对应目标合计 {fmt_num(part)} 分")
        start = end

    # Codes: unique, and deadlines inside the plan year.
    dupes = [c for c, n in Counter(t.code for t in targets).items() if n > 1]
    for code in dupes:
        checks.append(Check("编号", code, "唯一", "重复", False, f"目标编号 {code} 重复出现"))
    for t in targets:
        if t.deadline.year != plan.year:
            checks.append(
                Check(
                    "完成时限",
                    t.code,
                    str(plan.year),
                    str(t.deadline.year),
                    False,
                    f"{t.code} 的完成时限 {t.deadline} 不在方案年度内",
                )
            )
        if t.points <= 0:
            checks.append(Check("分值", t.code, "> 0", fmt_num(t.points), False, f"{t.code} 的分值不是正数"))
    return checks


def summary_lines(plan: Plan) -> list[str]:
    """The human summary printed by ``python -m perfdash plan``."""
    ind = plan.indicators()
    stated = {g.name: g.stated_points for g in plan.groups}
    if quanzhou_system(plan):
        stated = {g: float(p) for g, p in GROUP_POINTS.items()}

    def share(g: str) -> str:
        actual = fmt_num(sum(t.points for t in plan.targets if t.group == g))
        return f"{g} {actual}/{fmt_num(stated[g])}" if stated.get(g) is not None else f"{g} {actual}"

    lines = [
        f"{plan.unit}{plan.year}年度绩效目标考评表（{plan.source_name}）",
        f"一级指标 {len(ind)} 个，年度工作目标 {len(plan.targets)} 项，总分 {fmt_num(plan.total_points)} 分",
        "分组分值：" + "，".join(share(g) for g in (list(stated) if quanzhou_system(plan) else plan.group_names())),
    ]
    bad = plan.warnings
    lines.append(f"校验：{len(plan.checks) - len(bad)} 项一致，{len(bad)} 项提示")
    lines += [f"  ⚠ [{c.check}] {c.message}" for c in bad]
    return lines
