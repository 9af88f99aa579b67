"""The "leave out uncertain occupations" filter and its URL flag."""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.views.filters import Filters, ViewData, describe_filters, prepare, transcript_mask


def data_with(uncertain) -> ViewData:
    ids = [f"t{i}" for i in range(len(uncertain))]
    transcripts = pd.DataFrame({"transcript_id": ids, "source": ["a.txt"] * len(ids),
                                "occupation": ["legal"] * len(ids), "occupation_source": ["keywords"] * len(ids),
                                "occupation_uncertain": uncertain})
    themes = pd.DataFrame({"transcript_id": ids, "theme": ["speed"] * len(ids), "hits": [1] * len(ids),
                           "present": [1] * len(ids)})
    hits = pd.DataFrame(columns=["transcript_id", "turn", "theme", "start", "end", "similarity"])
    return prepare(transcripts, themes, hits, ["speed"])


def test_certain_only_leaves_out_uncertain_occupations():
    data = data_with([False, True, False])
    raised = np.ones((3, 1), bool)
    assert transcript_mask(data, Filters(), raised).tolist() == [True, True, True]
    assert transcript_mask(data, Filters(certain_only=True), raised).tolist() == [True, False, True]


def test_a_missing_flag_counts_as_uncertain():
    data = data_with(pd.array([False, None], dtype="boolean"))
    assert transcript_mask(data, Filters(certain_only=True), np.ones((2, 1), bool)).tolist() == [True, False]


def test_the_occupation_columns_are_not_facets():
    assert "occupation_source" not in data_with([False, True]).attributes


def test_the_filter_is_described():
    assert describe_filters(Filters(certain_only=True), str) == "uncertain occupations left out"


def test_the_flag_round_trips_through_the_url():
    from dashboard.frame.state import Choices, filters_of, params_from_view, view_from_params

    choices = Choices((), (), {})
    view = view_from_params({"certain": ["1"]}, choices)
    assert filters_of(view).certain_only and params_from_view(view) == {"certain": ["1"]}
    assert not filters_of(view_from_params({}, choices)).certain_only
