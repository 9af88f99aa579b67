"""A corpus in shards: batches of transcripts with their turns and word tokens as flat arrays.

A `Shard` is the unit of work, of parallelism and of caching. Its tokens are word ids into the shard's own
vocabulary, with a break token (id 0) after every turn so no phrase can match across turns. Offsets are
character offsets into the transcript text, so every hit maps back to the exact words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .loaders import LoadReport, RawTranscript
from .text import lower_same_length
from .turns import PARTICIPANT, speaker_pattern

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
    """Split each transcript into turns and tokenize the turns of the roles in `speakers.roles`.

    Tokenizing is vectorised over the whole shard: the turns to tokenize are joined, word boundaries found
    on their code points with numpy, and each word identified by a polynomial hash, so no Python object is
    made per word.
    """
    turns = _turn_table(transcripts, speakers, report)
    tokenized = np.flatnonzero(np.isin(turns[:, 2], [ROLE_CODES[r] for r in speakers.roles]))
    segments = [transcripts[d].text[s:e] for d, s, e in turns[tokenized][:, [0, 3, 4]].tolist()]
    joined = lower_same_length("\n".join(segments)).replace("’", "'")  # same length: offsets stay valid
    segment_offset = np.cumsum([0] + [len(text) + 1 for text in segments])[:-1].astype(np.int64)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    begins, ends = _word_bounds(codes)
    segment_of = np.searchsorted(segment_offset, begins, side="right") - 1
    turn_of = tokenized[segment_of]
    word_id, vocab = _word_ids(joined, codes, begins, ends)
    # one BREAK token after every turn: token i of turn t moves t places to the right
    per_turn = np.bincount(turn_of, minlength=len(turns))
    turn_token_start = np.concatenate(([0], np.cumsum(per_turn + 1))).astype(np.int64)
    token_word = np.zeros(turn_token_start[-1], dtype=np.int32)
    token_start = np.zeros(turn_token_start[-1], dtype=np.int32)
    placed = np.arange(len(begins)) + turn_of
    token_word[placed] = word_id
    token_start[placed] = begins - segment_offset[segment_of] + turns[turn_of, 3]
    token_start[turn_token_start[1:] - 1] = turns[:, 4]
    return Shard(
        ids=[t.transcript_id for t in transcripts], sources=[t.source for t in transcripts],
        attributes=[t.attributes for t in transcripts], texts=[t.text for t in transcripts],
        turn_doc=turns[:, 0].astype(np.int32), turn_number=turns[:, 1].astype(np.int32),
        turn_role=turns[:, 2].astype(np.int8), turn_start=turns[:, 3].astype(np.int32),
        turn_end=turns[:, 4].astype(np.int32), turn_token_start=turn_token_start,
        token_word=token_word, token_start=token_start, vocab=vocab)


_WORD_CHAR = np.array([chr(c).isalnum() for c in range(128)])


def _by_code_point(codes: np.ndarray, ascii_table: np.ndarray, test) -> np.ndarray:
    """test(character) for every code point: a table look-up for ASCII, and one call per distinct other
    character (texts repeat the same few: dashes, curly quotes, accented letters)."""
    result = ascii_table[np.minimum(codes, 127)]
    wide = np.flatnonzero(codes > 127)
    if len(wide):
        distinct, which = np.unique(codes[wide], return_inverse=True)
        result[wide] = np.array([test(chr(c)) for c in distinct.tolist()], dtype=bool)[which]
    return result


def word_bounds(lowered: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of every WORD match in `lowered` (letters/digits, inner apostrophes joined),
    computed with numpy over code points; the tests check it against the regex."""
    return _word_bounds(np.frombuffer(lowered.encode("utf-32-le"), dtype=np.uint32))


