"""The Codebook page's preview: what the unsaved edit would change against the saved codebook (themes and
occupations that move, the quotes gained and lost with their hits highlighted), scored on the cached corpus."""
from __future__ import annotations

import html
import time

import pandas as pd
import streamlit as st

from core import CodebookError
from core.views.quotes import Span, quote_html, quote_of
from core.workbench.diff import changed_rows
from dashboard.frame.context import PageContext
from dashboard.frame.text import md_escape
from dashboard.workbench import session as workbench
from dashboard.workbench.editor import problems

QUOTES_LISTED = 30


def run_preview(page: PageContext, edit: dict) -> None:
    """Score the edit (a progress box while it runs) and keep the result for the following reruns."""
    checked = workbench.validate(edit["text"], edit["path"])
    if isinstance(checked, CodebookError):
        problems(checked, edit["text"])
        return
    with st.status("Scoring the edit on the cached corpus...", expanded=False) as box:
        started = time.perf_counter()
        diff, edited = workbench.preview(page.analysis, checked)
        seconds = time.perf_counter() - started
        box.update(label=f"Preview ready in {seconds:.2f} s", state="complete")
    st.session_state[workbench.PREVIEW] = workbench.Preview(workbench.digest(edit["text"]), page.analysis.key,
                                                            diff, seconds, edited)


def show_preview(page: PageContext, edit: dict, agreement=None) -> None:
    shown = st.session_state.get(workbench.PREVIEW)
    if shown is None:
        st.caption("Press **Preview** to see what your edit changes before you save it.")
        return
    if shown.text_hash != workbench.digest(edit["text"]) or shown.analysis_key != page.analysis.key:
        st.caption("The last preview was of an earlier text or codebook: press **Preview** to see what this "
                   "edit changes.")
        return
    diff = shown.diff
    st.subheader("What this edit changes")
    if not diff.changed:
        st.info("No change: the edit gives the same themes, occupations and quotes as the saved codebook.")
        return
    themes = diff.themes
    st.markdown(f"**{int(themes['transcripts_gained'].sum()):,}** theme presences gained, "
                f"**{int(themes['transcripts_lost'].sum()):,}** lost · **{diff.quotes_gained:,}** quotes gained, "
                f"**{diff.quotes_lost:,}** lost · {len(page.analysis.transcripts):,} transcripts "
                f"(scored in {shown.seconds:.2f} s)")
    if agreement is not None:
        agreement(shown.edited)
    # one above the other, full width: side by side, their columns were cut off
    st.markdown("**Per theme**")
    st.table(_changed(themes, "theme", page.label), hide_index=True)  # small: a static table draws fastest
    st.markdown("**Per occupation**")
    st.table(_changed(diff.occupations, "occupation", page.label), hide_index=True)
    gained, lost = st.columns(2)
    with gained:
        quote_list(page, diff.gained, diff.quotes_gained, "gained", "#c6f6d5")
    with lost:
        quote_list(page, diff.lost, diff.quotes_lost, "lost", "#fed7d7")


def _changed(table: pd.DataFrame, key: str, label) -> pd.DataFrame:
    """The rows where something moved, with labels for codes and words for column names."""
    rows = changed_rows(table)
    rows[key] = rows[key].map(lambda code: md_escape(label(code)))  # st.table renders Markdown
    return rows.rename(columns=readable)


def readable(column: str) -> str:
    """A diff column's name in words: `theme_transcripts_gained` -> `Theme presences gained`.

    >>> readable("transcripts_moved_in"), readable("quotes_lost")
    ('Transcripts moved in', 'Quotes lost')
    """
    words = column.replace("theme_transcripts", "theme presences").replace("_", " ")
    return words[:1].upper() + words[1:]


def quote_list(page: PageContext, quotes: pd.DataFrame, total: int, title: str, colour: str) -> None:
    """The first QUOTES_LISTED of `quotes` (the diff keeps the first of `total`)."""
    st.markdown(f"**Quotes {title}: {total:,}**" + (f" (first {QUOTES_LISTED})" if total > QUOTES_LISTED else ""))
    blocks = [_quote_html(page, row, colour) for row in quotes.head(QUOTES_LISTED).itertuples()]
    if blocks:
        st.html(f'<div data-testid="cb-quotes-{title}">' + "".join(blocks) + "</div>")


def _quote_html(page: PageContext, row, colour: str) -> str:
    """The quote's sentence with each of its hits highlighted by its offsets (never by searching its words,
    which can occur twice in a sentence)."""
    transcript_id = str(row.transcript_id)
    text = page.text(transcript_id)  # masked when redacting: same length, the offsets hold
    spans = [Span(int(s), int(e), colour, f"{term} \u2192 {text[int(s):int(e)]}")
             for s, e, term in zip(row.hit_starts, row.hit_ends, row.terms)]
    body = quote_html(text, quote_of(row), spans)
    terms = ", ".join(f"<code>{html.escape(str(term))}</code>" for term in dict.fromkeys(row.terms))
    return (f'<div style="border:1px solid #e6e6e6;border-radius:6px;padding:6px 10px;margin:4px 0">'
            f'<div style="font-size:0.8rem;color:#555"><b>{html.escape(page.label(row.theme))}</b> &middot; '
            f'{html.escape(page.label(row.occupation)) if isinstance(row.occupation, str) else ""} &middot; '
            f'{html.escape(str(row.transcript_id))} &middot; {terms} ({row.similarity:.0f})</div>{body}</div>')
