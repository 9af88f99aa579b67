"""Edits of the typo settings (default threshold, fuzzy_min_length) are scored only where a word matches
differently, and give exactly the tables of a fresh run of the edited codebook."""
from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import analyse, parse_codebook
from core.engine import cache
from core.engine.corpus import SpeakerConfig, build_shard
from core.engine.fresh_order import edited_themes
from core.engine.kept_descriptions import kept_self_descriptions
from core.engine.match_changes import TranscriptScope, words_matched_differently
from core.engine.matcher import VocabularyMatcher, find_matches, word_matches
from core.engine.occupation import self_descriptions, titles_index
from core.engine.rescore import CachedCorpus
from core.engine.term_index import THEME, TermIndex
from core.engine.transcript_rows import occupation_turns
from core.ingest.loaders import LoadReport, RawTranscript
from core.workbench.diff import diff_scores, fill_sentences, preview

CODEBOOK = """name: typo settings
version: "1"
settings:
  threshold: 88
  fuzzy_min_length: 5
themes:
  - id: scheduling
    label: Scheduling
    description: Calendars.
    terms: [calendar, schedule]
  - id: accuracy
    label: Accuracy
    description: Errors.
    terms: [deprecated, hallucinate, double check]
    exclude: [double checking]
  - id: worry
    label: Worry
    description: Fear.
    terms: [worry, fear]
  - id: art
    label: Art
    description: Painting, with its own threshold.
    threshold: 90
    terms: [painting]
occupations:
  - id: it_software
    label: IT
    terms: [sysadmin, developer]
  - id: education
    label: Education
    terms: [teacher, classroom]
"""
# Each typo's similarity to its term word: calandar, schedual, sysamdin, pianting 87.5; taecher 85.7;
# depracated 90; wory 88.9 (4 letters: a typo only when fuzzy_min_length <= 4); teachr 92.3 (6 letters).
TRANSCRIPTS = MappingProxyType({
    "t1": "I am a teacher. I keep a calandar and check the schedual daily.",
    "t2": "I work as a sysamdin. The tool is depracated. It can halucinate, so I double check.",
    "t3": "I am a taecher in a clasroom. I love pianting and paintng.",
    "t4": "Nothing about work here. I fear it. The wory is real.",
    "t5": "I am a developer. I double check everything on my calendar.",
    "t6": "I am a teachr. My worri is time.",
    # "chek" (88.9 to "check", 4 letters) becomes a typo at fuzzy_min_length 4; "check" stands only in "double check"
    "t7": "I chek my email every morning.",
    "t8": "I always double chek the numbers.",
})
EDITS = MappingProxyType({
    "threshold down": ("threshold: 88", "threshold: 85"),
    "threshold up": ("threshold: 88", "threshold: 92"),
    "threshold far down, art keeps its own": ("threshold: 88", "threshold: 80"),
    "fuzzy_min_length down": ("fuzzy_min_length: 5", "fuzzy_min_length: 4"),
    "fuzzy_min_length up": ("fuzzy_min_length: 5", "fuzzy_min_length: 7"),
    "both, and art's own threshold": ("threshold: 88\n  fuzzy_min_length: 5\n",
                                      "threshold: 86\n  fuzzy_min_length: 6\n"),
})


@pytest.fixture(scope="module")
def corpus_and_base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("typos")
    for transcript_id, said in TRANSCRIPTS.items():
        (folder / f"{transcript_id}.txt").write_text(f"Assistant: What do you do?\n\nUser: {said}\n")
    # a metadata occupation wins whatever the codebook says, and its other columns are carried along
    (folder / "metadata.csv").write_text("transcript_id,occupation,region\nt2,education,north\nt5,,south\n")
    base = analyse([folder], codebook=parse_codebook(CODEBOOK), use_cache=False, workers=1)
    return folder, CachedCorpus.of(base), base


def edited(name: str):
    old, new = EDITS[name]
    assert old in CODEBOOK
    return parse_codebook(CODEBOOK.replace(old, new, 1))


@pytest.mark.parametrize("name", EDITS)
def test_a_typo_settings_edit_scores_like_a_fresh_run(corpus_and_base, name):
    folder, corpus, base = corpus_and_base
    codebook = edited(name)
    fresh = analyse([folder], codebook=codebook, use_cache=False, workers=1)
    assert_like_a_fresh_run(corpus, base, codebook, fresh)


