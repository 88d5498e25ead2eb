"""The one private Streamlit API perfdash touches for its page folder, kept here with the reason.

The pages live in ``pages/`` beside ``app.py`` (the project's fixed layout). Streamlit (1.67) reads
a ``pages/`` folder beside the main script as its old multipage mode: the first script run in a
fresh server sets the class attribute ``PagesManager.uses_pages_directory`` to whether that folder
exists (``streamlit/runtime/pages_manager.py``), and while it is true the script runner runs the
pages folder's files itself (``_mpa_v1``) instead of ``app.py``; only ``st.navigation`` sets it
back to False. So a first visitor who lands on a page (a bookmark, ``/overview``), not on the start
page, would get a sidebar of raw file names — and so would everyone after them, the attribute
being shared by the whole server. ``leave_pages_folder_mode`` switches that mode off and runs
again, now through ``app.py``'s navigation.

tests/test_streamlit_internals.py checks that the attribute and its behaviour are still there and
fails naming the Streamlit version if an upgrade changes them."""

from __future__ import annotations

import streamlit as st


def leave_pages_folder_mode() -> None:
    """Call first on every page: in Streamlit's old pages-folder mode, leave it and rerun through
    app.py's st.navigation (see the module's docstring)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
