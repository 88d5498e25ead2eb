"""bench --browser, small: a real server, the bare app and the same-content floor, two pages, a
widget change and two sessions at once; the tables come out whole, with times and ratios a person
can read. The floor draws what the page drew."""

from __future__ import annotations

import contextlib
import re
import secrets

from perfdash.bench import browser_bench, floor, servers
from perfdash.bench.bench import machine
from perfdash.core.settings import PROJECT_ROOT
from tests.browser.conftest import _install_chromium, demo_db


def test_the_browser_benchmark_prints_both_tables(tmp_path):
    _install_chromium()
    db = tmp_path / "bench.duckdb"
    demo_db(db)
    pages = [("pages/overview.py", "总览"), ("pages/heatmap.py", "截止热力图"), ("pages/meeting.py", "周会大屏")]
    report = browser_bench.run_browser(str(db), pages, rounds=1, sessions=[2], processes=1, machine=machine())
    lines = report.splitlines()
    rows = {line.split(" | ")[0].strip("| "): line for line in lines if line.startswith("| ")}
    for item in ("打开网站（登录页）", "登录", "页面 总览", "页面 截止热力图", "控件 截止热力图：排序", "1"):
        assert item in rows, item
    assert "页面 周会大屏" not in rows  # ticks on a timer: never settles, left out
    cells = rows["页面 截止热力图"].strip("| ").split(" | ")
    first, median, p95, server, bare = (float(c) for c in cells[1:6])
    assert 0 < bare < median <= p95 < 60 and first > 0
    assert 0 < server < 60  # from the websocket: the server's part of the step
    # Times are shown to 0.01 s, the ratio comes from the unrounded ones: within what rounding allows.
    assert (median - 0.005) / (bare + 0.005) <= float(cells[6].rstrip("×")) <= (median + 0.005) / (bare - 0.005)
    # The same page on the floor (its elements replayed), and the machine's load with each time.
    same, ratio, load = float(cells[8]), float(cells[9].rstrip("×")), float(cells[10])
    assert 0 < same < 60 and (median - 0.005) / (same + 0.005) <= ratio <= (median + 0.005) / (same - 0.005)
    assert 0 <= load < 100
    assert rows["控件 截止热力图：排序"].strip("| ").split(" | ")[8] == "—"  # a widget has no floor
    rush = rows["1"].strip("| ").split(" | ")  # one process, two sessions
    assert rush[1] == "2"
    peak, after = (float(x) for x in rush[6].split(" / "))
    assert 100 < after <= peak < 4000  # the server's own memory, read from /proc
    assert re.fullmatch(r"\d+\.\d\d / \d+\.\d\d", rush[8])  # CPU seconds per user: app / bare


# What a page shows in the main block, as a person reads it: its text, and how many charts,
# tables and numbers it draws (and how many charts Plotly has drawn).
_SHOWN = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const count = (id) => main.querySelectorAll(`[data-testid="${id}"]`).length;
  return {text: main.innerText, charts: count('stPlotlyChart'), tables: count('stDataFrame'),
          metrics: count('stMetric'), html: count('stHtml'),
          plotted: main.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg').length};
}"""


async def _record_and_replay(app: str, floor_url: str, folder, password: str) -> tuple[dict, dict, bytes, bytes]:
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=browser_bench.CHROMIUM, headless=True, args=browser_bench.LAUNCH_ARGS
        )
        try:
            page = await browser.new_page(viewport={"width": 1600, "height": 3000})
            recorder = floor.Recorder(page)
            await browser_bench._open(page, app)
            await browser_bench._sign_in(page, servers.BENCH_USER, password)
            await browser_bench._go(page, "截止热力图")
            recorder.mark()
            await browser_bench._go(page, "评分模拟")
            run = await recorder.run_since_mark("评分模拟")
            floor.save(folder, recorder.url_path("评分模拟"), run, recorder.navigation)
            real, real_png = await page.evaluate(_SHOWN), await page.locator('[data-testid="stMain"]').screenshot()
            replay = await browser.new_page(viewport={"width": 1600, "height": 3000})
            await replay.goto(floor_url)
            await replay.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
            await browser_bench._go(replay, "评分模拟")
            # A fresh tab loads each kind of element's code on first use: wait (a while) for the
            # floor to show what the page showed, then take what it shows.
            alike = f"(want) => JSON.stringify(({_SHOWN})()) === JSON.stringify(want)"
            with contextlib.suppress(PlaywrightTimeout):
                await replay.wait_for_function(alike, arg=real, timeout=60_000, polling=200)
            same = await replay.evaluate(_SHOWN)
            return real, same, real_png, await replay.locator('[data-testid="stMain"]').screenshot()
        finally:
            await browser.close()


def test_the_floor_draws_what_the_page_drew(tmp_path):
    """完成趋势 recorded from its websocket and replayed by the floor app: the same text, chart,
    table and numbers, drawn alike (the same pixels in the main block, give or take a few)."""
    from PIL import Image, ImageChops

    _install_chromium()
    db = tmp_path / "floor.duckdb"
    demo_db(db)
    password = servers.prepare(str(db))
    script = floor.write_app(tmp_path / "floor_app", PROJECT_ROOT / ".streamlit" / "config.toml")
    env = {"PERFDASH_DB": str(db), "PERFDASH_ADMIN_PASSWORD": secrets.token_urlsafe(16)}
    with (
        servers.streamlit(PROJECT_ROOT / "app.py", env, tmp_path / "app.log") as app,
        servers.streamlit(script, {}, tmp_path / "floor.log") as replayed,
    ):
        real, same, real_png, same_png = servers.run_apart(
            _record_and_replay(app.url, replayed.url, script.parent / "floor", password)
        )
    assert real["charts"] >= 1 and real["plotted"] >= real["charts"] and real["metrics"] >= 1
    assert same == real
    (tmp_path / "page.png").write_bytes(real_png)
    (tmp_path / "floor.png").write_bytes(same_png)
    a, b = (Image.open(tmp_path / n).convert("RGB") for n in ("page.png", "floor.png"))
    assert a.size == b.size
    differ = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 40 else 0).histogram()[255]
    assert differ < 0.005 * a.size[0] * a.size[1], differ
