"""Which pages each role's menu shows, in which order, and where each role lands after signing
in. A page left out of a role's menu still opens by its address and refuses there itself (the
pages check the role, not the menu)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from perfdash.app import reads
from perfdash.app.session import current_account, open_store
from perfdash.ops import auth
from perfdash.store import Store

# Each role's menu by page address (url_path), its main task first: the first page is where the
# role lands after signing in (a section on its own 进度填报, a leader on 我的分管, the office on 总览).
MENUS: dict[str, dict[str, list[str]]] = {
    "section": {
        "本科室": ["progress", "self-assessment", "verification", "supervision", "kpis"],
        "看板": ["overview", "indicators", "sections", "people", "target"],
        "分析": ["heatmap", "trend"],
        "账户": ["account"],
    },
    "leader": {
        "我的分管": ["mine", "target", "self-assessment"],
        "看板": ["overview", "indicators", "sections", "people"],
        "分析": ["heatmap", "trend", "forecast", "scoring", "kpis"],
        "督办与评估": ["supervision", "bulletins", "evaluation", "verification", "assessment", "meeting"],
        "账户": ["account"],
    },
    "office": {
        "看板": ["overview", "indicators", "sections", "people", "target"],
        "分析": ["heatmap", "trend", "scoring", "forecast", "kpis"],
        "督办": ["supervision", "bulletins"],
        "填报": ["progress"],
        "年终评估": ["self-assessment", "evaluation", "verification", "assessment"],
        "大屏": ["meeting"],
        "管理": ["plans", "admin", "account"],
    },
    # 市直绩效办 (#38): every unit, read-only; its day starts on 全市总览, a unit opens from there.
    "city": {
        "全市": ["city", "city-meeting"],
        "单位看板": ["overview", "indicators", "sections", "people", "target"],
        "分析": ["heatmap", "trend", "forecast"],
        "账户": ["account"],
    },
}
# An office account bound to no unit, in a database of several units, sees the city's pages too
# (before 管理); an office of one unit (its accounts bound to it, or a single-unit database) does not.
CITY_SECTION = ("全市", ["city", "city-meeting"])


@dataclass(frozen=True)
class Page:
    """One page of the app: its file, title, icon and address."""

    path: str
    title: str
    icon: str
    url_path: str
    default: bool = False

    def page(self, shown: bool) -> st.Page:
        """The st.Page, in the menu or only reachable by its address."""
        return st.Page(
            self.path,
            title=self.title,
            icon=self.icon,
            url_path=self.url_path,
            default=self.default,
            visibility="visible" if shown and not self.default else "hidden",
        )


def menu(role: str | None, city: bool = False) -> dict[str, list[str]]:
    """A role's menu: section title → page addresses (nothing before signing in); ``city``: an
    office account that sees every unit of a city database, with the city's pages before 管理."""
    shown = MENUS.get(role or "", {})
    if not (city and role == "office"):
        return shown
    title, urls = CITY_SECTION
    items = [(t, u) for t, u in shown.items() if t != "管理"]
    return dict([*items, (title, urls), *((t, u) for t, u in shown.items() if t == "管理")])


def page_file(url_path: str) -> str:
    """A page's file from its address (pages/self_assessment.py for self-assessment)."""
    return f"pages/{url_path.replace('-', '_')}.py"


def landing(role: str | None) -> str:
    """The file of the page a role's day starts on: the first of its menu."""
    return page_file(next(iter(menu(role).values()), ["overview"])[0])


def sections(pages: list[Page], role: str | None, city: bool = False) -> dict[str, list[st.Page]]:
    """st.navigation's sections for a role: its menu in order, then every other page hidden (so
    a bookmark or a deep link still opens it, and the page decides whether to refuse)."""
    by_url = {p.url_path: p for p in pages}
    shown = menu(role, city)
    listed = {url for urls in shown.values() for url in urls}
    result = {title: [by_url[url].page(True) for url in urls] for title, urls in shown.items()}
    hidden = [p.page(False) for p in pages if p.url_path not in listed]
    result[""] = hidden  # hidden pages draw no header
    return result


def navigation(pages: list[Page]) -> st.Page:
    """The page to run, under the menu of whoever is signed in. Before signing in there is no
    menu: the login form shows on the page asked for, which opens once signed in."""
    store = open_store()
    account = current_account(store)
    role = account.role if account else None
    position = "sidebar" if role in MENUS else "hidden"
    return st.navigation(sections(pages, role, sees_city(store, account)), position=position, expanded=True)


def sees_city(store: Store, account: auth.Account | None) -> bool:
    """Whether an office account's menu holds the city's pages: bound to no unit, in a database
    holding the plans of more than one unit."""
    if account is None or account.role != "office" or account.units is not None:
        return False
    return reads.plans(store)["unit"].nunique() > 1
