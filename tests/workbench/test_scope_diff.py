"""A scope edit that only adds turns (participant -> all) is previewed from the added hits beside the saved ones,
never merged into one table, and gives the diff (and the rows agreement reads) a fresh run of the edit gives."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pandas as pd
import pytest
from support import ROOT

from core import analyse, load_codebook
from core.engine import rescore, widened_scope
from core.engine.added_roles import with_scope
from core.engine.rescore import CachedCorpus
from core.workbench import diff
from core.workbench.diff import SENTENCES, diff_scores, fill_sentences, scored_preview

DEMO = ROOT / "data" / "demo"


def scored(codebook):
    return analyse([DEMO], codebook=codebook, use_cache=False, workers=1)


@lru_cache(maxsize=4)
def saved(min_hits: float = 1, weight: float = 1):
    """The demo corpus scored (scope: participant) with every theme's `min_hits` and its first term's `weight`."""
    codebook = load_codebook(ROOT / "config" / "codebook.yaml")
    themes = tuple(replace(theme, terms=(replace(theme.terms[0], weight=weight), *theme.terms[1:]))
                   for theme in codebook.themes)
    analysis = scored(replace(codebook, themes=themes, settings=replace(codebook.settings, min_hits=min_hits)))
    return CachedCorpus.of(analysis), analysis


def no_merged_table(monkeypatch):
    monkeypatch.setattr(rescore, "tables_with_added_turns", lambda *_, **__: pytest.fail("merged the hits"))
    monkeypatch.setattr(CachedCorpus, "score", lambda *_, **__: pytest.fail("scored whole tables"))


def assert_same_diff(quick, full):
    for name in ("themes", "occupations", "gained", "lost"):
        pd.testing.assert_frame_equal(getattr(quick, name), getattr(full, name), check_dtype=False, obj=name)


@pytest.mark.parametrize("min_hits, weight, listed", [(1, 1, 1_000), (2, 1, 1_000), (2, 0.3, 1_000), (1, 1, 7)])
def test_a_widened_scope_previews_as_a_fresh_run_without_merging_the_hits(min_hits, weight, listed, monkeypatch):
    """min_hits 2: saved hits of pairs raised only by added ones are gained; weight 0.3 (each theme's first
    term): sums whose order matters; 7 listed: only the first quotes of the first transcripts are taken as rows."""
    corpus, before = saved(min_hits, weight)
    monkeypatch.setattr(diff, "LISTED", listed)
    codebook = with_scope(before.codebook, "all")
    after = scored(codebook)
    full = diff_scores(before, after)
    for table in (full.gained, full.lost):
        fill_sentences(table, corpus.texts, limit=SENTENCES)
    no_merged_table(monkeypatch)
    quick, edited = scored_preview(corpus, before, codebook)
    assert quick.quotes_gained > 50 and quick.quotes_lost == 0 and len(quick.gained) == min(listed, quick.quotes_gained)
    assert_same_diff(quick, full)
    presence = ["transcript_id", "theme", "hits", "score", "present"]  # hits per 1,000 words left out (see `changes`)
    pd.testing.assert_frame_equal(edited.themes_of(before, after.transcripts["transcript_id"])[presence],
                                  after.themes[presence])


def test_saved_hits_of_pairs_the_added_ones_raise_are_among_the_quotes_gained(monkeypatch):
    corpus, before = saved(min_hits=2)
    widened = widened_scope.widened_scope(corpus, with_scope(before.codebook, "all"), before)
    assert widened is not None
    raised = widened.themes[widened.themes["present"] == 1].merge(
        before.themes[before.themes["present"] == 0], on=["transcript_id", "theme"])
    with_saved_hits = raised.merge(before.hits, on=["transcript_id", "theme"])
    assert len(with_saved_hits) > 0  # the case the parametrized test above relies on


def test_a_scope_dropping_the_kept_turns_is_not_a_widening():
    corpus, before = saved()
    assert widened_scope.widened_scope(corpus, with_scope(before.codebook, "interviewer"), before) is None
    assert widened_scope.widened_scope(corpus, before.codebook, before) is None