def assert_like_a_fresh_run(corpus: CachedCorpus, base, codebook, fresh) -> None:
    """The edited codebook scored from `base` gives `fresh`'s four tables, and its preview a full diff's."""
    quick = corpus.score(codebook, base=base)
    for table in ("transcripts", "themes", "hits", "cancelled"):
        pd.testing.assert_frame_equal(getattr(quick, table).reset_index(drop=True), getattr(fresh, table),
                                      obj=table)
    change, full = preview(corpus, base, codebook), diff_scores(base, fresh)
    for table in (full.gained, full.lost):
        fill_sentences(table, corpus.texts)
    for table in ("themes", "occupations", "gained", "lost"):
        pd.testing.assert_frame_equal(getattr(change, table), getattr(full, table), check_dtype=False, obj=table)


def test_the_edits_change_themes_and_occupations(corpus_and_base):
    """The equality above is worth something only if the edits move rows: each one does."""
    _, corpus, base = corpus_and_base
    for name in EDITS:
        change = preview(corpus, base, edited(name))
        assert change.changed, name
    down = preview(corpus, base, edited("threshold down"))
    assert down.gained[["transcript_id", "theme", "matched_text", "hits"]].values.tolist() == \
        [["t1", "scheduling", "calandar", 2]]  # one quote: calandar and schedual share a sentence
    moved = base.transcripts.set_index("transcript_id")["occupation"]
    assert moved["t2"] == "education"  # from the metadata: stays
    after = corpus.score(edited("threshold down"), base=base).transcripts.set_index("transcript_id")
    assert (after.loc["t3", "occupation"], after.loc["t2", "occupation"], after.loc["t2", "region"]) == \
        ("education", "education", "north")
    up = corpus.score(edited("fuzzy_min_length up"), base=base).transcripts.set_index("transcript_id")
    assert base.transcripts.set_index("transcript_id").loc["t6", "occupation"] == "education" != \
        up.loc["t6", "occupation"]  # "teachr" has 6 letters: no longer a typo of "teacher"


def test_only_the_pairs_holding_a_word_matched_differently_are_scored(corpus_and_base):
    _, corpus, base = corpus_and_base
    changes = corpus.changes(edited("threshold down"), base)
    scored = changes.themes.groupby("theme")["transcript_id"].apply(sorted).to_dict()
    # calandar and schedual (scheduling, t1); no word of accuracy or worry is between 85 and 88; art keeps 90
    assert scored == {"scheduling": ["t1"]}
    assert set(changes.hits["transcript_id"]) == {"t1"}
    up = corpus.changes(edited("threshold up"), base)
    assert up.themes.groupby("theme")["transcript_id"].apply(sorted).to_dict() == {"accuracy": ["t2"]}  # depracated
    assert corpus.changes(edited("threshold far down, art keeps its own"), base).themes["theme"].nunique() < 4


def test_words_matched_differently_agree_with_the_rules_themselves(corpus_and_base):
    """The fast search (words near a changed term word, matched by both codebooks' matchers) against the
    obviously correct one: every word against every changed theme term word's WordRule.similarity."""
    _, corpus, base = corpus_and_base
    words = corpus.words() | {"calendars", "calander", "schedules", "halucinated", "worryy"}
    for name in EDITS:
        after = edited(name)
        found = words_matched_differently(base.codebook, after, words, themes={"scheduling", "accuracy", "worry"},
                                          occupations=True)
        old, new = TermIndex(base.codebook), TermIndex(after)
        for theme in ("scheduling", "accuracy", "worry"):
            rules = [(old.rules[o], new.rules[n]) for e_old, e_new in zip(old.entries, new.entries)
                     if e_old.kind == THEME and e_old.code == theme for o, n in zip(e_old.slots, e_new.slots)]
            expected = {word for word in words for first, second in rules
                        if first.similarity(word) != second.similarity(word)}
            assert found.themes[theme] == expected, (name, theme)


