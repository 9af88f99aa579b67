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
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from core.engine.cache import TranscriptStore
from core.engine.corpus import ROLE_CODES, normalise, word_bounds
from core.engine.lexicon import inflections, spelling_variants

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


class _Shard:
    """One shard's participant tokens and vocabulary, read once (the arrays stay mapped from the file)."""

    def __init__(self, store: TranscriptStore, number: int):
        self.ids, arrays = store.shard_tokens(number)
        self.vocab = arrays["vocab"].tobytes().decode("utf-8", errors="surrogatepass").split("\n")
        self.word, self.start = arrays["token_word"], arrays["token_start"]
        turn_of_token = np.repeat(np.arange(len(arrays["turn_doc"])), np.diff(arrays["turn_token_start"]))
        self.participant = arrays["turn_role"][turn_of_token] == ROLE_CODES["participant"]
        self.doc = arrays["turn_doc"][turn_of_token]
        self.turn = arrays["turn_number"][turn_of_token]

    @cached_property
    def word_ids(self) -> dict[str, int]:
        return {word: number for number, word in enumerate(self.vocab)}

    def ids_of(self, term: Term, position: int) -> np.ndarray:
        word, prefix = term.alternatives(position)
        if prefix:
            return np.array([n for n, w in enumerate(self.vocab) if n and w.startswith(word)], dtype=np.int32)
        words = inflections(word) | spelling_variants(word) | {word} if term.forms else {word}
        return np.array([self.word_ids[w] for w in words if w in self.word_ids], dtype=np.int32)

    def mentions(self, term: Term) -> pd.DataFrame:
        """Every mention of `term` in a participant's turn."""
        positions = np.flatnonzero(np.isin(self.word, self.ids_of(term, 0)))
        for offset in range(1, len(term.words)):
            positions = positions[positions + offset < len(self.word)]
            positions = positions[np.isin(self.word[positions + offset], self.ids_of(term, offset))]
        positions = positions[self.participant[positions]]
        final = positions + len(term.words) - 1
        lengths = np.array([len(self.vocab[w]) for w in self.word[final].tolist()], dtype=np.int64)
        return pd.DataFrame({"transcript_id": np.array(self.ids, dtype=object)[self.doc[positions]],
                             "turn": self.turn[positions], "start": self.start[positions],
                             "end": self.start[final].astype(np.int64) + lengths, "term": term.text})


class TextIndex:
    """Search over the participants' words of one analysis's transcripts (its store of shards)."""

    def __init__(self, store: TranscriptStore):
        self.store = store
        self._shards: dict[int, _Shard] = {}

    def _shard(self, number: int) -> _Shard:
        if number not in self._shards:
            self._shards[number] = _Shard(self.store, number)
        return self._shards[number]

    def search(self, query: str) -> Found:
        """The mentions of every term in the transcripts that mention all of them."""
        terms = parse_query(query)
        if not terms:
            return Found(pd.DataFrame(columns=MATCH_COLUMNS), terms)
        parts = [self._shard(n).mentions(term) for n in range(self.store.shard_count) for term in terms]
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
