"""Long transcripts are sent a page at a time: a page holds at most PAGE_CHARS characters and PAGE_TURNS turns,
an enormous turn is cut into parts, a hit link opens the page that holds the hit, and highlights stay on the
right words across page boundaries. The transcripts are synthetic (no public data): one of many turns and one
of a single 1,000,000-character turn, both within the loader's 2,000,000-character limit."""
import re
import shutil
import sys
import time

import pandas as pd
import pytest
from support import DATA, run_app

from core import analyse, load_codebook
from core.views.quotes import Span
from dashboard.frame.passages import PAGE_CHARS, PAGE_TURNS, page_holding, page_starts, transcript_html

FILLER = "then I plan the week ahead with the team and write notes for later "
PAGE_BYTES = 200_000  # what one page may send of the transcript, highlights and markup included
RUN_SECONDS = 3.0


def many_turns(total: int = 1_500_000) -> tuple[str, int]:
    """A transcript of short turns, each participant turn with one `double check` and one `calendar`."""
    parts, size, count = [], 0, 0
    while size < total:
        question = f"Assistant: What happened next in step {count}?\n\n"
        answer = f"User: {FILLER * 5}and I double check my calendar each morning {count}.\n\n"
        parts += [question, answer]
        size, count = size + len(question) + len(answer), count + 1
    return "".join(parts), count


def one_turn(total: int = 1_000_000) -> str:
    """A transcript whose participant says 1,000,000 characters in one turn, a hit every ~20,000."""
    chunk = FILLER * 300 + "I double check the calendar here. "
    return "Assistant: Tell me about your work.\n\nUser: " + (chunk * (total // len(chunk) + 1))[:total] + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    (folder / "transcripts").mkdir()
    text, answers = many_turns()
    (folder / "transcripts" / "many_turns.txt").write_text(text)
    (folder / "transcripts" / "one_turn.txt").write_text(one_turn())
    shutil.copy(DATA / "tiny_codebook.yaml", folder / "codebook.yaml")  # marks would go beside it, not in tests/
    return folder, answers


@pytest.fixture(scope="module")
def analysis(corpus):
    folder, _ = corpus
    return analyse([folder / "transcripts"], codebook=load_codebook(folder / "codebook.yaml"), use_cache=False,
                   workers=1)


def spans_of(analysis, transcript_id: str) -> list[Span]:
    hits = analysis.hits[analysis.hits["transcript_id"] == transcript_id]
    return [Span(int(h.start), int(h.end), "#ff0", h.theme) for h in hits.itertuples()]


def pages_of(analysis, transcript_id: str) -> tuple[str, object, list[Span], list[tuple[int, int]]]:
    text, turns = analysis.text(transcript_id), analysis.turns(transcript_id)
    spans = spans_of(analysis, transcript_id)
    starts = page_starts(text, turns, spans)
    return text, turns, spans, list(zip(starts, [*starts[1:], len(text)], strict=True))


# ---------------------------------------------------------------- pages as plain data
@pytest.mark.parametrize("transcript_id", ["many_turns", "one_turn"])
def test_every_page_is_bounded_and_the_pages_cover_every_turn_in_order(analysis, transcript_id):
    text, turns, _, windows = pages_of(analysis, transcript_id)
    assert len(text) >= 1_000_000 and len(windows) >= len(text) // PAGE_CHARS
    assert all(0 < end - start <= PAGE_CHARS for start, end in windows)
    for start, end in windows:
        assert ((turns["end"] > start) & (turns["start"] < end)).sum() <= PAGE_TURNS
    assert windows[0][0] <= turns["start"].min() and windows[-1][1] >= turns["end"].max()


def test_an_enormous_turn_is_cut_at_spaces_and_never_inside_a_hit(analysis):
    text, turns, spans, windows = pages_of(analysis, "one_turn")
    assert len(turns) == 2 and int(turns["end"].max() - turns["start"].min()) > 900_000
    cuts = [start for start, _ in windows[2:]]  # inside the participant's one turn
    assert all(text[cut - 1].isspace() for cut in cuts)
    assert not [(cut, s) for cut in cuts for s in spans if s.start < cut < s.end]


def test_a_hit_across_the_natural_cut_moves_the_cut_before_it():
    text = "word " * 40
    turns = pd.DataFrame({"turn": [0], "speaker": ["participant"], "start": [0], "end": [200]})
    straddling = Span(47, 57, "#ff0", "a two-word hit")  # the last space before 50 is at 49
    assert page_starts(text, turns, [], chars=50)[1] == 50
    assert page_starts(text, turns, [straddling], chars=50)[1] == 47


@pytest.mark.parametrize("transcript_id", ["many_turns", "one_turn"])
def test_highlights_across_pages_are_the_highlights_of_the_whole_transcript(analysis, transcript_id):
    text, turns, spans, windows = pages_of(analysis, transcript_id)
    marked = re.compile(r'<mark style="[^"]*" title="([^"]*)">([^<]*)</mark>')
    paged = [m for start, end in windows for m in marked.findall(transcript_html(text, turns, spans,
                                                                                 window=(start, end)))]
    assert paged == marked.findall(transcript_html(text, turns, spans)) and len(paged) == len(spans)
    assert {word for _, word in paged} == {"double check", "calendar"}


def test_each_hit_is_on_the_page_that_holds_it(analysis):
    text, turns, spans, windows = pages_of(analysis, "one_turn")
    starts = [start for start, _ in windows]
    for span in spans:
        start, end = windows[page_holding(starts, span.start)]
        page = transcript_html(text, turns, spans, target=span.start, window=(start, end))
        assert re.search(rf'id="hit-{span.start}"[^>]*>&#9654;</span><mark[^>]*>{text[span.start:span.end]}</mark>',
                         page)


# ---------------------------------------------------------------- the Transcript page
@pytest.fixture
def open_transcript(monkeypatch, tmp_path, corpus):
    folder, _ = corpus
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(folder / "transcripts"), "--codebook",
                                      str(folder / "codebook.yaml")])
    return lambda **query: run_app("transcript", **query)


