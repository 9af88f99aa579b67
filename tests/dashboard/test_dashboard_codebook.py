"""AppTest: the Codebook page (validate, preview, save with history and drafts, one-click variants, hot reload),
the hand-coding controls on the Quotes and Transcript pages, and the hand-coding check. Every test works on a
temporary copy of the workbench codebook (tests/data/workbench), so nothing in the repository is written."""
import os
import re
import shutil
import string
import sys

import pytest
import yaml
from support import ROOT, run_app
from workbench_data import CODEBOOK, LABELS_A, LABELS_B, TRANSCRIPTS

from core.codebook.history import draft_path, list_versions
from core.codebook.model import MAX_CODEBOOK_BYTES, MAX_TERMS, MAX_THEMES

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture
def files(tmp_path):
    """A temporary codebook and the labels file the dashboard writes beside it."""
    codebook = tmp_path / "book" / "codebook.yaml"
    codebook.parent.mkdir()
    shutil.copy(CODEBOOK, codebook)
    return codebook, codebook.parent / "labels.yaml"


@pytest.fixture
def open_page(monkeypatch, tmp_path, files):
    """open_page(page, *extra_args, **query) -> an AppTest showing that page on the workbench corpus."""
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))

    def run(page="codebook", *extra, **query):
        monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(TRANSCRIPTS), "--codebook", str(files[0]),
                                          *map(str, extra)])
        return run_app(page, **query)
    return run


def edit(at, old: str, new: str):
    area = at.text_area(key="cb_editor")
    assert old in area.value, old
    area.input(area.value.replace(old, new, 1)).run()
    assert not at.exception, at.exception
    return at


def press(at, key: str):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def html_of(at) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def scored_with(at) -> str:
    """The version of the codebook the results on screen come from (the sidebar's data summary)."""
    line = next(m.value for m in at.sidebar.markdown if m.value.startswith("**Codebook:**"))
    return re.search(r"version (\S+) ", line).group(1)


def open_tab(at, name: str):
    at.session_state["cb-tab"] = name
    at.run()
    assert not at.exception, at.exception
    return at


# ---------------------------------------------------------------- validate, preview, save
def test_the_page_shows_the_saved_codebook_in_the_editor(open_page, files):
    at = open_page()
    assert at.title[0].value == "Codebook"
    assert at.text_area(key="cb_editor").value == files[0].read_text()
    assert "same as the saved file" in at.text_area(key="cb_editor").label


def test_validate_pins_each_problem_to_its_line_and_column(open_page):
    at = edit(open_page(), "  - id: art\n", "  - id: Bad Art\n")
    press(at, "cb-validate")
    assert "1 problem" in at.error[0].value
    line = next(m.value for m in at.markdown if m.value.startswith("**line "))
    number, column = map(int, re.match(r"\*\*line (\d+), column (\d+)\*\*", line).groups())
    assert number == 23 and column >= 1
    excerpt = next(c.value for c in at.code if "Bad Art" in c.value)
    assert "  23 |   - id: Bad Art" in excerpt and "^" in excerpt


def test_validate_says_valid(open_page):
    at = press(open_page(), "cb-validate")
    assert at.success[0].value.startswith("**Valid**: 4 themes, 2 occupation groups")


def test_preview_lists_the_quotes_gained_and_lost(open_page):
    at = edit(open_page(), "threshold: 88", "threshold: 85")  # `calandar` (87.5) now matches `calendar`
    at = edit(at, "      - fear\n", "")                        # and `fear` no longer counts for worry
    press(at, "cb-preview")
    text = markdown(at)
    assert "**Quotes gained: 1**" in text and "**Quotes lost: 1**" in text
    body = html_of(at)
    gained = body[body.index('data-testid="cb-quotes-gained"'):body.index('data-testid="cb-quotes-lost"')]
    assert re.search(r"<mark[^>]*>calandar</mark>", gained) and "Scheduling" in gained
    lost = body[body.index('data-testid="cb-quotes-lost"'):]
    assert re.search(r"<mark[^>]*>fear</mark>", lost) and "Worry" in lost
    per_theme = at.table[0].value
    assert set(per_theme["Theme"]) == {"Scheduling", "Worry"}
    assert "Quotes gained" in per_theme.columns and not [c for c in per_theme.columns if "_" in c]  # words


