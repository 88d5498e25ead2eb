"""Streamlit's file uploads, gated (``python -m perfdash serve``; see perfdash.server.web).

A browser's ``st.file_uploader`` sends each file with ``PUT /_stcore/upload_file/{session}/{file}``;
Streamlit itself checks only the XSRF cookie and the size of one file, then keeps the bytes in
memory under the session id until the session ends. Anyone who can open the login page could
fill the server's memory that way (40 × 19 MB took it from 264 to 1,219 MB). ``UploadGate`` sits in
front of Streamlit's app and, before a byte of the body is read, refuses with

- 403 a session that is not signed in (no sign-in token in its session state, or the store says
  the token no longer holds) or that has no file uploader on screen;
- 411 a body without Content-Length (the browser always sends one), 413 one larger than
  server.maxUploadSize;
- 413 a file that would take the session's held uploads over PERFDASH_UPLOAD_SESSION_MB, or all
  sessions' over PERFDASH_UPLOAD_TOTAL_MB. Bytes still arriving count (reserved by their
  Content-Length, and the body is cut off if it runs past it).

A sweeper on the server's event loop gives memory back: files of a session that has ended (closed,
or its reconnect window ``server.disconnectedSessionTTL`` over: Streamlit then drops the session
without clearing its files) or signed out, at once; files no uploader on screen holds any more (the
person moved to another page or target), PERFDASH_UPLOAD_UNUSED_SECONDS after their upload.

What a session holds is read from Streamlit's own objects (session state, widget metadata, the
memory upload manager); ``streamlit_internals_present`` names each one, and a test fails when a
Streamlit upgrade moves them.

A plain ``streamlit run app.py`` has no middleware: there ``guard_store`` (called from a script
run) refuses the same uploads where Streamlit stores them, after it has read the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit.runtime.state.session_state import Serialized, Value

from perfdash.core import settings
from perfdash.ops import auth
from perfdash.server import startup

log = logging.getLogger("perfdash")

SESSION_KEY = "auth"  # where perfdash.app.session keeps a sign-in in st.session_state
UPLOAD_PATH = re.compile(r"/_stcore/upload_file/([^/]+)/([^/]+)/?$")
UPLOADER_VALUE = "file_uploader_state_value"  # WidgetMetadata.value_type of st.file_uploader / st.camera_input
FRAMING_BYTES = 1 << 20  # multipart framing around the file, as Streamlit's own check allows
SWEEP_SECONDS = 10.0

NOT_SIGNED_IN = "请先登录，并在有上传控件的页面上传文件。"
NO_LENGTH = "上传请求缺少 Content-Length。"
TOO_LARGE = "文件超过上传大小上限。"
SESSION_FULL = "本页暂存的上传文件已达上限，请移除不用的文件或刷新页面后再上传。"
SERVER_FULL = "服务器暂存的上传文件已达上限，请稍后再试。"
UNAVAILABLE = "暂时无法确认登录状态，请稍后再试。"


# -- what Streamlit holds (its internals, read in one place) ---------------------------------------


def _runtime() -> Any | None:
    from streamlit import runtime

    return runtime.get_instance() if runtime.exists() else None


def _upload_manager(rt: Any) -> Any:
    """Streamlit's MemoryUploadedFileManager: ``file_storage`` {session: {file: rec}} under ``_lock``."""
    return rt.uploaded_file_mgr


def held_bytes(manager: Any, session_id: str) -> tuple[int, int]:
    """(this session's, every session's) bytes of uploaded files in the manager."""
    with manager._lock:
        files = manager.file_storage.get(session_id) or {}
        return sum(len(f.data) for f in files.values()), int(manager._total_bytes)


def _held_files(manager: Any) -> dict[str, list[str]]:
    with manager._lock:
        return {sid: list(files) for sid, files in manager.file_storage.items()}


def _widget_states(state: Any) -> tuple[dict, dict, dict]:
    """(widget metadata, this run's widget values, earlier runs' values) of a SessionState."""
    widgets = state._new_widget_state
    return dict(widgets.widget_metadata), dict(widgets.states), dict(state._old_state)


