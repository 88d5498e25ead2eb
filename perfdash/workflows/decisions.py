"""Decisions that become tracked 督办 (#36): the weekly meeting's decisions and leaders' instructions
recorded as 督办单, signed for by the section (签收), answered, and reviewed by the office, which
closes them (办结销号) or returns them with a reason. A reply closes nothing by itself.

An item's status, as the next meeting reads it: 已办结 (closed); 逾期 (its due day has passed);
未签收 (not signed for — 签收超时 once its sign-by day has passed); 待复核 (answered since it was
signed or last returned); 办理中 (signed, being worked on)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, bounded, require_role

SOURCES = {"office": "绩效办督办", "meeting": "周例会", "instruction": "领导批示"}
CLOSED, OVERDUE, UNSIGNED, SIGN_LATE, REVIEW, WORKING = "已办结", "逾期", "未签收", "签收超时", "待复核", "办理中"
SIGN_DAYS = 2  # days a section has to sign for a decision, unless the office says otherwise


def status(row: pd.Series | dict, today: date) -> str:
    """An item's status on ``today`` (see the module's docstring), from a row of ``items``."""
    if _set(row.get("closed_at")):
        return CLOSED
    if pd.Timestamp(row["due_date"]).date() < today:
        return OVERDUE
    if not _set(row.get("signed_at")):
        due = row.get("sign_due")
        return SIGN_LATE if _set(due) and pd.Timestamp(due).date() < today else UNSIGNED
    last_reply, last_return = row.get("last_reply_at"), row.get("last_return_at")
    if _set(last_reply) and (not _set(last_return) or pd.Timestamp(last_reply) > pd.Timestamp(last_return)):
        return REVIEW
    return WORKING


def _set(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NaT


def items(
    store: Database, plan_id: int, today: date, since: date | None = None, source: str | None = None
) -> pd.DataFrame:
    """督办 items with their source, signing, latest reply, latest return and status on ``today``;
    ``since``: only those decided (or issued) on or after that day; ``source``: only that source."""
    df = store.query(
        """
        SELECT o.order_id, o.code, o.section, o.person, o.what, o.due_date, coalesce(o.source, 'office') AS source,
               o.source_day, o.source_leader, o.issued_by, o.issued_at, o.sign_due, o.signed_by, o.signed_at,
               o.closed_by, o.closed_at, o.close_note,
               (SELECT arg_max(r.text, r.seq) FROM order_responses r WHERE r.order_id = o.order_id) AS last_reply,
               (SELECT max(r.responded_at) FROM order_responses r WHERE r.order_id = o.order_id) AS last_reply_at,
               (SELECT arg_max(v.note, v.seq) FROM order_reviews v WHERE v.order_id = o.order_id) AS last_return,
               (SELECT max(v.reviewed_at) FROM order_reviews v WHERE v.order_id = o.order_id) AS last_return_at
        FROM supervision_orders o
        WHERE o.plan_id = $p AND ($source IS NULL OR coalesce(o.source, 'office') = $source)
          AND ($since IS NULL OR coalesce(o.source_day, CAST(o.issued_at AS DATE)) >= $since)
        ORDER BY coalesce(o.source_day, CAST(o.issued_at AS DATE)), o.order_id
        """,
        {"p": plan_id, "since": since, "source": source},
    )
    df["status"] = [status(r, today) for r in df.to_dict("records")]
    df["source_label"] = df["source"].map(SOURCES).fillna(SOURCES["office"])
    return df


class DecisionWrites:
    """Recording decisions, 签收 and the office's returns (part of perfdash.store.Store); replies and
    closing are supervision's respond_order / close_order."""

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
        sign_days: int = SIGN_DAYS,
    ) -> int:
        """A decision of the meeting (or a leader's instruction) as a 督办单: what, who (a section
        of the plan, a person), by when, from where. The office or a signed-in leader records it."""
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
        if not 0 <= int(sign_days) <= 30:
            raise StoreError("签收时限应在 0 到 30 天之间")
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
                    day + timedelta(days=int(sign_days)),
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
            seq = w.execute("SELECT coalesce(max(seq), 0) + 1 FROM order_reviews WHERE order_id = ?", [order_id])
            w.execute(
                "INSERT INTO order_reviews VALUES (?, ?, ?, ?, ?)",
                [order_id, seq[0][0], note, actor.name, datetime.now()],
            )
            w.audit("复核退回督办单", "order", str(order_id), None, {"note": note})
