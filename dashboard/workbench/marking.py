"""Hand coding from the dashboard: mark a quote right or wrong for its theme (Quotes page, review queue) and
the themes present in a whole transcript (Transcript page). Marks go to a labels file beside the codebook
(`labels.yaml`, or the first `--labels FILE`), written by core.handcoding in the benchmarks/labels format.

    streamlit run dashboard/app.py -- --codebook my/codebook.yaml --labels my/labels.yaml --labels other.yaml

Later `--labels` files are other coders' (read only): the workbench compares them with yours.

With sign-in configured only the coder, editor and admin roles mark, each in a file of their own beside
that first file (`labels.<their email>.yaml`), whose `coder:` is their sign-in identity: a labels file is
one coder's, so agreement between coders stays measurable, and nobody can mark under another's name.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import streamlit as st

from core.errors import ThemescopeError
from core.handcoding.evaluate import Labels, LabelsError, read_labels
from core.handcoding.labels import (
    QuoteMark,
    mark_quote,
    mark_transcript,
    read_quote_marks,
    unmark_quote,
    unmark_transcript,
)
from dashboard.frame import identity, loading
from dashboard.frame.context import PageContext
from dashboard.frame.errors import show_error
from dashboard.frame.text import md_escape

NOT_SAVED = "_labels_not_saved"  # a write refused in a callback, shown on the next run
VERDICTS = {True: ":material/check: right", False: ":material/close: wrong"}


def labels_paths(argv: list[str] | None = None) -> list[str]:
    """Your labels file first (written), then other coders' files (read only)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--labels", action="append")
    given = parser.parse_known_args(sys.argv[1:] if argv is None else argv)[0].labels
    if given:
        return [str(Path(p).resolve()) for p in given]
    return [str(Path(loading.sources_from_argv(argv).codebook).parent / "labels.yaml")]


def my_labels_path() -> str:
    """The file your marks go to: the first labels file, or your own beside it when you signed in to code."""
    path = Path(labels_paths()[0])
    coder = coder_name()
    if coder is None:
        return str(path)
    safe = re.sub(r"[^a-z0-9@._-]+", "_", coder.lower()).strip("._") or "coder"
    return str(path.with_name(f"{path.stem}.{safe}{path.suffix}"))


def may_mark() -> bool:
    return identity.current_access().permissions.hand_code


def coder_name() -> str | None:
    """The signed-in coder's identity (not editable); None in single-user mode (the file's own name stays)."""
    access = identity.current_access()
    return access.coder if access.permissions.hand_code else None


@st.cache_resource(show_spinner=False, max_entries=16)
def _read(path: str, stamp: str) -> tuple[Labels | None, dict, str | None]:
    """(labels, quote marks by key, error message) of a labels file as it is now. Shared, not copied
    (cache_data would unpickle the marks for every quote card): callers only read it."""
    if not stamp:
        return None, {}, None
    try:
        return read_labels(path), {m.key: m for m in read_quote_marks(path)}, None
    except LabelsError as error:
        return None, {}, str(error)


def read(path: str) -> tuple[Labels | None, dict, str | None]:
    return _read(path, loading.file_version(path))


# ---------------------------------------------------------------- quotes
def quote_control(page: PageContext, hit, *, key_prefix: str = "qm") -> None:
    """Right / wrong for one quote (a hit with transcript_id, theme, start, end, term); click again to unmark."""
    if page.presenting or not may_mark():
        return
    path = my_labels_path()
    show_not_saved()
    _, marks, error = read(path)
    if error:
        st.caption(f"Hand coding is off: {md_escape(error)}")
        return
    key_of = (str(hit.transcript_id), str(hit.theme), int(hit.start), int(hit.end))
    widget = f"{key_prefix}-{'|'.join(map(str, key_of))}"
    mark = marks.get(key_of)
    st.session_state[widget] = None if mark is None else mark.correct
    st.segmented_control(f"Is this quote evidence of {md_escape(page.label(hit.theme))}?", list(VERDICTS), key=widget,
                         format_func=VERDICTS.__getitem__, on_change=_mark_quote,
                         args=(widget, path, key_of, str(hit.term)),
                         label_visibility="collapsed",
                         help=f"Your verdict goes to {path}; click it again to take it back")


