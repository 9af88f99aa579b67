"""A corpus in shards: batches of transcripts with their turns and word tokens as flat arrays.

A `Shard` is the unit of work, of parallelism and of caching. Its tokens are word ids into the shard's own
vocabulary, with a break token (id 0) after every turn so no phrase can match across turns. Offsets are
character offsets into the transcript text, so every hit maps back to the exact words.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.engine.passages import SentenceEnds
from core.engine.turn_table import ROLE_CODES, LabelSet, ShardText, turn_table
from core.ingest.loaders import LoadReport, RawTranscript
from core.ingest.turns import PARTICIPANT, speaker_pattern

BREAK = 0  # the word id that separates turns
_CURLY_APOSTROPHE = ord("’")
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

    @property
    def labels(self) -> LabelSet:
        return LabelSet.of(self.pattern, self.interviewer, self.participant)


@dataclass(frozen=True)
class TurnCodes:
    """The code points of a shard's tokenized turns as `build_shard` read them, one after the other with a
    line break between, and where each turn starts in them (-1: a turn not tokenized). Kept while a shard
    built from texts is scored, so the hits' matched texts are read from them instead of sliced from the texts
    one by one; a shard loaded from the cache has none."""

    codes: np.ndarray       # uint32
    turn_start: np.ndarray  # int64, per turn of the shard

    def span_texts(self, at: np.ndarray, lengths: np.ndarray) -> pa.StringArray:
        """The `lengths[i]` characters from code point `at[i]`, as Arrow strings: one decode of them all, each
        string's UTF-8 bytes counted with numpy (no Python string per span)."""
        picked = self.codes[concatenated_ranges(at, lengths)]
        data = picked.tobytes().decode("utf-32-le").encode("utf-8")
        width = 1 + (picked >= 0x80).astype(np.int32) + (picked >= 0x800) + (picked >= 0x10000)
        bytes_before = np.concatenate(([0], np.cumsum(width, dtype=np.int64)))
        offsets = bytes_before[np.concatenate(([0], np.cumsum(lengths)))].astype(np.int32)
        return pa.StringArray.from_buffers(len(at), pa.py_buffer(offsets), pa.py_buffer(data))


def concatenated_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """start, start+1, ..., start+length-1 for every pair, concatenated (np.arange per pair, vectorised)."""
    total = int(lengths.sum())
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)


