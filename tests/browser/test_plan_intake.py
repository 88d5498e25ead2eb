"""方案管理 in a real browser: the office uploads the year's plan as a Word file, sees what was read
and how it differs, gives a reason for each flagged reading, confirms, and the next year's plan
becomes a new plan the overview shows; another bureau's table is read after the office corrects
a column the guess left unread, imported, shown, and deleted again; a section account cannot use
the page. Every wait is for what it checks."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Mm
from playwright.sync_api import expect

from tests import plan_docs
from tests.browser.conftest import OFFICE_USER, demo_db, import_with_reason, pick, serve, settle, sign_in
from tests.test_plans_page import _amended_docx

MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
REVIEW_ALL = "对尚未填写的提示使用同一理由（可选）"
GRID_HEADER_PX, GRID_ROW_PX = 36, 35  # a data editor's header and row heights (Streamlit's defaults)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("plans") / "plans.duckdb"
    demo_db(db, sections=("中教科",))
    with serve(db, db.parent) as url:
        yield url


def _upload(page, path) -> None:
    page.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))


def test_the_office_brings_in_an_amended_plan_and_next_years(browser, server, tmp_path, artifacts):
    page = sign_in(browser, server, OFFICE_USER, "/plans")
    try:
        page.locator(f'{MAIN} h1:has-text("方案管理")').first.wait_for(timeout=60_000)
        amended = tmp_path / "泉州市教育局2025年度绩效工作方案（修订）.docx"
        amended.write_bytes(_amended_docx())
        _upload(page, amended)
        page.get_by_text("删除 1 项目标（7-4）").first.wait_for(timeout=60_000)
        assert page.get_by_text("修改 1 项目标").first.is_visible()
        page.screenshot(path=str(artifacts / "plans_preview.png"), full_page=True)
        import_with_reason(page, "正文含动态目标，已核对")
        page.locator(SUCCESS, has_text="删除 1 项").first.wait_for(timeout=60_000)

        next_year = tmp_path / "泉州市教育局2026年度绩效工作方案.docx"
        next_year.write_bytes(plan_docs.seed_docx("泉州市教育局2026年度绩效目标考评表"))
        _upload(page, next_year)
        page.get_by_text("这是该单位该年度的第一份方案").first.wait_for(timeout=60_000)
        import_with_reason(page, "已核对")
        page.locator(SUCCESS, has_text="2026年度").first.wait_for(timeout=60_000)
        picker = page.locator(f'{SIDEBAR} [data-testid="stSelectbox"]').first
        # The plan just brought in is the one shown (by its name: plan ids depend on the tests run before).
        expect(picker.locator("input").first).to_have_value("泉州市教育局 2026年度", timeout=60_000)
        page.wait_for_url("**plan=**", timeout=60_000)
        assert page.locator(f'{MAIN} [data-testid="stFileUploaderFile"]').count() == 0  # ready for the next file

        page.locator('[data-testid="stSidebarNav"] a', has_text="总览").first.click()
        page.locator(f'{MAIN} h1:has-text("泉州市教育局2026年度")').first.wait_for(timeout=60_000)
    finally:
        page.close()


# Another bureau's 考评表: synonyms in the header, one header ("牵头") no reader knows, group
# headings across the row, plain 序号, the table split over two Word tables with a page break
# between (the second repeats the header), a 完成时限 merged down over two targets (w:vMerge).
OTHER_TITLE = "示范县教育局2026年度绩效目标考评表"
OTHER_HEADER = ["序号", "考核内容", "评分标准", "分值", "牵头", "完成时限", "责任人", "分管领导"]
LEAD_COLUMN, DEADLINE_COLUMN = 4, 5
# 序号, 考核内容, 评分标准, 分值, 牵头科室, 完成时限 ("" = merged with the cell above), 责任人, 分管领导
OTHER_TARGETS = [
    ("1", "落实全面从严治党主体责任。", "未落实扣2分", "10", "办公室", "6月底前", "张一", "李局长"),
    ("2", "开展清廉学校建设。", "未开展不得分", "10", "人事科", "12月底前", "王二", "李局长"),
    ("3", "新增公办学位2000个。", "按比例计分", "30", "规划科", "9月上旬前", "赵三", "陈局长"),
    ("4", "完成义务教育质量监测。", "未完成不得分", "25", "基教科", "12月底前", "孙四", "陈局长"),
    ("5", "培训骨干教师300名。", "按比例计分", "25", "师训科", "", "周五", "陈局长"),
]


def _other_bureau_docx() -> bytes:
    width = len(OTHER_HEADER)
    header = [(h, 1) for h in OTHER_HEADER]
    row = [[(cell, 1) for cell in target] for target in OTHER_TARGETS]
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    document.add_paragraph(OTHER_TITLE)
    first = [header, [("一、党的建设（20分）", width)], row[0], row[1], [("二、业务工作（80分）", width)], row[2]]
    plan_docs.word_table(document, first, merge_columns={DEADLINE_COLUMN})
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    plan_docs.word_table(document, [header, row[3], row[4]], merge_columns={DEADLINE_COLUMN})
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _editor(page, key_prefix: str):
    return page.locator(f'{MAIN} [class*="st-key-{key_prefix}"] [data-testid="stDataFrame"]').first


def _stored_plans(page):
    """库中的方案's table (an st.dataframe has no key class: found by its last column)."""
    th = page.locator("th", has_text="最近填报")
    return page.locator(f'{MAIN} [data-testid="stDataFrame"]', has=th).first


