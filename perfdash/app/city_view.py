"""The city pages' setup (#38): who may see every unit (the city role, 市直绩效办, and an office
account bound to no unit), the sidebar's year, 统计日期 and group filter, and opening one unit's
pages from the city's table (its plan chosen, its 总览 shown, the city's date kept). The reads are
perfdash.app.reads' (city_*); the pages are pages/city.py and pages/city_meeting.py."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import reads, shell, streamlit_internals, ui
from perfdash.app.session import open_store, require_login
from perfdash.core import fmt, settings
from perfdash.core.access import Actor
from perfdash.db import queries
from perfdash.ops import auth
from perfdash.present import city_board
from perfdash.store import Store

CITY_ROLE = "city"
OVERVIEW = "pages/overview.py"
REFUSED = "全市总览供市直绩效办使用：您的账户只能查看本单位的方案，请从“总览”查看本单位的情况。"


def may_view(account: auth.Account | None) -> bool:
    """Whether an account sees every unit: the city role, or an office account bound to no unit
    (the installation's own office, which already opens every unit's plan from the sidebar)."""
    if account is None:
        return False
    return account.role == CITY_ROLE or (account.role == "office" and account.units is None)


@dataclass(frozen=True)
class CityContext:
    """What a city page needs: the store, the signed-in account, the year, the 统计日期 and the
    groups chosen in the sidebar (empty: every group)."""

    store: Store
    account: auth.Account
    year: int
    as_of: date
    default_as_of: date
    is_demo: bool
    groups: tuple[str, ...] = field(default_factory=tuple)

    @property
    def actor(self) -> Actor:
        return self.account.actor

    def pick(self, table: pd.DataFrame) -> pd.DataFrame:
        """The rows of a frame with a ``group`` column that the sidebar's group filter keeps."""
        return table if not self.groups else table[table["group"].isin(self.groups)].reset_index(drop=True)


def demo_year(store: Store, year: int) -> bool:
    """Whether every plan of ``year`` holds the demo history (演示数据), as each unit's pages say it."""
    rows = reads.plans(store)
    rows = rows[rows["year"] == year]
    return bool(len(rows)) and all(queries.is_demo(r) for _, r in rows.iterrows())


def _signed_in_city() -> tuple[Store, auth.Account, list[int]]:
    """The store, the signed-in account (one that may see every unit, else one line and the page
    stops) and the years with plans (none: one line and the page stops)."""
    store = open_store()
    account = require_login(store)
    if not may_view(account):
        st.error(REFUSED)
        st.stop()
    years = reads.city_years(store)
    if not years:
        st.error("数据库中还没有任何单位的绩效方案。")
        st.stop()
    return store, account, years


def setup(title: str, sidebar_groups: bool = True) -> CityContext:
    """Call first on a city page: page config, sign-in (an account that may not see every unit gets
    one line and the page stops), and the sidebar: 年度, 统计日期 and (``sidebar_groups``) 分组."""
    streamlit_internals.leave_pages_folder_mode()
    st.set_page_config(page_title=f"{title} · 绩效管理", page_icon=":material/monitoring:", layout="wide")
    shell.install()
    store, account, years = _signed_in_city()
    with st.sidebar:
        ui.keep_widget("city_year", years[0])
        if st.session_state["city_year"] not in years:
            st.session_state["city_year"] = years[0]
        year = int(st.selectbox("年度", years, format_func=lambda y: f"{y}年度", key="city_year"))
        default = reads.city_default_as_of(store, year, ui.today())
        low, high = date(year, 1, 1), date(year + 1, 1, 31)
        if st.session_state.get("_city_as_of_year", year) != year:  # another year starts at its own default
            st.session_state.pop("city_as_of", None)
            st.session_state.pop("_kept_city_as_of", None)
        st.session_state["_city_as_of_year"] = year
        ui.keep_widget("city_as_of", default)
        st.session_state["city_as_of"] = min(max(st.session_state["city_as_of"], low), high)
        as_of = st.date_input(
            "统计日期（截至）",
            min_value=low,
            max_value=high,
            key="city_as_of",
            help=f"默认为各单位最近关闭的填报周期的截止日（{fmt.day(default)}）",
        )
        ui.remember_widgets("city_year", "city_as_of")
        chosen: tuple[str, ...] = ()
        if sidebar_groups:
            names = list(dict.fromkeys(reads.city_groups(store).values())) or []
            options = sorted(set(names), key=names.index)
            ui.keep_widget("city_group", [])
            st.session_state["city_group"] = [g for g in st.session_state["city_group"] if g in options]
            chosen = tuple(st.multiselect("分组", options, key="city_group", placeholder="全部分组"))
            ui.remember_widgets("city_group")
        is_demo = demo_year(store, year)
        if is_demo:
            st.warning(f"**{settings.DEMO_LABEL}**：各单位的进度为自动生成的演示数据，并非真实填报。")
    return CityContext(store, account, year, as_of, default, is_demo, chosen)


