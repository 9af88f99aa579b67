"""The Codebook page's suggestions: for a chosen theme, the words and phrases that separate the transcripts you
coded present from those you coded absent (core.workbench.suggest), with their counts, what adding each would
change on your coded transcripts, example quotes, and one click to put a term into the editor (unsaved)."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from core.codebook.edits import add_term
from core.engine.results import Analysis
from core.handcoding.evaluate import read_labels
from core.workbench.suggest import Suggestions, suggest_terms
from dashboard.frame import loading
from dashboard.frame.context import PageContext
from dashboard.frame.text import md_code, md_escape
from dashboard.workbench import marking
from dashboard.workbench import session as workbench
from dashboard.workbench.terms import _edit_text, may_edit  # the one way a button edits the editor's text

TOP = 12


@st.cache_data(show_spinner="Looking for words that separate your coding...", max_entries=32)
def suggestions_for(analysis_key: str, theme: str, labels_path: str, labels_stamp: str,
                    _analysis: Analysis) -> Suggestions:
    """Cached on the analysis, the theme and the labels file's content."""
    labels = read_labels(labels_path)
    return suggest_terms(workbench.corpus_of(_analysis), _analysis, labels, themes=[theme], top=TOP)[0]


def render(page: PageContext) -> None:
    st.markdown("**Suggested terms**: words and phrases of the participants that separate the transcripts you "
                "coded present from those you coded absent")
    path = marking.my_labels_path()
    labels, _, error = marking.read(path)
    if error or labels is None or not (labels.transcripts or labels.missed):
        st.caption("Code some transcripts first (Transcript page): suggestions learn from your coding.")
        return
    theme = st.selectbox("Theme", page.codebook.theme_ids, format_func=page.label, key="cb-suggest-theme")
    found = suggestions_for(page.analysis.key, theme, path, loading.content_stamp(path), page.analysis)
    st.caption(f"{found.coded_present} transcripts coded present, {found.coded_absent} coded absent. "
               "**z**: log-odds ratio over its standard error (higher separates better); **+found / +wrong**: "
               "coded-present / coded-absent transcripts the theme would newly be found in with the term added.")
    if found.table.empty:
        st.info("No word or phrase separates them yet: code more transcripts of this theme.")
        return
    st.dataframe(_shown(found.table), hide_index=True,
                 column_config={"z": st.column_config.NumberColumn(format="%.1f")})
    for row in found.table.itertuples():
        _suggestion(page, theme, row)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    shown = table[["term", "z", "present", "absent", "corpus", "adds_present", "adds_absent"]].rename(
        columns={"adds_present": "+found", "adds_absent": "+wrong"})
    shown["forms"] = [", ".join(forms) for forms in table["forms"]]
    return shown


def _suggestion(page: PageContext, theme: str, row) -> None:
    with st.expander(f"{md_escape(row.term)} · +{row.adds_present} found, +{row.adds_absent} wrong", expanded=False):
        quotes = "".join(f"<li>“{html.escape(page.shown(quote))}” <small>({html.escape(tid)})</small></li>"
                         for tid, quote in row.examples)
        st.html(f"<ul>{quotes}</ul>" if quotes else "<p>No example quote.</p>")
        if not may_edit():
            return
        st.button(f"Add “{md_escape(row.term)}” to {md_escape(page.label(theme))}",
                  key=f"cb-suggest-add-{theme}-{row.term}",
                  icon=":material/add_circle:", on_click=_add, args=(theme, row.term),
                  help="An unsaved edit in the editor: preview it, then save")


def _add(theme: str, term: str) -> None:
    _edit_text(lambda text, path: add_term(text, "theme", theme, term, source=path),
               done=f"{md_code(term)} is a term of {md_code(theme)} in the editor",
               failed=f"Could not add {md_code(term)}")
