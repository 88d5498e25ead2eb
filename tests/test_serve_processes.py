"""``python -m perfdash serve --processes N`` (perfdash/server/cluster.py): N app processes on one
PostgreSQL database behind Debian's nginx on one port. A browser's requests all reach the process
that holds its session, the sign-in cookie's ticket included (it lives in that process only);
different browsers are spread; the processes see each visitor's own address; SIGTERM leaves no
process behind; a process that dies is named and everything stops. A DuckDB file, a missing nginx
and a bad count are refused with one line."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from perfdash.bench import servers
from perfdash.core.settings import PROJECT_ROOT
from perfdash.ops import cookies
from perfdash.server import cluster
from tests.running import run_cli
from tests.system_packages import ensure
from tests.test_city_serve import Tab, _ticket
from tests.waiting import wait_until

PASSWORD = "a-long-test-password"
START_SECONDS = 300  # a new database's plan and demo history, then a second process, on a busy machine


def _ensure_nginx() -> None:
    ensure([cluster.NGINX], ["nginx"], "serve --processes 需要 nginx")


@dataclass
class Served:
    """A running ``serve --processes N``: its process, console (a file), address and children."""

    process: subprocess.Popen
    log: Path
    url: str
    children: dict[int, tuple[str, int]]  # number → (url, pid)
    runtime: Path
    db: str

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def upstreams(self, route: str) -> Counter:
        """Which process (port) nginx sent each request carrying the routing key ``route`` to."""
        lines = (self.runtime / "access.log").read_text(encoding="utf-8").splitlines()
        return Counter(
            int(re.search(r"upstream=[\d.]+:(\d+)", line).group(1)) for line in lines if f" route={route}" in line
        )

    def logged(self, route: str, requests: int = 1) -> Counter:
        """``upstreams(route)`` once nginx has logged ``requests`` of them (it writes a request's
        line after answering it)."""

        def enough() -> Counter | None:
            found = self.upstreams(route)
            return found if sum(found.values()) >= requests else None

        return wait_until(enough, 10, f"nginx's log lines for route {route}")

    def port_of(self, number: int) -> int:
        return int(urlsplit(self.children[number][0]).port or 0)


def _serve(pg_cluster, tmp_path: Path, processes: int = 2) -> Served:
    db = pg_cluster.new_database()  # empty: the first process makes its tables, plan and admin
    port = servers.free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PERFDASH_COOKIE_SECRET", "PERFDASH_PUBLIC_URL", "PERFDASH_TRUSTED_PROXIES")
    }
    env |= {
        "PERFDASH_DB": db,
        "PERFDASH_ADMIN_PASSWORD": PASSWORD,
        "PERFDASH_SECRETS_DIR": str(tmp_path / "keys"),
        "PERFDASH_BACKUP_DIR": str(tmp_path / "backups"),
        "PERFDASH_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "PERFDASH_BACKUP_EVERY": "0",
        "PERFDASH_SHOW_ERRORS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "serve.log"
    command = ["serve", "--processes", str(processes), "--port", str(port), "--address", "127.0.0.1"]
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "perfdash", *command],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def ready() -> bool:
        text = log.read_text(encoding="utf-8")
        assert process.poll() is None, text
        return "看板已就绪" in text

    wait_until(ready, START_SECONDS, "serve --processes says it is ready", every=0.2)
    text = log.read_text(encoding="utf-8")
    children = {int(n): (url, int(pid)) for n, url, pid in cluster.CHILD_READY.findall(text)}
    runtime = Path(text.split(cluster.RUNTIME_LINE, 1)[1].split("（", 1)[0])
    return Served(process, log, f"http://127.0.0.1:{port}", children, runtime, db)


@pytest.fixture
def served(pg_cluster, tmp_path):
    _ensure_nginx()
    run = _serve(pg_cluster, tmp_path)
    try:
        yield run
    finally:
        servers.stop(run.process, 60)


def _http(url: str, method: str = "GET", headers: dict | None = None, body: str = "", source: str = "127.0.0.1"):
    """One request from the local address ``source``: (status, Set-Cookie headers)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60, source_address=(source, 0))
    try:
        conn.request(method, parts.path or "/", body=body.encode() or None, headers=headers or {})
        answer = conn.getresponse()
        answer.read()
        return answer.status, answer.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()


def _cookie(headers: list[str], name: str) -> str:
    jar = SimpleCookie()
    for header in headers:
        jar.load(header)
    return jar[name].value


def _open_tab(url: str, headers: dict[str, str], source: str):
    import websockets

    return websockets.connect(
        url.replace("http://", "ws://", 1) + "/_stcore/stream",
        subprotocols=["streamlit"],
        max_size=None,
        open_timeout=60,
        additional_headers=headers,
        proxy=None,
        local_addr=(source, 0),
    )


async def _sign_in(url: str, route: str, source: str) -> str:
    """A tab of the browser holding routing key ``route`` signs in as admin; the page's ticket."""
    headers = {"Cookie": f"perfdash_route={route}", "Origin": url}
    async with _open_tab(url, headers, source) as ws:
        tab = Tab(ws)
        await tab.run()
        await tab.sign_in("admin", PASSWORD)
        return _ticket(tab)


