"""Supervision (督办) between meetings: who has not reported, reminders (with the sections' open
督办 items: workflows.decisions.due_reminders), supervision orders and their three-colour escalation
(an item not signed for by its sign-by day escalates as an overdue one does), replies with their
files (workflows.order_files), milestones, and dynamic targets (动态工作目标)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

from perfdash.core import textmatch
from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, bounded, require_role
from perfdash.ops import notify
from perfdash.plan import Target
from perfdash.workflows import claims, decisions
from perfdash.workflows.decisions import (
    BLUE,
    CLOSED,
    LEVEL_RANK,
    ORANGE,
    RED,
    order_level,  # noqa: F401 (callers and tests read it as supervision.order_level)
    order_lines,
    order_sections,
)
from perfdash.workflows.periods import Period

# How a reminder went, as the log shows it ('webhook': a chat robot, before schema version 3).
CHANNEL_LABELS = {"email": "邮件", "wecom": "企业微信群", "dingtalk": "钉钉群", "webhook": "工作群"}
PHONE_RE = re.compile(r"^\+?[0-9]{5,20}$")
LEVEL_COLORS = {BLUE: "#1e88e5", ORANGE: "#fb8c00", RED: "#e53935", CLOSED: "#9e9e9e"}
DYNAMIC_PREFIX = "3"  # Quanzhou's numbering: 3. 动态工作目标
DYNAMIC_CATEGORY = "动态工作目标"
SIMILAR_AT = 0.35  # share of shared character pairs from which two target texts look alike


def orders(store: Database, plan_id: int, today: date) -> pd.DataFrame:
    """Supervision orders of every source (decisions.items) with their level on ``today``
    (decisions.level: 签收超时 escalating, 待复核 held), replies (``responses``) and the latest
    (``last_response``), open ones first, reddest first."""
    df = decisions.items(store, plan_id, today)
    df = df.assign(
        responses=df["replies"],
        last_response=df["last_reply"],
        level=[decisions.level(r, today) for r in df.to_dict("records")],
    )
    return (
        df.assign(_r=df["level"].map(LEVEL_RANK))
        .sort_values(["_r", "due_date", "order_id"])
        .drop(columns="_r")
        .reset_index(drop=True)
    )


def not_reported(store: Database, plan_id: int, start: date, end: date) -> pd.DataFrame:
    """The lead sections with unfinished targets (as of ``end``) that have not reported in the
    reporting period ``start``–``end`` (the open one, or one chosen): no report dated in it, neither
    written by the section nor on a target it leads. One report in the period takes a section off
    the list (and off every reminder). Per section: its unfinished targets (``missing``) and its
    last report up to ``end``."""
    return store.query(
        """
        WITH latest AS (
            SELECT code, max(report_date) AS last_report,
                   arg_max(completion_pct, (report_date, progress_id)) AS pct
            FROM progress WHERE plan_id = $p AND report_date <= $end GROUP BY code
        ),
        lead AS (
            SELECT s.section, t.code, l.last_report, coalesce(l.pct, 0) AS pct
            FROM targets t JOIN target_sections s ON s.plan_id = t.plan_id AND s.code = t.code AND s.role = 'lead'
            LEFT JOIN latest l ON l.code = t.code
            WHERE t.plan_id = $p
        ),
        reported AS (
            SELECT g.reporter AS section FROM progress g
            WHERE g.plan_id = $p AND g.report_date >= $start AND g.report_date <= $end
            UNION
            SELECT s.section FROM progress g
            JOIN target_sections s ON s.plan_id = g.plan_id AND s.code = g.code AND s.role = 'lead'
            WHERE g.plan_id = $p AND g.report_date >= $start AND g.report_date <= $end
        )
        SELECT section,
               count(*)::INTEGER AS targets,
               list(code ORDER BY code) AS missing,
               max(last_report) AS last_report
        FROM lead WHERE pct < 100 AND section NOT IN (SELECT section FROM reported)
        GROUP BY section
        ORDER BY count(*) DESC, section
        """,
        {"p": plan_id, "start": start, "end": end},
    )


def section_reports(store: Database, plan_id: int, section: str, start: date, end: date) -> int:
    """How many reports a section has in the reporting period ``start``–``end``, counted as
    not_reported counts them (written by it, or on a target it leads): its 本期已报 N 条."""
    return int(
        store.scalar(
            "SELECT count(*)::INTEGER FROM progress g WHERE g.plan_id = $p AND g.report_date >= $start "
            "AND g.report_date <= $end AND (g.reporter = $s OR g.code IN (SELECT code FROM target_sections "
            "WHERE plan_id = $p AND section = $s AND role = 'lead'))",
            {"p": plan_id, "s": section, "start": start, "end": end},
        )
        or 0
    )


def contacts(store: Database, plan_id: int) -> pd.DataFrame:
    """Where each section of the plan's unit is reached: section, email, phone ('' when not set)."""
    return store.query(
        "SELECT section, email, phone FROM section_contacts WHERE unit = $u ORDER BY section",
        {"u": store.plan_unit(plan_id)},
    )


