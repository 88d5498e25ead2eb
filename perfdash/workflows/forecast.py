"""The year-end forecast: each target's completion carried along its own recent pace, with an
uncertainty, and a vectorised Monte Carlo over every target giving the distribution of the total
score and the probability of each grade; and the points at risk."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from perfdash.db.database import Database
from perfdash.workflows.scoring import Adjustment, Rules, percent_of, share

RECENT_WEEKS = 8  # the pace is fitted on the reports of the last eight weeks
MIN_SD, MAX_SD = 2.0, 25.0  # percentage points
STATUS_EXTRA_SD = {"有风险": 10.0, "已暂停": 15.0, "未开始": 8.0}
DRAWS = 10_000


@dataclass
class Simulation:
    """Monte Carlo draws of the year-end total."""

    totals: np.ndarray  # one total per draw
    scores: np.ndarray  # draws × targets
    grade_probability: dict[str, float]
    base_total: float  # the total at the forecast means

    def without_scores(self) -> Simulation:
        """The same simulation without the per-target draws (draws × targets, 5 MB at 10,000
        draws and 61 targets): what a page keeps once points_at_risk has used them."""
        return replace(self, scores=self.scores[:0])


def target_forecast(store: Database, plan_id: int, state: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Per target: the year-end completion forecast (recent pace carried to the deadline, capped
    0–100 and never below today's) and its uncertainty (percentage points, one s.d.).

    Pace: least-squares slope of completion over the reports of the last RECENT_WEEKS weeks
    (points per day). Uncertainty: the scatter of those reports around the line, grown with the
    square root of the weeks left, plus an extra for 有风险 / 已暂停 / 未开始; 0 once complete."""
    since = pd.Timestamp(as_of) - pd.Timedelta(weeks=RECENT_WEEKS)
    fits = store.query(
        """
        WITH recent AS (
            SELECT code, completion_pct::DOUBLE AS y, epoch(report_date::TIMESTAMP) / 86400.0 AS x
            FROM progress
            WHERE plan_id = $plan_id AND report_date > $since AND report_date <= $as_of
        ),
        line AS (
            SELECT code, count(*)::INTEGER AS n, regr_slope(y, x) AS pace_per_day, regr_intercept(y, x) AS b
            FROM recent GROUP BY code
        )
        SELECT l.code, l.n, coalesce(l.pace_per_day, 0) AS pace_per_day,
               coalesce(stddev_samp(r.y - (l.b + l.pace_per_day * r.x)), 0) AS residual_sd
        FROM line l JOIN recent r USING (code)
        GROUP BY l.code, l.n, l.pace_per_day
        """,
        {"plan_id": plan_id, "since": since.date(), "as_of": as_of},
    ).set_index("code")
    out = state[["code", "group", "indicator_code", "points", "completion_pct", "status", "deadline"]].copy()
    pace = out["code"].map(fits["pace_per_day"]).fillna(0.0).clip(lower=0.0).to_numpy(dtype=float)
    resid = out["code"].map(fits["residual_sd"]).fillna(0.0).to_numpy(dtype=float)
    deadline = pd.to_datetime(out["deadline"])
    days_left = np.maximum((deadline - pd.Timestamp(as_of)).dt.days.to_numpy(dtype=float), 0.0)
    current = out["completion_pct"].to_numpy(dtype=float)
    projected = np.clip(current + pace * days_left, current, 100.0)
    extra = out["status"].map(STATUS_EXTRA_SD).fillna(0.0).to_numpy(dtype=float)
    sd = np.clip(np.maximum(resid, 1.0) * np.sqrt(days_left / 7.0 + 1.0) + extra, MIN_SD, MAX_SD)
    sd = np.where((current >= 100) | (days_left == 0), 0.0, sd)
    out["pace_per_week"] = pace * 7
    out["forecast_pct"] = np.round(projected, 1)
    out["forecast_sd"] = np.round(sd, 1)
    return out


def simulate(
    forecast: pd.DataFrame,
    rules: Rules | None = None,
    adjustments: list[Adjustment] | None = None,
    draws: int = DRAWS,
    seed: int = 2025,
) -> Simulation:
    """Draw every target's year-end completion (normal around its forecast, kept between today's
    value and 100), score each draw under the rules, and add the adjustments. Reproducible by seed."""
    rules = rules or Rules()
    adjustments = adjustments or []
    rng = np.random.default_rng(seed)
    mean = forecast["forecast_pct"].to_numpy(dtype=float)
    sd = forecast["forecast_sd"].to_numpy(dtype=float)
    floor = forecast["completion_pct"].to_numpy(dtype=float)
    points = forecast["points"].to_numpy(dtype=float)
    sample = np.clip(mean + sd * rng.standard_normal((draws, len(mean))), floor, 100.0)
    scores = points * share(sample, rules)
    offset = sum(a.points for a in adjustments if a.kind == "bonus") - sum(
        a.points for a in adjustments if a.kind == "deduction"
    )
    totals = scores.sum(axis=1) + offset
    vetoed = any(a.kind == "veto" for a in adjustments)
    return Simulation(
        totals=totals,
        scores=scores,
        grade_probability=grade_probabilities(totals, rules, vetoed, float(points.sum())),
        base_total=float((points * share(mean, rules)).sum() + offset),
    )


def grade_probabilities(
    totals: np.ndarray, rules: Rules, vetoed: bool = False, possible: float = 100.0
) -> dict[str, float]:
    """Share of draws in each grade band (bands in percent of the plan's ``possible`` points),
    best band first (a veto moves draws down to its cap)."""
    bands = sorted(rules.bands, key=lambda b: b[1], reverse=True)
    names = [n for n, _ in bands]
    pct = percent_of(np.asarray(totals, dtype=float), possible)
    index = np.full(len(totals), len(bands) - 1)
    for i in range(len(bands) - 1, -1, -1):  # best band last, so it wins
        index = np.where(pct >= bands[i][1] - 1e-9, i, index)
    if vetoed:
        index = np.maximum(index, names.index(rules.veto_grade))
    counts = np.bincount(index, minlength=len(bands))
    return {name: float(counts[i]) / len(totals) for i, name in enumerate(names)}


def points_at_risk(forecast: pd.DataFrame, sim: Simulation, rules: Rules, top_grade: str | None = None) -> pd.DataFrame:
    """The office's to-do list: targets by expected points lost (points × (1 − forecast)) and by
    how much finishing each one would raise the probability of the top grade (same draws)."""
    bands = sorted(rules.bands, key=lambda b: b[1], reverse=True)
    name, cut_pct = next((b for b in bands if b[0] == top_grade), bands[0])
    points = forecast["points"].to_numpy(dtype=float)
    cut = cut_pct / 100.0 * float(points.sum())  # the band in the plan's own points
    base = float((sim.totals >= cut - 1e-9).mean())
    # Finish target t in every draw: the total gains points_t − score_t of that draw.
    rescued = sim.totals[:, None] - sim.scores + points[None, :]
    lifted = (rescued >= cut - 1e-9).mean(axis=0) - base
    out = forecast[
        ["code", "group", "indicator_code", "points", "completion_pct", "forecast_pct", "forecast_sd"]
    ].copy()
    out["expected_lost"] = np.round(points * (1 - forecast["forecast_pct"].to_numpy(dtype=float) / 100.0), 2)
    out["top_grade_lift"] = np.round(lifted, 4)
    out.attrs["top_grade"] = name
    out.attrs["top_grade_probability"] = base
    return out.sort_values(["expected_lost", "top_grade_lift"], ascending=False).reset_index(drop=True)