def _grid_text(editor) -> str:
    """The cells of a data editor (a canvas) as its accessible table lists them."""
    return editor.locator("table").first.evaluate("t => t.innerText")


def _choose_in_grid(page, editor, column: int, row: int, option: str) -> None:
    """Open the select box of a data editor's cell and choose ``option``: the grid is a canvas, so
    click the row's first cell, walk to ``column`` with the arrow keys (each step checked in the
    grid's accessible table), open the cell's editor with Enter and click the option in its menu."""
    settle(page)
    editor.scroll_into_view_if_needed()
    box = editor.locator('[data-testid="data-grid-canvas"]').first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 20, box["y"] + GRID_HEADER_PX + GRID_ROW_PX * row + GRID_ROW_PX / 2)

    def selected(c: int):
        return editor.locator(f'[data-testid="glide-cell-{c}-{row}"][aria-selected="true"]')

    selected(0).wait_for(state="attached", timeout=10_000)
    for c in range(1, column + 1):
        page.keyboard.press("ArrowRight")
        selected(c).wait_for(state="attached", timeout=10_000)
    page.keyboard.press("Enter")
    menu = page.locator('[role="listbox"]').first
    menu.wait_for(state="visible", timeout=10_000)
    menu.get_by_role("option", name=option, exact=True).click()


