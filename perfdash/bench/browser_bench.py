"""The browser benchmark (``python -m perfdash bench --browser``): what people see, measured in a
real browser against a real server, beside a bare Streamlit app doing the same steps in the same
run.

- The app runs as ``streamlit run app.py`` on the city database (or several such processes on one
  PostgreSQL database, ``--processes``); the bare app (a sign-in form and two one-line pages, in a
  temporary folder) runs as a second ``streamlit run``. Debian's chromium drives both (Playwright).
- A step is timed from the action (navigation, click, widget change) to the page settled: no
  "running" status, no stale element, and the main block unchanged (text and element count) for
  QUIET_MS; the time taken is that of the main block's last change, so the quiet wait is not
  counted.
- One user: every page of the navigation (the meeting screen ticks on a timer and never settles;
  it is left out), opened from the sidebar ``rounds`` times; the first opening after sign-in is
  "first", the rest give the median and p95. A widget change on the heavy pages. The bare app's
  page switch is measured between every two pages, and each ratio uses the bare medians of the
  same run.
- The same-content floor (perfdash.bench.floor): each page's first visit is recorded from the
  websocket, and a floor app re-sends exactly those elements with no computation; every page
  switch on the app is followed by the same switch on the floor. App / floor is what our code
  adds to what the browser must draw anyway. With ``against`` (a previous version's checkout) that
  version runs beside it, with its own floor, page by page in the same run.
- N sessions at once (the weekly meeting rush): N browser contexts open the site, sign in, open
  总览 then 按科室, all started together; the same on the bare app right after. Per session: the
  whole sequence and the sign-in alone; median and p95 over sessions; the server's peak resident
  memory and CPU seconds during the burst, and its memory once the sessions are gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from perfdash.bench import floor as fl
from perfdash.bench import servers as sv
from perfdash.bench.run_watch import RunWatch
from perfdash.core import settings

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUIET_MS = 400  # the main block unchanged this long: settled
STEP_TIMEOUT_MS = 120_000
CLICKS, CLICK_TIMEOUT_MS = 3, 20_000  # a menu click that opened nothing in 20 s is made again
SKIPPED_PAGES = {"pages/meeting.py", "pages/home.py"}  # ticks on a timer / hidden start page
AGAINST_LABEL = "此前"  # the --against side
WIDGETS = {"pages/sections.py": "科室", "pages/heatmap.py": "排序", "pages/trend.py": "目标组"}

# Marks an action: from now on every change to the page (nodes added or removed, text changed)
# moves window.__pdChanged; returns performance.now(). Changes inside a <canvas> are not counted:
# a canvas's children are never drawn (the data grid adds its screen-reader table there some
# 300 ms after it has painted, which no one sees).
MARK_JS = """() => {
  const w = window;
  const drawn = (m) => {
    const n = m.target.nodeType === 1 ? m.target : m.target.parentElement;
    return !(n && n.closest('canvas'));
  };
  if (!w.__pdObserver) {
    w.__pdObserver = new MutationObserver((records) => {
      if (records.some(drawn)) { w.__pdChanged = performance.now(); w.__pdMoved = true; }
    });
    w.__pdObserver.observe(document.body, {childList: true, subtree: true, characterData: true});
  }
  w.__pdMoved = false; w.__pdChanged = performance.now(); return w.__pdChanged;
}"""
# Settled: something changed since the mark, Streamlit is not running, nothing is stale, and the
# page has not changed for ``quiet`` ms; then the time of the last change, else false.
_SETTLED_JS = """(quiet) => {
  const w = window, now = performance.now();
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const busy = (status && status.innerText.trim()) || document.querySelector('[data-stale="true"]');
  if (busy) { w.__pdChanged = now; w.__pdMoved = true; return false; }
  return (w.__pdMoved && now - w.__pdChanged >= quiet) ? w.__pdChanged : false;
}"""


async def settle(page, since: float) -> float:
    """Seconds from ``since`` (performance.now() at the action) to the main block's last change."""
    handle = await page.wait_for_function(_SETTLED_JS, arg=QUIET_MS, timeout=STEP_TIMEOUT_MS, polling=50)
    return (float(await handle.json_value()) - since) / 1000


async def _open(page, url: str) -> float:
    """A first visit: navigation to settled (performance.now() starts at the navigation)."""
    await page.goto(url, wait_until="commit")
    await page.wait_for_selector("body", state="attached", timeout=STEP_TIMEOUT_MS)
    await page.evaluate(MARK_JS)
    await page.wait_for_selector('[data-testid="stForm"]', timeout=STEP_TIMEOUT_MS)
    return await settle(page, 0.0)


