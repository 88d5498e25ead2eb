"""The 察访核验 inspection package: one .zip of a plan's evidence (迎评材料) for the city's inspectors.

Folders by 一级指标, then by target (``01 <indicator>/1-1-1 <target>/``); each evidence file named
after the checklist item it is filed under (``01 <item>.pdf``; several under one item numbered
``01-1``, ``01-2``; files not filed under an item in ``未归类/``). At the root a 目录 as a Word
document in the 公文 style of the evaluation report (perfdash.present.officedoc): each target, its
latest report, its checked status, each checklist item with its files (pages of a PDF where the
file says so cheaply, else the size) or 缺; and an Excel index, one row per file and per missing
item, printed like every other export.

Bounded: the zip is written to a temporary file beside ``out`` file by file from disk
(``ZipFile.write``), never held in memory, and renamed into place at the end; a failure leaves
nothing behind. Every path component is sanitised and unique within its folder. Rights: only
targets whose evidence the viewer may see (perfdash.core.access.may_see_evidence), a section only
its own package; a file missing on disk or failing its checksum is listed as 文件缺失, not packed."""

from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from docx.shared import Pt

from perfdash.core import fmt
from perfdash.core.access import Actor, may_see_evidence
from perfdash.core.excel import Column, book_bytes, new_book, print_table
from perfdash.core.settings import DEMO_LABEL
from perfdash.db import queries
from perfdash.db.database import Database, StoreError
from perfdash.present import officedoc as od
from perfdash.workflows import claims, evaluation

CONTENTS_NAME = "00 目录.docx"
INDEX_NAME = "00 材料索引.xlsx"
UNFILED = "未归类"
MISSING = "缺"
LOST = "文件缺失"
# Characters of each path component's text (the code, numbers and suffix come on top): short
# enough that the deepest path stays well under Windows' 260 characters once unpacked.
INDICATOR_CHARS, TARGET_CHARS, ITEM_CHARS, FILE_CHARS = 24, 24, 32, 60
# Already compressed: stored as they are (deflating them costs time and saves nothing).
STORED_SUFFIXES = frozenset({".pdf", ".jpg", ".jpeg", ".png", ".gif", ".zip", ".docx", ".xlsx", ".pptx", ".rar", ".7z"})
CHUNK = 1 << 20
# Characters no file name may hold on Windows (or that separate paths anywhere), as the full-width
# forms a Chinese reader reads the same; control characters become spaces.
_WIDE = str.maketrans(
    {"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜"}
)
_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$")  # Windows device names
# A PDF's page tree root: /Type /Pages … /Count N (uncompressed objects only; else the size is shown).
_PAGES_MARK = re.compile(rb"/Type\s{0,4}/Pages(?![A-Za-z])")
_COUNT = re.compile(rb"/Count\s{0,4}(\d{1,7})")
_NEAR = 200  # bytes around a /Pages mark searched for its /Count
DOCX_HEADER = ("序号", "佐证清单项", "材料（包内文件名）", "页数或大小")
DOCX_WIDTHS_MM = (12, 52, 68, 24)  # the 156 mm type area


@dataclass(frozen=True)
class PackageResult:
    """What ``build_package`` wrote: the zip, how many targets, packed files and checklist items
    without a file it holds, its size, the seconds it took, and files listed but not packed."""

    path: Path
    targets: int
    files: int
    missing_items: int
    bytes: int
    seconds: float
    lost: int = 0  # files recorded but missing on disk or failing their checksum (listed as 文件缺失)


@dataclass
class EvidenceFile:
    """One evidence file of a target, with where it goes in the package."""

    evidence_id: int
    item_seq: int | None  # the checklist item it is filed under (None: 未归类)
    file_name: str  # as uploaded
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: object
    path: Path = Path()  # where it is stored on disk (by its content hash)
    arcname: str = ""  # its path in the zip
    state: str = ""  # "" not checked yet, "ok", "missing", "corrupt"
    pages: int | None = None

    @property
    def packed(self) -> bool:
        return self.state == "ok"

    @property
    def shown_size(self) -> str:
        """Pages where the PDF says, else the size; 文件缺失 for a file that is not packed."""
        if self.state in ("missing", "corrupt"):
            return LOST if self.state == "missing" else f"{LOST}（校验值不符）"
        return f"{self.pages} 页" if self.pages else file_size(self.size)


