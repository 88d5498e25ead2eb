"""HTML for the projector: the meeting screen's theme, number tiles, big tables and charts drawn
as HTML. Every size is in ``--u``, a hundredth of the largest 16:9 box that fits the window, so
one layout fills 1366×768, 1920×1080 and 3840×2160 alike. Every piece of text from the plan or
from users is escaped; nothing a user typed becomes markup."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from html import escape

import pandas as pd

from perfdash.core import fmt
from perfdash.core.schedule import LATE_STATUSES, OVERDUE
from perfdash.core.settings import lag_thresholds

THEMES: dict[str, dict[str, str]] = {
    "dark": {
        "bg": "#0b1220",
        "panel": "#16213a",
        "text": "#f5f7fa",
        "muted": "#aab4c5",
        "accent": "#4fc3f7",
        "good": "#66bb6a",
        "warn": "#ffca28",
        "bad": "#ef5350",
        "line": "#2c3a57",
    },
    "light": {
        "bg": "#ffffff",
        "panel": "#f1f4f9",
        "text": "#111827",
        "muted": "#4b5563",
        "accent": "#1565c0",
        "good": "#2e7d32",
        "warn": "#b26a00",
        "bad": "#c62828",
        "line": "#d6dbe4",
    },
}
# Sizes in u (1u = 10.8 px at 1920×1080): body text 2.4u = 26 px there, 18 px at 1366×768, 52 px at 4K.
BODY_U = 2.4
TARGET_CHARS = 15  # a target's text is cut to one projector line
# Rows that fit one slide's body (about 80u high) before a list goes on to a next page.
BAR_ROWS = 14
HEAT_ROWS = 21  # the heat map's rows are bare lines of text (the demo's 21 sections fit one page)
TABLE_ROWS = 13
RUN_UP_ROWS = 21  # 截止分布's run-up table: dense rows, the demo's 21 sections on one page
NAME_EM_MAX = 11  # a name column grows to this many characters; a longer name wraps, never cut
NARROW_PX = 700  # below this width (a phone) the screen says it is for a projector


def theme_name(raw: str | None) -> str:
    """'dark' (default: projectors wash out light backgrounds less) or 'light'."""
    return raw if raw in THEMES else "dark"


def _u(k: float) -> str:
    return f"calc(var(--u) * {k})"


def css(theme: str) -> str:
    """The page style: no sidebar or header, the slide fixed to the window, type scaled with the
    window, the theme's colours, a pause button that stands out, nothing scrolls."""
    t = THEMES[theme]
    body = _u(BODY_U)
    return f"""<style>
:root {{ --u: min(1vh, 0.5625vw); --pd-bad: {t["bad"]}; --pd-muted: {t["muted"]}; --pd-accent: {t["accent"]}; }}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], footer {{ display: none !important; }}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {t["bg"]} !important; color: {t["text"]} !important; overflow: hidden !important; }}
.pd-screen {{ position: fixed; inset: 0; z-index: 100; background: {t["bg"]}; color: {t["text"]};
  display: flex; flex-direction: column; gap: {_u(1.4)}; padding: {_u(1.6)} {_u(3)} {_u(1.2)} {_u(3)};
  box-sizing: border-box; font-size: {body}; line-height: 1.3; overflow: hidden; }}
.pd-screen * {{ box-sizing: border-box; }}
.pd-body {{ flex: 1 1 0; min-height: 0; display: flex; flex-direction: column; gap: {_u(1.4)}; }}
.pd-row {{ flex: 1 1 0; min-height: 0; display: flex; gap: {_u(2.4)}; }}
.pd-col {{ flex: 1 1 0; min-width: 0; min-height: 0; display: flex; flex-direction: column; gap: {_u(0.8)}; }}
.pd-foot {{ height: {_u(5)}; display: flex; align-items: center; color: {t["muted"]}; }}
.pd-top {{ display: flex; justify-content: space-between; align-items: baseline; color: {t["muted"]};
  border-bottom: {_u(0.2)} solid {t["line"]}; padding-bottom: {_u(0.6)}; }}
.pd-title {{ font-size: {_u(4.4)}; font-weight: 700; color: {t["text"]}; }}
.pd-dots span {{ display: inline-block; width: {_u(1.5)}; height: {_u(1.5)}; border-radius: 50%;
  margin-left: {_u(0.9)}; background: {t["line"]}; }}
.pd-dots span.on {{ background: {t["accent"]}; }}
.pd-tiles {{ display: grid; grid-template-columns: repeat(auto-fit, minmax({_u(30)}, 1fr)); gap: {_u(2)}; }}
.pd-tile {{ background: {t["panel"]}; border-radius: {_u(1.3)}; padding: {_u(1.2)} {_u(2.2)}; }}
.pd-tile .k, .pd-tile .s {{ color: {t["muted"]}; }}
.pd-tile .v {{ font-size: {_u(7)}; font-weight: 700; line-height: 1.1; color: {t["text"]}; }}
.pd-good {{ color: {t["good"]} !important; }} .pd-warn {{ color: {t["warn"]} !important; }}
.pd-bad {{ color: {t["bad"]} !important; }} .pd-muted {{ color: {t["muted"]}; }}
table.pd-table {{ width: 100%; border-collapse: collapse; table-layout: auto; }}
table.pd-table th {{ text-align: left; color: {t["muted"]}; font-weight: 600; white-space: nowrap;
  border-bottom: {_u(0.2)} solid {t["line"]}; padding: {_u(0.4)} {_u(0.9)}; }}
table.pd-table td {{ padding: {_u(0.4)} {_u(0.9)}; border-bottom: 1px solid {t["line"]}; white-space: nowrap; }}
table.pd-table td.pd-wrap {{ max-width: {_u(34)}; overflow: hidden; text-overflow: ellipsis; }}
.pd-h2 {{ font-size: {_u(3.2)}; font-weight: 700; }}
.pd-empty {{ color: {t["muted"]}; padding: {_u(1)} 0; }}
.pd-bars {{ flex: 1 1 0; min-height: 0; display: flex; flex-direction: column; }}
.pd-bar {{ flex: 1 1 0; max-height: {_u(9)}; display: grid; align-items: center; gap: {_u(1.5)};
  grid-template-columns: var(--pd-name, {_u(16)}) 1fr {_u(9)} {_u(11)}; border-bottom: 1px solid {t["line"]}; }}
.pd-bar.pd-head {{ flex: 0 0 auto; color: {t["muted"]}; padding-bottom: {_u(0.3)}; }}
.pd-bar .n {{ overflow-wrap: anywhere; line-height: 1.15; }}
.pd-track {{ position: relative; height: 55%; max-height: {_u(4)}; background: {t["panel"]};
  border-radius: {_u(0.5)}; }}
.pd-fill {{ position: absolute; left: 0; top: 0; bottom: 0; border-radius: {_u(0.5)}; }}
.pd-mark {{ position: absolute; top: -15%; bottom: -15%; width: {_u(0.4)}; background: {t["text"]}; }}
.pd-fill.good {{ background: {t["good"]}; }} .pd-fill.warn {{ background: {t["warn"]}; }}
.pd-fill.bad {{ background: {t["bad"]}; }}
.pd-legend {{ color: {t["muted"]}; display: flex; gap: {_u(3)}; flex-wrap: wrap; }}
.pd-key {{ display: inline-block; width: {_u(3)}; height: {_u(1.2)}; margin-right: {_u(0.6)};
  vertical-align: middle; border-radius: {_u(0.3)}; }}
table.pd-heat {{ width: 100%; flex: 1 1 0; border-collapse: separate; border-spacing: {_u(0.35)};
  table-layout: fixed; }}
table.pd-heat th {{ color: {t["muted"]}; font-weight: 600; text-align: center; white-space: nowrap; }}
table.pd-heat th.sec {{ text-align: left; width: var(--pd-name, {_u(17)}); white-space: normal;
  overflow-wrap: anywhere; }}
table.pd-heat td, table.pd-heat th {{ padding: 0 {_u(0.4)}; line-height: 1.2; }}
table.pd-heat td {{ text-align: center; border-radius: {_u(0.4)}; background: {t["panel"]}; white-space: nowrap; }}
table.pd-heat td.now, table.pd-heat th.now {{ outline: {_u(0.25)} dashed {t["accent"]}; }}
.pd-trend {{ flex: 1 1 0; min-height: 0; display: grid; grid-template-columns: {_u(7)} 1fr;
  grid-template-rows: 1fr auto; }}
.pd-yaxis {{ position: relative; color: {t["muted"]}; }}
.pd-yaxis span {{ position: absolute; right: {_u(1)}; transform: translateY(-50%); }}
.pd-plot {{ position: relative; border-left: {_u(0.2)} solid {t["line"]}; border-bottom: {_u(0.2)} solid {t["line"]}; }}
.pd-line {{ position: absolute; inset: 0; }}
.pd-line.done {{ background: {t["accent"]}; }} .pd-line.exp {{ background: {t["muted"]}; }}
.pd-line.area {{ background: {t["accent"]}; opacity: 0.18; }}
.pd-xaxis {{ grid-column: 2; position: relative; height: {_u(3.4)}; color: {t["muted"]}; }}
.pd-xaxis span {{ position: absolute; top: {_u(0.3)}; transform: translateX(-50%); }}
.pd-sub {{ color: {t["muted"]}; }}
.pd-names {{ line-height: 1.35; }} .pd-names span {{ white-space: nowrap; }}
table.pd-dense td, table.pd-dense th {{ padding-top: {_u(0.15)}; padding-bottom: {_u(0.15)}; line-height: 1.2; }}
table.pd-dense td.num, table.pd-dense th.num {{ text-align: right; }}
/* On a phone the projector layout is unreadable: hide it and say where to look instead. */
.pd-phone {{ display: none; }}
@media (max-width: {NARROW_PX}px) {{
  .pd-screen, .st-key-pd_controls {{ display: none !important; }}
  .pd-phone {{ display: flex; position: fixed; inset: 0; z-index: 300; flex-direction: column; justify-content: center;
    gap: 20px; padding: 28px; background: {t["bg"]}; color: {t["text"]}; font-size: 18px; line-height: 1.5; }}
  .pd-phone .pd-phone-title {{ font-size: 24px; font-weight: 700; }}
  .pd-phone .pd-phone-note {{ color: {t["muted"]}; font-size: 16px; }}
  .pd-phone a {{ align-self: flex-start; padding: 12px 22px; border-radius: 10px; background: {t["accent"]};
    color: {t["bg"]} !important; font-size: 18px; font-weight: 700; text-decoration: none; }}
}}
/* The controls (pause, download, back) sit over the slide's footer, right-aligned. */
.st-key-pd_controls {{ position: fixed !important; right: {_u(3)}; bottom: {_u(0.9)}; z-index: 200;
  width: auto !important; display: flex; flex-direction: row; gap: {_u(1.5)}; align-items: center; }}
.st-key-pd_controls button, .st-key-pd_controls a {{ min-height: 0 !important; height: {_u(4.2)};
  padding: 0 {_u(1.8)} !important; border-radius: {_u(0.8)} !important; background: {t["panel"]} !important;
  border: {_u(0.25)} solid {t["line"]} !important; }}
.st-key-pd_controls button p, .st-key-pd_controls a p, .st-key-pd_controls a span {{
  font-size: {_u(2.3)} !important; color: {t["text"]} !important; line-height: 1.2; }}
.st-key-meeting_pause button {{ border-color: {t["accent"]} !important; }}
.st-key-meeting_pause button p {{ color: {t["accent"]} !important; font-weight: 700; }}
.st-key-pd_controls [data-testid="stPageLink"] {{ margin: 0; }}
.st-key-pd_controls .stElementContainer {{ width: auto !important; }}
</style>"""


