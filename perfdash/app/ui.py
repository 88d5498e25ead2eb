"""The few Streamlit helpers every page shares: page config, the store, plan and as-of pickers."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import nav, shell, upload_gate
from perfdash.app.session import database_down, get_store, open_store, require_login
from perfdash.core import fmt, settings
from perfdash.core.access import Actor
from perfdash.core.filters import URL_KEYS, Filters
from perfdash.core.schedule import LAG_STATUSES
from perfdash.db import queries
from perfdash.ops import auth, backup_folder
from perfdash.store import Store, StoreError
from perfdash.workflows import periods

T = TypeVar("T")
log = logging.getLogger("perfdash")


@dataclass(frozen=True)
class PageContext:
    """What a page needs: the store, the chosen plan and the as-of date."""

    store: Store
    plan_id: int
    unit: str
    year: int
    as_of: date
    is_demo: bool
    filters: Filters = field(default_factory=Filters)
    account: auth.Account | None = None
    reporting: periods.Rules | None = None  # the plan's reporting periods (None: not read by this page)

    @property
    def report_day(self) -> date:
        """The date a new report is written for by default (the open period's cut-off day)."""
        return (self.reporting or periods.Rules(self.year)).report_day(date.today())

    @property
    def actor(self) -> Actor:
        """Who is acting: the signed-in account (pages without login never write)."""
        return self.account.actor if self.account else Actor("screen", "大屏")


def _keep(key: str, default: object) -> None:
    """Give a sidebar widget its value before it renders: kept from the last page, else default.
    Widget state does not survive a page switch by itself, so a shadow copy carries it. A value
    left by the previous page's widget is written back: on the next page the widget is a new one,
    and a selectbox would otherwise ignore the leftover value and show its first option."""
    st.session_state[key] = st.session_state.get(key, st.session_state.get(f"_kept_{key}", default))


def _kept(*keys: str) -> None:
    for key in keys:
        st.session_state[f"_kept_{key}"] = st.session_state[key]


def _url_first(plans_ids: list[int]) -> None:
    """On a session's first run the URL decides plan, date and filters (a bookmarked view)."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    params = st.query_params
    with contextlib.suppress(ValueError):
        plan_id = int(params.get("plan", ""))
        if plan_id in plans_ids:
            st.session_state["_kept_plan_id"] = plan_id
    with contextlib.suppress(ValueError):
        st.session_state["_url_as_of"] = date.fromisoformat(params.get("as_of", ""))
    url_filters = Filters.from_query(params)
    for key, (name, _) in URL_KEYS.items():
        if getattr(url_filters, name):
            st.session_state[f"_kept_f_{key}"] = list(getattr(url_filters, name))


def _through_app_navigation() -> None:
    """A fresh server runs in Streamlit's old pages/-folder mode (a pages/ folder sits beside
    app.py) until app.py's st.navigation has run once: a first visitor who lands on a page, not
    on the start page, would get a sidebar of raw file names, and so would everyone after them.
    Leave that mode and run again through app.py's navigation."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def run(page: Any) -> None:
    """Run the chosen page. A page that fails shows the visitor a plain message with a reference;
    the traceback, which names files on the server, goes to the server's log only (set
    PERFDASH_SHOW_ERRORS=1 to let it through, as the tests do)."""
    upload_gate.guard_store()  # under a plain `streamlit run` too: no file kept for a stranger
    try:
        page.run()
    except Exception as exc:
        database_down(exc)  # the database server down: a page saying so, not an error
        if settings.show_errors():
            raise
        ref = secrets.token_hex(4)
        log.exception("perfdash: page %s failed (reference %s)", getattr(page, "title", "?"), ref)
        st.error(
            f"抱歉，页面出错了（错误编号 {ref}）。错误已记录在服务器日志中，请稍后再试；如一直如此，请联系绩效办。"
        )


def go_home() -> None:
    """The start page: sign in first, then on to the person's own first page."""
    _through_app_navigation()
    st.set_page_config(page_title="绩效管理", page_icon=":material/monitoring:", layout="wide")
    shell.install()
    account = require_login(open_store())
    target = nav.landing(account.role)
    try:
        st.switch_page(target)
    except StreamlitAPIException:  # run by itself, outside app.py's navigation (a smoke test)
        st.title("绩效管理")
        st.info("请从左侧菜单打开要用的页面。")


