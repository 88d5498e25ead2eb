"""The few Streamlit helpers every page shares: page config, the store, plan and as-of pickers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from perfdash import fmt, queries, settings
from perfdash.access import Actor
from perfdash.demo import bootstrap
from perfdash.settings import OFFICE
from perfdash.store import Store


@dataclass(frozen=True)
class PageContext:
    """What a page needs: the store, the chosen plan and the as-of date."""

    store: Store
    plan_id: int
    unit: str
    year: int
    as_of: date
    is_demo: bool


@st.cache_resource(show_spinner="正在准备数据库…")
def get_store(path: str) -> Store:
    """One shared connection per database file; a new database gets the plan and demo data."""
    store = Store(path)
    bootstrap(store, settings.plan_path(), settings.demo_seed())
    return store


def page_setup(title: str) -> PageContext:
    """Call first on every page: page config, sidebar pickers, demo banner."""
    st.set_page_config(page_title=f"{title} · 绩效管理", page_icon=":material/monitoring:", layout="wide")
    store = get_store(str(settings.db_path()))
    plans = queries.plans(store)
    if plans.empty:
        st.error("数据库中还没有任何绩效方案。请用 `python -m perfdash import 方案文件 --db …` 导入。")
        st.stop()
    labels = {int(r.plan_id): f"{r.unit} {r.year}年度" for r in plans.itertuples()}
    with st.sidebar:
        plan_id = st.selectbox("绩效方案", list(labels), format_func=labels.get, key="plan_id")
        row = plans[plans["plan_id"] == plan_id].iloc[0]
        year = int(row["year"])
        latest = row["latest_report"]
        default = latest.date() if hasattr(latest, "date") else (latest or min(date.today(), date(year, 12, 31)))
        if st.session_state.get("as_of_plan") != plan_id:
            st.session_state["as_of"] = default
            st.session_state["as_of_plan"] = plan_id
        as_of = st.date_input(
            "统计日期（截至）",
            min_value=date(year, 1, 1),
            max_value=date(year + 1, 1, 31),
            key="as_of",
            help=f"默认为最近一次填报日期（{fmt.day(default)}）",
        )
        is_demo = bool(row["has_demo"]) if row["has_demo"] is not None else False
        if is_demo:
            st.warning(f"**{settings.DEMO_LABEL}**：当前进度为自动生成的演示数据，并非科室真实填报。")
    return PageContext(store, int(plan_id), str(row["unit"]), year, as_of, is_demo)


def demo_badge(ctx: PageContext) -> str:
    """A short label to put next to numbers that come from demo data."""
    return f"（{settings.DEMO_LABEL}）" if ctx.is_demo else ""


def identity_picker(ctx: PageContext) -> Actor:
    """Who is using the app, until login exists: a clearly marked picker in the sidebar."""
    sections, leaders = queries.sections_and_leaders(ctx.store, ctx.plan_id)
    options = [OFFICE, *(f"科室·{s}" for s in sections), *(f"领导·{name}" for name in leaders)]
    with st.sidebar:
        st.divider()
        who = st.selectbox(
            "当前身份（临时）",
            options,
            key="identity",
            help="登录功能上线前的临时身份选择：科室只能填报本科室牵头或协作的目标，绩效办可填报全部，领导只读。",
        )
        st.caption("⚠️ 临时身份选择，仅用于试用；正式使用时由登录决定。")
    return Actor.parse(who, sections, leaders)


def flash(message: str | None = None) -> None:
    """Show a message once after a rerun (a save that reloads the page), or queue one."""
    if message is not None:
        st.session_state["_flash"] = message
    elif "_flash" in st.session_state:
        st.success(st.session_state.pop("_flash"))
