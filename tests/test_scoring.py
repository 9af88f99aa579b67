import pytest

from core import analyse, parse_codebook
from core.pipeline import speakers_for
from core.corpus import build_shard
from core.loaders import LoadReport, RawTranscript
from core.matcher import TermIndex, VocabularyMatcher
from core.scoring import score_shard

BOOK = """name: s
settings: {{scope: {scope}, min_hits: 1}}
themes:
- id: trust
  label: Trust
  description: d
  terms: [trust, {{term: verify, weight: 0.5}}, double check]
  exclude: [trust fund]
- id: speed
  label: Speed
  description: d
  min_hits: 2
  terms: [faster, save time]
occupations:
- {{id: it_software, label: IT, terms: [sysadmin, {{term: powershell, weight: 2}}]}}
- {{id: education, label: Edu, terms: [teacher]}}
"""

TEXT = ("AI: Do you trust it? Is it faster?\n"
        "User: I'm a sysadmin and I write powershell. I trust it less than my trust fund.\n"
        "AI: Anything else?\n"
        "User: I verify and double-check. It is faster.")


def score(text=TEXT, scope="participant"):
    book = parse_codebook(BOOK.format(scope=scope))
    index = TermIndex(book)
    shard = build_shard([RawTranscript("t1", text, "mem", {"team": "a"})], speakers_for(book), LoadReport())
    return score_shard(shard, index, VocabularyMatcher(index))


def theme_row(scores, theme):
    return scores.themes.set_index("theme").loc[theme]


def test_interviewer_questions_do_not_count_by_default():
    scores = score()
    assert set(scores.hits["speaker"]) == {"participant"}
    assert theme_row(scores, "trust")["hits"] == 3  # trust, verify, double-check; "trust fund" excluded
    assert theme_row(scores, "speed")["hits"] == 1


def test_scope_all_counts_interviewer_turns_too():
    scores = score(scope="all")
    assert theme_row(scores, "trust")["hits"] == 4
    assert "interviewer" in set(scores.hits["speaker"])


def test_weights_and_minimum_hits_decide_presence():
    scores = score()
    trust, speed = theme_row(scores, "trust"), theme_row(scores, "speed")
    assert trust["score"] == pytest.approx(2.5) and trust["present"] == 1
    assert speed["score"] == 1 and speed["present"] == 0  # min_hits 2


def test_per_1k_words_uses_participant_words():
    scores = score()
    words = scores.transcripts.loc[0, "participant_words"]
    assert words == 23
    assert theme_row(scores, "trust")["per_1k_words"] == pytest.approx(round(3 * 1000 / words, 3))


def test_hits_trace_back_to_the_exact_text():
    scores = score()
    for row in scores.hits.itertuples():
        assert TEXT[row.start:row.end] == row.matched_text
    assert "double-check" in set(scores.hits["matched_text"])


def test_occupation_evidence_and_confidence():
    row = score().transcripts.iloc[0]
    assert row["occupation"] == "it_software"
    assert row["occupation_evidence"] == "powershell; sysadmin"
    assert row["occupation_confidence"] == 1.0
    assert row["team"] == "a"


def test_weak_evidence_gives_other():
    row = score("User: I like my job.").transcripts.iloc[0]
    assert row["occupation"] == "other" and row["occupation_evidence"] == ""


def test_metadata_occupation_wins_and_attributes_merge(tiny_codebook, tmp_path):
    from support import DATA
    analysis = analyse([DATA / "folder"], codebook=tiny_codebook, metadata=DATA / "metadata.csv",
                       cache_dir=tmp_path)
    rows = analysis.transcripts.set_index("transcript_id")
    assert rows.loc["alpha_01", "occupation"] == "it_software"  # blank in metadata: inferred
    assert rows.loc["alpha_01", "region"] == "Europe"
    assert rows.loc["bravo", "occupation"] == "legal"
    assert rows.loc["bravo", "occupation_evidence"] == "metadata"
    problems = "\n".join(map(str, analysis.report.problems))
    assert "1 metadata id(s) match no transcript, e.g. 'ghost_9'" in problems
