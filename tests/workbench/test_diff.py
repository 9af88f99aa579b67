import contextlib
from collections.abc import Iterator
from dataclasses import replace

import pandas as pd
import pyarrow as pa
import pytest
from workbench_data import CODEBOOK, TRANSCRIPTS, edited, workbench

from core import analyse, parse_codebook
from core.engine.shard_jobs import ShardScorer
from core.views.quotes import raising_rows
from core.workbench import diff as diff_module
from core.workbench.diff import QUOTE_COLUMNS, changed_rows, diff_scores, fill_sentences, preview

ALLOW_CALANDAR = ("terms: [schedule, calendar]", "terms: [schedule, {term: calendar, allow: [calandar]}]")
DROP_FEAR = ("      - fear\n      - double check", "      - double check")
DROP_SYSADMIN = ("terms: [sysadmin, teacher]", "terms: [teacher]")
MIN_HITS = ("  threshold: 88\n", "  threshold: 88\n  min_hits: 2\n")  # the default, for every theme
THEME_MIN_HITS = ("    description: Errors and checking.\n", "    description: Errors and checking.\n    min_hits: 2\n")


def test_an_unchanged_codebook_changes_nothing():
    corpus, scored = workbench()
    change = preview(corpus, scored, scored.codebook)
    assert not change.changed and change.gained.empty and change.lost.empty
    assert change.lines() == ["no change: both codebooks give the same themes, occupations and quotes"]


def test_an_allowed_variant_gains_a_transcript_and_a_quote_with_its_sentence():
    corpus, scored = workbench()
    change = preview(corpus, scored, edited(*ALLOW_CALANDAR))
    themes = change.themes.set_index("theme")
    # quotes, not hits: w2's "calendar" and "schedule" share one sentence, one quote (4 and 5 hits)
    assert themes.loc["scheduling"].tolist() == [2, 3, 1, 0, 3, 4, 1, 0]
    assert themes.drop(index="scheduling")[["transcripts_gained", "quotes_gained", "quotes_lost"]].sum().sum() == 0
    assert list(change.gained.columns) == QUOTE_COLUMNS
    quote = change.gained.iloc[0]
    assert (quote["transcript_id"], quote["occupation"], quote["theme"], quote["term"], quote["matched_text"],
            quote["start"], quote["end"]) == ("w1", "education", "scheduling", "calendar", "calandar", 74, 82)
    assert quote["sentence"] == "I keep a calandar and I double check every deprecated tool."


def test_a_removed_term_loses_its_quote_but_not_a_transcript_still_covered():
    corpus, scored = workbench()
    change = preview(corpus, scored, edited(*DROP_FEAR))
    worry = change.themes.set_index("theme").loc["worry"]
    assert (worry["transcripts_lost"], worry["quotes_lost"], worry["quotes_after"]) == (0, 1, 1)
    assert change.lost[["transcript_id", "theme", "matched_text", "sentence"]].values.tolist() == \
        [["w1", "worry", "fear", "I fear nothing."]]


def test_per_occupation_counts_follow_moved_transcripts():
    corpus, scored = workbench()
    change = preview(corpus, scored, edited(*DROP_SYSADMIN))
    table = change.occupations.set_index("occupation")
    assert table.loc["it_software", ["transcripts_before", "transcripts_after", "moved_out"]].tolist() == [1, 0, 1]
    assert table.loc["other", ["transcripts_before", "transcripts_after", "moved_in"]].tolist() == [1, 2, 1]
    assert change.changed and change.gained.empty


def test_gains_are_counted_under_the_occupation_of_the_transcript():
    corpus, scored = workbench()
    table = preview(corpus, scored, edited(*ALLOW_CALANDAR)).occupations.set_index("occupation")
    assert table.loc["education", ["theme_transcripts_gained", "quotes_gained"]].tolist() == [1, 1]
    assert table.drop(index="education")["quotes_gained"].sum() == 0


def test_removed_and_added_themes_count_as_lost_and_gained():
    corpus, scored = workbench()
    text = scored.codebook.text.replace("  - id: art\n    label: Art\n    description: Art.\n    terms: [painting]\n",
                                        "  - id: tools\n    label: Tools\n    description: Tools.\n    terms: [tool]\n")
    from core import parse_codebook
    change = preview(corpus, scored, parse_codebook(text))
    themes = change.themes.set_index("theme")
    assert themes.loc["tools", ["transcripts_gained", "quotes_gained"]].tolist() == [1, 1]
    assert themes.loc["art", ["transcripts_before", "transcripts_after"]].tolist() == [0, 0]


@pytest.mark.parametrize("edit", [ALLOW_CALANDAR, DROP_FEAR, DROP_SYSADMIN, ("threshold: 88", "threshold: 80"),
                                  ("name: Workbench test codebook", "name: Renamed"), MIN_HITS, THEME_MIN_HITS])
