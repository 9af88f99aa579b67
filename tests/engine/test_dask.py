"""The Dask back-end: the same scoring on a 2-worker LocalCluster of processes gives the same tables as the local
executor, with the workers reading their own input (paths and URLs) and writing the tables as parquet parts;
the command line runs on it and says clearly when Dask is missing, the options do not fit or a batch is bad."""
from __future__ import annotations

import csv
import pickle
import sys
from concurrent.futures import Future

import fsspec
import pandas as pd
import pytest
from support import DATA

from core import analyse, load_codebook
from core.cli.main import main
from core.engine import remote
from core.engine.executor import DaskCluster, InlineExecutor, in_order
from core.engine.pipeline import SHARD_SIZE
from core.engine.remote import BatchJob, BatchScorer
from core.errors import DataError
from core.ingest import batches
from core.ingest.batches import BatchPlanner, InputBatch
from core.ingest.loaders import LoadOptions

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
    parts = pd.read_parquet(out / "parts" / "themes")  # the workers' parts, beside the tables
    pd.testing.assert_frame_equal(parts, pd.read_parquet(out / "themes.parquet"))


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


class CountedPickling:
    """A function object (as a scorer holding a codebook is) that counts how often this process pickles it."""

    pickled = 0

    def __reduce__(self):
        CountedPickling.pickled += 1
        return CountedPickling, ()

    def __call__(self, item):
        return item * 2


def test_the_function_is_sent_to_the_workers_once_not_with_every_item():
    """A scorer pickled with each of 80 batches cost the client and the scheduler a core's worth of time."""
    CountedPickling.pickled = 0
    with DaskCluster(workers=2) as cluster:
        assert list(cluster.map(CountedPickling(), range(12))) == [i * 2 for i in range(12)]
    assert CountedPickling.pickled == 1


def _finished_at(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return time.monotonic()  # one clock for the processes of one machine


def test_a_worker_goes_on_while_the_oldest_item_runs_on_the_other(cluster):
    """Results come back in order: when the oldest item is long, the other worker must not wait for it to end
    before it gets the items after it (the small batches at the end of a CSV)."""
    ended = list(cluster.map(_finished_at, [0.01] * 6 + [1.5] + [0.01] * 12))
    after = [at > ended[6] for at in ended[7:]]
    assert sum(after) <= 1  # one may wait on the long one's worker (its next task); the others ran beside it


def test_local_workers_start_with_the_engine_imported():
    """Spawned, each worker imported Dask as it started and the engine when the scorer reached it: ~1.5 s before
    its first batch, as long for 1 worker as for 2. Forked from a server that imported them once, they have
    them from the start."""
    with DaskCluster(workers=2) as cluster:
        imported = cluster._started().run(lambda: [name in sys.modules for name in ENGINE])
    assert list(imported.values()) == [[True, True]] * 2


ENGINE = ("core.engine.remote", "core.engine.pipeline")


# ---------------------------------------------------------------- workers reading their own input
def awkward_transcripts(path, n=2600):
    """A CSV over two batches (FIRST_BATCH_BYTES), with quoted multi-line fields, and in its second batch what
    one batch cannot settle alone: a duplicate (same text) and a reused id (other text) of the first batch's
    transcripts, rows without id after a malformed row (numbered by the rows before), a row without text."""
    filler = "and the schedule slips again, " * 30
    rows = [[f"t{i:05d}", f'AI: Tell me.\nUser: I "double check" the calendar {i} times, {filler}\nI worry.']
            for i in range(n)]
    rows[2000] = rows[7]
    rows[2001] = [rows[8][0], "User: something else entirely, I worry about deprecated code."]
    rows[2100][0] = rows[2200][0] = ""
    rows[2300][1] = ""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transcript_id", "text"])
        writer.writerows(rows[:40])
        handle.write("a,malformed,row\n")
        writer.writerows(rows[40:])
    assert path.stat().st_size > batches.FIRST_BATCH_BYTES
    return path


class Recording(DaskCluster):
    """A Dask cluster that remembers the largest item it sent to a worker."""

    largest = 0

    def map(self, function, items):
        items = list(items)
        self.largest = max([self.largest, *(len(pickle.dumps(item)) for item in items)])
        return super().map(function, items)


@pytest.fixture(scope="module")
def cluster():
    with Recording(workers=2) as started:
        yield started


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    return awkward_transcripts(tmp_path_factory.mktemp("awkward") / "awkward.csv")


def same_analyses(one, other):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name))
    assert sorted(map(str, one.report.problems)) == sorted(map(str, other.report.problems))
    assert one.report.loaded == other.report.loaded


