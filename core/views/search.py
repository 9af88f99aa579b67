"""Full-text search over every word the participants said (not only over codebook hits), as keyword-in-context.

    index = TextIndex(analysis.store)                 # one per analysis; remembers what it has read
    found = index.search('"human in the loop" hallucinat*')
    found.matches                                     # transcript_id, turn, start, end, term: one row per mention

A query is one or more terms: a word (`deadline`, which also finds `deadlines`, and `organise` finds
`organized`: its inflections and British/American spellings, as the engine's own lexicon gives them), a
phrase or an exact word in double quotes (`"human in the loop"`, `"deadline"`) or a prefix (`hallucinat*`).
A transcript matches when its participants said every term (like a web search); each mention of any term is
a match. Words are compared as the engine compares them (case and typographic
apostrophes folded), using the word ids the shards already hold, so a search never reads a text: only the
keyword-in-context lines do, for the page of matches on screen.
"""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.engine.cache import TranscriptStore
from core.engine.corpus import ROLE_CODES, normalise, word_bounds
from core.engine.lexicon import inflections, spelling_variants
from core.engine.results import Analysis
from core.views.filters import ViewData

MAX_TERMS = 8
_TERM = re.compile(r'"([^"]*)"|(\S+)')
MATCH_COLUMNS = ["transcript_id", "turn", "start", "end", "term"]


@dataclass(frozen=True)
class Term:
    """One term of a query: its words as shards hold them; `prefix` when the last word ends in `*`, `forms`
    when a single unquoted word also stands for its inflections and spelling variants."""

    text: str
    words: tuple[str, ...]
    prefix: bool = False
    forms: bool = False

    def alternatives(self, position: int) -> tuple[str, bool]:
        """The words the term accepts at `position`, and whether they are prefixes."""
        word = self.words[position]
        if self.forms:
            return word, False
        return word, self.prefix and position == len(self.words) - 1


def parse_query(query: str) -> list[Term]:
    """The terms of a query (at most MAX_TERMS); text without a word character in it is left out.

    >>> [(t.words, t.prefix) for t in parse_query('Deadline "human in the loop" hallucinat* !!')]
    [(('deadline',), False), (('human', 'in', 'the', 'loop'), False), (('hallucinat',), True)]
    """
    terms = []
    for phrase, word in _TERM.findall(query):
        text = phrase or word
        words = folded_words(text)
        if words:
            prefix = not phrase and text.endswith("*")
            terms.append(Term(text, tuple(words), prefix, forms=not phrase and not prefix and len(words) == 1))
    return terms[:MAX_TERMS]


