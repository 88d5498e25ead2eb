"""Nothing stored before sign-in: ``python -m perfdash serve`` refuses Streamlit's file uploads
(PUT /_stcore/upload_file/{session}/{file}) from a session that is not signed in or shows no file
uploader, holds at most a capped number of bytes per session and in all, and lets go of files
nobody uses any more. The server tests speak Streamlit's websocket protocol (protocol_bench's
Visitor) and read the held bytes from Streamlit's own /_stcore/metrics."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from perfdash.app import session
from perfdash.bench import protocol_bench, servers
from perfdash.core.settings import PROJECT_ROOT
from perfdash.server import upload_gate
from tests.fixtures import demo_db_path
from tests.waiting import wait_until

MB = 1 << 20
ATTACK_FILES, ATTACK_MB = 40, 19  # the attack that took the server from 264 to 1,219 MB
UNUSED_SECONDS = 4  # PERFDASH_UPLOAD_UNUSED_SECONDS for the served app: short, so a test can see it
XSRF_COOKIE = "_streamlit_xsrf"


# -- Streamlit's objects, read in process ----------------------------------------------------------


def test_the_streamlit_internals_the_gate_reads_are_there():
    """A Streamlit upgrade that moves them fails here, not silently in production."""
    assert upload_gate.streamlit_internals_present() == []


def _uploaded(file_id: str, data: bytes = b"x"):
    from streamlit.proto.Common_pb2 import FileURLs
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    return UploadedFile(UploadedFileRec(file_id, "a.pdf", "application/pdf", data), FileURLs())


def test_file_ids_reads_every_form_streamlit_keeps_an_uploader_value_in():
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from streamlit.runtime.state.session_state import Serialized, Value
    from streamlit.runtime.uploaded_file_manager import DeletedFile

    proto = WidgetState(id="w")
    for fid in ("a", "b"):
        proto.file_uploader_state_value.uploaded_file_info.add(file_id=fid, name=f"{fid}.pdf", size=1)
    assert upload_gate.file_ids(Serialized(proto)) == {"a", "b"}  # as the browser sent it
    assert upload_gate.file_ids(Value(_uploaded("c"))) == {"c"}  # as the script read it
    assert upload_gate.file_ids([_uploaded("d"), _uploaded("e")]) == {"d", "e"}  # accept_multiple_files
    assert upload_gate.file_ids(DeletedFile("f")) == {"f"}
    assert upload_gate.file_ids(Value(None)) == upload_gate.file_ids(None) == upload_gate.file_ids([]) == set()


def test_the_caps_always_take_one_largest_file(monkeypatch):
    from streamlit import config

    largest = int(config.get_option("server.maxUploadSize")) * MB + upload_gate.FRAMING_BYTES
    monkeypatch.setenv("PERFDASH_UPLOAD_SESSION_MB", "1")
    monkeypatch.setenv("PERFDASH_UPLOAD_TOTAL_MB", "1")
    assert upload_gate.caps() == (largest, largest)
    monkeypatch.setenv("PERFDASH_UPLOAD_SESSION_MB", "60")
    monkeypatch.setenv("PERFDASH_UPLOAD_TOTAL_MB", "400")
    assert upload_gate.caps() == (60 * MB, 400 * MB)


def _session(token: str | None, uploads: dict[str, list[str]] | None):
    """A real SessionState: signed in (``token``), showing uploaders {widget id: file ids} or none."""
    from streamlit.runtime.state.common import WidgetMetadata
    from streamlit.runtime.state.session_state import SessionState

    state = SessionState()
    if token:
        state._new_session_state[session.SESSION_KEY] = {"token": token}  # as perfdash.app.session keeps it
    for wid, fids in (uploads or {}).items():
        meta = WidgetMetadata(wid, lambda v: v, lambda v: v, value_type=upload_gate.UPLOADER_VALUE)
        state._new_widget_state.set_widget_metadata(meta)
        state._old_state[wid] = [_uploaded(f) for f in fids] if fids else None
    return SimpleNamespace(session_state=state)


class FakeRuntime:
    """The two things the gate asks Streamlit's runtime: its sessions and its upload manager."""

    def __init__(self, sessions: dict):
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

        self.uploaded_file_mgr = MemoryUploadedFileManager("/_stcore/upload_file")
        self.sessions = sessions
        self._session_mgr = SimpleNamespace(
            get_session_info=lambda sid: SimpleNamespace(session=s) if (s := sessions.get(sid)) else None
        )

    def get_app_session(self, sid: str):
        return self.sessions.get(sid)

    def hold(self, sid: str, fid: str, mb: int) -> None:
        from streamlit.runtime.uploaded_file_manager import UploadedFileRec

        self.uploaded_file_mgr.add_file(sid, UploadedFileRec(fid, "a.pdf", "application/pdf", b"x" * (mb * MB)))


