from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.codebook.model import Codebook, parse_codebook
from core.engine.corpus import SpeakerConfig, build_shard
from core.engine.lexicon import inflections
from core.engine.matcher import VocabularyMatcher, Wanted, find_matches
from core.engine.term_index import TermIndex
from core.ingest.loaders import LoadReport, RawTranscript
from core.ingest.text import words

SPEAKERS = SpeakerConfig(("AI",), ("User",), ("participant",))


def codebook_with(terms_yaml: str, settings: str = ""):
    return parse_codebook(f"name: t\n{settings}themes:\n- id: t\n  label: T\n  description: d\n"
                          f"  terms: {terms_yaml}\n")


def matched_words(terms_yaml: str, text: str, settings: str = "") -> list[str]:
    """The text of every match of the terms in a one-turn participant transcript."""
    book = codebook_with(terms_yaml, settings)
    index = TermIndex(book)
    raw = RawTranscript("x", "User: " + text, "mem")
    shard = build_shard([raw], SPEAKERS, LoadReport())
    matches = find_matches(shard, index, VocabularyMatcher(index))
    out = []
    for token, length in zip(matches["token"], matches["length"]):
        start = shard.token_start[token]
        last = token + length - 1
        out.append(raw.text[start:shard.token_start[last] + len(shard.vocab[shard.token_word[last]])])
    return out


@pytest.mark.parametrize("term, text, expected", [
    ("deprecated", "it used a depreciated call", []),  # a real word: a typo only on the allow list
    ("{term: deprecated, allow: [depreciated]}", "it used a depreciated call", ["depreciated"]),
    ("schedule", "scheduling and schedules", ["scheduling", "schedules"]),
    ("tone", "one of them", []),
    ("fear", "far away", []),
    ("misinformation", "the information", []),
    ("art", "I started an art project", ["art"]),
    ("study", "two studies", ["studies"]),
    ("plan", "planning ahead", ["planning"]),
    ("hallucinate", "it hallucinates and halucinated", ["hallucinates", "halucinated"]),
])
def test_word_rules(term, text, expected):
    assert matched_words(f"[{term}]", text) == expected


def test_phrases_match_word_by_word_in_order_with_inflections():
    assert matched_words("[double check]", "I double-check. I doubled checks. Check double.") == \
        ["double-check", "doubled checks"]


def test_phrase_never_spans_two_turns():
    book = codebook_with("[double check]")
    index = TermIndex(book)
    raw = RawTranscript("x", "User: I double\nAI: check\nUser: double check", "mem")
    shard = build_shard([raw], SpeakerConfig(("AI",), ("User",), ("participant", "interviewer")), LoadReport())
    assert len(find_matches(shard, index, VocabularyMatcher(index))) == 1


def test_exact_terms_match_only_themselves():
    assert matched_words("[{term: AI, exact: true}]", "AI, ai and AIs") == ["AI", "ai"]


def test_allow_and_deny_lists():
    assert matched_words("[{term: deprecated, deny: [depreciated], allow: [obsolete]}]",
                         "depreciated deprecated obsolete") == ["deprecated", "obsolete"]


def test_glob_prefix():
    assert matched_words("[automat*]", "automation, automated, auto") == ["automation", "automated"]


def test_threshold_controls_typos():
    assert matched_words("[deprecated]", "depreceated", settings="settings: {threshold: 96}\n") == []
    assert matched_words("[deprecated]", "depreceated", settings="settings: {threshold: 95}\n") == ["depreceated"]


def test_inflections_are_inflections_only():
    assert "planes" not in inflections("plan") and "coding" in inflections("code")
    assert "image" not in inflections("imaging")  # a term in -ing does not match its bare verb


# ---------------------------------------------------------------- property: fast == slow reference
POOL = ["deprecated", "depreciated", "deprecate", "schedule", "scheduling", "tone", "one", "fear", "far",
        "art", "started", "trust", "fund", "information", "misinformation", "double", "check", "ai",
        "automation", "automate", "the", "plan", "planning", "plans", "checked", "informations"]


def reference_matches(book, text: str) -> set:
    """Obviously correct: every turn, every position, every term, every word via WordRule.similarity."""
    index = TermIndex(book)
    found = set()
    from core.ingest.turns import speaker_pattern, split_turns
    turns = split_turns(text, speaker_pattern(("AI",), ("User",)), ("User",))
    for turn_no, turn in enumerate(turns):
        if turn.role != "participant":
            continue
        turn_words = words(text[turn.start:turn.end])
        for pos in range(len(turn_words)):
            for entry_no, entry in enumerate(index.entries):
                sims = [index.rules[slot].similarity(turn_words[pos + k]) if pos + k < len(turn_words) else None
                        for k, slot in enumerate(entry.slots)]
                if all(s is not None for s in sims):
                    found.add((turn_no, pos, entry_no, round(min(sims), 3)))
    return found


