"""全市总览 as people see it (#38): the city table (perfdash.workflows.city.table) with Chinese
headers and the whole percents shown (fmt.shown_pct, so a sort agrees with what is read), the
headline numbers, the groups' lines, a light chart of each unit's 完成率 against its 序时进度, and the
city meeting screen's slides — one per group, ranked — as data (perfdash.present.meeting.Slide) and
as HTML in the projector's classes (perfdash.present.screen)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from perfdash.core import fmt
from perfdash.present import screen
from perfdash.present.charts import FONT
from perfdash.present.meeting import Slide
from perfdash.workflows import city
from perfdash.workflows.city import UNGROUPED
from perfdash.workflows.scoring import DEFAULT_BANDS

# The city table's columns as 全市总览 heads them (the order of the page's table).
HEADERS = {
    "unit": "单位",
    "group": "分组",
    "rank": "组内排名",
    "reporting": "本期报送",
    "last_report": "最近填报",
    "completion": "完成率",
    "expected": "序时进度",
    "gap": "差距",
    "score": "当前得分",
    "projected": "预计得分",
    "grade": "等次",
    "lagging": "滞后",
    "overdue": "逾期",
    "orders_open": "督办",
    "orders_overdue": "督办逾期",
    "self": "自评",
    "evidence_gaps": "佐证缺项",
    "reasons": "需要关注",
}
TONE_COLOURS = {"good": "#2e7d32", "warn": "#f9a825", "bad": "#c62828"}


def _number(value: object) -> float | None:
    """A number of the table, or None where the unit has none (no plan: NaN, None, NA)."""
    if value is None or value is pd.NA:
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _count(value: object) -> int | None:
    x = _number(value)
    return None if x is None else int(x)


def has_plan(table: pd.DataFrame) -> pd.Series:
    """Which units have a plan for the year (the others are listed, with nothing to measure)."""
    return table["plan_id"].notna()


def reasons(value: object) -> str:
    """The attention reasons of one unit as one line (the table holds a list)."""
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        items = list(value.tolist() if hasattr(value, "tolist") else value)
        return "；".join(str(v) for v in items if str(v))
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def fraction(done: object, total: object) -> str:
    """'18/21', or '—' where there is nothing to count."""
    d, t = _count(done), _count(total)
    return "—" if d is None or not t else f"{d}/{t}"


def board(table: pd.DataFrame) -> pd.DataFrame:
    """The city table as 全市总览 shows it, one row per unit, in HEADERS' order (and the plan's id,
    for opening the unit, kept as ``plan_id``): 完成率, 序时进度 and 差距 as the whole numbers shown."""
    out = pd.DataFrame(
        {
            "unit": table["unit"].astype(str),
            "group": table["group"].astype(str),
            "rank": pd.array([_count(v) for v in table["rank"]], dtype="Int64"),
            "reporting": [
                fraction(d, t) for d, t in zip(table["sections_reported"], table["sections_total"], strict=True)
            ],
            "last_report": [pd.Timestamp(v).date() if pd.notna(v) else None for v in table["last_report"]],
            "completion": pd.array(
                [None if _number(v) is None else fmt.shown_pct(v) for v in table["completion"]], dtype="Int64"
            ),
            "expected": pd.array(
                [None if _number(v) is None else fmt.shown_pct(v) for v in table["expected"]], dtype="Int64"
            ),
            "gap": pd.array(
                [
                    None if _number(c) is None or _number(e) is None else fmt.shown_gap(c, e)
                    for c, e in zip(table["completion"], table["expected"], strict=True)
                ],
                dtype="Int64",
            ),
            "score": [None if _number(v) is None else fmt.round_score(float(v)) for v in table["score"]],
            "projected": [None if _number(v) is None else fmt.round_score(float(v)) for v in table["projected"]],
            "grade": [str(v) if isinstance(v, str) and v else "—" for v in table["grade"]],
            "lagging": pd.array([_count(v) for v in table["lagging"]], dtype="Int64"),
            "overdue": pd.array([_count(v) for v in table["overdue"]], dtype="Int64"),
            "orders_open": pd.array([_count(v) for v in table["orders_open"]], dtype="Int64"),
            "orders_overdue": pd.array([_count(v) for v in table["orders_overdue"]], dtype="Int64"),
            "self": [fraction(d, t) for d, t in zip(table["self_assessed"], table["self_total"], strict=True)],
            "evidence_gaps": pd.array([_count(v) for v in table["evidence_gaps"]], dtype="Int64"),
            "reasons": [reasons(v) for v in table["attention"]],
            "plan_id": pd.array([_count(v) for v in table["plan_id"]], dtype="Int64"),
        }
    )
    return out.reset_index(drop=True)


def chinese(frame: pd.DataFrame) -> pd.DataFrame:
    """board()'s frame with its Chinese headers (plan_id dropped): the Excel summary's and the tests' view."""
    return frame.drop(columns=["plan_id"], errors="ignore").rename(columns=HEADERS)


