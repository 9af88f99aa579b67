"""Finding where codebook terms occur: fuzzy at the word level, exact and vectorised at the token level.

Speed comes from never comparing sentences with terms. Each distinct word of the corpus is compared once
with the distinct term words (rapidfuzz `process.cdist`, plus dictionary look-ups for inflections and
spelling variants); a typo is never a different real English word (`core.engine.lexicon`). The result,
which word may stand for which term word and how similar it is, is remembered across shards. Hits
are then found with numpy over the shard's word-id arrays: positions whose word can start a term, then,
word by word, whether the following tokens can continue it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from core.engine import lexicon
from core.engine.corpus import Shard, concatenated_ranges, tokens_holding
from core.engine.term_index import TermIndex


# ---------------------------------------------------------------- vocabulary matching (fuzzy, once per word)
class VocabularyMatcher:
    """Which corpus words match which term-word slots; remembers every word it has seen.

    >>> from core.codebook.model import parse_codebook
    >>> book = parse_codebook("name: x\\nthemes:\\n- {id: t, label: T, description: d, terms: [deprecated]}")
    >>> VocabularyMatcher(TermIndex(book)).matches_of("depreceated")
    ((0, 95.23809523809523),)
    """

    def __init__(self, index: TermIndex):
        self.index = index
        self.known: dict[str, tuple[tuple[int, float], ...]] = {}
        rules = index.rules
        self._direct: dict[str, list[int]] = {}  # the word, allowed variants, inflections, spelling variants
        for slot, rule in enumerate(rules):
            forms = set(rule.allow)
            if not rule.is_glob:
                forms |= {rule.word} | (set() if rule.exact else lexicon.regular_forms(rule.word))
            for form in forms - set(rule.deny):
                self._direct.setdefault(form, []).append(slot)
        self._globs = [(slot, rule.word[:-1]) for slot, rule in enumerate(rules) if rule.is_glob]
        self._fuzzy_slots = [slot for slot, rule in enumerate(rules)
                             if not rule.exact and not rule.is_glob and len(rule.word) >= rule.fuzzy_min_length]
        self._fuzzy_by_letter: dict[str, list[int]] = {}
        for slot in self._fuzzy_slots:
            self._fuzzy_by_letter.setdefault(rules[slot].word[0], []).append(slot)
        self._min_threshold = min((rules[s].threshold for s in self._fuzzy_slots), default=100)

    def matches_of(self, word: str) -> tuple[tuple[int, float], ...]:
        self.learn([word])
        return self.known[word]

    def learn(self, words: list[str]) -> None:
        """Work out the matches of every word not seen before."""
        # most words are known: few to dedupe; the known ones are passed over in C (17,000 a shard)
        new = list(dict.fromkeys(itertools.filterfalse(self.known.__contains__, words)))
        if not new:
            return
        found: dict[str, dict[int, float]] = {w: {} for w in new}
        self._direct_and_glob(new, found)
        self._fuzzy(new, found)
        rules = self.index.rules
        for word, slots in found.items():
            self.known[word] = tuple((s, sim) for s, sim in slots.items() if word not in rules[s].deny)

    def _direct_and_glob(self, new: list[str], found: dict) -> None:
        rules = self.index.rules
        for word in new:
            for slot in self._direct.get(word, ()):
                found[word][slot] = 100.0 if word == rules[slot].word or word in rules[slot].allow \
                    else fuzz.ratio(word, rules[slot].word)
            for slot, prefix in self._globs:
                if word.startswith(prefix) and word not in rules[slot].deny:
                    found[word][slot] = 100.0

    def _fuzzy(self, new: list[str], found: dict) -> None:
        """Typos: per first letter (typos keep it), one cdist of new words x fuzzy term words."""
        rules = self.index.rules
        shortest = min((rules[s].fuzzy_min_length for s in self._fuzzy_slots), default=0)
        by_letter: dict[str, list[str]] = {}
        for word in new:
            if len(word) >= shortest and word[0] in self._fuzzy_by_letter:
                by_letter.setdefault(word[0], []).append(word)
        for letter, candidates in by_letter.items():
            slots = self._fuzzy_by_letter[letter]
            scores = process.cdist(candidates, [rules[s].word for s in slots], scorer=fuzz.ratio,
                                   score_cutoff=self._min_threshold, dtype=np.float32, workers=1)
            for i, j in zip(*np.nonzero(scores)):
                word, slot = candidates[i], slots[j]
                rule = rules[slot]
                score = float(fuzz.ratio(word, rule.word))  # exact float, not the float32 copy
                if score >= rule.threshold and rule._may_be_typo(word) and slot not in found[word] \
                        and lexicon.accepted(rule.word, word):
                    found[word][slot] = score


# ---------------------------------------------------------------- token-level matching (exact, vectorised)
@dataclass(frozen=True)
class Wanted:
    """The matches a partial scoring looks for: an entry's only in the turns its row of `turns` marks
    (`turns`: rows x the shard's turns; `row_of_entry`: each entry's row, e.g. its code's)."""

    row_of_entry: np.ndarray
    turns: np.ndarray


def find_matches(shard: Shard, index: TermIndex, matcher: VocabularyMatcher, wanted: Wanted | None = None, *,
                 pairs: WordMatches | None = None) -> pd.DataFrame:
    """Every place in the shard where an entry's words occur in order, as a table:

    entry, token (first token position), length (tokens), similarity (lowest word similarity).

    Each entry is looked for at its rarest word in this shard (its anchor), then its other words are
    checked around it: a phrase starting with "I" costs as much as its rarest word, not as much as "I".
    `wanted`, when given, says where to look (a partial scoring's); `pairs`: `word_matches(shard, matcher)`,
    when the caller has made it.
    """
    pairs = pairs if pairs is not None else word_matches(shard, matcher)
    by_rarity = _words_by_rarity(index, pairs, shard.token_word)
    anchors = by_rarity[:, 0] if index.entries else np.zeros(0, np.int64)
    anchor_slot = index.slot_table[np.arange(len(index.entries)), anchors] if index.entries else anchors
    positions, entries, similarity = _tokens_matching(shard.token_word, anchor_slot, pairs) if wanted is None \
        else _wanted_tokens_matching(shard, anchor_slot, pairs, wanted)
    starts = positions - anchors[entries]
    inside = starts >= 0
    starts, entries, similarity = starts[inside], entries[inside], similarity[inside]
    for rank in range(1, index.max_length):  # the other words, rarest first: most candidates fail early
        starts, entries, similarity = _check_word(shard.token_word, index, pairs, by_rarity[:, rank], starts,
                                                 entries, similarity)
    return pd.DataFrame({"entry": entries, "token": starts, "length": index.lengths[entries],
                         "similarity": similarity})


@dataclass
class WordMatches:
    """Which of a shard's words match which slots: sorted (slot, word id) keys with their similarity, for
    vectorised membership tests (`match`)."""

    keys: np.ndarray
    similarity: np.ndarray
    stride: int
    n_slots: int = 0

    @cached_property
    def member(self) -> tuple[np.ndarray, np.ndarray]:
        """(column of each word id, slots x columns table: True where the word matches the slot). Only the
        few words matching some slot get a column of their own; every other word shares the last one, all
        False. A slot x every-word table would be tens of megabytes per shard, and allocating it (page by
        page) cost more than the look-ups it serves. One row more, the last, is all True: "nothing to check",
        where every word passes."""
        matching, column = np.unique(self.keys % self.stride, return_inverse=True)
        column_of_word = np.full(self.stride, len(matching), dtype=np.int64)
        column_of_word[matching] = np.arange(len(matching))
        table = np.zeros((max(self.n_slots, 1) + 1, len(matching) + 1), dtype=bool)
        table[self.keys // self.stride, column] = True
        table[-1] = True
        return column_of_word, table

    def match(self, slots: np.ndarray, word_ids: np.ndarray) -> np.ndarray:
        """Whether each word id matches the slot beside it: one flat read of the `member` table each."""
        column_of_word, table = self.member
        return table.ravel()[slots * table.shape[1] + column_of_word[word_ids]]


def word_matches(shard: Shard, matcher: VocabularyMatcher) -> WordMatches:
    """The matches of every word of the shard's vocabulary (those the matcher has not seen are matched first)."""
    matcher.learn(shard.vocab[1:])
    return _vocabulary_pairs(shard.vocab, matcher)


def _vocabulary_pairs(vocab: list[str], matcher: VocabularyMatcher) -> WordMatches:
    matches_of = list(map(matcher.known.__getitem__, vocab[1:]))  # word id 1 onwards (0 is the turn break)
    # most words match nothing: only those that match are read in Python (compress picks them in C)
    matching = [(word_id, matches_of[word_id - 1]) for word_id in itertools.compress(range(1, len(vocab)), matches_of)]
    words = [word_id for word_id, found in matching for _ in found]  # few rows
    slots = [slot for _, found in matching for slot, _ in found]
    sims = [sim for _, found in matching for _, sim in found]
    stride = len(vocab)
    keys = np.array(slots, dtype=np.int64) * stride + np.array(words, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    return WordMatches(keys[order], np.array(sims, dtype=np.float64)[order], stride, len(matcher.index.rules))


def _search(pairs: WordMatches, slots: np.ndarray, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys = slots.astype(np.int64) * pairs.stride + word_ids
    at = np.searchsorted(pairs.keys, keys)
    at_clipped = np.minimum(at, max(len(pairs.keys) - 1, 0))
    found = (at < len(pairs.keys)) & (pairs.keys[at_clipped] == keys) if len(pairs.keys) else \
        np.zeros(len(keys), bool)
    sims = pairs.similarity[at_clipped] if len(pairs.keys) else np.zeros(len(keys))
    return found, sims


def _words_by_rarity(index: TermIndex, pairs: WordMatches, token_word: np.ndarray) -> np.ndarray:
    """For each entry, the positions of its words, those matching fewest tokens in this shard first (the
    first is the entry's anchor); positions past an entry's length come last."""
    if not index.entries:
        return np.zeros((0, max(index.max_length, 1)), np.int64)
    pair_slot, pair_word = pairs.keys // pairs.stride, pairs.keys % pairs.stride
    word_count = np.bincount(token_word, minlength=pairs.stride)
    slot_count = np.bincount(pair_slot, weights=word_count[pair_word], minlength=len(index.rules))
    counts = np.where(index.slot_table >= 0, slot_count[np.maximum(index.slot_table, 0)], np.inf)
    return np.argsort(counts, axis=1, kind="stable").astype(np.int64)


def _tokens_matching(token_word: np.ndarray, entry_slot: np.ndarray, pairs: WordMatches):
    """(position, entry, similarity) for every token whose word matches the entry's given slot."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    hit_word, hit_entry, hit_sim = _anchor_pairs(entry_slot, pairs)
    if not len(hit_word):
        return empty
    # group the (word -> entry) pairs by word, then expand over the tokens holding that word
    order = np.argsort(hit_word, kind="stable")
    hit_word, hit_entry, hit_sim = hit_word[order], hit_entry[order], hit_sim[order]
    per_word = np.bincount(hit_word, minlength=pairs.stride)
    first_of_word = np.concatenate([[0], np.cumsum(per_word)[:-1]])
    positions = np.flatnonzero((per_word > 0)[token_word])  # a byte read per token, not eight: 3.5 -> 1.4 ms
    n = per_word[token_word[positions]]
    token_pos = np.repeat(positions, n)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    row = np.repeat(first_of_word[token_word[positions]], n) + offsets
    return token_pos.astype(np.int64), hit_entry[row].astype(np.int64), hit_sim[row]


def _anchor_pairs(entry_slot: np.ndarray, pairs: WordMatches) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(word id, entry, similarity) for every word matching an entry's given slot."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if not len(pairs.keys) or not len(entry_slot):
        return empty
    pair_slot, pair_word = pairs.keys // pairs.stride, pairs.keys % pairs.stride
    by_slot = np.argsort(entry_slot, kind="stable")
    lo = np.searchsorted(entry_slot[by_slot], pair_slot, "left")
    hi = np.searchsorted(entry_slot[by_slot], pair_slot, "right")
    count = hi - lo  # how many entries use this (slot, word) pair
    keep = count > 0
    if not keep.any():
        return empty
    return (np.repeat(pair_word[keep], count[keep]), by_slot[concatenated_ranges(lo[keep], count[keep])],
            np.repeat(pairs.similarity[keep], count[keep]))


def _wanted_tokens_matching(shard: Shard, entry_slot: np.ndarray, pairs: WordMatches, wanted: Wanted):
    """`_tokens_matching`, only where `wanted` looks: row by row, the tokens of the turns it wants holding an
    anchor word of its entries. A preview wanting a few transcripts per code never lays out the candidates of
    every code in every transcript."""
    hit_word, hit_entry, hit_sim = _anchor_pairs(entry_slot, pairs)
    hit_row = wanted.row_of_entry[hit_entry]
    order = np.lexsort((hit_word, hit_row))
    hit_word, hit_entry, hit_sim, hit_row = hit_word[order], hit_entry[order], hit_sim[order], hit_row[order]
    bounds = np.searchsorted(hit_row, np.arange(len(wanted.turns) + 1))
    turn_length = np.diff(shard.turn_token_start)
    tokens, at = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for row in np.flatnonzero((bounds[1:] > bounds[:-1]) & wanted.turns.any(axis=1)).tolist():
        turns = np.flatnonzero(wanted.turns[row])
        row_tokens = concatenated_ranges(shard.turn_token_start[turns], turn_length[turns])
        token, item = tokens_holding(shard.token_word, row_tokens, hit_word[bounds[row]:bounds[row + 1]])
        tokens.append(token)
        at.append(bounds[row] + item)
    found = np.concatenate(at)
    return np.concatenate(tokens).astype(np.int64), hit_entry[found].astype(np.int64), hit_sim[found]


def _check_word(token_word, index, pairs, positions, starts, entries, similarity):
    """Keep candidates whose word at `positions[entry]` matches (positions past an entry's end pass). Per entry
    once: the slot to check and its row in the `member` table (past its end the last row, where every word
    passes). Per candidate: one flat look-up says "does it match" (most fail); the sorted keys are searched
    only for the similarity of the candidates checked and kept."""
    column_of_word, table = pairs.member
    slot = index.slot_table[np.arange(len(index.entries)), positions]  # per entry; -1 past its end
    checks = slot >= 0
    row_start = np.where(checks, slot, len(table) - 1) * table.shape[1]
    at = np.minimum(starts + np.where(checks, positions, 0)[entries], len(token_word) - 1)
    word = token_word[at]
    keep = table.ravel()[row_start[entries] + column_of_word[word]]
    checked = np.flatnonzero(keep & checks[entries])
    if len(checked):
        _, sims = _search(pairs, slot[entries[checked]], word[checked])
        similarity = similarity.copy()
        similarity[checked] = np.minimum(similarity[checked], sims)
    return starts[keep], entries[keep], similarity[keep]
