"""A streamed run's view (its hits left in the parquet parts, matrices built by DuckDB, quotes read a page at a
time) gives every number, every page of quotes (in every order, fuzziest first too; and what grouping every
quote and paging it gives) and every search the in-memory view gives, on a small corpus forced through the
large path by option (`results=`, batches of 10 transcripts so pages span several parts)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import ROOT

from core import analyse
from core.engine import pipeline
from core.errors import ThemescopeError, UsageError
from core.views import parts_sql
from core.views import quotes as quote_views
from core.views import snapshot as snapshots
from core.views.aggregates import cooccurrence, headline, occupation_theme, prevalence
from core.views.filters import Filters, prepare_analysis
from core.views.quote_pages import PAGED_SORTS, page_of
from core.views.snapshot import snapshot

QUOTE_COLUMNS = ["transcript_id", "theme", "quote_start", "quote_end", "start", "hits", "similarity", "terms"]
FILTERS = [Filters(), Filters(min_hits=2), Filters(occupations=("it_software", "education")),
           Filters(themes=("job_anxiety", "speed_productivity"))]


def same_quotes(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got[QUOTE_COLUMNS].reset_index(drop=True),
                                  expected[QUOTE_COLUMNS].reset_index(drop=True))


@pytest.fixture(scope="module")
def views(default_codebook, tmp_path_factory):
    """(in memory, in parts) view data of the shipped data, the second from parts of 10 transcripts each."""
    patch = pytest.MonkeyPatch()
    patch.setattr(pipeline, "SHARD_SIZE", 10)
    try:
        paths = [ROOT / "data"]
        memory = analyse(paths, codebook=default_codebook, use_cache=False)
        streamed = analyse(paths, codebook=default_codebook, cache_dir=tmp_path_factory.mktemp("cache"),
                           results=str(tmp_path_factory.mktemp("parts") / "p"))  # cached: its texts are searched
    finally:
        patch.undo()
    assert streamed.batches > 3
    return (memory, prepare_analysis(memory)), (streamed, prepare_analysis(streamed))


def test_the_large_path_loads_no_hits_and_builds_the_same_matrices(views):
    (_, memory), (streamed, parts) = views
    assert parts.in_parts is not None and memory.in_parts is None
    never_read = [streamed.__dict__.get(f"_{table}") for table in ("hits", "themes")]
    assert parts.hits.empty and never_read == [None, None]  # neither big table was loaded
    np.testing.assert_array_equal(parts.hit_counts, memory.hit_counts)
    np.testing.assert_array_equal(parts.present, memory.present)
    np.testing.assert_array_equal(parts.quote_counts, memory.quote_counts)
    assert parts.quote_counts.sum() > 100


@pytest.mark.parametrize("filters", FILTERS)
def test_every_aggregate_is_the_same(views, filters):
    (analysis, memory), (streamed, parts) = views
    small, large = snapshot(analysis, memory, filters), snapshot(streamed, parts, filters)
    assert large.n == small.n
    for aggregate in (headline, prevalence, occupation_theme, cooccurrence):
        expected = aggregate(memory, small.mask, small.raised, small.themes)
        got = aggregate(parts, large.mask, large.raised, large.themes)
        if isinstance(expected, dict):
            assert got == expected
        else:
            pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("sort", [*PAGED_SORTS, "fuzziest"])
def test_quote_counts_and_every_page_are_the_same(views, filters, sort):
    (analysis, memory), (streamed, parts) = views
    for theme, occupation in [(None, None), ("speed_productivity", None), (None, "it_software")]:
        small = snapshot(analysis, memory, filters, theme=theme, occupation=occupation, sort=sort)
        large = snapshot(streamed, parts, filters, theme=theme, occupation=occupation, sort=sort)
        table = small.quotes()
        assert len(table) or theme or occupation  # the whole view has quotes; a selection may have none
        assert large.quote_count() == small.quote_count() == (len(table), table["doc"].nunique())
        pages = page_of(table, 1, 7)[2]
        for number in sorted({1, 2, pages // 2, pages, pages + 3}):
            expected = page_of(table, number, 7)  # every quote grouped, then paged: what both pages must show
            for got in (small.quote_page(number, 7), large.quote_page(number, 7)):  # each groups one page
                assert got[1:] == expected[1:]
                same_quotes(got[0], expected[0])


def same_pages(small, large, size: int = 7) -> None:
    pages = small.quote_page(1, size)[2]
    for number in sorted({1, 2, pages // 2, pages, pages + 3}):
        expected, got = small.quote_page(number, size), large.quote_page(number, size)
        assert got[1:] == expected[1:]
        same_quotes(got[0], expected[0])


def test_fuzziest_first_leads_with_the_fuzziest_quotes_of_every_part(views):
    _, (streamed, parts) = views
    shown = snapshot(streamed, parts, Filters(), sort="fuzziest").quote_page(1, 20)[0]
    similarities = shown["similarity"].tolist()
    assert similarities == sorted(similarities) and similarities[0] < 100  # not one part's order
    assert shown["transcript_id"].nunique() > 1


@pytest.mark.parametrize("filters", [*FILTERS[:3], Filters(search="trust")])
@pytest.mark.parametrize("theme, occupation", [(None, None), ("accuracy_trust", None), (None, "it_software")])
def test_fuzziest_first_pages_across_the_last_fuzzy_quote_are_the_same(views, filters, theme, occupation):
    """Only the fuzzy quotes are ordered over the whole view; the exact ones follow in transcript order: the
    pages before, across and after the boundary are those of every quote grouped and sorted in memory."""
    (analysis, memory), (streamed, parts) = views
    small = snapshot(analysis, memory, filters, theme=theme, occupation=occupation, sort="fuzziest")
    large = snapshot(streamed, parts, filters, theme=theme, occupation=occupation, sort="fuzziest")
    table = small.quotes()
    fuzzy = int((table["similarity"] < 100).sum())
    assert 0 < fuzzy < len(table)  # fuzzy quotes, then a tail of exact ones
    for size in (3, 7, 20):
        across = fuzzy // size + 1  # the page holding the last fuzzy quote and, but for an exact fit, exact ones
        for number in sorted({1, across - 1, across, across + 1, page_of(table, 1, size)[2]} - {0}):
            expected = page_of(table, number, size)
            got = large.quote_page(number, size)
            assert got[1:] == expected[1:]
            same_quotes(got[0], expected[0])
        if fuzzy % size:
            shown = large.quote_page(across, size)[0]["similarity"]
            assert (shown < 100).any() and (shown == 100).any()


def test_fuzziest_first_reads_only_the_pages_transcripts_and_orders_nothing_in_duckdb(views, monkeypatch):
    """Quotes are counted per (similarity, transcript): a page reads the hits of the few transcripts it falls
    in, and without a search DuckDB is not asked at all (ordering every quote of a million spilled gigabytes)."""
    (analysis, memory), (streamed, parts) = views
    table = snapshot(analysis, memory, Filters(), sort="fuzziest").quotes()
    view = snapshot(streamed, parts, Filters(), sort="fuzziest")
    view.quote_count()  # the view's quote counts per cell (DuckDB may be used for them)
    monkeypatch.setattr(parts_sql, "_connection", lambda *args, **options: pytest.fail("DuckDB asked"))
    read: list[int] = []
    hits_of = parts.hits_of
    monkeypatch.setattr(parts, "hits_of", lambda docs: read.append(len(docs)) or hits_of(docs))
    for number in (1, 9, 40):
        same_quotes(view.quote_page(number, 7)[0], page_of(table, number, 7)[0])
    assert len(read) == 3 and max(read) <= 7 < table["doc"].nunique()  # a page of 7: at most 7 transcripts


@pytest.mark.parametrize("search", [None, "trust"])
def test_fuzzy_quotes_are_counted_per_cell_and_similarity_as_in_memory(views, search):
    (analysis, memory), (streamed, parts) = views
    counted = []
    for data in (memory, parts):
        mentions = snapshot(analysis if data is memory else streamed, data, Filters(search=search)).mentions
        counted.append(pd.DataFrame(data.fuzzy_quotes(mentions)).sort_values(["cell", "similarity"], ignore_index=True))
    pd.testing.assert_frame_equal(counted[1], counted[0])
    in_cells = counted[0].groupby("cell")["quotes"].sum()
    assert (in_cells.to_numpy() <= memory.quote_counts.ravel()[in_cells.index]).all()
    assert 0 < counted[0]["quotes"].sum() < memory.quote_counts.sum() and (counted[0]["similarity"] < 100).all()


@pytest.mark.parametrize("query", ["trust", '"double check"', "code review", "hallucinat*", "zzzqx"])
@pytest.mark.parametrize("sort", ["transcript", "fuzziest", "theme"])
def test_a_search_keeps_the_same_transcripts_and_quotes(views, query, sort):
    (analysis, memory), (streamed, parts) = views
    for theme in (None, "speed_productivity"):
        small = snapshot(analysis, memory, Filters(search=query), theme=theme, sort=sort)
        large = snapshot(streamed, parts, Filters(search=query), theme=theme, sort=sort)
        np.testing.assert_array_equal(large.mask, small.mask)
        table = small.quotes()
        assert large.quote_count() == small.quote_count() == (len(table), table["doc"].nunique())
        assert len(table) or theme or query == "zzzqx"
        same_quotes(large.quotes(), table)
        same_pages(small, large, size=3)


def test_a_page_in_memory_groups_only_its_transcripts_hits(views, monkeypatch):
    (analysis, memory), _ = views
    grouped: list[int] = []
    group = quote_views.group_quotes
    monkeypatch.setattr(quote_views, "group_quotes", lambda hits: grouped.append(len(hits)) or group(hits))
    view = snapshot(analysis, memory, Filters())
    page, _, pages = view.quote_page(2, 7)
    assert len(page) == 7 and pages > 10
    assert grouped and max(grouped) < len(memory.hits) / 5  # every quote grouped would be every hit
    grouped.clear()
    snapshot(analysis, memory, Filters(), sort="fuzziest").quote_page(2, 7)  # by (similarity, transcript) counts
    assert grouped and max(grouped) < len(memory.hits) / 5
    grouped.clear()
    snapshot(analysis, memory, Filters(search="trust")).quote_page(2, 7)  # a search in memory: every quote
    assert grouped == [int(snapshot(analysis, memory, Filters(search="trust")).keep.sum())]


def test_top_quotes_and_a_narrow_export_are_the_same(views, monkeypatch):
    (analysis, memory), (streamed, parts) = views
    monkeypatch.setattr(snapshots, "TRANSCRIPTS_READ_AT_ONCE", 3)  # several steps of the scan
    small, large = snapshot(analysis, memory, Filters()), snapshot(streamed, parts, Filters())
    for theme in small.themes:
        same_quotes(large.top_quotes(theme, 3), small.top_quotes(theme, 3))
    narrow = Filters(occupations=("education",))
    same_quotes(snapshot(streamed, parts, narrow).quotes(), snapshot(analysis, memory, narrow).quotes())


def test_a_view_beyond_this_machines_memory_and_disk_says_what_to_do(views, monkeypatch, tmp_path):
    """DuckDB really runs out (a 2 MB memory limit, 1 KB of temporary disk): a message with a fix, not a bug."""
    _, (streamed, parts) = views
    tight = {"memory_limit": "2MB", "threads": 1, "temp_directory": str(tmp_path), "max_temp_directory_size": "1KB"}
    monkeypatch.setattr(parts_sql, "_settings", lambda: tight)
    with pytest.raises(ThemescopeError, match="counting the quotes that hold the search needs more memory") as error:
        snapshot(streamed, parts, Filters(search="trust")).quote_count()
    assert "narrow the view" in error.value.hint and str(tmp_path) in error.value.hint


def test_what_makes_no_sense_at_scale_says_so(views, monkeypatch):
    _, (streamed, parts) = views
    monkeypatch.setattr(snapshots, "QUOTES_AT_ONCE", 10)
    with pytest.raises(UsageError, match="more than the 10 listed at once"):
        snapshot(streamed, parts, Filters()).quotes()

