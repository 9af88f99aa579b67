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
from core.engine.corpus import Shard, concatenated_ranges
from core.engine.matcher import EXCLUDE_OCCUPATION, EXCLUDE_THEME, OCCUPATION, THEME, TermIndex, VocabularyMatcher

OCCUPATIONS = " occupations"  # their key in `words_matched_differently` (decided together); no theme id has a space


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
    keys: list[str] = [*themes, *([OCCUPATIONS] if occupations else [])]
    slots = {key: _changed_slots(old, new, key) for key in keys}
    changed_rules = {pair for pairs in slots.values() if pairs is not None for pair in pairs}
    candidates = _near_words(words, [(old.rules[o].word, min(old.rules[o].threshold, new.rules[n].threshold))
                                     for o, n in changed_rules if _may_match_typos(old, o)])
    old_matcher, new_matcher = VocabularyMatcher(old), VocabularyMatcher(new)
    old_matcher.learn(candidates)
    new_matcher.learn(candidates)
    differ: dict[str, set[str] | None] = {key: None if pairs is None else set() for key, pairs in slots.items()}
    by_old, by_new = _pairs_by_slot(slots)
    for word in candidates:
        old_matches, new_matches = dict(old_matcher.known[word]), dict(new_matcher.known[word])
        # only a slot the word matches under one of the codebooks can match it differently
        for key, o, n in [*(pair for slot in old_matches for pair in by_old.get(slot, ())),
                          *(pair for slot in new_matches for pair in by_new.get(slot, ()))]:
            if old_matches.get(o) != new_matches.get(n):
                differ[key].add(word)  # type: ignore[union-attr]
    frozen = {key: None if words is None else frozenset(words) for key, words in differ.items()}
    return MatchedDifferently({key: frozen[key] for key in themes}, frozen.get(OCCUPATIONS))


def _pairs_by_slot(slots: dict) -> tuple[dict[int, list], dict[int, list]]:
    """(code key, old slot, new slot) of every changed rule pair, by old slot and by new slot."""
    by_old: dict[int, list] = {}
    by_new: dict[int, list] = {}
    for key, pairs in slots.items():
        for o, n in pairs or ():
            by_old.setdefault(o, []).append((key, o, n))
            by_new.setdefault(n, []).append((key, o, n))
    return by_old, by_new


def _code_entries(index: TermIndex, key: str) -> list:
    """The entries (terms and exclusions) of theme `key`, or of every occupation when key == OCCUPATIONS."""
    kinds = (OCCUPATION, EXCLUDE_OCCUPATION) if key == OCCUPATIONS else (THEME, EXCLUDE_THEME)
    return [entry for entry in index.entries if entry.kind in kinds and (key == OCCUPATIONS or entry.code == key)]


def _changed_slots(old: TermIndex, new: TermIndex, key: str) -> set[tuple[int, int]] | None:
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
        groups = [words for _, words in self.themes] + [self.occupation_words or frozenset()]
        held = _held_words(shard, groups)  # (group, transcript, turn) of each token holding a group's word
        masks = []
        for number in range(len(groups)):
            mine = held[0] == number
            if number == len(self.themes):  # the occupations: only in their turns
                mine &= occupation_turns[held[2]]
            mask = np.zeros(len(shard), dtype=bool)
            mask[held[1][mine]] = True
            masks.append(mask)
        return ({theme: mask for (theme, _), mask in zip(self.themes, masks)},
                None if self.occupation_words is None else masks[-1])


def _held_words(shard: Shard, groups: list[frozenset[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group number, transcript, turn) of every token whose word is in a group (a word in several groups
    once per group). The few words are looked up in the vocabulary; the tokens are scanned once."""
    wanted_words = frozenset().union(*groups)  # a few hundred: only those are looked up in the vocabulary
    word_ids = {word: number for number, word in enumerate(shard.vocab) if word in wanted_words}
    pairs = [(word_ids[word], group) for group, words in enumerate(groups) for word in words if word in word_ids]
    if not pairs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    word_of_pair, group_of_pair = (np.array(column, dtype=np.int64) for column in zip(*pairs))
    wanted = np.zeros(len(shard.vocab), dtype=bool)
    wanted[word_of_pair] = True
    positions = np.flatnonzero(wanted[shard.token_word])
    turn = np.searchsorted(shard.turn_token_start, positions, side="right") - 1
    # each (token, group) pair: the pairs of the token's word, sorted by word
    order = np.argsort(word_of_pair, kind="stable")
    word_sorted = word_of_pair[order]
    token_word = shard.token_word[positions].astype(np.int64)
    first, last = np.searchsorted(word_sorted, token_word, "left"), np.searchsorted(word_sorted, token_word, "right")
    count = last - first
    token = np.repeat(np.arange(len(positions)), count)
    pair = order[concatenated_ranges(first, count)]
    return group_of_pair[pair], shard.turn_doc[turn[token]].astype(np.int64), turn[token]
