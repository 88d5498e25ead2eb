"""Reporting periods (填报周期) the office controls: the rhythm (weekly to a cut-off weekday and
time, or monthly), which periods are closed, and from them the one 统计日期 every page, the
meeting screen and the CLI open at — never "the latest date anyone typed"; which report dates a
section may write now, and which reports are late (迟报)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import pandas as pd

from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, Write, bounded, require_role

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
RHYTHMS = {"weekly": "每周", "monthly": "每月"}


@dataclass(frozen=True)
class Period:
    """One reporting period of a plan year: its first and last day (the cut-off day)."""

    number: int
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"第{self.number}期（{self.start:%m-%d} 至 {self.end:%m-%d}）"

    @property
    def name(self) -> str:
        return f"第{self.number}期"

    @property
    def days(self) -> str:
        """Its dates as every page, the meeting screen and a reminder name them: 12月5日—12月11日."""
        return f"{self.start.month}月{self.start.day}日—{self.end.month}月{self.end.day}日"

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Calendar:
    """A plan's reporting calendar and its state: the rhythm, the cut-off weekday (weekly; 0 = Monday)
    and time, the last closed day (every period ending on or before it is closed) and the date
    the office pinned as the dashboards' 统计日期, if any."""

    year: int
    rhythm: str = "weekly"
    cutoff_weekday: int = 4  # Friday
    cutoff_time: time = time(17, 0)
    closed_through: date | None = None
    pinned_as_of: date | None = None

    def describe(self) -> str:
        """The rhythm as the office says it: 每周五 17:00 截止 / 每月最后一天 17:00 截止."""
        if self.rhythm == "weekly":
            return f"每{WEEKDAYS[self.cutoff_weekday]} {self.cutoff_time:%H:%M} 截止"
        return f"每月最后一天 {self.cutoff_time:%H:%M} 截止"

    def periods(self) -> list[Period]:
        """Every period of the plan year, in order (the first starts on 1 January, the last ends
        on 31 December)."""
        first, last = date(self.year, 1, 1), date(self.year, 12, 31)
        out: list[Period] = []
        start = first
        while start <= last:
            if self.rhythm == "monthly":
                end = date(start.year, start.month, monthrange(start.year, start.month)[1])
            else:
                end = start + timedelta(days=(self.cutoff_weekday - start.weekday()) % 7)
            end = min(end, last)
            out.append(Period(len(out) + 1, start, end))
            start = end + timedelta(days=1)
        return out

    def period_of(self, day: date) -> Period:
        """The period ``day`` falls in (days outside the year: the first or last period)."""
        periods = self.periods()
        return next(
            (p for p in periods if p.start <= day <= p.end), periods[0] if day < periods[0].start else periods[-1]
        )

    def closed(self, period: Period) -> bool:
        return self.closed_through is not None and period.end <= self.closed_through

    def open_period(self, today: date) -> Period | None:
        """The period reports are written for now: the one after the last closed period, or, before
        any is closed, the one of ``today``'s date (within the year). None once all are closed."""
        if self.closed_through is not None:
            if self.closed_through >= date(self.year, 12, 31):
                return None
            return self.period_of(self.closed_through + timedelta(days=1))
        return self.period_of(min(max(today, date(self.year, 1, 1)), date(self.year, 12, 31)))

    def this_period(self, today: date) -> Period:
        """本期 for reporting discipline (未报送, 催报, 本期已报): the open period, or the year's last
        once every period is closed."""
        return self.open_period(today) or self.periods()[-1]

    def close_blocker(self, today: date) -> str | None:
        """Why the open period cannot be closed on ``today``, in words for the office (None: it can
        be closed): its cut-off day has not come, sections are still reporting for it."""
        period = self.open_period(today)
        if period is None:
            return f"{self.year}年度的填报周期已全部关闭"
        if period.end <= today:
            return None
        wait = (period.end - today).days
        return (
            f"{period.name}（{period.days}）的截止时间是 {period.end.month}月{period.end.day}日"
            f"（{WEEKDAYS[period.end.weekday()]}）{self.cutoff_time:%H:%M}，还有 {wait} 天；"
            "截止日之前各科室仍在填报本期，到截止日才能关闭"
        )

    def as_of(self, today: date) -> date:
        """The dashboards' 统计日期: the office's pinned date, else the last closed period's cut-off
        day; before any period is closed, the last period ended by the calendar (or 1 January)."""
        if self.pinned_as_of is not None:
            return self.pinned_as_of
        if self.closed_through is not None:
            return self.closed_through
        ended = [p.end for p in self.periods() if p.end < today]
        return ended[-1] if ended else date(self.year, 1, 1)

    def report_day(self, today: date) -> date:
        """The date a new report is written for by default: the open period's cut-off day, or today
        if that is earlier; the year's last day once every period is closed."""
        period = self.open_period(today)
        return min(today, period.end) if period is not None else date(self.year, 12, 31)

    def cutoff(self, period: Period) -> datetime:
        return datetime.combine(period.end, self.cutoff_time)

    def problem(self, day: date, today: date) -> str | None:
        """Why a report dated ``day`` cannot be written now (None: it can)."""
        if day.year != self.year:
            return f"填报日期 {day} 不在方案年度 {self.year} 年内"
        if day > today:
            return f"填报日期 {day} 晚于今天（{today}）"
        period = self.open_period(today)
        if period is not None and day > period.end:
            return (
                f"填报日期 {day} 晚于本期{period.label}的截止日：请按本期截止日（{period.end}）或之前的情况填报，"
                "下一期开始后再报之后的进展"
            )
        return None

    def late(self, day: date, now: datetime) -> bool:
        """A report is late (迟报) when its period is closed, or its cut-off has passed."""
        period = self.period_of(day)
        return self.closed(period) or now > self.cutoff(period)

    def status(self, day: date) -> str:
        """Which period a 统计日期 belongs to and whether it is closed: for every page's sidebar."""
        period = self.period_of(day)
        state = "已关闭" if self.closed(period) else "未关闭"
        pinned = "（绩效办指定）" if self.pinned_as_of == day else ""
        return f"{period.label} · {state}{pinned}"


