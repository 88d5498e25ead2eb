"""Issue #33 in a real browser. A leader on a phone opens a red target's 目标详情 and reads why it
is behind — the latest 进展说明 in full, status, who answers for it — without sideways scrolling;
a section saves a progress row on a desktop and the confirmation stays, the editing grid fitting
the page with 进展说明 in view."""

from __future__ import annotations

from datetime import date

import pytest

from tests.browser.conftest import demo_db, serve, settle, sign_in, sign_in_phone

MAIN = '[data-testid="stMain"]'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
SUMMARY = f'{MAIN} [class*="st-key-target_summary"]'
SECTION, LEADER = "校安科", "李自坚"
GRID_HEADER_PX, GRID_ROW_PX = 36, 35  # a data editor's header and row heights (Streamlit's defaults)
NOTE_COLUMN = 7  # 进展说明 (需协调 after it is the grid's last column)
NO_SIDEWAYS = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
# Longer than any table cell on a phone shows; the reason a leader needs whole.
LONG_NOTE = (
    "数字政府平台二期已完成招标，但省级接口联调排期推迟到12月第2周；"
    "需分管领导协调大数据局优先安排联调窗口，否则年底前无法上线。本科室每周五报送进度。"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A demo database with a section (s_0, 校安科) and a leader (l_0, 李自坚) account, where the
    latest report of one of the leader's red targets carries LONG_NOTE; yields (url, its code)."""
    from perfdash.core.access import Actor
    from perfdash.db import queries
    from perfdash.store import Store
    from perfdash.workflows import periods
    from perfdash.workflows.progress import ProgressRow

    db = tmp_path_factory.mktemp("phone_target") / "phone_target.duckdb"
    demo_db(db, sections=(SECTION,), leaders=(LEADER,))
    store = Store(db)
    try:
        as_of = periods.calendar(store, 1).as_of(date.today())  # the date the pages open on
        state = queries.target_state(store, 1, as_of, 2025)
        red = state[(state["lag_status"] == "红色滞后") & state["leaders"].map(lambda names: LEADER in names)]
        target = red.iloc[0]
        row = ProgressRow(target["code"], as_of, float(target["completion_pct"]), "有风险", LONG_NOTE)
        store.add_progress(1, [row], Actor.section(target["lead_section"]))  # the same percent: still red
    finally:
        store.close()
    with serve(db, db.parent) as url:
        yield url, str(target["code"])


def test_a_leader_on_a_phone_reads_why_a_red_target_is_behind(browser, served, artifacts):
    url, code = served
    context, page = sign_in_phone(browser, url, "l_0", f"/target?code={code}")
    try:
        page.locator(f'{MAIN} h1:has-text("目标详情")').first.wait_for(timeout=90_000)
        summary = page.locator(SUMMARY).first
        summary.wait_for(timeout=60_000)
        settle(page)
        assert code in page.inner_text(MAIN)
        text = summary.inner_text()
        assert "红色滞后" in text and "完成率" in text and "序时进度" in text
        assert LONG_NOTE in text.replace("\n", "")  # in full, not cut to a cell
        assert f"分管领导：{LEADER}" in text and "牵头：" in text
        assert "最新进展" in text and "填报" in text
        note = summary.get_by_text(LONG_NOTE[:20]).first.bounding_box()
        assert note is not None and note["x"] >= 0 and note["x"] + note["width"] <= 390
        summary_top = summary.bounding_box()["y"]
        chart = page.locator(f'{MAIN} [data-testid="stPlotlyChart"]').first.bounding_box()
        assert chart is None or summary_top < chart["y"]  # it opens the page, above the chart and tables
        assert page.evaluate(NO_SIDEWAYS)
        page.screenshot(path=str(artifacts / "phone_target_summary.png"))
    finally:
        context.close()


def _type_note(page, grid, row: int, text: str) -> None:
    """Type ``text`` into a row's 进展说明: the grid is a canvas, so click the row's first cell,
    walk to the column with the arrow keys (each step checked in the grid's accessible table),
    open the cell's editor with Enter, type, and Enter again to keep it."""
    settle(page)
    box = grid.locator('[data-testid="data-grid-canvas"]').first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 20, box["y"] + GRID_HEADER_PX + GRID_ROW_PX * row + GRID_ROW_PX / 2)

    def selected(c: int):
        return grid.locator(f'[data-testid="glide-cell-{c}-{row}"][aria-selected="true"]')

    selected(0).wait_for(state="attached", timeout=10_000)
    for c in range(1, NOTE_COLUMN + 1):
        page.keyboard.press("ArrowRight")
        selected(c).wait_for(state="attached", timeout=10_000)
    page.keyboard.press("Enter")
    page.locator("#portal textarea").first.wait_for(timeout=10_000)
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def _fits(grid) -> bool:
    """Whether the whole grid shows without its own sideways scrolling."""
    return grid.locator(".dvn-scroller").first.evaluate("e => e.scrollWidth <= e.clientWidth + 1")


