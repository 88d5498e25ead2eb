"""Sign-in limits an attacker cannot turn against the people they guess at (issue 29): the same
answer for every name, existing or not; failures lock the source they came from, not the account;
a browser the person signed in on before is never locked by failures elsewhere (an attacker, or a
neighbour behind the same office address); a ceiling per name from everywhere, which the office
lifts. See perfdash.ops.throttle for the design."""

from __future__ import annotations

import re

import pytest

from perfdash.core.access import Actor
from perfdash.ops import auth, cookies
from perfdash.store import Store, StoreError
from tests.fixtures import shipped_plan

PASSWORD = "correct-horse-battery"
OFFICE = Actor("office", "绩效办", "admin")


@pytest.fixture
def store(db_target, monkeypatch):
    """One unit's accounts, once on DuckDB and once on PostgreSQL."""
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", PASSWORD)
    s = Store(db_target)
    s.import_plan(shipped_plan())
    auth.ensure_admin(s)
    auth.register_account(s, OFFICE, "zhongjiao", "张少杰", "section", "中教科", PASSWORD)
    yield s
    s.close()


def answer(store: Store, name: str, password: str, source: str, browser: str | None = None) -> str:
    """What the login form would say ("ok" for a sign-in), with the time in a lock message blanked."""
    try:
        auth.authenticate(store, name, password, source=source, browser=browser)
    except auth.AuthError as exc:
        return re.sub(r"\d{2}:\d{2}", "HH:MM", str(exc))
    return "ok"


def fail(store: Store, name: str, source: str, times: int) -> list[str]:
    return [answer(store, name, f"wrong-password-{n}", source) for n in range(times)]


WRONG = auth.SIGN_IN_REFUSED  # every refused sign-in, whatever the cause
LOCKED = "登录失败次数过多，请于 HH:MM 后再试"


def test_an_unknown_name_and_an_account_get_the_same_answers_all_the_way(store):
    """Finding: after 5 failures an existing account said 登录失败次数过多 and an unknown one did
    not, which told an attacker which names exist."""
    for name in ("zhongjiao", "no-such-person"):
        assert fail(store, name, "203.0.113.5", 6) == [WRONG] * 5 + [LOCKED], name
        assert answer(store, name, "still-wrong-1", "198.51.100.7") == WRONG, name  # elsewhere: not locked


def test_failures_from_anywhere_do_not_lock_admin_out_of_the_office(store):
    """Finding: five wrong passwords from anywhere locked admin for 15 minutes."""
    for n in range(8):  # eight addresses, each up to its own limit on admin
        assert fail(store, "admin", f"203.0.113.{n}", 5) == [WRONG] * 5
        assert answer(store, "admin", PASSWORD, f"203.0.113.{n}") == LOCKED  # the attacker's address is
    assert answer(store, "admin", PASSWORD, "10.1.1.1") == "ok"  # the office is not


def test_an_address_failing_over_many_names_is_refused_but_known_browsers_behind_it_get_in(store, monkeypatch):
    """Per source first: 20 failures from one address over any names refuse that address. A whole
    office shares it behind NAT: a browser its person signed in on before is a source of its own."""
    monkeypatch.setenv("LOGIN_SOURCE_MAX_FAILURES", "8")
    known = cookies.known_browser("zhongjiao", cookies.secret())
    for n in range(8):
        assert answer(store, f"guess{n}", "wrong-password", "10.9.9.9") == WRONG
    assert answer(store, "zhongjiao", PASSWORD, "10.9.9.9") == LOCKED  # a new browser behind the address
    assert answer(store, "zhongjiao", PASSWORD, "10.9.9.9", browser=known) == "ok"
    assert answer(store, "admin", PASSWORD, "10.9.9.9", browser=known) == LOCKED  # zhongjiao's browser, not admin's
    forged = cookies.sign("admin~made-up", cookies.secret())
    assert answer(store, "admin", PASSWORD, "10.9.9.9", browser=forged) == LOCKED


def test_a_ceiling_per_name_from_everywhere_spares_known_browsers_and_the_office_lifts_it(store, monkeypatch):
    monkeypatch.setenv("LOGIN_ACCOUNT_MAX_FAILURES", "9")
    known = cookies.known_browser("admin", cookies.secret())
    for name in ("admin", "nobody-here"):  # the same for a name no account has
        for n in range(3):
            assert fail(store, name, f"192.0.2.{n}", 3) == [WRONG] * 3
        assert answer(store, name, PASSWORD, "10.1.1.1") == LOCKED, name  # a new place: refused for now
    assert auth.refused_accounts(store) == ["admin"]  # what the office sees: account names only
    assert answer(store, "admin", PASSWORD, "10.1.1.1", browser=known) == "ok"  # admin's own browser
    # the success forgave the failures: a new place may try again
    assert answer(store, "admin", PASSWORD, "10.1.1.2") == "ok"

    for n in range(3):
        fail(store, "zhongjiao", f"192.0.2.{n}", 3)
    assert answer(store, "zhongjiao", PASSWORD, "10.1.1.1") == LOCKED
    with pytest.raises(StoreError, match="只有绩效办可以解除登录限制"):
        auth.unlock(store, Actor("section", "中教科", "zhongjiao"), "zhongjiao")
    auth.unlock(store, OFFICE, "zhongjiao")
    assert auth.refused_accounts(store) == []
    assert answer(store, "zhongjiao", PASSWORD, "10.1.1.1") == "ok"
    audited = store.rows("SELECT actor, entity_key FROM audit_log WHERE action = '解除登录限制'")
    assert len(audited) == 1 and audited[0][1] == "zhongjiao"


def test_the_office_lifts_a_limit_on_the_accounts_page(db, monkeypatch):
    from tests.fixtures import signed_in

    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("LOGIN_ACCOUNT_MAX_FAILURES", "4")
    at = signed_in("pages/admin.py")
    s = Store(db)
    try:
        auth.register_account(s, OFFICE, "zhongjiao", "张少杰", "section", "中教科", PASSWORD)
        for n in range(2):
            fail(s, "zhongjiao", f"192.0.2.{n}", 2)
    finally:
        s.close()
    at.run()
    at.selectbox(key="manage_user").set_value("zhongjiao").run()
    assert any("登录失败的次数已达上限" in w.value for w in at.warning)
    at.button(key="unlock_account").click().run()
    assert not at.exception
    assert any("已解除 zhongjiao 的登录限制" in m.value for m in at.success)
    s = Store(db)
    try:
        assert answer(s, "zhongjiao", PASSWORD, "10.1.1.1") == "ok"
    finally:
        s.close()
