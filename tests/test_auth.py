"""Login, roles enforced in perfdash (no UI involved), the audit log, and the pages that use them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.db import queries
from perfdash.ops import auth
from perfdash.store import ProgressRow, Store, StoreError
from tests.fixtures import shipped_plan, signed_in

OFFICE = Actor("office", "绩效办", "admin")
PASSWORD = "correct-horse-battery"


@pytest.fixture
def store(plan_store, monkeypatch):
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", "")
    return plan_store


# -- accounts and login ------------------------------------------------------------------------


def test_first_start_creates_one_admin_with_a_one_time_password(store):
    password = auth.ensure_admin(store)
    assert password and len(password) >= 12
    assert auth.ensure_admin(store) is None  # only once
    hashed = store.scalar("SELECT password_hash FROM accounts WHERE username = 'admin'")
    assert hashed.startswith("$argon2id$") and password not in hashed
    assert auth.authenticate(store, "admin", password).role == "office"


def test_hashes_are_argon2id_at_or_above_the_owasp_minimum(store):
    """OWASP's argon2id minimum: 19 MiB of memory, 2 passes, 1 lane (or more memory, fewer passes)."""
    auth.register_account(store, OFFICE, "zhongjiao", "中教科", "section", "中教科", PASSWORD)
    hashed = store.scalar("SELECT password_hash FROM accounts WHERE username = 'zhongjiao'")
    m, t, p = (int(x) for x in re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$.+", hashed).groups())
    assert (m, t, p) == (19456, 2, 1)
    assert m >= 19456 and t >= 2


def test_an_old_hash_still_signs_in_and_is_rehashed(store):
    """A hash made with argon2-cffi's default costs (64 MiB, t=3, p=4: earlier versions) verifies,
    and the sign-in that proves the password stores it again with today's parameters, keeping the
    account's sessions and leaving an audit entry."""
    from argon2 import PasswordHasher

    old = PasswordHasher().hash(PASSWORD)
    assert old.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    auth.register_account(store, OFFICE, "zhongjiao", "中教科", "section", "中教科", PASSWORD)
    store.con.execute("UPDATE accounts SET password_hash = ? WHERE username = 'zhongjiao'", [old])
    token = auth.start_session(store, auth.load(store, "zhongjiao"))
    assert auth.authenticate(store, "zhongjiao", PASSWORD).username == "zhongjiao"
    new = store.scalar("SELECT password_hash FROM accounts WHERE username = 'zhongjiao'")
    assert new.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert auth.session_account(store, token) is not None  # the password did not change
    assert "更新密码哈希参数" in set(queries.audit_log(store)["action"])
    assert auth.authenticate(store, "zhongjiao", PASSWORD).username == "zhongjiao"  # the new hash verifies


def test_a_burst_of_sign_ins_leaves_the_process_its_size():
    """30 sign-ins at once (as at the weekly meeting) in a process of their own: the process is
    hardly larger after them than before (glibc keeps freed 19 MiB blocks unless told otherwise)."""
    script = (
        "import threading\n"
        "from perfdash.ops import auth\n"
        "def rss():\n"
        "    return next(int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmRSS')) // 1024\n"
        "stored = auth._hash('a-long-test-password')\n"
        "before = rss()\n"
        "threads = [threading.Thread(target=auth._verify, args=(stored, 'a-long-test-password')) for _ in range(30)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(before, rss())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = (int(x) for x in done.stdout.split())
    assert after - before < 40, (before, after)


def test_admin_password_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", PASSWORD)
    s = Store(tmp_path / "env.duckdb")
    assert auth.ensure_admin(s) is None  # nothing to show: the operator chose it
    assert auth.authenticate(s, "admin", PASSWORD).username == "admin"
    s.close()


def test_wrong_password_and_unknown_user_get_the_same_answer(store):
    auth.register_account(store, OFFICE, "zhongjiao", "中教科", "section", "中教科", PASSWORD)
    with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
        auth.authenticate(store, "zhongjiao", "wrong-password!")
    with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
        auth.authenticate(store, "nobody", PASSWORD)
    account = auth.authenticate(store, "zhongjiao", PASSWORD)
    assert account.actor == Actor("section", "中教科", "zhongjiao", ("泉州市教育局",))  # bound to the one unit


def test_failed_logins_are_rate_limited(store):
    auth.register_account(store, OFFICE, "xiaoan", "校安科", "section", "校安科", PASSWORD)
    t0 = datetime(2025, 6, 1, 9, 0)
    for k in range(5):
        with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
            auth.authenticate(store, "xiaoan", "bad-password-1", now=t0 + timedelta(seconds=k))
    with pytest.raises(auth.AuthError, match="登录失败次数过多"):
        auth.authenticate(store, "xiaoan", PASSWORD, now=t0 + timedelta(minutes=5))  # even the right one
    assert auth.authenticate(store, "xiaoan", PASSWORD, now=t0 + timedelta(minutes=16)).username == "xiaoan"


def test_a_success_resets_the_failure_count(store):
    auth.register_account(store, OFFICE, "caiwu", "财务科", "section", "财务科", PASSWORD)
    t0 = datetime(2025, 6, 1, 9, 0)
    for k in range(4):
        with pytest.raises(auth.AuthError):
            auth.authenticate(store, "caiwu", "bad-password-1", now=t0 + timedelta(seconds=k))
    auth.authenticate(store, "caiwu", PASSWORD, now=t0 + timedelta(seconds=10))
    with pytest.raises(auth.AuthError, match="用户名或密码不正确"):  # not locked: the count restarted
        auth.authenticate(store, "caiwu", "bad-password-1", now=t0 + timedelta(seconds=20))


def test_disabled_accounts_cannot_sign_in_and_sessions_expire(store):
    auth.register_account(store, OFFICE, "bangong", "办公室", "section", "办公室", PASSWORD)
    store.update_account(OFFICE, "bangong", disabled=True)
    with pytest.raises(auth.AuthError) as refused:  # the same answer as a wrong password: no hint it exists
        auth.authenticate(store, "bangong", PASSWORD)
    assert str(refused.value) == auth.SIGN_IN_REFUSED
    assert auth.load(store, "bangong") is None
    now = datetime(2025, 6, 1, 18, 0)
    assert auth.session_valid(now - timedelta(hours=7, minutes=59), now)
    assert not auth.session_valid(now - timedelta(hours=8, minutes=1), now)


@pytest.mark.parametrize(
    ("username", "role", "scope", "password", "message"),
    [
        ("有中文", "section", "中教科", PASSWORD, "^用户名：只能"),
        ("ok_name", "section", None, PASSWORD, "^科室：科室账户须指定科室"),
        ("ok_name", "leader", " ", PASSWORD, "^分管领导：领导账户须指定"),
        ("ok_name", "section", "中教科", "short", "^密码：至少 10 位"),
        ("ok_name", "boss", None, PASSWORD, "^角色：未知的角色"),
        ("ok_name", "section", "不存在科", PASSWORD, "^科室：“不存在科”不是所属单位（泉州市教育局）方案中的责任科室"),
        ("ok_name", "leader", "王五", PASSWORD, "^分管领导：“王五”不是所属单位（泉州市教育局）方案中的分管领导"),
    ],
)
def test_bad_accounts_are_refused(store, username, role, scope, password, message):
    with pytest.raises(auth.AuthError, match=message):
        auth.register_account(store, OFFICE, username, "x", role, scope, password)


def test_passwords_change_by_their_owner_or_by_a_reset(store):
    auth.register_account(store, OFFICE, "sizheng", "思政科", "section", "思政科", PASSWORD)
    me = auth.authenticate(store, "sizheng", PASSWORD).actor
    with pytest.raises(auth.AuthError, match="用户名或密码不正确"):
        auth.change_password(store, me, "sizheng", "not-my-password", "a-new-password-1")
    auth.change_password(store, me, "sizheng", PASSWORD, "a-new-password-1")
    auth.authenticate(store, "sizheng", "a-new-password-1")
    other = Actor("section", "校安科", "xiaoan")
    with pytest.raises(auth.AuthError, match="只能修改自己的密码"):
        auth.change_password(store, other, "sizheng", None, "hijacked-password")
    auth.change_password(store, OFFICE, "sizheng", None, "reset-by-office-1")
    auth.authenticate(store, "sizheng", "reset-by-office-1")


def test_kiosk_tokens_open_the_screen_until_revoked(store):
    token = auth.new_kiosk_token(store, OFFICE, "三楼会议室")
    assert auth.kiosk_token_valid(store, token)
    assert not auth.kiosk_token_valid(store, token + "x") and not auth.kiosk_token_valid(store, None)
    assert store.scalar("SELECT count(*) FROM kiosk_tokens WHERE token_hash = ?", [token]) == 0  # only a hash
    store.revoke_kiosk_token(OFFICE, queries.kiosk_tokens(store).iloc[0]["token_hash"])
    assert not auth.kiosk_token_valid(store, token)


# -- enforcement in perfdash, with no UI ----------------------------------------------------------

SECTION = Actor("section", "中教科", "zhongjiao")
LEADER = Actor("leader", "林长华", "lin")


@pytest.mark.parametrize(
    ("actor", "write"),
    [
        (
            LEADER,
            lambda s: s.add_progress(
                1, [ProgressRow("1-1-1", date(2025, 3, 7), 10, "推进中")], LEADER, today=date(2025, 12, 31)
            ),
        ),
        (
            SECTION,
            lambda s: s.add_progress(
                1, [ProgressRow("7-2", date(2025, 3, 7), 10, "推进中")], SECTION, today=date(2025, 12, 31)
            ),
        ),
        (SECTION, lambda s: s.save_scenario(1, "x", "", "current", date(2025, 3, 7), "{}", {}, SECTION)),
        (SECTION, lambda s: s.add_adjustment(1, "bonus", 1, "自己加分", SECTION)),
        (SECTION, lambda s: s.set_rules(1, "{}", SECTION)),
        (SECTION, lambda s: s.insert_account(SECTION, "evil", "x", "office", None, None)),
        (SECTION, lambda s: s.update_account(SECTION, "admin", role="section", scope="中教科")),
        (LEADER, lambda s: s.add_kiosk_token(LEADER, "0" * 64, "x")),
        (SECTION, lambda s: s.import_plan(shipped_plan(), SECTION)),
    ],
    ids=["leader-progress", "other-section", "scenario", "adjustment", "rules", "account", "promote", "token", "plan"],
)
def test_every_write_checks_the_role_itself(store, actor, write):
    auth.ensure_admin(store)
    before = store.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(StoreError):
        write(store)
    assert store.scalar("SELECT count(*) FROM audit_log") == before


def test_every_write_leaves_who_when_what_old_and_new(store):
    auth.register_account(store, OFFICE, "zhongjiao", "中教科", "section", "中教科", PASSWORD)
    section = auth.load(store, "zhongjiao").actor
    store.add_progress(1, [ProgressRow("1-3-1", date(2025, 3, 7), 10, "推进中")], section, today=date(2025, 12, 31))
    store.add_progress(1, [ProgressRow("1-3-1", date(2025, 3, 14), 25, "推进中")], section, today=date(2025, 12, 31))
    sid = store.save_scenario(
        1, "乐观", "", "current", date(2025, 3, 7), '{"rule": "proportional"}', {"1-1-1": 90.0}, OFFICE
    )
    store.save_scenario(
        1, "乐观", "改", "current", date(2025, 3, 7), '{"rule": "stepped"}', {"1-1-1": 95.0}, OFFICE, replace=True
    )
    store.delete_scenario(sid + 1, OFFICE)
    aid = store.add_adjustment(1, "bonus", 1.5, "创新成果", OFFICE)
    store.withdraw_adjustment(aid, OFFICE)
    store.set_rules(1, '{"rule": "stepped"}', OFFICE)
    store.update_account(OFFICE, "zhongjiao", password_hash="$argon2id$fake")
    log = queries.audit_log(store).iloc[::-1].reset_index(drop=True)
    assert list(log["action"]) == [
        "导入方案",
        "创建账户",
        "填报进度",
        "填报进度",
        "保存情景",
        "保存情景",
        "删除情景",
        "录入加减分",
        "撤销加减分",
        "修改计分规则",
        "修改账户",
    ]
    second = log.iloc[3]
    assert second["actor"] == "zhongjiao" and second["role"] == "section"
    assert json.loads(second["old_value"]) == {
        "1-3-1": {"completion_pct": 10.0, "status": "推进中", "coordinate": False}
    }
    assert json.loads(second["new_value"])[0]["completion_pct"] == 25.0
    replaced = log.iloc[5]
    assert json.loads(replaced["old_value"])["values"] == {"1-1-1": 90.0}
    assert json.loads(replaced["new_value"])["values"] == {"1-1-1": 95.0}
    assert "argon2" not in " ".join(log["new_value"].fillna("")) + " ".join(log["old_value"].fillna(""))
    assert all(isinstance(t, datetime) or hasattr(t, "year") for t in log["logged_at"])


# -- pages -----------------------------------------------------------------------------------


@pytest.fixture
def db(db, monkeypatch):
    """The pages' demo database (conftest.py), with no account yet: the admin's password comes
    from the environment when the first page opens it."""
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", PASSWORD)
    return db


def test_pages_ask_for_a_login_and_accept_the_right_one(db):
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "overview.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "登录 · 绩效管理"
    assert not at.metric  # nothing of the dashboard shows
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input("wrong-password")
    at.button[0].click().run()
    assert any("用户名或密码不正确" in e.value for e in at.error)
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value.endswith("总览")
    assert any("当前用户：管理员（绩效办）" in c.value for c in at.sidebar.caption)


def test_an_expired_session_asks_again(db):
    at = signed_in("pages/overview.py", now=datetime.now() - timedelta(hours=9))
    at.run()
    assert at.title[0].value == "登录 · 绩效管理"
    assert any("登录已过期" in w.value for w in at.warning)


def test_admin_page_is_the_offices(db):
    at = signed_in("pages/admin.py").run()
    assert not at.exception
    assert at.tabs and [t.label for t in at.tabs] == ["账户", "大屏令牌", "审计日志", "备份"]
    section = signed_in("pages/admin.py", "section", "中教科").run()
    assert any("只有绩效办可以管理账户" in i.value for i in section.info)
    assert not section.tabs


def test_the_office_creates_an_account_in_the_app(db):
    at = signed_in("pages/admin.py").run()
    at.radio(key="new_role").set_value("section").run()
    at.text_input(key="new_username").input("zhongjiao")
    at.text_input(key="new_display").input("张少杰")
    at.selectbox(key="new_scope_section").set_value("中教科")
    at.text_input(key="new_password").input(PASSWORD)
    next(b for b in at.button if b.label == "创建账户").click().run()
    assert not at.exception
    s = Store(db)
    try:
        assert auth.authenticate(s, "zhongjiao", PASSWORD).actor.name == "中教科"
        assert "创建账户" in set(queries.audit_log(s)["action"])
    finally:
        s.close()


def test_meeting_screen_opens_with_a_kiosk_token_only(db):
    no_token = AppTest.from_file(str(PROJECT_ROOT / "pages" / "meeting.py"), default_timeout=60).run()
    assert no_token.title and no_token.title[0].value == "登录 · 绩效管理"
    s = Store(db)
    try:
        token = auth.new_kiosk_token(s, OFFICE, "会议室")
    finally:
        s.close()
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "meeting.py"), default_timeout=60)
    at.query_params["token"] = token
    at.run()
    assert not at.exception
    assert "总体态势" in " ".join(h.proto.body for h in at.get("html"))