async def _sign_in(page, user: str, password: str) -> float:
    await page.get_by_label("用户名").fill(user)
    await page.get_by_label("密码").fill(password)
    since = await page.evaluate(MARK_JS)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=STEP_TIMEOUT_MS)
    return await settle(page, since)


async def _sign_in_again(page, url: str, user: str, password: str) -> float:
    """A person who has been here before signs in again: the browser keeps its cache (Streamlit's
    bundles, the elements' code) but not its cookies, so the sign-in form comes back."""
    await page.context.clear_cookies()
    await _open(page, url)
    return await _sign_in(page, user, password)


async def _on(page, title: str) -> bool:
    return bool(await page.evaluate("(t) => document.title.startsWith(t)", title))


async def _go(page, title: str, watch: RunWatch | None = None) -> float:
    """Open the page titled ``title`` from the sidebar, as a person does (from another page:
    clicking the page one is on changes nothing, and nothing would settle)."""
    if await _on(page, title):
        raise sv.BenchServerError(f"已在页面“{title}”上")
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if not await link.is_visible() and await more.count() and "more" in (await more.inner_text()).lower():
        await more.click()  # the sidebar shows the first pages until "View more" is clicked
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    for attempt in range(CLICKS):
        since = await page.evaluate(MARK_JS)
        if watch:
            watch.mark()
        await link.click()
        try:  # now and then a click on a menu link leads nowhere: clicked again, timed from then
            wait = STEP_TIMEOUT_MS if attempt == CLICKS - 1 else CLICK_TIMEOUT_MS
            await page.wait_for_function("(t) => document.title.startsWith(t)", arg=title, timeout=wait, polling=50)
            break
        except PlaywrightTimeout:
            if attempt == CLICKS - 1:
                raise
            print(f"  点击“{title}”后 {wait / 1000:.0f} 秒未打开，再点一次", file=sys.stderr, flush=True)
    return await settle(page, since)


