"""The weekly meeting screen's setup: who may watch (a kiosk token or a signed-in session, asked
again on every tick), which plan and week; and the panel where a signed-in office user or leader
records the meeting's decisions (capture). Its reads are perfdash.app.reads'; its write,
perfdash.app.actions.record_decision, the page hands to the panel."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import streamlit as st

from perfdash.app import nav, reads, shell, streamlit_internals, ui
from perfdash.app.session import current_account, open_store, require_login, session_token
from perfdash.core import fmt
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.db.database import StoreError
from perfdash.ops import auth
from perfdash.present import meeting
from perfdash.store import Store
from perfdash.workflows import periods
from perfdash.workflows import plans as plan_files

CAPTURE_ROLES = ("office", "leader")


@dataclass(frozen=True)
class MeetingContext:
    """What the meeting screen needs: the store, the plan, and the week."""

    store: Store
    plan_id: int
    unit: str
    year: int
    week: object
    is_demo: bool
    as_of: date
    token: str | None = None  # the kiosk token it was opened with, else the signed-in session's
    session: str | None = None
    open_period: periods.Period | None = None  # 本期: whose 未报送 the screen names, as 总览 does
    actor: Actor | None = None  # the signed-in viewer (None on a kiosk token: it only watches)

    @property
    def may_record(self) -> bool:
        """Whether the viewer may record the meeting's decisions here: a signed-in office user or
        leader, never the kiosk token's screen (the projector) nor a section."""
        return self.token is None and self.actor is not None and self.actor.role in CAPTURE_ROLES

    def still_allowed(self) -> bool:
        """Whether the screen may go on showing data: its kiosk token not revoked, or its session
        not expired, signed out or disabled (asked again on every tick of the rotation)."""
        if self.token is not None:
            return auth.kiosk_token(self.store, self.token) is not None
        return auth.session_account(self.store, self.session) is not None


def phone_link() -> tuple[str, str]:
    """Where the screen sends a phone: the leader's landing page (the first of a leader's menu,
    我的分管) as a link relative to the screen's address, and its menu name."""
    title, urls = next(iter(nav.menu("leader").items()))
    return f"./{urls[0]}", title


def setup() -> MeetingContext:
    """The meeting screen's setup: no sidebar; plan and week from the URL (?plan=, ?week=),
    else the plan chosen on the other pages (or the newest) and the reporting period of its 统计日期."""
    from perfdash.present import meeting

    streamlit_internals.leave_pages_folder_mode()
    st.set_page_config(
        page_title="周会大屏 · 绩效管理", page_icon=":material/tv:", layout="wide", initial_sidebar_state="collapsed"
    )
    store = open_store()
    token = st.query_params.get("token") or None
    kiosk = auth.kiosk_token(store, token)
    if kiosk is not None:
        viewer = kiosk.actor
    elif token and current_account(store) is None:
        st.error("大屏令牌无效或已撤销。请向绩效办索取新的大屏网址（账户与审计 → 大屏令牌）。")
        st.stop()
    else:
        token = None
        viewer = require_login(store).actor  # no valid kiosk token: a signed-in account may still watch
    signed_in = viewer if token is None else None
    plan_rows = reads.visible_plans(store, viewer)
    if plan_rows.empty:
        st.error("没有可显示的绩效方案。")
        st.stop()
    # The URL's plan (a token made for one plan), else this session's, else the current plan.
    row = plan_rows[plan_rows["plan_id"] == plan_files.default_plan(plan_rows, date.today())].iloc[0]
    with contextlib.suppress(ValueError, TypeError):
        wanted = int(st.query_params.get("plan") or st.session_state.get("_kept_plan_id"))
        if wanted in set(plan_rows["plan_id"]):
            row = plan_rows[plan_rows["plan_id"] == wanted].iloc[0]
    calendar = reads.reporting_calendar(store, int(row["plan_id"]))
    default = calendar.as_of(date.today())  # as on every page
    # 本周 is the plan's reporting period (of the 统计日期, or of the URL's ?week= day), as every page names it.
    week = meeting.week_of(default, calendar)
    with contextlib.suppress(ValueError):
        week = meeting.week_of(date.fromisoformat(st.query_params.get("week", "")), calendar)
    is_demo = queries.is_demo(row)
    as_of = min(week.end, default) if week.start <= default else week.end
    return MeetingContext(
        store,
        int(row["plan_id"]),
        str(row["unit"]),
        int(row["year"]),
        week,
        is_demo,
        as_of,
        token,
        session_token(),
        calendar.open_period(ui.today()),
        signed_in,
    )


