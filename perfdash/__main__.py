"""The command line: python -m perfdash plan | import | demo …"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from perfdash.core import fmt, settings
from perfdash.db.database import HeldByServer
from perfdash.plan import PlanError, read_plan, summary_lines
from perfdash.plan.worker import read_plan_bounded
from perfdash.store import StoreError

LOCK_WAIT_SECONDS = 60.0  # another command holding the database: wait this long for it
STOP_FIRST = "先停止看板（在运行它的窗口按 Ctrl+C，或停止其服务），再运行此命令"
# What to do instead, for each command that needs the database file while the app server holds it.
WHILE_SERVING = {
    "import": f"看板运行时不能从命令行导入方案：请{STOP_FIRST}。",
    "demo": f"看板运行时不能写入演示数据：请{STOP_FIRST}。",
    "progress template": f"看板运行时请在“进度填报”页面下载台账模板；或{STOP_FIRST}。",
    "progress import": f"看板运行时请在“进度填报”页面上传台账；或{STOP_FIRST}。",
    "score": f"请在看板的“评分模拟”或“综合评估”页面查看得分；或{STOP_FIRST}。",
    "report": f"请在看板的“综合评估”页面下载绩效评估报告和自评表；或{STOP_FIRST}。",
}


def _db(value: str | None) -> Path | str:
    if value:
        return value if settings.is_server_db(value) else Path(value)
    return settings.db_path()


def cmd_plan(args: argparse.Namespace) -> int:
    plan = read_plan_bounded(args.path)  # in a child process, within a time and memory budget
    if args.xlsx:
        from perfdash.plan.xlsx import export_plan_xlsx

        export_plan_xlsx(plan, args.xlsx)
        print(f"已写出 Excel 模板：{args.xlsx}", file=sys.stderr)
    if args.json:
        json.dump([t.as_dict() for t in plan.targets], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif not args.xlsx:
        print("\n".join(summary_lines(plan)))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from perfdash.store import Store

    started = time.perf_counter()
    plan = read_plan_bounded(args.path)
    store = Store(_db(args.db), wait_seconds=LOCK_WAIT_SECONDS)
    result = store.import_plan(plan)
    store.close()
    print("\n".join(summary_lines(plan)))
    print(f"{result.describe()}（方案编号 {result.plan_id}，用时 {time.perf_counter() - started:.2f} 秒）")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.units is not None:
        return cmd_city_demo(args)
    from perfdash.app.demo import build_demo
    from perfdash.store import Store

    started = time.perf_counter()
    plan = read_plan(args.plan)
    store = Store(_db(args.db), wait_seconds=LOCK_WAIT_SECONDS)
    until = date.fromisoformat(args.until) if args.until else None
    plan_id, rows = build_demo(store, plan, args.seed, until)
    store.close()
    if rows:
        print(
            f"已写入方案“{plan.unit}{plan.year}年度”（编号 {plan_id}）及演示数据 {rows} 条进度记录，"
            f"用时 {time.perf_counter() - started:.2f} 秒：{settings.shown_db(_db(args.db))}"
        )
    else:
        print(f"方案“{plan.unit}{plan.year}年度”已有进度记录，未写入演示数据：{settings.shown_db(_db(args.db))}")
    return 0


def cmd_city_demo(args: argparse.Namespace) -> int:
    """demo --units N: the plan cloned for N synthetic bureaus, each with a whole year of weekly reports."""
    from perfdash.app.demo import build_city_demo
    from perfdash.store import Store

    if args.units < 1:
        print("错误：--units 至少为 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    plan = read_plan(args.plan)
    store = Store(_db(args.db), wait_seconds=LOCK_WAIT_SECONDS)
    until = date.fromisoformat(args.until) if args.until else None
    try:
        plan_ids, rows = build_city_demo(store, plan, args.units, args.seed, until)
        total = int(store.scalar("SELECT count(*) FROM progress"))
    finally:
        store.close()
    print(
        f"城市级演示数据：{len(plan_ids)} 个单位（{plan.year}年度，每个 {len(plan.targets)} 项目标），"
        f"本次写入 {rows} 条进度记录，库中共 {total} 条，用时 {time.perf_counter() - started:.1f} 秒："
        f"{settings.shown_db(_db(args.db))}"
    )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from perfdash.app.bench import cmd_bench as bench

    return bench(args)


def _open_plan(args: argparse.Namespace, snapshot_ok: bool = False):
    """The database and the chosen plan. While the app server holds the file, a read-only command
    (``snapshot_ok``) reads a copy of the newest backup instead, saying so and from when."""
    from perfdash.db import queries
    from perfdash.store import Store

    try:
        store = Store(_db(args.db), wait_seconds=LOCK_WAIT_SECONDS)
    except HeldByServer as exc:
        if not snapshot_ok:
            raise
        store = _snapshot(args, exc)
    row = queries.find_plan(store, args.unit, args.year)
    if row is None:
        store.close()
        raise PlanError(
            f"数据库 {settings.shown_db(_db(args.db))} 中没有匹配的方案"
            f"（单位 {args.unit or '任意'}，年度 {args.year or '任意'}）"
        )
    return store, row


def _snapshot(args: argparse.Namespace, held: HeldByServer):
    """A throw-away copy of the newest backup in the backup folder (checked as ``restore`` checks
    every backup), opened instead of the database the server holds; removed when the command ends."""
    import tempfile

    from perfdash.ops.backup import restore
    from perfdash.ops.backup_folder import KINDS, latest
    from perfdash.store import Store

    folder = _server_backups(args, held)[0]
    newest = latest(folder)
    if newest is None:
        raise StoreError(f"{held}，备份目录 {folder} 中也还没有可读的备份。{WHILE_SERVING[args.command]}")
    work = Path(tempfile.mkdtemp(prefix="perfdash-snapshot-"))
    args.cleanup.append(work)
    restore(newest.path, work / "snapshot.duckdb", evidence=False)
    args.snapshot = newest
    print(
        f"注意：看板正在运行（进程 {held.pid}），数据库被它占用；以下结果读自 {newest.taken_at:%Y-%m-%d %H:%M:%S} 的"
        f"{KINDS[newest.kind]}（{newest.path}），不含此后的改动。",
        file=sys.stderr,
    )
    return Store(work / "snapshot.duckdb")


def cmd_progress_template(args: argparse.Namespace) -> int:
    from perfdash.core.access import Actor
    from perfdash.db import queries
    from perfdash.workflows import progress

    store, row = _open_plan(args)
    year = int(row["year"])
    sections, _ = queries.sections_and_leaders(store, int(row["plan_id"]))
    try:
        actor = Actor.parse(args.section, sections, [])
    except ValueError as exc:
        print(f"错误：{exc}。可选科室：{'、'.join(sections)}", file=sys.stderr)
        return 2
    from perfdash.workflows import periods

    report_date = periods.rules(store, int(row["plan_id"])).report_day(date.today())
    state = queries.target_state(store, int(row["plan_id"]), report_date, year)
    Path(args.out).write_bytes(progress.template_xlsx(state, actor, report_date))
    n = len(progress.targets_for(state, actor))
    print(f"已写出 {actor.label} 的进度台账模板（{n} 项目标）：{args.out}")
    store.close()
    return 0


def cmd_progress_import(args: argparse.Namespace) -> int:
    from perfdash.core.access import Actor
    from perfdash.db import queries
    from perfdash.workflows import progress

    store, row = _open_plan(args)
    plan_id = int(row["plan_id"])
    sections, leaders = queries.sections_and_leaders(store, plan_id)
    try:
        actor = Actor.parse(args.who, sections, leaders)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    written, errors = progress.import_file(store, plan_id, actor, args.file)
    store.close()
    if errors:
        print(f"导入失败，未写入任何数据（{len(errors)} 处问题）：", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    print(f"已导入 {written} 条进度记录（填报人：{actor.label}，用时 {time.perf_counter() - started:.2f} 秒）")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from perfdash.db import queries
    from perfdash.workflows import scoring

    store, row = _open_plan(args, snapshot_ok=True)
    plan_id, year = int(row["plan_id"]), int(row["year"])
    as_of = _as_of(args, store, row)
    state = queries.target_state(store, plan_id, as_of, year)
    rules = scoring.Rules()
    values: dict[str, float] = {}
    if args.scenario:
        found = queries.scenarios(store, plan_id)
        found = found[found["name"] == args.scenario]
        if found.empty:
            print(f"错误：没有名为“{args.scenario}”的情景", file=sys.stderr)
            return 2
        values.update(queries.scenario_values(store, int(found.iloc[0]["scenario_id"])))
        rules = scoring.Rules.from_json(found.iloc[0]["rules_json"])
    if args.rule:
        rules = rules.with_rule(args.rule)
    if args.all is not None:
        values.update(dict.fromkeys(state["code"], float(args.all)))
    codes = set(state["code"])
    for item in args.set or []:
        code, _, pct = item.partition("=")
        if code not in codes:
            print(f"错误：--set {item}：方案中没有编号为“{code}”的目标", file=sys.stderr)
            return 2
        try:
            values[code] = float(pct)
        except ValueError:
            print(f"错误：--set {item}：完成率“{pct}”不是数字", file=sys.stderr)
            return 2
    if any(not 0 <= v <= 100 for v in values.values()):
        print("错误：完成率应在 0 到 100 之间", file=sys.stderr)
        return 2
    from perfdash.workflows import evaluation, forecast

    # The one score (evaluated, self-assessed, else computed), as every page and the report count it;
    # a what-if changes only the targets whose completion it sets.
    sheet = evaluation.sheet(store, plan_id, state, rules, as_of)
    what_if = bool(values or args.scenario)
    adjustments = scoring.adjustments_of(queries.adjustments(store, plan_id))
    result = evaluation.what_if(sheet, state, rules, values, adjustments, as_of) if what_if else sheet.result
    head = queries.headline(state)
    projected = None if what_if else forecast.standing_forecast(store, plan_id, state, as_of, rules)[1]
    from perfdash.workflows import years

    previous = years.previous_plan(store, str(row["unit"]), year)
    last = years.year_result(store, previous, rules) if previous is not None else None
    store.close()
    snapshot = getattr(args, "snapshot", None)
    if args.json:
        out = result.as_json() | {
            "as_of": as_of.isoformat(),
            "counts": {
                "targets": head["targets"],
                "done": head["done"],
                "late": head["late"],
                "overdue": head["overdue"],
            },
        }
        if what_if:
            out["simulation"] = "模拟，非正式结果"
        if projected is not None:  # the year-end forecast's median, as 总览 and the meeting screen show it
            out["projected"] = {"total": projected.base_total, "grade": projected.base_grade}
        if last is not None:  # the same unit's previous year, beside this one
            out["previous_year"] = last.as_json()
        if snapshot is not None:  # read from a backup while the app serves: say which, and from when
            out["snapshot"] = {"taken_at": snapshot.taken_at.isoformat(), "file": str(snapshot.path)}
        print(json.dumps(out, ensure_ascii=False))
    else:
        if snapshot is not None:
            print(f"（数据截至 {snapshot.taken_at:%Y-%m-%d %H:%M:%S} 的备份：看板正在运行，未读取此后的改动）")
        print(f"{row['unit']}{year}年度 · 统计截至 {as_of} · {scoring.RULE_LABELS[rules.rule]}")
        kind = "模拟（非正式结果）" if what_if else ""
        print(f"{kind}总分 {fmt.score(result.total)}（满分 {result.possible:g}），等次：{result.grade}")
        print(f"已完成 {head['done']} 项，滞后 {head['late']} 项（其中逾期未完成 {head['overdue']} 项）")
        if last is not None:
            state_word = "最终" if last.final else f"截至 {last.as_of}"
            print(f"上年度（{last.year}）{state_word}得分 {fmt.score(last.total)}，等次：{last.grade}")
        for group, value in result.groups.items():
            print(f"  {group} {fmt.score(value)}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from perfdash.ops.backup_commands import backup_command

    try:
        return backup_command(_db(args.db), args.out, LOCK_WAIT_SECONDS)
    except HeldByServer as exc:
        print(_backup_while_serving(args, exc), file=sys.stderr)
        return 2


def _server_backups(args: argparse.Namespace, held: HeldByServer) -> tuple[Path, float, str]:
    """The running server's backup folder, backup interval and address, as it published them at its
    start (else this command's own settings: a plain ``streamlit run`` publishes nothing)."""
    from perfdash.app.startup import read_serving

    info = read_serving(_db(args.db), held.pid)
    folder = Path(info["backup_dir"]) if info.get("backup_dir") else settings.backup_dir(_db(args.db))
    every = float(info.get("backup_every_hours", settings.backup_every_hours() if not info else 0))
    return folder, every, str(info.get("url", ""))


def _backup_while_serving(args: argparse.Namespace, held: HeldByServer) -> str:
    """What to do instead of ``backup`` while the app serves: the page, and the scheduled backups."""
    from perfdash.ops.backup_folder import latest

    folder, every, url = _server_backups(args, held)
    newest = latest(folder)
    page = f"{url}admin" if url else "“账户与审计”页面"
    lines = [
        f"错误：{held}，此命令不能同时打开它。",
        f"看板运行时不必停机备份：绩效办登录后打开 {page} 的“备份”页签，点击“立即备份”并下载备份文件"
        "（恢复：python -m perfdash restore 下载的文件.zip --db 新数据库文件）。",
        f"看板每 {every:g} 小时自动备份到 {folder}" if every > 0 else "定时备份未开启（PERFDASH_BACKUP_EVERY=0）",
    ]
    if newest is not None:
        lines.append(f"最新的备份：{newest.path}（{newest.taken_at:%Y-%m-%d %H:%M:%S}）")
    lines.append("如一定要用此命令，请先停止看板。")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    from perfdash.app.startup import serve
    from perfdash.ops.auth import AuthError

    try:
        return serve(_db(args.db), args.port, args.address)
    except HeldByServer as exc:
        print(f"错误：{exc}：看板已经在运行，请直接在浏览器中打开它；或先停止它再启动。", file=sys.stderr)
        return 2
    except AuthError as exc:
        print(f"错误：无法创建管理员账户：{exc}（请检查 PERFDASH_ADMIN_PASSWORD）", file=sys.stderr)
        return 2


def cmd_restore(args: argparse.Namespace) -> int:
    from perfdash.ops.backup_commands import restore_command

    return restore_command(args.dir, args.db, args.force, args.trust_unsigned)


def cmd_kpis(args: argparse.Namespace) -> int:
    from perfdash.plan import kpis

    return kpis.main([args.path, *(["--json"] if args.json else [])])


def cmd_report(args: argparse.Namespace) -> int:
    from perfdash.present import exports, report
    from perfdash.workflows import scoring

    store, row = _open_plan(args, snapshot_ok=True)
    plan_id, year = int(row["plan_id"]), int(row["year"])
    as_of = _as_of(args, store, row)
    data, result = report.evaluation_report(store, plan_id, as_of, scoring.Rules(rule=args.rule or "proportional"))
    Path(args.out).write_bytes(data)
    xlsx = Path(args.out).with_suffix(".xlsx")
    from perfdash.db import kpi_tracking

    xlsx.write_bytes(exports.self_assessment_xlsx(result, str(row["unit"]), year, as_of))
    kpis = xlsx.with_name(f"{xlsx.stem}-量化指标.xlsx")
    kpis.write_bytes(exports.kpi_xlsx(kpi_tracking.with_actuals(store, plan_id, as_of), str(row["unit"]), year, as_of))
    store.close()
    print(
        f"已写出绩效评估报告：{args.out}（总分 {result.total:.2f}，等次 {result.grade}）、自评表：{xlsx}"
        f"及量化指标完成情况：{kpis}"
    )
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    from perfdash.db import queries
    from perfdash.workflows import forecast, scoring

    store, row = _open_plan(args, snapshot_ok=True)
    plan_id, year = int(row["plan_id"]), int(row["year"])
    rules = scoring.Rules()
    if args.backtest:
        started = time.perf_counter()
        bt = forecast.backtest(store, plan_id, year, rules)
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
        print(f"{row['unit']}{year}年度 · 年终预测回测（以 {bt.outcome_day} 的实际情况为结果）")
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
    as_of = _as_of(args, store, row)
    state = queries.target_state(store, plan_id, as_of, year)
    _, sim = forecast.standing_forecast(store, plan_id, state, as_of, rules)
    store.close()
    low, high = sim.interval()
    out = {
        "as_of": as_of.isoformat(),
        "total": sim.base_total,
        "grade": sim.base_grade,
        "interval_80": [fmt.round_score(low), fmt.round_score(high)],
        "grade_probability": {k: round(v, 4) for k, v in sim.grade_probability.items()},
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{row['unit']}{year}年度 · 统计截至 {as_of} · 年终预测（预测，非正式结果）")
    print(f"预测总分 {fmt.score(sim.base_total)}，等次 {out['grade']}；80% 区间 {fmt.score(low)}–{fmt.score(high)}")
    print("等次概率：" + "，".join(f"{k} {v:.0%}" for k, v in sim.grade_probability.items()))
    return 0


def _as_of(args: argparse.Namespace, store: object, plan: object) -> date:
    """--as-of if given, else the plan's 统计日期 (its last closed reporting period: the same date
    every page opens at)."""
    from perfdash.workflows import periods

    if args.as_of:
        return date.fromisoformat(args.as_of)
    return periods.default_as_of(store, int(plan["plan_id"]))  # type: ignore[arg-type,index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perfdash", description="绩效管理看板 perfdash 命令行")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("plan", help="读取方案文档（或 Excel 模板）并打印校验摘要")
    p.add_argument("path", help="方案文档（.txt，官方文本）或 Excel 模板（.xlsx）")
    p.add_argument("--json", action="store_true", help="打印 JSON 数组，每个年度工作目标一个对象")
    p.add_argument("--xlsx", metavar="OUT", help="把方案写成 Excel 模板")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("import", help="把方案导入数据库（重复导入不改动；修订版保留进度）")
    p.add_argument("path")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("demo", help="写入方案和确定性的演示进度数据（演示数据）")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.add_argument("--plan", default=str(settings.plan_path()), help="方案文档，默认为随附的官方方案")
    p.add_argument("--seed", type=int, default=settings.demo_seed(), help="随机种子")
    p.add_argument("--until", help="演示数据截止日期（默认方案年度的 11月25日）")
    p.add_argument(
        "--units",
        type=int,
        metavar="N",
        help="城市级演示库：把方案复制给 N 个虚构单位（示范市第001局…），各有全年周报（截至年末最后一个周五）",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("bench", help="性能基准：城市级演示库上各页面、查询、模拟、上传的用时和峰值内存")
    from perfdash.app.bench import add_arguments as bench_arguments

    bench_arguments(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("progress", help="科室进度：生成台账模板、批量导入")
    psub = p.add_subparsers(dest="progress_command", required=True)
    for name, helptext in (
        ("template", "生成某科室（或绩效办）的进度台账模板 .xlsx"),
        ("import", "导入进度台账（.xlsx 或 CSV）"),
    ):
        q = psub.add_parser(name, help=helptext)
        q.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
        q.add_argument("--unit", help="单位（默认：库中最新年度的方案）")
        q.add_argument("--year", type=int, help="方案年度")
        if name == "template":
            q.add_argument("--section", required=True, help="科室名称，或“绩效办”（全部目标）")
            q.add_argument("--out", required=True, help="输出的 .xlsx 文件")
            q.set_defaults(func=cmd_progress_template)
        else:
            q.add_argument("file", help="填好的台账 .xlsx 或 CSV（UTF-8 / GBK）")
            q.add_argument("--as", dest="who", required=True, help="填报人：科室名称或“绩效办”")
            q.set_defaults(func=cmd_progress_import)

    p = sub.add_parser("score", help="按计分规则计算总分、分组得分和等次")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.add_argument("--unit", help="单位（默认：库中最新年度的方案）")
    p.add_argument("--year", type=int, help="方案年度")
    p.add_argument("--as-of", dest="as_of", help="统计日期（默认：绩效办最近关闭的填报周期的截止日，与看板相同）")
    p.add_argument("--scenario", help="从已保存的情景出发")
    p.add_argument("--all", type=float, metavar="PCT", help="把全部目标的完成率设为 PCT")
    p.add_argument("--set", action="append", metavar="CODE=PCT", help="设定某个目标的完成率，可重复")
    p.add_argument("--rule", choices=["proportional", "stepped"], help="计分规则（默认按比例）")
    p.add_argument("--json", action="store_true", help="输出 JSON：total、groups、grade")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("forecast", help="年终得分预测；--backtest 用历史数据检验预测的可靠性")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.add_argument("--unit", help="单位（默认：库中最新年度的方案）")
    p.add_argument("--year", type=int, help="方案年度")
    p.add_argument("--as-of", dest="as_of", help="统计日期（默认：绩效办最近关闭的填报周期的截止日，与看板相同）")
    p.add_argument(
        "--backtest", action="store_true", help="回测：从历史每周预测年终，对比实际，给出覆盖率和 Brier 分数"
    )
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_forecast)

    p = sub.add_parser("backup", help="备份数据库：一致的副本（每表一个 Parquet 文件）加本安装签名的备份清单")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.add_argument("--out", required=True, help="备份目录（新的或空的目录）")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从备份恢复到新的数据库文件，并核对行数、校验和与序列（须先停止看板）")
    p.add_argument("dir", metavar="backup", help="备份目录（backup 命令写出的），或页面下载 / 定时备份的 .zip 备份文件")
    p.add_argument("--db", required=True, help="恢复到的新数据库文件")
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件（另一个程序正在使用时仍会拒绝）")
    p.add_argument(
        "--trust-unsigned",
        action="store_true",
        help="恢复没有本安装签名（或签名不符）的备份，如升级前的旧备份、密钥丢失后的备份；其余核对照常",
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("serve", help="启动看板：准备数据库（首次启动时打印管理员初始密码）、开启定时备份、运行网页服务")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.add_argument("--port", type=int, help="端口（默认取 .streamlit/config.toml，否则 8501）")
    p.add_argument("--address", help="监听地址（默认所有网卡；只允许本机访问可设 127.0.0.1）")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("kpis", help="从方案文档的年度工作目标中提取量化指标")
    p.add_argument("path", help="方案文档（.txt）或 Excel 模板（.xlsx）")
    p.add_argument("--json", action="store_true", help="打印 JSON 数组，每项量化指标一个对象")
    p.set_defaults(func=cmd_kpis)

    p = sub.add_parser("report", help="写出绩效评估报告（Word）和自评表（Excel）")
    p.add_argument("--db", help="数据库文件（默认 $PERFDASH_DB 或 data/perfdash.duckdb）")
    p.add_argument("--unit", help="单位（默认：库中最新年度的方案）")
    p.add_argument("--year", type=int, help="方案年度")
    p.add_argument("--as-of", dest="as_of", help="统计日期（默认：绩效办最近关闭的填报周期的截止日，与看板相同）")
    p.add_argument("--rule", choices=["proportional", "stepped"], help="计分规则（默认按比例）")
    p.add_argument("--out", required=True, help="输出的 .docx 文件（自评表写到同名 .xlsx）")
    p.set_defaults(func=cmd_report)

    args = parser.parse_args(argv)
    args.cleanup = []  # temporary copies a command made (a backup read while the app serves)
    try:
        return args.func(args)
    except PlanError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except HeldByServer as exc:  # answered at once: waiting for a server to let go would not help
        name = " ".join(filter(None, (args.command, getattr(args, "progress_command", None))))
        print(f"错误：{exc}。{WHILE_SERVING.get(name, f'请{STOP_FIRST}。')}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        import shutil

        for path in args.cleanup:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
