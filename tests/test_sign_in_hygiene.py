"""Small security hygiene (issue #33, item 7): every refused sign-in gives one answer (the cause goes
to the server's log and, for a disabled account, the audit log); a password someone else knows (the
admin's printed first one, a reset by the office) must be replaced before anything else; the
console of ``serve`` stays Chinese; running the app leaves ``git status`` as it was."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid

import pytest
from streamlit.testing.v1 import AppTest

from perfdash.bench import servers
from perfdash.core import settings
from perfdash.core.access import Actor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.db import queries
from perfdash.ops import auth
from perfdash.server import logs, startup
from perfdash.store import Store
from tests.fixtures import signed_in
from tests.waiting import wait_until

OFFICE = Actor("office", "绩效办", "admin")
PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "my-own-password-2026"


@pytest.fixture
def store(plan_store, monkeypatch):
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", "")  # the admin's password is generated
    auth.register_account(plan_store, OFFICE, "zhongjiao", "中教科", "section", "中教科", PASSWORD)
    return plan_store


def refusal(store: Store, name: str, password: str, source: str = "203.0.113.9") -> str:
    with pytest.raises(auth.AuthError) as refused:
        auth.authenticate(store, name, password, source=source)
    return re.sub(r"\d{2}:\d{2}", "HH:MM", str(refused.value))


def actions(store: Store, key: str) -> list[str]:
    log = queries.audit_log(store)
    return list(log[log["entity_key"] == key].iloc[::-1]["action"])


# -- one answer for every refused sign-in --------------------------------------------------------


def test_unknown_wrong_and_disabled_get_one_answer_and_the_log_keeps_the_cause(store, caplog):
    store.update_account(OFFICE, "zhongjiao", disabled=True)
    auth.register_account(store, OFFICE, "xiaoan", "校安科", "section", "校安科", PASSWORD)
    caplog.set_level(logging.INFO, logger="perfdash")
    answers = {
        "unknown": refusal(store, "no-such-person", PASSWORD),
        "wrong": refusal(store, "xiaoan", "wrong-password-1"),
        "disabled": refusal(store, "zhongjiao", PASSWORD),
        "disabled, wrong": refusal(store, "zhongjiao", "wrong-password-1"),
    }
    assert set(answers.values()) == {auth.SIGN_IN_REFUSED}, answers
    assert "已停用" in auth.SIGN_IN_REFUSED and "联系绩效办" in auth.SIGN_IN_REFUSED  # the person knows whom to ask
    said = [r.getMessage() for r in caplog.records]
    assert "perfdash: 登录失败：没有这个用户名（来源 203.0.113.9）" in said  # the typed name is not logged
    assert "perfdash: 登录失败：账户 xiaoan 的密码不正确（来源 203.0.113.9）" in said
    assert "perfdash: 已停用的账户 zhongjiao 用正确的密码尝试登录，已拒绝（来源 203.0.113.9）" in said
    assert "已停用账户尝试登录" in actions(store, "zhongjiao")  # the office sees it in the audit log
    assert "已停用账户尝试登录" not in actions(store, "xiaoan")


@pytest.mark.parametrize("disabled", [False, True], ids=["wrong-password", "disabled-right-password"])
def test_a_disabled_account_counts_toward_the_limits_as_a_wrong_password_does(store, disabled):
    """The sign-in limits are as they were: a disabled account's attempt with its right password is
    a failure, and the sixth from one place is told to wait, like any wrong password."""
    if disabled:
        store.update_account(OFFICE, "zhongjiao", disabled=True)
    typed = PASSWORD if disabled else "wrong-password-1"
    limit = settings.login_limits()[0]
    answers = [refusal(store, "zhongjiao", typed) for _ in range(limit + 1)]
    assert answers == [auth.SIGN_IN_REFUSED] * limit + ["登录失败次数过多，请于 HH:MM 后再试"]


# -- a password someone else knows is replaced first ---------------------------------------------


def test_the_printed_first_password_must_be_replaced_once(plan_store, monkeypatch):
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", "")  # generated, printed on the console
    store = plan_store
    printed = auth.ensure_admin(store)
    assert printed
    admin = auth.authenticate(store, "admin", printed)
    assert admin.must_change_password
    token = auth.start_session(store, admin)
    assert auth.session_account(store, token).must_change_password
    assert actions(store, "admin") == ["创建账户", "要求设置新密码"]

    with pytest.raises(auth.AuthError, match="至少 10 位"):
        auth.set_new_password(store, admin, "short-1", token)
    with pytest.raises(auth.AuthError, match="不能与原来的密码相同"):
        auth.set_new_password(store, admin, printed, token)
    assert auth.load(store, "admin").must_change_password  # nothing changed yet

    other = auth.start_session(store, admin)  # another tab or device signed in with the printed one
    auth.set_new_password(store, admin, NEW_PASSWORD, token)
    assert not auth.load(store, "admin").must_change_password
    assert auth.session_account(store, token) is not None  # this session stays
    assert auth.session_account(store, other) is None  # the others end
    assert actions(store, "admin")[-2:] == ["修改账户", "已设置新密码"]
    assert refusal(store, "admin", printed) == auth.SIGN_IN_REFUSED
    assert not auth.authenticate(store, "admin", NEW_PASSWORD).must_change_password
    with pytest.raises(auth.AuthError, match="我的账户"):  # from now on only with the old password
        auth.set_new_password(store, auth.load(store, "admin"), "yet-another-password", token)


def test_a_password_the_operator_chose_is_not_asked_again(plan_store, monkeypatch):
    """PERFDASH_ADMIN_PASSWORD is the operator's own choice, never printed: no demand to change it."""
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", PASSWORD)
    assert auth.ensure_admin(plan_store) is None
    assert not auth.authenticate(plan_store, "admin", PASSWORD).must_change_password
    assert "要求设置新密码" not in actions(plan_store, "admin")


