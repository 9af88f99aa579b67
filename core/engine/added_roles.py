"""Scoring an edit that makes the themes read turns the kept shards never tokenized (the scope, participant ->
all or -> interviewer), from the kept shards: only those turns are tokenized, from the kept texts and turn
table, and scored; their hits join the participant's, which the kept tokens give as before.

A hit never depends on another turn's words (phrases, exclusions, overlaps, negation windows and passages all
stop at a turn's end), so a theme's hits under the new scope are its hits in the turns kept plus those in the
turns added, and its score, hits per 1,000 words and presence are worked out again from them by the rule every
scoring uses (`core.engine.scoring.theme_table`), summing the weights in the same order. Occupations come from
the participant's turns whatever the scope: they do not change.

    turns = RoleTurnScorer.of(codebook, kept_roles)   # None: the kept tokens cover the scope
    added = TurnScores.concat([turns.score_kept(shard, folder, n) for n, shard in enumerate(shards)])
    # or mapped over ShardJobs by an executor: turns(ShardJob(folder, n))
    themes, hits, cancelled = tables_with_added_turns(kept, added, codebook, ids)
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine import cache
from core.engine.added_tokens import shard_with_roles
from core.engine.corpus import Shard
from core.engine.fresh_order import ordered_rows, pair_keys
from core.engine.results import Analysis, positions_in
from core.engine.scoring import SCOPE_ROLES, theme_table
from core.engine.shard_jobs import ShardJob, ShardScorer

SCOPE_OF_ROLES = {roles: scope for scope, roles in SCOPE_ROLES.items()}


@dataclass
class Pairs:
    """Each row's (transcript, theme) pair as numbers: the transcript's position in its shard (in the corpus, once
    `TurnScores.concat`enated) and the theme's in the codebook. Made on the workers, so this process never
    looks up millions of transcript ids and theme names again."""

    transcript: np.ndarray
    theme: np.ndarray

    @classmethod
    def of(cls, table: pd.DataFrame, theme_ids: list[str], ids: list[str]) -> Pairs:
        return cls(positions_in(table["transcript_id"], ids).astype(np.int64), positions_in(table["theme"], theme_ids))

    def keys(self, themes: int) -> np.ndarray:
        """`pair_keys` of the rows (in a codebook of `themes` themes)."""
        return np.where((self.transcript >= 0) & (self.theme >= 0), self.transcript * themes + self.theme, -1)


@dataclass
class TurnScores:
    """A shard's (or, `concat`, a corpus's) hits and cancelled hits in the added turns, the pairs of their rows,
    and each transcript's words in them."""

    hits: pd.DataFrame
    cancelled: pd.DataFrame
    words: np.ndarray
    hit_pairs: Pairs
    cancelled_pairs: Pairs

    @classmethod
    def concat(cls, parts: list[TurnScores]) -> TurnScores:
        hits, cancelled = (pd.concat([getattr(part, name) for part in parts], ignore_index=True)
                           for name in ("hits", "cancelled"))
        first = np.cumsum([0] + [len(part.words) for part in parts])  # each part's first transcript
        hit_pairs, cancelled_pairs = (Pairs(np.concatenate([getattr(part, name).transcript + start
                                                            for part, start in zip(parts, first)]),
                                            np.concatenate([getattr(part, name).theme for part in parts]))
                                      for name in ("hit_pairs", "cancelled_pairs"))
        return cls(hits, cancelled, np.concatenate([part.words for part in parts]), hit_pairs, cancelled_pairs)


@dataclass(frozen=True)
class RoleTurnScorer:
    """Scores the turns of `roles` (which the kept shards did not tokenize) with a codebook's themes. A picklable
    function of a `ShardJob`, so an executor's workers load, tokenize and score the shards themselves."""

    scorer: ShardScorer  # the themes alone, with the scope that reads exactly `roles`
    roles: tuple[str, ...]

    @classmethod
    def of(cls, codebook: Codebook, kept_roles: tuple[str, ...]) -> RoleTurnScorer | None:
        """The scorer of the turns `codebook`'s scope reads that the kept shards (tokenizing `kept_roles`) did
        not tokenize; None when they tokenized every one."""
        added = tuple(sorted(set(SCOPE_ROLES[codebook.settings.scope]) - set(kept_roles)))
        if not added:
            return None
        themes_only = replace(codebook, occupations=(), job_titles=None,
                              settings=replace(codebook.settings, scope=SCOPE_OF_ROLES[added]))  # type: ignore[arg-type]
        return cls(ShardScorer(themes_only), added)

    def __call__(self, job: ShardJob) -> TurnScores:
        folder = Path(job.folder)
        return self.score_kept(cache.load_shard(folder, job.number), folder, job.number)

    def score_kept(self, kept: Shard, folder: Path, number: int) -> TurnScores:
        """`score` of shard `number` kept in `folder` (`kept`), its added turns tokenized once and kept beside
        it (`core.engine.added_tokens`): a later scope preview only reads them."""
        return self.score(shard_with_roles(folder, number, kept, self.roles))

    def score(self, shard: Shard) -> TurnScores:
        """The hits in `shard`'s turns of `roles`, which it holds tokenized (`with_roles_tokenized`)."""
        hits, cancelled = self.scorer.theme_hits(shard)
        words = np.sum([shard.words_by_role(role) for role in self.roles], axis=0)
        theme_ids = self.scorer.codebook.theme_ids
        return TurnScores(hits, cancelled, words, Pairs.of(hits, theme_ids, shard.ids),
                          Pairs.of(cancelled, theme_ids, shard.ids))


