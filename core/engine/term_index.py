"""A compiled codebook: every term of every code (theme or occupation, and their exclusions) as a sequence
of word-rule slots shared between terms (`TermIndex`), and how one term word matches a corpus word
(`WordRule`). `core.engine.matcher` finds where the terms occur; what every shard's scoring reads of the
entries is made here once per compiled codebook.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz

from core.codebook.model import Code, Codebook, Term
from core.engine import lexicon

THEME, OCCUPATION, EXCLUDE_THEME, EXCLUDE_OCCUPATION = 0, 1, 2, 3
KIND_NAMES = {THEME: "theme", OCCUPATION: "occupation", EXCLUDE_THEME: "exclude", EXCLUDE_OCCUPATION: "exclude"}


# ---------------------------------------------------------------- word-level rules
@dataclass(frozen=True)
class WordRule:
    """How one term word matches corpus words (one per distinct word + options)."""

    word: str
    exact: bool
    allow: frozenset[str]
    deny: frozenset[str]
    threshold: float
    fuzzy_min_length: int

    @property
    def is_glob(self) -> bool:
        return self.word.endswith("*")

    def similarity(self, candidate: str) -> float | None:
        """How similar `candidate` is to this term word, or None when it does not match (obviously correct,
        slow; the fast path in VocabularyMatcher must agree with it)."""
        if candidate in self.deny:
            return None
        if candidate == self.word or candidate in self.allow:
            return 100.0
        if self.exact:
            return None
        if self.is_glob:
            return 100.0 if candidate.startswith(self.word[:-1]) else None
        score = fuzz.ratio(candidate, self.word)
        if candidate in lexicon.regular_forms(self.word):
            return score
        if self._may_be_typo(candidate) and score >= self.threshold and lexicon.accepted(self.word, candidate):
            return score
        return None

    def _may_be_typo(self, candidate: str) -> bool:
        return (min(len(candidate), len(self.word)) >= self.fuzzy_min_length
                and candidate[:1] == self.word[:1])


# ---------------------------------------------------------------- the compiled codebook
@dataclass(frozen=True)
class Entry:
    """One term of one code, as a sequence of word-rule slots."""

    kind: int
    code: str
    term: Term
    slots: tuple[int, ...]


class TermIndex:
    """Every term of a codebook, with its words turned into shared WordRule slots."""

    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        self.rules: list[WordRule] = []
        self._slot_of: dict[WordRule, int] = {}
        self.entries: list[Entry] = []
        s = codebook.settings
        for kind, codes in ((THEME, codebook.themes), (OCCUPATION, codebook.occupations)):
            for code in codes:
                self._add_code(kind, code, s.threshold, s.fuzzy_min_length)

    def _add_code(self, kind: int, code: Code, default_threshold: float, min_length: int) -> None:
        threshold = code.threshold if code.threshold is not None else default_threshold
        exclude_kind = EXCLUDE_THEME if kind == THEME else EXCLUDE_OCCUPATION
        for term_kind, terms in ((kind, code.terms), (exclude_kind, code.exclude)):
            for term in terms:
                slots = tuple(self._slot(WordRule(w, term.exact, term.allow, term.deny,
                                                  term.threshold if term.threshold is not None else threshold,
                                                  min_length)) for w in term.words)
                self.entries.append(Entry(term_kind, code.id, term, slots))

    def _slot(self, rule: WordRule) -> int:
        if rule not in self._slot_of:
            self._slot_of[rule] = len(self.rules)
            self.rules.append(rule)
        return self._slot_of[rule]

    @cached_property
    def max_length(self) -> int:  # asked per word place of every shard: computed once
        return max((len(e.slots) for e in self.entries), default=1)

    @cached_property
    def slot_table(self) -> np.ndarray:
        """entries x max_length array of slots (-1 past an entry's last word), for vectorised look-ups."""
        table = np.full((max(len(self.entries), 1), self.max_length), -1, dtype=np.int64)
        for row, entry in enumerate(self.entries):
            table[row, :len(entry.slots)] = entry.slots
        return table

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.array([len(e.slots) for e in self.entries] or [1], dtype=np.int64)

    @cached_property
    def weights(self) -> np.ndarray:
        """Each entry's term weight (built once per compiled codebook, read for every shard)."""
        return np.array([e.term.weight for e in self.entries] or [1.0])

    # What every shard's scoring reads of the entries, made once per compiled codebook (each a pass in Python
    # over the ~2,000 entries, several per shard before).
    @cached_property
    def code_names(self) -> tuple[str, ...]:
        """The codes in the order their entries first appear (a hit's code is a number into these)."""
        return tuple(dict.fromkeys(e.code for e in self.entries))

    @cached_property
    def code_numbers(self) -> np.ndarray:
        """Each entry's code, as its position in `code_names`."""
        number = {name: i for i, name in enumerate(self.code_names)}
        return _read_only(np.array([number[e.code] for e in self.entries], dtype=np.int64))

    @cached_property
    def kinds(self) -> np.ndarray:
        """Each entry's kind (THEME, EXCLUDE_THEME, OCCUPATION, EXCLUDE_OCCUPATION)."""
        return _read_only(np.array([e.kind for e in self.entries], dtype=np.int8))

    @cached_property
    def weight_ranks(self) -> np.ndarray:
        """Per entry, the rank of its term's weight among the codebook's weights, heaviest first (0)."""
        return _read_only(np.unique(-self.weights, return_inverse=True)[1].reshape(-1).astype(np.int64))

    @cached_property
    def term_texts(self) -> pa.Array:
        """Each entry's term as written, as Arrow strings (the hits' `term` column is picked from these)."""
        return pa.array([e.term.text for e in self.entries], type=pa.string())


def _read_only(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False  # shared by every shard's scoring: none may change it
    return values
