"""A scope edit that reads turns the kept shards never tokenized is scored from the kept shards (only the added
turns tokenized, from the kept texts) and gives exactly what a fresh run of the edited codebook gives."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from support import ROOT

from core import analyse, load_codebook, parse_codebook
from core.engine import added_tokens, rescore
from core.engine.added_roles import RoleTurnScorer, TurnScores, with_scope
from core.engine.corpus import build_shard, with_roles_tokenized
from core.engine.executor import LocalProcesses
from core.engine.rescore import CachedCorpus
from core.engine.shard_jobs import speakers_for
from core.ingest.loaders import LoadReport, RawTranscript
from core.workbench import diff
from core.workbench.diff import SENTENCES, diff_scores, fill_sentences, preview

DEMO = ROOT / "data" / "demo"
TABLES = ("transcripts", "themes", "hits", "cancelled")


@lru_cache(maxsize=1)
def saved():
    """The demo corpus scored with the default codebook (scope: participant), its shards kept in memory."""
    analysis = analyse([DEMO], codebook=load_codebook(ROOT / "config" / "codebook.yaml"), use_cache=False, workers=1)
    return CachedCorpus.of(analysis), analysis


def fresh(codebook):
    return analyse([DEMO], codebook=codebook, use_cache=False, workers=1)


def assert_same_tables(quick, full):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(quick, name).reset_index(drop=True), getattr(full, name), obj=name)


def no_file_reading(monkeypatch):
    monkeypatch.setattr(rescore, "analyse", lambda *a, **k: pytest.fail("the edit read the files again"))


@pytest.mark.parametrize("scope", ["all", "interviewer"])
def test_a_scope_edit_scores_the_added_turns_from_the_kept_shards_as_a_fresh_run_does(scope, monkeypatch):
    corpus, before = saved()
    codebook = with_scope(before.codebook, scope)
    expected = fresh(codebook)
    assert (expected.hits["speaker"] == "interviewer").sum() > 50  # the added turns hold hits, negated ones too
    no_file_reading(monkeypatch)
    assert_same_tables(corpus.score(codebook, base=before), expected)


def test_a_scope_edit_with_a_term_edit_beside_it_equals_a_fresh_run(monkeypatch):
    corpus, before = saved()
    text = before.codebook.text.replace("scope: participant", "scope: all", 1)
    assert text != before.codebook.text
    theme = before.codebook.themes[0]
    text = text.replace(f"id: {theme.id}\n", f"id: {theme.id}\n    min_hits: 2\n", 1)
    codebook = parse_codebook(text.replace("threshold: 88", "threshold: 84", 1))
    expected = fresh(codebook)
    no_file_reading(monkeypatch)
    assert_same_tables(corpus.score(codebook, base=before), expected)


def test_workers_score_the_added_turns_as_this_process_does(monkeypatch):
    corpus, before = saved()
    monkeypatch.setattr(rescore, "PARALLEL_SHARDS", 1)
    codebook = with_scope(before.codebook, "all")
    with LocalProcesses(2) as pool:
        pooled = CachedCorpus.of(before, executor=pool).score(codebook, base=before)
    assert_same_tables(pooled, fresh(codebook))


@pytest.mark.parametrize("scope", ["all", "interviewer"])
def test_the_preview_of_a_scope_edit_compares_only_the_pairs_it_changes_as_a_fresh_run_would(scope, monkeypatch):
    corpus, before = saved()
    codebook = with_scope(before.codebook, scope)
    full = diff_scores(before, fresh(codebook))
    for table in (full.gained, full.lost):
        fill_sentences(table, corpus.texts, limit=SENTENCES)  # as many as a preview cuts
    no_file_reading(monkeypatch)
    monkeypatch.setattr(CachedCorpus, "score", lambda *_, **__: pytest.fail("the preview made whole tables"))
    quick = preview(corpus, before, codebook)
    assert quick.quotes_gained > 50 and (quick.quotes_lost == 0) == (scope == "all")
    for name in ("themes", "occupations", "gained", "lost"):
        pd.testing.assert_frame_equal(getattr(quick, name), getattr(full, name), check_dtype=False)


def test_back_from_all_to_participant_is_scored_from_the_kept_tokens(monkeypatch):
    """Shards kept by a scope: all run hold every turn's tokens: scope participant needs none tokenized."""
    wide = with_scope(load_codebook(ROOT / "config" / "codebook.yaml"), "all")
    before = fresh(wide)
    corpus = CachedCorpus.of(before)
    codebook = with_scope(wide, "participant")
    expected = fresh(codebook)
    no_file_reading(monkeypatch)
    monkeypatch.setattr(rescore.RoleTurnScorer, "score", lambda *_: pytest.fail("tokenized turns again"))
    assert_same_tables(corpus.score(codebook, base=before), expected)


def test_new_speaker_labels_with_another_edit_split_the_turns_again_from_the_files(monkeypatch):
    """(New labels alone split again only the transcripts holding a changed one: tests/engine/test_relabelled.py.)"""
    corpus, before = saved()
    labels = before.codebook.settings.participant_labels
    codebook = replace(before.codebook, settings=replace(before.codebook.settings, participant_labels=labels[:1],
                                                         min_hits=2))
    called = []
    monkeypatch.setattr(rescore, "analyse", lambda *a, **k: called.append(k["codebook"]) or before)
    corpus.score(codebook, base=before)
    assert called == [codebook]


