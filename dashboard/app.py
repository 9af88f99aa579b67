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

from dashboard.frame import errors, identity, sidebar, state  # noqa: E402

# a local image: a Material icon as page icon is fetched from fonts.gstatic.com, which a meeting room may not reach
st.set_page_config(page_title="Themescope", page_icon=str(HERE / "assets" / "favicon.png"), layout="wide")
identity.require_sign_in()  # sign-in configured: an anonymous visitor sees the sign-in screen only
# The menu is drawn by the frame (sidebar.page_menu) as links carrying the view's URL.
page = st.navigation([st.Page(sidebar.PAGES / script, title=title, icon=icon, default=script == "overview.py")
                      for script, title, icon in sidebar.NAVIGATION], position="hidden")
with errors.unexpected_errors_shown_briefly(page.title):  # every page: a message, never a traceback
    page.run()
    state.write_url(st.session_state["view"])  # a page's own change of the view (rare: each write is a history entry)
