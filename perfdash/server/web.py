"""The server: Streamlit's app (app.py) plus two small HTTP routes that set and clear the sign-in
cookie (see perfdash.ops.cookies). ``python -m perfdash serve`` runs this; a plain
``streamlit run app.py`` has no such routes, and a sign-in then lasts as long as its tab.

Both routes answer POSTs from the app's own pages only (Sec-Fetch-Site, and the Origin against
the published address, perfdash.server.origins): another site cannot plant its own session in a
visitor's browser. Setting the sign-in cookie also marks the browser as one the account signs in
on (a second, long-lived cookie: see perfdash.ops.throttle)."""

from __future__ import annotations

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from perfdash.core import settings
from perfdash.ops import cookies
from perfdash.server import compress, origins, upload_gate

APP_SCRIPT = settings.PROJECT_ROOT / "app.py"


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    if site == "same-origin" and not settings.public_origins():
        return True  # the browser's own word, which no page can forge
    return origins.allowed(request.headers.get("origin"), request.headers.get("host"))


def _https(request: Request) -> bool:
    """Whether the visitor reached us over HTTPS (directly, or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def set_session(request: Request) -> Response:
    """Trade a one-time ticket for the cookie that keeps this browser signed in."""
    if not _same_origin(request):
        return Response(status_code=403)
    ticket = (await request.body())[:100].decode(errors="replace").strip()
    found = cookies.TICKETS.redeem(ticket)
    if found is None:
        return Response(status_code=403)
    key = cookies.secret()
    response = Response(status_code=204)
    response.set_cookie(
        cookies.COOKIE_NAME,
        cookies.sign(found.token, key),
        max_age=int(settings.session_hours() * 3600),
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="strict",
    )
    known = request.cookies.get(cookies.KNOWN_BROWSER_COOKIE)
    if found.username and cookies.browser_source(known, found.username, key) is None:
        response.set_cookie(
            cookies.KNOWN_BROWSER_COOKIE,
            cookies.known_browser(found.username, key),
            max_age=cookies.KNOWN_BROWSER_DAYS * 86400,
            path="/",
            secure=_https(request),
            httponly=True,
            samesite="strict",
        )
    return response


async def clear_session(request: Request) -> Response:
    """Remove the cookie (the session itself was ended on the server when the person signed out)."""
    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204)
    response.delete_cookie(cookies.COOKIE_NAME, path="/", secure=_https(request), httponly=True, samesite="strict")
    return response


ROUTES = [
    Route(cookies.SESSION_ROUTE, set_session, methods=["POST"]),
    Route(cookies.SIGN_OUT_ROUTE, clear_session, methods=["POST"]),
]
cookies.ROUTES["enabled"] = True
# Uploads only from signed-in sessions with an uploader on screen, within caps (perfdash.server.upload_gate).
# Pages of other origins refused first (perfdash.server.origins), then the upload gate; static bundles
# go out gzipped (perfdash.server.compress).
app = st.App(
    str(APP_SCRIPT), routes=ROUTES, middleware=[*compress.MIDDLEWARE, *origins.MIDDLEWARE, *upload_gate.MIDDLEWARE]
)
