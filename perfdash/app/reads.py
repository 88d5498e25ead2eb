"""Every domain read a page makes, cached by one decorator (``cached``) on the database, its data
version and every argument. A page passes its context (or setup passes the store) first, then the
read's own arguments; the function itself gets the database. Every write transaction raises the
data version (perfdash.db.database.Database.write), so a write makes the next read fresh and nobody
clears a cache by hand."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.core.filters import Filters
from perfdash.db import database, kpi_tracking, queries, rollups, weekly
from perfdash.db.database import Database
from perfdash.db.database import StoreError as StoreError  # a read's refusal, for the page to show
from perfdash.ops import auth, backup_folder
from perfdash.present import (
    assessment_docs,
    bulletin,
    charts,
    charts_html,
    charts_time,
    city_board,
    city_docs,
    meeting,
    templates,
)
from perfdash.present import evaluation_report as report_doc
from perfdash.workflows import (
    assessment,
    assessment_measures,
    bulletins,
    city,
    claims,
    decisions,
    evaluation,
    ledger,
    official,
    order_files,
    periods,
    plan_delete,
    progress,
    scoring,
    supervision,
    years,
)
from perfdash.workflows import forecast as forecasts
from perfdash.workflows import plans as plan_files

F = TypeVar("F", bound=Callable[..., Any])

# Words and constants of the domain that pages show or compare with (pages import nothing from db).
ALL = weekly.ALL  # the trend's overall row, beside the groups
LAG_ORDERS = weekly.ORDERS
CO_SECTION_RULE, PERSON_RULE, LEADER_RULE = rollups.CO_SECTION_RULE, rollups.PERSON_RULE, rollups.LEADER_RULE
SCHEMA_VERSION = database.SCHEMA_VERSION
EVERYTHING = Filters()  # no filter


class HasStore(Protocol):
    """A page's context (perfdash.app.ui.PageContext, meeting_view.MeetingContext)."""

    store: Database


def cached(fn: F | None = None, *, max_entries: int = 32, shared: bool = False, live: str = "") -> Any:
    """Make ``fn(db, *args)`` a read: called as ``read(ctx_or_db, *args)``, cached on the database
    (its path), its data version and every argument, hashed by value (Streamlit's hasher: a
    DataFrame by its content, a dataclass such as the actor or the filters by its fields). Nothing
    but the arguments reaches ``fn``: no closure, no page state. ``shared`` keeps the very object
    for every session (a plotly figure: unpickling one validates it all over again); ``live``
    says why a read is not cached at all (what it reads changes without a write that raises the
    data version)."""
    if fn is None:
        return functools.partial(cached, max_entries=max_entries, shared=shared, live=live)
    signature = inspect.signature(fn)

    def load(_db: Database, database: str, version: int, arguments: tuple) -> Any:
        return fn(_db, **dict(arguments))

    # Streamlit keeps one cache per function, told apart by module and name: the read's own.
    load.__module__, load.__qualname__, load.__name__ = fn.__module__, fn.__qualname__, fn.__name__
    cache = (st.cache_resource if shared else st.cache_data)(max_entries=max_entries, show_spinner=False)(load)

    @functools.wraps(fn)
    def read(source: HasStore | Database, *args: Any, **kwargs: Any) -> Any:
        db = source if isinstance(source, Database) else source.store
        bound = signature.bind(db, *args, **kwargs)
        bound.apply_defaults()
        arguments = tuple(bound.arguments.items())[1:]
        if live:
            return fn(db, **dict(arguments))
        # One key per database: an in-memory one is its own (every such database has path ":memory:").
        identity = db.path if db.path != ":memory:" else f":memory:{id(db)}"
        return cache(db, identity, db.version(), arguments)

    read.cached_by, read.live = cached, live  # type: ignore[attr-defined]  # see tests/test_pages_seam.py
    return read


