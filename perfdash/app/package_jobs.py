"""The 察访核验 package, built in the background (#34): a thread per build, at most one per person
at a time and a few on the whole server, each writing its zip into a temporary folder of its own
that is removed when the person starts another build, when the package has waited unfetched for
``keep_seconds``, when its build fails, or when the server stops. The page polls a job's progress
(``JobStatus``) and offers the finished file for download, read from disk only when asked for.

The builder is perfdash.present.inspection_package.build_package (looked up when a build starts,
so a test may hand the runner another one):
``build(store, plan_id, out, actor, section=None, progress=None) -> PackageResult``."""

from __future__ import annotations

import atexit
import logging
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError

log = logging.getLogger("perfdash")

MAX_RUNNING = 2  # builds at once on the whole server: the machine has two cores, the app must stay usable
KEEP_SECONDS = 3600.0  # a finished package waits this long for its download
RUNNING, DONE, FAILED = "running", "done", "failed"
BUSY_OWNER = "您的上一个材料包还在生成，请等它完成后再生成新的。"
BUSY_SERVER = "服务器正在生成的材料包已达上限（{n} 个），请稍后再试。"

Builder = Callable[..., Any]  # build_package's signature (see the module's docstring)


def default_builder() -> Builder:
    """The package builder of perfdash.present (imported when a build starts)."""
    from perfdash.present.inspection_package import build_package

    return build_package


@dataclass(frozen=True)
class JobStatus:
    """One build as the page shows it."""

    job_id: str
    state: str  # RUNNING, DONE or FAILED
    done: int
    total: int
    step: str
    scope: str  # what is packed, in words (全部目标 / 某科室)
    path: Path | None  # the zip, once DONE
    file_name: str
    result: Any | None  # the builder's PackageResult, once DONE
    error: str  # one Chinese line, once FAILED
    seconds: float  # since the build started (its duration once finished)

    @property
    def fraction(self) -> float:
        """How far the build is, 0–1 (for st.progress)."""
        if self.state == DONE:
            return 1.0
        return min(max(self.done / self.total, 0.0), 1.0) if self.total > 0 else 0.0


class _Job:
    def __init__(self, owner: str, folder: Path, file_name: str, scope: str) -> None:
        self.job_id = secrets.token_hex(6)
        self.owner, self.folder, self.file_name, self.scope = owner, folder, file_name, scope
        self.state, self.done, self.total, self.step = RUNNING, 0, 0, "准备中"
        self.result: Any | None = None
        self.error = ""
        self.started, self.finished = time.monotonic(), None
        self.lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.folder / self.file_name

    def progress(self, done: int, total: int, step: str) -> None:
        with self.lock:
            self.done, self.total, self.step = int(done), int(total), str(step)

    def status(self) -> JobStatus:
        with self.lock:
            end = self.finished if self.finished is not None else time.monotonic()
            return JobStatus(
                self.job_id,
                self.state,
                self.done,
                self.total,
                self.step,
                self.scope,
                self.path if self.state == DONE else None,
                self.file_name,
                self.result,
                self.error,
                end - self.started,
            )


class PackageJobs:
    """The server's package builds (one instance per process: ``JOBS``)."""

    def __init__(
        self,
        max_running: int = MAX_RUNNING,
        keep_seconds: float = KEEP_SECONDS,
        root: Path | None = None,
        builder: Builder | None = None,
    ) -> None:
        self.max_running, self.keep_seconds, self.root = max_running, keep_seconds, root
        self.builder = builder  # None: default_builder() at each start
        self._jobs: dict[str, _Job] = {}  # owner → their latest build
        self._lock = threading.Lock()

    def start(
        self,
        owner: str,
        store: Database,
        plan_id: int,
        actor: Actor,
        section: str | None,
        file_name: str,
        scope: str,
    ) -> JobStatus:
        """Start building a package for ``owner`` (an account) in a thread of its own; refused
        (StoreError) while their last build runs or the server runs ``max_running`` builds.
        Their previous package, if any, is removed."""
        build = self.builder or default_builder()
        self.sweep()
        with self._lock:
            mine = self._jobs.get(owner)
            if mine is not None and mine.state == RUNNING:
                raise StoreError(BUSY_OWNER)
            running = sum(1 for j in self._jobs.values() if j.state == RUNNING)
            if running >= self.max_running:
                raise StoreError(BUSY_SERVER.format(n=self.max_running))
            if mine is not None:
                self._remove(mine)
            folder = Path(tempfile.mkdtemp(prefix="perfdash-package-", dir=self.root))
            job = _Job(owner, folder, safe_file_name(file_name), scope)
            self._jobs[owner] = job
        thread = threading.Thread(
            target=self._run,
            args=(job, build, store, plan_id, actor, section),
            name=f"perfdash-package-{job.job_id}",
            daemon=True,  # a server stopping does not wait for a package nobody will fetch
        )
        thread.start()
        return job.status()

    def _run(self, job: _Job, build: Builder, store: Database, plan_id: int, actor: Actor, section: str | None) -> None:
        try:
            result = build(store, plan_id, job.path, actor, section=section, progress=job.progress)
        except StoreError as exc:
            self._fail(job, str(exc))
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("perfdash: inspection package failed (reference %s)", ref)
            self._fail(job, f"生成材料包时出错（错误编号 {ref}），错误已记录在服务器日志中，请联系绩效办。")
        else:
            with job.lock:
                job.result, job.state, job.finished = result, DONE, time.monotonic()
                job.step = "已完成"

    def _fail(self, job: _Job, message: str) -> None:
        # nothing half-built stays on disk, and it is gone before anyone is told the build failed
        shutil.rmtree(job.folder, ignore_errors=True)
        with job.lock:
            job.state, job.error, job.finished = FAILED, message, time.monotonic()

    def latest(self, owner: str) -> JobStatus | None:
        """``owner``'s latest build (None: none, or its package has expired)."""
        self.sweep()
        with self._lock:
            job = self._jobs.get(owner)
        return job.status() if job is not None else None

    def discard(self, owner: str) -> None:
        """Forget ``owner``'s finished build and remove its package (a running one stays)."""
        with self._lock:
            job = self._jobs.get(owner)
            if job is not None and job.state != RUNNING:
                self._remove(job)
                del self._jobs[owner]

    def running(self) -> int:
        """Builds running now."""
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state == RUNNING)

    def sweep(self) -> None:
        """Remove packages that waited ``keep_seconds`` since their build finished."""
        now = time.monotonic()
        with self._lock:
            for owner, job in list(self._jobs.items()):
                if job.finished is not None and now - job.finished > self.keep_seconds:
                    self._remove(job)
                    del self._jobs[owner]

    def close(self) -> None:
        """Remove every package folder (the process is ending; running builds are abandoned)."""
        with self._lock:
            for job in self._jobs.values():
                self._remove(job)
            self._jobs.clear()

    @staticmethod
    def _remove(job: _Job) -> None:
        shutil.rmtree(job.folder, ignore_errors=True)


_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f]+")


def safe_file_name(name: str) -> str:
    """A file name without path separators or characters Windows refuses (a section's name is
    part of it), at most 120 characters before its extension."""
    path = Path(_UNSAFE.sub("_", name).strip(" ."))
    stem, suffix = path.stem[:120] or "材料包", path.suffix
    return f"{stem}{suffix}"


JOBS = PackageJobs()
atexit.register(JOBS.close)
