"""Deadlines and time: 序时进度 (expected progress), lag behind it, and the lag status."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from perfdash.core.settings import lag_thresholds

# Derived lag statuses, from best to worst.
DONE, ON_TRACK, YELLOW, RED, OVERDUE = "已完成", "正常", "黄色滞后", "红色滞后", "逾期未完成"
LAG_STATUSES: tuple[str, ...] = (DONE, ON_TRACK, YELLOW, RED, OVERDUE)
LAG_COLORS: dict[str, str] = {
    DONE: "#2e7d32",
    ON_TRACK: "#66bb6a",
    YELLOW: "#f9a825",
    RED: "#e53935",
    OVERDUE: "#8e0000",
}
LATE_STATUSES: tuple[str, ...] = (YELLOW, RED, OVERDUE)

LAG_RULE = (
    "序时进度 = 自年初到统计日已过时间 ÷ 自年初到完成时限的总时间；"
    "落后序时进度 {yellow:g}–{red:g} 个百分点为黄色滞后，超过 {red:g} 个百分点或逾期未完成为红色。"
)


def plan_start(year: int) -> date:
    """The plan year's first day: 序时进度 runs from here to each target's deadline."""
    return date(year, 1, 1)


def expected_pct(as_of: date | pd.Series, deadline: pd.Series, year: int) -> np.ndarray:
    """序时进度 in percent: the share of each target's time, from the plan year's start to its
    deadline, elapsed at ``as_of`` (one date, or one per row), capped to 0–100, one decimal."""
    start = pd.Timestamp(plan_start(year))
    deadline = pd.to_datetime(pd.Series(deadline)).reset_index(drop=True)
    when = pd.to_datetime(as_of.reset_index(drop=True)) if isinstance(as_of, pd.Series) else pd.Timestamp(as_of)
    total = (deadline - start).dt.days.to_numpy(dtype=float)
    elapsed = (
        (when - start).dt.days if isinstance(when, pd.Series) else pd.Series([(when - start).days] * len(deadline))
    )
    elapsed = elapsed.to_numpy(dtype=float)
    due = (when >= deadline).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, np.clip(elapsed / total, 0.0, 1.0), due)
    return np.round(share * 100, 1)


def milestone_expected(as_of: date, milestones: list, year: int) -> float:
    """序时进度 of a target split into milestones (节点): the share of milestone weight due by
    ``as_of``, rising linearly from the previous milestone (or 1 January) to each one."""
    marks = sorted(((pd.Timestamp(m["due_date"]).date(), float(m["weight"])) for m in milestones), key=lambda m: m[0])
    total = sum(w for _, w in marks)
    if total <= 0:
        return 0.0
    days = [(plan_start(year) - plan_start(year)).days] + [(d - plan_start(year)).days for d, _ in marks]
    shares = [0.0]
    for _, w in marks:
        shares.append(shares[-1] + w / total)
    return float(np.round(np.interp((as_of - plan_start(year)).days, days, shares) * 100, 1))


def expected_with_milestones(
    when: pd.Series, deadline: pd.Series, milestones: pd.Series | None, year: int
) -> np.ndarray:
    """序时进度 per row at ``when``: along the row's milestones (节点) where it has some, else the
    straight line to its deadline. Every view (state, weeks, trend, timeline) computes it here."""
    when = pd.to_datetime(pd.Series(when)).reset_index(drop=True)
    expected = expected_pct(when, deadline, year) if len(when) else np.array([], dtype=float)
    if milestones is not None:
        for i, marks in enumerate(milestones):
            if isinstance(marks, (list, tuple, np.ndarray)) and len(marks):
                expected[i] = milestone_expected(when.iloc[i].date(), marks, year)
    return expected


def add_schedule(state: pd.DataFrame, as_of: date | pd.Series, year: int) -> pd.DataFrame:
    """Add expected_pct, lag_pct and lag_status to a target-state frame (vectorised). ``as_of`` is
    one date, or one per row (a week-by-week frame judges each row at its own week end)."""
    out = state.copy()
    deadline = pd.to_datetime(out["deadline"]).reset_index(drop=True)
    if isinstance(as_of, pd.Series):
        when = pd.to_datetime(as_of).reset_index(drop=True)
    else:
        when = pd.Series([pd.Timestamp(as_of)] * len(out), dtype="datetime64[ns]")
    completion = out["completion_pct"].to_numpy(dtype=float)
    expected = expected_with_milestones(when, deadline, out.get("milestones"), year)
    lag = np.round(expected - completion, 1)
    out["expected_pct"] = expected
    out["lag_pct"] = lag
    yellow, red = lag_thresholds()
    done = completion >= 100
    overdue = ~done & (deadline < when).to_numpy()
    out["lag_status"] = np.select(
        [done, overdue, lag > red, lag >= yellow], [DONE, OVERDUE, RED, YELLOW], default=ON_TRACK
    )
    return out


def lag_rule_text() -> str:
    yellow, red = lag_thresholds()
    return LAG_RULE.format(yellow=yellow, red=red)