# -- the plan and the page setup ---------------------------------------------------------------
plans = cached(queries.plans, max_entries=16)
reporting_calendar = cached(periods.calendar, max_entries=16)
plan_checks = cached(queries.plan_checks, max_entries=16)
sections_and_leaders = cached(queries.sections_and_leaders)
indicator_list = cached(queries.indicator_list)
plan_calendar = cached(queries.plan_calendar)
locked = cached(Database.locked)
plan_diff = cached(plan_files.compare, max_entries=4)  # an uploaded plan against the stored one
remembered_mapping = cached(plan_files.remembered_mapping, max_entries=4)  # the unit's confirmed columns
previous_plan = cached(years.previous_plan)
carryovers_confirmed = cached(years.confirmed)
plan_delete_blocker = cached(plan_delete.delete_blocker)  # why a plan cannot be deleted (None: it can)


@cached(max_entries=16)
def visible_plans(db: Database, actor: Actor) -> pd.DataFrame:
    """The plans of the units ``actor`` may see (every plan for an office not bound to a unit)."""
    rows = queries.plans(db)
    return rows if actor.units is None else rows[rows["unit"].isin(actor.units)].reset_index(drop=True)


@cached(max_entries=2)
def plan_template(db: Database, plan_id: int) -> bytes:
    """A stored plan as the Excel template (templates.plan_template_xlsx; perfdash.plan.xlsx reads it)."""
    return templates.plan_template_xlsx(plan_files.stored_plan(db, plan_id))


@cached(max_entries=16)
def period_table(db: Database, plan_id: int, today: date) -> pd.DataFrame:
    """periods.period_table of the plan's reporting rules as they stand on ``today``."""
    return periods.period_table(db, plan_id, periods.calendar(db, plan_id), today)


@cached
def year_result(db: Database, plan_id: int) -> years.YearResult:
    """years.year_result of a plan (another year's, for the comparison beside this one), under
    that plan's own stored rules."""
    rows = queries.plans(db)
    return years.year_result(db, rows[rows["plan_id"] == plan_id].iloc[0])


@cached(max_entries=8)
def carryover(
    db: Database, plan_id: int, as_of: date, year: int, previous_id: int, previous_year: int, previous_as_of: date
) -> pd.DataFrame:
    """years.carryover: last year's target most like each of this year's."""
    now = target_state(db, plan_id, as_of, year)
    return years.carryover(now, target_state(db, previous_id, previous_as_of, previous_year))


# -- targets, as of a date ---------------------------------------------------------------------
target_state = cached(queries.target_state, max_entries=64)


@cached(max_entries=64)
def filtered_state(db: Database, plan_id: int, as_of: date, year: int, filters: Filters) -> pd.DataFrame:
    """The targets passing ``filters``."""
    return filters.apply(target_state(db, plan_id, as_of, year))


@cached(max_entries=64)
def headline(db: Database, plan_id: int, as_of: date, year: int, filters: Filters = EVERYTHING) -> dict:
    """queries.headline of the filtered targets."""
    return queries.headline(filtered_state(db, plan_id, as_of, year, filters))


@cached(max_entries=64)
def rollup(db: Database, plan_id: int, as_of: date, year: int, kind: str, filters: Filters) -> pd.DataFrame:
    """rollups.by_<kind> (indicator, section, leader, person) of the filtered targets."""
    return getattr(rollups, f"by_{kind}")(filtered_state(db, plan_id, as_of, year, filters))


@cached
def group_summary(db: Database, plan_id: int, as_of: date, year: int, filters: Filters) -> pd.DataFrame:
    """queries.group_summary of the filtered targets."""
    return queries.group_summary(filtered_state(db, plan_id, as_of, year, filters))


@cached
def portfolio(db: Database, plan_id: int, as_of: date, year: int, leader: str, filters: Filters = EVERYTHING) -> tuple:
    """(the targets ``leader`` supervises, worst lag first; rollups.summary of them)."""
    mine = rollups.portfolio(filtered_state(db, plan_id, as_of, year, filters), leader)
    return mine, rollups.summary(mine)


@cached
def own_first(db: Database, plan_id: int, as_of: date, year: int, actor: Actor) -> pd.DataFrame:
    """The targets with ``actor``'s own first (rollups.own_first)."""
    return rollups.own_first(target_state(db, plan_id, as_of, year), actor)


@cached(max_entries=64)
def target_timeline(db: Database, plan_id: int, as_of: date, year: int, code: str) -> pd.DataFrame:
    """One target's reports up to ``as_of`` with the 序时进度 of each report date beside them."""
    row = target_state(db, plan_id, as_of, year).set_index("code").loc[code]
    history = queries.target_history(db, plan_id, code, as_of)
    return progress.history_with_expected(history, row["deadline"], year, row.get("milestones"))


