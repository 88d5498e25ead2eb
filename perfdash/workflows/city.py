"""The city's view (#38): the 市直绩效办 sees every unit of a year — plan imported, this period's
reporting, weighted completion against 序时进度, current and projected score and grade (each unit
under its own plan's stored rules), 滞后 / 逾期, 督办, self-assessment and evidence — ranked within
the groups it defines (分类考评), with the units needing attention first; a unit sees its own rank
and its group's peers, anonymous unless the city shows names; and the indicators common to units
(行政能力, 精神文明, 平安建设 …) side by side.

Every number of a unit is the unit's own: the same functions as its 总览 and ``python -m perfdash
score`` (queries.headline, official.score_sheet, forecast.standing_forecast), fed by the set-based
reads of perfdash.workflows.city_data. The groups and the names setting are the city's to write
(the city's account, or an office account bound to no unit), through Database.write."""

from __future__ import annotations

import string
from datetime import date

import pandas as pd

from perfdash.core import fmt, textmatch
from perfdash.core.access import Actor
from perfdash.db.database import Database, StoreError, bounded, require_role
from perfdash.workflows import city_data

UNGROUPED = "未分组"
NAMES_VISIBLE = "names_visible"  # city_settings key: '1' shows units the other units' names
MAX_UNITS = 2_000  # units one grouping may name
# Why a unit needs attention, most pressing first (the order attention() sorts by).
NO_PLAN, NO_REPORTS, SILENT, FAR_BEHIND, ORDERS_OVERDUE = (
    "无方案",
    "尚无填报",
    "连续两期未报送",
    "远落后于序时进度",
    "督办逾期",
)
REASONS = (NO_PLAN, NO_REPORTS, SILENT, FAR_BEHIND, ORDERS_OVERDUE)
FAR_BEHIND_POINTS = -15  # completion this many percentage points or more below 序时进度 (the gap 总览 shows)
OWN_WORK_GROUPS = ("职能工作", "动态工作目标")  # a unit's own work: never compared as a shared indicator
SHARED_WORDING_AT = 0.5  # an indicator's wording matches another unit's of the same code from this similarity
SHARED_MIN_UNITS = 2  # an indicator is shared when at least this many units have it

COLUMNS = [
    "unit",
    "group",
    "plan_id",
    "targets",
    "total_points",
    "sections_total",
    "sections_reported",
    "last_report",
    "completion",
    "expected",
    "gap",
    "score",
    "provisional",
    "grade",
    "projected",
    "projected_grade",
    "done",
    "lagging",
    "overdue",
    "orders_open",
    "orders_overdue",
    "self_assessed",
    "self_total",
    "evidence_gaps",
    "rank",
    "group_size",
    "attention",
]
PEER_COLUMNS = ["unit", "own", "group", "rank", "group_size", "score", "grade", "completion", "expected", "gap"]
SHARED_COLUMNS = ["indicator", "indicator_code", "indicator_group", "unit", "group", "points", "completion", "score"]


# -- the city's settings -------------------------------------------------------------------------


def groups(store: Database) -> dict[str, str]:
    """Every unit (with a plan of any year, or named in a group) → its group ('未分组' when the city
    put it in none), in the city's order of groups, then by unit."""
    rows = store.query(
        """
        WITH units AS (SELECT DISTINCT unit FROM plans UNION SELECT unit FROM unit_groups)
        SELECT u.unit, g.group_name, g.seq FROM units u LEFT JOIN unit_groups g USING (unit)
        """
    )
    order = group_names(store)
    rank = {g: i for i, g in enumerate(order)}
    rows["group_name"] = rows["group_name"].fillna(UNGROUPED)
    rows["_g"] = rows["group_name"].map(rank).fillna(len(order))
    rows = rows.sort_values(["_g", "seq", "unit"], na_position="last")
    return dict(zip(rows["unit"].astype(str), rows["group_name"].astype(str), strict=True))


