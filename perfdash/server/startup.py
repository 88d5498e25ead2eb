"""Starting the app: the one store each database file gets in this process (prepared on first use:
plan, demo data, the first admin account), and ``serve``: the database prepared and the admin's
one-time password printed when the server starts, before anyone visits, the backup scheduler
started, then Streamlit's server run in this same process."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from perfdash.core import net, settings
from perfdash.core.redact import redact
from perfdash.ops import auth
from perfdash.ops.backup_folder import BackupScheduler
from perfdash.server import logs
from perfdash.server.demo import bootstrap
from perfdash.store import Store

# The page where a person changes their own password (a title in app.py's page list; a test
# keeps the two the same).
PASSWORD_PAGE = "我的账户"  # noqa: S105 (a page title, not a password)
APP_SCRIPT = settings.PROJECT_ROOT / "app.py"
READY_WAIT_SECONDS = 120
# Words of the console lines serve --processes (perfdash.server.cluster) waits for in its children.
DB_READY = "数据库已就绪"
READY = "看板已就绪"

_OPEN: dict[str, Store] = {}
_OPEN_LOCK = threading.Lock()


def say(text: str) -> None:
    """One line on the server's console, at once (a service's log shows it in order)."""
    print(f"[perfdash] {redact(text)}", flush=True)


def admin_notice(password: str) -> list[str]:
    """What the console says about a generated first password: shown once, and where to change it."""
    return [
        f"已创建管理员账户 admin（绩效办），初始密码：{password}",
        f"请用它登录：登录后须先设置新密码（以后可在“{PASSWORD_PAGE}”页面修改密码）；此密码不会再次显示。",
    ]


def shared_store(path: str, tell: Callable[[str], None] = say) -> Store:
    """The one Store of a database file in this process: opened and prepared on first use (a new
    database gets the shipped plan with demo data, and a first admin account whose generated
    password is told once, through ``tell``). The server command calls this before the server
    starts; the pages (perfdash.app.session.get_store) get the same object."""
    key = _key(path)
    with _OPEN_LOCK:
        store = _OPEN.get(key)
        if store is None:
            store = Store(path)
            try:
                prepare(store, tell)
            except BaseException:
                store.close()
                raise
            _OPEN[key] = store
    return store


def _key(path: str) -> str:
    """One key per database: a file's real path, or the URL or ":memory:" as given."""
    return path if path == ":memory:" or settings.is_server_db(path) else str(Path(path).resolve())


def prepare(store: Store, tell: Callable[[str], None] = say) -> None:
    """A database with no plan gets the shipped plan and its demo history; one with no account
    gets the admin (绩效办), its generated password told once."""
    if int(store.scalar("SELECT count(*) FROM plans")) == 0:
        tell("新数据库：正在导入随附的方案和演示数据（演示数据）…")
        bootstrap(store, settings.plan_path(), settings.demo_seed())
    password = auth.ensure_admin(store)
    if password:
        for line in admin_notice(password):
            tell(line)


def _release(path: str) -> None:
    key = _key(path)
    with _OPEN_LOCK:
        store = _OPEN.pop(key, None)
    if store is not None:
        store.close()


def serving_file(db: str | Path) -> Path:
    """Where a running server says what commands need to know: its process, address and backups."""
    return Path(f"{Path(db).resolve()}.serving.json")


