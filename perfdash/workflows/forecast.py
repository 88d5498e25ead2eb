"""The year-end forecast: each target's completion carried along its own recent pace to the end of
the year, with an uncertainty that grows with the time left and with the target's own history; a
Monte Carlo over every target (with a shock common to all) giving the distribution of the total and
the probability of each grade; the points at risk; and a backtest of all of it against what
happened (coverage of the 80% interval, Brier score of the grade probabilities)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from perfdash.core import fmt
from perfdash.db.database import Database
from perfdash.workflows.scoring import Adjustment, Rules, grade, months_late, percent_of, target_scores

RECENT_WEEKS = 8  # the pace is fitted on the reports of the last eight weeks
# Calibrated by backtest (README, 年终预测): a pace wanders by about this many percentage points a
# week; without it an interval knows only the scatter of past reports and is far too narrow.
DRIFT_SD_PER_WEEK = 1.1
NO_HISTORY_SD = 20.0  # fewer than two recent reports: the pace is a guess
MIN_SD, MAX_SD = 1.0, 45.0  # percentage points
STATUS_EXTRA_SD = {"有风险": 10.0, "已暂停": 15.0, "未开始": 8.0}
COMMON_SHOCK = 0.2  # share of each target's variance shared by all (a bureau's good or bad year)
DRAWS = 10_000
SEED = 2025  # the simulation's fixed seed: the same draws on every page, the meeting screen and the CLI
INTERVAL = (0.1, 0.9)  # the 80% interval
Z90 = 1.2815515655446004  # the standard normal's 90th percentile


@dataclass
class Simulation:
    """Monte Carlo draws of the year-end total."""

    totals: np.ndarray  # one total per draw
    scores: np.ndarray  # draws × targets
    grade_probability: dict[str, float]
    base_total: float  # the point forecast: the median of the draws, rounded as scores are
    base_grade: str = ""  # its grade (a veto caps it), as every page and the CLI show it

    def without_scores(self) -> Simulation:
        """The same simulation without the per-target draws (draws × targets, 5 MB at 10,000
        draws and 61 targets): what a page keeps once points_at_risk has used them."""
        return replace(self, scores=self.scores[:0])

    def interval(self) -> tuple[float, float]:
        """The 80% interval of the total."""
        lo, hi = np.quantile(self.totals, INTERVAL)
        return float(lo), float(hi)


def year_end(state: pd.DataFrame) -> date:
    """The day a forecast is for: the end of the plan year (the year of its deadlines)."""
    return date(int(pd.to_datetime(state["deadline"]).max().year), 12, 31)


# Each target's pace over the recent weeks, of one plan ($plan_id) or several ($plan_ids): a
# least-squares line through its reports (see target_forecast).
_PACE_SQL = """
    WITH recent AS (
        SELECT plan_id, code, completion_pct::DOUBLE AS y, epoch(report_date::TIMESTAMP) / 86400.0 AS x
        FROM progress
        WHERE {plans} AND report_date > $since AND report_date <= $as_of
    ),
    line AS (
        SELECT plan_id, code, count(*)::INTEGER AS n, regr_slope(y, x) AS pace_per_day, regr_intercept(y, x) AS b,
               regr_sxx(y, x) AS sxx
        FROM recent GROUP BY plan_id, code
    )
    SELECT l.plan_id, l.code, l.n, coalesce(l.pace_per_day, 0) AS pace_per_day, l.sxx,
           coalesce(stddev_samp(r.y - (l.b + l.pace_per_day * r.x)), 0) AS residual_sd
    FROM line l JOIN recent r USING (plan_id, code)
    GROUP BY l.plan_id, l.code, l.n, l.pace_per_day, l.sxx
