"""What the city's table reads of every plan of a year, in a few queries instead of a few per plan
(100 plans × 61 targets × 52 weeks: per-plan reads would take seconds). Each reader gives, per
plan, exactly what the unit's own functions read — the target state (queries.target_states), the
score sheet's inputs (official.SheetInputs), the forecast's (forecast.paces, settled scores,
shocks) — so the unit's numbers are computed by the unit's own code (tests/test_city.py holds
each equal to the per-plan path). perfdash.workflows.city builds the table from them."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from perfdash.core import settings
from perfdash.db import queries
from perfdash.db.database import Database
from perfdash.plan import kpis as plan_kpis
from perfdash.workflows import claims, evaluation, forecast, official, periods, scoring

MEMO_ENTRIES = 2  # gathered cities kept (by data version): the table and the shared indicators share one
FIGURE_ENTRIES = 1_000  # plans' figures kept (by each plan's data): a write recomputes only its plan's
BATCH_FROM = 4  # plans to compute from which the set-based reads pay (fewer: each plan's own functions)


@dataclass(frozen=True)
class Figures:
    """One plan's numbers at a date, as its own 总览 and ``score --json`` give them."""

    head: dict  # queries.headline
    score: float | None  # official.score_sheet's total (None: a plan without targets)
    grade: str | None
    provisional: bool  # official.stored: nobody set the plan's rules
    has_reports: bool
    last_report: date | None
    self_assessed: int  # targets with a self-assessment (evaluation.assessments)
    indicators: pd.DataFrame  # rollups.by_indicator with each indicator's score on the sheet
    projected: float | None = None  # forecast.standing_forecast's median (None: not asked, nothing reported)
    projected_grade: str | None = None
    with_projection: bool = False  # whether the projection was asked for (None above is then an answer)


@dataclass
class Unit:
    """One plan of the year in the city's table."""

    plan_id: int
    unit: str
    calendar: periods.Calendar
    figures: Figures


@dataclass
class City:
    """Every plan of ``year`` read at ``as_of`` (by plan id), and the set-based counts beside them."""

    year: int
    as_of: date
    units: dict[int, Unit]
    reporting: pd.DataFrame  # by plan_id: sections_total, sections_reported, recent_reports
    orders: pd.DataFrame  # by plan_id: orders_open, orders_overdue
    gaps: dict[int, int | None] = field(default_factory=dict)  # evidence gaps from gaps_from, else None


_memo: OrderedDict[tuple, City] = OrderedDict()
_figures: OrderedDict[tuple, Figures] = OrderedDict()
_memo_lock = threading.Lock()


def clear_memo() -> None:
    """Forget every gathered city and plan figures (a benchmark's cold run)."""
    with _memo_lock:
        _memo.clear()
        _figures.clear()


def gather(store: Database, year: int, as_of: date, projected: bool = True) -> City:
    """Every plan of ``year`` at ``as_of``, with its figures and (``projected``) its year-end
    forecast. The last MEMO_ENTRIES cities are kept by the data version (any write makes them
    stale); each plan's figures by a fingerprint of every row that names the plan (``fingerprints``),
    so that after a write only the plans it touched are computed again."""
    where = store.path if store.path != ":memory:" else f":memory:{id(store)}"
    # The lag thresholds are settings (the environment), not data: a change of them is a new key too.
    where = (where, settings.lag_thresholds())
    version = store.version()
    key = (where, version, int(year), as_of, projected)
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    city = _gather(store, where, version, int(year), as_of, projected)
    with _memo_lock:
        _memo[key] = city
        while len(_memo) > MEMO_ENTRIES:
            _memo.popitem(last=False)
    return city


def _gather(store: Database, where: tuple, version: int, year: int, as_of: date, projected: bool) -> City:
    plans = store.query("SELECT plan_id, unit FROM plans WHERE year = $y ORDER BY unit", {"y": year})
    ids = [int(p) for p in plans["plan_id"]]
    prints = fingerprints(store, ids)
    keys = {p: (where, p, year, as_of, prints.get(p)) for p in ids}
    known: dict[int, Figures] = {}
    with _memo_lock:
        for p in ids:
            found = _figures.get(keys[p])
            if found is not None and (found.with_projection or not projected):
                _figures.move_to_end(keys[p])
                known[p] = found
    todo = [p for p in ids if p not in known]
    known |= (_batch if len(todo) >= BATCH_FROM else _one_by_one)(store, todo, year, as_of, projected)
    # A write while they were computed: figures read after it would be kept under the fingerprint
    # before it. Keep none then; the next call computes them again.
    keep = todo if store.version() == version else []
    with _memo_lock:
        for p in keep:
            _figures[keys[p]] = known[p]
        while len(_figures) > FIGURE_ENTRIES:
            _figures.popitem(last=False)
    calendars = calendars_of(store, ids, year)
    units = {p: Unit(p, str(u), calendars[p], known[p]) for p, u in zip(ids, plans["unit"], strict=True)}
    city = City(year, as_of, units, reporting(store, units, as_of), orders(store, ids, as_of))
    city.gaps = evidence_gaps(store, units, as_of)
    return city


