"""Where a session's memory goes on the server (``bench --memory N``): the real app under
tracemalloc, N people signed in and left on 总览 and 按科室, what each one added, by the code that
allocated it.

- The server runs as ``streamlit run app.py`` through a small launcher that starts tracemalloc
  and writes a snapshot when sent SIGUSR1 (after a garbage collection).
- People are websocket clients speaking Streamlit's protocol (``protocol_bench.Visitor``): the
  server holds the same session for them as for a browser, and no browser is needed.
- A first person signs in, opens both pages and leaves, so that imports, caches shared by every
  session and Streamlit's own start-up are in the baseline, not in the sessions.
- Then N people sign in and stay; snapshot; they close their tabs; snapshot again. The growth is
  split by owner: the most recent frame of the allocation's traceback in perfdash, Streamlit or
  tornado (else the innermost frame), by file.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from perfdash.bench import protocol_bench
from perfdash.bench import servers as sv
from perfdash.core import settings

FRAMES = 30  # deep enough to reach the page or Streamlit's runtime from inside pandas or protobuf
LAUNCHER = """import gc, os, signal, sys, tracemalloc

tracemalloc.start({frames})
_count = [0]


def _snapshot(signum, frame):
    gc.collect()
    _count[0] += 1
    path = os.environ["PERFDASH_TRACE_DIR"] + f"/snapshot{{_count[0]}}"
    tracemalloc.take_snapshot().dump(path + ".tmp")
    os.replace(path + ".tmp", path)


signal.signal(signal.SIGUSR1, _snapshot)
from streamlit.web.cli import main  # noqa: E402

main(prog_name="streamlit")
"""
OWNERS = ("perfdash", "pages", "streamlit", "tornado")  # who answers for an allocation


@dataclass
class Growth:
    """What N open sessions added to the server, and what closing them gave back."""

    sessions: int
    rss_before: float
    rss_open: float
    rss_closed: float
    traced_open: int  # bytes, the open sessions over the baseline
    traced_closed: int
    by_owner: list[tuple[str, int]]  # (owner file, bytes over the baseline) largest first

    def report(self, top: int = 12) -> str:
        n = self.sessions
        lines = [
            f"{n} 个会话登录并停留在总览、按科室：服务器常驻内存 {self.rss_before:.0f} → {self.rss_open:.0f} MB"
            f"（每个会话 {(self.rss_open - self.rss_before) / n:.1f} MB）；Python 分配（tracemalloc）每个会话 "
            f"{self.traced_open / n / 2**20:.2f} MB",
            f"关闭这些标签页、服务器清理会话后：常驻内存 {self.rss_closed:.0f} MB，Python 分配比基线多 "
            f"{self.traced_closed / 2**20:.1f} MB",
            "",
            "| 分配位置（最近的 perfdash / Streamlit / tornado 代码） | 每个会话 (KB) | 占比 |",
            "|---|---:|---:|",
        ]
        total = max(self.traced_open, 1)
        for owner, size in self.by_owner[:top]:
            lines.append(f"| {owner} | {size / n / 1024:.0f} | {size / total:.0%} |")
        return "\n".join(lines)


def owner(trace: tracemalloc.Traceback, root: Path = settings.PROJECT_ROOT) -> str:
    """The file that answers for an allocation: the most recent frame in this project (perfdash,
    pages, app.py), Streamlit or tornado; otherwise the innermost frame's file."""
    for frame in reversed(trace):  # a Traceback runs from the oldest frame to the most recent
        name = _where(frame.filename, root)
        if name.split("/")[0] in OWNERS or name == "app.py":
            return name
    return _where(trace[-1].filename, root) if len(trace) else "?"


def _where(filename: str, root: Path) -> str:
    """A file as its package names it: perfdash/db/queries.py, streamlit/…/x.py, pandas/…."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return "/".join(parts[parts.index("site-packages") + 1 :])
    path = Path(filename)
    if path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return path.name


def growth_by_owner(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> list[tuple[str, int]]:
    """Bytes added between two snapshots, summed by owner, largest first (owners that shrank are left out)."""
    sums: dict[str, int] = {}
    for diff in after.compare_to(before, "traceback"):
        key = owner(diff.traceback)
        sums[key] = sums.get(key, 0) + diff.size_diff
    return sorted(((k, v) for k, v in sums.items() if v > 0), key=lambda kv: -kv[1])


def _total(snapshot: tracemalloc.Snapshot) -> int:
    return sum(stat.size for stat in snapshot.statistics("filename"))


def _take(server: sv.Server, folder: Path, number: int) -> tracemalloc.Snapshot:
    """Ask the server for its snapshot number ``number`` and load it."""
    path = folder / f"snapshot{number}"
    os.kill(server.process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 300
    while not path.exists():
        if time.monotonic() > deadline or server.process.poll() is not None:
            raise sv.BenchServerError("服务器没有写出内存快照")
        time.sleep(0.2)
    return tracemalloc.Snapshot.load(str(path))


async def _measure(server: sv.Server, folder: Path, password: str, sessions: int) -> Growth:
    await protocol_bench.rush([server.url], sv.BENCH_USER, password, 1)  # in the baseline: imports, shared caches
    rss_before = await asyncio.to_thread(sv.quiet, server)
    base = await asyncio.to_thread(_take, server, folder, 1)
    # The tabs stay connected (answering the server's pings) while the server writes its snapshot.
    async with protocol_bench.staying(server.url, sv.BENCH_USER, password, sessions):
        rss_open = await asyncio.to_thread(sv.quiet, server)
        opened = await asyncio.to_thread(_take, server, folder, 2)
    # A closed tab's session is dropped at once (its websocket closed); wait for the server to settle.
    rss_closed = await asyncio.to_thread(sv.quiet, server, 2.0)
    closed = await asyncio.to_thread(_take, server, folder, 3)
    base_total = _total(base)
    return Growth(
        sessions,
        rss_before,
        rss_open,
        rss_closed,
        _total(opened) - base_total,
        _total(closed) - base_total,
        growth_by_owner(base, opened),
    )


def session_memory(db: str, sessions: int, frames: int = FRAMES) -> Growth:
    """Start the traced server on ``db`` (``frames`` deep tracebacks), measure ``sessions`` open
    sessions, stop it."""
    password = sv.prepare(db)
    with tempfile.TemporaryDirectory(prefix="perfdash-session-memory-") as tmp:
        folder = Path(tmp)
        launcher = folder / "traced_streamlit.py"
        launcher.write_text(LAUNCHER.format(frames=frames), encoding="utf-8")
        env = {
            "PERFDASH_DB": db,
            "PERFDASH_ADMIN_PASSWORD": "unused-" + os.urandom(8).hex(),
            "PERFDASH_TRACE_DIR": str(folder),
        }
        command = [sys.executable, str(launcher)]
        with sv.streamlit(settings.PROJECT_ROOT / "app.py", env, folder / "app.log", command) as server:
            return sv.run_apart(_measure(server, folder, password, sessions))