"""


def paces(store: Database, plan_ids: list[int], as_of: date) -> dict[int, pd.DataFrame]:
    """Each plan's pace fits (n, pace_per_day, sxx, residual_sd by code) from the reports of the
    RECENT_WEEKS weeks up to ``as_of``: what target_forecast reads, for several plans in one query
    (the city's table). A plan without recent reports gets an empty frame."""
    ids = [int(p) for p in plan_ids]
    one = len(ids) == 1
    sql = _PACE_SQL.replace("{plans}", "plan_id = $plan_id" if one else "list_contains($plan_ids, plan_id)")
    since = (pd.Timestamp(as_of) - pd.Timedelta(weeks=RECENT_WEEKS)).date()
    fits = store.query(sql, {"since": since, "as_of": as_of} | ({"plan_id": ids[0]} if one else {"plan_ids": ids}))
    by_plan = dict(iter(fits.groupby("plan_id", sort=False)))
    return {p: by_plan.get(p, fits.iloc[:0]).drop(columns="plan_id").set_index("code") for p in ids}


def target_forecast(
    store: Database,
    plan_id: int,
    state: pd.DataFrame,
    as_of: date,
    until: date | None = None,
    fixed: dict[str, float] | None = None,
    fits: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per target: the completion forecast for ``until`` (default the end of the plan year) and its
    uncertainty (percentage points, one s.d., before the forecast is kept between today's value
    and 100).

    Pace: least-squares slope of completion over the reports of the last RECENT_WEEKS weeks
    (points per day); with fewer than two, the average pace since 1 January. Uncertainty, with d
    the days left: sqrt(scatter² + (slope's standard error × d)² + DRIFT² × d / 7), plus an extra
    for 有风险 / 已暂停 / 未开始; NO_HISTORY_SD without a fitted pace. A complete target, or one
    with a ``fixed`` score (evaluated or self-assessed), is certain. ``fits``: the plan's
    ``paces`` at ``as_of`` when already read (the city's table reads every plan's at once)."""
    until = until or year_end(state)
    fits = fits if fits is not None else paces(store, [plan_id], as_of)[plan_id]
    out = state[["code", "group", "indicator_code", "points", "completion_pct", "status", "deadline"]].copy()
    current = out["completion_pct"].to_numpy(dtype=float)
    n = out["code"].map(fits["n"]).fillna(0).to_numpy(dtype=float)
    fitted = n >= 2
    elapsed = max((as_of - date(until.year, 1, 1)).days, 7)
    pace = np.where(
        fitted, out["code"].map(fits["pace_per_day"]).fillna(0.0).to_numpy(dtype=float), current / elapsed
    ).clip(min=0.0)
    resid = np.maximum(out["code"].map(fits["residual_sd"]).fillna(0.0).to_numpy(dtype=float), 1.0)
    sxx = out["code"].map(fits["sxx"]).fillna(0.0).to_numpy(dtype=float)
    slope_se = np.divide(resid, np.sqrt(sxx), out=np.zeros_like(resid), where=sxx > 0)
    days_left = float(max((until - as_of).days, 0))
    projected = np.clip(current + pace * days_left, current, 100.0)
    drift = DRIFT_SD_PER_WEEK**2 * days_left / 7.0
    sd = np.where(
        fitted,
        np.sqrt(resid**2 + (slope_se * days_left) ** 2 + drift),
        np.sqrt(NO_HISTORY_SD**2 + drift),
    )
    sd = np.clip(sd + out["status"].map(STATUS_EXTRA_SD).fillna(0.0).to_numpy(dtype=float), MIN_SD, MAX_SD)
    fixed_score = out["code"].map(fixed or {}).astype(float)
    certain = (current >= 100) | (days_left == 0) | fixed_score.notna().to_numpy()
    out["pace_per_week"] = pace * 7
    out["forecast_pct"] = np.round(np.where(fixed_score.notna(), current, projected), 1)
    out["forecast_sd"] = np.round(np.where(certain, 0.0, sd), 1)
    out["fixed_score"] = fixed_score
    # Lateness (when the rules deduct for it): the months a target is late if it finishes by today
    # (already incurred), and if it is still unfinished at ``until``.
    finished = state["finished_on"] if "finished_on" in state else pd.Series([pd.NaT] * len(state))
    out["late_now"] = months_late(finished, state["deadline"], as_of, state["completion_pct"])
    out["late_at_end"] = months_late(finished, state["deadline"], until, state["completion_pct"])
    return out


def target_interval(forecast: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each target's 80% interval of year-end completion (the normal kept between today and 100)."""
    mean = forecast["forecast_pct"].to_numpy(dtype=float)
    sd = forecast["forecast_sd"].to_numpy(dtype=float)
    floor = forecast["completion_pct"].to_numpy(dtype=float)
    return np.clip(mean - Z90 * sd, floor, 100.0), np.clip(mean + Z90 * sd, floor, 100.0)


def shocks(draws: int, targets: int, seed: int) -> np.ndarray:
    """The standard normal shocks of a simulation (draws × targets): a COMMON_SHOCK share common to
    all targets of a draw, the rest each target's own. The same for every plan with as many
    targets (the seed is fixed)."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((draws, 1))
    own = rng.standard_normal((draws, targets))
    return np.sqrt(COMMON_SHOCK) * common + np.sqrt(1 - COMMON_SHOCK) * own


def simulate(
    forecast: pd.DataFrame,
    rules: Rules | None = None,
    adjustments: list[Adjustment] | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    z: np.ndarray | None = None,
) -> Simulation:
    """Draw every target's year-end completion (normal around its forecast, a COMMON_SHOCK share
    of it common to all targets, kept between today's value and 100), score each draw under the
    rules (fixed scores stay), and add the adjustments. Reproducible by seed. ``z``: the
    ``shocks`` of (draws, targets, seed) when already drawn (the city's table draws them once for
    all plans with as many targets)."""
    rules = rules or Rules()
    adjustments = adjustments or []
    mean = forecast["forecast_pct"].to_numpy(dtype=float)
    sd = forecast["forecast_sd"].to_numpy(dtype=float)
    floor = forecast["completion_pct"].to_numpy(dtype=float)
    points = forecast["points"].to_numpy(dtype=float)
    z = z if z is not None else shocks(draws, len(mean), seed)
    # mean + sd × z kept between today's value and 100, in place (each draws × targets temporary
    # costs as much as the arithmetic).
    sample = sd * z
    sample += mean
    np.clip(sample, floor, 100.0, out=sample)
    if rules.late_share_per_month > 0 and "late_now" in forecast:
        # A draw that finishes the target keeps the lateness incurred by today; one that does not
        # is late until the year's end.
        now = forecast["late_now"].to_numpy(dtype=float)
        end = forecast["late_at_end"].to_numpy(dtype=float)
        late = np.where(sample >= 100.0, now, end)
    else:
        late = np.zeros(())  # no lateness in any draw
    scores = target_scores(np.broadcast_to(points, sample.shape), sample, late, rules)
    if "fixed_score" in forecast:
        fixed = forecast["fixed_score"].to_numpy(dtype=float)
        np.copyto(scores, fixed, where=~np.isnan(fixed))
    offset = sum(a.points for a in adjustments if a.kind == "bonus") - sum(
        a.points for a in adjustments if a.kind == "deduction"
    )
    totals = scores.sum(axis=1) + offset
    vetoed = any(a.kind == "veto" for a in adjustments)
    median = fmt.round_score(float(np.median(totals)))
    return Simulation(
        totals=totals,
        scores=scores,
        grade_probability=grade_probabilities(totals, rules, vetoed, float(points.sum())),
        base_total=median,
        base_grade=grade(median, rules, vetoed, float(points.sum())),
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
    lost = points * (1 - forecast["forecast_pct"].to_numpy(dtype=float) / 100.0)
    if "fixed_score" in forecast:  # an evaluated or self-assessed score is what it is
        fixed = forecast["fixed_score"].to_numpy(dtype=float)
        lost = np.where(np.isnan(fixed), lost, points - fixed)
    out["expected_lost"] = np.round(lost, 2)
    out["top_grade_lift"] = np.round(lifted, 4)
    out.attrs["top_grade"] = name
    out.attrs["top_grade_probability"] = base
    return out.sort_values(["expected_lost", "top_grade_lift"], ascending=False).reset_index(drop=True)


def standing_forecast(
    store: Database,
    plan_id: int,
    state: pd.DataFrame,
    as_of: date,
    rules: Rules | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    *,
    settled: dict[str, float] | None = None,
    adjustments: list[Adjustment] | None = None,
    fits: pd.DataFrame | None = None,
    z: np.ndarray | None = None,
) -> tuple[pd.DataFrame, Simulation]:
    """The forecast every page, the meeting screen and the CLI show: from the one score's inputs
    (evaluated and self-assessed scores stay as they are) with the office's adjustments, under the
    plan's stored rules unless a simulation passes others. The city's table, which reads every
    plan's inputs at once, passes them (``settled``: evaluation.settled_scores, ``adjustments``,
    ``fits``: paces, ``z``: shocks); each left out is read here."""
    from perfdash.db import queries
    from perfdash.workflows import evaluation, official, scoring

    rules = rules if rules is not None else official.stored(store, plan_id).rules
    settled = settled if settled is not None else evaluation.settled_scores(store, plan_id)
    fc = target_forecast(store, plan_id, state, as_of, fixed=settled, fits=fits)
    if adjustments is None:
        adjustments = scoring.adjustments_of(queries.adjustments(store, plan_id))
    return fc, simulate(fc, rules, adjustments, draws, seed, z)


@dataclass
class Backtest:
    """How the forecast fared: for each past cut-off day, the year-end total forecast from what was
    known then against what happened by ``outcome_day``."""

    outcome_day: date
    weeks: pd.DataFrame  # as_of, weeks_left, forecast, low, high, actual, covered, target_coverage, p_top, brier
    target_coverage: float  # open targets' outcomes inside their 80% interval (all weeks pooled)
    total_coverage: float  # weeks whose total fell inside the 80% interval
    brier: float  # mean Brier score of the grade probabilities (0 perfect; 2 certain and wrong)
    checked: int  # (target, week) forecasts checked
    actual_total: float
    actual_grade: str


def backtest(
    store: Database,
    plan_id: int,
    year: int,
    rules: Rules | None = None,
    draws: int = 2_000,
    seed: int = SEED,
    outcome_day: date | None = None,
) -> Backtest:
    """Forecast the year end from every weekly cut-off of the history (from RECENT_WEEKS weeks after
    the first report to a week before ``outcome_day``, default the latest report) and compare with
    the state on ``outcome_day``. Progress alone: evaluated and self-assessed scores are left out,
    as they were not known in the weeks tested."""
    from perfdash.db import queries
    from perfdash.db.database import StoreError
    from perfdash.workflows import scoring

    rules = rules or Rules()
    first, latest = store.rows("SELECT min(report_date), max(report_date) FROM progress WHERE plan_id = ?", [plan_id])[
        0
    ]
    if latest is None:
        raise StoreError("还没有填报记录，无法回测")
    outcome_day = outcome_day or latest
    adjustments = scoring.adjustments_of(queries.adjustments(store, plan_id))
    outcome = queries.target_state(store, plan_id, outcome_day, year)
    result = scoring.score(outcome, rules, adjustments=adjustments)
    actual = outcome.set_index("code")["completion_pct"]
    names = [n for n, _ in sorted(rules.bands, key=lambda b: b[1], reverse=True)]
    days = [
        d for d in pd.date_range(first + timedelta(weeks=RECENT_WEEKS), outcome_day - timedelta(days=7), freq="7D").date
    ]
    rows, hits, checked = [], 0, 0
    for day in days:
        state = queries.target_state(store, plan_id, day, year)
        fc = target_forecast(store, plan_id, state, day, until=outcome_day)
        sim = simulate(fc, rules, adjustments, draws, seed)
        low, high = target_interval(fc)
        truth = fc["code"].map(actual).to_numpy(dtype=float)
        open_now = fc["completion_pct"].to_numpy(dtype=float) < 100
        inside = (truth >= low - 0.5) & (truth <= high + 0.5)  # reports are whole percents
        hits += int(inside[open_now].sum())
        checked += int(open_now.sum())
        lo, hi = sim.interval()
        probs = np.array([sim.grade_probability.get(n, 0.0) for n in names])
        onehot = np.array([n == result.grade for n in names], dtype=float)
        rows.append(
            {
                "as_of": day,
                "weeks_left": (outcome_day - day).days / 7,
                "forecast": sim.base_total,
                "low": lo,
                "high": hi,
                "actual": result.total,
                "covered": lo - 0.005 <= result.total <= hi + 0.005,
                "target_coverage": float(inside[open_now].mean()) if open_now.any() else float("nan"),
                "p_top": float(probs[0]),
                "brier": float(((probs - onehot) ** 2).sum()),
            }
        )
    weeks = pd.DataFrame(
        rows,
        columns=[
            "as_of",
            "weeks_left",
            "forecast",
            "low",
            "high",
            "actual",
            "covered",
            "target_coverage",
            "p_top",
            "brier",
        ],
    )
    return Backtest(
        outcome_day=outcome_day,
        weeks=weeks,
        target_coverage=hits / checked if checked else float("nan"),
        total_coverage=float(weeks["covered"].mean()) if len(weeks) else float("nan"),
        brier=float(weeks["brier"].mean()) if len(weeks) else float("nan"),
        checked=checked,
        actual_total=result.total,
        actual_grade=result.grade,
    )
