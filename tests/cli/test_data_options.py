"""Every command that reads transcripts takes the same data options, declared once in core/cli/options.py:
a table whose columns are not called transcript_id/text loads with --id-column/--text-column everywhere."""
import sys

import pytest
from support import DATA

from core.cli.main import build_parser, main
from core.cli.options import analyse_arguments, app_arguments
from core.cli.scoring import dashboard_command
from core.ingest.loaders import LoadOptions
from dashboard.frame.loading import Sources, sources_from_argv

CODEBOOK = DATA / "tiny_codebook.yaml"
ROWS = {"it_1": "I'm a sysadmin and I double check every script. My calendar is full.",
        "it_2": "Sysadmin here. I schedule backups and I double check logs.",
        "edu_1": "I am a teacher. In the classroom I fear misinformation."}


@pytest.fixture
def renamed(tmp_path):
    """A CSV whose id and text columns are `respondent` and `body`."""
    table = tmp_path / "renamed.csv"
    table.write_text("respondent,body\n" + "".join(f'{k},"User: {v}"\n' for k, v in ROWS.items()))
    return table


@pytest.fixture
def labels(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text("coder: me\ntranscripts:\n  it_1: {present: [accuracy, scheduling]}\n"
                    "  edu_1: {present: [worry]}\n")
    return path


def command_line(command: str, renamed, tmp_path, labels) -> list[str]:
    data = ["--data", str(renamed), "--id-column", "respondent", "--text-column", "body", "--cache-dir",
            str(tmp_path / "cache")]
    return {"score": ["score", *data, "--codebook", str(CODEBOOK), "--out", str(tmp_path / "out")],
            "report": ["report", *data, "--codebook", str(CODEBOOK), "--out", str(tmp_path / "r.html")],
            "lint": ["lint", *data, "--codebook", str(CODEBOOK)],
            "terms": ["terms", *data, "--codebook", str(CODEBOOK)],
            "diff": ["diff", str(CODEBOOK), str(CODEBOOK), *data],
            "evaluate": ["evaluate", "--labels", str(labels), *data, "--codebook", str(CODEBOOK), "--queue", "0"],
            }[command]


@pytest.mark.parametrize("command, printed", [
    ("score", "3 transcripts"), ("report", "3 of 3 transcripts"), ("lint", "on 3 transcripts"),
    ("terms", "double check"), ("diff", "on 3 transcripts"), ("evaluate", "(coder me)"),
])
def test_every_command_reads_a_table_with_other_column_names(command, printed, renamed, tmp_path, labels, capsys):
    assert main(command_line(command, renamed, tmp_path, labels)) in (0, 1)  # lint: 1 = findings
    captured = capsys.readouterr()
    assert printed in captured.out, captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("command", ["score", "report", "terms"])
def test_without_the_column_options_the_same_table_loads_nothing(command, renamed, tmp_path, labels, capsys):
    argv = [w for w in command_line(command, renamed, tmp_path, labels)
            if w not in ("--id-column", "respondent", "--text-column", "body")]
    code = main(argv)
    captured = capsys.readouterr()
    assert code in (1, 2) and "3 transcripts" not in captured.out


def test_the_data_options_become_the_arguments_of_analyse(tmp_path):
    args = build_parser().parse_args(["report", "--data", "a.csv", "--data", "b", "--metadata", "m.csv",
                                      "--id-column", "rid", "--text-column", "body", "--no-cache", "--out", "r"])
    assert analyse_arguments(args) == {"paths": ["a.csv", "b"], "metadata": ["m.csv"],
                                       "options": LoadOptions("rid", "body"), "cache_dir": None,
                                       "use_cache": False}


def test_diff_takes_the_data_options_but_two_codebooks_instead_of_codebook():
    args = build_parser().parse_args(["diff", "old.yaml", "new.yaml", "--text-column", "body"])
    assert (args.old, args.new, args.text_column) == ("old.yaml", "new.yaml", "body")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["diff", "old.yaml", "new.yaml", "--codebook", "x.yaml"])


def test_dashboard_passes_the_data_options_to_the_app(tmp_path):
    args = build_parser().parse_args(["dashboard", "--data", str(tmp_path / "t.csv"), "--codebook",
                                      str(CODEBOOK), "--id-column", "rid", "--text-column", "body",
                                      "--cache-dir", str(tmp_path / "c"), "--labels", str(tmp_path / "l.yaml")])
    command = dashboard_command(args)
    assert command[command.index("--client.showErrorDetails") + 1] == "none"
    assert command[command.index("--runner.postScriptGC") + 1] == "false"  # see .streamlit/config.toml
    assert command[command.index("--client.showSidebarNavigation") + 1] == "false"
    app_argv = command[command.index("--") + 1:]
    assert sources_from_argv(app_argv) == Sources((str(tmp_path / "t.csv"),), (), str(CODEBOOK), "rid", "body",
                                                  str(tmp_path / "c"), True)
    assert app_argv[-2:] == ["--labels", str(tmp_path / "l.yaml")]


def test_the_dashboard_loads_a_table_with_other_column_names(renamed, tmp_path, monkeypatch):
    from support import run_app
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(renamed), "--codebook", str(CODEBOOK),
                                      "--id-column", "respondent", "--text-column", "body",
                                      "--cache-dir", str(tmp_path / "cache")])
    at = run_app("overview")
    assert any("**3 transcripts loaded**" in m.value for m in at.sidebar.markdown)
    assert (tmp_path / "cache").is_dir()  # --cache-dir reached the engine


def test_evaluate_accepts_labels_as_one_list_or_repeated():
    parse = build_parser().parse_args
    assert parse(["evaluate", "--labels", "a", "b", "c"]).labels == ["a", "b", "c"]
    assert parse(["evaluate", "--labels", "a", "--labels", "b", "--labels", "c"]).labels == ["a", "b", "c"]
    assert parse(["evaluate", "--labels", "a", "b", "--labels", "c"]).labels == ["a", "b", "c"]


def test_attributes_become_a_load_option_and_reach_the_dashboard(tmp_path):
    args = build_parser().parse_args(["score", "--data", "a.csv", "--attributes", "region, wave", "--out", "o"])
    assert analyse_arguments(args)["options"] == LoadOptions(attributes=("region", "wave"))
    assert build_parser().parse_args(["lint"]).attributes is None  # default: the first 50 columns
    app_argv = app_arguments(build_parser().parse_args(["dashboard", "--attributes", "region,wave"]))
    assert app_argv[app_argv.index("--attributes") + 1] == "region,wave"
    assert sources_from_argv(app_argv).options == LoadOptions(attributes=("region", "wave"))  # the app keeps it
    assert sources_from_argv([*app_argv[:-2], "--attributes", ""]).options.attributes == ()


def test_score_keeps_only_the_chosen_attributes(tmp_path):
    table = tmp_path / "extra.csv"
    table.write_text("respondent,body,region,wave,note\n" + "".join(
        f'{k},"User: {v}",EU,{i},n{i}\n' for i, (k, v) in enumerate(ROWS.items())))
    argv = ["score", "--data", str(table), "--id-column", "respondent", "--text-column", "body", "--no-cache",
            "--codebook", str(CODEBOOK), "--out", str(tmp_path / "out")]
    assert main([*argv, "--attributes", "wave,missing"]) == 0
    columns = (tmp_path / "out" / "transcripts.csv").read_text().splitlines()[0].split(",")
    assert "wave" in columns and "region" not in columns and "note" not in columns
    report = (tmp_path / "out" / "load_report.txt").read_text()
    assert "extra.csv: no column(s) missing (named by --attributes)" in report