def group_names(store: Database) -> list[str]:
    """The city's groups in its order (by the first unit it listed in each)."""
    rows = store.query("SELECT group_name, min(seq) AS first FROM unit_groups GROUP BY group_name ORDER BY 2, 1")
    return [str(g) for g in rows["group_name"]]


def names_visible(store: Database) -> bool:
    """Whether a unit sees the other units' names beside its rank (the city's setting; off until set)."""
    return store.scalar("SELECT value FROM city_settings WHERE key = $k", {"k": NAMES_VISIBLE}) == "1"


def _require_city(actor: Actor, what: str) -> None:
    """The city's settings are the city's account's, or an office account's bound to no unit."""
    if actor.role == "system":  # the command line (python -m perfdash city --set-groups)
        return
    require_role(actor, ("city", "office"), what)
    if actor.units is not None:
        raise StoreError(f"只有市直绩效办或不限单位的绩效办账户可以{what}（当前账户只属于{'、'.join(actor.units)}）")


class CityWrites:
    """The city's groups and settings (part of perfdash.store.Store)."""

    def set_unit_groups(self: Database, mapping: dict[str, str], actor: Actor) -> None:
        """Put units in groups: ``mapping`` unit → group name, in the city's order (the first unit
        of each group orders the groups). It replaces the whole grouping: a unit left out, or
        given '' or '未分组', is in no group. Refused: a name too long, too many units. Audited
        (the units whose group changed, before and after)."""
        _require_city(actor, "设置单位分组")
        if len(mapping) > MAX_UNITS:
            raise StoreError(f"一次最多为 {MAX_UNITS} 个单位分组（收到 {len(mapping)} 个）")
        rows: list[tuple[str, str, int]] = []
        seen: set[str] = set()
        for seq, (unit, group) in enumerate(mapping.items(), start=1):
            name = bounded("单位名称", unit, "name", required=True)
            group_name = bounded(f"“{name}”的分组", group, "name")
            if name in seen:
                raise StoreError(f"单位“{name}”出现了两次")
            seen.add(name)
            if group_name and group_name != UNGROUPED:
                rows.append((name, group_name, seq))
        with self.write(actor, roles=None) as w:
            old = dict(w.execute("SELECT unit, group_name FROM unit_groups"))
            new = {u: g for u, g, _ in rows}
            changed = sorted(u for u in set(old) | set(new) if old.get(u) != new.get(u))
            w.execute("DELETE FROM unit_groups")
            by = actor.username or actor.name
            w.insert(
                "unit_groups",
                ("unit", "group_name", "seq", "updated_by", "updated_at"),
                [(u, g, s, by, pd.Timestamp.now().to_pydatetime()) for u, g, s in rows],
            )
            if not changed:
                w.without_audit()  # the same grouping again: nothing changed
                return
            w.audit(
                "设置单位分组",
                "unit_groups",
                f"{len(changed)} 个单位",
                {u: old.get(u, UNGROUPED) for u in changed},
                {u: new.get(u, UNGROUPED) for u in changed},
            )

    def set_names_visible(self: Database, flag: bool, actor: Actor) -> None:
        """Whether units see the other units' names in their group (off by default). Audited."""
        _require_city(actor, "设置是否向各单位显示其他单位名称")
        value = "1" if flag else "0"
        with self.write(actor) as w:
            old = w.execute("SELECT value FROM city_settings WHERE key = ?", [NAMES_VISIBLE])
            before = old[0][0] if old else "0"
            if before == value:
                w.without_audit()
                return
            w.execute("DELETE FROM city_settings WHERE key = ?", [NAMES_VISIBLE])
            w.execute(
                "INSERT INTO city_settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)",
                [NAMES_VISIBLE, value, actor.username or actor.name, pd.Timestamp.now().to_pydatetime()],
            )
            w.audit("设置单位名称可见", "city_settings", NAMES_VISIBLE, before == "1", flag)