def top_bar(title: str, subtitle: str, index: int, count: int) -> str:
    """The slide's title, the week and unit, and one dot per slide."""
    dots = "".join(f'<span class="{"on" if i == index else ""}"></span>' for i in range(count))
    return (
        f'<div class="pd-top" data-slide="{index}"><span class="pd-title">{escape(title)}</span>'
        f'<span>{escape(subtitle)}<span class="pd-dots">{dots}</span></span></div>'
    )


def screen(top: str, body: str, foot: str) -> str:
    """One whole slide, fixed to the window: the top bar, the body filling the height, the footer."""
    return (
        f'<div class="pd-screen">{top}<div class="pd-body">{body}</div><div class="pd-foot">{escape(foot)}</div></div>'
    )


def row(*columns: str) -> str:
    """Columns side by side, sharing the width, filling the height that is left."""
    return '<div class="pd-row">' + "".join(f'<div class="pd-col">{c}</div>' for c in columns) + "</div>"


def tiles(items: list[tuple[str, str, str, str]]) -> str:
    """Number tiles: (label, value, note, tone) with tone '', 'good', 'warn' or 'bad'."""
    cells = "".join(
        f'<div class="pd-tile"><div class="k">{escape(k)}</div>'
        f'<div class="v{" pd-" + tone if tone else ""}">{escape(v)}</div><div class="s">{escape(s)}</div></div>'
        for k, v, s, tone in items
    )
    return f'<div class="pd-tiles">{cells}</div>'


