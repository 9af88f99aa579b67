"""`themescope score`, `validate`, `download` and `dashboard`: scoring a corpus and everything around it.

    themescope score --data transcripts.csv --text-column body --out results
    themescope dashboard --data transcripts.csv --text-column body
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from core.cli.options import (
    DEFAULT_CODEBOOK,
    PROJECT_ROOT,
    add_data_options,
    analyse_arguments,
    app_arguments,
    output_folder,
    write_failed,
)
from core.errors import UsageError

COPIES_UP_TO = 100_000  # transcripts: a streamed run larger than this writes no CSV copies of its big tables


def add_commands(commands) -> None:
    _add_score(commands)
    _add_validate(commands)
    _add_download(commands)
    _add_dashboard(commands)


# ---------------------------------------------------------------- score
def _add_score(commands) -> None:
    parser = commands.add_parser("score", help="score transcripts against a codebook and write tables")
    add_data_options(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the output tables")
    parser.add_argument("--workers", type=int, help="processes to use (default: up to 2)")
    parser.add_argument("--executor", choices=("processes", "dask"), default="processes",
                        help="where shards are scored: local processes, or a Dask cluster (themescope[cluster])")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="with --executor dask: the scheduler to use, e.g. "
                        "tcp://10.0.0.5:8786 (default: a local cluster of --workers processes)")
    parser.add_argument("--results", metavar="URL", help="stream the run: the folder (or, with --executor dask, "
                        "URL such as s3://) the themes, hits and cancelled tables go to, a parquet file per batch "
                        "(default with dask, --stream or a corpus over 1 GB: DIR/parts of --out); no CSV copies of "
                        "them. A local folder is copied from the cache, where the run is kept for the next one")
    parser.set_defaults(run=run_score)


def run_score(args: argparse.Namespace) -> int:
    from core.codebook.model import load_codebook
    from core.engine.executor import reuse_freed_memory
    from core.engine.pipeline import analyse

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: needs at least 1 process", hint="e.g. --workers 2")
    out = output_folder(args.out)  # before the scoring: a bad --out should not cost a whole run
    codebook = load_codebook(args.codebook)
    parts = _parts_folder(args, out)
    arguments = {**analyse_arguments(args), "results": _scored_into(args, parts)}
    reuse_freed_memory()  # a one-off process: each batch's texts (~9 MB) packed and pickled in reused memory
    with _executor(args) as executor, progress_bar() as bar:
        analysis = analyse(codebook=codebook, **arguments, workers=args.workers, executor=executor,
                           on_progress=bar.update)
    analysis = _with_parts_in(analysis, parts)
    if analysis.transcripts.empty:
        write_tables(analysis, out)
        _print_report(analysis)
        print(f"0 transcripts (cache: {analysis.cached}); tables in {out}/")
        return 1
    hits, by_theme, by_occupation = _summaries_while(lambda: write_tables(analysis, out), analysis)
    _print_report(analysis)
    print(f"{len(analysis.transcripts):,} transcripts, {hits:,} hits (cache: {analysis.cached}); tables in {out}/")
    if analysis.streamed:
        copies = "" if _copies_written(analysis) else f"; no CSV copies above {COPIES_UP_TO:,} transcripts"
        print(f"themes, hits and cancelled are parquet parts in {analysis.parts}/ (a file per batch{copies}): "
              "open the folder with DuckDB, pandas or pyarrow")
    print("\nShare of transcripts raising each theme (95% interval):")
    print(_format_intervals(by_theme))
    print("\nShare of transcripts raising each theme, by occupation:")
    print(_format_prevalence(by_occupation))
    return 0


def _print_report(analysis) -> None:
    for line in analysis.report.lines():
        print(line, file=sys.stderr)


def _summaries_while(write: Callable[[], None], analysis) -> tuple[int, object, object]:
    """`write()`, and the hit count and the two summary tables: from the tables in memory after it, or, for a
    streamed run, by DuckDB SQL over its parts (never loading its hits) on another thread while it runs.
    DuckDB lets go of the GIL, so at a million transcripts its few seconds pass while pandas writes the
    transcripts table instead of after it with one core idle. Its view of the transcripts is taken before
    the thread starts: no pandas table is read by two threads at once."""
    if not analysis.streamed:
        from core.views.aggregates import prevalence_by_occupation, theme_prevalence

        write()
        return (len(analysis.hits), theme_prevalence(analysis.transcripts, analysis.themes),
                prevalence_by_occupation(analysis.transcripts, analysis.themes))
    from concurrent.futures import ThreadPoolExecutor

    from core.views.parts_sql import PartsSummary

    with PartsSummary(analysis) as summary, ThreadPoolExecutor(1) as summarising:
        counted = summarising.submit(lambda: (summary.hit_count(), summary.theme_prevalence(),
                                              summary.prevalence_by_occupation()))
        write()
        return counted.result()


def _parts_folder(args: argparse.Namespace, out: Path) -> str | None:
    """Where a streamed run's parts end up: --results, else DIR/parts of --out with --stream, Dask or a corpus
    over the engine's size for streaming; None keeps the tables in memory."""
    from core.engine.pipeline import streams

    if args.results:
        return args.results
    streamed = args.stream or args.executor == "dask" or streams(analyse_arguments(args)["paths"])
    return str(out / "parts") if streamed else None