def test_a_preview_without_hand_coding_scores_only_what_the_diff_needs(open_page, monkeypatch):
    """The page previews as `workbench diff` does (only the pairs an edit can change): the whole edited analysis,
    which merges every reused row (seconds at 80,000 transcripts), is made only for agreement with hand coding."""
    from core.engine.rescore import CachedCorpus

    monkeypatch.setattr(CachedCorpus, "score", lambda *_, **__: pytest.fail("the whole edited analysis was made"))
    at = press(edit(open_page(), "threshold: 88", "threshold: 85"), "cb-preview")
    assert "**Quotes gained: 1**" in markdown(at) and not at.exception


def test_a_preview_of_an_earlier_text_is_not_shown_as_current(open_page):
    at = press(edit(open_page(), "threshold: 88", "threshold: 85"), "cb-preview")
    at = edit(at, "threshold: 85", "threshold: 86")
    assert "earlier text" in "\n".join(c.value for c in at.caption)
    assert "press **Preview** to see what this edit changes" in "\n".join(c.value for c in at.caption)


def test_save_makes_the_edit_active_and_keeps_the_previous_version(open_page, files):
    codebook = files[0]
    before = codebook.read_text()
    at = press(edit(open_page(), 'version: "w1"', 'version: "w2"'), "cb-save")
    assert 'version: "w2"' in codebook.read_text()
    versions = list_versions(codebook)
    assert len(versions) == 1 and versions[0].text() == before
    assert "Saved" in at.success[0].value
    assert "same as the saved file" in at.text_area(key="cb_editor").label
    assert scored_with(at) == "w2"


def test_an_invalid_save_is_kept_as_a_draft_and_never_made_active(open_page, files):
    codebook = files[0]
    before = codebook.read_text()
    at = press(edit(open_page(), "threshold: 88", "treshold: 88"), "cb-save")
    assert codebook.read_text() == before and not list_versions(codebook)
    assert "treshold: 88" in draft_path(codebook).read_text()
    assert "Not saved" in at.warning[0].value
    assert any(m.value.startswith("**line 4, column") for m in at.markdown)
    assert "treshold" in at.text_area(key="cb_editor").value  # the researcher's text is still there


def test_revert_to_saved_drops_the_edit_and_its_draft_warning(open_page, files):
    codebook = files[0]
    at = press(edit(open_page(), "threshold: 88", "treshold: 88"), "cb-save")
    assert any("draft that did not validate" in w.value for w in at.warning)
    at = press(at, "cb-revert")
    assert not draft_path(codebook).exists()
    assert not any("draft" in w.value for w in at.warning)
    assert at.text_area(key="cb_editor").value == codebook.read_text()


def test_without_a_browser_the_plain_text_area_is_the_editor(open_page):
    at = open_page()
    assert at.text_area(key="cb_editor").value and at.toggle(key="cb-plain").value is False


def _themes_over_the_limit(text: str) -> str:
    extra = "".join(f"  - id: extra_{i}\n    label: Extra {i}\n    description: d.\n    terms: [extra{i}]\n"
                    for i in range(MAX_THEMES))
    return text.replace("occupations:", extra + "occupations:", 1)


