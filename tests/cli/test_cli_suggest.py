"""`themescope suggest`: per theme, a table of candidate terms learned from the labels (tests/data/suggest)."""
import pytest
from support import DATA

from core.cli.main import main

SUGGEST = DATA / "suggest"
DATA_OPTIONS = ["--data", str(SUGGEST / "transcripts"), "--codebook", str(SUGGEST / "codebook.yaml"), "--no-cache"]


def test_suggest_prints_a_table_per_theme_with_counts_gains_and_quotes(capsys):
    code = main(["suggest", "--labels", str(SUGGEST / "labels.yaml"), "--theme", "speed", "--top", "3",
                 *DATA_OPTIONS])
    assert code == 0
    out = capsys.readouterr().out
    assert "speed: 4 transcripts coded present, 4 coded absent" in out
    first = next(line for line in out.splitlines() if line.startswith("  deadline "))
    assert first.split()[2:7] == ["4", "0", "4", "3", "0"]  # present, absent, corpus, +found, +wrong
    assert "“I hit every deadline.” (p2)" in out
    assert "garden:" not in out  # --theme narrows


def test_without_theme_every_theme_gets_a_table(capsys):
    assert main(["suggest", "--labels", str(SUGGEST / "labels.yaml"), *DATA_OPTIONS]) == 0
    out = capsys.readouterr().out
    assert "speed: 4 transcripts coded present" in out and "garden: 0 transcripts coded present" in out
    assert "no candidate separates them" in out


@pytest.mark.parametrize("extra, message", [
    (["--theme", "nope"], "--theme: no theme nope"),
    (["--top", "0"], "--top 0: must be 1 or more"),
])
def test_bad_options_are_one_line_errors(capsys, extra, message):
    assert main(["suggest", "--labels", str(SUGGEST / "labels.yaml"), *extra, *DATA_OPTIONS]) == 2
    assert message in capsys.readouterr().err


def test_a_broken_labels_file_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("transcripts: {}\nmissed:\n  - {transcript: p1, theme: speed}\n")
    assert main(["suggest", "--labels", str(bad), *DATA_OPTIONS]) == 2
    assert "missed passage without start, end" in capsys.readouterr().err
