"""Decisions that become tracked 督办 (#36): the weekly meeting's decisions and leaders' instructions
recorded as 督办单, signed for by the section (签收), answered, and reviewed by the office, which
closes them (办结销号) or returns them with a reason. A reply closes nothing by itself.

An item's status, as the next meeting reads it: 已办结 (closed); 待复核 (answered since it was
signed or last returned: the office's turn, even once its due day has passed — ``past_due`` says
so, and the meeting's slide shows 待复核（已过时限）); 逾期 (its due day has passed); 未签收 (not
signed for — 签收超时 once its sign-by day has passed); 办理中 (signed, being worked on). A reply
counts as signing (items of before 签收 existed, or answered straight away).

The office sets per plan how many days a section has to sign (签收时限) and how many days before
its due day an item is reminded (临近提醒); due_reminders lists what the reminders carry."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from perfdash.core import settings as config
from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, bounded, require_role
from perfdash.workflows import order_files

SOURCES = {"office": "绩效办督办", "meeting": "周例会", "instruction": "领导批示"}
CLOSED, OVERDUE, UNSIGNED, SIGN_LATE, REVIEW, WORKING = "已办结", "逾期", "未签收", "签收超时", "待复核", "办理中"
BLUE, ORANGE, RED = "蓝色", "橙色", "红色"  # 三色督办 (order_level); closed ones are 已办结 (CLOSED)
SIGN_DAYS = 2  # days a section has to sign for a decision, unless the office says otherwise
REMIND_DAYS = 3  # days before its due day an open item is reminded (the issue: "due in 3 days")
# What a reminder says of an item (due_reminders' kind), in the order the reminder lists them.
DUE_LATE, NOT_SIGNED, DUE_SOON = "已逾期", "未签收", "即将到期"
KINDS = (DUE_LATE, NOT_SIGNED, DUE_SOON)
DAYS_RANGE = (0, 30)  # what the office may set either to (the table's CHECK)


def status(row: pd.Series | dict, today: date) -> str:
    """An item's status on ``today`` (see the module's docstring), from a row of ``items``."""
    if _set(row.get("closed_at")):
        return CLOSED
    if awaiting_review(row):  # the office's turn, past its due day or not: only the office moves it on
        return REVIEW
    if pd.Timestamp(row["due_date"]).date() < today:
        return OVERDUE
    if not signed(row):
        due = row.get("sign_due")
        return SIGN_LATE if _set(due) and pd.Timestamp(due).date() < today else UNSIGNED
    return WORKING


def past_due(row: pd.Series | dict, today: date) -> bool:
    """Whether an open item's due day has passed on ``today`` (逾期, or 待复核 after its due day)."""
    return not _set(row.get("closed_at")) and pd.Timestamp(row["due_date"]).date() < today


