"""The occupation from the participant's own job description, keyword fallback, the uncertain flag, and the
metadata rule. All sentences are made up."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support import ROOT

from core import analyse, load_codebook
from core.engine.corpus import build_shard
from core.engine.metadata import override_occupations
from core.engine.occupation import (
    _CUE_PAIRS,
    _CUE_THEN,
    CLAUSE_END,
    CLAUSE_WORDS,
    CUE,
    GENERIC_ROLES,
    MODIFIERS,
    SEGMENT_WORDS,
    STRONG,
    SelfDescription,
    _last_solid,
    cue_candidates,
    describe_clause,
    judged_at,
    phrase_words,
    self_descriptions,
    titles_index,
)
from core.engine.occupation_choice import (
    MAX_SENTENCE,
    SENTENCE_END,
    SPEAKER_LABEL,
    KeywordChoice,
    decide,
    evidence_span,
    source_counts,
)
from core.engine.pipeline import ShardScorer, speakers_for
from core.ingest.loaders import LoadReport, RawTranscript

OPENING = "Assistant: Any questions before we start?\nUser: No, go ahead.\nAssistant: What do you do?\n"


@pytest.fixture(scope="module")
def book():
    return load_codebook(ROOT / "config" / "codebook.yaml")


def scored(book, answers: dict[str, str]) -> pd.DataFrame:
    """The transcripts table of made-up interviews, one participant answer each."""
    raws = [RawTranscript(tid, OPENING + f"User: {answer}\nAssistant: Thanks.\n", "made-up.txt", {})
            for tid, answer in answers.items()]
    shard = build_shard(raws, speakers_for(book), LoadReport())
    return ShardScorer(book).score(shard).transcripts.set_index("transcript_id")


class ReadTexts(list):
    """A shard's texts that note which transcripts' texts were read."""

    def __init__(self, texts):
        super().__init__(texts)
        self.read: set[int] = set()

    def __getitem__(self, index):
        self.read.add(index)
        return super().__getitem__(index)


def test_only_a_self_description_reads_its_transcript_text(book):
    """Deciding occupations reads a transcript's text only for a self-description's evidence sentence: from
    the cache each text read is decoded, and a preview decides thousands of occupations."""
    answers = ["I'm a registered nurse on a cardiac ward.", "Mostly devops and backend tickets, some cybersecurity.",
               "Fine, thanks."]
    raws = [RawTranscript(f"t{i}", OPENING + f"User: {answer}\nAssistant: Thanks.\n", "made-up.txt", {})
            for i, answer in enumerate(answers)]
    shard = build_shard(raws, speakers_for(book), LoadReport())
    described = self_descriptions(shard, np.arange(len(shard.turn_doc)), titles_index(book.job_titles))
    shard.texts = ReadTexts(shard.texts)
    table = ShardScorer(book).score(shard, described).transcripts
    assert table["occupation_source"].tolist() == ["self-description", "keywords", "none"]
    assert "nurse" in table["occupation_evidence"][0] and shard.texts.read == {0}


@pytest.mark.parametrize(("answer", "group"), [
    ("I'm a registered nurse on a cardiac ward.", "healthcare"),
    ("I am an elementary school teacher.", "education"),
    ("I work as a Restaurant Manager so I plan shifts.", "other"),
    ("I work in a contact center and answer calls all day.", "admin_support"),
    ("My role is senior paralegal at a small practice.", "legal"),
    ("My job is production coordinator on a TV series.", "film_vfx_media"),
    ("As a sysadmin, I keep the servers patched.", "it_software"),
    ("I've been a mechanical engineer for 12 years.", "engineering"),
    ("I teach chemistry to teenagers.", "education"),
    ("I look after patients in a care home.", "healthcare"),
    ("I run a restaurant with my brother.", "other"),
    ("I'm in charge of data entry for a small firm.", "admin_support"),
    ("I'm a freelance copywriter.", "writing_editing"),
    ("I'm a lead UX designer.", "design_arts"),
    ("I'm a junior data engineer.", "it_software"),
    ("I'm a short film screenwriter.", "writing_editing"),          # the head noun is the job
    ("I'm a manager at a dental practice.", "healthcare"),          # a generic role defers to the trade
    ("I am an accountant at a hospital.", "business_finance"),      # the title beats the workplace
    ("I work in IT for a bank.", "it_software"),                    # IT in capitals is the trade
    ("I work in elementary schools across the district.", "education"),  # plural
    ("It saves me hours in my workday as a phone interpreter.", "writing_editing"),  # "as a" inside a sentence
    ("I engage a lot of different people as a consultant.", "business_finance"),
    ("One of those jobs is a preschool teacher.", "education"),
    ("As a tech startup founder and project manager I use it daily.", "business_finance"),  # the head noun
])
def test_self_descriptions_in_many_phrasings_map_to_their_group(book, answer, group):
    row = scored(book, {"t": answer}).loc["t"]
    assert (row["occupation"], row["occupation_source"]) == (group, "self-description")


@pytest.mark.parametrize(("answer", "group"), [
    ("So I do customer service for a telecom provider.", "admin_support"),   # "I do" + an activity at once
    ("I do payroll for a construction firm, mostly.", "business_finance"),
    ("I do QA for a game studio.", "it_software"),
    ("I handle claims for an insurer.", "business_finance"),
    ("I manage the books for three restaurants.", "business_finance"),      # the activity, not the workplace
    ("I run a small landscaping crew.", "other"),
    ("I'm mostly a writer, so I outline and draft.", "writing_editing"),    # a hedge between "I'm" and "a"
    ("I work in green energy, and am a compliance engineer.", "engineering"),  # "am" without its "I"
    ("My day-to-day role is that of a senior finance manager.", "business_finance"),
    ("So working in the police force, I rehearse hard conversations.", "other"),
    ("Working in a pharmacy, we check drug interactions.", "healthcare"),
    ("I work as a software engineer intern.", "it_software"),               # the level word defers
    ("I am a programmer by trade.", "it_software"),
    ("I am a clinical coder for a large hospital.", "healthcare"),          # not a software coder
    ("I work in social care.", "healthcare"),
    ("I am a nail tech and post pricing lists.", "other"),
    ("Working within the admissions office of a technical college, I write reports.", "education"),
    ("I have been working in analytical chemistry.", "science_research"),
    ("I work for a local news website.", "writing_editing"),              # "news" is no plural of "new"
    ("I am a commission artist as well as an art workshop facilitator.", "design_arts"),  # the first title
    ("I'm a data analyst, so I write a lot of SQL.", "it_software"),       # the codebook's data analysts
    ("I'm a writer and an ok cook.", "writing_editing"),                   # the judgement ends the reading
    ("I care for the elderly in their own homes.", "healthcare"),
    ("I drive a truck for a living.", "other"),
    ("I'm the IT lead for a small charity.", "it_software"),
])
def test_work_said_in_everyday_words_is_read(book, answer, group):
    row = scored(book, {"t": answer}).loc["t"]
    assert (row["occupation"], row["occupation_source"]) == (group, "self-description")


def test_evidence_is_the_sentence_and_offsets_point_at_the_title(book):
    answer = "Well. I'm a senior software engineer at a bank. I use AI daily."
    table = scored(book, {"t": answer})
    row = table.loc["t"]
    text = OPENING + f"User: {answer}\nAssistant: Thanks.\n"
    assert text[row["occupation_start"]:row["occupation_end"]] == "software engineer"
    assert row["occupation_evidence"] == "I'm a senior software engineer at a bank."


def test_a_self_description_spread_over_later_answers_is_found(book):
    raws = [RawTranscript("t", OPENING + "User: I mostly use it for email.\nAssistant: And your work?\n"
                          "User: Oh, I am a pharmacist.\nAssistant: Thanks.\n", "made-up.txt", {})]
    shard = build_shard(raws, speakers_for(book), LoadReport())
    row = ShardScorer(book).score(shard).transcripts.iloc[0]
    assert (row["occupation"], row["occupation_source"]) == ("healthcare", "self-description")


def test_talk_about_the_ai_is_not_a_self_description(book):
    index = titles_index(book.job_titles)
    text = "I use it as a research assistant and I do some research on prices."
    raws = [RawTranscript("t", OPENING + f"User: {text}\n", "made-up.txt", {})]
    shard = build_shard(raws, speakers_for(book), LoadReport())
    participant_turns = [i for i, role in enumerate(shard.turn_role) if role == 1]
    assert self_descriptions(shard, pd.Series(participant_turns).to_numpy(), index) == [[]]


@pytest.mark.parametrize("text", [
    "I use it as a research assistant and I do some research on prices.",
    "Mostly I treat ChatGPT as a copywriter for first drafts.",
    "I'd rather use AI mostly as a tutor.",
    "As a result, the nurse on shift gets more time.",          # an idiom, not a job
    "As a person attending grad school, I read a lot.",
    "It works great, such as a teacher would explain it.",
    "I'm inconsistent in my writing sometimes.",                 # "I'm in..." is not "I'm in writing"
    "I do the paperwork myself, and I do some research on prices.",  # "I do" + a task, not a trade
    "I do like to write, but I do not use AI much.",
    "I'm a big fan of ChatGPT for drafting.",
    "As a user, I find it slow.",
    "I'm in the middle of a renovation at home.",
    "Working on it with Claude, I got a draft.",                  # "working" opens no workplace here
    "I draft ideas for graphics for products I sell.",            # selling is no trade on its own
    "Though I am a decent writer, I struggle with flow.",         # a judgement of skill, not a job
    "I'm a pretty good coder for a beginner.",
    "I am using her letters as the basis of the novel.",
    "When it breaks I handle it myself.",                        # "it", the pronoun, is not IT
])
def test_talk_about_the_ai_or_idioms_name_no_job(book, text):
    index = titles_index(book.job_titles)
    raws = [RawTranscript("t", OPENING + f"User: {text}\n", "made-up.txt", {})]
    shard = build_shard(raws, speakers_for(book), LoadReport())
    participant_turns = [i for i, role in enumerate(shard.turn_role) if role == 1]
    assert self_descriptions(shard, pd.Series(participant_turns).to_numpy(), index) == [[]]


def test_keyword_evidence_is_the_fallback(book):
    row = scored(book, {"t": "Mostly debugging python scripts and reviewing pull requests on github."}).loc["t"]
    assert row["occupation_source"] == "keywords" and row["occupation"] == "it_software"
    assert row["occupation_start"] == -1


def test_own_patients_are_a_clinicians_keyword_evidence(book):
    row = scored(book, {"t": "I plan fun activities for my patients and residents with dementia."}).loc["t"]
    assert (row["occupation"], row["occupation_source"]) == ("healthcare", "keywords")


def test_no_evidence_is_other_with_source_none_and_uncertain(book):
    row = scored(book, {"t": "Happy to help, ask away."}).loc["t"]
    assert (row["occupation"], row["occupation_source"], bool(row["occupation_uncertain"])) == ("other", "none", True)
    assert row["occupation_confidence"] == 0.0


def test_disagreeing_evidence_is_flagged_uncertain_not_hidden():
    keywords = KeywordChoice("it_software", "python x3; sql", share=0.9, score=4.0)
    index_found = []  # a strong self-description naming another group
    from core.engine.occupation import SelfDescription
    index_found.append(SelfDescription("education", 6, 13, strength=3, phrase_words=1))
    decision = decide(index_found, keywords, "I'm a teacher who codes")
    assert (decision.occupation, decision.source, decision.uncertain) == ("education", "self-description", True)
    assert decision.confidence < 0.95


def test_a_weak_cue_gives_way_to_clear_keywords():
    from core.engine.occupation import SelfDescription
    keywords = KeywordChoice("it_software", "sysadmin; servers", share=1.0, score=3.0)
    found = [SelfDescription("education", 12, 18, strength=2, phrase_words=1)]  # "I work at a school"
    decision = decide(found, keywords, "I work at a school")
    assert (decision.occupation, decision.source, decision.uncertain) == ("it_software", "keywords", True)


def test_agreeing_evidence_is_confident(book):
    row = scored(book, {"t": "I'm a software developer; I write python code and review pull requests."}).loc["t"]
    assert row["occupation_confidence"] >= 0.9 and not row["occupation_uncertain"]


def test_longest_phrase_wins_and_modifiers_are_ignored(book):
    index = titles_index(book.job_titles)
    text = "senior medical writer for a journal"
    assert describe_clause(text, 0, len(text), index, 3).group == "writing_editing"


def test_metadata_still_wins(book):
    table = scored(book, {"t": "I am a nurse."}).reset_index()
    given = override_occupations(table, pd.Series({"t": "legal"}))
    row = given.iloc[0]
    assert (row["occupation"], row["occupation_source"], bool(row["occupation_uncertain"])) == \
        ("legal", "metadata", False)
    assert row["occupation_start"] == -1 and row["occupation_evidence"] == "metadata"


def test_source_counts_summarise_the_table(book):
    table = scored(book, {"a": "I am a nurse.", "b": "Ask away.", "c": "I debug python scripts on github."})
    counts = source_counts(table)
    assert counts["self-description"] == 1 and counts["none"] == 1 and counts["keywords"] == 1
    assert counts["uncertain"] >= 1


def test_evidence_span_drops_the_speaker_label():
    text = "User: I'm a baker"
    start = text.index("baker")
    assert evidence_span(text, start, start + 5) == (6, len(text))


def test_a_codebook_without_a_title_file_uses_keywords_and_warns(tmp_path):
    (tmp_path / "book.yaml").write_bytes((ROOT / "config" / "codebook.yaml").read_bytes())
    book = load_codebook(tmp_path / "book.yaml")
    assert book.job_titles is None and "job-title file not found" in book.notes[0].message
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text(OPENING + "User: I am a nurse.\n")
    analysis = analyse([tmp_path / "data"], codebook=book, cache_dir=tmp_path / "cache")
    assert analysis.transcripts["occupation_source"].iloc[0] != "self-description"
    assert any("job-title file not found" in p.message for p in analysis.report.problems)


def test_the_title_file_is_part_of_the_codebook_hash(tmp_path):
    (tmp_path / "book.yaml").write_bytes((ROOT / "config" / "codebook.yaml").read_bytes())
    (tmp_path / "job_titles.yaml").write_text("healthcare: [nurse]\n")
    first = load_codebook(tmp_path / "book.yaml")
    (tmp_path / "job_titles.yaml").write_text("healthcare: [nurse, midwife]\n")
    second = load_codebook(tmp_path / "book.yaml")
    assert first.content_hash != second.content_hash and first != second
    from core.engine.codebook_changes import occupations_differ
    assert occupations_differ(first, second)


def participant_shard(book, answers: list[str]):
    raws = [RawTranscript(f"t{i}", f"User: {answer}\n", "made-up.txt", {}) for i, answer in enumerate(answers)]
    return build_shard(raws, speakers_for(book), LoadReport())


def test_the_cue_regex_is_not_tried_where_the_next_word_cannot_continue_a_cue(book):
    shard = participant_shard(book, ["I have used it. I'm not sure. In my experience I was told.",
                                     "I have been a nurse. I'm in charge of it. In my role as a tutor I also teach."])
    turns, offsets = cue_candidates(shard, np.arange(len(shard.turn_doc)))
    tried = [shard.texts[shard.turn_doc[t]][o:o + 9] for t, o in zip(turns.tolist(), offsets.tolist())]
    assert tried == ["I have be", "I'm in ch", "In my rol", "my role a", "as a tuto", "I also te"]


# words around the cues' openings, with what tokenizing and case folding make of some (an apostrophe after a
# word, the long s, the Kelvin sign, a dotted capital I)
CUE_TEXT_WORDS = ["I", "i", "I'm", "I’m", "Im", "I've", "m", "am", "AM", "have", "been", "was", "also", "mostly",
                  "teach", "teach's", "work", "wor\u212a", "working", "as", "a", "an", "the", "in", "with", "my",
                  "day", "to", "role", "job", "current", "is", "employed", "responsible", "currently", "do", "ſo",
                  "İn", "nurse", "not", "sure", "used", "been's", "a_b", "worked"]


def pair_allowed(shard, turn: int) -> list[int]:
    """Every token of the turn whose word and the next one are a `_CUE_PAIRS` opening: where a cue may start
    by the pairs alone (the slow, plain way)."""
    tokens = range(shard.turn_token_start[turn], shard.turn_token_start[turn + 1] - 1)
    word = [shard.vocab[w] for w in shard.token_word.tolist()]
    return [int(shard.token_start[t]) for t in tokens if word[t] in _CUE_PAIRS
            and (_CUE_PAIRS[word[t]] is None or word[t + 1] in _CUE_PAIRS[word[t]])]


def assert_no_cue_left_out(shard):
    """cue_candidates offers only positions the pairs allow, and leaves out none where the cue regex matches."""
    turns, offsets = cue_candidates(shard, np.arange(len(shard.turn_doc)))
    for turn in np.flatnonzero(shard.turn_role == 1).tolist():
        text, end = shard.texts[shard.turn_doc[turn]], int(shard.turn_end[turn])
        kept = set(offsets[turns == turn].tolist())
        allowed = pair_allowed(shard, turn)
        assert kept <= set(allowed)
        assert all(CUE.match(text, start, end) is None for start in set(allowed) - kept), text


@pytest.mark.parametrize("answer", ["I also teach's kids", "I'm ſtill a nurse", "I am in's charge", "I was ſuch a",
                                    "I have been's a", "i mostly do payroll", "In my current role as a tutor",
                                    "my day-to-day job is a", "I m a nurse", "I’ve been a nurse", "im a nurse"])
def test_no_cue_is_left_out_after_an_apostrophe_or_beyond_ascii(book, answer):
    assert_no_cue_left_out(participant_shard(book, [answer]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CUE_TEXT_WORDS), st.sampled_from([" ", "  ", "\t", ", ", ". ", "-"])),
                min_size=1, max_size=14))
def test_cue_candidates_leave_out_no_position_where_the_cue_regex_matches(book, words):
    assert_no_cue_left_out(participant_shard(book, ["".join(word + gap for word, gap in words).strip() or "x"]))


def described_as_before(text, start, limit, index, strength, reach=CLAUSE_WORDS):
    """`describe_clause` as it was written before it read the clause's words in place (the slow, plain way:
    the clause sliced, every kept word's segment counted, every position tried)."""
    limit = min(limit, start + 160)
    end_match = CLAUSE_END.search(text, start, limit)
    keys, spans = phrase_words(text[start:end_match.start() if end_match else limit], start, CLAUSE_WORDS)
    kept = [i for i, k in enumerate(keys) if k not in MODIFIERS or i == len(keys) - 1]
    keys, spans = tuple(keys[i] for i in kept), [spans[i] for i in kept]
    segment = list(itertools.accumulate(k in SEGMENT_WORDS and i > 0 for i, k in enumerate(keys)))
    reach = min(len(keys), reach, judged_at(keys) if strength == STRONG else reach)
    best, best_rank = None, None
    for first in range(reach):
        for size in range(min(index.opening.get(keys[first], 0), len(keys) - first), 0, -1):
            group = index.groups.get(keys[first:first + size])
            if group is None:
                continue
            rank = (size > 1 or keys[first] not in GENERIC_ROLES, -segment[first],
                    first + size if strength == STRONG else -first, size)
            if best_rank is None or rank > best_rank:
                best = SelfDescription(group, spans[first][0], spans[first + size - 1][1], strength, size)
                best_rank = rank
            break
    return best


