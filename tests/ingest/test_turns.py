from core.ingest.turns import INTERVIEWER, PARTICIPANT, speaker_pattern, split_turns, strip_header

PATTERN = speaker_pattern(("Assistant", "AI", "Interviewer"), ("User", "Participant", "Respondent"))
PARTICIPANTS = ("User", "Participant", "Respondent")


def test_turns_span_paragraphs_and_keep_offsets():
    text = "Assistant: Hello.\n\nUser: First para.\n\nSecond para.\n\nAI: Next?\nUser: Done."
    turns = split_turns(text, PATTERN, PARTICIPANTS)
    assert [t.role for t in turns] == [INTERVIEWER, PARTICIPANT, INTERVIEWER, PARTICIPANT]
    assert text[turns[1].start:turns[1].end] == "First para.\n\nSecond para."
    assert text[turns[3].start:turns[3].end] == "Done."


def test_all_label_spellings_are_recognised():
    text = "Interviewer: q\nRespondent: a\nParticipant: b\nuser: c"
    roles = [t.role for t in split_turns(text, PATTERN, PARTICIPANTS)]
    assert roles == [INTERVIEWER, PARTICIPANT, PARTICIPANT, PARTICIPANT]


def test_label_inside_a_line_is_not_a_turn():
    turns = split_turns("User: I asked the AI: why?", PATTERN, PARTICIPANTS)
    assert len(turns) == 1


def test_no_labels_gives_no_turns():
    assert split_turns("just prose", PATTERN, PARTICIPANTS) == []


def test_markdown_header_is_removed_and_read():
    body, fields = strip_header("# Dialog 00570\n\n**Transcript ID:** work_0188\n**Region:** EU\n\n---\n\nAI: Hi")
    assert body == "AI: Hi"
    assert fields == {"transcript_id": "work_0188", "region": "EU"}


def test_text_without_header_is_unchanged():
    assert strip_header("User: a\n---\nAI: b") == ("User: a\n---\nAI: b", {})


from hypothesis import given, settings
from hypothesis import strategies as st

from core.engine.corpus import SpeakerConfig, _turn_table
from core.ingest.loaders import LoadReport, RawTranscript

LINES = st.sampled_from(["User: hi there", "AI: why?", "  user : lower", "Participant:", "", "text", " \u00a0",
                         "Assistant: intro\n\nmore", "# title", "a User: inline", "Respondent:  x  "])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(LINES, max_size=6).map("\n".join), min_size=1, max_size=4))
def test_shard_turn_table_agrees_with_split_turns(texts):
    speakers = SpeakerConfig(("Assistant", "AI", "Interviewer"), PARTICIPANTS)
    raws = [RawTranscript(f"t{i}", text, "mem") for i, text in enumerate(texts)]
    table, turn_texts = _turn_table(raws, speakers, LoadReport())
    expected = []
    for doc, text in enumerate(texts):
        turns = split_turns(text, PATTERN, PARTICIPANTS)
        if not turns:
            expected.append((doc, 0, 1, 0, len(text.rstrip())))
        expected += [(doc, t.number, int(t.role == PARTICIPANT), t.start, t.end) for t in turns]
    assert [tuple(row) for row in table.tolist()] == expected
    assert turn_texts == [texts[doc][start:end] for doc, _, _, start, end in expected]
