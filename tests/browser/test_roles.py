"""Each role's day in a real browser, served as ``python -m perfdash serve`` serves it: a section,
a leader and the office each see their own menu and land on their own first page; a sign-in
survives F5 and a link opened in another tab (a signed HttpOnly cookie); signing out ends it in
every tab."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OFFICE_PASSWORD, OFFICE_USER, demo_db, serve, settle, sign_in

MAIN = '[data-testid="stMain"]'
NAV = '[data-testid="stSidebarNav"]'
SECTION, LEADER = "校安科", "李自坚"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``perfdash serve`` (with its cookie routes) on a demo database with an office, a section
    (s_0, 校安科) and a leader (l_0, 李自坚) account."""
    db = tmp_path_factory.mktemp("roles") / "roles.duckdb"
    demo_db(db, sections=(SECTION,), leaders=(LEADER,))
    with serve(db, db.parent, perfdash_serve=True, env={"PERFDASH_BACKUP_EVERY": "0"}) as url:
        yield url


def _heading(page, title: str) -> None:
    page.locator(f'{MAIN} h1:has-text("{title}")').first.wait_for(timeout=60_000)


def _menu(page) -> list[str]:
    return [t.strip().splitlines()[-1] for t in page.locator(f"{NAV} a").all_inner_texts()]  # after the icon


def _sign_in_kept(browser, url: str, user: str, path: str):
    """sign_in, also waiting for the server's answer that sets the sign-in cookie."""
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()  # tabs to come share it
    page.goto(f"{url}{path}")
    page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(OFFICE_PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/_perfdash/session"), timeout=60_000) as kept:
        page.get_by_role("button", name="登录").click()
    assert kept.value.status == 204
    return page


def _session_cookie(page) -> dict:
    found = [c for c in page.context.cookies() if c["name"] == "perfdash_session"]
    assert found, "no sign-in cookie"
    return found[0]


@pytest.mark.parametrize(
    ("user", "landing", "shown", "not_shown"),
    [
        (
            "s_0",
            "进度填报",
            ["进度填报", "科室自评", "督办与催报", "总览"],
            ["账户与审计", "评分模拟", "方案管理", "我的分管"],
        ),
        ("l_0", "我的分管", ["我的分管", "目标详情", "总览", "综合评估"], ["进度填报", "账户与审计", "方案管理"]),
        (OFFICE_USER, "总览", ["总览", "进度填报", "督办与催报", "账户与审计", "方案管理"], ["我的分管"]),
    ],
    ids=["section", "leader", "office"],
)
def test_each_role_sees_its_menu_and_lands_on_its_page(browser, served, user, landing, shown, not_shown):
    page = sign_in(browser, served, user)
    try:
        _heading(page, landing)
        settle(page)
        menu = _menu(page)
        assert menu[0] == landing, menu  # the main task first
        assert all(t in menu for t in shown), menu
        assert not any(t in menu for t in not_shown), menu
        assert page.locator('[data-testid="stSidebarNavViewButton"]').count() == 0  # no "View N more"
        assert "View" not in page.inner_text('[data-testid="stSidebar"]')
    finally:
        page.close()


def test_a_page_left_out_of_a_menu_still_refuses_by_its_address(browser, served):
    page = sign_in(browser, served, "s_0", "/admin")
    try:
        page.get_by_text("只有绩效办可以管理账户").first.wait_for(timeout=60_000)
        assert "账户与审计" not in _menu(page)
    finally:
        page.close()


def test_a_sign_in_survives_reload_and_new_tabs_until_sign_out(browser, served):
    page = _sign_in_kept(browser, served, "l_0", "/heatmap")  # a deep link opened while signed out
    try:
        _heading(page, "截止热力图")  # back on the page asked for, after signing in
        cookie = _session_cookie(page)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
        assert "." in cookie["value"]  # token.signature
        page.reload()  # F5 on a deep link
        _heading(page, "截止热力图")
        assert page.locator('[data-testid="stForm"]').count() == 0
        assert "/heatmap" in page.url

        other = page.context.new_page()  # a link opened in another tab, or a bookmark
        other.goto(f"{served}/trend")
        _heading(other, "完成趋势")
        assert other.locator('[data-testid="stForm"]').count() == 0

        settle(page)
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_selector('[data-testid="stForm"]', timeout=60_000)
        page.reload()
        page.wait_for_selector('[data-testid="stForm"]', timeout=60_000)
        assert page.locator(NAV).count() == 0
        other.reload()  # the other tab's session ended too: the server revoked it
        other.wait_for_selector('[data-testid="stForm"]', timeout=60_000)
    finally:
        page.context.close()


def test_a_forged_cookie_signs_no_one_in(browser, served):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        host = served.split("//", 1)[1].split(":")[0]
        page.context.add_cookies([{"name": "perfdash_session", "value": "made-up.token", "domain": host, "path": "/"}])
        page.goto(f"{served}/overview")
        page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
        assert page.locator(NAV).count() == 0
    finally:
        page.close()


NO_SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def test_a_leader_on_a_phone_reaches_a_red_target_in_two_taps(browser, served, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{served}/")
        page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
        page.get_by_label("用户名").fill("l_0")
        page.get_by_label("密码").fill(OFFICE_PASSWORD)
        page.get_by_role("button", name="登录").tap()  # tap 1: signed in, on 我的分管
        _heading(page, "我的分管")
        settle(page)
        assert page.evaluate(NO_SIDEWAYS) <= 1
        metrics = page.locator('[data-testid="stMetric"]')
        metrics.nth(3).wait_for(timeout=60_000)
        page.locator('[class*="st-key-card_mine_"]').first.wait_for(timeout=60_000)
        assert metrics.count() == 4
        first, second, third = (metrics.nth(i).bounding_box() for i in range(3))
        assert first["y"] == second["y"] and third["y"] > first["y"]  # two to a row
        assert "个百分点" in page.inner_text(MAIN)  # the gap explained in words, not in a tooltip
        page.screenshot(path=str(artifacts / "phone_mine.png"), full_page=True)
        red = page.locator('[class*="st-key-card_mine_"]').filter(has_text="红色滞后").first
        text = red.inner_text()
        assert "完成率" in text and "序时进度" in text and "时限" in text
        code = red.get_attribute("class").split("st-key-card_mine_", 1)[1].split()[0]
        red.locator("a").first.tap()  # tap 2: the target's detail
        _heading(page, "目标详情")
        page.wait_for_function(f"() => location.search.includes('code={code}')", timeout=60_000)
        settle(page)
        assert code in page.inner_text(MAIN)
        assert page.evaluate(NO_SIDEWAYS) <= 1
        assert page.locator(".modebar-container:visible").count() == 0  # no chart toolbar over content
        page.screenshot(path=str(artifacts / "phone_target.png"), full_page=True)
    finally:
        context.close()