# -- the table -----------------------------------------------------------------------------------


def years(store: Database) -> list[int]:
    """The years with plans, newest first."""
    return [int(y) for y in store.query("SELECT DISTINCT year FROM plans ORDER BY year DESC")["year"]]


def default_as_of(store: Database, year: int, today: date | None = None) -> date:
    """The city's 统计日期 for ``year``: the latest of its plans' own (periods.default_as_of: each
    plan's last closed period), so that one date compares every unit; 1 January without plans."""
    ids = [int(p) for p in store.query("SELECT plan_id FROM plans WHERE year = $y", {"y": year})["plan_id"]]
    today = today or date.today()
    days = [c.as_of(today) for c in city_data.calendars_of(store, ids, year).values()]
    return max(days, default=date(year, 1, 1))


def table(store: Database, year: int, as_of: date, projected: bool = True) -> pd.DataFrame:
    """One row per unit with a plan of ``year`` (and per unit the city grouped that has none:
    plan_id NA, attention 无方案), read at ``as_of``; columns COLUMNS, in the city's group order
    and by rank within each group:

    unit, group ('未分组' if none), plan_id; targets and total_points (the plan's); this period's
    reporting (the period of ``as_of`` in the plan's own calendar): sections_total (lead sections
    with an unfinished target, due to report), sections_reported (of them, those that did: the
    rest are supervision.not_reported), last_report (the latest report up to ``as_of``);
    completion, expected (序时进度), done, lagging (滞后), overdue (逾期未完成) as queries.headline
    gives 总览 them; gap (completion − expected in whole points, as 总览 shows it); score, grade,
    provisional (official.score_sheet under the plan's stored rules: what ``score --json``
    prints); projected, projected_grade (the year-end forecast's median: forecast.standing_forecast,
    for plans with a report, when ``projected``); orders_open, orders_overdue (督办 not closed, and
    of them past due); self_assessed of self_total targets; evidence_gaps (claims.gaps' rows from
    the plan's gaps_from day, else NA); rank within the group (score, then completion, both high
    first; ties share a rank), group_size (the group's ranked units); attention (REASONS that apply)."""
    city = city_data.gather(store, year, as_of, projected)
    where = groups(store)
    rows = []
    for u in city.units.values():
        rows.append(_row(city, u, where.get(u.unit, UNGROUPED)))
    planned = {u.unit for u in city.units.values()}
    grouped = store.query("SELECT unit, group_name FROM unit_groups ORDER BY seq, unit")
    for unit, group in zip(grouped["unit"], grouped["group_name"], strict=True):
        if unit not in planned:
            rows.append({"unit": str(unit), "group": str(group), "attention": [NO_PLAN]})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return _ranked(frame, group_names(store))


def _row(city: city_data.City, u: city_data.Unit, group: str) -> dict:
    """One unit's row (see ``table``)."""
    f = u.figures
    head = f.head
    seen = city.reporting.loc[u.plan_id]
    held = city.orders.loc[u.plan_id]
    gap = fmt.shown_gap(head["completion_pct"], head["expected_pct"])
    reasons = []
    if not f.has_reports:
        reasons.append(NO_REPORTS)
    elif u.calendar.period_of(city.as_of).number > 1 and int(seen["recent_reports"]) == 0:
        reasons.append(SILENT)
    if f.has_reports and gap <= FAR_BEHIND_POINTS:
        reasons.append(FAR_BEHIND)
    if int(held["orders_overdue"]):
        reasons.append(ORDERS_OVERDUE)
    return {
        "unit": u.unit,
        "group": group,
        "plan_id": u.plan_id,
        "targets": int(head["targets"]),
        "total_points": float(head["points"]),
        "sections_total": int(seen["sections_total"]),
        "sections_reported": int(seen["sections_reported"]),
        "last_report": f.last_report,
        "completion": float(head["completion_pct"]),
        "expected": float(head["expected_pct"]),
        "gap": gap,
        "score": f.score,
        "provisional": f.provisional,
        "grade": f.grade,
        "projected": f.projected,
        "projected_grade": f.projected_grade,
        "done": int(head["done"]),
        "lagging": int(head["late"]),
        "overdue": int(head["overdue"]),
        "orders_open": int(held["orders_open"]),
        "orders_overdue": int(held["orders_overdue"]),
        "self_assessed": f.self_assessed,
        "self_total": int(head["targets"]),
        "evidence_gaps": city.gaps.get(u.plan_id),
        "attention": reasons,
    }