@cached
def due_matrix(db: Database, plan_id: int, as_of: date, year: int, filters: Filters = EVERYTHING) -> pd.DataFrame:
    """weekly.due_matrix (section × month) of the filtered targets."""
    return weekly.due_matrix(filtered_state(db, plan_id, as_of, year, filters))


def _codes(db: Database, plan_id: int, year: int, as_of: date, filters: Filters) -> list[str] | None:
    return weekly.filtered_codes(db, plan_id, year, as_of, filters, target_state(db, plan_id, as_of, year))


@cached
def weekly_trend(db: Database, plan_id: int, year: int, as_of: date, filters: Filters = EVERYTHING) -> pd.DataFrame:
    """weekly.weekly_trend of the filtered targets, overall (ALL) and per group."""
    return weekly.weekly_trend(db, plan_id, year, as_of, _codes(db, plan_id, year, as_of, filters))


@cached
def trend_at_end(db: Database, plan_id: int, year: int, as_of: date, filters: Filters) -> pd.DataFrame:
    """weekly.trend_at_end of the filtered trend."""
    return weekly.trend_at_end(weekly_trend(db, plan_id, year, as_of, filters))


kpis_with_actuals = cached(kpi_tracking.with_actuals)
uses_kpis = cached(kpi_tracking.uses_kpis)


# -- scores and forecasts ----------------------------------------------------------------------
adjustments = cached(queries.adjustments, max_entries=16)
scenarios = cached(queries.scenarios, max_entries=16)
scenario_values = cached(queries.scenario_values)


@cached(max_entries=16)
def forecast(db: Database, plan_id: int, as_of: date, year: int, rules_json: str, draws: int, seed: int) -> tuple:
    """(target forecast, Monte Carlo without its per-draw scores, points at risk)."""
    state = target_state(db, plan_id, as_of, year)
    rules = scoring.Rules.from_json(rules_json)
    fc, sim = forecasts.standing_forecast(db, plan_id, state, as_of, rules, draws, seed)
    return fc, sim.without_scores(), forecasts.points_at_risk(fc, sim, rules)


@cached(max_entries=8)
def backtest(db: Database, plan_id: int, year: int, rules_json: str) -> Any:
    """forecast.backtest of the plan's history under the rules."""
    return forecasts.backtest(db, plan_id, year, scoring.Rules.from_json(rules_json))


reported = cached(queries.reported, max_entries=16)  # 0: nothing reported by the date (尚无填报)
official_rules = cached(official.stored)  # the plan's stored scoring rules, who set them and when


@cached(max_entries=16)
def score_sheet(db: Database, plan_id: int, as_of: date, year: int, rules_json: str) -> official.ScoreSheet:
    """official.score_sheet: the one score (总览's, 综合评估's, the report's, the CLI's) under the
    rules given (a page passes official_rules' unless it simulates)."""
    state = target_state(db, plan_id, as_of, year)
    return official.score_sheet(db, plan_id, state, as_of, scoring.Rules.from_json(rules_json))


@cached(max_entries=64)
def what_if(
    db: Database, plan_id: int, as_of: date, year: int, rules_json: str, values: tuple, hypothetical: str = ""
) -> scoring.Score:
    """official.what_if: the score with the simulated completions ``values`` ((code, pct) pairs),
    the official entries and the simulation's ``hypothetical`` ones (scoring.adjustments_json)."""
    state = target_state(db, plan_id, as_of, year)
    sheet = score_sheet(db, plan_id, as_of, year, rules_json)
    rules = scoring.Rules.from_json(rules_json)
    entries = scoring.adjustments_of(queries.adjustments(db, plan_id)) + scoring.adjustments_from_json(hypothetical)
    return official.what_if(sheet, state, rules, dict(values), entries, as_of)


@cached(max_entries=2)
def evaluation_report(db: Database, plan_id: int, as_of: date) -> bytes:
    """The 绩效评估报告 (.docx bytes), under the plan's stored rules."""
    return report_doc.build(db, plan_id, as_of)[0]


