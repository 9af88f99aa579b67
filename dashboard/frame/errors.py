"""The dashboard's error boundary: the one place an error reaches the screen.

A ThemescopeError is the user's to fix: its message and hint, as they are (`show_error`). Anything else is
a bug: a short notice with an error id, the traceback logged under that id for whoever runs the server,
never shown (`unexpected_errors_shown_briefly`, wrapped around every page by app.py). Streamlit's own
control flow (st.stop, st.rerun, st.switch_page) raises BaseExceptions that are not caught here.

    with errors.unexpected_errors_shown_briefly(page.title):
        page.run()
"""
from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterator

import streamlit as st

from core.errors import CacheError, ThemescopeError
from dashboard.frame import loading
from dashboard.frame.text import md_escape

log = logging.getLogger("themescope.dashboard")


def show_error(error: ThemescopeError, *, context: str = "") -> None:
    """The message (after `context`, e.g. "The data could not be loaded") and, when it has one, the hint."""
    text = f"{context}: {md_escape(error)}" if context else md_escape(error)  # messages quote data
    if error.hint:
        text += f"\n\n**Fix:** {md_escape(error.hint)}"
    st.error(text, icon=":material/error:")


@contextlib.contextmanager
def unexpected_errors_shown_briefly(where: str = "") -> Iterator[None]:
    """Run a page (named `where` in the log): a ThemescopeError it lets out is shown with `show_error`; any
    other Exception becomes a short notice with an error id, its traceback logged with that id."""
    try:
        yield
    except ThemescopeError as error:
        if isinstance(error, CacheError):  # the damaged entry is gone: the next run builds the analysis again
            loading.analysis_for.clear()
        show_error(error)
    except Exception as error:
        error_id = secrets.token_hex(4)
        log.error("unexpected error %s (%s) on page %r", error_id, type(error).__name__, where, exc_info=error)
        st.error(f"Something went wrong on this page (error id `{error_id}`). Reload the page to try "
                 "again; if it happens again, report the error id: the details are in the server's log.",
                 icon=":material/error:")
