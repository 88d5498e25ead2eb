"""The phone's sidebar closes after a choice made in it (#33): a plan picked in the sidebar at
390×844 closes it, and so does a page opened from the menu. Waits for the sidebar's own state."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OFFICE_USER, demo_db, pick, serve, settle, sign_in_phone

SIDEBAR = '[data-testid="stSidebar"]'


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    db = tmp_path_factory.mktemp("phone_sidebar") / "city.duckdb"
    demo_db(db, "--units", "3")
    with serve(db, db.parent) as url:
        yield url


def test_a_plan_picked_on_a_phone_closes_the_sidebar(browser, city):
    context, page = sign_in_phone(browser, city, OFFICE_USER)
    try:
        page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=90_000)
        settle(page)
        page.locator('[data-testid="stExpandSidebarButton"]').first.tap()
        page.locator(f'{SIDEBAR}[data-collapsed="false"]').wait_for(state="attached", timeout=30_000)
        plan = page.locator(f'{SIDEBAR} [data-testid="stSelectbox"]').first  # 绩效方案
        pick(page, plan, "示范市第002局 2025年度")
        page.locator(f'{SIDEBAR}[data-collapsed="true"]').wait_for(state="attached", timeout=30_000)  # closed
        page.get_by_text("示范市第002局2025年度绩效目标").first.wait_for(timeout=60_000)
        settle(page)
        # a page opened from the menu: the next screen is not covered by the sidebar either
        page.locator('[data-testid="stExpandSidebarButton"]').first.tap()
        page.locator(f'{SIDEBAR}[data-collapsed="false"]').wait_for(state="attached", timeout=30_000)
        page.locator('[data-testid="stSidebarNav"] a', has_text="按科室").first.tap()
        page.locator('[data-testid="stMain"] h1:has-text("按责任科室")').first.wait_for(timeout=60_000)
        page.locator(f'{SIDEBAR}[data-collapsed="true"]').wait_for(state="attached", timeout=30_000)
    finally:
        context.close()
