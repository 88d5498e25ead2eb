"""The weekly meeting screen (周会大屏): which week, the slides' content as plain data, and the
rotation. The weekly brief for the minutes is built from the slides by perfdash.present.exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from perfdash.core.schedule import DONE, LATE_STATUSES, ON_TRACK, OVERDUE, RED, YELLOW
from perfdash.db import queries, rollups
from perfdash.db.database import Database
from perfdash.workflows import forecast, official, periods, supervision

DUE_SOON_DAYS = 30
SLIDE_KEYS = ("headline", "week", "due", "ranking", "heatmap", "leaders")
SLIDE_TITLES = {
    "headline": "总体态势",
    "week": "本周变化",
    "due": "逾期与临期",
    "ranking": "科室排名",
    "heatmap": "截止分布",
    "leaders": "分管领导",
}
DEFAULT_SECONDS = 20
# 截止分布 by month says nothing when (nearly) every deadline is in one month, as in a plan whose
# targets all end on 31 December: from this share on, the slide shows the run-up to that month.
CLUSTER_SHARE = 0.8
MIN_SECONDS, MAX_SECONDS = 5, 600


@dataclass
class Week:
    """The meeting's 本周: one reporting period of the plan's calendar (periods.Period), from its
    first day to its cut-off day, as every page names it; the state shown is as of its cut-off day
    (or the 统计日期 inside it)."""

    start: date
    end: date
    number: int = 0  # its number among the plan year's periods (0: not known)

    @property
    def label(self) -> str:
        """第47期 11月15日—11月21日 (the dates as periods.Period.days writes them)."""
        days = periods.Period(self.number, self.start, self.end).days
        return f"第{self.number}期 {days}" if self.number else days


@dataclass
class Slide:
    """One slide: its key, title and the data it shows (frames and numbers)."""

    key: str
    title: str
    numbers: dict[str, object] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def week_of(day: date, calendar: periods.Calendar | None = None) -> Week:
    """The reporting period holding ``day`` in ``calendar`` (the plan's; without one, the default
    rhythm of ``day``'s year: weekly to Friday), as the meeting's week."""
    period = (calendar or periods.Calendar(day.year)).period_of(day)
    return Week(period.start, period.end, period.number)


def plan_week(store: Database, plan_id: int, day: date) -> Week:
    """The meeting's week holding ``day`` in the plan's own reporting calendar."""
    return week_of(day, periods.calendar(store, plan_id))


def parse_seconds(raw: str | None) -> int:
    """Seconds per slide from the URL (?every=…), kept within sensible bounds."""
    try:
        value = int(float(raw)) if raw else DEFAULT_SECONDS
    except ValueError:
        value = DEFAULT_SECONDS
    return min(max(value, MIN_SECONDS), MAX_SECONDS)


def week_changes(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What moved between two target-state frames: progress made, targets finished, targets that
    newly fell behind (on track or done before, late now)."""
    b = before.set_index("code")
    a = after.set_index("code")
    both = a.join(b[["completion_pct", "lag_status"]].add_suffix("_before"))
    moved = both[both["completion_pct"] > both["completion_pct_before"]].copy()
    moved["delta_pct"] = moved["completion_pct"] - moved["completion_pct_before"]
    finished = both[(both["completion_pct"] >= 100) & (both["completion_pct_before"] < 100)]
    fell = both[both["lag_status"].isin(LATE_STATUSES) & ~both["lag_status_before"].isin(LATE_STATUSES)]
    worse = both[(both["lag_status"].isin((RED, OVERDUE))) & both["lag_status_before"].isin((ON_TRACK, YELLOW, DONE))]
    fell = pd.concat([fell, worse[~worse.index.isin(fell.index)]])
    return {
        "moved": moved.sort_values("delta_pct", ascending=False).reset_index(),
        "finished": finished.reset_index(),
        "fell_behind": fell.reset_index(),
    }


def deadline_cluster(state: pd.DataFrame) -> tuple[pd.Timestamp | None, int]:
    """The month holding at least CLUSTER_SHARE of the targets' deadlines (完成时限), and how many
    fall in it; (None, 0) when they spread over the year (the month-by-month 截止分布 then)."""
    if state.empty:
        return None, 0
    months = pd.to_datetime(state["deadline"]).dt.to_period("M").value_counts()
    month, count = months.index[0], int(months.iloc[0])
    return (month.to_timestamp(), count) if count >= CLUSTER_SHARE * len(state) else (None, 0)


RUN_UP_COLUMNS = ["section", "due", "unfinished", "late", "completion_pct", "need_pct", "gain_pct"]


def run_up(now: pd.DataFrame, before: pd.DataFrame, month: pd.Timestamp, as_of: date) -> pd.DataFrame:
    """到期前冲刺: per section (牵头 or 协作, as the month-by-month 截止分布 counts a target), its
    targets due in ``month`` (``due``), the ones not finished (``unfinished``, of which ``late``
    滞后 or overdue), their average 完成率, the points a week each still needs to reach 100 % by
    its own deadline (``need_pct``: (100 − 完成率) ÷ the weeks left, at least one week), and what
    they gained in the week just closed (``gain_pct``, against ``before``). Sections with every
    such target finished are left out; the furthest behind their needed pace first."""
    due = now[pd.to_datetime(now["deadline"]).dt.to_period("M").dt.to_timestamp() == month].copy()
    gained = before.set_index("code")["completion_pct"].reindex(due["code"]).fillna(0.0).to_numpy()
    due["gain"] = due["completion_pct"].to_numpy() - gained
    weeks = ((pd.to_datetime(due["deadline"]) - pd.Timestamp(as_of)).dt.days / 7).clip(lower=1)
    due["need"] = (100 - due["completion_pct"].clip(upper=100)) / weeks
    due["open"] = due["completion_pct"] < 100
    due["is_late"] = due["open"] & due["lag_status"].isin(LATE_STATUSES)
    rows = due.explode("sections").rename(columns={"sections": "section"}).dropna(subset=["section"])
    rows = rows.drop_duplicates(["code", "section"])
    if rows.empty:
        return pd.DataFrame(columns=RUN_UP_COLUMNS)
    order = {s: n for n, s in enumerate(dict.fromkeys(rows["section"]))}
    counts = rows.groupby("section", sort=False).agg(due=("code", "size"), late=("is_late", "sum"))
    open_rows = rows[rows["open"]]
    means = open_rows.groupby("section", sort=False).agg(
        unfinished=("code", "size"),
        completion_pct=("completion_pct", "mean"),
        need_pct=("need", "mean"),
        gain_pct=("gain", "mean"),
    )
    out = means.join(counts).reset_index()
    out["_order"] = out["section"].map(order)
    out = out.sort_values(["need_pct", "_order"], ascending=[False, True], kind="stable")
    return out.astype({"due": "int64", "unfinished": "int64", "late": "int64"})[RUN_UP_COLUMNS].reset_index(drop=True)


def deadline_slide(now: pd.DataFrame, before: pd.DataFrame, as_of: date) -> Slide:
    """截止分布: the month-by-month map (drawn from weekly.due_matrix), or, when the deadlines
    cluster in one month (deadline_cluster), the run-up to it (run_up) with what its subtitle says."""
    month, count = deadline_cluster(now)
    numbers: dict[str, object] = {"mode": "months", "targets": len(now)}
    tables = {"state": now}
    if month is not None:
        sprint = run_up(now, before, month, as_of)
        due = pd.to_datetime(now["deadline"])
        last = due[due.dt.to_period("M").dt.to_timestamp() == month].max().date()
        sections = {s for secs in now.loc[due.dt.to_period("M").dt.to_timestamp() == month, "sections"] for s in secs}
        numbers.update(
            mode="run_up",
            month=month.month,
            in_month=count,
            deadline=last,
            days_left=(last - as_of).days,
            sections=len(sections),
            all_done=len(sections) - len(sprint),
        )
        tables["run_up"] = sprint
    return Slide("heatmap", SLIDE_TITLES["heatmap"], numbers=numbers, tables=tables)


def silent_names(silent: pd.DataFrame, budget: int) -> tuple[list[str], int]:
    """本期未报送科室: the names (of supervision.not_reported's frame, in its order) that fit in
    ``budget`` characters written one after another with 、, and how many did not (cut after a
    whole name: …等，另有 N 个)."""
    names = [str(s) for s in silent["section"]] if not silent.empty else []
    shown: list[str] = []
    for name in names:
        if len("、".join([*shown, name])) > budget and shown:
            break
        shown.append(name)
    return shown, len(names) - len(shown)


def build_slides(store: Database, plan_id: int, year: int, week: Week, as_of: date | None = None) -> list[Slide]:
    """Every slide's content for one week, a reporting period (plain data; the page only draws it).
    The state is as of ``as_of`` (default the period's cut-off day; the screen passes the 统计日期),
    compared with the state at the end of the period before (its changes: 本周变化)."""
    as_of = as_of or week.end
    now = queries.target_state(store, plan_id, as_of, year)
    before = queries.target_state(store, plan_id, week.start - timedelta(days=1), year)
    head = queries.headline(now)
    if not queries.reported(store, plan_id, as_of):  # nothing reported yet: no forecast, no red, one slide
        numbers = {"reported": 0, "targets": head["targets"], "possible": head["points"]}
        return [Slide("headline", SLIDE_TITLES["headline"], numbers=numbers)]
    # The forecast and counts every page shows (forecast.standing_forecast, queries.headline).
    stored = official.stored(store, plan_id)
    _, sim = forecast.standing_forecast(store, plan_id, now, as_of, stored.rules)
    counts = now["lag_status"].value_counts()
    headline = Slide(
        "headline",
        SLIDE_TITLES["headline"],
        numbers={
            "reported": len(now) - int(now["last_report"].isna().sum()),
            "projected_total": sim.base_total,
            "projected_grade": stored.grade_label(sim.base_grade),
            "possible": head["points"],
            "grade_probability": sim.grade_probability,
            "completion_pct": head["completion_pct"],
            "expected_pct": head["expected_pct"],
            "done": int(counts.get(DONE, 0)),
            "on_track": int(counts.get(ON_TRACK, 0)),
            "late": head["late"],  # 滞后, 逾期 included, as on 总览
            "overdue": head["overdue"],
            "targets": head["targets"],
            "completion_change": head["completion_pct"] - queries.weighted_completion(before),
        },
    )
    changes = week_changes(before, now)
    week_slide = Slide(
        "week",
        SLIDE_TITLES["week"],
        numbers={
            "moved": len(changes["moved"]),
            "finished": len(changes["finished"]),
            "fell_behind": len(changes["fell_behind"]),
        },
        tables=changes,
    )
    soon = as_of + timedelta(days=DUE_SOON_DAYS)
    deadline = pd.to_datetime(now["deadline"]).dt.date
    overdue = now[now["lag_status"] == OVERDUE]
    due = now[(now["completion_pct"] < 100) & (deadline > as_of) & (deadline <= soon)]
    open_orders = supervision.orders(store, plan_id, as_of)
    open_orders = open_orders[open_orders["level"] != supervision.CLOSED]
    due_slide = Slide(
        "due",
        SLIDE_TITLES["due"],
        numbers={"overdue": len(overdue), "due_soon": len(due), "horizon": soon, "orders": len(open_orders)},
        tables={"overdue": overdue, "due_soon": due.sort_values("deadline"), "orders": open_orders},
    )
    sections = rollups.by_section(now)
    ranking = Slide("ranking", SLIDE_TITLES["ranking"], tables={"sections": sections[sections["targets"] > 0]})
    heat = deadline_slide(now, before, as_of)
    leaders = Slide("leaders", SLIDE_TITLES["leaders"], tables={"leaders": rollups.by_leader(now)})
    return [headline, week_slide, due_slide, ranking, heat, leaders]


def advance(index: int, count: int, paused: bool, last: float | None, now: float, seconds: int) -> tuple[int, float]:
    """The slide to show and when it started: the first run shows ``index``; afterwards the slide
    moves on once ``seconds`` have passed (a little early is fine: the timer is not exact), unless
    paused. Returns (index, start time of that slide)."""
    if last is None:
        return index % count, now
    if paused:
        return index % count, now
    if now - last >= seconds * 0.8:
        return (index + 1) % count, now
    return index % count, last
