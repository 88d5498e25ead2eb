"""Points-weighted roll-ups of the target state: by indicator, by section (lead and co apart),
by leader and by person; and the one rule for how co-sections count."""

from __future__ import annotations

import pandas as pd

from perfdash.core.access import Actor
from perfdash.core.schedule import DONE, LAG_STATUSES, LATE_STATUSES, OVERDUE, RED

CO_SECTION_RULE = (
    "科室的完成率只按其牵头目标的分值加权计算；协作目标单列展示，不计入该科室完成率，全局合计中每个目标只计一次。"
)
PERSON_RULE = "责任人的完成率只按其所在科室牵头目标的分值加权计算；协作目标单列计数。"
LEADER_RULE = "分管领导名下的目标按考评表所列：一个目标列有几位分管领导，就同时计入每一位的分管分值。"


def summary(part: pd.DataFrame) -> dict[str, float | int]:
    """Targets, points, weighted completion and expected, and counts by lag status."""
    if part.empty:
        empty: dict[str, float | int] = {"targets": 0, "points": 0.0, "completion_pct": 0.0, "expected_pct": 0.0}
        return empty | dict.fromkeys([*LAG_STATUSES, "late", "at_risk"], 0)
    row = _summaries(part.assign(_all=0), ["_all"]).iloc[0]
    return {
        k: (float(v) if k in ("points", "completion_pct", "expected_pct") else int(v))
        for k, v in row.drop("_all").items()
    }


