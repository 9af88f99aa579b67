"""Scoring a cached corpus again, in memory: the engine behind previews, term reports and threshold sweeps.

`CachedCorpus.of(analysis)` holds the analysis's shards (word-id tokens, vocabularies and texts), loaded once,
on first use. `corpus.score(codebook, base=analysis)` gives the `Analysis` an edited codebook would produce
without reading or tokenizing a file. When only some themes changed (and the settings did not), only those
themes are scored again and the other rows are taken from `base`: themes never affect each other. On a large
corpus the shards are scored by the caller's executor, each worker loading its shards from the cache, so
this process never loads them (at 80,000 transcripts their texts and tokens are gigabytes); texts are then
read from the cache only for what is shown. `corpus.changes(codebook, base)` gives only the changed themes'
rows, all a preview's diff needs. A scope edit that reads turns the kept shards did not tokenize tokenizes only
those, from the kept texts (`core.engine.added_roles`); new speaker labels split again, from the kept texts, only
the transcripts with a line starting with a label the edit changed (`core.engine.relabelled`).

    corpus = CachedCorpus.of(analysis)
    edited = corpus.score(parse_codebook(new_text), base=analysis, executor=pool)
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine import cache
from core.engine.added_roles import (
    RoleTurnScorer,
    TurnScores,
    reads_kept_turns,
    tables_with_added_turns,
    weights_known,
    with_scope,
)
from core.engine.codebook_changes import (
    changed_themes,
    occupations_differ,
    without_min_hits,
    without_typo_settings,
)
from core.engine.corpus import Shard
from core.engine.executor import Executor
from core.engine.fresh_order import analysis_pair_keys, merged_in_fresh_order, pair_keys
from core.engine.match_changes import TranscriptScope, words_matched_differently
from core.engine.metadata import keep_metadata_occupations, with_rows_of
from core.engine.pipeline import ShardJob, ShardScorer, analyse, empty_analysis, speakers_for
from core.engine.relabelled import only_labels_differ, relabelled_scores, with_fresh_rows
from core.engine.results import Analysis
from core.engine.scoring import present_at
from core.errors import DataError


class CachedCorpus:
    """Every shard of an analysis, in memory, ready to be scored with any codebook (see module docstring)."""

    def __init__(self, store: cache.TranscriptStore, shard_count: int, codebook: Codebook, paths: list[str],
                 cache_dir: Path | None, executor: Executor | None = None):
        self.store = store  # the shard folder: workers of an executor load the shards from there
        self.folder = store.folder
        self.shard_count = shard_count
        self.executor = executor  # the caller's, for every scoring of this corpus that does not name one
        self.speakers = speakers_for(codebook)
        self.paths = paths
        self.cache_dir = cache_dir
        self._shards: list[Shard] | None = None
        self._loading = threading.Lock()  # one corpus serves every session of a dashboard server
        self._vocabulary: pd.DataFrame | None = None
        self._words: frozenset[str] | None = None
        self._of_base: tuple[Analysis, dict] | None = None  # see `once_per_base`
        self._made_pairs: tuple[weakref.ref, np.ndarray] | None = None  # see `hit_pair_keys`

    @classmethod
    def of(cls, analysis: Analysis, *, executor: Executor | None = None) -> CachedCorpus:
        """Load the shards an `analyse()` run left in its cache (or temporary) folder; `executor` (owned by
        the caller) scores them on a large corpus."""
        if analysis.store is None:
            raise DataError("this analysis keeps no shards to score again; run the analysis from its files")
        folder = analysis.store.folder
        marker = cache.complete_shards(folder)
        if marker is None:
            raise DataError(f"{folder}: the analysis's shards are gone; run the analysis again")
        cache_dir = folder.parent.parent if folder.parent.name == "corpus" else None
        return cls(analysis.store, marker["shards"], analysis.codebook, list(analysis.data_paths), cache_dir, executor)

    @property
    def shards(self) -> list[Shard]:
        """Every shard in memory, loaded on first use (scoring on an executor's workers never needs them)."""
        if self._shards is None:
            with self._loading:
                if self._shards is None:
                    self._shards = [cache.load_shard(self.folder, number) for number in range(self.shard_count)]
        return self._shards

    @property
    def transcript_ids(self) -> list[str]:
        return self.store.ids()

    def __len__(self) -> int:
        return len(self.store.ids())

    # ------------------------------------------------------------ scoring
    def score(self, codebook: Codebook, *, base: Analysis | None = None,
              executor: Executor | None = None) -> Analysis:
        """The analysis `codebook` gives on this corpus; rows of themes unchanged since `base` are reused."""
        executor = executor or self.executor
        if not self._kept_tokens_serve(codebook):
            if base is not None and self._relabels(codebook, base):
                return with_fresh_rows(base, self._relabelled(codebook, base, executor), self.transcript_ids)
            turns = self._turn_scorer(codebook)
            if base is None or turns is None:
                return self._score_from_files(codebook, executor)
            return self._score_adding_turns(codebook, base, turns, executor)
        if base is None:
            return self._full(codebook, base, executor)
        return self._incremental(codebook, base, executor)

    def _pool(self, executor: Executor | None) -> Executor | None:
        """The executor whose workers the shards go to, or None: scored here from memory (a small corpus, or
        no executor with two workers)."""
        return executor if executor is not None and executor.workers >= 2 and self.shard_count >= PARALLEL_SHARDS \
            else None

    def _kept_tokens_serve(self, codebook: Codebook) -> bool:
        """Whether the kept shards tokenized every turn `codebook` reads (split by the same speaker labels)."""
        return self._same_turns(codebook) and set(speakers_for(codebook).roles) <= set(self.speakers.roles)

    def _same_turns(self, codebook: Codebook) -> bool:
        needed = speakers_for(codebook)
        return (needed.interviewer, needed.participant) == (self.speakers.interviewer, self.speakers.participant)

    def _relabels(self, codebook: Codebook, base: Analysis) -> bool:
        """Whether `codebook` differs from `base`'s (which split the kept shards) in its speaker labels alone."""
        return speakers_for(base.codebook) == self.speakers and only_labels_differ(base.codebook, codebook)

    def _relabelled(self, codebook: Codebook, base: Analysis, executor: Executor | None) -> Analysis:
        """`changes` of a speaker-label edit: the rows of the transcripts with a line starting with a label it
        changed, scored afresh from the kept texts (`core.engine.relabelled`), and every transcript's row."""
        fresh = relabelled_scores(self.folder, self.shard_count, self.speakers, codebook, self._pool(executor))
        return base.with_tables(codebook, with_rows_of(base.transcripts, fresh.transcripts), fresh.themes,
                                fresh.hits, cancelled=fresh.cancelled)

    def _turn_scorer(self, codebook: Codebook) -> RoleTurnScorer | None:
        """The scorer of the turns `codebook` reads that the kept shards did not tokenize (`core.engine.added_roles`),
        or None when the turns must be split again (other speaker labels) or a hit's weight is ambiguous."""
        if not self._same_turns(codebook) or not weights_known(codebook):
            return None
        return RoleTurnScorer.of(codebook, self.speakers.roles)

    def _score_adding_turns(self, codebook: Codebook, base: Analysis, turns: RoleTurnScorer,
                            executor: Executor | None) -> Analysis:
        """A scope edit reading turns the kept shards did not tokenize: the kept turns' hits as the kept tokens
        give them (scope participant), and the added turns', tokenized from the kept texts."""
        kept = self.score(with_scope(codebook, "participant"), base=base, executor=executor)
        themes, hits, cancelled, _ = tables_with_added_turns(kept, self._added_turns(turns, executor), codebook,
                                                             self.transcript_ids)
        return base.with_tables(codebook, kept.transcripts, themes, hits, cancelled=cancelled)

    def _added_turns(self, turns: RoleTurnScorer, executor: Executor | None) -> TurnScores:
        """Every shard's added turns scored: here from memory, or on a large corpus by the executor's workers."""
        pool = self._pool(executor)
        if pool is None:
            return TurnScores.concat([turns.score_kept(shard, self.folder, number)
                                     for number, shard in enumerate(self.shards)])
        jobs = (ShardJob(str(self.folder), number) for number in range(self.shard_count))
        return TurnScores.concat(list(pool.map(turns, jobs)))

    def _added_turn_changes(self, codebook: Codebook, base: Analysis, executor: Executor | None) -> Analysis | None:
        """`changes` of a scope edit alone (`added_turn_scores`): the rows of the pairs with an added hit (and of
        those with a kept one when the scope drops the kept turns). The other pairs' hits per 1,000 words change
        too: left out, as a diff compares presences and quotes (`score` gives whole tables)."""
        if (added := self.added_turn_scores(codebook, base, executor=executor)) is None:
            return None
        ids, theme_ids = self.transcript_ids, codebook.theme_ids
        hit_keys = self.base_pair_keys(base)[1] if base.codebook.theme_ids == theme_ids \
            else pair_keys(base.hits, theme_ids, ids)  # the same themes in another order
        touched = np.zeros(len(ids) * len(theme_ids), dtype=bool)  # per (transcript, theme) pair
        touched[added.hit_pairs.keys(len(theme_ids))] = True
        if not reads_kept_turns(codebook):
            touched[hit_keys[hit_keys >= 0]] = True
        themes, hits, cancelled, pairs = tables_with_added_turns(base, added, codebook, ids, only=touched,
                                                                 kept_hit_keys=hit_keys)
        self._made_pairs = (weakref.ref(hits), pairs)
        return base.with_tables(codebook, base.transcripts, themes, hits, cancelled=cancelled)

    def added_turn_scores(self, codebook: Codebook, base: Analysis, *,
                          executor: Executor | None = None) -> TurnScores | None:
        """The hits of the turns `codebook`'s scope reads that the kept shards did not tokenize, when the scope is
        all the edit changes from `base` (else None): scored from the kept texts, on the executor's workers."""
        turns = None if self._kept_tokens_serve(codebook) else self._turn_scorer(codebook)
        plain = with_scope(codebook, base.codebook.settings.scope)
        if turns is None or changed_themes(base.codebook, plain) or occupations_differ(base.codebook, plain):
            return None
        return self._added_turns(turns, executor or self.executor)

    def hit_pair_keys(self, analysis: Analysis) -> np.ndarray | None:
        """`pair_keys` of `analysis.hits` when this corpus's last scope preview (`changes`) made that table, numbering
        its rows as it merged them (a diff then matches them by these: `core.workbench.numbered_pairs`); else None."""
        made = self._made_pairs
        return made[1] if made is not None and made[0]() is analysis.hits else None

    def base_pair_keys(self, base: Analysis) -> tuple[np.ndarray, np.ndarray]:
        """`analysis_pair_keys(base)`, computed once while previews start from `base`."""
        return self.once_per_base(base, "pair keys", lambda: analysis_pair_keys(base))

    def _score_codebook(self, codebook: Codebook, executor: Executor | None,
                        scope: TranscriptScope | None = None) -> Analysis:
        """Every shard scored with `codebook` (only what `scope` names, when given): in this thread from
        memory, or on a large corpus by the executor's workers, which load the shards from the cache and send
        back only their scores."""
        scorer = ShardScorer(codebook, scope)
        pool = self._pool(executor)
        if pool is None:
            return Analysis.concat([scorer.score_kept(shard, self.folder, number) for number, shard
                                   in enumerate(self.shards)] or [empty_analysis(codebook)])
        jobs = (ShardJob(str(self.folder), number) for number in range(self.shard_count))
        return Analysis.concat([scores for scores, _ in pool.map(scorer, jobs)])

    def _full(self, codebook: Codebook, base: Analysis | None, executor: Executor | None) -> Analysis:
        scores = self._score_codebook(codebook, executor)
        return scores if base is None else base.with_tables(
            codebook, keep_metadata_occupations(scores.transcripts, base.transcripts), scores.themes, scores.hits,
            cancelled=scores.cancelled)

    def _incremental(self, codebook: Codebook, base: Analysis, executor: Executor | None) -> Analysis:
        plan = self._plan(base.codebook, codebook)
        changes = self._changes(codebook, base, plan, executor)
        if changes is None:
            return self._full(codebook, base, executor)
        reused = set(codebook.theme_ids) - plan.themes
        if reused == set(codebook.theme_ids) and not plan.occupations:  # nothing scored
            return base.with_tables(codebook, changes.transcripts, *(_only(table, reused) for table in (
                base.themes, base.hits)), cancelled=_only(base.cancelled, reused))
        scored_pairs = pair_keys(changes.themes, codebook.theme_ids, self.transcript_ids) if plan.scope else None
        themes, hits, cancelled = (
            merged_in_fresh_order(old, new, reused, codebook, self.transcript_ids, *within,
                                  scored_pairs=scored_pairs, scoped=plan.scoped_themes)
            for old, new, within in ((base.themes, changes.themes, ()), (base.hits, changes.hits, ("start",)),
                                     (base.cancelled, changes.cancelled, ("start",))))
        return base.with_tables(codebook, changes.transcripts, themes, hits, cancelled=cancelled)

    def changes(self, codebook: Codebook, base: Analysis, *, executor: Executor | None = None) -> Analysis | None:
        """What an edit changes, scoring only that: `codebook`'s analysis with every transcript row but only the
        rows of the (transcript, theme) pairs that can differ from `base`: the themes that changed
        (`changed_themes`; none for a removed theme), and when only the typo settings changed, only the
        transcripts holding a word they match differently (`core.engine.match_changes`). Rows of the other
        pairs are those of `base`, so a diff needs only these (a preview at 80,000 transcripts then never
        merges or compares 3 million unchanged hits). None when every theme and the occupations, or the
        transcripts' split into turns, changed: then the whole corpus is scored again."""
        if not self._kept_tokens_serve(codebook):
            if self._relabels(codebook, base):
                return self._relabelled(codebook, base, executor or self.executor)
            return self._added_turn_changes(codebook, base, executor or self.executor)
        return self._changes(codebook, base, self._plan(base.codebook, codebook), executor or self.executor)

    def _changes(self, codebook: Codebook, base: Analysis, plan: _Plan, executor: Executor | None) -> Analysis | None:
        changed = tuple(theme for theme in codebook.themes if theme.id in plan.themes - plan.presence_only)
        if plan.scope is None and len(changed) == len(codebook.themes) and plan.occupations:
            return None
        if plan.presence_only:  # the other changed themes' rows, then these themes' from `base`
            others = self._changes(codebook, base, replace(plan, themes=plan.themes - plan.presence_only,
                                                           presence_only=frozenset()), executor)
            return None if others is None else _with_presence_of(base, codebook, plan.presence_only, others)
        if not changed and not plan.occupations:
            return base.with_tables(codebook, base.transcripts, *(table.iloc[:0] for table in (
                base.themes, base.hits)), cancelled=base.cancelled.iloc[:0])
        # occupations unchanged: the partial run's transcripts table is not used, so it decides none (without
        # occupations or job titles it reads no transcript's text, only those of the changed themes' hits)
        partial = self._score_codebook(
            replace(codebook, themes=changed) if plan.occupations
            else replace(codebook, themes=changed, occupations=(), job_titles=None), executor, plan.scope)
        transcripts = base.transcripts if not plan.occupations \
            else keep_metadata_occupations(partial.transcripts, base.transcripts) if plan.scope is None \
            or plan.scope.occupations is None else with_rows_of(base.transcripts, partial.transcripts)
        return base.with_tables(codebook, transcripts, partial.themes, partial.hits, cancelled=partial.cancelled)

    def _plan(self, before: Codebook, after: Codebook) -> _Plan:
        """Which themes (and whether the occupations) to score again, and in which transcripts: those whose
        definition or settings changed, all of them; those where only the typo settings changed, only where
        a word matches differently (none at all when no word of this corpus does); those whose `min_hits` alone
        changed, none (`presence_only`: whether each is present is decided again from the saved scores)."""
        themes, occupations = changed_themes(before, after), occupations_differ(before, after)
        presence_only = frozenset(themes & set(before.theme_ids) & set(after.theme_ids)
                                  - changed_themes(without_min_hits(before), without_min_hits(after)))
        plain_before, plain_after = without_typo_settings(before), without_typo_settings(after)
        by_typos = themes & (set(after.theme_ids) - changed_themes(plain_before, plain_after))
        occupations_by_typos = occupations and not occupations_differ(plain_before, plain_after)
        if not by_typos and not occupations_by_typos:
            return _Plan(themes, occupations, None, presence_only)
        differ = words_matched_differently(before, after, self.words(), themes=by_typos,
                                           occupations=occupations_by_typos)
        return _Plan(themes - {theme for theme, words in differ.themes.items() if words == frozenset()},
                     occupations and differ.occupations != frozenset(), TranscriptScope.of(differ), presence_only)

    def _score_from_files(self, codebook: Codebook, executor: Executor | None) -> Analysis:
        """Speaker labels changed with more than them, or a scope edit no kept token serves: the transcripts must
        be split into tokens again, from their files."""
        return analyse(self.paths, codebook=codebook, cache_dir=self.cache_dir, use_cache=self.cache_dir is not None,
                       executor=executor)

    def once_per_base(self, base: Analysis, name: str, compute: Callable[[], Any]) -> Any:
        """`compute()`, remembered while previews start from `base` (a dashboard compares every edit with the
        same saved results: what only depends on those, such as their quote counts, is computed once)."""
        with self._loading:
            if self._of_base is None or self._of_base[0] is not base:
                self._of_base = (base, {})
            memo = self._of_base[1]
        if name not in memo:
            memo[name] = compute()
        return memo[name]

    # ------------------------------------------------------------ words and text
    def words(self) -> frozenset[str]:
        """Every distinct word of the corpus's tokens (what a term word can match), read once from each
        shard's vocabulary alone: no text or token is loaded."""
        if self._words is None:
            words: set[str] = set()
            for number in range(self.shard_count):
                words.update(self.store.shard_vocabulary(number))
            words.discard("")  # the turn break
            self._words = frozenset(words)
        return self._words

    def vocabulary(self) -> pd.DataFrame:
        """word, tokens (occurrences), transcripts (how many use it) of every tokenized word, most used first.

        Only the turns the codebook's scope needs are tokenized, so these are the words a term can match.
        """
        if self._vocabulary is None:
            parts = [_shard_vocabulary(shard) for shard in self.shards]
            table = pd.concat(parts).groupby("word", as_index=False)[["tokens", "transcripts"]].sum() \
                if parts else pd.DataFrame({"word": [], "tokens": [], "transcripts": []})
            self._vocabulary = table.sort_values(["tokens", "word"], ascending=[False, True], ignore_index=True)
        return self._vocabulary

    def text(self, transcript_id: str) -> str:
        return self.store.text(transcript_id)

    def texts(self, transcript_ids: list[str]) -> list[str]:
        """Many texts at once, each shard read once."""
        return self.store.texts(transcript_ids)

    def turns(self, transcript_id: str) -> pd.DataFrame:
        """turn, speaker, start, end of every turn of a transcript (as `Analysis.turns`)."""
        return self.store.turns(transcript_id)


# ---------------------------------------------------------------- which parts of a codebook an edit touches
@dataclass(frozen=True)
class _Plan:
    """What an edit has scored again: these themes and, if `occupations`, the occupations; with a `scope`,
    only in the transcripts it names for each of its themes (and for the occupations)."""

    themes: set[str]
    occupations: bool
    scope: TranscriptScope | None
    presence_only: frozenset[str] = frozenset()  # of `themes`: only `min_hits` changed, nothing to score

    @property
    def scoped_themes(self) -> set[str]:
        return {theme for theme, _ in self.scope.themes} if self.scope is not None else set()


def _with_presence_of(base: Analysis, codebook: Codebook, themes: frozenset[str], scored: Analysis) -> Analysis:
    """`scored` (the rows of the other changed themes) with the rows of `themes`, whose `min_hits` alone changed:
    their hits and scores are `base`'s, and only whether each is present is worked out again from its score
    (`core.engine.scoring.present_at`)."""
    rows = _only(base.themes, set(themes))
    min_hits = {t.id: t.min_hits if t.min_hits is not None else codebook.settings.min_hits for t in codebook.themes}
    rows = rows.assign(present=present_at(rows["score"].to_numpy(), rows["theme"].map(min_hits).to_numpy()))
    tables = [pd.concat([new, old], ignore_index=True) for new, old in (
        (scored.themes, rows), (scored.hits, _only(base.hits, set(themes))),
        (scored.cancelled, _only(base.cancelled, set(themes))))]
    return base.with_tables(codebook, scored.transcripts, *tables[:2], cancelled=tables[2])


PARALLEL_SHARDS = 8  # below this, sending shards to workers costs more than it saves


def _shard_vocabulary(shard: Shard) -> pd.DataFrame:
    size = len(shard.vocab)
    turn_of_token = np.repeat(np.arange(len(shard.turn_doc)), np.diff(shard.turn_token_start))
    real = shard.token_word != 0
    word = shard.token_word[real].astype(np.int64)
    doc = shard.turn_doc[turn_of_token[real]].astype(np.int64)
    tokens = np.bincount(word, minlength=size)
    transcripts = np.bincount(pd.unique(doc * size + word) % size, minlength=size)  # a hash, not a sort: 10x faster
    keep = tokens > 0
    return pd.DataFrame({"word": np.asarray(shard.vocab, dtype=object)[keep], "tokens": tokens[keep],
                         "transcripts": transcripts[keep]})


def _only(table: pd.DataFrame, themes: set[str]) -> pd.DataFrame:
    return table[table["theme"].isin(themes)]