def test_the_caps_count_held_and_arriving_bytes_and_make_room_from_files_nobody_uses(monkeypatch):
    monkeypatch.setenv("PERFDASH_UPLOAD_SESSION_MB", "45")
    monkeypatch.setenv("PERFDASH_UPLOAD_TOTAL_MB", "70")
    rt = FakeRuntime({"me": _session("t", {"w": ["kept"]}), "other": _session("t2", {"w": ["theirs"]})})
    gate = upload_gate.UploadGate(app=None)
    rt.hold("me", "kept", 20)
    rt.hold("other", "theirs", 20)
    assert gate._reserve(rt, "me", 20 * MB) is None  # 20 held + 20 arriving ≤ 45
    refused = gate._reserve(rt, "me", 10 * MB)  # 20 + 20 + 10 > 45
    assert refused is not None and refused.status_code == 413 and "本页" in refused.body.decode()
    refused = gate._reserve(rt, "other", 20 * MB)  # everyone: 40 held + 20 arriving + 20 > 70
    assert refused is not None and refused.status_code == 413 and "服务器" in refused.body.decode()
    assert upload_gate.held_bytes(rt.uploaded_file_mgr, "me") == (20 * MB, 40 * MB)  # nothing dropped in use

    rt.hold("gone", "left", 25)  # a session Streamlit has let go of (its files left behind)
    monkeypatch.setenv("PERFDASH_UPLOAD_TOTAL_MB", "90")
    assert gate._reserve(rt, "other", 20 * MB) is None  # 65 held + 20 + 20 > 90: "gone" made room
    assert upload_gate.held_bytes(rt.uploaded_file_mgr, "gone") == (0, 40 * MB)


def test_the_sweep_keeps_what_an_uploader_shows_and_drops_the_rest(monkeypatch):
    monkeypatch.setenv("PERFDASH_UPLOAD_UNUSED_SECONDS", "60")
    rt = FakeRuntime(
        {
            "shown": _session("t", {"w": ["a"]}),
            "moved_on": _session("t", None),
            "signed_out": _session(None, {"w": ["c"]}),
        }
    )
    gate = upload_gate.UploadGate(app=None)
    for sid, fid in (("shown", "a"), ("shown", "b"), ("moved_on", "x"), ("signed_out", "c"), ("ended", "d")):
        rt.hold(sid, fid, 1)
    gate._uploaded_at[("moved_on", "x")] = time.monotonic()  # just uploaded: its rerun may be on its way
    gate._reclaim(rt, None, time.monotonic())
    held = {sid: sorted(files) for sid, files in rt.uploaded_file_mgr.file_storage.items()}
    assert held == {"shown": ["a"], "moved_on": ["x"]}
    gate._reclaim(rt, None, time.monotonic() + 61)  # past the grace
    assert {sid: sorted(f) for sid, f in rt.uploaded_file_mgr.file_storage.items() if f} == {"shown": ["a"]}


def test_without_the_middleware_the_store_itself_refuses(monkeypatch):
    """``streamlit run app.py``: guard_store makes Streamlit's upload manager keep nothing it should not."""
    from starlette.exceptions import HTTPException
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    monkeypatch.setenv("PERFDASH_UPLOAD_SESSION_MB", "30")
    rt = FakeRuntime(
        {"login_page": _session(None, None), "no_uploader": _session("t", None), "ok": _session("t", {"w": []})}
    )
    monkeypatch.setattr(upload_gate, "_runtime", lambda: rt)
    upload_gate.guard_store()
    upload_gate.guard_store()  # once is enough: not wrapped twice

    def add(sid: str, mb: int) -> int:
        try:
            rt.uploaded_file_mgr.add_file(sid, UploadedFileRec(uuid.uuid4().hex, "a.pdf", "", b"x" * (mb * MB)))
        except HTTPException as refused:
            return refused.status_code
        return 204

    assert [add("login_page", 1), add("no_uploader", 1), add("gone", 1)] == [403, 403, 403]
    assert [add("ok", 20), add("ok", 20), add("ok", 10)] == [204, 413, 204]
    assert upload_gate.held_bytes(rt.uploaded_file_mgr, "ok") == (30 * MB, 30 * MB)