def _summaries(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``summary`` for every group of ``keys`` at once (one groupby, no per-group Python)."""
    stats = ["targets", "points", "completion_pct", "expected_pct", *LAG_STATUSES, "late", "at_risk"]
    if frame.empty:
        return pd.DataFrame(columns=[*keys, *stats])
    work = frame[keys].copy()
    work["targets"] = 1
    work["points"] = frame["points"].astype(float)
    work["_wc"] = work["points"] * frame["completion_pct"].clip(upper=100)
    work["_we"] = work["points"] * frame["expected_pct"]
    for status in LAG_STATUSES:
        work[status] = (frame["lag_status"] == status).astype(int)
    work["late"] = frame["lag_status"].isin(LATE_STATUSES).astype(int)
    work["at_risk"] = frame["lag_status"].isin((RED, OVERDUE)).astype(int)
    sums = work.groupby(keys, sort=False).sum().reset_index()
    has_points = sums["points"] > 0
    sums["completion_pct"] = (sums["_wc"] / sums["points"]).where(has_points, 0.0)
    sums["expected_pct"] = (sums["_we"] / sums["points"]).where(has_points, 0.0)
    return sums[[*keys, *stats]]


def by_indicator(state: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator (一级指标) in plan order."""
    keys = ["indicator_code", "group", "indicator", "indicator_points"]
    return _summaries(state, keys)[_columns(keys)]


def _columns(keys: list[str]) -> list[str]:
    return [*keys, "targets", "points", "completion_pct", "expected_pct", *LAG_STATUSES, "late", "at_risk"]


def _explode(state: pd.DataFrame, column: str, role_of_first: bool) -> pd.DataFrame:
    """One row per (target, listed name), with the name's role (lead for the first) where asked."""
    rows = state.assign(_names=state[column].map(list)).explode("_names").dropna(subset=["_names"])
    rows = rows[rows["_names"] != ""]
    if role_of_first:
        firsts = state.set_index("code")[column].map(lambda names: names[0] if len(names) else None)
        rows["role"] = ["lead" if firsts[c] == n else "co" for c, n in zip(rows["code"], rows["_names"], strict=True)]
    return rows.rename(columns={"_names": "name"})


def by_section(state: pd.DataFrame) -> pd.DataFrame:
    """One row per responsible section: its lead targets (which set its completion) and its
    co-targets apart (see CO_SECTION_RULE). Sorted by lead completion, best first."""
    pairs = _explode(state, "sections", role_of_first=True)
    if pairs.empty:
        return pd.DataFrame()
    order = pd.DataFrame({"section": list(dict.fromkeys(pairs["name"]))})
    lead = _summaries(pairs[pairs["role"] == "lead"], ["name"]).rename(columns={"name": "section"})
    co = _summaries(pairs[pairs["role"] == "co"], ["name"]).rename(
        columns={
            "name": "section",
            "targets": "co_targets",
            "points": "co_points",
            "completion_pct": "co_completion_pct",
            "late": "co_late",
        }
    )
    df = order.merge(lead, on="section", how="left").merge(
        co[["section", "co_targets", "co_points", "co_completion_pct", "co_late"]], on="section", how="left"
    )
    for column in ("targets", "late", "at_risk", DONE, "co_targets", "co_late"):
        df[column] = df[column].fillna(0).astype(int)
    for column in ("points", "co_points"):
        df[column] = df[column].fillna(0.0).astype(float)
    df = df.rename(columns={DONE: "done"})
    df["co_completion_pct"] = df["co_completion_pct"].where(df["co_targets"] > 0, None)
    leads = df["targets"] > 0
    # A section that leads nothing has no completion of its own: show it as blank, list it last.
    df["completion_pct"] = df["completion_pct"].where(leads, None).astype(float)
    df["expected_pct"] = df["expected_pct"].where(leads, None).astype(float)
    df["gap_pct"] = df["completion_pct"] - df["expected_pct"]
    df["_leads"] = leads
    columns = [
        "section",
        "targets",
        "points",
        "completion_pct",
        "expected_pct",
        "late",
        "at_risk",
        "done",
        "co_targets",
        "co_points",
        "co_completion_pct",
        "co_late",
        "gap_pct",
    ]
    return df.sort_values(["_leads", "completion_pct", "section"], ascending=[False, False, True])[columns].reset_index(
        drop=True
    )


def by_leader(state: pd.DataFrame) -> pd.DataFrame:
    """One row per supervising leader (分管领导): points supervised, completion, late items."""
    rows = _summaries(_explode(state, "leaders", role_of_first=False), ["name"])
    rows = rows.rename(columns={"name": "leader", DONE: "done"})
    columns = ["leader", "targets", "points", "completion_pct", "expected_pct", "late", "at_risk", "done"]
    return rows[columns].sort_values("points", ascending=False, kind="stable").reset_index(drop=True)


def by_person(state: pd.DataFrame) -> pd.DataFrame:
    """One row per responsible person (责任人) with their section: lead targets and co-targets
    apart, as for sections."""
    secs, persons = state["sections"].map(list), state["persons"].map(list)
    pairs = pd.DataFrame(
        [
            (code, s, p, "lead" if k == 0 else "co")
            for code, ss, ps in zip(state["code"], secs, persons, strict=True)
            for k, (s, p) in enumerate(zip(ss, ps, strict=False))
            if p
        ],
        columns=["code", "section", "person", "role"],
    )
    detail = state.set_index("code")[["points", "completion_pct", "expected_pct", "lag_status"]]
    pairs = pairs.join(detail, on="code")
    keys = ["person", "section"]
    order = pairs[keys].drop_duplicates()
    lead = _summaries(pairs[pairs["role"] == "lead"], keys)
    co = _summaries(pairs[pairs["role"] == "co"], keys).rename(columns={"targets": "co_targets", "late": "co_late"})
    df = order.merge(lead, on=keys, how="left").merge(co[[*keys, "co_targets", "co_late"]], on=keys, how="left")
    for column in ("targets", "late", "co_targets", "co_late"):
        df[column] = df[column].fillna(0).astype(int)
    for column in ("points", "completion_pct", "expected_pct"):
        df[column] = df[column].fillna(0.0).astype(float)
    columns = [
        "person",
        "section",
        "targets",
        "points",
        "completion_pct",
        "expected_pct",
        "late",
        "co_targets",
        "co_late",
    ]
    return df[columns].sort_values(["points", "person"], ascending=[False, True]).reset_index(drop=True)


def portfolio(state: pd.DataFrame, leader: str) -> pd.DataFrame:
    """The targets one leader supervises, worst lag first."""
    mine = state[state["leaders"].map(lambda names: leader in list(names))]
    order = {s: i for i, s in enumerate(reversed(LAG_STATUSES))}
    return (
        mine.assign(_o=mine["lag_status"].map(order))
        .sort_values(["_o", "lag_pct"], ascending=[True, False])
        .drop(columns="_o")
    )


def own_first(state: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """The targets with the actor's own first: a leader's portfolio (worst first), a section's lead
    targets; the rest after them in plan order."""
    if actor.role == "leader":
        mine = portfolio(state, actor.name)
    elif actor.role == "section":
        mine = state[state["lead_section"] == actor.name]
    else:
        return state
    return pd.concat([mine, state[~state["code"].isin(mine["code"])]])
