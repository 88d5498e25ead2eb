"""The new-account form in a real browser at 1440×900 (issue #33): a refused form keeps what was
typed and picked — the reported case was 科室 = 中教科 and a short password, after which the form
came back empty with the first 科室 (规划建设科) picked, and the retyped account went to the wrong
section. Then the office moves the account to another section with the edit form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OFFICE_USER, demo_db, pick, serve, settle, sign_in

MAIN = '[data-testid="stMain"]'
PASSWORD = "a-long-enough-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("account_form") / "account_form.duckdb"
    demo_db(db)
    # No file watcher: a source file saved meanwhile (by anyone working in the tree) would make
    # Streamlit re-import perfdash under the running server, and the page fail on old objects.
    with serve(db, db.parent) as url:
        yield url


def _widget(page, key: str):
    return page.locator(f'{MAIN} [class*="st-key-{key}"]').first


def _choose_radio(page, key: str, option: str) -> None:
    """Click ``option`` of a radio group, again if the click came while the app was still drawing it."""
    choice = _widget(page, key).locator("label", has_text=option).first
    for _ in range(3):
        settle(page)
        choice.click()
        settle(page)
        if choice.locator("input").is_checked():
            return
    expect(choice.locator("input")).to_be_checked()


def _accounts_row(page, username: str) -> str:
    """The row of the accounts table (a canvas grid) for ``username``, as its accessible table lists it."""
    grid = page.locator(f'{MAIN} [data-testid="stDataFrame"]').first
    row = grid.locator("tr", has_text=username).first
    row.wait_for(state="attached", timeout=60_000)
    return row.evaluate("r => r.innerText")


def test_a_refused_account_keeps_its_section_and_is_created_and_moved(browser, server, artifacts):
    page = sign_in(browser, server, OFFICE_USER, "/admin")
    page.set_viewport_size({"width": 1440, "height": 900})
    try:
        page.locator(f'{MAIN} h1:has-text("账户与审计")').first.wait_for(timeout=60_000)
        settle(page)
        _choose_radio(page, "new_role", "科室")
        section = _widget(page, "new_scope_section")
        section.wait_for(timeout=60_000)
        pick(page, section, "规划建设科")  # the first in the list: a second pick has to replace it
        pick(page, section, "中教科")
        _widget(page, "new_username").locator("input").fill("zhongjiao")
        _widget(page, "new_display").locator("input").fill("张少杰")
        _widget(page, "new_password").locator("input").fill("short")
        page.get_by_role("button", name="创建账户").click()

        page.get_by_text("密码：至少 10 位").first.wait_for(timeout=60_000)
        settle(page)
        expect(section.locator("input").first).to_have_value("中教科")
        expect(_widget(page, "new_username").locator("input")).to_have_value("zhongjiao")
        expect(_widget(page, "new_display").locator("input")).to_have_value("张少杰")
        _widget(page, "new_password").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "account_form_refused.png"))

        _widget(page, "new_password").locator("input").fill(PASSWORD)
        page.get_by_role("button", name="创建账户").click()
        page.get_by_text("已创建账户 zhongjiao。").first.wait_for(timeout=60_000)
        settle(page)
        created = _accounts_row(page, "zhongjiao")
        assert "中教科" in created and "规划建设科" not in created, created
        expect(_widget(page, "new_username").locator("input")).to_have_value("")  # ready for the next one
        expect(section.locator("input").first).to_have_value("")

        pick(page, _widget(page, "manage_user"), "zhongjiao")
        settle(page)
        edit = _widget(page, "edit_scope_section_zhongjiao")
        expect(edit.locator("input").first).to_have_value("中教科")
        pick(page, edit, "校安科")
        settle(page)
        page.get_by_role("button", name="保存修改").click()
        page.get_by_text("已修改账户 zhongjiao。").first.wait_for(timeout=60_000)
        settle(page)
        moved = _accounts_row(page, "zhongjiao")
        assert "校安科" in moved and "中教科" not in moved, moved
        page.locator(f'{MAIN} [data-testid="stDataFrame"]').first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "account_form_moved.png"))
        _widget(page, "edit_account_save").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "account_form_edit.png"))
    except Exception:
        page.screenshot(path=str(artifacts / "account_form_failed.png"))  # what the page showed
        raise
    finally:
        page.close()