def page_setup(title: str, with_filters: bool = False) -> PageContext:
    """Call first on every page: page config, sidebar pickers (plan, as-of, and the shared filters
    when asked), the demo banner; plan, date and filters are kept in the URL."""
    _through_app_navigation()
    st.set_page_config(page_title=f"{title} · 绩效管理", page_icon=":material/monitoring:", layout="wide")
    shell.install()
    store = open_store()
    account = require_login(store)
    plan_rows = visible_plans(store, account.actor)
    if plan_rows.empty:
        if account.units is not None:
            st.error(f"您的账户所属单位（{fmt.md('、'.join(account.units))}）还没有绩效方案，请联系绩效办。")
        else:
            st.error("数据库中还没有任何绩效方案。请用 `python -m perfdash import 方案文件 --db …` 导入。")
        st.stop()
    labels = {int(r.plan_id): f"{r.unit} {r.year}年度" for r in plan_rows.itertuples()}
    _url_first(list(labels))
    with st.sidebar:
        chosen = st.session_state.pop("_next_plan_id", None)
        if chosen in labels:  # a page asked for this plan on the next run (show_plan)
            st.session_state["plan_id"] = st.session_state["_kept_plan_id"] = chosen
        _keep("plan_id", next(iter(labels)))
        plan_id = st.selectbox("绩效方案", list(labels), format_func=labels.get, key="plan_id")
        row = plan_rows[plan_rows["plan_id"] == plan_id].iloc[0]
        year = int(row["year"])
        reporting = reporting_rules(store, int(plan_id))
        default = reporting.as_of(date.today())
        low, high = date(year, 1, 1), date(year + 1, 1, 31)
        if st.session_state.get("_kept_as_of_plan") != plan_id:  # a new plan starts at its own default
            st.session_state.pop("_kept_as_of", None)
            st.session_state.pop("as_of", None)
            st.session_state["_kept_as_of_plan"] = plan_id
        url_as_of = st.session_state.pop("_url_as_of", None)
        shown = st.session_state.get("as_of", st.session_state.get("_kept_as_of"))
        if url_as_of is not None and low <= url_as_of <= high:
            st.session_state["as_of"] = url_as_of
        elif shown is not None and shown == st.session_state.get("_as_of_default") != default:
            # Not a date this person chose: follow the default when the office closes a period.
            st.session_state.pop("as_of", None)
            st.session_state["_kept_as_of"] = default
        st.session_state["_as_of_default"] = default
        _keep("as_of", default)
        as_of = st.date_input(
            "统计日期（截至）",
            min_value=low,
            max_value=high,
            key="as_of",
            help=f"默认为绩效办最近关闭的填报周期的截止日（{fmt.day(default)}）；填报周期：{reporting.describe()}",
        )
        st.caption(f"所属填报周期：{reporting.status(as_of)}")
        _kept("plan_id", "as_of")
        filters = _filter_widgets(store, int(plan_id)) if with_filters else Filters()
        is_demo = bool(row["has_demo"]) if pd.notna(row["has_demo"]) else False
        if is_demo:
            st.warning(f"**{settings.DEMO_LABEL}**：当前进度为自动生成的演示数据，并非科室真实填报。")
    # The date goes into the address only when chosen: a bookmark then follows the office's periods.
    chosen_day = {"as_of": as_of.isoformat()} if as_of != default else {}
    if not chosen_day:
        st.query_params.pop("as_of", None)
    _write_url({"plan": str(plan_id), **chosen_day, **filters.to_query()}, with_filters)
    return PageContext(store, int(plan_id), str(row["unit"]), year, as_of, is_demo, filters, account, reporting)


def _filter_widgets(store: Store, plan_id: int) -> Filters:
    sections, leaders = sections_and_leaders(store, plan_id)
    indicators = indicator_list(store, plan_id)
    titles = dict(zip(indicators["indicator_code"], indicators["title"], strict=True))
    options = {
        "group": (list(dict.fromkeys(indicators["group"])), str),  # the plan's own groups, in order
        "indicator": (list(titles), lambda c: f"{c} {titles.get(c, '')[:14]}"),
        "section": (sections, str),
        "leader": (leaders, str),
        "status": (list(LAG_STATUSES), str),
    }
    st.divider()
    st.markdown("**筛选**")
    chosen = {}
    for key, (name, label) in URL_KEYS.items():
        values, fmt_option = options[key]
        widget = f"f_{key}"
        _keep(widget, [])
        st.session_state[widget] = [v for v in st.session_state[widget] if v in values]
        chosen[name] = tuple(st.multiselect(label, values, format_func=fmt_option, key=widget, placeholder="全部"))
        _kept(widget)
    return Filters(**chosen)