def folded_words(text: str) -> list[str]:
    """The words of `text` as the shards' vocabularies hold them (same word bounds, same folding)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    folded = normalise(codes)[0].astype(np.uint32).tobytes().decode("utf-32-le")
    starts, ends = word_bounds(text)
    return [folded[start:end] for start, end in zip(starts.tolist(), ends.tolist())]


@dataclass(frozen=True)
class Found:
    matches: pd.DataFrame  # MATCH_COLUMNS, in transcript then text order
    terms: list[Term]

    @property
    def transcripts(self) -> list[str]:
        return list(pd.unique(self.matches["transcript_id"]))

    def within(self, data: ViewData, mask: np.ndarray) -> pd.DataFrame:
        """The matches in the transcripts of `data` that `mask` keeps (a filtered view)."""
        docs = data.docs_of(self.matches["transcript_id"])
        return self.matches[(docs >= 0) & mask[np.maximum(docs, 0)]]


class _Shard:
    """One shard's vocabulary, read once, and its tokens, mapped from the file when a search first needs them:
    only a search whose every term the vocabulary holds reads (and checks the checksums of) them. The vocabulary
    is an Arrow string array, so finding a term's words is one vectorised pass, never a Python loop over words."""

    def __init__(self, store: TranscriptStore, number: int):
        self.store, self.number = store, number
        self.vocab, self.lengths = _vocabulary(np.asarray(store.shard_vocabulary_bytes(number)))

    @cached_property
    def tokens(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """The ids of its transcripts, its token and turn arrays (two sessions may both read them: the same)."""
        return self.store.shard_tokens(self.number)

    def accepts(self, term: Term, position: int) -> np.ndarray:
        """Per word id: is it a word the term accepts at `position`?"""
        word, prefix = term.alternatives(position)
        if prefix:
            found = pc.starts_with(self.vocab, pattern=word)
        else:
            forms = inflections(word) | spelling_variants(word) | {word} if term.forms else {word}
            found = pc.is_in(self.vocab, value_set=pa.array(sorted(forms), pa.string()))
        return found.to_numpy(zero_copy_only=False)

    def mentions_of(self, terms: list[Term]) -> list[pd.DataFrame]:
        """Every mention of each term in a participant's turn; none when the vocabulary lacks a word of a term
        (no transcript here says every term), and then no token is read."""
        accepted = [[self.accepts(term, position) for position in range(len(term.words))] for term in terms]
        if not all(words.any() for each in accepted for words in each):
            return []
        return [self._mentions(term, each) for term, each in zip(terms, accepted)]

    def _mentions(self, term: Term, accepted: list[np.ndarray]) -> pd.DataFrame:
        """Every mention of `term` in a participant's turn (`accepted`: per word of the term, per word id)."""
        ids, arrays = self.tokens
        word, start = arrays["token_word"], arrays["token_start"]
        positions = np.flatnonzero(accepted[0][word])
        for offset in range(1, len(term.words)):
            positions = positions[positions + offset < len(word)]
            positions = positions[accepted[offset][word[positions + offset]]]
        turns = np.searchsorted(arrays["turn_token_start"], positions, side="right") - 1
        said = arrays["turn_role"][turns] == ROLE_CODES["participant"]
        positions, turns = positions[said], turns[said]
        final = positions + len(term.words) - 1
        return pd.DataFrame({"transcript_id": np.array(ids, dtype=object)[arrays["turn_doc"][turns]],
                             "turn": arrays["turn_number"][turns], "start": start[positions],
                             "end": start[final].astype(np.int64) + self.lengths[word[final]],
                             "term": term.text})


def _vocabulary(utf8: np.ndarray) -> tuple[pa.StringArray, np.ndarray]:
    """A shard's vocabulary (its words joined by newlines, UTF-8) as an Arrow string array, and each word's
    length in code points (a word's end offset in the text). The array is made over the bytes, newlines left
    out, without decoding them to Python text (half the time); bytes that are not UTF-8 are decoded."""
    breaks = np.flatnonzero(utf8 == 10)
    starts = np.concatenate([[0], breaks + 1])
    offsets = np.concatenate([starts - np.arange(len(starts)), [len(utf8) - len(breaks)]]).astype(np.int32)
    vocab = pa.StringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(utf8[utf8 != 10]))
    try:
        vocab.validate(full=True)
    except pa.ArrowInvalid:
        return _decoded_vocabulary(utf8)
    return vocab, pc.utf8_length(vocab).to_numpy().astype(np.int64)


def _decoded_vocabulary(utf8: np.ndarray) -> tuple[pa.StringArray, np.ndarray]:
    """`_vocabulary` of bytes that are not all UTF-8: decoded with replacement characters, each word's length
    counted by the bytes that start a character."""
    text = utf8.tobytes().decode("utf-8", errors="replace")  # a lone surrogate is no word anyone types
    vocab = pc.split_pattern(pa.array([text], pa.string()), pattern="\n").flatten()
    starts_char = np.concatenate([[0], np.cumsum((utf8 & 0xC0) != 0x80)])
    breaks = np.flatnonzero(utf8 == 10)
    bounds = np.concatenate([[0], breaks + 1]), np.concatenate([breaks, [len(utf8)]])
    return vocab, (starts_char[bounds[1]] - starts_char[bounds[0]]).astype(np.int64)


