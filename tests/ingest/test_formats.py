"""Transcript formats: WebVTT, SubRip, Word and text with speaker names; speakers -> roles; bad files."""
import importlib.util
import io
import zipfile

import docx
import pytest
from support import ROOT

from core import analyse
from core.engine.corpus import SpeakerConfig
from core.engine.turn_table import turn_table
from core.ingest.formats import named_turns
from core.ingest.loaders import LoadReport, RawTranscript, data_files, read_transcripts

FORMATS = ROOT / "data" / "formats"

TEAMS_VTT = """WEBVTT

NOTE synthetic

1
00:14:03.000 --> 00:14:06.000
<v Jane Doe>How do you use AI at work? Does it save you time?</v>

2
00:14:20.500 --> 00:14:24.000
<v Sam Lee>It drafts my reports,</v>

3
00:14:24.000 --> 00:14:28.000
<v Sam Lee>so I save an hour &amp; more.</v>
"""

ZOOM_VTT = """WEBVTT

00:00:01.000 --> 00:00:03.000
Jane Doe: What is your job?

00:00:04.000 --> 00:00:06.000
Sam Lee: I'm an accountant.

00:00:06.000 --> 00:00:08.000
I close the books each month.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Jane Doe: What is your job? And your team?

2
00:01:02,000 --> 00:01:05,000
Sam Lee: I teach maths.
"""


def load(*paths):
    report = LoadReport()
    return {t.transcript_id: t for t in read_transcripts([str(p) for p in paths], report)}, report


def messages(report):
    return "\n".join(str(p) for p in report.problems)


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def word_file(path, paragraphs, table_rows=()):
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table_rows:
        table = document.add_table(rows=len(table_rows), cols=len(table_rows[0]))
        for row, cells in zip(table.rows, table_rows):
            for cell, value in zip(row.cells, cells):
                cell.text = value
    document.save(path)
    return path


# ---------------------------------------------------------------- each format
def test_vtt_voice_tags_become_labelled_turns_with_times_and_merged_cues(tmp_path):
    loaded, report = load(write(tmp_path, "teams.vtt", TEAMS_VTT))
    assert loaded["teams"].text == (
        "Interviewer (Jane Doe, 00:14:03): How do you use AI at work? Does it save you time?\n\n"
        "Participant (Sam Lee, 00:14:20): It drafts my reports, so I save an hour & more.")
    assert "Jane Doe = interviewer (asked 2 of 2 questions), Sam Lee = participant" in messages(report)


def test_vtt_names_in_cue_text_and_unnamed_cues_continue_the_speaker(tmp_path):
    loaded, _ = load(write(tmp_path, "zoom.vtt", ZOOM_VTT))
    assert loaded["zoom"].text == ("Interviewer (Jane Doe, 00:00:01): What is your job?\n\n"
                                   "Participant (Sam Lee, 00:00:04): I'm an accountant. I close the books each month.")


def test_srt_cues_become_turns(tmp_path):
    loaded, _ = load(write(tmp_path, "call.srt", SRT))
    assert loaded["call"].text == ("Interviewer (Jane Doe, 00:00:01): What is your job? And your team?\n\n"
                                   "Participant (Sam Lee, 00:01:02): I teach maths.")


def test_word_file_with_rev_style_turns_and_a_table(tmp_path):
    word_file(tmp_path / "rev.docx", ["Jane Doe (00:00:05):", "What do you do?", "Sam Lee (00:00:09):",
                                      "I design apps.", "Mostly checkout screens."])
    word_file(tmp_path / "table.docx", [], [("Jane Doe", "0:05", "Why AI?"), ("Sam Lee", "0:09", "Speed.")])
    loaded, _ = load(tmp_path)
    assert loaded["rev"].text == ("Interviewer (Jane Doe, 00:00:05): What do you do?\n\n"
                                  "Participant (Sam Lee, 00:00:09): I design apps.\nMostly checkout screens.")
    assert loaded["table"].text == ("Interviewer (Jane Doe, 00:00:05): Why AI?\n\n"
                                    "Participant (Sam Lee, 00:00:09): Speed.")


def test_word_file_with_engine_labels_is_kept_as_written(tmp_path):
    word_file(tmp_path / "plain.docx", ["AI: What do you do?", "User: I nurse."])
    loaded, report = load(tmp_path / "plain.docx")
    assert loaded["plain"].text == "AI: What do you do?\nUser: I nurse." and report.problems == []


@pytest.mark.parametrize("text, expected", [
    ("Title line\n\nJane Doe  0:03\nWhy AI?\n\nSam Lee  1:02:09\nSpeed.\n\nSam Lee  1:02:30\nAnd cost.",  # Otter
     "Title line\n\nInterviewer (Jane Doe, 00:00:03): Why AI?\n\nParticipant (Sam Lee, 01:02:09): Speed.\n\nAnd cost."),
    ("Jane Doe (00:00:03): Why AI?\nSam Lee (00:01:02): Speed.",
     "Interviewer (Jane Doe, 00:00:03): Why AI?\n\nParticipant (Sam Lee, 00:01:02): Speed."),
    ("Jane: Why AI? Why now?\nSam: Speed.\nJane: And?\nSam: Cost.",
     "Interviewer (Jane): Why AI? Why now?\n\nParticipant (Sam): Speed.\n\nInterviewer (Jane): And?\n\n"
     "Participant (Sam): Cost."),
])
def test_text_with_speaker_names_otter_rev_and_plain(tmp_path, text, expected):
    loaded, _ = load(write(tmp_path, "talk.txt", text))
    assert loaded["talk"].text == expected