def grade_order(grades: list[str]) -> list[str]:
    """Grades best first: the default bands' names in their order, then any other (a plan's own) by name."""
    known = [name for name, _ in DEFAULT_BANDS]
    return sorted(set(grades), key=lambda g: (known.index(g) if g in known else len(known), g))


def grade_counts(grades: pd.Series) -> dict[str, int]:
    """How many units got each grade, best first (units without a grade left out)."""
    counts = Counter(str(g) for g in grades if isinstance(g, str) and g and g != "—")
    return {g: counts[g] for g in grade_order(list(counts))}


def grade_text(counts: dict[str, int]) -> str:
    """优秀 3、良好 12 …, or — when no unit has a grade."""
    return "、".join(f"{g} {n}" for g, n in counts.items()) or "—"


def headline(table: pd.DataFrame) -> dict[str, object]:
    """The headline numbers of the (filtered) city table: units, plans imported, units with every
    section due this period reported (and the sections reported / due), the units' mean 完成率 and
    序时进度 (each unit counts once, its own plan weighted by points), the gap as shown, grades."""
    planned = table[has_plan(table)]
    reported = planned["sections_reported"].fillna(0).astype(int)
    due = planned["sections_total"].fillna(0).astype(int)
    completion = float(planned["completion"].astype(float).mean()) if len(planned) else None
    expected = float(planned["expected"].astype(float).mean()) if len(planned) else None
    return {
        "units": len(table),
        "plans": len(planned),
        "all_reported": int((reported >= due).sum()),  # none due (every target done): nothing missing
        "sections_reported": int(reported.sum()),
        "sections_total": int(due.sum()),
        "completion": completion,
        "expected": expected,
        "gap": None if completion is None else fmt.shown_gap(completion, expected),
        "grades": grade_counts(planned["grade"]),
        "attention": int(sum(bool(reasons(v)) for v in table["attention"])),
    }


