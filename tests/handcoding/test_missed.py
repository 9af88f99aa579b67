"""Missed passages: read and written in the labels format (one flow mapping per line), counted by evaluate
as the theme present, located from the words a researcher pastes."""
import pandas as pd
import pytest

from core.handcoding.evaluate import LabelsError, MissedPassage, evaluate, read_labels
from core.handcoding.labels import (
    QuoteMark,
    locate_passage,
    mark_missed,
    mark_quote,
    mark_transcript,
    read_missed,
    unmark_missed,
)

LABELS = """coder: me
transcripts:
  t1:
    present: [speed]
    absent: [garden]
  t2:
    present: []
    absent: [speed, garden]
"""


def test_marks_are_written_one_per_line_and_read_back(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text(LABELS)
    mark_missed(path, MissedPassage("t2", "speed", 10, 25))
    mark_missed(path, MissedPassage("t2", "speed", 10, 25))  # the same passage is kept once
    mark_missed(path, MissedPassage("t1", "garden", 3, 9))
    assert path.read_text() == LABELS + ("missed:\n  - {transcript: t2, theme: speed, start: 10, end: 25}\n"
                                         "  - {transcript: t1, theme: garden, start: 3, end: 9}\n")
    assert read_missed(path) == [MissedPassage("t2", "speed", 10, 25), MissedPassage("t1", "garden", 3, 9)]
    assert read_labels(path).missed == tuple(read_missed(path))
    unmark_missed(path, MissedPassage("t2", "speed", 10, 25))
    assert read_missed(path) == [MissedPassage("t1", "garden", 3, 9)]


def test_other_marks_survive_a_missed_mark_and_the_other_way_round(tmp_path):
    path = tmp_path / "labels.yaml"
    mark_missed(path, MissedPassage("t9", "speed", 0, 4), coder="me")  # a new file
    mark_quote(path, QuoteMark("t9", "speed", 5, 9, correct=True))
    mark_transcript(path, "t9", present=["speed"])
    labels = read_labels(path)
    assert labels.coder == "me" and labels.missed == (MissedPassage("t9", "speed", 0, 4),)
    assert labels.transcripts["t9"].present == {"speed"}
    assert "  - {transcript: t9, theme: speed, start: 0, end: 4}\n" in path.read_text()


@pytest.mark.parametrize("entry, message", [
    ("{transcript: t1, theme: speed, start: 5}", "missed passage without end"),
    ("{transcript: t1, theme: speed, start: 5, end: x}", "whole numbers"),
    ("{transcript: t1, theme: speed, start: 9, end: 5}", "start must be below its end"),
    ("just text", "must be a mapping"),
])
def test_a_malformed_passage_names_the_file_and_line(tmp_path, entry, message):
    path = tmp_path / "labels.yaml"
    path.write_text(LABELS + f"missed:\n  - {{transcript: t1, theme: speed, start: 1, end: 2}}\n  - {entry}\n")
    with pytest.raises(LabelsError, match=message) as caught:
        read_labels(path)
    assert f"{path}:11" in str(caught.value)  # the second item's line


def test_a_missed_list_that_is_not_a_list_is_an_error(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text(LABELS + "missed: {t1: 3}\n")
    with pytest.raises(LabelsError, match="`missed:` lists"):
        read_labels(path)


def test_an_empty_passage_is_refused(tmp_path):
    with pytest.raises(LabelsError, match="start < end"):
        mark_missed(tmp_path / "labels.yaml", MissedPassage("t1", "speed", 5, 5))


def scores(found: dict[str, set[str]]):
    ids = ["t1", "t2", "t3"]
    transcripts = pd.DataFrame({"transcript_id": ids, "occupation": ["other"] * 3})
    themes = pd.DataFrame([(t, theme, int(theme in found.get(t, set()))) for t in ids for theme in ("speed", "garden")],
                          columns=["transcript_id", "theme", "present"])
    return transcripts, themes


def test_evaluate_counts_a_missed_passage_as_the_theme_present_and_lists_it(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text(LABELS)
    transcripts, themes = scores({"t1": {"speed"}})
    before = evaluate(transcripts, themes, read_labels(path), ["speed", "garden"]).themes.set_index("theme")
    assert before.loc["speed", ["tp", "fn", "tn"]].tolist() == [1, 0, 1] and before.loc["speed", "recall"] == 1.0
    mark_missed(path, MissedPassage("t2", "speed", 10, 25))   # coded absent, but a passage shows it
    mark_missed(path, MissedPassage("t3", "speed", 0, 8))     # not coded at all: the passage codes it
    result = evaluate(transcripts, themes, read_labels(path), ["speed", "garden"])
    speed = result.themes.set_index("theme").loc["speed"]
    assert speed[["tp", "fp", "fn", "tn"]].tolist() == [1, 0, 2, 0] and speed["recall"] == pytest.approx(1 / 3)
    assert result.missed[["theme", "transcript_id", "start", "end", "found_now"]].values.tolist() == [
        ["speed", "t2", 10, 25, False], ["speed", "t3", 0, 8, False]]
    assert "passages the codebook missed (2" in "\n".join(result.lines())


TEXT = "Assistant: Are you worried?\n\nUser: Honestly I fear\nfor my job. I also fear spiders."
TURNS = pd.DataFrame({"turn": [0, 1], "speaker": ["interviewer", "participant"], "start": [0, 29],
                      "end": [27, len(TEXT)]})


def test_a_pasted_passage_is_found_in_a_participant_turn_whatever_its_case_and_spacing():
    start, end = locate_passage(TEXT, TURNS, "  I FEAR for my   job ")
    assert TEXT[start:end] == "I fear\nfor my job"


@pytest.mark.parametrize("passage", ["worried", "spiders and snakes", "   "])
def test_a_passage_not_said_by_the_participant_is_a_labels_error(passage):
    with pytest.raises(LabelsError) as caught:
        locate_passage(TEXT, TURNS, passage)
    assert caught.value.hint
