"""core.engine.negation and its use in scoring: a negator or hedge in a hit's clause cancels the hit of a theme
with `negation: true`; a negator that does not deny the concern does not. Cancelled hits are kept, with why,
in `Analysis.cancelled`, cached, merged on a rescore and written by the CLI. Every sentence here is written
for these tests."""
from __future__ import annotations

import pandas as pd
import pytest

from core import analyse, parse_codebook
from core.cli.scoring import write_tables
from core.codebook.model import Codebook
from core.engine.corpus import build_shard
from core.engine.matcher import VocabularyMatcher
from core.engine.negation import NegationRules, clause_start
from core.engine.pipeline import speakers_for
from core.engine.rescore import CachedCorpus
from core.engine.results import CANCELLED_COLUMNS, HIT_COLUMNS, TABLES, Analysis
from core.engine.scoring import score_shard
from core.engine.term_index import TermIndex
from core.ingest.loaders import LoadReport, RawTranscript

BOOK = """name: negation test book
settings:
  negation_window: 8
themes:
- id: job_anxiety
  label: Job anxiety
  description: d
  negation: true
  terms: [replace me, replace humans, replace us, lose my job, threatened, job security, out of work,
          worried about my job, replaced by ai, take my job, obsolete]
- id: social_stigma
  label: Stigma
  description: d
  negation: true
  terms: [stigma, judged, frowned upon, looked down on]
- id: skill_atrophy
  label: Skills
  description: d
  negation: true
  terms: [over reliant, lose my skills, crutch, dependent on ai]
- id: accuracy_trust
  label: Trust
  description: d
  negation: true
  terms: [hallucinate, hallucinations, made up, accuracy problems]
- id: speed
  label: Speed
  description: d
  terms: [faster]
"""

# (theme, sentence, reason): the hit must not count, and is kept with this reason
CANCELLED = [
    ("job_anxiety", "I don't think AI will be able to fully replace humans in my field.", "negated by “don't”"),
    ("job_anxiety", "I don't think AI will replace me.", "negated by “don't”"),
    ("job_anxiety", "Honestly I'm not worried about my job at all.", "negated by “not”"),
    ("job_anxiety", "I wouldn't say I feel threatened by it.", "hedged by “wouldn't say”"),
    ("job_anxiety", "I'm not really concerned about job security.", "hedged by “not really”"),
    ("job_anxiety", "It doesn't make me feel threatened in any way.", "negated by “doesn't”"),
    ("job_anxiety", "I don't feel threatened by these tools.", "negated by “don't”"),
    ("job_anxiety", "There is no way it could replace us in the studio.", "negated by “no”"),
    ("job_anxiety", "My clients will never have it replace me.", "negated by “never”"),
    ("job_anxiety", "I dont think it will take my job.", "negated by “dont”"),
    ("job_anxiety", "I’m not afraid it will take my job.", "negated by “not”"),
    ("job_anxiety", "So I don't think I'll be out of work.", "negated by “don't”"),
    ("job_anxiety", "No, I don't believe I'll be replaced by AI.", "negated by “don't”"),
    ("job_anxiety", "I hardly think about job security these days.", "hedged by “hardly”"),
    ("job_anxiety", "It's not that it could make me obsolete.", "hedged by “not that”"),
    ("job_anxiety", "Nobody here is worried about my job or theirs.", "negated by “nobody”"),
    ("social_stigma", "I haven't noticed any stigma around it.", "negated by “haven't”"),
    ("social_stigma", "There's no stigma at my office.", "negated by “no”"),
    ("social_stigma", "I've never been judged for using it.", "negated by “never”"),
    ("social_stigma", "It isn't frowned upon where I work.", "negated by “isn't”"),
    ("social_stigma", "Nobody has looked down on me for it.", "negated by “nobody”"),
    ("social_stigma", "I wouldn't call it a stigma, more a habit.", "hedged by “wouldn't call”"),
    ("skill_atrophy", "I'm not over reliant on it.", "negated by “not”"),
    ("skill_atrophy", "I don't worry that I'll lose my skills.", "negated by “don't”"),
    ("skill_atrophy", "It has never been a crutch for me.", "negated by “never”"),
    ("skill_atrophy", "I'm hardly dependent on AI for anything.", "hedged by “hardly”"),
    ("accuracy_trust", "I have never seen it hallucinate on these tasks.", "negated by “never”"),
    ("accuracy_trust", "We haven't had accuracy problems so far.", "negated by “haven't”"),
    ("accuracy_trust", "It doesn't really hallucinate for my use.", "hedged by “doesn't really”"),
]

