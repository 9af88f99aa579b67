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
                           scoped: Collection[str] = frozenset(), base_rows: np.ndarray | None = None) -> pd.DataFrame:
    """The rows of `base` for the `reused` themes (and for the `scoped` ones, those of the (transcript, theme)
    pairs not among `scored_pairs`, see `pair_keys`; and of those, only the `base_rows` (a mask) when given)
    and every row of `scored`, in the order a fresh run
    gives: by transcript, then `within` columns, then the codebook's theme order, so a preview's tables
    compare equal to a full run's. One take of the rows in their final order: on millions of rows each pass
    over the text columns costs a second."""
    both = pd.concat([base, scored], ignore_index=True) if len(scored) else base  # empty: keep column types
    theme_rank = positions_in(both["theme"], codebook.theme_ids)
    kept = np.ones(len(both), dtype=bool)
    kept[:len(base)] = positions_in(base["theme"], sorted(reused)) >= 0
    if base_rows is not None:
        kept[:len(base)] &= base_rows
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