def tokens_holding(token_word: np.ndarray, tokens: np.ndarray, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(token, item) for each of `tokens` whose word (`token_word`) is one of `words` (any order, repeats
    allowed), a token once per item holding its word; item: the position in `words`. A mask of the words
    rules out most tokens before the few left are looked up.

    >>> [a.tolist() for a in tokens_holding(np.array([7, 3, 7, 5]), np.arange(4), np.array([7, 5, 7]))]
    [[0, 0, 2, 2, 3], [0, 2, 0, 2, 1]]
    """
    if not len(words):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    top = int(words.max())
    wanted = np.zeros(top + 2, dtype=bool)  # the last: every word beyond `words`
    wanted[words] = True
    tokens = tokens[wanted[np.minimum(token_word[tokens], top + 1)]]
    order = np.argsort(words, kind="stable")
    held = token_word[tokens].astype(np.int64)
    first = np.searchsorted(words[order], held, "left")
    count = np.searchsorted(words[order], held, "right") - first
    return np.repeat(tokens, count).astype(np.int64), order[concatenated_ranges(first, count)]


@dataclass
class Shard:
    """A batch of transcripts, their turns and their tokens (see module docstring)."""

    ids: list[str]
    sources: list[str]
    attributes: list[dict]
    texts: Sequence[str]  # from the cache: a `cache.ShardTexts`, each text decoded when first read
    turn_doc: np.ndarray          # int32, transcript index (in this shard) of each turn
    turn_number: np.ndarray       # int32, position of the turn in its transcript (0 = first)
    turn_role: np.ndarray         # int8, ROLE_CODES
    turn_start: np.ndarray        # int32, character offsets of the turn text
    turn_end: np.ndarray
    turn_token_start: np.ndarray  # int64, n_turns + 1 entries into the token arrays
    token_word: np.ndarray        # int32, word id per token (BREAK after each turn)
    token_start: np.ndarray       # int32, character offset of each token
    vocab: list[str] = field(default_factory=list)  # word id -> normalised word; vocab[0] == ""
    turn_codes: TurnCodes | None = None  # built from texts: the tokenized turns' code points
    sentence_ends: SentenceEnds | None = None  # see `sentences`

    def span_texts(self, doc: np.ndarray, turn: np.ndarray, start: np.ndarray, end: np.ndarray) -> pa.StringArray:
        """texts[doc][start:end] of every span (each inside the turn `turn`), as Arrow strings: from the turns'
        code points when the shard has them, from its UTF-8 buffer when it comes from the cache (`ShardTexts`), else
        sliced from the texts."""
        codes, texts = self.turn_codes, self.texts
        if codes is not None and len(turn) and codes.turn_start[turn].min() >= 0:
            return codes.span_texts(codes.turn_start[turn] + start - self.turn_start[turn], end - start)
        if hasattr(texts, "spans"):  # a shard from the cache: cut from its UTF-8 buffer
            return texts.spans(doc, start, end)
        return pa.array([texts[d][s:e] for d, s, e in zip(doc.tolist(), start.tolist(), end.tolist())], pa.string())

    def __len__(self) -> int:
        return len(self.ids)

    def sentences(self) -> SentenceEnds:
        """Where the sentences of the turns holding words end (what every hit's passage is cut from): kept with
        the shard in the cache, else worked out once, from the turns' code points or texts."""
        if self.sentence_ends is None:
            codes, lengths = self.turn_codes, self.turn_end.astype(np.int64) - self.turn_start
            self.sentence_ends = SentenceEnds.of_codes(codes.codes, codes.turn_start, lengths) if codes is not None \
                else SentenceEnds.of_texts(self.texts, self.turn_doc, self.turn_start, self.turn_end,
                                           np.flatnonzero(self.turn_words() > 0))
        return self.sentence_ends

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

    Both are vectorised over the whole shard: the turns are found on the code points of its texts
    (`core.engine.turn_table`), the turns to tokenize cut from them, word boundaries found with numpy, and the
    words identified by Arrow's hash table, so no Python object is made per turn or word.
    """
    turns, text = turn_table(transcripts, speakers.labels, report)
    tokenized = np.flatnonzero(np.isin(turns[:, 2], [ROLE_CODES[r] for r in speakers.roles]))
    raw, segment_offset = text.segments(turns[tokenized, 0], turns[tokenized, 3], turns[tokenized, 4])
    return _tokenized(Shard(ids=[t.transcript_id for t in transcripts], sources=[t.source for t in transcripts],
                            attributes=[t.attributes for t in transcripts], texts=[t.text for t in transcripts],
                            **_turn_fields(turns)), raw, segment_offset, tokenized)


def with_roles_tokenized(shard: Shard, roles: tuple[str, ...]) -> Shard:
    """The same transcripts and turns with only the turns of `roles` tokenized, as `build_shard` would
    tokenize them: how an edit that reads another role's turns (a scope edit) scores the turns the kept
    shard never tokenized, without reading and splitting the files again."""
    tokenized = np.flatnonzero(np.isin(shard.turn_role, [ROLE_CODES[r] for r in roles]))
    text = ShardText.of([shard.texts[d] for d in range(len(shard))])  # as `build_shard` cuts its turns
    raw, segment_offset = text.segments(shard.turn_doc[tokenized], shard.turn_start[tokenized],
                                        shard.turn_end[tokenized])
    table = np.column_stack((shard.turn_doc, shard.turn_number, shard.turn_role, shard.turn_start, shard.turn_end))
    return _tokenized(Shard(ids=shard.ids, sources=shard.sources, attributes=shard.attributes, texts=shard.texts,
                            **_turn_fields(table.astype(np.int64))), raw, segment_offset, tokenized)


def _turn_fields(turns: np.ndarray) -> dict:
    """The turn arrays of a shard from a (doc, number, role, start, end) table, with no tokens yet."""
    return dict(turn_doc=turns[:, 0].astype(np.int32), turn_number=turns[:, 1].astype(np.int32),
                turn_role=turns[:, 2].astype(np.int8), turn_start=turns[:, 3].astype(np.int32),
                turn_end=turns[:, 4].astype(np.int32), turn_token_start=np.zeros(len(turns) + 1, dtype=np.int64),
                token_word=np.zeros(0, dtype=np.int32), token_start=np.zeros(0, dtype=np.int32))


def _tokenized(shard: Shard, raw: np.ndarray, segment_offset: np.ndarray, tokenized: np.ndarray) -> Shard:
    """`shard` with the turns at `tokenized` tokenized, a BREAK after every turn: `raw` holds their texts' code
    points joined by line breaks, each starting at `segment_offset`."""
    looked_up = looked_up_codes(raw)
    begins, ends, in_word = _word_bounds(looked_up)
    per_segment = np.diff(np.append(np.searchsorted(begins, segment_offset), len(begins)))  # words are in order
    word_id, vocab = _word_ids(looked_up, begins, ends, in_word)
    # one BREAK token after every turn: token i of turn t moves t places to the right
    per_turn = np.zeros(len(shard.turn_doc), dtype=np.int64)
    per_turn[tokenized] = per_segment
    turn_token_start = np.concatenate(([0], np.cumsum(per_turn + 1))).astype(np.int64)
    token_word = np.zeros(turn_token_start[-1], dtype=np.int32)
    token_start = np.zeros(turn_token_start[-1], dtype=np.int32)
    placed = np.arange(len(begins)) + np.repeat(tokenized, per_segment)
    token_word[placed] = word_id
    token_start[placed] = begins + np.repeat(shard.turn_start[tokenized] - segment_offset, per_segment)
    token_start[turn_token_start[1:] - 1] = shard.turn_end
    code_start = np.full(len(shard.turn_doc), -1, dtype=np.int64)
    code_start[tokenized] = segment_offset
    return replace(shard, turn_token_start=turn_token_start, token_word=token_word, token_start=token_start,
                   vocab=vocab, turn_codes=TurnCodes(raw, code_start), sentence_ends=None)


_WORD_BIT = np.uint32(1 << 31)  # above every code point: marks a word character in the table below


def _normal(code: int) -> int:
    """A character as shards compare it: its first lower-case character (see lower_same_length), with the
    typographic apostrophe as a plain one."""
    lowered = ord(chr(code).lower()[0])
    return ord("'") if lowered == _CURLY_APOSTROPHE else lowered


def _table_entry(code: int) -> int:
    normal = _normal(code)
    return normal | (int(_WORD_BIT) if chr(normal).isalnum() else 0)


@cache
def char_table() -> np.ndarray:
    """Every character of the Basic Multilingual Plane: its normal code point, with _WORD_BIT set when that
    is a letter or digit (made once per process, ~30 ms)."""
    return np.array([_table_entry(code) for code in range(65536)], dtype=np.uint32)


def normalise(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The normal code points (lower_same_length, ’ as ') and whether each is a word character, by one table
    look-up; characters beyond the BMP (emoji, rare scripts) are worked out one distinct character at a
    time. The length never changes, so offsets stay valid."""
    looked_up = looked_up_codes(codes)
    return looked_up & ~_WORD_BIT, looked_up >= _WORD_BIT


def looked_up_codes(codes: np.ndarray) -> np.ndarray:
    """`char_table`'s entry of every code point (its normal code point, with _WORD_BIT on a word character);
    those beyond the BMP worked out one distinct character at a time."""
    looked_up = np.take(char_table(), codes, mode="wrap")  # cheaper than "clip"; the astral ones are redone below
    astral = np.flatnonzero(codes > 65535)
    if len(astral):
        distinct, which = np.unique(codes[astral], return_inverse=True)
        looked_up[astral] = np.array([_table_entry(c) for c in distinct.tolist()], dtype=np.uint32)[which]
    return looked_up


def word_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of every word of `text` as shards find them (WORD matches in the normalised
    text: letters/digits, inner apostrophes joined), computed with numpy over code points; the tests check
    it against the regex."""
    return _word_bounds(looked_up_codes(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)))[:2]


def _word_bounds(looked_up: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts and ends of the words, and whether each code point is in a word, from the `looked_up_codes` of
    the text (an apostrophe's entry is its code, 39: no word character's)."""
    word = np.zeros(len(looked_up) + 2, dtype=bool)  # padded with a non-word character at each end
    np.greater_equal(looked_up, _WORD_BIT, out=word[1:-1])
    apostrophe = np.flatnonzero(looked_up[1:-1] == 39) + 2  # few: their neighbours are looked at one by one
    word[apostrophe] = word[apostrophe - 1] & word[apostrophe + 1]  # an apostrophe inside a word
    edges = np.flatnonzero(word[1:] != word[:-1])
    return edges[0::2].astype(np.int64), edges[1::2].astype(np.int64), word[1:-1]


def _word_ids(looked_up: np.ndarray, begins: np.ndarray, ends: np.ndarray,
              in_word: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Word id of every token (1..n, in order of first use; 0 is BREAK) and the vocabulary (`looked_up`: the
    `looked_up_codes` of the text).

    Arrow's hash table identifies the words exactly, without a Python object per token: the code points
    inside words, packed end to end, are viewed as a binary array with one value per word, and that array
    is dictionary-encoded. Each code point takes the fewest bytes that hold the batch's largest (one for
    Latin-1 text): the same words, a sixth less hashing, a quarter of the bytes to decode."""
    if not len(begins):
        return np.zeros(0, dtype=np.int32), [""]
    packed = np.compress(in_word, looked_up)  # boolean indexing takes twice as long
    width, encoding = _narrowest(int(packed.max() & ~_WORD_BIT))
    packed = packed.astype(_WIDTHS[width]) if width < 4 else packed & ~_WORD_BIT  # narrowing drops the bit
    offsets = np.zeros(len(begins) + 1, dtype=np.int64)
    np.cumsum((ends - begins) * width, out=offsets[1:])
    words = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(begins),
                                             [None, pa.py_buffer(offsets), pa.py_buffer(packed)])
    encoded = pc.dictionary_encode(words)
    vocab = [""] + _decoded_words(encoded.dictionary, width, encoding)
    return np.add(encoded.indices.to_numpy(), 1, dtype=np.int32), vocab


_WIDTHS = {1: np.uint8, 2: np.uint16, 4: np.uint32}


def _narrowest(top: int) -> tuple[int, str]:
    """Bytes per code point, and their encoding, for code points up to `top` (no word character is a
    surrogate, so UTF-16 holds the BMP's one unit each)."""
    return (1, "latin-1") if top < 256 else (2, "utf-16-le") if top < 65536 else (4, "utf-32-le")


def _decoded_words(words: pa.LargeBinaryArray, width: int, encoding: str) -> list[str]:
    """The values of a binary array of `width`-byte code points as strings: one decode of the whole buffer,
    then slices."""
    offsets = np.frombuffer(words.buffers()[1], dtype=np.int64)[words.offset:words.offset + len(words) + 1]
    text = str(memoryview(words.buffers()[2])[offsets[0]:offsets[-1]], encoding)
    bounds = ((offsets - offsets[0]) // width).tolist()
    return [text[start:end] for start, end in zip(bounds[:-1], bounds[1:])]
