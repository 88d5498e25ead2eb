"""The weekly meeting screen (周会大屏): which week, the slides' content as plain data, the
rotation, and the weekly brief for the minutes."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from perfdash.core.schedule import DONE, LATE_STATUSES, ON_TRACK, OVERDUE, RED, YELLOW
from perfdash.db import queries, rollups
from perfdash.db.database import Database
from perfdash.workflows import forecast, supervision

DUE_SOON_DAYS = 30
SLIDE_KEYS = ("headline", "week", "due", "ranking", "heatmap", "leaders")
SLIDE_TITLES = {
    "headline": "总体态势",
    "week": "本周变化",
    "due": "逾期与临期",
    "ranking": "科室排名",
    "heatmap": "截止分布",
    "leaders": "分管领导",
}
DEFAULT_SECONDS = 20
MIN_SECONDS, MAX_SECONDS = 5, 600


@dataclass
class Week:
    """A reporting week, Monday to Sunday; the state shown is as of its Sunday."""

    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.month}月{self.start.day}日—{self.end.month}月{self.end.day}日"


@dataclass
class Slide:
    """One slide: its key, title and the data it shows (frames and numbers)."""

    key: str
    title: str
    numbers: dict[str, object] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def week_of(day: date) -> Week:
    """The Monday-to-Sunday week containing ``day``."""
    start = day - timedelta(days=day.weekday())
    return Week(start, start + timedelta(days=6))


def parse_seconds(raw: str | None) -> int:
    """Seconds per slide from the URL (?every=…), kept within sensible bounds."""
    try:
        value = int(float(raw)) if raw else DEFAULT_SECONDS
    except ValueError:
        value = DEFAULT_SECONDS
    return min(max(value, MIN_SECONDS), MAX_SECONDS)


def week_changes(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What moved between two target-state frames: progress made, targets finished, targets that
    newly fell behind (on track or done before, late now)."""
    b = before.set_index("code")
    a = after.set_index("code")
    both = a.join(b[["completion_pct", "lag_status"]].add_suffix("_before"))
    moved = both[both["completion_pct"] > both["completion_pct_before"]].copy()
    moved["delta_pct"] = moved["completion_pct"] - moved["completion_pct_before"]
    finished = both[(both["completion_pct"] >= 100) & (both["completion_pct_before"] < 100)]
    fell = both[both["lag_status"].isin(LATE_STATUSES) & ~both["lag_status_before"].isin(LATE_STATUSES)]
    worse = both[(both["lag_status"].isin((RED, OVERDUE))) & both["lag_status_before"].isin((ON_TRACK, YELLOW, DONE))]
    fell = pd.concat([fell, worse[~worse.index.isin(fell.index)]])
    return {
        "moved": moved.sort_values("delta_pct", ascending=False).reset_index(),
        "finished": finished.reset_index(),
        "fell_behind": fell.reset_index(),
    }


def build_slides(store: Database, plan_id: int, year: int, week: Week, as_of: date | None = None) -> list[Slide]:
    """Every slide's content for one week (plain data; the page only draws it). The state is as of
    ``as_of`` (default the week's Sunday; the screen passes the week's latest report), compared
    with the same day a week earlier."""
    as_of = as_of or week.end
    now = queries.target_state(store, plan_id, as_of, year)
    before = queries.target_state(store, plan_id, as_of - timedelta(days=7), year)
    head = queries.headline(now)
    # The forecast and counts every page shows (forecast.standing_forecast, queries.headline).
    _, sim = forecast.standing_forecast(store, plan_id, now, as_of)
    counts = now["lag_status"].value_counts()
    headline = Slide(
        "headline",
        SLIDE_TITLES["headline"],
        numbers={
            "projected_total": sim.base_total,
            "projected_grade": sim.base_grade,
            "possible": head["points"],
            "grade_probability": sim.grade_probability,
            "completion_pct": head["completion_pct"],
            "expected_pct": head["expected_pct"],
            "done": int(counts.get(DONE, 0)),
            "on_track": int(counts.get(ON_TRACK, 0)),
            "late": head["late"],  # 滞后, 逾期 included, as on 总览
            "overdue": head["overdue"],
            "targets": head["targets"],
            "completion_change": head["completion_pct"] - queries.weighted_completion(before),
        },
    )
    changes = week_changes(before, now)
    week_slide = Slide(
        "week",
        SLIDE_TITLES["week"],
        numbers={
            "moved": len(changes["moved"]),
            "finished": len(changes["finished"]),
            "fell_behind": len(changes["fell_behind"]),
        },
        tables=changes,
    )
    soon = as_of + timedelta(days=DUE_SOON_DAYS)
    deadline = pd.to_datetime(now["deadline"]).dt.date
    overdue = now[now["lag_status"] == OVERDUE]
    due = now[(now["completion_pct"] < 100) & (deadline > as_of) & (deadline <= soon)]
    open_orders = supervision.orders(store, plan_id, as_of)
    open_orders = open_orders[open_orders["level"] != supervision.CLOSED]
    due_slide = Slide(
        "due",
        SLIDE_TITLES["due"],
        numbers={"overdue": len(overdue), "due_soon": len(due), "horizon": soon, "orders": len(open_orders)},
        tables={"overdue": overdue, "due_soon": due.sort_values("deadline"), "orders": open_orders},
    )
    sections = rollups.by_section(now)
    ranking = Slide("ranking", SLIDE_TITLES["ranking"], tables={"sections": sections[sections["targets"] > 0]})
    heat = Slide("heatmap", SLIDE_TITLES["heatmap"], tables={"state": now})
    leaders = Slide("leaders", SLIDE_TITLES["leaders"], tables={"leaders": rollups.by_leader(now)})
    return [headline, week_slide, due_slide, ranking, heat, leaders]