def fingerprints(store: Database, ids: list[int]) -> dict[int, int]:
    """Per plan, a hash of every row of every table with a plan_id naming it (the catalog's list:
    a table added later counts too): equal fingerprints, equal figures."""
    tables = store.query(
        "SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = 'plan_id' AND schema_name = 'main' "
        "AND NOT internal AND database_name = current_database() ORDER BY 1"
    )["table_name"]
    if not ids or tables.empty:
        return {}
    # Table names from the catalog (never user input), quoted; the plans travel as a parameter.
    parts = " UNION ALL ".join(
        f"SELECT plan_id, '{t}' AS tbl, count(*) AS n, sum(hash(r)) AS h FROM \"{t}\" r "  # noqa: S608
        "WHERE list_contains($ids, plan_id) GROUP BY plan_id"
        for t in tables
    )
    found = store.query(
        f"SELECT plan_id, hash(list((tbl, n, h) ORDER BY tbl)) AS fp FROM ({parts}) GROUP BY plan_id",  # noqa: S608
        {"ids": ids},
    )
    return {int(p): int(f) for p, f in zip(found["plan_id"], found["fp"], strict=True)}


def figures(
    store: Database,
    plan_id: int,
    state: pd.DataFrame,
    as_of: date,
    rules: official.OfficialRules,
    inputs: official.SheetInputs,
    projected: bool,
    fits: pd.DataFrame | None = None,
    z: np.ndarray | None = None,
) -> Figures:
    """A plan's Figures from its target state, stored rules and sheet inputs, by the functions its
    own pages use (``fits`` and ``z``: the forecast's paces and shocks, when already read)."""
    head = queries.headline(state)
    has_reports = bool(state["last_report"].notna().any()) if not state.empty else False
    last = state["last_report"].max() if has_reports else None
    sheet = official.score_sheet(store, plan_id, state, as_of, rules.rules, inputs) if not state.empty else None
    indicators = _indicators(state, sheet)
    out = Figures(
        head=head,
        score=sheet.result.total if sheet is not None else None,
        grade=sheet.result.grade if sheet is not None else None,
        provisional=rules.provisional,
        has_reports=has_reports,
        last_report=pd.Timestamp(last).date() if last is not None else None,
        self_assessed=len(inputs.assessed),
        indicators=indicators,
        with_projection=projected,
    )
    if projected and has_reports:
        _, sim = forecast.standing_forecast(
            store,
            plan_id,
            state,
            as_of,
            rules.rules,
            settled=evaluation.settled_from(inputs.assessed, inputs.finals),
            adjustments=inputs.adjustments,
            fits=fits,
            z=z,
        )
        out = replace(out, projected=sim.base_total, projected_grade=sim.base_grade)
    return out


def _indicators(state: pd.DataFrame, sheet: official.ScoreSheet | None) -> pd.DataFrame:
    """Per indicator (一级指标), in plan order: its code, group, wording and points, the weighted
    completion 按指标 shows (rollups.by_indicator's: Σ points × completion capped at 100 ÷ Σ points)
    and its targets' scores on the score sheet. Only these sums: by_indicator's lag counts are not
    needed here."""
    keys = ["indicator_code", "group", "indicator", "indicator_points"]
    if state.empty or sheet is None:
        return pd.DataFrame(columns=[*keys, "completion_pct", "score"])
    points = state["points"].astype(float)
    work = pd.DataFrame(
        {
            "indicator_code": state["indicator_code"],
            "points": points,
            "_wc": points * state["completion_pct"].clip(upper=100),
            "score": sheet.result.targets["score"].to_numpy(dtype=float),
        }
    )
    # One key (the code names the indicator within a plan): the same groups and sums as by_indicator's,
    # in the order each first appears, as the labels below.
    sums = work.groupby("indicator_code", sort=False)[["points", "_wc", "score"]].sum()
    out = state[keys].drop_duplicates("indicator_code").reset_index(drop=True)
    points, weighted = sums["points"].to_numpy(), sums["_wc"].to_numpy()
    out["completion_pct"] = np.divide(weighted, points, out=np.zeros_like(weighted), where=points > 0)
    out["score"] = sums["score"].to_numpy()
    return out


