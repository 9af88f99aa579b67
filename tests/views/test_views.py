"""core.views.filters and core.views.aggregates: filtering and aggregation behind every face, on tiny hand-made
tables and the shipped data."""
import numpy as np
import pandas as pd
import pytest
from support import ROOT

from core import analyse
from core.views.aggregates import cooccurrence, headline, occupation_theme, prevalence
from core.views.filters import (
    MISSING,
    Filters,
    filterable_attributes,
    prepare,
    quote_hit_mask,
    raised_matrix,
    transcript_mask,
)
from core.views.quote_pages import page_of
from core.views.quotes import TurnBounds, cut_quote, quotes
from core.views.search import Found, parse_query, view_of_search

THEMES = ["speed", "risk"]


@pytest.fixture
def data():
    """Four transcripts: a and b are IT, c legal, d IT with no hits; d has no region."""
    transcripts = pd.DataFrame({
        "transcript_id": list("abcd"), "source": ["x/one.csv", "x/one.csv", "x/two.csv", "x/two.csv"],
        "occupation": ["it", "it", "legal", "it"], "occupation_evidence": "", "occupation_confidence": 1.0,
        "participant_words": 100, "region": ["EU", "Asia", "EU", None]})
    hits_per = {("a", "speed"): 3, ("a", "risk"): 1, ("b", "speed"): 1, ("c", "risk"): 2}
    themes = pd.DataFrame([{"transcript_id": t, "theme": th, "hits": hits_per.get((t, th), 0), "score": 0.0,
                            "per_1k_words": 0.0, "present": int(hits_per.get((t, th), 0) > 0)}
                           for t in "abcd" for th in THEMES])
    hits = pd.DataFrame([{"transcript_id": t, "turn": 1, "speaker": "participant", "theme": th, "term": "w",
                          "matched_text": "w", "start": 10 * i, "end": 10 * i + 1, "similarity": 100.0 - i,
                          "passage_start": 10 * i, "passage_end": 10 * i + 1, "turn_start": 0, "turn_end": 100}
                         for (t, th), k in hits_per.items() for i in range(k)])  # every hit its own passage
    return prepare(transcripts, themes, hits, THEMES)


def view(data, **filters):
    f = Filters(**filters)
    raised = raised_matrix(data, f.min_hits)
    return f, raised, transcript_mask(data, f, raised)


def test_prepare_builds_matrices_and_facets(data):
    assert data.hit_counts.tolist() == [[3, 1], [1, 0], [0, 2], [0, 0]]
    assert data.attributes == {"file": ["one.csv", "two.csv"], "region": [MISSING, "Asia", "EU"]}
    assert data.hits["occupation"].tolist()[:4] == ["it"] * 4


def test_prepare_leaves_out_rows_of_a_theme_or_transcript_it_does_not_know(data):
    """Results kept from before a theme was removed (or a transcript left the data): those rows are not
    counted, and every other hit keeps its transcript number and theme number."""
    transcripts = data.transcripts.drop(columns="file")
    strays = pd.DataFrame({"transcript_id": ["a", "zz"], "theme": ["gone", "speed"], "hits": [5, 5],
                           "score": 0.0, "per_1k_words": 0.0, "present": 1})
    themes = pd.concat([strays.iloc[:1], _themes_of(data), strays.iloc[1:]], ignore_index=True)
    hits = data.hits.drop(columns=["doc", "theme_index", "occupation"])
    hits = pd.concat([hits.iloc[:1].assign(theme="gone"), hits, hits.iloc[:1].assign(transcript_id="zz")],
                     ignore_index=True)
    again = prepare(transcripts, themes, hits, THEMES)
    assert again.hit_counts.tolist() == data.hit_counts.tolist()
    pd.testing.assert_frame_equal(again.hits, data.hits)


