"""A streamed run's tables queried where they lie, in its parquet parts (`core.engine.parts`), by DuckDB SQL (the
one owner of every query over parts): no hit or theme row is loaded into pandas, so they cost the same memory
at a million transcripts as at a thousand.

    summary = PartsSummary(analysis)      # analysis.streamed: its themes and hits are parts
    summary.theme_prevalence()            # the table core.views.aggregates.theme_prevalence gives in memory
    summary.prevalence_by_occupation()    # ... and prevalence_by_occupation
    theme_cells(...), HitsInParts(...)    # the dashboard's view data (core.views.filters.prepare_analysis)
    HitsInParts(...).fuzzy_quotes(...)    # the fuzzy quotes per cell and similarity (pages fuzziest first)

The SQL only counts; the shares' intervals and the tables' shapes come from `core.views.aggregates`, so the
numbers are those of the in-memory path (a test compares them).
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.engine.parts import part_files
from core.engine.results import Analysis, empty_hits
from core.errors import ThemescopeError
from core.views.aggregates import by_size, prevalence_table
from core.views.kept_cells import cells_key, kept
from core.views.quote_pages import count_fuzzy_quotes

if TYPE_CHECKING:
    from core.views.search import Mentions

MEMORY_LIMIT = "512MB"  # DuckDB spills to disk past this: the summary never decides a run's peak memory

THEME_COUNTS = """
    SELECT theme, sum(present) AS present, sum(CASE WHEN present = 1 THEN hits ELSE 0 END) AS hits
    FROM themes GROUP BY theme
"""
OCCUPATION_SHARES = """
    SELECT t.occupation, th.theme, avg(th.present) AS share
    FROM themes th JOIN transcripts t USING (transcript_id) GROUP BY t.occupation, th.theme
"""
OCCUPATION_SIZES = "SELECT occupation, count(*) AS n FROM transcripts GROUP BY occupation"
# transcripts x themes cells: `docs` numbers the transcripts (row of the view), `theme_numbers` the themes
THEME_CELLS = """
    SELECT d.doc, n.number, th.hits, th.present
    FROM themes th JOIN docs d USING (transcript_id) JOIN theme_numbers n USING (theme)
"""
# quotes per transcript x theme cell holding a search's mention: distinct passages (as
# core.views.filters.count_quotes counts them) with one of `mentions` (doc, start) in them, found by the first
# mention at or after each passage's start (an ASOF join: one look-up per passage, never passages x mentions)
SEARCHED_QUOTE_CELLS = """
    SELECT p.doc, p.number, count(*) AS quotes FROM (
        SELECT DISTINCT d.doc, n.number, h.passage_start, h.passage_end
        FROM hits h JOIN docs d USING (transcript_id) JOIN theme_numbers n USING (theme)) p
    ASOF JOIN mentions m ON p.doc = m.doc AND p.passage_start <= m.start
    WHERE m.start < p.passage_end
    GROUP BY p.doc, p.number
"""
# the fuzzy quotes (distinct passages holding a hit below similarity 100) holding a search's mention, counted
# per cell and lowest similarity (`core.views.quote_pages.count_fuzzy_quotes` in memory)
SEARCHED_FUZZY_QUOTES = """
    SELECT p.doc, p.number, p.similarity, count(*) AS quotes FROM (
        SELECT d.doc, n.number, h.passage_start, h.passage_end, min(h.similarity) AS similarity
        FROM hits h JOIN docs d USING (transcript_id) JOIN theme_numbers n USING (theme)
        WHERE h.similarity < 100 GROUP BY d.doc, n.number, h.passage_start, h.passage_end) p
    ASOF JOIN mentions m ON p.doc = m.doc AND p.passage_start <= m.start
    WHERE m.start < p.passage_end
    GROUP BY p.doc, p.number, p.similarity ORDER BY p.similarity, p.doc, p.number
