"""Streamed runs: each batch's tables go to parquet parts as it is scored, this process keeps the transcripts
only, and every table read back is the one an in-memory run gives."""
from __future__ import annotations

import json

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from support import DATA

from core import analyse
from core.engine import pipeline
from core.engine.pipeline import SHARD_SIZE, SMALL_SHARDS
from core.errors import DataError

TABLES = ("transcripts", "themes", "hits", "cancelled")


def many_transcripts(path, n):
    texts = [f"Assistant: Tell me.\nUser: I double check the calendar {i} times. "
             "I wouldn't say I feel threatened by it." for i in range(n)]
    pd.DataFrame({"transcript_id": [f"t{i:05d}" for i in range(n)], "text": texts}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return many_transcripts(tmp_path_factory.mktemp("stream") / "many.csv", SHARD_SIZE * SMALL_SHARDS + 1003)


def test_a_streamed_run_gives_the_tables_of_an_in_memory_run(default_codebook, corpus, tmp_path):
    in_memory = analyse([corpus], codebook=default_codebook, use_cache=False, workers=2)
    streamed = analyse([corpus], codebook=default_codebook, use_cache=False, workers=2, results=str(tmp_path / "p"))
    assert not in_memory.streamed and streamed.streamed and streamed.batches == SMALL_SHARDS + 2
    manifest = json.loads((tmp_path / "p" / "manifest.json").read_text())
    assert manifest["batches"] == SMALL_SHARDS + 2 and manifest["rows"]["hits"] == len(in_memory.hits) > 0
    assert len(list((tmp_path / "p" / "hits").glob("part-*.parquet"))) == SMALL_SHARDS + 2
    assert len(in_memory.cancelled) > 0  # "wouldn't say": the cancelled table has rows to compare
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(streamed, name), getattr(in_memory, name))


def test_the_big_tables_are_read_from_the_parts_only_when_asked(tiny_codebook, corpus, tmp_path):
    streamed = analyse([corpus], codebook=tiny_codebook, use_cache=False, results=str(tmp_path / "p"))
    for part in (tmp_path / "p" / "hits").glob("part-*.parquet"):
        part.unlink()  # nothing read them during the run: the analysis still has its transcripts
    assert len(streamed.transcripts) == SHARD_SIZE * SMALL_SHARDS + 1003
    assert len(streamed.themes) == len(streamed.transcripts) * 4  # the tiny codebook's four themes
    with pytest.raises(DataError, match="hits parts cannot be read"):
        streamed.hits  # noqa: B018


def test_a_corpus_over_the_size_rule_is_streamed_without_being_asked(tiny_codebook, corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "STREAM_ABOVE_BYTES", corpus.stat().st_size - 1)
    uncached = analyse([corpus], codebook=tiny_codebook, use_cache=False)
    cached = analyse([corpus], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    assert uncached.streamed and cached.streamed
    assert str(tmp_path / "cache") in cached.parts
    assert cached.text("t00007").startswith("Assistant: Tell me.")
    with pytest.raises(KeyError):
        uncached.text("t00007")  # an uncached streamed run writes no shards: it keeps no texts
    pd.testing.assert_frame_equal(uncached.hits, cached.hits)
    monkeypatch.setattr(pipeline, "STREAM_ABOVE_BYTES", corpus.stat().st_size)
    assert not analyse([corpus], codebook=tiny_codebook, use_cache=False).streamed


def test_a_streamed_run_of_problem_files_reports_as_an_in_memory_one(tiny_codebook, tmp_path):
    in_memory = analyse([DATA / "folder"], codebook=tiny_codebook, use_cache=False)
    streamed = analyse([DATA / "folder"], codebook=tiny_codebook, use_cache=False, results=str(tmp_path / "p"))
    assert [str(p) for p in streamed.report.problems] == [str(p) for p in in_memory.report.problems]
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(streamed, name), getattr(in_memory, name))


def test_a_run_streamed_into_the_cache_is_opened_again_without_scoring(tiny_codebook, corpus, tmp_path):
    first = analyse([corpus], codebook=tiny_codebook, cache_dir=tmp_path, results="")
    again = analyse([corpus], codebook=tiny_codebook, cache_dir=tmp_path, results="")
    assert (first.cached, again.cached) == ("none", "results") and again.streamed
    assert again.parts == first.parts and again.batches == first.batches
    pd.testing.assert_frame_equal(again.transcripts, first.transcripts)
    pd.testing.assert_frame_equal(again.hits, first.hits)
    assert again.text("t00007").startswith("Assistant: Tell me.")  # texts from the kept shards


def test_a_kept_stream_whose_parts_are_gone_is_scored_again(tiny_codebook, corpus, tmp_path):
    first = analyse([corpus], codebook=tiny_codebook, cache_dir=tmp_path, results="")
    (tmp_path / "results").joinpath(first.key, "parts", "manifest.json").unlink()
    again = analyse([corpus], codebook=tiny_codebook, cache_dir=tmp_path, results="")
    assert again.cached != "results" and any("damaged cache entry" in p.message for p in again.report.problems)
    pd.testing.assert_frame_equal(again.themes, first.themes)


def test_the_hits_parts_are_delta_encoded_and_read_by_duckdb_as_written(default_codebook, corpus, tmp_path):
    streamed = analyse([corpus], codebook=default_codebook, use_cache=False, results=str(tmp_path / "p"))
    part = tmp_path / "p" / "hits" / "part-00000.parquet"
    columns = pq.ParquetFile(part).metadata.row_group(0)
    chunks = {columns.column(i).path_in_schema: columns.column(i) for i in range(columns.num_columns)}
    assert "DELTA_BINARY_PACKED" in chunks["passage_start"].encodings
    assert "RLE_DICTIONARY" in chunks["transcript_id"].encodings
    assert not chunks["matched_text"].is_stats_set and chunks["transcript_id"].is_stats_set
    assert chunks["similarity"].statistics.max <= 100  # numbers keep theirs: DuckDB skips with them
    read = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path / 'p' / 'hits'}/part-*.parquet')").df()
    assert read["passage_start"].tolist() == streamed.hits["passage_start"].tolist()
    assert read["matched_text"].tolist() == streamed.hits["matched_text"].tolist()
