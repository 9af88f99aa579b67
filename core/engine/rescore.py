"""Scoring a cached corpus again, in memory: the engine behind previews, term reports and threshold sweeps.

`CachedCorpus.of(analysis)` holds the analysis's shards (word-id tokens, vocabularies and texts), loaded once,
on first use. `corpus.score(codebook, base=analysis)` gives the `Analysis` an edited codebook would produce
without reading or tokenizing a file. When only some themes changed (and the settings did not), only those
themes are scored again and the other rows are taken from `base`: themes never affect each other. On a large
corpus the shards are scored by the caller's executor, each worker loading its shards from the cache, so
this process never loads them (at 80,000 transcripts their texts and tokens are gigabytes); texts are then
read from the cache only for what is shown. `corpus.changes(codebook, base)` gives only the changed themes'
rows, all a preview's diff needs.

    corpus = CachedCorpus.of(analysis)
    edited = corpus.score(parse_codebook(new_text), base=analysis, executor=pool)
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine import cache
from core.engine.corpus import Shard
from core.engine.executor import Executor
from core.engine.metadata import given_occupations, override_occupations
from core.engine.pipeline import ShardJob, ShardScorer, analyse, empty_analysis, speakers_for
from core.engine.results import Analysis
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
        self._of_base: tuple[Analysis, dict] | None = None  # see `once_per_base`

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
        if speakers_for(codebook) != self.speakers:
            return self._score_from_files(codebook, executor)
        if base is None:
            return self._full(codebook, base, executor)
        return self._incremental(codebook, base, executor)

    def _score_codebook(self, codebook: Codebook, executor: Executor | None) -> Analysis:
        """Every shard scored with `codebook`: in this thread from memory, or on a large corpus by the
        executor's workers, which load the shards from the cache and send back only their scores."""
        scorer = ShardScorer(codebook)
        if executor is None or executor.workers < 2 or self.shard_count < PARALLEL_SHARDS:
            return Analysis.concat([scorer.score(shard) for shard in self.shards] or [empty_analysis(codebook)])
        jobs = (ShardJob(str(self.folder), number) for number in range(self.shard_count))
        return Analysis.concat([scores for scores, _ in executor.map(scorer, jobs)])

    def _full(self, codebook: Codebook, base: Analysis | None, executor: Executor | None) -> Analysis:
        scores = self._score_codebook(codebook, executor)
        return scores if base is None else base.with_tables(
            codebook, _keep_metadata_occupations(scores.transcripts, base), scores.themes, scores.hits,
            cancelled=scores.cancelled)

    def _incremental(self, codebook: Codebook, base: Analysis, executor: Executor | None) -> Analysis:
        changes = self.changes(codebook, base, executor=executor)
        if changes is None:
            return self._full(codebook, base, executor)
        reused = set(codebook.theme_ids) - changed_themes(base.codebook, codebook)
        if reused == set(codebook.theme_ids) and not occupations_differ(base.codebook, codebook):  # nothing scored
            return base.with_tables(codebook, changes.transcripts, *(_only(table, reused) for table in (
                base.themes, base.hits)), cancelled=_only(base.cancelled, reused))
        themes, hits, cancelled = (
            _merged_in_fresh_order(old, new, reused, codebook, self.transcript_ids, *within) for old, new, within in (
                (base.themes, changes.themes, ()), (base.hits, changes.hits, ("start",)),
                (base.cancelled, changes.cancelled, ("start",))))
        return base.with_tables(codebook, changes.transcripts, themes, hits, cancelled=cancelled)

    def changes(self, codebook: Codebook, base: Analysis, *, executor: Executor | None = None) -> Analysis | None:
        """What an edit changes, scoring only that: `codebook`'s analysis with every transcript row but only the
        rows of the themes that changed since `base` (`changed_themes`; none for a removed theme). Rows of the
        other themes are those of `base`, so a diff needs only these (a preview at 80,000 transcripts then
        never merges or compares 3 million unchanged hits). None when every theme and the occupations, or
        the transcripts' split into turns, changed: then the whole corpus is scored again."""
        if speakers_for(codebook) != self.speakers:
            return None
        executor = executor or self.executor
        changed_ids = changed_themes(base.codebook, codebook)
        changed = tuple(theme for theme in codebook.themes if theme.id in changed_ids)
        occupations_changed = occupations_differ(base.codebook, codebook)
        if len(changed) == len(codebook.themes) and occupations_changed:
            return None
        if not changed and not occupations_changed:
            return base.with_tables(codebook, base.transcripts, *(table.iloc[:0] for table in (
                base.themes, base.hits)), cancelled=base.cancelled.iloc[:0])
        # occupations unchanged: the partial run's transcripts table is not used, so it decides none (without
        # occupations or job titles it reads no transcript's text, only those of the changed themes' hits)
        partial = self._score_codebook(
            replace(codebook, themes=changed) if occupations_changed
            else replace(codebook, themes=changed, occupations=(), job_titles=None), executor)
        transcripts = _keep_metadata_occupations(partial.transcripts, base) if occupations_changed \
            else base.transcripts
        return base.with_tables(codebook, transcripts, partial.themes, partial.hits, cancelled=partial.cancelled)

    def _score_from_files(self, codebook: Codebook, executor: Executor | None) -> Analysis:
        """Scope or speaker labels changed: the transcripts must be split into tokens again."""
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
def changed_themes(before: Codebook, after: Codebook) -> set[str]:
    """Ids of the themes whose hits or scores can differ (added and removed ones included).

    Themes never affect each other, so a theme scores the same when its definition and the settings it
    reads are the same: a theme with its own threshold ignores a change of the default threshold."""
    old = {theme.id: _as_scored(theme, before.settings) for theme in before.themes}
    new = {theme.id: _as_scored(theme, after.settings) for theme in after.themes}
    return {theme for theme in old.keys() | new.keys() if old.get(theme) != new.get(theme)}


