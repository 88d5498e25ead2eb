"""The measures behind a section's assessment (workflows.assessment): completion weighted by
points and role, reporting on time, 督办 answered in time, milestones met and the year-end steps,
each as (met, due) so the page can say what was counted; and the 责任人 reference sheet, from
the same counted state."""

from __future__ import annotations

from datetime import date

import pandas as pd

from perfdash.db import queries
from perfdash.db.database import Database
from perfdash.workflows import claims, evaluation, periods

YEAR_END_KEYS = ("self_assessed", "signed", "evidence", "claims")


def _lead(row: object) -> str:
    return str(next(iter(row.sections)))


def role_weights(state: pd.DataFrame, co_factor: float) -> pd.DataFrame:
    """One row per (section, target) with its points, counted completion, role and weight: a lead
    target weighs its points, a co-operated one ``co_factor`` times them."""
    rows = []
    for r in state.itertuples():
        for n, section in enumerate(list(r.sections) if r.sections is not None else []):
            rows.append((section, r.code, float(r.points), float(r.completion_pct), n == 0))
    df = pd.DataFrame(rows, columns=["section", "code", "points", "pct", "lead"])
    df["weight"] = df["points"] * df["lead"].map({True: 1.0, False: co_factor})
    return df


def completion(df: pd.DataFrame) -> dict[str, float]:
    """Each section's weighted completion (0–1) from ``role_weights``."""
    out = {}
    for section, part in df.groupby("section", sort=False):
        total = part["weight"].sum()
        out[str(section)] = float((part["weight"] * part["pct"]).sum() / total / 100) if total else 0.0
    return out


def on_time(store: Database, plan_id: int, state: pd.DataFrame, as_of: date) -> dict[str, tuple[int, int]]:
    """Per section: (periods reported on time, periods it was due) over the periods ended by as_of."""
    cal = periods.calendar(store, plan_id)
    ended = [p for p in cal.periods() if p.end <= as_of]
    lead = {r.code: _lead(r) for r in state.itertuples() if r.sections is not None and len(r.sections)}
    reports = store.query(
        "SELECT code, report_date, completion_pct::DOUBLE AS pct, reporter, coalesce(late, FALSE) AS late "
        "FROM progress WHERE plan_id = $p AND report_date <= $d ORDER BY report_date, progress_id",
        {"p": plan_id, "d": as_of},
    )
    reports["report_date"] = pd.to_datetime(reports["report_date"]).dt.date
    reports["lead"] = reports["code"].map(lead)
    out: dict[str, list[int]] = {s: [0, 0] for s in set(lead.values())}
    done_on: dict[str, date] = {}
    for r in reports[reports["pct"] >= 100].itertuples():
        done_on.setdefault(r.code, r.report_date)
    for period in ended:
        in_period = reports[(reports["report_date"] >= period.start) & (reports["report_date"] <= period.end)]
        on_time = in_period[~in_period["late"]]
        reported = set(on_time["reporter"]) | set(on_time["lead"].dropna())
        for section in out:
            open_targets = [
                c for c, s in lead.items() if s == section and not (c in done_on and done_on[c] < period.start)
            ]
            if not open_targets:
                continue
            out[section][1] += 1
            out[section][0] += section in reported
    return {s: (m, d) for s, (m, d) in out.items()}


def supervision(store: Database, plan_id: int, as_of: date) -> dict[str, tuple[int, int]]:
    """Per section: (督办 orders answered or closed by their due day, orders due by as_of)."""
    df = store.query(
        """
        SELECT o.section, o.due_date,
               (SELECT min(r.responded_at) FROM order_responses r WHERE r.order_id = o.order_id) AS first_answer,
               o.closed_at
        FROM supervision_orders o WHERE o.plan_id = $p AND o.due_date <= $d
        """,
        {"p": plan_id, "d": as_of},
    )
    out: dict[str, list[int]] = {}
    for r in df.itertuples():
        answered = [pd.Timestamp(t).date() for t in (r.first_answer, r.closed_at) if t is not None and not pd.isna(t)]
        met = bool(answered) and min(answered) <= pd.Timestamp(r.due_date).date()
        counts = out.setdefault(str(r.section), [0, 0])
        counts[0] += met
        counts[1] += 1
    return {s: (m, d) for s, (m, d) in out.items()}


