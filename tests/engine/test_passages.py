"""The engine cuts every hit's passage while it scores (core.engine.passages): the same passage the views cut
from the text before (the old `core.views.quotes.cut_quote`, kept here verbatim as the oracle)."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import PUBLIC_DATA, ROOT, needs_public_data

from core import analyse
from core.engine.cache import RESULTS_FORMAT
from core.engine.corpus import word_bounds
from core.engine.passages import SentenceEnds, passage_of
from core.engine.shard_cache import load_shard

# ---------------------------------------------------------------- the old cut, as the views had it
_OLD_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n\s*\n")


def old_cut(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    begin = lo
    for match in _OLD_SENTENCE_END.finditer(text, lo, start):
        begin = match.end()
    finish = hi
    following = _OLD_SENTENCE_END.search(text, end, hi)
    if following:
        finish = following.start() + len(following.group().rstrip())
    finish = max(finish, end)
    fragment = text[begin:finish]
    trimmed = begin + len(fragment) - len(fragment.lstrip())
    trimmed_end = max(trimmed, begin + len(fragment.rstrip()))
    return min(trimmed, start), max(trimmed_end, end)


def shard_passages(texts, turn_doc, turn_start, turn_end, turn, start, end):
    """The engine's passages of hits (their turn, start, end): the sentence ends of the turns holding them,
    found in their texts, then each hit's cut."""
    sentences = SentenceEnds.of_texts(texts, turn_doc, turn_start, turn_end, np.unique(turn))
    return sentences.passages(turn_start, turn_end, turn, start, end)


# Text made of what decides a sentence: words, sentence punctuation, closing quotes and brackets, spaces, tabs,
# line breaks (blank lines), unicode white space and characters outside the BMP.
PIECES = st.sampled_from(["I", "like", "it", "don't", "AI", "x2", ".", "!", "?", "...", "?!", "\"", "'", "”",
                          "’", ")", "]", "(", " ", " ", "  ", "\t", "\n", "\n\n", "\n \n", "\u00a0", "\u2003",
                          ",", ":", "é", "😀", "Dr.", "e.g.", "3.5", "\r\n", "\x0b", "\x1c", "\u2028", "\x85",
                          "\0"])
TEXTS = st.lists(PIECES, min_size=1, max_size=80).map("".join)


def turns_of(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    """Turns as the engine makes them: [start, end) spans, white space trimmed at the end."""
    edges = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    turns = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        hi = lo + len(text[lo:hi].rstrip())
        if hi > lo:
            turns.append((lo, hi))
    return turns


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(TEXTS, min_size=1, max_size=4), cuts=st.lists(st.integers(0, 400), max_size=4),
       picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=12), lengths=st.lists(st.integers(0, 3),
                                                                                          min_size=12, max_size=12))
def test_every_hit_gets_the_passage_the_views_cut(texts, cuts, picks, lengths):
    """Hits (one or more words, as the engine's) in turns of several transcripts: the engine's passages are
    the old cut's, hit for hit, and `passage_of` agrees on each."""
    turn_doc, turn_start, turn_end, hits = [], [], [], []
    for doc, text in enumerate(texts):
        for lo, hi in turns_of(text, cuts):
            turn_doc.append(doc), turn_start.append(lo), turn_end.append(hi)
            begins, ends = word_bounds(text[:hi])
            inside = np.flatnonzero(begins >= lo)
            for pick, length in zip(picks, lengths):
                if len(inside):
                    first = inside[pick % len(inside)]
                    last = inside[min(first - inside[0] + length, len(inside) - 1)]
                    hits.append((len(turn_doc) - 1, int(begins[first]), int(ends[max(first, last)])))
    if not hits:
        return
    turn, start, end = (np.array(column, dtype=np.int64) for column in zip(*hits))
    got = shard_passages(texts, np.array(turn_doc), np.array(turn_start), np.array(turn_end), turn, start, end)
    laid = line_joined(texts, turn_doc, turn_start, turn_end).passages(np.array(turn_start), np.array(turn_end),
                                                                       turn, start, end)
    assert all(np.array_equal(a, b) for a, b in zip(got, laid))
    for (t, s, e), passage_start, passage_end in zip(hits, *got):
        text, lo, hi = texts[turn_doc[t]], turn_start[t], turn_end[t]
        expected = old_cut(text, lo, hi, s, e)
        assert (int(passage_start), int(passage_end)) == expected, (text, lo, hi, s, e)
        assert passage_of(text, s, e, lo=lo, hi=hi) == expected


def line_joined(texts, turn_doc, turn_start, turn_end) -> SentenceEnds:
    """The sentence ends of the turns laid end to end with a line break between, as a shard built from texts
    has their code points (`TurnCodes`): the break must not join two turns' white space."""
    pieces = [texts[d][lo:hi] for d, lo, hi in zip(turn_doc, turn_start, turn_end)]
    codes = np.frombuffer("\n".join(pieces).encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    turn_at = np.cumsum([0] + [len(piece) + 1 for piece in pieces])[:-1]
    return SentenceEnds.of_codes(codes, turn_at, np.array(turn_end) - np.array(turn_start))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, data=st.data())
def test_one_cut_of_any_span_is_the_old_cut(text, data):
    """`passage_of` of any span (not only words: a marked passage, a form's occurrence) is the old cut."""
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    start = data.draw(st.integers(lo, hi))
    end = data.draw(st.integers(start, hi))
    assert passage_of(text, start, end, lo=lo, hi=hi) == old_cut(text, lo, hi, start, end)


