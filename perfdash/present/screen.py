"""HTML for the projector: the meeting screen's theme, number tiles and big tables. Every piece
of text from the plan or from users is escaped; nothing a user typed becomes markup."""

from __future__ import annotations

from html import escape

import pandas as pd
import plotly.graph_objects as go

from perfdash.core import fmt

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
BODY_PX = 26
TARGET_CHARS = 15  # a target's text is cut to one projector line
HEADLINE_PX = 76


def theme_name(raw: str | None) -> str:
    """'dark' (default: projectors wash out light backgrounds less) or 'light'."""
    return raw if raw in THEMES else "dark"


def css(theme: str) -> str:
    """The page style: no sidebar or header, large type, the theme's colours, nothing scrolls."""
    t = THEMES[theme]
    return f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], footer {{ display: none !important; }}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {t["bg"]} !important; color: {t["text"]} !important; overflow: hidden !important; }}
[data-testid="stMainBlockContainer"], .block-container {{ padding: 18px 40px 0 40px !important;
  max-width: 100% !important; }}
.stApp p, .stApp li, .stApp span, .stApp label, .stApp div {{ color: {t["text"]}; }}
.stApp p, .stApp li {{ font-size: {BODY_PX}px; }}
[data-testid="stVerticalBlock"] {{ gap: 0.6rem; }}
.pd-top {{ display: flex; justify-content: space-between; align-items: baseline; font-size: {BODY_PX}px;
  color: {t["muted"]}; border-bottom: 2px solid {t["line"]}; padding-bottom: 6px; }}
.pd-title {{ font-size: 46px; font-weight: 700; color: {t["text"]}; }}
.pd-dots span {{ display: inline-block; width: 16px; height: 16px; border-radius: 8px; margin-left: 10px;
  background: {t["line"]}; }}
.pd-dots span.on {{ background: {t["accent"]}; }}
.pd-tiles {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 22px; margin-top: 14px; }}
.pd-tile {{ background: {t["panel"]}; border-radius: 14px; padding: 18px 24px; }}
.pd-tile .k {{ font-size: {BODY_PX}px; color: {t["muted"]}; }}
.pd-tile .v {{ font-size: {HEADLINE_PX}px; font-weight: 700; line-height: 1.1; color: {t["text"]}; }}
.pd-tile .s {{ font-size: {BODY_PX}px; color: {t["muted"]}; }}
.pd-good {{ color: {t["good"]} !important; }} .pd-warn {{ color: {t["warn"]} !important; }}
.pd-bad {{ color: {t["bad"]} !important; }}
table.pd-table {{ width: 100%; border-collapse: collapse; font-size: {BODY_PX}px; margin-top: 8px; }}
table.pd-table th {{ text-align: left; color: {t["muted"]}; font-weight: 600; border-bottom: 2px solid {t["line"]};
  padding: 6px 10px; }}
table.pd-table td {{ padding: 6px 10px; border-bottom: 1px solid {t["line"]}; color: {t["text"]};
  white-space: nowrap; }}
table.pd-table th {{ white-space: nowrap; }}
table.pd-table td.pd-wrap {{ white-space: normal; }}
[data-testid="stCheckbox"] label div:first-child {{ background: {t["line"]} !important; }}
.stDownloadButton button, .stButton button {{ background: {t["panel"]} !important; color: {t["text"]} !important;
  border: 1px solid {t["line"]} !important; }}
.pd-empty {{ font-size: {BODY_PX + 4}px; color: {t["muted"]}; padding: 30px 0; }}
.pd-h2 {{ font-size: 34px; font-weight: 700; margin: 8px 0 0 0; color: {t["text"]}; }}
</style>"""


def top_bar(title: str, subtitle: str, index: int, count: int) -> str:
    """The slide's title, the week and unit, and one dot per slide."""
    dots = "".join(f'<span class="{"on" if i == index else ""}"></span>' for i in range(count))
    return (
        f'<div class="pd-top" data-slide="{index}"><span class="pd-title">{escape(title)}</span>'
        f'<span>{escape(subtitle)}<span class="pd-dots">{dots}</span></span></div>'
    )


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
    for row in frame.head(limit).itertuples(index=False):
        values = row._asdict()
        body += (
            "<tr>"
            + "".join(
                f"<td{' class=pd-wrap' if k == 'target' else ''}>{escape(_text(k, values.get(k)))}</td>"
                for k in columns
            )
            + "</tr>"
        )
    more = len(frame) - limit
    tail = f'<div class="s" style="font-size:{BODY_PX - 4}px">另有 {more} 项未显示</div>' if more > 0 else ""
    return f'<table class="pd-table"><tr>{head}</tr>{body}</table>{tail}'


def heading(text: str) -> str:
    return f'<div class="pd-h2">{escape(text)}</div>'


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
    if isinstance(value, float):
        return fmt.points(value, unit=False)
    return str(value)


def projector_figure(fig: go.Figure, theme: str, height: int = 640) -> go.Figure:
    """A chart restyled for the projector: large type, the theme's colours, transparent paper."""
    t = THEMES[theme]
    fig.update_layout(
        height=height,
        font=dict(size=22, color=t["text"]),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend=dict(font=dict(size=22, color=t["text"])),
    )
    fig.update_traces(textfont=dict(size=20, color=t["text"]), selector=dict(type="bar"))
    fig.update_traces(textfont=dict(size=18), selector=dict(type="heatmap"))
    fig.update_traces(marker=dict(color=t["text"], line=dict(color=t["text"])), selector=dict(name="序时进度"))
    fig.update_xaxes(gridcolor=t["line"], zerolinecolor=t["line"], tickfont=dict(size=20))
    fig.update_yaxes(gridcolor=t["line"], zerolinecolor=t["line"], tickfont=dict(size=22))
    return fig