def test_text_with_engine_labels_or_prose_is_left_alone():
    assert named_turns("AI: Why?\nUser: Speed.\nAI: And?\nUser: Cost.") is None
    assert named_turns("Summary: it helps.\nThe rest is prose.") is None


# ---------------------------------------------------------------- speakers -> roles
QUESTIONING_SAM = SRT.replace("What is your job? And your team?", "I run a lab.").replace("I teach maths.", "Why?")


def test_without_a_table_the_question_rule_decides_and_says_so(tmp_path):
    loaded, report = load(write(tmp_path, "call.srt", QUESTIONING_SAM))
    assert loaded["call"].text == ("Participant (Jane Doe, 00:00:01): I run a lab.\n\n"
                                   "Interviewer (Sam Lee, 00:01:02): Why?")
    assert messages(report) == (f"{tmp_path / 'call.srt'}: speakers: Jane Doe = participant, Sam Lee = interviewer "
                                f"(asked 1 of 1 questions). Fix: to change it, list the speakers in "
                                f"{tmp_path / 'speakers.csv'} (columns speaker,role)")


def test_speakers_csv_overrides_the_question_rule(tmp_path):
    write(tmp_path, "call.srt", QUESTIONING_SAM)
    write(tmp_path, "speakers.csv", "speaker,role\njane  DOE,interviewer\nSam Lee,participant\n")
    loaded, report = load(tmp_path)
    assert list(loaded) == ["call"]  # the table is not a transcript
    assert loaded["call"].text.startswith("Interviewer (Jane Doe, 00:00:01): I run a lab.")
    assert report.problems == []  # the table decided every speaker: nothing to check


def test_with_no_questions_the_first_speaker_is_the_interviewer(tmp_path):
    loaded, report = load(write(tmp_path, "call.srt", QUESTIONING_SAM.replace("Why?", "Fine.")))
    assert loaded["call"].text.startswith("Interviewer (Jane Doe, 00:00:01)")
    assert "Jane Doe = interviewer (no questions: spoke first), Sam Lee = participant" in messages(report)


def test_speakers_yaml_and_a_partial_table(tmp_path):
    write(tmp_path, "call.srt", SRT)
    write(tmp_path, "speakers.yaml", "Sam Lee: interviewer\nNobody: boss\n")
    loaded, report = load(tmp_path)
    assert loaded["call"].text.startswith("Participant (Jane Doe, 00:00:01)")
    text = messages(report)
    assert "speakers: Jane Doe = participant (not in the speakers table), Sam Lee = interviewer" in text
    assert "speakers.yaml:2: speaker 'Nobody': role 'boss' is not interviewer or participant" in text


def test_a_speakers_table_without_its_columns_is_reported_once(tmp_path):
    write(tmp_path, "a.srt", SRT)
    write(tmp_path, "b.srt", SRT)
    write(tmp_path, "speakers.csv", "name,who\nJane Doe,interviewer\n")
    _, report = load(tmp_path)
    assert messages(report).count("speakers table needs the columns speaker and role") == 1


