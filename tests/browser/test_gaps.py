"""Issue #34 in a real browser: a section signs in and its landing page, 进度填报, shows its
evidence gaps (the server's today is past 2025-12-01, the demo plan's day for them): a returned
claim with the office's reason at the top, the summary line, the list folded under it (one line
per target, wrapping at any width) and a link
to 核验与迎检 — on a desktop and on a phone without sideways scrolling, the weekly grid below."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import demo_db, serve, settle, sign_in, sign_in_phone

MAIN = '[data-testid="stMain"]'
BLOCK = f'{MAIN} [class*="st-key-gaps_block"]'
WARNING = f'{MAIN} [data-testid="stAlertContentWarning"]'
SECTION = "中教科"  # leads 1-3-1 … 1-3-3, co-operates on six more: 38 checklist items without a file
NO_SIDEWAYS = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
REASON = "缺少验收报告"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A demo database with a section account (s_0, 中教科) whose claim that 1-3-1 is complete the
    office returned with REASON; yields the app's URL."""
    from perfdash.core.access import Actor
    from perfdash.store import Store
    from perfdash.workflows import claims, periods
    from perfdash.workflows.progress import ProgressRow

    db = tmp_path_factory.mktemp("gaps") / "gaps.duckdb"
    demo_db(db, sections=(SECTION,))
    store = Store(db)
    try:
        as_of = periods.calendar(store, 1).as_of(date.today())  # the date the pages open on
        store.add_progress(1, [ProgressRow("1-3-1", as_of, 100, "已完成", "全部完成")], Actor.section(SECTION))
        claim = int(claims.queue(store, 1).iloc[0]["claim_id"])
        store.decide_claim(1, claim, False, REASON, Actor.office())
    finally:
        store.close()
    with serve(db, db.parent) as url:
        yield url


def _shows_the_gaps(page) -> None:
    page.locator(f'{MAIN} h1:has-text("进度填报")').first.wait_for(timeout=90_000)
    block = page.locator(BLOCK).first
    block.wait_for(timeout=60_000)
    settle(page)
    returned = page.locator(WARNING, has_text="已退回待修改").first
    assert f"1-3-1：退回理由：{REASON}" in returned.inner_text()
    assert returned.bounding_box()["y"] < block.bounding_box()["y"]  # the return first: the section must act
    text = block.inner_text()
    assert "迎检材料缺项" in text and "已退回待修改 1 项、缺少佐证 38 项（9 个目标）" in text
    assert block.get_by_text("到“核验与迎检”上传佐证、重新提交").first.is_visible()
    block.get_by_text("查看缺项明细（39 项）").first.click()
    first = block.locator("li", has_text="1-3-1").first  # the list wraps: nothing cut at any width
    first.wait_for(state="visible", timeout=60_000)
    settle(page)
    assert first.inner_text() == f"1-3-1 已退回待修改：退回理由：{REASON}"
    assert block.locator("li").count() == 10  # 1-3-1's return, then one line per target missing files
    assert "1-1-2 缺少佐证 5 项：" in block.locator("li").nth(1).inner_text()


def test_a_section_sees_its_gaps_on_its_landing_page(browser, served, artifacts):
    page = sign_in(browser, served, "s_0")
    try:
        page.set_viewport_size({"width": 1440, "height": 900})
        _shows_the_gaps(page)
        assert page.locator(f'{MAIN} [data-testid="stDataFrame"]').count() >= 1  # the weekly grid is still there
        page.screenshot(path=str(artifacts / "gaps_section_desktop.png"), full_page=True)
    finally:
        page.close()


def test_a_section_sees_its_gaps_on_a_phone(browser, served, artifacts):
    context, page = sign_in_phone(browser, served, "s_0")
    try:
        _shows_the_gaps(page)
        assert page.evaluate(NO_SIDEWAYS)
        page.screenshot(path=str(artifacts / "gaps_section_phone.png"), full_page=True)
    finally:
        context.close()