class TextIndex:
    """Search over the participants' words of one analysis's transcripts (its store of shards)."""

    def __init__(self, store: TranscriptStore):
        self.store = store
        self._shards: dict[int, _Shard] = {}
        self._reading = threading.Lock()

    @classmethod
    def of(cls, analysis: Analysis) -> TextIndex:
        if analysis.store is None:  # only partial results (one shard's) have no store; a view never does
            raise ValueError("an analysis without its transcripts cannot be searched")
        return cls(analysis.store)

    def _all_shards(self) -> list[_Shard]:
        """Every shard, read on first use on two threads (checksums and array reads let go of the GIL); one
        reader at a time, so sessions searching at once share the work."""
        with self._reading:
            count = self.store.shard_count  # read from the folder's marker: once per search
            missing = [n for n in range(count) if n not in self._shards]
            if missing:  # only the first search reads: later ones start no threads
                with ThreadPoolExecutor(2) as pool:
                    for number, shard in zip(missing, pool.map(lambda n: _Shard(self.store, n), missing)):
                        self._shards[number] = shard
        return [self._shards[n] for n in range(count)]

    def search(self, query: str) -> Found:
        """The mentions of every term in the transcripts that mention all of them."""
        terms = parse_query(query)
        if not terms:
            return Found(pd.DataFrame(columns=MATCH_COLUMNS), terms)
        parts = [mentions for shard in self._all_shards() for mentions in shard.mentions_of(terms)]
        matches = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MATCH_COLUMNS)
        every = matches.groupby("transcript_id", sort=False)["term"].nunique() == len({t.text for t in terms})
        matches = matches[matches["transcript_id"].isin(every[every].index)]
        return Found(matches.sort_values(["transcript_id", "start"], kind="stable", ignore_index=True), terms)


def in_context(text: str, start: int, end: int, *, within: tuple[int, int] | None = None,
               width: int = 70) -> tuple[str, str, str]:
    """The words before, the match, and the words after, on one line, cut at word boundaries and never past
    `within` (the turn's bounds: the interviewer's next question is not the participant's context).

    >>> in_context("So. We had a deadline on Friday, and another next week.", 13, 21, width=12)
    ('…We had a ', 'deadline', ' on Friday,…')
    >>> in_context("AI: Why? User: A deadline. AI: Thanks.", 17, 25, within=(15, 26))
    ('A ', 'deadline', '.')
    """
    low, high = within or (0, len(text))
    left_start, right_end = max(start - width, low), min(end + width, high)
    left, right = text[left_start:start], text[end:right_end]
    if left_start > low:
        left = "…" + (left[left.find(" ") + 1:] if " " in left else left)
    if right_end < high:
        right = (right[:right.rfind(" ")] if " " in right else right) + "…"
    return _one_line(left), text[start:end], _one_line(right)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@dataclass(frozen=True)
class Mentions:
    """A search's mentions in the transcripts of a view, as sorted keys doc * SPAN + start (doc: the row of the
    view's transcripts table): what decides whether a quote holds the search, for hits in memory or in parts."""

    keys: np.ndarray

    @property
    def docs(self) -> np.ndarray:
        return self.keys // SPAN

    @property
    def starts(self) -> np.ndarray:
        return self.keys % SPAN

    def in_passages(self, hits: pd.DataFrame) -> np.ndarray:
        """Per hit (with `doc`, `passage_start`, `passage_end`): does its quote (the hit's passage) hold a
        mention's start?"""
        hit_docs = hits["doc"].to_numpy(np.int64) * SPAN
        low = np.searchsorted(self.keys, hit_docs + hits["passage_start"].to_numpy(np.int64))
        high = np.searchsorted(self.keys, hit_docs + hits["passage_end"].to_numpy(np.int64))
        return high > low


def mentions_in(found: Found, data: ViewData) -> tuple[np.ndarray, Mentions]:
    """For the search filter: per transcript of `data`, did its participants say every term; and the
    mentions in those transcripts."""
    docs = data.docs_of(found.matches["transcript_id"])
    held = docs >= 0
    searched = np.zeros(data.size, bool)
    searched[docs[held]] = True
    return searched, Mentions(np.sort(docs[held] * SPAN + found.matches["start"].to_numpy(np.int64)[held]))


def view_of_search(found: Found, data: ViewData) -> tuple[np.ndarray, np.ndarray]:
    """For the search filter on hits in memory: per transcript, did its participants say every term; per hit
    of `data.hits`, does its quote (the hit's passage) hold a mention."""
    searched, mentions = mentions_in(found, data)
    return searched, mentions.in_passages(data.hits)


SPAN = 1 << 40  # above any offset in one transcript: doc * SPAN + offset orders mentions by doc, then offset
