"""The meeting rush in Streamlit's own websocket protocol (``python -m perfdash bench --protocol``):
N people at once with no browser, so the app's processes have the machine's cores to themselves
and one process can be set against several.

- A ``Visitor`` is one tab as the server sees it: it connects to ``/_stcore/stream``, asks for runs
  (BackMsg rerun_script with the page and the widgets' values) and reads the ForwardMsgs back: the
  navigation (page names and hashes), the widgets' ids by label, and script_finished, which ends a
  step. Nothing is drawn, so a person costs the load generator some milliseconds of CPU.
- Each person connects, opens the site, signs in with the login form, opens 总览 then 按科室, and
  leaves; the same on the bare app right after. A step's time is the server's: from the request to
  its run finished, the websocket's transfer included.
- ``--processes 1,2``: the app runs as the largest number of processes (PostgreSQL) and every
  count is measured in the same run, the people spread over the first k processes in turn as a
  sticky proxy spreads them. One person per process first, so every process starts warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from perfdash.bench import servers as sv
from perfdash.core import settings

STEP_TIMEOUT_S = 120.0
FINISHED_OK = 0  # ScriptFinishedStatus.FINISHED_SUCCESSFULLY; 2 is "stopped early for a rerun"
FINISHED_FAILED = 1  # the script would not compile


class Visitor:
    """One browser tab as the server sees it, over Streamlit's websocket protocol."""

    def __init__(self, websocket) -> None:
        self._ws = websocket
        self.pages: dict[str, str] = {}  # page title → page_script_hash, from the navigation
        self.page = ""  # the page the server last ran
        self.widgets: dict[str, str] = {}  # label → widget id, from the last run's elements
        self.received = 0  # bytes

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(cls, url: str, headers: dict[str, str] | None = None) -> AsyncIterator[Visitor]:
        """A tab open on ``url`` (http://host:port) until the block ends; ``headers`` go with the
        handshake (a cookie, say)."""
        import websockets

        stream = url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/_stcore/stream"
        async with websockets.connect(
            stream, subprotocols=["streamlit"], max_size=None, open_timeout=60, additional_headers=headers
        ) as ws:
            yield cls(ws)

    async def run(self, page: str = "", states: Sequence[tuple[str, str, object]] = ()) -> float:
        """Ask for a run of ``page`` (its hash; "" = the start page) with the widgets' values
        ``states`` ((id, WidgetState field, value), …); seconds until the server finished it."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = page
        for widget, kind, value in states:
            state = msg.rerun_script.widget_states.widgets.add()
            state.id = widget
            setattr(state, kind, value)
        started = time.monotonic()
        await self._ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), STEP_TIMEOUT_S)
        return time.monotonic() - started

    async def _until_finished(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            raw = await self._ws.recv()
            self.received += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # a script run starts: what it shows replaces the last one's
                self.widgets = {}
            elif kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
                self.page = msg.navigation.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                body = getattr(element, element.WhichOneof("type") or "", None)
                if getattr(body, "id", "") and getattr(body, "label", ""):
                    self.widgets[body.label] = body.id
            elif kind == "script_finished":
                if msg.script_finished == FINISHED_FAILED:
                    raise sv.BenchServerError("页面脚本无法编译")
                if msg.script_finished == FINISHED_OK:
                    return

    def on(self, title: str) -> bool:
        return self.pages.get(title) == self.page

    async def sign_in(self, user: str, password: str) -> float:
        """Fill the login form and press 登录; seconds until the landing page has run."""
        try:
            form = [(self.widgets["用户名"], "string_value", user), (self.widgets["密码"], "string_value", password)]
            form.append((self.widgets["登录"], "trigger_value", True))
        except KeyError as missing:
            raise sv.BenchServerError(f"登录页上没有“{missing.args[0]}”") from None
        seconds = await self.run(self.page, form)
        if self.widgets.keys() >= {"用户名", "密码", "登录"}:
            raise sv.BenchServerError(f"{user} 登录失败（仍在登录页）")
        return seconds

    async def go(self, title: str) -> float:
        """Open the page titled ``title``, as a click in the sidebar does."""
        if title not in self.pages:
            raise sv.BenchServerError(f"导航中没有页面“{title}”")
        return await self.run(self.pages[title])


async def _arrive(tab: Visitor, user: str, password: str) -> float:
    """Open the site, sign in, open the rush's pages; the sign-in's seconds."""
    await tab.run()
    signing = await tab.sign_in(user, password)
    for title in sv.RUSH_PAGES:
        if not tab.on(title):  # signed in, the office (and the bare app) land on 总览
            await tab.go(title)
    return signing


async def _person(url: str, user: str, password: str) -> tuple[float, float]:
    """One person of the rush: (whole sequence, sign-in alone) in seconds."""
    started = time.monotonic()
    async with Visitor.connect(url) as tab:
        signing = await _arrive(tab, user, password)
        return time.monotonic() - started, signing


def _first_visit(url: str) -> str:
    """The page a browser loads first; the cookie its response sets (nginx's routing cookie:
    "name=value"), or "" when it sets none."""
    with urllib.request.urlopen(url + "/", timeout=STEP_TIMEOUT_S) as answer:  # noqa: S310 (a local server)
        answer.read()
        return (answer.headers.get("Set-Cookie") or "").split(";", 1)[0]


async def _routed_person(url: str, user: str, password: str) -> tuple[float, float]:
    """One person as a browser arrives through a proxy: the page first (nginx's answer carries the
    routing cookie), then the websocket with that cookie, so that nginx picks the process."""
    started = time.monotonic()
    cookie = await asyncio.to_thread(_first_visit, url)
    async with Visitor.connect(url, {"Cookie": cookie} if cookie else None) as tab:
        signing = await _arrive(tab, user, password)
        return time.monotonic() - started, signing


async def routed_rush(urls: list[str], user: str, password: str, sessions: int) -> tuple[list[float], list[float]]:
    """``sessions`` people at once, each arriving as a browser does (the page, then the websocket
    with the cookie the page's answer set), spread over ``urls`` in turn (one URL: the proxy)."""
    done = await asyncio.gather(*(_routed_person(urls[i % len(urls)], user, password) for i in range(sessions)))
    return [d[0] for d in done], [d[1] for d in done]


async def rush(urls: list[str], user: str, password: str, sessions: int) -> tuple[list[float], list[float]]:
    """``sessions`` people at once, spread over ``urls`` in turn (as a sticky proxy does)."""
    done = await asyncio.gather(*(_person(urls[i % len(urls)], user, password) for i in range(sessions)))
    return [d[0] for d in done], [d[1] for d in done]


@contextlib.asynccontextmanager
async def staying(url: str, user: str, password: str, sessions: int) -> AsyncIterator[None]:
    """``sessions`` people signed in on 总览 and 按科室, one after another, their tabs open until
    the block ends."""
    leave = asyncio.Event()
    tasks: list[asyncio.Task] = []
    try:
        for _ in range(sessions):
            arrived = asyncio.Event()

            async def person(arrived: asyncio.Event = arrived) -> None:
                async with Visitor.connect(url) as tab:
                    await _arrive(tab, user, password)
                    arrived.set()
                    await leave.wait()

            tasks.append(asyncio.create_task(person()))
            waiting = asyncio.create_task(arrived.wait())
            await asyncio.wait([waiting, tasks[-1]], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            if tasks[-1].done():  # it failed before arriving
                await tasks[-1]
        yield
    finally:
        leave.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _measure(
    apps: list[sv.Server], bare: sv.Server, password: str, sessions: list[int], processes: list[int]
) -> list[sv.RushResult]:
    for server in apps:  # every process warm (its mirror read, its caches filled) before timing
        await rush([server.url], sv.BENCH_USER, password, 1)
    await rush([bare.url], "x", "x", 1)
    results = []
    for n in sessions:
        for k in processes:
            results.append(await sv.measure_rush(rush, apps[:k], bare, password, n))
            # Each row as it is measured (stderr: stdout and --markdown get the whole report once).
            print(sv.rush_table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return results


def run_protocol(db: str, sessions: list[int], processes: list[int], machine: str) -> str:
    """Start the servers, run the rushes, return the report (a Markdown table)."""
    if max(processes) > 1 and not settings.is_server_db(db):
        raise sv.BenchServerError("多个看板进程需要 PostgreSQL（--db postgresql://…）：DuckDB 文件只能由一个进程打开")
    password = sv.prepare(db)
    started, load = time.strftime("%Y-%m-%d %H:%M"), " / ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="perfdash-protocol-bench-") as tmp:
        folder = Path(tmp)
        (folder / "bare.py").write_text(sv.BARE_APP, encoding="utf-8")
        env = {"PERFDASH_DB": db, "PERFDASH_ADMIN_PASSWORD": os.urandom(12).hex()}
        with contextlib.ExitStack() as stack:
            apps = [
                stack.enter_context(sv.streamlit(settings.PROJECT_ROOT / "app.py", env, folder / f"app{i}.log"))
                for i in range(max(processes))
            ]
            bare = stack.enter_context(sv.streamlit(folder / "bare.py", {}, folder / "bare.log"))
            with sv.sampling([*apps, bare]):
                results = sv.run_apart(_measure(apps, bare, password, sessions, processes))
    where = "PostgreSQL" if settings.is_server_db(db) else "DuckDB"
    return "\n".join(
        [
            f"机器：{machine}",
            f"时间：{started}，开始时负载 {load}；数据库：{where}（{settings.shown_db(db)}）；"
            "客户端：Streamlit 的 websocket 协议（不绘制页面，与服务器在同一台机器上）",
            f"每人打开网站、登录、打开{'、'.join(sv.RUSH_PAGES)}；空白应用随后做同样的步骤",
            "",
            sv.rush_table(results),
        ]
    )


async def _measure_deployment(
    deployment: sv.Deployment, bare: sv.Server, password: str, sessions: list[int]
) -> list[tuple[sv.RushResult, str]]:
    for url in deployment.direct:  # every process warm before timing, reached directly
        await rush([url], sv.BENCH_USER, password, 1)
    await routed_rush([bare.url], "x", "x", 1)
    results = []
    for n in sessions:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        before = deployment.streams()
        result = await sv.measure_rush(routed_rush, deployment.processes, bare, password, n)
        spread = [b - a for a, b in zip(before, deployment.streams(), strict=True)]
        note = f"负载 {load}" + (f"，nginx 分给各进程 {' / '.join(map(str, spread))} 人" if len(spread) > 1 else "")
        results.append((result, note))
        print(f"{sv.rush_table([result]).splitlines()[-1]} {note}", file=sys.stderr, flush=True)
    return results


def run_protocol_served(db: str, sessions: list[int], processes: list[int], machine: str) -> str:
    """The rush through the deployment itself: for each count k, ``serve --processes k`` started
    (nginx in front when k > 1) and every person sent to its one address, as browsers are: what is
    measured includes nginx's routing. The bare app runs beside it, reached the same way."""
    if max(processes) > 1 and not settings.is_server_db(db):
        raise sv.BenchServerError("多个看板进程需要 PostgreSQL（--db postgresql://…）：DuckDB 文件只能由一个进程打开")
    password = sv.prepare(db)
    started, load = time.strftime("%Y-%m-%d %H:%M"), " / ".join(f"{x:.1f}" for x in os.getloadavg())
    measured: list[tuple[sv.RushResult, str]] = []
    with tempfile.TemporaryDirectory(prefix="perfdash-protocol-bench-") as tmp:
        folder = Path(tmp)
        (folder / "bare.py").write_text(sv.BARE_APP, encoding="utf-8")
        with sv.streamlit(folder / "bare.py", {}, folder / "bare.log") as bare:
            for k in processes:
                with (
                    sv.deployment(db, k, folder / f"serve-{k}.log") as deployment,
                    sv.sampling([*deployment.processes, bare]),
                ):
                    measured += sv.run_apart(_measure_deployment(deployment, bare, password, sessions))
    where = "PostgreSQL" if settings.is_server_db(db) else "DuckDB"
    notes = "；".join(f"{r.processes} 个进程 {r.sessions} 人：{note}" for r, note in measured)
    return "\n".join(
        [
            f"机器：{machine}",
            f"时间：{started}，开始时负载 {load}；数据库：{where}（{settings.shown_db(db)}）；"
            "客户端：Streamlit 的 websocket 协议（不绘制页面，与服务器在同一台机器上）",
            "部署：python -m perfdash serve --processes k（k > 1 时 nginx 在前，按路由 Cookie 把浏览器分给各进程），"
            "每人先打开网页（取得路由 Cookie）再连 websocket，全部连同一个地址",
            f"每人打开网站、登录、打开{'、'.join(sv.RUSH_PAGES)}；空白应用随后做同样的步骤",
            f"每次测量前的负载（1 / 5 / 15 分钟）：{notes}",
            "",
            sv.rush_table([r for r, _ in measured]),
        ]
    )
