"""The `themescope` command: a thin face on the core (score, validate, download, dashboard, and the codebook
workbench's twins: lint, terms, diff, evaluate).

Every user-facing failure is a ThemescopeError, printed once, in one place (`main`), without a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from core import __version__
from core.codebook.model import load_codebook, validate_file
from core.ingest.download import download_dataset
from core.errors import ThemescopeError
from core.ingest.loaders import LoadOptions
from core.engine.pipeline import analyse
from core.cli.report import add_report_command
from core.views.summary import prevalence_by_occupation

PROJECT_ROOT = Path(__file__).resolve().parents[2]
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
    _add_lint(commands)
    _add_terms(commands)
    _add_diff(commands)
    _add_evaluate(commands)
    add_report_command(commands)
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
    parser.add_argument("--labels", action="append", metavar="FILE", help="hand-coding labels: marks go to "
                        "the first (default labels.yaml beside the codebook); later files are other coders'")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="localhost")
    parser.set_defaults(run=run_dashboard)


def run_dashboard(args) -> int:
    import subprocess

    app = PROJECT_ROOT / "dashboard" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port),
               "--server.address", args.address, "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal", "--"]
    for path in args.data or []:
        command += ["--data", str(Path(path).resolve())]
    for path in args.metadata or []:
        command += ["--metadata", str(Path(path).resolve())]
    for path in args.labels or []:
        command += ["--labels", str(Path(path).resolve())]
    command += ["--codebook", str(Path(args.codebook).resolve())]
    print(f"Themescope dashboard: http://{args.address}:{args.port}", file=sys.stderr)
    return subprocess.call(command)


# ---------------------------------------------------------------- the workbench: lint, terms, diff, evaluate
def _corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The data options of `score`, without --codebook (diff takes two codebooks)."""
    parser.add_argument("--data", action="append", metavar="PATH", help="transcript folder or table; repeat "
                        "for several (default: data/)")
    parser.add_argument("--metadata", action="append", metavar="CSV")
    parser.add_argument("--id-column", default="transcript_id")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--cache-dir", metavar="DIR")
    parser.add_argument("--no-cache", action="store_true")


def _scored_corpus(args, codebook):
    """Analyse the data (cached) and keep its shards in memory for re-scoring."""
    from core.engine.rescore import CachedCorpus, Scored

    analysis = analyse(args.data or [str(DEFAULT_DATA)], codebook=codebook, metadata=args.metadata,
                       options=LoadOptions(args.id_column, args.text_column), cache_dir=args.cache_dir,
                       use_cache=not args.no_cache)
    if analysis.transcripts.empty:
        raise ThemescopeError("no transcripts found: " + "; ".join(analysis.report.lines()))
    return CachedCorpus.of(analysis), Scored.of(analysis)


def _add_lint(commands) -> None:
    parser = commands.add_parser("lint", help="check a codebook against a corpus; exit 1 on errors")
    _corpus_arguments(parser)
    parser.add_argument("--codebook", default=str(DEFAULT_CODEBOOK), metavar="FILE")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    parser.add_argument("--rule", action="append", help="run only this rule (repeatable): silent-theme, "
                        "shared-occupation-term, shared-term, unused-term, broad-term")
    parser.set_defaults(run=run_lint)


def run_lint(args) -> int:
    """Errors (exit 1): a theme with no hits; a term under two occupations. Warnings (exit 0 unless
    --strict): a term with no hits, a term in over half the transcripts, a term under two themes."""
    from core.workbench.lint import ERROR, RULES, lint, lint_summary
    from core.workbench.terms import term_report

    unknown = sorted(set(args.rule or []) - set(RULES))
    if unknown:
        raise ThemescopeError(f"unknown lint rule(s): {', '.join(unknown)}; known: {', '.join(RULES)}")
    codebook = load_codebook(args.codebook)
    corpus, scored = _scored_corpus(args, codebook)
    findings = lint(term_report(corpus, scored), codebook, rules=args.rule)
    for finding in findings:
        print(finding)
    print(f"{args.codebook}: {lint_summary(findings)} on {len(corpus):,} transcripts")
    failing = [f for f in findings if args.strict or f.severity == ERROR]
    return 1 if failing else 0


def _add_terms(commands) -> None:
    parser = commands.add_parser("terms", help="what each term matches: hits, variants, near misses")
    _corpus_arguments(parser)
    parser.add_argument("--codebook", default=str(DEFAULT_CODEBOOK), metavar="FILE")
    parser.add_argument("--code", action="append", help="only this theme or occupation id (repeatable)")
    parser.add_argument("--near", type=float, default=10, metavar="POINTS",
                        help="near misses: words this many points or less under the threshold (default 10)")
    parser.add_argument("--threshold", type=float, help="also show what this threshold would change")
    parser.set_defaults(run=run_terms)


