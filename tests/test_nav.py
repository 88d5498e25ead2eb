"""Each role's menu: real pages only, its main task first, nothing a role cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfdash.app import nav
from perfdash.core.settings import PROJECT_ROOT


def _app_pages() -> list[nav.Page]:
    import runpy
    from unittest import mock

    with mock.patch("perfdash.app.ui.run"), mock.patch("perfdash.app.nav.navigation"):
        return runpy.run_path(str(PROJECT_ROOT / "app.py"))["PAGES"]


def test_every_menu_names_a_page_of_the_app_once():
    urls = {p.url_path for p in _app_pages()}
    for role in nav.MENUS:
        listed = [u for urls_ in nav.menu(role).values() for u in urls_]
        assert len(listed) == len(set(listed)), role
        assert set(listed) <= urls, (role, set(listed) - urls)
        for url in listed:
            assert (PROJECT_ROOT / nav.page_file(url)).is_file(), url


@pytest.mark.parametrize(
    ("role", "landing"),
    [("section", "pages/progress.py"), ("leader", "pages/mine.py"), ("office", "pages/overview.py")],
)
def test_each_role_lands_on_its_main_task(role, landing):
    assert nav.landing(role) == landing


@pytest.mark.parametrize(
    ("role", "absent"),
    [
        ("section", {"admin", "plans", "scoring", "evaluation", "meeting", "mine"}),
        ("leader", {"admin", "plans", "progress"}),
        ("office", {"mine"}),
    ],
)
def test_a_menu_leaves_out_what_the_role_cannot_use(role, absent):
    listed = {u for urls in nav.menu(role).values() for u in urls}
    assert not listed & absent


def test_pages_left_out_of_a_menu_stay_reachable_by_address(monkeypatch):
    monkeypatch.setattr(nav.Page, "page", lambda self, shown: (self.url_path, shown))  # no Streamlit run here
    pages = _app_pages()
    sections = nav.sections(pages, "section")
    every = [p for group in sections.values() for p in group]
    assert len(every) == len(pages)  # nothing dropped: a bookmark still opens, the page refuses
    assert {url for url, _ in sections[""]} >= {"admin", "plans", "home"}
    assert not any(shown for _, shown in sections[""])
    assert next(iter(sections)) == "本科室" and sections["本科室"][0] == ("progress", True)


def test_before_signing_in_there_is_no_menu():
    assert nav.menu(None) == {}
    assert nav.landing(None) == "pages/overview.py"
    assert Path(nav.page_file("self-assessment")).name == "self_assessment.py"
