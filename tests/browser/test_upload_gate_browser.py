"""The upload gate (perfdash.server.upload_gate) as a person meets it: behind ``python -m perfdash
serve`` the office still uploads a plan in a real browser, sees the preview and imports it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OFFICE_USER, demo_db, import_with_reason, serve, sign_in
from tests.test_plans_page import _amended_docx

MAIN = '[data-testid="stMain"]'


@pytest.fixture(scope="module")
def gated(tmp_path_factory):
    db = tmp_path_factory.mktemp("gated") / "gated.duckdb"
    demo_db(db)
    with serve(db, db.parent, perfdash_serve=True, env={"PERFDASH_BACKUP_EVERY": "0"}) as url:
        yield url


def test_a_signed_in_browser_uploads_through_the_gate(browser, gated, tmp_path):
    page = sign_in(browser, gated, OFFICE_USER, "/plans")
    try:
        page.locator(f'{MAIN} h1:has-text("方案管理")').first.wait_for(timeout=60_000)
        amended = tmp_path / "泉州市教育局2025年度绩效工作方案（修订）.docx"
        amended.write_bytes(_amended_docx())
        page.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(amended))
        page.get_by_text("删除 1 项目标（7-4）").first.wait_for(timeout=60_000)  # the preview: the file got through
        import_with_reason(page, "已核对")  # a reason for the plan's flagged readings, then 确认导入
        page.locator('[data-testid="stAlertContentSuccess"]', has_text="删除 1 项").first.wait_for(timeout=60_000)
    finally:
        page.close()