def test_editing_the_speakers_table_changes_cached_results(tiny_codebook, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write(data, "call.srt", SRT)
    first = analyse([data], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    write(data, "speakers.csv", "speaker,role\nJane Doe,participant\nSam Lee,interviewer\n")
    second = analyse([data], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    assert list(first.turns("call")["speaker"]) == ["interviewer", "participant"]
    assert list(second.turns("call")["speaker"]) == ["participant", "interviewer"]


def test_the_engine_reads_written_labels_as_roles_and_keeps_them_out_of_the_words():
    text = "Interviewer (Jane Doe, 00:14:03): Why?\n\nParticipant (Sam Lee, 00:14:20): Speed."
    speakers = SpeakerConfig(("Interviewer",), ("Participant",))
    table, _ = turn_table([RawTranscript("t", text, "t.txt")], speakers.labels, LoadReport())
    assert [row[2] for row in table.tolist()] == [0, 1]
    assert [text[start:end] for start, end in table[:, 3:].tolist()] == ["Why?", "Speed."]


# ---------------------------------------------------------------- bad files
def test_bad_files_are_reported_by_file_and_line_and_the_rest_loads(tmp_path):
    write(tmp_path, "good.vtt", TEAMS_VTT)
    write(tmp_path, "noheader.vtt", "00:00:01.000 --> 00:00:02.000\n<v Jane>Hi</v>\n")
    write(tmp_path, "badcue.vtt", ZOOM_VTT.replace("00:00:04.000 --> 00:00:06.000", "00:00:0x --> 00:00:06.000"))
    write(tmp_path, "nobody.srt", "1\n00:00:01,000 --> 00:00:02,000\njust words\n")
    write(tmp_path, "empty.srt", "")
    (tmp_path / "fake.docx").write_bytes(b"this is not a zip")
    loaded, report = load(tmp_path)
    assert set(loaded) == {"good", "badcue"}
    assert "Sam Lee" not in loaded["badcue"].text.split("I close")[0]  # the broken cue is left out
    text = messages(report)
    assert "noheader.vtt:1: not a WebVTT file" in text
    assert "badcue.vtt:6: cue timing '00:00:0x --> 00:00:06.000' is not valid: cue left out" in text
    assert "nobody.srt: no speaker names in its 1 cue(s): skipped" in text
    assert "empty.srt: empty file skipped" in text
    assert "fake.docx: not a Word .docx file (BadZipFile" in text


def test_a_word_file_that_unpacks_too_large_is_skipped(tmp_path, monkeypatch):
    import core.ingest.formats as formats

    monkeypatch.setattr(formats, "MAX_DOCX_BYTES", 1000)
    word_file(tmp_path / "big.docx", ["Jane Doe (00:00:05): Why?"])
    loaded, report = load(tmp_path / "big.docx")
    assert loaded == {} and "over the limit of 1,000: skipped" in messages(report)


# ---------------------------------------------------------------- the shipped examples
def test_shipped_examples_load_with_their_speakers(tmp_path):
    files = {path.name for path in data_files([FORMATS], LoadReport())}
    assert files == {"teams_ward_nurse.vtt", "zoom_budget_analyst.srt", "rev_ux_designer.docx",
                     "otter_history_teacher.txt", "speakers.csv"}
    loaded, report = load(FORMATS)
    assert set(loaded) == {"teams_ward_nurse", "zoom_budget_analyst", "rev_ux_designer", "otter_history_teacher"}
    assert "Participant (Tom Becker, 00:00:07): Sure." in loaded["teams_ward_nurse"].text
    assert "Interviewer (Grace Liu, 00:00:04): Thank you" in loaded["rev_ux_designer"].text
    text = messages(report)
    assert "rev_ux_designer.docx: speakers: Grace Liu = interviewer (asked 4 of 4 questions)" in text
    assert "teams_ward_nurse.vtt" not in text  # speakers.csv names both of its speakers


def test_the_docx_script_writes_the_shipped_interview(tmp_path):
    spec = importlib.util.spec_from_file_location("make_docx", FORMATS / "make_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path / "rev_ux_designer.docx")
    again, _ = load(tmp_path / "rev_ux_designer.docx")
    shipped, _ = load(FORMATS / "rev_ux_designer.docx")
    assert again["rev_ux_designer"].text == shipped["rev_ux_designer"].text


def test_analysis_of_the_shipped_examples_finds_themes_only_in_participant_words(default_codebook, tmp_path):
    analysis = analyse([FORMATS], codebook=default_codebook, cache_dir=tmp_path)
    assert len(analysis.transcripts) == 4
    assert set(analysis.transcripts["occupation"]) == {"healthcare", "business_finance", "design_arts", "education"}
    hits = analysis.hits
    assert len(hits) > 20 and set(hits["speaker"]) == {"participant"}
    for transcript_id, group in hits.groupby("transcript_id"):
        turns = analysis.turns(transcript_id).set_index("turn")
        assert (turns.loc[group["turn"], "speaker"] == "participant").all()
        assert (group["start"].to_numpy() >= turns.loc[group["turn"], "start"].to_numpy()).all()  # not in a label
    nurse = analysis.text("teams_ward_nurse")
    assert "save you time" in nurse  # the interviewer's words hold theme terms, yet no hit lands there
    assert not any(nurse[start:end] == "save you time" for start, end in zip(hits["start"], hits["end"]))


def test_docx_text_of_a_damaged_zip_is_reported(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/other.xml", "<x/>")
    (tmp_path / "broken.docx").write_bytes(buffer.getvalue())
    loaded, report = load(tmp_path / "broken.docx")
    assert loaded == {} and "broken.docx: not a Word .docx file" in messages(report)


def test_the_speakers_table_is_read_once_for_all_the_transcripts_beside_it(tmp_path, monkeypatch):
    from core.ingest import formats

    reads = []
    real = formats._read_speakers
    monkeypatch.setattr(formats, "_read_speakers", lambda path, report: reads.append(path) or real(path, report))
    formats._parsed_speakers.cache_clear()
    for name in ("a.srt", "b.srt", "c.srt"):
        write(tmp_path, name, QUESTIONING_SAM)
    write(tmp_path, "speakers.csv", "speaker,role\nJane Doe,interviewer\n")
    assert len(load(tmp_path)[0]) == 3 and len(reads) == 1
    write(tmp_path, "speakers.csv", "speaker,role\nJane Doe,interviewer\nSam Lee,participant\n")  # edited: again
    load(tmp_path)
    assert len(reads) == 2
