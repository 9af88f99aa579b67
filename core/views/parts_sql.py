"""The CLI's summaries of a streamed run, as DuckDB SQL over its parquet parts (`core.engine.parts`): no hit or
theme row is loaded into pandas, so they cost the same memory at a million transcripts as at a thousand.

    summary = PartsSummary(analysis)      # analysis.streamed: its themes and hits are parts
    summary.theme_prevalence()            # the table core.views.aggregates.theme_prevalence gives in memory
    summary.prevalence_by_occupation()    # ... and prevalence_by_occupation

The SQL only counts; the shares' intervals and the tables' shapes come from `core.views.aggregates`, so the
numbers are those of the in-memory path (a test compares them).
"""
from __future__ import annotations

import pandas as pd

from core.engine.parts import part_files
from core.engine.results import Analysis
from core.views.aggregates import by_size, prevalence_table

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


class PartsSummary:
    """A DuckDB connection with three views: `themes` and `hits` (the run's parts) and `transcripts` (the
    analysis's own table, which holds the metadata merged after scoring, so a metadata occupation counts)."""

    def __init__(self, analysis: Analysis):
        import duckdb  # only streamed runs pay for importing it

        if analysis.parts is None:
            raise ValueError("this analysis has no parts: use core.views.aggregates on its tables")
        self.analysis = analysis
        self.sql = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "threads": 2})
        for table in ("themes", "hits"):
            self.sql.read_parquet(part_files(analysis.parts, table, analysis.batches)).create_view(table)
        self.sql.register("transcripts", analysis.transcripts[["transcript_id", "occupation"]])

    def hit_count(self) -> int:
        return int(self.sql.execute("SELECT count(*) FROM hits").fetchone()[0])  # type: ignore[index]

    def theme_prevalence(self) -> pd.DataFrame:
        """As `aggregates.theme_prevalence(analysis.transcripts, analysis.themes)`."""
        counts = self.sql.execute(THEME_COUNTS).df()
        return prevalence_table(counts["theme"].to_list(), len(self.analysis.transcripts),
                                counts["present"].to_numpy(), counts["hits"].to_numpy())

    def prevalence_by_occupation(self) -> pd.DataFrame:
        """As `aggregates.prevalence_by_occupation(analysis.transcripts, analysis.themes)`."""
        shares = self.sql.execute(OCCUPATION_SHARES).df()
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
