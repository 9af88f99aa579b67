"""Which transcripts and quotes a view keeps, as pure pandas/numpy functions of an analysis and a set of
filters: `prepare` indexes an analysis once, the masks apply the filters. `core.views.snapshot` combines them
into the one filtered view every face uses; the numbers are in `core.views.aggregates`.

    data = prepare(analysis.transcripts, analysis.themes, analysis.hits, analysis.codebook.theme_ids)
    filters = Filters(occupations=("it_software",), min_hits=2)
    raised = raised_matrix(data, filters.min_hits)
    mask = transcript_mask(data, filters, raised)

Transcripts are numbered 0..n-1 once (`doc`), and per-transcript theme hits are kept as a transcripts x
themes matrix, so a filter change is a few numpy operations even with tens of thousands of transcripts.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.engine.results import positions_in

if TYPE_CHECKING:
    from core.engine.results import Analysis
    from core.views.parts_sql import HitsInParts
    from core.views.search import Mentions

# Columns every transcripts table has; any other column is an attribute (from the data or the metadata).
CORE_COLUMNS = ("transcript_id", "source", "occupation", "occupation_evidence", "occupation_confidence",
                "occupation_source", "occupation_uncertain", "occupation_start", "occupation_end",
                "participant_words")
MAX_ATTRIBUTE_VALUES = 30  # a column with more distinct values is an identifier or a number, not a facet
MISSING = "(missing)"


@dataclass(frozen=True)
class Filters:
    """Which transcripts and themes are in view. Empty tuples mean "all".

    A transcript *raises* a theme when the codebook marks it present and it has at least `min_hits` hits.
    With `themes` chosen, only transcripts raising one of them match, and only those themes are shown.
    `search` keeps transcripts with a quote (of a theme in view) containing the text, case-insensitively.
    `certain_only` leaves out transcripts whose occupation is flagged uncertain.
    """

    occupations: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_hits: int = 1
    search: str = ""
    certain_only: bool = False

    def themes_in_view(self, theme_ids: Iterable[str]) -> list[str]:
        chosen = set(self.themes)
        return [t for t in theme_ids if not chosen or t in chosen]


@dataclass(eq=False)
class ViewData:
    """An analysis indexed for fast filtering; build it once per analysis with `prepare`."""

    transcripts: pd.DataFrame          # row i is transcript `doc` i; adds a `file` column (source file name)
    theme_ids: list[str]
    hit_counts: np.ndarray             # transcripts x themes: number of hits
    present: np.ndarray                # transcripts x themes: the codebook's `present` flag
    hits: pd.DataFrame                 # the hits, plus `doc`, `theme_index` and `occupation` (none: in_parts)
    attributes: dict[str, list[str]] = field(default_factory=dict)   # facet column -> its values
    attribute_values: dict[str, np.ndarray] = field(default_factory=dict)  # facet column -> value per doc
    in_parts: HitsInParts | None = None  # a streamed run's hits, left in its parquet parts, read per transcript

    @cached_property
    def quote_counts(self) -> np.ndarray:
        """transcripts x themes: the quotes (distinct passages) of each transcript's hits of each theme; a
        quote counts where its transcript raises the theme (`raised_matrix`), as `quote_hit_mask` keeps it."""
        if self.in_parts is not None:
            return self.in_parts.quote_counts(self._doc_series, self.theme_ids)
        return count_quotes(self.hits["doc"].to_numpy(), self.hits["theme_index"].to_numpy(),
                            self.hits["passage_start"].to_numpy(), self.hits["passage_end"].to_numpy(),
                            (self.size, len(self.theme_ids)))

    def quote_counts_holding(self, mentions: Mentions) -> np.ndarray:
        """`quote_counts` of only the quotes holding one of a search's mentions (`core.views.search`)."""
        if self.in_parts is not None:
            return self.in_parts.quote_counts(self._doc_series, self.theme_ids, mentions=mentions)
        held = self.hits.loc[mentions.in_passages(self.hits)]
        return count_quotes(held["doc"].to_numpy(), held["theme_index"].to_numpy(), held["passage_start"].to_numpy(),
                            held["passage_end"].to_numpy(), (self.size, len(self.theme_ids)))

    def fuzzy_quotes(self, mentions: Mentions | None = None) -> dict[str, np.ndarray]:
        """The fuzzy quotes (holding a hit below similarity 100) counted per cell (doc x themes + theme) and
        lowest similarity, sorted by similarity then cell (`core.views.quote_pages.count_fuzzy_quotes`); with a
        search's `mentions`, only those holding one: what pages quotes fuzziest first without ordering them all."""
        return self._every_fuzzy_quote if mentions is None else self._fuzzy_quotes_holding(mentions)

    @cached_property
    def _every_fuzzy_quote(self) -> dict[str, np.ndarray]:  # read once, as `quote_counts` (10 MB at 80,000)
        return self._fuzzy_quotes_holding(None)

    def _fuzzy_quotes_holding(self, mentions: Mentions | None) -> dict[str, np.ndarray]:
        if self.in_parts is not None:
            return self.in_parts.fuzzy_quotes(self._doc_series, self.theme_ids, mentions=mentions)
        from core.views.quote_pages import count_fuzzy_quotes

        hits = self.hits if mentions is None else self.hits.loc[mentions.in_passages(self.hits)]
        return count_fuzzy_quotes(hits["doc"].to_numpy(np.int64) * len(self.theme_ids) + hits["theme_index"].to_numpy(),
                                  hits["passage_start"].to_numpy(), hits["passage_end"].to_numpy(),
                                  hits["similarity"].to_numpy())

    def hits_of(self, docs: np.ndarray) -> pd.DataFrame:
        """The hits (as `hits`: with doc, theme_index, occupation) of some transcripts, in the corpus's order."""
        if self.in_parts is None:
            return self.hits.loc[np.isin(self.hits["doc"].to_numpy(), docs)]
        docs = np.asarray(docs, np.int64)
        found = self.in_parts.of_docs(self.transcripts["transcript_id"].to_numpy()[docs], self._batch_of[docs])
        return _indexed_hits(found, self._doc_series, {theme: number for number, theme in enumerate(self.theme_ids)},
                             self.transcripts)

    @cached_property
    def _batch_of(self) -> np.ndarray:
        assert self.in_parts is not None
        return self.in_parts.batch_of_transcripts(self._doc_series)

    @property
    def size(self) -> int:
        return len(self.transcripts)

    @cached_property
    def occupations(self) -> list[str]:
        """The occupations that occur, in order of first appearance."""
        return list(pd.unique(self.transcripts["occupation"].to_numpy()))

    @cached_property
    def _doc_index(self) -> dict[str, int]:
        return {transcript_id: doc for doc, transcript_id in enumerate(self.transcripts["transcript_id"])}

    def doc_of(self, transcript_id: str) -> int | None:
        return self._doc_index.get(transcript_id)

    def docs_of(self, transcript_ids) -> np.ndarray:
        """The row of each transcript id, -1 for an id this data does not hold (one vectorised look-up)."""
        return self._doc_series.reindex(np.asarray(transcript_ids, dtype=object)).fillna(-1).to_numpy(np.int64)

    @cached_property
    def _doc_series(self) -> pd.Series:
        return pd.Series(np.arange(self.size), index=self.transcripts["transcript_id"].to_numpy())


