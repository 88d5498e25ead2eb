"""The dashboard in a real browser: what a user picks in the sidebar stays picked while they
move from page to page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OFFICE_USER, demo_db, pick, serve, settle, sign_in

DATE = '[data-testid="stSidebar"] [data-testid="stDateInput"]'


def _settle(page) -> None:
    settle(page)


def _open(page, title: str) -> None:
    """Click a page in the sidebar and wait until it has drawn."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_function(f"() => document.title.startsWith('{title}')", timeout=60_000)
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=60_000)  # the new page has drawn
    page.get_by_text("统计截至").first.wait_for(timeout=60_000)
    _settle(page)


@pytest.fixture(scope="module")
def city_url(tmp_path_factory):
    """An app on a database of three bureaus' plans (city demo data) and an office account."""
    db = tmp_path_factory.mktemp("city") / "city.duckdb"
    demo_db(db, "--units", "3")
    with serve(db, db.parent) as url:
        yield url


def _sign_in(browser, url: str, path: str = "/"):
    """A new tab signed in as OFFICE_USER, having first opened ``path``."""
    page = sign_in(browser, url, OFFICE_USER, path)
    _settle(page)
    return page


@pytest.fixture
def signed_in(browser, app_url):
    page = _sign_in(browser, app_url)
    yield page
    page.close()


def _shown_date(page) -> str:
    return page.inner_text('[data-testid="stMain"]').split("统计截至 ", 1)[1][:10]


def test_the_as_of_date_stays_from_page_to_page(signed_in):
    page = signed_in
    assert _shown_date(page) == "2025-11-21"  # the latest demo report
    field = page.locator(DATE)
    field.locator('[data-type="month"]').click()
    page.keyboard.type("06")
    field.locator('[data-type="day"]').click()
    page.keyboard.type("27")
    page.locator('[data-testid="stMain"] h1').first.click()  # the date applies when the field loses focus
    page.get_by_text("统计截至 2025-06-27").first.wait_for(timeout=60_000)
    _settle(page)
    assert _shown_date(page) == "2025-06-27"
    for title in ("按指标", "按科室", "按领导/责任人", "完成趋势", "总览"):
        _open(page, title)
        assert _shown_date(page) == "2025-06-27", f"{title}: the date went back"
        assert "as_of=2025-06-27" in page.url, title


def test_a_sidebar_filter_stays_from_page_to_page(signed_in):
    page = signed_in
    pick(page, page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first, "行政能力")  # 目标组
    page.keyboard.press("Escape")
    page.get_by_text("筛选后 18 / 61 项目标").first.wait_for(timeout=60_000)
    _settle(page)
    assert "筛选后 18 / 61 项目标（目标组：行政能力）" in page.inner_text('[data-testid="stMain"]')
    for title in ("按指标", "按科室", "截止热力图", "完成趋势", "总览"):
        _open(page, title)
        page.get_by_text("（目标组：行政能力）").first.wait_for(timeout=60_000)
        assert "（目标组：行政能力）" in page.inner_text('[data-testid="stMain"]'), f"{title}: the filter went"
        assert "group=" in page.url, title


def test_the_chosen_plan_stays_from_page_to_page(browser, city_url):
    page = _sign_in(browser, city_url)
    try:
        plan = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first  # 绩效方案
        pick(page, plan, "示范市第002局 2025年度")
        page.get_by_text("示范市第002局2025年度绩效目标").first.wait_for(timeout=60_000)
        _settle(page)
        assert "示范市第002局2025年度绩效目标" in page.inner_text('[data-testid="stMain"]')
        for title in ("按指标", "按科室", "截止热力图", "完成趋势", "年终预测", "总览"):
            _open(page, title)
            assert "示范市第002局" in plan.locator("input").input_value(), f"{title}: the plan went back"
            assert "plan=2" in page.url, title
    finally:
        page.close()


def test_a_first_visit_to_a_page_gets_the_app_navigation(browser, tmp_path):
    """A fresh server whose first visitor opens a bookmarked page, not the start page: the
    sidebar lists the app's pages by their Chinese titles, not the pages/ folder's file names."""
    db = tmp_path / "fresh.duckdb"
    demo_db(db)
    with serve(db, tmp_path) as url:
        page = _sign_in(browser, url, "/heatmap")
        try:
            nav = page.inner_text('[data-testid="stSidebarNav"]')
            assert "截止热力图" in nav and "总览" in nav, nav
            assert "heatmap" not in nav.split() and "app" not in nav.split(), nav
            assert page.inner_text('[data-testid="stMain"] h1') == "截止热力图"
            assert "/heatmap" in page.url
        finally:
            page.close()


def test_the_sidebar_menu_adds_one_history_entry_per_screen(signed_in):
    """总览 (filtered) → 按科室 → 目标详情 through the sidebar menu: one history entry each (the menu
    drops the query string and the page writes its plan back: that was a second and third entry);
    Back once returns to the previous screen with its filter."""
    page = signed_in
    pick(page, page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first, "行政能力")  # 目标组
    page.keyboard.press("Escape")
    page.get_by_text("筛选后 18 / 61 项目标").first.wait_for(timeout=60_000)
    _settle(page)
    length = page.evaluate("history.length")
    _open(page, "按科室")
    by_section = page.url
    assert "group=" in by_section and page.evaluate("history.length") == length + 1
    page.locator('[data-testid="stSidebarNav"] a', has_text="目标详情").first.click()
    page.wait_for_function("() => document.title.startsWith('目标详情')", timeout=60_000)
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=60_000)
    _settle(page)
    assert "/target" in page.url and "plan=" in page.url
    assert page.evaluate("history.length") == length + 2
    page.go_back()
    page.wait_for_url(by_section, timeout=60_000)
    page.wait_for_function("() => document.title.startsWith('按科室')", timeout=60_000)
    page.get_by_text("（目标组：行政能力）").first.wait_for(timeout=60_000)
