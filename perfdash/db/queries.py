"""Named read queries over the store, parameterised, returning DataFrames."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd

from perfdash.core.schedule import LATE_STATUSES, OVERDUE, add_schedule
from perfdash.db.database import Database

# The first CTE of the target state and of the weekly views: each target's milestones (节点) in
# order, the shape schedule.milestone_expected reads.
WITH_MARKS = """
        WITH marks AS (
            SELECT code, list({'due_date': due_date, 'weight': weight::DOUBLE} ORDER BY seq) AS milestones
            FROM milestones WHERE plan_id = $plan_id GROUP BY code
        )"""


def _target_state_sql(one_plan: bool) -> str:
    """The target-state query: of one plan ($plan_id), or of several ($plan_ids; each row then
    starts with its plan_id). One text for both, so the city's table and a unit's own pages read
    the same state; every CTE is keyed by plan as well as code."""
    if one_plan:
        parts = {"plans": "plan_id = $plan_id", "t_plans": "t.plan_id = $plan_id", "plan_column": "", "order": "t.seq"}
    else:
        parts = {
            "plans": "list_contains($plan_ids, plan_id)",
            "t_plans": "list_contains($plan_ids, t.plan_id)",
            "plan_column": "t.plan_id, ",
            "order": "t.plan_id, t.seq",
        }
    sql = _TARGET_STATE
    for name, text in parts.items():
        sql = sql.replace("{" + name + "}", text)
    return sql


_TARGET_STATE = """
        WITH marks AS (
            SELECT plan_id, code,
                   list({'due_date': due_date, 'weight': weight::DOUBLE} ORDER BY seq) AS milestones
            FROM milestones WHERE {plans} GROUP BY plan_id, code
        ),
        latest AS (
            SELECT plan_id, code,
                   arg_max(completion_pct, (report_date, progress_id)) AS completion_pct,
                   arg_max(status, (report_date, progress_id))         AS status,
                   arg_max(note, (report_date, progress_id))           AS note,
                   arg_max(coalesce(coordinate, FALSE), (report_date, progress_id)) AS coordinate,
                   arg_max(progress_id, (report_date, progress_id))    AS progress_id,
                   max(report_date)                                   AS last_report,
                   min(report_date) FILTER (WHERE completion_pct >= 100) AS finished_on,
                   bool_or(is_demo)                                   AS is_demo
            FROM progress
            WHERE {plans} AND report_date <= $as_of
            GROUP BY plan_id, code
        ),
        -- What the official score counts (workflows.claims): the latest report that needed no
        -- check or was accepted. Only targets with a claim open differ from their latest report,
        -- so only theirs are read again.
        unsettled AS (  -- reports whose latest claim is not accepted (a 抽查 may follow a claim)
            SELECT plan_id, code, progress_id FROM claims WHERE {plans}
            GROUP BY plan_id, code, progress_id HAVING arg_max(state, claim_id) <> 'accepted'
        ),
        open_codes AS (SELECT DISTINCT plan_id, code FROM unsettled),
        checked AS (
            SELECT plan_id, code,
                   arg_max(completion_pct, (report_date, progress_id)) AS checked_pct,
                   arg_max(status, (report_date, progress_id))         AS checked_status,
                   min(report_date) FILTER (WHERE completion_pct >= 100) AS checked_finished_on
            FROM progress g JOIN open_codes USING (plan_id, code)
            WHERE {plans} AND report_date <= $as_of
              AND progress_id NOT IN (SELECT progress_id FROM unsettled)
            GROUP BY plan_id, code
        ),
        claim_of AS (
            SELECT progress_id, arg_max(state, claim_id) AS claim_state
            FROM claims WHERE {plans} GROUP BY progress_id
        ),
        secs AS (
            SELECT plan_id, code,
                   list(section ORDER BY seq) AS sections,
                   list(coalesce(person, '') ORDER BY seq) AS persons
            FROM target_sections WHERE {plans} GROUP BY plan_id, code
        ),
        leads AS (
            SELECT plan_id, code, list(leader ORDER BY seq) AS leaders
            FROM target_leaders WHERE {plans} GROUP BY plan_id, code
        )
        SELECT {plan_column}t.code, i.grp AS "group", i.category, t.indicator_code, i.title AS indicator,
               i.points::DOUBLE AS indicator_points, t.target_text AS target, t.points::DOUBLE AS points,
               t.deadline, s.sections[1] AS lead_section, s.persons[1] AS lead_person,
               s.sections, s.persons, coalesce(l.leaders, []) AS leaders,
               coalesce(p.completion_pct, 0)::DOUBLE AS completion_pct,
               coalesce(p.status, '未开始') AS status, coalesce(p.note, '') AS note,
               coalesce(p.coordinate, FALSE) AS coordinate,
               p.last_report, p.finished_on, coalesce(p.is_demo, false) AS is_demo, t.origin,
               m.milestones,
               CASE WHEN o.code IS NOT NULL
                    THEN coalesce(k.checked_pct, 0) ELSE coalesce(p.completion_pct, 0) END::DOUBLE AS checked_pct,
               CASE WHEN o.code IS NOT NULL
                    THEN coalesce(k.checked_status, '未开始') ELSE coalesce(p.status, '未开始') END AS checked_status,
               CASE WHEN o.code IS NOT NULL
                    THEN k.checked_finished_on ELSE p.finished_on END AS checked_finished_on,
               coalesce(co.claim_state, '') AS claim_state
        FROM targets t
        JOIN indicators i ON i.plan_id = t.plan_id AND i.indicator_code = t.indicator_code
        LEFT JOIN secs s ON s.plan_id = t.plan_id AND s.code = t.code
        LEFT JOIN leads l ON l.plan_id = t.plan_id AND l.code = t.code
        LEFT JOIN latest p ON p.plan_id = t.plan_id AND p.code = t.code
        LEFT JOIN marks m ON m.plan_id = t.plan_id AND m.code = t.code
        LEFT JOIN open_codes o ON o.plan_id = t.plan_id AND o.code = t.code
        LEFT JOIN checked k ON k.plan_id = t.plan_id AND k.code = t.code
        LEFT JOIN claim_of co ON co.progress_id = p.progress_id
        WHERE {t_plans}
        ORDER BY {order}
    """

SQL: dict[str, str] = {
    "plans": """
        SELECT p.plan_id, p.unit, p.year, p.title, p.stated_total::DOUBLE AS stated_total,
               (SELECT count(*) FROM targets t WHERE t.plan_id = p.plan_id)::INTEGER AS targets,
               (SELECT max(report_date) FROM progress g WHERE g.plan_id = p.plan_id) AS latest_report,
               (SELECT bool_or(is_demo) FROM progress g WHERE g.plan_id = p.plan_id) AS has_demo
        FROM plans p
        ORDER BY p.year DESC, p.unit
    """,
    "report_dates": """
        SELECT DISTINCT report_date FROM progress WHERE plan_id = $plan_id ORDER BY report_date
    """,
    # One row per target with its state as it was on $as_of (latest report on or before it).
    "target_state": _target_state_sql(one_plan=True),
    # The same for several plans at once ($plan_ids), each row with its plan_id (the city's view).
    "target_states": _target_state_sql(one_plan=False),
    "plan_checks": """
        SELECT check_name, subject, expected, actual, ok, message
        FROM plan_checks WHERE plan_id = $plan_id ORDER BY seq
    """,
    "target_history": """
        SELECT report_date, completion_pct::DOUBLE AS completion_pct, status, note, reporter, recorded_at, is_demo,
               coalesce(late, FALSE) AS late, coalesce(coordinate, FALSE) AS coordinate
        FROM progress WHERE plan_id = $plan_id AND code = $code AND report_date <= $as_of
        ORDER BY report_date, progress_id
    """,
}


def latest_report_day(plan: pd.Series) -> date | None:
    """The date of a plan's latest progress report (a row of ``plans``), or None before any."""
    latest = plan["latest_report"]
    return latest.date() if hasattr(latest, "date") and latest == latest else None