def reminder_texts(
    unit: str,
    missing: pd.DataFrame,
    period: Period,
    reach: pd.DataFrame,
    gaps: pd.DataFrame | None = None,
    due: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A ready-to-send reminder per section not reported in ``period`` (for copying into a chat, a
    text message or a printed list when no mail server or robot is set): section, targets, email,
    phone, text. With ``gaps`` (claims.gaps of the plan, from the day they are shown on) each text
    also names the section's evidence gaps (gap_lines); with ``due`` (decisions.due_reminders) its
    督办 items (order_lines), and a section that has reported but has items gets a 【督办提醒】 of
    its own, after the others."""
    where = reach.set_index("section") if not reach.empty else pd.DataFrame(columns=["email", "phone"])
    rows = []
    for r in missing.itertuples():
        codes = list(r.missing)
        text = (
            f"【催报】{r.section}：你科室牵头的 {len(codes)} 项年度工作目标在{period.name}填报周期"
            f"（{period.days}）尚未报送进度（{'、'.join(codes)}），请尽快在绩效管理系统中填报。"
        )
        lines = gap_lines(gaps, r.section) if gaps is not None else []
        lines += order_lines(due, r.section) if due is not None else []
        text += "".join(f"\n{line}" for line in lines) + ("\n" if lines else "") + f"——{unit}绩效办"
        rows.append({"section": r.section, "targets": "、".join(codes), "text": text})
    for section in order_sections(due, missing):
        summary, *items = order_lines(due, section)
        said = f"【督办提醒】{section}：你科室的督办事项{summary.removeprefix('督办事项：')}"
        text = said + "".join(f"\n{line}" for line in items) + f"\n——{unit}绩效办"
        rows.append({"section": section, "targets": "", "text": text})
    for row in rows:
        known = row["section"] in where.index
        row["email"] = str(where.loc[row["section"], "email"]) if known else ""
        row["phone"] = str(where.loc[row["section"], "phone"]) if known else ""
    return pd.DataFrame(rows, columns=["section", "targets", "email", "phone", "text"])


GAP_ITEMS = 10  # a section's gaps named in its reminder; the rest as 等 N 项
GAP_CHARS = 36  # of each gap's description: a reminder line, not the whole checklist item


def section_gaps(gaps: pd.DataFrame, section: str) -> pd.DataFrame:
    """The gaps of the targets a section answers for (lead or co-section)."""
    if gaps.empty:
        return gaps
    return gaps[[section in list(s) for s in gaps["sections"]]]


def gap_lines(gaps: pd.DataFrame, section: str, items: int = GAP_ITEMS) -> list[str]:
    """A section's evidence gaps for its reminder: one summary line, then its first ``items`` gaps
    (returned claims first, as claims.gaps orders them), a line per target, and 等 N 项 when there
    are more. Nothing when the section has none."""
    mine = section_gaps(gaps, section)
    if mine.empty:
        return []
    lines = [f"迎检材料缺项：{claims.gaps_summary(mine)}，请在“核验与迎检”中补齐。"]
    for (kind, code), part in mine.head(items).groupby(["kind", "code"], sort=False):  # a line per target
        whats = [w if len(w) <= GAP_CHARS else w[: GAP_CHARS - 1] + "…" for w in map(str, part["what"])]
        lines.append(f"  {code} {kind}：{'；'.join(whats)}")
    if len(mine) > items and items:
        lines.append(f"  等 {len(mine)} 项")
    return lines


def reminder_text(
    unit: str,
    missing: pd.DataFrame,
    period: Period,
    gaps: pd.DataFrame | None = None,
    items: int = GAP_ITEMS,
    due: pd.DataFrame | None = None,
) -> tuple[str, str]:
    """The subject and body of a 催报 reminder for the sections listed (not reported in ``period``);
    with ``gaps`` each section's evidence gaps under its line (``items`` of them named); with
    ``due`` (decisions.due_reminders of the sections chosen) each section's 督办 items likewise,
    and the sections that reported but have items after the others."""
    more = order_sections(due, missing)
    if missing.empty:
        subject = f"【督办提醒】{unit}督办事项签收与办理提醒"
        lines = []
    else:
        subject = f"【催报】{unit}绩效目标进度填报提醒（{period.name} {period.days} 未报送）"
        lines = [f"以下科室在{period.name}填报周期（{period.days}）尚未报送进度，请尽快在绩效管理系统中填报："]
    for r in missing.itertuples():
        lines.append(f"· {r.section}：{'、'.join(r.missing)}")
        if gaps is not None:
            lines += ["  " + line for line in gap_lines(gaps, r.section, items)]
        lines += ["  " + line for line in order_lines(due, r.section, items)]
    if more:
        lines.append("以下科室有督办事项需要签收或办理：")
    for section in more:
        summary, *rest = order_lines(due, section, items)
        lines += [f"· {section}：{summary.removeprefix('督办事项：')}", *rest]  # rest: indented already
    lines.append("（本消息由绩效管理系统自动发送，局绩效办）")
    return subject, "\n".join(lines)


def remind(
    store: Database,
    plan_id: int,
    unit: str,
    sections: list[str],
    channel: str,
    period: Period,
    actor: Actor,
    today: date | None = None,
) -> tuple[bool, str]:
    """Send a reminder to the sections chosen that have still not reported in ``period`` or have
    督办 items to sign for or answer on ``today`` (decisions.due_reminders; both asked again now: a
    section that reported meanwhile and has no item gets none), by e-mail or to the chat group, and
    log it whether it went out or not. From the day the evidence gaps show (claims.gaps_from) on
    ``today``, each section's gaps go with it. Gaps and 督办 items are named in an e-mail, counted
    in a chat message (a group message stays short: 企业微信 takes 2048 bytes). Returns (sent,
    message)."""
    if actor.role != "office":
        raise StoreError("只有绩效办可以发送催报")
    today = today or date.today()
    missing = not_reported(store, plan_id, period.start, period.end)
    missing = missing[missing["section"].isin(sections)]
    due = decisions.due_reminders(store, plan_id, today)
    due = due[due["section"].isin(sections)]
    if missing.empty and due.empty:
        return False, f"所选科室在{period.name}（{period.days}）都已报送，无需催报"
    if channel == "webhook":  # logged as the robot it goes through
        channel = notify.robot_kind()
    gaps = reminder_gaps(store, plan_id, today)
    items = 0 if channel in notify.ROBOTS else GAP_ITEMS
    subject, body = reminder_text(unit, missing, period, gaps, items=items, due=due)
    reached = [*missing["section"], *order_sections(due, missing)]
    reach = contacts(store, plan_id).set_index("section")
    recipients = ""
    try:
        if channel == "email":
            to = [str(reach.loc[s, "email"]) for s in reached if s in reach.index and reach.loc[s, "email"]]
            recipients = ", ".join(to)
            notify.send_email(to, subject, body)
        elif channel in notify.ROBOTS:
            mobiles = [str(reach.loc[s, "phone"]) for s in reached if s in reach.index]
            mobiles = [m for m in mobiles if m]
            recipients = notify.ROBOTS[channel] + "".join(f" @{m}" for m in mobiles)
            notify.send_webhook(f"{subject}\n{body}", mobiles=mobiles)
        else:
            raise StoreError(f"未知的发送方式“{channel}”")
    except notify.NotifyError as exc:
        store.log_reminder(plan_id, channel, recipients, reached, subject, body, False, str(exc), actor)
        return False, str(exc)
    store.log_reminder(plan_id, channel, recipients, reached, subject, body, True, None, actor)
    return True, f"已向 {len(reached)} 个科室发送催报" + (f"（含督办事项 {len(due)} 项）" if len(due) else "")


def reminder_gaps(store: Database, plan_id: int, today: date) -> pd.DataFrame | None:
    """The plan's evidence gaps for the reminders sent ``today`` (claims.gaps), or None before the
    day they show from: the reminder is then as it always was."""
    if today < claims.gaps_from(store, plan_id, store.plan_year(plan_id)):
        return None
    return claims.gaps(store, plan_id)


def reminders(store: Database, plan_id: int) -> pd.DataFrame:
    """The reminder log, newest first."""
    return store.query(
        "SELECT reminder_id, channel, recipients, sections, subject, ok, error, sent_by, sent_at FROM reminders "
        "WHERE plan_id = $p ORDER BY reminder_id DESC",
        {"p": plan_id},
    )


def milestones(store: Database, plan_id: int, code: str) -> pd.DataFrame:
    """A target's milestones in date order."""
    return store.query(
        "SELECT seq, title, due_date, person, weight::DOUBLE AS weight FROM milestones "
        "WHERE plan_id = $p AND code = $c ORDER BY seq",
        {"p": plan_id, "c": code},
    )


def similar_targets(text: str, state: pd.DataFrame, at_least: float = SIMILAR_AT) -> pd.DataFrame:
    """Existing targets whose text looks like ``text`` (shared character pairs, Jaccard): the plan
    forbids dynamic targets that overlap the others."""
    mine = textmatch.pairs(text)
    rows = []
    for r in state.itertuples():
        score = textmatch.similarity(mine, str(r.target))
        if score >= at_least:
            rows.append({"code": r.code, "target": r.target, "similarity": round(score, 2)})
    return pd.DataFrame(rows, columns=["code", "target", "similarity"]).sort_values("similarity", ascending=False)


def dynamic_prefix(state: pd.DataFrame) -> str:
    """The dynamic series' indicator code: 3, as in Quanzhou's plans, unless the plan uses 3 for
    an indicator of its own; then 动态."""
    taken = state[(state["indicator_code"] == DYNAMIC_PREFIX) & (state["category"] != DYNAMIC_CATEGORY)]
    return DYNAMIC_PREFIX if taken.empty else "动态"


def next_dynamic_code(state: pd.DataFrame) -> str:
    """The next free code of the dynamic series: 3-1, 3-2, … (or 动态-1 …)."""
    prefix = dynamic_prefix(state)
    used = [
        int(c.split("-")[1])
        for c in state["code"]
        if c.startswith(f"{prefix}-") and c.count("-") == 1 and c.split("-")[1].isdigit()
    ]
    return f"{prefix}-{max(used, default=0) + 1}"


def dynamic_target(
    code: str,
    text: str,
    points: float,
    deadline: date,
    sections: list[str],
    persons: list[str],
    leaders: list[str],
) -> Target:
    """A dynamic target (动态工作目标) under the indicator its code names (3 for 3-n); the store
    files it under the plan's first group (职能工作 in Quanzhou's plans)."""
    if not text.strip():
        raise StoreError("请填写目标内容")
    if not 0 < float(points) <= 100:
        raise StoreError("分值应大于 0")
    return Target(
        code=code,
        group="",
        category=DYNAMIC_CATEGORY,
        indicator_code=code.rsplit("-", 1)[0],
        indicator="动态工作目标",
        indicator_points=float(points),
        source_note="",
        target=text.strip(),
        points=float(points),
        deadline=deadline,
        sections=tuple(sections),
        persons=tuple(persons),
        leaders=tuple(leaders),
    )


class SupervisionWrites:
    """Milestones, supervision orders and answers, reminders, section contacts and dynamic targets
    (part of perfdash.store.Store)."""

    def set_milestones(
        self: Database, plan_id: int, code: str, milestones: list[tuple[str, date, str, float]], actor: Actor
    ) -> None:
        """Replace a target's milestones (节点: title, due date, person, weight): the office, or
        the target's lead section. An empty list removes them (序时进度 is a straight line again)."""
        self.require_unit(plan_id, actor)
        self.require_unlocked(plan_id, actor)
        sections, _, _ = self.target_people(plan_id, code)
        if actor.role != "office" and not (actor.role == "section" and sections and sections[0] == actor.name):
            raise StoreError(f"{code} 的节点由牵头科室（{sections[0] if sections else '—'}）或绩效办设置")
        year = self.plan_year(plan_id)
        marks = []
        for n, (title, due, person, weight) in enumerate(milestones, start=1):
            name = bounded(f"第{n}个节点的名称", str(title), "title")
            if not name:
                raise StoreError(f"第{n}个节点：请填写节点名称")
            if not isinstance(due, date) or due.year != year:
                raise StoreError(f"第{n}个节点：日期 {due} 不在方案年度 {year} 年内")
            if not float(weight) > 0:
                raise StoreError(f"第{n}个节点：权重应大于 0")
            marks.append((name, due, bounded(f"第{n}个节点的责任人", person, "name"), float(weight)))
        with self.write(actor, plan_id=plan_id, unlocked=True) as w:
            old = w.execute(
                "SELECT title, due_date, person, weight::DOUBLE FROM milestones WHERE plan_id = ? AND code = ? "
                "ORDER BY seq",
                [plan_id, code],
            )
            w.execute("DELETE FROM milestones WHERE plan_id = ? AND code = ?", [plan_id, code])
            w.insert(
                "milestones",
                ("plan_id", "code", "seq", "title", "due_date", "person", "weight"),
                [
                    (plan_id, code, n, name, due, person, weight)
                    for n, (name, due, person, weight) in enumerate(sorted(marks, key=lambda m: m[1]), start=1)
                ],
            )
            w.audit("设置节点", "milestones", code, [list(r) for r in old] or None, [list(m) for m in marks] or None)

    def issue_order(self: Database, plan_id: int, code: str, what: str, due: date, actor: Actor) -> int:
        """A supervision order (督办单) to a target's lead section: what, by when (office only)."""
        require_role(actor, {"office"}, "下发督办单")
        self.require_unit(plan_id, actor)
        sections, _, _ = self.target_people(plan_id, code)
        what = bounded("督办事项", what, "text", required=True)
        now = datetime.now()
        sign_due = now.date() + timedelta(days=decisions.settings(self, plan_id)[0])  # the plan's 签收时限
        with self.write(actor, plan_id=plan_id) as w:
            oid = w.execute(
                "INSERT INTO supervision_orders (plan_id, code, section, what, due_date, issued_by, issued_at, "
                "sign_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING order_id",
                [plan_id, code, sections[0], what, due, actor.name, now, sign_due],
            )[0][0]
            w.audit(
                "下发督办单", "order", str(oid), None, {"code": code, "section": sections[0], "what": what, "due": due}
            )
        return int(oid)

    def _order(self: Database, order_id: int) -> tuple[int, str, bool]:
        """An order's plan, section and whether it is closed; StoreError if there is none."""
        row = self.query(
            "SELECT plan_id, section, closed_at IS NOT NULL AS closed FROM supervision_orders WHERE order_id = $o",
            {"o": order_id},
        )
        if row.empty:
            raise StoreError(f"没有编号为 {order_id} 的督办单")
        r = row.iloc[0]
        return int(r["plan_id"]), str(r["section"]), bool(r["closed"])

    def close_order(self: Database, order_id: int, note: str, actor: Actor) -> None:
        """Close a supervision order (办结销号): only the office, any open item of its unit. An item
        whose answer waits for its 复核 closes with an optional note; any other (not answered,
        returned, recorded by mistake, no longer needed) only with a note saying why."""
        require_role(actor, {"office"}, "办结督办单")
        plan_id, _, _ = self._order(order_id)
        self.require_unit(plan_id, actor)
        note = bounded("办结说明", note, "text")
        with self.write(actor, plan_id=plan_id) as w:
            old = w.execute("SELECT closed_at FROM supervision_orders WHERE order_id = ?", [order_id])
            if old[0][0] is not None:
                raise StoreError(f"督办单 {order_id} 已办结")
            last = w.execute(
                "SELECT (SELECT max(responded_at) FROM order_responses WHERE order_id = ?), "
                "(SELECT max(reviewed_at) FROM order_reviews WHERE order_id = ?)",
                [order_id, order_id],
            )[0]
            waiting = decisions.awaiting_review({"last_reply_at": last[0], "last_return_at": last[1]})
            if not waiting and not note:
                raise StoreError(
                    f"督办单 {order_id} 没有待复核的答复：直接办结销号请写明办结说明（如事项有误、已无需办理）"
                )
            w.execute(
                "UPDATE supervision_orders SET closed_by = ?, closed_at = ?, close_note = ? WHERE order_id = ?",
                [actor.name, datetime.now(), note, order_id],
            )
            w.audit("办结督办单", "order", str(order_id), {"closed": False}, {"closed": True, "note": note})

    def set_section_contact(
        self: Database,
        section: str,
        email: str,
        actor: Actor,
        plan_id: int | None = None,
        phone: str | None = None,
    ) -> None:
        """Where reminders to a section go (office only): its e-mail and its mobile number (which
        the chat robot @-mentions), either may be empty but not both; ``phone=None`` keeps the
        number already stored. In the unit of ``plan_id``, or (without one) in every unit the
        office sees."""
        require_role(actor, {"office"}, "设置科室联系方式")
        email = bounded("邮箱", email, "name")
        if email and "@" not in email:
            raise StoreError(f"“{email}”不是有效的邮箱地址")
        if phone is not None:
            phone = re.sub(r"[\s-]", "", bounded("手机号", phone, "name"))
            if phone and not PHONE_RE.match(phone):
                raise StoreError(f"“{phone}”不是有效的手机号（5–20 位数字，可带 +）")
        units = (
            [self.plan_unit(plan_id)]
            if plan_id is not None
            else list(self.query("SELECT DISTINCT unit FROM plans")["unit"])
        )
        units = [u for u in units if actor.may_see(u)]
        if not units:
            raise StoreError("没有可设置联系方式的单位")
        with self.write(actor, plan_id=plan_id) as w:
            old = {
                unit: {"email": e, "phone": p}
                for unit, e, p in w.execute(
                    "SELECT unit, email, phone FROM section_contacts WHERE section = ? AND list_contains(?, unit)",
                    [section, units],
                )
            }
            rows = [(u, section, email, old.get(u, {}).get("phone", "") if phone is None else phone) for u in units]
            if any(not e and not p for _, _, e, p in rows):
                raise StoreError(f"请至少填写{section}的邮箱或手机号")
            w.execute("DELETE FROM section_contacts WHERE section = ? AND list_contains(?, unit)", [section, units])
            w.insert("section_contacts", ("unit", "section", "email", "phone"), rows)
            new = {u: {"email": e, "phone": p} for u, _, e, p in rows}
            w.audit("设置科室联系方式", "contact", section, old or None, new)

    def log_reminder(
        self: Database,
        plan_id: int,
        channel: str,
        recipients: str,
        sections: list[str],
        subject: str,
        body: str,
        ok: bool,
        error: str | None,
        actor: Actor,
    ) -> int:
        """Record a reminder sent (or that failed to go out): office only."""
        require_role(actor, {"office"}, "发送催报")
        with self.write(actor, plan_id=plan_id) as w:
            rid = w.execute(
                "INSERT INTO reminders (plan_id, channel, recipients, sections, subject, body, ok, error, sent_by, "
                "sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING reminder_id",
                [plan_id, channel, recipients, sections, subject, body, ok, error, actor.name, datetime.now()],
            )[0][0]
            w.audit(
                "发送催报",
                "reminder",
                str(rid),
                None,
                {"方式": CHANNEL_LABELS.get(channel, channel), "sections": sections, "ok": ok, "error": error},
            )
        return int(rid)

    def add_dynamic_target(self: Database, plan_id: int, target: Target, actor: Actor) -> None:
        """A dynamic target (动态工作目标) added mid-year by the office, in its own code series
        (3-n); it flows through every page and the score, and survives re-imports of the plan."""
        require_role(actor, {"office"}, "添加动态目标")
        if not target.sections:
            raise StoreError("请至少指定一个责任科室（第一个为牵头科室）")
        bounded("目标内容", target.target, "text", required=True)
        with self.write(actor, plan_id=plan_id) as w:
            if w.execute("SELECT 1 FROM targets WHERE plan_id = ? AND code = ?", [plan_id, target.code]):
                raise StoreError(f"编号 {target.code} 已存在")
            found = w.execute(
                "SELECT category FROM indicators WHERE plan_id = ? AND indicator_code = ?",
                [plan_id, target.indicator_code],
            )
            if found and found[0][0] != DYNAMIC_CATEGORY:
                raise StoreError(f"编号 {target.indicator_code} 是方案中的一级指标，动态目标不能放在其下")
            if not found:
                seq = w.execute("SELECT coalesce(max(seq), 0) + 1 FROM indicators WHERE plan_id = ?", [plan_id])[0][0]
                first = w.execute("SELECT grp FROM indicators WHERE plan_id = ? ORDER BY seq LIMIT 1", [plan_id])
                w.execute(
                    "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        plan_id,
                        target.indicator_code,
                        target.group or (first[0][0] if first else "职能工作"),
                        target.category,
                        target.indicator,
                        0,
                        target.source_note,
                        seq,
                    ],
                )
            seq = w.execute("SELECT coalesce(max(seq), 0) + 1 FROM targets WHERE plan_id = ?", [plan_id])
            w.execute(
                "INSERT INTO targets (plan_id, code, indicator_code, target_text, points, deadline, seq, origin) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'dynamic')",
                [plan_id, target.code, target.indicator_code, target.target, target.points, target.deadline, seq[0][0]],
            )
            w.execute(
                "UPDATE indicators SET points = (SELECT sum(points) FROM targets "
                "WHERE plan_id = ? AND indicator_code = ?) WHERE plan_id = ? AND indicator_code = ?",
                [plan_id, target.indicator_code, plan_id, target.indicator_code],
            )
            w.insert(
                "target_sections",
                ("plan_id", "code", "seq", "section", "person", "role"),
                [
                    (
                        plan_id,
                        target.code,
                        k,
                        sec,
                        target.persons[k - 1] if k <= len(target.persons) else None,
                        "lead" if k == 1 else "co",
                    )
                    for k, sec in enumerate(target.sections, start=1)
                ],
            )
            w.insert(
                "target_leaders",
                ("plan_id", "code", "seq", "leader"),
                [(plan_id, target.code, k, name) for k, name in enumerate(target.leaders, start=1)],
            )
            w.audit("添加动态目标", "target", target.code, None, target.as_dict())
