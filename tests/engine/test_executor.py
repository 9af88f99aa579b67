"""core.engine.executor and the seam: the same tables whichever executor runs the shards, and sessions that
score at the same time on one shared executor each get their own, correct results."""
from __future__ import annotations

import sys
import threading
from concurrent.futures import Future

import pandas as pd
import pytest

from core import analyse, parse_codebook
from core.engine import rescore
from core.engine.executor import InlineExecutor, LocalProcesses, in_order, safe_start_method
from core.engine.rescore import CachedCorpus

TABLES = ("transcripts", "themes", "hits")


def _same(one, other) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name))


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """760 transcripts in one CSV: four shards."""
    folder = tmp_path_factory.mktemp("many")
    words = ["calendar", "calandar", "deprecated", "double check", "fear", "teacher", "sysadmin"]
    texts = [f"AI: Tell me.\nUser: I {words[i % 7]} the calendar {i} times, {words[(i * 3) % 7]} or not."
             for i in range(760)]
    path = folder / "many.csv"
    pd.DataFrame({"transcript_id": [f"t{i:04d}" for i in range(760)], "text": texts}).to_csv(path, index=False)
    return path


def test_inline_executor_maps_in_order():
    assert list(InlineExecutor().map(lambda x: x * 2, range(5))) == [0, 2, 4, 6, 8]


def test_local_processes_map_in_order_with_few_items_in_flight():
    with LocalProcesses(2) as pool:
        assert list(pool.map(abs, range(-50, 0))) == list(range(50, 0, -1))
        assert list(pool.map(abs, [])) == []
    assert pool._pool is None  # closed at the end of the block


def test_the_first_items_are_submitted_when_map_is_called_not_when_a_result_is_asked_for():
    submitted = []

    def submit(item):
        submitted.append(item)
        done = Future()
        done.set_result(item * 2)
        return done

    results = in_order(submit, range(10), 3)
    assert submitted == [0, 1, 2]  # work a caller collects later has started already
    assert list(results) == [2 * i for i in range(10)] and submitted == list(range(10))


def _frozen_objects(_) -> int:
    import gc

    return gc.get_freeze_count()


def test_forked_workers_never_walk_the_objects_they_inherit():
    import gc

    gc.unfreeze()  # an earlier test may have frozen this process's heap as the dashboard does (loading.settled)
    with LocalProcesses(2, start_method="fork") as pool:
        in_workers = list(pool.map(_frozen_objects, range(4)))
    assert min(in_workers) > 1000  # modules, lexicons: never walked by a worker's collections
    assert gc.get_freeze_count() == 0  # this process collects its own objects as before


def test_a_host_that_froze_its_own_heap_keeps_it_frozen():
    import gc

    gc.freeze()
    try:
        with LocalProcesses(2, start_method="fork") as pool:
            assert list(pool.map(abs, [-1, -2])) == [1, 2]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_threaded_process_never_forks():
    assert safe_start_method() in ("fork", "forkserver")
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert safe_start_method() == "forkserver"
    finally:
        stop.set()
        worker.join()


def test_scoring_is_the_same_on_every_executor(many, tiny_codebook, tmp_path):
    inline = analyse([many], codebook=tiny_codebook, use_cache=False, executor=InlineExecutor())
    with LocalProcesses(2) as pool:
        pooled = analyse([many], codebook=tiny_codebook, use_cache=False, executor=pool)
    default = analyse([many], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    _same(inline, pooled)
    _same(inline, default)
    assert len(inline.transcripts) == 760


def test_rescoring_on_workers_equals_rescoring_in_process(many, tiny_codebook, tmp_path, monkeypatch):
    corpus = CachedCorpus.of(analyse([many], codebook=tiny_codebook, cache_dir=tmp_path / "cache"))
    assert len(corpus.shards) == 4
    serial = corpus.score(tiny_codebook)
    monkeypatch.setattr(rescore, "PARALLEL_SHARDS", 2)
    with LocalProcesses(2) as pool:
        parallel = corpus.score(tiny_codebook, executor=pool)
    _same(parallel, serial)
    assert len(parallel.hits) > 760


def _edits(codebook_text: str) -> list[str]:
    """Four different edits of the tiny codebook: a lower threshold, a removed term, an added term, none."""
    return [codebook_text.replace("threshold: 88", "threshold: 70") if "threshold: 88" in codebook_text
            else codebook_text.replace("settings:", "settings:\n  threshold: 70", 1),
            codebook_text.replace("calendar", "calendarium"),
            codebook_text.replace("sysadmin", "sysadmin, teacher's pet"),
            codebook_text]


def test_sessions_previewing_different_edits_at_once_get_their_own_results(many, tiny_codebook, tmp_path,
                                                                          monkeypatch):
    """Threads of one server, as Streamlit sessions are: each scores its own edit on a shared corpus and a
    shared executor; every result equals the same edit scored alone."""
    base = analyse([many], codebook=tiny_codebook, cache_dir=tmp_path / "cache")
    corpus = CachedCorpus.of(base)
    books = [parse_codebook(text, source=f"edit{i}") for i, text in enumerate(_edits(tiny_codebook.text))]
    alone = [corpus.score(book, base=base) for book in books]
    assert len({len(a.hits) for a in alone}) > 1  # the edits really differ
    monkeypatch.setattr(rescore, "PARALLEL_SHARDS", 2)
    with LocalProcesses(2) as pool:
        for executor in (None, pool):
            results = _at_once(lambda book, executor=executor: corpus.score(book, base=base, executor=executor),
                               books)
            for got, expected in zip(results, alone):
                _same(got, expected)


def _at_once(function, items: list) -> list:
    """function(item) for every item, each in its own thread, all released at the same moment."""
    results: list = [None] * len(items)
    barrier = threading.Barrier(len(items))

    def run(i: int) -> None:
        barrier.wait()
        results[i] = function(items[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_every_worker_starts_while_main_is_blank(tmp_path, monkeypatch):
    """A worker started after the pool's start-up would import `__main__` again: in a dashboard server, the page
    script. Here the first start-up task finishes before the second is submitted (a busy machine), and later
    tasks keep every worker busy, which made the pool start its second worker late."""
    import time
    import types
    from concurrent.futures import ProcessPoolExecutor

    from core.engine import executor

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a page script ran in a worker')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)

    class SlowToSubmit(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            future = super().submit(*args, **kwargs)
            time.sleep(0.5)
            return future

    monkeypatch.setattr(executor, "ProcessPoolExecutor", SlowToSubmit)
    with executor.LocalProcesses(2, start_method="forkserver") as pool:
        assert list(pool.map(time.sleep, [1.0, 1.0])) == [None, None]
