"""Tables fit their page at 1366×768 (#33): on 总览, 按指标, 按科室, 按领导/责任人, 年终预测 and 科室考评 no table's
grid is wider than the box it is drawn in, and the plan preview's list of targets fits too. Waits
for each table to be drawn, never for a fixed time."""

from __future__ import annotations

import pytest

from tests.browser.conftest import demo_db, serve, settle, sign_in
from tests.test_plan_mapping import bureau_docx

MAIN = '[data-testid="stMain"]'
# (menu entry, a word of the page's title)
PAGES = (
    ("总览", "总览"),
    ("按指标", "按一级指标"),
    ("按科室", "按责任科室"),
    ("按领导/责任人", "按分管领导"),
    ("年终预测", "年终得分预测"),
    ("科室考评", "科室考评"),  # #35: the results by group (按科室 above also draws the provisional board)
)
# (scroll width, visible width, header) of every drawn table of the page
WIDTHS = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
  .map(d => [d.querySelector('.dvn-scroller'), d])
  .filter(([s]) => s)
  .map(([s, d]) => [s.scrollWidth, s.clientWidth, (d.innerText || '').slice(0, 40)])"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("fit") / "fit.duckdb"
    demo_db(db)
    with serve(db, db.parent) as url:
        yield url


def _drawn(page, expected: int) -> list:
    """Every table of the page drawn (scrolled through so that each one renders)."""
    tables = page.locator(f'{MAIN} [data-testid="stDataFrame"]')
    tables.nth(expected - 1).wait_for(state="attached", timeout=60_000)
    for table in tables.all():
        if not table.is_visible():
            continue  # inside a closed expander: drawn when opened
        table.scroll_into_view_if_needed()
        table.locator(".dvn-scroller").first.wait_for(state="attached", timeout=60_000)
    widths = page.evaluate(WIDTHS)
    assert len(widths) >= 1
    return widths


def test_no_table_is_wider_than_its_box_at_1366(browser, server, tmp_path):
    page = sign_in(browser, server)
    try:
        page.set_viewport_size({"width": 1366, "height": 768})
        for name, title in PAGES:
            page.locator('[data-testid="stSidebarNav"] a', has_text=name).first.click()
            page.locator(f'{MAIN} h1:has-text("{title}")').first.wait_for(timeout=60_000)
            settle(page)
            wide = [(w, box, head) for w, box, head in _drawn(page, 1) if w > box + 1]
            assert not wide, f"{name}: {wide}"
        page.locator('[data-testid="stSidebarNav"] a', has_text="方案管理").first.click()
        page.locator(f'{MAIN} h1:has-text("方案管理")').first.wait_for(timeout=60_000)
        upload = tmp_path / "县方案.docx"
        upload.write_bytes(bureau_docx())
        page.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
        listed = page.locator(f'{MAIN} [data-testid="stExpander"]', has_text="读出的 4 项目标").first
        listed.wait_for(timeout=60_000)
        listed.locator("summary").click()
        settle(page)
        wide = [(w, box, head) for w, box, head in _drawn(page, 3) if w > box + 1]
        assert not wide, f"方案预览: {wide}"
    finally:
        page.close()
