"""perfdash: the page list, grouped. Nothing else lives here."""

import streamlit as st

pages = {
    "看板": [
        st.Page("pages/overview.py", title="总览", icon="📊", url_path="overview", default=True),
    ],
}

st.navigation(pages).run()
