"""The CLI's one error boundary (core/cli/main.py): a ThemescopeError is one message and a fix, exit 2; a bug
is one line naming a log file that holds the traceback, exit 70; Ctrl-C is one line, exit 130."""
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from support import DATA, ROOT
from workbench_data import CODEBOOK as WORKBENCH_CODEBOOK
from workbench_data import LABELS_A, LABELS_B, TRANSCRIPTS

import core.cli.scoring
from core.cli.main import main
from core.errors import CodebookError, LabelsError, OutputError, Problem, ThemescopeError, UsageError

CODEBOOK = DATA / "tiny_codebook.yaml"


def score(out, tmp_path) -> int:
    return main(["score", "--data", str(DATA / "folder"), "--codebook", str(CODEBOOK), "--out", str(out),
                 "--cache-dir", str(tmp_path / "cache")])


def report(out, tmp_path) -> int:
    return main(["report", "--data", str(DATA / "folder"), "--codebook", str(CODEBOOK), "--out", str(out),
                 "--cache-dir", str(tmp_path / "cache")])


@pytest.mark.parametrize("run, make, problem", [
    (score, lambda p: (p.write_text("x"), p)[1], "is a file, not a folder"),
    (score, lambda p: (p.write_text("x"), p / "below")[1], "a part of this path is a file"),
    (report, lambda p: (p.mkdir(), p)[1], "is a folder, not a file"),
    (report, lambda p: (p.write_text("x"), p / "r.html")[1], "a part of this path is a file"),
])
def test_an_unusable_out_is_a_message_naming_it_before_any_work(run, make, problem, tmp_path, capsys):
    out = make(tmp_path / "taken")
    assert run(out, tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"themescope: --out {out}: {problem}") and "\nFix: " in err
    assert "Traceback" not in err
    assert not (tmp_path / "cache").exists()  # checked before the scoring started


def test_a_sweep_value_that_is_not_a_number_is_named(tmp_path, capsys):
    code = main(["evaluate", "--labels", str(LABELS_A), "--codebook", str(WORKBENCH_CODEBOOK), "--data",
                 str(TRANSCRIPTS), "--cache-dir", str(tmp_path), "--sweep", "80,abc"])
    err = capsys.readouterr().err
    assert code == 2 and "'abc' is not a number" in err and "Fix: " in err and "Traceback" not in err


def test_a_sweep_value_out_of_range_is_named(tmp_path, capsys):
    code = main(["evaluate", "--labels", str(LABELS_A), "--codebook", str(WORKBENCH_CODEBOOK), "--data",
                 str(TRANSCRIPTS), "--cache-dir", str(tmp_path), "--sweep", "80,180"])
    assert code == 2 and "180 is not a threshold" in capsys.readouterr().err


def test_repeated_labels_use_every_file(tmp_path, capsys):
    assert main(["evaluate", "--labels", str(LABELS_A), "--labels", str(LABELS_B), "--codebook",
                 str(WORKBENCH_CODEBOOK), "--data", str(TRANSCRIPTS), "--cache-dir", str(tmp_path),
                 "--queue", "0"]) == 0
    out = capsys.readouterr().out
    assert f"labels: {LABELS_A}, {LABELS_B} (coder coder-a+coder-b)" in out
    assert "agreement (Cohen's kappa) coder-a" in out


def failing(exc):
    def run(args):
        raise exc
    return run


def test_an_error_with_a_hint_prints_the_message_then_the_fix(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(core.cli.scoring, "run_score", failing(UsageError("--thing 3: too many", hint="use 2")))
    assert score(tmp_path / "out", tmp_path) == 2
    assert capsys.readouterr().err == "themescope: --thing 3: too many\nFix: use 2\n"


def test_an_unexpected_error_is_one_line_and_a_log_with_the_traceback(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(core.cli.scoring, "run_score", failing(RuntimeError("the bug's own words")))
    assert score(tmp_path / "out", tmp_path) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "the bug's own words" not in err
    assert err.startswith("themescope: unexpected error (RuntimeError); the details are in ")
    log = err.split("the details are in ")[1].strip()
    assert log.startswith(str(tmp_path / "themescope-logs")) and log.endswith(".log")
    text = Path(log).read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: the bug's own words" in text
    assert "command: themescope score --data" in text


def test_when_no_log_can_be_written_the_traceback_is_printed(monkeypatch, tmp_path, capsys):
    (tmp_path / "themescope-logs").write_text("a file where the log folder would go")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(core.cli.scoring, "run_score", failing(RuntimeError("lost?")))
    assert score(tmp_path / "out", tmp_path) == 70
    assert "RuntimeError: lost?" in capsys.readouterr().err


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(core.cli.scoring, "run_score", failing(KeyboardInterrupt()))
    assert score(tmp_path / "out", tmp_path) == 130
    assert capsys.readouterr().err == "themescope: interrupted\n"


def test_errors_keep_message_hint_and_problems_across_processes():
    error = pickle.loads(pickle.dumps(OutputError("--out x: is a file", hint="choose a folder")))
    assert (type(error), str(error), error.hint) == (OutputError, "--out x: is a file", "choose a folder")
    problems = [Problem("c.yaml", "unknown key", line=2, column=1, hint="remove it")]
    codebook_error = pickle.loads(pickle.dumps(CodebookError(problems)))
    assert codebook_error.problems == problems and str(codebook_error) == "c.yaml:2:1: unknown key. Fix: remove it"
    assert ThemescopeError("plain").hint is None


def test_the_moved_errors_are_still_importable_from_their_old_modules():
    from core.errors import ChartImageError
    from core.handcoding.evaluate import LabelsError as old_labels_error
    from core.share.images import ChartImageError as old_chart_error
    assert old_labels_error is LabelsError and old_chart_error is ChartImageError
    assert issubclass(LabelsError, ThemescopeError) and issubclass(ChartImageError, ThemescopeError)


def test_help_works_as_a_module_and_lists_every_command():
    run = subprocess.run([sys.executable, "-m", "core", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0
    for command in ("score", "validate", "download", "dashboard", "lint", "terms", "diff", "evaluate", "report"):
        assert command in run.stdout