@dataclass
class Entry:
    """One target in the package: what the 目录 says of it, its checklist and its files."""

    code: str
    target: str
    group: str
    indicator: str
    indicator_no: int
    folder: str  # the target's folder in the zip
    sections: list[str]
    reported: str  # its latest report, as a sentence
    checked: str  # its checked status, as a sentence
    items: list[tuple[int, str]]  # (seq, title) in the order shown; numbered 1, 2 … in that order
    files: list[EvidenceFile] = field(default_factory=list)

    @property
    def numbered(self) -> list[tuple[int, int, str]]:
        """(number shown, seq, title) of each checklist item: the number is its place in the list
        (files and the 目录 go by it); seq the item's lasting number, which files are filed under."""
        return [(n, seq, title) for n, (seq, title) in enumerate(self.items, start=1)]

    def files_of(self, seq: int | None) -> list[EvidenceFile]:
        return [f for f in self.files if f.item_seq == seq]

    @property
    def missing(self) -> list[tuple[int, str]]:
        """Checklist items with no file recorded (as claims.gaps counts them)."""
        filed = {f.item_seq for f in self.files}
        return [(s, t) for s, t in self.items if s not in filed]


@dataclass
class Contents:
    """Everything the package holds and says, gathered once (files checked by ``check_files``)."""

    unit: str
    year: int
    as_of: date
    section: str | None
    demo: bool
    made: datetime
    entries: list[Entry]

    @property
    def files(self) -> list[EvidenceFile]:
        return [f for e in self.entries for f in e.files]

    @property
    def missing_items(self) -> int:
        return sum(len(e.missing) for e in self.entries)

    @property
    def title(self) -> str:
        return f"{self.unit}{self.year}年度察访核验材料" + (f"（{self.section}）" if self.section else "")


# -- names ---------------------------------------------------------------------------------------


def safe_name(text: str, limit: int, suffix: str = "") -> str:
    """One path component from any text: separators and the characters Windows refuses as their
    full-width forms, control characters as spaces, runs of spaces as one, no leading dots or
    spaces, no trailing dots or spaces, at most ``limit`` characters (…-clipped) before ``suffix``,
    never empty nor a Windows device name."""
    text = unicodedata.normalize("NFC", str(text)).translate(_WIDE)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if len(text) > limit:
        text = text[: limit - 1].rstrip(" .") + "…"
    if not text or _RESERVED.match(text + suffix):
        text = f"_{text}"
    return text + safe_suffix(suffix)


def safe_suffix(suffix: str) -> str:
    """A file's extension kept only when it is plain letters and digits (.pdf, .docx)."""
    return suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix or "") else ""


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name（2）``… when the folder has it already (compared as Windows does,
    ignoring case)."""
    stem, suffix = (name[: -len(Path(name).suffix)], Path(name).suffix) if Path(name).suffix else (name, "")
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem}（{n}）{suffix}"
    taken.add(candidate.casefold())
    return candidate


def file_size(size: int) -> str:
    """A file's size as people read it: 820 KB, 1.2 MB."""
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{max(size / 1024, 0.1):.1f} KB" if size < 10 * 1024 else f"{size / 1024:.0f} KB"


# -- what goes in ----------------------------------------------------------------------------------


def _sentences(t: object) -> tuple[str, str]:
    """A target's latest report and its checked status, each as one sentence."""
    if pd.isna(getattr(t, "last_report", None)):
        reported = "尚未填报"
    else:
        reported = (
            f"{fmt.long_day(pd.Timestamp(t.last_report).date())}报完成率{fmt.pct(t.completion_pct)}（{t.status}）"
        )
    state = str(getattr(t, "claim_state", "") or "")
    label = claims.STATES.get(state, "无需核验")
    counted = f"计入完成率{fmt.pct(t.checked_pct)}（{t.checked_status}）"
    return reported, f"{label}，{counted}"