# (theme, sentence): looks negated, but the hit counts
COUNTED = [
    ("job_anxiety", "I can't stop thinking about job security."),
    ("job_anxiety", "I don't know if I'll lose my job next year."),
    ("job_anxiety", "Not only could it replace me, but the whole team."),
    ("job_anxiety", "I can't say I'm not worried about my job."),
    ("job_anxiety", "It's not that I don't feel threatened."),
    ("job_anxiety", "I don't use it much, but I worry it will replace me."),
    ("job_anxiety", "I don't want to lose my job to a machine."),
    ("job_anxiety", "I'm not sure whether I'll be out of work."),
    ("job_anxiety", "No, it could replace me within five years."),
    ("job_anxiety", "I don't mind saying it could replace me."),
    ("job_anxiety", "It's not uncommon to feel threatened by it."),
    ("job_anxiety", "I didn't expect it. Now I feel threatened by it."),
    ("job_anxiety", "I'm not a developer; I could still be replaced by AI."),
    ("job_anxiety", "I don't begrudge progress, I just fear it could replace humans."),
    ("social_stigma", "I don't tell anyone because I feel judged."),
    ("social_stigma", "I was told not to mention it, there's a stigma."),
    ("social_stigma", "No matter what I do, I get judged for using it."),
    ("skill_atrophy", "I practise every week so I don't lose my skills."),
    ("skill_atrophy", "I try not to be over reliant on it."),
    ("skill_atrophy", "I make sure I don't become dependent on AI."),
    ("accuracy_trust", "I can't help noticing how often it will hallucinate."),
    ("accuracy_trust", "You can't ignore the hallucinations it produces."),
]


@pytest.fixture(scope="module")
def book() -> Codebook:
    return parse_codebook(BOOK)


@pytest.fixture(scope="module")
def compiled(book):
    index = TermIndex(book)
    return index, VocabularyMatcher(index)


def scored(book: Codebook, compiled, *texts: str) -> Analysis:
    index, matcher = compiled
    raw = [RawTranscript(f"t{i}", f"AI: Tell me more.\nUser: {text}", "mem") for i, text in enumerate(texts)]
    return score_shard(build_shard(raw, speakers_for(book), LoadReport()), index, matcher)


@pytest.mark.parametrize(("theme", "sentence", "reason"), CANCELLED)
def test_a_negated_or_hedged_hit_does_not_count_and_is_kept_with_why(book, compiled, theme, sentence, reason):
    result = scored(book, compiled, sentence)
    assert result.hits[result.hits["theme"] == theme].empty
    cancelled = result.cancelled[result.cancelled["theme"] == theme]
    assert cancelled["reason"].tolist() == [reason]
    row = result.themes.set_index("theme").loc[theme]
    assert (row["hits"], row["present"]) == (0, 0)


@pytest.mark.parametrize(("theme", "sentence"), COUNTED)
def test_a_negator_that_does_not_deny_the_concern_leaves_the_hit_counted(book, compiled, theme, sentence):
    result = scored(book, compiled, sentence)
    assert result.cancelled[result.cancelled["theme"] == theme].empty
    assert len(result.hits[result.hits["theme"] == theme]) >= 1
    assert result.themes.set_index("theme").loc[theme, "present"] == 1


def test_the_cases_cover_every_negation_theme():
    assert len(CANCELLED) >= 25 and len(COUNTED) >= 15
    themes = {"job_anxiety", "social_stigma", "skill_atrophy", "accuracy_trust"}
    assert {t for t, *_ in CANCELLED} == themes and {t for t, *_ in COUNTED} == themes


def test_themes_without_negation_count_every_hit(book, compiled):
    result = scored(book, compiled, "It is not faster at all.")
    assert result.hits["theme"].tolist() == ["speed"] and result.cancelled.empty


def test_the_cancelled_table_has_the_hit_columns_and_the_reason(book, compiled):
    text = "I don't think AI will replace me. But I worry it will replace us."
    result = scored(book, compiled, text)
    assert tuple(result.cancelled.columns) == CANCELLED_COLUMNS
    row = result.cancelled.iloc[0]
    full = f"AI: Tell me more.\nUser: {text}"
    assert (row["transcript_id"], row["speaker"], row["theme"], row["term"]) == ("t0", "participant",
                                                                               "job_anxiety", "replace me")
    assert full[row["start"]:row["end"]] == row["matched_text"] == "replace me"
    assert result.hits["matched_text"].tolist() == ["replace us"]  # "But" opens a clause the negator misses
    assert result.themes.set_index("theme").loc["job_anxiety", "hits"] == 1


def test_the_window_limits_how_far_back_a_negator_reaches(compiled):
    near = parse_codebook(BOOK.replace("negation_window: 8", "negation_window: 2"))
    index = TermIndex(near)
    shard = build_shard([RawTranscript("t", "User: I don't think that the new tools will replace me.", "m")],
                        speakers_for(near), LoadReport())
    assert score_shard(shard, index, VocabularyMatcher(index)).cancelled.empty


def test_a_negator_in_another_turn_cancels_nothing(book, compiled):
    result = scored(book, compiled, "Not at all.\nAI: And the future?\nUser: It could replace me.")
    assert result.cancelled.empty and result.hits["matched_text"].tolist() == ["replace me"]


