"""Scoring a cached corpus again, in memory: the engine behind previews, term reports and threshold sweeps.

`CachedCorpus.of(analysis)` loads the analysis's shards once (word-id tokens, vocabularies and texts). After
that, `corpus.score(codebook, base=Scored.of(analysis))` gives the tables an edited codebook would produce
without reading or tokenizing a file. When only some themes changed (and the settings did not), only those
themes are scored again and the other rows are taken from `base`: themes never affect each other.

    corpus = CachedCorpus.of(analysis)
    edited = corpus.score(parse_codebook(new_text), base=Scored.of(analysis))
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from core.engine import cache
from core.codebook.model import Codebook
from core.engine.corpus import Shard
from core.errors import DataError
from core.engine.matcher import TermIndex, VocabularyMatcher
from core.engine.pipeline import analyse, reuse_freed_memory, speakers_for
from core.views.quotes import sentence_bounds
from core.engine.scoring import Scores, score_shard


@dataclass(frozen=True)
class Scored:
    """A codebook with the three tables it gives on a corpus (an `Analysis` without the files)."""

    codebook: Codebook
    transcripts: pd.DataFrame
    themes: pd.DataFrame
    hits: pd.DataFrame

    @classmethod
    def of(cls, analysis) -> "Scored":
        return cls(analysis.codebook, analysis.transcripts, analysis.themes, analysis.hits)

    @property
    def present(self) -> pd.DataFrame:
        """transcript_id, theme of every theme present in a transcript."""
        return self.themes.loc[self.themes["present"] == 1, ["transcript_id", "theme"]]


class CachedCorpus:
    """Every shard of an analysis, in memory, ready to be scored with any codebook (see module docstring)."""

    def __init__(self, shards: list[Shard], codebook: Codebook, paths: list[str], cache_dir: Path | None):
        self.shards = shards
        self.speakers = speakers_for(codebook)
        self.paths = paths
        self.cache_dir = cache_dir
        self._where = {tid: (s, doc) for s, shard in enumerate(shards) for doc, tid in enumerate(shard.ids)}
        self._vocabulary: pd.DataFrame | None = None

    @classmethod
    def of(cls, analysis) -> "CachedCorpus":
        """Load the shards an `analyse()` run left in its cache (or temporary) folder."""
        folder = analysis.store.folder
        marker = cache.complete_shards(folder)
        if marker is None:
            raise DataError(f"{folder}: the analysis's shards are gone; run the analysis again")
        shards = [cache.load_shard(folder, number) for number in range(marker["shards"])]
        cache_dir = folder.parent.parent if folder.parent.name == "corpus" else None
        return cls(shards, analysis.codebook, list(analysis.data_paths), cache_dir)

    @property
    def transcript_ids(self) -> list[str]:
        return list(self._where)

    def __len__(self) -> int:
        return len(self._where)

    # ------------------------------------------------------------ scoring
    def score(self, codebook: Codebook, *, base: Scored | None = None) -> Scored:
        """The tables `codebook` gives on this corpus; rows of themes unchanged since `base` are reused."""
        if speakers_for(codebook) != self.speakers:
            return self._score_from_files(codebook)
        if base is None:
            return self._full(codebook, base)
        return self._incremental(codebook, base)

    def _score_codebook(self, codebook: Codebook) -> Scores:
        """Every shard scored with `codebook`; on a large corpus in forked processes, which see the shards
        already in memory (nothing is copied to them) and send back only their scores, a few shards at a
        time so this process takes in results while the workers go on."""
        workers = min(2, os.cpu_count() or 1)
        if len(self.shards) < PARALLEL_SHARDS or workers < 2 or os.name != "posix":
            return _score_shards(self.shards, codebook)
        ranges = [(start, start + SHARDS_PER_TASK) for start in range(0, len(self.shards), SHARDS_PER_TASK)]
        _FORKED.update(shards=self.shards, codebook=codebook)
        gc.freeze()  # the workers' garbage collections then skip the inherited objects, leaving their pages shared
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                return Scores.concat(list(pool.imap(_score_range, ranges)))
        finally:
            gc.unfreeze()
            _FORKED.clear()

    def _full(self, codebook: Codebook, base: Scored | None) -> Scored:
        scores = self._score_codebook(codebook)
        transcripts = _keep_metadata_occupations(scores.transcripts, base)
        return Scored(codebook, transcripts, scores.themes, scores.hits)

    def _incremental(self, codebook: Codebook, base: Scored) -> Scored:
        changed_ids = changed_themes(base.codebook, codebook)
        changed = [theme for theme in codebook.themes if theme.id in changed_ids]
        occupations_changed = occupations_differ(base.codebook, codebook)
        if not changed and not occupations_changed:
            kept = set(codebook.theme_ids)
            return Scored(codebook, base.transcripts, base.themes[base.themes["theme"].isin(kept)],
                          base.hits[base.hits["theme"].isin(kept)])
        if len(changed) == len(codebook.themes) and occupations_changed:
            return self._full(codebook, base)
        partial = self._score_codebook(replace(codebook, themes=tuple(changed),
                                               occupations=codebook.occupations if occupations_changed else ()))
        reused = set(codebook.theme_ids) - {theme.id for theme in changed}
        themes = _merged_in_fresh_order(base.themes, partial.themes, reused, codebook, self.transcript_ids)
        hits = _merged_in_fresh_order(base.hits, partial.hits, reused, codebook, self.transcript_ids, "start")
        transcripts = _keep_metadata_occupations(partial.transcripts, base) if occupations_changed \
            else base.transcripts
        return Scored(codebook, transcripts, themes, hits)

    def _score_from_files(self, codebook: Codebook) -> Scored:
        """Scope or speaker labels changed: the transcripts must be split into tokens again."""
        analysis = analyse(self.paths, codebook=codebook, cache_dir=self.cache_dir,
                           use_cache=self.cache_dir is not None)
        return Scored.of(analysis)

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
        shard, doc = self._where[transcript_id]
        return self.shards[shard].texts[doc]

    def sentence(self, transcript_id: str, turn: int, start: int, end: int) -> str:
        """The sentence around text[start:end], kept inside its turn."""
        shard_number, doc = self._where[transcript_id]
        shard = self.shards[shard_number]
        row = np.flatnonzero((shard.turn_doc == doc) & (shard.turn_number == turn))
        text = shard.texts[doc]
        lo, hi = (int(shard.turn_start[row[0]]), int(shard.turn_end[row[0]])) if len(row) else (0, len(text))
        begin, finish = sentence_bounds(text, start, end, lo=lo, hi=hi)
        return " ".join(text[begin:finish].split())


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
                s.occupation_first_turns, s.occupation_min_score, s.occupation_max_hits_per_term)
    return used(before) != used(after)


def _as_scored(theme, settings) -> tuple:
    """A theme with every setting its scoring reads (a default it overrides is left out)."""
    s = settings
    return (theme, s.scope, s.fuzzy_min_length, s.interviewer_labels, s.participant_labels,
            s.threshold if theme.threshold is None else None,
            s.min_hits if theme.min_hits is None else None,
            (s.negators, s.negation_window) if theme.negation else None)


PARALLEL_SHARDS = 8  # below this, starting processes costs more than it saves
SHARDS_PER_TASK = 4  # small tasks: results flow back while the workers score on
_FORKED: dict = {}   # what forked workers read: set just before the fork, cleared after


def _score_shards(shards: list[Shard], codebook: Codebook, matcher: VocabularyMatcher | None = None) -> Scores:
    matcher = matcher or VocabularyMatcher(TermIndex(codebook))
    return Scores.concat([score_shard(shard, matcher.index, matcher) for shard in shards])


def _score_range(bounds: tuple[int, int]) -> Scores:
    """One task of a forked worker; its matcher is kept for the next task, so each distinct word of the
    corpus is matched once per worker, not once per task."""
    start, stop = bounds
    if "matcher" not in _FORKED:
        reuse_freed_memory()
        _FORKED["matcher"] = VocabularyMatcher(TermIndex(_FORKED["codebook"]))
    return _score_shards(_FORKED["shards"][start:stop], _FORKED["codebook"], _FORKED["matcher"])


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
    theme_rank = _rank(both["theme"], codebook.theme_ids)
    kept = np.ones(len(both), dtype=bool)
    kept[:len(base)] = _rank(base["theme"], sorted(reused)) >= 0
    rows = np.flatnonzero(kept & (theme_rank >= 0))
    keys = [theme_rank[rows], *(both[column].to_numpy()[rows] for column in reversed(within)),
            _rank(both["transcript_id"], ids)[rows]]
    return both.iloc[rows[np.lexsort(keys)]].reset_index(drop=True)


def _rank(column: pd.Series, order: list[str]) -> np.ndarray:
    """The position in `order` of each value: the column's distinct values are hashed once (in Arrow's C
    code) and only those are looked up."""
    codes, distinct = pd.factorize(column)
    return pd.Index(order).get_indexer(distinct)[codes]


def _keep_metadata_occupations(transcripts: pd.DataFrame, base: Scored | None) -> pd.DataFrame:
    """Occupations that came from a metadata table stay as given: the codebook does not decide them, and
    attribute columns merged from metadata are carried over."""
    if base is None or base.transcripts.empty:
        return transcripts
    extra = [c for c in base.transcripts.columns if c not in transcripts.columns]
    merged = transcripts.merge(base.transcripts[["transcript_id", *extra]], on="transcript_id", how="left") \
        if extra else transcripts.copy()
    given = base.transcripts.set_index("transcript_id")
    from_metadata = given.index[given["occupation_evidence"] == "metadata"]
    rows = merged["transcript_id"].isin(from_metadata)
    if not rows.any():
        return merged
    for column in ("occupation", "occupation_evidence", "occupation_confidence"):
        merged.loc[rows, column] = merged.loc[rows, "transcript_id"].map(given[column])
    return merged