def calendar(store: Database, plan_id: int) -> Calendar:
    """A plan's reporting calendar and its state (the defaults until the office sets them)."""
    year = store.scalar("SELECT year FROM plans WHERE plan_id = ?", [plan_id])
    if year is None:
        raise StoreError(f"方案 {plan_id} 不存在")
    row = store.rows(
        "SELECT rhythm, cutoff_weekday, cutoff_time, closed_through, pinned_as_of FROM reporting_settings "
        "WHERE plan_id = ?",
        [plan_id],
    )
    if not row:
        return Calendar(int(year))
    rhythm, weekday, cutoff, closed, pinned = row[0]
    return Calendar(int(year), rhythm, int(weekday), cutoff, closed, pinned)


def default_as_of(store: Database, plan_id: int, today: date | None = None) -> date:
    """The 统计日期 every page, the meeting screen and the CLI open a plan at (see Calendar.as_of)."""
    return calendar(store, plan_id).as_of(today or date.today())


def period_table(store: Database, plan_id: int, rules: Calendar, today: date | None = None) -> pd.DataFrame:
    """Every period up to the open one, newest first: dates, closed or not, how many reports (and
    how many late) and from how many sections (demo reports included)."""
    today = today or date.today()
    counts = store.query(
        "SELECT report_date, count(*)::INTEGER AS n, count(*) FILTER (WHERE late)::INTEGER AS late, "
        "list(DISTINCT reporter) AS who FROM progress WHERE plan_id = $plan_id GROUP BY report_date",
        {"plan_id": plan_id},
    )
    open_now = rules.open_period(today)
    rows = []
    for p in rules.periods():
        if open_now is not None and p.start > open_now.end:
            break
        days = counts[(counts["report_date"] >= pd.Timestamp(p.start)) & (counts["report_date"] <= pd.Timestamp(p.end))]
        rows.append(
            {
                "周期": f"第{p.number}期",
                "起止": f"{p.start:%m-%d} 至 {p.end:%m-%d}",
                "状态": "已关闭" if rules.closed(p) else "本期" if p == open_now else "未关闭",
                "报送条数": int(days["n"].sum()),
                "其中迟报": int(days["late"].sum()),
                "报送科室": len({w for who in days["who"] for w in who}),
            }
        )
    return pd.DataFrame(rows[::-1], columns=["周期", "起止", "状态", "报送条数", "其中迟报", "报送科室"])


def period_reports(store: Database, plan_id: int, start: date, end: date) -> pd.DataFrame:
    """The reports dated in the reporting period ``start``–``end``, per reporter (a section, or the
    office entering for one): how many, on how many targets, how many late, the last report day;
    most first. For the open period these are the reports waiting: the dashboards, whose 统计日期
    is the last closed cut-off, show them once the office closes the period."""
    return store.query(
        "SELECT reporter, count(*)::INTEGER AS reports, count(DISTINCT code)::INTEGER AS targets, "
        "count(*) FILTER (WHERE late)::INTEGER AS late, max(report_date) AS last_day FROM progress "
        "WHERE plan_id = $p AND report_date >= $start AND report_date <= $end "
        "GROUP BY reporter ORDER BY reports DESC, reporter",
        {"p": plan_id, "start": start, "end": end},
    )


