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
    t = tickets.issue("token-1", "zhongjiao", now=100.0)
    assert tickets.redeem(t, now=130.0) == ("token-1", "zhongjiao")
    assert tickets.redeem(t, now=131.0) is None  # used
    late = tickets.issue("token-2", now=100.0)
    assert tickets.redeem(late, now=161.0) is None  # expired
    assert tickets.redeem("made-up", now=100.0) is None


def test_the_secret_is_the_installations_own_key_never_a_path_from_the_database(tmp_path, monkeypatch):
    """Finding (issue 29): with PERFDASH_DB=postgresql://user:secret@… the key file's name was made
    from the URL, and every sign-in failed with a traceback holding the password."""
    from perfdash.core import keys

    monkeypatch.delenv("PERFDASH_COOKIE_SECRET", raising=False)
    monkeypatch.setenv("PERFDASH_SECRETS_DIR", str(tmp_path / "keys"))
    monkeypatch.chdir(tmp_path)
    keys.forget()
    for db in ("postgresql://user:secret@127.0.0.1:1/db", str(tmp_path / "x.duckdb")):
        monkeypatch.setenv("PERFDASH_DB", db)
        first = cookies.secret()
        assert len(first) == 64 and cookies.secret() == first
    path = tmp_path / "keys" / "cookie.key"
    assert path.read_text().strip().encode() == first
    assert path.stat().st_mode & 0o077 == 0
    made = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert made == ["keys", "keys/cookie.key"]  # nothing beside a database, nothing named after a URL
    assert not hasattr(cookies, "secret_file")
    monkeypatch.setenv("PERFDASH_COOKIE_SECRET", "configured")
    assert cookies.secret() == b"configured"
    keys.forget()


def test_a_known_browser_cookie_names_one_account_and_cannot_be_made_elsewhere():
    value = cookies.known_browser("admin", KEY)
    source = cookies.browser_source(value, "admin", KEY)
    assert source is not None and source.startswith("browser:") and len(source) <= 64
    assert cookies.browser_source(value, "zhongjiao", KEY) is None  # another account's browser
    assert cookies.browser_source(value, "admin", b"another key") is None
    assert cookies.browser_source(cookies.sign("admin~abc", KEY), "admin", KEY) is None  # a session cookie's key
    assert cookies.browser_source(None, "admin", KEY) is None
    assert cookies.known_browser("admin", KEY) != value  # each browser its own id


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
    monkeypatch.delenv("PERFDASH_PUBLIC_URL", raising=False)
    from perfdash.server import web

    return Client(web)


def _set_cookies(answer) -> dict[str, str]:
    """Every cookie a response sets, by name: its whole Set-Cookie header."""
    return {v.split("=", 1)[0]: v for k, v in answer.headers.items() if k == "set-cookie"}


def test_a_ticket_from_the_page_sets_an_httponly_strict_cookie(client, tmp_path):
    ticket = cookies.TICKETS.issue("the-token", "zhongjiao")
    answer = client.post(cookies.SESSION_ROUTE, content=ticket, headers={"Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 204
    header = _set_cookies(answer)[cookies.COOKIE_NAME]
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/" in header
    value = SimpleCookie(header)[cookies.COOKIE_NAME].value
    assert cookies.unsign(value, cookies.secret()) == "the-token"
    # ... and marks the browser as one zhongjiao signs in on, for a long time
    browser = _set_cookies(answer)[cookies.KNOWN_BROWSER_COOKIE]
    assert "HttpOnly" in browser and "SameSite=strict" in browser and "Max-Age=34560000" in browser
    known = SimpleCookie(browser)[cookies.KNOWN_BROWSER_COOKIE].value
    assert cookies.browser_source(known, "zhongjiao", cookies.secret()) is not None
    again = client.post(cookies.SESSION_ROUTE, content=ticket, headers={"Sec-Fetch-Site": "same-origin"})
    assert again.status_code == 403  # a ticket is good once


def test_a_known_browser_keeps_its_cookie_at_the_next_sign_in(client):
    known = cookies.known_browser("zhongjiao", cookies.secret())
    ticket = cookies.TICKETS.issue("token-2", "zhongjiao")
    headers = {"Sec-Fetch-Site": "same-origin", "Cookie": f"{cookies.KNOWN_BROWSER_COOKIE}={known}"}
    answer = client.post(cookies.SESSION_ROUTE, content=ticket, headers=headers)
    assert answer.status_code == 204
    assert set(_set_cookies(answer)) == {cookies.COOKIE_NAME}  # the browser keeps its id


def test_with_a_public_address_only_its_pages_set_the_cookie(client, monkeypatch):
    monkeypatch.setenv("PERFDASH_PUBLIC_URL", "https://jx.example.gov.cn")
    for headers, status in (
        ({"Sec-Fetch-Site": "same-origin", "Origin": "https://jx.example.gov.cn"}, 204),
        ({"Origin": "https://jx.example.gov.cn:443"}, 204),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, 403),
        ({"Origin": "http://localhost:8501"}, 403),
    ):
        ticket = cookies.TICKETS.issue("the-token", "zhongjiao")
        assert client.post(cookies.SESSION_ROUTE, content=ticket, headers=headers).status_code == status, headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://evil.example"},
        {"Origin": "http://localhost:9999"},  # another program's page on this machine
        {"Origin": "null"},
    ],
    ids=["fetch-metadata", "origin", "localhost-other-port", "null"],
)
def test_another_site_cannot_plant_or_clear_a_session(client, headers):
    ticket = cookies.TICKETS.issue("the-token")
    assert client.post(cookies.SESSION_ROUTE, content=ticket, headers=headers).status_code == 403
    assert client.post(cookies.SIGN_OUT_ROUTE, headers=headers).status_code == 403
    assert cookies.TICKETS.redeem(ticket).token == "the-token"  # refused before the ticket was spent


def test_sign_out_clears_the_cookie(client):
    answer = client.post(cookies.SIGN_OUT_ROUTE, headers={"Origin": "http://testserver"})
    assert answer.status_code == 204
    header = _set_cookie(answer)
    assert header.startswith(f"{cookies.COOKIE_NAME}=") and "Max-Age=0" in header and "HttpOnly" in header
    assert cookies.KNOWN_BROWSER_COOKIE not in header  # the browser stays known after signing out


def test_a_ticket_is_open_until_the_browser_trades_it_then_spent_and_expired_ones_are_gone():
    tickets = cookies.Tickets(seconds=60)
    ticket = tickets.issue("token", "zhongjiao", now=0.0)
    assert tickets.state(ticket, now=10.0) == "open"
    assert tickets.redeem(ticket, now=20.0).token == "token"
    assert tickets.state(ticket, now=21.0) == "spent"  # the page stops asking the browser
    assert tickets.redeem(ticket, now=22.0) is None  # still good only once
    late = tickets.issue("token", "zhongjiao", now=100.0)
    assert tickets.state(late, now=161.0) == "gone"  # never traded: the page issues a new one
    assert tickets.state("made-up", now=0.0) == "gone"
