"""Issuing the monthly 《绩效督查通报》 (#36): the office edits the draft's text (perfdash.present.bulletin
drafts it and writes the Word file) and issues it under an issue number (期号) of its own; what was
issued is kept as issued — the .docx under its content hash beside the evidence files, and a row
naming it with the paragraphs as edited — whatever is reported later.

Which month a 通报 can be about: the reporting periods whose cut-off day falls in the month
(month_periods), of which at least one must be closed; its numbers are as of the last closed one's
cut-off (统计截至). The month in progress can be drafted on demand up to its last closed period."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.db.database import MAX_TEXT, Database, StoreError, bounded, require_role
from perfdash.workflows import evaluation, periods
from perfdash.workflows.periods import Period

ISSUE_WHAT = "签发督查通报"
SUFFIX = ".docx"


@dataclass(frozen=True)
class Edits:
    """What the office may change in a draft before issuing it: the issue number (期号), the title,
    the 主送 and each part's paragraphs (in the draft's order). The tables' numbers are not text
    and never change."""

    issue: str
    title: str
    addressee: str
    paragraphs: tuple[tuple[str, ...], ...]


def month_periods(calendar: periods.Calendar, month: date) -> tuple[list[Period], list[Period]]:
    """The reporting periods whose cut-off day falls in ``month``: the closed ones and the others.
    Refused (StoreError, one line) for a month outside the plan year or without a closed period."""
    if month.year != calendar.year:
        raise StoreError(f"{month.year}年{month.month}月不在方案年度（{calendar.year}年）内")
    mine = [p for p in calendar.periods() if (p.end.year, p.end.month) == (month.year, month.month)]
    closed = [p for p in mine if calendar.closed(p)]
    if not closed:
        through = (
            f"目前已关闭至{fmt.long_day(calendar.closed_through)}"
            if calendar.closed_through
            else "目前还没有关闭任何填报周期"
        )
        raise StoreError(f"{month.year}年{month.month}月还没有已关闭的填报周期，不能生成该月的督查通报（{through}）")
    return closed, [p for p in mine if not calendar.closed(p)]


def months(store: Database, plan_id: int) -> dict[date, str | None]:
    """Every month of the plan year (its first day) with why no 通报 can be drafted for it (one
    line), None for the months that can."""
    calendar = periods.calendar(store, plan_id)
    found: dict[date, str | None] = {}
    for m in range(1, 13):
        first = date(calendar.year, m, 1)
        try:
            month_periods(calendar, first)
        except StoreError as exc:
            found[first] = str(exc)
        else:
            found[first] = None
    return found


def latest_month(choices: dict[date, str | None]) -> date | None:
    """The latest month a 通报 can be drafted for (a page's default), None before any period closed."""
    ready = [m for m, why in choices.items() if why is None]
    return max(ready) if ready else None


def paragraphs_of(text: str) -> tuple[str, ...]:
    """A text box's paragraphs: each line one paragraph, blank lines (between paragraphs) left out."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def text_of(paragraphs: Sequence[str]) -> str:
    """Paragraphs as a text box shows them: a blank line between two."""
    return "\n\n".join(paragraphs)


def check_edits(edits: Edits, headings: Sequence[str]) -> Edits:
    """The edits stripped and checked against the limits of the write path, for a draft whose
    parts are ``headings``: every problem one line of the StoreError."""
    problems = []

    def field(label: str, value: str, kind: str) -> str:
        try:
            return bounded(label, value, kind, required=True)
        except StoreError as exc:
            problems.append(str(exc))
            return ""

    issue = field("期号", edits.issue, "name")
    title = field("标题", edits.title, "title")
    addressee = field("主送", edits.addressee, "title")
    if len(edits.paragraphs) != len(headings):
        raise StoreError(f"草稿有{len(headings)}个部分，修改稿有{len(edits.paragraphs)}个，请刷新页面后重新修改")
    parts = []
    for heading, paragraphs in zip(headings, edits.paragraphs, strict=True):
        kept = tuple(p.strip() for p in paragraphs if p.strip())
        if not kept:
            problems.append(f"“{heading}”的正文不能为空")
        for k, p in enumerate(kept, start=1):
            field(f"“{heading}”第{k}段", p, "summary")
        parts.append(kept)
    if problems:
        raise StoreError("\n".join(problems))
    return Edits(issue, title, addressee, tuple(parts))


def text_json(edits: Edits, headings: Sequence[str]) -> str:
    """The text as issued, as kept in bulletins.parts_json: the 主送 and each part's heading and
    paragraphs (the title and issue number have their own columns)."""
    parts = [{"heading": h, "paragraphs": list(p)} for h, p in zip(headings, edits.paragraphs, strict=True)]
    return json.dumps({"addressee": edits.addressee, "parts": parts}, ensure_ascii=False)


def _same_issue(a: str, b: str) -> bool:
    """Two issue numbers name the same issue whatever spaces they hold (2025年 第10期)."""
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


def _taken(rows: Sequence[tuple], issue: str) -> str | None:
    """The refusal for an issue number already used by one of ``rows`` (issue, month, by, at)."""
    for used, month, by, at in rows:
        if _same_issue(str(used), issue):
            month, when = pd.Timestamp(month), f"{pd.Timestamp(at):%Y-%m-%d %H:%M}"
            return f"期号“{issue}”已用于{month.year}年{month.month}月的通报（{by} {when} 签发），请换一个期号"
    return None


def file_path(store: Database, sha256: str) -> Path:
    """Where an issued 通报 is kept: in the evidence folder, under its content hash."""
    return evaluation.evidence_path(store, sha256, f"bulletin{SUFFIX}")  # the name gives only the suffix


class BulletinWrites:
    """Issuing a 通报 (part of perfdash.store.Store)."""

    def issue_bulletin(
        self: Database,
        plan_id: int,
        month: date,
        cutoff: date,
        headings: Sequence[str],
        edits: Edits,
        data: bytes,
        actor: Actor,
    ) -> int:
        """Issue the 通报 of ``month`` (its draft's parts ``headings``, statistics as of ``cutoff``)
        as edited, ``data`` its Word file: the office only. The file is kept under its hash first,
        then the row is written; a refused issue leaves neither (a file already kept for another
        row stays). Returns the bulletin's id."""
        require_role(actor, {"office"}, ISSUE_WHAT)
        self.require_unit(plan_id, actor)
        month = month.replace(day=1)
        closed, _ = month_periods(periods.calendar(self, plan_id), month)
        if closed[-1].end != cutoff:
            raise StoreError(
                f"草稿统计截至{fmt.long_day(cutoff)}，而{month.year}年{month.month}月最后一个已关闭的填报周期"
                f"截至{fmt.long_day(closed[-1].end)}：填报周期已变动，请重新打开草稿核对后再签发"
            )
        edits = check_edits(edits, headings)
        text = text_json(edits, headings)
        if len(text) > MAX_TEXT:
            raise StoreError(f"通报正文共 {len(text)} 字，超过 {MAX_TEXT} 字的上限，请精简后再签发")
        if not data.startswith(b"PK\x03\x04"):
            raise StoreError("通报文件不是 Word（.docx）文件，未签发")
        used = "SELECT issue, month, issued_by, issued_at FROM bulletins WHERE plan_id = ?"
        refusal = _taken(self.rows(used, [plan_id]), edits.issue)
        if refusal:
            raise StoreError(refusal)
        sha = hashlib.sha256(data).hexdigest()
        target = file_path(self, sha)
        new = evaluation.keep_file(target, data)
        try:
            now = datetime.now()
            signer = (
                f"{actor.name}（{actor.username}）" if actor.username else actor.name
            )  # the account, not only 绩效办
            with self.write(actor, roles={"office"}, what=ISSUE_WHAT, plan_id=plan_id) as w:
                refusal = _taken(w.execute(used, [plan_id]), edits.issue)  # another office account, meanwhile
                if refusal:
                    raise StoreError(refusal)
                bulletin_id = w.execute(
                    "INSERT INTO bulletins (plan_id, month, issue, title, cutoff, parts_json, content_sha256, "
                    "size_bytes, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING bulletin_id",
                    [
                        plan_id,
                        month,
                        edits.issue,
                        edits.title,
                        cutoff,
                        text,
                        sha,
                        len(data),
                        signer,
                        now,
                    ],
                )[0][0]
                w.audit(
                    ISSUE_WHAT,
                    "bulletin",
                    str(bulletin_id),
                    None,
                    {
                        "期号": edits.issue,
                        "月份": f"{month.year}年{month.month}月",
                        "title": edits.title,
                        "统计截至": cutoff.isoformat(),
                        "file": sha,
                        "bytes": len(data),
                    },
                )
        except BaseException:
            if new:  # the row was refused after the file was kept: take it back, unless a row names it now
                evaluation.take_back(self, target)
            raise
        return int(bulletin_id)


def file_name(unit: str, issue: str) -> str:
    """The name an issued 通报 is downloaded under: 泉州市教育局绩效督查通报2025年第10期.docx."""
    return re.sub(r'[\\/:*?"<>|\s]+', "", f"{unit}绩效督查通报{issue}") + SUFFIX


def issued(store: Database, plan_id: int) -> pd.DataFrame:
    """The plan's issued 通报, the latest month first (then the latest issued): bulletin_id, month,
    issue, title, cutoff, issued_by, issued_at, size_bytes and file_name."""
    frame = store.query(
        "SELECT b.bulletin_id, b.month, b.issue, b.title, b.cutoff, b.issued_by, b.issued_at, b.size_bytes, p.unit "
        "FROM bulletins b JOIN plans p USING (plan_id) WHERE b.plan_id = $p "
        "ORDER BY b.month DESC, b.issued_at DESC, b.bulletin_id DESC",
        {"p": plan_id},
    )
    names = [file_name(str(u), str(i)) for u, i in zip(frame["unit"], frame["issue"], strict=True)]
    return frame.drop(columns="unit").assign(file_name=names)


def issued_text(store: Database, bulletin_id: int) -> dict:
    """An issued 通报's text as kept: issue, title, addressee and parts (heading, paragraphs)."""
    row = store.query("SELECT issue, title, parts_json FROM bulletins WHERE bulletin_id = $b", {"b": bulletin_id})
    if row.empty:
        raise StoreError(f"没有编号为 {bulletin_id} 的督查通报")
    issue, title, text = row.iloc[0]
    return {"issue": str(issue), "title": str(title), **json.loads(text)}


def read_issued(store: Database, bulletin_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of an issued 通报's Word file as kept, its hash checked."""
    row = store.query(
        "SELECT b.issue, b.content_sha256, p.unit FROM bulletins b JOIN plans p USING (plan_id) "
        "WHERE b.bulletin_id = $b",
        {"b": bulletin_id},
    )
    if row.empty:
        raise StoreError(f"没有编号为 {bulletin_id} 的督查通报")
    issue, sha, unit = (str(v) for v in row.iloc[0])
    name = file_name(unit, issue)
    try:
        data = file_path(store, sha).read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{issue}督查通报的文件缺失（可能是恢复备份时没有带上），请联系系统管理员") from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise StoreError(f"{issue}督查通报的文件已损坏（校验值不符）")
    return name, data
