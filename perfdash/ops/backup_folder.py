"""The backup folder: one .zip file per backup, taken by the serving process through its own open
database, on demand (the 备份 button of 账户与审计) or on a schedule (``BackupScheduler``), kept to
a count per kind. The same file is what the office downloads, what ``python -m perfdash restore``
takes, and what commands read from while the app holds the database."""

from __future__ import annotations

import hashlib
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
from perfdash.ops.backup import backup, write_failed
from perfdash.ops.backup_checks import (
    MANIFEST,
    BackupError,
    Manifest,
    evidence_count,
    files_problem,
    is_backup_name,
    missing_evidence_text,
    parse_manifest,
    read_signed,
    verify_files,
)

KINDS = {"auto": "定时备份", "manual": "页面备份"}
NAME_RE = re.compile(r"^perfdash-(\d{8}-\d{6})(?:-(\d{1,3}))?-(auto|manual)\.zip$")
# The largest backup file the page takes for a preview: held in memory meanwhile, and no more than
# the server takes for any upload (.streamlit/config.toml server.maxUploadSize; a test keeps them
# in step with the README). A larger backup is previewed from the server's folder, or restored by
# the command line, which reads files up to PERFDASH_BACKUP_MAX_MB.
UPLOAD_MAX_MB = 20
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

    @property
    def missing_evidence(self) -> str:
        """The evidence files the backup could not hold, in one line ('' when none)."""
        return missing_evidence_text(self.manifest.missing_evidence)


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
    (perfdash.ops.backup), evidence files included, signed, packed, and the archive checked
    against its manifest before it takes its name, so a file in the folder is always a whole,
    checked backup. A full disk or a folder that cannot be written is a BackupError in one line,
    and leaves nothing behind."""
    if kind not in KINDS:
        raise ValueError(kind)
    try:
        return _take(store, folder, kind, now)
    except OSError as exc:  # a folder that cannot be written, a full disk
        raise write_failed(exc, folder) from exc


def _take(store: Database, folder: Path, kind: str, now: datetime | None) -> tuple[BackupFile, Manifest]:
    folder.mkdir(parents=True, exist_ok=True)
    target = _new_name(folder, kind, now or datetime.now())
    work = folder / f".packing-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        manifest = backup(store, work / target.stem, where=folder)
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
    removed = []
    for path in old:
        try:
            path.unlink(missing_ok=True)
        except OSError:  # an old backup left over is no reason to call a new one failed
            continue
        removed.append(path)
    return removed


def may_back_up(actor: Actor) -> bool:
    """A backup holds every unit's data: only an office account bound to no unit takes, downloads
    or opens one."""
    return actor.role == "office" and actor.units is None


def backup_now(store: Database, actor: Actor, folder: Path | None = None) -> tuple[BackupFile, Manifest]:
    """The office's backup from the page (see ``may_back_up``), recorded in the audit log once
    the file is in the folder: a backup that failed leaves no entry saying it was made (and the
    entry is not inside the backup it records)."""
    if not may_back_up(actor):
        raise BackupError("备份包含全部单位的数据，只有不限单位的绩效办账户可以备份")
    folder = folder or settings.backup_dir(store.path)
    made, manifest = take(store, folder, "manual")
    try:
        with store.write(actor, roles={"office"}, what="备份数据库") as w:
            record = {"file": made.path.name, "folder": str(folder), "bytes": made.size_bytes}
            if manifest.missing_evidence:
                record["missing_evidence"] = [m.file for m in manifest.missing_evidence]
            w.audit("备份数据库", "backup", made.path.name, None, record)
    except BaseException:
        made.path.unlink(missing_ok=True)  # every page backup in the folder is in the audit log
        raise
    prune(folder, "manual", settings.backup_keep())
    return made, manifest


def inspect(source: str | Path) -> Preview:
    """Read a backup (a directory or a .zip) without restoring it: its manifest, and every file
    checked against it. Raises BackupError when there is no readable manifest at all, and when
    this installation did not sign it: the page shows nothing of a backup it cannot vouch for
    (only the operator at the server may restore one, with ``restore --trust-unsigned``)."""
    src = Path(source)
    if src.is_dir():
        manifest, _ = read_signed(src, _unsigned)
        size = sum(p.stat().st_size for p in src.rglob("*") if p.is_file())
        try:
            verify_files(src, manifest)
        except BackupError as exc:
            return Preview(manifest, size, str(exc))
        return Preview(manifest, size, None)
    if not archive.is_archive(src):
        raise BackupError(f"{src.name} 不是 perfdash 备份文件（应为页面下载的 .zip 备份文件）")
    limit = settings.backup_max_bytes()
    try:
        text = archive.read_text(src, MANIFEST, is_backup_name, limit)
        if text is None:
            raise BackupError(f"{src.name} 不是 perfdash 备份（缺少 {MANIFEST}）")
        manifest, _ = parse_manifest(text, _unsigned)
        seen = {}
        for name, blocks in archive.walk(src, is_backup_name, limit):
            digest = hashlib.sha256()
            for block in blocks:
                digest.update(block)
            seen[name] = digest.hexdigest()
    except (archive.ArchiveError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BackupError(f"{src.name} 无法读取：{exc}") from exc
    return Preview(manifest, src.stat().st_size, files_problem(manifest, seen))


def _unsigned(problem: str) -> str:
    """Why the page shows nothing of a backup this installation did not sign."""
    return (
        f"{problem}：网页上不查看、不使用未经本安装签名的备份；如确认它是本单位的备份，"
        "请服务器管理员在命令行用 python -m perfdash restore … --trust-unsigned 恢复"
    )


def inspect_upload(data: bytes) -> Preview:
    """``inspect`` of an uploaded backup file (written to a temporary file for the reading), up to
    UPLOAD_MAX_MB."""
    import tempfile

    if len(data) > UPLOAD_MAX_MB << 20:
        raise BackupError(
            f"上传的备份文件超过 {UPLOAD_MAX_MB} MB：请在“服务器上的备份”中查看，或在服务器上用命令行恢复"
        )
    with tempfile.TemporaryDirectory(prefix="perfdash-upload-") as tmp:
        path = Path(tmp) / "backup.zip"
        path.write_bytes(data)
        return inspect(path)


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
            except Exception as exc:  # a full disk, a folder that cannot be written: say so, try again later
                self.say(f"[perfdash] 定时备份失败：{str(exc).removeprefix('备份失败：')}")
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
            if manifest.missing_evidence:
                self.say(f"[perfdash] 注意：{missing_evidence_text(manifest.missing_evidence)}")