# -- self-assessment, evaluation, supervision --------------------------------------------------
assessments = cached(evaluation.assessments)
evidence_list = cached(evaluation.evidence_list)
evidence_file = cached(evaluation.read_evidence, live="a file of up to 20 MB, read when shown")
innovations = cached(evaluation.innovations)
survey_samples = cached(queries.survey_samples)
report_notes = cached(queries.report_notes)
orders = cached(supervision.orders)
not_reported = cached(supervision.not_reported)
period_reports = cached(periods.period_reports)  # who reported in a period (the open one: reports waiting)
section_reports = cached(supervision.section_reports)  # a section's 本期已报 N 条
contacts = cached(supervision.contacts)
reminders = cached(supervision.reminders)
milestones = cached(supervision.milestones)
reports_by = cached(queries.reports_by)


@cached(max_entries=4)
def upload_problems(db: Database, plan_id: int, actor: Actor, upload: ledger.Upload, today: date) -> ledger.Upload:
    """A copy of a parsed ledger with every row's plan-level problems added (ledger.check_upload)."""
    return ledger.check_upload(db, plan_id, actor, copy.deepcopy(upload), today)  # the caller's stays as read


@cached
def slides(db: Database, plan_id: int, year: int, week: meeting.Week, as_of: date, today: date | None = None) -> list:
    """The meeting screen's slides for one week (meeting.build_slides; the decisions' status on
    ``today``, default the present day)."""
    return meeting.build_slides(db, plan_id, year, week, as_of, today)


# -- accounts and backups ----------------------------------------------------------------------
accounts = cached(queries.accounts, max_entries=8)
kiosk_tokens = cached(queries.kiosk_tokens, max_entries=8)
audit_log = cached(queries.audit_log, live="sign-in bookkeeping is audited without raising the data version")
refused_accounts = cached(auth.refused_accounts, live="sign-in attempts and time, not writes, move it")


@cached(max_entries=16)
def backup_preview(db: Database, path: Path, size_bytes: int) -> backup_folder.Preview:
    """A backup's manifest, every file checked (backup_folder.inspect), once per file version."""
    return backup_folder.inspect(path)


# -- figures -----------------------------------------------------------------------------------
# Kept as built and shared by every session (``shared``): unpickling a plotly figure validates it
# all over again, which costs as much as building it, and building one costs more than a warm
# page's reads. st.plotly_chart reads a figure through a deep copy; nothing else may change one.
@cached(shared=True)
def plan_sunburst(db: Database, plan_id: int, as_of: date, year: int, filters: Filters) -> go.Figure:
    """group → indicator → target, sized by points, coloured by completion (charts.plan_sunburst)."""
    return charts.plan_sunburst(filtered_state(db, plan_id, as_of, year, filters))


@cached
def group_bars_html(db: Database, plan_id: int, as_of: date, year: int, filters: Filters) -> str:
    """Points earned against each group's points, drawn as HTML (charts_html.points_bars)."""
    return charts_html.points_bars(group_summary(db, plan_id, as_of, year, filters))


@cached(max_entries=64, shared=True)
def ranking_bars(db: Database, plan_id: int, as_of: date, year: int, kind: str, filters: Filters) -> go.Figure:
    """Weighted completion against 序时进度 per indicator, leading section or leader (``kind``)."""
    rows = rollup(db, plan_id, as_of, year, kind, filters)
    if kind == "indicator":
        names = [f"{c} {t[:20]}" for c, t in zip(rows["indicator_code"], rows["indicator"], strict=True)]
        return charts.completion_bars(
            list(rows["indicator_code"]), list(rows["completion_pct"]), list(rows["expected_pct"]), names
        )
    rows = rows[rows["targets"] > 0] if kind == "section" else rows  # a section by the targets it leads
    return charts.completion_bars(list(rows[kind]), list(rows["completion_pct"]), list(rows["expected_pct"]))


@cached(max_entries=64, shared=True)
def timeline_chart(db: Database, plan_id: int, as_of: date, year: int, code: str) -> go.Figure:
    """One target's reports against its 序时进度 (charts.target_timeline)."""
    return charts.target_timeline(target_timeline(db, plan_id, as_of, year, code))


@cached
def due_table(db: Database, plan_id: int, as_of: date, year: int, filters: Filters, color: str, text: str) -> str:
    """The 科室 × 月份 heat map of what falls due as an HTML table (charts_html.due_table), coloured
    and labelled by the measures chosen."""
    return charts_html.due_table(due_matrix(db, plan_id, as_of, year, filters), year, color, text, as_of)


