"""Browser tests: Debian's chromium (installed here if missing) driving a real app server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect as _expect

from perfdash.bench import servers
from perfdash.bench.browser_bench import CHROMIUM, LAUNCH_ARGS  # the benchmark's browser, the same
from perfdash.core.settings import PROJECT_ROOT
from tests.system_packages import ensure

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
OFFICE_USER, OFFICE_PASSWORD = "browser_office", "browser-test-2026"


def _install_chromium() -> None:
    """Debian's chromium and the CJK fonts, as root, when the machine lacks them."""
    ensure([CHROMIUM], ["chromium", "fonts-noto-cjk"], "需要 Debian 的 chromium")


def demo_db(db: Path, *demo_args: str, sections: tuple[str, ...] = (), leaders: tuple[str, ...] = ()) -> None:
    """A demo database built by the CLI (``demo_args`` such as ``--units 3``), with an office
    account (OFFICE_USER) for the dashboard pages, an account per section in ``sections`` (user
    name ``s_<n>``) and per leader in ``leaders`` (``l_<n>``), all with the same password."""
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.store import Store

    subprocess.run(
        [sys.executable, "-m", "perfdash", "demo", *demo_args, "--db", str(db)],
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=300,
    )
    store = Store(db)
    try:
        auth.register_account(store, Actor.system(), OFFICE_USER, "浏览器测试", "office", None, OFFICE_PASSWORD)
        for n, section in enumerate(sections):
            auth.register_account(store, Actor.system(), f"s_{n}", section, "section", section, OFFICE_PASSWORD)
        for n, leader in enumerate(leaders):
            auth.register_account(store, Actor.system(), f"l_{n}", leader, "leader", leader, OFFICE_PASSWORD)
    finally:
        store.close()


@pytest.fixture(scope="session")
def kiosk(tmp_path_factory) -> tuple[Path, str]:
    """A demo database of its own (see demo_db), and a meeting-screen token for it (the screen
    needs no login)."""
    from perfdash.core.access import Actor
    from perfdash.ops import auth
    from perfdash.store import Store

    db = tmp_path_factory.mktemp("browser") / "browser.duckdb"
    demo_db(db)
    store = Store(db)
    try:
        token = auth.new_kiosk_token(store, Actor.office(), "浏览器测试")
    finally:
        store.close()
    return db, token


SERVERS: dict[str, int] = {}  # URL → the server's process id (to read its memory)


@contextlib.contextmanager
def serve(db: Path, log_dir: Path, perfdash_serve: bool = False, env: dict | None = None) -> Iterator[str]:
    """``streamlit run app.py`` (or, with ``perfdash_serve``, ``python -m perfdash serve``, which
    also runs the scheduled backups) on a free port and database ``db``; yields its URL."""
    port = servers.free_port()
    log = open(log_dir / "streamlit.log", "w")  # noqa: SIM115 (closed at teardown)
    where = ["--address", "127.0.0.1", "--port", str(port)]
    streamlit = ["--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port)]
    command = (
        ["-m", "perfdash", "serve", "--db", str(db), *where]
        if perfdash_serve
        else ["-m", "streamlit", "run", "app.py", *streamlit, "--browser.gatherUsageStats", "false"]
    )
    server = subprocess.Popen(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        # no file watcher: a test server never reloads the package mid-run (an edit elsewhere, a
        # checkout) and each test sees the code it started with
        env={**os.environ, "PERFDASH_DB": str(db), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    SERVERS[url] = server.pid
    try:
        if not servers.healthy(url, server, 90):
            raise RuntimeError("streamlit did not start")
        yield url
    finally:
        servers.stop(server)
        log.close()


@pytest.fixture(scope="session")
def app_url(kiosk, tmp_path_factory) -> Iterator[str]:
    """A running app on a free port, on the kiosk fixture's database."""
    with serve(kiosk[0], tmp_path_factory.mktemp("log")) as url:
        yield url


# The app is idle: no script running ("Running…" in the status widget), nothing greyed out as
# stale, and it has stayed so for a few animation frames' worth of polls (a click's rerun starts
# a moment after the click).
IDLE = """() => {
  const busy = !!document.querySelector('[data-testid="stStatusWidget"]')?.innerText.trim()
    || !!document.querySelector('[data-stale="true"]')
    || !document.querySelector('[data-testid="stMain"]');
  const now = performance.now();
  if (busy) { window.__pdIdleSince = undefined; return false; }
  if (window.__pdIdleSince === undefined) window.__pdIdleSince = now;
  return now - window.__pdIdleSince > 300;
}"""


def settle(page, timeout: float = 60_000) -> None:
    """Wait until the app has finished its current run (see IDLE)."""
    page.evaluate("() => { window.__pdIdleSince = undefined; }")
    page.wait_for_function(IDLE, timeout=timeout, polling=100)


def pick(page, widget, option: str) -> None:
    """Open a select box's menu and click ``option`` in it. Waits for the option itself, not only
    the menu: a menu opened while the app was still redrawing can close again or show no options
    yet; then it is closed and opened again."""
    wanted = page.locator('[role="listbox"]').get_by_role("option", name=option).first
    for _ in range(4):
        settle(page)
        widget.click()
        try:
            wanted.wait_for(state="visible", timeout=10_000)
            wanted.click(timeout=10_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"option {option!r} never showed in the menu")


def sign_in(browser, url: str, user: str = OFFICE_USER, path: str = "/"):
    """A new tab that opens ``path`` and signs in there as ``user`` (every test account has
    OFFICE_PASSWORD); returns once the signed-in sidebar shows."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{url}{path}")
    page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(OFFICE_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=90_000)
    return page


def sign_in_phone(browser, url: str, user: str, path: str = "/"):
    """A phone (390×844, touch) that opens ``path`` and signs in there as ``user`` with a tap;
    returns (context, page) once the form is sent — the caller waits for its own page and closes
    the context."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{url}{path}")
    page.wait_for_selector('[data-testid="stForm"]', timeout=90_000)
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(OFFICE_PASSWORD)
    page.get_by_role("button", name="登录").tap()
    return context, page


@pytest.fixture(scope="session")
def browser():
    _install_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def import_with_reason(page, reason: str) -> None:
    """One reason for every flagged reading (typed, then Enter so the app receives it), then
    确认导入 once the app has enabled it."""
    button = page.get_by_role("button", name="确认导入")
    _expect(button).to_be_disabled(timeout=60_000)  # a flagged reading without a reason blocks the import
    field = page.get_by_label("对尚未填写的提示使用同一理由（可选）")
    field.fill(reason)
    field.press("Enter")
    _expect(button).to_be_enabled(timeout=60_000)
    button.click()
