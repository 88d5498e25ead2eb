"""What perfdash.app.streamlit_internals relies on in Streamlit's private code, checked against the
installed Streamlit: a failure here names the version and what changed, before a visitor meets a
sidebar of raw file names."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import streamlit
import streamlit.commands.navigation as navigation
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner

from perfdash.app import streamlit_internals

WHERE = f"Streamlit {streamlit.__version__}: perfdash.app.streamlit_internals needs a look"


@pytest.fixture
def mode():
    """Leave PagesManager's class attribute as it was found."""
    before = PagesManager.uses_pages_directory
    yield
    PagesManager.uses_pages_directory = before


def test_the_pages_folder_flag_is_still_a_class_attribute():
    assert "uses_pages_directory" in vars(PagesManager), f"{WHERE}: PagesManager.uses_pages_directory is gone"
    assert "bool" in str(PagesManager.__annotations__.get("uses_pages_directory")), (
        f"{WHERE}: PagesManager.uses_pages_directory is no longer a bool flag"
    )


def test_a_pages_folder_beside_the_main_script_still_turns_the_old_mode_on(tmp_path: Path, mode):
    """Why the patch exists: the first PagesManager of a fresh server beside a pages/ folder sets
    the flag. Should this stop, the patch may no longer be needed; check and remove it."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    PagesManager.uses_pages_directory = None
    PagesManager(str(tmp_path / "app.py"), setup_watcher=False)
    assert PagesManager.uses_pages_directory is True, f"{WHERE}: a pages/ folder no longer sets the old mode"


def test_the_script_runner_and_navigation_still_read_and_clear_the_flag():
    runner = inspect.getsource(script_runner)
    assert "PagesManager.uses_pages_directory" in runner and "_mpa_v1" in runner, (
        f"{WHERE}: the script runner no longer switches on PagesManager.uses_pages_directory"
    )
    assert "PagesManager.uses_pages_directory = False" in inspect.getsource(navigation.navigation), (
        f"{WHERE}: st.navigation no longer turns the old pages-folder mode off"
    )


def test_leaving_the_old_mode_clears_the_flag_and_reruns(mode, monkeypatch):
    reruns = []
    monkeypatch.setattr(streamlit_internals.st, "rerun", lambda: reruns.append(True))
    PagesManager.uses_pages_directory = True
    streamlit_internals.leave_pages_folder_mode()
    assert (PagesManager.uses_pages_directory, reruns) == (False, [True])
    streamlit_internals.leave_pages_folder_mode()  # already out: nothing to do
    assert reruns == [True]
