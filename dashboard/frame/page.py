"""The frame every page shares: load the data, adopt the URL, apply the filters, draw the sidebar.

Each page starts with `page = frame.run()`, so a page is complete even when it runs without its entrypoint
(AppTest's `switch_page` runs only the page).
"""
from __future__ import annotations

import streamlit as st

from core import ThemescopeError
from dashboard.frame import context, errors, identity, loading, sidebar, state, toolbar


def run() -> context.PageContext:
    """Everything up to the page's own content; stops the run with a clear message when nothing can be
    shown (codebook invalid with no earlier version, data not loadable, no transcripts)."""
    access = identity.require_sign_in()  # again here: AppTest's switch_page runs a page without the entrypoint
    sources = loading.sources_from_argv()
    codebook, codebook_error = loading.codebook_for(sources.codebook)
    if codebook is None:
        sidebar.codebook_problems(codebook_error, keeping=False)
        st.stop()
    try:
        stamp = loading.data_stamps(sources)
        analysis = loading.analysis_for(sources, stamp, codebook.content_hash, codebook)
    except ThemescopeError as error:
        errors.show_error(error, context="The data could not be loaded")
        st.stop()
    if loading.data_changed_since_last_run(stamp):
        st.info("**The data changed on disk:** the numbers are rescored.", icon=":material/sync:")
    if analysis.transcripts.empty:
        st.warning("**No transcripts were loaded.** Start the dashboard with `--data PATH` pointing at a "
                   "folder of `.txt`/`.md` transcripts or a `.csv`/`.jsonl`/`.parquet` table.",
                   icon=":material/folder_off:")
        st.code("\n".join(analysis.report.lines()), language=None, wrap_lines=True)
        st.stop()
    data = loading.view_data_for(analysis.key, analysis)
    choices = state.Choices(tuple(data.occupations), tuple(data.theme_ids), data.attributes,
                            transcript_length=lambda t: len(analysis.text(t)) if data.doc_of(t) is not None else None)
    view = state.sync_view_with_url(choices)
    for notice in state.url_notices(view):  # what a link named that this data does not have
        st.warning(notice, icon=":material/link_off:")
    identity.mask_when_not_allowed(view, access)  # a viewer's link or toggle never unmasks
    page_context = context.build(analysis, data, view)
    if not page_context.presenting:  # presenting: no sidebar at all (the pages are in the top bar)
        sidebar.render(page_context)
    toolbar.render(page_context)
    state.write_url(view)
    if codebook_error is not None:
        sidebar.codebook_problems(codebook_error, keeping=True)
    return page_context
