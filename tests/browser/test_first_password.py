"""The admin's first sign-in in a real browser, as ``make run`` starts it: the password printed on
the console signs in, then every page is only the form 请设置新密码 until a new one is set; a short
one keeps what was typed and names the field; a good one lands on the dashboard; from then on the
new password signs in and the printed one no longer does."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serve, settle
from tests.waiting import wait_until

MAIN = '[data-testid="stMain"]'
FORM = '[data-testid="stForm"]'
NEW_PASSWORD = "admin-own-password-2026"


@pytest.fixture(scope="module")
def first_start(tmp_path_factory):
    """``perfdash serve`` on a new database (it imports the plan and creates admin, printing its
    password); the URL and the printed password."""
    folder = tmp_path_factory.mktemp("first")
    env = {"PERFDASH_ADMIN_PASSWORD": "", "PERFDASH_BACKUP_EVERY": "0"}
    with serve(folder / "first.duckdb", folder, perfdash_serve=True, env=env) as url:
        console = folder / "streamlit.log"
        line = wait_until(
            lambda: next((li for li in console.read_text().splitlines() if "初始密码：" in li), None),
            60,
            "the console prints the admin's first password",
        )
        yield url, line.split("初始密码：", 1)[1].strip()


def _heading(page, title: str) -> None:
    page.locator(f'{MAIN} h1:has-text("{title}")').first.wait_for(timeout=90_000)


def _sign_in(page, url: str, password: str) -> None:
    page.goto(f"{url}/")
    page.wait_for_selector(FORM, timeout=90_000)
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def _fill(page, new: str, again: str) -> None:
    settle(page)
    page.get_by_label("新密码", exact=True).fill(new)
    page.get_by_label("再次输入新密码", exact=True).fill(again)
    page.get_by_role("button", name="设置新密码").click()


def test_the_printed_password_leads_to_the_new_password_form_and_then_the_dashboard(browser, first_start, artifacts):
    url, printed = first_start
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    try:
        _sign_in(page, url, printed)
        _heading(page, "请设置新密码")  # on the start page, instead of the dashboard
        settle(page)
        assert page.locator('[data-testid="stMetric"]').count() == 0
        page.screenshot(path=str(artifacts / "first_password_form.png"), full_page=True)

        page.goto(f"{url}/admin")  # another page by its address (the sign-in cookie kept): the same form
        _heading(page, "请设置新密码")
        settle(page)
        assert "账户与审计" not in page.inner_text(MAIN)

        page.goto(f"{url}/")
        _heading(page, "请设置新密码")
        _fill(page, "short-1", "short-1")
        page.get_by_text("“新密码”太短：至少 10 位，现为 7 位").wait_for(timeout=60_000)
        settle(page)
        assert page.get_by_label("新密码", exact=True).input_value() == "short-1"  # what was typed stays
        assert page.get_by_label("再次输入新密码", exact=True).input_value() == "short-1"
        page.screenshot(path=str(artifacts / "first_password_too_short.png"), full_page=True)

        _fill(page, NEW_PASSWORD, NEW_PASSWORD)
        _heading(page, "总览")  # the office's own first page
        settle(page)
        assert page.locator('h1:has-text("请设置新密码")').count() == 0
        page.screenshot(path=str(artifacts / "first_password_done.png"), full_page=True)

        page.get_by_role("button", name="退出登录").click()
        page.wait_for_selector(FORM, timeout=60_000)
        _sign_in(page, url, printed)  # the printed password no longer works
        page.get_by_text("用户名或密码不正确").first.wait_for(timeout=60_000)
        _sign_in(page, url, NEW_PASSWORD)
        _heading(page, "总览")  # straight to the dashboard: no form this time
        settle(page)
        assert page.locator('h1:has-text("请设置新密码")').count() == 0
    finally:
        page.context.close()
