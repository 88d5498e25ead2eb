"""全市大屏 (#38): the city's meeting screen — the same rotation as 周会大屏 (perfdash.present.meeting,
perfdash.present.screen): 全市概况, then a slide per group with its units ranked (完成率 against 序时进度),
then the units needing attention."""

import contextlib
import time

import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import city_view, reads
from perfdash.core import fmt, settings
from perfdash.present import city_board, meeting, screen

ctx = city_view.screen_setup()
theme = screen.theme_name(st.query_params.get("theme"))
seconds = meeting.parse_seconds(st.query_params.get("every"))
st.html(screen.css(theme))
st.html(city_board.phone_note())  # shown instead of the slides on a narrow window


def toggle_pause() -> None:
    st.session_state["city_meeting_paused"] = not st.session_state.get("city_meeting_paused", False)


controls = st.container(key="pd_controls", horizontal=True)
paused = st.session_state.get("city_meeting_paused", False)
controls.button("继续轮播" if paused else "暂停轮播", key="meeting_pause", on_click=toggle_pause)


@st.fragment(run_every=seconds)
def show() -> None:
    if not ctx.still_allowed():  # session ended: rerun the page, which now asks for a login
        st.rerun()
    slides = reads.city_slides(ctx, ctx.year, ctx.as_of)  # cached: a tick redraws, it does not recompute
    shown = [(s, p) for s in slides for p in range(city_board.pages(s))]
    index, started = meeting.advance(
        st.session_state.get("city_meeting_slide", 0),
        len(shown),
        st.session_state.get("city_meeting_paused", False),
        st.session_state.get("_city_meeting_started"),
        time.monotonic(),
        seconds,
    )
    st.session_state["city_meeting_slide"] = index
    st.session_state["_city_meeting_started"] = started
    slide, page = shown[index]
    count = city_board.pages(slide)
    title = slide.title + (f"（{page + 1}/{count}）" if count > 1 else "")
    demo = f" · {settings.DEMO_LABEL}" if ctx.is_demo else ""
    top = screen.top_bar(title, f"{ctx.year}年度 · 统计截至 {fmt.month_day(ctx.as_of)}{demo}", index, len(shown))
    state = "已暂停轮播" if st.session_state.get("city_meeting_paused") else f"每 {seconds} 秒自动切换"
    st.html(screen.screen(top, city_board.body(slide, page), state))


show()
controls.download_button(
    "下载全市汇总表",
    lambda: reads.city_summary_xlsx(ctx, ctx.year, ctx.as_of, ()) if ctx.still_allowed() else b"",
    file_name=f"全市绩效汇总表_{ctx.year}_{ctx.as_of.isoformat()}{'_演示数据' if ctx.is_demo else ''}.xlsx",
    key="city_meeting_xlsx",
)
with contextlib.suppress(StreamlitAPIException):  # not when run by itself, outside app.py (a smoke test)
    controls.page_link("pages/city.py", label="返回全市总览", icon=":material/arrow_back:")