def plans(store: Database) -> pd.DataFrame:
    """Every plan in the database (unit + year), newest year first."""
    return store.query(SQL["plans"])


def is_demo(plan: pd.Series) -> bool:
    """Whether a plan (a row of ``plans``) holds the demo history: its has_demo is NULL until
    anything is reported, and a plan with no progress is not demo data."""
    return bool(plan["has_demo"]) if pd.notna(plan["has_demo"]) else False


def reported(store: Database, plan_id: int, as_of: date) -> int:
    """How many progress records a plan holds dated on or before ``as_of`` (0: nothing reported
    yet — the pages show 尚无填报, not a score or a forecast from nothing)."""
    return int(
        store.scalar(
            "SELECT count(*) FROM progress WHERE plan_id = $p AND report_date <= $d", {"p": plan_id, "d": as_of}
        )
    )


def report_dates(store: Database, plan_id: int) -> list[date]:
    """The dates on which progress was reported for a plan, ascending."""
    df = store.query(SQL["report_dates"], {"plan_id": plan_id})
    return [d.date() if hasattr(d, "date") else d for d in df["report_date"]]


def target_state(store: Database, plan_id: int, as_of: date, year: int) -> pd.DataFrame:
    """Each target as of a date: plan fields, latest progress, 序时进度 and lag status. A target
    set to take its completion from its 量化指标 does so once an actual is reported
    (``completion_source`` says which)."""
    from perfdash.db import kpi_tracking

    df = store.query(SQL["target_state"], {"plan_id": plan_id, "as_of": as_of})
    return add_schedule(_with_kpis(df, kpi_tracking.completions(store, plan_id, as_of)), as_of, year)