"""


class PartsSummary:
    """A DuckDB connection with three views: `themes` and `hits` (the run's parts) and `transcripts` (the
    analysis's own table, which holds the metadata merged after scoring, so a metadata occupation counts)."""

    def __init__(self, analysis: Analysis):
        import duckdb  # only streamed runs pay for importing it

        if analysis.parts is None:
            raise ValueError("this analysis has no parts: use core.views.aggregates on its tables")
        self.analysis = analysis
        self.sql = duckdb.connect(config=_settings())
        for table in ("themes", "hits"):
            self.sql.read_parquet(part_files(analysis.parts, table, analysis.batches)).create_view(table)
        self.sql.register("transcripts", analysis.transcripts[["transcript_id", "occupation"]])

    def hit_count(self) -> int:
        return int(self.sql.execute("SELECT count(*) FROM hits").fetchone()[0])  # type: ignore[index]

    def theme_prevalence(self) -> pd.DataFrame:
        """As `aggregates.theme_prevalence(analysis.transcripts, analysis.themes)`."""
        counts = _run(self.sql, THEME_COUNTS, what="counting the themes").df()
        return prevalence_table(counts["theme"].to_list(), len(self.analysis.transcripts),
                                counts["present"].to_numpy(), counts["hits"].to_numpy())

    def prevalence_by_occupation(self) -> pd.DataFrame:
        """As `aggregates.prevalence_by_occupation(analysis.transcripts, analysis.themes)`."""
        shares = _run(self.sql, OCCUPATION_SHARES, what="the occupation x theme table").df()
        table = shares.pivot(index="occupation", columns="theme", values="share")
        scored = set(table.columns)
        table = table[[theme.id for theme in self.analysis.codebook.themes if theme.id in scored]]
        sizes = self.sql.execute(OCCUPATION_SIZES).df().set_index("occupation")["n"]
        table.insert(0, "n", sizes.reindex(table.index).fillna(0).astype(int))
        table.columns.name = "theme"
        return by_size(table)

    def close(self) -> None:
        self.sql.close()

    def __enter__(self) -> PartsSummary:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _settings() -> dict:
    """DuckDB's settings: bounded memory, spilling to the system's temporary folder (its default is `.tmp` in
    the working folder: a dashboard started in a project would fill the project with gigabytes)."""
    return {"memory_limit": MEMORY_LIMIT, "threads": 2,
            "temp_directory": str(Path(tempfile.gettempdir()) / "themescope-duckdb")}


def _run(sql, query: str, parameters: dict | None = None, *, what: str = "this view"):
    """`sql.execute`, with DuckDB running out of memory or of disk to spill to reported as what it is, a limit
    of this machine for a view this large (a ThemescopeError naming where it spills and what to do), not as a
    bug: a query over the 35 million hits of a million transcripts can need gigabytes of temporary disk."""
    import duckdb

    try:
        return sql.execute(query, parameters)
    except (duckdb.OutOfMemoryException, duckdb.IOException) as error:
        reason = str(error).splitlines()[0]
        raise ThemescopeError(f"{what} needs more memory or temporary disk than this machine has ({reason})",
                              hint="narrow the view (an occupation, a theme, a search or a higher minimum) and "
                                   f"try again, or free disk space in {_settings()['temp_directory']}") from None


def _connection(parts: str, batches: int, table: str, transcript_ids, theme_ids: list[str], *,
                docs: np.ndarray | None = None):
    """A DuckDB connection with `table` (the parts), `docs` (transcript_id -> doc: the row of `transcript_ids`;
    only the rows `docs` when given) and `theme_numbers`."""
    import duckdb

    sql = duckdb.connect(config=_settings())
    sql.read_parquet(part_files(parts, table, batches)).create_view(table)
    rows = np.arange(len(transcript_ids)) if docs is None else np.asarray(docs, np.int64)
    ids = np.asarray(transcript_ids, dtype=object)[rows]
    sql.register("docs", pa.table({"transcript_id": pa.array(ids, pa.string()), "doc": pa.array(rows, pa.int64())}))
    sql.register("theme_numbers", pa.table({"theme": theme_ids, "number": list(range(len(theme_ids)))}))
    return sql


def _doc_table(docs: np.ndarray, **columns: np.ndarray) -> pa.Table:
    return pa.table({"doc": pa.array(np.asarray(docs, np.int64))} |
                    {name: pa.array(np.asarray(values, np.int64)) for name, values in columns.items()})


def theme_cells(parts: str, batches: int, transcript_ids, theme_ids: list[str]) -> tuple[np.ndarray, ...]:
    """(doc, theme number, hits, present) of every cell of the themes parts whose transcript and theme are
    known and that has a hit or is present: what `core.views.filters` fills its transcripts x themes
    matrices from. Kept beside the parts (`core.views.kept_cells`): a new server reads them back."""
    def query() -> dict[str, np.ndarray]:
        with _connection(parts, batches, "themes", transcript_ids, theme_ids) as sql:
            cells = _run(sql, THEME_CELLS, what="building the view's transcripts x themes tables").fetchnumpy()
        some = (cells["hits"] > 0) | (cells["present"] > 0)  # the matrices are zero elsewhere
        return {"doc": cells["doc"][some].astype(np.int32), "number": cells["number"][some].astype(np.int16),
                "hits": cells["hits"][some].astype(np.int32), "present": cells["present"][some].astype(bool)}

    cells = kept(parts, "theme-cells", cells_key(parts, "themes", batches, transcript_ids, theme_ids), query)
    return (cells["doc"].astype(np.int64), cells["number"].astype(np.int64), cells["hits"], cells["present"])


def _cell_positions(table: pa.Table, transcripts: pd.Index, theme_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a table of dictionary-encoded `transcript_id` and `theme`: the row of its transcript in
    `transcripts` and its theme's position in `theme_ids` (-1: not there)."""
    table = table.unify_dictionaries()
    return (_positions(table["transcript_id"], transcripts),
            _positions(table["theme"], pd.Index(np.asarray(theme_ids, dtype=object))))


def _positions(column: pa.ChunkedArray, index: pd.Index) -> np.ndarray:
    """Per value of a dictionary-encoded column (one dictionary), its position in `index` (-1: none)."""
    if column.num_chunks == 0:
        return np.zeros(0, np.int64)
    encoded = column.combine_chunks()
    found = index.get_indexer(encoded.dictionary.to_numpy(zero_copy_only=False)).astype(np.int64)
    return found[encoded.indices.to_numpy(zero_copy_only=False)]


def _passages_of_part(path: str, transcripts: pd.Index, theme_ids: list[str], *,
                      similarity: bool = False) -> pd.DataFrame:
    """Per hit of one hits part whose transcript and theme are known: its cell (row in `transcripts` x
    len(theme_ids) + theme position), its passage's start and end, and with `similarity` its similarity."""
    columns = ["transcript_id", "theme", "passage_start", "passage_end", *(["similarity"] if similarity else [])]
    table = pq.read_table(path, columns=columns, read_dictionary=["transcript_id", "theme"])
    rows, numbers = _cell_positions(table, transcripts, theme_ids)
    known = (rows >= 0) & (numbers >= 0)
    passages = pd.DataFrame({"cell": rows[known] * len(theme_ids) + numbers[known],
                             "start": table["passage_start"].to_numpy()[known],
                             "end": table["passage_end"].to_numpy()[known]})
    if similarity:
        passages["similarity"] = table["similarity"].to_numpy()[known]
    return passages


def _quote_cells_of_part(path: str, transcripts: pd.Index, theme_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The cells of one hits part (`_passages_of_part`) with their distinct passages (quotes), as
    `count_quotes` counts them."""
    passages = _passages_of_part(path, transcripts, theme_ids).drop_duplicates()
    return np.unique(passages["cell"].to_numpy(), return_counts=True)


def _fuzzy_quotes_of_part(path: str, transcripts: pd.Index, theme_ids: list[str]) -> dict[str, np.ndarray]:
    """`count_fuzzy_quotes` of one hits part (cells of `_passages_of_part`)."""
    passages = _passages_of_part(path, transcripts, theme_ids, similarity=True)
    return count_fuzzy_quotes(passages["cell"].to_numpy(), passages["start"].to_numpy(), passages["end"].to_numpy(),
                              passages["similarity"].to_numpy())


class HitsInParts:
    """The hits of a streamed run, left in its parts: read for a few transcripts at a time (a page of quotes),
    or counted per transcript and theme by SQL, never loaded whole."""

    def __init__(self, parts: str, batches: int):
        self.parts, self.batches = parts, batches
        self._files = part_files(parts, "hits", batches)

    def quote_counts(self, doc_of: pd.Series, theme_ids: list[str], *,
                     mentions: Mentions | None = None) -> np.ndarray:
        """transcripts x themes: distinct passages per cell (`count_quotes` in memory); with a search's
        `mentions`, only the passages holding one (SQL: only the transcripts holding one are read). Without,
        part by part on two threads: each transcript's hits are in one part, so are its distinct passages
        (one DISTINCT over a million transcripts' 35 million hits spilled to disk and took DuckDB 14-37 s)."""
        if mentions is not None:
            return self._searched_quote_counts(doc_of, theme_ids, mentions)
        key = cells_key(self.parts, "hits", self.batches, doc_of.index.to_numpy(), theme_ids)
        cells = kept(self.parts, "quote-cells", key, lambda: self._count_quotes(doc_of, theme_ids))
        counts = np.zeros((len(doc_of), len(theme_ids)), np.int32)
        counts[cells["doc"].astype(np.int64), cells["number"].astype(np.int64)] = cells["quotes"]
        return counts

    def _count_quotes(self, doc_of: pd.Series, theme_ids: list[str]) -> dict[str, np.ndarray]:
        counts = np.zeros(len(doc_of) * len(theme_ids), np.int32)
        transcripts = pd.Index(doc_of.index.to_numpy())
        transcripts.get_indexer(transcripts[:1])  # its hash table built here, once, not by two threads at once
        with ThreadPoolExecutor(2) as pool:
            for cells, quotes in pool.map(lambda path: _quote_cells_of_part(path, transcripts, theme_ids),
                                          self._files):
                counts[doc_of.to_numpy()[cells // len(theme_ids)] * len(theme_ids) + cells % len(theme_ids)] += quotes
        some = np.flatnonzero(counts)
        return {"doc": (some // len(theme_ids)).astype(np.int32), "number": (some % len(theme_ids)).astype(np.int16),
                "quotes": counts[some]}

    def _searched_quote_counts(self, doc_of: pd.Series, theme_ids: list[str], mentions: Mentions) -> np.ndarray:
        counts = np.zeros((len(doc_of), len(theme_ids)), np.int32)
        with _connection(self.parts, self.batches, "hits", doc_of.index.to_numpy(), theme_ids,
                         docs=np.unique(mentions.docs)) as sql:
            sql.register("mentions", _doc_table(mentions.docs, start=mentions.starts))
            cells = _run(sql, SEARCHED_QUOTE_CELLS, what="counting the quotes that hold the search").fetchnumpy()
        counts[cells["doc"].astype(np.int64), cells["number"].astype(np.int64)] = cells["quotes"]
        return counts

    def fuzzy_quotes(self, doc_of: pd.Series, theme_ids: list[str], *,
                     mentions: Mentions | None = None) -> dict[str, np.ndarray]:
        """The fuzzy quotes counted per cell (doc x len(theme_ids) + theme number) and lowest similarity, sorted
        by similarity then cell (`core.views.quote_pages.count_fuzzy_quotes`); with a search's `mentions`, only
        those holding one (by SQL, as `quote_counts`). Without, part by part on two threads, kept beside the
        parts."""
        if mentions is not None:
            with _connection(self.parts, self.batches, "hits", doc_of.index.to_numpy(), theme_ids,
                             docs=np.unique(mentions.docs)) as sql:
                sql.register("mentions", _doc_table(mentions.docs, start=mentions.starts))
                found = _run(sql, SEARCHED_FUZZY_QUOTES, what="counting the fuzzy quotes that hold the search")
                counted = found.fetchnumpy()
            return {"cell": counted["doc"].astype(np.int64) * len(theme_ids) + counted["number"].astype(np.int64),
                    "similarity": counted["similarity"].astype(float), "quotes": counted["quotes"].astype(np.int32)}
        key = cells_key(self.parts, "hits", self.batches, doc_of.index.to_numpy(), theme_ids)
        return kept(self.parts, "fuzzy-quotes", key, lambda: self._count_fuzzy_quotes(doc_of, theme_ids))

    def _count_fuzzy_quotes(self, doc_of: pd.Series, theme_ids: list[str]) -> dict[str, np.ndarray]:
        transcripts = pd.Index(doc_of.index.to_numpy())
        transcripts.get_indexer(transcripts[:1])  # its hash table built here, once, not by two threads at once
        with ThreadPoolExecutor(2) as pool:
            parts = list(pool.map(lambda path: _fuzzy_quotes_of_part(path, transcripts, theme_ids), self._files))
        cells = np.concatenate([np.zeros(0, np.int64), *(part["cell"] for part in parts)])
        cells = doc_of.to_numpy()[cells // len(theme_ids)] * len(theme_ids) + cells % len(theme_ids)
        similarities = np.concatenate([np.zeros(0), *(part["similarity"] for part in parts)])
        order = np.lexsort((cells, similarities))  # as count_fuzzy_quotes sorts one part's
        return {"cell": cells[order], "similarity": similarities[order],
                "quotes": np.concatenate([np.zeros(0, np.int32), *(part["quotes"] for part in parts)])[order]}

    def of_docs(self, transcript_ids: np.ndarray, part_of: np.ndarray) -> pd.DataFrame:
        """Every hit of these transcripts (`part_of`: the batch holding each), in the corpus's order; only
        their batches' parts are read."""
        wanted = pa.array(np.asarray(transcript_ids, dtype=object), pa.string())
        tables = []
        for number in np.unique(part_of):
            table = pq.read_table(self._files[int(number)])
            tables.append(table.filter(pc.is_in(table["transcript_id"], value_set=wanted)))
        return pa.concat_tables(tables).to_pandas() if tables else empty_hits()

    def batch_of_transcripts(self, doc_of: pd.Series) -> np.ndarray:
        """Per transcript (row of the view), the batch whose parts hold it (-1: none)."""
        numbers = []
        ids = []
        for number, path in enumerate(part_files(self.parts, "transcripts", self.batches)):
            column = pq.read_table(path, columns=["transcript_id"])["transcript_id"].to_numpy(zero_copy_only=False)
            ids.append(column)
            numbers.append(np.full(len(column), number, np.int64))
        part_of = np.full(len(doc_of), -1, np.int64)
        if ids:
            docs = doc_of.reindex(np.concatenate(ids)).to_numpy()
            known = ~pd.isna(docs)
            part_of[docs[known].astype(np.int64)] = np.concatenate(numbers)[known]
        return part_of
