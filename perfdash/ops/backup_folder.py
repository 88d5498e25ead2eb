"""The backup folder: one .zip file per backup, taken by the serving process through its own open
database, on demand (the 备份 button of 账户与审计) or on a schedule (``BackupScheduler``), kept to
a count per kind. The same file is what the office downloads, what ``python -m perfdash restore``
takes, and what commands read from while the app holds the database."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from perfdash.core import settings
from perfdash.core.access import Actor
from perfdash.db.database import Database
from perfdash.ops import archive
from perfdash.ops.backup import (
    MANIFEST,
    BackupError,
    Manifest,
    backup,
    evidence_count,
    is_backup_name,
    read_manifest,
    verify_files,
)

KINDS = {"auto": "定时备份", "manual": "页面备份"}
NAME_RE = re.compile(r"^perfdash-(\d{8}-\d{6})(?:-(\d{1,3}))?-(auto|manual)\.zip$")
UPLOAD_MAX_MB = 200  # the largest backup file the page takes for a preview (held in memory meanwhile)
RETRY_HOURS = 1.0  # a scheduled backup that failed is tried again after this long (or sooner)


@dataclass(frozen=True)
class BackupFile:
    """One backup in the folder."""

    path: Path
    taken_at: datetime
    kind: str  # auto | manual
    size_bytes: int

    @property
    def label(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M:%S} {KINDS[self.kind]}（{_size(self.size_bytes)}）"


@dataclass(frozen=True)
class Preview:
    """What a backup holds, from its manifest, and whether every file in it matches the manifest."""

    manifest: Manifest
    size_bytes: int
    problem: str | None  # None: every file present with the checksum the manifest gives

    @property
    def evidence_files(self) -> int:
        return evidence_count(self.manifest)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{max(n // 1024, 1)} KB"


def list_backups(folder: Path) -> list[BackupFile]:
    """The folder's backups, newest first (other files in it are left alone and not listed)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = NAME_RE.match(path.name)
        if m and path.is_file():
            taken = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
            found.append((taken, int(m.group(2) or 1), BackupFile(path, taken, m.group(3), path.stat().st_size)))
    return [b for _, _, b in sorted(found, key=lambda t: (t[0], t[1]), reverse=True)]


def latest(folder: Path, kind: str | None = None) -> BackupFile | None:
    """The newest backup in the folder (of ``kind``, if given)."""
    return next((b for b in list_backups(folder) if kind in (None, b.kind)), None)