def target_states(store: Database, plan_ids: list[int], as_of: date, year: int) -> dict[int, pd.DataFrame]:
    """``target_state`` of several plans of one year, by plan id, read in one query (the city's
    table: 100 plans in one pass instead of 100). Each frame equals the plan's own target_state;
    a plan with no targets gets an empty one."""
    from perfdash.db import kpi_tracking

    ids = [int(p) for p in plan_ids]
    df = store.query(SQL["target_states"], {"plan_ids": ids, "as_of": as_of})
    df["completion_source"] = kpi_tracking.SOURCE_DIRECT
    with_kpis = store.query(
        "SELECT DISTINCT plan_id FROM completion_modes WHERE mode = 'kpi' AND list_contains($ids, plan_id)",
        {"ids": ids},
    )["plan_id"]
    for plan_id in with_kpis:  # few plans take completion from 量化指标: theirs are patched in place
        rows = df.index[df["plan_id"] == plan_id]
        from_kpis = kpi_tracking.completions(store, int(plan_id), as_of)
        part = _with_kpis(df.loc[rows].drop(columns="completion_source"), from_kpis)
        df.loc[rows, part.columns] = part
    # 序时进度 and the lag status are worked out row by row: once for all plans, then split.
    df = add_schedule(df, as_of, year)
    # Rows come ordered by plan: each plan's rows are one slice.
    owner = df["plan_id"].to_numpy()
    df = df.drop(columns="plan_id")
    cuts = [0, *(np.flatnonzero(owner[1:] != owner[:-1]) + 1), len(owner)]
    parts = {int(owner[a]): df.iloc[a:b].reset_index(drop=True) for a, b in itertools.pairwise(cuts) if b > a}
    return {p: parts.get(p, df.iloc[:0]) for p in ids}


def _with_kpis(df: pd.DataFrame, from_kpis: dict[str, float]) -> pd.DataFrame:
    """The target state with completion taken from the 量化指标 where a target is set to (and an
    actual is reported): ``completion_source`` says which."""
    from perfdash.db import kpi_tracking

    df["completion_source"] = [
        kpi_tracking.SOURCE_KPI if c in from_kpis else kpi_tracking.SOURCE_DIRECT for c in df["code"]
    ]
    if from_kpis:
        df["completion_pct"] = [from_kpis.get(c, p) for c, p in zip(df["code"], df["completion_pct"], strict=True)]
        # Actuals of 量化指标 are not claims: the counted value follows them unless a check is open.
        df["checked_pct"] = [
            from_kpis.get(c, k) if s not in ("pending", "returned") else k
            for c, k, s in zip(df["code"], df["checked_pct"], df["claim_state"], strict=True)
        ]
    return df


def plan_checks(store: Database, plan_id: int) -> pd.DataFrame:
    """The plan's stored validation rows."""
    return store.query(SQL["plan_checks"], {"plan_id": plan_id})