# ---------------------------------------------------------------- preparing an analysis
def prepare(transcripts: pd.DataFrame, themes: pd.DataFrame | None, hits: pd.DataFrame,
            theme_ids: list[str]) -> ViewData:
    """Index the three result tables of an analysis by transcript number and theme number.

    >>> t = pd.DataFrame({"transcript_id": ["a"], "source": ["x/a.txt"], "occupation": ["legal"]})
    >>> th = pd.DataFrame({"transcript_id": ["a"], "theme": ["speed"], "hits": [2], "present": [1]})
    >>> h = pd.DataFrame(columns=["transcript_id", "turn", "theme", "start", "end", "similarity"])
    >>> prepare(t, th, h, ["speed"]).hit_counts.tolist()
    [[2]]
    """
    transcripts = transcripts.reset_index(drop=True)
    transcripts = transcripts.assign(file=file_names(transcripts["source"]),
                                     occupation=as_objects(transcripts["occupation"]))
    doc_of = pd.Series(np.arange(len(transcripts)), index=transcripts["transcript_id"].to_numpy())
    theme_of = {theme: number for number, theme in enumerate(theme_ids)}
    hit_counts, present = _theme_matrices(themes, doc_of, theme_of, len(transcripts))
    attributes = filterable_attributes(transcripts)
    return ViewData(transcripts, list(theme_ids), hit_counts, present, _indexed_hits(hits, doc_of, theme_of,
                    transcripts), attributes, {c: attribute_values(transcripts[c]) for c in attributes})


