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
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

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
SKIPPED_PAGES = {"pages/meeting.py", "pages/home.py"}  # ticks on a timer / hidden start page
WIDGETS = {"pages/sections.py": "科室", "pages/heatmap.py": "排序", "pages/trend.py": "目标组"}

# Marks an action: from now on every change to the page (nodes added or removed, text changed)
# moves window.__pdChanged; returns performance.now(). Changes inside a <canvas> are not counted:
# a canvas's children are never drawn (the data grid adds its screen-reader table there some
# 300 ms after it has painted, which no one sees).
_MARK_JS = """() => {
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


async def _settle(page, since: float) -> float:
    """Seconds from ``since`` (performance.now() at the action) to the main block's last change."""
    handle = await page.wait_for_function(_SETTLED_JS, arg=QUIET_MS, timeout=STEP_TIMEOUT_MS, polling=50)
    return (float(await handle.json_value()) - since) / 1000


async def _open(page, url: str) -> float:
    """A first visit: navigation to settled (performance.now() starts at the navigation)."""
    await page.goto(url, wait_until="commit")
    await page.wait_for_selector("body", state="attached", timeout=STEP_TIMEOUT_MS)
    await page.evaluate(_MARK_JS)
    await page.wait_for_selector('[data-testid="stForm"]', timeout=STEP_TIMEOUT_MS)
    return await _settle(page, 0.0)


async def _sign_in(page, user: str, password: str) -> float:
    await page.get_by_label("用户名").fill(user)
    await page.get_by_label("密码").fill(password)
    since = await page.evaluate(_MARK_JS)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=STEP_TIMEOUT_MS)
    return await _settle(page, since)


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
    since = await page.evaluate(_MARK_JS)
    if watch:
        watch.mark()
    await link.click()
    await page.wait_for_function("(t) => document.title.startsWith(t)", arg=title, timeout=STEP_TIMEOUT_MS, polling=50)
    return await _settle(page, since)


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
    since = await page.evaluate(_MARK_JS)
    if watch:
        watch.mark()
    await options.nth(1).click()
    return await _settle(page, since)


@dataclass
class Line:
    """One row of the table: the app's and the bare app's times."""

    item: str
    app: list[float]
    bare: list[float]
    first: float | None = None
    server: list[float] = field(default_factory=list)  # action → the server's run finished

    def cells(self) -> list[str]:
        app, bare = statistics.median(self.app), statistics.median(self.bare)
        first = "—" if self.first is None else f"{self.first:.2f}"
        return [
            self.item,
            first,
            f"{app:.2f}",
            f"{sv.p95(self.app):.2f}",
            f"{statistics.median(self.server):.2f}" if self.server else "—",
            f"{bare:.2f}",
            f"{app / bare:.2f}×",
            f"{sv.p95(self.app) / sv.p95(self.bare):.2f}×",
        ]


HEADER = (
    "项目",
    "首次 (s)",
    "中位数 (s)",
    "p95 (s)",
    "其中服务器算完 (s)",
    "空白应用中位数 (s)",
    "中位数之比",
    "p95 之比",
)


def table(lines: list[Line]) -> str:
    """The per-page lines in Markdown."""
    out = ["| " + " | ".join(HEADER) + " |", "|---|" + "---:|" * (len(HEADER) - 1)]
    return "\n".join(out + ["| " + " | ".join(line.cells()) + " |" for line in lines])


