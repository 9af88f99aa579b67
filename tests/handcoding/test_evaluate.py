import math
import shutil

import pandas as pd
import pytest
import yaml
from support import ROOT
from workbench_data import CODEBOOK, LABELS_A, LABELS_B, TRANSCRIPTS, WORKBENCH, workbench

from core import analyse, parse_codebook
from core.handcoding.agreement import (
    cohen_kappa,
    quote_precision,
    review_queue,
    sweep_summary,
    term_precision,
    threshold_sweep,
)
from core.handcoding.evaluate import (
    Labels,
    LabelsError,
    MissedPassage,
    TranscriptLabel,
    evaluate,
    evaluate_edit,
    read_labels,
)
from core.handcoding.labels import (
    QuoteMark,
    mark_quote,
    mark_transcript,
    read_quote_marks,
    render_labels,
    unmark_quote,
    unmark_transcript,
)
from core.views.quotes import quotes_of_analysis
from core.workbench.diff import scored_preview

BENCHMARK_LABELS = sorted((ROOT / "benchmarks" / "labels").glob("*.yaml"))


# ---------------------------------------------------------------- transcript labels and quote marks
def test_transcript_labels_give_precision_recall_and_f1_per_theme():
    _, scored = workbench()
    result = evaluate(scored.transcripts, scored.themes, read_labels(LABELS_A), scored.codebook.theme_ids)
    table = result.themes.set_index("theme")
    assert table.loc["accuracy", ["tp", "fp", "fn", "tn"]].tolist() == [1, 1, 0, 1]
    assert table.loc["accuracy", "precision"] == 0.5 and table.loc["accuracy", "recall"] == 1.0
    assert table.loc["scheduling", "f1"] == 1.0 and result.occupation_accuracy == 1.0


def test_macro_averages_are_the_means_over_themes():
    _, scored = workbench()
    result = evaluate(scored.transcripts, scored.themes, read_labels(LABELS_A), scored.codebook.theme_ids)
    averages = result.macro_averages()
    assert averages == pytest.approx({column: result.themes[column].mean() for column in ("precision", "recall", "f1")})
    assert averages["f1"] == result.macro_f1
    empty = evaluate(scored.transcripts, scored.themes, Labels("nobody", {}), [])
    assert empty.macro_averages() == {"precision": 0.0, "recall": 0.0, "f1": 0.0} and empty.macro_f1 == 0.0


def test_read_labels_ignores_the_quotes_list_and_read_quote_marks_reads_it():
    assert set(read_labels(LABELS_A).transcripts) == {"w1", "w2", "w3"}
    marks = read_quote_marks(LABELS_A)
    assert marks[0] == QuoteMark("w1", "accuracy", 89, 101, True)
    assert [m.correct for m in marks] == [True, False, False, True]
    assert read_quote_marks(LABELS_B) == []


def test_a_malformed_quote_mark_names_file_line_and_fix():
    with pytest.raises(LabelsError) as caught:
        read_quote_marks(WORKBENCH / "bad_quotes.yaml")
    assert str(caught.value) == (f"{WORKBENCH / 'bad_quotes.yaml'}:5: quote mark start and end must be whole "
                                 "numbers (at `quotes`). Fix: write {transcript: ID, theme: ID, start: N, end: N, "
                                 "correct: true}")


# Quotes, not hits: w1's "double check" and "deprecated" share one Accuracy sentence and w2's "calendar" and
# "schedule" one Scheduling sentence (3 and 4 when each hit was counted).
@pytest.mark.parametrize("theme, quotes, marked, correct, precision", [
    ("accuracy", 2, 2, 1, 0.5), ("worry", 2, 1, 0, 0.0), ("scheduling", 3, 1, 1, 1.0), ("art", 0, 0, 0, math.nan),
])
def test_quote_precision_per_theme_from_marked_quotes(theme, quotes, marked, correct, precision):
    _, scored = workbench()
    table = quote_precision(quotes_of_analysis(scored), read_quote_marks(LABELS_A),
                            scored.codebook.theme_ids).set_index("theme")
    found = table.loc[theme]
    assert found[["quotes", "marked", "correct"]].tolist() == [quotes, marked, correct]
    assert found["precision"] == pytest.approx(precision, nan_ok=True)


def test_marks_of_quotes_the_codebook_no_longer_finds_are_not_counted():
    _, scored = workbench()
    stale = [QuoteMark("w1", "accuracy", 0, 4, False)]
    assert quote_precision(quotes_of_analysis(scored), stale, ["accuracy"])["marked"].tolist() == [0]