def sign_in_token(state: Any) -> str | None:
    """The perfdash sign-in token a Streamlit session holds (perfdash.app.session keeps it)."""
    try:
        value = state[SESSION_KEY]
    except KeyError:
        return None
    token = value.get("token") if isinstance(value, dict) else None
    return token if isinstance(token, str) and token else None


def _uploaders(state: Any) -> list[tuple[str, Any]]:
    """(widget id, value) of every file uploader the session's page shows: a widget has a value
    while it is on screen (one with no file has None); leaving the page removes it."""
    for _ in range(3):  # the script thread may be changing the dicts: copy again
        try:
            metadata, current, earlier = _widget_states(state)
            break
        except RuntimeError:
            continue
    else:
        return []
    found = []
    for wid, meta in metadata.items():
        if getattr(meta, "value_type", None) != UPLOADER_VALUE:
            continue
        if wid in current:
            found.append((wid, current[wid]))
        elif wid in earlier:
            found.append((wid, earlier[wid]))
    return found


def uploader_on_screen(state: Any) -> bool:
    """Whether the session's page shows a file uploader."""
    return bool(_uploaders(state))


def file_ids(value: Any) -> set[str]:
    """The upload ids a file uploader's value names, in any form Streamlit keeps it: a
    Value/Serialized wrapper, the WidgetState proto, UploadedFile(s), DeletedFile."""
    if value is None:
        return set()
    if isinstance(value, list | tuple) and not hasattr(value, "file_id"):
        return set().union(*(file_ids(v) for v in value)) if value else set()
    if isinstance(value, Value | Serialized):
        return file_ids(value.value)
    if hasattr(value, "WhichOneof") and hasattr(value, UPLOADER_VALUE):
        return file_ids(getattr(value, UPLOADER_VALUE))
    if hasattr(value, "uploaded_file_info"):
        return {info.file_id for info in value.uploaded_file_info}
    file_id = getattr(value, "file_id", None)
    return {file_id} if isinstance(file_id, str) else set()


def files_in_use(state: Any) -> set[str]:
    """Every upload id a file uploader on the session's page holds."""
    return set().union(*(file_ids(value) for _, value in _uploaders(state)))


def _session_state(rt: Any, session_id: str, active_only: bool) -> Any | None:
    """A session's state: of an active session, or (``active_only=False``) also of one kept for
    a reconnect; None once Streamlit has let it go."""
    if active_only:
        app_session = rt.get_app_session(session_id)
    else:  # Runtime keeps its session manager private; without it, only active sessions count
        manager = getattr(rt, "_session_mgr", None)
        info = manager.get_session_info(session_id) if manager is not None else None
        app_session = info.session if info is not None else rt.get_app_session(session_id)
    return app_session.session_state if app_session is not None else None


def streamlit_internals_present() -> list[str]:
    """What of the above this Streamlit lacks (empty when the gate can read everything)."""
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.runtime import Runtime
    from streamlit.runtime.session_manager import SessionInfo
    from streamlit.runtime.state.session_state import SessionState, WStates
    from streamlit.runtime.websocket_session_manager import WebsocketSessionManager
    from streamlit.web.server.starlette import starlette_routes

    manager, state, widgets = MemoryUploadedFileManager("/x"), SessionState(), WStates()
    wanted = {
        "MemoryUploadedFileManager": (manager, ("file_storage", "_lock", "_total_bytes", "remove_file")),
        "SessionState": (state, ("_new_widget_state", "_old_state")),
        "WStates": (widgets, ("widget_metadata", "states")),
        "Runtime": (Runtime, ("get_app_session", "uploaded_file_mgr")),
        "WebsocketSessionManager": (WebsocketSessionManager, ("get_session_info",)),
    }
    missing = [f"{name}.{attr}" for name, (obj, attrs) in wanted.items() for attr in attrs if not hasattr(obj, attr)]
    if "session" not in getattr(SessionInfo, "__dataclass_fields__", {}):
        missing.append("SessionInfo.session")
    if getattr(starlette_routes, "BASE_ROUTE_UPLOAD_FILE", "") != "_stcore/upload_file":
        missing.append("starlette_routes.BASE_ROUTE_UPLOAD_FILE")
    return missing