# -- the served app ----------------------------------------------------------------------------------


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    user: str
    password: str

    @property
    def host_port(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").split(":")
        return host, int(port)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """``python -m perfdash serve`` on a demo database, with the office account's password known."""
    folder = tmp_path_factory.mktemp("upload-gate")
    db = str(demo_db_path(folder))
    password = servers.prepare(db)
    env = {**os.environ, "PERFDASH_UPLOAD_SESSION_MB": "1", "PERFDASH_UPLOAD_UNUSED_SECONDS": str(UNUSED_SECONDS)}
    env |= {"PERFDASH_BACKUP_EVERY": "0", "PYTHONUNBUFFERED": "1"}
    # A closed tab's session is kept 2 s for a reconnect, not 120 s: Streamlit's user-level config
    # (the serve command reads no STREAMLIT_* variables).
    home = folder / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "config.toml").write_text("[server]\ndisconnectedSessionTTL = 2\n", encoding="utf-8")
    env["HOME"] = str(home)
    port = servers.free_port()
    with open(folder / "serve.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "perfdash", "serve", "--db", db, "--port", str(port), "--address", "127.0.0.1"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Served(f"http://127.0.0.1:{port}", process, servers.BENCH_USER, password)
    try:
        if not servers.healthy(server.url, process, 120):
            pytest.fail((folder / "serve.log").read_text(encoding="utf-8"))
        yield server
    finally:
        servers.stop(process, 30)


def xsrf_cookie(url: str) -> str:
    """The XSRF cookie anyone gets from the health check, as the attack took it."""
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:  # noqa: S310 (the test's server)
        cookies = r.headers.get_all("Set-Cookie") or []
    found = next((c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith(XSRF_COOKIE + "=")), None)
    assert found, cookies
    return found


def held_upload_bytes(url: str) -> int:
    """What Streamlit's upload manager holds now (its metrics; cached by Streamlit up to 5 s)."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10) as r:  # noqa: S310
        text = r.read().decode()
    found = re.findall(r'^cache_memory_bytes\{cache_type="UploadedFileManager"[^}]*\} (\d+)', text, re.M)
    return sum(int(n) for n in found)


def put_file(
    server: Served, session_id: str, xsrf: str, size: int, file_id: str = "", chunked: bool = False
) -> tuple[int, str]:
    """PUT a file of ``size`` bytes as the browser's uploader does: the answer's (status, text)."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + b"%PDF" + b"\0" * (size - 4) + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection(*server.host_port, timeout=60)
    try:
        conn.putrequest("PUT", f"/_stcore/upload_file/{session_id}/{file_id or uuid.uuid4()}")
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": xsrf,
            "Cookie": f"{XSRF_COOKIE}={xsrf}",
        }
        headers |= {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(len(body))}
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.endheaders()
        # the server may answer before the body is through: then read its answer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if chunked else body)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


class Tab(protocol_bench.Visitor):
    """A browser tab that also knows its Streamlit session id and can hand a file to an uploader."""

    def __init__(self, websocket) -> None:
        super().__init__(_Sniffer(websocket, self))
        self.session_id = ""

    async def choose(self, uploader: str, file_id: str, name: str, size: int) -> None:
        """What the browser sends once a PUT succeeded: a rerun with the uploader now holding it."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.page_script_hash = self.page
        state = msg.rerun_script.widget_states.widgets.add(id=self.widgets[uploader])
        state.file_uploader_state_value.uploaded_file_info.add(file_id=file_id, name=name, size=size)
        await self._ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._until_finished(), protocol_bench.STEP_TIMEOUT_S)


class _Sniffer:
    """The websocket, reading the session id out of the server's first message."""

    def __init__(self, ws, tab: Tab) -> None:
        self._ws, self._tab = ws, tab

    async def send(self, data: bytes) -> None:
        await self._ws.send(data)

    async def recv(self) -> bytes:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        raw = await self._ws.recv()
        if not self._tab.session_id:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == "new_session":
                self._tab.session_id = msg.new_session.initialize.session_id
        return raw


