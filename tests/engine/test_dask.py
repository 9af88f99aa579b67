"""The Dask back-end: the same scoring on a 2-worker LocalCluster of processes gives the same tables as the local
executor; the command line runs on it and says clearly when Dask is missing or the options do not fit."""
from __future__ import annotations

import pandas as pd
import pytest
from support import DATA

from core import analyse, load_codebook
from core.cli.main import main
from core.engine.executor import DaskCluster, InlineExecutor
from core.engine.pipeline import SHARD_SIZE

TABLES = ("transcripts", "themes", "hits", "cancelled")


def many_transcripts(path, n):
    texts = [f"AI: Tell me.\nUser: I double check the calendar {i} times, deprecated or not. I worry a lot."
             for i in range(n)]
    pd.DataFrame({"transcript_id": [f"t{i:05d}" for i in range(n)], "text": texts}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return many_transcripts(tmp_path_factory.mktemp("dask") / "many.csv", SHARD_SIZE * 3 + 17)  # 4 shards


def test_a_local_cluster_of_processes_gives_the_same_tables(corpus, tmp_path):
    book = load_codebook(DATA / "tiny_codebook.yaml")
    alone = analyse([corpus], codebook=book, use_cache=False, executor=InlineExecutor())
    with DaskCluster(workers=2) as cluster:
        on_dask = analyse([corpus], codebook=book, cache_dir=tmp_path / "cache", executor=cluster)
        assert len(cluster._client.scheduler_info()["workers"]) == 2
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(on_dask, name), getattr(alone, name))
    assert on_dask.text("t00042") == alone.text("t00042")  # the shards the workers wrote are the store


def test_score_runs_on_dask_from_the_command_line(corpus, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["score", "--data", str(corpus), "--codebook", str(DATA / "tiny_codebook.yaml"), "--no-cache",
                 "--executor", "dask", "--workers", "2", "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "transcripts.csv")) == SHARD_SIZE * 3 + 17


def test_a_scheduler_without_dask_executor_is_a_usage_error(corpus, tmp_path, capsys):
    assert main(["score", "--data", str(corpus), "--scheduler", "tcp://127.0.0.1:1", "--out",
                 str(tmp_path / "o")]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err


def test_without_dask_installed_the_message_says_how_to_get_it(corpus, tmp_path, capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed: importing it raises
    assert main(["score", "--data", str(corpus), "--executor", "dask", "--out", str(tmp_path / "o")]) == 2
    assert "themescope[cluster]" in capsys.readouterr().err


def test_a_local_cluster_starts_when_main_is_a_page_script(corpus, tmp_path, monkeypatch):
    """After the dashboard ran in this process (or in a Streamlit server), `__main__` is a page script: the
    workers must not import it again (they did, and the nanny failed to start them)."""
    import sys
    import types
    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a page script ran in a worker')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    with DaskCluster(workers=1) as cluster:
        assert list(cluster.map(abs, [-3, 4])) == [3, 4]
