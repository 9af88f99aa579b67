"""Rows put in a fresh run's order by their (transcript, theme) numbers: by transcript, then the columns within,
then theme, as sorting by every column does, also when the numbers are too large for one integer."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.engine.fresh_order import ordered_rows


def by_every_column(pairs, themes, kept, within):
    rows = np.flatnonzero(kept & (pairs >= 0))
    return rows[np.lexsort([pairs[rows] % themes, *(c[rows] for c in reversed(within)), pairs[rows] // themes])]


@given(st.lists(st.tuples(st.integers(-1, 40), st.integers(0, 2**40), st.integers(0, 3), st.booleans()),
                max_size=60),
       st.integers(1, 5), st.sampled_from([1, 2**25]))
def test_rows_come_in_the_order_sorting_by_every_column_gives(rows, themes, scale):
    pairs = np.array([pair for pair, *_ in rows], dtype=np.int64)
    starts = np.array([start for _, start, *_ in rows], dtype=np.int64) * scale  # 2**65: past one integer
    ends = np.array([end for *_, end, _ in rows], dtype=np.int64)
    kept = np.array([keep for *_, keep in rows], dtype=bool)
    got = ordered_rows(pairs, themes, kept, [starts, ends])
    assert got.tolist() == by_every_column(pairs, themes, kept, [starts, ends]).tolist()