async def _signed_in_by_cookie(url: str, route: str, session: str, source: str) -> bool:
    headers = {"Cookie": f"perfdash_route={route}; {cookies.COOKIE_NAME}={session}", "Origin": url}
    async with _open_tab(url, headers, source) as ws:
        tab = Tab(ws)
        await tab.run()
        return "用户名" not in tab.widgets and "总览" in tab.pages


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(x) for x in (task / "children").read_text().split()]
    return found


@pytest.mark.slow  # a real serve --processes 2: two app processes and nginx
def test_browsers_stay_with_their_process_and_the_cookie_sign_in_works_through_nginx(served):
    url = served.url
    assert sorted(served.children) == [1, 2], served.output()
    assert all(_alive(pid) for _, pid in served.children.values())
    ports = {served.port_of(1), served.port_of(2)}

    # New browsers: the first visit gets a routing cookie; until two land on different processes.
    browsers: dict[int, str] = {}
    for _ in range(24):
        status, set_cookies = _http(url + "/")
        assert status == 200 and len(set_cookies) == 1 and "HttpOnly" in set_cookies[0]
        route = _cookie(set_cookies, "perfdash_route")
        (port,) = served.logged(route)
        browsers.setdefault(port, route)
        if len(browsers) == 2:
            break
    assert set(browsers) == ports, "new browsers were not spread over both processes"

    sources = {served.port_of(1): "127.0.0.3", served.port_of(2): "127.0.0.4"}
    for port, route in browsers.items():
        other = next(r for p, r in browsers.items() if p != port)
        source = sources[port]
        for _ in range(5):
            assert _http(url + "/", headers={"Cookie": f"perfdash_route={route}"}, source=source) == (200, [])
        ticket = servers.run_apart(_sign_in(url, route, source))
        post = {"Origin": url, "Content-Type": "text/plain"}
        # The ticket lives in the process that issued it: sent with the other browser's routing
        # cookie it reaches the other process, which does not know it …
        assert (
            _http(url + cookies.SESSION_ROUTE, "POST", post | {"Cookie": f"perfdash_route={other}"}, ticket)[0] == 403
        )
        # … with its own it reaches the process that signed the browser in: the crux of sticky routing.
        status, set_cookies = _http(
            url + cookies.SESSION_ROUTE, "POST", post | {"Cookie": f"perfdash_route={route}"}, ticket, source
        )
        assert status == 204, status
        session = _cookie(set_cookies, cookies.COOKIE_NAME)
        assert servers.run_apart(_signed_in_by_cookie(url, route, session, source))
        # every request this browser made (page, websockets, the cookie route) went to one process
        logged = served.logged(route, 1 + 5 + 2 + 1)  # each logged
        assert set(logged) == {port}, logged

    import psycopg

    with psycopg.connect(served.db, autocommit=True) as conn:
        rows = conn.execute("SELECT source, count(*) FROM sessions GROUP BY source ORDER BY source").fetchall()
    # the visitor's own address (nginx's X-Forwarded-For, believed: serve trusts 127.0.0.1), not nginx's
    assert rows == [("127.0.0.3", 1), ("127.0.0.4", 1)], rows

    # SIGTERM: nginx then both processes stop; nothing is left, the runtime folder is gone
    nginx = int((served.runtime / "nginx.pid").read_text())
    everyone = [nginx, *_children_of(nginx), *(pid for _, pid in served.children.values())]
    assert len(everyone) >= 4 and all(_alive(pid) for pid in everyone)
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=90) == 0
    wait_until(lambda: not any(_alive(pid) for pid in everyone), 10, "every child of serve gone")
    assert not served.runtime.exists()
    output = served.output()
    assert "Traceback" not in output, output[-3000:]
    assert output.count("看板已就绪") == 1  # the processes' own addresses are not announced
    assert output.count("看板已停止") == 3  # each process, then serve itself


@pytest.mark.slow  # a real serve --processes 2, one process killed
def test_a_process_that_dies_is_named_and_everything_stops(served):
    nginx = int((served.runtime / "nginx.pid").read_text())
    survivor = served.children[1][1]
    os.kill(served.children[2][1], signal.SIGKILL)
    assert served.process.wait(timeout=90) == 1
    output = served.output()
    (line,) = [x for x in output.splitlines() if "错误：" in x]
    assert "看板进程 2" in line and "意外退出" in line and "不会自动重启" in line, line
    wait_until(lambda: not _alive(nginx) and not _alive(survivor), 10, "nginx and the other process gone")
    assert not served.runtime.exists()


def test_a_duckdb_file_is_refused_with_one_line(tmp_path):
    db = tmp_path / "x.duckdb"
    result = run_cli("serve", "--db", str(db), "--processes", "2")
    assert result.code == 2 and result.out == ""
    (line,) = result.err.splitlines()
    assert line.startswith("错误：DuckDB 数据库文件只能由一个看板进程打开") and "两种部署" in line, line
    assert "PostgreSQL" in line
    assert not db.exists()


