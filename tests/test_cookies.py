"""The sign-in cookie: its signature, the one-time tickets that set it, and the two routes that
set and clear it (only for the app's own pages)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from http.cookies import SimpleCookie

import pytest
from starlette.requests import Request

from perfdash.ops import cookies

KEY = b"k" * 32


def test_a_signed_token_comes_back_and_an_altered_one_does_not():
    value = cookies.sign("abc123", KEY)
    assert value.startswith("abc123.")
    assert cookies.unsign(value, KEY) == "abc123"
    assert cookies.unsign(value, b"another key") is None
    assert cookies.unsign("abd123" + value[6:], KEY) is None  # the token changed, not its signature
    assert cookies.unsign(value[:-1], KEY) is None
    for junk in (None, "", "no-dot", "." * 300):
        assert cookies.unsign(junk, KEY) is None


def test_a_ticket_is_good_once_and_for_a_minute():
    tickets = cookies.Tickets(seconds=60)
    t = tickets.issue("token-1", now=100.0)
    assert tickets.redeem(t, now=130.0) == "token-1"
    assert tickets.redeem(t, now=131.0) is None  # used
    late = tickets.issue("token-2", now=100.0)
    assert tickets.redeem(late, now=161.0) is None  # expired
    assert tickets.redeem("made-up", now=100.0) is None


def test_the_secret_is_made_once_kept_beside_the_database_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("PERFDASH_COOKIE_SECRET", raising=False)
    db = tmp_path / "x.duckdb"
    first = cookies.secret(db)
    assert len(first) == 64 and cookies.secret(db) == first
    path = cookies.secret_file(db)
    assert path.read_text().strip().encode() == first
    assert path.stat().st_mode & 0o077 == 0
    monkeypatch.setenv("PERFDASH_COOKIE_SECRET", "configured")
    assert cookies.secret(db) == b"configured"


class Client:
    """Calls the cookie routes' handlers as the server would, with a request built by hand."""

    def __init__(self, web) -> None:
        self.handlers = {cookies.SESSION_ROUTE: web.set_session, cookies.SIGN_OUT_ROUTE: web.clear_session}

    def post(self, path: str, content: str = "", headers: dict[str, str] | None = None):
        raw = [(b"host", b"testserver")] + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        scope = {"type": "http", "method": "POST", "path": path, "headers": raw, "scheme": "http", "query_string": b""}

        async def receive():
            return {"type": "http.request", "body": content.encode(), "more_body": False}

        # On a thread of its own: the browser tests' Playwright keeps an event loop running here.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self.handlers[path](Request(scope, receive))).result()


def _set_cookie(answer) -> str:
    return answer.headers.get("set-cookie", "")


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDASH_DB", str(tmp_path / "routes.duckdb"))
    monkeypatch.delenv("PERFDASH_COOKIE_SECRET", raising=False)
    from perfdash.app import web

    return Client(web)


def test_a_ticket_from_the_page_sets_an_httponly_strict_cookie(client, tmp_path):
    ticket = cookies.TICKETS.issue("the-token")
    answer = client.post(cookies.SESSION_ROUTE, content=ticket, headers={"Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 204
    header = _set_cookie(answer)
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/" in header
    value = SimpleCookie(header)[cookies.COOKIE_NAME].value
    assert cookies.unsign(value, cookies.secret(tmp_path / "routes.duckdb")) == "the-token"
    again = client.post(cookies.SESSION_ROUTE, content=ticket, headers={"Sec-Fetch-Site": "same-origin"})
    assert again.status_code == 403  # a ticket is good once


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}],
    ids=["fetch-metadata", "origin"],
)
def test_another_site_cannot_plant_or_clear_a_session(client, headers):
    ticket = cookies.TICKETS.issue("the-token")
    assert client.post(cookies.SESSION_ROUTE, content=ticket, headers=headers).status_code == 403
    assert client.post(cookies.SIGN_OUT_ROUTE, headers=headers).status_code == 403
    assert cookies.TICKETS.redeem(ticket) == "the-token"  # refused before the ticket was spent


def test_sign_out_clears_the_cookie(client):
    answer = client.post(cookies.SIGN_OUT_ROUTE, headers={"Origin": "http://testserver"})
    assert answer.status_code == 204
    header = _set_cookie(answer)
    assert header.startswith(f"{cookies.COOKIE_NAME}=") and "Max-Age=0" in header and "HttpOnly" in header
