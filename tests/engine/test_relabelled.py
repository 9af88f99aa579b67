"""A speaker-label edit is previewed from the kept texts, scoring afresh only the transcripts with a line starting
with a label it changed, and gives the diff, the edited rows and the whole analysis a fresh run of the edit gives."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import ROOT

from core import analyse, parse_codebook
from core.engine import relabelled, rescore
from core.engine.cache import ShardTexts
from core.engine.corpus import SpeakerConfig
from core.engine.executor import LocalProcesses
from core.engine.relabelled import changed_labels, label_search
from core.engine.rescore import CachedCorpus
from core.workbench.diff import SENTENCES, diff_scores, fill_sentences, scored_preview

DEMO = ROOT / "data" / "demo"
CODEBOOK = (ROOT / "config" / "codebook.yaml").read_text()
LABELS = "    interviewer: [Assistant, AI, Interviewer]\n    participant: [User, Participant, Respondent]\n"
EDITS = {  # the speaker lines of the saved codebook -> those of the edited one
    "add a label some transcripts hold": LABELS.replace("Interviewer]", "Interviewer, Moderator]"),
    "add a label no transcript holds": LABELS.replace("Interviewer]", "Interviewer, Facilitator]"),
    "remove a label": LABELS.replace(", Respondent]", "]"),
    "move a label to the other role": LABELS.replace("Assistant, ", "").replace("[User", "[Assistant, User"),
}


@lru_cache(maxsize=1)
def folder() -> Path:
    """The demo transcripts in a temporary folder, in some of them the interviewer's later turns labelled
    "MODERATOR:", in others the participant's "Respondent (Sam Lee):", in one "moderator" said mid-sentence
    (not a label: it must change nothing)."""
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="themescope-relabel-"))
    for number, path in enumerate(sorted(DEMO.glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        if number % 4 == 1:
            first = text.index("\nAI:") + 4
            text = text[:first] + text[first:].replace("\nAI:", "\nMODERATOR:")
        if number % 3 == 2:
            first = text.index("\nUser:") + 6
            text = text[:first] + text[first:].replace("\nUser:", "\nRespondent (Sam Lee):")
        if number == 6:
            text = text.replace("User: ", "User: The moderator asked us this before. ", 1)
        (out / path.name).write_text(text, encoding="utf-8")
    return out


def codebook(labels: str, min_hits: int):
    assert LABELS in CODEBOOK
    return parse_codebook(CODEBOOK.replace(LABELS, labels).replace("  min_hits: 1\n", f"  min_hits: {min_hits}\n"),
                          source=str(ROOT / "config" / "codebook.yaml"))


def scored(labels: str, min_hits: int):
    return analyse([folder()], codebook=codebook(labels, min_hits), use_cache=False, workers=1)


@lru_cache(maxsize=2)
def saved(min_hits: int):
    analysis = scored(LABELS, min_hits)
    return CachedCorpus.of(analysis), analysis


def never_from_files(monkeypatch):
    monkeypatch.setattr(rescore, "analyse", lambda *_, **__: pytest.fail("split every transcript from its file"))


@pytest.mark.parametrize("min_hits", [1, 2])
@pytest.mark.parametrize("edit", list(EDITS))
def test_a_label_edit_previews_as_the_diff_of_a_fresh_run(edit, min_hits, monkeypatch):
    corpus, before = saved(min_hits)
    after = scored(EDITS[edit], min_hits)
    full = diff_scores(before, after)
    for table in (full.gained, full.lost):
        fill_sentences(table, corpus.texts, limit=SENTENCES)
    never_from_files(monkeypatch)
    quick, edited = scored_preview(corpus, before, after.codebook)
    for name in ("themes", "occupations", "gained", "lost"):
        pd.testing.assert_frame_equal(getattr(quick, name), getattr(full, name), check_dtype=False, obj=name)
    ids = after.transcripts["transcript_id"]
    pd.testing.assert_frame_equal(edited.themes_of(before, ids), after.themes, check_dtype=False)
    pd.testing.assert_frame_equal(edited.transcripts, after.transcripts, check_dtype=False)
    assert quick.changed == (edit != "add a label no transcript holds")


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_whole_analysis_of_a_label_edit_is_a_fresh_runs(edit, monkeypatch):
    corpus, before = saved(1)
    after = scored(EDITS[edit], 1)
    never_from_files(monkeypatch)
    whole = corpus.score(after.codebook, base=before)
    for name in ("transcripts", "themes", "hits", "cancelled"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(after, name), check_dtype=False, obj=name)


def test_workers_score_a_label_edit_as_a_fresh_run(monkeypatch):
    """On a pool the workers read the kept texts, search and score them; the same tables come back."""
    _, before = saved(1)
    after = scored(EDITS["move a label to the other role"], 1)
    monkeypatch.setattr(rescore, "PARALLEL_SHARDS", 1)
    never_from_files(monkeypatch)
    with LocalProcesses(2) as pool:
        whole = CachedCorpus.of(before, executor=pool).score(after.codebook, base=before)
    for name in ("transcripts", "themes", "hits", "cancelled"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(after, name), check_dtype=False, obj=name)


def transcripts_scored_afresh(corpus, before, labels: str) -> list[str]:
    changes = corpus.changes(codebook(labels, 1), before)
    return sorted(changes.themes["transcript_id"].unique())


def test_only_the_transcripts_with_a_line_starting_with_a_changed_label_are_scored_afresh(monkeypatch):
    corpus, before = saved(1)
    never_from_files(monkeypatch)
    texts = dict(zip(corpus.transcript_ids, corpus.texts(corpus.transcript_ids)))
    holding = sorted(tid for tid, text in texts.items() if re.search(r"^[ \t]*moderator", text, re.I | re.M))
    assert 0 < len(holding) < len(texts) // 2
    assert "moderator asked" in texts["demo_007"] and "demo_007" not in holding  # said, not a label
    assert transcripts_scored_afresh(corpus, before, EDITS["add a label some transcripts hold"]) == holding
    assert transcripts_scored_afresh(corpus, before, EDITS["add a label no transcript holds"]) == []


def test_saving_a_label_edit_after_its_preview_gives_a_cold_runs_results(tmp_path):
    edited = codebook(EDITS["add a label some transcripts hold"], 1)
    before = analyse([folder()], codebook=codebook(LABELS, 1), cache_dir=tmp_path, workers=1)
    scored_preview(CachedCorpus.of(before), before, edited)
    saved_run = analyse([folder()], codebook=edited, cache_dir=tmp_path, workers=1)
    cold = scored(EDITS["add a label some transcripts hold"], 1)
    for name in ("transcripts", "themes", "hits", "cancelled"):
        pd.testing.assert_frame_equal(getattr(saved_run, name), getattr(cold, name), check_dtype=False, obj=name)


def test_the_changed_labels_are_those_whose_role_differs():
    before = SpeakerConfig(("AI", "Interviewer"), ("User", "Participant"))
    assert changed_labels(before, SpeakerConfig(("ai", "Interviewer"), ("USER", "Participant"))) == ()
    assert changed_labels(before, SpeakerConfig(("AI",), ("User", "Participant", "Interviewer"))) == (
        "Interviewer", "interviewer")
    assert changed_labels(before, SpeakerConfig(("AI", "Interviewer"), ("Participant",))) == ("User", "user")


@pytest.mark.parametrize("text, found", [("HOST: hi", True), ("hoſt: hi", True), ("Ho st: hi", False),
                                         ("\u212aey: hi", True), ("the ghost said", True), ("Hose:", False)])
def test_the_label_search_finds_every_spelling_the_speaker_regex_matches(text, found):
    """The regex compares with `re.I` on the text: "ſ" matches "s", the Kelvin sign "k"."""
    search = re.compile(label_search(["Host", "key"]))
    assert (search.search(text.encode()) is not None) == found
    assert (re.search("host|key", text, re.I) is not None) == found  # what the split would match


def test_a_label_is_found_where_it_starts_a_line_of_one_text():
    parts = ["... Ho", "ST: here\n", "  host: a\n\n", "host (1:02): b"]  # "HoST:" runs from one into the next
    texts = ShardTexts({"text": np.frombuffer("".join(parts).encode(), dtype=np.uint8),
                        "text_length": np.array([len(part) for part in parts])})
    assert relabelled.LabelSearch.of(["host"]).holding(texts) == [2, 3]


def test_an_edit_of_the_labels_case_alone_scores_no_transcript(monkeypatch):
    corpus, before = saved(1)
    never_from_files(monkeypatch)
    assert transcripts_scored_afresh(corpus, before, LABELS.replace("[User", "[USER").replace("AI,", "ai,")) == []
