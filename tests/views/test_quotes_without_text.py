"""Quotes are counted, grouped, filtered and diffed from the passages the engine found while scoring: no
transcript text is read until a page shows a quote (at 80,000 transcripts cutting every hit's passage from
its text took 50 s)."""
from dataclasses import replace

import pytest
from sharing_corpus import CODEBOOK, write_corpus

from core import analyse, load_codebook
from core.views.filters import Filters, prepare
from core.views.quotes import quotes_of_analysis
from core.views.snapshot import snapshot
from core.workbench.diff import diff_scores


@pytest.fixture
def analysed(tmp_path):
    return analyse([write_corpus(tmp_path / "transcripts")], codebook=load_codebook(CODEBOOK),
                   cache_dir=tmp_path / "cache")


def test_the_quotes_page_counts_quotes_without_reading_a_text(analysed):
    textless = replace(analysed, store=None)  # any read of a text raises KeyError
    with pytest.raises(KeyError):
        textless.text(analysed.transcripts["transcript_id"].iloc[0])
    data = prepare(textless.transcripts, textless.themes, textless.hits, textless.codebook.theme_ids)
    shown = snapshot(textless, data, Filters()).quotes(selection=False)
    assert len(shown) == len(quotes_of_analysis(textless)) > 0
    first = shown.iloc[0]
    text = analysed.text(first.transcript_id)
    assert text[first.quote_start:first.quote_end].strip() == text[first.quote_start:first.quote_end]
    assert first.quote_start <= first.start < first.end <= first.quote_end


def test_a_diff_compares_quotes_without_reading_a_text(analysed):
    textless = replace(analysed, store=None)
    dropped = textless.codebook.theme_ids[0]
    after = textless.with_tables(replace(textless.codebook, themes=textless.codebook.themes[1:]),
                                 textless.transcripts, textless.themes[textless.themes["theme"] != dropped],
                                 textless.hits[textless.hits["theme"] != dropped])
    change = diff_scores(textless, after)
    lost = int(change.themes.set_index("theme").loc[dropped, "quotes_lost"])
    assert lost == len(change.lost) > 0 and (change.lost["sentence"] == "").all()