def _word_bounds(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    is_word = _by_code_point(codes, _WORD_CHAR, str.isalnum)
    inner_apostrophe = np.zeros_like(is_word)
    inner_apostrophe[1:-1] = (codes[1:-1] == 39) & is_word[:-2] & is_word[2:]
    word = np.concatenate(([False], is_word | inner_apostrophe, [False]))
    edges = np.flatnonzero(word[1:] != word[:-1])
    return edges[0::2].astype(np.int64), edges[1::2].astype(np.int64)


_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier of the polynomial word hash
_powers = np.ones(1, dtype=np.uint64)


def _powers_of_base(n: int) -> np.ndarray:
    """B^1 .. B^n, computed once per process and grown when a longer shard comes."""
    global _powers
    if len(_powers) < n:
        with np.errstate(over="ignore"):
            _powers = np.cumprod(np.full(max(n, 2 * len(_powers)), _BASE, dtype=np.uint64))
    return _powers[:n]


def _word_ids(text: str, codes: np.ndarray, begins: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Word id of every token (1..n; 0 is BREAK) and the vocabulary, from a polynomial hash of each word,
    sum(c_i * B^i), shifted to a common origin. The arithmetic wraps modulo 2**64 on purpose."""
    if not len(begins):
        return np.zeros(0, dtype=np.int32), [""]
    powers = _powers_of_base(len(codes) + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * powers[:-1], dtype=np.uint64, out=prefix[1:])
        hashes = (prefix[ends] - prefix[begins]) * powers[len(codes) - begins]
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    vocab = [""] + [text[b:e] for b, e in zip(begins[first].tolist(), ends[first].tolist())]
    return (inverse + 1).astype(np.int32), vocab


def _turn_table(transcripts: list[RawTranscript], speakers: SpeakerConfig, report: LoadReport) -> np.ndarray:
    """(doc, number, role, start, end) of every turn of every transcript, as an int64 array.

    One regex pass over the joined shard finds the speaker labels; which transcript each belongs to, where
    each turn ends and its trailing white space are then worked out with numpy."""
    texts = [t.text for t in transcripts]
    joined = "\n".join(texts)  # each text starts a line, so its first label matches the ^-anchored pattern
    doc_start = np.cumsum([0] + [len(text) + 1 for text in texts]).astype(np.int64)
    label_start, content_start, roles = _labels_in(joined, speakers)
    doc = np.searchsorted(doc_start, label_start, side="right") - 1
    unlabelled = np.flatnonzero(np.bincount(doc, minlength=len(texts)) == 0)
    for d in unlabelled.tolist():
        raw = transcripts[d]
        report.add(raw.source, f"{raw.transcript_id}: no speaker labels (such as 'User:'), so the whole text "
                   "is read as the participant's", hint="label turns, or map labels in the codebook")
    # a turn runs to the next label of its transcript, or to the transcript's end; then back over white space
    next_label = np.append(label_start[1:], np.iinfo(np.int64).max)
    bound = np.minimum(next_label, doc_start[doc + 1] - 1)
    end = _trim_white_space(joined, content_start, bound)
    number = np.arange(len(doc)) - np.searchsorted(doc, doc)  # position of the turn in its transcript
    labelled = np.column_stack((doc, number, roles, content_start - doc_start[doc], end - doc_start[doc]))
    whole = np.array([(d, 0, ROLE_CODES[PARTICIPANT], 0, len(texts[d].rstrip())) for d in unlabelled.tolist()],
                     dtype=np.int64).reshape(-1, 5)
    table = np.concatenate((labelled.reshape(-1, 5).astype(np.int64), whole))
    return table[np.lexsort((table[:, 1], table[:, 0]))]  # text before a first label belongs to no one


def _labels_in(joined: str, speakers: SpeakerConfig) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Where each speaker label starts, where its turn's text starts, and its role. re.split with the label
    as a group yields the pieces in order; their lengths give the offsets without a match object each."""
    pattern = re.compile(f"({speakers.pattern.pattern})", speakers.pattern.flags)
    pieces = pattern.split(joined)  # text, whole label, label name, text, whole label, label name, ...
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    lengths[2::3] = 0  # the label name is inside the whole label: it takes no room of its own
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    participant = {label.lower() for label in speakers.participant}
    roles = [ROLE_CODES[PARTICIPANT] if name.lower() in participant else 0 for name in pieces[2::3]]
    return offsets[1::3][: len(roles)], offsets[3::3][: len(roles)], roles


_SPACE_CHAR = np.array([chr(c).isspace() for c in range(128)])


def _trim_white_space(text: str, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Each end moved back over white space, never before its start (like len(text[:end].rstrip())).
    Steps back all ends at once; the few long runs of white space finish in Python."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    end = end.copy()
    for _ in range(8):
        at = np.maximum(end - 1, 0)
        moving = (end > start) & _by_code_point(codes[at], _SPACE_CHAR, str.isspace)
        if not moving.any():
            return end
        end[moving] -= 1
    for i in np.flatnonzero((end > start) & _by_code_point(codes[np.maximum(end - 1, 0)], _SPACE_CHAR,
                                                            str.isspace)).tolist():
        end[i] = max(int(start[i]), len(text[:end[i]].rstrip()))
    return end