def test_another_bureaus_table_is_read_after_the_office_fixes_a_column_then_deleted(
    browser, server, tmp_path, artifacts
):
    page = sign_in(browser, server, OFFICE_USER, "/plans")
    page.set_viewport_size({"width": 1440, "height": 900})
    try:
        page.locator(f'{MAIN} h1:has-text("方案管理")').first.wait_for(timeout=60_000)
        upload = tmp_path / f"{OTHER_TITLE}.docx"
        upload.write_bytes(_other_bureau_docx())
        _upload(page, upload)
        mapping = page.locator(f'{MAIN} [data-testid="stExpander"]', has_text="列的对应：表格按什么读").first
        mapping.wait_for(timeout=60_000)
        settle(page)

        # Both Word tables read: every target, the headings as groups, the merged and the flagged deadline.
        shown = page.locator(f'{MAIN} [data-testid="stMetric"]', has_text="年度工作目标")
        assert shown.locator('[data-testid="stMetricValue"]').inner_text() == f"{len(OTHER_TARGETS)} 项"
        assert page.locator(f'{MAIN} [data-testid="stHeading"]', has_text="示范县教育局 2026年度").count() == 1
        rows = _grid_text(_editor(page, "plan_rows_"))
        for target in OTHER_TARGETS:
            assert target[1] in rows
        assert "第2个表格第3行" in rows and "标题（指标或类别）" in rows
        # The guess leaves the unknown header unread, so no target has a section.
        columns = _editor(page, "plan_columns_")
        assert columns.locator(f'[data-testid="glide-cell-1-{LEAD_COLUMN}"]').inner_text() == "牵头"
        assert columns.locator(f'[data-testid="glide-cell-2-{LEAD_COLUMN}"]').inner_text() == "不读"
        reviews = _editor(page, "plan_reviews_")
        before = _grid_text(reviews)
        assert before.count("没有填写责任科室") == len(OTHER_TARGETS)
        assert "“9月上旬前”按上旬末（2026-09-10）计" in before

        # The office reads the 牵头 column as 责任科室; the file is read again at once.
        _choose_in_grid(page, columns, 2, LEAD_COLUMN, "责任科室（牵头）")
        mapping = page.locator(f'{MAIN} [data-testid="stExpander"]', has_text="已按您的修改重新读取").first
        mapping.wait_for(timeout=60_000)
        settle(page)
        columns = _editor(page, "plan_columns_")
        assert columns.locator(f'[data-testid="glide-cell-2-{LEAD_COLUMN}"]').inner_text() == "责任科室（牵头）"
        after = _grid_text(_editor(page, "plan_reviews_"))
        assert "没有填写责任科室" not in after and "个责任科室" not in after
        assert "9月上旬前" in after  # still flagged: a part of a month read as a day
        page.get_by_text("项校验中有 2 项提示").first.wait_for(timeout=10_000)
        mapping.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "plan_intake_mapping.png"))

        targets = page.locator(f'{MAIN} [data-testid="stExpander"]', has_text="读出的 5 项目标").first
        targets.locator("summary").click()
        listed = targets.locator('[data-testid="stDataFrame"]').first
        listed.locator("table").first.wait_for(state="attached", timeout=60_000)
        settle(page)
        listed_text = _grid_text(listed)
        for target in OTHER_TARGETS:
            assert target[1] in listed_text

        def listed_row(text: str) -> str:
            return listed.locator("tr", has_text=text).first.evaluate("r => r.innerText")

        merged = listed_row("培训骨干教师300名")  # its 完成时限 is the cell merged down from the target above
        assert "2026-12-31" in merged and "12月底前" in merged and "师训科" in merged
        flagged = listed_row("新增公办学位2000个")
        assert "2026-09-10" in flagged and "9月上旬前" in flagged and "⚠" in flagged and "规划科" in flagged
        targets.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "plan_intake_targets.png"))

        page.get_by_role("button", name="确认导入").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "plan_intake_reviews.png"))
        import_with_reason(page, "已与示范县教育局核对原件")
        page.locator(SUCCESS, has_text="示范县教育局2026年度").first.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "plan_intake_imported.png"))
        picker = page.locator(f'{SIDEBAR} [data-testid="stSelectbox"]').first
        expect(picker.locator("input").first).to_have_value("示范县教育局 2026年度", timeout=60_000)

        page.locator('[data-testid="stSidebarNav"] a', has_text="总览").first.click()
        page.locator(f'{MAIN} h1:has-text("示范县教育局2026年度")').first.wait_for(timeout=60_000)
        settle(page)
        page.screenshot(path=str(artifacts / "plan_intake_overview.png"))

        # Deleted again: 方案管理 → 库中的方案 → 删除方案.
        page.locator('[data-testid="stSidebarNav"] a', has_text="方案管理").first.click()
        page.locator(f'{MAIN} h1:has-text("方案管理")').first.wait_for(timeout=60_000)
        settle(page)
        page.get_by_role("tab", name="库中的方案").click()
        stored = _stored_plans(page)
        stored.locator("table").first.wait_for(state="attached", timeout=60_000)
        assert "示范县教育局" in _grid_text(stored)
        doomed = page.locator(f'{MAIN} [data-testid="stExpander"]', has_text="删除方案").first
        doomed.locator("summary").click()
        pick(page, doomed.locator('[data-testid="stSelectbox"]').first, "示范县教育局 2026年度")
        settle(page)
        doomed.get_by_text("我确认删除该方案及其全部进度记录（删除前自动备份）").click()
        reason = doomed.get_by_label("删除理由（必填，记入审计日志）")
        reason.fill("误导入的测试方案")
        reason.press("Enter")
        delete = doomed.get_by_role("button", name="删除 示范县教育局 2026年度方案")
        expect(delete).to_be_enabled(timeout=60_000)
        page.screenshot(path=str(artifacts / "plan_intake_delete.png"))
        delete.click()
        page.locator(SUCCESS, has_text="删除前已备份").first.wait_for(timeout=60_000)
        settle(page)
        page.get_by_role("tab", name="库中的方案").click()  # the flash above the tabs brings back the first tab
        stored = _stored_plans(page)
        stored.locator("table").first.wait_for(state="attached", timeout=60_000)
        remaining = _grid_text(stored)
        assert "泉州市教育局" in remaining and "示范县教育局" not in remaining
    except Exception:
        page.screenshot(path=str(artifacts / "plan_intake_failure.png"))
        raise
    finally:
        page.close()


def test_a_section_cannot_use_the_page(browser, server):
    page = sign_in(browser, server, "s_0", "/plans")
    try:
        page.get_by_text("方案由绩效办导入和管理").first.wait_for(timeout=60_000)
        assert page.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]').count() == 0
    finally:
        page.close()
