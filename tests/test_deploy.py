"""The sample nginx config of the city deployment (deploy/nginx-perfdash.conf), run by Debian's
nginx in front of two stand-in app processes: a browser's requests all reach one process (by its
routing cookie), different browsers are spread over both, websocket upgrades pass through."""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading
import urllib.request
from collections import Counter

import pytest

from perfdash.bench.servers import free_port
from perfdash.core.settings import PROJECT_ROOT
from tests.system_packages import ensure
from tests.waiting import wait_until

CONFIG = PROJECT_ROOT / "deploy" / "nginx-perfdash.conf"
BUNDLE = b"var plotly = function () { return 1; };\n" * 500  # 20 KB of script


def _backend(name: str) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"{name}|{self.headers.get('Upgrade', '')}|{self.headers.get('X-Forwarded-For', '')}".encode()
            kind = "text/plain"
            if self.path == "/static/bundle.js":  # a bundle as Streamlit sends it: uncompressed
                body, kind = BUNDLE, "application/javascript"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


@pytest.fixture
def proxy(tmp_path):
    ensure(["/usr/sbin/nginx"], ["nginx"], "反向代理的示例配置需要 nginx 检查")
    backends = [_backend("A"), _backend("B")]
    port = free_port()
    site = CONFIG.read_text(encoding="utf-8")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    for sample, (_, p) in zip(("127.0.0.1:8501", "127.0.0.1:8502"), backends, strict=True):
        site = site.replace(sample, f"127.0.0.1:{p}")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path}; "
        f"include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    assert "server 127.0.0.1:8501" not in site  # the sample's upstreams were replaced
    nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        _wait_for(port, nginx)
        yield f"http://127.0.0.1:{port}/"
    finally:
        nginx.terminate()
        nginx.wait(10)
        for server, _ in backends:
            server.shutdown()


def _wait_for(port: int, process: subprocess.Popen) -> None:
    """Until nginx accepts connections on ``port`` (or has exited, with its message)."""

    def accepts() -> bool:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return False
        return True

    wait_until(accepts, 20, f"nginx accepting connections on port {port}", every=0.05)


def _get(url: str, cookie: str | None = None, upgrade: bool = False) -> tuple[str, str | None]:
    request = urllib.request.Request(url)  # noqa: S310 (http to the local proxy)
    if cookie:
        request.add_header("Cookie", cookie)
    if upgrade:
        request.add_header("Upgrade", "websocket")
        request.add_header("Connection", "Upgrade")
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.read().decode(), response.headers.get("Set-Cookie")


def test_one_browser_stays_with_one_process_and_browsers_spread(proxy):
    body, cookie = _get(proxy)
    assert cookie and cookie.startswith("perfdash_route=") and "HttpOnly" in cookie
    jar = cookie.split(";")[0]
    first = body.split("|")[0]
    again = [_get(proxy, jar) for _ in range(20)]
    assert {b.split("|")[0] for b, _ in again} == {first}  # every request of this browser: one process
    assert {c for _, c in again} == {None}  # the cookie is given once
    assert _get(proxy, jar, upgrade=True)[0].split("|")[:2] == [first, "websocket"]
    assert _get(proxy)[0].split("|")[2] == "127.0.0.1"  # the visitor's address, for the sign-in limit
    spread = Counter(_get(proxy)[0].split("|")[0] for _ in range(40))  # 40 new browsers: in turn
    assert spread == {"A": 20, "B": 20}, spread


def test_bundles_go_out_gzipped_to_a_browser_that_accepts_it(proxy):
    import gzip

    for accepts, encoding in (("gzip, deflate, br", "gzip"), ("identity", None)):
        request = urllib.request.Request(proxy + "static/bundle.js", headers={"Accept-Encoding": accepts})  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            raw = response.read()
            assert response.headers.get("Content-Encoding") == encoding
        body = gzip.decompress(raw) if encoding else raw
        assert body == BUNDLE
        if encoding:
            assert len(raw) < len(BUNDLE) / 20  # 20 KB of repeated script: a few hundred bytes