def _themes_of(data) -> pd.DataFrame:
    rows, columns = np.nonzero(np.ones_like(data.hit_counts))
    return pd.DataFrame({"transcript_id": data.transcripts["transcript_id"].to_numpy()[rows],
                         "theme": np.array(THEMES)[columns], "hits": data.hit_counts[rows, columns],
                         "score": 0.0, "per_1k_words": 0.0, "present": data.present[rows, columns].astype(int)})


@pytest.mark.parametrize("filters, expected", [
    ({}, "abcd"),
    ({"occupations": ("it",)}, "abd"),
    ({"themes": ("risk",)}, "ac"),
    ({"themes": ("speed",), "min_hits": 2}, "a"),
    ({"min_hits": 2}, "abcd"),  # min_hits alone changes what counts as raised, not who matches
    ({"attributes": (("region", ("EU",)),)}, "ac"),
    ({"attributes": (("region", (MISSING,)),)}, "d"),
    ({"occupations": ("legal",), "themes": ("speed",)}, ""),
])
def test_transcript_mask(data, filters, expected):
    _, _, mask = view(data, **filters)
    assert "".join(data.transcripts["transcript_id"][mask]) == expected


def test_prevalence_has_wilson_intervals_and_is_sorted(data):
    f, raised, mask = view(data)
    table = prevalence(data, mask, raised, f.themes_in_view(data.theme_ids))
    assert table["theme"].tolist() == ["risk", "speed"]  # ties broken by name
    assert table["n"].tolist() == [4, 4] and table["present"].tolist() == [2, 2]
    assert table["share"].tolist() == [0.5, 0.5]
    assert table["low"].iloc[0] == pytest.approx(0.15, abs=0.01)
    assert table["high"].iloc[0] == pytest.approx(0.85, abs=0.01)
    assert table["hits"].tolist() == [3, 4]


def test_min_hits_lowers_prevalence(data):
    f, raised, mask = view(data, min_hits=2)
    table = prevalence(data, mask, raised, THEMES).set_index("theme")
    assert table.loc["speed", "present"] == 1 and table.loc["risk", "present"] == 1


def test_occupation_theme_marks_thin_cells(data):
    f, raised, mask = view(data)
    table = occupation_theme(data, mask, raised, THEMES)
    it_speed = table[(table["occupation"] == "it") & (table["theme"] == "speed")].iloc[0]
    assert (it_speed["n"], it_speed["present"], it_speed["share"]) == (3, 2, pytest.approx(2 / 3))
    assert table["occupation"].iloc[0] == "it" and table["thin"].all()


def test_cooccurrence_counts_transcripts_raising_both(data):
    f, raised, mask = view(data)
    matrix = cooccurrence(data, mask, raised, THEMES)
    assert matrix.loc["speed", "speed"] == 2 and matrix.loc["speed", "risk"] == 1 == matrix.loc["risk", "speed"]