def sent(at) -> int:
    """Characters of text the page puts on screen (its HTML and Markdown)."""
    return sum(len(e.proto.body) for e in at.get("html")) + sum(len(m.value) for m in at.markdown)


def timed_run(at, action=None):
    started = time.perf_counter()
    (action() if action else at).run()
    seconds = time.perf_counter() - started
    assert not at.exception, at.exception
    return seconds


def test_a_long_transcript_of_many_turns_is_sent_a_page_at_a_time(open_transcript, corpus):
    _, answers = corpus
    at = open_transcript(transcript="many_turns")
    assert timed_run(at) < RUN_SECONDS and sent(at) < PAGE_BYTES
    picker = at.number_input(key="tx-page|many_turns|None")
    assert picker.value == 1 and picker.max >= 1_500_000 // PAGE_CHARS
    body = "\n".join(e.proto.body for e in at.get("html"))
    assert f"Scheduling &middot; {answers}" in body and f"Accuracy &middot; {answers}" in body  # the legend: all
    assert 'id="turn-0"' in body and "step 0?" in body

    assert timed_run(at, at.button(key="tx-next").click) < RUN_SECONDS and sent(at) < PAGE_BYTES
    assert at.number_input(key="tx-page|many_turns|None").value == 2
    body = "\n".join(e.proto.body for e in at.get("html"))
    assert 'id="turn-0"' not in body and re.search(r"<mark[^>]*>calendar</mark>", body)


def test_a_hit_link_opens_the_page_of_a_hit_deep_in_an_enormous_turn(open_transcript, analysis):
    text = analysis.text("one_turn")
    hit = text.rfind("calendar")
    assert hit > 950_000
    at = open_transcript(transcript="one_turn", hit=str(hit))
    assert timed_run(at) < RUN_SECONDS and sent(at) < PAGE_BYTES
    picker = at.number_input(key=f"tx-page|one_turn|{hit}")
    assert picker.max >= 20 and picker.value >= picker.max - 1  # one of the last pages holds it
    body = "\n".join(e.proto.body for e in at.get("html"))
    assert re.search(rf'id="hit-{hit}"[^>]*>&#9654;</span><mark[^>]*>calendar</mark>', body)
    assert f"getElementById('hit-{hit}')" in body and "PARTICIPANT (PART)" in body.upper()

    timed_run(at, at.button(key="tx-previous").click)
    body = "\n".join(e.proto.body for e in at.get("html"))
    assert f'id="hit-{hit}"' not in body and f"getElementById('hit-{hit}')" not in body and sent(at) < PAGE_BYTES