def _write_url(values: dict[str, str], with_filters: bool) -> None:
    """Mirror the view into the query string; other keys (such as a target code) stay."""
    for key, value in values.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    if with_filters:
        for key in URL_KEYS:
            if key not in values and key in st.query_params:
                del st.query_params[key]


def show_plan(plan_id: int) -> None:
    """Make ``plan_id`` the chosen plan from the next run on (the sidebar's picker is already
    drawn in this one)."""
    st.session_state["_next_plan_id"] = plan_id


def save(write: Callable[[], object], done: str, errors: tuple[type[Exception], ...] = (StoreError,)) -> None:
    """Run one write from a form or button: its refusal (``errors``, a message in Chinese) is shown
    in place; on success the page reloads and shows ``done`` once."""
    try:
        write()
    except errors as exc:
        st.error(fmt.md(str(exc)))
    else:
        flash(done)
        st.rerun()


@st.cache_data(max_entries=16, show_spinner="正在核对备份文件…")
def _backup_preview(path: str, size: int, mtime: float) -> backup_folder.Preview:
    return backup_folder.inspect(path)


def backup_preview(path: Path) -> backup_folder.Preview:
    """A backup's preview (its manifest, every file checked), worked out once per file version."""
    stat = path.stat()
    return _backup_preview(str(path), stat.st_size, stat.st_mtime)


def parse_once(uploaded: Any, parse: Callable[[str, bytes], T]) -> T:
    """``parse(name, data)`` of an uploaded file, once per upload: st.file_uploader hands the same
    file to every rerun while it sits in the widget, and a file must not cost its reading again
    on each click. Keyed on the upload's id; only the latest upload is kept."""
    key = f"_parsed_{uploaded.file_id}"
    if key not in st.session_state:
        for old in [k for k in st.session_state if str(k).startswith("_parsed_")]:
            del st.session_state[old]
        st.session_state[key] = parse(uploaded.name, uploaded.getvalue())
    return st.session_state[key]


def problems(title: str, items: list[str]) -> None:
    """A refusal with its problems as a list; every problem's text (which may quote what someone
    typed or uploaded) shown as plain text."""
    st.error(title + "\n\n" + "\n".join(f"- {fmt.md(item)}" for item in items))


def demo_badge(ctx: PageContext) -> str:
    """A short label to put next to numbers that come from demo data."""
    return f"（{settings.DEMO_LABEL}）" if ctx.is_demo else ""


def flash(message: str | None = None) -> None:
    """Show a message once after a rerun (a save that reloads the page), or queue one."""
    if message is not None:
        st.session_state["_flash"] = message
    elif "_flash" in st.session_state:
        st.success(st.session_state.pop("_flash"))


# -- cached reads ------------------------------------------------------------------------------
# Each read is cached on (database, data version, arguments): every write transaction raises the
# version, so a write invalidates exactly the reads made before it. One decorated function per
# read, because st.cache_data tells functions apart by their name and source.


@st.cache_data(max_entries=64, show_spinner=False)
def _target_state(path: str, version: int, plan_id: int, as_of: date, year: int) -> pd.DataFrame:
    return queries.target_state(get_store(path), plan_id, as_of, year)


@st.cache_data(max_entries=16, show_spinner=False)
def _plans(path: str, version: int) -> pd.DataFrame:
    return queries.plans(get_store(path))


@st.cache_data(max_entries=16, show_spinner=False)
def _reporting_rules(path: str, version: int, plan_id: int) -> periods.Rules:
    return periods.rules(get_store(path), plan_id)


def reporting_rules(store: Store, plan_id: int) -> periods.Rules:
    return _reporting_rules(store.path, store.version(), plan_id)  # workflows.periods, until a write


@st.cache_data(max_entries=16, show_spinner=False)
def _plan_checks(path: str, version: int, plan_id: int) -> pd.DataFrame:
    return queries.plan_checks(get_store(path), plan_id)


@st.cache_data(max_entries=32, show_spinner=False)
def _sections_and_leaders(path: str, version: int, plan_id: int) -> tuple[list[str], list[str]]:
    return queries.sections_and_leaders(get_store(path), plan_id)


@st.cache_data(max_entries=32, show_spinner=False)
def _indicator_list(path: str, version: int, plan_id: int) -> pd.DataFrame:
    return queries.indicator_list(get_store(path), plan_id)