def _one_by_one(store: Database, ids: list[int], year: int, as_of: date, projected: bool) -> dict[int, Figures]:
    """Figures of a few plans, each read by its own functions (as its pages read it)."""
    return {
        p: figures(
            store,
            p,
            queries.target_state(store, p, as_of, year),
            as_of,
            official.stored(store, p),
            official.sheet_inputs(store, p),
            projected,
        )
        for p in ids
    }


def _batch(store: Database, ids: list[int], year: int, as_of: date, projected: bool) -> dict[int, Figures]:
    """Figures of many plans from set-based reads: the target states, rules and sheet inputs of
    all of them in a few queries, the forecast's paces in one, its shocks drawn once per number of
    targets (the seed is fixed: every plan with as many targets draws the same)."""
    states = queries.target_states(store, ids, as_of, year)
    rules = stored_rules(store, ids)
    inputs = sheet_inputs(store, ids)
    fits = forecast.paces(store, ids, as_of) if projected else {}
    drawn: dict[int, np.ndarray] = {}
    out = {}
    for p in ids:
        n = len(states[p])
        if projected and n and n not in drawn:
            drawn[n] = forecast.shocks(forecast.DRAWS, n, forecast.SEED)
        out[p] = figures(store, p, states[p], as_of, rules[p], inputs[p], projected, fits.get(p), drawn.get(n))
    return out


def _split(frame: pd.DataFrame, ids: list[int]) -> dict[int, pd.DataFrame]:
    """A frame read for several plans, one frame per plan (without plan_id; empty where none)."""
    parts = {int(p): part for p, part in frame.groupby("plan_id", sort=False)}
    empty = frame.iloc[:0]
    return {p: parts.get(p, empty).drop(columns="plan_id").reset_index(drop=True) for p in ids}


def stored_rules(store: Database, ids: list[int]) -> dict[int, official.OfficialRules]:
    """official.stored of every plan: its rules, who set them and when (the defaults otherwise)."""
    rows = store.query(
        "SELECT plan_id, rules_json, updated_by, updated_at FROM plan_rules WHERE list_contains($ids, plan_id)",
        {"ids": ids},
    )
    out = {p: official.OfficialRules(scoring.Rules()) for p in ids}
    for r in rows.itertuples():
        at = None if pd.isna(r.updated_at) else pd.Timestamp(r.updated_at).to_pydatetime()
        out[int(r.plan_id)] = official.OfficialRules(scoring.Rules.from_json(str(r.rules_json)), str(r.updated_by), at)
    return out


def sheet_inputs(store: Database, ids: list[int]) -> dict[int, official.SheetInputs]:
    """official.sheet_inputs of every plan, read in four queries (the same columns as
    evaluation.assessments, evaluation.final_scores, queries.adjustments)."""
    selected = store.query(
        "SELECT plan_id, count(*) AS n FROM innovations WHERE selected AND list_contains($ids, plan_id) "
        "GROUP BY plan_id",
        {"ids": ids},
    )
    innovated = {int(p) for p, n in zip(selected["plan_id"], selected["n"], strict=True) if n}
    assessed = _split(
        store.query(
            """
            SELECT a.plan_id, a.code, a.completion_pct::DOUBLE AS self_pct,
                   a.proposed_score::DOUBLE AS proposed_score,
                   a.summary, a.submitted_by, a.submitted_at, a.signed_by, a.signed_at,
                   (SELECT count(*) FROM evidence e
                     WHERE e.plan_id = a.plan_id AND e.code = a.code)::INTEGER AS evidence
            FROM self_assessments a WHERE list_contains($ids, a.plan_id) ORDER BY a.plan_id, a.code
            """,
            {"ids": ids},
        ),
        ids,
    )
    finals = _split(
        store.query(
            "SELECT plan_id, code, final_score::DOUBLE AS s FROM evaluations WHERE list_contains($ids, plan_id)",
            {"ids": ids},
        ),
        ids,
    )
    entries = _split(
        store.query(
            'SELECT plan_id, adjustment_id, kind, points::DOUBLE AS points, grp AS "group", note, basis, created_by, '
            "created_at FROM adjustments WHERE list_contains($ids, plan_id) AND deleted_at IS NULL "
            "ORDER BY plan_id, adjustment_id",
            {"ids": ids},
        ),
        ids,
    )
    return {
        p: official.SheetInputs(
            100.0 if p in innovated else None,
            assessed[p],
            dict(zip(finals[p]["code"], finals[p]["s"], strict=True)),
            scoring.adjustments_of(entries[p]),
        )
        for p in ids
    }