@cached(max_entries=64)
def ranking_html(db: Database, plan_id: int, as_of: date, year: int, kind: str, filters: Filters) -> str:
    """ranking_bars drawn as HTML (charts_html.ranking): the same rows, order and colours."""
    rows = rollup(db, plan_id, as_of, year, kind, filters)
    rows = rows[rows["targets"] > 0] if kind == "section" else rows  # a section by the targets it leads
    names = {"section": "科室", "leader": "分管领导", "person": "责任人"}
    return charts_html.ranking(
        list(rows[kind]), list(rows["completion_pct"]), list(rows["expected_pct"]), names.get(kind, "")
    )


# The weeks it draws are about 1 MB (61 targets × 52 weeks) and read by nothing else: a few
# figures serve a user trying the orders of one view.
@cached(max_entries=8, shared=True)
def lag_heatmap(db: Database, plan_id: int, year: int, as_of: date, filters: Filters, order: str) -> go.Figure:
    """The 目标 × 周 heatmap of each target's lag behind 序时进度, in the order chosen."""
    weeks = weekly.target_weeks(db, plan_id, year, as_of, _codes(db, plan_id, year, as_of, filters))
    calendar = queries.plan_calendar(db, plan_id)
    return charts_time.lag_heatmap(weeks, calendar, year, weekly.lag_order(weeks, order), as_of)


@cached
def trend_html(db: Database, plan_id: int, year: int, as_of: date, filters: Filters, group: str) -> str:
    """One group's (or ALL's) weekly completion against 序时进度, drawn as HTML (charts_html.trend)."""
    return charts_html.trend(weekly_trend(db, plan_id, year, as_of, filters), group, year)


@cached(shared=True)
def group_trends(db: Database, plan_id: int, year: int, as_of: date, filters: Filters) -> go.Figure:
    """Every group's weekly completion, side by side (charts_time.group_trends)."""
    return charts_time.group_trends(weekly_trend(db, plan_id, year, as_of, filters), year)


@cached(shared=True)
def score_histogram(
    db: Database, plan_id: int, as_of: date, year: int, rules_json: str, draws: int, seed: int
) -> go.Figure:
    """The Monte Carlo distribution of the year-end total with the grade bands."""
    sim = forecast(db, plan_id, as_of, year, rules_json, draws, seed)[1]
    return charts.score_histogram(sim.totals, scoring.Rules.from_json(rules_json).bands, sim.base_total)


@cached(max_entries=8, shared=True)
def backtest_band(db: Database, plan_id: int, year: int, rules_json: str) -> go.Figure:
    """Each past week's forecast of the total with its 80% band, against the outcome."""
    bt = backtest(db, plan_id, year, rules_json)
    return charts.backtest_band(bt.weeks, f"{fmt.day(bt.outcome_day)} 的实际总分")


@cached(max_entries=64, shared=True)
def score_waterfall(
    db: Database, plan_id: int, as_of: date, year: int, rules_json: str, values: tuple, by: str, hypothetical: str = ""
) -> go.Figure:
    """The simulated score (what_if) from the full score down, by group or by indicator."""
    result = what_if(db, plan_id, as_of, year, rules_json, values, hypothetical)
    return charts.score_waterfall(scoring.waterfall_steps(result, by), result.total)


# --- 缺项与核验口径 (#34) ---------------------------------------------------------------------------
# What the section's landing page, 督办与催报, the reminders, 总览 and 目标详情 show of the claims
# (workflows.claims): the evidence gaps from the office's day on, and the counted completion beside
# the reported one.


@cached
def gaps_shown(db: Database, plan_id: int, year: int, today: date, section: str | None = None) -> tuple:
    """(whether the gaps show on ``today``, the day they show from, the gaps shown): every gap of
    ``section``'s targets (every target's with None) from claims.gaps_from on; before it only the
    returned claims, which the section must act on at any time of the year."""
    start = claims.gaps_from(db, plan_id, year)
    shown = today >= start
    frame = claims.gaps(db, plan_id, section, claims.GAP_KINDS if shown else claims.GAP_KINDS[:1])
    return shown, start, frame.reset_index(drop=True)


