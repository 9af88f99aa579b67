"""Quotes: every matching participant passage, why it matched, and a link to the exact spot in its transcript.

A card is a quote (core.views.quotes.group_quotes): one passage of one transcript with every hit of its theme
in it highlighted, counted the same as the exports, the report, the preview and hand coding."""
import html

import streamlit as st

from core.views.quotes import Span, quote_of, spoken_at
from dashboard.frame import context
from dashboard.frame import page as frame
from dashboard.frame.passages import OPENED, quote_anchor, quote_html, scroll_to
from dashboard.frame.state import copy_widget, seed, set_view
from dashboard.frame.text import md_escape
from dashboard.workbench import marking

PAGE_SIZE = 20
SORTS = {"transcript": "Transcript order", "fuzziest": "Fuzziest matches first", "occupation": "Occupation",
         "theme": "Theme"}

page = frame.run()
view, data = page.view, page.data
st.title("Quotes")
context.stop_when_nothing_matches(page)

QUOTE_RULE = ("A quote is one sentence of a transcript with every match of its theme in it highlighted. Only "
              "transcripts that raise the theme (present, with at least the minimum hits) give quotes: a match "
              "in a transcript below the minimum is in no count, here or in the exports, the report, the "
              "codebook preview and hand coding.")
ALL = ""  # the "no selection" entry of a select box (None would show as an empty placeholder)
themes = [ALL, *page.themes_in_view]  # the frame drops a selection the filters no longer allow
occupations = [ALL, *sorted(set(data.transcripts["occupation"].to_numpy()[page.mask]), key=page.label)]


def copy_selection(key: str) -> None:
    set_view(**{key: st.session_state[f"w_{key}"] or None, "qpage": 1})


if page.presenting:  # no editing controls: the selection is stated instead
    theme = md_escape(page.label(view["sel_theme"])) if view["sel_theme"] else "All themes in view"
    occupation = md_escape(page.label(view["sel_occupation"])) if view["sel_occupation"] else "All matching occupations"
    st.markdown(f"**{theme}** · **{occupation}** · {SORTS[view['sort']].lower()}")
else:
    theme_column, occupation_column, sort_column = st.columns([2, 2, 1])
    theme_column.selectbox("Theme", themes, key=seed("w_sel_theme", view["sel_theme"] or ALL),
                           on_change=copy_selection, args=("sel_theme",),
                           format_func=lambda t: page.label(t) if t else "All themes in view")
    occupation_column.selectbox("Occupation", occupations,
                                key=seed("w_sel_occupation", view["sel_occupation"] or ALL),
                                on_change=copy_selection, args=("sel_occupation",),
                                format_func=lambda o: page.label(o) if o else "All matching occupations")
    sort_column.selectbox("Sort", list(SORTS), key=seed("w_sort", view["sort"]),
                          format_func=SORTS.__getitem__, on_change=copy_widget, args=("sort",))

count, transcripts = page.snapshot.quote_count()  # the same quotes as the exports of this view
st.markdown(f"**{count:,} quotes** from **{transcripts:,} transcripts**"
            + (f" holding “{md_escape(page.filters.search)}”" if page.filters.search else ""))
st.caption(QUOTE_RULE)
if not count:
    st.info("No quotes for this selection: pick another theme or occupation, or loosen the filters.")
    st.stop()
shown, number, pages = page.snapshot.quote_page(view["qpage"], PAGE_SIZE)


def matched_words(quote, text: str) -> list[tuple[str, str]]:
    """(term, matched words) of every hit of a quote, the words from the shown text (masked when redacting)."""
    return [(term, text[int(s):int(e)]) for term, s, e in zip(quote.terms, quote.hit_starts, quote.hit_ends)]


def at(text: str, quote) -> str:
    """" at 00:14:03" for a turn with a time stamp (captions, Word and Otter transcripts), else nothing."""
    time = spoken_at(text, int(quote.turn_start))
    return f" at {html.escape(time)}" if time else ""


def why_it_matched(quote, text: str) -> str:
    similarity = "exact" if quote.similarity >= 100 else f"lowest similarity {quote.similarity:.0f}"
    matches = ", ".join(f"<code>{html.escape(term)}</code> &rarr; <code>{html.escape(words)}</code>"
                        for term, words in dict.fromkeys(matched_words(quote, text)))
    return (f'<div style="color:#555;font-size:0.85rem;margin-top:4px">'
            f'<b>{html.escape(page.label(quote.theme))}</b> &middot; {html.escape(page.label(quote.occupation))} '
            f'&middot; {html.escape(quote.transcript_id)}, turn {int(quote.turn)}{at(text, quote)} &middot; '
            f'why it matched: {matches} ({similarity})</div>')


def show_quote(quote) -> None:
    text = page.text(quote.transcript_id)  # same length as the original: the offsets hold
    colour, label = page.colours.get(quote.theme, "#ffe58f"), page.label(quote.theme)
    spans = [Span(int(s), int(e), colour, f"{label}: {term} \u2192 {words}")
             for (term, words), s, e in zip(matched_words(quote, text), quote.hit_starts, quote.hit_ends)]
    where = quote_of(quote)
    with st.container(border=True):
        anchor = f'<span id="{quote_anchor(quote.transcript_id, int(quote.start))}"></span>'
        st.html(anchor + quote_html(text, where, spans) + why_it_matched(quote, text))
        link, turn = st.columns([1, 3])
        link.page_link(context.TRANSCRIPT, label="Open in transcript", icon=":material/open_in_new:",
                       query_params=page.link(transcript=quote.transcript_id, hit=int(quote.start)))
        with turn.expander("The whole turn"):
            st.html(quote_html(text, where, spans, whole_turn=True))
        marking.quote_control(page, quote)  # right / wrong for its theme (on its first hit), to the labels file


for quote in shown.itertuples():
    show_quote(quote)
opened = st.session_state.pop(OPENED, None)  # back from a transcript: to the card the reader opened
if opened is not None and any((q.transcript_id, int(q.start)) == opened for q in shown.itertuples()):
    st.html(scroll_to(quote_anchor(*opened)), unsafe_allow_javascript=True)

previous, status, following = st.columns([1, 2, 1])
previous.button("Previous", disabled=number <= 1, on_click=set_view, kwargs={"qpage": number - 1},
                icon=":material/chevron_left:", width="stretch")
status.markdown(f"<div style='text-align:center'>Page {number} of {pages} · quotes "
                f"{(number - 1) * PAGE_SIZE + 1}-{(number - 1) * PAGE_SIZE + len(shown)}</div>",
                unsafe_allow_html=True)
following.button("Next", disabled=number >= pages, on_click=set_view, kwargs={"qpage": number + 1},
                 icon=":material/chevron_right:", width="stretch")