def file_names(sources: pd.Series) -> pd.Series:
    """The file name of each transcript's source, each distinct source named once: a million transcripts read
    from one CSV took 5 s of a dashboard's start building a path per row.

    >>> file_names(pd.Series(["data/a.txt", "x/big.csv", "x/big.csv"])).tolist()
    ['a.txt', 'big.csv', 'big.csv']
    """
    codes, distinct = pd.factorize(sources, use_na_sentinel=False)
    names = np.array([Path(str(source)).name for source in distinct], dtype=object)
    return pd.Series(names[codes], index=sources.index)


def as_objects(column: pd.Series) -> pd.Series:
    """A column of few distinct strings held as Python objects, each distinct one once: every filter change
    and page reads the occupations as a numpy array, which for Arrow-backed strings built a million new
    objects each time (0.2-0.5 s at a million transcripts).

    >>> as_objects(pd.Series(["legal", "it", "legal"])).to_numpy().tolist()
    ['legal', 'it', 'legal']
    """
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    return pd.Series(np.asarray(distinct, dtype=object)[codes], index=column.index, dtype=object)


def prepare_analysis(analysis: Analysis, *, in_parts: bool | None = None) -> ViewData:
    """`prepare` of an analysis. A streamed one (`analysis.parts`: a large corpus, or scored with results=)
    keeps its hits in the parts (`in_parts`, default: whether it is streamed): the transcripts x themes
    matrices are built by DuckDB straight from the themes parts and hits are read per transcript when a
    page of quotes needs them, so no table of every theme row or hit is ever loaded."""
    if not (analysis.streamed if in_parts is None else in_parts and analysis.streamed):
        return prepare(analysis.transcripts, analysis.themes, analysis.hits, analysis.codebook.theme_ids)
    from core.engine.results import empty_hits
    from core.views.parts_sql import HitsInParts, theme_cells

    theme_ids, parts = analysis.codebook.theme_ids, str(analysis.parts)
    prepared = prepare(analysis.transcripts, None, empty_hits(), theme_ids)
    rows, columns, hits, present = theme_cells(parts, analysis.batches, prepared.transcripts["transcript_id"],
                                               theme_ids)
    prepared.hit_counts, prepared.present = _fill_matrices(rows, columns, hits, present, prepared.size,
                                                           len(theme_ids))
    prepared.in_parts = HitsInParts(parts, analysis.batches)
    return prepared


def _theme_matrices(themes: pd.DataFrame | None, doc_of: pd.Series, theme_of: dict[str, int],
                    n: int) -> tuple[np.ndarray, np.ndarray]:
    if themes is None:  # filled by the caller (from parts)
        nothing = np.zeros(0, np.int64)
        return _fill_matrices(nothing, nothing, nothing, nothing, n, len(theme_of))
    rows = positions_in(themes["transcript_id"], doc_of.index)
    columns = positions_in(themes["theme"], list(theme_of))
    known = (rows >= 0) & (columns >= 0)  # a theme or transcript the codebook no longer has
    return _fill_matrices(rows[known], columns[known], themes["hits"].to_numpy()[known],
                          themes["present"].to_numpy()[known], n, len(theme_of))


