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
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine import cache
from core.engine.corpus import Shard
from core.engine.executor import Executor
from core.engine.match_changes import TranscriptScope, words_matched_differently
from core.engine.metadata import given_occupations, override_occupations
from core.engine.pipeline import ShardJob, ShardScorer, analyse, empty_analysis, speakers_for
from core.engine.results import Analysis, positions_in
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

    def _score_codebook(self, codebook: Codebook, executor: Executor | None,
                        scope: TranscriptScope | None = None) -> Analysis:
        """Every shard scored with `codebook` (only what `scope` names, when given): in this thread from
        memory, or on a large corpus by the executor's workers, which load the shards from the cache and send
        back only their scores."""
        scorer = ShardScorer(codebook, scope)
        if executor is None or executor.workers < 2 or self.shard_count < PARALLEL_SHARDS:
            return Analysis.concat([scorer.score_kept(shard, self.folder, number) for number, shard
                                   in enumerate(self.shards)] or [empty_analysis(codebook)])
        jobs = (ShardJob(str(self.folder), number) for number in range(self.shard_count))
        return Analysis.concat([scores for scores, _ in executor.map(scorer, jobs)])

    def _full(self, codebook: Codebook, base: Analysis | None, executor: Executor | None) -> Analysis:
        scores = self._score_codebook(codebook, executor)
        return scores if base is None else base.with_tables(
            codebook, _keep_metadata_occupations(scores.transcripts, base), scores.themes, scores.hits,
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
            _merged_in_fresh_order(old, new, reused, codebook, self.transcript_ids, *within,
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
        if speakers_for(codebook) != self.speakers:
            return None
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
            else _keep_metadata_occupations(partial.transcripts, base) if plan.scope is None \
            or plan.scope.occupation_words is None else _with_occupations_of(base, partial.transcripts)
        return base.with_tables(codebook, transcripts, partial.themes, partial.hits, cancelled=partial.cancelled)

    def _plan(self, before: Codebook, after: Codebook) -> _Plan:
        """Which themes (and whether the occupations) to score again, and in which transcripts: those whose
        definition or settings changed, all of them; those where only the typo settings changed, only where
        a word matches differently (none at all when no word of this corpus does); those whose `min_hits` alone
        changed, none (`presence_only`: whether each is present is decided again from the saved scores)."""
        themes, occupations = changed_themes(before, after), occupations_differ(before, after)
        presence_only = frozenset(themes & set(before.theme_ids) & set(after.theme_ids)
                                  - changed_themes(_without_min_hits(before), _without_min_hits(after)))
        plain_before, plain_after = _without_typo_settings(before), _without_typo_settings(after)
        by_typos = themes & (set(after.theme_ids) - changed_themes(plain_before, plain_after))
        occupations_by_typos = occupations and not occupations_differ(plain_before, plain_after)
        if not by_typos and not occupations_by_typos:
            return _Plan(themes, occupations, None, presence_only)
        differ = words_matched_differently(before, after, self.words(), themes=by_typos,
                                           occupations=occupations_by_typos)
        return _Plan(themes - {theme for theme, words in differ.themes.items() if words == frozenset()},
                     occupations and differ.occupations != frozenset(), TranscriptScope.of(differ), presence_only)

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


def _without_min_hits(book: Codebook) -> Codebook:
    """The codebook with every theme's `min_hits` (and the default) blanked out."""
    return replace(book, settings=replace(book.settings, min_hits=1),
                   themes=tuple(replace(theme, min_hits=None) for theme in book.themes))


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


def _without_typo_settings(book: Codebook) -> Codebook:
    """The codebook with the settings that reach scoring only through word matching blanked out."""
    return replace(book, settings=replace(book.settings, threshold=0, fuzzy_min_length=0))


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
                           ids: list[str], *within: str, scored_pairs: np.ndarray | None = None,
                           scoped: Collection[str] = frozenset()) -> pd.DataFrame:
    """The rows of `base` for the `reused` themes (and for the `scoped` ones, those of the (transcript, theme)
    pairs not among `scored_pairs`, see `pair_keys`) and every row of `scored`, in the order a fresh run
    gives: by transcript, then `within` columns, then the codebook's theme order, so a preview's tables
    compare equal to a full run's. One take of the rows in their final order: on millions of rows each pass
    over the text columns costs a second."""
    both = pd.concat([base, scored], ignore_index=True) if len(scored) else base  # empty: keep column types
    theme_rank = positions_in(both["theme"], codebook.theme_ids)
    kept = np.ones(len(both), dtype=bool)
    kept[:len(base)] = positions_in(base["theme"], sorted(reused)) >= 0
    if scored_pairs is not None and scoped:
        rows = np.flatnonzero(positions_in(base["theme"], sorted(scoped)) >= 0)
        kept[rows] = ~np.isin(pair_keys(base.iloc[rows], codebook.theme_ids, ids), scored_pairs)
    rows = np.flatnonzero(kept & (theme_rank >= 0))
    keys = [theme_rank[rows], *(both[column].to_numpy()[rows] for column in reversed(within)),
            positions_in(both["transcript_id"], ids)[rows]]
    return both.iloc[rows[np.lexsort(keys)]].reset_index(drop=True)


def pair_keys(table: pd.DataFrame, theme_ids: list[str], ids: list[str] | pd.Series) -> np.ndarray:
    """One integer per row for its (transcript, theme) pair: the transcript's position in `ids` times the
    number of themes plus the theme's in `theme_ids` (negative when either is not there)."""
    transcripts = positions_in(table["transcript_id"], ids).astype(np.int64)
    themes = positions_in(table["theme"], theme_ids)
    return np.where((transcripts >= 0) & (themes >= 0), transcripts * len(theme_ids) + themes, -1)


def _with_occupations_of(base: Analysis, scored: pd.DataFrame) -> pd.DataFrame:
    """`base`'s transcripts table with the rows of the transcripts whose occupations were decided again
    (`scored`) replaced by those, in `base`'s order."""
    fresh = _keep_metadata_occupations(scored, base)
    table = base.transcripts
    take = np.arange(len(table))
    take[positions_in(fresh["transcript_id"], table["transcript_id"])] = len(table) + np.arange(len(fresh))
    return pd.concat([table, fresh[table.columns]], ignore_index=True).iloc[take].reset_index(drop=True)


def _only(table: pd.DataFrame, themes: set[str]) -> pd.DataFrame:
    return table[table["theme"].isin(themes)]


def _keep_metadata_occupations(transcripts: pd.DataFrame, base: Analysis | None) -> pd.DataFrame:
    """Occupations that came from a metadata table stay as given (the codebook does not decide them), and
    attribute columns merged from metadata are carried over."""
    if base is None or base.transcripts.empty:
        return transcripts
    extra = [c for c in base.transcripts.columns if c not in transcripts.columns]
    merged = transcripts.merge(base.transcripts[["transcript_id", *extra]], on="transcript_id", how="left") \
        if extra else transcripts.copy()
    return override_occupations(merged, given_occupations(base.transcripts))


def edited_themes(base: Analysis, codebook: Codebook, scored: pd.DataFrame,
                  transcript_ids: Collection[str]) -> pd.DataFrame:
    """The themes rows `codebook` gives the transcripts of `base` among `transcript_ids`, in a fresh run's order,
    from `scored`, the themes rows of what an edit scored (`CachedCorpus.changes`, or a whole scoring): a pair
    it holds takes its row, every other pair `base`'s (a removed theme's rows left out). Agreement with a few
    hundred labelled transcripts reads these instead of every row of a corpus merged (`score`).

        edited_themes(base, codebook, corpus.changes(codebook, base).themes, ["w1", "w3"])
    """
    corpus_ids = base.transcripts["transcript_id"]
    ids = corpus_ids[corpus_ids.isin(list(transcript_ids))].tolist()  # once each, in the corpus's order
    old, new = (table[table["transcript_id"].isin(ids)] for table in (base.themes, scored))
    every = set(codebook.theme_ids)
    return _merged_in_fresh_order(old, new, every, codebook, ids,
                                  scored_pairs=pair_keys(new, codebook.theme_ids, ids), scoped=every)
