import pytest
from workbench_data import edited, workbench

from core import analyse, parse_codebook
from core.codebook.model import Term
from core.workbench.terms import (
    match_kind,
    near_misses,
    term_list,
    term_report,
    threshold_change,
    typo_similarity,
    with_threshold,
)


@pytest.fixture(scope="module")
def report():
    corpus, scored = workbench()
    return term_report(corpus, scored)


def row(table, **where):
    selected = table
    for column, value in where.items():
        selected = selected[selected[column] == value]
    assert len(selected) == 1, where
    return selected.iloc[0]


@pytest.mark.parametrize("kind, code, term, hits, transcripts", [
    ("theme", "accuracy", "deprecated", 2, 2),
    ("theme", "accuracy", "hallucinate", 0, 0),
    ("theme", "scheduling", "schedule", 3, 2),
    ("theme", "worry", "double check", 1, 1),
    ("occupation", "it_software", "sysadmin", 1, 1),
    ("occupation", "education", "classroom", 1, 1),
])
def test_term_report_counts_hits_and_transcripts(report, kind, code, term, hits, transcripts):
    found = row(report.terms, kind=kind, code=code, term=term)
    assert (found["hits"], found["transcripts"]) == (hits, transcripts)
    assert found["share"] == pytest.approx(transcripts / 3)


def test_term_report_lists_every_term_in_codebook_order(report):
    corpus, scored = workbench()
    assert report.terms[["kind", "code", "term"]].values.tolist() == \
        term_list(scored.codebook)[["kind", "code", "term"]].values.tolist()
    assert report.n_transcripts == 3


@pytest.mark.parametrize("term, variant, similarity, hits, match", [
    ("deprecated", "depreceated", 95.2, 1, "typo"),
    ("deprecated", "deprecated", 100.0, 1, "exact"),
    ("schedule", "schedules", 94.1, 1, "inflection"),
    ("schedule", "schedule", 100.0, 2, "exact"),
])
def test_variants_carry_similarity_counts_and_how_they_matched(report, term, variant, similarity, hits, match):
    found = row(report.variants, kind="theme", term=term, variant=variant)
    assert (found["similarity"], found["hits"], found["match"]) == (similarity, hits, match)


def test_report_lines_show_variants_most_frequent_first(report):
    line = next(one for one in report.lines() if " schedule " in one)
    assert "schedule 100 x2, schedules 94.1 x1" in line and "2 ( 67%)" in line


def test_near_misses_find_corpus_words_just_under_the_threshold():
    corpus, scored = workbench()
    misses = near_misses(corpus, scored.codebook, window=10)
    assert misses[["code", "term_index", "term", "variant", "similarity", "threshold", "tokens", "transcripts"]] \
        .values.tolist() == [["scheduling", 1, "calendar", "calandar", 87.5, 88.0, 1, 1]]


def test_near_misses_leave_out_denied_words_and_a_narrow_window_finds_none():
    corpus, scored = workbench()
    denied = edited("terms: [schedule, calendar]", "terms: [schedule, {term: calendar, deny: [calandar]}]")
    assert near_misses(corpus, denied).empty
    assert near_misses(corpus, scored.codebook, window=0.4).empty


def test_threshold_change_says_which_themes_gain_transcripts():
    corpus, scored = workbench()
    change = threshold_change(corpus, scored, 87).set_index("theme")
    assert change.loc["scheduling", ["transcripts_before", "transcripts_after", "transcripts_gained",
                                     "quotes_gained"]].tolist() == [2, 3, 1, 1]
    assert change["transcripts_lost"].sum() == 0


def test_with_threshold_overrides_every_level_and_changes_the_hash():
    _, scored = workbench()
    strict = edited("    terms: [painting]", "    threshold: 95\n    terms: [{term: painting, threshold: 99}]")
    loose = with_threshold(strict, 80)
    assert loose.settings.threshold == 80
    assert loose.theme("art").threshold is None and loose.theme("art").terms[0].threshold is None
    assert loose.content_hash != strict.content_hash


@pytest.mark.parametrize("term, matched, kind, typo", [
    (Term("deprecated", ("deprecated",)), "depreceated", "typo", 95.2),
    (Term("schedule", ("schedule",)), "Scheduling", "inflection", None),
    (Term("verif*", ("verif*",)), "verifying", "exact", None),
    (Term("double check", ("double", "check")), "double-check", "exact", None),
    (Term("write reports", ("write", "reports")), "writing report", "inflection", None),
    (Term("write reports", ("write", "reports")), "writing reprots", "typo", 85.7),
    (Term("calendar", ("calendar",), allow=frozenset({"calandar"})), "calandar", "exact", None),
])
def test_match_kind_and_typo_similarity(term, matched, kind, typo):
    assert match_kind(term, matched) == kind
    assert typo_similarity(term, matched) == typo


def test_cli_terms_prints_counts_variants_near_misses_and_a_threshold_change(tmp_path, capsys):
    from workbench_data import CODEBOOK, TRANSCRIPTS

    from core.cli.main import main
    assert main(["terms", "--codebook", str(CODEBOOK), "--data", str(TRANSCRIPTS), "--cache-dir", str(tmp_path),
                 "--threshold", "87"]) == 0
    out = capsys.readouterr().out
    assert "deprecated 100 x1, depreceated 95.2 x1" in out
    assert "near misses (within 10 points of the threshold): 1" in out and "calandar" in out
    assert "with every threshold at 87:" in out