def target_history(store: Database, plan_id: int, code: str, as_of: date = date.max) -> pd.DataFrame:
    """Every report of one target up to ``as_of``, oldest first."""
    return store.query(SQL["target_history"], {"plan_id": plan_id, "code": code, "as_of": as_of})


def weighted_completion(state: pd.DataFrame) -> float:
    """Points-weighted completion in percent: Σ points × completion ÷ Σ points."""
    total = float(state["points"].sum())
    if total == 0:
        return 0.0
    return float((state["points"] * state["completion_pct"].clip(upper=100)).sum() / total)


def headline(state: pd.DataFrame) -> dict[str, float | int]:
    """The headline numbers of a target-state frame."""
    return {
        "targets": len(state),
        "points": float(state["points"].sum()),
        "completion_pct": weighted_completion(state),
        "expected_pct": float((state["points"] * state["expected_pct"]).sum() / max(state["points"].sum(), 1e-9)),
        "done": int((state["completion_pct"] >= 100).sum()),
        "late": int(state["lag_status"].isin(LATE_STATUSES).sum()),
        "overdue": int((state["lag_status"] == OVERDUE).sum()),
    }


def group_summary(state: pd.DataFrame, stated: dict[str, float | None] | None = None) -> pd.DataFrame:
    """Per group (职能工作…, in the plan's order): targets, points, the points the document states
    for the group (``stated``, else its targets' sum), weighted completion."""
    rows = []
    for group, part in state.groupby("group", sort=False):
        pts = float(part["points"].sum())
        done = weighted_completion(part) if len(part) else 0.0
        expected = (stated or {}).get(str(group))
        rows.append(
            {
                "group": group,
                "targets": len(part),
                "points": pts,
                "structure_points": float(expected) if expected is not None else pts,
                "completion_pct": done,
                "earned_points": pts * done / 100,
            }
        )
    return pd.DataFrame(
        rows, columns=["group", "targets", "points", "structure_points", "completion_pct", "earned_points"]
    )


def plan_groups(store: Database, plan_id: int) -> pd.DataFrame:
    """The plan's groups in document order, with the points the document states for each."""
    return store.query(
        'SELECT grp AS "group", stated_points::DOUBLE AS stated_points FROM plan_groups '
        "WHERE plan_id = $plan_id ORDER BY seq",
        {"plan_id": plan_id},
    )


def find_plan(store: Database, unit: str | None = None, year: int | None = None) -> pd.Series | None:
    """The plan matching unit and/or year (newest first when several match), or None."""
    df = plans(store)
    if unit:
        df = df[df["unit"] == unit]
    if year:
        df = df[df["year"] == year]
    return None if df.empty else df.iloc[0]


def sections_and_leaders(store: Database, plan_id: int) -> tuple[list[str], list[str]]:
    """Every responsible section and every supervising leader of a plan, in first-seen order."""
    secs = store.query(
        "SELECT section FROM target_sections WHERE plan_id = $plan_id GROUP BY section ORDER BY min(code), section",
        {"plan_id": plan_id},
    )["section"].tolist()
    leaders = store.query(
        "SELECT leader FROM target_leaders WHERE plan_id = $plan_id GROUP BY leader ORDER BY min(code), leader",
        {"plan_id": plan_id},
    )["leader"].tolist()
    return secs, leaders


