"""The weekly meeting screen's setup: who may watch (a kiosk token or a signed-in session, asked
again on every tick), which plan and week. Its reads are perfdash.app.reads'."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

import streamlit as st

from perfdash.app import nav, reads, streamlit_internals, ui
from perfdash.app.session import current_account, open_store, require_login, session_token
from perfdash.db import queries
from perfdash.ops import auth
from perfdash.store import Store
from perfdash.workflows import periods
from perfdash.workflows import plans as plan_files


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
    )
