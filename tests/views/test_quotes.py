from core import analyse
from core.views.quotes import Span, highlight_html, paragraphs_html, sentence_bounds

from support import DATA


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
