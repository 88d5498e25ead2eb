"""The same-content floor of ``bench --browser``: what the browser alone costs to draw a page.

A page's visible time is the server's run plus the browser drawing what it was sent; against a
one-line page the ratio mostly measures Streamlit and Plotly drawing charts. The floor is a
minimal Streamlit app that sends exactly the elements the real page sent, with no computation:

- ``Recorder`` listens to a browser page's websocket and keeps, for each script run, the
  ForwardMsgs that draw something (elements and blocks, the page config, the logo), exactly as
  the server sent them (delta paths, hashes), and the app's navigation (sections, titles, icons,
  addresses). A message the client already held arrives as a reference (``ref_hash``): it is
  resolved from the full message seen earlier on the same socket.
- ``save`` writes a page's run into the floor's folder (``floor/<url path>.pb``, length-prefixed
  messages) and the navigation (``floor/nav.json``).
- ``APP`` is the floor app: the same navigation, each page re-enqueueing its recorded messages on
  the script run context — the very call ``DeltaGenerator._enqueue`` ends in, so the frontend
  receives the same protos at the same paths, hashed and cached as the real ones. A page not
  recorded (yet) is empty.

The floor lives beside the bare app in the benchmark's temporary folder and runs as its own
``streamlit run``; ``browser_bench`` records the floor from the real app's first visit of each page
and then measures the page, the bare app and the floor in turn.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import struct
from pathlib import Path

from perfdash.bench.servers import BenchServerError

# What a page run sends that the browser draws; session status, navigation, script_finished and
# the like are the floor app's own.
REPLAYED = frozenset({"delta", "page_config_changed", "logo"})
NAV_FILE = "nav.json"

APP = '''"""The same-content floor (perfdash.bench.floor): each page re-sends what the real page sent."""
import json
import struct
from pathlib import Path

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

FOLDER = Path(__file__).parent / "floor"


def replay(name):
    path = FOLDER / f"{name}.pb"
    if not path.exists():
        return
    data, at, ctx = path.read_bytes(), 0, get_script_run_ctx()
    while at < len(data):
        (size,) = struct.unpack_from("<I", data, at)
        msg = ForwardMsg()
        msg.ParseFromString(data[at + 4 : at + 4 + size])
        at += 4 + size
        ctx.enqueue(msg)


def page(name):
    def run():
        replay(name)

    run.__name__ = "floor_" + "".join(c if c.isalnum() else "_" for c in name)
    return run


nav = json.loads((FOLDER / "nav.json").read_text("utf-8")) if (FOLDER / "nav.json").exists() else None
if nav is None:
    pages = {"": [st.Page(page("_"), title="尚未录制", url_path="waiting", default=True)]}
    position, expanded = "sidebar", True
else:
    pages = {}
    for p in nav["pages"]:
        pages.setdefault(p["section"], []).append(
            st.Page(
                page(p["url"] or "_default"),
                title=p["title"],
                icon=p["icon"] or None,
                url_path=p["url"] or None,
                default=p["default"],
                visibility="hidden" if p["hidden"] else "visible",
            )
        )
    position, expanded = nav["position"], nav["expanded"]
st.navigation(pages, position=position, expanded=expanded).run()
'''


class Recorder:
    """The drawing messages of each script run of one browser page, read from its websocket."""

    def __init__(self, page) -> None:
        self.page = page
        self.current: list = []
        self.started = 0  # script runs started (new_session messages)
        self.runs: list[tuple[int, list]] = []  # (run number, messages) of runs that finished, oldest first
        self.navigation = None  # the latest Navigation proto
        self._seen: dict[str, object] = {}  # hash → the full message (resolves ref_hash)
        self._mark = 0
        self.unresolved: set[int] = set()  # runs with a reference to a message never seen in full
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: str | bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes | bytearray):
            return
        msg = ForwardMsg()
        with contextlib.suppress(Exception):  # not every frame need be a ForwardMsg
            msg.ParseFromString(bytes(payload))
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            full = self._seen.get(msg.ref_hash)
            if full is None:
                self.unresolved.add(self.started)
                return
            copy = ForwardMsg()
            copy.CopyFrom(full)
            copy.metadata.CopyFrom(msg.metadata)
            copy.metadata.cacheable = full.metadata.cacheable
            msg, kind = copy, copy.WhichOneof("type")
        elif msg.hash:
            self._seen[msg.hash] = msg
        if kind == "new_session":
            self.started += 1
            self.current = []
        elif kind == "navigation":
            self.navigation = msg.navigation
        elif kind in REPLAYED:
            self.current.append(msg)
        elif kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            self.runs.append((self.started, self.current))
            self.current = []

    def mark(self) -> None:
        """An action starts now: ``run_since_mark`` waits for a run that starts after it."""
        self._mark = self.started

    async def run_since_mark(self, title: str, timeout_ms: float = 120_000) -> list:
        """The messages of the first run started since ``mark`` that finished, once it has (a page
        can look settled while its script still computes); checked to be the page titled
        ``title`` (its page config's title), else BenchServerError."""
        waited = 0.0
        while not any(n > self._mark for n, _ in self.runs):
            if waited > timeout_ms:
                raise BenchServerError(f"页面“{title}”的运行 {timeout_ms / 1000:.0f} 秒内没有结束")
            await self.page.wait_for_timeout(50)
            waited += 50
        number, run = next((n, msgs) for n, msgs in self.runs if n > self._mark)
        if number in self.unresolved:
            raise BenchServerError(f"页面“{title}”的运行引用了此前没有收到的消息，无法原样重放")
        titles = [m.page_config_changed.title for m in run if m.WhichOneof("type") == "page_config_changed"]
        if not titles or not titles[-1].startswith(title):
            raise BenchServerError(f"录下的运行不是页面“{title}”的（页面标题：{titles[-1] if titles else '无'}）")
        return run

    def url_path(self, title: str) -> str | None:
        """The address of the navigation's page titled ``title``."""
        if self.navigation is None:
            return None
        return next((p.url_pathname for p in self.navigation.app_pages if p.page_name == title), None)


def navigation_json(navigation) -> dict:
    """A Navigation proto as the floor app reads it."""
    return {
        "position": {0: "hidden", 1: "sidebar", 2: "top"}.get(int(navigation.position), "sidebar"),
        "expanded": bool(navigation.expanded),
        "pages": [
            {
                "title": p.page_name,
                "icon": p.icon,
                "url": p.url_pathname,
                "section": p.section_header,
                "default": bool(p.is_default),
                "hidden": bool(p.is_hidden),
            }
            for p in navigation.app_pages
        ],
    }


def save(folder: Path, name: str, messages: list, navigation=None) -> int:
    """One page's messages into the floor's ``folder`` (created), as ``name``; the navigation too
    when given. Returns the bytes written for the page."""
    folder.mkdir(parents=True, exist_ok=True)
    blob = b"".join(struct.pack("<I", len(b)) + b for b in (m.SerializeToString() for m in messages))
    (folder / f"{name}.pb").write_bytes(blob)
    if navigation is not None:
        text = json.dumps(navigation_json(navigation), ensure_ascii=False)
        (folder / NAV_FILE).write_text(text, encoding="utf-8")
    return len(blob)


def write_app(folder: Path, config: Path | None = None) -> Path:
    """The floor app's script in ``folder`` (its recordings go to ``folder / "floor"``), with the
    real app's Streamlit ``config`` (theme, toolbar, runner) so that the same protos draw alike."""
    (folder / "floor").mkdir(parents=True, exist_ok=True)
    if config is not None and config.exists():
        (folder / ".streamlit").mkdir(exist_ok=True)
        shutil.copyfile(config, folder / ".streamlit" / "config.toml")
    script = folder / "floor_app.py"
    script.write_text(APP, encoding="utf-8")
    return script
