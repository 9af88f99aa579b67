import functools
import http.server
import socket
import sys
import threading

import pandas as pd
import pytest
from support import DATA, ROOT, SEEDS

from core.cli.main import main


def test_score_writes_the_three_tables_parquet_copies_and_the_report(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["score", "--data", str(DATA / "folder"), "--data", str(SEEDS), "--codebook",
                 str(DATA / "tiny_codebook.yaml"), "--out", str(out), "--cache-dir", str(tmp_path / "c")])
    assert code == 0
    transcripts = pd.read_csv(out / "transcripts.csv")
    assert list(transcripts.columns[:6]) == ["transcript_id", "source", "occupation", "occupation_evidence",
                                             "occupation_confidence", "participant_words"]
    assert set(transcripts["transcript_id"]) == {"alpha_01", "bravo", "cp1252", "nolabels", "work_0188",
                                                 "work_0529"}
    themes = pd.read_csv(out / "themes.csv")
    assert list(themes.columns) == ["transcript_id", "theme", "hits", "score", "per_1k_words", "present"]
    assert len(themes) == 6 * 4 and set(themes["present"]) <= {0, 1}
    hits = pd.read_csv(out / "hits.csv")
    assert list(hits.columns) == ["transcript_id", "turn", "speaker", "theme", "term", "matched_text", "start",
                                  "end", "similarity", "passage_start", "passage_end", "turn_start", "turn_end"]
    assert "depreceated" in set(hits["matched_text"])
    for name in ("transcripts", "themes", "hits"):
        assert len(pd.read_parquet(out / f"{name}.parquet")) == len(pd.read_csv(out / f"{name}.csv"))
    assert "empty file skipped" in (out / "load_report.txt").read_text()
    printed = capsys.readouterr().out
    assert "Share of transcripts raising each theme, by occupation" in printed and "it_software" in printed


def test_the_progress_bar_on_a_terminal_starts_no_thread(monkeypatch):
    # a second thread makes the engine start its workers through a fork server: half a second more per run
    from core.cli.scoring import progress_bar
    from core.engine.executor import safe_start_method

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    before = threading.active_count()
    with progress_bar() as bar:
        bar.update(250)
        assert threading.active_count() == before
        if before == 1:
            assert safe_start_method() == "fork"


def test_score_with_a_broken_codebook_prints_the_problem_and_no_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nthemes: 3\n")
    assert main(["score", "--data", str(DATA / "folder"), "--codebook", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:9" in err and "Traceback" not in err


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def dataset_server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    for name in ("workforce", "creatives", "scientists"):
        (served / f"{name}_transcripts.csv").write_text(f"transcript_id,text\n{name}_1,\"User: hello\"\n")
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_download_fetches_the_three_csvs_from_a_server(dataset_server, tmp_path, capsys):
    out = tmp_path / "public"
    assert main(["download", "--out", str(out), "--url", dataset_server]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["creatives_transcripts.csv", "scientists_transcripts.csv",
                                                     "workforce_transcripts.csv"]
    assert "creatives_1" in (out / "creatives_transcripts.csv").read_text()
    assert "themescope score --data" in capsys.readouterr().out


def test_download_of_a_missing_file_says_so(dataset_server, tmp_path, capsys):
    assert main(["download", "--out", str(tmp_path / "p"), "--url", dataset_server + "/nowhere"]) == 2
    assert "HTTP 404" in capsys.readouterr().err
    assert not list((tmp_path / "p").glob("*.csv"))  # no truncated files left behind


def test_download_offline_gives_a_clear_message(tmp_path, capsys):
    with socket.socket() as s:  # a port nothing listens on: connection refused, like an offline machine
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["download", "--out", str(tmp_path / "p"), "--url", f"http://127.0.0.1:{port}"]) == 2
    assert "looks offline" in capsys.readouterr().err


def test_the_command_freezes_what_is_left_before_the_process_ends(monkeypatch, capsys):
    # the interpreter's collections at exit would walk every object of a large run once more
    import gc

    from core.cli.main import run

    monkeypatch.setattr(sys, "argv", ["themescope", "validate", str(DATA / "tiny_codebook.yaml")])
    try:
        with pytest.raises(SystemExit) as ended:
            run()
        assert ended.value.code == 0 and gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
    assert "valid" in capsys.readouterr().out


def test_python_dash_m_core_is_the_same_cli():
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-m", "core", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and "score" in run.stdout and "download" in run.stdout


def test_starting_the_command_imports_only_what_every_command_needs():
    """Every command starts by building the parser (`--help` is nothing more): no command's libraries and
    nothing only a crash report uses (tempfile, traceback) may be imported on that path."""
    import subprocess
    code = ("import sys\nfrom core.cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sys.modules), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert not set(run.stderr.split()) & {"pydantic", "yaml", "numpy", "pandas", "tempfile", "traceback"}


def test_score_streamed_prints_the_in_memory_summary_from_the_parts_and_no_big_copies(tmp_path, capsys,
                                                                                     monkeypatch):
    from core.cli import scoring

    arguments = ["score", "--data", str(DATA / "folder"), "--data", str(SEEDS), "--no-cache"]
    assert main([*arguments, "--out", str(tmp_path / "memory")]) == 0
    in_memory = capsys.readouterr().out
    monkeypatch.setattr(scoring, "COPIES_UP_TO", 0)
    assert main([*arguments, "--out", str(tmp_path / "streamed"), "--results", str(tmp_path / "parts")]) == 0
    streamed = capsys.readouterr().out
    assert "Share of transcripts raising each theme (95% interval)" in streamed
    assert f"parquet parts in {tmp_path / 'parts'}/" in streamed and "no CSV copies above 0 transcripts" in streamed
    assert streamed.split("(95% interval):")[1] == in_memory.split("(95% interval):")[1]  # both tables
    assert sorted(p.name for p in (tmp_path / "streamed").iterdir()) == ["load_report.txt", "transcripts.csv",
                                                                        "transcripts.parquet"]
    assert len(pd.read_parquet(tmp_path / "parts" / "hits")) == len(pd.read_csv(tmp_path / "memory" / "hits.csv"))
