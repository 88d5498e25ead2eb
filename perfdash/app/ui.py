"""Page setup, which every page calls first: page config, sign-in, the plan and as-of pickers and the
shared filters, kept in the URL; and the few helpers pages share to show what happened (a message
after a rerun, a list of problems, an upload parsed once). Reads are perfdash.app.reads, writes
perfdash.app.actions."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st
from streamlit.errors import StreamlitAPIException

from perfdash.app import nav, reads, shell, streamlit_internals
from perfdash.app.session import database_down, open_store, require_login
from perfdash.core import fmt, settings
from perfdash.core.access import Actor
from perfdash.core.filters import URL_KEYS, Filters
from perfdash.core.schedule import LAG_STATUSES
from perfdash.db import queries
from perfdash.ops import auth
from perfdash.server import upload_gate
from perfdash.store import Store
from perfdash.workflows import periods
from perfdash.workflows import plans as plan_files

T = TypeVar("T")
log = logging.getLogger("perfdash")


def today() -> date:
    """Today, as the pages read the reporting calendar (本期, the default report day): the one clock
    a test sets (monkeypatch perfdash.app.ui.today)."""
    return date.today()


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
    reporting: periods.Calendar | None = None  # the plan's reporting periods (None: not read by this page)

    @property
    def report_day(self) -> date:
        """The date a new report is written for by default (the open period's cut-off day)."""
        return self.calendar.report_day(today())

    @property
    def calendar(self) -> periods.Calendar:
        """The plan's reporting calendar (its defaults when a page did not read it)."""
        return self.reporting or periods.Calendar(self.year)

    @property
    def open_period(self) -> periods.Period | None:
        """The open reporting period, reports are written for now (None once the year's are all closed)."""
        return self.calendar.open_period(today())

    @property
    def this_period(self) -> periods.Period:
        """本期: the open reporting period (the year's last once all are closed), which 未报送, 催报
        and a section's 本期已报 are about on every page."""
        return self.calendar.this_period(today())

    @property
    def actor(self) -> Actor:
        """Who is acting: the signed-in account (pages without login never write)."""
        return self.account.actor if self.account else Actor("screen", "大屏")

    @property
    def backup_dir(self) -> Path:
        """The server's folder of backups of this database (PERFDASH_BACKUP_DIR, else beside it)."""
        return settings.backup_dir(self.store.path)


def keep_widget(key: str, default: object) -> None:
    """Give a sidebar widget its value before it renders: kept from the last page, else default.
    Widget state does not survive a page switch by itself, so a shadow copy carries it. A value
    left by the previous page's widget is written back: on the next page the widget is a new one,
    and a selectbox would otherwise ignore the leftover value and show its first option."""
    st.session_state[key] = st.session_state.get(key, st.session_state.get(f"_kept_{key}", default))


def remember_widgets(*keys: str) -> None:
    """Keep the sidebar widgets' values for the next page (read there by keep_widget)."""
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
    streamlit_internals.leave_pages_folder_mode()
    st.set_page_config(page_title="绩效管理", page_icon=":material/monitoring:", layout="wide")
    shell.install()
    account = require_login(open_store(), on_sign_in=lambda signed: st.switch_page(nav.landing(signed.role)))
    target = nav.landing(account.role)
    try:
        st.switch_page(target)
    except StreamlitAPIException:  # run by itself, outside app.py's navigation (a smoke test)
        st.title("绩效管理")
        st.info("请从左侧菜单打开要用的页面。")


def page_setup(title: str, with_filters: bool = False) -> PageContext:
    """Call first on every page: page config, sidebar pickers (plan, as-of, and the shared filters
    when asked), the demo banner; plan, date and filters are kept in the URL."""
    streamlit_internals.leave_pages_folder_mode()
    st.set_page_config(page_title=f"{title} · 绩效管理", page_icon=":material/monitoring:", layout="wide")
    shell.install()
    store = open_store()
    account = require_login(store)
    plan_rows = reads.visible_plans(store, account.actor)
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
        keep_widget("plan_id", plan_files.default_plan(plan_rows, date.today()))
        plan_id = st.selectbox("绩效方案", list(labels), format_func=labels.get, key="plan_id")
        row = plan_rows[plan_rows["plan_id"] == plan_id].iloc[0]
        year = int(row["year"])
        reporting = reads.reporting_calendar(store, int(plan_id))
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
        keep_widget("as_of", default)
        as_of = st.date_input(
            "统计日期（截至）",
            min_value=low,
            max_value=high,
            key="as_of",
            help=f"默认为绩效办最近关闭的填报周期的截止日（{fmt.day(default)}）；填报周期：{reporting.describe()}",
        )
        st.caption(f"所属填报周期：{reporting.status(as_of)}")
        remember_widgets("plan_id", "as_of")
        filters = _filter_widgets(store, int(plan_id)) if with_filters else Filters()
        is_demo = queries.is_demo(row)
        if is_demo:
            st.warning(f"**{settings.DEMO_LABEL}**：当前进度为自动生成的演示数据，并非科室真实填报。")
    # The date goes into the address only when chosen: a bookmark then follows the office's periods.
    chosen_day = {"as_of": as_of.isoformat()} if as_of != default else {}
    _write_url({"plan": str(plan_id), **chosen_day, **filters.to_query()}, with_filters, drop=("as_of",))
    return PageContext(store, int(plan_id), str(row["unit"]), year, as_of, is_demo, filters, account, reporting)


def _filter_widgets(store: Store, plan_id: int) -> Filters:
    sections, leaders = reads.sections_and_leaders(store, plan_id)
    indicators = reads.indicator_list(store, plan_id)
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
        keep_widget(widget, [])
        st.session_state[widget] = [v for v in st.session_state[widget] if v in values]
        chosen[name] = tuple(st.multiselect(label, values, format_func=fmt_option, key=widget, placeholder="全部"))
        remember_widgets(widget)
    return Filters(**chosen)


def _write_url(values: dict[str, str], with_filters: bool, drop: tuple[str, ...] = ()) -> None:
    """Mirror the view into the query string; other keys (such as a target code) stay. Written at
    once, and only when it changes: each change of the query string is an entry of the browser's
    history (Streamlit pushes it), so a key at a time made Back take two or three presses."""
    current = {k: st.query_params.get(k) for k in st.query_params}
    wanted = {**current, **values}
    for key in (*drop, *(URL_KEYS if with_filters else ())):
        if key not in values:
            wanted.pop(key, None)
    if wanted != current:
        st.query_params.from_dict(wanted)


def view_params() -> dict[str, str]:
    """The query string's keys that say what is viewed (plan, date, filters): a link to another
    page carries them, so that page finds its address already right and adds no history entry."""
    return {k: str(st.query_params.get(k)) for k in ("plan", "as_of", *URL_KEYS) if k in st.query_params}


def app_url(page: str) -> str:
    """The whole address of one of the app's pages, as a person copies it: the published address
    (PERFDASH_PUBLIC_URL) when set, else the address this browser used."""
    published = settings.public_origins()
    base = (
        published[0]
        if published
        else urllib.parse.urlsplit(st.context.url or "")._replace(path="", query="", fragment="").geturl()
    )
    return f"{base.rstrip('/')}/{page}"


def show_plan(plan_id: int, as_of: date | None = None) -> None:
    """Make ``plan_id`` the chosen plan from the next run on (the sidebar's picker is already
    drawn in this one); ``as_of``: shown at that 统计日期, as a bookmarked date would be."""
    st.session_state["_next_plan_id"] = plan_id
    if as_of is not None:
        st.session_state["_url_as_of"] = as_of  # read once by page_setup


def parse_once(uploaded: Any, parse: Callable[[str, bytes], T], variant: str = "") -> T:
    """``parse(name, data)`` of an uploaded file, once per upload: st.file_uploader hands the same
    file to every rerun while it sits in the widget, and a file must not cost its reading again
    on each click. Keyed on the upload's id and ``variant`` (how it is read: a column mapping);
    only the latest reading is kept."""
    key = f"_parsed_{uploaded.file_id}_{hashlib.sha256(variant.encode()).hexdigest()[:16]}"
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
    """Queue a message (a save's confirmation, before the rerun that reloads the page), or show
    the queued one: on every run until the person does something else. Popping it on the first
    run lost it to a run nobody asked for (a data editor reports that it cleared its edits once
    its data changes), so it stays while what the person set (``inputs_now``) is as it was when
    it first showed; any change there (an edit, another date, a click, another page) ends it."""
    if message is not None:
        st.session_state["_flash"] = message
        st.session_state.pop("_flash_inputs", None)
        return
    if "_flash" not in st.session_state:
        return
    inputs = inputs_now()
    if st.session_state.setdefault("_flash_inputs", inputs) != inputs:
        del st.session_state["_flash"], st.session_state["_flash_inputs"]
        return
    st.success(st.session_state["_flash"])


def inputs_now() -> dict[str, str]:
    """What the person has set, as this run starts: each session value a widget (or a page on
    its behalf) keeps, by key, leaving out the page's own bookkeeping (keys starting with "_")
    and values that hold nothing — an unclicked button, an empty uploader, a data editor without
    edits — so a widget that appears or clears itself is not an action. An uploaded file counts
    by its id."""
    return {
        str(key): repr(getattr(value, "file_id", value))
        for key, value in st.session_state.to_dict().items()
        if not str(key).startswith("_") and _holds(value)
    }


def _holds(value: object) -> bool:
    if isinstance(value, dict):  # a data editor's state: edited / added / deleted rows
        return any(_holds(v) for v in value.values())
    if isinstance(value, list | tuple | set | str):
        return bool(value)
    return value is not None and value is not False