def groups_board(table: pd.DataFrame) -> pd.DataFrame:
    """One row per group, in the city's order (city.group_summary): units, plans, mean 完成率 and
    序时进度 (whole percents shown) and the gap, mean score, the first-ranked unit, the grade
    distribution and how many units need attention."""
    summary = city.group_summary(table)
    grades = [c for c in summary.columns if c not in ("group", "units", "planned", "completion", "score", "attention")]
    rows = []
    for s in summary.to_dict("records"):
        part = table[(table["group"] == s["group"]) & has_plan(table)]
        expected = float(part["expected"].astype(float).mean()) if len(part) else None
        completion = _number(s["completion"])
        first = part.sort_values("rank", kind="stable")["unit"]
        rows.append(
            {
                "分组": str(s["group"]),
                "单位": int(s["units"]),
                "已导入方案": int(s["planned"]),
                "平均完成率": None if completion is None else fmt.shown_pct(completion),
                "序时进度": None if expected is None else fmt.shown_pct(expected),
                "差距": None if completion is None else fmt.shown_gap(completion, expected),
                "平均得分": None if _number(s["score"]) is None else fmt.round_score(float(s["score"])),
                "第一名": str(first.iloc[0]) if len(first) else "—",
                "等次分布": grade_text({g: int(s[g]) for g in grades if int(s[g])}),
                "需要关注": int(s["attention"]),
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("平均完成率", "序时进度", "差距"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def ordered(table: pd.DataFrame) -> pd.DataFrame:
    """The units by group (the groups in their order, 未分组 last), ranked within each; units
    without a plan at the end of their group."""
    order = {g: n for n, g in enumerate(dict.fromkeys(table["group"]))}
    order[UNGROUPED] = len(order) + 1
    keys = table.assign(
        _g=table["group"].map(order),
        _r=table["rank"].astype(float).fillna(1e9),
    )
    return table.loc[keys.sort_values(["_g", "_r", "unit"], kind="stable").index].reset_index(drop=True)


def shared_pivot(shared: pd.DataFrame) -> pd.DataFrame:
    """共同指标 side by side (city.shared_indicators' rows): a row per unit (with its group), a column
    per shared indicator (by code, headed by its common wording, in the order they first appear),
    each cell the unit's weighted 完成率 of it as the whole percent shown (empty where its plan has
    no such indicator)."""
    if shared.empty:
        return pd.DataFrame(columns=["单位", "分组"])
    codes = list(dict.fromkeys(shared["indicator_code"].astype(str)))
    wording = dict(zip(shared["indicator_code"].astype(str), shared["indicator"].astype(str), strict=True))
    repeated = {w for w in wording.values() if list(wording.values()).count(w) > 1}
    heads = {c: f"{wording[c]}（{c}）" if wording[c] in repeated else wording[c] for c in codes}
    units = shared.drop_duplicates("unit")[["unit", "group"]]
    found = zip(shared["unit"], shared["indicator_code"], shared["completion"], strict=True)
    cells = {(str(u), str(c)): v for u, c, v in found}
    out = pd.DataFrame({"单位": list(units["unit"].astype(str)), "分组": list(units["group"].astype(str))})
    for code in codes:
        values = [cells.get((u, code)) for u in out["单位"]]
        out[heads[code]] = pd.array([None if _number(v) is None else fmt.shown_pct(v) for v in values], dtype="Int64")
    return out


def group_editor(groups: dict[str, str]) -> pd.DataFrame:
    """The city's groups as an editable table: a row per unit (by name), its group."""
    return pd.DataFrame({"单位": list(groups), "分组": [groups[u] for u in groups]})


def completion_chart(table: pd.DataFrame) -> go.Figure:
    """Each unit's weighted 完成率 (a dot, coloured by its gap to 序时进度 as every page colours it)
    against its 序时进度 (a grey dash), units side by side by group and rank; a group's name over
    its units. Four traces whatever the number of units: light to draw for 100 units."""
    units = ordered(table[has_plan(table)])
    x = list(range(len(units)))
    done = units["completion"].astype(float).to_numpy()
    expected = units["expected"].astype(float).to_numpy()
    tones = [screen.tone(d, e) for d, e in zip(done, expected, strict=True)]
    hover = [
        f"{u}（{g}，组内第 {_count(r) or '—'} 名）<br>完成率 {fmt.pct(d)} · 序时进度 {fmt.pct(e)}"
        for u, g, r, d, e in zip(units["unit"], units["group"], units["rank"], done, expected, strict=True)
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=expected,
            mode="markers",
            name="序时进度",
            marker={"symbol": "line-ew", "size": 12, "line": {"width": 2, "color": "#757575"}},
            hoverinfo="skip",
        )
    )
    labels = {"good": "正常", "warn": "黄色滞后", "bad": "红色滞后"}
    for tone, label in labels.items():
        picked = [i for i, t in enumerate(tones) if t == tone]
        fig.add_trace(
            go.Scatter(
                x=[x[i] for i in picked],
                y=[done[i] for i in picked],
                mode="markers",
                name=f"完成率（{label}）",
                marker={"size": 8, "color": TONE_COLOURS[tone]},
                text=[hover[i] for i in picked],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    starts = units.reset_index().groupby("group", sort=False)["index"].agg(["min", "max"])
    for group, (first, last) in starts.iterrows():
        if first > 0:
            fig.add_vline(x=first - 0.5, line={"color": "#bdbdbd", "width": 1, "dash": "dot"})
        fig.add_annotation(
            x=(first + last) / 2, y=1.0, yref="paper", yanchor="bottom", text=str(group), showarrow=False
        )
    fig.update_layout(
        height=340,
        margin={"l": 48, "r": 8, "t": 36, "b": 24},
        font={"family": FONT},
        legend={"orientation": "h", "y": -0.08, "yanchor": "top"},
        xaxis={"showticklabels": False, "range": [-1, max(len(units), 1)], "title": None},
        yaxis={"range": [0, 105], "ticksuffix": "%", "title": None},
        hovermode="closest",
    )
    return fig


# -- the city meeting screen: the same rotation as 周会大屏, a slide per group ------------------------
OVERVIEW_KEY, ATTENTION_KEY = "city", "attention"


def slides(table: pd.DataFrame, year: int, as_of: date) -> list[Slide]:
    """The city screen's slides: 全市概况 (the headline numbers and a line per group), then a slide
    per group (its units ranked, 完成率 against 序时进度), then 需要关注 when any unit does."""
    head = headline(table)
    out = [
        Slide(
            OVERVIEW_KEY,
            "全市概况",
            numbers={**head, "year": year, "as_of": as_of},
            tables={"groups": groups_board(table)},
        )
    ]
    for group, part in ordered(table).groupby("group", sort=False):
        planned = part[has_plan(part)].copy()
        rows = pd.DataFrame(
            {
                "name": [f"{_count(r) or '—'}. {u}" for r, u in zip(planned["rank"], planned["unit"], strict=True)],
                "completion_pct": planned["completion"].astype(float).to_numpy(),
                "expected_pct": planned["expected"].astype(float).to_numpy(),
                "grade": [str(g) if isinstance(g, str) and g else "—" for g in planned["grade"]],
            }
        )
        missing = [str(u) for u in part.loc[~has_plan(part), "unit"]]
        out.append(
            Slide(
                f"group:{group}",
                f"{group}（{len(part)} 个单位）",
                numbers={"group": str(group), "units": len(part), "without_plan": missing},
                tables={"units": rows},
            )
        )
    concerned = table[[bool(reasons(v)) for v in table["attention"]]]
    if len(concerned):
        rows = pd.DataFrame(
            {
                "unit": concerned["unit"].astype(str),
                "group": concerned["group"].astype(str),
                "reason": [reasons(v) for v in concerned["attention"]],
            }
        )
        out.append(Slide(ATTENTION_KEY, "需要关注的单位", numbers={"units": len(rows)}, tables={"units": rows}))
    return out


def pages(slide: Slide) -> int:
    """How many pages of the rotation a slide takes (a group of more than screen.BAR_ROWS units, or
    a long 需要关注 list, goes on over several)."""
    if slide.key.startswith("group:"):
        return screen.page_count(len(slide.tables["units"]), screen.BAR_ROWS)
    if slide.key == ATTENTION_KEY:
        return screen.page_count(len(slide.tables["units"]), screen.TABLE_ROWS)
    return 1


def body(slide: Slide, page: int = 0) -> str:
    """One page of a city slide as HTML (every name escaped by perfdash.present.screen)."""
    n, t = slide.numbers, slide.tables
    if slide.key == OVERVIEW_KEY:
        completion, expected = n["completion"], n["expected"]
        tiles = [
            ("单位", f"{n['units']} 个", f"已导入方案 {n['plans']} 个", ""),
            (
                "本期全部报送",
                f"{n['all_reported']} 个单位",
                f"科室 {n['sections_reported']}/{n['sections_total']}",
                "",
            ),
            (
                "平均完成率",
                fmt.pct(completion),
                f"序时进度 {fmt.pct(expected)}",
                "" if completion is None else screen.tone(completion, expected),
            ),
            ("需要关注", f"{n['attention']} 个单位", "", "warn" if n["attention"] else "good"),
        ]
        groups = t["groups"]
        bars = pd.DataFrame(
            {
                "name": [f"{g}（{n}）" for g, n in zip(groups["分组"], groups["单位"], strict=True)],
                "completion_pct": groups["平均完成率"].astype(float).to_numpy(),
                "expected_pct": groups["序时进度"].astype(float).to_numpy(),
                "attention": [f"关注 {n}" if n else "" for n in groups["需要关注"]],
            }
        ).dropna(subset=["completion_pct"])
        lines = groups.rename(columns={"需要关注": "attention"})
        return (
            screen.tiles(tiles)
            + screen.subtitle(f"等次分布：{grade_text(n['grades'])}；统计截至 {fmt.day(n['as_of'])}")
            + screen.row(
                screen.bars(bars, "name", "分组（单位数）", ("attention", ""), 0),
                screen.table(
                    lines, {"分组": "分组", "等次分布": "等次分布", "attention": "需要关注"}, limit=screen.BAR_ROWS
                ),
            )
        )
    if slide.key == ATTENTION_KEY:
        part = t["units"].iloc[page * screen.TABLE_ROWS :]
        return screen.table(part, {"unit": "单位", "group": "分组", "reason": "原因"}, limit=screen.TABLE_ROWS)
    units = t["units"]
    missing = n["without_plan"]
    note = f"尚未导入方案：{'、'.join(missing)}" if missing else "组内按当前得分排名；竖线为序时进度"
    if units.empty:
        return screen.subtitle(note)
    return screen.subtitle(note) + screen.bars(units, "name", "单位（组内排名）", ("grade", "等次"), page)


def phone_note() -> str:
    """What a phone sees instead of the city screen's slides (screen.css hides one or the other by
    the window's width): the screen is for a projector, and a link to 全市总览."""
    return (
        '<div class="pd-phone"><div class="pd-phone-title">全市大屏用于会议室投影</div>'
        "<div>大屏按投影的宽屏排版，手机上看不清。在手机上请看全市总览：</div>"
        '<a href="./city">打开全市总览</a>'
        '<div class="pd-phone-note">在电脑或投影上打开本网址即可看到轮播的大屏。</div></div>'
    )


def gaps_as_text(frame: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """A display table in which no cell is missing (Streamlit draws a missing one as "None"), as
    perfdash.present.tables.without_gaps makes one: a column with a gap becomes text, "—" in the
    gap, each value written as its column's printf-style format in ``formats`` says (86%, +3,
    24.69; the values are already rounded as shown; a date as MM-DD), else as it is. Columns without a gap stay
    numbers, and sort as numbers."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if not column.isna().any():
            continue
        pattern = formats.get(str(name), "")
        out[name] = ["—" if pd.isna(v) else _written(v, pattern) for v in column]
    return out


def _written(value: object, pattern: str) -> str:
    """One value as text: by a printf-style ``pattern`` (86%, +3, 24.69), a date as MM-DD (the
    table's short dates), else as it is."""
    if isinstance(value, date):
        return value.strftime("%m-%d")
    if "%" in pattern:
        return pattern % value
    return f"{value:g}" if isinstance(value, float) else str(value)