# Whether the confirmation is still on the page; throws (failing the wait at once) when it is
# gone, and answers true once it has stayed for ``ms`` from the first check.
STAYS = """([selector, text, ms]) => {
  const shown = [...document.querySelectorAll(selector)].some(e => e.innerText.includes(text));
  if (!shown) throw new Error("the confirmation went away");
  window.__pdShownSince ??= performance.now();
  return performance.now() - window.__pdShownSince >= ms;
}"""


def test_a_sections_saved_row_stays_confirmed_and_the_grid_fits(browser, served, artifacts):
    url, _ = served
    page = sign_in(browser, url, "s_0", "/progress")
    try:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.locator(f'{MAIN} h1:has-text("进度填报")').first.wait_for(timeout=60_000)
        grid = page.locator(f'{MAIN} [class*="st-key-editor"] [data-testid="stDataFrame"]').first
        grid.wait_for(timeout=60_000)
        settle(page)
        assert _fits(grid)  # every column, 需协调 the last, in view at 1366 px
        page.screenshot(path=str(artifacts / "progress_grid_1366.png"))
        page.set_viewport_size({"width": 1440, "height": 900})
        settle(page)
        assert _fits(grid)

        _type_note(page, grid, 4, "消防演练已完成，整改清单已闭环")
        page.get_by_text("已修改 1 项").first.wait_for(timeout=60_000)
        settle(page)
        page.get_by_role("button", name="保存修改").click()
        saved = "已保存 1 条进度记录"
        page.locator(SUCCESS, has_text=saved).first.wait_for(timeout=60_000)
        settle(page)
        page.wait_for_function(STAYS, arg=[SUCCESS, saved, 3_000], polling=100, timeout=30_000)
        assert page.get_by_text("已修改 0 项").first.is_visible()  # the counter starts again
        assert "消防演练已完成" not in grid.locator("table").first.evaluate("t => t.innerText")
        page.screenshot(path=str(artifacts / "progress_saved.png"))
    finally:
        page.close()


def test_back_from_a_target_returns_to_mine_in_one_press(browser, served):
    """我的分管 → tap a card → 目标详情 → Back once: 我的分管 again (each screen one history entry)."""
    url, _ = served
    context, page = sign_in_phone(browser, url, "l_0", "/mine")
    try:
        card = page.locator(f'{MAIN} [data-testid="stPageLink"] a').first
        card.wait_for(timeout=90_000)
        settle(page)
        mine = page.url
        length = page.evaluate("history.length")
        card.tap()
        page.locator(f'{MAIN} h1:has-text("目标详情")').first.wait_for(timeout=60_000)
        settle(page)
        assert page.evaluate("history.length") == length + 1  # the tap added one entry, not two
        page.go_back()
        page.wait_for_url(mine, timeout=60_000)
        card.wait_for(timeout=60_000)  # the card list of 我的分管 is back
    finally:
        context.close()
