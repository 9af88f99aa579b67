"""What an edit of the typo settings (the default threshold, `fuzzy_min_length`) changes on one corpus.

Those settings reach scoring only through word matching (`core.engine.matcher`): a term word matches its
own regular forms whatever the threshold, and only a typo whose similarity lies between the old and the new
threshold (or whose length between the old and new minimum) can match under one codebook and not the other.
So, against the corpus's vocabulary, only a few words match differently, and a theme's rows of a transcript
change only where one of its terms matches differently: where a term holding such a word at that word's
place matches, its other words matching under either codebook (themes never affect each other, nor
transcripts each other, and a theme's rows are a function of its terms' matches). `words_matched_differently`
finds those words per theme (and for the occupations together), with the terms and places they hold them at;
`TranscriptScope` then has a shard score each theme only in the transcripts where one of its terms matches
differently (and decide occupations again only where that happens in the first turns). A common word that
now matches a phrase's word ("time" for "times" of "behind the times") makes a transcript score again only
where the phrase stands, not everywhere the word does.

    changed = words_matched_differently(saved, edited, corpus.words(), themes={"coding"}, occupations=True)
    scope = TranscriptScope.of(changed)   # sent with the shard jobs; `scope.docs(...)` on the worker
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from core.codebook.model import Codebook
from core.engine.corpus import Shard, tokens_holding
from core.engine.matcher import VocabularyMatcher, WordMatches
from core.engine.results import in_sorted
from core.engine.term_index import EXCLUDE_OCCUPATION, OCCUPATION, Entry, TermIndex

OCCUPATIONS = " occupations"  # their key in `words_matched_differently` (decided together); no theme id has a space


@dataclass(frozen=True)
class ChangedTerm:
    """A term (or exclusion) of a code, some of whose words match corpus words differently: its place among
    the code's entries (`_rows_by_code`), and per word of it the corpus words it matches differently."""

    entry: int
    words: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class MatchedDifferently:
    """Per theme id, the corpus words it matches differently (`themes`) and the terms that do (`terms`);
    `occupations`: the words of every occupation (`terms[OCCUPATIONS]` their terms). None for a code whose
    term words differ in more than the typo settings, or occupations not asked for (scored everywhere, if at
    all)."""

    themes: dict[str, frozenset[str] | None]
    occupations: frozenset[str] | None
    terms: dict[str, tuple[ChangedTerm, ...] | None]


def words_matched_differently(before: Codebook, after: Codebook, words: Collection[str], *, themes: set[str],
                              occupations: bool) -> MatchedDifferently:
    """For the `themes` (and the occupations, if `occupations`) whose definitions are the same in both
    codebooks: the `words` (a corpus's vocabulary) some of their term words match differently, or with
    another similarity, under `after` than under `before`, and the terms holding those term words. Only
    words within the lower threshold of a term word whose rule changed can differ; those are matched by
    both codebooks' own matchers."""
    old, new = TermIndex(before), TermIndex(after)
    keys: list[str] = [*themes, *([OCCUPATIONS] if occupations else [])]
    old_rows, new_rows = _rows_by_code(old), _rows_by_code(new)
    entries = {key: ([old.entries[row] for row in old_rows.get(key, [])],
                     [new.entries[row] for row in new_rows.get(key, [])]) for key in keys}
    slots = {key: _changed_slots(old, new, *entries[key]) for key in keys}
    by_pair = _words_by_slot_pair(old, new, words, {pair for pairs in slots.values() for pair in pairs or ()})
    differ = {key: None if pairs is None else frozenset().union(*(by_pair[pair] for pair in pairs))
              for key, pairs in slots.items()}
    terms = {key: None if pairs is None else _changed_terms(*entries[key], by_pair) for key, pairs in slots.items()}
    return MatchedDifferently({key: differ[key] for key in themes}, differ.get(OCCUPATIONS), terms)