def test_a_hits_table_is_counted_as_hits_and_labelled_so():
    _, scored = workbench()
    table = quote_precision(scored.hits, read_quote_marks(LABELS_A), ["accuracy"])
    assert table.columns.tolist()[:2] == ["theme", "hits"] and table["hits"].tolist() == [3]


def test_a_wrong_mark_on_any_hit_makes_its_quote_wrong():
    _, scored = workbench()
    found = quotes_of_analysis(scored)  # w1's accuracy quote holds "double check" (89-101) and "deprecated"
    deprecated = found.loc[(found["transcript_id"] == "w1") & (found["theme"] == "accuracy"), "hit_starts"].iloc[0]
    marks = [QuoteMark("w1", "accuracy", 89, 101, True), QuoteMark("w1", "accuracy", deprecated[1],
                                                                    deprecated[1] + 10, False)]
    table = quote_precision(found, marks, ["accuracy"])
    assert table[["quotes", "marked", "correct"]].values.tolist() == [[2, 1, 0]]


def test_term_precision_lists_marked_terms_only():
    _, scored = workbench()
    table = term_precision(quotes_of_analysis(scored), read_quote_marks(LABELS_A))
    assert table.values.tolist() == [["accuracy", "deprecated", 1, 0, 0.0], ["accuracy", "double check", 1, 1, 1.0],
                                     ["scheduling", "schedule", 1, 1, 1.0], ["worry", "double check", 1, 0, 0.0]]


# ---------------------------------------------------------------- agreement
def test_cohen_kappa_per_theme_over_transcripts_both_coded():
    _, scored = workbench()
    table = cohen_kappa(read_labels(LABELS_A), read_labels(LABELS_B), scored.codebook.theme_ids).set_index("theme")
    assert table["n"].tolist() == [2, 3, 2, 3]  # w3 is coded by coder-b only for scheduling and art
    assert table.loc["scheduling", "kappa"] == pytest.approx(1.0)
    assert table.loc["accuracy", "kappa"] == pytest.approx(0.0) and table.loc["accuracy", "agreement"] == 0.5
    assert math.isnan(table.loc["art", "kappa"])  # both coders: never present; kappa undefined


def labels_of(codes: list[bool]) -> Labels:
    return Labels("c", {f"t{i}": TranscriptLabel(None, frozenset({"x"} if c else ()), None)
                        for i, c in enumerate(codes)})


@pytest.mark.parametrize("yes_yes, yes_no, no_yes, no_no, kappa", [
    (20, 5, 10, 15, 0.4),         # the textbook example: observed 0.7, chance 0.5
    (10, 0, 0, 10, 1.0),
    (5, 5, 5, 5, 0.0),
    (0, 10, 10, 0, -1.0),
])
def test_cohen_kappa_matches_worked_examples(yes_yes, yes_no, no_yes, no_no, kappa):
    first = [True] * (yes_yes + yes_no) + [False] * (no_yes + no_no)
    second = [True] * yes_yes + [False] * yes_no + [True] * no_yes + [False] * no_no
    table = cohen_kappa(labels_of(first), labels_of(second), ["x"])
    assert table.loc[0, "kappa"] == pytest.approx(kappa)


# ---------------------------------------------------------------- an unsaved edit against the hand coding
# Edits of the workbench codebook, each changing what the preview scores in its own way
EDITS = {
    "add a term": ("terms: [schedule, calendar]", "terms: [schedule, calendar, tool]"),
    "remove a term": ("      - fear\n      - double check", "      - double check"),
    "add a theme": ("  - id: art\n", "  - id: tools\n    label: Tools\n    description: Tools.\n"
                                    "    terms: [tool, fear]\n  - id: art\n"),
    "remove a theme": ("  - id: worry\n    label: Worry\n    description: Fear.\n    terms:\n      - fear\n"
                       "      - double check\n", ""),
    "lower the default threshold (some pairs scored)": ("threshold: 88", "threshold: 85"),
    "min_hits alone (nothing scored)": ("  threshold: 88\n", "  threshold: 88\n  min_hits: 2\n"),
    "an occupation term": ("terms: [sysadmin, teacher]", "terms: [teacher]"),
    "the scope (the corpus scored again)": ("  threshold: 88\nthemes:\n", "  threshold: 88\n  scope: all\nthemes:\n"
                                            "  - id: asking\n    label: Asking\n    description: Questions.\n"
                                            "    terms: [feel]\n"),  # an interviewer's word (w1)
}
# w2 is not coded but holds a passage the codebook missed (it counts for recall); w9 is not in the data
SOME_LABELS = Labels("c", {"w1": TranscriptLabel("education", frozenset({"accuracy", "tools"}), None),
                           "w3": TranscriptLabel("other", frozenset({"scheduling"}), frozenset({"worry", "art"})),
                           "w9": TranscriptLabel(None, frozenset({"art"}), None)},
                     missed=(MissedPassage("w2", "scheduling", 0, 10),))