# -- the gate --------------------------------------------------------------------------------------


def _max_file_bytes() -> int:
    from streamlit import config

    return int(config.get_option("server.maxUploadSize")) * (1 << 20)


def caps() -> tuple[int, int]:
    """(per session, all sessions) bytes: the settings, raised to take at least one largest file."""
    per_session, total = settings.upload_caps_bytes()
    per_session = max(per_session, _max_file_bytes() + FRAMING_BYTES)
    return per_session, max(total, per_session)


def _still_signed_in(token: str) -> bool:
    """Whether the store still honours the token (not expired, revoked or disabled)."""
    return auth.session_account(startup.shared_store(str(settings.db_path())), token) is not None


class UploadGate:
    """ASGI middleware: lets an upload through to Streamlit only when it may be stored."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._arriving: dict[str, int] = {}  # session → bytes reserved by uploads under way
        self._uploaded_at: dict[tuple[str, str], float] = {}  # (session, file) → when its upload began
        self._sweeper: asyncio.Task | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._sweeper is None:  # the server's event loop, from its first request (or start-up) on
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
        if scope["type"] == "lifespan":
            await self.app(scope, self._stop_sweeper_on_shutdown(receive), send)
            return
        match = UPLOAD_PATH.search(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "PUT":
            await self.app(scope, receive, send)
            return
        session_id, file_id = match.groups()
        length, refusal = await self._admit(scope, session_id)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        with self._lock:
            self._uploaded_at[(session_id, file_id)] = time.monotonic()
        try:
            await self.app(scope, _at_most(receive, length), send)
        finally:
            with self._lock:  # the grace counts from the file's arrival: the browser names it next
                self._uploaded_at[(session_id, file_id)] = time.monotonic()
                left = self._arriving.get(session_id, 0) - length
                if left > 0:
                    self._arriving[session_id] = left
                else:
                    self._arriving.pop(session_id, None)

    async def _admit(self, scope: Scope, session_id: str) -> tuple[int, PlainTextResponse | None]:
        """The body's declared length, and the refusal if the upload may not be stored; when it
        may, its length is reserved against the caps."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw = headers.get("content-length")
        if raw is None or "transfer-encoding" in headers:
            return 0, PlainTextResponse(NO_LENGTH, status_code=411)
        try:
            length = int(raw)
        except ValueError:
            return 0, PlainTextResponse(NO_LENGTH, status_code=400)
        if length < 0:
            return 0, PlainTextResponse(NO_LENGTH, status_code=400)
        if length > _max_file_bytes() + FRAMING_BYTES:
            return 0, PlainTextResponse(TOO_LARGE, status_code=413)
        rt = _runtime()
        guard_store()
        state = _session_state(rt, session_id, active_only=True) if rt is not None else None
        token = sign_in_token(state) if state is not None else None
        if token is None or not uploader_on_screen(state):
            return 0, PlainTextResponse(NOT_SIGNED_IN, status_code=403)
        try:
            signed_in = await run_in_threadpool(_still_signed_in, token)
        except Exception:
            log.exception("上传前无法确认登录状态")
            return 0, PlainTextResponse(UNAVAILABLE, status_code=503)
        if not signed_in:
            return 0, PlainTextResponse(NOT_SIGNED_IN, status_code=403)
        return length, self._reserve(rt, session_id, length)

    def _reserve(self, rt: Any, session_id: str, length: int) -> PlainTextResponse | None:
        manager = _upload_manager(rt)
        per_session, total = caps()
        with self._lock:
            for attempt in range(2):
                mine, everyone = held_bytes(manager, session_id)
                mine += self._arriving.get(session_id, 0) + length
                everyone += sum(self._arriving.values()) + length
                if mine <= per_session and everyone <= total:
                    self._arriving[session_id] = self._arriving.get(session_id, 0) + length
                    return None
                if attempt == 0:  # files nobody uses any more make room first
                    self._reclaim(rt, None if everyone > total else [session_id], time.monotonic())
        if everyone > total:
            log.warning("上传被拒绝：所有会话暂存的上传文件将超过 %d MB（PERFDASH_UPLOAD_TOTAL_MB）", total >> 20)
            return PlainTextResponse(SERVER_FULL, status_code=413)
        return PlainTextResponse(SESSION_FULL, status_code=413)

    def _reclaim(self, rt: Any, sessions: Iterable[str] | None, now: float) -> int:
        """Drop the files no one can use: of ended or signed-out sessions, and of sessions whose
        uploaders no longer hold them (past the grace after upload). Bytes freed."""
        manager = _upload_manager(rt)
        held = _held_files(manager)
        grace = settings.upload_unused_seconds()
        freed = 0
        for sid in held if sessions is None else [s for s in sessions if s in held]:
            state = _session_state(rt, sid, active_only=False)
            if state is None or sign_in_token(state) is None:
                freed += held_bytes(manager, sid)[0]
                manager.remove_session_files(sid)
                continue
            if sid in self._arriving:  # a file just stored may not have reached its uploader yet
                continue
            in_use = files_in_use(state)
            for fid in held[sid]:
                started = self._uploaded_at.get((sid, fid))
                if fid in in_use or (started is not None and now - started < grace):
                    continue
                with manager._lock:
                    rec = (manager.file_storage.get(sid) or {}).get(fid)
                freed += len(rec.data) if rec is not None else 0
                manager.remove_file(sid, fid)
        self._uploaded_at = {
            key: at for key, at in self._uploaded_at.items() if now - at < grace or key[0] in self._arriving
        }
        return freed

    async def _sweep_forever(self) -> None:
        interval = max(min(SWEEP_SECONDS, settings.upload_unused_seconds() / 2), 0.5)
        while True:
            await asyncio.sleep(interval)
            rt = _runtime()
            if rt is None:
                continue
            try:
                with self._lock:
                    self._reclaim(rt, None, time.monotonic())
            except Exception:  # a sweep must never end the sweeping
                log.exception("清理暂存的上传文件时出错")

    def _stop_sweeper_on_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self._sweeper is not None:
                self._sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._sweeper
            return message

        return wrapped