async def _change(page, label: str, watch: RunWatch | None = None) -> float:
    """Pick the second option of the select box labelled ``label``."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    box = page.locator('[data-testid="stMain"]').get_by_role("combobox", name=label, exact=True).first
    options = page.get_by_role("option")
    for attempt in range(3):  # a click while a chart still draws may not open the list
        await (box.click() if attempt == 0 else box.press("ArrowDown"))
        with contextlib.suppress(PlaywrightTimeout):
            await options.nth(1).wait_for(timeout=10_000)
            break
    else:
        raise sv.BenchServerError(f"选择框“{label}”打不开")
    since = await page.evaluate(MARK_JS)
    if watch:
        watch.mark()
    await options.nth(1).click()
    return await settle(page, since)


@dataclass
class Line:
    """One row of the table: the app's, the bare app's and the same-content floor's times, and
    the machine's load (1-minute average) when each of the app's steps ended."""

    item: str
    app: list[float]
    bare: list[float]
    first: float | None = None
    server: list[float] = field(default_factory=list)  # action → the server's run finished
    floor: list[float] = field(default_factory=list)  # the same elements replayed (floor.APP)
    load: list[float] = field(default_factory=list)

    def cells(self) -> list[str]:
        app, bare = statistics.median(self.app), statistics.median(self.bare)
        first = "—" if self.first is None else f"{self.first:.2f}"
        floor = statistics.median(self.floor) if self.floor else None
        return [
            self.item,
            first,
            f"{app:.2f}",
            f"{sv.p95(self.app):.2f}",
            f"{statistics.median(self.server):.2f}" if self.server else "—",
            f"{bare:.2f}",
            f"{app / bare:.2f}×",
            f"{sv.p95(self.app) / sv.p95(self.bare):.2f}×",
            "—" if floor is None else f"{floor:.2f}",
            "—" if floor is None else f"{app / floor:.2f}×",
            f"{statistics.median(self.load):.1f}" if self.load else "—",
        ]


HEADER = (
    "项目",
    "首次 (s)",
    "中位数 (s)",
    "p95 (s)",
    "其中服务器算完 (s)",
    "空白应用中位数 (s)",
    "对空白应用 中位数之比",
    "p95 之比",
    "同内容页中位数 (s)",
    "对同内容页之比",
    "负载",
)


def table(lines: list[Line]) -> str:
    """The per-page lines in Markdown."""
    out = ["| " + " | ".join(HEADER) + " |", "|---|" + "---:|" * (len(HEADER) - 1)]
    return "\n".join(out + ["| " + " | ".join(line.cells()) + " |" for line in lines])


@dataclass
class Side:
    """An app measured page by page (the one under test, or ``--against``'s previous version),
    with its same-content floor: a floor app serving what ``folder`` holds (recorded here)."""

    label: str  # "" for the app under test
    url: str
    floor_url: str
    folder: Path
    lines: dict[str, Line] = field(default_factory=dict)  # script → its page's line

    @property
    def suffix(self) -> str:
        """What the side's lines carry after their item: "（此前）", nothing for the app under test."""
        return f"（{self.label}）" if self.label else ""


async def one_user(
    browser, sides: list[Side], bare: str, pages: list[tuple[str, str]], password: str, rounds: int
) -> list[Line]:
    """Every page, ``rounds`` times, on each side in turn, each followed by the same page on that
    side's floor, then the bare app's page switch; and the widget changes. The floor is recorded
    from each side's first visit of each page (round 0). Returns the table's lines."""
    viewport = {"viewport": {"width": 1600, "height": 1000}}
    contexts = [await browser.new_context(**viewport) for _ in range(1 + 2 * len(sides))]
    try:
        bare_tab = await contexts[0].new_page()
        tabs = [await c.new_page() for c in contexts[1 : 1 + len(sides)]]
        floor_tabs = [await c.new_page() for c in contexts[1 + len(sides) :]]
        watches = [RunWatch(t) for t in tabs]
        recorders = [fl.Recorder(t) for t in tabs]
        bare_open, bare_sign_in = await _open(bare_tab, bare), await _sign_in(bare_tab, "x", "x")
        lines: list[Line] = []
        for side, tab in zip(sides, tabs, strict=True):
            lines.append(Line(f"打开网站（登录页）{side.suffix}", [await _open(tab, side.url)], [bare_open]))
            lines.append(Line(f"登录{side.suffix}", [await _sign_in(tab, sv.BENCH_USER, password)], [bare_sign_in]))
            side.lines = {script: Line(f"页面 {title}{side.suffix}", [], []) for script, title in pages}
            if await _on(tab, pages[0][1]):  # signed in, the office lands on 总览: start elsewhere
                await _go(tab, pages[-1][1])
        bare_times = {script: [] for script, _ in pages}  # one bare switch per page step, shared
        widgets = {s: Line(f"控件 {title}：{WIDGETS[s]}", [], []) for s, title in pages if s in WIDGETS}

        async def bare_switch() -> float:
            """The bare app's page switch, to whichever of its two pages it is not on."""
            other = sv.RUSH_PAGES[1] if await _on(bare_tab, sv.RUSH_PAGES[0]) else sv.RUSH_PAGES[0]
            return await _go(bare_tab, other)

        def server_part(watch: RunWatch, line: Line) -> None:
            part = watch.server_part()
            if part is not None:
                line.server.append(part)

        for r in range(rounds + 1):
            if r == 1:  # every page recorded: open the floors and draw each page once
                for side, tab in zip(sides, floor_tabs, strict=True):
                    await tab.goto(side.floor_url)
                    await tab.wait_for_selector('[data-testid="stSidebarNav"]', timeout=STEP_TIMEOUT_MS)
                    for _, title in pages:
                        seconds = await _go(tab, title)
                        print(f"  同内容页{side.label} {title}：{seconds:.2f} 秒（首次）", file=sys.stderr, flush=True)
            for script, title in pages:
                for side, tab, watch, recorder, floor_tab in zip(
                    sides, tabs, watches, recorders, floor_tabs, strict=True
                ):
                    line = side.lines[script]
                    recorder.mark()
                    seconds = await _go(tab, title, watch)
                    print(f"  第 {r} 轮 {title}{side.label}：{seconds:.2f} 秒", file=sys.stderr, flush=True)
                    if r == 0:
                        line.first = seconds
                        name = recorder.url_path(title)
                        if name is not None:  # the whole run: a cold page can settle before its end
                            run = await recorder.run_since_mark(title, STEP_TIMEOUT_MS)
                            fl.save(side.folder, name, run, recorder.navigation)
                        continue
                    line.app.append(seconds)
                    line.load.append(os.getloadavg()[0])
                    server_part(watch, line)
                    line.floor.append(await _go(floor_tab, title))
                bare_times[script].append(await bare_switch())
                if script in widgets and r > 0:  # the widget lines are the app under test's
                    widgets[script].app.append(await _change(tabs[0], WIDGETS[script], watches[0]))
                    server_part(watches[0], widgets[script])
                    if not await _on(bare_tab, "总览"):
                        await bare_switch()
                    widgets[script].bare.append(await _change(bare_tab, "排序"))
        # sign-in again, warm: the server's caches filled, the browser's cache kept
        again = [Line(f"再次登录（浏览器有缓存）{side.suffix}", [], []) for side in sides]
        for _ in range(rounds):
            for side, tab, line in zip(sides, tabs, again, strict=True):
                line.app.append(await _sign_in_again(tab, side.url, sv.BENCH_USER, password))
                line.load.append(os.getloadavg()[0])
            bare_again = await _sign_in_again(bare_tab, bare, "x", "x")
            for line in again:
                line.bare.append(bare_again)
        for side in sides:
            for script, line in side.lines.items():
                line.bare = bare_times[script]
                if not line.app:  # a single round: the first visit is all there is
                    line.app = [line.first or 0.0]
        pages_lines = [line for side in sides for line in side.lines.values()]
        return lines + again + pages_lines + list(widgets.values())
    finally:
        for c in contexts:
            await c.close()


def compare_table(sides: list[Side], pages: list[tuple[str, str]]) -> str:
    """With ``--against``: each page now and before, each against its own floor and the previous
    version's floor (medians, seconds)."""
    now, before = sides[0], sides[1]
    head = (
        "页面",
        f"{before.label} (s)",
        f"{before.label}的同内容页 (s)",
        "现在 (s)",
        "现在的同内容页 (s)",
        f"现在 / {before.label}的同内容页",
        "现在 / 现在的同内容页",
        "负载",
    )
    out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for script, title in pages:
        a, b = now.lines[script], before.lines[script]
        if not (a.floor and b.floor):
            continue
        m = {k: statistics.median(v) for k, v in (("a", a.app), ("af", a.floor), ("b", b.app), ("bf", b.floor))}
        load = statistics.median(a.load + b.load) if a.load + b.load else 0.0
        out.append(
            f"| {title} | {m['b']:.2f} | {m['bf']:.2f} | {m['a']:.2f} | {m['af']:.2f} | "
            f"{m['a'] / m['bf']:.2f}× | {m['a'] / m['af']:.2f}× | {load:.1f} |"
        )
    return "\n".join(out)


async def _rush_one(browser, url: str, user: str, password: str) -> tuple[float, float]:
    """One person of the rush: (whole sequence, sign-in alone) in seconds."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)  # under a crowd a step may take well over 30 s
    try:
        page = await context.new_page()
        started = time.monotonic()
        await _open(page, url)
        signing = await _sign_in(page, user, password)
        for title in sv.RUSH_PAGES:
            if not await _on(page, title):  # signed in, the office (and the bare app) land on 总览
                await _go(page, title)
        return time.monotonic() - started, signing
    finally:
        await context.close()


async def rush(browser, urls: list[str], user: str, password: str, sessions: int) -> tuple[list, list]:
    """``sessions`` people at once, spread over ``urls`` in turn (as a sticky proxy does)."""
    done = await asyncio.gather(*(_rush_one(browser, urls[i % len(urls)], user, password) for i in range(sessions)))
    return [d[0] for d in done], [d[1] for d in done]


async def _measure(
    apps: list[sv.Server],
    bare: sv.Server,
    sides: list[Side],
    pages: list[tuple[str, str]],
    password: str,
    rounds: int,
    sessions: list[int],
) -> tuple[list[Line], list[sv.RushResult]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            lines = await one_user(browser, sides, bare.url, pages, password, rounds) if rounds else []
            if lines:  # shown at once: the crowd below takes minutes
                print(table(lines), file=sys.stderr, flush=True)
            rush_here = functools.partial(rush, browser)
            results = [await sv.measure_rush(rush_here, apps, bare, password, n) for n in sessions]
            return lines, results
        finally:
            await browser.close()


def _against_db(db: str, folder: Path) -> str:
    """The previous version's database: PostgreSQL is shared, a DuckDB file is copied (one process
    may open it)."""
    if settings.is_server_db(db):
        return db
    copy = folder / "against.duckdb"
    shutil.copyfile(db, copy)
    if Path(f"{db}.wal").exists():
        shutil.copyfile(f"{db}.wal", f"{copy}.wal")
    return str(copy)


def run_browser(
    db: str,
    pages: list[tuple[str, str]],
    rounds: int,
    sessions: list[int],
    processes: int,
    machine: str,
    against: Path | None = None,
) -> str:
    """Start the servers, measure, return the report (tables in Markdown; ``machine`` says what it
    ran on). ``against``: a previous version's checkout, measured page by page in the same run."""
    if not Path(CHROMIUM).exists():
        raise sv.BenchServerError("需要 Debian 的 chromium：apt-get install chromium fonts-noto-cjk")
    if processes > 1 and not settings.is_server_db(db):
        raise sv.BenchServerError("多个看板进程需要 PostgreSQL（--db postgresql://…）：DuckDB 文件只能由一个进程打开")
    if against is not None and not (against / "app.py").exists():
        raise sv.BenchServerError(f"对照版本的目录中没有 app.py：{against}")
    password = sv.prepare(db)
    pages = [(s, t) for s, t in pages if s not in SKIPPED_PAGES]
    started = time.strftime("%Y-%m-%d %H:%M")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    roots = [("", settings.PROJECT_ROOT)] + ([(AGAINST_LABEL, against)] if against is not None else [])
    with tempfile.TemporaryDirectory(prefix="perfdash-browser-bench-") as tmp:
        folder = Path(tmp)
        (folder / "bare.py").write_text(sv.BARE_APP, encoding="utf-8")
        env = {"PERFDASH_DB": db, "PERFDASH_ADMIN_PASSWORD": secrets.token_urlsafe(16)}
        with contextlib.ExitStack() as stack:
            apps = [
                stack.enter_context(sv.streamlit(settings.PROJECT_ROOT / "app.py", env, folder / f"app{i}.log"))
                for i in range(processes)
            ]
            bare = stack.enter_context(sv.streamlit(folder / "bare.py", {}, folder / "bare.log"))
            idle = [s.rss_mb() for s in [*apps, bare]]
            sides = []
            for i, (label, root) in enumerate(roots if rounds else []):
                url = apps[0].url
                if label:  # the previous version, on its own copy of the database
                    other = {**env, "PERFDASH_DB": _against_db(db, folder)}
                    url = stack.enter_context(sv.streamlit(root / "app.py", other, folder / "against.log")).url
                script = fl.write_app(folder / f"floor{i}", root / ".streamlit" / "config.toml")
                floor_server = stack.enter_context(sv.streamlit(script, {}, folder / f"floor{i}.log"))
                sides.append(Side(label, url, floor_server.url, script.parent / "floor"))
            with sv.sampling([*apps, bare]):
                try:
                    lines, results = sv.run_apart(_measure(apps, bare, sides, pages, password, rounds, sessions))
                except Exception:
                    logs = [f"app{i}.log" for i in range(processes)] + [f"floor{i}.log" for i in range(len(sides))]
                    for name in logs + (["against.log"] if against is not None else []):
                        tail = (folder / name).read_text(encoding="utf-8", errors="replace")[-4000:]
                        print(f"--- {name}（末尾，服务器的日志随临时目录删除）---\n{tail}", file=sys.stderr)
                    raise
    where = "PostgreSQL" if settings.is_server_db(db) else "DuckDB"
    end_load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    head = [
        f"机器：{machine}",
        f"时间：{started}，开始时负载 {load}，结束时 {end_load}；数据库：{where}（{settings.shown_db(db)}），"
        f"看板进程 {processes} 个；浏览器：Debian chromium（无头），与服务器在同一台机器上",
        f"空闲时内存：看板 {sum(idle[:-1]):.0f} MB，空白应用 {idle[-1]:.0f} MB",
    ]
    parts = ["\n".join(head)]
    if lines:
        parts.append(
            f"单人：每个页面从侧栏打开 {rounds} 次（另有登录后的首次），每次之后打开同内容页的同一页"
            "（重放该页面首次打开时发给浏览器的元素，不做计算），再做一次空白应用的页面切换；"
            "负载为每次打开后的 1 分钟平均负载的中位数\n\n" + table(lines)
        )
    if len(sides) > 1:
        parts.append(f"与{AGAINST_LABEL}的版本（{against}）对比，中位数\n\n" + compare_table(sides, pages))
    if results:
        parts.append(
            f"多人同时：每人打开网站、登录、打开{'、'.join(sv.RUSH_PAGES)}；空白应用随后做同样的步骤\n\n"
            + sv.rush_table(results)
        )
    return "\n\n".join(parts)