def test_a_word_matched_differently_outside_its_phrase_scores_nothing_again(corpus_and_base):
    """At fuzzy_min_length 4 "chek" matches "check", a word only of the phrase "double check": t7 says "chek"
    alone, so no term of accuracy matches differently there and its row is not scored again; t8's "double
    chek" is a new match. Holding the word is not enough: "time" now matching "times" of a phrase would score
    a theme again in nearly every transcript of a large corpus."""
    _, corpus, base = corpus_and_base
    codebook = edited("fuzzy_min_length down")
    found = words_matched_differently(base.codebook, codebook, corpus.words(), themes={"accuracy"}, occupations=False)
    assert "chek" in found.themes["accuracy"]
    changes = corpus.changes(codebook, base)
    scored = set(zip(changes.themes["transcript_id"], changes.themes["theme"]))
    assert ("t8", "accuracy") in scored
    assert ("t7", "accuracy") not in scored
    hits = corpus.score(codebook, base=base).hits
    assert hits.loc[hits["transcript_id"] == "t8", "matched_text"].tolist() == ["double chek"]


def test_a_theme_whose_terms_changed_is_scored_everywhere(corpus_and_base):
    _, corpus, base = corpus_and_base
    codebook = parse_codebook(CODEBOOK.replace("threshold: 88", "threshold: 85").replace(
        "terms: [calendar, schedule]", "terms: [calendar, schedule, agenda]"))
    changes = corpus.changes(codebook, base)
    assert sorted(changes.themes.loc[changes.themes["theme"] == "scheduling", "transcript_id"]) == sorted(TRANSCRIPTS)
    words = words_matched_differently(base.codebook, codebook, corpus.words(), themes={"scheduling"},
                                      occupations=False)
    assert words.themes == {"scheduling": None}


@pytest.mark.parametrize("name", EDITS)
def test_the_edited_themes_rows_of_a_few_transcripts_are_a_fresh_run_s(corpus_and_base, name):
    """Agreement with hand coding reads only the labelled transcripts' rows: made from the pairs a typo edit
    scored (only some pairs of a changed theme) and the saved rows of the others, they are a fresh run's."""
    folder, corpus, base = corpus_and_base
    codebook = edited(name)
    fresh = analyse([folder], codebook=codebook, use_cache=False, workers=1)
    few = ["t6", "t1", "t2", "t3", "t4", "t1", "nobody"]  # any order, a repeat, an id not in the corpus
    rows = edited_themes(base, codebook, corpus.changes(codebook, base).themes, few)
    pd.testing.assert_frame_equal(rows, fresh.themes[fresh.themes["transcript_id"].isin(few)].reset_index(drop=True))
    saved = base.themes[base.themes["transcript_id"].isin(few)].reset_index(drop=True)
    moved = not rows[["hits", "score", "present"]].equals(saved[["hits", "score", "present"]])
    assert moved == (name != "fuzzy_min_length up")  # that one moves only t6's occupation ("teachr")


# With a job-title lexicon beside the codebook, occupations come from what participants say they do: a full
# scoring keeps every shard's self-descriptions beside it, and a preview re-deciding occupations reads those.
TITLES = "education: [teacher]\nit_software: [developer, sysadmin]\nother: [painter]\n"


@pytest.fixture(scope="module")
def with_titles(tmp_path_factory, corpus_and_base):
    folder, _, _ = corpus_and_base
    books = tmp_path_factory.mktemp("books")
    (books / "job_titles.yaml").write_text(TITLES)
    path = str(books / "codebook.yaml")
    base = analyse([folder], codebook=parse_codebook(CODEBOOK, source=path), use_cache=False, workers=1)
    assert base.codebook.job_titles is not None
    assert set(base.transcripts["occupation_source"]) >= {"self-description"}
    return folder, path, CachedCorpus.of(base), base


def _refind_nothing(*_args, **_kwargs):
    raise AssertionError("the self-descriptions were looked for again")


@pytest.mark.parametrize("name", EDITS)
def test_a_preview_reads_the_kept_self_descriptions(with_titles, monkeypatch, name):
    folder, path, corpus, base = with_titles
    old, new = EDITS[name]
    codebook = parse_codebook(CODEBOOK.replace(old, new, 1), source=path)
    fresh = analyse([folder], codebook=codebook, use_cache=False, workers=1)
    for module in ("core.engine.transcript_rows", "core.engine.kept_descriptions"):
        monkeypatch.setattr(f"{module}.self_descriptions", _refind_nothing)
    assert_like_a_fresh_run(corpus, base, codebook, fresh)


