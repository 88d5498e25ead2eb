"""The servers a live benchmark measures (``bench --browser``, ``bench --protocol``, ``bench
--memory``): ``streamlit run`` processes on free ports, the bare app beside them, their memory and
CPU sampled from /proc, the benchmark's account, and the rush's table (N people at once)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

BENCH_USER = "bench_browser"  # the benchmark's office account (the name is kept: existing databases have it)
RUSH_PAGES = ("总览", "按科室")
BARE_APP = """import streamlit as st


def sign_in():
    with st.form("login"):
        user = st.text_input("用户名")
        st.text_input("密码", type="password")
        if st.form_submit_button("登录"):
            st.session_state.user = user
            st.rerun()


def home():
    st.switch_page(pages[1])  # as the app's start page sends the office on to 总览


def overview():
    st.title("总览")
    st.write("hi")
    st.selectbox("排序", ["一", "二", "三"], key="order")


def sections():
    st.title("按科室")
    st.write("hi")


if "user" in st.session_state:
    pages = [
        st.Page(home, title="首页", url_path="home", default=True, visibility="hidden"),
        st.Page(overview, title="总览", url_path="overview"),
        st.Page(sections, title="按科室", url_path="sections"),
    ]
else:
    pages = [st.Page(sign_in, title="登录", url_path="login")]
st.navigation(pages).run()
"""


class BenchServerError(RuntimeError):
    """A live benchmark could not run (no browser, a server that would not start)."""


@dataclass
class Server:
    """A running ``streamlit run`` and what it has used."""

    url: str
    process: subprocess.Popen
    peak_mb: float = 0.0
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # (time, rss MB, cpu s)

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """A process's resident memory now, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1]) / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streamlit(script: Path, env: dict[str, str], log: Path, launcher: list[str] | None = None) -> Iterator[Server]:
    """``streamlit run script`` on a free port, until the block ends; waits for its health check.
    ``launcher`` replaces ``python -m streamlit`` (a wrapper that traces memory, for instance)."""
    port = free_port()
    command = [
        *(launcher or [sys.executable, "-m", "streamlit"]),
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",  # as ``python -m perfdash serve`` runs it: nobody edits the code
        "none",
    ]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command, cwd=script.parent, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
        server = Server(f"http://127.0.0.1:{port}", process)
        try:
            if not healthy(server.url, process, 120):
                raise BenchServerError(f"{script.name} 未能启动，见 {log}")
            yield server
        finally:
            stop(process)


STREAM_LINE = re.compile(r" /_stcore/stream upstream=[^ ]*:(\d+) ")  # a tab's websocket in nginx's access log


class _Running:
    """A process this benchmark did not start itself (an app process of ``serve --processes``):
    what Server reads of it is its pid."""

    def __init__(self, pid: int) -> None:
        self.pid = pid


@dataclass
class Deployment:
    """A running ``python -m perfdash serve --processes N``: the one address everyone opens, the
    app processes' own addresses (to warm each), and the processes as Servers whose url is the
    one address (a rush over them sends everyone there; their CPU and memory are sampled)."""

    url: str
    direct: list[str]
    processes: list[Server]
    access_log: Path | None = None  # nginx's (one line per request, naming the process it went to)

    def streams(self) -> list[int]:
        """How many websockets (tabs) nginx has sent to each process so far, in the processes' order."""
        if self.access_log is None or not self.access_log.exists():
            return [0] * len(self.direct)
        ports = [u.rsplit(":", 1)[1] for u in self.direct]
        counts = dict.fromkeys(ports, 0)
        for port in STREAM_LINE.findall(self.access_log.read_text(encoding="utf-8")):
            counts[port] = counts.get(port, 0) + 1
        return [counts[p] for p in ports]


