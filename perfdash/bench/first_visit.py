"""A first visit over a slow line (``python -m perfdash bench --first-visit``): a browser with an
empty cache opens the site over an emulated line (default 10 Mbit/s each way, 50 ms latency:
Chromium's own network throttling), waits for the sign-in form, signs in, and waits for 总览 to
settle. Measured on ``python -m perfdash serve`` (static bundles gzipped: perfdash.server.compress)
and on a plain ``streamlit run app.py`` (Streamlit serves them uncompressed), alternately, each on
its own copy of the database; the typing is not counted.

- 登录页可用: navigation to the sign-in form settled (Streamlit's bundles, the first run).
- 登录到总览: the click on 登录 to 总览 settled (the code of the elements 总览 shows arrives here).
- 合计: the two together, the time to a usable 总览; 下载: bytes received over the line (HTTP
  responses as sent, compressed or not; the websocket's messages are not counted)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from perfdash.bench import servers as sv
from perfdash.bench.browser_bench import CHROMIUM, LAUNCH_ARGS, MARK_JS, STEP_TIMEOUT_MS, settle
from perfdash.core import settings

# 总览 usable: its headline numbers shown and every chart on it drawn (each Plotly element holds
# its SVG). At first sight 总览 draws its charts as HTML; a Plotly chart, where one is shown, pulls
# plotly.js over the line first, and the page is not usable until it is drawn.
USABLE = """() => {
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return document.querySelectorAll('[data-testid="stMetric"]').length > 0
    && charts.every((c) => c.querySelector('.main-svg'));
}"""


@dataclass(frozen=True)
class Line:
    """An emulated line: bandwidth each way in Mbit/s and the round trip's added latency in ms."""

    mbit: float = 10.0
    latency_ms: float = 50.0

    def conditions(self) -> dict:
        rate = self.mbit * 1_000_000 / 8  # bytes per second
        return {"offline": False, "latency": self.latency_ms, "downloadThroughput": rate, "uploadThroughput": rate}

    @property
    def label(self) -> str:
        return f"{self.mbit:g} Mbit/s、{self.latency_ms:g} ms"


@dataclass
class Visits:
    """One server's first visits: seconds to the form, from 登录 to 总览, and bytes received."""

    name: str
    form: list[float] = field(default_factory=list)
    sign_in: list[float] = field(default_factory=list)
    received: list[int] = field(default_factory=list)

    def row(self) -> list[str]:
        total = [a + b for a, b in zip(self.form, self.sign_in, strict=True)]
        return [
            self.name,
            f"{statistics.median(self.form):.2f}",
            f"{statistics.median(self.sign_in):.2f}",
            f"{statistics.median(total):.2f}（{min(total):.2f}–{max(total):.2f}）",
            f"{statistics.median(self.received) / 1_000_000:.2f}",
        ]