def _fill_matrices(rows: np.ndarray, columns: np.ndarray, hits: np.ndarray, present: np.ndarray, n: int,
                   themes: int) -> tuple[np.ndarray, np.ndarray]:
    """The transcripts x themes matrices of hits and `present` from one value per (row, column) cell."""
    hit_counts = np.zeros((n, themes), np.int32)
    flags = np.zeros((n, themes), bool)
    hit_counts[rows, columns] = hits
    flags[rows, columns] = np.asarray(present).astype(bool)
    return hit_counts, flags


def count_quotes(docs: np.ndarray, themes: np.ndarray, passage_starts: np.ndarray, passage_ends: np.ndarray,
                 shape: tuple[int, int]) -> np.ndarray:
    """transcripts x themes: how many distinct passages (quotes, `core.views.quotes.group_quotes`) the hits
    give in each cell. The one count of quotes per cell, for hits in memory and for each part of a streamed run.

    >>> count_quotes(np.array([0, 0, 0]), np.array([1, 1, 0]), np.array([5, 5, 5]), np.array([9, 9, 9]),
    ...              (1, 2)).tolist()
    [[1, 1]]
    """
    cells = pd.DataFrame({"cell": np.asarray(docs, np.int64) * shape[1] + np.asarray(themes, np.int64),
                          "start": passage_starts, "end": passage_ends}).drop_duplicates()
    counts = np.bincount(cells["cell"].to_numpy(), minlength=shape[0] * shape[1])
    return counts.astype(np.int32).reshape(shape)


def _indexed_hits(hits: pd.DataFrame, doc_of: pd.Series, theme_of: dict[str, int],
                  transcripts: pd.DataFrame) -> pd.DataFrame:
    # no hits (a streamed run's view): no look-up, which would first check a million ids are distinct
    doc = positions_in(hits["transcript_id"], doc_of.index) if len(hits) else np.zeros(0, np.int64)
    theme_index = positions_in(hits["theme"], list(theme_of))
    known = (doc >= 0) & (theme_index >= 0)
    indexed = hits.loc[known].reset_index(drop=True)  # every row known: no copy (pandas' copy on write)
    indexed["doc"] = doc[known].astype(np.int64)
    indexed["theme_index"] = theme_index[known].astype(np.int64)
    indexed["occupation"] = transcripts["occupation"].to_numpy()[indexed["doc"].to_numpy()]
    return indexed


def filterable_attributes(transcripts: pd.DataFrame) -> dict[str, list[str]]:
    """Attribute columns usable as filters (2 to MAX_ATTRIBUTE_VALUES distinct values, not an id), each
    with its values in natural order (numbers by value).

    >>> filterable_attributes(pd.DataFrame({"transcript_id": list("abc"), "source": ["f"] * 3,
    ...                                     "region": ["EU", "Asia", "EU"]}))
    {'region': ['Asia', 'EU']}
    """
    columns = [c for c in ["file", *transcripts.columns] if c in transcripts and c not in CORE_COLUMNS]
    found = {}
    for column in dict.fromkeys(columns):
        values = _few_values(transcripts[column])
        if values is not None and 2 <= len(values) < len(transcripts):
            found[column] = sorted(values, key=_natural_key)
    return found


def _few_values(column: pd.Series) -> set[str] | None:
    """The column's distinct values as text; None as soon as there are more than MAX_ATTRIBUTE_VALUES, so an
    id or a measurement column (up to 50 from the loader, more from metadata) is given up after a few values
    instead of converted whole: 50 columns of 80,000 transcripts took 13 s before."""
    texts: set[str] = set()
    for value in _distinct(column):
        texts.add(_as_text(value))
        if len(texts) > MAX_ATTRIBUTE_VALUES:
            return None
    return texts


def attribute_values(column: pd.Series) -> np.ndarray:
    """A column's values as text, missing ones as MISSING (numbers without a trailing .0); each distinct
    value is converted once."""
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
    except TypeError:  # lists or dicts from a JSON table cannot be hashed: convert every value
        return np.array([_as_text(v) for v in column.tolist()], dtype=object)
    return np.array([_as_text(v) for v in uniques], dtype=object)[codes]


