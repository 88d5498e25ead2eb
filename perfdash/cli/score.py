"""python -m perfdash score: the score, its groups and grade under the plan's stored rules, as every
page and the report count it; with --all, --set, --scenario or --rule a what-if (模拟) on top."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from perfdash.cli import options

if TYPE_CHECKING:  # annotations only: importing these at run time would make --help slow
    import pandas as pd

    from perfdash.ops.backup_folder import BackupFile
    from perfdash.store import Store
    from perfdash.workflows.forecast import Simulation
    from perfdash.workflows.scoring import Rules, Score
    from perfdash.workflows.years import YearResult

HELP = "按方案的正式计分规则计算总分、分组得分和等次（可模拟）"
# Every key --json may print, and when: the help lists them all (tests/test_cli.py checks both ways).
JSON_KEYS = {
    "total": "总分",
    "possible": "满分",
    "grade": "等次",
    "provisional": "true：绩效办尚未设定该方案的计分规则，等次分界为暂定",
    "rules": "所用的计分规则（与 rules 命令的 JSON 相同）",
    "groups": "各目标组得分",
    "as_of": "统计日期",
    "counts": "目标数 targets、已完成 done、滞后 late、逾期未完成 overdue",
    "projected": "年终预测中位数的 total 和 grade（非模拟时）",
    "previous_year": "同一单位上年度的 year、as_of、total、possible、grade、final（库中有上年方案时）",
    "simulation": "“模拟，非正式结果”（用了 --all、--set、--scenario 或与正式规则不同的 --rule 时）",
    "snapshot": "所读备份的 taken_at 和 file（看板运行时）",
}
EXAMPLES = "\n".join(
    [
        "--json 的键：",
        *(f"  {key:<14} {meaning}" for key, meaning in JSON_KEYS.items()),
        "",
        "例：",
        "  python -m perfdash score --db DB",
        "  python -m perfdash score --db DB --json --as-of 2025-11-21 --set 1-1-1=50 --rule stepped",
        "计分规则默认为方案存储的正式规则（rules 命令查看、设定）；--rule 是在其上改换计分方式的模拟。",
        "看板运行时读取最新一份备份，并注明其时间。",
    ]
)
PARENTS = (options.DB, options.PLAN, options.AS_OF, options.RULE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The what-if options and the output form."""
    parser.add_argument("--scenario", help="从已保存的情景出发")
    parser.add_argument("--all", type=options.percent, metavar="PCT", help="把全部目标的完成率设为 PCT（0–100）")
    parser.add_argument(
        "--set",
        type=options.code_percent,
        action="append",
        metavar="CODE=PCT",
        help="设定某个目标的完成率，如 1-1-1=50，可重复",
    )
    parser.add_argument("--json", action="store_true", help="输出一行 JSON（各键见下）")


@dataclass
class Answer:
    """What the command answers: the result at ``as_of`` under ``rules``, the headline counts, and beside
    them the year-end forecast (not for a what-if) and the same unit's previous year."""

    as_of: date
    rules: Rules
    provisional: bool
    result: Score
    head: dict
    what_if: bool
    projected: Simulation | None
    last: YearResult | None


def run(args: argparse.Namespace) -> int:
    """Print the score (read-only; a copy of the newest backup while the app server holds the file)."""
    from perfdash.cli.opening import as_of, open_plan

    store, row = open_plan(args, read_only=True, snapshot_ok=True)
    try:
        score = _score(args, store, row, as_of(args, store, row))
    finally:
        store.close()
    snapshot = getattr(args, "snapshot", None)
    print(json.dumps(_as_json(score, snapshot), ensure_ascii=False) if args.json else _text(score, row, snapshot))
    return 0