def test_kept_self_descriptions_not_as_written_are_found_again(with_titles, tmp_path):
    """A damaged file is never read as self-descriptions: they are found again (and, by a full scoring,
    kept again); another lexicon keeps its own."""
    _, path, corpus, base = with_titles
    kept = sorted(corpus.folder.glob("shard-*.described-*.parquet"))
    assert len(kept) == corpus.shard_count
    shard = cache.load_shard(corpus.folder, 0)
    found = kept_self_descriptions(corpus.folder, 0, shard, base.codebook, keep=False)
    assert any(found) and found == self_descriptions(
        shard, np.flatnonzero(occupation_turns(shard, base.codebook.settings.occupation_first_turns)),
        titles_index(base.codebook.job_titles))
    data = bytearray(kept[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    kept[0].write_bytes(bytes(data))
    assert kept_self_descriptions(corpus.folder, 0, shard, base.codebook, keep=False) is None
    assert kept_self_descriptions(corpus.folder, 0, shard, base.codebook, keep=True) == found
    assert kept[0].read_bytes() != bytes(data)  # kept again
    (tmp_path / "job_titles.yaml").write_text("education: [teacher, developer]\n")
    other = parse_codebook(CODEBOOK, source=str(tmp_path / "codebook.yaml"))
    assert kept_self_descriptions(corpus.folder, 0, shard, other, keep=False) is None


# ---------------------------------------------------------------- property: a scope misses no pair that changes
SAID = ["calendar", "calandar", "calender", "schedule", "schedual", "worry", "wory", "worri", "double", "dubble",
        "check", "chek", "checks", "time", "times", "tiem", "fear", "feer", "response", "responce", "."]
PROPERTY_BOOK = """name: property
settings: {{threshold: {threshold}, fuzzy_min_length: {min_length}}}
themes:
  - {{id: planning, label: P, description: d, terms: [calendar, schedule, double check]}}
  - {{id: worry, label: W, description: d, terms: [worry, fear, response times], exclude: [fear check]}}
"""
TYPO_SETTINGS = st.tuples(st.sampled_from([80, 85, 88, 92]), st.sampled_from([3, 4, 5, 6]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(said=st.lists(st.lists(st.sampled_from(SAID), max_size=10), min_size=1, max_size=4),
       before=TYPO_SETTINGS, after=TYPO_SETTINGS)
def test_a_scope_names_every_transcript_where_a_theme_s_matches_differ(said, before, after):
    """Against the obviously correct answer (every match of both codebooks, compared per transcript and theme):
    the transcripts `TranscriptScope.docs` names for a theme hold every pair whose matches differ."""
    books = [parse_codebook(PROPERTY_BOOK.format(threshold=t, min_length=m)) for t, m in (before, after)]
    shard = build_shard([RawTranscript(f"t{n}", "User: " + " ".join(words), "mem") for n, words in enumerate(said)],
                        SpeakerConfig(("AI",), ("User",), ("participant",)), LoadReport())
    themes = set(books[1].theme_ids)
    scope = TranscriptScope.of(words_matched_differently(*books, set(shard.vocab[1:]), themes=themes,
                                                         occupations=False))
    index = TermIndex(books[1])
    matcher = VocabularyMatcher(index)
    docs, _ = scope.docs(shard, index, word_matches(shard, matcher), occupation_turns(shard, 4))
    old, new = (matches_by_pair(shard, book) for book in books)
    for doc, theme in set(old) | set(new):
        if old.get((doc, theme)) != new.get((doc, theme)):
            assert theme in docs and docs[theme][doc], (doc, theme)


def matches_by_pair(shard, codebook) -> dict[tuple[int, str], set]:
    """Every match of the codebook's terms and exclusions, by (transcript, theme)."""
    index = TermIndex(codebook)
    found: dict[tuple[int, str], set] = {}
    matches = find_matches(shard, index, VocabularyMatcher(index))
    for entry, token, length, similarity in matches.itertuples(index=False):
        doc = int(shard.turn_doc[np.searchsorted(shard.turn_token_start, token, side="right") - 1])
        found.setdefault((doc, index.entries[entry].code), set()).add((entry, token, length, round(similarity, 1)))
    return found
