"""python -m perfdash rules: show or set a plan's official scoring rules (the JSON of
scoring.Rules.to_json()), the rules every page, the report, the exports and ``score`` use."""

from __future__ import annotations

import argparse
import json
import sys

from perfdash.cli import options

HELP = "查看或设定方案的正式计分规则（JSON）"
EXAMPLES = """\
不带 --set：输出方案当前的计分规则（一行 JSON，可改后交给 --set）；标准错误输出写明由谁、何时设定。
--set 的 JSON 可只写要改的项，其余沿用当前规则，如：
  python -m perfdash rules --db DB
  python -m perfdash rules --db DB --year 2025 --set '{"rule": "stepped"}'
  python -m perfdash rules --db DB --set '{"bands": [["优秀", 95], ["良好", 85], ["一般", 60], ["较差", 0]]}'
  python -m perfdash rules --db DB --set '{"late_share_per_month": 0.1, "late_cap": 0.5}' --as office1
项：rule（proportional 按比例 / stepped 分档）、steps（[[完成率, 得分比例], …]）、floor（分档的最低完成率）、
late_share_per_month、late_cap（逾期每月扣分比例及上限，0–1）、bands（[[等次, 占总分的百分比], …]，从高到低，
最低一档为 0）、veto_grade（一票否决时的最高等次）。修改记入审计日志（默认记为“系统”，--as 为绩效办账户）。"""
PARENTS = (options.DB, options.PLAN)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--set and who sets."""
    parser.add_argument("--set", dest="rules_json", metavar="JSON", help="要设定的计分规则（JSON，可只写要改的项）")
    parser.add_argument("--as", dest="who", metavar="USER", help="以此绩效办账户的名义设定（默认：系统）")


def run(args: argparse.Namespace) -> int:
    """Print the plan's rules, or set them (all-or-nothing, audited) and print what is now stored."""
    from perfdash.cli.opening import open_plan
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.workflows import official

    if args.who and not args.rules_json:
        raise options.Refused("--as 只在 --set 时使用")
    store, row = open_plan(args, read_only=args.rules_json is None)
    try:
        plan_id = int(row["plan_id"])
        now = official.stored(store, plan_id)
        if args.rules_json is not None:
            try:
                change = json.loads(args.rules_json)
            except ValueError as exc:
                raise options.Refused(f"--set 不是有效的 JSON：{exc}") from None
            if not isinstance(change, dict):
                raise options.Refused('--set 应是一个 JSON 对象，如 {"rule": "stepped"}')
            actor = Actor.system()
            if args.who:
                account = auth.load(store, args.who)
                if account is None or account.role != "office":
                    raise options.Refused(f"没有名为“{args.who}”的有效绩效办账户")
                actor = account.actor
            merged = json.loads(now.rules.to_json()) | change
            store.set_rules(plan_id, json.dumps(merged, ensure_ascii=False), actor)
            now = official.stored(store, plan_id)
            print(f"已设定 {row['unit']}{row['year']}年度的计分规则：{official.describe(now.rules)}", file=sys.stderr)
        else:
            print(f"{row['unit']}{row['year']}年度 · {now.source()}", file=sys.stderr)
    finally:
        store.close()
    print(now.rules.to_json())
    return 0
