"""A corpus in shards: batches of transcripts with their turns and word tokens as flat arrays.

A `Shard` is the unit of work, of parallelism and of caching. Its tokens are word ids into the shard's own
vocabulary, with a break token (id 0) after every turn so no phrase can match across turns. Offsets are
character offsets into the transcript text, so every hit maps back to the exact words.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .loaders import LoadReport, RawTranscript
from .text import WORD, lower_same_length
from .turns import PARTICIPANT, speaker_pattern, split_turns

BREAK = 0  # the word id that separates turns
ROLE_CODES = {"interviewer": 0, "participant": 1}
ROLE_NAMES = {code: name for name, code in ROLE_CODES.items()}


@dataclass(frozen=True)
class SpeakerConfig:
    """Which turn labels belong to whom, and whose turns are tokenized."""

    interviewer: tuple[str, ...]
    participant: tuple[str, ...]
    roles: tuple[str, ...] = (PARTICIPANT,)

    @property
    def pattern(self) -> re.Pattern:
        return speaker_pattern(self.interviewer, self.participant)


@dataclass
class Shard:
    """A batch of transcripts, their turns and their tokens (see module docstring)."""

    ids: list[str]
    sources: list[str]
    attributes: list[dict]
    texts: list[str]
    turn_doc: np.ndarray          # int32, transcript index (in this shard) of each turn
    turn_number: np.ndarray       # int32, position of the turn in its transcript (0 = first)
    turn_role: np.ndarray         # int8, ROLE_CODES
    turn_start: np.ndarray        # int32, character offsets of the turn text
    turn_end: np.ndarray
    turn_token_start: np.ndarray  # int64, n_turns + 1 entries into the token arrays
    token_word: np.ndarray        # int32, word id per token (BREAK after each turn)
    token_start: np.ndarray       # int32, character offset of each token
    vocab: list[str] = field(default_factory=list)  # word id -> normalised word; vocab[0] == ""

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def word_length(self) -> np.ndarray:
        return np.fromiter(map(len, self.vocab), dtype=np.int32, count=len(self.vocab))

    def turn_words(self) -> np.ndarray:
        """Number of words in each tokenized turn (turns of roles not tokenized have 0)."""
        return np.diff(self.turn_token_start) - 1

    def words_by_role(self, role: str) -> np.ndarray:
        """Words per transcript in turns of the given role."""
        mask = self.turn_role == ROLE_CODES[role]
        return np.bincount(self.turn_doc[mask], weights=self.turn_words()[mask],
                           minlength=len(self)).astype(np.int64)


def build_shard(transcripts: list[RawTranscript], speakers: SpeakerConfig, report: LoadReport) -> Shard:
    """Split each transcript into turns and tokenize the turns of the roles in `speakers.roles`."""
    pattern = speaker_pattern(speakers.interviewer, speakers.participant)
    wanted = {ROLE_CODES[r] for r in speakers.roles}
    turns: list[tuple[int, int, int, int, int]] = []
    words: list[str] = []
    starts: list[np.ndarray] = []
    turn_token_start: list[int] = []
    for doc, raw in enumerate(transcripts):
        lowered = lower_same_length(raw.text).replace("’", "'")  # same length: offsets stay valid
        doc_turns = list(_turns_of(raw, pattern, speakers, report))
        begins = word_begins(lowered)
        bounds = np.searchsorted(begins, [edge for t in doc_turns for edge in (t[2], t[3])]).tolist()
        for k, (number, role, start, end) in enumerate(doc_turns):
            turns.append((doc, number, role, start, end))
            turn_token_start.append(len(words))
            if role in wanted:
                found = WORD.findall(lowered, start, end)
                words += found
                lo, hi = bounds[2 * k], bounds[2 * k + 1]
                # the numpy word starts, unless they ever disagree with the regex on the count
                starts.append(begins[lo:hi] if hi - lo == len(found) else _regex_starts(lowered, start, end))
            words.append("")  # the BREAK token: no phrase continues past a turn's end
            starts.append(np.array([end], dtype=np.int64))
    turn_token_start.append(len(words))
    vocab = dict.fromkeys(["", *words])  # C-speed de-duplication, first-seen order, "" first (= BREAK)
    for number, word in enumerate(vocab):
        vocab[word] = number
    table = np.array(turns, dtype=np.int64).reshape(-1, 5)
    return Shard(
        ids=[t.transcript_id for t in transcripts], sources=[t.source for t in transcripts],
        attributes=[t.attributes for t in transcripts], texts=[t.text for t in transcripts],
        turn_doc=table[:, 0].astype(np.int32), turn_number=table[:, 1].astype(np.int32),
        turn_role=table[:, 2].astype(np.int8), turn_start=table[:, 3].astype(np.int32),
        turn_end=table[:, 4].astype(np.int32), turn_token_start=np.array(turn_token_start, dtype=np.int64),
        token_word=np.fromiter(map(vocab.__getitem__, words), dtype=np.int32, count=len(words)),
        token_start=np.concatenate(starts).astype(np.int32) if starts else np.zeros(0, np.int32),
        vocab=list(vocab))


_WORD_CHAR = np.array([chr(c).isalnum() for c in range(128)])


def word_begins(lowered: str) -> np.ndarray:
    """Where every WORD match of `lowered` begins, computed with numpy over code points: the regex's
    finditer makes one Python object per word and was the tokenizer's hot spot."""
    codes = np.frombuffer(lowered.encode("utf-32-le"), dtype=np.uint32)
    is_word = _WORD_CHAR[np.minimum(codes, 127)]
    wide = codes > 127
    if wide.any():
        is_word[wide] = [chr(c).isalnum() for c in codes[wide]]
    inner_apostrophe = np.zeros_like(is_word)
    inner_apostrophe[1:-1] = (codes[1:-1] == 39) & is_word[:-2] & is_word[2:]
    joined = is_word | inner_apostrophe
    return np.flatnonzero(joined & ~np.concatenate(([False], joined[:-1])))


def _regex_starts(lowered: str, start: int, end: int) -> np.ndarray:
    return np.array([m.start() for m in WORD.finditer(lowered, start, end)], dtype=np.int64)


def _turns_of(raw: RawTranscript, pattern: re.Pattern, speakers: SpeakerConfig,
              report: LoadReport) -> Iterator[tuple[int, int, int, int]]:
    turns = split_turns(raw.text, pattern, speakers.participant)
    if not turns:
        report.add(raw.source, f"{raw.transcript_id}: no speaker labels (such as 'User:'), so the whole text "
                               "is read as the participant's", hint="label turns, or map labels in the codebook")
        yield 0, ROLE_CODES[PARTICIPANT], 0, len(raw.text)
        return
    # text before the first label (a title, notes) belongs to no speaker and is not coded
    for turn in turns:
        yield turn.number, ROLE_CODES[turn.role], turn.start, turn.end
