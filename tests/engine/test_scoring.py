import pytest

from core import analyse, parse_codebook
from core.engine.corpus import build_shard
from core.engine.matcher import VocabularyMatcher
from core.engine.pipeline import speakers_for
from core.engine.scoring import score_shard
from core.engine.term_index import TermIndex
from core.ingest.loaders import LoadReport, RawTranscript

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


NEGATION_BOOK = """name: n
themes:
- id: worry
  label: Worry
  description: d
  negation: true
  terms: [worried about my job]
- id: trust
  label: Trust
  description: d
  terms: [trust]
occupations:
- {id: healthcare, label: Health, terms: [patient, nurse]}
- {id: it_software, label: IT, terms: [{term: developer, weight: 2}]}
- {id: education, label: Edu, terms: [{term: teacher, weight: 2}]}
"""


def score_with(book_text, text):
    book = parse_codebook(book_text)
    index = TermIndex(book)
    shard = build_shard([RawTranscript("t1", text, "mem")], speakers_for(book), LoadReport())
    return score_shard(shard, index, VocabularyMatcher(index))


def test_negation_cancels_hits_only_for_themes_that_ask_for_it():
    scores = score_with(NEGATION_BOOK, "User: I'm not worried about my job. I don't trust it.\n"
                                       "AI: And?\nUser: Honestly I am worried about my job. Not.")
    hits = scores.hits
    assert hits[hits["theme"] == "worry"]["matched_text"].tolist() == ["worried about my job"]
    assert len(hits[hits["theme"] == "worry"]) == 1  # the second turn's hit; "Not." after it negates nothing
    assert len(hits[hits["theme"] == "trust"]) == 1  # trust has no negation: "don't trust" counts


def test_a_word_repeated_cannot_outvote_a_job_title():
    scores = score_with(NEGATION_BOOK, "User: I'm a developer. The patient portal, patient data, patient "
                                       "records, patient flow.")
    row = scores.transcripts.iloc[0]
    assert row["occupation"] == "it_software"  # developer 2 vs patient counted once
    assert row["occupation_evidence"] == "developer"


def test_occupation_ties_go_to_the_strongest_single_term():
    scores = score_with(NEGATION_BOOK, "User: Patient work with a nurse, and I'm a teacher.")
    # healthcare 1 + 1 = 2 ties education 2; the single strongest term (teacher, 2) decides
    assert scores.transcripts.iloc[0]["occupation"] == "education"


from hypothesis import given, settings
from hypothesis import strategies as st

from core.engine.scoring import Located, _excluded, _overlap_survivors, first_per_term


def reference_overlaps(rows, weights):
    """Obviously correct: per code, in order of start, longer, heavier; a hit starting within the reach of
    any earlier one is dropped."""
    kept, reach = [], {}
    for i in sorted(range(len(rows)), key=lambda i: (rows[i][0], rows[i][1], rows[i][1] - rows[i][2], -weights[i])):
        code, token, end = rows[i]
        if token > reach.get(code, -1):
            kept.append(i)
        reach[code] = max(reach.get(code, -1), end)
    return sorted(kept)


spans = st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 30), st.integers(0, 3),
                           st.sampled_from([0, 1])), min_size=1, max_size=25)


@settings(max_examples=200, deadline=None)
@given(spans)
def test_overlap_and_exclusion_rules_match_a_reference(rows):
    import numpy as np
    book = parse_codebook("name: x\nthemes:\n- {id: a, label: A, description: d, terms: [w, {term: v, weight: 2}]}\n"
                          "- {id: b, label: B, description: d, terms: [w]}\n")
    index = TermIndex(book)
    code = np.array([["a", "b"].index(r[0]) for r in rows])
    token = np.array([r[1] for r in rows])
    end_token = np.array([r[1] + r[2] for r in rows])
    entry = np.array([r[3] if r[0] == "a" else 2 for r in rows])
    weights = [index.entries[e].term.weight for e in entry]
    kept = _overlap_survivors(code, token, end_token, index.weight_ranks[entry])
    expected = reference_overlaps([(r[0], r[1], r[1] + r[2]) for r in rows], weights)
    assert sorted(kept.tolist()) == expected
    assert kept.tolist() == sorted(expected, key=lambda i: (rows[i][1], code[i]))  # in text order
    zeros = np.zeros(1, np.int64)
    exclusion = Located(zeros, zeros, zeros, zeros, code[:1], entry[:1], token[:1], end_token[:1], zeros, zeros,
                        np.zeros(1), ("a", "b"))
    excluded = _excluded(code, token, end_token, exclusion)
    first, start, end = rows[0][0], rows[0][1], rows[0][1] + rows[0][2]
    assert np.flatnonzero(~excluded).tolist() == [i for i, r in enumerate(rows)
                                                  if not (r[0] == first and r[1] <= end and start <= r[1] + r[2])]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=30), st.integers(1, 3))
def test_at_most_the_first_hits_of_a_term_per_transcript_count(pairs, cap):
    """first_per_term: the first `cap` hits of each (transcript, term) in row order, as a running count would."""
    import numpy as np
    doc, entry = (np.array(column, dtype=np.int64).reshape(-1) for column in zip(*pairs)) if pairs \
        else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    seen: dict = {}
    expected = []
    for pair in pairs:
        seen[pair] = seen.get(pair, 0) + 1
        expected.append(seen[pair] <= cap)
    assert first_per_term(doc, entry, cap).tolist() == expected


def test_which_of_two_terms_on_the_same_words_counts_does_not_depend_on_the_matches_order():
    """"generated images" and "generate images" both match "generate images" (the first as an inflection): the
    term written first counts, whichever order the matches come in (it depends on where a batch starts and ends)."""
    import numpy as np

    from core.engine.scoring import keep_scope
    from core.engine.term_index import THEME
    book = parse_codebook("name: x\nthemes:\n- {id: a, label: A, description: d, terms: "
                          "[generated images, generate images, {term: images, weight: 2}]}\n")
    index = TermIndex(book)
    n = np.zeros(3, np.int64)  # one transcript and turn, a participant's (role 1)
    hits = Located(n, n, n + 1, n + THEME, n, np.array([0, 1, 2]), np.array([5, 5, 6]), np.array([6, 6, 6]), n, n,
                   np.array([94.1, 100.0, 100.0]), ("a",))
    for order in ([1, 0, 2], [0, 1, 2]):
        kept = keep_scope(hits.rows(np.array(order)), index, THEME, -1, ("participant",))
        assert kept.entry.tolist() == [0]  # the heavier "images" starts inside it