def _words_by_slot_pair(old: TermIndex, new: TermIndex, words: Collection[str],
                        changed_rules: set[tuple[int, int]]) -> dict[tuple[int, int], frozenset[str]]:
    """Per (old slot, new slot) pair of a term word whose rule changed, the `words` it matches differently."""
    candidates = _near_words(words, [(old.rules[o].word, min(old.rules[o].threshold, new.rules[n].threshold))
                                     for o, n in changed_rules if _may_match_typos(old, o)])
    old_matcher, new_matcher = VocabularyMatcher(old), VocabularyMatcher(new)
    old_matcher.learn(candidates)
    new_matcher.learn(candidates)
    found: dict[tuple[int, int], set[str]] = {pair: set() for pair in changed_rules}
    by_old, by_new = _pairs_by_slot(changed_rules)
    for word in candidates:
        old_matches, new_matches = dict(old_matcher.known[word]), dict(new_matcher.known[word])
        # only a slot the word matches under one of the codebooks can match it differently
        for o, n in [*(pair for slot in old_matches for pair in by_old.get(slot, ())),
                     *(pair for slot in new_matches for pair in by_new.get(slot, ()))]:
            if old_matches.get(o) != new_matches.get(n):
                found[o, n].add(word)
    return {pair: frozenset(words) for pair, words in found.items()}


def _changed_terms(before: list[Entry], after: list[Entry],
                   by_pair: dict[tuple[int, int], frozenset[str]]) -> tuple[ChangedTerm, ...]:
    """The code's terms (and exclusions; its entries in both indexes) holding a term word that matches some
    corpus word differently."""
    changed = []
    for number, (first, second) in enumerate(zip(before, after)):
        words = tuple(by_pair.get(pair, frozenset()) for pair in zip(first.slots, second.slots))
        if any(words):
            changed.append(ChangedTerm(number, words))
    return tuple(changed)


def _pairs_by_slot(pairs: set[tuple[int, int]]) -> tuple[dict[int, list], dict[int, list]]:
    """The changed (old slot, new slot) pairs by old slot and by new slot."""
    by_old: dict[int, list] = {}
    by_new: dict[int, list] = {}
    for o, n in pairs:
        by_old.setdefault(o, []).append((o, n))
        by_new.setdefault(n, []).append((o, n))
    return by_old, by_new