def calendars_of(store: Database, ids: list[int], year: int) -> dict[int, periods.Calendar]:
    """periods.calendar of every plan (of ``year``): its rhythm and closed periods."""
    rows = store.query(
        "SELECT plan_id, rhythm, cutoff_weekday, cutoff_time, closed_through, pinned_as_of FROM reporting_settings "
        "WHERE list_contains($ids, plan_id)",
        {"ids": ids},
    )
    out = {p: periods.Calendar(year) for p in ids}
    for r in rows.itertuples(index=False):
        plan_id, rhythm, weekday, cutoff, closed, pinned = r
        out[int(plan_id)] = periods.Calendar(year, rhythm, int(weekday), cutoff, _day(closed), _day(pinned))
    return out


def _day(value: object) -> date | None:
    """A DATE as read into a frame (a Timestamp, NaT for NULL) as the date periods.calendar reads."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def reporting(store: Database, units: dict[int, Unit], as_of: date) -> pd.DataFrame:
    """Per plan, this period's reporting: the period of ``as_of`` in the plan's own calendar; the
    lead sections due to report in it (with an unfinished lead target at its end: those
    supervision.not_reported may list), how many of them did (the rest are not_reported), and the
    reports dated in it and the period before (none in either: 连续两期未报送)."""
    ids, starts, ends, earlier = [], [], [], []
    for u in units.values():
        period = u.calendar.period_of(as_of)
        before = u.calendar.periods()[period.number - 2] if period.number > 1 else period
        ids.append(u.plan_id)
        starts.append(period.start)
        ends.append(period.end)
        earlier.append(before.start)
    columns = ["sections_total", "sections_reported", "recent_reports"]
    if not ids:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="plan_id"))
    found = store.query(
        """
        WITH bounds AS (
            SELECT unnest($ids) AS plan_id, unnest($starts)::DATE AS start_day, unnest($ends)::DATE AS end_day,
                   unnest($earlier)::DATE AS earlier_day
        ),
        latest AS (  -- as supervision.not_reported: each target's completion at the period's end
            SELECT g.plan_id, g.code, arg_max(g.completion_pct, (g.report_date, g.progress_id)) AS pct
            FROM progress g JOIN bounds b ON b.plan_id = g.plan_id
            WHERE g.report_date <= b.end_day GROUP BY g.plan_id, g.code
        ),
        due AS (
            SELECT DISTINCT t.plan_id, s.section
            FROM targets t JOIN bounds b ON b.plan_id = t.plan_id
            JOIN target_sections s ON s.plan_id = t.plan_id AND s.code = t.code AND s.role = 'lead'
            LEFT JOIN latest l ON l.plan_id = t.plan_id AND l.code = t.code
            WHERE coalesce(l.pct, 0) < 100
        ),
        in_period AS (
            SELECT g.* FROM progress g JOIN bounds b ON b.plan_id = g.plan_id
            WHERE g.report_date >= b.start_day AND g.report_date <= b.end_day
        ),
        reported AS (
            SELECT plan_id, reporter AS section FROM in_period
            UNION
            SELECT g.plan_id, s.section FROM in_period g
            JOIN target_sections s ON s.plan_id = g.plan_id AND s.code = g.code AND s.role = 'lead'
        ),
        counted AS (
            SELECT d.plan_id, count(*)::INTEGER AS sections_total, count(r.section)::INTEGER AS sections_reported
            FROM due d LEFT JOIN reported r ON r.plan_id = d.plan_id AND r.section = d.section
            GROUP BY d.plan_id
        ),
        recent AS (
            SELECT g.plan_id, count(*)::INTEGER AS recent_reports
            FROM progress g JOIN bounds b ON b.plan_id = g.plan_id
            WHERE g.report_date >= b.earlier_day AND g.report_date <= b.end_day GROUP BY g.plan_id
        )
        SELECT b.plan_id, coalesce(c.sections_total, 0) AS sections_total,
               coalesce(c.sections_reported, 0) AS sections_reported,
               coalesce(r.recent_reports, 0) AS recent_reports
        FROM bounds b LEFT JOIN counted c USING (plan_id) LEFT JOIN recent r USING (plan_id)
        """,
        {"ids": ids, "starts": starts, "ends": ends, "earlier": earlier},
    )
    return found.set_index("plan_id")[columns]


def orders(store: Database, ids: list[int], as_of: date) -> pd.DataFrame:
    """Per plan, its 督办 items open on ``as_of`` and those of them past their due day (逾期: as
    decisions.status says of each)."""
    found = store.query(
        """
        SELECT plan_id, count(*) FILTER (WHERE closed_at IS NULL)::INTEGER AS orders_open,
               count(*) FILTER (WHERE closed_at IS NULL AND CAST(due_date AS DATE) < $as_of)::INTEGER AS orders_overdue
        FROM supervision_orders WHERE list_contains($ids, plan_id) GROUP BY plan_id
        """,
        {"ids": ids, "as_of": as_of},
    ).set_index("plan_id")
    return found.reindex(pd.Index(ids, name="plan_id"), fill_value=0)


def evidence_gaps(store: Database, units: dict[int, Unit], as_of: date) -> dict[int, int | None]:
    """Per plan, from its gaps_from day (claims.gaps_from; 12-01 unless the office set another):
    how many rows claims.gaps lists — returned claims not resubmitted, claims waiting for the
    check, checklist items without a file; None before that day (the gaps are not shown yet)."""
    set_days = store.query(
        "SELECT plan_id, gaps_from FROM claim_settings WHERE list_contains($ids, plan_id)", {"ids": list(units)}
    )
    starts = {p: date(u.calendar.year, 12, 1) for p, u in units.items()}
    starts |= {int(p): pd.Timestamp(d).date() for p, d in zip(set_days["plan_id"], set_days["gaps_from"], strict=True)}
    ids = [p for p in units if as_of >= starts[p]]
    out: dict[int, int | None] = dict.fromkeys(units)
    if not ids:
        return out
    open_claims = store.query(
        """
        SELECT c.plan_id, count(*)::INTEGER AS n FROM claims c
        JOIN progress g ON g.progress_id = c.progress_id
        JOIN targets t ON t.plan_id = c.plan_id AND t.code = c.code
        WHERE list_contains($ids, c.plan_id) AND list_contains(['pending', 'returned'], c.state)
        GROUP BY c.plan_id
        """,
        {"ids": ids},
    )
    claimed = dict(zip(open_claims["plan_id"].astype(int), open_claims["n"].astype(int), strict=True))
    texts = store.query(
        "SELECT plan_id, code, target_text FROM targets WHERE list_contains($ids, plan_id) ORDER BY plan_id, seq",
        {"ids": ids},
    )
    stored = store.query(
        "SELECT plan_id, code, seq FROM evidence_items WHERE list_contains($ids, plan_id)", {"ids": ids}
    )
    stored_items: dict[tuple[int, str], list[int]] = {}
    for p, c, s in stored.itertuples(index=False):
        stored_items.setdefault((int(p), str(c)), []).append(int(s))
    reviewed = store.query(
        "SELECT plan_id, code, subject, phrase FROM kpi_reviews WHERE list_contains($ids, plan_id) "
        "ORDER BY plan_id, code, seq",
        {"ids": ids},
    )
    reviewed_kpis: dict[tuple[int, str], list[dict]] = {}
    for p, c, subject, phrase in reviewed.itertuples(index=False):
        reviewed_kpis.setdefault((int(p), str(c)), []).append({"subject": subject, "phrase": phrase})
    filed = store.query(
        "SELECT DISTINCT plan_id, code, item_seq::INTEGER AS item_seq FROM evidence "
        "WHERE list_contains($ids, plan_id) AND code IS NOT NULL AND item_seq IS NOT NULL",
        {"ids": ids},
    )
    proven = {(int(p), str(c), int(s)) for p, c, s in filed.itertuples(index=False)}
    missing = dict.fromkeys(ids, 0)
    for p, c, text in texts.itertuples(index=False):
        key = (int(p), str(c))
        if key in stored_items:  # the office's confirmed checklist
            seqs = stored_items[key]
        elif key in reviewed_kpis:  # the office's reviewed 量化指标, the wording's proofs
            seqs = range(1, len(claims.propose_items(str(text), reviewed_kpis[key])) + 1)
        else:
            seqs = range(1, _proposed_items(str(c), str(text)) + 1)
        missing[key[0]] += sum((key[0], key[1], s) not in proven for s in seqs)
    for p in ids:
        out[p] = claimed.get(p, 0) + missing[p]
    return out


@functools.lru_cache(maxsize=20_000)
def _proposed_items(code: str, text: str) -> int:
    """How many items the checklist proposes for a target from its text alone (claims.checklist
    without the office's lists): kept per text, since extracting the 量化指标 is the slow part and
    a plan's texts rarely change."""
    found = [{"subject": k.subject, "phrase": k.phrase} for k in plan_kpis.extract(code, text)]
    return len(claims.propose_items(text, found))