def gapless(frame: pd.DataFrame, config: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A table and its column settings as widgets.table shows them, for a table it cannot draw (one
    whose rows are selected): a column with a gap becomes text ("—" in it: a percent as 86%, a
    score with two decimals), keeping its label, width and help."""
    gaps = [n for n in frame.columns if frame[n].isna().any()]
    formats = {n: str((config.get(n) or {}).get("type_config", {}).get("format") or "") for n in gaps}
    settings_ = dict(config)
    for name in gaps:
        given = dict(config.get(name) or {})
        settings_[name] = st.column_config.TextColumn(
            given.get("label") or name, width=given.get("width"), help=given.get("help"), pinned=given.get("pinned")
        )
    return city_board.gaps_as_text(frame, {n: f for n, f in formats.items() if f}), settings_


def open_unit(ctx: CityContext, plan_id: int) -> None:
    """Open one unit's pages from the city's table: its plan becomes the chosen one and its 总览
    shows, at the city's 统计日期 when the city chose one (else at the plan's own default)."""
    ui.show_plan(plan_id, ctx.as_of if ctx.as_of != ctx.default_as_of else None)
    with contextlib.suppress(StreamlitAPIException):  # the page run by itself, outside app.py (a smoke test)
        st.switch_page(OVERVIEW)
    st.info("请从左侧菜单打开“总览”。")


@dataclass(frozen=True)
class ScreenContext(CityContext):
    """The city meeting screen's context: CityContext and the session it is watched under."""

    session: str | None = None

    def still_allowed(self) -> bool:
        """Whether the screen may go on showing every unit: its session not expired, signed out or
        disabled (asked again on every tick of the rotation)."""
        return auth.session_account(self.store, self.session) is not None


def screen_setup() -> ScreenContext:
    """The city meeting screen's setup: no sidebar; a signed-in account that may see every unit;
    the year and 统计日期 from the URL (?year=, ?as_of=), else those chosen on 全市总览, else the
    defaults. Every group is shown."""
    from perfdash.app.session import session_token

    streamlit_internals.leave_pages_folder_mode()
    st.set_page_config(
        page_title="全市大屏 · 绩效管理", page_icon=":material/tv:", layout="wide", initial_sidebar_state="collapsed"
    )
    store, account, years = _signed_in_city()
    year = st.session_state.get("_kept_city_year", years[0])
    with contextlib.suppress(ValueError, TypeError):
        year = int(st.query_params.get("year") or year)
    year = year if year in years else years[0]
    default = reads.city_default_as_of(store, year, ui.today())
    same_year = st.session_state.get("_city_as_of_year") == year
    as_of = st.session_state.get("_kept_city_as_of", default) if same_year else default
    with contextlib.suppress(ValueError, TypeError):
        as_of = date.fromisoformat(st.query_params.get("as_of") or as_of.isoformat())
    return ScreenContext(store, account, year, as_of, default, demo_year(store, year), (), session_token())


PEER_HEADERS = {
    "rank": "排名",
    "unit": "单位",
    "score": "当前得分",
    "grade": "等次",
    "completion": "完成率",
    "expected": "序时进度",
    "gap": "差距",
}


def peer_block(ctx: ui.PageContext) -> None:
    """同组单位 on a unit's 总览 (#38), for an account of a unit: its own rank within the group the
    city put it in, and the group's units by rank — anonymous (单位A, 单位B …) unless the city shows
    names. Nothing when the city has put the unit in no group, or for the city's own accounts."""
    account = ctx.account
    if account is None or account.role == CITY_ROLE or account.units is None:
        return
    peers = reads.city_peers(ctx, ctx.year, ctx.as_of, ctx.unit)
    if peers.empty or not peers["own"].any():
        return
    own = peers[peers["own"]].iloc[0]
    rank = "—" if pd.isna(own["rank"]) else str(int(own["rank"]))
    st.subheader(f"同组单位（{fmt.md(own['group'])}）")
    st.markdown(
        f"本单位在市直绩效办划定的“{fmt.md(own['group'])}”组 {int(own['group_size'])} 个单位中排第 **{rank}** 名"
        f"（按当前得分）：{fmt.score(own['score'], unit=True)} · {fmt.md(own['grade'] or '—')}，"
        f"加权完成率 {fmt.pct(own['completion'])}（序时进度 {fmt.pct(own['expected'])}）。"
    )
    shown = pd.DataFrame(
        {
            "rank": peers["rank"].astype("Int64"),
            "unit": [
                f"{u}（本单位）" if own_row else str(u) for u, own_row in zip(peers["unit"], peers["own"], strict=True)
            ],
            "score": [None if pd.isna(s) else fmt.round_score(float(s)) for s in peers["score"]],
            "grade": [g if isinstance(g, str) and g else "—" for g in peers["grade"]],
            "completion": pd.array([None if pd.isna(c) else fmt.shown_pct(c) for c in peers["completion"]], "Int64"),
            "expected": pd.array([None if pd.isna(e) else fmt.shown_pct(e) for e in peers["expected"]], "Int64"),
            "gap": peers["gap"].astype("Int64"),
        }
    ).rename(columns=PEER_HEADERS)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=min(35 * (len(shown) + 1) + 3, 400),
        key="peer_table",
        column_config={
            "排名": st.column_config.NumberColumn(width=50),
            "单位": st.column_config.TextColumn(width=200),
            "当前得分": st.column_config.NumberColumn(format="%.2f"),
            "完成率": st.column_config.NumberColumn(format="%d%%"),
            "序时进度": st.column_config.NumberColumn(format="%d%%"),
            "差距": st.column_config.NumberColumn(format="%+d", help="完成率与序时进度之差（百分点）"),
        },
    )
    named = reads.city_names_visible(ctx)
    st.caption(
        "同组其他单位的名称按市直绩效办的设置显示。"
        if named
        else "按市直绩效办的设置，同组其他单位不显示名称，按名次以 单位A、单位B …… 表示。"
    )
