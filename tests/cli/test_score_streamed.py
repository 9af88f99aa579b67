"""`themescope score --out` on a streamed run (--stream, or a corpus over the size for streaming) keeps the run in
the cache like the dashboard does: a second `score`, or a dashboard opening the same data, reopens it without
scoring, and --out gets the same tables and parts every time."""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from support import DATA, SEEDS

from core import analyse, load_codebook
from core.cli.main import main
from core.engine import pipeline

PATHS = [str(DATA / "folder"), str(SEEDS)]


@pytest.fixture
def scorings(monkeypatch) -> list[int]:
    """One entry per corpus actually scored (shards built or loaded, then scored)."""
    real, scored = pipeline.ScoringRun.score_all, []

    def counted(self, *args, **kwargs):
        scored.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pipeline.ScoringRun, "score_all", counted)
    return scored


def _score(tmp_path: Path, out: str, *extra: str) -> int:
    arguments = ["score", *[w for p in PATHS for w in ("--data", p)], "--codebook", str(DATA / "tiny_codebook.yaml"),
                 "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / out), *extra]
    return main(arguments)


def _written(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}


@pytest.mark.parametrize("streamed_by", ["--stream", "size"])
def test_a_streamed_score_is_kept_in_the_cache_and_opened_again_without_scoring(streamed_by, tmp_path, capsys,
                                                                              monkeypatch, scorings):
    extra = ["--stream"] if streamed_by == "--stream" else []
    if streamed_by == "size":
        monkeypatch.setattr(pipeline, "STREAM_ABOVE_BYTES", 0)
    assert _score(tmp_path, "first", *extra) == 0
    assert "(cache: none)" in capsys.readouterr().out and len(scorings) == 1
    assert _score(tmp_path, "second", *extra) == 0
    printed = capsys.readouterr().out
    assert "(cache: results)" in printed and len(scorings) == 1  # opened, not scored
    assert f"parquet parts in {tmp_path / 'second' / 'parts'}/" in printed
    first, second = _written(tmp_path / "first"), _written(tmp_path / "second")
    assert "parts/manifest.json" in first and "parts/hits/part-00000.parquet" in first and "hits.csv" in first
    assert first == second
    dashboard = analyse(PATHS, codebook=load_codebook(DATA / "tiny_codebook.yaml"), cache_dir=tmp_path / "cache",
                        results="" if streamed_by == "--stream" else None)  # as dashboard/frame/loading.py asks
    assert dashboard.cached == "results" and len(scorings) == 1
    pd.testing.assert_frame_equal(dashboard.hits, pd.read_parquet(tmp_path / "first" / "hits.parquet"))


def test_a_streamed_score_into_a_folder_with_older_parts_leaves_only_this_runs(tmp_path, capsys):
    """The copy from the cache replaces what a run with more batches left there."""
    stale = tmp_path / "out" / "parts" / "hits" / "part-00007.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an older run's part")
    assert _score(tmp_path, "out", "--stream") == 0
    assert not stale.exists() and (tmp_path / "out" / "parts" / "hits" / "part-00000.parquet").exists()


def test_a_streamed_score_without_the_cache_writes_its_parts_straight_to_out(tmp_path, capsys, scorings):
    assert _score(tmp_path, "out", "--stream", "--no-cache") == 0
    assert _score(tmp_path, "out", "--stream", "--no-cache") == 0
    assert len(scorings) == 2 and not (tmp_path / "cache").exists()
    assert (tmp_path / "out" / "parts" / "manifest.json").exists()


def test_a_streamed_runs_summary_is_counted_while_its_tables_are_written(tmp_path, monkeypatch):
    """The DuckDB summary runs on another thread during the writing: `write` here returns only once the summary
    has finished, which it could never see if the summary waited for it."""
    from core.cli import scoring
    from core.views.parts_sql import PartsSummary

    analysis = analyse(PATHS, codebook=load_codebook(DATA / "tiny_codebook.yaml"), use_cache=False,
                       results=str(tmp_path / "parts"))
    counted, real = threading.Event(), PartsSummary.prevalence_by_occupation

    def counting(self):
        table = real(self)
        counted.set()
        return table

    monkeypatch.setattr(PartsSummary, "prevalence_by_occupation", counting)
    seen_while_writing = []
    hits, by_theme, by_occupation = scoring._summaries_while(lambda: seen_while_writing.append(counted.wait(30)),
                                                             analysis)
    assert seen_while_writing == [True]
    assert hits == len(analysis.hits) and by_theme["present"].sum() > 0 and "n" in by_occupation.columns
