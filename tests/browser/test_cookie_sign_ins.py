"""A sign-in keeps its cookie, every time, on both stores (#37): twenty fresh browsers each sign in
on the start page, land on their first page (straight from the login run: the start page does not
run again), hold the signed HttpOnly cookie, and a reload stays signed in. Before, a sign-in on
DuckDB lost the cookie's request about half the time (it was sent by the start page's run, cut
short by the switch to the landing page)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.browser.conftest import OFFICE_PASSWORD, OFFICE_USER, PROJECT_ROOT, serve, settle

SIGN_INS = 20
MAIN = '[data-testid="stMain"]'
NAV = '[data-testid="stSidebarNav"]'


def _store_with_office(db: str) -> None:
    """The shipped plan with its demo history and the office account of the browser tests."""
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.store import Store

    subprocess.run(
        [sys.executable, "-m", "perfdash", "demo", "--db", db],
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=300,
        env={**os.environ},
    )
    store = Store(db)
    try:
        auth.register_account(store, Actor.system(), OFFICE_USER, "浏览器测试", "office", None, OFFICE_PASSWORD)
    finally:
        store.close()


@pytest.fixture(params=["duckdb", "postgresql"])
def served(request, tmp_path, monkeypatch):
    if request.param == "duckdb":
        db = str(tmp_path / "cookies.duckdb")
    else:
        db = request.getfixturevalue("pg_cluster").new_database()
    env = {
        "PERFDASH_BACKUP_EVERY": "0",
        "PERFDASH_SECRETS_DIR": str(tmp_path / "keys"),
        "PERFDASH_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "PERFDASH_BACKUP_DIR": str(tmp_path / "backups"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the demo command writes where the server will read
    _store_with_office(db)
    with serve(db, tmp_path, perfdash_serve=True, env=env) as url:
        yield url


def test_every_sign_in_sets_the_cookie_and_a_reload_stays_signed_in(browser, served):
    url = served
    first = browser.new_page()  # a first visit warms the server (imports, caches) for the twenty
    first.goto(url)
    first.wait_for_selector('[data-testid="stForm"]', timeout=120_000)
    first.close()
    kept = []
    for n in range(SIGN_INS):
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
        page.get_by_label("用户名").fill(OFFICE_USER)
        page.get_by_label("密码").fill(OFFICE_PASSWORD)
        with page.expect_response(lambda r: r.url.endswith("/_perfdash/session"), timeout=90_000) as answer:
            page.get_by_role("button", name="登录").click()
        assert answer.value.status == 204, f"sign-in {n + 1}: the cookie route answered {answer.value.status}"
        page.locator(f'{MAIN} h1:has-text("总览")').first.wait_for(timeout=90_000)
        settle(page)
        kept.append(next(c for c in context.cookies() if c["name"] == "perfdash_session")["value"])
        page.reload()
        page.locator(f'{MAIN} h1:has-text("总览")').first.wait_for(timeout=90_000)
        page.wait_for_selector(NAV, timeout=30_000)
        assert page.locator('[data-testid="stForm"]').count() == 0, f"sign-in {n + 1}: the reload asked to sign in"
        context.close()
    assert len(set(kept)) == SIGN_INS  # a session, and a cookie, each
