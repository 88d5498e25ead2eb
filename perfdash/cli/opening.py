"""Opening the database for a command (imported only when a command runs, never for ``--help``).

Only ``import``, ``demo``, ``serve`` and ``restore`` make a database; every other command needs an
existing one, and the commands that only read open it read-only. While the app server holds a
DuckDB file, a read-only command reads a copy of the newest backup instead; the others answer at
once with what to do (``WHILE_SERVING``)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from perfdash.cli.options import Refused, db_location
from perfdash.core import settings
from perfdash.core.access import Actor
from perfdash.db.database import HeldByServer
from perfdash.plan import PlanError
from perfdash.store import Store, StoreError

LOCK_WAIT_SECONDS = 60.0  # another command holding the database: wait this long for it
STOP_FIRST = "先停止看板（在运行它的窗口按 Ctrl+C，或停止其服务），再运行此命令"
# What to do instead, for each command that needs the database file while the app server holds it.
WHILE_SERVING = {
    "import": f"看板运行时不能从命令行导入方案：请{STOP_FIRST}。",
    "demo": f"看板运行时不能写入演示数据：请{STOP_FIRST}。",
    "progress template": f"看板运行时请在“进度填报”页面下载台账模板；或{STOP_FIRST}。",
    "progress import": f"看板运行时请在“进度填报”页面上传台账；或{STOP_FIRST}。",
    "score": f"请在看板的“评分模拟”或“综合评估”页面查看得分；或{STOP_FIRST}。",
    "forecast": f"请在看板的“年终预测”页面查看预测；或{STOP_FIRST}。",
    "report": f"请在看板的“综合评估”页面下载绩效评估报告和自评表；或{STOP_FIRST}。",
    "bulletin": f"督查通报暂只能从命令行生成：请等看板做出备份后再试，或{STOP_FIRST}。",
    "assess": f"请在看板的“科室考评”页面查看和下载内设科室考评结果；或{STOP_FIRST}。",
    "package": f"请在看板的“核验与迎检”页面生成察访核验材料包；或{STOP_FIRST}。",
    "city": f"请在看板的“全市总览”页面查看和设置分组；或{STOP_FIRST}。",
}


def command_name(args: argparse.Namespace) -> str:
    """The command as typed: 'score', 'progress import'."""
    return " ".join(filter(None, (args.command, getattr(args, "progress_command", None))))


def open_store(args: argparse.Namespace, *, read_only: bool, create: bool = False) -> Store:
    """The database of ``--db``: made if missing only when ``create``; read-only when ``read_only``."""
    db = db_location(args.db)
    if not create and not settings.is_server_db(db) and not Path(db).is_file():
        raise StoreError(f"数据库文件 {db} 不存在")
    return Store(db, wait_seconds=LOCK_WAIT_SECONDS, read_only=read_only)


def open_reading(args: argparse.Namespace) -> Store:
    """The database of ``--db`` opened read-only; while the app server holds the file, a copy of
    the newest backup instead (saying so and from when), as ``open_plan`` does for one plan."""
    try:
        return open_store(args, read_only=True)
    except HeldByServer as exc:
        return _snapshot(args, exc)


def open_plan(args: argparse.Namespace, *, read_only: bool, snapshot_ok: bool = False):
    """The database and the plan chosen by ``--unit``/``--year``. While the app server holds the
    file, a command that only reads (``snapshot_ok``) reads a copy of the newest backup instead,
    saying so and from when."""
    from perfdash.db import queries

    try:
        store = open_store(args, read_only=read_only)
    except HeldByServer as exc:
        if not snapshot_ok:
            raise
        store = _snapshot(args, exc)
    row = queries.find_plan(store, args.unit, args.year)
    if row is None:
        store.close()
        raise PlanError(
            f"数据库 {settings.shown_db(db_location(args.db))} 中没有匹配的方案"
            f"（单位 {args.unit or '任意'}，年度 {args.year or '任意'}）"
        )
    return store, row


def as_of(args: argparse.Namespace, store: Store, plan: object) -> date:
    """--as-of if given, else the plan's 统计日期 (its last closed reporting period: the same date
    every page opens at)."""
    from perfdash.workflows import periods

    return args.as_of or periods.default_as_of(store, int(plan["plan_id"]))  # type: ignore[index]


def _snapshot(args: argparse.Namespace, held: HeldByServer) -> Store:
    """A throw-away copy of the newest backup in the backup folder (checked as ``restore`` checks
    every backup), opened instead of the database the server holds; removed when the command ends."""
    from perfdash.ops.backup import restore
    from perfdash.ops.backup_folder import KINDS, latest

    folder = server_backups(args, held)[0]
    newest = latest(folder)
    if newest is None:
        raise StoreError(f"{held}，备份目录 {folder} 中也还没有可读的备份。{WHILE_SERVING[command_name(args)]}")
    work = Path(tempfile.mkdtemp(prefix="perfdash-snapshot-"))
    args.cleanup.append(work)
    restore(newest.path, work / "snapshot.duckdb", evidence=False)
    args.snapshot = newest
    print(
        f"注意：看板正在运行（进程 {held.pid}），数据库被它占用；以下结果读自 {newest.taken_at:%Y-%m-%d %H:%M:%S} 的"
        f"{KINDS[newest.kind]}（{newest.path}），不含此后的改动。",
        file=sys.stderr,
    )
    return Store(work / "snapshot.duckdb", read_only=True)


def server_backups(args: argparse.Namespace, held: HeldByServer) -> tuple[Path, float, str]:
    """The running server's backup folder, backup interval and address, as it published them at its
    start (else this command's own settings: a plain ``streamlit run`` publishes nothing)."""
    from perfdash.server.startup import read_serving

    db = db_location(args.db)
    info = read_serving(db, held.pid)
    folder = Path(info["backup_dir"]) if info.get("backup_dir") else settings.backup_dir(db)
    every = float(info.get("backup_every_hours", settings.backup_every_hours() if not info else 0))
    return folder, every, str(info.get("url", ""))


def actor_in_plan(store: Store, plan_id: int, who: str) -> tuple[Actor, list[str]]:
    """Who ``--as`` names (绩效办, a section or a leader of the plan) and the plan's sections; a
    name the plan does not know is refused with its one line."""
    from perfdash.db import queries

    sections, leaders = queries.sections_and_leaders(store, plan_id)
    try:
        return Actor.parse(who, sections, leaders), sections
    except ValueError as exc:
        raise Refused(str(exc)) from None
