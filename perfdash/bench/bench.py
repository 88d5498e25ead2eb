"""The benchmark: page, query, Monte Carlo, upload and memory timings at city scale.

Everything is measured in one process, the way the app serves: the pages run through Streamlit's
AppTest in this process (the same script runner and caches as ``streamlit run``), next to a bare
one-line page run the same way (the floor: what Streamlit itself costs per run).

- **cold**: the page's first run after a data change: ``st.cache_data`` emptied; Python modules
  already imported, the shared connection (``st.cache_resource``) open and DuckDB's buffers
  warm, as in an app that has served for a while. The process's very first runs (imports) are
  reported apart.
- **warm**: the median of ``runs`` further runs, each a new session (a fresh AppTest, signed in).
  The floor runs in turn with every page's warm runs, and each page's ratio is taken against the
  floor measured beside it, so that a busy machine slows both alike (the floor row shows the
  median of all its runs).
- Queries, the Monte Carlo and the upload are called directly: cold is the first call, warm the
  median of the next ``runs``.
- The upload is validated and committed on a copy of the database, so the benchmark leaves the
  city database as it found it (the copy is a second DuckDB instance in this process: the peak
  memory includes it, so that figure errs high).
- Peak memory is the process's peak resident set (``ru_maxrss``), taken at the end, after a
  walk through the main pages of ``walk`` bureaus' plans, so that the page caches have filled
  as they do on a server that an office browses all day (every cache is bounded).

The city database is built in a child process (``python -m perfdash demo --units N``) so that
building it does not count toward the peak memory. The bench command's options, and the choice
between this benchmark and the live ones (browser, protocol, memory), are perfdash.bench.command.
"""

from __future__ import annotations

import ast
import contextlib
import cProfile
import csv
import io
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from perfdash.core import settings

if TYPE_CHECKING:
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    from perfdash.store import Store

PAGE_LIMIT_SECONDS = 0.3  # a page's warm run, absolute
PAGE_LIMIT_RATIO = 2.0  # a page's warm run against the floor's
RSS_LIMIT_MB = 400.0
FLOOR_SCRIPT = 'import streamlit as st\n\nst.write("hi")\n'
BENCH_USER = "bench_office"
UPLOAD_ROWS = 1000
DRAWS = 10_000
WALK_PAGES = (
    "pages/overview.py",
    "pages/indicators.py",
    "pages/sections.py",
    "pages/heatmap.py",
    "pages/trend.py",
    "pages/forecast.py",
)
HEADER = ("项目", "冷 (s)", "热 (s，中位数)", "相对基线", "限值", "达标")


class BenchError(RuntimeError):
    """The benchmark could not run (a page raised, the database could not be built)."""


@dataclass
class Row:
    """One line of the table: an item's cold and warm seconds, or a measured value."""

    item: str
    cold: float | None = None
    warm: float | None = None
    ratio: float | None = None
    limit: str = "—"
    ok: bool | None = None
    value: str | None = None  # shown instead of the seconds (the memory row)

    def cells(self) -> list[str]:
        """The row's Markdown cells."""

        def seconds(x: float | None) -> str:
            return "—" if x is None else f"{x:.3f}"

        warm = self.value if self.value is not None else seconds(self.warm)
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}×"
        ok = "—" if self.ok is None else ("✓" if self.ok else "✗")
        return [self.item, seconds(self.cold), warm, ratio, self.limit, ok]