@pytest.mark.parametrize("labels", [SOME_LABELS, read_labels(LABELS_A)], ids=["some, missed", "all"])
@pytest.mark.parametrize("name", EDITS)
def test_an_edit_is_evaluated_from_its_preview_as_a_fresh_run_of_it(name, labels):
    """The preview's agreement reads only the labelled transcripts' rows, made from what the preview scored
    and the saved rows: the same evaluation as a fresh run of the edited codebook."""
    corpus, scored = workbench()
    old, new = EDITS[name]
    codebook = parse_codebook(CODEBOOK.read_text().replace(old, new, 1), source=str(CODEBOOK))
    assert old in CODEBOOK.read_text()
    fresh = analyse([TRANSCRIPTS], codebook=codebook, use_cache=False, workers=1)
    expected = evaluate(fresh.transcripts, fresh.themes, labels, codebook.theme_ids)
    edited = scored_preview(corpus, scored, codebook)[1]
    got = evaluate_edit(scored, edited, labels)
    for table in ("occupations", "themes", "missed"):
        pd.testing.assert_frame_equal(getattr(got, table), getattr(expected, table), obj=table)
    assert (got.n, got.occupation_accuracy, got.missing) == (expected.n, expected.occupation_accuracy,
                                                               expected.missing)
    named = [*labels.transcripts, *(passage.transcript for passage in labels.missed)]
    saved = scored.themes[scored.themes["transcript_id"].isin(named)].reset_index(drop=True)
    moved = edited.transcripts["occupation"].tolist() != scored.transcripts["occupation"].tolist()
    assert moved or not edited.themes_of(scored, named).equals(saved)  # the edit moved rows of these transcripts


# ---------------------------------------------------------------- threshold sweep and review queue
def test_threshold_sweep_moves_recall_and_quotes_with_the_threshold():
    corpus, scored = workbench()
    sweep = threshold_sweep(corpus, scored, read_labels(LABELS_A), read_quote_marks(LABELS_A), [80, 88, 96])
    scheduling = sweep[sweep["theme"] == "scheduling"].set_index("threshold")
    # quotes: w2's "calendar" and "schedule" are one (5, 4, 4 hits); at 80 `calandar` counts too
    assert scheduling["quotes"].tolist() == [4, 3, 3]
    assert scheduling["precision"].tolist() == [pytest.approx(2 / 3), 1.0, 1.0]  # w1 is not coded scheduling
    accuracy = sweep[sweep["theme"] == "accuracy"].set_index("threshold")
    # depreceated gone; w1's "double check" and "deprecated" are one quote (2 hits)
    assert accuracy.loc[96, "quotes"] == 1 and accuracy.loc[96, "quote_precision"] == 1.0
    summary = sweep_summary(sweep)
    assert list(summary.index) == [80.0, 88.0, 96.0] and summary.loc[96.0, "quotes"] == 6  # 8 hits


def test_review_queue_puts_the_most_doubtful_unmarked_quotes_first():
    _, scored = workbench()
    queue = review_queue(quotes_of_analysis(scored), scored.themes, read_quote_marks(LABELS_A), scored.codebook)
    # a row per quote: w1's accuracy quote is done (its "double check" is marked), w2's "calendar" and
    # "schedule" are one quote, as doubtful as its most doubtful hit
    assert queue[["transcript_id", "theme", "matched_text", "hits", "doubt"]].values.tolist() == [
        ["w1", "worry", "fear", 1, 0.5], ["w2", "scheduling", "calendar", 2, 0.5],
        ["w3", "scheduling", "schedules", 1, 0.333]]
    assert queue.loc[2, "reasons"] == "term precision 1/1"


def test_review_queue_raises_typos_and_lone_hits():
    _, scored = workbench()
    queue = review_queue(quotes_of_analysis(scored), scored.themes, [], scored.codebook).set_index(
        ["transcript_id", "theme", "start"])
    depreceated = queue.loc[("w2", "accuracy", 100)]
    assert depreceated["doubt"] == pytest.approx(0.5 + 4.8 / 25 + 0.25, abs=1e-3)
    assert depreceated["reasons"] == "term not yet checked; typo match 95.2; only hit of its theme here"


