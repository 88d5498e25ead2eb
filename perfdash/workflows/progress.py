"""Progress reporting: the rules every report meets (validation, status against completion, rows
that change nothing), the one write path (ProgressWrites.add_progress), who reports on what, what a
batch would change, committing it, and the in-app editor. The ledger file (台账) — its columns,
reading an upload, checking it, the CLI import — is perfdash.workflows.ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from perfdash.core.access import Actor, may_write
from perfdash.core.schedule import expected_with_milestones
from perfdash.core.settings import STATUSES, TEXT_LIMITS
from perfdash.db.database import Database, StoreError
from perfdash.workflows import claims, periods


@dataclass(frozen=True)
class ProgressRow:
    """One progress report for one target."""

    code: str
    report_date: date | None  # None only in an upload whose cell could not be read
    completion_pct: float | None
    status: str
    note: str = ""
    # 需协调: the section asks the leaders to coordinate (the meeting lists it). None: not said (an
    # upload without the column): the target's latest flag carries on (carry_flags).
    coordinate: bool | None = False


@dataclass(frozen=True)
class Problem:
    """One problem with one row of a progress batch: its index, the field, a Chinese message."""

    index: int
    column: str
    message: str


NOT_STARTED, DONE = "未开始", "已完成"
STATUS_RULE = f"状态须与完成率一致：“{NOT_STARTED}”的完成率为 0，“{DONE}”的完成率为 100，完成率 100 的状态为“{DONE}”"
UNCHANGED_WHAT = "完成率、状态、需协调未变，也没有新的进展说明"
UNCHANGED_RULE = f"与该目标最近一次填报相同（{UNCHANGED_WHAT}）的行不会重复保存"


def status_problem(pct: float, status: str) -> str | None:
    """Why a completion percent and a status contradict each other (None: they agree): 未开始 with
    progress above 0 %, 已完成 below 100 %, or 100 % under any status but 已完成 (the dashboards
    count a target as done from its percent alone: queries.headline, the target's finished_on).

    An error, not a warning the section confirms. Uploads and the editor are all-or-nothing already
    (one bad cell writes nothing, so nothing is ever half-written), the CLI import has nobody to
    ask, and a contradiction once stored shows two truths at once (未开始 beside a 20 % bar) to
    everyone after. The message says which cell to change either way; changing it is quicker than
    confirming a warning, and the rule stays one rule on every way in."""
    if status == NOT_STARTED and pct > 0:
        return (
            f"状态为“{NOT_STARTED}”，完成率却是 {pct:g}%：已有进展请把状态改为“推进中”等实际状态，"
            "尚未开始请把完成率填 0"
        )
    if status == DONE and pct < 100:
        return f"状态为“{DONE}”，完成率却是 {pct:g}%：确已完成请把完成率填 100，尚未完成请改选实际状态"
    if pct >= 100 and status != DONE:
        return (
            f"完成率为 {pct:g}%，状态却是“{status}”：确已完成请把状态改为“{DONE}”，尚未完成请填写实际完成率（低于 100）"
        )
    return None


def validate_progress(
    rows: Sequence[ProgressRow], owners: dict[str, set[str]], actor: Actor, period: periods.Calendar, today: date
) -> list[Problem]:
    """Every problem of every row of a batch of progress reports, all in one pass (empty when all is
    well): unknown code, no right to it, completion, status, status against completion
    (``status_problem``), note, date against the plan year and the open reporting period
    (``period``), duplicates. A field left None (unreadable in an upload) is a problem of its own."""
    problems: list[Problem] = []
    seen: dict[tuple[str, date], int] = {}
    for n, r in enumerate(rows):
        pct: float | None = None  # the row's percent once it reads as one in 0–100
        if r.code not in owners:
            problems.append(Problem(n, "code", f"方案中没有编号为“{str(r.code)[:20]}”的目标"))
        elif not may_write(actor, owners[r.code]):
            why = (
                "领导只能查看，不能填报" if actor.role == "leader" else f"“{actor.name}”不是该目标的责任科室，无权填报"
            )
            problems.append(Problem(n, "code", f"{r.code}：{why}"))
        if r.completion_pct is None:
            problems.append(Problem(n, "completion_pct", "完成率为空"))
        else:
            try:
                pct = float(r.completion_pct)
            except (TypeError, ValueError):
                problems.append(Problem(n, "completion_pct", f"完成率“{r.completion_pct}”不是数字"))
            else:
                if not 0 <= pct <= 100 or pct != pct:  # pct != pct: NaN
                    problems.append(Problem(n, "completion_pct", f"完成率 {pct:g} 超出 0–100"))
                    pct = None
        if r.status not in STATUSES:
            problems.append(Problem(n, "status", f"状态“{str(r.status)[:20]}”不在可选范围（{'、'.join(STATUSES)}）内"))
        elif pct is not None and (clash := status_problem(pct, r.status)):
            problems.append(Problem(n, "status", f"{r.code}：{clash}"))
        if len(r.note or "") > TEXT_LIMITS["note"]:
            problems.append(
                Problem(n, "note", f"进展说明有 {len(r.note)} 个字，超过 {TEXT_LIMITS['note']} 字的上限，请精简")
            )
        if not isinstance(r.report_date, date):
            problems.append(Problem(n, "report_date", "填报日期为空"))
            continue
        wrong_day = period.problem(r.report_date, today)
        if wrong_day:
            problems.append(Problem(n, "report_date", wrong_day))
        key = (r.code, r.report_date)
        if key in seen:
            problems.append(Problem(n, "code", f"{r.code} 在 {r.report_date} 重复填报（与第 {seen[key] + 1} 条重复）"))
        else:
            seen[key] = n
    return problems


# Every stored report of some targets, oldest first: what a batch's rows are compared with.
HISTORY_SQL = (
    "SELECT code, report_date, completion_pct::DOUBLE, status, coalesce(note, ''), coalesce(coordinate, FALSE) "
    "FROM progress WHERE plan_id = ? AND list_contains(?, code) ORDER BY code, report_date, progress_id"
)
NO_RECORD = (0.0, NOT_STARTED, "", False)  # what a target never reported on shows (queries.target_state)
# code → (date, percent, status, note, 需协调), oldest first
History = dict[str, list[tuple[date, float, str, str, bool]]]


def history_of(found: list[tuple]) -> History:
    """HISTORY_SQL's rows by target."""
    out: History = {}
    for code, day, pct, status, note, flag in found:
        out.setdefault(str(code), []).append((pd.Timestamp(day).date(), float(pct), str(status), str(note), bool(flag)))
    return out


def stored_history(store: Database, plan_id: int, rows: Sequence[ProgressRow]) -> History:
    """The stored reports of the targets a batch reports on."""
    return history_of(store.rows(HISTORY_SQL, [plan_id, sorted({str(r.code) for r in rows})]))


def carry_flags(rows: Sequence[ProgressRow], history: History) -> list[ProgressRow]:
    """The batch with every row that says nothing of 需协调 (``coordinate`` None: an upload of a
    template without the column) carrying its target's flag as it stands on the row's date: that
    of its latest report on or before it (stored, or an earlier-dated row of the batch); a target
    never reported on has none. Only a blank or 否 in a column that is there withdraws a flag."""
    out = list(rows)
    said: dict[str, list[tuple[date, int, bool]]] = {}  # code → (date, order, flag) of the batch so far
    dated = [n for n, r in enumerate(rows) if isinstance(r.report_date, date)]
    for n in sorted(dated, key=lambda k: (rows[k].report_date, k)):
        r, code = rows[n], str(rows[n].code)
        if r.coordinate is None:
            found = [(d, 0, k, flag) for k, (d, *_, flag) in enumerate(history.get(code, ())) if d <= r.report_date]
            found += [(d, 1, k, flag) for d, k, flag in said.get(code, ()) if d < r.report_date]
            r = out[n] = replace(r, coordinate=max(found)[3] if found else False)
        said.setdefault(code, []).append((r.report_date, n, bool(r.coordinate)))
    return [replace(r, coordinate=False) if r.coordinate is None else r for r in out]  # undated: refused anyway


def unchanged_rows(rows: Sequence[ProgressRow], history: History) -> list[bool]:
    """Which rows of a batch repeat what their target already says, and so add no record: the
    same percent (to the 0.1 stored), status and 需协调 flag as the target's latest report on or
    before the row's date (a target never reported on: 0 % 未开始, no flag), and no new note
    (blank, or the note that report has). Raising or withdrawing the flag alone is a change: it is
    what the meeting's 需要协调的事项 reads. Earlier-dated rows of the same batch count as reports
    too, so a file that repeats a value week after week keeps only its first week. An unchanged
    template (downloaded with the current values, uploaded as it is) gives no record; a row whose
    cells cannot be read is never counted as unchanged (its problems are reported instead). A row
    without a 需协调 column carries its target's flag (``carry_flags``): repeating the values of a
    flagged target in an old template changes nothing."""
    rows = carry_flags(rows, history)
    batch: dict[str, list[tuple[date, float, str, str, bool]]] = {}
    for r in rows:
        if isinstance(r.report_date, date) and _readable(r.completion_pct):
            batch.setdefault(str(r.code), []).append(
                (
                    r.report_date,
                    round(float(r.completion_pct), 1),
                    str(r.status),
                    (r.note or "").strip(),
                    bool(r.coordinate),
                )
            )
    out = []
    for r in rows:
        if not isinstance(r.report_date, date) or not _readable(r.completion_pct):
            out.append(False)
            continue
        day, code = r.report_date, str(r.code)
        # (date, 0: stored / 1: this batch, order): a stored report and a batch row of one day, the
        # batch row is the later (it is written after); a stored report of that very day counts.
        earlier = [((d, 0, k), rec) for k, (d, *rec) in enumerate(history.get(code, ())) if d <= day]
        earlier += [((d, 1, k), rec) for k, (d, *rec) in enumerate(batch.get(code, ())) if d < day]
        pct, status, note, flag = max(earlier, key=lambda e: e[0])[1] if earlier else NO_RECORD
        new_note = (r.note or "").strip()
        out.append(
            round(float(r.completion_pct), 1) == round(pct, 1)
            and r.status == status
            and bool(r.coordinate) == flag
            and (not new_note or new_note == note)
        )
    return out


def _readable(pct: object) -> bool:
    try:
        value = float(pct)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return value == value


PROGRESS_COLUMNS = (
    "plan_id",
    "code",
    "report_date",
    "completion_pct",
    "status",
    "note",
    "reporter",
    "is_demo",
    "recorded_at",
    "late",
    "coordinate",
)


class ProgressWrites:
    """The progress log's writes (part of perfdash.store.Store)."""

    def add_progress(
        self: Database,
        plan_id: int,
        rows: Sequence[ProgressRow],
        actor: Actor,
        *,
        is_demo: bool = False,
        today: date | None = None,
        skip_unchanged: bool = False,
    ) -> int:
        """The only code that inserts progress. Validates every row and the actor's right to write
        it (see ``access.may_write``), then commits all rows in one transaction, or none, with
        one audit entry naming the previous and new state of each target. ``skip_unchanged``
        (uploads, in-app edits, the CLI import: ``commit``): rows that repeat their target's latest
        record (``unchanged_rows``, judged inside the transaction) are left out, and with nothing
        left nothing is written. Returns the number of rows written; raises StoreError listing
        every problem."""
        if not rows:
            raise StoreError("没有要保存的进度记录")
        self.require_unit(plan_id, actor)  # another unit's account, the city's office: one line, not one per row
        self.require_unlocked(plan_id, actor)
        today = today or date.today()
        _, owners = self.progress_rules(plan_id)
        period = periods.calendar(self, plan_id)
        problems = validate_progress(rows, owners, actor, period, today)
        if problems:
            raise StoreError("\n".join(p.message for p in problems), problems)
        now = datetime.now()
        codes = sorted({r.code for r in rows})
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            history = history_of(w.execute(HISTORY_SQL, [plan_id, codes]))
            rows = carry_flags(rows, history)  # an upload without the 需协调 column keeps each target's flag
            if skip_unchanged:
                rows = [r for r, same in zip(rows, unchanged_rows(rows, history), strict=True) if not same]
            if not rows:  # every row repeats what is stored: nothing to write
                w.without_audit()
                return 0
            values = [
                (
                    plan_id,
                    r.code,
                    r.report_date,
                    round(float(r.completion_pct), 1),
                    r.status,
                    r.note or "",
                    actor.name,
                    is_demo,
                    now,
                    not is_demo and period.late(r.report_date, now),
                    bool(r.coordinate),
                )
                for r in rows
            ]
            w.insert("progress", PROGRESS_COLUMNS, values)
            claims.open_for_new_reports(w, plan_id, [r.code for r in rows], now, actor, is_demo)
            if is_demo:  # the demo history is generated, not anyone's change
                w.without_audit()
            else:
                latest = {c: reports[-1] for c, reports in history.items()}
                w.audit(
                    "填报进度",
                    "progress",
                    f"{len(rows)} 条",
                    {
                        c: {"completion_pct": p, "status": st, "coordinate": flag}
                        for c, (_, p, st, _, flag) in latest.items()
                    },
                    [
                        {
                            "code": r.code,
                            "report_date": r.report_date.isoformat(),
                            "completion_pct": float(r.completion_pct),
                            "status": r.status,
                            "note": r.note,
                            "coordinate": bool(r.coordinate),
                        }
                        for r in rows
                    ],
                )
        return len(rows)


# ---------------------------------------------------------------------------
# Who reports on what (the ledger template lists these)


def targets_for(state: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """The targets an actor may report on, with the actor's role on each (牵头 / 协作)."""
    mask = [may_write(actor, list(secs)) for secs in state["sections"]]
    mine = state[mask].copy()
    if actor.role == "section":
        mine["role"] = ["牵头" if secs[0] == actor.name else "协作" for secs in mine["sections"]]
    else:
        mine["role"] = "绩效办"
    return mine


# ---------------------------------------------------------------------------
# What a batch would change, and committing it


def changes(state: pd.DataFrame, rows: list[ProgressRow], unchanged: Sequence[bool] | None = None) -> pd.DataFrame:
    """What a batch would change, target by target: from what to what. ``changed`` is the
    opposite of ``unchanged`` (``ledger.Upload.unchanged``: judged against the stored reports) when
    given, else whether percent, status or the 需协调 flag differ from ``state``."""
    current = state.set_index("code")
    # A row that says nothing of 需协调 (no column in the file) keeps the target's flag.
    flag = [
        _flag_of(current.loc[r.code] if r.code in current.index else None)
        if r.coordinate is None
        else bool(r.coordinate)
        for r in rows
    ]
    out = []
    for n, r in enumerate(rows):
        before = current.loc[r.code] if r.code in current.index else None
        old_pct = float(before["completion_pct"]) if before is not None else None
        old_status = str(before["status"]) if before is not None else None
        old_flag = _flag_of(before)
        out.append(
            {
                "code": r.code,
                "target": str(before["target"]) if before is not None else "",
                "report_date": r.report_date,
                "old_pct": old_pct,
                "new_pct": float(r.completion_pct),
                "old_status": old_status,
                "new_status": r.status,
                "note": r.note,
                "old_coordinate": old_flag,
                "coordinate": flag[n],
                "changed": not unchanged[n]
                if unchanged is not None
                else old_pct != float(r.completion_pct) or old_status != r.status or old_flag != flag[n],
            }
        )
    return pd.DataFrame(out)


def _flag_of(row: pd.Series | None) -> bool:
    """The 需协调 flag a target's latest report carries (a row of ``queries.target_state``; False
    for a target never reported on, or a state read without the column)."""
    if row is None or "coordinate" not in row.index:
        return False
    value = row["coordinate"]
    return bool(value) if pd.notna(value) else False


def flagged(state: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """The actor's targets whose latest report (as of the state's date) asks the leaders to
    coordinate (需协调): what the 进度填报 page reminds a section it has flagged."""
    mine = targets_for(state, actor)
    if "coordinate" not in mine.columns:
        return mine.iloc[0:0]
    return mine[mine["coordinate"].fillna(False).astype(bool)]


COORDINATE_RULE = (
    "勾选“需协调”的目标，列入该期周例会的“需要协调的事项”（以该目标本期最近一次填报为准）；"
    "不再需要协调时，在下次填报中取消勾选"
)


def flag_summary(state: pd.DataFrame, actor: Actor, period: periods.Period) -> str | None:
    """One line naming the actor's targets flagged 需协调 in their latest report, each with its
    report date and whether it falls in ``period`` (本期: the meeting of this period lists it;
    an earlier flag shows again only when this period's report carries it). None: nothing flagged."""
    marked = flagged(state, actor)
    if marked.empty:
        return None
    items = []
    for row in marked.itertuples():
        day = pd.Timestamp(row.last_report).date() if pd.notna(row.last_report) else None
        when = "" if day is None else f"{day.month}月{day.day}日填报" + ("，本期" if period.holds(day) else "")
        items.append(f"{row.code}（{when}）" if when else str(row.code))
    now = sum(1 for d in marked["last_report"] if pd.notna(d) and period.holds(pd.Timestamp(d).date()))
    tail = (
        f"其中 {now} 项为本期填报，将列入本期周例会“需要协调的事项”"
        if now
        else "均为以前各期的填报：本期仍需协调的，请在本期填报中保持勾选并写明进展说明，才会列入本期周例会"
    )
    return f"已标注“需协调”的目标 {len(marked)} 项：{'、'.join(items)}。{tail}。"


def commit(store: Database, plan_id: int, actor: Actor, rows: list[ProgressRow], today: date | None = None) -> int:
    """Write a checked batch through the store's single write path (all rows or none), leaving
    out the rows that repeat their target's latest record (``unchanged_rows``). Returns how many
    rows became records: ``len(rows)`` less that is how many were unchanged and skipped."""
    return store.add_progress(plan_id, rows, actor, today=today, skip_unchanged=True)


def saved_text(written: int, submitted: int) -> str:
    """What a save did, for the page and the CLI: how many rows became records and how many
    repeated the latest record and were skipped."""
    skipped = submitted - written
    text = f"{written} 条进度记录"
    if skipped:
        text += f"；另有 {skipped} 行与该目标最近一次填报相同（{UNCHANGED_WHAT}），未重复保存"
    return text


# ---------------------------------------------------------------------------
# In-app editing


def editor_frame(state: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """The rows an actor edits in the app: current values, with the fields they may change."""
    mine = targets_for(state, actor)
    return pd.DataFrame(
        {
            "code": mine["code"].astype(str),
            "target": mine["target"].astype(str),
            "deadline": pd.to_datetime(mine["deadline"]).dt.date,
            "role": mine["role"].astype(str),
            "current_pct": mine["completion_pct"].astype(float),
            "completion_pct": mine["completion_pct"].astype(float),
            "status": mine["status"].astype(str),
            "note": [""] * len(mine),
            # The flag of the latest report stays ticked until the section unticks it: a new
            # percent alone does not withdraw a request for coordination.
            "coordinate": [_flag_of(row) for _, row in mine.iterrows()],
        }
    ).reset_index(drop=True)


def edited_rows(before: pd.DataFrame, after: pd.DataFrame, report_date: date) -> list[ProgressRow]:
    """The reports an edit makes: every row whose percent, status or 需协调 flag changed or that
    has a note (the rest are unchanged and never sent; ``commit`` still skips a row that, against
    the stored reports, changes nothing). A row that is sent carries its flag as the grid shows it."""
    rows = []
    for (_, old), (_, new) in zip(before.iterrows(), after.iterrows(), strict=True):
        note = "" if pd.isna(new["note"]) else str(new["note"]).strip()
        pct = new["completion_pct"]
        if pd.isna(pct):
            pct = old["completion_pct"]
        old_flag = bool(old["coordinate"]) if "coordinate" in old.index else False
        flag = bool(new["coordinate"]) if "coordinate" in new.index and pd.notna(new["coordinate"]) else old_flag
        if (
            float(pct) != float(old["completion_pct"])
            or str(new["status"]) != str(old["status"])
            or flag != old_flag
            or note
        ):
            rows.append(ProgressRow(str(old["code"]), report_date, float(pct), str(new["status"]), note, flag))
    return rows


def edit_problems(before: pd.DataFrame, edits: Sequence[ProgressRow]) -> list[str]:
    """The status/percent contradictions (``status_problem``) of an edit, each naming the editor's
    row and the target, before anything is sent: 第 3 行（7-2）：状态为“未开始”，完成率却是 20%：…"""
    row_of = {str(code): n for n, code in enumerate(before["code"], start=1)}
    return [
        f"第 {row_of.get(r.code, '?')} 行（{r.code}）：{clash}"
        for r in edits
        if (clash := status_problem(float(r.completion_pct), r.status))
    ]


def history_with_expected(
    history: pd.DataFrame, deadline: date, year: int, milestones: list | None = None
) -> pd.DataFrame:
    """A target's reports with the 序时进度 of each report date beside them (along its milestones
    when it has some)."""
    dates = pd.to_datetime(history["report_date"])
    deadlines = pd.Series([deadline] * len(history))
    marks = None if milestones is None else pd.Series([milestones] * len(history), dtype=object)
    return history.assign(expected_pct=expected_with_milestones(dates, deadlines, marks, year))