CLAUSE_TEXT_WORDS = ["software", "engineer", "senior", "lead", "nurse", "nurses", "registered", "manager", "IT", "it",
                     "information", "technology", "teacher", "at", "and", "for", "a", "the", "my", "decent", "good",
                     "freelance", "writer", "team's", "Nurse’s", "owner", "school", "ſoftware", "café", "x_y"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CLAUSE_TEXT_WORDS), st.sampled_from([" ", "  ", ", ", ". ", "-", " and I ",
                                                                               "’", "\n", " who "])),
                max_size=16), st.integers(0, 200), st.integers(0, 200), st.sampled_from([(3, 12), (3, 3), (2, 4),
                                                                                         (2, 1), (3, 0)]))
@example([("senior", " "), ("nurse", ", "), ("freelance", " ")], 0, 200, (2, 1))  # a level word before the reach's end
@example([("lead", " "), ("teacher", " at a "), ("school", " ")], 0, 200, (3, 12))
def test_a_clause_is_described_as_the_plain_reading_describes_it(book, words, start, limit, kind):
    text = "".join(word + gap for word, gap in words)
    start = min(start, len(text))
    index = titles_index(book.job_titles)
    expected = described_as_before(text, start, max(limit, start), index, *kind)
    assert describe_clause(text, start, max(limit, start), index, *kind) == expected