def table(frame: pd.DataFrame, columns: dict[str, str], limit: int = 8, empty: str = "无") -> str:
    """A big-type table of the first ``limit`` rows; a line says how many more there are."""
    if frame.empty:
        return f'<div class="pd-empty">{escape(empty)}</div>'
    head = "".join(f"<th>{escape(label)}</th>" for label in columns.values())
    body = ""
    for r in frame.head(limit).itertuples(index=False):
        values = r._asdict()
        body += (
            "<tr>"
            + "".join(
                f"<td{' class=pd-wrap' if k == 'target' else ''}>{escape(_text(k, values.get(k)))}</td>"
                for k in columns
            )
            + "</tr>"
        )
    more = len(frame) - limit
    tail = f'<div class="pd-muted">另有 {more} 项未显示</div>' if more > 0 else ""
    return f'<table class="pd-table"><tr>{head}</tr>{body}</table>{tail}'


def heading(text: str) -> str:
    return f'<div class="pd-h2">{escape(text)}</div>'


def split(lengths: tuple[int, int], budget: int) -> tuple[int, int]:
    """Rows for two stacked lists sharing ``budget`` rows: each its own length, the longer one
    taking what the shorter leaves (at least half each when both are long)."""
    a, b = lengths
    a_rows = min(a, max(budget - min(b, budget // 2), budget // 2))
    return a_rows, min(b, budget - a_rows)


def late_targets(state: pd.DataFrame) -> pd.DataFrame:
    """The late targets that are not yet overdue (黄色、红色), furthest behind 序时进度 first."""
    late = state[state["lag_status"].isin(LATE_STATUSES) & (state["lag_status"] != OVERDUE)]
    return late.sort_values("lag_pct", ascending=False, kind="stable")


def page_count(rows: int, per_page: int) -> int:
    """How many pages a list of ``rows`` needs at ``per_page`` rows a page (at least one)."""
    return max(1, -(-rows // per_page))


def tone(done: float, expected: float) -> str:
    """'good', 'warn' or 'bad' by how far 完成率 is behind 序时进度, with the lag rule of every page
    (settings.lag_thresholds: yellow from 10 points behind, red beyond 30) judged on the whole
    percents shown (fmt.shown_pct), not on the unrounded numbers: figures that read the same get one
    colour (78.67 and 79.07 against 89 both read 79%, 10 points behind: both 'warn')."""
    yellow, red = lag_thresholds()
    lag = -fmt.shown_gap(done, expected)
    return "bad" if lag > red else "warn" if lag >= yellow else "good"


def _ems(text: str) -> float:
    """A text's width in em: a Chinese character (or full-width sign) 1, anything else about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def name_width(names: Iterable[object], least: float) -> float:
    """The width in u of a column of names in body type: the longest name's (so 民管科（对外合作科）
    is not cut), at least ``least``, at most NAME_EM_MAX characters (a longer name wraps)."""
    longest = max((_ems(str(n)) for n in names), default=0.0)
    return round(max(least, min(longest, NAME_EM_MAX) * BODY_U + 1.0), 1)


def bars(frame: pd.DataFrame, name: str, label: str, note: tuple[str, str] | None = None, page: int = 0) -> str:
    """A ranking as bars: one row per ``name`` with its 完成率 (coloured by the gap to 序时进度),
    a mark at its 序时进度, the rate in figures and the ``note`` column (key, header). Page
    ``page`` of BAR_ROWS rows."""
    part = frame.iloc[page * BAR_ROWS : (page + 1) * BAR_ROWS]
    head = (
        f'<div class="pd-bar pd-head"><span>{escape(label)}</span>'
        '<span class="pd-legend"><span><i class="pd-key" style="background:currentColor"></i>完成率</span>'
        "<span>｜ 序时进度</span></span>"
        f"<span>完成率</span><span>{escape(note[1]) if note else ''}</span></div>"
    )
    rows = ""
    for r in part.itertuples(index=False):
        v = r._asdict()
        done, expected = float(v["completion_pct"]), float(v["expected_pct"])
        extra = _text(note[0], v.get(note[0])) if note else ""
        rows += (
            f'<div class="pd-bar"><span class="n">{escape(str(v[name]))}</span>'
            f'<div class="pd-track"><div class="pd-fill {tone(done, expected)}" '
            f'style="width:{min(max(done, 0), 100):.1f}%"></div>'
            f'<div class="pd-mark" style="left:{min(max(expected, 0), 100):.1f}%"></div></div>'
            f"<span>{escape(fmt.pct(done))}</span><span>{escape(extra)}</span></div>"
        )
    width = name_width(frame[name], 16)  # every page of the ranking alike
    return f'<div class="pd-bars" style="--pd-name:{_u(width)}">{head}{rows}</div>'


NOW = ' class="now"'  # the as-of month's column in the heat map


def heat(matrix: pd.DataFrame, year: int, as_of: object, page: int = 0) -> str:
    """Sections × the plan year's months (from ``weekly.due_matrix``): the targets falling due in
    each cell, the stronger its colour the more of them late (滞后, overdue included); the as-of
    month outlined. Page ``page`` of HEAT_ROWS sections."""
    months = list(pd.date_range(f"{year}-01-01", periods=12, freq="MS"))
    current = pd.Timestamp(as_of).to_period("M").to_timestamp()
    cells = matrix.assign(month=pd.to_datetime(matrix["month"])).set_index(["section", "month"])
    sections = list(dict.fromkeys(matrix["section"]))[page * HEAT_ROWS : (page + 1) * HEAT_ROWS]
    top = max(1, int(matrix["at_risk"].max())) if not matrix.empty else 1
    head = '<th class="sec">科室</th>' + "".join(f"<th{NOW if m == current else ''}>{m.month}月</th>" for m in months)
    body = ""
    for s in sections:
        body += f'<tr><th class="sec">{escape(str(s))}</th>'
        for m in months:
            now = NOW if m == current else ""
            if (s, m) not in cells.index:
                body += f"<td{now}></td>"
                continue
            c = cells.loc[(s, m)]
            risk = int(c["at_risk"])
            style = f' style="background:color-mix(in srgb, var(--pd-bad) {25 + 60 * risk / top:.0f}%, transparent)"'
            body += f"<td{now}{style if risk else ''}>{int(c['targets'])}项</td>"
        body += "</tr>"
    width = name_width(matrix["section"], 17) + 0.8  # the cell's side padding
    return f'<table class="pd-heat" style="--pd-name:{_u(width)}"><tr>{head}</tr>{body}</table>'


RUN_UP_HEAD = (
    ("section", "科室", ""),
    ("due", "到期", "num"),
    ("unfinished", "未完成", "num"),
    ("late", "其中滞后", "num"),
    ("completion_pct", "平均完成率", "num"),
    ("need_pct", "每周需推进", "num"),
    ("gain_pct", "本周推进", "num"),
)


def run_up(frame: pd.DataFrame, page: int = 0) -> str:
    """截止分布 when the deadlines cluster in one month (meeting.run_up's rows): per section the
    targets due, unfinished, late, their average 完成率, the points a week they need and the points
    they gained this week, one decimal; a week's gain below the need (as shown) in the warning
    colour. Page ``page`` of RUN_UP_ROWS rows."""
    if frame.empty:
        return '<div class="pd-empty">到期的目标已全部完成</div>'
    head = "".join(f'<th class="{c}">{escape(label)}</th>' for _, label, c in RUN_UP_HEAD)
    body = ""
    for r in frame.iloc[page * RUN_UP_ROWS : (page + 1) * RUN_UP_ROWS].itertuples(index=False):
        need, gain = f"{float(r.need_pct):.1f}", f"{float(r.gain_pct):.1f}"
        slow = " pd-warn" if float(gain) < float(need) else ""  # judged on the figures shown
        late = " pd-bad" if int(r.late) else ""
        body += (
            f"<tr><td>{escape(str(r.section))}</td><td class=num>{int(r.due)}</td>"
            f"<td class=num>{int(r.unfinished)}</td><td class='num{late}'>{int(r.late)}</td>"
            f"<td class=num>{escape(fmt.pct(float(r.completion_pct)))}</td><td class=num>{need}</td>"
            f"<td class='num{slow}'>{gain}</td></tr>"
        )
    return f'<table class="pd-table pd-dense"><tr>{head}</tr>{body}</table>'


def names(items: list[str], more: int, empty: str) -> str:
    """Names one after another (、), each kept whole on one line, with 等，另有 N 个 when ``more``
    did not fit; ``empty`` when there are none."""
    if not items:
        return f'<div class="pd-empty">{escape(empty)}</div>'
    last = len(items) - 1
    text = "".join(f"<span>{escape(n)}{'' if i == last else '、'}</span>" for i, n in enumerate(items))
    tail = f'<span class="pd-muted">等，另有 {more} 个</span>' if more else ""
    return f'<div class="pd-names">{text}{tail}</div>'


def subtitle(text: str) -> str:
    """A muted line under the slide's title that says what the slide shows and why."""
    return f'<div class="pd-sub">{escape(text)}</div>'


def phone_note(href: str, label: str) -> str:
    """What a phone sees instead of the slides (css hides one or the other by the window's width):
    the screen is for a projector, and a link to ``label`` (the leader's view), ``href`` relative."""
    return (
        '<div class="pd-phone"><div class="pd-phone-title">周会大屏用于会议室投影</div>'
        "<div>大屏按投影的宽屏排版，手机上看不清。在手机上请看分管领导的页面：</div>"
        f'<a href="{escape(href)}">打开{escape(label)}</a>'
        '<div class="pd-phone-note">在电脑或投影上打开本网址即可看到轮播的大屏。</div></div>'
    )


def trend(frame: pd.DataFrame, year: int, note: str = "") -> str:
    """The plan year's weekly 加权完成率 against 序时进度 (from ``weekly.weekly_trend``'s overall
    rows, in percent) as two lines, with month ticks, 0/50/100% marks, and a legend ending in
    ``note``."""
    start = pd.Timestamp(f"{year}-01-01")
    days = (pd.Timestamp(f"{year}-12-31") - start).days
    # st.html drops SVG, so each line is a div cut to shape (clip-path, in percent of the plot).
    xs_pct = [(pd.Timestamp(d) - start).days / days * 100 for d in frame["week_end"]]

    def band(column: str, thick: float, area: bool = False) -> str:
        ys_pct = [100 - min(max(float(p), 0), 100) for p in frame[column]]
        upper = [f"{x:.2f}% {y - thick / 2:.2f}%" for x, y in zip(xs_pct, ys_pct, strict=True)]
        lower = [f"{x:.2f}% {y + thick / 2:.2f}%" for x, y in zip(xs_pct, ys_pct, strict=True)][::-1]
        if area:
            lower = [f"{xs_pct[-1]:.2f}% 100%", f"{xs_pct[0]:.2f}% 100%"]
        return ", ".join(upper + lower)

    lines = (
        f'<div class="pd-line area" style="clip-path:polygon({band("completion_pct", 0, area=True)})"></div>'
        f'<div class="pd-line exp" style="clip-path:polygon({band("expected_pct", 1.2)})"></div>'
        f'<div class="pd-line done" style="clip-path:polygon({band("completion_pct", 2.0)})"></div>'
        if len(frame)
        else ""
    )
    ys = "".join(f'<span style="top:{100 - p}%">{p}%</span>' for p in (0, 50, 100))
    xs = "".join(
        f'<span style="left:{(m - start).days / days * 100:.1f}%">{m.month}月</span>'
        for m in pd.date_range(start, periods=12, freq="MS")[::2]
    )
    legend = (
        '<div class="pd-legend"><span><i class="pd-key" style="background:var(--pd-accent)"></i>加权完成率</span>'
        '<span><i class="pd-key" style="background:var(--pd-muted)"></i>序时进度</span>'
        f"<span>{escape(note)}</span></div>"
    )
    return (
        legend + f'<div class="pd-trend"><div class="pd-yaxis">{ys}</div><div class="pd-plot">{lines}</div>'
        f'<div class="pd-xaxis">{xs}</div></div>'
    )


def _text(key: str, value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if "pct" in key:
        return fmt.pct(float(value))
    if key in ("deadline", "due_date"):
        return fmt.month_day(pd.Timestamp(value).date())
    if key in ("target", "what"):
        text = str(value)
        return text[:TARGET_CHARS] + ("…" if len(text) > TARGET_CHARS else "")
    if key in ("late", "targets"):
        return f"{int(value)} 项"
    if isinstance(value, float):
        return fmt.points(value, unit=False)
    return str(value)
