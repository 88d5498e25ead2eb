"""Static bundles go out gzipped, compressed once (perfdash.server.compress, #37): driven as an
ASGI app, as uvicorn drives it."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from perfdash.server import compress

BUNDLE = b"function plotly(){return 1}\n" * 2000  # 56 KB of JavaScript
JS = b"application/javascript"


def _downstream(
    body: bytes = BUNDLE, status: int = 200, kind: bytes = JS, extra: tuple = (), calls: list | None = None
):
    async def app(scope, receive, send):
        if calls is not None:
            calls.append(scope["path"])
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"etag", b'"abc"')]
        await send({"type": "http.response.start", "status": status, "headers": headers + list(extra)})
        for at in range(0, len(body), 16384):  # streamed in chunks, as a file response is
            await send({"type": "http.response.body", "body": body[at : at + 16384], "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


def _get(app, path: str = "/static/js/PlotlyChart.js", method: str = "GET", **headers: str):
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_a_bundle_goes_out_gzipped_to_a_browser_that_accepts_it_and_unchanged_once_unpacked():
    app = compress.StaticGzip(_downstream(), compress.Kept())
    status, headers, body = _get(app, accept_encoding="gzip, deflate, br")
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body) < len(BUNDLE) / 20
    assert gzip.decompress(body) == BUNDLE
    assert headers["etag"] == '"abc-gzip"'  # not the identity's tag: a cache must not mix the two


def test_each_bundle_is_compressed_once(monkeypatch):
    packed: list[int] = []
    real = gzip.compress
    monkeypatch.setattr(
        compress.gzip, "compress", lambda data, *a, **k: packed.append(len(data)) or real(data, *a, **k)
    )
    app = compress.StaticGzip(_downstream(), compress.Kept())
    first = _get(app, accept_encoding="gzip")[2]
    assert _get(app, accept_encoding="gzip")[2] == first
    assert packed == [len(BUNDLE)]


@pytest.mark.parametrize(
    ("path", "headers", "downstream"),
    [
        ("/static/js/PlotlyChart.js", {}, {}),  # no Accept-Encoding
        ("/static/js/PlotlyChart.js", {"accept_encoding": "gzip;q=0, br"}, {}),  # refused explicitly
        ("/static/js/PlotlyChart.js", {"accept_encoding": "gzip", "range": "bytes=0-99"}, {}),
        ("/_stcore/health", {"accept_encoding": "gzip"}, {}),  # not a bundle
        ("/static/media/logo.png", {"accept_encoding": "gzip"}, {"kind": b"image/png"}),
        ("/static/js/gone.js", {"accept_encoding": "gzip"}, {"status": 404}),
        ("/static/js/PlotlyChart.js", {"accept_encoding": "gzip"}, {"extra": ((b"content-encoding", b"br"),)}),
    ],
)
def test_anything_else_passes_untouched(path, headers, downstream):
    _, got, body = _get(compress.StaticGzip(_downstream(**downstream), compress.Kept()), path, **headers)
    assert body == BUNDLE and got.get("content-encoding") != "gzip"


def test_a_small_file_is_sent_as_it_is():
    _, headers, body = _get(compress.StaticGzip(_downstream(b"x=1"), compress.Kept()), accept_encoding="gzip")
    assert body == b"x=1" and "content-encoding" not in headers and headers["content-length"] == "3"


def test_what_is_kept_stays_within_its_limit():
    kept = compress.Kept(limit=100)
    kept.put(("/a", b"1"), b"x" * 80)
    kept.put(("/b", b"1"), b"y" * 80)  # over the limit: sent compressed, not kept
    assert kept.get(("/a", b"1")) == b"x" * 80 and kept.get(("/b", b"1")) is None