def markdown(rows: list[Row]) -> str:
    """The table in Markdown."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---"] + ["---:"] * 3 + ["---", ":---:"]) + "|"]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> str:
    """One line saying what the numbers were measured on."""
    import duckdb
    import pandas as pd
    import streamlit

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"，内存 {kb / 1024 / 1024:.0f} GB"
    load = ""
    with contextlib.suppress(OSError, AttributeError):
        load = "，开始时负载 " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}，{os.cpu_count()} 核{memory}{load}；{platform.system()} {platform.release()}；"
        f"Python {platform.python_version()}，streamlit {streamlit.__version__}，duckdb {duckdb.__version__}，"
        f"pandas {pd.__version__}"
    )


def app_pages(app_file: Path | None = None) -> list[tuple[str, str]]:
    """The pages of app.py's navigation, in order: (script path from the project root, title)."""
    app_file = app_file or settings.PROJECT_ROOT / "app.py"
    found = []
    for node in ast.walk(ast.parse(app_file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                title = next(
                    (k.value.value for k in node.keywords if k.arg == "title" and isinstance(k.value, ast.Constant)),
                    Path(first.value).stem,
                )
                found.append((first.value, str(title)))
    return found


def menu_pages(role: str = "office", city: bool = False) -> list[tuple[str, str]]:
    """The pages of a role's menu, in its order: what a person of that role can click through
    (app_pages also lists pages only other roles' menus show); ``city``: the menu of an office
    account on a database of many units (the city's pages included)."""
    from perfdash.app import nav

    titles = dict(app_pages())
    files = [nav.page_file(url) for urls in nav.menu(role, city).values() for url in urls]
    return [(f, titles[f]) for f in files if f in titles]


def default_db(units: int) -> Path:
    """Where the benchmark keeps its city database (data/, ignored by git)."""
    return settings.PROJECT_ROOT / "data" / f"city_{units}.duckdb"


def plan_count(path: Path) -> int:
    """How many plans (bureaus) a database file holds; 0 when it does not exist."""
    if not path.exists():
        return 0
    from perfdash.store import Store

    store = Store(path)
    try:
        return int(store.scalar("SELECT count(*) FROM plans"))
    finally:
        store.close()


def ensure_city_db(path: Path, units: int, seed: int) -> float | None:
    """Build (or finish building) the city database in a child process; the seconds it took, or
    None when it was already complete."""
    if plan_count(path) >= units:
        return None
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "perfdash", "demo", "--units", str(units), "--seed", str(seed), "--db", str(path)]
    done = subprocess.run(cmd, cwd=settings.PROJECT_ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BenchError(f"建立城市级演示库失败：{done.stderr.strip() or done.stdout.strip()}")
    return time.perf_counter() - started


def _median_time(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(first call's seconds, median of the next ``runs`` calls' seconds)."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times[1:])


class Pages:
    """Runs page scripts through AppTest in this process, signed in as the benchmark's account."""

    def __init__(self, username: str | None):
        self.username = username
        self.floor_samples: list[float] = []  # every warm run of the floor page

    def run(self, script: Path, plan_id: int | None = None) -> float:
        """Seconds of one full script run in a new session (on ``plan_id`` when given, as the
        URL's ?plan= would); BenchError if the page raised."""
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(script), default_timeout=300)
        if self.username:
            at.session_state["auth"] = {"username": self.username, "at": datetime.now()}
        if plan_id is not None:
            at.query_params["plan"] = str(plan_id)
        started = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - started
        _quiet_streamlit()  # each run parses Streamlit's config again, which resets its log level
        if at.exception:
            raise BenchError(f"{script.name} 运行出错：{at.exception[0].message}")
        return seconds

    def cold_warm(self, script: Path, floor: Path, runs: int) -> tuple[float, float, float]:
        """Cold (st.cache_data emptied) and warm (median of ``runs``) seconds, and the floor's
        median over runs taken in turn with the warm ones, so that both see the same load."""
        import streamlit as st

        st.cache_data.clear()
        cold = self.run(script)
        warm, floors = [], []
        for _ in range(runs):
            floors.append(self.run(floor))
            warm.append(self.run(script))
        self.floor_samples += floors
        return cold, statistics.median(warm), statistics.median(floors)


def _bench_account(store: Store) -> str:
    """The benchmark's office account (created once; no password, so no one can sign in with it)."""
    from perfdash.core.access import Actor
    from perfdash.ops import auth

    if auth.load(store, BENCH_USER) is None:
        store.insert_account(Actor.system(), BENCH_USER, "性能测试", "office", None, None)
    return BENCH_USER


def upload_csv(codes: list[str], year: int, rows: int = UPLOAD_ROWS) -> bytes:
    """A ledger CSV of ``rows`` reports: every target on successive Fridays of the year."""
    from perfdash.server.demo import fridays

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["编号", "填报日期", "完成率(%)", "状态", "进展说明"])
    n = 0
    for day in fridays(year, date(year, 12, 31)):
        for k, code in enumerate(codes):
            if n == rows:
                return out.getvalue().encode("utf-8")
            writer.writerow([code, day.isoformat(), (day.timetuple().tm_yday + k) % 100, "推进中", "性能测试"])
            n += 1
    return out.getvalue().encode("utf-8")


def _quiet_streamlit() -> None:
    """AppTest outside a server warns on every run (no ScriptRunContext): keep the table readable."""
    from streamlit import logger

    logger.set_log_level("ERROR")


def measure(path: Path, runs: int, work: Path, walk: int = 20) -> tuple[list[Row], Pages, list[tuple[str, Path]]]:
    """Every timing of the table on the database at ``path``; also the page runner and the pages,
    slowest (warm) first, for the profile step."""
    from perfdash.core.access import Actor
    from perfdash.db import queries, rollups, weekly
    from perfdash.store import Store
    from perfdash.workflows import forecast, ledger, progress, scoring

    # The upload's copy first, while no one holds the file (a consistent copy).
    upload_db = work / "upload.duckdb"
    shutil.copyfile(path, upload_db)
    os.environ["PERFDASH_DB"] = str(path)
    _quiet_streamlit()
    store = Store(path)  # the same DuckDB instance as the pages' shared connection
    rows: list[Row] = []
    pages = Pages(_bench_account(store))
    floor = work / "floor.py"
    floor.write_text(FLOOR_SCRIPT, encoding="utf-8")
    root = settings.PROJECT_ROOT
    listed = app_pages()

    # The process's first runs pay the imports: shown apart, as information.
    first_floor = pages.run(floor)
    first_app = pages.run(root / "app.py")
    for script, _ in listed:  # import every page's modules before anything is timed
        pages.run(root / script)
    floor_cold, _, _ = pages.cold_warm(floor, floor, runs)

    def page_row(label: str, script: Path) -> Row:
        cold, warm, floor_here = pages.cold_warm(script, floor, runs)
        ratio = warm / floor_here
        ok = warm <= PAGE_LIMIT_SECONDS and ratio <= PAGE_LIMIT_RATIO
        return Row(label, cold, warm, ratio, f"≤ {PAGE_LIMIT_SECONDS} s 且 ≤ {PAGE_LIMIT_RATIO:g}×", ok)

    scripts = [root / "app.py"] + [root / s for s, _ in listed]
    page_rows = [page_row("app.py（总览）", scripts[0])]
    page_rows += [page_row(f"页面 {title}（{s}）", root / s) for s, title in listed]
    floor_warm = statistics.median(pages.floor_samples)
    rows.append(Row('基线：单行页面 st.write("hi")', floor_cold, floor_warm, 1.0))
    rows.append(Row("进程首次运行（含导入）：基线页面", first_floor))
    rows.append(Row("进程首次运行（含导入、打开数据库）：app.py", first_app))
    rows += page_rows

    all_plans = queries.plans(store)
    plan = all_plans.iloc[0]  # the plan every page opens on
    walked = [int(p) for p in all_plans["plan_id"].head(walk)]
    plan_id, year = int(plan["plan_id"]), int(plan["year"])
    as_of = plan["latest_report"].date()
    mid_year = date(year, 6, 30)
    state = queries.target_state(store, plan_id, as_of, year)

    def timed_row(label: str, fn: Callable[[], object]) -> None:
        cold, warm = _median_time(fn, runs)
        rows.append(Row(label, cold, warm, warm / floor_warm))

    timed_row("queries.plans（每个页面都调用）", lambda: queries.plans(store))
    timed_row(f"queries.target_state（统计日 {as_of}）", lambda: queries.target_state(store, plan_id, as_of, year))
    timed_row(
        f"queries.target_state（统计日 {mid_year}）", lambda: queries.target_state(store, plan_id, mid_year, year)
    )
    timed_row("weekly.weekly_trend（全年各周）", lambda: weekly.weekly_trend(store, plan_id, year, as_of))
    timed_row("weekly.target_weeks（热力图）", lambda: weekly.target_weeks(store, plan_id, year, as_of))
    timed_row(
        "rollups：按指标、科室、领导、责任人",
        lambda: (
            rollups.by_indicator(state),
            rollups.by_section(state),
            rollups.by_leader(state),
            rollups.by_person(state),
        ),
    )
    timed_row("forecast.target_forecast", lambda: forecast.target_forecast(store, plan_id, state, as_of))
    fc = forecast.target_forecast(store, plan_id, state, as_of)
    rules = scoring.Rules()
    timed_row(f"forecast.simulate（{DRAWS:,} 次）", lambda: forecast.simulate(fc, rules, [], draws=DRAWS))
    store.close()

    # The upload, on the copy: read + check, then commit (each commit adds the same rows again,
    # which the log allows: a later report of the same day is a correction).
    copy = Store(upload_db)
    try:
        up_plan = queries.plans(copy).iloc[0]
        up_id, up_year = int(up_plan["plan_id"]), int(up_plan["year"])
        codes = queries.target_state(copy, up_id, date(up_year, 12, 31), up_year)["code"].tolist()
        data = upload_csv(codes, up_year)
        actor = Actor.office()
        today = date(up_year, 12, 31)

        def validate() -> ledger.Upload:
            up = ledger.check_upload(copy, up_id, actor, ledger.read_upload("bench.csv", data), today)
            if up.errors or len(up.rows) != UPLOAD_ROWS:
                raise BenchError(f"上传校验出错：{[str(e) for e in up.errors[:3]]}")
            return up

        checked = validate()
        timed_row(f"上传校验 {UPLOAD_ROWS:,} 行（read_upload + check_upload）", validate)
        timed_row(
            f"上传提交 {UPLOAD_ROWS:,} 行（progress.commit）",
            lambda: progress.commit(copy, up_id, actor, checked.rows, today),
        )
    finally:
        copy.close()

    started = time.perf_counter()
    for plan_id in walked:
        for script in WALK_PAGES:
            pages.run(root / script, plan_id)
    rows.append(
        Row(f"浏览：{len(walked)} 个单位 × {len(WALK_PAGES)} 个主要页面（合计）", time.perf_counter() - started)
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    rows.append(
        Row(
            "进程峰值内存（ru_maxrss，含上面的浏览）",
            limit=f"< {RSS_LIMIT_MB:.0f} MB",
            ok=peak_mb < RSS_LIMIT_MB,
            value=f"{peak_mb:.0f} MB",
        )
    )
    ranked = sorted(zip(page_rows, scripts, strict=True), key=lambda pair: pair[0].warm or 0.0, reverse=True)
    return rows, pages, [(r.item, s) for r, s in ranked]


@contextlib.contextmanager
def _profiled(profile: cProfile.Profile) -> Iterator[dict[str, list[float]]]:
    """Profile the page's script thread (AppTest runs the script in a thread of its own) and time
    every SQL statement by the perfdash function that sent it."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    from perfdash.store import Store

    sql: dict[str, list[float]] = {}
    original_thread = LocalScriptRunner._run_script_thread
    original_query, original_scalar = Store.query, Store.scalar

    def thread(self: LocalScriptRunner) -> None:
        profile.enable()
        try:
            original_thread(self)
        finally:
            profile.disable()

    def timed(method: Callable) -> Callable:
        def wrapper(self: Store, *args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                caller = sys._getframe(1)
                while caller.f_back is not None and caller.f_code.co_filename.endswith("store.py"):
                    caller = caller.f_back  # name the code outside the store that asked
                where = f"{Path(caller.f_code.co_filename).stem}.{caller.f_code.co_name}"
                sql.setdefault(where, []).append(time.perf_counter() - started)

        return wrapper

    LocalScriptRunner._run_script_thread = thread  # type: ignore[method-assign]
    Store.query, Store.scalar = timed(original_query), timed(original_scalar)  # type: ignore[method-assign]
    try:
        yield sql
    finally:
        LocalScriptRunner._run_script_thread = original_thread  # type: ignore[method-assign]
        Store.query, Store.scalar = original_query, original_scalar  # type: ignore[method-assign]


def profile_pages(pages: Pages, slowest: list[tuple[str, Path]], count: int, top: int = 12) -> str:
    """For the ``count`` slowest pages (warm), one profiled warm run each: where the page script's
    own calls spend their time (perfdash, Streamlit, plotly alike), the perfdash functions with
    the most cumulative time, and the SQL sent, by the function that sent it."""
    out = []
    for label, script in slowest[:count]:
        pages.run(script)  # warm
        profile = cProfile.Profile()
        with _profiled(profile) as sql:
            seconds = pages.run(script)
        stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
        page_files = {str(script)}
        if script.name == "app.py":  # the navigation runs the default page
            page_files.add(str(settings.PROJECT_ROOT / app_pages()[0][0]))
        direct: dict[str, tuple[float, float]] = {}
        ours = []
        for (filename, line, name), (_, calls, _, cumulative, callers) in stats.items():
            where = f"{Path(filename).parent.name}/{Path(filename).name}:{line} {name}"
            if filename not in page_files:
                from_page = [c for (f, _, _), c in callers.items() if f in page_files]
                if from_page:
                    direct[where] = (sum(c[1] for c in from_page), sum(c[3] for c in from_page))
            if "/perfdash/" in filename and not filename.endswith("bench.py"):
                ours.append((cumulative, calls, where))
        ours.sort(reverse=True)
        ranked_direct = sorted(direct.items(), key=lambda kv: kv[1][1], reverse=True)
        out.append(f"\n### {label}：一次热运行 {seconds:.3f} s（含剖析开销）\n")
        out.append("页面脚本直接调用的函数（累计时间）：\n")
        out.append("| 累计 (s) | 调用次数 | 函数 |\n|---:|---:|---|")
        out += [f"| {ct:.3f} | {n:.0f} | `{where}` |" for where, (n, ct) in ranked_direct[:top]]
        out.append("\n累计时间最多的 perfdash 函数：\n")
        out.append("| 累计 (s) | 调用次数 | 函数 |\n|---:|---:|---|")
        out += [f"| {c:.3f} | {n} | `{where}` |" for c, n, where in ours[:top]]
        out.append("\n发出的 SQL（按发出它的函数）：\n")
        out.append("| 合计 (s) | 次数 | 调用者 |\n|---:|---:|---|")
        ranked = sorted(sql.items(), key=lambda kv: sum(kv[1]), reverse=True)
        out += [f"| {sum(t):.3f} | {len(t)} | `{where}` |" for where, t in ranked[:top]]
    return "\n".join(out)


def run(
    db: Path | None,
    units: int,
    runs: int,
    seed: int,
    markdown_file: Path | None = None,
    profile: int = 0,
    walk: int = 20,
) -> list[Row]:
    """Build or reuse the city database, measure, print the table (and write it if asked)."""
    from perfdash.store import Store

    path = db or default_db(units)
    built = ensure_city_db(path, units, seed)
    with tempfile.TemporaryDirectory(prefix="perfdash-bench-") as tmp:
        rows, pages, slowest = measure(path, runs, Path(tmp), walk)
        profiles = profile_pages(pages, slowest, profile) if profile else ""
    store = Store(path)
    try:
        plans = int(store.scalar("SELECT count(*) FROM plans"))
        progress_rows = int(store.scalar("SELECT count(*) FROM progress"))
    finally:
        store.close()
    made = f"本次新建用时 {built:.0f} 秒" if built is not None else "已有，直接使用"
    failed = [r.item for r in rows if r.ok is False]
    text = "\n".join(
        [
            f"城市级演示库：{plans} 个单位、{progress_rows:,} 条进度记录（{path.name}，{made}）",
            f"机器：{machine()}",
            f"时间：{datetime.now():%Y-%m-%d %H:%M}；热运行取 {runs} 次的中位数；"
            "基线为单行页面，在同一进程中与各页面交替运行，相对基线按相邻的基线计算。",
            "",
            markdown(rows),
            "",
            f"未达标 {len(failed)} 项" + ("：" + "、".join(failed) if failed else "。"),
        ]
    )
    print(text)
    if profiles:
        print(profiles)
    if markdown_file:
        markdown_file.write_text(text + "\n" + (profiles + "\n" if profiles else ""), encoding="utf-8")
    return rows
