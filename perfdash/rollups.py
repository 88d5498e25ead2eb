"""Points-weighted roll-ups of the target state: by indicator, by section (lead and co apart),
by leader and by person; and the one rule for how co-sections count."""

from __future__ import annotations

import pandas as pd

from perfdash.schedule import DONE, LAG_STATUSES, LATE_STATUSES, OVERDUE, RED

CO_SECTION_RULE = (
    "科室的完成率只按其牵头目标的分值加权计算；协作目标单列展示，不计入该科室完成率，全局合计中每个目标只计一次。"
)
PERSON_RULE = "责任人的完成率只按其所在科室牵头目标的分值加权计算；协作目标单列计数。"
LEADER_RULE = "分管领导名下的目标按考评表所列：一个目标列有几位分管领导，就同时计入每一位的分管分值。"


def _weighted(part: pd.DataFrame, column: str = "completion_pct") -> float:
    pts = float(part["points"].sum())
    return float((part["points"] * part[column].clip(upper=100)).sum() / pts) if pts else 0.0


def summary(part: pd.DataFrame) -> dict[str, float | int]:
    """Targets, points, weighted completion and expected, and counts by lag status."""
    out: dict[str, float | int] = {
        "targets": len(part),
        "points": float(part["points"].sum()),
        "completion_pct": _weighted(part),
        "expected_pct": _weighted(part, "expected_pct"),
    }
    for status in LAG_STATUSES:
        out[status] = int((part["lag_status"] == status).sum())
    out["late"] = int(part["lag_status"].isin(LATE_STATUSES).sum())
    out["at_risk"] = int(part["lag_status"].isin((RED, OVERDUE)).sum())
    return out


def by_indicator(state: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator (一级指标) in plan order."""
    rows = []
    for (code, group, title, ipoints), part in state.groupby(
        ["indicator_code", "group", "indicator", "indicator_points"], sort=False
    ):
        rows.append(
            {"indicator_code": code, "group": group, "indicator": title, "indicator_points": ipoints, **summary(part)}
        )
    return pd.DataFrame(rows, columns=_columns(["indicator_code", "group", "indicator", "indicator_points"]))


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
    rows = []
    pairs = _explode(state, "sections", role_of_first=True)
    for section, part in pairs.groupby("name", sort=False):
        lead, co = part[part["role"] == "lead"], part[part["role"] == "co"]
        lead_sum = summary(lead)
        rows.append(
            {
                "section": section,
                **{k: lead_sum[k] for k in ("targets", "points", "completion_pct", "expected_pct", "late", "at_risk")},
                "done": lead_sum[DONE],
                "co_targets": len(co),
                "co_points": float(co["points"].sum()),
                "co_completion_pct": _weighted(co) if len(co) else None,
                "co_late": int(co["lag_status"].isin(LATE_STATUSES).sum()),
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    leads = df["targets"] > 0
    # A section that leads nothing has no completion of its own: show it as blank, list it last.
    df.loc[~leads, ["completion_pct", "expected_pct"]] = None
    df["gap_pct"] = df["completion_pct"] - df["expected_pct"]
    df["_leads"] = leads
    return (
        df.sort_values(["_leads", "completion_pct", "section"], ascending=[False, False, True])
        .drop(columns="_leads")
        .reset_index(drop=True)
    )


def by_leader(state: pd.DataFrame) -> pd.DataFrame:
    """One row per supervising leader (分管领导): points supervised, completion, late items."""
    rows = []
    for leader, part in _explode(state, "leaders", role_of_first=False).groupby("name", sort=False):
        s = summary(part)
        rows.append(
            {
                "leader": leader,
                **{k: s[k] for k in ("targets", "points", "completion_pct", "expected_pct", "late", "at_risk")},
                "done": s[DONE],
            }
        )
    return pd.DataFrame(rows).sort_values("points", ascending=False).reset_index(drop=True)


def by_person(state: pd.DataFrame) -> pd.DataFrame:
    """One row per responsible person (责任人) with their section: lead targets and co-targets
    apart, as for sections."""
    pairs = state.assign(
        _pairs=[list(zip(s, p, strict=False)) for s, p in zip(state["sections"], state["persons"], strict=True)]
    )
    pairs = pairs.explode("_pairs").dropna(subset=["_pairs"])
    pairs["section"] = [p[0] for p in pairs["_pairs"]]
    pairs["person"] = [p[1] for p in pairs["_pairs"]]
    pairs = pairs[pairs["person"] != ""]
    lead_of = state.set_index("code")["lead_section"]
    pairs["role"] = ["lead" if lead_of[c] == s else "co" for c, s in zip(pairs["code"], pairs["section"], strict=True)]
    rows = []
    for (person, section), part in pairs.groupby(["person", "section"], sort=False):
        lead, co = part[part["role"] == "lead"], part[part["role"] == "co"]
        s = summary(lead)
        rows.append(
            {
                "person": person,
                "section": section,
                "targets": s["targets"],
                "points": s["points"],
                "completion_pct": s["completion_pct"],
                "expected_pct": s["expected_pct"],
                "late": s["late"],
                "co_targets": len(co),
                "co_late": int(co["lag_status"].isin(LATE_STATUSES).sum()),
            }
        )
    return pd.DataFrame(rows).sort_values(["points", "person"], ascending=[False, True]).reset_index(drop=True)


def portfolio(state: pd.DataFrame, leader: str) -> pd.DataFrame:
    """The targets one leader supervises, worst lag first."""
    mine = state[state["leaders"].map(lambda names: leader in list(names))]
    order = {s: i for i, s in enumerate(reversed(LAG_STATUSES))}
    return (
        mine.assign(_o=mine["lag_status"].map(order))
        .sort_values(["_o", "lag_pct"], ascending=[True, False])
        .drop(columns="_o")
    )