def test_a_reset_by_the_office_is_replaced_first_and_an_own_change_clears_it(store):
    assert not auth.load(store, "zhongjiao").must_change_password
    auth.change_password(store, OFFICE, "zhongjiao", None, "office-knows-this-1")
    assert auth.load(store, "zhongjiao").must_change_password
    assert actions(store, "zhongjiao")[-2:] == ["修改账户", "要求设置新密码"]
    section = auth.load(store, "zhongjiao").actor
    with pytest.raises(auth.StoreError):  # only the office marks an account
        store.require_new_password(section, "zhongjiao", True)
    auth.change_password(store, section, "zhongjiao", "office-knows-this-1", NEW_PASSWORD)
    assert not auth.load(store, "zhongjiao").must_change_password
    assert actions(store, "zhongjiao")[-2:] == ["修改账户", "已设置新密码"]


@pytest.mark.parametrize(
    ("new", "again", "problems"),
    [
        (NEW_PASSWORD, NEW_PASSWORD, []),
        ("", "", ["“新密码”未填写"]),
        ("short-1", "short-1", ["“新密码”太短：至少 10 位，现为 7 位"]),
        ("short-1", "short-2", ["“新密码”太短：至少 10 位，现为 7 位", "“再次输入新密码”与“新密码”不一致"]),
        (NEW_PASSWORD, NEW_PASSWORD + "x", ["“再次输入新密码”与“新密码”不一致"]),
        ("x" * 257, "x" * 257, ["“新密码”太长：不能超过 256 位"]),
    ],
    ids=["good", "empty", "short", "short-and-different", "different", "too-long"],
)
def test_new_password_problems_name_their_field(new, again, problems):
    assert auth.new_password_problems(new, again) == problems


def test_a_version_7_database_gets_the_mark_and_nobody_is_asked(tmp_path):
    path = tmp_path / "v7.duckdb"
    s = Store(path)
    auth.register_account(s, Actor.system(), "admin", "管理员", "office", None, PASSWORD)
    s.close()
    import duckdb

    con = duckdb.connect(str(path))  # as version 7 left it: no column, no marker
    con.execute("ALTER TABLE accounts DROP COLUMN must_change_password")
    con.execute("DELETE FROM meta WHERE key = 'migration_008'")
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.close()
    s = Store(path)
    try:
        assert s.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == "8"
        assert not auth.authenticate(s, "admin", PASSWORD).must_change_password
    finally:
        s.close()


