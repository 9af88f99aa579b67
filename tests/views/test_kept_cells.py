"""The view's cells of a streamed run kept beside its parts: read back by the next server under the same key,
computed again when anything they depend on changes, and never trusted when the file is damaged."""
from __future__ import annotations

import numpy as np
import pytest
from support import ROOT

from core import analyse
from core.engine import pipeline
from core.views.filters import prepare_analysis
from core.views.kept_cells import cells_key, kept


@pytest.fixture(scope="module")
def streamed(default_codebook, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(pipeline, "SHARD_SIZE", 10)
    try:
        return analyse([ROOT / "data"], codebook=default_codebook, use_cache=False,
                       results=str(tmp_path_factory.mktemp("parts") / "p"))
    finally:
        patch.undo()


def test_a_new_view_reads_the_kept_cells_and_gets_the_same_matrices(streamed, monkeypatch):
    first = prepare_analysis(streamed)
    first.quote_counts  # noqa: B018 (kept on first use)
    from core.views import parts_sql

    def never(*args, **kwargs):
        raise AssertionError("the parts were queried again")

    monkeypatch.setattr(parts_sql, "_connection", never)
    monkeypatch.setattr(parts_sql, "_quote_cells_of_part", never)
    again = prepare_analysis(streamed)
    np.testing.assert_array_equal(again.hit_counts, first.hit_counts)
    np.testing.assert_array_equal(again.present, first.present)
    np.testing.assert_array_equal(again.quote_counts, first.quote_counts)
    assert first.quote_counts.sum() > 100 and first.present.sum() > 20


def test_the_key_changes_with_what_the_cells_depend_on(streamed):
    ids, themes = streamed.transcripts["transcript_id"].to_numpy(), streamed.codebook.theme_ids
    key = cells_key(streamed.parts, "themes", streamed.batches, ids, themes)
    assert key == cells_key(streamed.parts, "themes", streamed.batches, ids.copy(), list(themes))
    others = [cells_key(streamed.parts, "themes", streamed.batches, ids[::-1], themes),
              cells_key(streamed.parts, "themes", streamed.batches, ids, themes[:-1]),
              cells_key(streamed.parts, "hits", streamed.batches, ids, themes),
              cells_key("s3://bucket/results", "themes", streamed.batches, ids, themes)]
    assert key not in others and others[-1] is None


def test_a_damaged_or_stale_file_is_computed_again(tmp_path):
    computed = []

    def compute():
        computed.append(1)
        return {"doc": np.arange(3, dtype=np.int32)}

    assert kept(str(tmp_path), "cells", "k1", compute)["doc"].tolist() == [0, 1, 2]
    assert kept(str(tmp_path), "cells", "k1", compute)["doc"].tolist() == [0, 1, 2] and len(computed) == 1
    kept(str(tmp_path), "cells", "k2", compute)
    assert len(computed) == 2
    (tmp_path / ".cells.npz").write_bytes(b"not a zip")
    assert kept(str(tmp_path), "cells", "k2", compute)["doc"].tolist() == [0, 1, 2] and len(computed) == 3