class PeriodWrites:
    """The office's reporting rhythm, closing and reopening periods, and pinning the dashboards'
    date (part of perfdash.store.Store)."""

    def set_rhythm(
        self: Database, plan_id: int, rhythm: str, cutoff_weekday: int, cutoff_time: time, actor: Actor
    ) -> None:
        """Weekly (to ``cutoff_weekday``, 0 = Monday) or monthly, to ``cutoff_time`` on the cut-off day."""
        if rhythm not in RHYTHMS:
            raise StoreError(f"填报周期应为{'或'.join(RHYTHMS.values())}")
        if not 0 <= int(cutoff_weekday) <= 6:
            raise StoreError("截止日应为周一至周日之一")
        before = calendar(self, plan_id)
        with self.write(actor, roles={"office"}, what="设置填报周期", plan_id=plan_id) as w:
            _save(
                w,
                plan_id,
                actor,
                replace(before, rhythm=rhythm, cutoff_weekday=int(cutoff_weekday), cutoff_time=cutoff_time),
            )
            w.audit(
                "设置填报周期",
                "reporting_settings",
                str(plan_id),
                {"周期": before.describe()},
                {"周期": Calendar(before.year, rhythm, int(cutoff_weekday), cutoff_time).describe()},
            )

    def close_period(
        self: Database,
        plan_id: int,
        actor: Actor,
        today: date | None = None,
        through: date | None = None,
        early_reason: str | None = None,
    ) -> Period:
        """Close the open period — or every period up to the one holding ``through`` (catching up) —
        once its cut-off day has come: the dashboards move to it, and reports for it after that are
        late. Before its cut-off day only with ``early_reason`` (提前关闭), kept in the audit log.
        Returns the last period closed."""
        require_role(actor, {"office"}, "关闭填报周期")
        today = today or date.today()
        current = calendar(self, plan_id)
        period = current.open_period(today)
        if period is None:
            raise StoreError(f"{current.year}年度的填报周期已全部关闭")
        if through is not None:
            period = current.period_of(through)
            if current.closed(period):
                raise StoreError(f"{period.label}已经关闭")
        early = period.end > today
        if early and not (early_reason or "").strip():
            raise StoreError(f"{period.label}还没到截止日（{period.end}），不能关闭；确需提前关闭的，请说明理由")
        reason = bounded("提前关闭的理由", early_reason, "note") if early else ""
        with self.write(actor, roles={"office"}, what="关闭填报周期", plan_id=plan_id) as w:
            _save(w, plan_id, actor, replace(current, closed_through=period.end))
            after = {"已关闭至": period.end.isoformat()}
            if early:
                after |= {"提前关闭": f"{today.isoformat()}（截止日 {period.end.isoformat()} 之前）", "理由": reason}
            w.audit(
                "提前关闭填报周期" if early else "关闭填报周期",
                "reporting_settings",
                period.label,
                {"已关闭至": _day(current.closed_through)},
                after,
            )
        return period

    def reopen_period(self: Database, plan_id: int, actor: Actor) -> Period:
        """Reopen the last closed period (a mistaken close)."""
        current = calendar(self, plan_id)
        if current.closed_through is None:
            raise StoreError("还没有关闭任何填报周期")
        period = current.period_of(current.closed_through)
        before = period.start - timedelta(days=1)
        closed = before if before.year == current.year else None
        with self.write(actor, roles={"office"}, what="重新打开填报周期", plan_id=plan_id) as w:
            _save(w, plan_id, actor, replace(current, closed_through=closed))
            w.audit(
                "重新打开填报周期",
                "reporting_settings",
                period.label,
                {"已关闭至": _day(current.closed_through)},
                {"已关闭至": _day(closed)},
            )
        return period

    def pin_as_of(self: Database, plan_id: int, day: date | None, actor: Actor) -> None:
        """The office's explicit 统计日期 for every dashboard (None: back to the last closed period)."""
        current = calendar(self, plan_id)
        if day is not None and day.year != current.year:
            raise StoreError(f"统计日期应在方案年度 {current.year} 年内")
        with self.write(actor, roles={"office"}, what="指定统计日期", plan_id=plan_id) as w:
            _save(w, plan_id, actor, replace(current, pinned_as_of=day))
            w.audit(
                "指定统计日期",
                "reporting_settings",
                str(plan_id),
                {"指定统计日期": _day(current.pinned_as_of)},
                {"指定统计日期": _day(day)},
            )


def _save(w: Write, plan_id: int, actor: Actor, new: Calendar) -> None:
    """Write a plan's reporting settings as ``new`` says (the row is made when missing)."""
    w.execute(
        "INSERT INTO reporting_settings (plan_id, rhythm, cutoff_weekday, cutoff_time, closed_through, pinned_as_of, "
        "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp) ON CONFLICT (plan_id) DO UPDATE SET "
        "rhythm = excluded.rhythm, cutoff_weekday = excluded.cutoff_weekday, cutoff_time = excluded.cutoff_time, "
        "closed_through = excluded.closed_through, pinned_as_of = excluded.pinned_as_of, "
        "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        [plan_id, new.rhythm, new.cutoff_weekday, new.cutoff_time, new.closed_through, new.pinned_as_of, actor.label],
    )


def _day(d: date | None) -> str:
    return d.isoformat() if d else "—"
