"""Staying signed in across reloads: a session token in an HttpOnly cookie, signed with the
server's own secret, handed over through a one-time ticket.

The browser talks to the app over a WebSocket, which cannot set cookies. After a sign-in the
page asks the server (a small HTTP route, perfdash.server.web) to set the cookie, naming a ticket
that is good once, for a minute, and stands for the new session's token; the token itself never
reaches the page's JavaScript. Every later visit (F5, a bookmark, a link opened in another tab)
sends the cookie with the WebSocket's handshake, and the token in it counts only while the
server's ``sessions`` table says the session holds: signing out, an expired session, a new
password or a disabled account end it, whatever cookies are still around."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import NamedTuple

from itsdangerous import BadSignature, Signer

from perfdash.core import keys, settings

COOKIE_NAME = "perfdash_session"
SESSION_ROUTE = "/_perfdash/session"  # POST a ticket: the response sets the cookie
SIGN_OUT_ROUTE = "/_perfdash/sign-out"  # POST: the response removes it
TICKET_SECONDS = 60.0
MAX_COOKIE_CHARS = 200  # a token (43) and its signature (43): anything longer is not ours
# A browser someone signed in on keeps a second cookie naming the account (and a random id of the
# browser), long after signing out: the sign-in limits treat that account's attempts from that
# browser as their own source, so that failures elsewhere (an attacker's, or a neighbour's behind
# the same office address) never lock the person out of their own browser. See perfdash.ops.throttle.
KNOWN_BROWSER_COOKIE = "perfdash_browser"
KNOWN_BROWSER_DAYS = 400  # the longest a browser keeps a cookie


def secret() -> bytes:
    """The key cookies are signed with: PERFDASH_COOKIE_SECRET, else this installation's own
    random key (perfdash.core.keys, in PERFDASH_SECRETS_DIR), so that cookies outlive a restart
    and every process on the machine signs alike. Never derived from the database's location: a
    PostgreSQL URL holds a password. Deleting the key file signs everyone out."""
    configured = settings.cookie_secret()
    return configured.encode() if configured else keys.installation_key("cookie")


# Signed with itsdangerous (HMAC-SHA256, the signature in URL-safe base64 after a "."): the
# same bytes the hand-written signing of earlier versions made, so cookies already out there
# still hold after an upgrade. No timestamp in the value: how long a cookie counts is the
# ``sessions`` table's to say (and the browser's Max-Age), not the cookie's.
def _session_signer(key: bytes) -> Signer:
    return Signer(key, key_derivation="none", digest_method=hashlib.sha256)


def _browser_signer(key: bytes) -> Signer:
    # Its own key (HMAC of the secret and this salt), so that a session cookie can never pass for a
    # browser cookie or the reverse.
    return Signer(key, salt="perfdash known browser", key_derivation="hmac", digest_method=hashlib.sha256)


def _unsign(signer: Signer, value: str | None) -> str | None:
    if not value or len(value) > MAX_COOKIE_CHARS:
        return None
    try:
        token = signer.unsign(value).decode()
    except BadSignature:
        return None
    return token or None


def sign(token: str, key: bytes) -> str:
    """The cookie's value: the token and its signature."""
    return _session_signer(key).sign(token).decode()


def unsign(value: str | None, key: bytes) -> str | None:
    """The token in a cookie whose signature holds; None for anything else (absent, altered,
    signed with another key, too long)."""
    return _unsign(_session_signer(key), value)


def known_browser(username: str, key: bytes) -> str:
    """A new known-browser cookie's value for ``username``: the name, a random id, a signature."""
    return _browser_signer(key).sign(f"{username}~{secrets.token_urlsafe(12)}").decode()


def browser_source(value: str | None, username: str, key: bytes) -> str | None:
    """The sign-in source a known-browser cookie stands for ("browser:" and its id) when it is ours
    and names ``username``; None otherwise (absent, forged, another account's)."""
    payload = _unsign(_browser_signer(key), value)
    if payload is None or "~" not in payload:
        return None
    name, browser = payload.rsplit("~", 1)
    return f"browser:{browser}" if name == username and browser else None


class Ticket(NamedTuple):
    """What a redeemed ticket stands for: the session's token and its account's name."""

    token: str
    username: str


class Tickets:
    """One-time tickets, each standing for a session token for TICKET_SECONDS: the page hands
    one to the browser, which trades it for the cookie. Kept in this process's memory (the page
    and the route that sets the cookie run in the same server process)."""

    def __init__(self, seconds: float = TICKET_SECONDS) -> None:
        self.seconds = seconds
        self._open: dict[str, tuple[Ticket, float]] = {}
        self._spent: dict[str, float] = {}  # redeemed tickets, remembered as long as they would have lived
        self._lock = threading.Lock()

    def issue(self, token: str, username: str = "", now: float | None = None) -> str:
        """A new ticket for ``token`` (a session of ``username``)."""
        now = time.monotonic() if now is None else now
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            self._open = {k: v for k, v in self._open.items() if v[1] > now}  # drop the stale
            self._open[ticket] = (Ticket(token, username), now + self.seconds)
        return ticket

    def redeem(self, ticket: str, now: float | None = None) -> Ticket | None:
        """What a ticket stands for, once; None when unknown, used or expired."""
        now = time.monotonic() if now is None else now
        with self._lock:
            found = self._open.pop(ticket, None)
            if found and found[1] > now:
                self._spent = {k: v for k, v in self._spent.items() if v > now}
                self._spent[ticket] = now + self.seconds
                return found[0]
        return None

    def state(self, ticket: str, now: float | None = None) -> str:
        """'open' (waiting for the browser), 'spent' (the cookie was set) or 'gone' (expired
        unredeemed, or unknown): the page asks until the browser has traded it."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if ticket in self._spent:
                return "spent"
            found = self._open.get(ticket)
            return "open" if found and found[1] > now else "gone"


TICKETS = Tickets()
# Whether this server process has the route that sets the cookie (perfdash.server.web): under a
# plain ``streamlit run app.py`` it has not, and a sign-in lasts as long as the browser tab.
ROUTES = {"enabled": False}


def cookie_routes_enabled() -> bool:
    """Whether a sign-in can be kept in a cookie by this server."""
    return ROUTES["enabled"]
