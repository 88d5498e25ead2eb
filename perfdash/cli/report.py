"""python -m perfdash report: the 绩效评估报告 (Word), the 自评表 and the 量化指标 sheet (Excel).

Not to be confused with pages/progress.py (进度填报) or perfdash/present/evaluation_report.py, which builds the
Word document this command writes."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfdash.cli import options

HELP = "写出绩效评估报告（Word）、自评表和量化指标完成情况（Excel）"
EXAMPLES = """\
例：
  python -m perfdash report --db DB --out 报告.docx   # 另写出 报告.xlsx（自评表）和 报告-量化指标.xlsx
看板运行时读取最新一份备份，并注明其时间。"""
PARENTS = (options.DB, options.PLAN, options.AS_OF, options.RULE)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Where to write."""
    parser.add_argument(
        "--out", required=True, help="输出的 .docx 文件（自评表写到同名 .xlsx，量化指标写到 同名-量化指标.xlsx）"
    )


def run(args: argparse.Namespace) -> int:
    """Write the three files (read-only; a backup's copy while the app server holds the file)."""
    from perfdash.cli.opening import as_of, open_plan
    from perfdash.db import kpi_tracking, queries
    from perfdash.present import evaluation_report, exports
    from perfdash.workflows import official

    store, row = open_plan(args, read_only=True, snapshot_ok=True)
    unit, year = str(row["unit"]), int(row["year"])
    demo = queries.is_demo(row)
    try:
        plan_id, day = int(row["plan_id"]), as_of(args, store, row)
        stored = official.stored(store, plan_id)
        rules = stored.rules.with_rule(args.rule) if args.rule else None
        provisional = stored.provisional and rules in (None, stored.rules)
        data, result = evaluation_report.build(store, plan_id, day, rules)
        kpi_rows = kpi_tracking.with_actuals(store, plan_id, day)
    finally:
        store.close()
    docx = Path(args.out)
    docx.write_bytes(data)
    xlsx = docx.with_suffix(".xlsx")
    xlsx.write_bytes(exports.self_assessment_xlsx(result, unit, year, day, demo=demo, provisional=provisional))
    kpis = xlsx.with_name(f"{xlsx.stem}-量化指标.xlsx")
    kpis.write_bytes(exports.kpi_xlsx(kpi_rows, unit, year, day, demo=demo))
    print(
        f"已写出绩效评估报告：{docx}（总分 {result.total:.2f}，等次 {result.grade}）、自评表：{xlsx}"
        f"及量化指标完成情况：{kpis}"
    )
    return 0