# -- the capture panel (#36) -------------------------------------------------------------------------
# A drawer (st.dialog at the right) opened from the screen's controls. It lives outside the rotating
# fragment (pages/meeting.py's show): the rotation's ticks redraw only the slide, so what is being
# typed stays, and the dialog's own widgets rerun only the dialog. The room's projector (a kiosk
# token) never has the button.
OPEN = "_meeting_capture_open"  # the panel is open: drawn again by every full run until dismissed
RESULT = "_meeting_capture_result"  # (recorded, message) of the last 记录
SOURCES = {"meeting": "周例会", "instruction": "领导批示"}
DUE_DAYS = 7  # the 办理时限 offered: a week from the decision
TARGET_CHARS = 24  # a target's text in the list, cut: the code and the start tell them apart


def capture_css() -> str:
    """The panel's text in Streamlit's own colour (not the dark screen's), and the 记录决定事项
    button on a phone too: the screen's controls are hidden below NARROW_PX (perfdash.present.screen.css),
    this one stays, at the bottom, over the note for phones."""
    from perfdash.present import screen

    return f"""<style>
/* The screen's dark theme writes light text on the page; the panel is Streamlit's own, light. */
[role="dialog"] {{ color: #31333f !important; }}
@media (max-width: {screen.NARROW_PX}px) {{
  .st-key-pd_controls {{ display: flex !important; left: 16px; right: 16px; bottom: 20px; z-index: 400; }}
  .st-key-pd_controls > *:not(.st-key-meeting_capture) {{ display: none !important; }}
  .st-key-pd_controls .st-key-meeting_capture {{ flex: 1 1 auto; width: 100% !important; }}
  .st-key-meeting_capture div, .st-key-meeting_capture button {{ width: 100% !important; }}
  .st-key-meeting_capture button {{ height: 52px !important; border-color: var(--pd-accent) !important; }}
  .st-key-meeting_capture button p {{ font-size: 18px !important; }}
}}
</style>"""


Record = Callable[..., int]  # perfdash.app.actions.record_decision


def capture(ctx: MeetingContext, where: Any, record: Record) -> None:
    """The 记录决定事项 button in ``where`` (the screen's controls) and, while open, the panel whose
    记录 calls ``record``; nothing for a viewer who may not record (ctx.may_record)."""
    if not ctx.may_record:
        st.session_state.pop(OPEN, None)
        return
    st.html(capture_css())
    shell.install(phone_styles=False)  # the panel's widgets in Chinese (the date picker, "Press Enter…")
    where.button("记录决定事项", key="meeting_capture", icon=":material/edit_note:", on_click=_open)
    if st.session_state.get(OPEN):
        _panel(ctx, record)


def _open() -> None:
    st.session_state[OPEN] = True
    st.session_state.pop(RESULT, None)


def _close() -> None:
    st.session_state[OPEN] = False
    st.session_state.pop(RESULT, None)


FREE = ""  # the target option of a decision about no single target (None would read as nothing chosen)


def section_key(code: str) -> str:
    """The 责任科室 box's key: one per target (and one for none), so choosing a target offers its
    sections afresh, lead first, and the box never shows a section of the target chosen before."""
    return f"mc_section_{code or 'all'}"


def _target_label(targets: dict[str, str]) -> Any:
    def label(code: str) -> str:
        if code == FREE:
            return "不针对单个目标"
        text = targets.get(code, "")
        return f"{code} {text[:TARGET_CHARS]}{'…' if len(text) > TARGET_CHARS else ''}"

    return label


