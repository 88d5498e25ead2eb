"""The meeting screen in a real browser at 1920×1080: nothing scrolls, type is large, the slide
changes by itself, and pausing stops it. Screenshots go to test-artifacts/."""

from __future__ import annotations

import time

import pytest

SLIDE = ".pd-top"
NO_SCROLL = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const doc = document.scrollingElement;
  return {main: main ? main.scrollHeight - main.clientHeight : 0, doc: doc.scrollHeight - window.innerHeight,
          width: doc.scrollWidth - window.innerWidth};
}"""
SIZES = """() => {
  const px = (sel) => {
    const e = document.querySelector(sel);
    return e ? parseFloat(getComputedStyle(e).fontSize) : 0;
  };
  return {headline: px('.pd-tile .v'), body: px('.pd-tile .k'), title: px('.pd-title')};
}"""


def _slide(page) -> int:
    return int(page.eval_on_selector(SLIDE, "e => e.dataset.slide"))


def _wait_for_change(page, start: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _slide(page)
        if now != start:
            return now
        time.sleep(0.25)
    pytest.fail(f"the slide stayed at {start} for {timeout} s")


@pytest.fixture
def page(browser, app_url):
    p = browser.new_page(viewport={"width": 1920, "height": 1080})
    yield p
    p.close()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_meeting_screen_runs_by_itself_without_scrolling(page, app_url, kiosk, artifacts, theme):
    page.goto(f"{app_url}/meeting?token={kiosk[1]}&every=5&theme={theme}")
    page.wait_for_selector(SLIDE, timeout=90_000)
    time.sleep(1.5)
    assert not page.query_selector('[data-testid="stSidebar"]:visible'), "the sidebar is hidden"
    sizes = page.evaluate(SIZES)
    assert sizes["headline"] >= 64 and sizes["body"] >= 24, sizes
    seen = []
    first = _slide(page)
    seen.append(first)
    page.screenshot(path=str(artifacts / f"meeting_{theme}_{first}.png"))
    current = first
    for _ in range(5):  # walk through every slide, without touching anything
        current = _wait_for_change(page, current, timeout=20)
        time.sleep(1.5)  # let charts draw
        overflow = page.evaluate(NO_SCROLL)
        assert overflow["main"] <= 1 and overflow["doc"] <= 1 and overflow["width"] <= 1, (current, overflow)
        page.screenshot(path=str(artifacts / f"meeting_{theme}_{current}.png"))
        seen.append(current)
    assert sorted(set(seen)) == list(range(6)), seen


def test_pause_stops_the_rotation(page, app_url, kiosk):
    page.goto(f"{app_url}/meeting?token={kiosk[1]}&every=5")
    page.wait_for_selector(SLIDE, timeout=90_000)
    page.get_by_text("暂停轮播").click()
    time.sleep(1.0)
    held = _slide(page)
    time.sleep(12)  # more than two intervals
    assert _slide(page) == held
    page.get_by_text("暂停轮播").click()
    _wait_for_change(page, held, timeout=20)


def test_without_a_token_the_screen_asks_for_a_login(page, app_url):
    page.goto(f"{app_url}/meeting?every=5")
    page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
    assert page.query_selector(SLIDE) is None
    assert page.get_by_text("登录 · 绩效管理").count() >= 1