@given(st.text(alphabet=" \t\n\u00a0\u2003ab.", max_size=12), st.integers(0, 12))
def test_the_last_solid_character_before_a_cue_is_the_stripped_texts(text, start):
    start = min(start, len(text))
    assert _last_solid(text, start) == text[:start].rstrip()[-1:]


@given(st.text(alphabet="ab .!?\n:", max_size=400), st.integers(0, 400), st.integers(0, 8))
def test_the_evidence_sentence_starts_after_the_last_sentence_end_the_regex_finds(text, start, length):
    start = min(start, len(text))
    end = min(start + length, len(text))
    before = max(start - MAX_SENTENCE // 2, 0)
    ends = [m.end() for m in SENTENCE_END.finditer(text, before, start)]
    first = ends[-1] if ends else before
    label = SPEAKER_LABEL.match(text[first:start])
    first += label.end() if label else 0
    while first < start and text[first].isspace():
        first += 1
    assert evidence_span(text, start, end)[0] == first


def test_no_one_word_cue_opening_starts_a_two_word_one():
    """`_cue_rules` gives a row the one opening it starts with: were a one-word opening also the first word of a
    two-word one, a row would start with both and the rule it gets would depend on the order they are looked up."""
    one_word = {opening[0] for opening in _CUE_THEN if len(opening) == 1}
    assert one_word and not one_word & {opening[0] for opening in _CUE_THEN if len(opening) == 2}