def test_workers_read_their_input_and_write_parts_with_the_same_tables(awkward, cluster, tmp_path):
    book = load_codebook(DATA / "tiny_codebook.yaml")
    alone = analyse([awkward], codebook=book, use_cache=False, executor=InlineExecutor())
    on_dask = analyse([awkward], codebook=book, use_cache=False, executor=cluster, results=str(tmp_path / "parts"))
    same_analyses(on_dask, alone)
    assert cluster.largest < 2000 < awkward.stat().st_size  # plans went to the workers, not transcripts
    problems = "\n".join(map(str, on_dask.report.problems))
    assert f"{awkward}: a row with 3 fields where the header has 2 skipped" in problems
    assert "duplicate transcript 't00007'" in problems and "kept as 't00008__2'" in problems
    assert "awkward_row2102" in set(on_dask.transcripts["transcript_id"])  # numbered past the malformed row
    hits = pd.read_parquet(tmp_path / "parts" / "hits")  # the parts folder opens whole
    assert len(hits) == len(alone.hits) and len(list((tmp_path / "parts" / "hits").iterdir())) == 2


class ReadingInline(InlineExecutor):
    """Runs here (so the test's small sizes hold) what a cluster runs, and counts the planning steps it ran."""

    reads_input = True
    steps = 0

    def map(self, function, items):
        items = list(items)
        self.steps += isinstance(function, BatchPlanner) * len(items)
        return super().map(function, items)


def test_batches_are_scored_while_the_rest_of_the_csv_is_planned(awkward, tmp_path, monkeypatch):
    """A CSV is planned in steps, each yielding the batches it found the ends of: the tables, problems and row
    numbers (a malformed row, duplicate ids across batches) are those of a run that reads it whole."""
    monkeypatch.setattr(batches, "FIRST_BATCH_BYTES", 100_000)
    monkeypatch.setattr(batches, "BATCH_BYTES", 100_000)
    monkeypatch.setattr(batches, "SCAN_BYTES", 50_000)  # records and quoted breaks straddle the steps
    monkeypatch.setattr(remote, "PLAN_STEP_BYTES", 50_000)
    book = load_codebook(DATA / "tiny_codebook.yaml")
    alone = analyse([awkward], codebook=book, use_cache=False, executor=InlineExecutor())
    executor = ReadingInline()
    in_steps = analyse([awkward], codebook=book, use_cache=False, executor=executor, results=str(tmp_path / "parts"))
    same_analyses(in_steps, alone)
    assert executor.steps >= 4 and in_steps.batches > 10


class EagerInline(InlineExecutor):
    """Runs each item here as it is submitted, like a pool (`in_order`), and logs what it ran: a planning step
    (with the number of batches it found) or a batch."""

    reads_input = True

    def __init__(self):
        self.log: list[tuple[str, int]] = []

    def map(self, function, items):
        def run(item):
            done = Future()
            done.set_result(function(item))
            planned = isinstance(function, BatchPlanner)
            self.log.append(("plan", len(done.result().batches)) if planned else ("batch", 1))
            return done

        return in_order(run, items, 2)