def _set(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NaT


def signed(row: pd.Series | dict) -> bool:
    """Whether the section has the item: signed for it, or answered it (which signs it too)."""
    return _set(row.get("signed_at")) or _set(row.get("last_reply_at"))


def awaiting_review(row: pd.Series | dict) -> bool:
    """Whether the item waits for the office (复核): answered since it was last returned."""
    last_reply, last_return = row.get("last_reply_at"), row.get("last_return_at")
    return _set(last_reply) and (not _set(last_return) or pd.Timestamp(last_reply) > pd.Timestamp(last_return))


def returned(row: pd.Series | dict) -> bool:
    """Whether the office returned the item and the section has not answered again yet."""
    last_reply, last_return = row.get("last_reply_at"), row.get("last_return_at")
    return _set(last_return) and (not _set(last_reply) or pd.Timestamp(last_return) >= pd.Timestamp(last_reply))


def settings(store: Database, plan_id: int) -> tuple[int, int]:
    """The office's (签收时限, 临近提醒) in days for the plan: SIGN_DAYS and REMIND_DAYS unless set."""
    row = store.query("SELECT sign_days, remind_days FROM supervision_settings WHERE plan_id = $p", {"p": plan_id})
    if row.empty:
        return SIGN_DAYS, REMIND_DAYS
    return int(row.iloc[0]["sign_days"]), int(row.iloc[0]["remind_days"])


def items(
    store: Database,
    plan_id: int,
    today: date,
    since: date | None = None,
    source: str | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """督办 items with their source, signing, latest reply (its text, time, author and seq: the files
    of order_files go with that seq), how many replies, latest return, status on ``today`` and
    whether they are past their due day (``past_due``); ``since``: only those decided (or issued) on
    or after that day; ``source``: only that source; ``until``: as the items stood at the end of
    that day (a signing, reply, return or closing after it has not happened yet: a 通报's cut-off)."""
    end = None if until is None else datetime.combine(until + timedelta(days=1), datetime.min.time())
    df = store.query(
        """
        SELECT o.order_id, o.code, o.section, o.person, o.what, o.due_date, coalesce(o.source, 'office') AS source,
               o.source_day, o.source_leader, o.issued_by, o.issued_at, o.sign_due,
               CASE WHEN $end IS NULL OR o.signed_at < $end THEN o.signed_by END AS signed_by,
               CASE WHEN $end IS NULL OR o.signed_at < $end THEN o.signed_at END AS signed_at,
               CASE WHEN $end IS NULL OR o.closed_at < $end THEN o.closed_by END AS closed_by,
               CASE WHEN $end IS NULL OR o.closed_at < $end THEN o.closed_at END AS closed_at,
               CASE WHEN $end IS NULL OR o.closed_at < $end THEN o.close_note END AS close_note,
               r.last_reply, r.last_reply_at, r.last_reply_seq, r.last_reply_by, coalesce(r.replies, 0) AS replies,
               v.last_return, v.last_return_at
        FROM supervision_orders o
        LEFT JOIN (
            SELECT order_id, arg_max(text, seq) AS last_reply, max(responded_at) AS last_reply_at,
                   max(seq) AS last_reply_seq, arg_max(responded_by, seq) AS last_reply_by,
                   count(*)::INTEGER AS replies
            FROM order_responses WHERE $end IS NULL OR responded_at < $end GROUP BY order_id
        ) r ON r.order_id = o.order_id
        LEFT JOIN (
            SELECT order_id, arg_max(note, seq) AS last_return, max(reviewed_at) AS last_return_at
            FROM order_reviews WHERE $end IS NULL OR reviewed_at < $end GROUP BY order_id
        ) v ON v.order_id = o.order_id
        WHERE o.plan_id = $p AND ($source IS NULL OR coalesce(o.source, 'office') = $source)
          AND ($since IS NULL OR coalesce(o.source_day, CAST(o.issued_at AS DATE)) >= $since)
        ORDER BY coalesce(o.source_day, CAST(o.issued_at AS DATE)), o.order_id
        """,
        {"p": plan_id, "since": since, "source": source, "end": end},
    )
    records = df.to_dict("records")
    df["status"] = [status(r, today) for r in records]
    df["past_due"] = [past_due(r, today) for r in records]
    df["source_label"] = df["source"].map(SOURCES).fillna(SOURCES["office"])
    return df


LEVEL_RANK = {RED: 0, ORANGE: 1, BLUE: 2, CLOSED: 3}  # reddest first


def order_level(
    due: date,
    closed: bool,
    today: date,
    sign_due: date | None = None,
    signed: bool = True,
    answered: date | None = None,
) -> str:
    """三色督办: blue until its date, orange once the date has passed unresolved, red
    ESCALATE_DAYS later; closed orders are 已办结. An order not ``signed`` for escalates the same
    way from its ``sign_due`` (签收超时): orange the day after, red ESCALATE_DAYS later; the
    redder of the two counts. An order ``answered`` on that day and waiting for the office's 复核
    does not escalate while it waits (it is the office's turn): it keeps the level it had that day
    (answered on time: blue)."""
    if closed:
        return CLOSED
    if answered is not None and answered < today:
        today = answered
    level = _late(due, today)
    if not signed and sign_due is not None and LEVEL_RANK[_late(sign_due, today)] < LEVEL_RANK[level]:
        level = _late(sign_due, today)
    return level


def level(row: pd.Series | dict, today: date) -> str:
    """The 三色 level (order_level) of a row of ``items`` on ``today``: 签收超时 escalating, an item
    waiting for the office's 复核 held at the level of its reply's day. Every page, slide and
    通报 takes an item's colour from here."""
    answered = day_of(row.get("last_reply_at")) if awaiting_review(row) else None
    return order_level(
        day_of(row["due_date"]),
        _set(row.get("closed_at")),
        today,
        day_of(row.get("sign_due")),
        signed(row),
        answered,
    )


def _late(day: date, today: date) -> str:
    if today <= day:
        return BLUE
    if today <= day + timedelta(days=config.escalate_days()):
        return ORANGE
    return RED


def day_of(value: object) -> date | None:
    """A day from a DATE or TIMESTAMP column's value; None for NULL."""
    if value is None or pd.isna(value):  # NaT is a datetime too
        return None
    return value.date() if isinstance(value, datetime | pd.Timestamp) else value  # type: ignore[return-value]


def board(store: Database, plan_id: int, today: date) -> pd.DataFrame:
    """Every 督办 item (all sources: ``items``, with its status on ``today``) with its 三色
    level (``level``: 签收超时 escalating, 待复核 not), the number of files of its latest reply, and the
    order the office works in: 待复核 first, then the reddest, then by due day."""
    df = items(store, plan_id, today)
    files = store.query(
        "SELECT f.order_id, f.seq, count(*)::INTEGER AS n FROM order_files f JOIN supervision_orders o "
        "ON o.order_id = f.order_id WHERE o.plan_id = $p GROUP BY f.order_id, f.seq",
        {"p": plan_id},
    )
    counts = {(int(r.order_id), int(r.seq)): int(r.n) for r in files.itertuples()}
    rows = df.to_dict("records")
    df["level"] = [level(r, today) for r in rows]
    df["last_reply_files"] = [
        counts.get((int(r["order_id"]), int(r["last_reply_seq"])), 0) if pd.notna(r["last_reply_seq"]) else 0
        for r in rows
    ]
    first = {REVIEW: 0}
    order = [first.get(s, 1) for s in df["status"]]
    return (
        df.assign(_f=order, _r=df["level"].map(LEVEL_RANK))
        .sort_values(["_f", "_r", "due_date", "order_id"])
        .drop(columns=["_f", "_r"])
        .reset_index(drop=True)
    )


def due_reminders(store: Database, plan_id: int, today: date) -> pd.DataFrame:
    """The open items a reminder sent ``today`` carries, one row each, in KINDS order then by due
    day: 已逾期 (its due day has passed), 未签收 (not signed for by its sign-by day), 即将到期 (due
    within the office's 临近提醒 days, today included). Items answered and waiting for the office's
    复核 are the office's turn and carry no reminder. Columns: order_id, code, section, what,
    due_date, sign_due, status, kind."""
    _, remind_days = settings(store, plan_id)
    soon = today + timedelta(days=remind_days)
    rows = []
    for r in items(store, plan_id, today).to_dict("records"):
        if r["status"] == CLOSED or awaiting_review(r):
            continue
        due = pd.Timestamp(r["due_date"]).date()
        sign_due = pd.Timestamp(r["sign_due"]).date() if _set(r["sign_due"]) else None
        if due < today:
            kind = DUE_LATE
        elif not signed(r) and sign_due is not None and sign_due < today:
            kind = NOT_SIGNED
        elif due <= soon:
            kind = DUE_SOON
        else:
            continue
        rows.append(
            {
                "order_id": int(r["order_id"]),
                "code": r["code"],
                "section": r["section"],
                "what": r["what"],
                "due_date": due,
                "sign_due": sign_due,
                "status": r["status"],
                "kind": kind,
            }
        )
    columns = ["order_id", "code", "section", "what", "due_date", "sign_due", "status", "kind"]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    rank = frame["kind"].map({k: n for n, k in enumerate(KINDS)})
    return frame.assign(_r=rank).sort_values(["_r", "due_date", "order_id"]).drop(columns="_r").reset_index(drop=True)


ORDER_ITEMS = 10  # a section's 督办 items named in its reminder; the rest as 等 N 项
ORDER_CHARS = 36  # of each item's text in a reminder line (as the evidence gaps' lines)


def order_sections(due: pd.DataFrame | None, missing: pd.DataFrame) -> list[str]:
    """The sections with 督办 items to remind that are not among the ``missing`` (not reported)."""
    if due is None or due.empty:
        return []
    listed = set(missing["section"])
    return [s for s in dict.fromkeys(due["section"]) if s not in listed]


def order_lines(due: pd.DataFrame | None, section: str, named: int = ORDER_ITEMS) -> list[str]:
    """A section's 督办 items for its reminder (decisions.due_reminders): one summary line (已逾期,
    未签收, 即将到期: how many of each), then its first ``named`` items, one line each (已逾期
    first), and 等 N 项 when there are more. Nothing when it has none."""
    if due is None or due.empty:
        return []
    mine = due[due["section"] == section]
    if mine.empty:
        return []
    counts = mine["kind"].value_counts()
    summary = "、".join(f"{k} {int(counts[k])} 项" for k in KINDS if k in counts)
    lines = [f"督办事项：{summary}，请在“督办与催报”中签收、答复。"]
    for r in mine.head(named).itertuples():
        what = str(r.what) if len(str(r.what)) <= ORDER_CHARS else str(r.what)[: ORDER_CHARS - 1] + "…"
        code = f"{r.code} " if isinstance(r.code, str) and r.code else ""
        if r.kind == NOT_SIGNED:
            when = f"签收时限 {_md(r.sign_due)}，未签收"
        else:
            when = f"办理时限 {_md(r.due_date)}，{r.kind}"
        lines.append(f"  #{r.order_id} {code}{what}（{when}）")
    if len(mine) > named and named:
        lines.append(f"  等 {len(mine)} 项")
    return lines


def _md(day: date) -> str:
    """11月28日: how the reminders name a day (as the reporting periods do)."""
    return f"{day.month}月{day.day}日"


def section_todo(store: Database, plan_id: int, section: str, today: date) -> dict[str, int]:
    """What waits for ``section`` among its open items: to sign for (``to_sign``: 未签收 or 签收超时,
    also past their due day) and returned by the office, not answered again (``returned``)."""
    mine = [r for r in items(store, plan_id, today).to_dict("records") if r["section"] == section]
    open_ = [r for r in mine if r["status"] != CLOSED]
    return {
        "to_sign": sum(not signed(r) for r in open_),
        "returned": sum(returned(r) for r in open_),
    }


EVENTS = {"office": "下发督办单", "meeting": "周例会决定", "instruction": "领导批示"}


def history(store: Database, order_id: int) -> pd.DataFrame:
    """An item's course in time order: decided (or issued), signed, each reply with its files,
    each return with its reason, closed. Columns: at, event, by, text, files (names, 、-joined)."""
    row = store.query("SELECT * FROM supervision_orders WHERE order_id = $o", {"o": order_id})
    columns = ["at", "event", "by", "text", "files"]
    if row.empty:
        return pd.DataFrame(columns=columns)
    o = row.iloc[0]
    source = o["source"] if _set(o["source"]) else "office"
    leader = f"（批示领导：{o['source_leader']}）" if source == "instruction" and _set(o["source_leader"]) else ""
    when = f"{o['source_day']:%Y-%m-%d} " if _set(o["source_day"]) and source != "office" else ""
    events = [
        (
            o["issued_at"],
            0,
            EVENTS.get(source, EVENTS["office"]),
            o["issued_by"],
            f"{when}{o['what']}（办理时限 {pd.Timestamp(o['due_date']):%Y-%m-%d}）{leader}",
            "",
        ),
    ]
    if _set(o["signed_at"]):
        events.append((o["signed_at"], 1, "签收", o["signed_by"], "", ""))
    files = store.query(
        "SELECT seq, file_name FROM order_files WHERE order_id = $o ORDER BY seq, file_name", {"o": order_id}
    )
    names = files.groupby("seq")["file_name"].agg("、".join).to_dict() if not files.empty else {}
    for r in store.query(
        "SELECT seq, text, responded_by, responded_at FROM order_responses WHERE order_id = $o ORDER BY seq",
        {"o": order_id},
    ).itertuples():
        events.append((r.responded_at, 2, "答复", r.responded_by, r.text, names.get(r.seq, "")))
    for r in store.query(
        "SELECT note, reviewed_by, reviewed_at FROM order_reviews WHERE order_id = $o ORDER BY seq", {"o": order_id}
    ).itertuples():
        events.append((r.reviewed_at, 3, "复核退回", r.reviewed_by, r.note, ""))
    if _set(o["closed_at"]):
        events.append((o["closed_at"], 4, "办结销号", o["closed_by"], o["close_note"] or "", ""))
    events.sort(key=lambda e: (pd.Timestamp(e[0]), e[1]))
    return pd.DataFrame([(at, ev, by, text, f) for at, _, ev, by, text, f in events], columns=columns)


class DecisionWrites:
    """Recording decisions, 签收, replies with their files, the office's returns and its 签收 and
    临近提醒 days (part of perfdash.store.Store); closing (办结销号) is supervision's close_order, as
    issuing an order is supervision's issue_order."""

    def record_decision(
        self: Database,
        plan_id: int,
        what: str,
        section: str,
        due: date,
        actor: Actor,
        *,
        code: str | None = None,
        person: str = "",
        source: str = "meeting",
        source_day: date | None = None,
        source_leader: str = "",
        sign_days: int | None = None,
        today: date | None = None,
    ) -> int:
        """A decision of the meeting (or a leader's instruction) as a 督办单: what, who (a section
        of the plan, a person), by when, from where. The office or a signed-in leader records it.
        ``sign_days``: days to sign for it; None: the plan's 签收时限. They run from the day it is
        recorded (``today``, default the present day), or from the decision's day if that is later,
        as an office order's run from its issuing: a decision entered days after its meeting is
        not 签收超时 the moment it is recorded."""
        require_role(actor, ("office", "leader"), "记录会议决定事项")
        self.require_unit(plan_id, actor)
        if source not in ("meeting", "instruction"):
            raise StoreError(f"来源应为{'或'.join(SOURCES[s] for s in ('meeting', 'instruction'))}")
        what = bounded("决定事项", what, "text", required=True)
        person = bounded("责任人", person, "name")
        leader = bounded("批示领导", source_leader or (actor.name if actor.role == "leader" else ""), "name")
        if source == "instruction" and not leader:
            raise StoreError("领导批示请写明批示领导")
        if code is not None:
            sections, _, _ = self.target_people(plan_id, code)
        else:
            sections = [
                str(s)
                for s in self.query("SELECT DISTINCT section FROM target_sections WHERE plan_id = $p", {"p": plan_id})[
                    "section"
                ]
            ]
        if section not in sections:
            whose = f" {code} 的" if code else "本方案的"
            raise StoreError(f"“{section}”不是{whose}责任科室")
        day = source_day or date.today()
        if due < day:
            raise StoreError(f"办理时限 {due} 早于决定日期 {day}")
        if sign_days is None:
            sign_days = settings(self, plan_id)[0]
        if not DAYS_RANGE[0] <= int(sign_days) <= DAYS_RANGE[1]:
            raise StoreError(f"签收时限应在 {DAYS_RANGE[0]} 到 {DAYS_RANGE[1]} 天之间")
        with self.write(actor, plan_id=plan_id) as w:
            oid = w.execute(
                "INSERT INTO supervision_orders (plan_id, code, section, what, due_date, issued_by, issued_at, source, "
                "source_day, source_leader, person, sign_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING order_id",
                [
                    plan_id,
                    code,
                    section,
                    what,
                    due,
                    actor.name,
                    datetime.now(),
                    source,
                    day,
                    leader or None,
                    person or None,
                    max(day, today or date.today()) + timedelta(days=int(sign_days)),
                ],
            )[0][0]
            w.audit(
                "记录会议决定事项" if source == "meeting" else "记录领导批示",
                "order",
                str(oid),
                None,
                {"code": code, "section": section, "what": what, "due": due, "source": SOURCES[source]},
            )
        return int(oid)

    def _open_item(self: Database, order_id: int) -> tuple[int, str, pd.Series]:
        row = self.query("SELECT * FROM supervision_orders WHERE order_id = $o", {"o": order_id})
        if row.empty:
            raise StoreError(f"没有编号为 {order_id} 的督办单")
        r = row.iloc[0]
        if _set(r["closed_at"]):
            raise StoreError(f"督办单 {order_id} 已办结")
        return int(r["plan_id"]), str(r["section"]), r

    def sign_order(self: Database, order_id: int, actor: Actor) -> None:
        """The responsible section signs for an item (签收): it has it, and the clock of its reply runs."""
        plan_id, section, r = self._open_item(order_id)
        self.require_unit(plan_id, actor)
        if not (actor.role == "section" and actor.name == section):
            raise StoreError(f"督办单 {order_id} 由{section}签收")
        if _set(r["signed_at"]):
            raise StoreError(f"督办单 {order_id} 已于 {pd.Timestamp(r['signed_at']):%Y-%m-%d} 签收")
        with self.write(actor, plan_id=plan_id) as w:
            w.execute(
                "UPDATE supervision_orders SET signed_by = ?, signed_at = ? WHERE order_id = ?",
                [actor.name, datetime.now(), order_id],
            )
            w.audit("签收督办单", "order", str(order_id), {"signed": False}, {"signed": True})

    def return_order(self: Database, order_id: int, note: str, actor: Actor) -> None:
        """The office's review finds the reply short (复核退回): the item stays open and the
        section answers again; the reason is required."""
        require_role(actor, {"office"}, "复核督办单")
        plan_id, _, _ = self._open_item(order_id)
        self.require_unit(plan_id, actor)
        note = bounded("退回理由", note, "text", required=True)
        with self.write(actor, plan_id=plan_id) as w:
            replies = w.execute("SELECT count(*) FROM order_responses WHERE order_id = ?", [order_id])[0][0]
            if not replies:
                raise StoreError(f"督办单 {order_id} 还没有答复，无需退回")
            last = w.execute(
                "SELECT (SELECT max(responded_at) FROM order_responses WHERE order_id = ?), "
                "(SELECT max(reviewed_at) FROM order_reviews WHERE order_id = ?)",
                [order_id, order_id],
            )[0]
            if last[1] is not None and last[1] >= last[0]:
                raise StoreError(f"督办单 {order_id} 已退回，等待科室重新答复")
            seq = w.execute("SELECT coalesce(max(seq), 0) + 1 FROM order_reviews WHERE order_id = ?", [order_id])
            w.execute(
                "INSERT INTO order_reviews VALUES (?, ?, ?, ?, ?)",
                [order_id, seq[0][0], note, actor.name, datetime.now()],
            )
            w.audit("复核退回督办单", "order", str(order_id), None, {"note": note})

    def respond_order(
        self: Database, order_id: int, text: str, actor: Actor, files: list[tuple[str, bytes]] | None = None
    ) -> None:
        """The responsible section's answer to a supervision order (办理情况), with ``files`` (name,
        bytes) as its evidence: each checked before anything is written (one bad file refuses the
        reply, naming every problem), kept beside the evidence, and recorded in the reply's own
        transaction; nothing stays of a reply that fails. Answering an item not yet signed for
        signs it. The answer closes nothing: it waits for the office's 复核. Only the item's section
        answers (the office reviews: it returns or closes; an answer of its own would count as
        the section's signing and reply)."""
        plan_id, section, _ = self._open_item(order_id)
        self.require_unit(plan_id, actor)
        if not (actor.role == "section" and actor.name == section):
            raise StoreError(f"督办单 {order_id} 由{section}答复")
        self.require_unlocked(plan_id, actor)
        text = bounded("答复内容", text, "text", required=True)
        checked = order_files.check_files(list(files or []))  # every file, before anything is kept
        kept = order_files.keep(self, checked)
        try:
            with self.write(actor, plan_id=plan_id, unlocked=True) as w:
                now = datetime.now()
                state = w.execute("SELECT closed_at, signed_at FROM supervision_orders WHERE order_id = ?", [order_id])
                if state[0][0] is not None:  # closed meanwhile
                    raise StoreError(f"督办单 {order_id} 已办结")
                seq = w.execute("SELECT coalesce(max(seq), 0) + 1 FROM order_responses WHERE order_id = ?", [order_id])
                seq = int(seq[0][0])
                w.execute("INSERT INTO order_responses VALUES (?, ?, ?, ?, ?)", [order_id, seq, text, actor.name, now])
                order_files.record(w, order_id, seq, checked, actor.name, now)
                signs = state[0][1] is None
                if signs:
                    w.execute(
                        "UPDATE supervision_orders SET signed_by = ?, signed_at = ? WHERE order_id = ?",
                        [actor.name, now, order_id],
                    )
                new = {"text": text} | ({"files": [f.name for f in checked]} if checked else {})
                w.audit("答复督办单", "order", str(order_id), None, new | ({"signed": True} if signs else {}))
        except BaseException:
            order_files.forget(self, kept)  # the reply was not recorded: neither are the files it brought
            raise

    def set_supervision_settings(self: Database, plan_id: int, sign_days: int, remind_days: int, actor: Actor) -> None:
        """The office sets the plan's 签收时限 (days from a decision to sign for it; items recorded
        from now on) and 临近提醒 (days before its due day an item is reminded)."""
        require_role(actor, {"office"}, "设置督办时限")
        self.require_unit(plan_id, actor)
        low, high = DAYS_RANGE
        for label, days in (("签收时限", sign_days), ("临近提醒天数", remind_days)):
            if isinstance(days, bool) or int(days) != days or not low <= int(days) <= high:
                raise StoreError(f"{label}应为 {low} 到 {high} 之间的整数天（现为 {days}）")
        old = settings(self, plan_id)
        with self.write(actor, plan_id=plan_id) as w:
            w.execute("DELETE FROM supervision_settings WHERE plan_id = ?", [plan_id])
            w.execute(
                "INSERT INTO supervision_settings (plan_id, sign_days, remind_days, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [plan_id, int(sign_days), int(remind_days), actor.name, datetime.now()],
            )
            w.audit(
                "设置督办时限",
                "supervision_settings",
                str(plan_id),
                {"签收时限": old[0], "临近提醒": old[1]},
                {"签收时限": int(sign_days), "临近提醒": int(remind_days)},
            )


def coordination(store: Database, plan_id: int, start: date, end: date) -> pd.DataFrame:
    """Targets whose section asks the leaders to coordinate (需协调) in the period ``start``–``end``:
    the target's latest report dated in the period carries the flag (a later report of the same
    period without it withdraws the request). Nothing shows before it is reported. Columns: code,
    target_text, section (the lead), reporter, report_date, completion_pct, status, note."""
    return store.query(
        """
        WITH latest AS (
            SELECT code, arg_max(coalesce(coordinate, FALSE), (report_date, progress_id)) AS coordinate,
                   max(report_date) AS report_date,
                   arg_max(completion_pct, (report_date, progress_id)) AS completion_pct,
                   arg_max(status, (report_date, progress_id)) AS status,
                   arg_max(note, (report_date, progress_id)) AS note,
                   arg_max(reporter, (report_date, progress_id)) AS reporter
            FROM progress WHERE plan_id = $p AND report_date BETWEEN $start AND $end
            GROUP BY code
        )
        SELECT l.code, t.target_text, s.section, l.reporter, l.report_date, l.completion_pct, l.status, l.note
        FROM latest l JOIN targets t ON t.plan_id = $p AND t.code = l.code
        LEFT JOIN target_sections s ON s.plan_id = $p AND s.code = l.code AND s.seq = 1
        WHERE l.coordinate
        ORDER BY t.seq
        """,
        {"p": plan_id, "start": start, "end": end},
    )