@cached(max_entries=64)
def counted_headline(db: Database, plan_id: int, as_of: date, year: int, filters: Filters = EVERYTHING) -> dict:
    """The filtered targets as the official score counts them (claims.counted): weighted completion,
    how many targets' counted completion differs from the reported one, how many wait for the
    office (pending) and how many it returned."""
    state = filtered_state(db, plan_id, as_of, year, filters)
    return {
        "completion_pct": queries.weighted_completion(claims.counted(state)),
        "differs": int(claims.differs(state).sum()),
        "pending": int((state["claim_state"] == "pending").sum()),
        "returned": int((state["claim_state"] == "returned").sum()),
    }


@cached(max_entries=64)
def latest_claim(db: Database, plan_id: int, as_of: date, code: str) -> dict | None:
    """The newest claim of a target about a report dated up to ``as_of`` (claims.claim_history: its
    state, the report's date and completion, the office's decision and note, the resubmission),
    or None when its reports were never checked."""
    history = claims.claim_history(db, plan_id, code)
    days = pd.to_datetime(history["report_date"]).dt.date
    history = history[days <= as_of]
    return None if history.empty else history.iloc[0].to_dict()


# --- 核验与迎检 (#34) ---------------------------------------------------------------------------
# The 核验与迎检 page's reads (pages/verification.py): the office's queue, a section's claims, the
# checklists with the files filed under their items, and every section's gaps.
evidence_checklist = cached(claims.coverage)  # each item of the targets' checklists with its file count
evidence_filed = cached(claims.filed)  # the targets' evidence files with the item each is filed under
evidence_gaps = cached(claims.gaps)  # every gap (of one section's targets), whatever the day
gaps_from = cached(claims.gaps_from, max_entries=16)  # the day the gaps show from (12-01 unless set)


@cached
def claim_queue(db: Database, plan_id: int) -> pd.DataFrame:
    """The office's 核验 queue (claims.queue): the claims waiting for it first, in the order they
    came in, then the returned ones waiting for their section."""
    frame = claims.queue(db, plan_id)
    order = frame["state"].map({"pending": 0, "returned": 1})
    return frame.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


