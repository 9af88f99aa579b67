"""core.views.search: full-text search over the participants' words, as keyword-in-context."""
from __future__ import annotations

import re

import numpy as np
import pytest
from support import ROOT

from core import analyse
from core.views.search import TextIndex, in_context, parse_query

TRANSCRIPTS = {
    "a.txt": "AI: Any deadlines?\nUser: Deadlines everywhere. One deadline a week, and hallucinations.\n"
             "AI: Human in the\nUser: loop, you mean? I keep a human in the loop. I don’t trust it.\n",
    "b.txt": "AI: Tell me about deadlines and hallucinate.\nUser: I organized my week, nothing else.\n",
    "c.txt": "User: The model will hallucinate; a deadline slipped. Reserch matters.\n",
}


@pytest.fixture(scope="module")
def index(tiny_codebook, tmp_path_factory):
    folder = tmp_path_factory.mktemp("search")
    for name, text in TRANSCRIPTS.items():
        (folder / name).write_text(text)
    analysis = analyse([folder], codebook=tiny_codebook, use_cache=False, workers=1)
    return TextIndex(analysis.store), analysis


def _found(index, query):
    text_index, analysis = index
    found = text_index.search(query)
    return [(row.transcript_id, analysis.text(row.transcript_id)[row.start:row.end])
            for row in found.matches.itertuples()]


def test_a_word_finds_its_inflections_in_the_participants_words_only(index):
    assert _found(index, "deadline") == [("a", "Deadlines"), ("a", "deadline"), ("c", "deadline")]
    assert _found(index, '"deadline"') == [("a", "deadline"), ("c", "deadline")]  # quoted: this very word


def test_spelling_variants_and_prefixes(index):
    assert _found(index, "organise") == [("b", "organized")]
    assert _found(index, "hallucinat*") == [("a", "hallucinations"), ("c", "hallucinate")]


def test_a_phrase_is_found_within_a_turn_never_across_turns(index):
    assert _found(index, '"human in the loop"') == [("a", "human in the loop")]


def test_every_term_must_be_said_in_a_transcript(index):
    assert {t for t, _ in _found(index, "deadline hallucinat*")} == {"a", "c"}
    assert _found(index, "deadline organise") == []


def test_typographic_apostrophes_are_folded(index):
    assert _found(index, "don't") == [("a", "don’t")]


@pytest.mark.parametrize("query", ["", "   ", "!!! ???", '"', "*", "\x00", "a" * 10_000, "x " * 5_000])
def test_any_query_gives_an_answer(index, query):
    found = index[0].search(query)
    assert len(found.terms) <= 8 and list(found.matches.columns)[:4] == ["transcript_id", "turn", "start", "end"]


def test_parse_query_keeps_phrases_prefixes_and_words():
    terms = parse_query('AI-assisted "Human  In the loop" code*')
    assert [t.words for t in terms] == [("ai", "assisted"), ("human", "in", "the", "loop"), ("code",)]
    assert [t.prefix for t in terms] == [False, False, True] and [t.forms for t in terms] == [False, False, False]


def test_context_stays_in_the_turn():
    text = "AI: Why?\nUser: Because of a deadline next week.\nAI: Thanks."
    start = text.index("deadline")
    left, match, right = in_context(text, start, start + 8, within=(15, text.index("\nAI: Thanks")))
    assert (left, match, right) == ("Because of a ", "deadline", " next week.")


def test_counts_agree_with_a_regex_over_participant_turns(default_codebook):
    """On the shipped demo data: every exact word search equals a plain regex count over participant turns."""
    analysis = analyse([ROOT / "data" / "demo"], codebook=default_codebook, use_cache=False, workers=1)
    text_index = TextIndex(analysis.store)
    for word in ("data", "time", "team", "students", "client"):
        expected = 0
        for transcript_id in analysis.transcripts["transcript_id"]:
            text = analysis.text(transcript_id)
            for turn in analysis.store.turns(transcript_id).itertuples():
                if turn.speaker == "participant":
                    expected += len(re.findall(rf"(?<![\w']){word}(?![\w'])", text[turn.start:turn.end], re.I))
        assert len(text_index.search(f'"{word}"').matches) == expected, word


def test_a_shard_whose_vocabulary_lacks_a_term_has_no_token_read(tiny_codebook, tmp_path, monkeypatch):
    """Vocabularies first: a shard without every term's words can hold no transcript saying every term, so its
    token arrays (most of what a search reads) are never touched."""
    from core.engine import pipeline

    monkeypatch.setattr(pipeline, "SHARD_SIZE", 1)  # a shard per transcript
    for name, text in TRANSCRIPTS.items():
        (tmp_path / name).write_text(text)
    analysis = analyse([tmp_path], codebook=tiny_codebook, use_cache=False, workers=1)
    text_index = TextIndex(analysis.store)
    shards = text_index._all_shards()
    assert len(shards) == 3
    without = {shard.number for shard in shards if "everywhere" not in shard.vocab.to_pylist()}
    assert len(without) == 2
    read, tokens_of = [], analysis.store.shard_tokens
    monkeypatch.setattr(analysis.store, "shard_tokens", lambda number: read.append(number) or tokens_of(number))
    assert [row.transcript_id for row in text_index.search("everywhere deadline").matches.itertuples()] == ["a"] * 3
    assert text_index.search("zzzqx").matches.empty
    assert len(read) == 1 and not without & set(read)  # neither read nor checked: only the one shard's tokens


@pytest.mark.parametrize("words", [b"nice\ni\ncaf\xc3\xa9\n\xe6\x97\xa5\xe6\x9c\xac\n", b"", b"ok\n\xed\xa0\x80x\nz"])
def test_a_vocabulary_is_its_words_and_their_lengths_in_characters(words):
    """Made over the bytes (newlines left out), or decoded when they are not UTF-8 (a lone surrogate, one code
    point of the text: its length counts the bytes that start a character)."""
    from core.views.search import _decoded_vocabulary, _vocabulary

    vocab, lengths = _vocabulary(np.frombuffer(words, np.uint8))
    expected = words.decode("utf-8", errors="replace").split("\n")
    characters = [sum((byte & 0xC0) != 0x80 for byte in word) for word in words.split(b"\n")]
    assert vocab.to_pylist() == expected and lengths.tolist() == characters
    decoded = _decoded_vocabulary(np.frombuffer(words, np.uint8))
    assert decoded[0].to_pylist() == expected and decoded[1].tolist() == characters