def with_scope(codebook: Codebook, scope: str) -> Codebook:
    return replace(codebook, settings=replace(codebook.settings, scope=scope))  # type: ignore[arg-type]


def reads_kept_turns(codebook: Codebook) -> bool:
    """Whether the scope reads the participant's turns, the ones every kept shard tokenized."""
    return "participant" in SCOPE_ROLES[codebook.settings.scope]


def tables_with_added_turns(kept: Analysis, added: TurnScores, codebook: Codebook, ids: list[str], *,
                            only: np.ndarray | None = None,
                            kept_hit_keys: np.ndarray | None = None) -> tuple[pd.DataFrame, ...]:
    """The themes, hits and cancelled tables `codebook` gives on transcripts `ids` (and the hits' `pair_keys`,
    a diff matches rows by them: `core.workbench.numbered_pairs`), from `kept` (the scoring of
    the kept turns by the same codebook with scope participant) and the `added` turns' scores. With `only` (a
    mask of the (transcript, theme) pairs by `pair_keys`, holding every pair of an added hit), only the rows of
    those pairs. `kept_hit_keys`: `pair_keys` of `kept.hits` by `codebook`'s themes, when the caller has them.
    Rows are put in order by their pairs' numbers (`ordered_rows`): no transcript id or theme name is looked up
    but those of `kept`'s cancelled hits (and of its hits without `kept_hit_keys`)."""
    themes, reads_kept = len(codebook.theme_ids), reads_kept_turns(codebook)

    def merged(old: pd.DataFrame, new: pd.DataFrame, old_keys: np.ndarray | None,
               new_pairs: Pairs) -> tuple[pd.DataFrame, np.ndarray]:
        old = old if reads_kept else old.iloc[:0]
        old_keys = pair_keys(old, codebook.theme_ids, ids) if old_keys is None or not reads_kept else old_keys
        pairs = np.concatenate([old_keys, new_pairs.keys(themes)])
        rows = np.ones(len(pairs), dtype=bool)
        if only is not None:  # the kept rows of the pairs asked for; every added one
            rows[:len(old)] = only[np.maximum(old_keys, 0)] & (old_keys >= 0)
        both = pd.concat([old, new], ignore_index=True) if len(new) else old  # empty: keep column types
        order = ordered_rows(pairs, themes, rows, [both["start"].to_numpy()])
        return both.iloc[order].reset_index(drop=True), pairs[order]
    hits, hit_keys = merged(kept.hits, added.hits, kept_hit_keys, added.hit_pairs)
    cancelled, _ = merged(kept.cancelled, added.cancelled, None, added.cancelled_pairs)
    words = added.words + (participant_words(kept, ids) if reads_kept else 0)
    return themes_of_hits(hits, ids, codebook, words, only, hit_keys), hits, cancelled, hit_keys


def participant_words(scored: Analysis, ids: list[str]) -> np.ndarray:
    """Each transcript's words in the participant's turns (those the kept shards tokenized), in the order of `ids`."""
    transcripts = scored.transcripts
    return transcripts["participant_words"].to_numpy()[positions_in(pd.Series(ids), transcripts["transcript_id"])]


def themes_of_hits(hits: pd.DataFrame, ids: list[str], codebook: Codebook, words: np.ndarray,
                   cells: np.ndarray | None = None, pairs: np.ndarray | None = None) -> pd.DataFrame:
    """The themes table of transcripts `ids` (`words`: each one's words in the scope's turns) from every one of
    their hits, in a fresh run's order (by transcript, then start: the order scoring sums the weights in);
    `cells` (one per pair, by `pair_keys`): only the rows of those pairs; `pairs`: the hits' `pair_keys`, when
    the caller has them."""
    cell = pairs if pairs is not None else pair_keys(hits, codebook.theme_ids, ids)
    weights = hit_weights(hits["term"], cell % max(len(codebook.theme_ids), 1), codebook)
    return theme_table(list(ids), codebook, cell, weights, words,
                       None if cells is None else cells.reshape(len(ids), len(codebook.theme_ids)))


def hit_weights(terms: pd.Series, themes: np.ndarray, codebook: Codebook) -> np.ndarray:
    """Each hit's weight from its term's text and its theme's position in `codebook` (see `weights_known`): the
    distinct terms looked up, not each hit's."""
    weight = _weight_by_theme_and_term(codebook) or {}
    term_codes, distinct = pd.factorize(terms)
    table = np.array([[weight.get((t, term), np.nan) for term in distinct] for t in codebook.theme_ids]).reshape(
        len(codebook.theme_ids), len(distinct))
    return table[themes, term_codes] if len(terms) else np.zeros(0)


def weights_known(codebook: Codebook) -> bool:
    """Whether a hit's theme and term text tell its weight: not when a theme lists one term text twice with two
    weights (which of them a hit is depends on which matched: then the edit is scored from the files)."""
    return _weight_by_theme_and_term(codebook) is not None


def _weight_by_theme_and_term(codebook: Codebook) -> dict | None:
    weight: dict[tuple[str, str], float] = {}
    for theme in codebook.themes:
        for term in theme.terms:
            if weight.setdefault((theme.id, term.text), term.weight) != term.weight:
                return None
    return weight
