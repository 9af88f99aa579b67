"""HTML for quotes and transcripts. Transcript text only ever reaches HTML through core.quotes.highlight_html,
which escapes it; everything else here is our own markup with escaped labels.
"""
from __future__ import annotations

import bisect
import hashlib
import html
import re
from collections.abc import Callable

import pandas as pd

from core.views.quotes import Quote, Span, highlight_html, paragraphs_html
from core.views.quotes import quote_html as sentence_html

SPEAKER_STYLE = {
    "participant": "border-left:4px solid #4C78A8;background:#ffffff;color:#111;",
    "interviewer": "border-left:4px solid #c8c8c8;background:#f5f6f8;color:#555;",
}
TARGET_MARK = ('<span id="hit-{start}" title="the quote you opened" style="color:#d62728;font-weight:bold;'
               'scroll-margin-top:120px">&#9654;</span>')


def hit_spans(hits: pd.DataFrame, colours: dict[str, str], label_of: Callable[[str], str],
              text: str | None = None) -> list[Span]:
    """A highlight per hit in its theme's colour; the tooltip says why it matched. With `text` (the text as
    shown, maybe masked), the tooltip's matched words come from it, so a masked detail stays masked."""
    return [Span(int(h.start), int(h.end), colours.get(h.theme, "#ffe58f"),
                 f"{label_of(h.theme)}: {h.term} \u2192 "
                 f"{h.matched_text if text is None else text[int(h.start):int(h.end)]} ({h.similarity:.0f})")
            for h in hits.itertuples()]


def quote_html(text: str, quote: Quote, spans: list[Span], *, whole_turn: bool = False) -> str:
    """The sentence of a quote (or its whole turn), escaped, with the matched words highlighted."""
    turn_start, turn_end = quote.whole_turn(text)
    if whole_turn:
        body = paragraphs_html(highlight_html(text[turn_start:turn_end], spans, offset=turn_start))
    else:
        body = sentence_html(text, quote, spans)
    before = "" if whole_turn or quote.start <= turn_start else "&hellip; "
    after = "" if whole_turn or quote.end >= turn_end else " &hellip;"
    return f'<div style="font-size:1.02rem;line-height:1.55">{before}{body}{after}</div>'


PAGE_CHARS = 50_000  # transcript characters per page: a page stays quick to send and for the browser to draw
PAGE_TURNS = 200     # turns per page: many short turns cost markup rather than text