BRIEF_LISTS = (  # (slide, table, heading): the target lists of the weekly brief, in the screen's order
    ("week", "moved", "本周推进"),
    ("week", "finished", "本周完成"),
    ("week", "fell_behind", "新增滞后"),
    ("due", "overdue", "逾期未完成"),
    ("due", "due_soon", f"{DUE_SOON_DAYS}天内到期"),
)


def brief_xlsx(slides: list[Slide], unit: str, year: int, week: Week) -> bytes:
    """The weekly brief for the minutes, the same numbers as the screen, printed in four sheets:
    概况 (the headline numbers), 目标清单 (the targets that moved, finished, fell behind, are overdue
    or due soon, under one heading each), 科室排名 and 分管领导 (one sheet: the two rankings)."""
    from openpyxl import Workbook

    from perfdash.core.excel import Band, Column, Header, print_table

    wb = Workbook()
    wb.remove(wb.active)
    by_key = {s.key: s for s in slides}
    h = by_key["headline"].numbers
    title = f"{unit}{year}年度绩效目标周报"
    stamp = f"{week.start.isoformat()} 至 {week.end.isoformat()}"
    lines = [
        ("单位", unit),
        ("年度", year),
        ("周次", stamp),
        ("预计年终得分", round(float(h["projected_total"]), 2)),
        ("预计等次", h["projected_grade"]),
        ("加权完成率(%)", round(float(h["completion_pct"]), 1)),
        ("序时进度(%)", round(float(h["expected_pct"]), 1)),
        ("本周完成率变化(百分点)", round(float(h["completion_change"]), 1)),
        ("已完成", h["done"]),
        ("正常推进", h["on_track"]),
        ("滞后（含逾期）", h["late"]),
        ("其中逾期未完成", h["overdue"]),
    ]
    lines += [(f"获评{name}的概率(%)", round(p * 100, 1)) for name, p in dict(h["grade_probability"]).items()]
    print_table(
        wb.create_sheet("概况"),
        title,
        (Column("项目", 36), Column("内容", 44, "code")),
        [[k, _plain(v)] for k, v in lines],
        unit=unit,
        stamp=stamp,
        subtitle=f"周次：{week.label}（{stamp}）",
    )

    rows: list[object] = []
    for slide, key, heading in BRIEF_LISTS:
        frame = by_key[slide].tables[key]
        rows.append(Band(f"{heading}（{len(frame)}项）"))
        for r in frame.itertuples(index=False):
            v = r._asdict()
            rows.append(
                [
                    _plain(v.get(k))
                    for k in (
                        "code",
                        "target",
                        "lead_section",
                        "lead_person",
                        "deadline",
                        "completion_pct_before",
                        "completion_pct",
                        "lag_status",
                    )
                ]
            )
    print_table(
        wb.create_sheet("目标清单"),
        title,
        (
            Column("编号", 7, "code"),
            Column("年度工作目标", 60, grow=True),
            Column("牵头科室", 10, "code"),
            Column("责任人", 7, "code"),
            Column("完成时限", 11, "date"),
            Column("上周", 7, "pct"),
            Column("本周", 7, "pct"),
            Column("滞后状态", 9, "code"),
        ),
        rows,
        unit=unit,
        stamp=stamp,
        subtitle=f"周次：{week.label}　本周推进、完成、新增滞后的目标，逾期未完成和{DUE_SOON_DAYS}天内到期的目标",
        freeze_columns=2,
    )

    sections = by_key["ranking"].tables["sections"]
    leaders = by_key["leaders"].tables["leaders"]
    ranking = [
        [_plain(v) for v in (r.section, r.targets, r.points, r.completion_pct, r.expected_pct, r.late)]
        for r in sections.itertuples()
    ]
    ranking.append(Band(f"分管领导（{len(leaders)}位）"))
    ranking.append(Header(["分管领导", "分管目标", "分管分值", "完成率", "", "滞后"]))
    ranking += [
        [_plain(v) for v in (r.leader, r.targets, r.points, r.completion_pct, None, r.late)]
        for r in leaders.itertuples()
    ]
    print_table(
        wb.create_sheet("科室排名"),
        title,
        (
            Column("科室", 24),
            Column("牵头目标", 12, "int"),
            Column("牵头分值", 12, "score"),
            Column("完成率", 12, "pct"),
            Column("序时进度", 12, "pct"),
            Column("滞后", 12, "int"),
        ),
        ranking,
        unit=unit,
        stamp=stamp,
        subtitle=f"周次：{week.label}　科室排名与分管领导",
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _plain(value: object) -> object:
    """A frame's value as a cell takes it: missing as empty, timestamps as dates, numpy as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def advance(index: int, count: int, paused: bool, last: float | None, now: float, seconds: int) -> tuple[int, float]:
    """The slide to show and when it started: the first run shows ``index``; afterwards the slide
    moves on once ``seconds`` have passed (a little early is fine: the timer is not exact), unless
    paused. Returns (index, start time of that slide)."""
    if last is None:
        return index % count, now
    if paused:
        return index % count, now
    if now - last >= seconds * 0.8:
        return (index + 1) % count, now
    return index % count, last
