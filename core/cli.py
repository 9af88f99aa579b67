"""The `themescope` command: a thin face on the core (score, validate, download, dashboard).

Every user-facing failure is a ThemescopeError, printed once, in one place (`main`), without a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from . import __version__
from .codebook import load_codebook, validate_file
from .download import download_dataset
from .errors import ThemescopeError
from .loaders import LoadOptions
from .pipeline import analyse
from .summary import prevalence_by_occupation

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CODEBOOK = PROJECT_ROOT / "config" / "codebook.yaml"
DEFAULT_DATA = PROJECT_ROOT / "data"
PUBLIC_DATA = PROJECT_ROOT.parent / "shared" / "data" / "anthropic-interviewer"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except ThemescopeError as exc:
        print(f"themescope: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("themescope: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="themescope", description="Transparent keyword-codebook analysis "
                                     "of interview transcripts.")
    parser.add_argument("--version", action="version", version=f"themescope {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_score(commands)
    _add_validate(commands)
    _add_download(commands)
    _add_dashboard(commands)
    return parser


def _data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", action="append", metavar="PATH", help="transcript folder or table "
                        "(.txt/.md folder, .csv, .jsonl, .parquet); repeat for several (default: data/)")
    parser.add_argument("--metadata", action="append", metavar="CSV", help="metadata table keyed by "
                        "transcript_id (metadata*.csv inside data folders are merged automatically)")
    parser.add_argument("--codebook", default=str(DEFAULT_CODEBOOK), metavar="FILE")
    parser.add_argument("--id-column", default="transcript_id")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--cache-dir", metavar="DIR", help="where results are cached (default "
                        ".themescope-cache, or $THEMESCOPE_CACHE)")
    parser.add_argument("--no-cache", action="store_true", help="compute everything afresh, store nothing")


# ---------------------------------------------------------------- score
def _add_score(commands) -> None:
    parser = commands.add_parser("score", help="score transcripts against a codebook and write tables")
    _data_arguments(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the output tables")
    parser.add_argument("--workers", type=int, help="processes to use (default: up to 2)")
    parser.set_defaults(run=run_score)


def run_score(args) -> int:
    codebook = load_codebook(args.codebook)
    with _progress_bar() as bar:
        analysis = analyse(args.data or [str(DEFAULT_DATA)], codebook=codebook, metadata=args.metadata,
                           options=LoadOptions(args.id_column, args.text_column), cache_dir=args.cache_dir,
                           use_cache=not args.no_cache, workers=args.workers, on_progress=bar.update)
    out = Path(args.out)
    write_tables(analysis, out)
    for line in analysis.report.lines():
        print(line, file=sys.stderr)
    print(f"{len(analysis.transcripts):,} transcripts, {len(analysis.hits):,} hits "
          f"(cache: {analysis.cached}); tables in {out}/")
    if not analysis.transcripts.empty:
        print("\nShare of transcripts raising each theme, by occupation:")
        print(_format_prevalence(prevalence_by_occupation(analysis.transcripts, analysis.themes)))
    return 0 if len(analysis.transcripts) else 1


def write_tables(analysis, out: Path) -> None:
    """transcripts/themes/hits as CSV and parquet, and the load report as text."""
    out.mkdir(parents=True, exist_ok=True)
    for name in ("transcripts", "themes", "hits"):
        table: pd.DataFrame = getattr(analysis, name)
        table.to_csv(out / f"{name}.csv", index=False)
        table.to_parquet(out / f"{name}.parquet", index=False)
    (out / "load_report.txt").write_text("\n".join(analysis.report.lines()) + "\n", encoding="utf-8")


def _format_prevalence(table: pd.DataFrame) -> str:
    shown = table.copy()
    for column in shown.columns[1:]:
        shown[column] = (shown[column] * 100).round().astype(int).astype(str) + "%"
    return shown.to_string()


class _progress_bar:
    """A tqdm bar on a terminal, nothing otherwise (logs stay clean)."""

    def __enter__(self):
        from tqdm import tqdm
        self.bar = tqdm(unit=" transcripts", disable=not sys.stderr.isatty(), file=sys.stderr)
        return self.bar

    def __exit__(self, *exc):
        self.bar.close()


# ---------------------------------------------------------------- validate
def _add_validate(commands) -> None:
    parser = commands.add_parser("validate", help="check a codebook; exit 1 when it has errors")
    parser.add_argument("file", nargs="?", default=str(DEFAULT_CODEBOOK))
    parser.set_defaults(run=run_validate)


def run_validate(args) -> int:
    problems = validate_file(args.file)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in {args.file}", file=sys.stderr)
        return 1
    print(load_codebook(args.file).summary())
    print(f"{args.file}: valid")
    return 0


# ---------------------------------------------------------------- download
def _add_download(commands) -> None:
    parser = commands.add_parser("download", help="fetch the public Anthropic Interviewer data set (CC-BY)")
    parser.add_argument("--out", default="public-data", metavar="DIR")
    parser.add_argument("--url", help="base URL of the three CSVs (default: the data set on Hugging Face)")
    parser.add_argument("--force", action="store_true", help="download again even if the files are there")
    parser.set_defaults(run=run_download)


def run_download(args) -> int:
    files = download_dataset(args.out, base_url=args.url, force=args.force,
                             on_file=lambda name, size: print(f"  {name}: {size:,} bytes"))
    print(f"{len(files)} files in {args.out}/ (Anthropic Interviewer, CC-BY). Score them with:\n"
          f"  themescope score --data {args.out} --out results")
    return 0


# ---------------------------------------------------------------- dashboard
def _add_dashboard(commands) -> None:
    parser = commands.add_parser("dashboard", help="open the interactive dashboard")
    parser.add_argument("--data", action="append", metavar="PATH")
    parser.add_argument("--metadata", action="append", metavar="CSV")
    parser.add_argument("--codebook", default=str(DEFAULT_CODEBOOK))
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="localhost")
    parser.set_defaults(run=run_dashboard)


def run_dashboard(args) -> int:
    import subprocess

    app = PROJECT_ROOT / "dashboard" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
               "--server.address", args.address, "--browser.gatherUsageStats", "false", "--"]
    for path in args.data or []:
        command += ["--data", str(Path(path).resolve())]
    for path in args.metadata or []:
        command += ["--metadata", str(Path(path).resolve())]
    command += ["--codebook", str(Path(args.codebook).resolve())]
    print(f"Themescope dashboard: http://{args.address}:{args.port}", file=sys.stderr)
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
