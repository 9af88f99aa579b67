"""Themescope dashboard: the entrypoint. Page set-up and routing; each page (one thin script in pages/)
starts with the shared frame (data, URL state, sidebar) from dashboard/frame/.

    streamlit run dashboard/app.py -- --data ../shared/data/anthropic-interviewer [--metadata CSV] [--codebook FILE]
"""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from dashboard.frame import errors, identity, state  # noqa: E402

st.set_page_config(page_title="Themescope", page_icon=":material/forum:", layout="wide")
identity.require_sign_in()  # sign-in configured: an anonymous visitor sees the sign-in screen only
page = st.navigation([
    st.Page(HERE / "pages" / "overview.py", title="Overview", icon=":material/bar_chart:", default=True),
    st.Page(HERE / "pages" / "quotes.py", title="Quotes", icon=":material/format_quote:"),
    st.Page(HERE / "pages" / "transcript.py", title="Transcript", icon=":material/article:"),
    st.Page(HERE / "pages" / "search.py", title="Search", icon=":material/search:"),
    st.Page(HERE / "pages" / "compare.py", title="Compare groups", icon=":material/compare_arrows:"),
    st.Page(HERE / "pages" / "codebook.py", title="Codebook", icon=":material/edit_note:"),
], position="top" if state.presenting() else "sidebar")  # presenting hides the sidebar
with errors.unexpected_errors_shown_briefly(page.title):  # every page: a message, never a traceback
    page.run()
    state.write_url(st.session_state["view"])  # a page may have settled a default (which transcript is shown)
