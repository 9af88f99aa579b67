"""HTML for quotes and transcripts. Transcript text only ever reaches HTML through core.quotes.highlight_html,
which escapes it; everything else here is our own markup with escaped labels.
"""
from __future__ import annotations

import html
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


def transcript_html(text: str, turns: pd.DataFrame, spans: list[Span], *, target: int | None = None) -> str:
    """Every turn, interviewer and participant styled apart, hits highlighted, a marker at `target`."""
    blocks = []
    for turn in turns.itertuples():
        start, end = int(turn.start), int(turn.end)
        inside = [s for s in spans if s.end > start and s.start < end]
        if target is not None and start <= target < end:
            body = (highlight_html(text[start:target], inside, offset=start) + TARGET_MARK.format(start=int(target))
                    + highlight_html(text[target:end], inside, offset=target))
        else:
            body = highlight_html(text[start:end], inside, offset=start)
        blocks.append(_turn_block(int(turn.turn), str(turn.speaker), paragraphs_html(body)))
    return "\n".join(blocks)


def _turn_block(number: int, speaker: str, body: str) -> str:
    style = SPEAKER_STYLE.get(speaker, SPEAKER_STYLE["interviewer"])
    name = "Participant" if speaker == "participant" else "Interviewer"
    return (f'<div id="turn-{number}" style="{style}padding:8px 14px;margin:6px 0;border-radius:4px;'
            f'line-height:1.55"><div style="font-size:0.75rem;font-weight:600;letter-spacing:0.05em;'
            f'text-transform:uppercase;color:#777;margin-bottom:2px">{name}</div>{body}</div>')


def legend_html(counts: dict[str, int], colours: dict[str, str], label_of: Callable[[str], str]) -> str:
    """Colour chips naming each theme with its number of hits."""
    chips = [f'<span style="background:{html.escape(colours.get(theme, "#eee"))};padding:2px 8px;'
             f'border-radius:10px;margin:0 6px 6px 0;display:inline-block;font-size:0.85rem">'
             f'{html.escape(label_of(theme))} &middot; {count}</span>' for theme, count in counts.items()]
    return "<div>" + "".join(chips) + "</div>" if chips else "<div><i>No hits of the themes in view.</i></div>"


def scroll_script(start: int) -> str:
    """Our own script (no transcript text in it): scroll the opened quote into view once it is drawn.
    It avoids the character "<": the HTML sanitizer empties a script whose text looks like a tag."""
    return (f"<script>(function(){{let tries=0;const go=()=>{{const el=document.getElementById('hit-{int(start)}');"
            "if(el){el.scrollIntoView({block:'center'});}else if(40>tries++){setTimeout(go,100);}};"
            "setTimeout(go,150);})();</script>")