def read_serving(db: str | Path, pid: int) -> dict:
    """What the server with process id ``pid`` published about itself ({} when nothing matches)."""
    try:
        data = json.loads(serving_file(db).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("pid") == pid else {}


def serve(db: Path | str, port: int | None = None, address: str | None = None) -> int:
    """Run the app: prepare the database (printing the admin's first password), start scheduled
    backups, then serve Streamlit in this process until it is stopped (Ctrl+C or SIGTERM).
    .streamlit/config.toml applies as with ``streamlit run``; ``port`` and ``address`` override it.
    With PostgreSQL (``db`` a postgresql:// URL) several such processes serve the same database;
    one of them takes the scheduled backups."""
    from streamlit import config as st_config
    from streamlit.web import bootstrap as st_bootstrap

    logs.install()  # from here on no log line or traceback of this process shows a password
    problem = _address_settings_problem()
    if problem:
        print(f"[perfdash] 错误：{problem}", file=sys.stderr, flush=True)
        return 2
    os.chdir(settings.PROJECT_ROOT)  # config.toml, secrets.toml and the pages are found from here
    on_server = settings.is_server_db(db)
    db = db if on_server else Path(db).resolve()
    os.environ["PERFDASH_DB"] = str(db)  # the pages open settings.db_path(): the same database
    say(f"正在准备数据库 {settings.shown_db(db)} …")
    started = time.perf_counter()
    store = shared_store(str(db))
    plans = int(store.scalar("SELECT count(*) FROM plans"))
    say(f"{DB_READY}（{plans} 个方案，用时 {time.perf_counter() - started:.1f} 秒）")
    scheduler = None
    every, folder = settings.backup_every_hours(), settings.backup_dir(db)
    if every > 0 and not store.claim("scheduled backups"):
        say("定时备份由同一数据库的另一个看板进程负责")
    elif every > 0:
        scheduler = BackupScheduler(store, folder, every, settings.backup_keep()).start()
        say(f"定时备份：每 {every:g} 小时一次，保存到 {folder}，保留最近 {settings.backup_keep()} 份")
    else:
        say("定时备份未开启（PERFDASH_BACKUP_EVERY=0）；绩效办可在“账户与审计”页面手动备份")
    # Nobody edits the code of a running deployment: no watcher on every source file per session
    # (about 230 KB and a thread's polling each, measured by bench --memory). No English welcome
    # banner either: the console says where to open the app in Chinese (_announce_when_ready), and
    # the banner's "External URL" asks checkip.amazonaws.com for this machine's address at every
    # start (printing "Did not auto detect external IP" where it cannot reach it).
    flags: dict[str, object] = {
        "browser_gatherUsageStats": False,
        "server_fileWatcherType": "none",
        "logger_hideWelcomeMessage": True,
    }
    if port is not None:
        flags["server_port"] = port
    if address:
        flags["server_address"] = address
    st_bootstrap.load_config_options(flag_options=flags)
    url = _url(st_config)
    # Commands that find a DuckDB file locked read here which server holds it (PostgreSQL locks
    # nobody out: nothing to publish).
    published = None if on_server else serving_file(db)
    if published is not None:
        published.write_text(
            json.dumps(
                {"pid": os.getpid(), "url": url, "backup_dir": str(folder), "backup_every_hours": every},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    lan = _lan_url(st_config)
    threading.Thread(target=_announce_when_ready, args=(url, lan), name="perfdash-ready", daemon=True).start()
    say("正在启动看板服务…")
    try:
        # uvicorn stops on SIGTERM/SIGINT, then raises the signal again for the handlers it found:
        # once it has served, those do nothing, so that the clean-up below runs and the exit code
        # is 0; a signal before it serves stops the start.
        for stop in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop, _stop_before_serving)
        # Streamlit's app plus the routes that keep a sign-in in a cookie (perfdash.server.web).
        st_bootstrap.run_asgi_app(str(APP_SCRIPT), "perfdash.server.web:app", [], flags)
    finally:
        if scheduler is not None:
            scheduler.stop()
        _release(str(db))
        if published is not None and read_serving(db, os.getpid()):
            published.unlink(missing_ok=True)
        say("看板已停止")
    return 0


def _address_settings_problem() -> str | None:
    """What is wrong with PERFDASH_TRUSTED_PROXIES or PERFDASH_PUBLIC_URL, if anything (found at
    the start, not at someone's sign-in)."""
    try:
        net.networks(settings.trusted_proxies())
    except ValueError as exc:
        return str(exc)
    for url in settings.public_origins():
        if net.origin(url) is None:
            return f"PERFDASH_PUBLIC_URL 中的“{url}”不是网址（应形如 https://jx.example.gov.cn）"
    return None


def _url(st_config: object) -> str:
    """The address a person on this machine opens."""
    host = str(st_config.get_option("server.address") or "")  # type: ignore[attr-defined]
    port = int(st_config.get_option("server.port"))  # type: ignore[attr-defined]
    base = str(st_config.get_option("server.baseUrlPath") or "").strip("/")  # type: ignore[attr-defined]
    host = "localhost" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 (comparing, not binding)
    return f"http://{host}:{port}/{base + '/' if base else ''}"


def _lan_url(st_config: object) -> str | None:
    """The address other computers on the network open, when the server listens on every
    interface (None otherwise, or when this machine has no network address)."""
    host = str(st_config.get_option("server.address") or "")  # type: ignore[attr-defined]
    if host not in ("", "0.0.0.0", "::"):  # noqa: S104 (comparing, not binding)
        return None
    ip = _lan_ip()
    return None if ip is None else _url(st_config).replace("//localhost:", f"//{ip}:", 1)


def _lan_ip() -> str | None:
    """This machine's address on the network its default route leaves by: a UDP socket "connected"
    to an outside address sends nothing, and names the local address it would use."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): never reached, no packet sent
            ip = str(s.getsockname()[0])
        except OSError:
            return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip  # noqa: S104 (comparing)


_SERVING = threading.Event()


def _stop_before_serving(signum: int, frame: object) -> None:
    if not _SERVING.is_set():
        raise SystemExit(0)


def _announce_when_ready(url: str, lan: str | None = None) -> None:
    """Say the address once the server answers its health check (and the one for other computers
    on the network, when it listens there too)."""
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as r:  # noqa: S310 (our own server)
                if r.read() == b"ok":
                    _SERVING.set()
                    say(f"{READY}：{url}")
                    if lan:
                        say(f"同一网络中的其他电脑请打开：{lan}")
                    return
        except OSError:
            pass
        time.sleep(0.3)
    print(f"[perfdash] 看板在 {READY_WAIT_SECONDS} 秒内没有就绪，请查看上面的日志", file=sys.stderr, flush=True)
