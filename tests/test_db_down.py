"""PostgreSQL down (issue 29): every page says 数据库暂时不可用，请稍后刷新 instead of 页面出错了 —
for a signed-in person on the next click, for a sign-in, and for a first visit to a server that
never reached the database. The cluster is the test's own: it is stopped half-way."""

from __future__ import annotations

import contextlib
import subprocess

import pytest
from streamlit.testing.v1 import AppTest

from perfdash.bench.servers import free_port
from perfdash.core.settings import PROJECT_ROOT
from tests.fixtures import signed_in

DOWN = "数据库暂时不可用，请稍后刷新。"
PASSWORD = "a-long-test-password"


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


@pytest.fixture
def cluster():
    from tests.pg import Cluster

    own = Cluster()
    yield own
    with contextlib.suppress(subprocess.CalledProcessError):  # stopped by the test already
        own.stop()


def _stop_server(cluster) -> None:
    """PostgreSQL goes away (as a crash would: no time for goodbyes), its files kept."""
    cluster._run(cluster.bin / "pg_ctl", "-D", cluster.data, "-m", "immediate", "stop")


def test_a_stopped_database_server_shows_a_clear_page(cluster, monkeypatch):
    monkeypatch.setenv("PERFDASH_DB", cluster.url(cluster.new_database().rsplit("/", 1)[1]))
    monkeypatch.setenv("PERFDASH_ADMIN_PASSWORD", PASSWORD)
    at = signed_in("app.py").run(timeout=120)
    assert not at.exception and not at.error
    assert any(t.value.endswith("总览") for t in at.title)
    fresh = AppTest.from_file(str(PROJECT_ROOT / "pages" / "overview.py"), default_timeout=60).run()
    assert fresh.title[0].value == "登录 · 绩效管理"

    _stop_server(cluster)  # under a running server

    at.run()  # the next click of the signed-in person
    assert not at.exception
    assert _errors(at) == [DOWN]
    assert not at.title and not at.metric
    fresh.text_input(key="login_username").input("admin")
    fresh.text_input(key="login_password").input(PASSWORD)
    fresh.button[0].click().run()  # a sign-in meanwhile
    assert not fresh.exception
    assert DOWN in _errors(fresh) and not any("页面出错了" in e for e in _errors(fresh))


def test_a_first_visit_while_the_database_server_is_down(monkeypatch):
    monkeypatch.setenv("PERFDASH_DB", f"postgresql://perfdash:secret@127.0.0.1:{free_port()}/perfdash")
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert _errors(at) == [DOWN]
    page = AppTest.from_file(str(PROJECT_ROOT / "pages" / "overview.py"), default_timeout=60).run()
    assert not page.exception and _errors(page) == [DOWN]
