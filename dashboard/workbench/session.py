"""The codebook workbench's state and engine handles: the researcher's edit, kept across reruns and page
switches, and the cached corpus, term report and lint the Codebook page reads (all computed by core).

The edit lives in `st.session_state[EDIT]` (a widget's own value is dropped when its page is left) as
{"path", "base", "text"}: `base` is the file's text the edit started from. While there is no unsaved edit
the editor follows the file, so an edit made in an outside editor shows on the next interaction.
Save passes `text_hash(base)` as the text it expects to replace: if the file holds anything else by then, core
refuses and the refused save's `Conflict` waits in `st.session_state[CONFLICT]` until the researcher chooses.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core import Analysis, Codebook, CodebookError, Problem, parse_codebook
from core.codebook.edits import add_variant
from core.codebook.history import current_text, text_hash
from core.engine.rescore import CachedCorpus
from core.views.quotes import quote_of
from core.workbench.diff import CodebookDiff, EditedRows, scored_preview
from core.workbench.lint import Finding, lint
from core.workbench.terms import TermReport, near_misses, report_hits, summarise, threshold_change
from dashboard.frame import loading

EDIT = "_codebook_edit"     # the researcher's text (see module docstring)
EDITOR = "cb_editor"        # the text area's key, seeded from EDIT on every run
GENERATION = "_codebook_generation"  # bumped when a button puts a text in the editor: the code editor redraws
PREVIEW = "_codebook_preview"
NOTICE = "_codebook_notice"  # what the last button did, shown once on the next run
CONFLICT = "_codebook_conflict"  # a save refused because the file changed since the edit began


# ---------------------------------------------------------------- the edit
def file_text(path: str) -> str:
    """The file's text as core compares it when saving (so `base` hashes the same), "" when unreadable."""
    try:
        return current_text(path)
    except OSError:
        return ""


def current_edit(path: str) -> dict:
    """The edit of the codebook at `path`, following the file while nothing is unsaved; seeds the editor."""
    on_disk = file_text(path)
    edit = st.session_state.get(EDIT)
    if edit is None or edit["path"] != path or (edit["text"] == edit["base"] and on_disk != edit["base"]):
        edit = {"path": path, "base": on_disk, "text": on_disk}
    st.session_state[EDIT] = edit
    st.session_state[EDITOR] = edit["text"]
    return edit


def unsaved(edit: dict) -> bool:
    return edit["text"] != file_text(edit["path"])


def changed_on_disk(edit: dict) -> bool:
    """The file changed under an unsaved edit (an outside editor, another tab)."""
    return edit["text"] != edit["base"] and file_text(edit["path"]) != edit["base"]


def copy_editor() -> None:
    """on_change of the text area: the typed text becomes the edit."""
    st.session_state[EDIT]["text"] = st.session_state[EDITOR]


def set_text(text: str, *, base: str | None = None) -> None:
    """From a callback: put `text` in the editor (an unsaved edit unless it equals the file)."""
    edit = st.session_state[EDIT]
    edit["text"] = text
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    if base is not None:  # a new starting point ends any conflict about the old one
        edit["base"] = base
        st.session_state.pop(CONFLICT, None)


def expected_hash(edit: dict) -> str:
    """What Save expects the file to hold: the text the edit began from."""
    return text_hash(edit["base"])


def notify(kind: str, message: str) -> None:
    st.session_state[NOTICE] = (kind, message)


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def validate(text: str, path: str) -> Codebook | CodebookError:
    try:
        return parse_codebook(text, source=path)
    except CodebookError as error:
        return error


def with_variant(text: str, path: str, kind: str, code: str, term: str, variant: str, to: str) -> str:
    """The editor text with `variant` on a term's allow or deny list. The term is found by its text in the
    edited codebook (the report's position may have moved with the edit); CodebookError when it is gone."""
    edited = parse_codebook(text, source=path)
    codes = {c.id: c for c in (edited.themes if kind == "theme" else edited.occupations)}
    terms = [t.text for t in codes[code].terms] if code in codes else []
    if term not in terms:
        raise CodebookError([_gone(path, kind, code, term)])
    return add_variant(text, kind, code, terms.index(term), variant, to=to, source=path)


def _gone(path: str, kind: str, code: str, term: str) -> Problem:
    return Problem(path, f"the edit has no term `{term}` in {kind} `{code}`",
                   hint="undo the edit that removed it, or add the variant by hand")


# ---------------------------------------------------------------- the engine, cached
@st.cache_resource(show_spinner="Loading the corpus for re-scoring...", max_entries=2)
def corpus_for(shard_folder: str, _analysis: Analysis) -> CachedCorpus:
    """The analysis's shards in memory; keyed by their folder, so a saved codebook reuses them."""
    return CachedCorpus.of(_analysis, executor=loading.server_executor())


def corpus_of(analysis: Analysis) -> CachedCorpus:
    return corpus_for(str(analysis.store.folder), analysis)


@st.cache_resource(show_spinner="Counting what each term matches...", max_entries=4)
def report_for(analysis_key: str, _analysis: Analysis) -> tuple[TermReport, list[Finding]]:
    """The term report and lint on the whole corpus (lint judges the codebook, not a view)."""
    report = summarise(report_hits_for(analysis_key, _analysis), _analysis.codebook, len(_analysis.transcripts))
    return report, lint(report, _analysis.codebook)


@st.cache_resource(show_spinner="Counting every term's hits...", max_entries=4)
def report_hits_for(analysis_key: str, _analysis: Analysis) -> pd.DataFrame:
    return report_hits(corpus_of(_analysis), _analysis)


def view_report(analysis: Analysis, transcripts: pd.Series) -> TermReport:
    """The term report on the transcripts of a filtered view (their ids)."""
    hits = report_hits_for(analysis.key, analysis)
    return summarise(hits[hits["transcript_id"].isin(transcripts)], analysis.codebook, len(transcripts))


@st.cache_data(show_spinner="Looking for near misses...", max_entries=16)
def near_misses_for(analysis_key: str, window: float, _analysis: Analysis) -> pd.DataFrame:
    return near_misses(corpus_of(_analysis), _analysis.codebook, window=window)


@st.cache_data(show_spinner="Scoring with that threshold...", max_entries=16)
def threshold_change_for(analysis_key: str, threshold: float, _analysis: Analysis) -> pd.DataFrame:
    return threshold_change(corpus_of(_analysis), _analysis, threshold)


@dataclass
class Preview:
    """What the edit with text `text_hash` would change against the analysis `analysis_key`, and the rows it
    scored (`edited`, with the parsed codebook: what agreement with hand coding reads, so a preview with hand
    coding loaded scores the edit once)."""

    text_hash: str
    analysis_key: str
    diff: CodebookDiff
    seconds: float
    edited: EditedRows


def preview(analysis: Analysis, codebook: Codebook) -> tuple[CodebookDiff, EditedRows]:
    """The edit scored on the cached corpus and diffed with the saved results: only the (transcript, theme)
    pairs it can change are scored and compared (`core.workbench.diff.scored_preview`, what the CLI's
    `workbench diff` runs and `benchmarks/workbench_speed.py` times), with the rows it scored."""
    return scored_preview(corpus_of(analysis), analysis, codebook)


def sentence_of(analysis: Analysis, row) -> str:
    """The sentence of a quote (a row of `group_quotes`, e.g. of the review queue), as every page shows it."""
    return quote_of(row).of(analysis.text(str(row.transcript_id)))