def fast_matches(book, text: str) -> set:
    index = TermIndex(book)
    shard = build_shard([RawTranscript("x", text, "mem")], SpeakerConfig(("AI",), ("User",), ("participant",)),
                        LoadReport())
    matches = find_matches(shard, index, VocabularyMatcher(index))
    out = set()
    for token, entry, sim in zip(matches["token"], matches["entry"], matches["similarity"]):
        turn = int((shard.turn_token_start <= token).sum() - 1)
        out.add((turn, int(token - shard.turn_token_start[turn]), int(entry), round(float(sim), 3)))
    return out


term_strategy = st.tuples(st.lists(st.sampled_from(POOL), min_size=1, max_size=3), st.booleans(),
                          st.booleans(), st.sampled_from([80, 85, 88, 92]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=st.lists(term_strategy, min_size=1, max_size=5),
       turns=st.lists(st.tuples(st.sampled_from(["User", "AI"]),
                                st.lists(st.sampled_from(POOL + [",", "."]), max_size=12)), min_size=1, max_size=4))
def test_fast_matcher_finds_exactly_what_the_reference_finds(terms, turns):
    book = codebook_of(terms)
    text = "\n".join(f"{speaker}: " + " ".join(ws) for speaker, ws in turns)
    assert fast_matches(book, text) == reference_matches(book, text)


def codebook_of(terms: list) -> Codebook:
    """A one-theme codebook of `term_strategy` terms."""
    lines = []
    for term_words, exact, glob, threshold in terms:
        text = " ".join(term_words) + ("*" if glob and not exact else "")
        lines.append(f"{{term: '{text}', exact: {str(exact).lower()}, threshold: {threshold}}}")
    return codebook_with("[" + ", ".join(lines) + "]")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=st.lists(term_strategy, min_size=1, max_size=5),
       transcripts=st.lists(st.lists(st.lists(st.sampled_from(POOL + [",", "."]), max_size=8), min_size=1, max_size=3),
                            min_size=1, max_size=3),
       data=st.data())
def test_looking_only_where_wanted_finds_what_looking_everywhere_finds_there(terms, transcripts, data):
    """A partial scoring's `Wanted` (each entry's row, and the turns each row wants) gives exactly the matches
    of a whole search that stand in a turn their entry's row wants."""
    index = TermIndex(codebook_of(terms))
    raws = [RawTranscript(f"t{n}", "\n".join(f"User: {' '.join(said)}" for said in turns), "mem")
            for n, turns in enumerate(transcripts)]
    shard = build_shard(raws, SPEAKERS, LoadReport())
    rows = data.draw(st.lists(st.integers(0, 2), min_size=len(index.entries), max_size=len(index.entries)))
    turns = len(shard.turn_doc)
    wanted = Wanted(np.array(rows, dtype=np.int64), np.array(data.draw(st.lists(
        st.lists(st.booleans(), min_size=turns, max_size=turns), min_size=3, max_size=3)), dtype=bool))
    everywhere = find_matches(shard, index, VocabularyMatcher(index))
    turn = np.searchsorted(shard.turn_token_start, everywhere["token"], side="right") - 1
    expected = everywhere[wanted.turns[wanted.row_of_entry[everywhere["entry"]], turn]]
    found = find_matches(shard, index, VocabularyMatcher(index), wanted)
    assert sorted(map(tuple, found.values.tolist())) == sorted(map(tuple, expected.values.tolist()))


# ---------------------------------------------------------------- the hits' texts, from the shard's code points
WORDS_OF_EVERY_WIDTH = st.sampled_from(["plan", "café", "naïve", "日本語", "emoji😀ok", "ÅRET", "it’s", "x", "\t"])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(["User", "AI"]), st.lists(WORDS_OF_EVERY_WIDTH, max_size=6)),
                         min_size=1, max_size=3), min_size=1, max_size=3))
def test_span_texts_from_code_points_are_the_texts_slices(transcripts):
    """A built shard reads its tokens' spans from the code points it tokenized (one, two, three and four byte
    UTF-8 characters): the same strings as slicing the texts, which a shard from the cache does."""
    texts = ["\n".join(f"{speaker}: " + " ".join(words) for speaker, words in turns) for turns in transcripts]
    shard = build_shard([RawTranscript(f"t{i}", text, "mem") for i, text in enumerate(texts)],
                        SpeakerConfig(("AI",), ("User",), ("interviewer", "participant")), LoadReport())
    tokens = np.flatnonzero(shard.token_word)  # every word; a span from each to the end of the next word
    turn = np.searchsorted(shard.turn_token_start, tokens, side="right") - 1
    last = np.where(shard.token_word[tokens + 1] > 0, tokens + 1, tokens)
    start = shard.token_start[tokens]
    end = shard.token_start[last] + shard.word_length[shard.token_word[last]]
    doc = shard.turn_doc[turn]
    assert shard.turn_codes is not None
    expected = [texts[d][s:e] for d, s, e in zip(doc.tolist(), start.tolist(), end.tolist())]
    assert shard.span_texts(doc, turn, start, end).to_pylist() == expected
    assert replace(shard, turn_codes=None).span_texts(doc, turn, start, end).to_pylist() == expected