def occupations_differ(before: Codebook, after: Codebook) -> bool:
    """Whether occupations, their evidence or confidence can differ."""
    def used(book: Codebook) -> tuple:
        s = book.settings
        return (book.occupations, s.threshold, s.fuzzy_min_length, s.interviewer_labels, s.participant_labels,
                s.occupation_first_turns, s.occupation_min_score, s.occupation_max_hits_per_term,
                s.occupation_titles, book.job_titles)  # the lexicon compares by its content hash
    return used(before) != used(after)


def _as_scored(theme, settings) -> tuple:
    """A theme with every setting its scoring reads (a default it overrides is left out)."""
    s = settings
    return (theme, s.scope, s.fuzzy_min_length, s.interviewer_labels, s.participant_labels,
            s.threshold if theme.threshold is None else None,
            s.min_hits if theme.min_hits is None else None,
            (s.negators, s.negation_window, s.hedges) if theme.negation else None)


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


def _merged_in_fresh_order(base: pd.DataFrame, scored: pd.DataFrame, reused: set[str], codebook: Codebook,
                           ids: list[str], *within: str) -> pd.DataFrame:
    """The rows of `base` for the `reused` themes and every row of `scored`, in the order a fresh run gives:
    by transcript, then `within` columns, then the codebook's theme order, so a preview's tables compare
    equal to a full run's. One take of the rows in their final order: on millions of rows each pass over
    the text columns costs a second."""
    both = pd.concat([base, scored], ignore_index=True) if len(scored) else base  # empty: keep column types
    theme_rank = positions_in(both["theme"], codebook.theme_ids)
    kept = np.ones(len(both), dtype=bool)
    kept[:len(base)] = positions_in(base["theme"], sorted(reused)) >= 0
    rows = np.flatnonzero(kept & (theme_rank >= 0))
    keys = [theme_rank[rows], *(both[column].to_numpy()[rows] for column in reversed(within)),
            positions_in(both["transcript_id"], ids)[rows]]
    return both.iloc[rows[np.lexsort(keys)]].reset_index(drop=True)


def _only(table: pd.DataFrame, themes: set[str]) -> pd.DataFrame:
    return table[table["theme"].isin(themes)]


def positions_in(column: pd.Series, order) -> np.ndarray:
    """The position in `order` (distinct values) of each value, -1 for one not in it or missing: the column's
    distinct values are hashed once (in Arrow's C code) and only those are looked up, so a column of millions
    of strings never becomes millions of Python strings (`Series.map` and `reindex` of `to_numpy()` do).

    >>> positions_in(pd.Series(["b", "a", "z", None]), ["a", "b"]).tolist()
    [1, 0, -1, -1]
    """
    codes, distinct = pd.factorize(column)
    return np.append(pd.Index(order).get_indexer(distinct), -1)[codes]  # code -1 (missing): the -1 appended


def _keep_metadata_occupations(transcripts: pd.DataFrame, base: Analysis | None) -> pd.DataFrame:
    """Occupations that came from a metadata table stay as given (the codebook does not decide them), and
    attribute columns merged from metadata are carried over."""
    if base is None or base.transcripts.empty:
        return transcripts
    extra = [c for c in base.transcripts.columns if c not in transcripts.columns]
    merged = transcripts.merge(base.transcripts[["transcript_id", *extra]], on="transcript_id", how="left") \
        if extra else transcripts.copy()
    return override_occupations(merged, given_occupations(base.transcripts))
