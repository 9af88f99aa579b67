import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.engine.corpus import _WORD_BIT, _narrowest, _word_bounds, _word_ids, looked_up_codes
from core.engine.turn_table import ShardText
from core.ingest.text import words

LATIN_1 = "abcZ é'’ 1"
LATIN_EXTENDED = LATIN_1 + "ıœ"  # beyond one byte, and equal to "1" and "S" in their lowest byte
BMP = LATIN_1 + "ΣσςΟΛİ日"
ASTRAL = BMP + "\U00010400\U0001d400\U0001F600"  # a Deseret capital, a mathematical letter, an emoji


def word_ids_of(text: str) -> tuple[list[int], list[str]]:
    looked_up = looked_up_codes(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    begins, ends, in_word = _word_bounds(looked_up)
    ids, vocab = _word_ids(looked_up, begins, ends, in_word)
    return ids.tolist(), vocab


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([LATIN_1, LATIN_EXTENDED, BMP, ASTRAL])
       .flatmap(lambda letters: st.text(st.sampled_from(letters), max_size=50)))
def test_word_ids_number_the_words_in_order_of_first_use_whatever_their_characters_width(text):
    ids, vocab = word_ids_of(text)
    expected = words(text)
    first_use = list(dict.fromkeys(expected))
    assert vocab == ["", *first_use]
    assert ids == [first_use.index(word) + 1 for word in expected]


@pytest.mark.parametrize("text, width", [("it's a café", 1), ("ıt is 1 œ S", 2), ("Σίσυφος and ’tis", 2),
                                         ("\U0001d400bc d", 4)])
def test_words_are_hashed_in_the_fewest_bytes_that_hold_their_characters(text, width):
    looked_up = looked_up_codes(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32))
    top = int((looked_up[looked_up >= _WORD_BIT] & ~_WORD_BIT).max())
    assert _narrowest(top)[0] == width
    assert word_ids_of(text)[1][1:] == list(dict.fromkeys(words(text)))


def test_shard_text_holds_a_unit_per_character_and_cuts_spans_with_their_characters_beyond_the_bmp():
    texts = ["User: 😀 a𝐀b\nAI: q 👍🏽", "plain ’", "\U0001F600"]
    text = ShardText.of(texts)
    assert text.codes.dtype == np.uint16 and len(text.codes) == sum(map(len, texts)) + len(texts) + 1
    assert [chr(c) for c in text.astral_code] == ["😀", "𝐀", "👍", "🏽", "\U0001F600"]
    assert text.codes[text.astral_at].tolist() == [0xFFFF] * 5
    spans = [(0, 6, 11), (0, 17, 20), (1, 0, 7), (2, 0, 1)]  # from an emoji, to one, none, one alone
    points, offsets = text.segments(*map(np.array, zip(*spans)))
    assert points.tobytes().decode("utf-32-le") == "\n".join(texts[d][s:e] for d, s, e in spans)
    assert offsets.tolist() == [0, 6, 10, 18]
