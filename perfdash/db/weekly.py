"""Week by week: each target's state at each week's end, the lag heatmap and the trend curves.

A week ends on Friday (the day sections report); the current week ends at the as-of date, so the
last column of every weekly view is the state the other pages show. Completion at a week's end is
the target's latest report on or before it (an ASOF JOIN of the progress log against the week
ends); 序时进度 comes from ``schedule.expected_with_milestones`` and the lag status follows
``schedule.add_schedule`` week by week (see ``_with_schedule``, and its test).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from perfdash.core.filters import Filters
from perfdash.core.schedule import LATE_STATUSES, add_schedule, expected_with_milestones, plan_start
from perfdash.db import queries
from perfdash.db.database import Database

FRIDAY = 4  # date.weekday()
ALL = "全部"  # the trend's overall row, next to the groups (目标组)
ORDERS: dict[str, str] = {"plan": "按方案顺序", "lag": "按当前滞后程度"}

# The week ends, capped at $as_of: Fridays from the plan year's first one; the current week ends
# at $as_of itself. $codes (NULL = every target) restricts the targets.
_STATE_CTE = (
    queries.WITH_MARKS  # noqa: S608 (constant SQL; values travel as $params)
    + """,
weeks AS (
    SELECT least(f::DATE, $as_of::DATE) AS week_end
    FROM generate_series($first_week::DATE::TIMESTAMP, ($as_of::DATE + 6)::TIMESTAMP, INTERVAL 7 DAY) AS g(f)
),
-- One report per target and day (a later correction of the same day wins, as in target_state).
reports AS (
    SELECT code, report_date,
           arg_max(completion_pct, progress_id)::DOUBLE AS completion_pct,
           arg_max(status, progress_id)                 AS status
    FROM progress
    WHERE plan_id = $plan_id AND report_date <= $as_of
    GROUP BY code, report_date
),
grid AS (
    SELECT t.code, t.seq, i.grp AS "group", t.indicator_code, t.target_text AS target,
           t.points::DOUBLE AS points, t.deadline, s.section AS lead_section,
           coalesce(s.person, '') AS lead_person, m.milestones, w.week_end
    FROM targets t
    JOIN indicators i USING (plan_id, indicator_code)
    LEFT JOIN target_sections s ON s.plan_id = t.plan_id AND s.code = t.code AND s.seq = 1
    LEFT JOIN marks m ON m.code = t.code  -- milestones replace the straight line (see schedule)
    CROSS JOIN weeks w
    WHERE t.plan_id = $plan_id
      AND ($codes::VARCHAR[] IS NULL OR list_contains($codes::VARCHAR[], t.code))
),
state AS (
    SELECT g.*, coalesce(r.completion_pct, 0) AS completion_pct,
           coalesce(r.status, '未开始') AS status, r.report_date AS last_report
    FROM grid g
    ASOF LEFT JOIN reports r ON g.code = r.code AND g.week_end >= r.report_date
)
"""
)

SQL: dict[str, str] = {
    # One row per target and week end.
    "target_weeks": _STATE_CTE  # noqa: S608 (constant SQL of this module; values travel as $params)
    + """
        SELECT code, "group", indicator_code, target, points, deadline, lead_section, lead_person,
               milestones, week_end, completion_pct, status, last_report
        FROM state
        ORDER BY week_end, seq
    """,
    # Points and points × completion per week, group, deadline and milestones: 序时进度 depends
    # only on those, so these rows are all the trend needs from the log.
    "trend_parts": _STATE_CTE  # noqa: S608 (as above)
    + """
        SELECT week_end, "group", deadline, milestones,
               count(*)::INTEGER                         AS targets,
               sum(points)                               AS points,
               sum(points * least(completion_pct, 100))  AS earned,
               min(seq)                                  AS first_seq
        FROM state
        GROUP BY week_end, "group", deadline, milestones
        ORDER BY week_end, first_seq, deadline
    """,
}


def first_week_end(year: int) -> date:
    """The plan year's first Friday: the end of its first week."""
    start = plan_start(year)
    return start + timedelta(days=(FRIDAY - start.weekday()) % 7)


def _params(plan_id: int, year: int, as_of: date, codes: list[str] | None) -> dict:
    return {
        "plan_id": plan_id,
        "as_of": as_of,
        "first_week": first_week_end(year),
        "codes": None if codes is None else list(codes),
    }


def filtered_codes(
    store: Database, plan_id: int, year: int, as_of: date, filters: Filters, state: pd.DataFrame | None = None
) -> list[str] | None:
    """The codes of the targets passing ``filters`` as they stand on ``as_of`` (a status filter
    judges the as-of state), or None when nothing is filtered. Pass the target-state frame
    (``queries.target_state``) when you have it; otherwise it is read only if needed."""
    if not filters.active:
        return None
    if state is None:
        state = queries.target_state(store, plan_id, as_of, year)
    return filters.apply(state)["code"].tolist()


def target_weeks(store: Database, plan_id: int, year: int, as_of: date, codes: list[str] | None = None) -> pd.DataFrame:
    """Each target at each week's end: completion (latest report on or before it), 序时进度
    (expected_pct), lag_pct and lag_status as they were then. One row per target and week."""
    if as_of < plan_start(year):
        codes = []  # no week of the plan year has ended: the same columns, no rows
    return _with_schedule(store.query(SQL["target_weeks"], _params(plan_id, year, as_of, codes)), year)