@st.dialog("记录决定事项", width=480, position="right", icon=":material/edit_note:", on_dismiss=_close)
def _panel(ctx: MeetingContext, record: Record) -> None:
    """What was decided, against which target (or none), by which section (a target's lead first,
    else any of the plan's), by whom and by when, from the 周例会 or a leader's instruction; then
    the decisions recorded today."""
    today = ui.today()
    leader = ctx.actor.name if ctx.actor is not None and ctx.actor.role == "leader" else ""
    state = reads.decision_targets(ctx, ctx.plan_id, ctx.as_of, ctx.year)
    texts = dict(zip(state["code"], state["target"], strict=True))
    sections_of = {c: list(s) for c, s in zip(state["code"], state["sections"], strict=True)}
    everyone = reads.sections_and_leaders(ctx, ctx.plan_id)[0]

    source = st.radio("来源", list(SOURCES), format_func=SOURCES.get, key="mc_source", horizontal=True)
    st.text_area("决定事项", key="mc_what", height=88, placeholder="如：中教科周五前报送 1-3-1 推进方案")
    code = st.selectbox("针对目标", [FREE, *texts], format_func=_target_label(texts), key="mc_code")
    sections = sections_of.get(code, []) if code else everyone
    lead = sections[0] if code and sections else None
    st.selectbox(
        "责任科室",
        sections,
        format_func=lambda s: f"{s}（牵头）" if s == lead else s,
        key=section_key(code),
        help="选了目标时为该目标的责任科室（牵头在前），否则为本方案的全部科室",
    )
    st.text_input("责任人（可选）", key="mc_person")
    left, right = st.columns(2)
    left.date_input("办理时限", value=today + timedelta(days=DUE_DAYS), key="mc_due", format="YYYY-MM-DD")
    right.date_input("会议日期" if source == "meeting" else "批示日期", value=today, key="mc_day", format="YYYY-MM-DD")
    if source == "instruction":
        st.text_input("批示领导", value=leader, key="mc_leader")  # a leader's own instruction by default
    st.button("记录", type="primary", key="mc_submit", on_click=_submit, args=(ctx, record), width="stretch")
    result = st.session_state.get(RESULT)
    if result:
        (st.success if result[0] else st.error)(fmt.md(result[1]))

    done = reads.decisions_recorded(ctx, ctx.plan_id, today)
    st.markdown(f"**本次会议已记录（{len(done)} 项）**")
    if done.empty:
        st.caption("今天还没有记录决定事项。")
    for r in done.itertuples(index=False):
        what = " ".join(str(r.what).split())
        st.markdown(
            f"- 督办单 {r.order_id} · {fmt.md(r.section)} · {fmt.month_day(r.due_date)}前 · "
            f"{SOURCES.get(r.source, '')}：{fmt.md(what[:40] + ('…' if len(what) > 40 else ''))}"
        )


def _submit(ctx: MeetingContext, record: Record) -> None:
    """记录: the panel's fields as a 督办单 (``record``: actions.record_decision). A refusal is kept as
    one line and the fields stay as typed; on success the decision's own fields are emptied for the next."""
    s = st.session_state
    source = s.get("mc_source", "meeting")
    try:
        oid = record(
            ctx,
            s.get("mc_what", ""),
            s.get(section_key(s.get("mc_code") or FREE)),
            s.get("mc_due"),
            code=s.get("mc_code") or None,
            person=s.get("mc_person", ""),
            source=source,
            source_day=s.get("mc_day"),
            source_leader=s.get("mc_leader", "") if source == "instruction" else "",
        )
    except StoreError as exc:
        s[RESULT] = (False, str(exc).splitlines()[0])
        return
    due = s.get("mc_due")
    section = s.get(section_key(s.get("mc_code") or FREE))
    s[RESULT] = (True, f"已记录为督办单 {oid}：{section}，办理时限 {fmt.month_day(due)}")
    for key in ("mc_what", "mc_person"):
        s[key] = ""
    s["mc_code"] = FREE


# -- the rotation (周会大屏 and 全市大屏) ---------------------------------------------------------------
# A screen's rotation lives in the session under its prefix: ``{prefix}_slide`` (the slide shown,
# which tests and links may set), ``{prefix}_paused`` and ``_{prefix}_started``.


def pause_button(container: Any, prefix: str) -> None:
    """暂停轮播 / 继续轮播 in the screen's controls."""

    def toggle() -> None:
        st.session_state[f"{prefix}_paused"] = not st.session_state.get(f"{prefix}_paused", False)

    paused = st.session_state.get(f"{prefix}_paused", False)
    container.button("继续轮播" if paused else "暂停轮播", key="meeting_pause", on_click=toggle)


def rotate(prefix: str, count: int, seconds: int) -> int:
    """The slide to show now out of ``count`` (meeting.advance: moved on every ``seconds`` unless
    paused), kept in the session."""
    index, started = meeting.advance(
        st.session_state.get(f"{prefix}_slide", 0),
        count,
        st.session_state.get(f"{prefix}_paused", False),
        st.session_state.get(f"_{prefix}_started"),
        time.monotonic(),
        seconds,
    )
    st.session_state[f"{prefix}_slide"], st.session_state[f"_{prefix}_started"] = index, started
    return index


def rotation_state(prefix: str, seconds: int) -> str:
    """What the screen's foot says of the rotation."""
    return "已暂停轮播" if st.session_state.get(f"{prefix}_paused") else f"每 {seconds} 秒自动切换"