def _changed_slots(old: TermIndex, new: TermIndex, before: list[Entry], after: list[Entry]
                   ) -> set[tuple[int, int]] | None:
    """(old slot, new slot) of each of a code's term words (its entries in both indexes) whose rule differs;
    None when the rules differ in more than the threshold and minimum typo length (or the terms do not pair up)."""
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
    transcripts where one of its changed terms matches differently (themes not named: in every transcript),
    and the occupations, when `occupations` is not None, only in those where one of theirs does in the
    participant's first turns."""

    themes: tuple[tuple[str, tuple[ChangedTerm, ...]], ...] = ()
    occupations: tuple[ChangedTerm, ...] | None = None

    @classmethod
    def of(cls, changed: MatchedDifferently) -> TranscriptScope:
        return cls(tuple((theme, changed.terms[theme] or ()) for theme, words in changed.themes.items() if words),
                   None if changed.occupations is None else changed.terms[OCCUPATIONS])

    def docs(self, shard: Shard, index: TermIndex, matches: WordMatches,
             occupation_turns: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """Per scoped theme, whether each transcript of the shard holds a match of its terms that differs
        between the codebooks; for the occupations (None: every transcript), whether one of theirs starts in
        `occupation_turns` (a turn mask). `index` and `matches` are the edited codebook's (its word matches
        on this shard)."""
        rows = _rows_by_code(index)
        groups = [[(rows[theme][term.entry], term.words) for term in terms] for theme, terms in self.themes]
        groups.append([(rows[OCCUPATIONS][term.entry], term.words) for term in self.occupations or ()])
        group, start = _matches_differing(shard, index, matches, groups)
        turn = np.searchsorted(shard.turn_token_start, start, side="right") - 1
        masks = []
        for number in range(len(groups)):
            mine = group == number
            if number == len(self.themes):  # the occupations: only in their turns
                mine &= occupation_turns[turn]
            mask = np.zeros(len(shard), dtype=bool)
            mask[shard.turn_doc[turn[mine]]] = True
            masks.append(mask)
        return ({theme: mask for (theme, _), mask in zip(self.themes, masks)},
                None if self.occupations is None else masks[-1])


def _rows_by_code(index: TermIndex) -> dict[str, list[int]]:
    """Per theme, the rows in `index.entries` of its terms and exclusions, in their order; OCCUPATIONS: those of
    every occupation (one pass, asked once per shard)."""
    rows: dict[str, list[int]] = {}
    for row, entry in enumerate(index.entries):
        rows.setdefault(OCCUPATIONS if entry.kind in (OCCUPATION, EXCLUDE_OCCUPATION) else entry.code, []).append(row)
    return rows


def _matches_differing(shard: Shard, index: TermIndex, matches: WordMatches,
                       groups: list[list[tuple[int, tuple]]]) -> tuple[np.ndarray, np.ndarray]:
    """(group, first token) of every place where a changed term of a group may match differently: one of
    its words matched differently stands at its place, and each other word matches under either codebook
    (under the edited one, or it is one matched differently there). Where no such place is, the term's
    matches are the same under both codebooks."""
    items = _differing_items(shard, groups)  # (group, entry row, position, word id) of each such word
    if not len(items[0]):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    group, row, position, token = _tokens_holding(shard, *items)
    start = token - position
    fits = (start >= 0) & (start + index.lengths[row] <= len(shard.token_word))
    group, row, start = group[fits], row[fits], start[fits]
    differing = np.sort(_item_keys(index, items[1], items[2], items[3], len(shard.vocab)))
    for place in range(index.max_length):
        slot = index.slot_table[row, place]
        check = np.flatnonzero(slot >= 0)
        word = shard.token_word[start[check] + place].astype(np.int64)
        either = matches.match(slot[check], word) | in_sorted(
            differing, _item_keys(index, row[check], np.full(len(check), place), word, len(shard.vocab)))
        keep = np.ones(len(row), dtype=bool)
        keep[check[~either]] = False
        group, row, start = group[keep], row[keep], start[keep]
    return group, start


def _differing_items(shard: Shard, groups: list[list[tuple[int, tuple]]]) -> tuple[np.ndarray, ...]:
    """(group, entry row, position, word id) of every word matched differently at a term's place that this
    shard holds. The few words are looked up in the vocabulary; its every word is not."""
    wanted = frozenset().union(*(words for terms in groups for _, places in terms for words in places))
    held = np.flatnonzero(np.fromiter(map(wanted.__contains__, shard.vocab), dtype=bool, count=len(shard.vocab)))
    word_ids = {shard.vocab[number]: number for number in held.tolist()}
    items = [(group, row, position, word_ids[word]) for group, terms in enumerate(groups) for row, places in terms
             for position, words in enumerate(places) for word in words if word in word_ids]
    return tuple(np.array(column, dtype=np.int64) for column in zip(*items)) if items else \
        tuple(np.zeros(0, np.int64) for _ in range(4))


def _item_keys(index: TermIndex, row: np.ndarray, position: np.ndarray, word: np.ndarray, words: int) -> np.ndarray:
    """One integer per (entry row, position, word id)."""
    return (row * index.max_length + position) * words + word


def _tokens_holding(shard: Shard, group: np.ndarray, row: np.ndarray, position: np.ndarray,
                    word: np.ndarray) -> tuple[np.ndarray, ...]:
    """(group, entry row, position, token) for every token holding an item's word (a token once per item of
    its word). The tokens are scanned once."""
    token, item = tokens_holding(shard.token_word, np.arange(len(shard.token_word)), word)
    return group[item], row[item], position[item], token