def collect(
    store: Database,
    plan_id: int,
    actor: Actor,
    section: str | None = None,
    evidence_root: Path | None = None,
) -> Contents:
    """The package's contents as the database holds them (files not yet read): the targets
    ``actor`` may see (of ``section`` only, lead or co, when given), their checklists, files and
    names in the zip. A section may ask only for its own package; StoreError otherwise."""
    if actor.role not in ("office", "leader", "section"):
        raise StoreError(f"{actor.label}不能查看迎评材料")
    store.require_unit(plan_id, actor)
    if actor.role == "section":
        if section not in (None, actor.name):
            raise StoreError(f"“{actor.name}”只能生成本科室的材料包，不能生成“{section}”的")
        section = actor.name
    plan = queries.plans(store).set_index("plan_id").loc[plan_id]
    unit, year = str(plan["unit"]), int(plan["year"])
    known, _ = queries.sections_and_leaders(store, plan_id)
    if section is not None and section not in known:
        raise StoreError(f"方案中没有科室“{section}”（有：{'、'.join(known)}）")
    latest = queries.latest_report_day(plan)
    as_of = max(date.today(), latest) if latest else date.today()
    state = queries.target_state(store, plan_id, as_of, year)
    state["sections"] = [list(s) if s is not None else [] for s in state["sections"]]
    if section is not None:
        state = state[[section in s for s in state["sections"]]]
    state = state[[may_see_evidence(actor, s) for s in state["sections"]]]
    codes = list(state["code"])
    items = claims.checklist(store, plan_id, codes)
    items_of = {c: list(zip(g["seq"].astype(int), g["title"], strict=True)) for c, g in items.groupby("code")}
    filed = claims.filed(store, plan_id)
    filed = filed[filed["code"].isin(codes)]
    root = evidence_root or evaluation.evidence_dir(store)
    # Indicators numbered in plan order, so a section's package keeps the whole plan's numbers.
    indicator_no = {c: n for n, c in enumerate(queries.indicator_list(store, plan_id)["indicator_code"], start=1)}
    entries: list[Entry] = []
    top: set[str] = {CONTENTS_NAME.casefold(), INDEX_NAME.casefold()}
    folders: dict[str, str] = {}
    inside: dict[str, set[str]] = {}
    for t in state.itertuples():
        no = indicator_no.get(t.indicator_code, len(indicator_no) + 1)
        key = str(t.indicator_code)
        if key not in folders:
            folders[key] = unique(f"{no:02d} {safe_name(t.indicator, INDICATOR_CHARS)}", top)
            inside[key] = set()
        name = safe_name(f"{t.code} {t.target}", TARGET_CHARS + len(t.code) + 1)
        folder = f"{folders[key]}/{unique(name, inside[key])}"
        reported, checked = _sentences(t)
        entry = Entry(
            code=str(t.code),
            target=str(t.target),
            group=str(t.group),
            indicator=str(t.indicator),
            indicator_no=no,
            folder=folder,
            sections=list(t.sections),
            reported=reported,
            checked=checked,
            items=items_of.get(t.code, []),
        )
        _place_files(store, entry, filed[filed["code"] == t.code], root)
        entries.append(entry)
    demo = queries.is_demo(plan)
    return Contents(unit, year, as_of, section, demo, datetime.now(), entries)


def _stored_at(store: Database, root: Path, sha256: str, file_name: str) -> Path:
    """Where a file of this content is kept under ``root`` (the evidence folder's own layout)."""
    default = evaluation.evidence_dir(store)
    return root / evaluation.evidence_path(store, sha256, file_name).relative_to(default)


def _place_files(store: Database, entry: Entry, rows: pd.DataFrame, root: Path) -> None:
    """Each file's name in the target's folder: its item's number and title (numbered when the item
    has several), or 未归类/ with its own name for a file filed under no (longer existing) item."""
    titles = dict(entry.items)
    taken: set[str] = set()
    unfiled: set[str] = set()
    by_item: dict[int | None, list] = {}
    for r in rows.itertuples():
        seq = None if pd.isna(r.item_seq) or int(r.item_seq) not in titles else int(r.item_seq)
        by_item.setdefault(seq, []).append(r)
    place = {seq: n for n, seq, _ in entry.numbered}
    for seq in [*(s for s in place if s in by_item), None]:
        group = by_item.get(seq, [])
        for k, r in enumerate(group, start=1):
            name = str(r.file_name)
            suffix = Path(name).suffix
            if seq is None:
                arc = f"{UNFILED}/{unique(safe_name(Path(name).stem, FILE_CHARS, suffix), unfiled)}"
            else:
                number = f"{place[seq]:02d}" if len(group) == 1 else f"{place[seq]:02d}-{k}"
                arc = unique(safe_name(f"{number} {titles[seq]}", ITEM_CHARS + len(number) + 1, suffix), taken)
            entry.files.append(
                EvidenceFile(
                    evidence_id=int(r.evidence_id),
                    item_seq=seq,
                    file_name=name,
                    sha256=str(r.content_sha256),
                    size=int(r.size_bytes),
                    uploaded_by=str(r.uploaded_by),
                    uploaded_at=r.uploaded_at,
                    path=_stored_at(store, root, str(r.content_sha256), name),
                    arcname=f"{entry.folder}/{arc}",
                )
            )


# -- reading files ---------------------------------------------------------------------------------


