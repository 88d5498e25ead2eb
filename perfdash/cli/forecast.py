"""python -m perfdash forecast: the year-end forecast (预测, never the official result), or with
--backtest how reliable it has been on the year's own history."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

from perfdash.cli import options

if TYPE_CHECKING:  # annotations only: --help must not import pandas
    import pandas as pd

    from perfdash.store import Store
    from perfdash.workflows.scoring import Rules

HELP = "年终得分预测；--backtest 用历史数据检验预测的可靠性"
EXAMPLES = """\
例：
  python -m perfdash forecast --db DB --json          # 年终预测：中位数、80% 区间、等次概率
  python -m perfdash forecast --db DB --backtest      # 回测：80% 区间覆盖率、Brier 分数"""
PARENTS = (options.DB, options.PLAN, options.AS_OF)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Backtest or forecast, and the output form."""
    parser.add_argument(
        "--backtest", action="store_true", help="回测：从历史每周预测年终，对比实际，给出覆盖率和 Brier 分数"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="输出一行 JSON，键为 as_of, total, grade, interval_80, grade_probability；--backtest 时为 "
        "outcome_day, weeks, target_coverage_80, total_coverage_80, brier, forecasts_checked, seconds",
    )


def run(args: argparse.Namespace) -> int:
    """Print the forecast or the backtest (read-only; a backup's copy while the app server holds the file)."""
    from perfdash.cli.opening import as_of, open_plan
    from perfdash.core import fmt
    from perfdash.db import queries
    from perfdash.workflows import forecast, official

    store, row = open_plan(args, read_only=True, snapshot_ok=True)
    plan_id, year = int(row["plan_id"]), int(row["year"])
    rules = official.stored(store, plan_id).rules
    if args.backtest:
        return _backtest(args, store, row, rules)
    try:
        day = as_of(args, store, row)
        state = queries.target_state(store, plan_id, day, year)
        _, sim = forecast.standing_forecast(store, plan_id, state, day, rules)
    finally:
        store.close()
    low, high = sim.interval()
    out = {
        "as_of": day.isoformat(),
        "total": sim.base_total,
        "grade": sim.base_grade,
        "interval_80": [fmt.round_score(low), fmt.round_score(high)],
        "grade_probability": {k: round(v, 4) for k, v in sim.grade_probability.items()},
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{row['unit']}{year}年度 · 统计截至 {day} · 年终预测（预测，非正式结果）")
    print(f"预测总分 {fmt.score(sim.base_total)}，等次 {out['grade']}；80% 区间 {fmt.score(low)}–{fmt.score(high)}")
    print("等次概率：" + "，".join(f"{k} {v:.0%}" for k, v in sim.grade_probability.items()))
    return 0


def _backtest(args: argparse.Namespace, store: Store, row: pd.Series, rules: Rules) -> int:
    from perfdash.workflows import forecast

    started = time.perf_counter()
    try:
        bt = forecast.backtest(store, int(row["plan_id"]), int(row["year"]), rules)
    finally:
        store.close()
    out = {
        "outcome_day": bt.outcome_day.isoformat(),
        "weeks": len(bt.weeks),
        "target_coverage_80": round(bt.target_coverage, 4),
        "total_coverage_80": round(bt.total_coverage, 4),
        "brier": round(bt.brier, 4),
        "forecasts_checked": bt.checked,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{row['unit']}{row['year']}年度 · 年终预测回测（以 {bt.outcome_day} 的实际情况为结果）")
    print(f"{len(bt.weeks)} 个周截止日，{bt.checked} 个未完成目标的预测")
    print(f"80% 区间覆盖率：目标 {bt.target_coverage:.1%}，总分 {bt.total_coverage:.1%}（理想约 80%）")
    print(f"等次概率的 Brier 分数：{bt.brier:.3f}（0 为完全准确）")
    for w in bt.weeks.itertuples():
        inside = "在区间内" if w.covered else "在区间外"
        print(
            f"  {w.as_of}  预测 {w.forecast:.2f}（80%：{w.low:.2f}–{w.high:.2f}）实际 {w.actual:.2f} {inside}，"
            f"目标覆盖 {w.target_coverage:.0%}"
        )
    return 0
