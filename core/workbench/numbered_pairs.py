"""The diff's look-ups by numbers, when both scorings have their rows' (transcript, theme) pairs numbered
(`core.engine.fresh_order.pair_keys`, over the same transcripts and themes): a preview's saved results (numbered
once per base) and a scope edit's rows (numbered as they were merged, `CachedCorpus.hit_pair_keys`). Then which
hits raise their theme, the quotes' keys and the quotes' occupations take no look-up of transcript ids or theme
names among millions of hits (each a pass over their text columns: seconds at 80,000 transcripts). Without
them, rows are matched by `integer_keys`: their key columns as one integer shared by both tables.

    numbered = NumberedPairs.of(before, after, (themes_before, hits_before, themes_after, hits_after), keys, hit_keys)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.engine.fresh_order import one_key, pair_keys
from core.engine.results import Analysis


@dataclass(frozen=True)
class NumberedPairs:
    """The pair numbers of the rows compared: the themes and hits rows of each side."""

    themes: int  # how many themes the numbers count
    transcripts: int
    before_themes: np.ndarray
    before_hits: np.ndarray
    after_themes: np.ndarray
    after_hits: np.ndarray

    @classmethod
    def of(cls, before: Analysis, after: Analysis, compared: tuple[pd.DataFrame, ...],
           before_keys: Callable[[], tuple[np.ndarray, np.ndarray]] | None,
           after_keys: Callable[[], np.ndarray | None] | None) -> NumberedPairs | None:
        """The numbers of `compared` (themes and hits rows of `before`, then of `after`, each taken from its
        analysis's tables with their row labels), from `analysis_pair_keys(before)` and the `pair_keys` of
        `after.hits`; None unless both are given and number the same transcripts and themes alike."""
        theme_ids, ids = after.codebook.theme_ids, after.transcripts["transcript_id"]
        if before_keys is None or after_keys is None or before.codebook.theme_ids != theme_ids:
            return None
        after_hit_keys = after_keys()
        if after_hit_keys is None or len(after_hit_keys) != len(after.hits) \
                or not all(_labels_are_rows(table) for table in (before.themes, before.hits, after.hits)) \
                or not before.transcripts["transcript_id"].equals(ids):
            return None
        theme_keys, hit_keys = before_keys()
        themes_before, hits_before, themes_after, hits_after = compared
        return cls(len(theme_ids), len(ids), theme_keys[themes_before.index.to_numpy()],
                   hit_keys[hits_before.index.to_numpy()], pair_keys(themes_after, theme_ids, ids),
                   after_hit_keys[hits_after.index.to_numpy()])

    def raising_rows(self, themes_before: pd.DataFrame, themes_after: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """`core.views.quotes.raising_rows` of each side's hits (before, after), as row numbers."""
        return (self._raising(themes_before, self.before_themes, self.before_hits),
                self._raising(themes_after, self.after_themes, self.after_hits))

    def _raising(self, themes: pd.DataFrame, theme_pairs: np.ndarray, hit_pairs: np.ndarray) -> np.ndarray:
        raises = ((themes["present"] == 1) & (themes["hits"] >= 1)).to_numpy() & (theme_pairs >= 0)
        raised = np.zeros(self.transcripts * self.themes + 1, dtype=bool)  # the last: rows of no pair
        raised[theme_pairs[raises]] = True
        return np.flatnonzero(raised[np.where(hit_pairs >= 0, hit_pairs, len(raised) - 1)])

    def quote_keys(self, hits_after: pd.DataFrame, hits_before: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        """A quote's key per hit of each side (after, before), ordered as `shared_keys` orders them:
        transcript, passage start, theme, passage end. None when a hit has no pair or they do not fit. Worked
        out in place, a side at a time: 5 million hits' columns as int64 are 40 MB each."""
        tables, pairs = (hits_after, hits_before), (self.after_hits, self.before_hits)
        if any(len(side) and int(side.min()) < 0 for side in pairs):
            return None
        starts, ends = (max((int(table[column].max()) + 1 for table in tables if len(table)), default=1)
                        for column in ("passage_start", "passage_end"))
        if self.transcripts * starts * self.themes * ends >= 2 ** 62:
            return None  # the largest key would not fit
        return (_quote_key(hits_after, self.after_hits, self.themes, starts, ends),
                _quote_key(hits_before, self.before_hits, self.themes, starts, ends))

    def transcripts_of(self, side: str, rows: np.ndarray) -> np.ndarray:
        """The transcripts (positions in either side's transcripts table) of the hits at `rows` of a side."""
        return (self.after_hits if side == "after" else self.before_hits)[rows] // self.themes


def _quote_key(hits: pd.DataFrame, pairs: np.ndarray, themes: int, starts: int, ends: int) -> np.ndarray:
    """((transcript x starts + passage start) x themes + theme) x ends + passage end, of every hit."""
    key = pairs // themes
    key *= starts
    key += hits["passage_start"].to_numpy()
    key *= themes
    key += pairs % themes
    key *= ends
    key += hits["passage_end"].to_numpy()
    return key


def _labels_are_rows(table: pd.DataFrame) -> bool:
    return table.index.equals(pd.RangeIndex(len(table)))


def integer_keys(one: pd.DataFrame, other: pd.DataFrame, key: list[str], order: dict) -> tuple[np.ndarray, np.ndarray]:
    """`shared_keys`, or when they do not fit in one integer, the key columns' distinct rows numbered."""
    one_keys, other_keys = shared_keys(one, other, key, order)
    if one_keys is None:
        codes = pd.MultiIndex.from_frame(pd.concat([one[key], other[key]], ignore_index=True)).factorize()[0]
        one_keys, other_keys = codes[:len(one)], codes[len(one):]
    return one_keys, other_keys


def shared_keys(one: pd.DataFrame, other: pd.DataFrame, key: list[str], order: dict):
    """One integer per row standing for its key columns, the same in both tables (None if they do not fit).

    Each key column becomes small integer codes shared by both tables (text: its rank in `order`, else its
    distinct values numbered; numbers: their offset from the smallest), and the codes one integer (mixed
    radix), so matching is a look-up of integers: merging on millions of strings took seconds. With the
    columns in the order a fresh run sorts by, the keys of a fresh run's table come out sorted."""
    columns = []
    for name in key:
        values = pd.concat([one[name], other[name]], ignore_index=True)
        if values.dtype.kind in "iu":
            codes = values.to_numpy().astype(np.int64)
            codes = codes - (int(codes.min()) if len(codes) else 0)
        else:
            codes, distinct = pd.factorize(values)
            if name in order:  # distinct values by their rank, unknown ones after the known
                ranked = pd.Index(order[name]).get_indexer(distinct)
                ranked[ranked < 0] = len(order[name]) + np.arange(int((ranked < 0).sum()))
                codes = ranked[codes]
        columns.append(codes.astype(np.int64))
    combined = one_key(columns)
    return (None, None) if combined is None else (combined[:len(one)], combined[len(one):])


def first_of_each(keys: np.ndarray) -> np.ndarray:
    """Whether each key is the first row with its value: neighbours compared when the keys are in order (a
    fresh run's table gives them so), else a hash table (2 million keys: 70 MB).

    >>> first_of_each(np.array([3, 3, 5])).tolist(), first_of_each(np.array([5, 3, 5])).tolist()
    ([True, False, True], [True, True, False])
    """
    if len(keys) < 2 or bool((keys[1:] >= keys[:-1]).all()):
        return np.concatenate([[True], keys[1:] != keys[:-1]])[:len(keys)]
    return ~pd.Series(keys).duplicated().to_numpy()