@contextlib.contextmanager
def deployment(db: str, processes: int, log: Path, seconds: float = 900) -> Iterator[Deployment]:
    """``python -m perfdash serve --processes N`` on a free port of 127.0.0.1 until the block ends:
    the deployment as the README starts it (nginx in front when N > 1); scheduled backups off, so
    that none runs during a burst."""
    from perfdash.core import settings
    from perfdash.server import cluster, startup

    port = free_port()
    env = {
        **os.environ,
        "PERFDASH_DB": db,
        "PERFDASH_ADMIN_PASSWORD": secrets.token_urlsafe(12),  # used only if the database has no admin
        "PERFDASH_BACKUP_EVERY": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "perfdash", "serve", "--processes", str(processes)]
    command += ["--port", str(port), "--address", "127.0.0.1"]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command, cwd=settings.PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while startup.READY not in log.read_text(encoding="utf-8"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchServerError(f"serve --processes {processes} 未能启动，见 {log}")
            time.sleep(0.5)
        found = cluster.CHILD_READY.findall(log.read_text(encoding="utf-8"))
        if processes == 1:
            direct, apps = [url], [Server(url, process)]
        else:
            direct = [u.rstrip("/") for _, u, _ in found]
            apps = [Server(url, _Running(int(pid))) for _, _, pid in found]  # type: ignore[arg-type]
        text = log.read_text(encoding="utf-8")
        runtime = text.split(cluster.RUNTIME_LINE, 1)[1].split("（", 1)[0] if cluster.RUNTIME_LINE in text else None
        yield Deployment(url, direct, apps, Path(runtime) / "access.log" if runtime else None)
    finally:
        stop(process, 60)


def healthy(url: str, process: subprocess.Popen, seconds: float) -> bool:
    """Wait until the Streamlit server at ``url`` answers its health check; False when its
    ``process`` ends or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,  # noqa: S310 (a local server)
        ):
            if r.read() == b"ok":
                return True
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def stop(process: subprocess.Popen, seconds: float = 20) -> None:
    """Terminate a server (SIGTERM; nothing if it has already ended), killed if it has not gone
    within ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()


@contextlib.contextmanager
def sampling(servers: list[Server]) -> Iterator[None]:
    """Every server's resident memory and CPU time, sampled every 0.1 s while the block runs."""
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for s in servers:
                with contextlib.suppress(OSError, StopIteration, ValueError):
                    rss = s.rss_mb()
                    s.peak_mb = max(s.peak_mb, rss)
                    s.samples.append((time.monotonic(), rss, s.cpu_seconds()))
            stop.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def quiet(server: Server, seconds: float = 1.0, limit: float = 60.0) -> float:
    """Until the server has used almost no CPU for ``seconds`` (its sessions wound down); its
    resident memory then, in MB."""
    deadline = time.monotonic() + limit
    before = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(seconds)
        now = server.cpu_seconds()
        if now - before < 0.05 * seconds:
            break
        before = now
    return server.rss_mb()


def prepare(db: str) -> str:
    """The benchmark's office account on ``db`` with a new random password (returned)."""
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.store import Store

    password = secrets.token_urlsafe(12)
    store = Store(db)
    try:
        if auth.load(store, BENCH_USER) is None:
            auth.register_account(store, Actor.system(), BENCH_USER, "浏览器性能测试", "office", None, password)
        else:
            store.update_account(Actor.office(), BENCH_USER, password_hash=auth.hash_password(password))
    finally:
        store.close()
    return password


@dataclass
class Crowd:
    """One side of a rush: each person's whole sequence and sign-in (seconds), the burst's wall
    time, and what the servers used: peak resident MB (summed over processes) and CPU seconds."""

    times: list[float]
    sign_in: list[float]
    wall: float
    peak_mb: float
    cpu: float

    @property
    def cores(self) -> float:
        """How many cores the servers kept busy on average during the burst."""
        return self.cpu / self.wall if self.wall > 0 else 0.0


@dataclass
class RushResult:
    """N sessions at once on the app (over ``processes`` processes) and on the bare app."""

    sessions: int
    processes: int
    app: Crowd
    bare: Crowd
    after_mb: float  # the app's servers once the sessions were gone

    def cells(self) -> list[str]:
        app, bare, n = self.app.times, self.bare.times, self.sessions
        med = statistics.median(app)
        return [
            str(self.processes),
            str(n),
            f"{med:.1f} / {p95(app):.1f}",
            f"{statistics.median(bare):.1f} / {p95(bare):.1f}",
            f"{med / statistics.median(bare):.2f}× / {p95(app) / p95(bare):.2f}×",
            f"{statistics.median(self.app.sign_in):.1f} / {statistics.median(self.bare.sign_in):.1f}",
            f"{self.app.peak_mb:.0f} / {self.after_mb:.0f}",
            f"{self.bare.peak_mb:.0f}",
            f"{self.app.cpu / n:.2f} / {self.bare.cpu / n:.2f}",
            f"{self.app.cores:.2f} / {self.bare.cores:.2f}",
        ]


RUSH_HEADER = (
    "看板进程",
    "同时会话",
    "应用 中位数 / p95 (s)",
    "空白应用 中位数 / p95 (s)",
    "之比 中位数 / p95",
    "登录 中位数：应用 / 空白 (s)",
    "服务器内存 峰值 / 结束后 (MB)",
    "空白应用内存峰值 (MB)",
    "每人 CPU 秒：应用 / 空白",
    "服务器平均占用核数：应用 / 空白",
)


def rush_table(results: list[RushResult]) -> str:
    out = ["| " + " | ".join(RUSH_HEADER) + " |", "|" + "---:|" * len(RUSH_HEADER)]
    return "\n".join(out + ["| " + " | ".join(r.cells()) + " |" for r in results])


# A rush: (urls, user, password, sessions) -> each person's (whole sequence, sign-in) seconds.
Rush = Callable[[list[str], str, str, int], Awaitable[tuple[list[float], list[float]]]]


async def crowd(rush: Rush, servers: list[Server], user: str, password: str, sessions: int) -> Crowd:
    """``sessions`` people at once over ``servers`` (in turn, as a sticky proxy spreads them),
    with the servers' memory (from the sampling thread) and CPU over the burst."""
    since, before = time.monotonic(), [s.cpu_seconds() for s in servers]
    times, sign_in = await rush([s.url for s in servers], user, password, sessions)
    wall = time.monotonic() - since
    peak = sum(max((rss for t, rss, _ in s.samples if t >= since), default=s.rss_mb()) for s in servers)
    cpu = sum(s.cpu_seconds() - b for s, b in zip(servers, before, strict=True))
    return Crowd(times, sign_in, wall, peak, cpu)


async def measure_rush(rush: Rush, apps: list[Server], bare: Server, password: str, sessions: int) -> RushResult:
    """The rush on the app's processes, then the same on the bare app; each server left to wind
    down before the next burst (its resident memory then is the "after" figure)."""
    app = await crowd(rush, apps, BENCH_USER, password, sessions)
    after = sum([await asyncio.to_thread(quiet, s) for s in apps])
    floor = await crowd(rush, [bare], "x", "x", sessions)
    await asyncio.to_thread(quiet, bare)
    return RushResult(sessions, len(apps), app, floor, after)


T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on a thread of its own: the caller's thread may already run an event loop (a
    test session's Playwright, a notebook), where asyncio.run refuses."""
    out: dict = {}

    def target() -> None:
        try:
            out["result"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller's thread
            out["error"] = exc

    worker = threading.Thread(target=target, name="browser-bench")
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["result"]