def guard_store() -> None:
    """The same refusals where Streamlit stores a file, for a plain ``streamlit run app.py`` (no
    UploadGate in front; under ``serve`` a second line behind it). By then Streamlit has read the
    body (at most server.maxUploadSize per request, let go when refused), but nothing is kept.
    No sweeper runs there: files go when Streamlit ends the session. Idempotent; cheap to call on
    every script run."""
    rt = _runtime()
    if rt is None:
        return
    manager = _upload_manager(rt)
    if getattr(manager.add_file, "perfdash_guarded", False):
        return
    store = manager.add_file

    def add_file(session_id: str, file: Any) -> None:
        state = _session_state(rt, session_id, active_only=True)
        if state is None or sign_in_token(state) is None or not uploader_on_screen(state):
            raise HTTPException(status_code=403, detail=NOT_SIGNED_IN)
        per_session, total = caps()
        mine, everyone = held_bytes(manager, session_id)
        if mine + len(file.data) > per_session:
            raise HTTPException(status_code=413, detail=SESSION_FULL)
        if everyone + len(file.data) > total:
            log.warning("上传被拒绝：所有会话暂存的上传文件将超过 %d MB（PERFDASH_UPLOAD_TOTAL_MB）", total >> 20)
            raise HTTPException(status_code=413, detail=SERVER_FULL)
        store(session_id, file)

    add_file.perfdash_guarded = True  # type: ignore[attr-defined]
    manager.add_file = add_file


def _at_most(receive: Receive, length: int) -> Receive:
    """``receive`` that refuses a body running past its declared length (the server's HTTP parser
    already holds it to Content-Length; this keeps the reservation honest whatever serves it)."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > length:
                raise HTTPException(status_code=413, detail=TOO_LARGE)
        return message

    return wrapped


MIDDLEWARE = [Middleware(UploadGate)]