def _distinct(column: pd.Series) -> Iterable:
    try:
        return pd.unique(column.to_numpy())
    except TypeError:  # unhashable values (lists from a JSON table)
        return column.tolist()


def _as_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or MISSING


def _natural_key(value: str) -> tuple:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value.lower())


# ---------------------------------------------------------------- filtering
def raised_matrix(data: ViewData, min_hits: int = 1) -> np.ndarray:
    """transcripts x themes: the theme is present and has at least `min_hits` hits."""
    return data.present & (data.hit_counts >= max(int(min_hits), 1))


def theme_columns(data: ViewData, theme_ids: Iterable[str]) -> np.ndarray:
    wanted = set(theme_ids)
    return np.array([i for i, t in enumerate(data.theme_ids) if t in wanted], dtype=np.int64)


def transcript_mask(data: ViewData, filters: Filters, raised: np.ndarray,
                    searched: np.ndarray | None = None) -> np.ndarray:
    """Boolean per transcript: does it pass the filters? `searched`: the search's transcripts, if any."""
    mask = np.ones(data.size, bool)
    if filters.occupations:
        mask &= data.transcripts["occupation"].isin(filters.occupations).to_numpy()
    if filters.certain_only and "occupation_uncertain" in data.transcripts:
        uncertain = data.transcripts["occupation_uncertain"].astype("boolean").fillna(True)  # unknown: doubtful
        mask &= ~uncertain.to_numpy(dtype=bool)
    for column, values in filters.attributes:
        if values and column in data.attribute_values:
            mask &= np.isin(data.attribute_values[column], list(values))
    if filters.themes:
        mask &= raised[:, theme_columns(data, filters.themes)].any(axis=1)
    if searched is not None:
        mask &= searched
    return mask


def quote_hit_mask(data: ViewData, mask: np.ndarray, raised: np.ndarray, theme_ids: Iterable[str],
                   *, matching_text: np.ndarray | None = None, hits: pd.DataFrame | None = None) -> np.ndarray:
    """Boolean per hit (of `hits`: some rows of the data's hits; default `data.hits`): a quote in view (its
    transcript matches and raises the hit's theme, which is in view, and, with a search, its sentence
    contains the text)."""
    hits = data.hits if hits is None else hits
    docs = hits["doc"].to_numpy()
    columns = hits["theme_index"].to_numpy()
    in_view = np.zeros(len(data.theme_ids), bool)
    in_view[theme_columns(data, theme_ids)] = True
    keep = mask[docs] & raised[docs, columns] & in_view[columns]
    return keep if matching_text is None else keep & matching_text


# ---------------------------------------------------------------- describing a view in words
def describe_filters(filters: Filters, label_of: Callable[[str], str], *, theme: str | None = None,
                     occupation: str | None = None) -> str:
    """The filters (and a drill-down selection) in words, for captions, exports and reports.

    >>> describe_filters(Filters(occupations=("legal",), min_hits=2), str.upper)
    'occupation: LEGAL; at least 2 hits per theme'
    """
    parts = []
    if filters.occupations:
        parts.append("occupation: " + ", ".join(label_of(o) for o in filters.occupations))
    if filters.themes:
        parts.append("theme: " + ", ".join(label_of(t) for t in filters.themes))
    for column, values in filters.attributes:
        parts.append(f"{column.replace('_', ' ')}: " + ", ".join(values))
    if filters.min_hits > 1:
        parts.append(f"at least {filters.min_hits} hits per theme")
    if filters.search:
        parts.append(f"participants saying “{filters.search}”")
    if filters.certain_only:
        parts.append("uncertain occupations left out")
    if theme or occupation:
        chosen = " in ".join(label_of(c) for c in (theme, occupation) if c)
        parts.append(f"quotes of {chosen}")
    return "; ".join(parts) or "no filters (all transcripts)"
