"""周会大屏: the self-running projector view of this week's state and changes."""

import time

import streamlit as st

from perfdash.app import ui
from perfdash.core import fmt, settings
from perfdash.db import weekly
from perfdash.present import charts, charts_time, meeting, screen

ctx = ui.meeting_setup()
theme = screen.theme_name(st.query_params.get("theme"))
seconds = meeting.parse_seconds(st.query_params.get("every"))
st.html(screen.css(theme))

bar = st.columns([6, 1, 1])
paused = bar[1].toggle("暂停轮播", key="meeting_paused")


def draw(slide: meeting.Slide) -> None:
    """Draw one slide from its data."""
    n, t = slide.numbers, slide.tables
    if slide.key == "headline":
        gap = n["completion_pct"] - n["expected_pct"]
        probs = "，".join(f"{k} {fmt.pct(v * 100)}" for k, v in n["grade_probability"].items())
        st.html(
            screen.tiles(
                [
                    (
                        "预计年终得分",
                        fmt.score(n["projected_total"]),
                        f"预计等次：{n['projected_grade']}",
                        "",
                    ),
                    (
                        "加权完成率",
                        fmt.pct(n["completion_pct"]),
                        f"序时进度 {fmt.pct(n['expected_pct'])}",
                        "good" if gap >= -10 else "warn" if gap >= -30 else "bad",
                    ),
                    ("本周提升", f"{n['completion_change']:+.1f}", "个百分点", ""),
                ]
            )
            + screen.tiles(
                [
                    ("已完成", str(n["done"]), f"共 {n['targets']} 项", "good"),
                    ("正常推进", str(n["on_track"]), "落后序时不足10个百分点", ""),
                    ("滞后", str(n["late"]), "黄色、红色和逾期", "warn"),
                    ("其中逾期未完成", str(n["overdue"]), "已过完成时限", "bad"),
                ]
            )
            + f'<p style="margin-top:18px">获评等次的概率（{len(n["grade_probability"])} 档，'
            f"本局暂定分界）：{probs}</p>"
        )
    elif slide.key == "week":
        cols = {
            "code": "编号",
            "target": "年度工作目标",
            "lead_section": "牵头科室",
            "completion_pct_before": "上周",
            "completion_pct": "本周",
        }
        late_cols = {
            "code": "编号",
            "target": "年度工作目标",
            "lead_section": "牵头科室",
            "lead_person": "责任人",
            "lag_status": "状态",
        }
        st.html(
            screen.tiles(
                [
                    ("本周有推进", f"{n['moved']} 项", "", "good"),
                    ("本周完成", f"{n['finished']} 项", "", "good"),
                    ("新增滞后", f"{n['fell_behind']} 项", "", "bad" if n["fell_behind"] else ""),
                ]
            )
        )
        left, right = st.columns(2)
        left.html(screen.heading("推进最多") + screen.table(t["moved"], cols, limit=6, empty="本周没有目标有推进"))
        right.html(
            screen.heading("本周完成")
            + screen.table(t["finished"], late_cols, limit=3, empty="本周没有新完成的目标")
            + screen.heading("新增滞后")
            + screen.table(t["fell_behind"], late_cols, limit=3, empty="本周没有新增滞后目标")
        )
    elif slide.key == "due":
        cols = {
            "code": "编号",
            "target": "年度工作目标",
            "lead_section": "牵头科室",
            "lead_person": "责任人",
            "deadline": "完成时限",
            "completion_pct": "完成率",
        }
        left, right = st.columns(2)
        left.html(
            screen.heading(f"逾期未完成（{n['overdue']} 项）")
            + screen.table(t["overdue"], cols, limit=9, empty="没有逾期未完成的目标")
        )
        right.html(
            screen.heading(f"{meeting.DUE_SOON_DAYS} 天内到期（至 {fmt.month_day(n['horizon'])}，{n['due_soon']} 项）")
            + screen.table(t["due_soon"], cols, limit=9, empty=f"{meeting.DUE_SOON_DAYS} 天内没有到期的未完成目标")
        )
    elif slide.key == "ranking":
        s = t["sections"]
        fig = charts.completion_bars(list(s["section"]), list(s["completion_pct"]), list(s["expected_pct"]))
        st.plotly_chart(screen.projector_figure(fig, theme, 820), config={"displayModeBar": False}, key="m_ranking")
    elif slide.key == "heatmap":
        fig = charts_time.due_heatmap(weekly.due_matrix(t["state"]), ctx.year, as_of=ctx.as_of)
        st.plotly_chart(screen.projector_figure(fig, theme, 820), config={"displayModeBar": False}, key="m_heatmap")
    elif slide.key == "leaders":
        g = t["leaders"]
        left, right = st.columns([3, 2])
        fig = charts.completion_bars(list(g["leader"]), list(g["completion_pct"]), list(g["expected_pct"]))
        left.plotly_chart(screen.projector_figure(fig, theme, 760), config={"displayModeBar": False}, key="m_leaders")
        right.html(
            screen.table(g, {"leader": "分管领导", "targets": "目标", "points": "分值", "late": "滞后"}, limit=10)
        )


@st.fragment(run_every=seconds)
def show() -> None:
    if not ctx.still_allowed():  # token revoked, session ended: rerun the page, which now refuses
        st.rerun()
    slides = ui.slides(ctx)  # from the database every tick; rebuilt only after a write
    index, started = meeting.advance(
        st.session_state.get("meeting_slide", 0),
        len(slides),
        paused,
        st.session_state.get("_meeting_started"),
        time.monotonic(),
        seconds,
    )
    st.session_state["meeting_slide"] = index
    st.session_state["_meeting_started"] = started
    slide = slides[index]
    demo = f" · {settings.DEMO_LABEL}" if ctx.is_demo else ""
    st.html(screen.top_bar(slide.title, f"{ctx.unit} · {ctx.week.label}{demo}", index, len(slides)))
    draw(slide)


show()
bar[2].download_button(
    "下载周报",
    lambda: meeting.brief_xlsx(ui.slides(ctx), ctx.unit, ctx.year, ctx.week) if ctx.still_allowed() else b"",
    file_name=f"周报_{ctx.unit}_{ctx.week.end.isoformat()}.xlsx",
    key="meeting_brief",
)
bar[0].caption(
    f"每 {seconds} 秒自动切换"
)  # the URL parameters are in the README and the token dialog, not on the screen