def run_terms(args) -> int:
    from core.workbench.terms import near_misses, term_report, threshold_change

    codebook = load_codebook(args.codebook)
    corpus, scored = _scored_corpus(args, codebook)
    report = term_report(corpus, scored)
    if args.code:
        report.terms = report.terms[report.terms["code"].isin(args.code)]
    print("\n".join(report.lines()))
    misses = near_misses(corpus, codebook, window=args.near)
    if args.code:
        misses = misses[misses["code"].isin(args.code)]
    print(f"\nnear misses (within {args.near:g} points of the threshold): {len(misses):,}")
    if len(misses):
        print(misses.head(40).to_string(index=False))
    if args.threshold is not None:
        print(f"\nwith every threshold at {args.threshold:g}:")
        print(threshold_change(corpus, scored, args.threshold).to_string(index=False))
    return 0


def _add_diff(commands) -> None:
    parser = commands.add_parser("diff", help="what changes from one codebook to another on a corpus")
    parser.add_argument("old", metavar="OLD", help="the codebook before the edit")
    parser.add_argument("new", metavar="NEW", help="the codebook after the edit")
    _corpus_arguments(parser)
    parser.add_argument("--quotes", type=int, default=20, metavar="N", help="quotes gained and lost to list")
    parser.set_defaults(run=run_diff)


def run_diff(args) -> int:
    from core.workbench.diff import preview

    old, new = load_codebook(args.old), load_codebook(args.new)
    corpus, scored = _scored_corpus(args, old)
    print(f"{args.old} -> {args.new} on {len(corpus):,} transcripts")
    print("\n".join(preview(corpus, scored, new).lines(quotes=args.quotes)))
    return 0


def _add_evaluate(commands) -> None:
    parser = commands.add_parser("evaluate", help="compare the codebook with hand coding (labels files)")
    parser.add_argument("--labels", nargs="+", required=True, metavar="FILE")
    _corpus_arguments(parser)
    parser.add_argument("--codebook", default=str(DEFAULT_CODEBOOK), metavar="FILE")
    parser.add_argument("--sweep", metavar="T1,T2,...", help="precision and recall at these thresholds")
    parser.add_argument("--queue", type=int, default=10, metavar="N", help="quotes to list for review (0: none)")
    parser.set_defaults(run=run_evaluate)


def run_evaluate(args) -> int:
    """Transcript-level precision, recall and F1; quote precision from marked quotes; Cohen's kappa between
    every two files that share transcripts; optionally a threshold sweep; the review queue."""
    from core.handcoding.agreement import cohen_kappa, quote_precision, review_queue, sweep_summary, threshold_sweep
    from core.handcoding.evaluate import evaluate, read_labels
    from core.handcoding.labels import read_quote_marks

    codebook = load_codebook(args.codebook)
    labels, marks = read_labels(*args.labels), read_quote_marks(*args.labels)
    corpus, scored = _scored_corpus(args, codebook)
    print(f"labels: {', '.join(args.labels)} (coder {labels.coder})")
    print("\n".join(evaluate(scored.transcripts, scored.themes, labels, codebook.theme_ids).lines()))
    print(f"\nquote precision ({len(marks):,} marked quotes):")
    print(_rounded(quote_precision(scored.hits, marks, codebook.theme_ids)).to_string(index=False))
    _print_agreement(args.labels, codebook.theme_ids, read_labels, cohen_kappa)
    if args.sweep:
        thresholds = [float(t) for t in args.sweep.split(",") if t.strip()]
        sweep = threshold_sweep(corpus, scored, labels, marks, thresholds)
        print("\nby threshold (macro averages over themes):")
        print(_rounded(sweep_summary(sweep)).to_string())
    if args.queue:
        queue = review_queue(scored.hits, scored.themes, marks, codebook).head(args.queue)
        print("\nreview next (most likely wrong first):")
        print(queue[["transcript_id", "theme", "term", "matched_text", "start", "end", "doubt", "reasons"]]
              .to_string(index=False))
    return 0


def _print_agreement(paths, theme_ids, read_labels, cohen_kappa) -> None:
    files = [(path, read_labels(path)) for path in paths]
    pairs = [(a, b) for i, a in enumerate(files) for b in files[i + 1:]
             if set(a[1].transcripts) & set(b[1].transcripts)]
    if not pairs:
        print("\nagreement: no two label files share transcripts")
    for (path_a, a), (path_b, b) in pairs:
        print(f"\nagreement (Cohen's kappa) {a.coder} ({path_a}) vs {b.coder} ({path_b}):")
        print(_rounded(cohen_kappa(a, b, theme_ids)).to_string(index=False))


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    return table.round(3).astype(object).where(table.notna(), "n/a") if len(table) else table


if __name__ == "__main__":
    sys.exit(main())
