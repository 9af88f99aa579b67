"""What an edit of the typo settings (the default threshold, `fuzzy_min_length`) changes on one corpus.

Those settings reach scoring only through word matching (`core.engine.matcher`): a term word matches its
own regular forms whatever the threshold, and only a typo whose similarity lies between the old and the new
threshold (or whose length between the old and new minimum) can match under one codebook and not the other.
So, against the corpus's vocabulary, only a few words match differently, and a transcript that holds none
of a theme's such words gets that theme's rows unchanged (themes never affect each other, nor transcripts
each other). `words_matched_differently` finds those words per theme, and for the occupations together;
`TranscriptScope` then has a shard score each theme only in the transcripts holding one of its words (and
decide occupations again only where the first turns hold one), so a change of the default threshold scores
a fraction of the (transcript, theme) pairs a fresh run scores, with the same rows for them.

    changed = words_matched_differently(saved, edited, corpus.words(), themes={"coding"}, occupations=True)
    scope = TranscriptScope.of(changed)   # sent with the shard jobs; `scope.docs(shard)` on the worker
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from core.codebook.model import Codebook
from core.engine.corpus import Shard
from core.engine.matcher import EXCLUDE_OCCUPATION, EXCLUDE_THEME, OCCUPATION, THEME, TermIndex, VocabularyMatcher

OCCUPATIONS = None  # the key of the occupations in `words_matched_differently`: they are decided together


@dataclass(frozen=True)
class MatchedDifferently:
    """Per theme id, the corpus words it matches differently; `occupations`: those of every occupation.
    None for a code whose term words differ in more than the typo settings, or occupations not asked for
    (scored everywhere, if at all)."""

    themes: dict[str, frozenset[str] | None]
    occupations: frozenset[str] | None


def words_matched_differently(before: Codebook, after: Codebook, words: Collection[str], *, themes: set[str],
                              occupations: bool) -> MatchedDifferently:
    """For the `themes` (and the occupations, if `occupations`) whose definitions are the same in both
    codebooks: the `words` (a corpus's vocabulary) some of their term words match differently, or with
    another similarity, under `after` than under `before`. Only words within the lower threshold of a
    term word whose rule changed can differ; those are matched by both codebooks' own matchers."""
    old, new = TermIndex(before), TermIndex(after)
    keys: list[str | None] = [*themes, *([OCCUPATIONS] if occupations else [])]
    slots = {key: _changed_slots(old, new, key) for key in keys}
    changed_rules = {pair for pairs in slots.values() if pairs is not None for pair in pairs}
    candidates = _near_words(words, [(old.rules[o].word, min(old.rules[o].threshold, new.rules[n].threshold))
                                     for o, n in changed_rules if _may_match_typos(old, o)])
    old_matcher, new_matcher = VocabularyMatcher(old), VocabularyMatcher(new)
    old_matcher.learn(candidates)
    new_matcher.learn(candidates)
    differ = {key: None if pairs is None else frozenset(
        word for word in candidates if _differs(dict(old_matcher.known[word]), dict(new_matcher.known[word]), pairs))
        for key, pairs in slots.items()}
    return MatchedDifferently({key: differ[key] for key in themes}, differ.get(OCCUPATIONS))


def _code_entries(index: TermIndex, key: str | None) -> list:
    """The entries (terms and exclusions) of theme `key`, or of every occupation when key is OCCUPATIONS."""
    kinds = (OCCUPATION, EXCLUDE_OCCUPATION) if key is OCCUPATIONS else (THEME, EXCLUDE_THEME)
    return [entry for entry in index.entries if entry.kind in kinds and (key is OCCUPATIONS or entry.code == key)]


def _changed_slots(old: TermIndex, new: TermIndex, key: str | None) -> set[tuple[int, int]] | None:
    """(old slot, new slot) of each of the code's term words whose rule differs between the indexes; None
    when the rules differ in more than the threshold and minimum typo length (or the terms do not pair up)."""
    before, after = _code_entries(old, key), _code_entries(new, key)
    if [(e.kind, e.code, e.term) for e in before] != [(e.kind, e.code, e.term) for e in after]:
        return None
    pairs = {(o, n) for b, a in zip(before, after) for o, n in zip(b.slots, a.slots) if old.rules[o] != new.rules[n]}
    for o, n in pairs:
        first, second = old.rules[o], new.rules[n]
        if (first.word, first.exact, first.allow, first.deny) != (second.word, second.exact, second.allow, second.deny):
            return None
    return pairs


def _may_match_typos(index: TermIndex, slot: int) -> bool:
    rule = index.rules[slot]
    return not rule.exact and not rule.is_glob  # exact words and globs ignore the typo settings


def _near_words(words: Collection[str], term_words: list[tuple[str, float]]) -> list[str]:
    """The words at least as similar (fuzz.ratio) to one of the term words as its threshold, with its first
    letter (a typo keeps it): the only words a threshold or minimum length can make match or not."""
    by_letter: dict[str, list[tuple[str, float]]] = {}
    for word, threshold in term_words:
        by_letter.setdefault(word[:1], []).append((word, threshold))
    words_by_letter: dict[str, list[str]] = {}
    for word in words:
        if word[:1] in by_letter:
            words_by_letter.setdefault(word[:1], []).append(word)
    near: list[str] = []
    for letter, same_letter in words_by_letter.items():
        terms = by_letter[letter]
        thresholds = np.array([threshold for _, threshold in terms])
        scores = process.cdist(same_letter, [word for word, _ in terms], scorer=fuzz.ratio, dtype=np.float64,
                               workers=1)
        close = np.asarray((scores >= thresholds - 1e-9).any(axis=1))
        near += [word for word, kept in zip(same_letter, close.tolist()) if kept]
    return near


def _differs(old: dict[int, float], new: dict[int, float], pairs: set[tuple[int, int]]) -> bool:
    return any(old.get(o) != new.get(n) for o, n in pairs)


@dataclass(frozen=True)
class TranscriptScope:
    """Which transcripts a shard scores (picklable, sent to workers): each theme of `themes` only in the
    transcripts holding one of its words (themes not named: in every transcript), and the occupations, when
    `occupation_words` is not None, only in those whose participant's first turns hold one."""

    themes: tuple[tuple[str, frozenset[str]], ...] = ()
    occupation_words: frozenset[str] | None = None

    @classmethod
    def of(cls, changed: MatchedDifferently) -> TranscriptScope:
        return cls(tuple((theme, words) for theme, words in changed.themes.items() if words), changed.occupations)

    def docs(self, shard: Shard, occupation_turns: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """Per scoped theme, whether each transcript of the shard holds one of its words; for the occupations
        (None: every transcript), whether one of their words stands in `occupation_turns` (a turn mask)."""
        token_doc = np.repeat(shard.turn_doc, np.diff(shard.turn_token_start))
        themes = {theme: _holding(shard, words, token_doc, None) for theme, words in self.themes}
        in_turns = np.repeat(occupation_turns, np.diff(shard.turn_token_start))
        occupations = None if self.occupation_words is None else \
            _holding(shard, self.occupation_words, token_doc, in_turns)
        return themes, occupations


def _holding(shard: Shard, words: frozenset[str], token_doc: np.ndarray, tokens: np.ndarray | None) -> np.ndarray:
    """Whether each transcript holds one of `words` (among `tokens`, a token mask, when given)."""
    wanted = np.fromiter((word in words for word in shard.vocab), dtype=bool, count=len(shard.vocab))
    found = wanted[shard.token_word] if tokens is None else wanted[shard.token_word] & tokens
    held = np.zeros(len(shard), dtype=bool)
    held[token_doc[found]] = True
    return held