# -- the form every page shows until then (AppTest) -------------------------------------------


def _flag(token: str) -> str:
    """Mark the account of a session as signed in with a password someone else knows; its name."""
    s = Store(os.environ["PERFDASH_DB"])
    try:
        name = auth.session_account(s, token).username
        s.require_new_password(Actor.system(), name, True)
    finally:
        s.close()
    return name


def _submit(at: AppTest, new: str, again: str) -> AppTest:
    at.text_input(key="first_new_password").input(new)
    at.text_input(key="first_new_password_again").input(again)
    return next(b for b in at.button if b.label == "设置新密码").click().run()


def test_every_page_shows_only_the_new_password_form_until_it_is_set(db):
    at = signed_in("pages/overview.py")
    token = at.session_state["auth"]["token"]
    name = _flag(token)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["请设置新密码"]
    assert not at.metric and not at.get("plotly_chart")  # nothing of the dashboard
    assert any("当前用户" in c.value for c in at.sidebar.caption)  # and signing out stays possible

    _submit(at, "short-1", "short-2")
    assert not at.exception
    assert [e.value for e in at.error] == ["“新密码”太短：至少 10 位，现为 7 位", "“再次输入新密码”与“新密码”不一致"]
    assert at.text_input(key="first_new_password").value == "short-1"  # what was typed stays
    assert at.text_input(key="first_new_password_again").value == "short-2"

    other = AppTest.from_file(str(PROJECT_ROOT / "pages" / "account.py"), default_timeout=60)
    other.session_state["auth"] = {"token": token}
    other.run()  # another page, the same: only the form
    assert [t.value for t in other.title] == ["请设置新密码"]

    _submit(at, NEW_PASSWORD, NEW_PASSWORD)
    assert not at.exception and not at.error
    assert at.title[0].value.endswith("总览")
    s = Store(db)
    try:
        assert not auth.load(s, name).must_change_password
        assert auth.authenticate(s, name, NEW_PASSWORD).username == name
    finally:
        s.close()
    other.run()
    assert [t.value for t in other.title] == ["我的账户"]


# -- the console of serve ------------------------------------------------------------------------


def test_streamlits_external_address_notice_stays_off_the_console(caplog):
    logs.install()
    caplog.set_level(logging.WARNING)
    notice = logging.getLogger("streamlit.net_util")
    notice.warning(
        "Did not auto detect external IP.\nPlease go to %s for debugging hints.", "https://docs.streamlit.io/"
    )
    notice.warning("something else it may say")
    assert [r.getMessage() for r in caplog.records] == ["something else it may say"]


class _Config:
    def __init__(self, address: str):
        self.options = {"server.address": address, "server.port": 8501, "server.baseUrlPath": ""}

    def get_option(self, name: str) -> object:
        return self.options[name]


def test_the_network_address_is_said_in_chinese_when_listening_on_every_interface(monkeypatch):
    monkeypatch.setattr(startup, "_lan_ip", lambda: "10.1.2.3")
    assert startup._lan_url(_Config("")) == "http://10.1.2.3:8501/"
    assert startup._lan_url(_Config("0.0.0.0")) == "http://10.1.2.3:8501/"  # noqa: S104 (an address as configured)
    assert startup._lan_url(_Config("127.0.0.1")) is None  # only this machine: nothing to tell others
    monkeypatch.setattr(startup, "_lan_ip", lambda: None)
    assert startup._lan_url(_Config("")) is None


# -- git status after make run ---------------------------------------------------------------------

GIT_ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # read only: not even the index's stat cache


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, env=GIT_ENV, capture_output=True, text=True, timeout=60)


def _in_a_git_checkout() -> bool:
    try:
        return shutil.which("git") is not None and _git("rev-parse", "--is-inside-work-tree").stdout.strip() == "true"
    except OSError:
        return False