def test_headline(data):
    f, raised, mask = view(data, occupations=("it",))
    numbers = headline(data, mask, raised, THEMES)
    assert numbers["transcripts"] == 3 and numbers["total"] == 4 and numbers["raising_any"] == 2
    assert numbers["raising_any_share"] == pytest.approx(2 / 3)
    assert numbers["top_theme"] == "speed" and numbers["hits"] == 5 and numbers["top_share"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("filters, share", [({}, 0.75), ({"themes": ("risk",)}, 1.0), ({"min_hits": 3}, 0.25)])
def test_headline_shares(data, filters, share):
    f, raised, mask = view(data, **filters)
    assert headline(data, mask, raised, f.themes_in_view(THEMES))["raising_any_share"] == pytest.approx(share)


def test_headline_of_an_empty_view_has_zero_shares(data):
    f, raised, mask = view(data, occupations=("legal",), themes=("speed",))
    numbers = headline(data, mask, raised, THEMES)
    assert (numbers["transcripts"], numbers["raising_any_share"], numbers["top_share"]) == (0, 0.0, 0.0)


def test_quotes_follow_filters_selection_and_sort(data):
    f, raised, mask = view(data, min_hits=2)
    keep = quote_hit_mask(data, mask, raised, THEMES)
    # b's single speed hit is not enough
    assert sorted(set(quotes(data, keep)["transcript_id"])) == ["a", "c"]
    speed = quotes(data, keep, theme="speed", sort="fuzziest")
    assert speed["similarity"].tolist() == [98.0, 99.0, 100.0]
    assert quotes(data, keep, occupation="legal")["theme"].unique().tolist() == ["risk"]


def test_theme_filter_limits_quotes_to_those_themes(data):
    f, raised, mask = view(data, themes=("risk",))
    keep = quote_hit_mask(data, mask, raised, f.themes_in_view(THEMES))
    assert set(quotes(data, keep)["theme"]) == {"risk"}


def test_search_keeps_transcripts_whose_participants_said_it_and_quotes_holding_it(data):
    f = Filters(search="budget")
    raised = raised_matrix(data, 1)
    in_c = data.hits[(data.hits["transcript_id"] == "c").to_numpy()].iloc[0]
    mentions = pd.DataFrame({"transcript_id": ["c", "a", "nobody"], "turn": [1, 1, 1],
                             "start": [in_c.passage_start, 10**6, 0], "end": [in_c.passage_start + 6, 10**6 + 6, 6],
                             "term": "budget"})
    searched, matching = view_of_search(Found(mentions, parse_query(f.search)), data)
    mask = transcript_mask(data, f, raised, searched)
    assert data.transcripts["transcript_id"][mask].tolist() == ["a", "c"]  # said it: quoted or not
    keep = quote_hit_mask(data, mask, raised, THEMES, matching_text=matching)
    assert set(quotes(data, keep)["transcript_id"]) == {"c"}  # only quotes holding it


def test_page_of_clamps_the_page():
    table = pd.DataFrame({"x": range(45)})
    rows, page, pages = page_of(table, 9, 20)
    assert (page, pages, rows["x"].tolist()) == (3, 3, list(range(40, 45)))
    assert page_of(table.iloc[:0], 1, 20)[1:] == (1, 1)


def test_filterable_attributes_skip_identifiers_and_sort_numbers():
    table = pd.DataFrame({"transcript_id": list("abcd"), "source": "s", "team": [10, 2, 2, np.nan],
                          "note": list("wxyz")})
    assert filterable_attributes(table) == {"team": ["2", "10", MISSING]}


def test_cut_quotes_and_sentences_on_the_shipped_data(default_codebook, tmp_path):
    analysis = analyse([ROOT / "data" / "demo"], codebook=default_codebook, cache_dir=tmp_path)
    hits = analysis.hits[analysis.hits["transcript_id"] == "demo_001"].head(5)
    text, bounds = analysis.text("demo_001"), TurnBounds.of(analysis.turns("demo_001"))
    for hit in hits.itertuples():
        quote = cut_quote(text, bounds, hit.turn, hit.start, hit.end)
        assert (quote.start, quote.end, quote.turn_start, quote.turn_end) == (
            hit.passage_start, hit.passage_end, hit.turn_start, hit.turn_end)
        assert text[hit.start:hit.end] == hit.matched_text and quote.start <= hit.start < hit.end <= quote.end
        assert quote.turn_start <= quote.start < quote.end <= quote.turn_end


def test_prepare_on_the_shipped_data_matches_the_theme_table(default_codebook, tmp_path):
    analysis = analyse([ROOT / "data"], codebook=default_codebook, cache_dir=tmp_path)
    data = prepare(analysis.transcripts, analysis.themes, analysis.hits, default_codebook.theme_ids)
    assert data.hit_counts.sum() == analysis.themes["hits"].sum()
    assert {"region", "seniority", "team_size"} <= set(data.attributes)
    f, raised, mask = view(data, occupations=("it_software",))
    assert mask.sum() == (analysis.transcripts["occupation"] == "it_software").sum()