def _mark_quote(widget: str, path: str, key_of: tuple[str, str, int, int], term: str) -> None:
    verdict = st.session_state[widget]
    if verdict is None:
        _write(unmark_quote, path, *key_of)
    else:
        _write(mark_quote, path, QuoteMark(*key_of, correct=bool(verdict), term=term), coder=coder_name())


def _unmark(path: str, transcript_id: str) -> None:
    _write(unmark_transcript, path, transcript_id)


def _write(write, *args, **kwargs) -> bool:
    """A labels write from a button: a refused or locked file is a message on the next run, never a crash."""
    if not may_mark():  # the controls are not drawn then; this holds even if a stale widget fires
        st.session_state[NOT_SAVED] = LabelsError("your role may not hand-code", hint="ask for the coder role")
        return False
    try:
        write(*args, **kwargs)
        return True
    except ThemescopeError as error:
        st.session_state[NOT_SAVED] = error
        return False


def show_not_saved() -> None:
    """The last labels write that could not be made, once."""
    error = st.session_state.pop(NOT_SAVED, None)
    if error is not None:
        show_error(error, context="Your mark was not saved")


# ---------------------------------------------------------------- transcripts
def transcript_control(page: PageContext, transcript_id: str) -> None:
    """The themes the researcher finds in the whole transcript (every other theme counts as absent), and
    its occupation; pre-filled with your earlier coding, else with what the codebook found."""
    if page.presenting or not may_mark():
        return
    path = my_labels_path()
    labels, _, error = read(path)
    coded = labels.transcripts.get(transcript_id) if labels else None
    title = "Your hand coding of this transcript" + (" (coded)" if coded else " (not coded yet)")
    with st.expander(title, icon=":material/fact_check:", expanded=False):
        if error:
            st.error(md_escape(error), icon=":material/error:")
            return
        doc = page.data.doc_of(transcript_id)
        found = [t for t, raised in zip(page.data.theme_ids, page.raised[doc]) if raised]
        present = sorted(coded.present) if coded else found
        occupation = (coded.occupation if coded and coded.occupation else
                      page.data.transcripts["occupation"].iloc[doc])
        occupations = list(dict.fromkeys([*page.codebook.occupation_ids, "other", occupation]))
        with st.form(f"hc-{transcript_id}", border=False):
            chosen = st.pills("Themes present (every other theme is marked absent)", page.data.theme_ids,
                              selection_mode="multi", default=[t for t in present if t in page.data.theme_ids],
                              format_func=lambda t: md_escape(page.label(t)), key=f"hc-present-{transcript_id}")
            job = st.selectbox("Occupation", occupations, index=occupations.index(occupation),
                               format_func=page.label, key=f"hc-occupation-{transcript_id}")
            if st.form_submit_button("Save my coding", icon=":material/save:") and _write(
                    mark_transcript, path, transcript_id, present=chosen,
                    absent=[t for t in page.data.theme_ids if t not in chosen], occupation=job,
                    coder=coder_name()):
                st.success(f"Saved to `{path}`.", icon=":material/check_circle:")
            show_not_saved()
        st.caption(f"Saved to `{path}` (the benchmarks/labels format). Pre-filled with "
                   + ("your earlier coding." if coded else "what the codebook found: correct it, then save."))
        if coded:
            st.button("Remove my coding of this transcript", icon=":material/undo:", key=f"hc-remove-{transcript_id}",
                      on_click=_unmark, args=(path, transcript_id),
                      help="It counts as not coded again: left out of recall, F1 and agreement")