def test_without_nginx_the_line_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(cluster, "NGINX", str(tmp_path / "no-nginx"))
    result = run_cli("serve", "--db", "postgresql://u@127.0.0.1:1/x", "--processes", "2")
    assert result.code == 2
    (line,) = result.err.splitlines()
    assert "apt-get install nginx" in line and line.startswith("错误："), line


@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_a_bad_count_is_a_usage_error(bad):
    result = run_cli("serve", "--processes", bad)
    assert result.code == 2 and "Traceback" not in result.err
    assert f"错误：参数 --processes：“{bad}”无效" in result.err


def test_one_process_is_todays_serve(monkeypatch, tmp_path):
    from perfdash.server import startup

    calls = []
    monkeypatch.setattr(startup, "serve", lambda *args: calls.append(args) or 0)
    monkeypatch.setattr(cluster, "serve_processes", lambda *args: pytest.fail("no cluster for one process"))
    assert run_cli("serve", "--db", str(tmp_path / "a.duckdb"), "--port", "8777").code == 0
    assert run_cli("serve", "--db", str(tmp_path / "a.duckdb"), "--processes", "1").code == 0
    assert calls == [(tmp_path / "a.duckdb", 8777, None), (tmp_path / "a.duckdb", None, None)]


@pytest.mark.parametrize(
    ("configured", "given"),
    [("", "127.0.0.1"), ("10.0.0.0/8", "10.0.0.0/8,127.0.0.1"), ("127.0.0.0/8", "127.0.0.0/8")],
)
def test_the_processes_trust_this_nginx(monkeypatch, configured, given):
    monkeypatch.setenv("PERFDASH_TRUSTED_PROXIES", configured)
    env = cluster.child_env("postgresql://u@h/db")
    assert env["PERFDASH_TRUSTED_PROXIES"] == given and env["PERFDASH_DB"] == "postgresql://u@h/db"


def _directives(text: str) -> set[str]:
    """The directive lines of an nginx config, comments and blank lines dropped, spaces collapsed."""
    lines = (re.sub(r"\s+", " ", line.split("#", 1)[0]).strip() for line in text.splitlines())
    return {line for line in lines if line}


def test_the_generated_config_keeps_the_samples_routing(tmp_path):
    text = (PROJECT_ROOT / "deploy" / "nginx-perfdash.conf").read_text(encoding="utf-8")
    # the sample's processes on 8501 and 8502 are the generated config's on 40001 and 40002
    sample = _directives(text.replace("127.0.0.1:8501", "127.0.0.1:40001").replace("127.0.0.1:8502", "127.0.0.1:40002"))
    generated = cluster.nginx_config(tmp_path, [40001, 40002], "127.0.0.1:8600", "www-data www-data")
    mine = _directives(generated)
    # every line of the sample but those that name its machine (address, name)
    local = {"listen 80;", "server_name perfdash.example.gov.cn;"}
    assert sample - local <= mine, sorted(sample - local - mine)
    assert {"listen 127.0.0.1:8600;", "server 127.0.0.1:40001;", "server 127.0.0.1:40002;"} <= mine
    assert "user www-data www-data;" in mine and "daemon off;" in mine
    # every file nginx writes is inside the runtime folder
    paths = re.findall(r"(?m)^\s*(?:\w+_temp_path|pid|access_log) (\S+?)[; ]", generated)
    assert len(paths) == 7 and all(p.startswith(str(tmp_path)) for p in paths), paths
    assert cluster.listen_on(None, 8501) == "8501" and cluster.listen_on("::1", 8501) == "[::1]:8501"


@pytest.mark.slow
@pytest.mark.bench  # starts serve --processes 2 and a bare app, a small rush through nginx
def test_the_protocol_rush_through_the_deployment(pg_cluster, tmp_path, monkeypatch):
    from perfdash.bench import protocol_bench
    from perfdash.bench.bench import machine
    from perfdash.server.demo import build_demo
    from perfdash.store import Store
    from tests.fixtures import DEMO_SEED, shipped_plan

    _ensure_nginx()
    monkeypatch.setenv("PERFDASH_EVIDENCE_DIR", str(tmp_path / "evidence"))
    url = pg_cluster.new_database()
    store = Store(url)
    try:
        build_demo(store, shipped_plan(), DEMO_SEED)
    finally:
        store.close()
    report = protocol_bench.run_protocol_served(url, [4], [2], machine())
    assert "serve --processes k" in report and "nginx" in report
    rows = [line.strip("| ").split(" | ") for line in report.splitlines() if re.match(r"\| \d", line)]
    assert [(int(r[0]), int(r[1])) for r in rows] == [(2, 4)], report
    median, p95 = (float(x) for x in rows[0][2].split(" / "))
    assert 0 < median <= p95 < 120
    peak = float(rows[0][6].split(" / ")[0])
    assert peak > 200  # two processes' memory, read from /proc by their pids
    assert "2 个进程 4 人：负载 " in report  # the load before the burst
    spread = re.search(r"nginx 分给各进程 (\d+) / (\d+) 人", report)
    assert spread and int(spread[1]) + int(spread[2]) == 4, report  # every tab went through nginx