def milestones(store: Database, plan_id: int, state: pd.DataFrame, as_of: date) -> dict[str, tuple[int, int]]:
    """Per lead section: (milestones met, milestones due by as_of). A milestone is met when a report
    dated by its due day reached its cumulative share of the target — a report that counts: one
    waiting for or returned by the 核验 does not meet a milestone."""
    marks = store.query(
        "SELECT code, seq, due_date, weight::DOUBLE AS weight FROM milestones WHERE plan_id = $p ORDER BY code, seq",
        {"p": plan_id},
    )
    if marks.empty:
        return {}
    reports = store.query(
        "SELECT g.code, g.report_date, g.completion_pct::DOUBLE AS pct FROM progress g WHERE g.plan_id = $p "
        "AND coalesce((SELECT arg_max(c.state, c.claim_id) FROM claims c WHERE c.progress_id = g.progress_id), "
        "'accepted') = 'accepted'",
        {"p": plan_id},
    )
    reports["report_date"] = pd.to_datetime(reports["report_date"]).dt.date
    lead = {r.code: _lead(r) for r in state.itertuples() if r.sections is not None and len(r.sections)}
    out: dict[str, list[int]] = {}
    for code, part in marks.groupby("code", sort=False):
        total = part["weight"].sum()
        share = part["weight"].cumsum() / total * 100
        for due, needed in zip(part["due_date"], share, strict=True):
            due = pd.Timestamp(due).date()
            if due > as_of or code not in lead:
                continue
            before = reports[(reports["code"] == code) & (reports["report_date"] <= due)]["pct"]
            counts = out.setdefault(lead[code], [0, 0])
            counts[0] += bool(len(before)) and float(before.max()) >= needed - 1e-9
            counts[1] += 1
    return {s: (m, d) for s, (m, d) in out.items()}


def year_end(store: Database, plan_id: int, state: pd.DataFrame, year: int) -> dict[str, dict[str, tuple[int, int]]]:
    """Per lead section, over its lead targets: self-assessed by the plan's deadline, signed,
    every checklist item evidenced; and its claims accepted among those not superseded."""
    deadline = evaluation.self_assessment_deadline(queries.plan_calendar(store, plan_id), year)
    done = evaluation.assessments(store, plan_id).set_index("code")
    cover = claims.coverage(store, plan_id)
    complete = cover.groupby("code")["files"].agg(lambda f: bool((f > 0).all()))
    claim_rows = store.query(
        "SELECT code, state FROM claims WHERE plan_id = $p AND state <> 'superseded'", {"p": plan_id}
    )
    out: dict[str, dict[str, list[int]]] = {}
    for r in state.itertuples():
        if r.sections is None or not len(r.sections):
            continue
        m = out.setdefault(_lead(r), {k: [0, 0] for k in YEAR_END_KEYS})
        submitted = done["submitted_at"].get(r.code) if "submitted_at" in done else None
        on_time = submitted is not None and not pd.isna(submitted) and pd.Timestamp(submitted).date() <= deadline
        m["self_assessed"][0] += on_time
        m["signed"][0] += r.code in done.index and pd.notna(done["signed_by"].get(r.code))
        m["evidence"][0] += bool(complete.get(r.code, False))
        for k in ("self_assessed", "signed", "evidence"):
            m[k][1] += 1
        mine = claim_rows[claim_rows["code"] == r.code]
        m["claims"][0] += int((mine["state"] == "accepted").sum())
        m["claims"][1] += len(mine)
    return {s: {k: (a, b) for k, (a, b) in m.items()} for s, m in out.items()}


def rate(met_due: tuple[int, int]) -> float:
    met, due = met_due
    return met / due if due else 1.0  # nothing due: nothing missed


def person_sheet(store: Database, plan_id: int, as_of: date, year: int) -> pd.DataFrame:
    """A reference sheet per 责任人 (参考, for the office and leaders): the targets they are named
    for as lead person, points, weighted counted completion, how many lag or are overdue, late
    reports, and the latest note of their most behind target."""
    state = claims.counted(queries.target_state(store, plan_id, as_of, year))
    late = store.query(
        "SELECT code, count(*) FILTER (WHERE coalesce(late, FALSE))::INTEGER AS late_reports, "
        "count(*)::INTEGER AS reports "
        "FROM progress WHERE plan_id = $p AND report_date <= $d GROUP BY code",
        {"p": plan_id, "d": as_of},
    ).set_index("code")
    rows = []
    people = state[state["lead_person"].fillna("").astype(str).str.len() > 0]
    for person, part in people.groupby("lead_person", sort=False):
        weight = part["points"].sum()
        behind = part.sort_values("lag_pct", ascending=False).iloc[0]
        rows.append(
            {
                "person": person,
                "sections": "、".join(dict.fromkeys(part["lead_section"].astype(str))),
                "targets": len(part),
                "points": float(weight),
                "completion_pct": round(float((part["points"] * part["completion_pct"]).sum() / weight), 1)
                if weight
                else 0.0,
                "lagging": int(part["lag_status"].isin(["黄色滞后", "红色滞后"]).sum()),
                "overdue": int((part["lag_status"] == "逾期未完成").sum()),
                "late_reports": int(late["late_reports"].reindex(part["code"]).fillna(0).sum()),
                "reports": int(late["reports"].reindex(part["code"]).fillna(0).sum()),
                "note": f"{behind['code']}：{behind['note']}" if str(behind["note"]).strip() else "",
            }
        )
    return pd.DataFrame(rows)
