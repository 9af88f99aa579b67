"""The passages of a prepared view are cut once, even when the sessions of a dashboard server ask together."""
import threading

from sharing_corpus import CODEBOOK, write_corpus

import core.views.snapshot as snapshot_module
from core import analyse, load_codebook
from core.views.filters import prepare
from core.views.quotes import hit_passages
from core.views.snapshot import passages_of

THREADS = 8


def test_threads_asking_together_share_one_cut(tmp_path, monkeypatch):
    analysis = analyse([write_corpus(tmp_path / "transcripts")], codebook=load_codebook(CODEBOOK),
                       cache_dir=tmp_path / "cache")
    data = prepare(analysis.transcripts, analysis.themes, analysis.hits, analysis.codebook.theme_ids)
    cuts = []
    start = threading.Barrier(THREADS)

    def counted_cut(*args):
        cuts.append(1)
        return hit_passages(*args)
    monkeypatch.setattr(snapshot_module, "hit_passages", counted_cut)
    results = [None] * THREADS

    def ask(slot: int) -> None:
        start.wait()
        results[slot] = passages_of(data, analysis)
    threads = [threading.Thread(target=ask, args=(slot,)) for slot in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cuts) == 1
    assert all(result is results[0] for result in results)
    assert results[0].equals(hit_passages(data.hits, analysis.text, analysis.turns))