def reports_by(store: Database, plan_id: int, reporter: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest progress reports, of one reporter or of everyone, newest first."""
    return store.query(
        """
        SELECT code, report_date, completion_pct::DOUBLE AS completion_pct, status, note, reporter, recorded_at,
               coalesce(coordinate, FALSE) AS coordinate
        FROM progress
        WHERE plan_id = $plan_id AND ($reporter IS NULL OR reporter = $reporter)
        ORDER BY recorded_at DESC, progress_id DESC
        LIMIT $limit
        """,
        {"plan_id": plan_id, "reporter": reporter, "limit": limit},
    )


def plan_calendar(store: Database, plan_id: int) -> pd.DataFrame:
    """The plan's evaluation timetable (科室自评, 综合评估, 总结上报) with dates."""
    return store.query(
        "SELECT name, start_date, end_date, note FROM plan_calendar WHERE plan_id = $plan_id ORDER BY seq",
        {"plan_id": plan_id},
    )


def indicator_list(store: Database, plan_id: int) -> pd.DataFrame:
    """The plan's indicators (一级指标) in document order: code, group, title, points."""
    return store.query(
        'SELECT indicator_code, grp AS "group", title, points::DOUBLE AS points FROM indicators '
        "WHERE plan_id = $plan_id ORDER BY seq",
        {"plan_id": plan_id},
    )


def scenarios(store: Database, plan_id: int) -> pd.DataFrame:
    """The saved scenarios of a plan, newest first."""
    return store.query(
        "SELECT scenario_id, name, note, base, as_of, rules_json, adjustments_json, created_by, created_at "
        "FROM scenarios "
        "WHERE plan_id = $plan_id ORDER BY created_at DESC, scenario_id DESC",
        {"plan_id": plan_id},
    )


def scenario_values(store: Database, scenario_id: int) -> dict[str, float]:
    """A scenario's completion per target."""
    df = store.query(
        "SELECT code, completion_pct::DOUBLE AS pct FROM scenario_values WHERE scenario_id = $sid",
        {"sid": scenario_id},
    )
    return dict(zip(df["code"], df["pct"], strict=True))


def adjustments(store: Database, plan_id: int) -> pd.DataFrame:
    """The 加分 / 扣分 / 一票否决 entries in force (not withdrawn), oldest first."""
    return store.query(
        'SELECT adjustment_id, kind, points::DOUBLE AS points, grp AS "group", note, basis, created_by, created_at '
        "FROM adjustments WHERE plan_id = $plan_id AND deleted_at IS NULL ORDER BY adjustment_id",
        {"plan_id": plan_id},
    )


def accounts(store: Database, units: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Every account (never the password hashes); with ``units``, only those wholly within them
    (what an office bound to those units manages)."""
    return store.query(
        "SELECT username, display_name, role, scope, email, disabled, created_at, units, "
        "password_hash IS NOT NULL AS has_password FROM accounts "
        "WHERE $units IS NULL OR (units IS NOT NULL AND list_has_all($units, units)) ORDER BY role, username",
        {"units": None if units is None else list(units)},
    )


def kiosk_tokens(store: Database, units: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Meeting-screen tokens (hashes only), newest first; with ``units``, those wholly within them."""
    return store.query(
        "SELECT token_hash, label, created_by, created_at, revoked_at, units FROM kiosk_tokens "
        "WHERE $units IS NULL OR (units IS NOT NULL AND list_has_all($units, units)) ORDER BY created_at DESC",
        {"units": None if units is None else list(units)},
    )


def audit_log(
    store: Database,
    actor: str | None = None,
    entity: str | None = None,
    limit: int = 500,
    units: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The audit trail, newest first, optionally of one actor and/or one kind of thing; with
    ``units``, only what changed those units' plans."""
    return store.query(
        """
        SELECT audit_id, logged_at, actor, role, action, entity, entity_key, old_value, new_value, unit
        FROM audit_log
        WHERE ($actor IS NULL OR actor = $actor) AND ($entity IS NULL OR entity = $entity)
          AND ($units IS NULL OR list_contains($units, unit))
        ORDER BY audit_id DESC LIMIT $limit
        """,
        {"actor": actor, "entity": entity, "limit": limit, "units": None if units is None else list(units)},
    )


def survey_samples(store: Database, plan_id: int) -> pd.DataFrame:
    """The public-evaluation sample list (公众评议样本), in entry order."""
    return store.query(
        "SELECT sample_id, name, organization, category, phone, section, note, created_by, created_at "
        "FROM survey_samples WHERE plan_id = $p ORDER BY sample_id",
        {"p": plan_id},
    )


def report_notes(store: Database, plan_id: int) -> dict[str, str]:
    """The office's problems and improvement measures for the report (empty until written)."""
    df = store.query("SELECT problems, measures FROM report_notes WHERE plan_id = $p", {"p": plan_id})
    return {"problems": "", "measures": ""} if df.empty else {k: str(df.iloc[0][k]) for k in ("problems", "measures")}
