"""The city deployment as the README starts it (issue 29): ``python -m perfdash serve`` on
PostgreSQL with a password in PERFDASH_DB and no PERFDASH_COOKIE_SECRET. Every sign-in keeps its
cookie (the route that sets it failed with HTTP 500, its traceback holding the password), the
cookie signs the browser in on the next visit, nothing the server writes holds the password, and
the page's websocket is refused to pages of another origin (localhost on another port included)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from perfdash.bench import servers
from perfdash.bench.protocol_bench import Visitor
from perfdash.core.settings import PROJECT_ROOT
from perfdash.ops import cookies

PASSWORD = "a-long-test-password"
DB_PASSWORD = "secret"
SIGN_INS = 10


class Tab(Visitor):
    """A tab that also keeps the HTML elements the page draws (the ticket for the cookie route is
    in one of them)."""

    def __init__(self, websocket) -> None:
        super().__init__(websocket)
        self.html: list[str] = []

    @classmethod
    def open(cls, url: str, headers: dict[str, str] | None = None):
        import websockets

        stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        return websockets.connect(
            stream, subprotocols=["streamlit"], max_size=None, open_timeout=60, additional_headers=headers or {}
        )

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        real_recv = self._ws.recv

        async def recv() -> bytes:
            raw = await real_recv()
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "html":
                    self.html.append(element.html.body)
            return raw

        self._ws.recv = recv
        try:
            await super()._until_finished()
        finally:
            self._ws.recv = real_recv


def _ticket(tab: Tab) -> str:
    for body in tab.html:
        found = re.search(re.escape(cookies.SESSION_ROUTE) + r"'?, \{method: 'POST', body: '([A-Za-z0-9_-]+)'", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no ticket for the cookie route on the page: {tab.html}")


def _post(url: str, body: str, origin: str) -> tuple[int, list[str]]:
    request = urllib.request.Request(  # noqa: S310 (our own server, http)
        url, data=body.encode(), method="POST", headers={"Origin": origin}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (our own server)
            return answer.status, answer.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        return exc.code, []


async def _sign_in_and_come_back(url: str) -> tuple[str, bool]:
    """Sign in on a new tab, trade the ticket for the cookie, then open another tab with only the
    cookie: (the cookie's value, whether the second tab was signed in)."""
    # as nginx on this machine sends it (PERFDASH_TRUSTED_PROXIES=127.0.0.1): the visitor claimed
    # 198.51.100.1 itself; the proxy saw 203.0.113.9
    async with Tab.open(url, {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}) as ws:
        tab = Tab(ws)
        await tab.run()
        await tab.sign_in("admin", PASSWORD)
        ticket = _ticket(tab)
    status, set_cookies = await asyncio.to_thread(_post, url + cookies.SESSION_ROUTE, ticket, url)
    assert status == 204, status
    jar = SimpleCookie()
    for header in set_cookies:
        jar.load(header)
    value = jar[cookies.COOKIE_NAME].value
    async with Tab.open(url, {"Cookie": f"{cookies.COOKIE_NAME}={value}"}) as ws:
        again = Tab(ws)
        await again.run()
        signed_in = "用户名" not in again.widgets and "总览" in again.pages
    return value, signed_in


async def _handshake(url: str, origin: str) -> int:
    """The HTTP status of a websocket handshake sent with ``origin`` (101: accepted)."""
    import websockets

    try:
        async with Tab.open(url, {"Origin": origin}):
            return 101
    except websockets.InvalidStatus as exc:
        return exc.response.status_code


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{password}@{parts.hostname}:{parts.port}"))


@pytest.fixture
def city_server(pg_cluster, tmp_path):
    """The README's city example: one ``serve`` on PostgreSQL, the URL with a password, no cookie
    secret; its whole output (stdout and stderr) in a file."""
    db = _with_password(pg_cluster.new_database(), DB_PASSWORD)
    port = servers.free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PERFDASH_COOKIE_SECRET", "PERFDASH_PUBLIC_URL")}
    env |= {
        "PERFDASH_DB": db,
        "PERFDASH_ADMIN_PASSWORD": PASSWORD,
        "PERFDASH_SECRETS_DIR": str(tmp_path / "keys"),
        "PERFDASH_BACKUP_DIR": str(tmp_path / "backups"),
        "PERFDASH_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "PERFDASH_SHOW_ERRORS": "0",
        "PERFDASH_TRUSTED_PROXIES": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "perfdash", "serve", "--port", str(port), "--address", "127.0.0.1"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        assert servers.healthy(url, process, 120), log.read_text()
        yield url, process, log, tmp_path, db
    finally:
        servers.stop(process, 30)


def test_city_sign_ins_keep_their_cookie_and_no_log_holds_the_password(city_server):
    import psycopg

    url, process, log, folder, db = city_server

    async def visits() -> list[tuple[str, bool]]:
        return [await _sign_in_and_come_back(url) for _ in range(SIGN_INS)]

    results = servers.run_apart(visits())
    assert [signed_in for _, signed_in in results] == [True] * SIGN_INS
    assert len({value for value, _ in results}) == SIGN_INS  # a session, and a cookie, each
    with psycopg.connect(db, autocommit=True) as conn:
        sources = conn.execute("SELECT source, count(*) FROM sessions GROUP BY source").fetchall()
    assert sources == [("203.0.113.9", SIGN_INS)]  # the rightmost address the trusted proxy did not write
    # the key lives in the secrets folder; nothing was made from the database's URL
    assert (folder / "keys" / "cookie.key").exists()
    assert not list(PROJECT_ROOT.glob("postgresql*")) and not list(Path.cwd().glob("postgresql*"))

    # pages of another origin cannot open the websocket: localhost on another port, this machine's
    # own address on another port, another site; the page's own origin (and a program) can
    other = servers.free_port()
    for origin, status in (
        (f"http://localhost:{other}", 403),
        (f"http://127.0.0.1:{other}", 403),
        ("http://evil.example", 403),
        (url, 101),
    ):
        assert servers.run_apart(_handshake(url, origin)) == status, origin

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    output = log.read_text()
    assert "看板已就绪" in output and "postgresql://postgres:***@" in output
    assert "Traceback" not in output, output[-3000:]
    assert DB_PASSWORD not in output, [line for line in output.splitlines() if DB_PASSWORD in line]
    assert output.count("拒绝来自其他网页的连接") == 3