def _ranked(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Ranks within each group (score, then completion; ties share the better rank), the groups in
    the city's order (未分组 last), each by rank, unplanned units at the end of their group."""
    for column in ("plan_id", "targets", "sections_total", "sections_reported", "done", "lagging", "overdue"):
        frame[column] = frame[column].astype("Int64")
    for column in ("orders_open", "orders_overdue", "self_assessed", "self_total", "evidence_gaps"):
        frame[column] = frame[column].astype("Int64")
    for column in ("total_points", "completion", "expected", "score", "projected"):
        frame[column] = frame[column].astype("Float64")
    frame["gap"] = frame["gap"].astype("Int64")
    frame["provisional"] = frame["provisional"].astype("boolean")
    frame["rank"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame["group_size"] = pd.array([0] * len(frame), dtype="Int64")
    for _, part in frame[frame["plan_id"].notna()].groupby("group", sort=False):
        key = list(zip(-part["score"].fillna(-1e18), -part["completion"].fillna(-1e18), strict=True))
        ordered = sorted(key)
        frame.loc[part.index, "rank"] = [ordered.index(k) + 1 for k in key]
    frame["group_size"] = frame.groupby("group")["plan_id"].transform("count").astype("Int64")
    rank_of = {g: i for i, g in enumerate(order)}
    frame["_g"] = [rank_of.get(g, len(order) + (1 if g == UNGROUPED else 0)) for g in frame["group"]]
    frame = frame.sort_values(["_g", "group", "rank", "unit"], na_position="last", kind="stable")
    return frame.drop(columns="_g").reset_index(drop=True)[COLUMNS]


def group_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per group (in the table's order): units, those with a plan, mean completion and mean score of
    them, and how many got each grade (one column per grade seen, best first as the rules list them)."""
    grades = [g for g in _grade_order(table) if g in set(table["grade"].dropna())]
    rows = []
    for group, part in table.groupby("group", sort=False):
        planned = part[part["plan_id"].notna()]
        row = {
            "group": group,
            "units": len(part),
            "planned": len(planned),
            "completion": float(planned["completion"].mean()) if len(planned) else None,
            "score": float(planned["score"].mean()) if len(planned) else None,
            "attention": int(part["attention"].map(bool).sum()),
        }
        row |= {g: int((planned["grade"] == g).sum()) for g in grades}
        rows.append(row)
    return pd.DataFrame(rows, columns=["group", "units", "planned", "completion", "score", "attention", *grades])


def _grade_order(table: pd.DataFrame) -> list[str]:
    """The grades best first: the default bands' order, then any other a plan's rules name."""
    from perfdash.workflows.scoring import DEFAULT_BANDS

    known = [name for name, _ in DEFAULT_BANDS]
    return known + sorted(set(table["grade"].dropna()) - set(known))


def attention(table: pd.DataFrame) -> pd.DataFrame:
    """The units needing attention, most pressing first (by their first reason in REASONS' order,
    then the furthest behind): unit, group, reason (the reasons joined by '、'), gap."""
    part = table[table["attention"].map(bool)]
    order = {r: i for i, r in enumerate(REASONS)}
    out = pd.DataFrame(
        {
            "unit": part["unit"],
            "group": part["group"],
            "reason": part["attention"].map("、".join),
            "gap": part["gap"],
            "_o": part["attention"].map(lambda rs: min(order.get(r, len(order)) for r in rs)),
        }
    )
    return out.sort_values(["_o", "gap"], na_position="first", kind="stable").drop(columns="_o").reset_index(drop=True)


def peer_view(table: pd.DataFrame, unit: str, names_visible: bool) -> pd.DataFrame:
    """What a unit sees of its group: its own row named (own True), the group's other ranked units
    as 单位A, 单位B … in rank order (named when the city shows names), by rank; columns
    PEER_COLUMNS. Empty when the unit is in no row of the table."""
    mine = table[table["unit"] == unit]
    if mine.empty:
        return pd.DataFrame(columns=PEER_COLUMNS)
    group = mine.iloc[0]["group"]
    part = table[(table["group"] == group) & ((table["unit"] == unit) | table["plan_id"].notna())].copy()
    part = part.sort_values(["rank", "unit"], na_position="last", kind="stable")
    part["own"] = part["unit"] == unit
    if not names_visible:
        others = [u for u, own in zip(part["unit"], part["own"], strict=True) if not own]
        alias = {u: f"单位{_letters(i)}" for i, u in enumerate(others)}
        part["unit"] = [u if own else alias[u] for u, own in zip(part["unit"], part["own"], strict=True)]
    return part[PEER_COLUMNS].reset_index(drop=True)


def _letters(n: int) -> str:
    """0 → A, 25 → Z, 26 → AA: a peer's anonymous letter(s)."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = string.ascii_uppercase[r] + out
    return out


# -- shared indicators ---------------------------------------------------------------------------


def shared_indicators(store: Database, year: int, as_of: date) -> pd.DataFrame:
    """The first-level indicators (一级指标) units have in common, one row per (indicator, unit):
    an indicator of one unit matches another's when both the code and the wording agree (the
    wording's similarity to the most common wording of that code at least SHARED_WORDING_AT);
    one that at least SHARED_MIN_UNITS units share is kept. A unit's own work (OWN_WORK_GROUPS) is
    never compared. Columns SHARED_COLUMNS: indicator (the common wording), indicator_code,
    indicator_group (目标组), unit, group (the city's), points (the indicator's, as the plan states
    them), completion (weighted, as 按指标 shows), score (its targets' scores on the score sheet).
    ``attrs['unmatched']``: how many (unit, indicator) pairs outside the units' own work were left out."""
    city = city_data.gather(store, year, as_of)
    where = groups(store)
    found = []
    for u in city.units.values():
        if u.figures.score is None:
            continue
        for r in u.figures.indicators.itertuples(index=False):
            if r.group in OWN_WORK_GROUPS:
                continue
            found.append(
                {
                    "indicator_code": str(r.indicator_code),
                    "title": str(r.indicator),
                    "indicator_group": str(r.group),
                    "unit": u.unit,
                    "group": where.get(u.unit, UNGROUPED),
                    "points": float(r.indicator_points),
                    "completion": float(r.completion_pct),
                    "score": float(r.score),
                }
            )
    rows, unmatched = [], 0
    pairs = pd.DataFrame(found)
    for _, part in pairs.groupby("indicator_code", sort=False) if len(pairs) else []:
        common = part["title"].value_counts().index[0]
        matched = part[[textmatch.similarity(t, common) >= SHARED_WORDING_AT for t in part["title"]]]
        if matched["unit"].nunique() < SHARED_MIN_UNITS:
            unmatched += len(part)
            continue
        unmatched += len(part) - len(matched)
        rows += [r | {"indicator": common} for r in matched.to_dict("records")]
    out = pd.DataFrame(rows, columns=[*SHARED_COLUMNS, "title"])[SHARED_COLUMNS].reset_index(drop=True)
    out.attrs["unmatched"] = unmatched
    return out