def _new_name(folder: Path, kind: str, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        path = folder / (f"perfdash-{stamp}-{kind}.zip" if n == 1 else f"perfdash-{stamp}-{n}-{kind}.zip")
        if not path.exists():
            return path
    raise BackupError(f"备份目录 {folder} 中同一秒的备份过多")


def take(store: Database, folder: Path, kind: str, now: datetime | None = None) -> tuple[BackupFile, Manifest]:
    """A backup of the open database into the folder as one .zip: exported in one transaction
    (perfdash.ops.backup), evidence files included, packed, and the archive checked against its
    manifest before it takes its name, so a file in the folder is always a whole, checked backup."""
    if kind not in KINDS:
        raise ValueError(kind)
    try:
        return _take(store, folder, kind, now)
    except OSError as exc:  # a folder that cannot be written, a full disk
        raise BackupError(f"无法写入备份目录 {folder}：{exc.strerror or exc}") from exc


def _take(store: Database, folder: Path, kind: str, now: datetime | None) -> tuple[BackupFile, Manifest]:
    folder.mkdir(parents=True, exist_ok=True)
    target = _new_name(folder, kind, now or datetime.now())
    work = folder / f".packing-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        manifest = backup(store, work / target.stem)
        packed = work / target.name
        archive.pack(work / target.stem, packed)
        found = inspect(packed)
        if found.problem or found.manifest != manifest:
            raise BackupError(f"备份文件打包后核对不符：{found.problem or '备份清单不一致'}")
        try:
            os.link(packed, target)  # never over a file that appeared meanwhile
        except FileExistsError as exc:
            raise BackupError(f"备份文件 {target.name} 已存在") from exc
        except OSError:  # a file system without hard links
            os.replace(packed, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupFile(target, datetime.fromisoformat(manifest.created_at), kind, target.stat().st_size), manifest


def prune(folder: Path, kind: str, keep: int) -> list[Path]:
    """Remove the oldest backups of ``kind`` beyond the newest ``keep``; the paths removed."""
    old = [b.path for b in list_backups(folder) if b.kind == kind][max(keep, 1) :]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def may_back_up(actor: Actor) -> bool:
    """A backup holds every unit's data: only an office account bound to no unit takes, downloads
    or opens one."""
    return actor.role == "office" and actor.units is None


def backup_now(store: Database, actor: Actor, folder: Path | None = None) -> tuple[BackupFile, Manifest]:
    """The office's backup from the page (see ``may_back_up``), recorded in the audit log (inside
    the backup, since it is written first)."""
    if not may_back_up(actor):
        raise BackupError("备份包含全部单位的数据，只有不限单位的绩效办账户可以备份")
    folder = folder or settings.backup_dir(store.path)
    with store.write(actor, roles={"office"}, what="备份数据库") as w:
        w.audit("备份数据库", "backup", str(folder), None, {"folder": str(folder)})
    made = take(store, folder, "manual")
    prune(folder, "manual", settings.backup_keep())
    return made


def inspect(source: str | Path) -> Preview:
    """Read a backup (a directory or a .zip) without restoring it: its manifest, and every file
    checked against it. Raises BackupError when there is no readable manifest at all."""
    src = Path(source)
    if src.is_dir():
        manifest = read_manifest(src)
        try:
            verify_files(src, manifest)
        except BackupError as exc:
            return Preview(manifest, sum(p.stat().st_size for p in src.rglob("*") if p.is_file()), str(exc))
        return Preview(manifest, sum(p.stat().st_size for p in src.rglob("*") if p.is_file()), None)
    if not archive.is_archive(src):
        raise BackupError(f"{src.name} 不是 perfdash 备份文件（应为页面下载的 .zip 备份文件）")
    limit = settings.backup_max_bytes()
    try:
        text = archive.read_text(src, MANIFEST, is_backup_name, limit)
        if text is None:
            raise BackupError(f"{src.name} 不是 perfdash 备份（缺少 {MANIFEST}）")
        try:
            manifest = Manifest.from_json(json.loads(text))
        except (ValueError, TypeError) as exc:
            raise BackupError(f"{MANIFEST} 已损坏，无法读取") from exc
        seen = {}
        for name, blocks in archive.walk(src, is_backup_name, limit):
            digest = hashlib.sha256()
            for block in blocks:
                digest.update(block)
            seen[name] = digest.hexdigest()
    except (archive.ArchiveError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BackupError(f"{src.name} 无法读取：{exc}") from exc
    return Preview(manifest, src.stat().st_size, _problem(manifest, seen))


def inspect_upload(data: bytes) -> Preview:
    """``inspect`` of an uploaded backup file (written to a temporary file for the reading)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="perfdash-upload-") as tmp:
        path = Path(tmp) / "backup.zip"
        path.write_bytes(data)
        return inspect(path)


def _problem(manifest: Manifest, seen: dict[str, str]) -> str | None:
    """The first way the files found differ from the manifest (the messages verify_files gives)."""
    for name in ("schema.sql", "load.sql"):
        if name not in manifest.files:
            return f"备份清单中缺少 {name}，备份不完整"
    for name, digest in sorted(manifest.files.items()):
        if name not in seen:
            return f"备份文件 {name} 不存在，备份不完整"
        if seen[name] != digest:
            return f"备份文件 {name} 已被改动或损坏（校验和与备份清单不符）"
    return None


class BackupScheduler:
    """Scheduled backups inside the serving process: every ``every_hours`` after the newest
    scheduled backup in the folder (at once when there is none or it is overdue), through the
    app's own open database, then the oldest beyond ``keep`` removed. A failure is reported and
    tried again later; it never stops the app."""

    def __init__(
        self,
        store: Database,
        folder: Path,
        every_hours: float,
        keep: int,
        say: Callable[[str], None] | None = None,
    ):
        self.store, self.folder, self.keep = store, folder, keep
        self.say = say or (lambda text: print(text, flush=True))
        self.every = timedelta(hours=every_hours)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="perfdash-backups", daemon=True)

    def start(self) -> BackupScheduler:
        self._thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> None:
        """Stop waiting for the next backup (one in progress is finished first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def next_due(self, now: datetime) -> datetime:
        """When the next scheduled backup is due: ``every`` after the newest, or now."""
        newest = latest(self.folder, "auto")
        return now if newest is None else max(now, newest.taken_at + self.every)

    def _run(self) -> None:
        while not self._stop.is_set():
            wait = (self.next_due(datetime.now()) - datetime.now()).total_seconds()
            if wait > 0 and self._stop.wait(wait):
                return
            started = time.perf_counter()
            try:
                made, manifest = take(self.store, self.folder, "auto")
                removed = prune(self.folder, "auto", self.keep)
            except Exception as exc:  # a full disk or a damaged evidence file: say so, try again later
                self.say(f"[perfdash] 定时备份失败：{exc}")
                if self._stop.wait(min(self.every, timedelta(hours=RETRY_HOURS)).total_seconds()):
                    return
                continue
            self.say(
                f"[perfdash] 定时备份已保存：{made.path}（{len(manifest.tables)} 张表、{manifest.total_rows} 行、"
                f"{evidence_count(manifest)} 个迎评材料文件，{_size(made.size_bytes)}，"
                f"用时 {time.perf_counter() - started:.2f} 秒"
                + (f"；已删除较早的 {len(removed)} 份" if removed else "")
                + "）"
            )