def check_file(path: Path, sha256: str, pdf: bool) -> tuple[str, int | None]:
    """Read a stored file once, in chunks: ("ok", pages or None), ("missing", None) or ("corrupt",
    None). Pages: the largest /Count of an uncompressed /Type /Pages node, for a PDF."""
    digest = hashlib.sha256()
    pages: int | None = None
    tail = b""
    try:
        handle = path.open("rb")
    except OSError:
        return "missing", None
    with handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if pdf:
                buf = tail + chunk  # a mark across two chunks is found in the next (a max counts once)
                for mark in _PAGES_MARK.finditer(buf):
                    near = buf[max(0, mark.start() - _NEAR) : mark.end() + _NEAR]
                    for count in _COUNT.finditer(near):
                        pages = max(pages or 0, int(count.group(1)))
                tail = buf[-2 * _NEAR :]
    if digest.hexdigest() != sha256:
        return "corrupt", None
    return "ok", pages or None


def _check(f: EvidenceFile) -> None:
    f.state, f.pages = check_file(f.path, f.sha256, Path(f.file_name).suffix.lower() == ".pdf")


def check_files(contents: Contents) -> Contents:
    """Read and check every file of the package (the documents without the zip use this)."""
    for f in contents.files:
        _check(f)
    return contents


def verified(store: Database, plan_id: int, actor: Actor, section: str | None = None) -> Contents:
    """The contents with every file checked: what the 目录 and the index of a package built now say."""
    return check_files(collect(store, plan_id, actor, section))


# -- the 目录 (Word) -----------------------------------------------------------------------------


def _summary(c: Contents) -> str:
    packed = sum(f.packed for f in c.files)
    lost = len(c.files) - packed
    return (
        f"共{len(c.entries)}个目标、{packed}份材料，缺少佐证{c.missing_items}项"
        + (f"，文件缺失{lost}份" if lost else "")
        + f"；填报与核验情况截至{fmt.long_day(c.as_of)}。"
    )


def contents_docx(c: Contents) -> bytes:
    """The 目录 as a Word document in the 公文 style: per group and 一级指标, each target with its
    latest report, its checked status and a table of its checklist items and files."""
    doc = od.new_document()
    title = f"{c.title}目录" + (f"（{DEMO_LABEL}）" if c.demo else "")
    od.para(doc, title, "公文标题")
    od.para(doc, f"（{fmt.long_day(c.made)}生成）", "公文副标题")
    props = doc.core_properties
    props.title, props.created = title, c.made
    od.para(doc, "")
    od.para(
        doc,
        "本材料包按一级指标、目标编号分文件夹存放，每份材料按其所属的佐证清单项命名，未归入清单项的材料放在"
        f"各目标的“{UNFILED}”文件夹。" + _summary(c),
    )
    group = indicator = None
    g = i = 0
    for e in c.entries:
        if e.group != group:
            g, i, group, indicator = g + 1, 0, e.group, None
            od.para(doc, f"{fmt.cn_number(g)}、{e.group}", "一级标题")
        if e.indicator != indicator:
            i, indicator = i + 1, e.indicator
            if e.indicator != e.group:  # 精神文明 is its own group's only indicator
                od.para(doc, f"（{fmt.cn_number(i)}）{e.indicator}（文件夹{e.indicator_no:02d}）", "二级标题")
        od.para(doc, f"{e.code}　{e.target}", "三级标题")
        od.para(doc, f"牵头科室：{e.sections[0] if e.sections else '—'}。填报：{e.reported}。核验：{e.checked}。")
        od.table(doc, DOCX_HEADER, DOCX_WIDTHS_MM, _docx_rows(e), numeric=(0, 3))
        gap = od.para(doc, "")
        gap.paragraph_format.line_spacing = Pt(12)
    return od.to_bytes(doc)


def _docx_rows(e: Entry) -> list[list[str]]:
    rows = []
    for n, seq, title in e.numbered:
        files = e.files_of(seq)
        if not files:
            rows.append([str(n), title, MISSING, ""])
        for k, f in enumerate(files):
            rows.append([str(n) if k == 0 else "", title if k == 0 else "", _shown_name(f), f.shown_size])
    for f in e.files_of(None):
        rows.append(["—", UNFILED, _shown_name(f), f.shown_size])
    return rows


def _shown_name(f: EvidenceFile) -> str:
    """A file as the 目录 names it: its name in the folder (and its own name when renamed)."""
    if not f.packed:
        return f"（原文件：{f.file_name}）"
    inner = f.arcname.split("/", 2)[-1]
    return inner if Path(inner).name == f.file_name else f"{inner}（原文件：{f.file_name}）"


# -- the index (Excel) ---------------------------------------------------------------------------