def _in_thread(call: Callable[[], object]):
    """Run a blocking HTTP call from the tab's event loop without stalling its websocket."""
    return asyncio.get_running_loop().run_in_executor(None, call)


@pytest.mark.slow  # a real `serve` and 40 uploads of 19 MB, with the server's memory watched
def test_uploads_before_sign_in_are_refused_and_the_attack_leaves_memory_where_it_was(served):
    xsrf = xsrf_cookie(served.url)

    async def attack() -> tuple[float, float, list[tuple[int, str]]]:
        async with Tab.connect(served.url) as tab:
            await tab.run()
            assert set(tab.widgets) == {"用户名", "密码", "登录"} and tab.session_id  # the login page
            before = servers.rss_mb(served.process.pid)
            answers = [
                await _in_thread(lambda: put_file(served, tab.session_id, xsrf, ATTACK_MB * MB))
                for _ in range(ATTACK_FILES)
            ]
            return before, servers.rss_mb(served.process.pid), answers

    started = time.perf_counter()
    before, after, answers = servers.run_apart(attack())
    seconds = time.perf_counter() - started
    print(f"{ATTACK_FILES} × {ATTACK_MB} MB before sign-in: RSS {before:.0f} → {after:.0f} MB in {seconds:.1f} s")
    assert [status for status, _ in answers] == [403] * ATTACK_FILES
    assert "请先登录" in answers[0][1]
    assert after - before < 50
    assert held_upload_bytes(served.url) == 0
    assert put_file(served, uuid.uuid4().hex, xsrf, 1000)[0] == 403  # a session that does not exist


@pytest.mark.slow  # ~20 s: Streamlit's metrics refresh every 5 s, and the grace has to pass
def test_a_signed_in_uploader_takes_files_within_the_session_cap_and_lets_go_of_unused_ones(served):
    xsrf = xsrf_cookie(served.url)
    small, large = 2 * MB, 12 * MB  # the served cap: one largest file (20 MB + 1 MB framing)

    async def visit() -> None:
        async with Tab.connect(served.url) as tab:

            async def put(size: int, file_id: str = "", chunked: bool = False) -> tuple[int, str]:
                return await _in_thread(lambda: put_file(served, tab.session_id, xsrf, size, file_id, chunked))

            async def until_held(low: int, high: int) -> None:
                await _in_thread(
                    lambda: wait_until(lambda: low <= held_upload_bytes(served.url) <= high, 30, f"{low}–{high} B held")
                )

            await tab.run()
            await tab.sign_in(served.user, served.password)
            assert (await put(small))[0] == 403  # signed in, but no uploader on this page
            await tab.go("方案管理")
            assert "方案文件" in tab.widgets

            assert (await put(small, chunked=True))[0] == 411  # no Content-Length: nothing read
            kept = str(uuid.uuid4())
            assert (await put(small, kept))[0] == 204
            await tab.choose("方案文件", kept, "a.pdf", small)  # the uploader now shows it
            assert (await put(large))[0] == 204  # 2 + 12 MB ≤ 21 MB
            status, text = await put(large)
            assert status == 413 and "上限" in text  # 2 + 12 + 12 MB > 21 MB: refused, nothing stored
            await until_held(small, small + 4096)  # the 12 MB no uploader shows is let go; the shown one stays
            assert (await put(large))[0] == 204  # room again

            await tab.go("总览")  # the uploader leaves the screen: its file goes too
            await until_held(0, 0)

            for leaving in ("sign out", "close the tab"):
                await tab.go("方案管理")
                kept = str(uuid.uuid4())
                assert (await put(small, kept))[0] == 204
                await tab.choose("方案文件", kept, "a.pdf", small)
                await until_held(small, small + 4096)
                if leaving == "sign out":
                    await tab.run(tab.page, [(tab.widgets["退出登录"], "trigger_value", True)])
                    assert "登录" in tab.widgets  # back on the login page
                    await until_held(0, 0)
                    await tab.sign_in(served.user, served.password)
        # the tab is closed: Streamlit keeps the session for a reconnect, then drops it (and we its files)
        await until_held(0, 0)

    servers.run_apart(visit())
