"""Marking what the codebook missed, on the Transcript page: a theme and the words of a participant turn that
show it, saved to your labels file as a `missed:` passage (core.handcoding.labels). `evaluate` counts the
theme present in that transcript, and the Codebook page's suggestions learn from it."""
from __future__ import annotations

import html

import streamlit as st

from core import ThemescopeError
from core.handcoding.evaluate import MissedPassage
from core.handcoding.labels import locate_passage, mark_missed, unmark_missed
from dashboard.frame.context import PageContext
from dashboard.frame.text import md_escape
from dashboard.workbench import marking


def missed_control(page: PageContext, transcript_id: str) -> None:
    """A form (theme + the passage's words) and the passages already marked in this transcript."""
    if page.presenting or not marking.may_mark():
        return
    path = marking.my_labels_path()
    labels, _, error = marking.read(path)
    marked = [m for m in (labels.missed if labels else ()) if m.transcript == transcript_id]
    title = "Mark a passage the codebook missed" + (f" ({len(marked)} marked)" if marked else "")
    with st.expander(title, icon=":material/search_insights:", expanded=False):
        if error:
            st.error(md_escape(error), icon=":material/error:")
            return
        _form(page, transcript_id, path)
        _marked(page, transcript_id, marked, path)


def _form(page: PageContext, transcript_id: str, path: str) -> None:
    with st.form(f"missed-{transcript_id}", border=False, clear_on_submit=True):
        theme = st.selectbox("Theme", page.data.theme_ids, format_func=page.label, key=f"missed-theme-{transcript_id}")
        passage = st.text_area("The participant's words that show it (copy them from the transcript below)",
                               key=f"missed-text-{transcript_id}", height=80)
        if not st.form_submit_button("Save as missed", icon=":material/save:"):
            return
    text = page.analysis.text(transcript_id)  # the original text: offsets are the engine's
    try:
        start, end = locate_passage(text, page.analysis.turns(transcript_id), passage)
        mark_missed(path, MissedPassage(transcript_id, theme, start, end), coder=marking.coder_name())
    except ThemescopeError as problem:
        hint = f" {problem.hint.capitalize()}." if problem.hint else ""
        st.warning(md_escape(f"{problem}.{hint}"), icon=":material/warning:")
        return
    st.success(f"Saved to `{path}`: {md_escape(page.label(theme))} counts as present here.",
               icon=":material/check_circle:")


def _marked(page: PageContext, transcript_id: str, marked: list[MissedPassage], path: str) -> None:
    text = page.text(transcript_id)  # masked when redacting, same offsets
    for passage in marked:
        words, remove = st.columns([5, 1], vertical_alignment="center")
        words.html(f"<b>{html.escape(page.label(passage.theme))}</b>: “{html.escape(text[passage.start:passage.end])}”")
        remove.button("Remove", key=f"missed-remove-{'|'.join(map(str, passage.key))}", icon=":material/undo:",
                      on_click=unmark_missed, args=(path, passage))
