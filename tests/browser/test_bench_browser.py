"""bench --browser, small: a real server and the bare app, two pages, a widget change and two
sessions at once; the tables come out whole, with times and ratios a person can read."""

from __future__ import annotations

import re

from perfdash.bench import browser_bench
from perfdash.bench.bench import machine
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
    rush = rows["1"].strip("| ").split(" | ")  # one process, two sessions
    assert rush[1] == "2"
    peak, after = (float(x) for x in rush[6].split(" / "))
    assert 100 < after <= peak < 4000  # the server's own memory, read from /proc
    assert re.fullmatch(r"\d+\.\d\d / \d+\.\d\d", rush[8])  # CPU seconds per user: app / bare