def _score(args: argparse.Namespace, store: Store, row: pd.Series, as_of: date) -> Answer:
    from perfdash.db import queries
    from perfdash.workflows import forecast, official, scoring, years

    plan_id, year = int(row["plan_id"]), int(row["year"])
    state = queries.target_state(store, plan_id, as_of, year)
    stored = official.stored(store, plan_id)
    rules = stored.rules
    values: dict[str, float] = {}
    hypothetical: list[scoring.Adjustment] = []
    if args.scenario:
        found = queries.scenarios(store, plan_id)
        found = found[found["name"] == args.scenario]
        if found.empty:
            raise options.Refused(f"没有名为“{args.scenario}”的情景")
        values.update(queries.scenario_values(store, int(found.iloc[0]["scenario_id"])))
        rules = scoring.Rules.from_json(found.iloc[0]["rules_json"])
        hypothetical = scoring.adjustments_from_json(found.iloc[0]["adjustments_json"])
    if args.rule:
        rules = rules.with_rule(args.rule)
    if args.all is not None:
        values.update(dict.fromkeys(state["code"], args.all))
    codes = set(state["code"])
    for code, pct in args.set or []:
        if code not in codes:
            raise options.Refused(f"--set {code}={pct:g}：方案中没有编号为“{code}”的目标")
        values[code] = pct
    if any(not 0 <= v <= 100 for v in values.values()):
        raise options.Refused("完成率应在 0 到 100 之间")
    # The one score (evaluated, self-assessed, else computed), as every page and the report count it;
    # a what-if changes only the targets whose completion it sets.
    sheet = official.score_sheet(store, plan_id, state, as_of, rules)
    what_if = bool(values or args.scenario or rules != stored.rules)
    adjustments = scoring.adjustments_of(queries.adjustments(store, plan_id)) + hypothetical
    result = official.what_if(sheet, state, rules, values, adjustments, as_of) if what_if else sheet.result
    projected = None if what_if else forecast.standing_forecast(store, plan_id, state, as_of, rules)[1]
    previous = years.previous_plan(store, str(row["unit"]), year)
    last = years.year_result(store, previous) if previous is not None else None  # under that year's own rules
    provisional = stored.provisional and rules == stored.rules
    return Answer(as_of, rules, provisional, result, queries.headline(state), what_if, projected, last)


def _as_json(score: Answer, snapshot: BackupFile | None) -> dict:
    """The --json form: the keys of JSON_KEYS, each when it applies."""
    out = score.result.as_json() | {
        "provisional": score.provisional,
        "rules": json.loads(score.rules.to_json()),
        "as_of": score.as_of.isoformat(),
        "counts": {k: score.head[k] for k in ("targets", "done", "late", "overdue")},
    }
    if score.what_if:
        out["simulation"] = "模拟，非正式结果"
    if score.projected is not None:  # the year-end forecast's median, as 总览 and the meeting screen show it
        out["projected"] = {"total": score.projected.base_total, "grade": score.projected.base_grade}
    if score.last is not None:  # the same unit's previous year, beside this one
        out["previous_year"] = score.last.as_json()
    if snapshot is not None:  # read from a backup while the app serves: say which, and from when
        out["snapshot"] = {"taken_at": snapshot.taken_at.isoformat(), "file": str(snapshot.path)}
    return out


def _text(score: Answer, row: pd.Series, snapshot: BackupFile | None) -> str:
    from perfdash.core import fmt
    from perfdash.workflows import scoring

    result, head, last = score.result, score.head, score.last
    lines = []
    if snapshot is not None:
        lines.append(f"（数据截至 {snapshot.taken_at:%Y-%m-%d %H:%M:%S} 的备份：看板正在运行，未读取此后的改动）")
    lines.append(f"{row['unit']}{row['year']}年度 · 统计截至 {score.as_of} · {scoring.RULE_LABELS[score.rules.rule]}")
    kind = "模拟（非正式结果）" if score.what_if else ""
    grade = f"{result.grade}（暂定）" if score.provisional else result.grade
    lines.append(f"{kind}总分 {fmt.score(result.total)}（满分 {result.possible:g}），等次：{grade}")
    lines.append(f"已完成 {head['done']} 项，滞后 {head['late']} 项（其中逾期未完成 {head['overdue']} 项）")
    if last is not None:
        state_word = "最终" if last.final else f"截至 {last.as_of}"
        lines.append(f"上年度（{last.year}）{state_word}得分 {fmt.score(last.total)}，等次：{last.grade}")
    lines += [f"  {group} {fmt.score(value)}" for group, value in result.groups.items()]
    return "\n".join(lines)
