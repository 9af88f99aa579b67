"""The CLI's summaries by DuckDB SQL over a streamed run's parts give the numbers pandas gives in memory."""
from __future__ import annotations

import pandas as pd
import pytest
from support import DATA, SEEDS

from core import analyse
from core.views.aggregates import prevalence_by_occupation, theme_prevalence
from core.views.parts_sql import PartsSummary


@pytest.fixture(scope="module")
def both(default_codebook, tmp_path_factory):
    paths = [DATA / "folder", SEEDS, DATA / "table.csv"]
    in_memory = analyse(paths, codebook=default_codebook, use_cache=False, metadata=DATA / "metadata.csv")
    streamed = analyse(paths, codebook=default_codebook, use_cache=False, metadata=DATA / "metadata.csv",
                       results=str(tmp_path_factory.mktemp("parts") / "p"))
    return in_memory, streamed


def test_theme_prevalence_and_intervals_equal_the_pandas_ones(both):
    in_memory, streamed = both
    with PartsSummary(streamed) as summary:
        by_sql = summary.theme_prevalence()
    by_pandas = theme_prevalence(in_memory.transcripts, in_memory.themes)
    assert by_pandas["present"].sum() > 0 and by_pandas["hits"].sum() > 0
    pd.testing.assert_frame_equal(by_sql, by_pandas)


def test_prevalence_by_occupation_equals_the_pandas_one_with_metadata_occupations(both):
    in_memory, streamed = both
    with PartsSummary(streamed) as summary:
        by_sql = summary.prevalence_by_occupation()
        assert summary.hit_count() == len(in_memory.hits)
    by_pandas = prevalence_by_occupation(in_memory.transcripts, in_memory.themes)
    assert "legal" in by_pandas.index  # bravo's occupation comes from the metadata, merged after scoring
    pd.testing.assert_frame_equal(by_sql, by_pandas)


def test_an_analysis_without_parts_is_refused(both):
    with pytest.raises(ValueError, match="no parts"):
        PartsSummary(both[0])
