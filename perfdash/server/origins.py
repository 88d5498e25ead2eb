"""Which pages may talk to the server: the websocket every page opens (``/_stcore/stream``) and
the cookie routes (perfdash.server.web) accept a browser page only from the address the app is
published at (PERFDASH_PUBLIC_URL), else from exactly the host and port the request was sent to.

Streamlit's own check also lets in any page on localhost, 127.0.0.1 or this machine's own
addresses, on any port: another program's page on this machine (or one on another port of the
same address) could then drive a visitor's session with the visitor's cookies. ``PageOrigin``
runs in front of it (``python -m perfdash serve``) and refuses those handshakes before Streamlit
sees them."""

from __future__ import annotations

import logging

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from perfdash.core import net, settings

log = logging.getLogger("perfdash")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def allowed(origin: str | None, host: str | None) -> bool:
    """Whether a page at ``origin`` (its Origin header) may use this server reached as ``host``."""
    return net.origin_allowed(origin, host, settings.public_origins())


class PageOrigin:
    """Refuse a websocket handshake from a page of another origin (closed with 1008 before it is
    accepted: the browser sees HTTP 403)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            origin, host = _header(scope, b"origin"), _header(scope, b"host")
            if not allowed(origin, host):
                log.warning("perfdash: 拒绝来自其他网页的连接：Origin %r，Host %r", origin, host)
                await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


MIDDLEWARE = [Middleware(PageOrigin)]