def test_the_rules_on_plain_word_lists():
    rules = NegationRules(frozenset({"not", "don't"}), (("not", "really"),))
    assert rules.cancelled_by(["i'm", "not", "really"], [" ", " ", " "], "worried") == "hedged by “not really”"
    assert rules.cancelled_by(["i", "don't", "think", "it", "will"], [" "] * 5, "replace") == "negated by “don't”"
    assert rules.cancelled_by(["i", "don't", "know", "if", "i'll"], [" "] * 5, "lose") is None
    assert rules.cancelled_by([], [], "worried") is None
    assert clause_start(["not", "now", "but", "it", "could"], [" ", ", ", " ", " ", " "]) == 3
    assert clause_start(["not", "now", "it", "could"], [" ", ". ", " ", " "]) == 2


def test_the_default_codebook_cancels_a_denied_worry(default_codebook):
    index = TermIndex(default_codebook)
    shard = build_shard([RawTranscript("t", "User: I don't think AI will be able to fully replace humans here.",
                                       "m")], speakers_for(default_codebook), LoadReport())
    result = score_shard(shard, index, VocabularyMatcher(index))
    assert result.hits[result.hits["theme"] == "job_anxiety"].empty
    assert result.cancelled["reason"].tolist() == ["negated by “don't”"]


def test_an_analysis_built_without_cancelled_hits_has_an_empty_typed_table(book):
    empty = pd.DataFrame()
    analysis = Analysis(book, empty, empty, empty)
    assert tuple(analysis.cancelled.columns) == CANCELLED_COLUMNS and analysis.cancelled.empty
    assert tuple(analysis.cancelled.columns[:len(HIT_COLUMNS)]) == HIT_COLUMNS


# ---------------------------------------------------------------- cache, rescore, CLI
TEXTS = {
    "a1": "I don't think AI will replace me. I feel judged at work though, it is faster.",
    "a2": "There's no stigma here. I'm worried about my job and I'm over reliant on it.",
    "a3": "I'm not over reliant on it, but I can't stop thinking about job security.",
    "a4": "Nothing to report. It is faster. I wouldn't say I feel threatened.",
}


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / f"{name}.txt").write_text(f"AI: How is it going?\nUser: {text}\n", encoding="utf-8")
    return folder


def _same(one: Analysis, other: Analysis) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(one, name).reset_index(drop=True), getattr(other, name))


def test_cancelled_hits_are_cached_with_the_results(corpus, book, tmp_path):
    first = analyse([corpus], codebook=book, cache_dir=tmp_path / "cache")
    second = analyse([corpus], codebook=book, cache_dir=tmp_path / "cache")
    assert (first.cached, second.cached) == ("none", "results")
    assert len(first.cancelled) == 4
    _same(second, first)


@pytest.mark.parametrize("edit", [
    ("terms: [faster]", "terms: [faster, quicker]"),                                  # another theme: rows reused
    ("terms: [stigma, judged,", "terms: [stigma, judg*,"),                             # a negation theme scored again
    ("  negation_window: 8", "  negation_window: 8\n  hedges: [\"wouldn't say\"]"),   # the settings: all again
])
def test_a_rescore_after_an_edit_gives_the_cancelled_table_of_a_fresh_run(corpus, book, tmp_path, edit):
    base = analyse([corpus], codebook=book, cache_dir=tmp_path / "cache")
    edited = parse_codebook(BOOK.replace(*edit))
    assert edited.text != book.text
    rescored = CachedCorpus.of(base).score(edited, base=base)
    fresh = analyse([corpus], codebook=edited, use_cache=False)
    _same(rescored, fresh)
    assert not fresh.cancelled.empty


def test_a_rescore_that_turns_negation_off_counts_the_hits_again(corpus, book, tmp_path):
    base = analyse([corpus], codebook=book, cache_dir=tmp_path / "cache")
    edited = parse_codebook(BOOK.replace("  negation: true\n  terms: [stigma", "  terms: [stigma"))
    rescored = CachedCorpus.of(base).score(edited, base=base)
    assert "social_stigma" not in set(rescored.cancelled["theme"])
    assert "stigma" in set(rescored.hits["matched_text"])
    _same(rescored, analyse([corpus], codebook=edited, use_cache=False))


def test_the_cli_writes_the_cancelled_table_beside_the_hits(corpus, book, tmp_path):
    analysis = analyse([corpus], codebook=book, use_cache=False)
    write_tables(analysis, tmp_path / "out")
    written = pd.read_csv(tmp_path / "out" / "cancelled.csv")
    assert tuple(written.columns) == CANCELLED_COLUMNS
    assert sorted(written["reason"]) == sorted(analysis.cancelled["reason"])
    assert len(pd.read_parquet(tmp_path / "out" / "cancelled.parquet")) == len(analysis.cancelled)
