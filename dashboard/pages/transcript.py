"""Transcript: the whole interview, speakers styled apart, every hit in its theme's colour, scrolled to the quote."""
import html

import streamlit as st

from core.engine.occupation_choice import evidence_span
from core.views.quotes import Span, highlight_html, transcript_hits
from dashboard.frame import context
from dashboard.frame import page as frame
from dashboard.frame.passages import (
    OPENED,
    hit_spans,
    legend_html,
    page_holding,
    page_starts,
    scroll_script,
    transcript_html,
)
from dashboard.frame.state import copy_widget, seed, set_view
from dashboard.frame.text import md_escape
from dashboard.workbench import marking, missed

MAX_OPTIONS = 2_000  # a select box with more entries is slow to send and useless to scroll

page = frame.run()
view, data = page.view, page.data
st.title("Transcript")

matching = page.matching()["transcript_id"].tolist()
if view["transcript"] is not None and data.doc_of(view["transcript"]) is None:
    st.warning(f"There is no transcript “{md_escape(view['transcript'])}” in this data; showing the first "
               "matching one.")
    set_view(transcript=None, hit=None)
if view["transcript"] is None:
    context.stop_when_nothing_matches(page)
# The first matching transcript is shown by default without entering the view: writing it into the URL
# after the frame wrote the URL pushed a second history entry (a link without it opens the same one).
current = view["transcript"] or matching[0]
options = matching[:MAX_OPTIONS]
if current not in options:
    options = [current, *options]


def pick_transcript() -> None:
    copy_widget("transcript", resets_paging=False)
    set_view(hit=None)


occupations = data.transcripts["occupation"].to_numpy()


def describe(transcript_id: str) -> str:
    return f"{transcript_id} · {page.label(occupations[data.doc_of(transcript_id)])}"


picker, back = st.columns([4, 1], vertical_alignment="bottom")
if page.presenting:  # no editing controls: the transcript is named instead
    picker.markdown(f"### {md_escape(describe(current))}")
else:
    picker.selectbox(f"Transcript ({len(matching):,} matching" + (f", first {MAX_OPTIONS:,} listed)"
                     if len(matching) > MAX_OPTIONS else ")"), options, key=seed("w_transcript", current),
                     on_change=pick_transcript, format_func=describe)
back.page_link(context.QUOTES, label="Back to quotes", icon=":material/format_quote:", query_params=page.link())
if current not in matching:
    st.caption("This transcript does not match the current filters; it is shown because the link named it.")

doc = data.doc_of(current)
if doc is None:  # the view names only transcripts this data holds (checked above)
    st.stop()
row = data.transcripts.iloc[doc]
facts = {"Occupation": page.label(row["occupation"]),
         "Occupation from": f"{row.get('occupation_source', 'keywords')}, confidence {row['occupation_confidence']:.0%}"
                            + (", uncertain" if bool(row.get("occupation_uncertain", False)) else ""),
         "Participant words": f"{int(row['participant_words']):,}",
         **{column.replace("_", " ").capitalize(): data.attribute_values[column][doc] for column in data.attributes}}
st.html(" &nbsp;·&nbsp; ".join(f"<b>{html.escape(k)}:</b> {html.escape(page.shown(str(v)))}"
                               for k, v in facts.items()))



def occupation_evidence_html(row, text: str) -> str:
    """The participant's sentence with their job title highlighted (escaped), or the keyword evidence."""
    start, end = int(row.get("occupation_start", -1)), int(row.get("occupation_end", -1))
    if 0 <= start < end <= len(text):
        first, last = evidence_span(text, start, end)
        return highlight_html(text[first:last], [Span(start, end, "#ffe58f", "job title")], offset=first)
    return html.escape(page.shown(str(row["occupation_evidence"] or "none")))


st.html(f"<b>Occupation evidence:</b> {occupation_evidence_html(row, page.text(current))}")
hits = transcript_hits(data, doc, page.themes_in_view)
counts = hits["theme"].value_counts().reindex(page.themes_in_view).dropna().astype(int)
st.html(legend_html(counts.to_dict(), page.colours, page.label))
marking.transcript_control(page, current)  # themes present / absent, to the labels file
missed.missed_control(page, current)  # a passage the codebook missed, to the labels file



def cancelled_spans(transcript_id: str) -> list[Span]:
    """Hits a negator or hedge cancelled, greyed; the tooltip says why they are not counted."""
    cancelled = page.analysis.cancelled
    mine = cancelled[(cancelled["transcript_id"] == transcript_id) & cancelled["theme"].isin(page.themes_in_view)]
    return [Span(int(c.start), int(c.end), "#e4e4e4", f"not counted: {c.reason}") for c in mine.itertuples()]


def turn_page(key: str, step: int, pages: int) -> None:
    st.session_state[key] = min(max(st.session_state[key] + step, 1), pages)


def page_controls(starts: list[int], turns, length: int) -> tuple[int, int]:
    """The page picker of a long transcript (sent a page at a time, PAGE_CHARS characters or PAGE_TURNS
    turns); returns the shown page's (start, end). A hit in the URL opens the page that holds it."""
    if len(starts) == 1:
        return 0, length
    key = f"tx-page|{current}|{view['hit']}"  # a new hit (or transcript) is a new picker, on the hit's page
    opened = page_holding(starts, view["hit"]) + 1 if view["hit"] is not None else 1
    st.session_state[key] = min(max(int(st.session_state.get(key, opened)), 1), len(starts))
    number, previous, following, where = st.columns([1, 1, 1, 3], vertical_alignment="bottom")
    number.number_input(f"Page (of {len(starts):,})", min_value=1, max_value=len(starts), step=1, key=key)
    previous.button("Previous", key="tx-previous", icon=":material/chevron_left:", on_click=turn_page,
                    args=(key, -1, len(starts)), disabled=st.session_state[key] == 1, width="stretch")
    following.button("Next", key="tx-next", icon=":material/chevron_right:", on_click=turn_page,
                     args=(key, 1, len(starts)), disabled=st.session_state[key] == len(starts), width="stretch")
    shown = st.session_state[key] - 1
    first, last = starts[shown], starts[shown + 1] if shown + 1 < len(starts) else length
    turn_numbers = turns.loc[(turns["end"] > first) & (turns["start"] < last), "turn"]
    where.caption(f"A long transcript, shown a page at a time: characters {first:,}–{last:,} of {length:,}, "
                  f"turns {int(turn_numbers.min())}–{int(turn_numbers.max())}.")
    return first, last


text = page.text(current)  # masked when redacting; offsets hold
turns = page.analysis.turns(current)
spans = hit_spans(hits, page.colours, page.label, text) + cancelled_spans(current)
window = page_controls(page_starts(text, turns, spans), turns, len(text))
st.html(transcript_html(text, turns, spans, target=view["hit"], window=window))
if view["hit"] is not None:
    st.session_state[OPENED] = (current, int(view["hit"]))  # Back to the quotes scrolls to its card
if view["hit"] is not None and window[0] <= view["hit"] < window[1]:
    st.html(scroll_script(view["hit"]), unsafe_allow_javascript=True)  # our script, no transcript text
