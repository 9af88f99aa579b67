import pytest
from support import DATA

from core import analyse
from core.engine.passages import sentence_bounds
from core.share.redact import redactor
from core.views.quotes import (
    Span,
    TurnBounds,
    cut_quote,
    highlight_html,
    paragraphs_html,
    quote_html,
)


def test_sentence_around_a_hit_stays_in_its_turn():
    text = "AI: Why? User: I like it. I double check everything! Then I ship."
    start = text.index("double")
    s, e = sentence_bounds(text, start, start + 6, lo=text.index("I like"), hi=len(text))
    assert text[s:e] == "I double check everything!"


def test_sentence_at_turn_start_and_without_final_stop():
    text = "User: calendar is a mess"
    assert sentence_bounds(text, 6, 14, lo=6) == (6, len(text))


def test_highlighting_escapes_every_piece_of_transcript_text():
    text = '<script>alert(1)</script> and <img src=x onerror="alert(2)"> calendar'
    start = text.index("calendar")
    out = highlight_html(text, [Span(start, start + 8, "#ff0", 'term "calendar" <100>')])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "onerror=&quot;alert(2)&quot;" in out
    assert '<mark style="background:#ff0" title="term &quot;calendar&quot; &lt;100&gt;">calendar</mark>' in out


def test_highlight_with_offset_and_overlaps():
    text = "xx double check yy"
    fragment = text[3:]
    out = highlight_html(fragment, [Span(3, 9), Span(3, 15), Span(10, 15)], offset=3)
    assert out.count("<mark") == 1 and "double check</mark>" in out


def test_paragraph_breaks_are_kept():
    assert paragraphs_html("a\n\nb") == "a<br><br>b"


def test_analysis_gives_text_and_turns_of_each_transcript(tiny_codebook, tmp_path):
    for use_cache in (True, False):
        analysis = analyse([DATA / "folder"], codebook=tiny_codebook, cache_dir=tmp_path, use_cache=use_cache)
        text = analysis.text("alpha_01")
        turns = analysis.turns("alpha_01")
        assert list(turns["speaker"]) == ["interviewer", "participant", "interviewer", "participant"]
        first_answer = turns.iloc[1]
        assert text[first_answer["start"]:first_answer["end"]].startswith("I'm a sysadmin.")
        for row in analysis.hits.itertuples():
            assert analysis.text(row.transcript_id)[row.start:row.end] == row.matched_text


# ---------------------------------------------------------------- cut_quote: the one cut of a quote
TRANSCRIPT = ("Assistant: What do you check? Why?\n\nUser: I check the code. Then I check   the\ntests, "
              "and I check again!  Done.\n\nAssistant: Thanks. I check nothing.\n")


def turn_bounds_of(text: str) -> TurnBounds:
    """Three turns: the question, the answer (after "User: "), the thanks."""
    answer = text.index("I check the code")
    thanks = text.index("Assistant: Thanks")
    return TurnBounds([0, 1, 2], [0, answer, thanks], [text.index("\n\nUser"), thanks - 2, len(text)])


@pytest.mark.parametrize("word, occurrence, sentence", [
    ("code", 0, "I check the code."),
    ("tests", 0, "Then I check   the\ntests, and I check again!"),   # white space kept as it is
    ("Done", 0, "Done."),
])
def test_cut_quote_gives_the_exact_sentence_around_a_hit(word, occurrence, sentence):
    bounds = turn_bounds_of(TRANSCRIPT)
    start = _nth(TRANSCRIPT, word, occurrence)
    quote = cut_quote(TRANSCRIPT, bounds, 1, start, start + len(word))
    assert quote.of(TRANSCRIPT) == sentence
    assert TRANSCRIPT[quote.start:quote.end] == sentence and quote.start <= start < start + len(word) <= quote.end


def test_cut_quote_stays_inside_the_turn_of_the_hit():
    text = "Assistant: Do you check? User: I check it"   # no sentence end between the turns
    bounds = TurnBounds([0, 1], [0, text.index("I check")], [text.index(" User"), len(text)])
    start = text.index("check it")
    quote = cut_quote(text, bounds, 1, start, start + 5)
    assert quote.of(text) == "I check it" and (quote.turn_start, quote.turn_end) == (text.index("I check"), len(text))
    question = cut_quote(text, bounds, 0, text.index("check"), text.index("check") + 5)
    assert question.of(text) == "Assistant: Do you check?"


def test_cut_quote_of_an_unknown_turn_uses_the_whole_text():
    text = "One. Two three. Four."
    quote = cut_quote(text, TurnBounds([], [], []), 7, 9, 14)
    assert quote.of(text) == "Two three." and (quote.turn_start, quote.turn_end) == (0, len(text))


def test_a_word_twice_in_a_sentence_is_highlighted_where_it_was_matched():
    bounds = turn_bounds_of(TRANSCRIPT)
    second = _nth(TRANSCRIPT, "check", 3)   # "and I check again": the second "check" of its sentence
    quote = cut_quote(TRANSCRIPT, bounds, 1, second, second + 5)
    out = quote_html(TRANSCRIPT, quote, [Span(second, second + 5, "#ff0", "hit")])
    assert out.count("<mark") == 1
    assert out == ('Then I check   the<br>tests, and I <mark style="background:#ff0" title="hit">check</mark> '
                   "again!")


def test_the_quote_is_cut_the_same_on_masked_text():
    text = "User: Mail me at jane@acme.org please. I double check it."
    bounds = TurnBounds([0], [6], [len(text)])
    start = text.index("double")
    quote = cut_quote(text, bounds, 0, start, start + 6)
    masked = redactor(True)(text)
    assert len(masked) == len(text) and quote.of(masked) == quote.of(text) == "I double check it."


def _nth(text: str, word: str, n: int) -> int:
    at = -1
    for _ in range(n + 1):
        at = text.index(word, at + 1)
    return at