def test_preview_scoring_equals_a_fresh_run_of_the_edited_codebook(edit):
    corpus, scored = workbench()
    codebook = edited(*edit)
    quick = corpus.score(codebook, base=scored)
    fresh = analyse([TRANSCRIPTS], codebook=codebook, use_cache=False, workers=1)
    pd.testing.assert_frame_equal(quick.themes.reset_index(drop=True), fresh.themes)
    pd.testing.assert_frame_equal(quick.hits.reset_index(drop=True), fresh.hits)
    pd.testing.assert_frame_equal(quick.transcripts.reset_index(drop=True), fresh.transcripts)


def test_diff_scores_without_sentences_and_the_report_lines():
    corpus, scored = workbench()
    after = corpus.score(edited(*ALLOW_CALANDAR), base=scored)
    change = diff_scores(scored, after)
    assert change.gained["sentence"].tolist() == [""]
    text = "\n".join(preview(corpus, scored, after.codebook).lines(quotes=5))
    assert "per theme:" in text and "scheduling" in text and "quotes gained: 1" in text
    assert 'w1 scheduling [calendar] "calandar" (100): I keep a calandar and I double check' in text


def test_changed_rows_keep_only_what_moved():
    corpus, scored = workbench()
    change = preview(corpus, scored, corpus.score(edited(*ALLOW_CALANDAR), base=scored).codebook)
    assert changed_rows(change.themes)["theme"].tolist() == ["scheduling"]
    assert changed_rows(change.themes.iloc[:0]).empty
    nothing = preview(corpus, scored, scored.codebook)
    assert changed_rows(nothing.themes).empty and changed_rows(nothing.occupations).empty