# ---------------------------------------------------------------- writing labels
@pytest.mark.parametrize("path", BENCHMARK_LABELS, ids=lambda p: p.name)
def test_the_canonical_layout_is_the_hand_written_one(path):
    assert render_labels(yaml.safe_load(path.read_text())) == path.read_text()


@pytest.fixture
def labels_copy(tmp_path):
    path = tmp_path / "labels.yaml"
    shutil.copy(LABELS_A, path)
    return path


def test_marking_a_new_transcript_writes_an_explicit_absent_list(labels_copy):
    before = labels_copy.read_text()
    mark_transcript(labels_copy, "w9", present=["worry"], absent=["art"], occupation="education")
    after = labels_copy.read_text()
    assert after.startswith(before.split("quotes:")[0])  # earlier entries untouched, byte for byte
    assert "  w9:\n    occupation: education\n    present: [worry]\n    absent: [art]\n" in after
    label = read_labels(labels_copy).transcripts["w9"]
    assert label.present == {"worry"} and label.absent == {"art"}
    assert len(read_quote_marks(labels_copy)) == 4


def test_marking_an_existing_transcript_moves_themes_between_lists(labels_copy):
    mark_transcript(labels_copy, "w1", absent=["worry"], present=["scheduling"])
    entry = yaml.safe_load(labels_copy.read_text())["transcripts"]["w1"]
    assert entry == {"occupation": "education", "present": ["accuracy", "scheduling"]}  # no absent list: implied
    mark_transcript(labels_copy, "w1", occupation="other")
    assert yaml.safe_load(labels_copy.read_text())["transcripts"]["w1"]["occupation"] == "other"


def test_a_transcript_coding_can_be_taken_back_and_quote_marks_stay(labels_copy):
    assert "w1" in read_labels(labels_copy).transcripts
    assert unmark_transcript(labels_copy, "w1")
    assert "w1" not in read_labels(labels_copy).transcripts and "w2" in read_labels(labels_copy).transcripts
    assert len(read_quote_marks(labels_copy)) == 4
    assert not unmark_transcript(labels_copy, "w1") and not unmark_transcript(labels_copy.parent / "none.yaml", "w1")


def test_quote_marks_are_added_replaced_and_removed_one_line_each(labels_copy):
    mark_quote(labels_copy, QuoteMark("w2", "scheduling", 54, 62, True, term="calendar"))
    assert labels_copy.read_text().endswith(
        "  - {transcript: w2, theme: scheduling, start: 54, end: 62, correct: true, term: calendar}\n")
    mark_quote(labels_copy, QuoteMark("w1", "accuracy", 89, 101, False))
    marks = {m.key: m.correct for m in read_quote_marks(labels_copy)}
    assert marks[("w1", "accuracy", 89, 101)] is False and len(marks) == 5
    unmark_quote(labels_copy, "w1", "accuracy", 89, 101)
    assert ("w1", "accuracy", 89, 101) not in {m.key for m in read_quote_marks(labels_copy)}


def test_marks_create_a_missing_labels_file(tmp_path):
    path = tmp_path / "new.yaml"
    mark_quote(path, QuoteMark("w1", "worry", 185, 189, True), coder="me")
    assert path.read_text() == ("coder: me\ntranscripts: {}\n"
                                "quotes:\n  - {transcript: w1, theme: worry, start: 185, end: 189, correct: true}\n")
    assert read_labels(path).transcripts == {}


def test_cli_evaluate_prints_every_report(tmp_path, capsys):
    from workbench_data import CODEBOOK, TRANSCRIPTS

    from core.cli.main import main
    assert main(["evaluate", "--labels", str(LABELS_A), str(LABELS_B), "--codebook", str(CODEBOOK), "--data",
                 str(TRANSCRIPTS), "--cache-dir", str(tmp_path), "--sweep", "80,88", "--queue", "2"]) == 0
    out = capsys.readouterr().out
    assert "labels: " in out and "(coder coder-a+coder-b)" in out and "theme macro F1" in out
    assert "quote precision (4 marked quotes):" in out
    assert "agreement (Cohen's kappa) coder-a" in out and "coder-b" in out
    assert "by threshold (macro averages over themes):" in out
    # the queue lists quotes: the one unmarked "double check" hit shares its sentence (its quote) with a marked
    # hit, so it is no longer queued, and unchecked terms come first
    assert "review next (most likely wrong first):" in out and "term not yet checked" in out
    assert "double check" not in out.split("review next")[1]
