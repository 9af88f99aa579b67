import numpy as np
import pytest

from core.ingest.text import lower_same_length, repair_text, word_spans, words


def test_repair_undoes_utf8_read_as_windows_1252():
    assert repair_text("no right or wrong answers â€“ we") == "no right or wrong answers – we"
    assert repair_text("itâ€™s") == "it’s"


@pytest.mark.parametrize("text", ["no right or wrong answers â€“ we", "itâ€™s", "Crème brûlée – fine\r\nnext",
                                  "Ã©tÃ© â€œquotedâ€\ufeff", "plain"])
def test_repair_given_the_texts_bytes_repairs_the_same(text):
    """The bytes only rule out mojibake quickly (no 0xC3 byte, no lead character): the result is the same."""
    assert repair_text(text, text.encode("utf-8")) == repair_text(text)


def test_repair_leaves_clean_text_alone_and_normalises_line_ends():
    assert repair_text("Crème brûlée – fine\r\nnext") == "Crème brûlée – fine\nnext"


@pytest.mark.parametrize("text, expected", [
    ("Fact-check it, don’t guess", ["fact", "check", "it", "don't", "guess"]),
    ("Office 365 and GPT-4o", ["office", "365", "and", "gpt", "4o"]),
    ("snake_case words", ["snake", "case", "words"]),
])
def test_words_are_lower_case_and_split_on_punctuation(text, expected):
    assert words(text) == expected


def test_word_spans_point_at_the_words():
    text = "Hello, wide World"
    assert [text[s:e] for s, e in word_spans(text)] == ["Hello", "wide", "World"]


def test_lower_same_length_keeps_offsets_for_unusual_letters():
    text = "İstanbul IT"
    assert len(lower_same_length(text)) == len(text)
    assert lower_same_length(text).endswith("it")


from hypothesis import given, settings
from hypothesis import strategies as st

from core.engine.corpus import word_bounds
from core.ingest.text import WORD


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 '’_-.\nÉéİ日本ß\u0301\u00a0")), max_size=60))
def test_vectorised_word_bounds_agree_with_the_regex(text):
    normal = lower_same_length(text).replace("’", "'")
    begins, ends = word_bounds(text)
    assert [normal[b:e] for b, e in zip(begins, ends)] == WORD.findall(normal)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ İıΣσςΟΛΓ’'-ẞßǅ\U00010400\U0001F600\n")), max_size=40))
def test_normalised_code_points_are_lower_same_length_with_plain_apostrophes(text):
    from core.engine.corpus import normalise
    codes, is_word = normalise(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    normal = lower_same_length(text).replace("’", "'")
    assert codes.tobytes().decode("utf-32-le") == normal
    assert is_word.tolist() == [ch.isalnum() for ch in normal]