@pytest.mark.parametrize(("make", "limit"), [
    (lambda text: text + "# padding\n" * (MAX_CODEBOOK_BYTES // 10), f"{MAX_CODEBOOK_BYTES:,}-byte limit"),
    (_themes_over_the_limit, f"over the limit of {MAX_THEMES}")], ids=["bytes", "themes"])
def test_a_save_over_a_limit_is_refused_as_the_loader_would(open_page, files, make, limit):
    codebook = files[0]
    before = codebook.read_text()
    at = open_page()
    text = make(at.text_area(key="cb_editor").value)
    at.text_area(key="cb_editor").input(text).run()
    press(at, "cb-save")
    assert codebook.read_text() == before and not list_versions(codebook)
    assert not any("Saved" in s.value for s in at.success)
    assert "Not saved" in at.warning[0].value and "1 problem" in at.error[0].value
    assert any(limit in m.value for m in at.markdown)
    assert draft_path(codebook).read_text() == text


def test_a_version_can_be_restored(open_page, files):
    codebook = files[0]
    original = codebook.read_text()
    at = press(edit(open_page(), 'version: "w1"', 'version: "w2"'), "cb-save")
    press(at, "cb-version-restore")
    assert codebook.read_text() == original
    assert len(list_versions(codebook)) == 2


def test_the_edit_survives_a_page_switch(open_page):
    at = edit(open_page(), "threshold: 88", "threshold: 85")
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/codebook.py").run()
    assert "threshold: 85" in at.text_area(key="cb_editor").value
    assert "unsaved edit" in at.text_area(key="cb_editor").label


# ---------------------------------------------------------------- term report
def test_the_term_report_lists_terms_variants_lint_and_near_misses(open_page):
    at = open_tab(open_page(), "Terms")
    text = markdown(at)
    assert "**Terms** (12) on the 3 transcripts in view" in text and "**Near misses** (1)" in text
    terms = at.dataframe[1].value
    assert "depreceated 95.2" in terms.loc[terms["term"] == "deprecated", "variants"].iloc[0]
    lint = at.dataframe[0].value
    assert set(lint["rule"]) == {"silent-theme", "shared-occupation-term"}  # the default rules that fire here
    assert lint["line"].notna().all() and lint["column"].notna().all()


def test_the_term_report_follows_the_sidebar_filters_and_labels_its_codes(open_page):
    """The tester's case: "on 1,250 transcripts" when 36 matched, and raw ids in the near-miss table."""
    whole = open_tab(open_page(), "Terms").dataframe[1].value.set_index(["code", "term"])["transcripts"]
    at_terms = open_tab(open_page(occupation="education"), "Terms")
    text = markdown(at_terms)
    shown = re.search(r"\*\*Terms\*\* \(\d+\) on the (\d+) transcripts in view", text)
    assert shown and 0 < int(shown.group(1)) < 3 and "occupation: " in text
    narrowed = at_terms.dataframe[1].value.set_index(["code", "term"])["transcripts"]
    assert (narrowed <= whole.reindex(narrowed.index)).all() and narrowed.sum() < whole.sum()
    misses = at_terms.dataframe[2].value
    assert "term_index" not in misses and set(misses["theme or occupation"]) <= {"Scheduling", "Worry", "Accuracy",
                                                                                "Speed"}


def test_one_click_puts_a_near_miss_on_the_allow_list_as_an_unsaved_edit(open_page, files):
    at = open_tab(open_page(), "Terms")
    options = at.selectbox(key="cb-variant-").options
    assert options[0].startswith("calandar \u2192 calendar")
    press(at, "cb-allow")
    assert files[0].read_text() == CODEBOOK.read_text()  # not saved
    at = open_tab(at, "Edit and preview")
    assert "{term: calendar, allow: [calandar]}" in at.text_area(key="cb_editor").value
    press(at, "cb-preview")
    assert "**Quotes gained: 1**" in markdown(at)


def test_the_threshold_control_shows_what_would_change_and_sets_it_as_an_edit(open_page, files):
    at = open_tab(open_page(), "Terms")
    at.slider(key="cb-threshold").set_value(85).run()
    assert "**At 85**: 1 theme presences gained" in markdown(at)
    press(at, "cb-set-threshold")
    assert files[0].read_text() == CODEBOOK.read_text()  # not saved
    at = open_tab(at, "Edit and preview")
    assert at.text_area(key="cb_editor").value == CODEBOOK.read_text().replace("threshold: 88", "threshold: 85")
    press(at, "cb-preview")
    assert "**Quotes gained: 1**" in markdown(at)


# ---------------------------------------------------------------- hot reload
def test_an_outside_edit_shows_on_the_next_interaction(open_page, files):
    codebook = files[0]
    at = open_page()
    stamp = os.stat(codebook).st_mtime_ns
    codebook.write_text(codebook.read_text().replace('version: "w1"', 'version: "w9"'))
    os.utime(codebook, ns=(stamp, stamp))  # same size, same mtime: only the content tells
    at.run()
    assert not at.exception
    assert 'version: "w9"' in at.text_area(key="cb_editor").value
    assert scored_with(at) == "w9"


def test_an_invalid_outside_edit_shows_its_errors_and_keeps_the_last_results(open_page, files):
    codebook = files[0]
    at = open_page()
    codebook.write_text(codebook.read_text().replace("threshold: 88", "treshold: 88"))
    at.run()
    assert not at.exception
    assert "Showing the results of the last version" in at.error[0].value
    assert re.search(r"codebook\.yaml:4:\d+", at.code[0].value)
    assert scored_with(at) == "w1"
    assert "treshold" in at.text_area(key="cb_editor").value  # the editor follows the file to fix it


def test_an_outside_edit_never_overwrites_an_unsaved_edit(open_page, files):
    at = edit(open_page(), "threshold: 88", "threshold: 85")
    files[0].write_text(files[0].read_text().replace('version: "w1"', 'version: "w3"'))
    at.run()
    assert "threshold: 85" in at.text_area(key="cb_editor").value
    assert "changed on disk" in at.warning[0].value


def test_a_codebook_broken_from_the_start_can_be_fixed_on_the_page(open_page, files):
    files[0].write_text(files[0].read_text().replace("threshold: 88", "treshold: 88"))
    at = open_page()
    at = edit(at, "treshold: 88", "threshold: 88")
    press(at, "cb-save")
    assert "threshold: 88" in files[0].read_text()


# ---------------------------------------------------------------- hand coding
def test_marking_a_quote_writes_the_labels_file(open_page, files):
    at = open_page("quotes", sel_theme="scheduling")
    control = next(g for g in at.button_group if g.key.startswith("qm-w2|scheduling|"))
    control.set_value(False).run()
    assert not at.exception
    marks = yaml.safe_load(files[1].read_text())["quotes"]
    _, transcript, theme, start, end = re.split(r"[-|]", control.key, maxsplit=4)
    assert marks == [{"transcript": transcript, "theme": theme, "start": int(start), "end": int(end),
                      "correct": False, "term": marks[0]["term"]}]
    assert next(g for g in at.button_group if g.key == control.key).value is False
    next(g for g in at.button_group if g.key == control.key).set_value(None).run()
    assert yaml.safe_load(files[1].read_text())["quotes"] == []


def test_a_mark_the_labels_file_refuses_is_a_message_not_a_crash(open_page, files, monkeypatch):
    from core.errors import FileLockError
    from dashboard.workbench import marking

    at = open_page("quotes", sel_theme="scheduling")

    def held(*args, **kwargs):
        raise FileLockError("labels.yaml is being written by another session", hint="try again in a moment")

    monkeypatch.setattr(marking, "mark_quote", held)
    control = next(g for g in at.button_group if g.key.startswith("qm-w2|scheduling|"))
    control.set_value(True).run()
    assert not at.exception, at.exception
    assert any("Your mark was not saved" in e.value and "try again" in e.value for e in at.error)
    assert not files[1].exists() or "quotes" not in (yaml.safe_load(files[1].read_text()) or {})


def test_marking_a_transcript_writes_present_and_absent(open_page, files):
    at = open_page("transcript", transcript="w1")
    at.pills(key="hc-present-w1").set_value(["accuracy"])
    at.button(key="FormSubmitter:hc-w1-Save my coding").click().run()
    assert not at.exception
    entry = yaml.safe_load(files[1].read_text())["transcripts"]["w1"]
    assert entry["present"] == ["accuracy"] and set(entry["absent"]) == {"scheduling", "worry", "art"}
    assert entry["occupation"] == "education"
    at.run()  # the page now reads the coding back and offers to remove it
    at.button(key="hc-remove-w1").click().run()
    assert not at.exception
    assert "w1" not in (yaml.safe_load(files[1].read_text())["transcripts"] or {})


def test_the_hand_coding_check_shows_precision_recall_kappa_and_the_queue(open_page, tmp_path):
    mine = tmp_path / "mine.yaml"
    shutil.copy(LABELS_A, mine)
    at = open_tab(open_page("codebook", "--labels", mine, "--labels", LABELS_B), "Hand-coding check")
    scores = at.dataframe[0].value
    assert {"quote precision", "precision", "recall", "f1"} <= set(scores.columns)
    accuracy = scores.set_index("theme").loc["Accuracy"]
    assert accuracy["quotes marked"] == 2 and accuracy["quote precision"] == "0.50"
    assert "None" not in scores.astype(str).to_numpy()  # nothing to measure shows "—", not "None"
    kappa = at.dataframe[1].value
    assert list(kappa.columns[:3]) == ["theme", "n", "agreement"] and kappa["n"].max() > 0
    assert "doubt" in markdown(at)
    at.toggle(key="cb-sweep-on").set_value(True).run()
    assert not at.exception
    assert list(at.dataframe[2].value["threshold"]) == [80, 84, 88, 92, 96]


def test_the_preview_compares_with_the_hand_coding(open_page, tmp_path):
    mine = tmp_path / "mine.yaml"
    shutil.copy(LABELS_A, mine)
    at = press(edit(open_page("codebook", "--labels", mine), "threshold: 88", "threshold: 85"), "cb-preview")
    assert "Against your hand coding" in markdown(at)


def test_a_preview_with_hand_coding_scores_the_edit_once(open_page, tmp_path, monkeypatch):
    """Agreement with the hand coding reads the labelled transcripts' rows of what the preview scored: the
    whole edited analysis (the edit scored a second time, every reused row merged) is never made, and the
    numbers are those of a fresh run of the edited codebook."""
    from core import analyse, load_codebook, parse_codebook
    from core.engine.rescore import CachedCorpus
    from core.handcoding.evaluate import evaluate, read_labels

    mine = tmp_path / "mine.yaml"
    shutil.copy(LABELS_A, mine)
    monkeypatch.setattr(CachedCorpus, "score", lambda *_, **__: pytest.fail("the whole edited analysis was made"))
    at = press(edit(open_page("codebook", "--labels", mine), "threshold: 88", "threshold: 85"), "cb-preview")
    shown = next(m.value for m in at.markdown if m.value.startswith("Against your hand coding"))
    labels = read_labels(mine)
    saved, edited = (evaluate(run.transcripts, run.themes, labels, run.codebook.theme_ids).macro_averages()
                     for run in (analyse([TRANSCRIPTS], codebook=book, use_cache=False, workers=1) for book in (
                         load_codebook(CODEBOOK),
                         parse_codebook(CODEBOOK.read_text().replace("threshold: 88", "threshold: 85")))))
    assert saved != edited  # the edit moves the agreement
    for name, column in (("precision", "precision"), ("recall", "recall"), ("F1", "f1")):
        assert f"{name} {saved[column]:.3f} \u2192 **{edited[column]:.3f}**" in shown


# ---------------------------------------------------------------- saves that never overwrite
def _saved_elsewhere(at, files):
    """An edit begun on the page, then someone else saves the codebook, then Save."""
    at = edit(at, "threshold: 88", "threshold: 85")
    theirs = files[0].read_text().replace('version: "w1"', 'version: "w7"')
    files[0].write_text(theirs)
    return press(at, "cb-save"), theirs


def test_a_save_after_someone_else_saved_shows_the_conflict_and_overwrites_nothing(open_page, files):
    at, theirs = _saved_elsewhere(open_page(), files)
    assert files[0].read_text() == theirs and not list_versions(files[0])
    assert "Someone else saved the codebook since you began" in at.warning[0].value
    assert not any("Saved" in s.value for s in at.success)
    yours, their_code, base = (c.value for c in at.code[:3])  # the three tabs (st.code drops the last newline)
    assert "threshold: 85" in yours and 'version: "w1"' in yours
    assert their_code == theirs.rstrip("\n")
    assert base == CODEBOOK.read_text().rstrip("\n")
    assert "threshold: 85" in at.text_area(key="cb_editor").value  # the researcher's text is kept


def test_take_theirs_drops_the_edit_and_ends_the_conflict(open_page, files):
    at, theirs = _saved_elsewhere(open_page(), files)
    at = press(at, "cb-take-theirs")
    assert at.text_area(key="cb_editor").value == theirs
    assert not any("Someone else saved" in w.value for w in at.warning)
    assert files[0].read_text() == theirs


def test_save_mine_over_theirs_saves_and_keeps_theirs_in_history(open_page, files):
    at, theirs = _saved_elsewhere(open_page(), files)
    at = press(at, "cb-save-over")
    assert "threshold: 85" in files[0].read_text() and 'version: "w1"' in files[0].read_text()
    assert list_versions(files[0])[0].text() == theirs
    assert "Saved" in at.success[0].value
    assert not any("Someone else saved" in w.value for w in at.warning)


def test_save_mine_over_theirs_is_refused_again_when_the_file_changed_once_more(open_page, files):
    at, theirs = _saved_elsewhere(open_page(), files)
    again = theirs.replace('version: "w7"', 'version: "w8"')
    files[0].write_text(again)
    at = press(at, "cb-save-over")
    assert files[0].read_text() == again
    assert "Someone else saved the codebook since you began" in at.warning[0].value
    assert at.code[1].value == again.rstrip("\n")


def test_a_restore_never_overwrites_a_save_the_page_has_not_shown(open_page, files):
    at = press(edit(open_page(), 'version: "w1"', 'version: "w2"'), "cb-save")
    newer = files[0].read_text().replace('version: "w2"', 'version: "w9"')
    files[0].write_text(newer)  # saved elsewhere after this page last read the file
    at = press(at, "cb-version-restore")
    assert files[0].read_text() == newer
    assert "Not restored" in at.warning[0].value
    assert 'version: "w9"' in at.text_area(key="cb_editor").value  # the page now shows their text


# ---------------------------------------------------------------- what a page sends, with the largest codebook
ELEMENT_BYTES = 10_000_000  # Streamlit refuses a message over 200 MB (server.maxMessageSize)


def _pseudo_word(number: int) -> str:
    letters = ""
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters += string.ascii_lowercase[digit]
    return "zq" + letters


def _largest_codebook(folder) -> None:
    """MAX_THEMES themes and MAX_THEMES occupation groups with MAX_TERMS terms between them, and MAX_THEMES
    transcripts, each of one group, raising every theme: every chart and table at its largest."""
    per_theme = (MAX_TERMS - 5 * MAX_THEMES) // MAX_THEMES
    def code(kind: str, i: int, first: int, count: int) -> str:
        terms = ", ".join(f"{{term: {_pseudo_word(first + j)}, exact: true}}" for j in range(count))
        return f"  - id: {kind}{i}\n    label: {kind} {i}\n    description: d\n    terms: [{terms}]\n"
    themes = "".join(code("t", i, i * per_theme, per_theme) for i in range(MAX_THEMES))
    groups = "".join(code("o", i, 500_000 + 5 * i, 5) for i in range(MAX_THEMES))
    (folder / "codebook.yaml").write_text(f"name: largest\nsettings:\n  occupation: {{titles: ''}}\n"
                                          f"themes:\n{themes}occupations:\n{groups}")
    said = " ".join(_pseudo_word(i * per_theme) for i in range(MAX_THEMES))
    (folder / "transcripts").mkdir()
    for i in range(MAX_THEMES):
        (folder / "transcripts" / f"p{i}.txt").write_text(
            f"Assistant: Tell me.\n\nUser: I am {_pseudo_word(500_000 + 5 * i)}. {said}.\n")


def _element_sizes(node):
    """The serialised size of every element under a node of an AppTest's tree."""
    if hasattr(node, "children"):
        for child in node.children.values():
            yield from _element_sizes(child)
    elif getattr(node, "proto", None) is not None:
        yield node.proto.ByteSize()


def test_no_element_grows_past_a_bound_with_the_largest_codebook_allowed(monkeypatch, tmp_path):
    _largest_codebook(tmp_path)
    monkeypatch.setenv("THEMESCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(tmp_path / "transcripts"), "--codebook",
                                      str(tmp_path / "codebook.yaml")])
    at = run_app("overview")
    assert max(_element_sizes(at._tree)) < ELEMENT_BYTES  # the occupation x theme and co-occurrence charts
    at.switch_page("pages/codebook.py").run()
    at = open_tab(at, "Terms")
    assert "**Terms** (" in markdown(at)
    assert max(_element_sizes(at._tree)) < ELEMENT_BYTES  # the term report: a row per term