@st.cache_data(max_entries=32, show_spinner=False)
def _orders(path: str, version: int, plan_id: int, as_of: date) -> pd.DataFrame:
    from perfdash.workflows import supervision

    return supervision.orders(get_store(path), plan_id, as_of)


@st.cache_data(max_entries=32, show_spinner=False)
def _not_reported(path: str, version: int, plan_id: int, since: date, as_of: date) -> pd.DataFrame:
    from perfdash.workflows import supervision

    return supervision.not_reported(get_store(path), plan_id, since, as_of)


# About 1 MB each (61 targets × 52 weeks). Only the lag heatmap's figure reads it, and that
# figure is cached itself: a few entries serve a user trying the orders of one view.
@st.cache_data(max_entries=4, show_spinner=False)
def _target_weeks(path: str, version: int, plan_id: int, year: int, as_of: date, codes: tuple | None) -> pd.DataFrame:
    from perfdash.db import weekly

    return weekly.target_weeks(get_store(path), plan_id, year, as_of, None if codes is None else list(codes))


@st.cache_data(max_entries=32, show_spinner=False)
def _weekly_trend(path: str, version: int, plan_id: int, year: int, as_of: date, codes: tuple | None) -> pd.DataFrame:
    from perfdash.db import weekly

    return weekly.weekly_trend(get_store(path), plan_id, year, as_of, None if codes is None else list(codes))


@st.cache_data(max_entries=32, show_spinner=False)
def _kpis_with_actuals(path: str, version: int, plan_id: int, as_of: date) -> pd.DataFrame:
    from perfdash.db import kpi_tracking

    return kpi_tracking.with_actuals(get_store(path), plan_id, as_of)


@st.cache_data(max_entries=16, show_spinner=False)
def _forecast(path: str, version: int, plan_id: int, as_of: date, year: int, rules_json: str, draws: int, seed: int):
    from perfdash.workflows import forecast, scoring

    store = get_store(path)
    state = queries.target_state(store, plan_id, as_of, year)
    rules = scoring.Rules.from_json(rules_json)
    fc, sim = forecast.standing_forecast(store, plan_id, state, as_of, rules, draws, seed)
    return fc, sim.without_scores(), forecast.points_at_risk(fc, sim, rules)


@st.cache_data(max_entries=64, show_spinner=False)
def _rollup(path: str, version: int, plan_id: int, as_of: date, year: int, kind: str, query: tuple) -> pd.DataFrame:
    from perfdash.db import rollups

    state = Filters.from_query(dict(query)).apply(queries.target_state(get_store(path), plan_id, as_of, year))
    return getattr(rollups, f"by_{kind}")(state)