# ---------------------------------------------------------------- one click: a variant onto a term's list
@pytest.mark.parametrize("code, index, to, before, after", [
    ("scheduling", 1, "allow", "terms: [schedule, calendar]", "terms: [schedule, {term: calendar, allow: [calandar]}]"),
    ("accuracy", 2, "deny", "      - hallucinate\n", "      - {term: hallucinate, deny: [calandar]}\n"),
])
def test_add_variant_edits_only_that_term(code, index, to, before, after):
    from workbench_data import CODEBOOK

    from core.codebook.edits import add_variant
    text = CODEBOOK.read_text()
    result = add_variant(text, "theme", code, index, "calandar", to=to)
    assert result == text.replace(before, after)


def test_add_variant_moves_a_word_between_lists_and_the_preview_shows_the_gain():
    from core import parse_codebook
    from core.codebook.edits import add_variant
    from core.workbench.diff import preview
    corpus, scored = workbench()
    denied = add_variant(scored.codebook.text, "theme", "scheduling", 1, "calandar", to="deny")
    allowed = add_variant(denied, "theme", "scheduling", 1, "calandar", to="allow")
    assert "{term: calendar, allow: [calandar]}" in allowed and "deny: [calandar]" not in allowed
    change = preview(corpus, scored, parse_codebook(allowed))
    assert change.gained["matched_text"].tolist() == ["calandar"]


def test_add_variant_to_a_missing_term_says_so():
    from core.codebook.edits import add_variant
    from core.errors import CodebookError
    _, scored = workbench()
    with pytest.raises(CodebookError, match="no term 7 in theme `scheduling`"):
        add_variant(scored.codebook.text, "theme", "scheduling", 7, "x")


THEMES = "themes:\n  - id: a\n    label: A\n    description: d\n    terms: [x]\n"


@pytest.mark.parametrize("text, expected", [
    ("name: x\nsettings:\n  threshold: 88   # why\n" + THEMES,
     "name: x\nsettings:\n  threshold: 85   # why\n" + THEMES),
    ("name: x\nsettings:\n  scope: all\n" + THEMES, "name: x\nsettings:\n  threshold: 85\n  scope: all\n" + THEMES),
    ("name: x\n" + THEMES, "name: x\nsettings:\n  threshold: 85\n" + THEMES),
])
def test_set_setting_changes_only_that_setting(text, expected):
    from core import CodebookError
    from core.codebook.edits import set_setting
    assert set_setting(text, "threshold", 85.0) == expected
    with pytest.raises(CodebookError, match="less than or equal to 100"):
        set_setting(text, "threshold", 120)


def test_a_rejected_real_word_is_a_near_miss_with_its_frequency_and_the_corpus_suggests_allowing_it(tmp_path):
    import pandas as pd

    from core.engine.rescore import CachedCorpus

    texts = [f"AI: Go on.\nUser: That call is deprecated, version {i}." for i in range(25)]
    texts += ["AI: And?\nUser: The old call was depreciated years ago.", "AI: More?\nUser: My selling days."]
    path = tmp_path / "t.csv"
    pd.DataFrame({"transcript_id": [f"t{i}" for i in range(len(texts))], "text": texts}).to_csv(path, index=False)
    book = parse_codebook("name: x\nthemes:\n- {id: acc, label: A, description: d, terms: [deprecated, spelling]}")
    corpus = CachedCorpus.of(analyse([path], codebook=book, cache_dir=tmp_path / "cache"))
    misses = near_misses(corpus, book, window=10).set_index("variant")
    assert misses.loc["depreciated", "reason"] == "real word" and misses.loc["depreciated", "suggest"] == "allow"
    assert 0 < misses.loc["depreciated", "frequency"] < 3
    assert misses.loc["selling", "reason"] == "real word" and misses.loc["selling", "suggest"] == ""  # common
    assert misses.loc["selling", "frequency"] > 4


def test_a_term_whose_words_a_sibling_claims_is_covered_not_unused():
    from core.workbench.lint import lint
    corpus, scored = workbench()
    sibling = edited("terms: [schedule, calendar]", "terms: [schedule, schedules, calendar]")
    report = term_report(corpus, corpus.score(sibling, base=scored))
    rows = report.terms.set_index("term").loc[["schedule", "schedules", "calendar"]]
    assert rows["hits"].tolist() == [3, 0, 1]  # "schedules" said once, credited to `schedule`
    assert rows["covered_by"].tolist() == ["", "schedule", ""]
    assert any("covered by `schedule`" in line for line in report.lines() if " schedules " in line)
    unused = lint(report, sibling, rules=["unused-term"], unused_min_transcripts=1)
    assert "schedules" not in " ".join(f.message for f in unused)
    covered = lint(report, sibling, rules=["covered-term"])
    assert [f.message for f in covered] == ["theme `scheduling`: term `schedules` is covered by `schedule` "
                                            "(its hits are counted under that term)"]
    assert (covered[0].line, covered[0].column) == (16, 23)
