"""The engine's one result type: a codebook with the four tables it gives on a corpus, and where they came from.

    analysis = analyse(["data"], codebook=book)
    analysis.themes.groupby("theme")["present"].mean()
    analysis.text("work_0188")[:80]

One shard's scores, a whole corpus's, a cached corpus scored again after an edit: all are an `Analysis`, so
every page, export and report reads the same columns from the same object.

A streamed run (a large corpus) keeps its themes, hits and cancelled tables as parquet parts
(`core.engine.parts`) instead of in memory: `analysis.parts` names the folder, for consumers that query it
(DuckDB), and the tables are read from it the first time a consumer asks for one.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.codebook.model import Codebook
from core.ingest.loaders import LoadReport

if TYPE_CHECKING:
    from core.engine.cache import TranscriptStore

# passage_start/end: the hit's passage (core.engine.passages); turn_start/end: its speaker turn (offsets)
HIT_COLUMNS = ("transcript_id", "turn", "speaker", "theme", "term", "matched_text", "start", "end", "similarity",
               "passage_start", "passage_end", "turn_start", "turn_end")
HIT_TYPES = ("str", "int32", "str", "str", "str", "str", "int32", "int32", "float64", "int32", "int32", "int32",
             "int32")
CANCELLED_COLUMNS = (*HIT_COLUMNS, "reason")
TABLES = ("transcripts", "themes", "hits", "cancelled")


def empty_hits(columns: tuple[str, ...] = HIT_COLUMNS) -> pd.DataFrame:
    """A hits table (or, with CANCELLED_COLUMNS, a cancelled table) with no rows and the columns' types."""
    types = dict(zip(CANCELLED_COLUMNS, [*HIT_TYPES, "str"]))
    return pd.DataFrame({column: pd.Series(dtype=types[column]) for column in columns})


def empty_cancelled() -> pd.DataFrame:
    return empty_hits(CANCELLED_COLUMNS)


class _TableInParts:
    """A table of an `Analysis` that may live in its parquet parts: read (once) when first asked for.
    A dataclass field with this as its default takes any DataFrame as usual; None, its default,
    means "in the parts": read from them when first asked for."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.table, self.slot = name, f"_{name}"

    def __get__(self, analysis: Analysis | None, owner: type) -> pd.DataFrame | None:
        if analysis is None:
            return None  # the dataclass's default: in the parts
        value = analysis.__dict__.get(self.slot)
        if value is None:
            value = analysis.__dict__[self.slot] = analysis.load_from_parts(self.table)
        return value

    def __set__(self, analysis: Analysis, value: pd.DataFrame | None) -> None:
        analysis.__dict__[self.slot] = value


@dataclass
class Analysis:
    """transcripts: one row per transcript (occupation, its evidence and confidence, words, attributes);
    themes: one row per transcript x theme (hits, score, per_1k_words, present); hits: one row per hit
    (HIT_COLUMNS). The rest says where they came from: the load report, the cache key, what the cache
    already had ("results", "shards" or "none"), the data paths and the store of texts and turns. Last,
    cancelled: the hits a negator or hedge cancelled (HIT_COLUMNS + reason, 'negated by “don't”'); they never
    count in `themes` (a keyword with a default, so constructions that predate it keep working).
    parts/batches: the folder (or URL) of a streamed run's parquet parts and how many batches it holds; a
    table given as None is read from there when first used (`core.engine.parts`)."""

    codebook: Codebook
    transcripts: pd.DataFrame
    themes: pd.DataFrame = _TableInParts()
    hits: pd.DataFrame = _TableInParts()
    report: LoadReport = field(default_factory=LoadReport)
    key: str = ""
    cached: str = "none"
    data_paths: list[str] = field(default_factory=list)
    store: TranscriptStore | None = field(default=None, repr=False)  # texts and turns, read lazily
    cancelled: pd.DataFrame = _TableInParts()
    parts: str | None = None
    batches: int = 0

    def __post_init__(self) -> None:
        if self.parts is None and self.__dict__.get("_cancelled") is None:
            self.cancelled = empty_cancelled()  # built before cancelled hits were kept: none

    def load_from_parts(self, table: str) -> pd.DataFrame:
        """A table kept in the parts, read whole (the consumers that need every row)."""
        if self.parts is None:
            raise ValueError(f"the {table} table was neither given nor written as parts")
        from core.engine.parts import load_table

        return load_table(self.parts, table, self.batches)

    def described(self, **changes) -> Analysis:
        """A copy with other fields (report, key, paths, store...) set, without reading tables kept in parts
        (`dataclasses.replace` would read every field)."""
        copied = copy.copy(self)
        for name, value in changes.items():
            setattr(copied, name, value)
        return copied

    @property
    def streamed(self) -> bool:
        """The big tables are in parquet parts (`parts`), read only when a consumer asks for them."""
        return self.parts is not None

    @classmethod
    def concat(cls, parts: list[Analysis]) -> Analysis:
        """The parts' tables one after the other (parts of one corpus, scored with one codebook)."""
        tables = [pd.concat([getattr(p, name) for p in parts], ignore_index=True) for name in TABLES]
        return cls(parts[0].codebook, **dict(zip(TABLES, tables)))

    def with_tables(self, codebook: Codebook, transcripts: pd.DataFrame, themes: pd.DataFrame,
                    hits: pd.DataFrame, *, cancelled: pd.DataFrame | None = None) -> Analysis:
        """The same corpus (report, paths, store) scored with another codebook."""
        cancelled = empty_cancelled() if cancelled is None else cancelled
        return replace(self, codebook=codebook, transcripts=transcripts, themes=themes, hits=hits,
                       cancelled=cancelled, parts=None, batches=0,
                       key=f"{self.key}+{codebook.content_hash[:16]}" if self.key else "", cached="none")

    @property
    def present(self) -> pd.DataFrame:
        """transcript_id, theme of every theme present in a transcript."""
        return self.themes.loc[self.themes["present"] == 1, ["transcript_id", "theme"]]

    def text(self, transcript_id: str) -> str:
        """The repaired text of a transcript (KeyError when it is not in this analysis)."""
        return self._store().text(transcript_id)

    def turns(self, transcript_id: str) -> pd.DataFrame:
        """turn, speaker, start, end of every turn of a transcript."""
        return self._store().turns(transcript_id)

    def _store(self) -> TranscriptStore:
        if self.store is None:  # tables scored from shards in memory, without a folder of texts
            raise KeyError("this analysis keeps no texts")
        return self.store


def in_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each of `keys` (any order) is among `sorted_keys` (in order, repeats allowed): a binary search,
    where np.isin would sort both every time.

    >>> in_sorted(np.array([1, 1, 3]), np.array([5, 1, 3, 1])).tolist(), in_sorted(np.array([]), np.array([2])).tolist()
    ([False, True, True, True], [False])
    """
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    return sorted_keys[np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)] == keys


def positions_in(column: pd.Series, order) -> np.ndarray:
    """The position in `order` (distinct values) of each value, -1 for one not in it or missing: the column's
    distinct values are hashed once (in Arrow's C code) and only those are looked up, so a column of millions
    of strings never becomes millions of Python strings (`Series.map` and `reindex` of `to_numpy()` do).

    >>> positions_in(pd.Series(["b", "a", "z", None]), ["a", "b"]).tolist()
    [1, 0, -1, -1]
    """
    codes, distinct = pd.factorize(column)
    # an Index given is used as it is: its hash table (a million transcript ids) is built once and kept with it
    index = order if isinstance(order, pd.Index) else pd.Index(order)
    return np.append(index.get_indexer(distinct), -1)[codes]  # code -1 (missing): the -1 appended