async def one_user(browser, app: str, bare: str, pages: list[tuple[str, str]], password: str, rounds: int):
    """Every page, ``rounds`` times, interleaved with the bare app's page switch; and the widget
    changes. Returns the table's lines."""
    mine = await browser.new_context(viewport={"width": 1600, "height": 1000})
    theirs = await browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page, floor = await mine.new_page(), await theirs.new_page()
        watch = RunWatch(page)
        lines = [Line("打开网站（登录页）", [await _open(page, app)], [await _open(floor, bare)])]
        lines.append(Line("登录", [await _sign_in(page, sv.BENCH_USER, password)], [await _sign_in(floor, "x", "x")]))
        per_page = {script: Line(f"页面 {title}", [], []) for script, title in pages}
        widgets = {s: Line(f"控件 {title}：{WIDGETS[s]}", [], []) for s, title in pages if s in WIDGETS}
        if await _on(page, pages[0][1]):  # signed in, the office lands on 总览: start elsewhere
            await _go(page, pages[-1][1])

        async def bare_switch() -> float:
            """The bare app's page switch, to whichever of its two pages it is not on."""
            other = sv.RUSH_PAGES[1] if await _on(floor, sv.RUSH_PAGES[0]) else sv.RUSH_PAGES[0]
            return await _go(floor, other)

        def server_part(line: Line) -> None:
            part = watch.server_part()
            if part is not None:
                line.server.append(part)

        for r in range(rounds + 1):
            for script, title in pages:
                seconds = await _go(page, title, watch)
                print(f"  第 {r} 轮 {title}：{seconds:.2f} 秒", file=sys.stderr, flush=True)
                if r == 0:
                    per_page[script].first = seconds
                else:
                    per_page[script].app.append(seconds)
                    server_part(per_page[script])
                per_page[script].bare.append(await bare_switch())
                if script in widgets and r > 0:
                    widgets[script].app.append(await _change(page, WIDGETS[script], watch))
                    server_part(widgets[script])
                    if not await _on(floor, "总览"):
                        await bare_switch()
                    widgets[script].bare.append(await _change(floor, "排序"))
        for line in per_page.values():
            if not line.app:  # a single round: the first visit is all there is
                line.app = [line.first or 0.0]
        return lines + list(per_page.values()) + list(widgets.values())
    finally:
        await mine.close()
        await theirs.close()


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
    pages: list[tuple[str, str]],
    password: str,
    rounds: int,
    sessions: list[int],
) -> tuple[list[Line], list[sv.RushResult]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            lines = await one_user(browser, apps[0].url, bare.url, pages, password, rounds) if rounds else []
            if lines:  # shown at once: the crowd below takes minutes
                print(table(lines), file=sys.stderr, flush=True)
            rush_here = functools.partial(rush, browser)
            results = [await sv.measure_rush(rush_here, apps, bare, password, n) for n in sessions]
            return lines, results
        finally:
            await browser.close()


def run_browser(
    db: str, pages: list[tuple[str, str]], rounds: int, sessions: list[int], processes: int, machine: str
) -> str:
    """Start the servers, measure, return the report (tables in Markdown; ``machine`` says what it
    ran on)."""
    if not Path(CHROMIUM).exists():
        raise sv.BenchServerError("需要 Debian 的 chromium：apt-get install chromium fonts-noto-cjk")
    if processes > 1 and not settings.is_server_db(db):
        raise sv.BenchServerError("多个看板进程需要 PostgreSQL（--db postgresql://…）：DuckDB 文件只能由一个进程打开")
    password = sv.prepare(db)
    pages = [(s, t) for s, t in pages if s not in SKIPPED_PAGES]
    started = time.strftime("%Y-%m-%d %H:%M")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
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
            with sv.sampling([*apps, bare]):
                try:
                    lines, results = sv.run_apart(_measure(apps, bare, pages, password, rounds, sessions))
                except Exception:
                    for i in range(processes):  # the servers' logs go with the temporary folder
                        tail = (folder / f"app{i}.log").read_text(encoding="utf-8", errors="replace")[-4000:]
                        print(f"--- 看板进程 {i} 的日志（末尾）---\n{tail}", file=sys.stderr)
                    raise
    where = "PostgreSQL" if settings.is_server_db(db) else "DuckDB"
    head = [
        f"机器：{machine}",
        f"时间：{started}，开始时负载 {load}；数据库：{where}（{settings.shown_db(db)}），看板进程 {processes} 个；"
        f"浏览器：Debian chromium（无头），与服务器在同一台机器上",
        f"空闲时内存：看板 {sum(idle[:-1]):.0f} MB，空白应用 {idle[-1]:.0f} MB",
    ]
    parts = ["\n".join(head)]
    if lines:
        parts.append(
            f"单人：每个页面从侧栏打开 {rounds} 次（另有登录后的首次），与空白应用的页面切换交替进行\n\n" + table(lines)
        )
    if results:
        parts.append(
            f"多人同时：每人打开网站、登录、打开{'、'.join(sv.RUSH_PAGES)}；空白应用随后做同样的步骤\n\n"
            + sv.rush_table(results)
        )
    return "\n\n".join(parts)
