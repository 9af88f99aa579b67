"""The Codebook page's hand-coding check: per theme precision (marked quotes), recall and F1 (transcript
labels), Cohen's kappa against another coder's file, how precision and recall move with the threshold, and
the review queue (the quotes most likely wrong first, each with its right/wrong control)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.engine.results import Analysis
from core.handcoding.agreement import cohen_kappa, quote_precision, review_queue, sweep_summary, threshold_sweep
from core.handcoding.evaluate import Labels, LabelsError, evaluate, evaluate_edit, read_labels
from core.views.quotes import quotes_of_analysis
from core.workbench.diff import EditedRows
from dashboard.frame import loading
from dashboard.frame.context import PageContext
from dashboard.frame.text import md_code, md_escape
from dashboard.workbench import marking
from dashboard.workbench import session as workbench

QUEUE_SHOWN = 10
SWEEP = "80, 84, 88, 92, 96"


def render(page: PageContext) -> None:
    path = marking.my_labels_path()
    labels, marks, error = marking.read(path)
    if error:
        st.error(md_escape(error), icon=":material/error:")
        return
    st.caption(f"Your hand coding: `{path}` · {len(labels.transcripts) if labels else 0} transcripts coded, "
               f"{len(marks)} quotes marked. Mark quotes on the **Quotes** page (or in the queue below) and whole "
               "transcripts on the **Transcript** page.")
    scored = page.analysis
    per_theme(page, scored, labels, list(marks.values()))
    agreement(page, labels)
    sweep(page, labels, list(marks.values()), path)
    queue(page, list(marks.values()))


def scores_table(page: PageContext, scored: Analysis, labels: Labels | None, marks: list) -> pd.DataFrame:
    """Per theme: quote precision from marks, and transcript precision, recall, F1 from labels."""
    table = quote_precision(quotes_of_analysis(scored), marks, scored.codebook.theme_ids).rename(
        columns={"precision": "quote precision", "marked": "quotes marked"})
    if labels is not None and labels.transcripts:
        result = evaluate(scored.transcripts, scored.themes, labels, scored.codebook.theme_ids).themes
        table = table.merge(result[["theme", "precision", "recall", "f1"]], on="theme")
    table["theme"] = table["theme"].map(page.label)
    return table.drop(columns=["correct"])


def per_theme(page: PageContext, scored: Analysis, labels: Labels | None, marks: list) -> None:
    table = scores_table(page, scored, labels, marks)
    if labels is not None and labels.transcripts:
        result = evaluate(scored.transcripts, scored.themes, labels, scored.codebook.theme_ids)
        first, second, third = st.columns(3)
        first.metric("Transcripts coded (in this data)", f"{result.n:,}")
        second.metric("Theme macro F1", f"{result.macro_f1:.3f}")
        third.metric("Occupation accuracy", f"{result.occupation_accuracy:.1%}")
    st.dataframe(with_dashes(table, ("quote precision", "precision", "recall", "f1")), hide_index=True)


def with_dashes(table, columns) -> object:
    """Two decimals, and "—" where there is nothing to measure (st.dataframe would print "None")."""
    return table.assign(**{c: table[c].map(lambda v: "—" if v is None or v != v else f"{v:.2f}")
                           for c in columns if c in table})


def compare_with_labels(page: PageContext):
    """For the preview: a function showing macro precision, recall and F1 of saved vs edited, or None."""
    labels, _, error = marking.read(marking.my_labels_path())
    if error or labels is None or not labels.transcripts:
        return None
    theme_ids = page.codebook.theme_ids
    before = evaluate(page.analysis.transcripts, page.analysis.themes, labels, theme_ids).macro_averages()

    def show(edited: EditedRows) -> None:
        now = evaluate_edit(page.analysis, edited, labels).macro_averages()
        cells = [f"{name} {before[column]:.3f} \u2192 **{now[column]:.3f}**"
                 for name, column in (("precision", "precision"), ("recall", "recall"), ("F1", "f1"))]
        st.markdown("Against your hand coding (macro over themes): " + " · ".join(cells))
    return show


def agreement(page: PageContext, labels: Labels | None) -> None:
    st.markdown("**Agreement with another coder** (Cohen's kappa per theme)")
    others = marking.labels_paths()[1:]
    typed = st.text_input("Another coder's labels file", value=others[0] if others else "", key="cb-other-coder",
                          placeholder="path/to/coder_b.yaml")
    if not typed.strip():
        st.caption("Give a second labels file (or start the dashboard with a second `--labels FILE`).")
        return
    try:
        other = read_labels(Path(typed.strip()).expanduser())
    except LabelsError as error:
        st.error(md_escape(error), icon=":material/error:")
        return
    if labels is None:
        st.caption("Code some transcripts yourself first.")
        return
    kappa = cohen_kappa(labels, other, page.codebook.theme_ids)
    kappa["theme"] = kappa["theme"].map(page.label)
    both = len(set(labels.transcripts) & set(other.transcripts))
    st.caption(f"{md_escape(labels.coder)} vs {md_escape(other.coder)}: {both} transcripts coded by both")
    st.dataframe(kappa, hide_index=True)


def sweep(page: PageContext, labels: Labels | None, marks: list, path: str) -> None:
    st.markdown("**Precision and recall by threshold** (every typo threshold set to each value)")
    typed = st.text_input("Thresholds", value=SWEEP, key="cb-sweep-values")
    try:
        thresholds = tuple(sorted({float(t) for t in typed.replace(";", ",").split(",") if t.strip()}))
    except ValueError:
        st.error("Thresholds are numbers separated by commas, e.g. 84, 88, 92.", icon=":material/error:")
        return
    if not st.toggle("Compute the sweep", key="cb-sweep-on", help="Scores the corpus once per threshold"):
        return
    with st.spinner(f"Scoring {len(thresholds)} thresholds..."):
        summary = _sweep(page.analysis.key, thresholds, loading.content_stamp(path), page.analysis, labels, marks)
    st.line_chart(summary.drop(columns=["quotes"]), x_label="threshold", y_label="macro average")
    st.dataframe(summary.reset_index(), hide_index=True)


@st.cache_data(show_spinner=False, max_entries=8)
def _sweep(analysis_key: str, thresholds: tuple, labels_stamp: str, _analysis, _labels, _marks) -> pd.DataFrame:
    table = threshold_sweep(workbench.corpus_of(_analysis), _analysis, _labels, _marks, thresholds)
    return sweep_summary(table)


def queue(page: PageContext, marks: list) -> None:
    st.markdown("**Review queue**: the quotes most likely wrong first; mark them and the queue moves on")
    table = _queue(page.analysis.key, loading.content_stamp(marking.my_labels_path()), page.analysis, marks)
    for row in table.head(QUEUE_SHOWN).itertuples():
        with st.container(border=True):
            sentence = workbench.sentence_of(page.analysis, row)
            st.markdown(f"**{md_escape(page.label(row.theme))}** · {md_escape(row.transcript_id)} · "
                        f"{md_code(row.term)} \u2192 {md_code(page.shown(str(row.matched_text)))} · "
                        f"doubt {row.doubt:.2f} ({md_escape(row.reasons)})")
            st.text(page.shown(sentence))
            marking.quote_control(page, row, key_prefix="rq")


@st.cache_data(show_spinner="Ranking the quotes to review...", max_entries=8)
def _queue(analysis_key: str, labels_stamp: str, _analysis, _marks) -> pd.DataFrame:
    table = review_queue(quotes_of_analysis(_analysis), _analysis.themes, _marks, _analysis.codebook)
    return table.head(200)