def test_cli_diff_prints_tables_and_quotes(tmp_path, capsys):
    from workbench_data import CODEBOOK

    from core.cli.main import main
    new = tmp_path / "new.yaml"
    new.write_text(CODEBOOK.read_text().replace(*ALLOW_CALANDAR))
    assert main(["diff", str(CODEBOOK), str(new), "--data", str(TRANSCRIPTS), "--cache-dir", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{CODEBOOK} -> {new} on 3 transcripts\nper theme:")
    assert "quotes gained: 1\n  w1 scheduling [calendar] \"calandar\" (100): I keep a calandar" in out
    assert "quotes lost: 0" in out


def test_a_theme_with_its_own_threshold_ignores_a_change_of_the_default():
    from dataclasses import fields

    from core.codebook.model import Settings
    from core.engine.codebook_changes import changed_themes, occupations_differ
    own = ("    description: Calendars.\n", "    description: Calendars.\n    threshold: 85\n")
    before = parse_codebook(edited(*own).text.replace("    description: Fear.\n",
                                                      "    description: Fear.\n    negation: true\n"))
    after = parse_codebook(before.text.replace("threshold: 88", "threshold: 80"))
    assert changed_themes(before, after) == {"accuracy", "worry", "art"}
    assert occupations_differ(before, after)
    # every setting is read by a theme or the occupations: a new one must be added to the change check
    for field in fields(Settings):
        value = getattr(before.settings, field.name)
        other = value + 1 if isinstance(value, (int, float)) else ("x",) if isinstance(value, tuple) else "all"
        changed = replace(before, settings=replace(before.settings, **{field.name: other}))
        assert changed_themes(before, changed) or occupations_differ(before, changed), field.name


def test_a_threshold_edit_previews_like_a_fresh_run_when_one_theme_keeps_its_own():
    corpus, scored = workbench()
    codebook = parse_codebook(edited("    description: Calendars.\n", "    description: Calendars.\n"
                                     "    threshold: 85\n").text.replace("threshold: 88", "threshold: 80"))
    quick = corpus.score(codebook, base=scored)
    fresh = analyse([TRANSCRIPTS], codebook=codebook, use_cache=False, workers=1)
    pd.testing.assert_frame_equal(quick.themes.reset_index(drop=True), fresh.themes)
    pd.testing.assert_frame_equal(quick.hits.reset_index(drop=True), fresh.hits)


def test_preview_cuts_sentences_for_the_first_quotes_only(monkeypatch):
    import core.workbench.diff
    monkeypatch.setattr(core.workbench.diff, "SENTENCES", 0)
    corpus, scored = workbench()
    change = preview(corpus, scored, edited(*ALLOW_CALANDAR))
    assert change.gained["sentence"].tolist() == [""]
    core.workbench.diff.fill_sentences(change.gained, corpus.texts)
    assert change.gained["sentence"].tolist() == ["I keep a calandar and I double check every deprecated tool."]


def test_the_merge_fallback_for_huge_keys_gives_the_same_diff(monkeypatch):
    import core.workbench.numbered_pairs
    corpus, scored = workbench()
    after = corpus.score(edited(*DROP_FEAR), base=scored)
    fast = diff_scores(scored, after)
    monkeypatch.setattr(core.workbench.numbered_pairs, "shared_keys", lambda one, other, key, order: (None, None))
    slow = diff_scores(scored, after)
    assert len(fast.lost) == 1
    pd.testing.assert_frame_equal(fast.lost, slow.lost)
    pd.testing.assert_frame_equal(fast.themes, slow.themes)
    pd.testing.assert_frame_equal(fast.occupations, slow.occupations)


ADD_THEME = ("  - id: art\n", "  - id: tools\n    label: Tools\n    description: Tools.\n    terms: [tool, calendar]\n"
                              "  - id: art\n")
DROP_THEME = ("  - id: art\n    label: Art\n    description: Art.\n    terms: [painting]\n", "")


@pytest.mark.parametrize("edit", [ALLOW_CALANDAR, DROP_FEAR, DROP_SYSADMIN, ADD_THEME, DROP_THEME,
                                  ("threshold: 88", "threshold: 80"), ("name: Workbench test codebook", "name: R"),
                                  MIN_HITS, THEME_MIN_HITS])
def test_a_preview_comparing_only_the_changed_themes_equals_the_diff_of_a_fresh_run(edit):
    """The preview compares only the rows of the themes an edit changed; the full diff of a fresh run of the
    edited codebook gives the same tables, counts of the unchanged themes included."""
    corpus, scored = workbench()
    codebook = edited(*edit)
    assert edit[0] in scored.codebook.text
    quick = preview(corpus, scored, codebook)
    full = diff_scores(scored, analyse([TRANSCRIPTS], codebook=codebook, use_cache=False, workers=1))
    for table in (full.gained, full.lost):
        fill_sentences(table, corpus.texts)
    for name in ("themes", "occupations", "gained", "lost"):
        pd.testing.assert_frame_equal(getattr(quick, name), getattr(full, name), check_dtype=False)


def test_an_edit_of_min_hits_alone_scores_nothing_and_moves_only_presence(monkeypatch):
    """`min_hits` decides only whether a theme is present: its preview takes the hits and scores as saved and
    scores no shard, and gives what a fresh run gives; with another edit beside it, only that one is scored."""
    corpus, scored = workbench()
    monkeypatch.setattr(ShardScorer, "score", lambda *_: pytest.fail("a min_hits edit scored a shard"))
    change = preview(corpus, scored, edited(*MIN_HITS))
    themes = change.themes.set_index("theme")
    assert themes["transcripts_lost"].sum() > 0 and themes["transcripts_gained"].sum() == 0
    assert len(change.lost) > 0 and change.gained.empty and (themes["quotes_gained"] == 0).all()
    monkeypatch.undo()
    both = parse_codebook(CODEBOOK.read_text().replace(*MIN_HITS).replace(*ALLOW_CALANDAR), source=str(CODEBOOK))
    quick = corpus.score(both, base=scored)
    fresh = analyse([TRANSCRIPTS], codebook=both, use_cache=False, workers=1)
    for name in ("themes", "hits", "transcripts"):
        pd.testing.assert_frame_equal(getattr(quick, name).reset_index(drop=True), getattr(fresh, name))


def test_a_diff_lists_the_first_quotes_and_counts_every_one(monkeypatch):
    """An edit can gain or lose millions of quotes: only the first LISTED are kept as rows, the counts per
    theme and occupation and the report's totals still cover every one."""
    corpus, scored = workbench()
    broad = ("terms: [schedule, calendar]", "terms: [schedule, calendar, i]")  # "I" in every answer
    whole = preview(corpus, scored, edited(*broad))
    assert len(whole.gained) == whole.quotes_gained >= 4
    monkeypatch.setattr(diff_module, "LISTED", 2)
    cut = preview(corpus, scored, edited(*broad))
    pd.testing.assert_frame_equal(cut.themes, whole.themes)
    pd.testing.assert_frame_equal(cut.occupations, whole.occupations)
    pd.testing.assert_frame_equal(cut.gained, whole.gained.head(2))
    lines = cut.lines(quotes=1)
    assert cut.quotes_gained == whole.quotes_gained and f"quotes gained: {whole.quotes_gained}" in lines
    assert f"  ... and {whole.quotes_gained - 1} more" in lines


@contextlib.contextmanager
def arrow_pool() -> Iterator[pa.MemoryPool]:
    """Arrow's allocations inside the block go through the system allocator's pool, whose `max_memory` is then
    their peak (or an earlier one: nothing else here uses that pool). A pool made for the test would be freed
    before buffers allocated from it, which crashes; this one lives as long as the process."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield pa.system_memory_pool()
    finally:
        pa.set_memory_pool(previous)


def test_a_threshold_diff_copies_no_text_of_the_hits_it_compares():
    """Every theme changes with the default threshold, so every hit on both sides is compared: by row numbers
    and integer keys, never by copying the hits' text columns (3 million hits at 80,000 transcripts)."""
    corpus, scored = workbench()
    after = corpus.score(edited("threshold: 88", "threshold: 80\n  min_hits: 2"), base=scored)
    wide = "x" * 100_000  # a text column no diff reads: copying it would show in the pool's peak
    before, after = (analysis.described(hits=analysis.hits.assign(note=pd.array([wide] * len(analysis.hits),
                                                                                  dtype="str")))
                     for analysis in (scored, after))
    assert not raising_rows(after.hits, after.themes).all()  # a hit below min_hits: a filter that copies
    with arrow_pool() as pool:
        change = diff_scores(before, after)
    assert (len(change.gained), len(change.lost)) == (0, 1)
    assert pool.max_memory() < len(wide) * 3  # the quote lost, with room for copies of it
