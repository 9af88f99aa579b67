"""Tables in the order a fresh run gives them, and the integer keys of their (transcript, theme) pairs: how a
scoring of some themes or some pairs is put together with the rows it reuses (`core.engine.rescore`,
`core.engine.added_roles`) so the result compares equal to a fresh run's."""
from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.engine.results import Analysis, positions_in


def merged_in_fresh_order(base: pd.DataFrame, scored: pd.DataFrame, reused: set[str], codebook: Codebook,
                           ids: list[str], *within: str, scored_pairs: np.ndarray | None = None,
                           scoped: Collection[str] = frozenset()) -> pd.DataFrame:
    """The rows of `base` for the `reused` themes (and for the `scoped` ones, those of the (transcript, theme)
    pairs not among `scored_pairs`, see `pair_keys`) and every row of `scored`, in the order a fresh run gives:
    by transcript, then `within` columns, then the codebook's theme order, so a preview's tables compare equal
    to a full run's. One take of the rows in their final order: on millions of rows each pass
    over the text columns costs a second."""
    both = pd.concat([base, scored], ignore_index=True) if len(scored) else base  # empty: keep column types
    kept = np.ones(len(both), dtype=bool)
    kept[:len(base)] = positions_in(base["theme"], sorted(reused)) >= 0
    if scored_pairs is not None and scoped:
        rows = np.flatnonzero(positions_in(base["theme"], sorted(scoped)) >= 0)
        kept[rows] = ~np.isin(pair_keys(base.iloc[rows], codebook.theme_ids, ids), scored_pairs)
    order = ordered_rows(pair_keys(both, codebook.theme_ids, ids), len(codebook.theme_ids), kept,
                         [both[column].to_numpy() for column in within])
    return both.iloc[order].reset_index(drop=True)


def ordered_rows(pairs: np.ndarray, themes: int, kept: np.ndarray, within: list[np.ndarray]) -> np.ndarray:
    """The numbers of the `kept` rows (a mask) that have a pair (`pairs`, see `pair_keys`, of a codebook of
    `themes` themes; negative: none) in a fresh run's order: by transcript, then the `within` columns, then theme.

    >>> ordered_rows(np.array([3, 2, -1, 2]), 2, np.ones(4, bool), [np.array([5, 9, 0, 1])]).tolist()
    [3, 0, 1]
    """
    rows = np.flatnonzero(kept & (pairs >= 0))
    keys = [pairs[rows] // themes, *(column[rows].astype(np.int64) for column in within), pairs[rows] % themes]
    combined = one_key(keys)
    # tables merged here are runs already in order (a saved table, the added rows of each shard): a stable sort
    # of one integer merges the runs (timsort), where sorting by three columns took 2.7 s for 5 million rows
    return rows[np.argsort(combined, kind="stable") if combined is not None else np.lexsort(keys[::-1])]


def one_key(keys: list[np.ndarray]) -> np.ndarray | None:
    """The columns (non-negative integers, the first the most significant) as one integer in the same order,
    or None when they do not fit in 63 bits."""
    combined, room = np.zeros(len(keys[0]), dtype=np.int64), 2 ** 62
    for column in keys:
        if len(column) and int(column.min()) < 0:
            return None
        radix = int(column.max()) + 1 if len(column) else 1
        room //= radix
        if room < 1:
            return None
        combined = combined * radix + column
    return combined


def pair_keys(table: pd.DataFrame, theme_ids: list[str], ids: list[str] | pd.Series) -> np.ndarray:
    """One integer per row for its (transcript, theme) pair: the transcript's position in `ids` times the
    number of themes plus the theme's in `theme_ids` (negative when either is not there)."""
    transcripts = positions_in(table["transcript_id"], ids).astype(np.int64)
    themes = positions_in(table["theme"], theme_ids)
    return np.where((transcripts >= 0) & (themes >= 0), transcripts * len(theme_ids) + themes, -1)


def analysis_pair_keys(analysis) -> tuple[np.ndarray, np.ndarray]:
    """`pair_keys` of every row of an analysis's themes and hits tables (a preview computes them once per saved
    analysis, `CachedCorpus.once_per_base`: factorizing millions of transcript ids takes a second)."""
    ids = analysis.transcripts["transcript_id"]
    return (pair_keys(analysis.themes, analysis.codebook.theme_ids, ids),
            pair_keys(analysis.hits, analysis.codebook.theme_ids, ids))


def edited_themes(base: Analysis, codebook: Codebook, scored: pd.DataFrame,
                  transcript_ids: Collection[str]) -> pd.DataFrame:
    """The themes rows `codebook` gives the transcripts of `base` among `transcript_ids`, in a fresh run's order,
    from `scored`, the themes rows of what an edit scored (`CachedCorpus.changes`, or a whole scoring): a pair it
    holds takes its row, every other pair `base`'s (a removed theme's rows left out). Agreement with a few hundred
    labelled transcripts reads these instead of every row of a corpus merged (`CachedCorpus.score`). A scope edit's
    changes leave out the hits per 1,000 words of the pairs they did not score: the agreement reads presence only.

        edited_themes(base, codebook, corpus.changes(codebook, base).themes, ["w1", "w3"])
    """
    corpus_ids = base.transcripts["transcript_id"]
    ids = corpus_ids[corpus_ids.isin(list(transcript_ids))].tolist()  # once each, in the corpus's order
    old, new = (table[table["transcript_id"].isin(ids)] for table in (base.themes, scored))
    every = set(codebook.theme_ids)
    return merged_in_fresh_order(old, new, every, codebook, ids,
                                 scored_pairs=pair_keys(new, codebook.theme_ids, ids), scoped=every)
