"""Suggestions learned from the labels, on a tiny synthetic corpus (tests/data/suggest): four transcripts
coded present for `speed` say "deadline" and "turnaround time", four coded absent do not (their interviewer
turns say "deadline", which must not count); the codebook's only `speed` term is "fast"."""
from functools import lru_cache

import numpy as np
import pytest
from support import DATA

from core import analyse, load_codebook
from core.engine.rescore import CachedCorpus
from core.errors import UsageError
from core.handcoding.evaluate import read_labels
from core.workbench.features import allowed, family
from core.workbench.suggest import log_odds_z, suggest_terms, theme_coding

SUGGEST = DATA / "suggest"


@lru_cache(maxsize=1)
def scored():
    analysis = analyse([SUGGEST / "transcripts"], codebook=load_codebook(SUGGEST / "codebook.yaml"),
                       use_cache=False, workers=1)
    return CachedCorpus.of(analysis), analysis


def speed_suggestions(labels=None, **options):
    corpus, analysis = scored()
    return suggest_terms(corpus, analysis, labels or read_labels(SUGGEST / "labels.yaml"), themes=["speed"],
                         **options)[0]


def test_a_word_said_only_in_coded_present_transcripts_ranks_first_with_its_counts():
    found = speed_suggestions()
    assert (found.coded_present, found.coded_absent) == (4, 4)
    first = found.table.iloc[0]
    assert first["term"] == "deadline"
    assert sorted(first["forms"]) == ["deadline", "deadlines"]  # one family, shown once
    assert (first["present"], first["absent"]) == (4, 0)  # the interviewer's "deadline" never counts
    assert first["z"] > 0 and list(found.table["z"]) == sorted(found.table["z"], reverse=True)


def test_the_gain_is_measured_by_scoring_the_theme_with_the_term_added():
    table = speed_suggestions().table.set_index("term")
    # p1 already has `speed` (it says "fast"): adding "deadline" newly finds p2, p3 and p4, no coded-absent one
    assert (table.loc["deadline", "adds_present"], table.loc["deadline", "adds_absent"]) == (3, 0)


def test_words_the_theme_already_matches_and_stop_words_are_left_out():
    terms = set(speed_suggestions(min_support=1).table["term"])
    assert "fast" not in terms and not any(" fast" in t or t.startswith("fast") for t in terms)
    assert not terms & {"the", "is", "my", "i"}


def test_phrases_are_suggested_and_a_word_only_seen_inside_one_is_not_repeated():
    table = speed_suggestions().table.set_index("term")
    assert table.loc["turnaround time", "kind"] == "phrase"
    assert table.loc["turnaround time", "present"] == 4
    assert "turnaround" not in table.index  # always in "turnaround time": it would say nothing more


def test_examples_are_quotes_from_coded_present_transcripts_the_codebook_misses_first():
    examples = speed_suggestions().table.set_index("term").loc["deadline", "examples"]
    assert [tid for tid, _ in examples] == ["p2", "p3", "p4"]
    assert all("deadline" in quote.lower() for _, quote in examples)
    assert dict(examples)["p2"] == "I hit every deadline."  # the sentence, as cut_quote cuts it


def test_min_support_and_top_limit_the_table():
    assert speed_suggestions(min_support=5).table.empty
    assert len(speed_suggestions(top=1).table) == 1


def test_a_missed_passage_makes_its_transcript_a_positive_example(tmp_path):
    labels = tmp_path / "labels.yaml"
    labels.write_text((SUGGEST / "labels.yaml").read_text()
                      + "missed:\n  - {transcript: a3, theme: speed, start: 60, end: 70}\n")
    coding = theme_coding(read_labels(labels), "speed")
    assert "a3" in coding.present and "a3" not in coding.absent
    assert speed_suggestions(read_labels(labels)).coded_present == 5


def test_an_unknown_theme_is_a_usage_error():
    corpus, analysis = scored()
    with pytest.raises(UsageError, match="no theme nope"):
        suggest_terms(corpus, analysis, read_labels(SUGGEST / "labels.yaml"), themes=["nope"])


@pytest.mark.parametrize("feature, expected", [("deadline", True), ("the", False), ("of the", False),
                                               ("check the output", True), ("42", False), ("ok", False)])
def test_allowed_features(feature, expected):
    assert allowed(feature) is expected


def test_inflections_share_a_family():
    assert len({family(w) for w in ("plan", "plans", "planned", "planning")}) == 1
    assert family("save time") == family("saving times")
    assert family("plan") != family("plant")


def test_log_odds_prefers_a_frequent_separator_to_a_rare_clean_one():
    _, z = log_odds_z(np.array([20.0, 3.0]), 40, np.array([10.0, 0.0]), 100, np.array([0.15, 0.01]), 10.0)
    assert z[0] > z[1] > 0
