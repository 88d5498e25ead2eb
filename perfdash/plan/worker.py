"""Reading an uploaded plan in a process of its own, with a time and a memory budget.

Every reader is bounded by construction (the spans of a Word table checked against its width,
the markup counted before a tree is built, linear expressions on the text); this is the second
wall. A plan is parsed by a child Python: its own GIL, so a slow file never holds up the server's
other sessions; an address-space limit (RLIMIT_AS), so it cannot take the server's memory; and a
wall-clock limit, after which it is killed. The plan comes back pickled (it is plain data).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from perfdash.plan import Mapping, Plan, PlanError, plan_file, read_plan_bytes

PARSE_SECONDS = 30.0  # a real plan reads in well under a second
PARSE_MEMORY_MB = 1024  # address space of the child; a real plan needs about 100 MB
MAX_PARSES = 2  # children at once (the machine has two cores); more wait for a slot
REFUSED = "文件可能被构造成耗尽服务器资源，已拒绝"
ROOT = Path(__file__).resolve().parents[2]  # the folder holding the perfdash package
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from perfdash.plan.worker import child; child(sys.argv[2:])"
_SLOTS = threading.BoundedSemaphore(MAX_PARSES)


def read_plan_bytes_bounded(
    name: str,
    data: bytes,
    seconds: float = PARSE_SECONDS,
    memory_mb: int = PARSE_MEMORY_MB,
    mapping: Mapping | None = None,
    remembered: Mapping | None = None,
) -> Plan:
    """read_plan_bytes(name, data, mapping, remembered) in a child process within ``seconds`` and ``memory_mb``. Raises
    PlanError with one Chinese line naming the file: the reader's own refusal, or why the child
    was stopped (too slow, too much memory)."""
    started = time.monotonic()
    if not _SLOTS.acquire(timeout=seconds):
        raise PlanError(f"{name}：服务器正在解析其他方案文件，请稍后再试")
    try:
        proc = subprocess.Popen(  # noqa: S603 (our own interpreter and code; the file goes in on stdin)
            [sys.executable, "-c", _CHILD, str(ROOT), str(memory_mb), str(int(seconds) + 1)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            left = max(1.0, seconds - (time.monotonic() - started))
            out, _ = proc.communicate(pickle.dumps((name, data, mapping, remembered)), timeout=left)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise PlanError(f"{name}：解析超时（超过 {seconds:g} 秒），{REFUSED}") from None
        except BaseException:  # the caller stopped (a page rerun, Ctrl+C): no child left behind
            proc.kill()
            proc.wait()
            raise
    finally:
        _SLOTS.release()
    if proc.returncode == -getattr(signal, "SIGXCPU", 24):
        raise PlanError(f"{name}：解析超时（超过 {seconds:g} 秒），{REFUSED}")
    try:
        kind, value = pickle.loads(out)  # noqa: S301 (written by child() below, never by the file's content)
    except Exception:  # no answer: the child died (out of memory in native code, a signal)
        raise PlanError(f"{name}：解析时超出内存上限（{memory_mb} MB）或意外中止，{REFUSED}") from None
    if kind != "plan":
        raise PlanError(value)
    return value


def read_plan_bounded(
    path: str | Path,
    seconds: float = PARSE_SECONDS,
    memory_mb: int = PARSE_MEMORY_MB,
    mapping: Mapping | None = None,
) -> Plan:
    """read_plan(path, mapping) in a child process, as read_plan_bytes_bounded."""
    name, data = plan_file(path)
    return read_plan_bytes_bounded(name, data, seconds, memory_mb, mapping)


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    """Lower this process's address space and CPU time (never above a hard limit already set)."""
    try:
        import resource
    except ImportError:  # not on this system (Windows): the wall-clock limit still holds
        return
    for what, value in ((resource.RLIMIT_AS, memory_mb * 1024 * 1024), (resource.RLIMIT_CPU, cpu_seconds)):
        _, hard = resource.getrlimit(what)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(what, (value, hard))


def child(argv: list[str]) -> None:
    """The child's side: the readers loaded, then the limits, then (name, data) from stdin, then
    (kind, plan or message) to stdout. Anything else the reader prints goes to stderr."""
    memory_mb, cpu_seconds = int(argv[0]), int(argv[1])
    # The readers' libraries (lxml, python-docx, openpyxl) load first: the budget is for the file.
    import perfdash.plan.docx
    import perfdash.plan.xlsx  # noqa: F401

    _limit(memory_mb, cpu_seconds)
    answer = sys.stdout.buffer
    sys.stdout = sys.stderr
    name, data, mapping, remembered = pickle.load(sys.stdin.buffer)  # noqa: S301 (written by the parent above)
    try:
        result: tuple[str, object] = ("plan", read_plan_bytes(name, data, mapping, remembered))
    except PlanError as exc:
        result = ("error", str(exc))
    except MemoryError:
        result = ("error", f"{name}：解析时超出内存上限（{memory_mb} MB），{REFUSED}")
    except RecursionError:
        result = ("error", f"{name}：文件结构嵌套过深，{REFUSED}")
    except Exception as exc:  # a damaged file can fail in many ways: one line, no traceback
        result = ("error", f"{name}：无法读取，文件可能已损坏（{exc.__class__.__name__}）")
    answer.write(pickle.dumps(result))
    answer.flush()
    os._exit(0)  # nothing left to tidy: skip the interpreter's teardown of a large tree