def rollup(ctx: PageContext, kind: str) -> pd.DataFrame:
    """rollups.by_<kind> (indicator, section, leader, person) of the filtered targets, cached."""
    return _rollup(
        ctx.store.path,
        ctx.store.version(),
        ctx.plan_id,
        ctx.as_of,
        ctx.year,
        kind,
        tuple(sorted(ctx.filters.to_query().items())),
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _evaluation_sheet(path: str, version: int, plan_id: int, as_of: date, year: int, rules_json: str):
    from perfdash.workflows import evaluation, scoring

    store = get_store(path)
    state = queries.target_state(store, plan_id, as_of, year)
    return evaluation.sheet(store, plan_id, state, scoring.Rules.from_json(rules_json), as_of)


def evaluation_sheet(ctx: PageContext, rules_json: str):
    """evaluation.sheet for the page, cached until the next write."""
    return _evaluation_sheet(ctx.store.path, ctx.store.version(), ctx.plan_id, ctx.as_of, ctx.year, rules_json)


def target_weeks(ctx: PageContext, codes: list[str] | None) -> pd.DataFrame:
    """weekly.target_weeks for the page, cached until the next write."""
    return _target_weeks(
        ctx.store.path, ctx.store.version(), ctx.plan_id, ctx.year, ctx.as_of, None if codes is None else tuple(codes)
    )


def weekly_trend(ctx: PageContext, codes: list[str] | None) -> pd.DataFrame:
    """weekly.weekly_trend for the page, cached until the next write."""
    return _weekly_trend(
        ctx.store.path, ctx.store.version(), ctx.plan_id, ctx.year, ctx.as_of, None if codes is None else tuple(codes)
    )


def kpis_with_actuals(ctx: PageContext) -> pd.DataFrame:
    """kpi_tracking.with_actuals as of the page's date, cached until the next write."""
    return _kpis_with_actuals(ctx.store.path, ctx.store.version(), ctx.plan_id, ctx.as_of)


def forecast(ctx: PageContext, rules_json: str, draws: int, seed: int) -> tuple:
    """(target forecast, Monte Carlo, points at risk) for the page, cached until the next write."""
    return _forecast(ctx.store.path, ctx.store.version(), ctx.plan_id, ctx.as_of, ctx.year, rules_json, draws, seed)


def orders(ctx: PageContext) -> pd.DataFrame:
    """supervision.orders as of the page's date, cached until the next write."""
    return _orders(ctx.store.path, ctx.store.version(), ctx.plan_id, ctx.as_of)


def not_reported(ctx: PageContext, since: date) -> pd.DataFrame:
    """supervision.not_reported up to the page's date, cached until the next write."""
    return _not_reported(ctx.store.path, ctx.store.version(), ctx.plan_id, since, ctx.as_of)


def target_state_of(ctx: PageContext, plan_id: int, year: int) -> pd.DataFrame:
    """Another plan's targets (of a unit the page's viewer may see) at that plan's 统计日期."""
    row = plans(ctx.store).set_index("plan_id").loc[plan_id]
    if not ctx.actor.may_see(str(row["unit"])):
        raise StoreError(f"无权查看{row['unit']}的方案")
    as_of = reporting_rules(ctx.store, plan_id).as_of(date.today())
    return _target_state(ctx.store.path, ctx.store.version(), plan_id, as_of, year)


def target_state(ctx: PageContext, as_of: date | None = None) -> pd.DataFrame:
    """queries.target_state for the page's plan, cached until the next write."""
    return _target_state(ctx.store.path, ctx.store.version(), ctx.plan_id, as_of or ctx.as_of, ctx.year)


def plan_checks(ctx: PageContext) -> pd.DataFrame:
    """queries.plan_checks for the page's plan, cached until the next write."""
    return _plan_checks(ctx.store.path, ctx.store.version(), ctx.plan_id)


@st.cache_data(max_entries=256, show_spinner=False)
def _derived(path: str, version: int, view: tuple, site: tuple, params: tuple, _compute: Callable[[], Any]) -> Any:
    return _compute()


def _site(compute: Callable[..., Any]) -> tuple:
    code = compute.__code__
    return (code.co_filename, code.co_firstlineno, code.co_names)


def _view(ctx: PageContext) -> tuple:
    return (ctx.plan_id, ctx.as_of, tuple(sorted(ctx.filters.to_query().items())))


def derived(ctx: PageContext, compute: Callable[[], T], *params: Hashable) -> T:
    """``compute()``, cached per data version, plan, as-of date, filters and ``params``: a warm
    page skips the work. ``compute`` may use only what those determine (the page's cached reads);
    every other value it uses, such as a widget's, must be passed in ``params``. Call sites are
    told apart by where ``compute`` is written."""
    return _derived(ctx.store.path, ctx.store.version(), _view(ctx), _site(compute), params, compute)


# Figures are kept as objects, not pickled: unpickling a plotly figure validates it all over
# again, which costs as much as building it. Nothing changes a figure once it is built
# (st.plotly_chart reads it through a deep copy), so sessions may share one.
@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(path: str, version: int, view: tuple, site: tuple, params: tuple, _build: Callable[[], Any]) -> Any:
    return _build()


def figure(ctx: PageContext, build: Callable[[], T], *params: Hashable) -> T:
    """``build()``'s plotly figure, cached like ``derived``: building and validating a figure
    costs more than a warm page's reads. Do not modify the figure it returns."""
    return _figure(ctx.store.path, ctx.store.version(), _view(ctx), _site(build), params, build)


def plans(store: Store) -> pd.DataFrame:
    """queries.plans, cached until the next write."""
    return _plans(store.path, store.version())


def visible_plans(store: Store, actor: Actor) -> pd.DataFrame:
    """The plans of the units ``actor`` may see (every plan for an office not bound to a unit)."""
    rows = plans(store)
    return rows if actor.units is None else rows[rows["unit"].isin(actor.units)].reset_index(drop=True)


def sections_and_leaders(store: Store, plan_id: int) -> tuple[list[str], list[str]]:
    """queries.sections_and_leaders, cached until the next write."""
    return _sections_and_leaders(store.path, store.version(), plan_id)


def indicator_list(store: Store, plan_id: int) -> pd.DataFrame:
    """queries.indicator_list, cached until the next write."""
    return _indicator_list(store.path, store.version(), plan_id)
