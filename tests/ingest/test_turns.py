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

from core.engine.corpus import SpeakerConfig
from core.engine.turn_table import turn_table
from core.ingest.loaders import LoadReport, RawTranscript

LINES = st.sampled_from(["User: hi there", "AI: why?", "  user : lower", "Participant:", "", "text", " \u00a0",
                         "Assistant: intro\n\nmore", "# title", "a User: inline", "Respondent:  x  "])
# what numpy must leave to the regex or decide as it does: case folding beyond ASCII ("ſ" is "s", "K" is
# "k"), details in brackets, tabs, blank runs longer than its windows, emoji and accents before and after labels,
# white space `str.rstrip` removes that is not a blank (no-break, ideographic, line separators)
TRICKY = st.sampled_from([
    "Aſſiſtant: folded", "USER: caps", "uSeR:x", "\tUser:\ttab", "User (Sam Lee, 00:14:20): details",
    "User (unclosed: no", "User ( a ) ( b ): two", "User" + " " * 40 + ": far colon", "User:" + " " * 40 + "far text",
    "Useré: accent", "éUser: accent first", "👍 User: emoji first", "User: 👍🏽 emoji after", "AI:",
    "Participant\u00a0: no-break", "User: ends in no-break\u00a0", "User: ideographic\u3000\u3000",
    "User: many trailing" + " \u2028" * 12, "User:", "AIx: not a label", "A: short", "Us", "Interviewer\t :\t x",
    "café", "  ", "Participant(no space): x", "İnterviewer: dotted", "Respondent: don’t fact-check it’s ok",
    "AI: a lone surrogate \ud800 here"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(LINES | TRICKY, max_size=6).map("\n".join), min_size=1, max_size=4))
def test_shard_turn_table_agrees_with_split_turns(texts):
    """The vectorised turn table against the regex's turns, text by text (the obviously correct one)."""
    speakers = SpeakerConfig(("Assistant", "AI", "Interviewer"), PARTICIPANTS)
    raws = [RawTranscript(f"t{i}", text, "mem") for i, text in enumerate(texts)]
    table, shard_text = turn_table(raws, speakers.labels, LoadReport())
    expected = []
    for doc, text in enumerate(texts):
        turns = split_turns(text, PATTERN, PARTICIPANTS)
        if not turns:
            expected.append((doc, 0, 1, 0, len(text.rstrip())))
        expected += [(doc, t.number, int(t.role == PARTICIPANT), t.start, t.end) for t in turns]
    assert [tuple(row) for row in table.tolist()] == expected
    codes, offsets = shard_text.segments(table[:, 0], table[:, 3], table[:, 4])
    joined = "\n".join(texts[doc][start:end] for doc, _, _, start, end in expected)
    assert codes.tobytes().decode("utf-32-le", errors="surrogatepass") == joined
    lengths = [end - start for _, _, _, start, end in expected]
    assert offsets.tolist() == [sum(lengths[:i]) + i for i in range(len(expected))]
