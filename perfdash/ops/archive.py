"""One-file backups: a backup directory packed into a .zip, and a .zip unpacked without trusting it.

Unpacking refuses what a hostile or damaged archive could do to the machine: absolute paths, ``..``,
links, names outside the shapes a backup holds, more members or more bytes than allowed (counted
as they are written, not as the archive declares them)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

MAX_MEMBERS = 200_000  # a year's evidence files are thousands, not hundreds of thousands
BLOCK = 1 << 20
TOP_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,120}$")  # the one folder a packed backup sits in


class ArchiveError(ValueError):
    """An archive refused (message in Chinese)."""


def is_archive(path: str | Path) -> bool:
    """Whether ``path`` is a file that looks like a .zip (by its first bytes, not its name)."""
    p = Path(path)
    return p.is_file() and zipfile.is_zipfile(p)


def pack(source: Path, target: Path) -> None:
    """Write every file under ``source`` into the .zip ``target``, inside one folder named after
    ``source`` (unzipping by hand gives one folder, not a heap of files). Written to a hidden
    sibling first and renamed, so a cut-short archive never looks complete."""
    work = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with zipfile.ZipFile(work, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    zf.write(path, f"{source.name}/{path.relative_to(source).as_posix()}")
        os.replace(work, target)
    except BaseException:
        work.unlink(missing_ok=True)
        raise


def _members(zf: zipfile.ZipFile, allowed: Callable[[str], bool]) -> tuple[str, list[tuple[zipfile.ZipInfo, str]]]:
    """The archive's files as (entry, name inside the backup), after checking every name: one top
    folder (or none), no absolute path, no ``..``, no link, and every name one ``allowed`` accepts."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"压缩包中有 {len(infos)} 个文件，超过 {MAX_MEMBERS} 个的上限，不是 perfdash 备份")
    names = []
    for info in infos:
        raw = info.filename
        if "\\" in raw or "\x00" in raw or raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
            raise ArchiveError(f"压缩包中的文件名“{raw[:80]}”不安全（绝对路径或非法字符），已拒绝")
        parts = PurePosixPath(raw).parts
        if any(p in ("..", ".") for p in parts):
            raise ArchiveError(f"压缩包中的文件名“{raw[:80]}”含有“..”，已拒绝")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ArchiveError(f"压缩包中的“{raw[:80]}”是链接，已拒绝")
        names.append((info, parts))
    files = [(i, p) for i, p in names if not i.is_dir()]
    tops = {p[0] for _, p in files if len(p) > 1}
    if len(tops) == 1 and all(len(p) > 1 for _, p in files):
        top = tops.pop()
        if not TOP_RE.match(top):
            raise ArchiveError(f"压缩包中的文件夹名“{top[:80]}”不安全，已拒绝")
        inner = [(i, "/".join(p[1:])) for i, p in files]
    else:
        top, inner = "", [(i, "/".join(p)) for i, p in files]
    for _, name in inner:
        if not allowed(name):
            raise ArchiveError(f"压缩包中的“{name[:80]}”不是 perfdash 备份中的文件，已拒绝")
    return top, inner


def read_text(path: Path, name: str, allowed: Callable[[str], bool], max_bytes: int) -> str | None:
    """One small member (``name`` inside the backup folder) as UTF-8 text, or None if absent."""
    with zipfile.ZipFile(path) as zf:
        _, inner = _members(zf, allowed)
        for info, inside in inner:
            if inside == name:
                data = b"".join(_blocks(zf, info, max_bytes, [0]))
                return data.decode("utf-8")
    return None


def walk(path: Path, allowed: Callable[[str], bool], max_bytes: int) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Each file of the archive as (name inside the backup, its bytes in blocks), checked as
    ``extract`` checks them, without writing anything."""
    total = [0]
    with zipfile.ZipFile(path) as zf:
        _, inner = _members(zf, allowed)
        for info, name in inner:
            yield name, _blocks(zf, info, max_bytes, total)


def extract(path: Path, dest: Path, allowed: Callable[[str], bool], max_bytes: int) -> None:
    """Unpack the archive into the empty or new directory ``dest``, flat (the top folder dropped),
    counting real bytes against ``max_bytes`` as they are written. Leaves nothing behind on refusal."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        for name, blocks in walk(path, allowed, max_bytes):
            out = dest / name
            if dest.resolve() not in out.resolve().parents:  # the names are checked; this is the net
                raise ArchiveError(f"压缩包中的“{name[:80]}”会写到备份目录之外，已拒绝")
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("xb") as f:
                for block in blocks:
                    f.write(block)
    except zipfile.BadZipFile as exc:
        shutil.rmtree(dest, ignore_errors=True)
        raise ArchiveError(f"压缩包已损坏，无法解压：{exc}") from exc
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _blocks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int, total: list[int]) -> Iterator[bytes]:
    if info.file_size > max_bytes:
        raise ArchiveError(_too_big(max_bytes))
    if info.flag_bits & 0x1:
        raise ArchiveError(f"压缩包中的“{info.filename[:80]}”已加密，不是 perfdash 备份")
    try:
        with zf.open(info) as member:
            while block := member.read(BLOCK):
                total[0] += len(block)
                if total[0] > max_bytes:
                    raise ArchiveError(_too_big(max_bytes))
                yield block
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ArchiveError(f"压缩包已损坏，无法解压（{info.filename[:80]}：{exc}）") from exc


def _too_big(max_bytes: int) -> str:
    return (
        f"压缩包解压后超过 {max_bytes // (1 << 20)} MB 的上限（PERFDASH_BACKUP_MAX_MB），已停止；"
        "如确为正常备份，请调大该设置"
    )
