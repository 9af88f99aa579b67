"""Quotes: every matching participant passage, why it matched, and a link to the exact spot in its transcript."""
import html

import streamlit as st

from core.views.quotes import TurnBounds, cut_quote, page_of
from dashboard.frame import context
from dashboard.frame import page as frame
from dashboard.frame.passages import hit_spans, quote_html
from dashboard.frame.state import copy_widget, seed, set_view
from dashboard.workbench import marking

PAGE_SIZE = 20
SORTS = {"transcript": "Transcript order", "fuzziest": "Fuzziest matches first", "occupation": "Occupation",
         "theme": "Theme"}

page = frame.run()
view, data = page.view, page.data
st.title("Quotes")
context.stop_when_nothing_matches(page)

ALL = ""  # the "no selection" entry of a select box (None would show as an empty placeholder)
themes = [ALL, *page.themes_in_view]  # the frame drops a selection the filters no longer allow
occupations = [ALL, *sorted(set(data.transcripts["occupation"].to_numpy()[page.mask]), key=page.label)]


def copy_selection(key: str) -> None:
    set_view(**{key: st.session_state[f"w_{key}"] or None, "qpage": 1})


if page.presenting:  # no editing controls: the selection is stated instead
    st.markdown(f"**{page.label(view['sel_theme']) if view['sel_theme'] else 'All themes in view'}** · "
                f"**{page.label(view['sel_occupation']) if view['sel_occupation'] else 'All matching occupations'}**"
                f" · {SORTS[view['sort']].lower()}")
else:
    theme_column, occupation_column, sort_column = st.columns([2, 2, 1])
    theme_column.selectbox("Theme", themes, key=seed("w_sel_theme", view["sel_theme"] or ALL),
                           on_change=copy_selection, args=("sel_theme",),
                           format_func=lambda t: page.label(t) if t else "All themes in view")
    occupation_column.selectbox("Occupation", occupations,
                                key=seed("w_sel_occupation", view["sel_occupation"] or ALL),
                                on_change=copy_selection, args=("sel_occupation",),
                                format_func=lambda o: page.label(o) if o else "All matching occupations")
    sort_column.selectbox("Sort", list(SORTS), key=seed("w_sort", view["sort"]), format_func=SORTS.get,
                          on_change=copy_widget, args=("sort",))

table = page.snapshot.quotes()  # the same quotes as the exports of this view
st.markdown(f"**{len(table):,} quotes** from **{table['doc'].nunique():,} transcripts**"
            + (f" containing “{html.escape(page.filters.search)}”" if page.filters.search else ""))
if table.empty:
    st.info("No quotes for this selection: pick another theme or occupation, or loosen the filters.")
    st.stop()
shown, number, pages = page_of(table, view["qpage"], PAGE_SIZE)


def why_it_matched(hit, text: str) -> str:
    matched = text[int(hit.start):int(hit.end)]  # from the shown text: masked when redacting
    similarity = "exact" if hit.similarity >= 100 else f"similarity {hit.similarity:.0f}"
    return (f'<div style="color:#555;font-size:0.85rem;margin-top:4px">'
            f'<b>{html.escape(page.label(hit.theme))}</b> &middot; {html.escape(page.label(hit.occupation))} '
            f'&middot; {html.escape(hit.transcript_id)}, turn {int(hit.turn)} &middot; why it matched: '
            f'<code>{html.escape(hit.term)}</code> &rarr; <code>{html.escape(matched)}</code> '
            f'({similarity})</div>')


def show_quote(hit) -> None:
    text = page.text(hit.transcript_id)  # same length as the original: the offsets hold
    where = cut_quote(text, TurnBounds.of(page.analysis.turns(hit.transcript_id)), hit.turn, hit.start, hit.end)
    spans = hit_spans(table.loc[[hit.Index]], page.colours, page.label, text)
    with st.container(border=True):
        st.html(quote_html(text, where, spans) + why_it_matched(hit, text))
        link, turn = st.columns([1, 3])
        link.page_link(context.TRANSCRIPT, label="Open in transcript", icon=":material/open_in_new:",
                       query_params=page.link(transcript=hit.transcript_id, hit=int(hit.start)))
        with turn.expander("The whole turn"):
            st.html(quote_html(text, where, spans, whole_turn=True))
        marking.quote_control(page, hit)  # right / wrong for its theme, to the labels file


for hit in shown.itertuples():
    show_quote(hit)

previous, status, following = st.columns([1, 2, 1])
previous.button("Previous", disabled=number <= 1, on_click=set_view, kwargs={"qpage": number - 1},
                icon=":material/chevron_left:", width="stretch")
status.markdown(f"<div style='text-align:center'>Page {number} of {pages} · quotes "
                f"{(number - 1) * PAGE_SIZE + 1}-{(number - 1) * PAGE_SIZE + len(shown)}</div>",
                unsafe_allow_html=True)
following.button("Next", disabled=number >= pages, on_click=set_view, kwargs={"qpage": number + 1},
                 icon=":material/chevron_right:", width="stretch")