async def first_visit(browser, url: str, user: str, password: str, line: Line) -> tuple[float, float, int]:
    """One first visit with an empty cache over ``line``: (seconds to the sign-in form settled,
    seconds from the click on 登录 to 总览 settled, bytes received)."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.emulateNetworkConditions", line.conditions())
        received = [0]
        cdp.on(
            "Network.loadingFinished", lambda event: received.__setitem__(0, received[0] + event["encodedDataLength"])
        )
        await page.goto(url, wait_until="commit")
        await page.wait_for_selector("body", state="attached", timeout=STEP_TIMEOUT_MS)
        await page.evaluate(MARK_JS)
        await page.wait_for_selector('[data-testid="stForm"]', timeout=STEP_TIMEOUT_MS)
        form = await settle(page, 0.0)  # performance.now() counts from the navigation
        await page.get_by_label("用户名").fill(user)
        await page.get_by_label("密码").fill(password)
        since = await page.evaluate(MARK_JS)
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_function("() => document.title.startsWith('总览')", timeout=STEP_TIMEOUT_MS, polling=50)
        # usable: the numbers shown, every chart drawn (a page waiting for plotly.js does not change)
        await page.wait_for_function(USABLE, timeout=STEP_TIMEOUT_MS, polling=50)
        signed = await settle(page, since)
        return form, signed, sum(received)
    finally:
        await context.close()


@contextlib.contextmanager
def _perfdash_serve(db: str, folder: Path, env: dict[str, str]) -> Iterator[sv.Server]:
    """``python -m perfdash serve`` (what ``make run`` starts) on a free port."""
    port = sv.free_port()
    command = [sys.executable, "-m", "perfdash", "serve", "--port", str(port), "--address", "127.0.0.1"]
    own = {
        "PERFDASH_DB": db,
        "PERFDASH_SECRETS_DIR": str(folder / "keys"),
        "PERFDASH_BACKUP_EVERY": "0",
        "PERFDASH_EVIDENCE_DIR": str(folder / "evidence"),
    }
    with open(folder / "serve.log", "w", encoding="utf-8") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command, cwd=settings.PROJECT_ROOT, env={**os.environ, **env, **own}, stdout=out, stderr=subprocess.STDOUT
        )
        server = sv.Server(f"http://127.0.0.1:{port}", process)
        try:
            if not sv.healthy(server.url, process, 120):
                raise sv.BenchServerError(f"perfdash serve 未能启动，见 {folder / 'serve.log'}")
            yield server
        finally:
            sv.stop(process)


def _copy(db: str, folder: Path, name: str) -> str:
    """A DuckDB file copied for one server (two servers cannot hold one file); a PostgreSQL URL as it is."""
    if settings.is_server_db(db):
        return db
    target = folder / name
    shutil.copyfile(db, target)
    return str(target)


def run_first_visit(db: str, rounds: int, line: Line, machine: str) -> str:
    """Both servers, ``rounds`` first visits each, alternating; the report in Markdown."""
    if not Path(CHROMIUM).exists():
        raise sv.BenchServerError("需要 Debian 的 chromium：apt-get install chromium fonts-noto-cjk")
    password = sv.prepare(db)
    started = time.strftime("%Y-%m-%d %H:%M")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    served = Visits("python -m perfdash serve（静态文件 gzip）")
    plain = Visits("streamlit run app.py（静态文件不压缩）")
    with tempfile.TemporaryDirectory(prefix="perfdash-first-visit-") as tmp:
        folder = Path(tmp)
        env = {"PERFDASH_ADMIN_PASSWORD": secrets.token_urlsafe(16)}
        (folder / "serve").mkdir()
        with (
            _perfdash_serve(_copy(db, folder, "serve.duckdb"), folder / "serve", env) as compressed,
            sv.streamlit(
                settings.PROJECT_ROOT / "app.py",
                {**env, "PERFDASH_DB": _copy(db, folder, "plain.duckdb")},
                folder / "plain.log",
            ) as uncompressed,
        ):
            sv.run_apart(_visits(compressed.url, uncompressed.url, password, rounds, line, served, plain))
    head = (
        f"机器：{machine}\n时间：{started}，开始时负载 {load}；线路：{line.label}（Chromium 网络限速），"
        f"每次都是空缓存的新浏览器；两个服务器交替各 {rounds} 次，取中位数"
    )
    header = "| 服务器 | 登录页可用 (s) | 登录到总览 (s) | 合计：可用的总览 (s) | 下载 (MB) |"
    rows = [header, "|---|---:|---:|---:|---:|"] + ["| " + " | ".join(v.row()) + " |" for v in (plain, served)]
    return head + "\n\n" + "\n".join(rows)


async def _visits(
    compressed: str, uncompressed: str, password: str, rounds: int, line: Line, served: Visits, plain: Visits
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            for url in (compressed, uncompressed):  # a first run of each server: its imports and caches
                await first_visit(browser, url, sv.BENCH_USER, password, Line(1000, 0))
            for _ in range(rounds):
                for url, into in ((uncompressed, plain), (compressed, served)):
                    form, signed, received = await first_visit(browser, url, sv.BENCH_USER, password, line)
                    into.form.append(form)
                    into.sign_in.append(signed)
                    into.received.append(received)
        finally:
            await browser.close()