def test_a_theme_listing_one_term_twice_with_two_weights_is_scored_from_the_files(monkeypatch):
    """Which of the two weights a hit carries depends on which entry matched: the hits table cannot tell."""
    corpus, before = saved()
    theme = before.codebook.themes[0]
    twice = replace(theme, terms=(*theme.terms, replace(theme.terms[0], weight=theme.terms[0].weight + 1)))
    codebook = with_scope(replace(before.codebook, themes=(twice, *before.codebook.themes[1:])), "all")
    called = []
    monkeypatch.setattr(rescore, "analyse", lambda *a, **k: called.append(k["codebook"]) or before)
    corpus.score(codebook, base=before)
    assert called == [codebook]


def test_turns_tokenized_from_a_kept_shard_are_those_a_build_tokenizes():
    corpus, before = saved()
    kept = corpus.shards[0]
    speakers = replace(speakers_for(before.codebook), roles=("interviewer",))
    raw = [RawTranscript(transcript_id=i, text=kept.texts[d], source=kept.sources[d], attributes=kept.attributes[d])
           for d, i in enumerate(kept.ids)]
    built, again = build_shard(raw, speakers, LoadReport()), with_roles_tokenized(kept, ("interviewer",))
    for name in ("turn_doc", "turn_number", "turn_role", "turn_start", "turn_end", "turn_token_start", "token_start"):
        assert (getattr(built, name) == getattr(again, name)).all(), name
    assert [built.vocab[w] for w in built.token_word] == [again.vocab[w] for w in again.token_word]
    assert len(again.token_word) > len(kept.turn_doc) * 2  # interviewer words, not only turn breaks


def test_turns_tokenized_again_keep_their_offsets_past_emoji_and_accents():
    text = ("Interviewer: Caf\u00e9 \U0001F600 d\u00e9j\u00e0-vu? Tell me \u2019bout it.\n"
            "User: \u6f22\u5b57 and na\u00efve \U0001F680 words\nInterviewer: N\u00e9e \U0001F600\U0001F600 ok")
    raw = [RawTranscript("t1", text, "x.txt"), RawTranscript("t2", "User: only me", "y.txt")]
    speakers = speakers_for(load_codebook(ROOT / "config" / "codebook.yaml"))
    kept = build_shard(raw, speakers, LoadReport())
    built = build_shard(raw, replace(speakers, roles=("interviewer",)), LoadReport())
    again = with_roles_tokenized(kept, ("interviewer",))
    assert (built.token_start == again.token_start).all() and (built.turn_token_start == again.turn_token_start).all()
    words = [again.vocab[w] for w in again.token_word if w]
    assert words == [built.vocab[w] for w in built.token_word if w] and "d\u00e9j\u00e0" in words
    starts = again.token_start[again.token_word > 0]
    first_two = [text[start:start + len(word)].lower() for start, word in zip(starts, words)][:2]
    assert first_two == ["caf\u00e9", "d\u00e9j\u00e0"]


def test_a_later_scope_edit_reads_the_added_turns_kept_by_the_first_and_still_equals_a_fresh_run(monkeypatch):
    corpus, before = saved()
    corpus.score(with_scope(before.codebook, "all"), base=before)  # keeps the interviewer's tokens
    assert list(corpus.folder.glob("shard-*.tokens-interviewer-*.arrays"))
    codebook = with_scope(before.codebook, "interviewer")
    expected = fresh(codebook)
    no_file_reading(monkeypatch)
    monkeypatch.setattr(added_tokens, "with_roles_tokenized", lambda *_: pytest.fail("tokenized the turns again"))
    assert_same_tables(corpus.score(codebook, base=before), expected)


def test_the_added_hits_carry_their_transcripts_place_in_the_corpus_and_their_themes_place_in_the_codebook():
    corpus, before = saved()
    negating = tuple(replace(theme, negation=True) for theme in before.codebook.themes)  # some hits cancelled
    codebook = with_scope(replace(before.codebook, themes=negating), "all")
    turns = RoleTurnScorer.of(codebook, ("participant",))
    shards = corpus.shards * 2  # as a corpus of twice as many shards: each one's transcripts after the last's
    both = TurnScores.concat([turns.score(with_roles_tokenized(shard, ("interviewer",))) for shard in shards])
    ids = [transcript for shard in shards for transcript in shard.ids]
    assert len(both.hits) > 100 and len(both.cancelled) > 0
    for table, pairs in ((both.hits, both.hit_pairs), (both.cancelled, both.cancelled_pairs)):
        assert (np.array(ids)[pairs.transcript] == table["transcript_id"].to_numpy()).all()
        assert (np.array(codebook.theme_ids)[pairs.theme] == table["theme"].to_numpy()).all()
        assert (pairs.transcript[len(table) // 2:] >= len(ids) // 2).all()


def test_the_scope_previews_diff_matches_hits_by_their_pair_numbers_as_by_their_names(monkeypatch):
    """Scope interviewer (scope all matches no hits at all: `tests/workbench/test_scope_diff.py`)."""
    corpus, before = saved()
    codebook = with_scope(before.codebook, "interviewer")
    corpus.once_per_base(before, "theme counts", lambda: diff.theme_counts(before))  # what every preview reuses
    with monkeypatch.context() as names_only:
        names_only.setattr(CachedCorpus, "hit_pair_keys", lambda *_: None)
        by_names = preview(corpus, before, codebook)
    monkeypatch.setattr(diff, "raising_rows", lambda *_: pytest.fail("looked the hits' names up"))
    by_numbers = preview(corpus, before, codebook)
    assert by_numbers.quotes_gained > 50
    for name in ("themes", "occupations", "gained", "lost"):
        pd.testing.assert_frame_equal(getattr(by_numbers, name), getattr(by_names, name))