def test_my_account_page_changes_my_own_password(db):
    s = Store(db)
    try:
        auth.ensure_admin(s)
        s.import_plan(shipped_plan())  # a section account belongs to a unit: the plan comes first
        auth.register_account(s, OFFICE, "xiaoan", "胡志强", "section", "校安科", PASSWORD)
    finally:
        s.close()
    s = Store(db)
    try:
        token = auth.start_session(s, auth.load(s, "xiaoan"))
    finally:
        s.close()
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "account.py"), default_timeout=60)
    at.session_state["auth"] = {"token": token}
    at.run()
    assert not at.exception
    assert "当前用户：**胡志强（科室 · 校安科）**" in at.markdown[0].value
    at.text_input(key="own_old_password").input("wrong-old-password")
    at.text_input(key="own_new_password").input("brand-new-password")
    at.text_input(key="own_new_password_again").input("brand-new-password")
    next(b for b in at.button if b.label == "修改密码").click().run()
    assert any("用户名或密码不正确" in e.value for e in at.error)
    at.text_input(key="own_old_password").input(PASSWORD)
    at.text_input(key="own_new_password").input("brand-new-password")
    at.text_input(key="own_new_password_again").input("brand-new-password")
    next(b for b in at.button if b.label == "修改密码").click().run()
    assert any("密码已修改" in m.value for m in at.success)
    s = Store(db)
    try:
        assert auth.authenticate(s, "xiaoan", "brand-new-password").username == "xiaoan"
    finally:
        s.close()