def _with_schedule(df: pd.DataFrame, year: int) -> pd.DataFrame:
    """``schedule.add_schedule`` with each row judged at its own week end."""
    return add_schedule(df, df["week_end"], year)


def lag_order(weeks: pd.DataFrame, by: str = "plan") -> list[str]:
    """Target codes in display order: plan order, or the most behind 序时进度 at the last week first
    (overdue before red before yellow, then by lag_pct)."""
    if weeks.empty:
        return []
    codes = list(dict.fromkeys(weeks["code"]))
    if by == "plan":
        return codes
    last = weeks[weeks["week_end"] == weeks["week_end"].max()].set_index("code").loc[codes]
    severity = {status: n for n, status in enumerate(reversed(LATE_STATUSES))}  # overdue 0, red 1, yellow 2
    rank = pd.DataFrame(
        {
            "severity": last["lag_status"].map(severity).fillna(len(severity)).to_numpy(),
            "lag": -last["lag_pct"].to_numpy(),
            "seq": np.arange(len(codes)),
        },
        index=codes,
    )
    return rank.sort_values(["severity", "lag", "seq"]).index.tolist()


def weekly_trend(store: Database, plan_id: int, year: int, as_of: date, codes: list[str] | None = None) -> pd.DataFrame:
    """Points-weighted completion and points-weighted 序时进度 at each week's end, overall
    (group 全部) and per group (目标组): week_end, group, targets, points, completion_pct,
    expected_pct, gap_pct (completion − expected)."""
    columns = ["week_end", "group", "targets", "points", "completion_pct", "expected_pct", "gap_pct"]
    if as_of < plan_start(year):
        return pd.DataFrame(columns=columns)
    parts = store.query(SQL["trend_parts"], _params(plan_id, year, as_of, codes))
    if parts.empty:
        return pd.DataFrame(columns=columns)
    expected = expected_with_milestones(parts["week_end"], parts["deadline"], parts["milestones"], year)
    parts["expected_points"] = parts["points"] * expected
    sums = ["targets", "points", "earned", "expected_points"]
    by_group = parts.groupby(["week_end", "group"], as_index=False)[sums].sum()
    overall = parts.groupby("week_end", as_index=False)[sums].sum().assign(group=ALL)
    out = pd.concat([overall, by_group], ignore_index=True)
    out["completion_pct"] = out["earned"] / out["points"]
    out["expected_pct"] = out["expected_points"] / out["points"]
    out["gap_pct"] = out["completion_pct"] - out["expected_pct"]
    in_plan_order = parts.sort_values("first_seq")["group"]
    rank = {g: n for n, g in enumerate((ALL, *dict.fromkeys(in_plan_order)))}  # the plan's own order
    out = out.assign(_rank=out["group"].map(rank).fillna(len(rank))).sort_values(["_rank", "week_end"])
    return out[columns].reset_index(drop=True)


def due_matrix(state: pd.DataFrame) -> pd.DataFrame:
    """Sections × deadline months from a target-state frame: targets and points falling due, how
    many of them are unfinished and how many at risk (滞后: yellow, red or overdue). A target
    counts for each of its sections, lead (牵头) or co (协作); lead_targets counts the lead ones."""
    columns = ["section", "month", "targets", "lead_targets", "points", "unfinished", "at_risk", "codes"]
    if state.empty:
        return pd.DataFrame(columns=columns)
    rows = state[["code", "sections", "deadline", "points", "completion_pct", "lag_status"]].copy()
    rows["lead"] = state["sections"].map(lambda secs: secs[0] if len(secs) else None)
    rows = rows.explode("sections").rename(columns={"sections": "section"})
    rows = rows.dropna(subset=["section"]).drop_duplicates(["code", "section"])
    rows["month"] = pd.to_datetime(rows["deadline"]).dt.to_period("M").dt.to_timestamp()
    rows["is_lead"] = rows["section"] == rows["lead"]
    rows["is_unfinished"] = rows["completion_pct"] < 100
    rows["is_at_risk"] = rows["lag_status"].isin(LATE_STATUSES)
    section_order = {s: n for n, s in enumerate(dict.fromkeys(rows["section"]))}
    out = rows.groupby(["section", "month"], as_index=False, sort=False).agg(
        targets=("code", "size"),
        lead_targets=("is_lead", "sum"),
        points=("points", "sum"),
        unfinished=("is_unfinished", "sum"),
        at_risk=("is_at_risk", "sum"),
        codes=("code", "、".join),
    )
    out = out.astype({"targets": "int64", "lead_targets": "int64", "unfinished": "int64", "at_risk": "int64"})
    out["points"] = out["points"].astype(float)
    out = out.assign(_rank=out["section"].map(section_order)).sort_values(["_rank", "month"])
    return out[columns].reset_index(drop=True)


def trend_at_end(trend: pd.DataFrame, weeks_back: int = 4) -> pd.DataFrame:
    """Each group's (and 全部's) last week: targets, points, completion_pct, expected_pct, gap_pct,
    and change_pct, the completion gained over the last ``weeks_back`` weeks."""
    columns = ["group", "targets", "points", "completion_pct", "expected_pct", "gap_pct", "change_pct"]
    if trend.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for group, part in trend.groupby("group", sort=False):
        part = part.sort_values("week_end")
        last = part.iloc[-1]
        before = part.iloc[max(0, len(part) - 1 - weeks_back)]
        rows.append({**last.to_dict(), "group": group, "change_pct": last["completion_pct"] - before["completion_pct"]})
    return pd.DataFrame(rows)[columns]
