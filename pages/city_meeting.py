"""全市大屏 (#38): the city's meeting screen — the same rotation as 周会大屏 (perfdash.present.meeting,
perfdash.present.screen): 全市概况, then a slide per group with its units ranked (完成率 against 序时进度),
then the units needing attention."""

import contextlib

import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import city_view, meeting_view, reads
from perfdash.core import fmt, settings
from perfdash.present import city_board, meeting, screen

ctx = city_view.screen_setup()
theme = screen.theme_name(st.query_params.get("theme"))
seconds = meeting.parse_seconds(st.query_params.get("every"))
st.html(screen.css(theme))
st.html(city_board.phone_note())  # shown instead of the slides on a narrow window


controls = st.container(key="pd_controls", horizontal=True)
meeting_view.pause_button(controls, "city_meeting")


@st.fragment(run_every=seconds)
def show() -> None:
    if not ctx.still_allowed():  # session ended: rerun the page, which now asks for a login
        st.rerun()
    slides = reads.city_slides(ctx, ctx.year, ctx.as_of)  # cached: a tick redraws, it does not recompute
    shown = [(s, p) for s in slides for p in range(city_board.pages(s))]
    index = meeting_view.rotate("city_meeting", len(shown), seconds)
    slide, page = shown[index]
    count = city_board.pages(slide)
    title = slide.title + (f"（{page + 1}/{count}）" if count > 1 else "")
    demo = f" · {settings.DEMO_LABEL}" if ctx.is_demo else ""
    top = screen.top_bar(title, f"{ctx.year}年度 · 统计截至 {fmt.month_day(ctx.as_of)}{demo}", index, len(shown))
    st.html(screen.screen(top, city_board.body(slide, page), meeting_view.rotation_state("city_meeting", seconds)))


show()
controls.download_button(
    "下载全市汇总表",
    lambda: reads.city_summary_xlsx(ctx, ctx.year, ctx.as_of, ()) if ctx.still_allowed() else b"",
    file_name=f"全市绩效汇总表_{ctx.year}_{ctx.as_of.isoformat()}{'_演示数据' if ctx.is_demo else ''}.xlsx",
    key="city_meeting_xlsx",
)
with contextlib.suppress(StreamlitAPIException):  # not when run by itself, outside app.py (a smoke test)
    controls.page_link("pages/city.py", label="返回全市总览", icon=":material/arrow_back:")
