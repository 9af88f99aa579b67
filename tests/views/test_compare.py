"""core.views.compare: which themes differ between two groups, with the right test and a correction."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.views.compare import compare, group_of, holm, rest_of
from core.views.filters import prepare, raised_matrix


def _data(groups: dict[str, tuple[int, int]], words: int = 500):
    """Transcripts of each occupation: (how many, how many raise 'speed'); every one raises 'trust'."""
    rows, themes = [], []
    for occupation, (count, raising) in groups.items():
        for i in range(count):
            tid = f"{occupation}-{i}"
            rows.append({"transcript_id": tid, "source": f"{tid}.txt", "occupation": occupation,
                         "participant_words": words, "region": "north" if i % 2 else "south"})
            themes.append({"transcript_id": tid, "theme": "speed", "hits": 2 if i < raising else 0,
                           "present": int(i < raising)})
            themes.append({"transcript_id": tid, "theme": "trust", "hits": 1, "present": 1})
    hits = pd.DataFrame(columns=["transcript_id", "turn", "theme", "start", "end", "similarity"])
    data = prepare(pd.DataFrame(rows), pd.DataFrame(themes), hits, ["speed", "trust"])
    return data, raised_matrix(data), np.ones(data.size, bool)


def test_a_large_difference_is_found_with_chi_square_and_said_plainly():
    data, raised, everyone = _data({"it": (50, 30), "legal": (50, 10)})
    it = group_of(data, "occupation", ["it"], {"it": "IT & software"}.get, within=everyone)
    table = compare(data, raised, it, rest_of(it, within=everyone), ["speed", "trust"]).set_index("theme")
    speed = table.loc["speed"]
    # 30/50 vs 10/50: Pearson chi-square 16.67 on 1 degree of freedom
    assert speed["test"] == "chi-square" and speed["p"] == pytest.approx(math.erfc(math.sqrt(16.6667 / 2)), rel=1e-3)
    assert speed["differs"] and speed["share_a"] == 0.6 and speed["share_b"] == 0.2
    assert speed["verdict"] == "speed: raised more by IT & software: 60% vs 20%"
    assert speed["low_a"] < 0.6 < speed["high_a"]
    trust = table.loc["trust"]  # everybody raises it: nothing to test
    assert trust["test"] == "none" and not trust["differs"] and "no clear difference (100% vs 100%)" in trust["verdict"]


def test_small_cells_use_fishers_exact_test_and_small_groups_are_flagged():
    data, raised, everyone = _data({"a": (3, 3), "b": (3, 0)})
    a = group_of(data, "occupation", ["a"], within=everyone)
    row = compare(data, raised, a, group_of(data, "occupation", ["b"], within=everyone), ["speed"]).iloc[0]
    assert row["test"] == "Fisher's exact" and row["p"] == pytest.approx(0.1)  # 2 of the 20 tables as extreme
    assert bool(row["small_group"]) and "small group" in row["verdict"] and not row["differs"]


def test_the_group_raising_less_is_named_second():
    data, raised, everyone = _data({"it": (60, 6), "legal": (60, 40)})
    it = group_of(data, "occupation", ["it"], within=everyone)
    row = compare(data, raised, it, rest_of(it, within=everyone, name="the rest"), ["speed"]).iloc[0]
    assert row["verdict"] == "speed: raised more by the rest: 67% vs 10%" and row["difference"] < 0


def test_rates_per_thousand_participant_words():
    data, raised, everyone = _data({"it": (10, 10), "legal": (10, 0)}, words=400)
    it = group_of(data, "occupation", ["it"], within=everyone)
    row = compare(data, raised, it, rest_of(it, within=everyone), ["speed"]).iloc[0]
    assert row["per_1k_words_a"] == pytest.approx(2 * 10 * 1000 / (10 * 400)) and row["per_1k_words_b"] == 0


def test_groups_by_an_attribute_and_within_a_filter():
    data, raised, everyone = _data({"it": (20, 10), "legal": (20, 10)})
    only_it = group_of(data, "occupation", ["it"], within=everyone).mask
    north = group_of(data, "region", ["north"], within=only_it)
    assert north.n == 10 and north.name == "north"
    assert rest_of(north, within=only_it).n == 10


def test_overlapping_groups_are_refused():
    data, raised, everyone = _data({"it": (10, 5), "legal": (10, 5)})
    a = group_of(data, "occupation", ["it", "legal"], within=everyone)
    with pytest.raises(ValueError, match="10 transcripts are in both groups"):
        compare(data, raised, a, group_of(data, "occupation", ["it"], within=everyone), ["speed"])


def test_holm_adjustment_controls_many_tests():
    p = np.array([0.01, 0.02, 0.03, 0.5])
    assert holm(p).tolist() == pytest.approx([0.04, 0.06, 0.06, 0.5])
    assert holm(np.array([0.9, 0.8])).max() <= 1.0


def test_an_empty_group_compares_nothing():
    data, raised, everyone = _data({"it": (10, 5)})
    it = group_of(data, "occupation", ["it"], within=everyone)
    row = compare(data, raised, it, rest_of(it, within=everyone), ["speed"]).iloc[0]
    assert row["n_b"] == 0 and row["test"] == "none" and not row["differs"]