def page_starts(text: str, turns: pd.DataFrame, spans: list[Span], *, chars: int = PAGE_CHARS,
                turns_per_page: int = PAGE_TURNS) -> list[int]:
    """Where each page of a transcript starts (character offsets, ascending). A page holds whole turns up to
    `chars` characters or `turns_per_page` turns; a longer turn is cut into parts at a space and never inside
    a highlighted span, so a hit is always drawn whole on one page.

    >>> turns = pd.DataFrame({"start": [0, 10, 20], "end": [9, 19, 60]})
    >>> page_starts("x" * 60, turns, [], chars=20)
    [0, 20, 40]
    """
    starts: list[int] = []
    page_start, count = 0, 0
    spans = sorted(spans, key=lambda s: s.start)
    for start, end in zip(turns["start"].to_numpy().tolist(), turns["end"].to_numpy().tolist(), strict=True):
        # a turn that does not fit begins the next page, unless it is long and this page is less than half full
        overflows = end - page_start > chars and (end - start <= chars or start - page_start > chars // 2)
        if not starts or count >= turns_per_page or overflows:
            page_start, count = start, 0
            starts.append(start)
        count += 1
        while end - page_start > chars:
            page_start, count = _cut(text, page_start, chars, spans), 1
            starts.append(page_start)
    return starts or [0]


def _cut(text: str, page_start: int, chars: int, spans: list[Span]) -> int:
    """Where a page that starts at `page_start` ends inside a long turn: after the last space in the page's
    second half (anywhere, for text without spaces), moved off any span it would split."""
    limit = page_start + chars
    space = max(text.rfind(" ", page_start + chars // 2, limit), text.rfind("\n", page_start + chars // 2, limit))
    cut = space + 1 if space >= 0 else limit
    for span in spans:
        if span.start < cut < span.end:
            cut = span.start if span.start > page_start else span.end
    return cut


def page_holding(starts: list[int], offset: int) -> int:
    """The 0-based page whose range holds a character offset (the first page for one before it).

    >>> page_holding([0, 100, 250], 100), page_holding([0, 100, 250], 99), page_holding([5], 0)
    (1, 0, 0)
    """
    return max(bisect.bisect_right(starts, offset) - 1, 0)


def transcript_html(text: str, turns: pd.DataFrame, spans: list[Span], *, target: int | None = None,
                    window: tuple[int, int] | None = None) -> str:
    """The turns inside `window` (start, end offsets; None = all), interviewer and participant styled apart,
    hits highlighted, a marker at `target`. A turn cut by the window shows its part, marked continued."""
    first, last = window if window is not None else (0, len(text))
    starts, ends = turns["start"].to_numpy(), turns["end"].to_numpy()
    shown = turns.loc[(ends > first) & (starts < last)]
    spans = sorted((s for s in spans if s.end > first and s.start < last), key=lambda s: s.start)
    span_starts = [s.start for s in spans]
    blocks = []
    for turn in shown.itertuples():
        start, end = max(int(turn.start), first), min(int(turn.end), last)
        inside = [s for s in spans[:bisect.bisect_left(span_starts, end)] if s.end > start]
        if target is not None and start <= target < end:
            body = (highlight_html(text[start:target], inside, offset=start) + TARGET_MARK.format(start=int(target))
                    + highlight_html(text[target:end], inside, offset=target))
        else:
            body = highlight_html(text[start:end], inside, offset=start)
        continued = int(turn.start) < first or int(turn.end) > last
        blocks.append(_turn_block(int(turn.turn), str(turn.speaker), paragraphs_html(body), continued=continued))
    return "\n".join(blocks)


def _turn_block(number: int, speaker: str, body: str, *, continued: bool = False) -> str:
    style = SPEAKER_STYLE.get(speaker, SPEAKER_STYLE["interviewer"])
    name = ("Participant" if speaker == "participant" else "Interviewer") + (" (part)" if continued else "")
    return (f'<div id="turn-{number}" style="{style}padding:8px 14px;margin:6px 0;border-radius:4px;'
            f'line-height:1.55"><div style="font-size:0.75rem;font-weight:600;letter-spacing:0.05em;'
            f'text-transform:uppercase;color:#777;margin-bottom:2px">{name}</div>{body}</div>')


# The legend stays in view while the transcript scrolls under it. Sticky only holds inside the parent box, and
# st.html's own box is as short as the legend, so the rule makes Streamlit's container of the legend sticky
# (below the app's header, 3.75rem). Our own CSS, no data in it.
LEGEND_CLASS = "themescope-legend"
STICKY_LEGEND = (f'<style>[data-testid="stElementContainer"]:has(.{LEGEND_CLASS}){{position:sticky;'
                 'top:3.75rem;z-index:5;background:#fff;padding-top:4px;box-shadow:0 4px 6px -6px #888}</style>')


def legend_html(counts: dict[str, int], colours: dict[str, str], label_of: Callable[[str], str]) -> str:
    """Colour chips naming each theme with its number of hits, in a legend that stays in view (STICKY_LEGEND)."""
    chips = [f'<span style="background:{html.escape(colours.get(theme, "#eee"))};padding:2px 8px;'
             f'border-radius:10px;margin:0 6px 6px 0;display:inline-block;font-size:0.85rem">'
             f'{html.escape(label_of(theme))} &middot; {count}</span>' for theme, count in counts.items()]
    body = "".join(chips) if chips else "<i>No hits of the themes in view.</i>"
    return f'{STICKY_LEGEND}<div class="{LEGEND_CLASS}">{body}</div>'


OPENED = "_opened_quote"  # (transcript id, hit start) of the quote last opened in its transcript


def scroll_script(start: int) -> str:
    """Scroll the opened quote of a transcript into view once it is drawn."""
    return scroll_to(f"hit-{int(start)}")


def scroll_to(element_id: str) -> str:
    """Our own script (no transcript text in it; `element_id` is made of letters, digits and dashes only):
    scroll the element into view once it is drawn. It avoids the character "<": the HTML sanitizer empties a
    script whose text looks like a tag."""
    safe = re.sub(r"[^A-Za-z0-9-]", "", element_id)
    return (f"<script>(function(){{let tries=0;const go=()=>{{const el=document.getElementById('{safe}');"
            "if(el){el.scrollIntoView({block:'center'});}else if(40>tries++){setTimeout(go,100);}};"
            "setTimeout(go,150);})();</script>")


def quote_anchor(transcript_id: str, start: int) -> str:
    """The element id of a quote card (a digest: transcript ids may hold any character)."""
    return "quote-" + hashlib.sha1(f"{transcript_id}|{int(start)}".encode()).hexdigest()[:12]
