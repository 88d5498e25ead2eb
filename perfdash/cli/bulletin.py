"""python -m perfdash bulletin: the month's draft 《绩效督查通报》 (Word), built by
perfdash.present.bulletin from the month's last closed reporting period, with the numbers the
dashboards show for its cut-off day."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

from perfdash.cli import options

HELP = "写出某月的绩效督查通报草稿（Word，公文格式）：进度与序时进度、滞后和逾期目标、督办事项、未报送科室"
EXAMPLES = """\
例：
  python -m perfdash bulletin --db DB --month 2025-10 --out 通报.docx
统计截至该月最后一个已关闭的填报周期的截止日，数字与看板在该日显示的相同；该月还没有已关闭的填报周期时不生成。
--month 默认为看板统计日期所在的月份。看板运行时读取最新一份备份，并注明其时间。"""
PARENTS = (options.DB, options.PLAN)
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def month(text: str) -> date:
    """A month as YYYY-MM (2025-10), as its first day; anything else, or a month 13, refused."""
    if MONTH.fullmatch(text):
        try:
            return date(int(text[:4]), int(text[5:]), 1)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"月份“{text}”无效，应为 YYYY-MM，如 2025-10")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The month and where to write."""
    parser.add_argument(
        "--month", type=month, metavar="YYYY-MM", help="通报的月份（方案年度内；默认：看板统计日期所在的月份）"
    )
    parser.add_argument("--out", required=True, help="输出的 .docx 文件")


def run(args: argparse.Namespace) -> int:
    """Write the draft (read-only; a backup's copy while the app server holds the file)."""
    from perfdash.cli.opening import open_plan
    from perfdash.core import fmt
    from perfdash.present import bulletin
    from perfdash.workflows import periods

    store, row = open_plan(args, read_only=True, snapshot_ok=True)
    try:
        plan_id = int(row["plan_id"])
        chosen = args.month or periods.default_as_of(store, plan_id)
        draft = bulletin.draft(store, plan_id, chosen)  # refuses a month outside the year or not closed
        data = bulletin.to_docx(draft)
    finally:
        store.close()
    out = Path(args.out)
    out.write_bytes(data)
    head = draft.figures
    print(
        f"已写出{draft.name}绩效督查通报（草稿）：{out}（统计截至 {draft.cutoff.isoformat()}，"
        f"加权完成率 {fmt.pct(head['completion_pct'])}，序时进度 {fmt.pct(head['expected_pct'])}，"
        f"滞后 {head['late']} 项，督办单本月新下发 {len(draft.orders['opened'])} 件）"
    )
    return 0