def _scored_into(args: argparse.Namespace, parts: str | None) -> str | None:
    """The `results` of `analyse`: a streamed run goes into the cache ("": its results folder), where a later
    `score` or dashboard opens it without scoring, and is copied to `parts` after; a URL (workers write there
    themselves) or --no-cache is written straight to `parts`."""
    from core.ingest.sources import is_url

    if parts is None or args.no_cache or is_url(parts):
        return parts
    return ""


def _with_parts_in(analysis, parts: str | None):
    """The analysis with its parts in `parts`, copied there from the cache when it was scored into (or opened
    from) the cache; OutputError when the copy cannot be written."""
    if parts is None or not analysis.streamed or analysis.parts == parts:
        return analysis
    from core.engine.parts import copy_parts

    try:
        copy_parts(analysis.parts, parts, analysis.batches)
    except OSError as exc:
        raise write_failed(Path(parts), exc) from None
    return analysis.described(parts=parts)


def _executor(args: argparse.Namespace):
    """The executor `score` runs on: None (the engine's own pool) or a Dask cluster, closed after the run."""
    if args.executor != "dask":
        if args.scheduler:
            raise UsageError("--scheduler needs --executor dask", hint="add --executor dask")
        return contextlib.nullcontext()
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("--executor dask needs Dask distributed, which is not installed",
                         hint="pip install 'themescope[cluster]' (or: pip install 'dask[distributed]')") from None
    from core.engine.executor import DaskCluster

    return DaskCluster(args.scheduler, args.workers)


def write_tables(analysis, out: Path) -> None:
    """transcripts/themes/hits/cancelled (hits a negator or hedge cancelled, with the reason) as CSV and
    parquet, and the load report as text; OutputError when a write fails. A streamed run of more than
    COPIES_UP_TO transcripts writes only the transcripts table (it holds the metadata): its themes, hits and
    cancelled tables are its parts, and copying them would mean loading every hit."""
    from concurrent.futures import ThreadPoolExecutor

    names = ("transcripts", "themes", "hits", "cancelled") if _copies_written(analysis) else ("transcripts",)
    tables = {name: getattr(analysis, name) for name in names}
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Arrow writes the parquet files on another thread (it releases the GIL) while pandas writes the CSVs
        with ThreadPoolExecutor(1) as parquet_writer:
            parquet = [parquet_writer.submit(table.to_parquet, out / f"{name}.parquet", index=False)
                       for name, table in tables.items()]
            for name, table in tables.items():
                table.to_csv(out / f"{name}.csv", index=False)
            for written in parquet:
                written.result()
        (out / "load_report.txt").write_text("\n".join(analysis.report.lines()) + "\n", encoding="utf-8")
    except OSError as exc:
        raise write_failed(out, exc) from None


def _copies_written(analysis) -> bool:
    return not analysis.streamed or len(analysis.transcripts) <= COPIES_UP_TO


def _format_intervals(table) -> str:
    import pandas as pd

    percent = (table[["share", "low", "high"]] * 100).round(1)
    shown = pd.DataFrame({"theme": table["theme"], "share": percent["share"].astype(str) + "%",
                          "95% interval": percent["low"].astype(str) + "-" + percent["high"].astype(str) + "%",
                          "transcripts": table["present"].map("{:,}".format), "hits": table["hits"].map("{:,}".format)})
    return shown.to_string(index=False)