def _status() -> set[str]:
    """What git would show as new or changed in the folders the app writes to."""
    done = _git("status", "--porcelain", "--untracked-files=all", "--", "data", ".streamlit")
    assert done.returncode == 0, done.stderr
    return set(done.stdout.splitlines())


def _ignored(paths: list[str]) -> set[str]:
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=PROJECT_ROOT,
        env=GIT_ENV,
        input="\n".join(paths) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: none ignored
    return set(done.stdout.splitlines())


# Everything a database at ``<db>`` makes beside itself, whether or not this run made it: DuckDB's
# write-ahead log and spill folder, the running server's note, backups (and a half-written one),
# evidence files (and one being written).
BESIDE_THE_DB = [
    "{db}",
    "{db}.wal",
    "{db}.tmp/duckdb_temp_storage-0.tmp",
    "{db}.serving.json",
    "{folder}backups/perfdash-20261207-090000-auto.zip",
    "{folder}backups/.perfdash-20261207-090000-auto.zip.partial-123",
    "{folder}evidence/ab/abcdef.pdf",
    "{folder}evidence/ab/abcdef.pdf.part",
]


@pytest.mark.slow  # a real `serve` in a process of its own
@pytest.mark.skipif(not _in_a_git_checkout(), reason="not a git checkout")
def test_serving_leaves_git_status_as_it_was_and_the_console_chinese(tmp_path):
    """``make run`` (python -m perfdash serve) on a new database inside data/ (a folder of its own,
    so that no backup of a real database is touched), a new admin and the first scheduled backup:
    git sees nothing new while it serves or after; the keys are outside the checkout."""
    for default in ("data/perfdash.duckdb", "data/x/perfdash.duckdb"):  # make run's own, and one in a folder
        folder = default.rsplit("/", 1)[0] + "/"
        paths = [p.format(db=default, folder=folder) for p in BESIDE_THE_DB]
        assert _ignored(paths) == set(paths), set(paths) - _ignored(paths)

    before = _status()
    folder = PROJECT_ROOT / "data" / f"test-hygiene-{uuid.uuid4().hex[:8]}"
    keys = tmp_path / "keys"
    env = {k: v for k, v in os.environ.items() if k != "PERFDASH_ADMIN_PASSWORD"}
    env |= {"PERFDASH_SECRETS_DIR": str(keys), "PYTHONUNBUFFERED": "1"}
    for name in ("PERFDASH_BACKUP_DIR", "PERFDASH_EVIDENCE_DIR", "PERFDASH_BACKUP_EVERY"):
        env.pop(name, None)  # the defaults: beside the database, a backup at the start
    console = tmp_path / "console.txt"
    port = servers.free_port()
    relative_db = f"data/{folder.name}/perfdash.duckdb"
    try:
        command = ["-m", "perfdash", "serve", "--db", relative_db, "--port", str(port), "--address", "127.0.0.1"]
        with console.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, *command],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until(lambda: "看板已就绪" in console.read_text(), 180, "the server says it is ready")
            wait_until(lambda: "定时备份已保存" in console.read_text(), 120, "the first scheduled backup")
            assert servers.healthy(f"http://127.0.0.1:{port}", process, 30)
            made = sorted(str(p.relative_to(PROJECT_ROOT)) for p in folder.rglob("*") if p.is_file())
            assert f"{relative_db}.serving.json" in made and relative_db in made, made
            assert any(p.startswith(f"data/{folder.name}/backups/") and p.endswith(".zip") for p in made), made
            assert _ignored(made) == set(made)
            assert _status() == before  # while it serves
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
        assert _status() == before  # and once it stopped
        assert (keys / "backup.key").is_file()  # the keys went where PERFDASH_SECRETS_DIR says
        assert not any(p.suffix == ".key" for p in folder.rglob("*"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    lines = console.read_text().splitlines()
    assert lines and all(line.startswith("[perfdash] ") for line in lines), lines  # no English banner
    assert any("初始密码：" in line for line in lines)
    assert any("登录后须先设置新密码" in line for line in lines)
    assert not any("Did not auto detect" in line or "You can now view" in line for line in lines)
