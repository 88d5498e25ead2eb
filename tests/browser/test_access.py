"""Hostile input and access in a real browser: a 1.8 KB spreadsheet bomb uploaded by one section
is refused at once while another person's pages keep answering; an open meeting screen goes dark
when its token is revoked; a page opens by its own address. Every wait is for what it checks."""

from __future__ import annotations

import time

import pytest

from perfdash.bench.servers import rss_mb
from tests import hostile
from tests.browser.conftest import OFFICE_USER, SERVERS, demo_db, serve, sign_in

MAIN = '[data-testid="stMain"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An app of its own (its token is revoked here), with an office and a 校安科 account."""
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.store import Store

    db = tmp_path_factory.mktemp("access") / "access.duckdb"
    demo_db(db, sections=("校安科",))
    store = Store(db)
    try:
        token = auth.new_kiosk_token(store, Actor.office(), "待吊销的大屏")
    finally:
        store.close()
    with serve(db, db.parent) as url:
        yield url, token


def open_page(page, title: str, heading: str | None = None) -> float:
    """Click a page in the sidebar and wait until its heading shows; seconds taken."""
    started = time.perf_counter()
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if not link.is_visible() and more.count():
        more.first.click()
    link.click()
    page.wait_for_function(f"() => document.title.startsWith('{title}')", timeout=60_000)
    page.locator(f'{MAIN} h1:has-text("{heading or title}")').first.wait_for(timeout=60_000)
    return time.perf_counter() - started


def test_a_page_opens_by_its_own_address(browser, server):
    url, _ = server
    page = sign_in(browser, url, OFFICE_USER, "/overview")
    try:
        page.locator(f'{MAIN} h1:has-text("总览")').first.wait_for(timeout=60_000)
        assert page.url.split("?")[0].endswith("/overview")
        assert "Page not found" not in page.inner_text("body")
    finally:
        page.close()


def test_a_dimension_bomb_is_refused_while_others_keep_working(browser, server, tmp_path):
    url, _ = server
    office = sign_in(browser, url, OFFICE_USER)
    section = sign_in(browser, url, "s_0")
    try:
        before = [open_page(office, "按科室", "按责任科室"), open_page(office, "总览")]
        rss_before = rss_mb(SERVERS[url])
        open_page(section, "进度填报")
        section.get_by_role("tab", name="上传台账").click()
        bomb = tmp_path / "bomb.xlsx"
        bomb.write_bytes(hostile.dimension_bomb())
        started = time.perf_counter()
        section.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bomb))
        during = [open_page(office, "按科室", "按责任科室"), open_page(office, "总览")]  # someone else, meanwhile
        section.get_by_text("第 1048576 行仍有内容").first.wait_for(state="attached", timeout=30_000)
        assert section.get_by_text("处问题，未写入任何数据").first.is_visible()
        refused_in = time.perf_counter() - started
        assert refused_in < 15, refused_in  # upload, parse and redraw in the browser
        assert max(during) < max(before) * 3 + 2, (before, during)
        assert rss_mb(SERVERS[url]) - rss_before < 300
    finally:
        office.close()
        section.close()


def test_a_revoked_token_darkens_an_open_meeting_screen(browser, server):
    url, token = server
    screen = browser.new_page(viewport={"width": 1920, "height": 1080})
    office = sign_in(browser, url, OFFICE_USER)
    try:
        screen.goto(f"{url}/meeting?token={token}&every=5")
        screen.wait_for_selector(".pd-top", timeout=90_000)
        open_page(office, "账户与审计")
        office.get_by_role("tab", name="大屏令牌").click()
        office.get_by_role("button", name="吊销").click()
        office.get_by_text("已吊销该令牌").first.wait_for(timeout=60_000)
        screen.get_by_text("令牌无效或已撤销").first.wait_for(timeout=60_000)  # within the next ticks
        assert not screen.query_selector(".pd-top")
    finally:
        screen.close()
        office.close()