def test_a_hit_a_sentence_end_runs_through_is_cut_the_old_way():
    """A phrase hit across a full stop ("trust. Fund") and hits in sentences ended by a blank line."""
    text = "We trust. Fund it now.\n\n  Then again  \n\nno!"
    hits = [(0, 3, 14), (0, 10, 14), (0, 27, 32), (0, 41, 43)]
    turn, start, end = (np.array(c) for c in zip(*hits))
    got = shard_passages([text], np.array([0]), np.array([0]), np.array([len(text)]), turn, start, end)
    assert [text[s:e] for s, e in zip(*got)] == ["We trust. Fund it now.", "Fund it now.", "Then again", "no!"]
    assert list(zip(*(a.tolist() for a in got))) == [old_cut(text, 0, len(text), s, e) for _, s, e in hits]


@pytest.mark.parametrize("closing", [1, 8, 9, 30])
def test_a_long_row_of_closing_quotes_still_ends_the_sentence(closing):
    """Closing quotes and brackets after a full stop are stepped over a few at a time, and a longer row
    than those few steps from the runs of closing characters: either way the old cut."""
    text = f"He said it. {chr(34) * 2}Fine.{')' * closing} I trust it.\n\nA blank line."
    hits = [(0, text.index(word), text.index(word) + len(word)) for word in ("He", "Fine", "trust", "blank")]
    turn, start, end = (np.array(c) for c in zip(*hits))
    got = shard_passages([text], np.array([0]), np.array([0]), np.array([len(text)]), turn, start, end)
    assert list(zip(*(a.tolist() for a in got))) == [old_cut(text, 0, len(text), s, e) for _, s, e in hits]
    assert text[got[0][2]:got[1][2]] == "I trust it."


def test_no_hits_no_passages():
    empty = np.zeros(0, dtype=np.int64)
    starts, ends = shard_passages(["Hi."], np.array([0]), np.array([0]), np.array([3]), empty, empty, empty)
    assert starts.dtype == np.int32 and len(starts) == len(ends) == 0


# ---------------------------------------------------------------- every hit of a scored corpus
def assert_every_hit_has_the_old_cut(analysis) -> int:
    """Every hit and cancelled hit of `analysis`: its passage and turn columns are the old cut's, from the
    transcript's text and turns. Returns how many hits were checked."""
    checked = 0
    for table in (analysis.hits, analysis.cancelled):
        for transcript_id, rows in table.groupby("transcript_id", sort=False):
            text, turns = analysis.text(transcript_id), analysis.turns(transcript_id).set_index("turn")
            for hit in rows.itertuples():
                lo, hi = int(turns.at[hit.turn, "start"]), int(turns.at[hit.turn, "end"])
                assert (hit.turn_start, hit.turn_end) == (lo, hi)
                assert (hit.passage_start, hit.passage_end) == old_cut(text, lo, hi, hit.start, hit.end), hit
                checked += 1
    return checked


def test_the_shipped_data_every_hit_as_before(default_codebook, tmp_path):
    analysis = analyse([ROOT / "data"], codebook=default_codebook, cache_dir=tmp_path)
    assert assert_every_hit_has_the_old_cut(analysis) == len(analysis.hits) + len(analysis.cancelled) > 100


@needs_public_data
def test_the_public_set_every_hit_as_before(default_codebook, tmp_path):
    analysis = analyse([PUBLIC_DATA], codebook=default_codebook, cache_dir=tmp_path)
    assert assert_every_hit_has_the_old_cut(analysis) > 40_000


def test_sentence_ends_are_kept_with_the_shard_and_read_back(default_codebook, tmp_path):
    """A shard's sentence ends are worked out once, kept in the cache with it and read back: the same as those
    worked out again from its texts (as for a shard cached before they were kept)."""
    analysis = analyse([ROOT / "data"], codebook=default_codebook, cache_dir=tmp_path)
    shard = load_shard(analysis.store.folder, 0)
    kept = shard.sentence_ends
    assert kept is not None and len(kept.run_start) > 100
    again = replace(shard, sentence_ends=None).sentences()
    words = np.flatnonzero(shard.token_word != 0)  # every word as a hit
    turn = np.searchsorted(shard.turn_token_start, words, side="right") - 1
    start = shard.token_start[words].astype(np.int64)
    end = start + shard.word_length[shard.token_word[words]]
    cut = [sentences.passages(shard.turn_start, shard.turn_end, turn, start, end) for sentences in (kept, again)]
    assert np.array_equal(cut[0][0], cut[1][0]) and np.array_equal(cut[0][1], cut[1][1])
    assert len(np.unique(cut[0][0])) > 100  # many sentences


def test_cached_results_of_an_older_format_are_computed_again(default_codebook, tmp_path):
    """Results cached before hits carried passages are never read as if they had them."""
    first = analyse([ROOT / "data" / "demo"], codebook=default_codebook, cache_dir=tmp_path)
    info_file = next((tmp_path / "results").glob("*/info.json"))
    info = json.loads(info_file.read_text())
    info_file.write_text(json.dumps({**info, "format": RESULTS_FORMAT - 1}))
    again = analyse([ROOT / "data" / "demo"], codebook=default_codebook, cache_dir=tmp_path)
    assert again.cached == "shards" and again.hits.equals(first.hits)
    assert "passage_start" in again.hits and json.loads(info_file.read_text())["format"] == RESULTS_FORMAT