def _format_prevalence(table) -> str:
    shown = table.copy()
    for column in shown.columns[1:]:
        shown[column] = (shown[column] * 100).round().astype(int).astype(str) + "%"
    return shown.to_string()


class progress_bar:
    """A tqdm bar on a terminal, nothing otherwise (logs stay clean, and tqdm is not even imported).

    The bar never starts tqdm's monitor thread: with a second thread running, the engine cannot fork its
    workers safely and starts them through a fork server instead, about half a second more per run."""

    def __enter__(self):
        if not sys.stderr.isatty():
            return _NoBar()
        from tqdm import tqdm

        class QuietTqdm(tqdm):
            monitor_interval = 0  # tqdm's switch for its monitor thread

        self.bar = QuietTqdm(unit=" transcripts", file=sys.stderr)
        return self.bar

    def __exit__(self, *exc):
        if hasattr(self, "bar"):
            self.bar.close()


class _NoBar:
    def update(self, count: int) -> None:
        pass


# ---------------------------------------------------------------- validate
def _add_validate(commands) -> None:
    parser = commands.add_parser("validate", help="check a codebook; exit 1 when it has errors")
    parser.add_argument("file", nargs="?", default=str(DEFAULT_CODEBOOK))
    parser.set_defaults(run=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from core.codebook.model import load_codebook
    from core.errors import CodebookError

    try:
        codebook = load_codebook(args.file)  # read and validated once
    except CodebookError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in {args.file}", file=sys.stderr)
        return 1
    print(codebook.summary())
    print(f"{args.file}: valid")
    return 0


# ---------------------------------------------------------------- download
def _add_download(commands) -> None:
    parser = commands.add_parser("download", help="fetch the public Anthropic Interviewer data set (CC-BY)")
    parser.add_argument("--out", default="public-data", metavar="DIR")
    parser.add_argument("--url", help="base URL of the three CSVs (default: the data set on Hugging Face)")
    parser.add_argument("--force", action="store_true", help="download again even if the files are there")
    parser.set_defaults(run=run_download)


def run_download(args: argparse.Namespace) -> int:
    from core.ingest.download import download_dataset

    output_folder(args.out)
    files = download_dataset(args.out, base_url=args.url, force=args.force,
                             on_file=lambda name, size: print(f"  {name}: {size:,} bytes"))
    print(f"{len(files)} files in {args.out}/ (Anthropic Interviewer, CC-BY). Score them with:\n"
          f"  themescope score --data {args.out} --out results")
    return 0


# ---------------------------------------------------------------- dashboard
def _add_dashboard(commands) -> None:
    parser = commands.add_parser("dashboard", help="open the interactive dashboard")
    add_data_options(parser)
    parser.add_argument("--labels", action="append", metavar="FILE", help="hand-coding labels: marks go to "
                        "the first (default labels.yaml beside the codebook); later files are other coders'")
    parser.add_argument("--roles", metavar="FILE", help="who may do what once sign-in is configured ([auth] in "
                        ".streamlit/secrets.toml): emails and groups -> viewer, coder, editor or admin "
                        "(default config/roles.yaml; without sign-in there is one user with every role)")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="localhost")
    parser.set_defaults(run=run_dashboard)


def dashboard_command(args: argparse.Namespace) -> list[str]:
    """The `streamlit run` command line: errors in the browser show Themescope's own short message only
    (client.showErrorDetails none: no tracebacks, whatever the folder it starts from), the data options
    follow the `--`."""
    app = PROJECT_ROOT / "dashboard" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
               "--server.address", args.address, "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal", "--client.showErrorDetails", "none",
               "--runner.postScriptGC", "false", "--client.showSidebarNavigation", "false",
               "--", *app_arguments(args)]
    for path in args.labels or []:
        command += ["--labels", str(Path(path).resolve())]
    if getattr(args, "roles", None):
        command += ["--roles", str(Path(args.roles).resolve())]
    return command


def run_dashboard(args: argparse.Namespace) -> int:
    import subprocess

    from core.access import load_roles

    if args.roles:
        load_roles(args.roles)  # a broken roles file named now, with its line, not found later by a user

    print(f"Themescope dashboard: http://{args.address}:{args.port}", file=sys.stderr)
    return subprocess.call(dashboard_command(args))