def test_the_next_planning_step_is_asked_for_before_the_batches_of_this_one(awkward, tmp_path, monkeypatch):
    """Asked for after them, a step waited behind the batches on a cluster's workers while the other worker had
    no batch left: the next step is submitted first, and runs while this one's batches are scored."""
    monkeypatch.setattr(batches, "FIRST_BATCH_BYTES", 100_000)
    monkeypatch.setattr(batches, "BATCH_BYTES", 100_000)
    monkeypatch.setattr(batches, "SCAN_BYTES", 50_000)
    monkeypatch.setattr(remote, "PLAN_STEP_BYTES", 50_000)
    book = load_codebook(DATA / "tiny_codebook.yaml")
    executor = EagerInline()
    eager = analyse([awkward], codebook=book, use_cache=False, executor=executor, results=str(tmp_path / "parts"))
    same_analyses(eager, analyse([awkward], codebook=book, use_cache=False, executor=InlineExecutor()))
    steps = [(at, found) for at, (what, found) in enumerate(executor.log) if what == "plan"]
    scored_before = [sum(what == "batch" for what, _ in executor.log[:at]) for at, _ in steps]
    found_before = [sum(found for _, found in steps[:k]) for k in range(len(steps))]
    assert len(steps) >= 4 and sum(found for _, found in steps[:-1]) > 0
    assert scored_before == [0, *found_before[:-1]]  # each step asked for before the batches of the one before


def test_a_file_url_reads_as_its_path_on_the_workers(corpus, cluster, tmp_path):
    book = load_codebook(DATA / "tiny_codebook.yaml")
    alone = analyse([corpus], codebook=book, use_cache=False, executor=InlineExecutor())
    same_analyses(analyse([f"file://{corpus}"], codebook=book, use_cache=False, executor=cluster), alone)


def test_fsspec_urls_are_read_table_by_table_and_file_by_file(tmp_path, monkeypatch):
    """memory:// lives in one process, so this runs inline: the reading is the workers' code all the same."""
    monkeypatch.setattr(batches, "FIRST_BATCH_ROWS", 100)
    folder = tmp_path / "corpus"
    folder.mkdir()
    texts = [f"User: I double check the calendar {i} times. I worry a lot." for i in range(450)]
    pd.DataFrame({"transcript_id": [f"p{i}" for i in range(450)], "text": texts}).to_parquet(
        folder / "a.parquet", row_group_size=64)
    (folder / "b.txt").write_text("User: deprecated, I worry.\n")
    memory = fsspec.filesystem("memory")
    memory.put(str(folder), "/corpus", recursive=True)
    book = load_codebook(DATA / "tiny_codebook.yaml")
    alone = analyse([folder], codebook=book, use_cache=False, executor=InlineExecutor())
    remote = analyse(["memory://corpus"], codebook=book, use_cache=False, results="memory://parts")
    for name in TABLES:
        expected = getattr(alone, name).replace(str(folder), "memory:///corpus", regex=True)  # fsspec spells it so
        pd.testing.assert_frame_equal(getattr(remote, name), expected)
    assert len(memory.glob("/parts/themes/part-*.parquet")) == 6  # 450 rows: 100 x 4 and 50, and the text file
    memory.rm("/corpus", recursive=True)


def test_a_batch_a_worker_cannot_read_is_an_error_naming_it(cluster, tmp_path):
    missing = tmp_path / "gone.csv"
    job = BatchJob(str(tmp_path / "shards"), 0, str(tmp_path / "parts"),
                   InputBatch("csv", (str(missing),), 100, 900, ("transcript_id", "text")))
    with pytest.raises(DataError, match=f"{missing} bytes 100-900: could not be read by a worker"):
        list(cluster.map(BatchScorer(load_codebook(DATA / "tiny_codebook.yaml"), LoadOptions()), [job]))


def test_an_unknown_url_is_reported_not_raised(tmp_path):
    book = load_codebook(DATA / "tiny_codebook.yaml")
    analysis = analyse(["nosuchprotocol://bucket/x.csv"], codebook=book, use_cache=False,
                       results=str(tmp_path / "parts"))
    assert analysis.transcripts.empty
    assert "nosuchprotocol://bucket/x.csv: could not be listed" in str(analysis.report.problems[0])
