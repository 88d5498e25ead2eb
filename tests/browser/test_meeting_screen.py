"""The meeting screen in a real browser at 1366×768, 1920×1080 and 3840×2160: every slide fits
the window without scrolling, type scales with the screen, the slide changes by itself, pausing
stops it, and a signed-in viewer has a way back. Screenshots go to test-artifacts/."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import ARTIFACTS, OFFICE_PASSWORD, demo_db, serve, settle, sign_in

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


# The slide shown, once it is another than ``start`` (false while the slide is being redrawn).
CHANGED = """(start) => {
  const e = document.querySelector('.pd-top');
  return e && e.dataset.slide !== String(start) ? e.dataset.slide : false;
}"""


def _wait_for_change(page, start: int, timeout: float) -> int:
    """Until the screen shows another slide than ``start``; that slide."""
    try:
        return int(page.wait_for_function(CHANGED, arg=start, timeout=timeout * 1000, polling=100).json_value())
    except PlaywrightTimeout:
        pytest.fail(f"the slide stayed at {start} for {timeout} s")


def _fragment_finished(payload: str | bytes) -> bool:
    """Whether a websocket frame from the server says a fragment run (the rotation's tick) ended."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    if not isinstance(payload, bytes | bytearray):
        return False
    with contextlib.suppress(Exception):  # not every frame need be a ForwardMsg
        msg.ParseFromString(bytes(payload))
        return (
            msg.WhichOneof("type") == "script_finished"
            and msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        )
    return False


@pytest.fixture
def page(browser, app_url):
    p = browser.new_page(viewport={"width": 1920, "height": 1080})
    yield p
    p.close()


SCREENS = [(1366, 768), (1920, 1080), (3840, 2160)]
# What one slide looks like in the window: elements reaching outside it, how far the page and the
# main block could scroll, the smallest type of any text on the slide, and the blank strip under
# the slide's lowest content (text, bar, table cell) as a fraction of the height.
MEASURE = """() => {
  const H = innerHeight, W = innerWidth;
  const out = [];
  const vis = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  for (const e of document.querySelectorAll('.pd-screen, .pd-screen *, .st-key-pd_controls *')) {
    if (!vis(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
      out.push(`${e.tagName}.${e.className} ${e.textContent.slice(0, 12)} `
        + `${Math.round(r.right - W)},${Math.round(r.bottom - H)}`);
  }
  const texty = (e) => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  let minFont = 1e9, minEl = '';
  for (const e of document.querySelectorAll('.pd-screen *')) if (texty(e) && vis(e)) {
    const f = parseFloat(getComputedStyle(e).fontSize);
    if (f < minFont) { minFont = f; minEl = e.textContent.slice(0, 10); } }
  let bottom = 0;
  for (const e of document.querySelectorAll('.pd-body *'))
    if (vis(e) && (texty(e) || e.matches('.pd-fill, .pd-line, td')))
    bottom = Math.max(bottom, e.getBoundingClientRect().bottom);
  const main = document.querySelector('[data-testid="stMain"]');
  return {slide: document.querySelector('.pd-top').dataset.slide, n_out: out.length, out: out.slice(0, 4),
    scroll: document.scrollingElement.scrollHeight - H, mainScroll: main ? main.scrollHeight - main.clientHeight : 0,
    minFont: Math.round(minFont*10)/10, minEl, empty: Math.round((H - bottom) / H * 1000) / 1000};
}"""
NEXT_FRAME = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def _click_until(page, label: str, then: str) -> None:
    """Click the button ``label`` and wait until the button reads ``then`` and the app is idle."""
    page.get_by_role("button", name=label).click()
    page.get_by_role("button", name=then).wait_for(timeout=60_000)
    settle(page)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_slide_fits_every_projector(page, app_url, kiosk, artifacts, theme):
    """Each slide, held by the pause button, at 1366×768, 1920×1080 and 3840×2160: nothing outside
    the window, nothing scrolls, type at least 24 px at 1080p and as much larger or smaller as the
    screen, no blank lower part; then the rotation goes on by itself to the next slide."""
    page.goto(f"{app_url}/meeting?token={kiosk[1]}&every=5&theme={theme}")
    page.wait_for_selector(SLIDE, timeout=90_000)
    assert not page.query_selector('[data-testid="stSidebar"]:visible'), "the sidebar is hidden"
    assert page.get_by_text("返回看板").count() == 0, "the kiosk token view has no way into the app"
    count = page.eval_on_selector_all(".pd-dots span", "e => e.length")
    assert count >= 6
    seen = []
    for _ in range(count):
        _click_until(page, "暂停轮播", "继续轮播")
        current = _slide(page)
        seen.append(current)
        for width, height in SCREENS:
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate(NEXT_FRAME)
            m = page.evaluate(MEASURE)
            where = (current, width, m)
            assert int(m["slide"]) == current, where  # still the held slide
            assert m["n_out"] == 0, where
            assert m["scroll"] <= 1 and m["mainScroll"] <= 1, where
            assert m["minFont"] >= 24 * height / 1080 - 0.5, where
            assert m["empty"] < 1 / 3, where
            page.screenshot(path=str(artifacts / f"meeting_{theme}_{current}_{width}x{height}.png"))
        page.set_viewport_size({"width": 1920, "height": 1080})
        sizes = page.evaluate(SIZES)
        if current == 0:
            assert sizes["headline"] >= 64 and sizes["body"] >= 24, sizes
        _click_until(page, "继续轮播", "暂停轮播")
        _wait_for_change(page, current, timeout=30)
    assert sorted(seen) == list(range(count)), seen


def test_pause_stops_the_rotation(page, app_url, kiosk):
    """Paused, the rotation's timer still runs the slide fragment (the server's runs are read from
    the page's websocket): two of its runs end, each a point where the slide would have changed,
    and the slide is still the one held; resumed, it moves on."""
    with page.expect_websocket(lambda ws: "_stcore/stream" in ws.url, timeout=90_000) as opened:
        page.goto(f"{app_url}/meeting?token={kiosk[1]}&every=5")
    socket = opened.value
    page.wait_for_selector(SLIDE, timeout=90_000)
    _click_until(page, "暂停轮播", "继续轮播")
    held = _slide(page)
    for tick in (1, 2):  # every=5: a tick is due within 5 s; 30 s leaves room for a loaded machine
        socket.wait_for_event("framereceived", _fragment_finished, timeout=30_000)
        settle(page)  # the tick's slide drawn
        assert _slide(page) == held, f"paused, the slide changed at tick {tick}"
    assert page.get_by_text("已暂停轮播").count() >= 1
    _click_until(page, "继续轮播", "暂停轮播")
    _wait_for_change(page, held, timeout=20)


def test_without_a_token_the_screen_asks_for_a_login(page, app_url):
    page.goto(f"{app_url}/meeting?every=5")
    page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
    assert page.query_selector(SLIDE) is None
    assert page.get_by_text("登录 · 绩效管理").count() >= 1


def test_a_signed_in_viewer_goes_back_to_the_dashboard(browser, app_url):
    """Opened from the app (no token), the screen offers 返回看板, which leads back to a page with
    the sidebar."""
    page = sign_in(browser, app_url)
    try:
        page.locator('[data-testid="stSidebarNav"] a', has_text="周会大屏").click()
        page.wait_for_selector(SLIDE, timeout=90_000)
        back = page.get_by_text("返回看板")
        back.wait_for(timeout=60_000)
        box = back.bounding_box()
        assert box and box["y"] + box["height"] <= 1000, box  # inside the window, over the footer
        back.click()
        page.wait_for_selector(SLIDE, state="detached", timeout=90_000)
        settle(page)
        page.screenshot(path=str(ARTIFACTS / "meeting_back.png"))
        assert "/meeting" not in page.url
        # The office's landing page: 总览, with the app's menu (collapsed, as the screen left it).
        page.get_by_role("heading", name="总览").first.wait_for(timeout=60_000)
        assert page.query_selector('[data-testid="stSidebarNav"]') is not None
    finally:
        page.close()


# -- long names, and a phone -------------------------------------------------------------------------

LONG_NAME = "民管科（对外合作科）"
# Every element holding ``name`` as its whole text: whether it shows all of it (nothing scrolled
# away or cut with an ellipsis, inside the window), and on how many lines.
WHOLE = """(name) => [...document.querySelectorAll('.pd-screen *')]
  .filter(e => e.textContent.trim() === name && e.getBoundingClientRect().width > 0)
  .map(e => { const r = e.getBoundingClientRect(); const range = document.createRange();
    range.selectNodeContents(e);
    const lines = new Set([...range.getClientRects()].map(q => Math.round(q.top))).size;
    return {tag: e.tagName, sw: e.scrollWidth, cw: e.clientWidth, sh: e.scrollHeight, ch: e.clientHeight,
            right: r.right, bottom: r.bottom, lines, cut: getComputedStyle(e).textOverflow === 'ellipsis'
              && getComputedStyle(e).overflow === 'hidden'}; })"""


# WHOLE, measured once the slide titled ``title`` is up (title and measure in one step: the
# rotation cannot move on between them).
WHOLE_ON = f"""([title, name]) => document.querySelector('.pd-title')?.textContent.startsWith(title)
  && ({WHOLE})(name)"""


def _whole(page, name: str, width: int, height: int, title: str | None = None) -> list[dict]:
    if title is None:
        shown = page.evaluate(WHOLE, name)
    else:
        shown = page.wait_for_function(WHOLE_ON, arg=[title, name], timeout=90_000, polling=100).json_value()
    assert shown, f"{name} is not on the slide"
    for e in shown:
        assert e["sw"] <= e["cw"] + 1 and e["sh"] <= e["ch"] + 1 and not e["cut"], e
        assert e["right"] <= width and e["bottom"] <= height, e
    return shown


def test_long_section_names_are_whole_at_1366(browser, app_url, kiosk, artifacts):
    """截止分布 of the demo (every deadline 31 December: the run-up by section) at 1366×768 shows
    民管科（对外合作科） whole, where it used to read 民管科（对…."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{app_url}/meeting?token={kiosk[1]}&every=5")  # no pause: measured as it rotates
        assert [e["tag"] for e in _whole(page, LONG_NAME, 1366, 768, title="截止分布")] == ["TD"]
        page.screenshot(path=str(artifacts / "meeting_run_up_1366x768.png"))
    finally:
        page.close()


def test_heat_map_and_bars_fit_long_names(browser, artifacts):
    """The month-by-month 截止分布 (a plan whose deadlines spread) and the ranking's bars, drawn by
    the screen's own HTML and CSS at 1366×768: a 10-character name whole on one line, a name longer
    than NAME_EM_MAX characters wrapped, not cut."""
    import pandas as pd

    from perfdash.present import screen

    very_long = "教育系统工会与离退休干部工作处（老干部活动中心）"
    names = ["财务科", LONG_NAME, very_long]
    matrix = pd.DataFrame(
        {
            "section": names,
            "month": [pd.Timestamp(f"2025-{m:02d}-01") for m in (3, 6, 12)],
            "targets": [1, 2, 3],
            "at_risk": [0, 1, 0],
        }
    )
    ranking = pd.DataFrame(
        {"section": names, "completion_pct": [90.0, 80.0, 60.0], "expected_pct": [89.0] * 3, "late": [0, 1, 2]}
    )
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        for key, body in [
            ("heat", screen.heat(matrix, 2025, "2025-11-21")),
            ("bars", screen.bars(ranking, "section", "科室（牵头目标）", ("late", "滞后"))),
        ]:
            top = screen.top_bar("截止分布", "演示", 0, 1)
            page.set_content(f"<html><body>{screen.css('dark')}{screen.screen(top, body, '')}</body></html>")
            assert [e["lines"] for e in _whole(page, LONG_NAME, 1366, 768)] == [1], key
            assert [e["lines"] >= 2 for e in _whole(page, very_long, 1366, 768)] == [True], key  # wrapped, whole
            page.screenshot(path=str(artifacts / f"meeting_long_names_{key}_1366x768.png"))
    finally:
        page.close()


@pytest.fixture(scope="module")
def served_leader(tmp_path_factory):
    """``perfdash serve`` (whose sign-in cookie survives loading another address, as a link does)
    on a demo database with a leader account (l_0, 李自坚)."""
    db = tmp_path_factory.mktemp("phone") / "phone.duckdb"
    demo_db(db, leaders=("李自坚",))
    with serve(db, db.parent, perfdash_serve=True, env={"PERFDASH_BACKUP_EVERY": "0"}) as url:
        yield url


def test_on_a_phone_the_screen_points_to_the_leaders_view(browser, served_leader, artifacts):
    """A leader opens 周会大屏 on a phone (390×844): instead of the slides (type of 5 px) and their
    buttons, a note that the screen is for a projector and a link to 我的分管, which opens it."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    try:
        page.goto(f"{served_leader}/meeting")
        page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
        page.get_by_label("用户名").fill("l_0")
        page.get_by_label("密码").fill(OFFICE_PASSWORD)
        page.get_by_role("button", name="登录").click()
        note = page.locator(".pd-phone")
        note.wait_for(state="visible", timeout=90_000)
        page.wait_for_selector(SLIDE, state="attached", timeout=90_000)  # the slides are there, hidden
        settle(page)
        assert not page.locator(".pd-screen").is_visible()
        assert not page.get_by_role("button", name="暂停轮播").is_visible()
        assert note.get_by_text("周会大屏用于会议室投影").is_visible()
        link = note.get_by_role("link", name="打开我的分管")
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844, box
        size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.pd-phone')).fontSize)")
        assert size >= 16, size
        page.screenshot(path=str(artifacts / "meeting_phone_390x844.png"))
        page.set_viewport_size({"width": 1366, "height": 768})  # a projector: the slides, no note
        page.locator(".pd-screen").wait_for(state="visible", timeout=10_000)
        assert not note.is_visible()
        page.set_viewport_size({"width": 390, "height": 844})
        link.click()
        page.wait_for_url("**/mine", timeout=90_000)
        page.locator('[data-testid="stMain"] h1:has-text("我的分管")').first.wait_for(timeout=90_000)
        page.screenshot(path=str(artifacts / "meeting_phone_mine_390x844.png"))
    finally:
        page.context.close()
