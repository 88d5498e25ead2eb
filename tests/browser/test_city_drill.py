"""全市总览 in a real browser (#38): the city's account (市直绩效办) signs in, lands on 全市总览 with
one row per unit, the table fits the page at 1366×768 (no horizontal scroll), and clicking a unit's
row lands on that unit's own 总览 (its plan in the address). Waits for what it checks, never a
fixed time."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OFFICE_PASSWORD, demo_db, serve, settle, sign_in

MAIN = '[data-testid="stMain"]'
CITY_USER = "b_city"
# (scroll width, visible width) of every drawn table (as tests/browser/test_tables_fit.py measures)
WIDTHS = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
  .map(d => d.querySelector('.dvn-scroller')).filter(s => s).map(s => [s.scrollWidth, s.clientWidth])"""
ROW_PX, HEADER_PX = 35, 35  # Streamlit's grid rows (perfdash.app.widgets.table_height)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.store import Store

    db = tmp_path_factory.mktemp("city") / "city.duckdb"
    demo_db(db, "--units", "3")
    store = Store(db)
    try:
        auth.register_account(store, Actor.system(), CITY_USER, "市直绩效办", "city", None, OFFICE_PASSWORD)
        groups = {"示范市第001局": "经济调节", "示范市第002局": "经济调节", "示范市第003局": "公共服务"}
        store.set_unit_groups(groups, Actor.city(CITY_USER))
    finally:
        store.close()
    with serve(db, db.parent) as url:
        yield url


def test_the_city_drills_from_its_table_into_a_units_overview(browser, server):
    page = sign_in(browser, server, user=CITY_USER)
    try:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.locator(f'{MAIN} h1:has-text("全市总览")').first.wait_for(timeout=120_000)
        grid = page.locator(f'{MAIN} [data-testid="stDataFrame"]').first
        grid.locator(".dvn-scroller").first.wait_for(state="attached", timeout=60_000)
        settle(page)
        assert page.locator('[data-testid="stSidebarNav"] a', has_text="全市总览").count() == 1
        wide = [(w, box) for w, box in page.evaluate(WIDTHS) if w > box + 1]
        assert not wide, f"a table wider than its box at 1366: {wide}"
        grid.scroll_into_view_if_needed()
        settle(page)
        box = grid.bounding_box()
        # the rows are 001, 002 (经济调节, ranked) then 003: the second row's selection box
        page.mouse.click(box["x"] + 16, box["y"] + HEADER_PX + ROW_PX * 1 + ROW_PX / 2)
        title = page.locator(f'{MAIN} h1:has-text("绩效目标 · 总览")').first
        title.wait_for(timeout=120_000)
        settle(page)
        shown = title.inner_text()
        assert shown.startswith("示范市第00") and "全市" not in shown, shown
        unit = shown[: len("示范市第002局")]
        assert unit in ("示范市第001局", "示范市第002局"), unit  # 经济调节's second-ranked unit
        assert f"plan={int(unit[-4:-1])}" in page.url, (unit, page.url)
    finally:
        page.close()
