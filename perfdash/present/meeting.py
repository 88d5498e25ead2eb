"""The weekly meeting screen (周会大屏): which week, the slides' content as plain data, and the
rotation; with 上周会议决定事项 and 需要协调的事项 (#36) also the HTML of their tables, in the screen's
classes (perfdash.present.screen). The weekly brief for the minutes is built from the slides by
perfdash.present.exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

import pandas as pd

from perfdash.core import fmt
from perfdash.core.schedule import DONE, LATE_STATUSES, ON_TRACK, OVERDUE, RED, YELLOW
from perfdash.db import queries, rollups
from perfdash.db.database import Database
from perfdash.workflows import decisions, forecast, official, periods, supervision

DUE_SOON_DAYS = 30
# 上周会议决定事项 and 需要协调的事项 are left out of the rotation when they have nothing to show.
SLIDE_KEYS = ("headline", "week", "decisions", "coordination", "due", "ranking", "heatmap", "leaders")
SLIDE_TITLES = {
    "headline": "总体态势",
    "week": "本周变化",
    "decisions": "上周会议决定事项",
    "coordination": "需要协调的事项",
    "due": "逾期与临期",
    "ranking": "科室排名",
    "heatmap": "截止分布",
    "leaders": "分管领导",
}
DEFAULT_SECONDS = 20
# 截止分布 by month says nothing when (nearly) every deadline is in one month, as in a plan whose
# targets all end on 31 December: from this share on, the slide shows the run-up to that month.
CLUSTER_SHARE = 0.8
MIN_SECONDS, MAX_SECONDS = 5, 600


@dataclass
class Week:
    """The meeting's 本周: one reporting period of the plan's calendar (periods.Period), from its
    first day to its cut-off day, as every page names it; the state shown is as of its cut-off day
    (or the 统计日期 inside it)."""

    start: date
    end: date
    number: int = 0  # its number among the plan year's periods (0: not known)

    @property
    def label(self) -> str:
        """第47期 11月15日—11月21日 (the dates as periods.Period.days writes them)."""
        days = periods.Period(self.number, self.start, self.end).days
        return f"第{self.number}期 {days}" if self.number else days


@dataclass
class Slide:
    """One slide: its key, title and the data it shows (frames and numbers)."""

    key: str
    title: str
    numbers: dict[str, object] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def week_of(day: date, calendar: periods.Calendar | None = None) -> Week:
    """The reporting period holding ``day`` in ``calendar`` (the plan's; without one, the default
    rhythm of ``day``'s year: weekly to Friday), as the meeting's week."""
    period = (calendar or periods.Calendar(day.year)).period_of(day)
    return Week(period.start, period.end, period.number)


def plan_week(store: Database, plan_id: int, day: date) -> Week:
    """The meeting's week holding ``day`` in the plan's own reporting calendar."""
    return week_of(day, periods.calendar(store, plan_id))


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


def deadline_cluster(state: pd.DataFrame) -> tuple[pd.Timestamp | None, int]:
    """The month holding at least CLUSTER_SHARE of the targets' deadlines (完成时限), and how many
    fall in it; (None, 0) when they spread over the year (the month-by-month 截止分布 then)."""
    if state.empty:
        return None, 0
    months = pd.to_datetime(state["deadline"]).dt.to_period("M").value_counts()
    month, count = months.index[0], int(months.iloc[0])
    return (month.to_timestamp(), count) if count >= CLUSTER_SHARE * len(state) else (None, 0)


RUN_UP_COLUMNS = ["section", "due", "unfinished", "late", "completion_pct", "need_pct", "gain_pct"]


def run_up(now: pd.DataFrame, before: pd.DataFrame, month: pd.Timestamp, as_of: date) -> pd.DataFrame:
    """到期前冲刺: per section (牵头 or 协作, as the month-by-month 截止分布 counts a target), its
    targets due in ``month`` (``due``), the ones not finished (``unfinished``, of which ``late``
    滞后 or overdue), their average 完成率, the points a week each still needs to reach 100 % by
    its own deadline (``need_pct``: (100 − 完成率) ÷ the weeks left, at least one week), and what
    they gained in the week just closed (``gain_pct``, against ``before``). Sections with every
    such target finished are left out; the furthest behind their needed pace first."""
    due = now[pd.to_datetime(now["deadline"]).dt.to_period("M").dt.to_timestamp() == month].copy()
    gained = before.set_index("code")["completion_pct"].reindex(due["code"]).fillna(0.0).to_numpy()
    due["gain"] = due["completion_pct"].to_numpy() - gained
    weeks = ((pd.to_datetime(due["deadline"]) - pd.Timestamp(as_of)).dt.days / 7).clip(lower=1)
    due["need"] = (100 - due["completion_pct"].clip(upper=100)) / weeks
    due["open"] = due["completion_pct"] < 100
    due["is_late"] = due["open"] & due["lag_status"].isin(LATE_STATUSES)
    rows = due.explode("sections").rename(columns={"sections": "section"}).dropna(subset=["section"])
    rows = rows.drop_duplicates(["code", "section"])
    if rows.empty:
        return pd.DataFrame(columns=RUN_UP_COLUMNS)
    order = {s: n for n, s in enumerate(dict.fromkeys(rows["section"]))}
    counts = rows.groupby("section", sort=False).agg(due=("code", "size"), late=("is_late", "sum"))
    open_rows = rows[rows["open"]]
    means = open_rows.groupby("section", sort=False).agg(
        unfinished=("code", "size"),
        completion_pct=("completion_pct", "mean"),
        need_pct=("need", "mean"),
        gain_pct=("gain", "mean"),
    )
    out = means.join(counts).reset_index()
    out["_order"] = out["section"].map(order)
    out = out.sort_values(["need_pct", "_order"], ascending=[False, True], kind="stable")
    return out.astype({"due": "int64", "unfinished": "int64", "late": "int64"})[RUN_UP_COLUMNS].reset_index(drop=True)


def deadline_slide(now: pd.DataFrame, before: pd.DataFrame, as_of: date) -> Slide:
    """截止分布: the month-by-month map (drawn from weekly.due_matrix), or, when the deadlines
    cluster in one month (deadline_cluster), the run-up to it (run_up) with what its subtitle says."""
    month, count = deadline_cluster(now)
    numbers: dict[str, object] = {"mode": "months", "targets": len(now)}
    tables = {"state": now}
    if month is not None:
        sprint = run_up(now, before, month, as_of)
        due = pd.to_datetime(now["deadline"])
        last = due[due.dt.to_period("M").dt.to_timestamp() == month].max().date()
        sections = {s for secs in now.loc[due.dt.to_period("M").dt.to_timestamp() == month, "sections"] for s in secs}
        numbers.update(
            mode="run_up",
            month=month.month,
            in_month=count,
            deadline=last,
            days_left=(last - as_of).days,
            sections=len(sections),
            all_done=len(sections) - len(sprint),
        )
        tables["run_up"] = sprint
    return Slide("heatmap", SLIDE_TITLES["heatmap"], numbers=numbers, tables=tables)


def silent_names(silent: pd.DataFrame, budget: int) -> tuple[list[str], int]:
    """本期未报送科室: the names (of supervision.not_reported's frame, in its order) that fit in
    ``budget`` characters written one after another with 、, and how many did not (cut after a
    whole name: …等，另有 N 个)."""
    names = [str(s) for s in silent["section"]] if not silent.empty else []
    shown: list[str] = []
    for name in names:
        if len("、".join([*shown, name])) > budget and shown:
            break
        shown.append(name)
    return shown, len(names) - len(shown)


# -- 上周会议决定事项 and 需要协调的事项 (#36) ------------------------------------------------------------
DECISION_SOURCES = ("meeting", "instruction")  # 周例会, 领导批示: not the office's own 督办单
# Most pressing first: what is late, then what waits for the section, then for the office's review.
STATUS_ORDER = (
    decisions.OVERDUE,
    decisions.SIGN_LATE,
    decisions.UNSIGNED,
    decisions.REVIEW,
    decisions.WORKING,
    decisions.CLOSED,
)
STATUS_TONES = {
    decisions.OVERDUE: "bad",
    decisions.SIGN_LATE: "bad",
    decisions.UNSIGNED: "warn",
    decisions.REVIEW: "accent",
    decisions.WORKING: "",
    decisions.CLOSED: "good",
}
# Rows a slide holds, each up to two lines (a decision, a reply, a target, a note wrap): under the
# tiles of 上周会议决定事项, and under the subtitle of 需要协调的事项 (tests/browser: they fit 16:9).
DECISION_ROWS = 7
COORDINATION_ROWS = 9
TEXT_CHARS = 40  # a wrapping cell's text, cut: two lines of a column of about a third of the width


def clip(text: object, chars: int) -> str:
    """``text`` on one line, cut to ``chars`` characters with … when longer ('' for none)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    flat = " ".join(str(text).split())
    return flat[:chars] + ("…" if len(flat) > chars else "")


def brought_back(found: pd.DataFrame, week: Week) -> pd.DataFrame:
    """Which decisions (rows of decisions.items) the meeting showing ``week`` brings back, most
    pressing first (STATUS_ORDER, then by due day). The rule, by the day each was decided (its
    周例会 or 批示 day):

    - decided in the week (its first to its cut-off day): every one, whatever became of it — the
      last meeting's decisions;
    - decided before the week: those still open, and those closed since the week began, once more
      as 已办结 (closed during the week: at this meeting only; closed between the cut-off day and
      the meeting: at this meeting and the next);
    - decided after the cut-off day (today's meeting, for one): not yet — the next week's screen
      brings them back.

    The status is the item's status on the day asked (decisions.status), not on the cut-off day."""
    if found.empty:
        return found
    day = pd.to_datetime(found["source_day"]).fillna(pd.to_datetime(found["issued_at"]).dt.normalize())
    closed = pd.to_datetime(found["closed_at"])
    start, end = pd.Timestamp(week.start), pd.Timestamp(week.end)
    shown = found[(day <= end) & ((day >= start) | closed.isna() | (closed >= start))]
    shown = shown.assign(_rank=shown["status"].map({s: n for n, s in enumerate(STATUS_ORDER)}))
    shown = shown.sort_values(["_rank", "due_date", "order_id"], kind="stable")
    return shown.drop(columns="_rank").reset_index(drop=True)


def decision_slide(store: Database, plan_id: int, week: Week, today: date) -> Slide | None:
    """上周会议决定事项: the 周例会 decisions and 领导批示 brought back (brought_back) with their
    status on ``today``, latest reply (or the office's return after it), section and due day;
    ``numbers['status']`` counts them by status. None when there is none to show."""
    found = decisions.items(store, plan_id, today)
    shown = brought_back(found[found["source"].isin(DECISION_SOURCES)], week)
    if shown.empty:
        return None
    counts = shown["status"].value_counts()
    latest = []
    for r in shown.to_dict("records"):
        returned = decisions.returned(r)
        said = f"退回：{clip(r['last_return'], TEXT_CHARS - 3)}" if returned else clip(r["last_reply"], TEXT_CHARS)
        latest.append(said)
    shown = shown.assign(latest=latest)
    numbers: dict[str, object] = {
        "total": len(shown),
        "status": {status: int(counts.get(status, 0)) for status in STATUS_ORDER},
        "today": today,
    }
    return Slide("decisions", SLIDE_TITLES["decisions"], numbers=numbers, tables={"items": shown})


def coordination_slide(store: Database, plan_id: int, week: Week, as_of: date) -> Slide | None:
    """需要协调的事项: the targets a section flagged 需协调 in its latest report of the week up to
    ``as_of`` (decisions.coordination: nothing before it is reported, and a later report of the
    week without the flag withdraws it), with section, 完成率 and note. None when there is none."""
    asked = decisions.coordination(store, plan_id, week.start, as_of)
    if asked.empty:
        return None
    asked = asked.rename(columns={"target_text": "target"}).assign(
        reported=[fmt.month_day(pd.Timestamp(d).date()) for d in asked["report_date"]]
    )
    return Slide("coordination", SLIDE_TITLES["coordination"], numbers={"total": len(asked)}, tables={"asked": asked})


def decision_tiles(numbers: dict[str, object]) -> list[tuple[str, str, str, str]]:
    """上周会议决定事项's number tiles (label, value, note, tone as perfdash.present.screen.tiles
    takes them): 逾期, 未签收 (签收超时 among them), 办理中, 待复核, 已办结."""
    c: dict[str, int] = numbers["status"]  # type: ignore[assignment]
    unsigned = c[decisions.UNSIGNED] + c[decisions.SIGN_LATE]
    late = c[decisions.SIGN_LATE]
    return [
        (decisions.OVERDUE, f"{c[decisions.OVERDUE]} 项", "已过办理时限", "bad" if c[decisions.OVERDUE] else ""),
        (
            decisions.UNSIGNED,
            f"{unsigned} 项",
            f"其中签收超时 {late} 项" if late else "待责任科室签收",
            "bad" if late else "warn" if unsigned else "",
        ),
        (decisions.WORKING, f"{c[decisions.WORKING]} 项", "已签收，办理中", ""),
        (decisions.REVIEW, f"{c[decisions.REVIEW]} 项", "已答复，待绩效办复核", ""),
        (decisions.CLOSED, f"{c[decisions.CLOSED]} 项", "绩效办已办结销号", "good" if c[decisions.CLOSED] else ""),
    ]


PAST_DUE = "（已过时限）"  # after 待复核 on the slide: answered, the office's turn, its due day passed


def status_html(status: str, past_due: bool = False) -> str:
    """A status in bold, in its colour (STATUS_TONES; the screen's classes, perfdash.present.screen);
    an item waiting for 复核 past its due day reads 待复核（已过时限）."""
    tone = STATUS_TONES.get(status, "")
    look = ' style="color:var(--pd-accent)"' if tone == "accent" else f' class="pd-{tone}"' if tone else ""
    shown = status + (PAST_DUE if past_due and status == decisions.REVIEW else "")
    return f"<b{look}>{escape(shown)}</b>"


def _wrap(text: str, width: int) -> str:
    """A table cell of ``width`` percent whose text (escaped, cut to TEXT_CHARS) wraps onto at most
    two lines, where the screen's table cells keep to one."""
    clamp = "display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden;line-height:1.25"
    shown = escape(clip(text, TEXT_CHARS))
    return f'<td style="white-space:normal;width:{width}%"><div style="{clamp}">{shown}</div></td>'


def decision_table(items: pd.DataFrame, page: int = 0) -> str:
    """Page ``page`` (DECISION_ROWS rows) of 上周会议决定事项 as a big-type table: the decision (领导
    批示 marked 〔批示〕), its target, section, due day, status and latest reply. Everything escaped."""
    part = items.iloc[page * DECISION_ROWS : (page + 1) * DECISION_ROWS]
    head = "".join(f"<th>{h}</th>" for h in ("决定事项", "目标", "责任科室", "办理时限", "状态", "最新答复"))
    rows = ""
    for r in part.itertuples(index=False):
        what = ("〔批示〕" if r.source == "instruction" else "") + str(r.what)
        code = escape(str(r.code)) if isinstance(r.code, str) and r.code else "—"
        reply = _wrap(r.latest, 30) if r.latest else '<td class="pd-muted">尚无答复</td>'
        status = status_html(str(r.status), bool(getattr(r, "past_due", False)))
        rows += (
            f"<tr>{_wrap(what, 34)}<td>{code}</td><td>{escape(str(r.section))}</td>"
            f"<td>{escape(fmt.month_day(pd.Timestamp(r.due_date).date()))}</td><td>{status}</td>"
            f"{reply}</tr>"
        )
    return f'<table class="pd-table"><tr>{head}</tr>{rows}</table>'


def coordination_table(asked: pd.DataFrame, page: int = 0) -> str:
    """Page ``page`` (COORDINATION_ROWS rows) of 需要协调的事项: each target (code and text), its lead
    section, 完成率, what the section asks the leaders to coordinate, and the report's day."""
    part = asked.iloc[page * COORDINATION_ROWS : (page + 1) * COORDINATION_ROWS]
    head = "".join(f"<th>{h}</th>" for h in ("编号", "年度工作目标", "牵头科室", "完成率", "需协调的事项", "报送"))
    rows = ""
    for r in part.itertuples(index=False):
        section = escape(str(r.section)) if isinstance(r.section, str) else "—"
        note = _wrap(r.note, 34) if clip(r.note, 1) else '<td class="pd-muted">（未写说明）</td>'
        rows += (
            f"<tr><td>{escape(str(r.code))}</td>{_wrap(str(r.target), 34)}<td>{section}</td>"
            f"<td>{fmt.pct(float(r.completion_pct))}</td>{note}<td>{escape(r.reported)}</td></tr>"
        )
    return f'<table class="pd-table"><tr>{head}</tr>{rows}</table>'


def build_slides(
    store: Database, plan_id: int, year: int, week: Week, as_of: date | None = None, today: date | None = None
) -> list[Slide]:
    """Every slide's content for one week, a reporting period (plain data; the page only draws it).
    The state is as of ``as_of`` (default the period's cut-off day; the screen passes the 统计日期),
    compared with the state at the end of the period before (its changes: 本周变化). The meeting's
    decisions show their status on ``today`` (default the present day): what became of them by the
    meeting, not by the cut-off day. 上周会议决定事项 and 需要协调的事项 come only when they have
    something to show."""
    as_of = as_of or week.end
    today = today or date.today()
    now = queries.target_state(store, plan_id, as_of, year)
    before = queries.target_state(store, plan_id, week.start - timedelta(days=1), year)
    head = queries.headline(now)
    followed = [
        s for s in (decision_slide(store, plan_id, week, today), coordination_slide(store, plan_id, week, as_of)) if s
    ]
    if not queries.reported(store, plan_id, as_of):  # nothing reported yet: no forecast, no red, one slide
        numbers = {"reported": 0, "targets": head["targets"], "possible": head["points"]}
        return [Slide("headline", SLIDE_TITLES["headline"], numbers=numbers), *followed]
    # The forecast and counts every page shows (forecast.standing_forecast, queries.headline).
    stored = official.stored(store, plan_id)
    _, sim = forecast.standing_forecast(store, plan_id, now, as_of, stored.rules)
    counts = now["lag_status"].value_counts()
    headline = Slide(
        "headline",
        SLIDE_TITLES["headline"],
        numbers={
            "reported": len(now) - int(now["last_report"].isna().sum()),
            "projected_total": sim.base_total,
            "projected_grade": stored.grade_label(sim.base_grade),
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
    open_orders = supervision.orders(store, plan_id, today)  # 督办 on the calendar, as 督办与催报 shows it
    open_orders = open_orders[open_orders["level"] != supervision.CLOSED]
    due_slide = Slide(
        "due",
        SLIDE_TITLES["due"],
        numbers={"overdue": len(overdue), "due_soon": len(due), "horizon": soon, "orders": len(open_orders)},
        tables={"overdue": overdue, "due_soon": due.sort_values("deadline"), "orders": open_orders},
    )
    sections = rollups.by_section(now)
    ranking = Slide("ranking", SLIDE_TITLES["ranking"], tables={"sections": sections[sections["targets"] > 0]})
    heat = deadline_slide(now, before, as_of)
    leaders = Slide("leaders", SLIDE_TITLES["leaders"], tables={"leaders": rollups.by_leader(now)})
    return [headline, week_slide, *followed, due_slide, ranking, heat, leaders]


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