INDEX_COLUMNS = (
    Column("序号", 5, "int"),
    Column("编号", 8, "code"),
    Column("佐证清单项", 24, grow=True),
    Column("包内文件", 40, grow=True),
    Column("原文件名", 18, grow=True),
    Column("页数或大小", 10, "code"),
    Column("状态", 9, "code"),
)


def index_rows(c: Contents) -> Iterable[list[object]]:
    """One row per file (packed or 文件缺失) and per checklist item with no file (缺), in plan order."""
    n = 0
    for e in c.entries:
        for place, seq, title in [*e.numbered, (0, None, UNFILED)]:
            files = e.files_of(seq)
            item = f"{place}. {title}" if seq is not None else UNFILED
            if not files and seq is not None:
                n += 1
                yield [n, e.code, item, "", "", "", MISSING]
            for f in files:
                n += 1
                where = f.arcname if f.packed else ""
                yield [
                    n,
                    e.code,
                    item,
                    where,
                    f.file_name,
                    f.shown_size if f.packed else "",
                    "已打包" if f.packed else LOST,
                ]


def index_xlsx(c: Contents) -> bytes:
    """The index as a printed sheet (A4 landscape, one page wide, title and header on every page)."""
    wb = new_book()
    print_table(
        wb.create_sheet("材料索引"),
        f"{c.title}索引",
        INDEX_COLUMNS,
        index_rows(c),
        unit=c.unit + (f" {c.section}" if c.section else ""),
        stamp=f"生成日期 {fmt.day(c.made)}",
        subtitle=_summary(c),
        demo=c.demo,
    )
    return book_bytes(wb)


# -- the zip ---------------------------------------------------------------------------------------


def _compression(name: str) -> int:
    return zipfile.ZIP_STORED if Path(name).suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED


def _write_bytes(zf: zipfile.ZipFile, name: str, data: bytes, when: datetime) -> None:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = _compression(name)
    zf.writestr(info, data)


def build_package(
    store: Database,
    plan_id: int,
    out: Path,
    actor: Actor,
    section: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    *,
    evidence_root: Path | None = None,
) -> PackageResult:
    """Build the package at ``out`` (see the module's docstring). ``progress(done, total, what)`` is
    called after each target is packed (the 目录 and the index follow the last call).
    ``evidence_root``: where the evidence files are (default beside the database: a command reading
    a backup's copy passes the live folder; files are kept by content, so they are the same)."""
    started = time.perf_counter()
    out = Path(out)
    if not out.parent.is_dir():
        raise StoreError(f"保存材料包的文件夹 {out.parent} 不存在")
    contents = collect(store, plan_id, actor, section, evidence_root)
    # A new hidden file beside ``out`` (created with the usual permissions, where mkstemp's are 0600).
    tmp = out.with_name(f".{out.stem}-{uuid.uuid4().hex[:12]}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as zf:
                total = len(contents.entries)
                for done, entry in enumerate(contents.entries, start=1):
                    _pack(zf, entry, contents.made)
                    if progress is not None:
                        progress(done, total, f"{entry.code} {entry.target[:20]}")
                _write_bytes(zf, CONTENTS_NAME, contents_docx(contents), contents.made)
                _write_bytes(zf, INDEX_NAME, index_xlsx(contents), contents.made)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    packed = sum(f.packed for f in contents.files)
    return PackageResult(
        path=out,
        targets=len(contents.entries),
        files=packed,
        missing_items=contents.missing_items,
        bytes=out.stat().st_size,
        seconds=time.perf_counter() - started,
        lost=len(contents.files) - packed,
    )


def _folder(zf: zipfile.ZipFile, name: str, when: datetime) -> None:
    """A folder entry (so an empty folder shows too), dated like the documents."""
    if name + "/" in zf.NameToInfo:
        return
    info = zipfile.ZipInfo(name + "/", date_time=when.timetuple()[:6])
    info.external_attr = (0o40755 << 16) | 0x10  # a directory, for unzip tools on every system
    info.CRC = info.compress_size = info.file_size = 0
    zf.mkdir(info)


def _pack(zf: zipfile.ZipFile, entry: Entry, when: datetime) -> None:
    """A target's folder (listed even when empty) and each of its files that checks out, streamed
    from disk."""
    _folder(zf, entry.folder.split("/")[0], when)
    _folder(zf, entry.folder, when)
    if any(f.item_seq is None for f in entry.files):
        _folder(zf, f"{entry.folder}/{UNFILED}", when)
    for f in entry.files:
        _check(f)
        if f.packed:
            zf.write(f.path, f.arcname, compress_type=_compression(f.arcname))
