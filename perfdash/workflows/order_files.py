"""Files a section attaches to its reply to a 督办单 (办理情况的佐证): checked as evidence is (the
types, contents and sizes of workflows.evaluation), kept in the evidence folder under their content
hash, and recorded in order_files with the reply (order_responses.seq) they go with, in the reply's
own transaction (supervision.SupervisionWrites.respond_order): every file is checked before
anything is written, and a reply that fails leaves no file it brought behind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from perfdash.db.database import Database, StoreError, Write
from perfdash.workflows import evaluation

MAX_REPLY_FILES = 10  # files with one reply: a reply is a note with its proof, not an archive


@dataclass(frozen=True)
class Checked:
    """A file that passed the checks, ready to keep: its name (no folders), bytes, type and hash."""

    name: str
    data: bytes
    mime: str
    sha256: str


def check_files(files: list[tuple[str, bytes]]) -> list[Checked]:
    """Every file of a reply checked (evaluation.check_evidence: PDF, Word, Excel or an image, what
    its name says, not empty, within 20 MB), nothing kept yet. StoreError naming every problem, a
    line each, when any file is refused: then none of them is kept."""
    if len(files) > MAX_REPLY_FILES:
        raise StoreError(f"一次答复最多附 {MAX_REPLY_FILES} 个文件（现有 {len(files)} 个）")
    checked, problems, seen = [], [], set()
    for raw_name, data in files:
        name = Path(str(raw_name).replace("\\", "/")).name.strip()
        if not name:
            problems.append("有一个文件没有文件名")
            continue
        if name in seen:
            problems.append(f"{name}：同名文件附了两次")
            continue
        seen.add(name)
        try:
            mime = evaluation.check_evidence(name, data)
        except StoreError as exc:
            problems.append(str(exc))
            continue
        checked.append(Checked(name, data, mime, hashlib.sha256(data).hexdigest()))
    if problems:
        raise StoreError("\n".join(problems), problems)
    return checked


def keep(store: Database, files: list[Checked]) -> list[Path]:
    """Write the checked files into the evidence folder (atomically, under their hash); returns the
    paths written now (a file already there, from any upload, is shared, not written again), so
    that a reply that then fails can take back what it brought (``forget``)."""
    written = []
    try:
        for f in files:
            target = evaluation.evidence_path(store, f.sha256, f.name)
            if evaluation.keep_file(target, f.data):
                written.append(target)
    except BaseException:
        forget(store, written)
        raise
    return written


def forget(store: Database, paths: list[Path]) -> None:
    """Remove files written for a reply that was not recorded, but not one a row names by now (the
    same bytes saved and recorded by another upload meanwhile: evaluation.take_back)."""
    for path in paths:
        evaluation.take_back(store, path)


def record(w: Write, order_id: int, seq: int, files: list[Checked], by: str, at: datetime) -> None:
    """The reply's files, in the reply's transaction."""
    w.insert(
        "order_files",
        ("order_id", "seq", "file_name", "content_sha256", "size_bytes", "mime", "uploaded_by", "uploaded_at"),
        [(order_id, seq, f.name, f.sha256, len(f.data), f.mime, by, at) for f in files],
    )


def listing(store: Database, order_id: int) -> pd.DataFrame:
    """The files of an item's replies: seq (the reply), file_name, content_sha256, size_bytes, mime,
    uploaded_by, uploaded_at; by reply, then name."""
    return store.query(
        "SELECT seq, file_name, content_sha256, size_bytes, mime, uploaded_by, uploaded_at FROM order_files "
        "WHERE order_id = $o ORDER BY seq, file_name",
        {"o": order_id},
    )


def read(store: Database, order_id: int, sha256: str) -> tuple[str, str, bytes]:
    """(file name, mime, bytes) of a file of the item's replies, its hash checked; only a file that
    goes with that item (a hash alone opens nothing else)."""
    row = store.query(
        "SELECT file_name, mime FROM order_files WHERE order_id = $o AND content_sha256 = $h LIMIT 1",
        {"o": order_id, "h": sha256},
    )
    if row.empty:
        raise StoreError(f"督办单 {order_id} 没有这个文件")
    name, mime = str(row.iloc[0]["file_name"]), str(row.iloc[0]["mime"])
    try:
        data = evaluation.evidence_path(store, sha256, name).read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{name}：文件缺失（可能是恢复备份时没有带上材料），请联系绩效办") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StoreError(f"{name}：文件已损坏（校验值不符）")
    return name, mime, data
