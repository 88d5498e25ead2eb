"""Staying signed in across reloads: a session token in an HttpOnly cookie, signed with the
server's own secret, handed over through a one-time ticket.

The browser talks to the app over a WebSocket, which cannot set cookies. After a sign-in the
page asks the server (a small HTTP route, perfdash.app.web) to set the cookie, naming a ticket
that is good once, for a minute, and stands for the new session's token; the token itself never
reaches the page's JavaScript. Every later visit (F5, a bookmark, a link opened in another tab)
sends the cookie with the WebSocket's handshake, and the token in it counts only while the
server's ``sessions`` table says the session holds: signing out, an expired session, a new
password or a disabled account end it, whatever cookies are still around."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

from perfdash.core import settings

COOKIE_NAME = "perfdash_session"
SESSION_ROUTE = "/_perfdash/session"  # POST a ticket: the response sets the cookie
SIGN_OUT_ROUTE = "/_perfdash/sign-out"  # POST: the response removes it
TICKET_SECONDS = 60.0
MAX_COOKIE_CHARS = 200  # a token (43) and its signature (43): anything longer is not ours


def secret_file(db_file: str | Path) -> Path:
    """Where the signing secret of a database's server is kept (beside the database file)."""
    return Path(f"{Path(db_file).resolve()}.cookie-secret")


_SECRETS: dict[str, bytes] = {}
_SECRETS_LOCK = threading.Lock()


def secret(db_file: str | Path) -> bytes:
    """The key cookies are signed with: PERFDASH_COOKIE_SECRET, else a random key made on first
    use and kept in a file beside the database (readable by the server's user only), so that
    cookies outlive a restart. Deleting the file signs everyone out."""
    configured = settings.cookie_secret()
    if configured:
        return configured.encode()
    path = secret_file(db_file)
    with _SECRETS_LOCK:
        if str(path) not in _SECRETS:
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
            _SECRETS[str(path)] = path.read_text().strip().encode()
        return _SECRETS[str(path)]


def _mac(token: str, key: bytes) -> str:
    digest = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(token: str, key: bytes) -> str:
    """The cookie's value: the token and its signature."""
    return f"{token}.{_mac(token, key)}"


def unsign(value: str | None, key: bytes) -> str | None:
    """The token in a cookie whose signature holds; None for anything else (absent, altered,
    signed with another key, too long)."""
    if not value or len(value) > MAX_COOKIE_CHARS or "." not in value:
        return None
    token, mac = value.rsplit(".", 1)
    return token if token and hmac.compare_digest(mac, _mac(token, key)) else None


class Tickets:
    """One-time tickets, each standing for a session token for TICKET_SECONDS: the page hands
    one to the browser, which trades it for the cookie. Kept in this process's memory (the page
    and the route that sets the cookie run in the same server process)."""

    def __init__(self, seconds: float = TICKET_SECONDS) -> None:
        self.seconds = seconds
        self._open: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, token: str, now: float | None = None) -> str:
        """A new ticket for ``token``."""
        now = time.monotonic() if now is None else now
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            self._open = {k: v for k, v in self._open.items() if v[1] > now}  # drop the stale
            self._open[ticket] = (token, now + self.seconds)
        return ticket

    def redeem(self, ticket: str, now: float | None = None) -> str | None:
        """The token a ticket stands for, once; None when unknown, used or expired."""
        now = time.monotonic() if now is None else now
        with self._lock:
            found = self._open.pop(ticket, None)
        return found[0] if found and found[1] > now else None


TICKETS = Tickets()
# Whether this server process has the route that sets the cookie (perfdash.app.web): under a
# plain ``streamlit run app.py`` it has not, and a sign-in lasts as long as the browser tab.
ROUTES = {"enabled": False}


def cookie_routes_enabled() -> bool:
    """Whether a sign-in can be kept in a cookie by this server."""
    return ROUTES["enabled"]
