"""The first visit, light on a slow line: Streamlit's static bundles (plotly.js alone is 4.7 MB)
go out gzipped to a browser that accepts it, compressed once per process and kept.

Streamlit serves ``/static/`` uncompressed on purpose: compressing every request at the origin
costs CPU on each hit, and its bundles are content-hashed and cached by the browser for a year,
so each browser fetches them once. That once is the bureau's slowest wait on a slow line (4.7 MB
of plotly.js at 10 Mbit/s is about 4 s). Here each bundle is compressed the first time it is asked
for and the bytes are kept, so the CPU is spent once per bundle, not per visitor; Streamlit's own
headers (the year-long ``immutable`` cache) stay as they are. Behind the sample nginx, nginx
compresses instead (deploy/nginx-perfdash.conf); the bytes it receives are then already gzipped."""

from __future__ import annotations

import gzip
import threading

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMPRESSIBLE = (
    b"javascript",
    b"text/",
    b"json",
    b"svg",
    b"wasm",
    b"xml",
    b"font/ttf",
    b"font/otf",
    b"vnd.ms-fontobject",
)
MIN_BYTES = 1024  # smaller ones gain nothing worth a header
MAX_KEPT_BYTES = 64 * 1024 * 1024  # the compressed bundles kept (Streamlit's come to about 6 MB)
LEVEL = 6  # within a few per cent of level 9 on these bundles, at a third of the time


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def accepts_gzip(scope: Scope) -> bool:
    """Whether the request's Accept-Encoding names gzip (without q=0)."""
    raw = _header(list(scope.get("headers") or ()), b"accept-encoding") or b""
    for part in raw.decode("latin-1").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            return True
    return False


class Kept:
    """Compressed bundles by path and the identity of what was compressed (its ETag or length and
    modification time), within MAX_KEPT_BYTES (past it, nothing more is kept: it is still sent
    compressed)."""

    def __init__(self, limit: int = MAX_KEPT_BYTES) -> None:
        self.limit = limit
        self._kept: dict[tuple[str, bytes], bytes] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, bytes]) -> bytes | None:
        with self._lock:
            return self._kept.get(key)

    def put(self, key: tuple[str, bytes], data: bytes) -> None:
        with self._lock:
            if key in self._kept or self._bytes + len(data) > self.limit:
                return
            self._kept[key] = data
            self._bytes += len(data)


KEPT = Kept()


class StaticGzip:
    """Gzip the responses of ``/static/`` (Streamlit's bundles) for browsers that accept it, each
    bundle compressed once (see the module's docstring). Anything else passes untouched: other
    paths, range requests, statuses other than 200, bodies already encoded or not compressible."""

    def __init__(self, app: ASGIApp, kept: Kept = KEPT) -> None:
        self.app = app
        self.kept = kept

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or "/static/" not in scope.get("path", "")
            or _header(list(scope.get("headers") or ()), b"range") is not None
            or not accepts_gzip(scope)
        ):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def capture(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                kind = (_header(headers, b"content-type") or b"").lower()
                passing = (
                    message["status"] != 200
                    or _header(headers, b"content-encoding") is not None
                    or not any(k in kind for k in COMPRESSIBLE)
                )
                if passing:
                    await send(message)
                else:
                    start = message
                return
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if passing or start is None:
            return
        await self._send_compressed(scope, start, b"".join(chunks), send)

    async def _send_compressed(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        headers = [(k, v) for k, v in start.get("headers") or () if k.lower() != b"content-length"]
        if len(body) < MIN_BYTES:
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        etag = _header(headers, b"etag")
        identity = etag or (str(len(body)).encode() + b"/" + (_header(headers, b"last-modified") or b""))
        key = (scope["path"], identity)
        packed = self.kept.get(key)
        if packed is None:
            packed = await run_in_threadpool(gzip.compress, body, LEVEL, mtime=0)
            self.kept.put(key, packed)
        headers = [(k, v) for k, v in headers if k.lower() not in (b"etag", b"vary")]
        if etag:  # another representation, another tag (a cache must not mix the two)
            headers.append((b"etag", etag[:-1] + b'-gzip"' if etag.endswith(b'"') else etag + b"-gzip"))
        headers += [
            (b"content-encoding", b"gzip"),
            (b"vary", b"Accept-Encoding"),
            (b"content-length", str(len(packed)).encode()),
        ]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": packed})


MIDDLEWARE = [Middleware(StaticGzip)]
