"""The start page (pages/home.py), the app's default page: it sends each signed-in person on to the
first page of their role's menu (a section to 进度填报, a leader to 我的分管, the office to 总览),
asks for a login first when no one is signed in, and, run by itself outside app.py's navigation,
points to the menu instead."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.ops import auth
from perfdash.store import Store
from tests.fixtures import signed_in

HOME_TITLE = "绩效管理"  # what the start page itself shows when it cannot send anyone on
LOGIN_TITLE = "登录 · 绩效管理"


def _title(at: AppTest) -> str:
    assert not at.exception, at.exception
    assert at.title, "the page shown has a title"
    return at.title[0].value


@pytest.mark.parametrize(
    ("role", "scope", "landing"),
    [("section", "校安科", "进度填报"), ("leader", "李自坚", "我的分管"), ("office", None, "总览")],
    ids=["section", "leader", "office"],
)
def test_the_start_page_sends_each_role_to_its_own_first_page(db, role, scope, landing):
    at = signed_in("app.py", role, scope).run()
    title = _title(at)
    assert title != HOME_TITLE, "the start page stayed instead of sending the person on"
    # 总览's title names the plan first ("泉州市教育局2025年度绩效目标 · 总览"); the others are bare.
    assert title == landing or title.endswith(f" · {landing}"), (role, title)


def test_the_roles_land_on_different_pages(db):
    """Not one page for everyone: a leader and a section do not start where the office does."""
    titles = {
        role: _title(signed_in("app.py", role, scope).run())
        for role, scope in [("office", None), ("section", "校安科"), ("leader", "李自坚")]
    }
    assert len(set(titles.values())) == 3, titles


def test_before_signing_in_the_start_page_asks_for_a_login_then_sends_the_person_on(db):
    """No one signed in: the login form, and nothing else. Signed in in that same session (the
    session token the login form stores), the next run goes on to the section's first page.
    (Not through the form: under AppTest, its click on app.py did not sign in.)"""
    store = Store(os.environ["PERFDASH_DB"])
    try:
        store.insert_account(Actor.system(), "home_section", "校安科", "section", "校安科", None)
        token = auth.start_session(store, auth.load(store, "home_section"))
    finally:
        store.close()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert _title(at) == LOGIN_TITLE
    assert at.text_input(key="login_username") is not None
    assert not at.metric and not at.dataframe  # nothing of the dashboard before signing in
    at.session_state["auth"] = {"token": token}
    at.run()
    assert _title(at) == "进度填报"  # the section's own first page, not the office's 总览


def test_run_by_itself_the_start_page_points_to_the_menu(db):
    at = signed_in("pages/home.py").run()
    assert _title(at) == HOME_TITLE
    assert any("左侧菜单" in i.value for i in at.info)
