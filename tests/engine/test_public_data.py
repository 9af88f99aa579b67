"""Optional: the public data set, when ../shared/data/anthropic-interviewer is there."""
from support import PUBLIC_DATA, needs_public_data

from core import analyse


@needs_public_data
def test_all_1250_public_transcripts_score(default_codebook, tmp_path):
    analysis = analyse([PUBLIC_DATA], codebook=default_codebook, cache_dir=tmp_path)
    assert len(analysis.transcripts) == 1250
    assert analysis.report.problems == []
    assert len(analysis.themes) == 1250 * len(default_codebook.themes)
    assert analysis.transcripts["participant_words"].min() > 0
    text_of = {}
    import pandas as pd
    for path in sorted(PUBLIC_DATA.glob("*.csv"))[:1]:
        text_of.update(pd.read_csv(path).set_index("transcript_id")["text"].to_dict())
    sample = analysis.hits[analysis.hits["transcript_id"].isin(text_of)].head(200)
    for row in sample.itertuples():
        assert text_of[row.transcript_id][row.start:row.end] == row.matched_text


@needs_public_data
def test_no_public_hit_pairs_a_term_with_a_different_real_word(default_codebook, tmp_path):
    from core.workbench.terms import variant_audit

    kinds, wrong = variant_audit(analyse([PUBLIC_DATA], codebook=default_codebook, cache_dir=tmp_path))
    assert wrong == []
    assert kinds["typo"] > 0 and kinds["spelling variant"] > 0 and kinds["inflection"] > 0  # they still match