@cached
def section_claims(db: Database, plan_id: int, section: str, accepted: int = 10) -> pd.DataFrame:
    """The claims of the targets ``section`` answers for (lead or co-section): the returned ones
    first (it must act on them), then those waiting for the office, then its ``accepted`` most
    recently accepted."""
    frame = claims.queue(db, plan_id, ("returned", "pending", "accepted"))
    frame = frame[[section in list(s if s is not None else []) for s in frame["sections"]]]
    order = {"returned": 0, "pending": 1}
    open_ = frame[frame["state"] != "accepted"]
    open_ = open_.assign(_o=open_["state"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")
    done = frame[frame["state"] == "accepted"].sort_values("decided_at", ascending=False).head(accepted)
    return pd.concat([open_, done]).reset_index(drop=True)


# --- 科室考评 (#35) ---------------------------------------------------------------------------------
# The 科室考评 page's reads (pages/assessment.py) and 按科室's provisional block: the result (the
# locked snapshot, else computed now: 0.2–0.6 s on the demo plan, so cached and shared by both
# pages), the schemes by group, the groups, the office's adjustments and leader scores, one
# section's own result (a section's pages hold nothing of the others), and the 责任人 sheet.

assessment_result = cached(assessment.assess, max_entries=16)  # Result: table, details, lock
assessment_schemes = cached(assessment.schemes, max_entries=16)  # group → Scheme ('' = the default)
assessment_groups = cached(assessment.groups, max_entries=16)  # section → group
section_adjustments = cached(assessment.adjustments, max_entries=16)  # the office's, in force
leader_ratings = cached(assessment.leader_ratings, max_entries=16)  # section, leader, score


@cached(max_entries=64)
def own_assessment(db: Database, plan_id: int, as_of: date, year: int, section: str) -> assessment.Result | None:
    """``section``'s own assessment: its row of the result without the rank (the other sections'
    totals set it) and its details without the group's average rates; None when the plan names
    no such section."""
    result = assessment_result(db, plan_id, as_of, year)
    row = result.table[result.table["section"] == section]
    if row.empty:
        return None
    details = dict(result.details[section])
    # The group's average rate of a measure with nothing due is another section's rate in a group
    # of two: say that the average is used, not what it is.
    details["neutral"] = dict.fromkeys(details.get("neutral", {}), True)
    return assessment.Result(
        row.drop(columns=["rank"]).reset_index(drop=True),
        {section: details},
        result.as_of,
        result.locked,
        result.locked_by,
        result.locked_at,
    )


@cached(max_entries=8)
def person_sheet(db: Database, plan_id: int, as_of: date, year: int, actor: Actor) -> pd.DataFrame:
    """assessment_measures.person_sheet (参考), for the office and leaders only: refused to anyone else
    whatever page asks."""
    if actor.role not in ("office", "leader"):
        raise StoreError("责任人参考仅供绩效办和局领导查看")
    return assessment_measures.person_sheet(db, plan_id, as_of, year)


@cached(max_entries=2)
def assessment_docx(db: Database, plan_id: int, as_of: date) -> bytes:
    """《内设科室绩效考评结果》 (.docx, 公文 style) of the result the page shows (assessment_docs)."""
    return assessment_docs.results_docx(assessment_docs.gather(db, plan_id, as_of))


@cached(max_entries=2)
def assessment_xlsx(db: Database, plan_id: int, as_of: date) -> bytes:
    """The same results as a print-ready Excel file (assessment_docs)."""
    return assessment_docs.results_xlsx(assessment_docs.gather(db, plan_id, as_of))


# --- 督查通报 (#36) ---------------------------------------------------------------------------------
# The 督查通报 page's reads (pages/bulletins.py): the months a 通报 can be drafted for, a month's
# draft (0.3 s on the demo plan), what keeps an edited draft from being written, the edited draft
# as Word (built only when downloaded), and the issued ones with their text and kept files.
bulletin_months = cached(bulletins.months, max_entries=16)  # month → why it cannot be drafted (None: it can)
bulletin_draft = cached(bulletin.draft, max_entries=8)
issued_bulletins = cached(bulletins.issued, max_entries=16)
issued_bulletin_text = cached(bulletins.issued_text, max_entries=16)
issued_bulletin_file = cached(bulletins.read_issued, max_entries=4)  # (file name, bytes), its hash checked


@cached(max_entries=16)
def bulletin_problems(db: Database, plan_id: int, month: date, edits: bulletins.Edits) -> list[str]:
    """Why the edited draft cannot be written or issued (one line each: an empty part, a field over
    its limit), [] when it can."""
    try:
        bulletin.apply_edits(bulletin_draft(db, plan_id, month), edits)
    except StoreError as exc:
        return str(exc).splitlines()
    return []


@cached(max_entries=4)
def bulletin_docx(db: Database, plan_id: int, month: date, edits: bulletins.Edits) -> bytes:
    """The month's draft with the office's edits, as Word (the tables and figures the draft's)."""
    return bulletin.to_docx(bulletin.apply_edits(bulletin_draft(db, plan_id, month), edits))


# --- 周会决定事项 (#36) -------------------------------------------------------------------------------
# The meeting screen's capture panel (perfdash.app.meeting_view): the plan's targets with their
# sections (lead first) to record a decision against, and what was recorded today (本次会议已记录).


@cached(max_entries=16)
def decision_targets(db: Database, plan_id: int, as_of: date, year: int) -> pd.DataFrame:
    """Every target of the plan in plan order: code, target (its text), sections (lead first)."""
    return target_state(db, plan_id, as_of, year)[["code", "target", "sections"]].reset_index(drop=True)


@cached(max_entries=16)
def decisions_recorded(db: Database, plan_id: int, day: date) -> pd.DataFrame:
    """The 周例会 decisions and 领导批示 decided or recorded on ``day`` (本次会议已记录), in the order
    recorded, with their status on that day (decisions.items)."""
    found = decisions.items(db, plan_id, day)
    found = found[found["source"].isin(meeting.DECISION_SOURCES)]
    today = (pd.to_datetime(found["source_day"]).dt.date == day) | (pd.to_datetime(found["issued_at"]).dt.date == day)
    return found[today].sort_values("order_id").reset_index(drop=True)


# --- 督办：签收、答复与复核 (#36) --------------------------------------------------------------------
# 督办与催报's reads (pages/supervision.py) and the section's landing block: every item (all sources)
# with its status and 三色 level, an item's course and its reply files, the office's 签收 and 临近提醒
# days, what the reminders carry, and what waits for a section.
supervision_settings = cached(decisions.settings, max_entries=16)  # (签收时限, 临近提醒) in days
due_reminders = cached(decisions.due_reminders, max_entries=16)  # what a reminder sent that day carries
order_history = cached(decisions.history)  # decided, signed, replies (with files), returns, closing
order_file_list = cached(order_files.listing)  # the files of an item's replies
order_file = cached(order_files.read, max_entries=2)  # (name, mime, bytes) of up to 20 MB, read on download
section_todo = cached(decisions.section_todo)  # a section's items to sign for and returned ones


@cached
def order_board(db: Database, plan_id: int, today: date, section: str | None = None) -> pd.DataFrame:
    """The 督办 items (decisions.board: status and 三色 level on ``today``, 待复核 first); only
    ``section``'s when given (a section sees its own items, nothing of the others')."""
    frame = decisions.board(db, plan_id, today)
    return frame if section is None else frame[frame["section"] == section].reset_index(drop=True)


# --- 全市总览 (#38) ----------------------------------------------------------------------------------
# The city's reads (pages/city.py, pages/city_meeting.py) and a unit's peers on 总览: every unit's
# row of one year at one 统计日期, computed once per data version and shared by every session.
city_years = cached(city.years, max_entries=4)  # the years with plans, newest first
city_default_as_of = cached(city.default_as_of, max_entries=8)  # the latest of the plans' own 统计日期
city_groups = cached(city.groups, max_entries=4)  # unit → group ('未分组' unless the city put it in one)
city_names_visible = cached(city.names_visible, max_entries=4)  # whether a unit sees its peers' names
city_table = cached(city.table, max_entries=8)  # one row per unit: plan, reporting, completion, score, rank …
city_shared = cached(city.shared_indicators, max_entries=8)  # the indicators units share, per unit


@cached(max_entries=8)
def city_attention(db: Database, year: int, as_of: date) -> pd.DataFrame:
    """The units needing attention, most pressing first (city.attention of the city table)."""
    return city.attention(city_table(db, year, as_of))


@cached(max_entries=32)
def city_peers(db: Database, year: int, as_of: date, unit: str) -> pd.DataFrame:
    """What ``unit``'s accounts see of its group (city.peer_view): its own rank, the peers by rank,
    anonymous unless the city shows names; empty when the city has not put it in a group. Read
    without the year-end forecasts (a rank needs none: a third of the city table's cost)."""
    table = city_table(db, year, as_of, False)
    mine = table[table["unit"] == unit]
    if mine.empty or mine.iloc[0]["group"] == city.UNGROUPED:
        return pd.DataFrame(columns=city.PEER_COLUMNS)
    return city.peer_view(table, unit, city.names_visible(db))


@cached(max_entries=8, shared=True)
def city_chart(db: Database, year: int, as_of: date, groups: tuple[str, ...]) -> go.Figure:
    """Each unit's 完成率 against its 序时进度 (city_board.completion_chart), of ``groups`` (all: ())."""
    table = city_table(db, year, as_of)
    return city_board.completion_chart(table[table["group"].isin(groups)] if groups else table)


@cached(max_entries=8)
def city_slides(db: Database, year: int, as_of: date) -> list:
    """The city meeting screen's slides (city_board.slides): 全市概况, a slide per group, 需要关注."""
    return city_board.slides(city_table(db, year, as_of), year, as_of)


@cached(max_entries=2)
def city_summary_xlsx(db: Database, year: int, as_of: date, groups: tuple[str, ...]) -> bytes:
    """全市绩效汇总表 (city_docs.summary_xlsx) of ``groups`` (all: ()), marked demo data when every
    plan of the year is."""
    table = city_table(db, year, as_of)
    rows = queries.plans(db)
    rows = rows[rows["year"] == year]
    demo = bool(len(rows)) and all(queries.is_demo(r) for _, r in rows.iterrows())
    return city_docs.summary_xlsx(table[table["group"].isin(groups)] if groups else table, year, as_of, demo=demo)
