"""方案管理 in a real browser: the office uploads the year's plan as a Word file, sees what was read
and how it differs, confirms, and the next year's plan becomes a new plan the overview shows; a
section account cannot use the page. Every wait is for what it checks."""

from __future__ import annotations

import pytest

from tests import plan_docs
from tests.browser.conftest import OFFICE_USER, demo_db, serve, sign_in
from tests.test_plans_page import _amended_docx

MAIN = '[data-testid="stMain"]'


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
        page.get_by_role("button", name="确认导入").click()
        page.locator('[data-testid="stAlertContentSuccess"]', has_text="删除 1 项").first.wait_for(timeout=60_000)

        next_year = tmp_path / "泉州市教育局2026年度绩效工作方案.docx"
        next_year.write_bytes(plan_docs.seed_docx("泉州市教育局2026年度绩效目标考评表"))
        _upload(page, next_year)
        page.get_by_text("这是该单位该年度的第一份方案").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="确认导入").click()
        page.locator('[data-testid="stAlertContentSuccess"]', has_text="2026年度").first.wait_for(timeout=60_000)
        picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
        page.wait_for_url("**plan=2**", timeout=60_000)  # the plan just brought in is the one shown
        assert picker.locator("input").first.input_value() == "泉州市教育局 2026年度"
        assert page.locator(f'{MAIN} [data-testid="stFileUploaderFile"]').count() == 0  # ready for the next file

        page.locator('[data-testid="stSidebarNav"] a', has_text="总览").first.click()
        page.locator(f'{MAIN} h1:has-text("泉州市教育局2026年度")').first.wait_for(timeout=60_000)
    finally:
        page.close()


def test_a_section_cannot_use_the_page(browser, server):
    page = sign_in(browser, server, "s_0", "/plans")
    try:
        page.get_by_text("方案由绩效办导入和管理").first.wait_for(timeout=60_000)
        assert page.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]').count() == 0
    finally:
        page.close()
