"""`themescope lint`, `terms`, `diff`, `evaluate` and `suggest`: the codebook workbench's command-line twins.

    themescope lint --data transcripts --strict
    themescope diff old.yaml new.yaml --data transcripts
    themescope evaluate --labels mine.yaml theirs.yaml --sweep 80,85,90
    themescope suggest --labels mine.yaml --theme coding --top 10
"""
from __future__ import annotations

import argparse
import math

from core.cli.options import add_data_options, analyse_arguments
from core.errors import DataError, UsageError


def add_commands(commands) -> None:
    _add_lint(commands)
    _add_terms(commands)
    _add_diff(commands)
    _add_evaluate(commands)
    _add_suggest(commands)


def scored_corpus(args: argparse.Namespace, codebook):
    """Analyse the data (cached) and keep its shards in memory for re-scoring: (CachedCorpus, Analysis)."""
    from core.engine.pipeline import analyse
    from core.engine.rescore import CachedCorpus

    analysis = analyse(codebook=codebook, **analyse_arguments(args))
    if analysis.transcripts.empty:
        raise DataError("no transcripts found: " + "; ".join(analysis.report.lines()),
                        hint="point --data at a folder of .txt/.md transcripts or a .csv/.jsonl/.parquet table "
                        "(name its columns with --id-column and --text-column)")
    return CachedCorpus.of(analysis), analysis


# ---------------------------------------------------------------- lint
def _add_lint(commands) -> None:
    parser = commands.add_parser("lint", help="check a codebook against a corpus; exit 1 on errors")
    add_data_options(parser)
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    parser.add_argument("--rule", action="append", help="run only this rule (repeatable): "
                        "silent-theme, shared-occupation-term, unused-term, broad-term, and shared-term and "
                        "covered-term, which run only when named")
    parser.set_defaults(run=run_lint)


def run_lint(args: argparse.Namespace) -> int:
    """Errors (exit 1): a theme with no hits; a term under two occupations. Warnings (exit 0 unless
    --strict): a term with no hits, a term in over half the transcripts, a term under two themes."""
    from core.codebook.model import load_codebook
    from core.workbench.lint import ERROR, RULES, lint, lint_summary
    from core.workbench.terms import term_report

    unknown = sorted(set(args.rule or []) - set(RULES))
    if unknown:
        raise UsageError(f"unknown lint rule(s): {', '.join(unknown)}", hint=f"use one of {', '.join(RULES)}")
    codebook = load_codebook(args.codebook)
    corpus, scored = scored_corpus(args, codebook)
    findings = lint(term_report(corpus, scored), codebook, rules=args.rule)
    for finding in findings:
        print(finding)
    print(f"{args.codebook}: {lint_summary(findings)} on {len(corpus):,} transcripts")
    failing = [f for f in findings if args.strict or f.severity == ERROR]
    return 1 if failing else 0


# ---------------------------------------------------------------- terms
def _add_terms(commands) -> None:
    parser = commands.add_parser("terms", help="what each term matches: hits, variants, near misses")
    add_data_options(parser)
    parser.add_argument("--code", action="append", help="only this theme or occupation id (repeatable)")
    parser.add_argument("--near", type=float, default=10, metavar="POINTS",
                        help="near misses: words this many points or less under the threshold (default 10)")
    parser.add_argument("--threshold", type=float, help="also show what this threshold would change")
    parser.set_defaults(run=run_terms)


def run_terms(args: argparse.Namespace) -> int:
    from core.codebook.model import load_codebook
    from core.workbench.terms import near_misses, term_report, threshold_change

    if args.threshold is not None:
        check_threshold(args.threshold, "--threshold")
    codebook = load_codebook(args.codebook)
    corpus, scored = scored_corpus(args, codebook)
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


# ---------------------------------------------------------------- diff
def _add_diff(commands) -> None:
    parser = commands.add_parser("diff", help="what changes from one codebook to another on a corpus")
    parser.add_argument("old", metavar="OLD", help="the codebook before the edit")
    parser.add_argument("new", metavar="NEW", help="the codebook after the edit")
    add_data_options(parser, codebook=False)
    parser.add_argument("--quotes", type=int, default=20, metavar="N", help="quotes gained and lost to list")
    parser.set_defaults(run=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    from core.codebook.model import load_codebook
    from core.workbench.diff import preview

    old, new = load_codebook(args.old), load_codebook(args.new)
    corpus, scored = scored_corpus(args, old)
    print(f"{args.old} -> {args.new} on {len(corpus):,} transcripts")
    print("\n".join(preview(corpus, scored, new).lines(quotes=args.quotes)))
    return 0


# ---------------------------------------------------------------- evaluate
def _add_evaluate(commands) -> None:
    parser = commands.add_parser("evaluate", help="compare the codebook with hand coding (labels files)")
    parser.add_argument("--labels", nargs="+", action="extend", required=True, metavar="FILE",
                        help="labels files: --labels A B, or --labels A --labels B")
    add_data_options(parser)
    parser.add_argument("--sweep", metavar="T1,T2,...", help="precision and recall at these thresholds (0-100)")
    parser.add_argument("--queue", type=int, default=10, metavar="N", help="quotes to list for review (0: none)")
    parser.set_defaults(run=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    """Transcript-level precision, recall and F1; quote precision from marked quotes; Cohen's kappa between
    every two files that share transcripts; optionally a threshold sweep; the review queue."""
    from core.codebook.model import load_codebook
    from core.handcoding.agreement import cohen_kappa, quote_precision, review_queue, sweep_summary, threshold_sweep
    from core.handcoding.evaluate import evaluate, read_labels
    from core.handcoding.labels import read_quote_marks
    from core.views.quotes import quotes_of_analysis

    thresholds = parse_thresholds(args.sweep) if args.sweep else []  # checked before the long part
    codebook = load_codebook(args.codebook)
    labels, marks = read_labels(*args.labels), read_quote_marks(*args.labels)
    corpus, scored = scored_corpus(args, codebook)
    print(f"labels: {', '.join(args.labels)} (coder {labels.coder})")
    print("\n".join(evaluate(scored.transcripts, scored.themes, labels, codebook.theme_ids).lines()))
    print(f"\nquote precision ({len(marks):,} marked quotes):")
    quotes = quotes_of_analysis(scored)  # what every page counts as a quote
    print(_rounded(quote_precision(quotes, marks, codebook.theme_ids)).to_string(index=False))
    _print_agreement(args.labels, codebook.theme_ids, read_labels, cohen_kappa)
    if thresholds:
        sweep = threshold_sweep(corpus, scored, labels, marks, thresholds)
        print("\nby threshold (macro averages over themes):")
        print(_rounded(sweep_summary(sweep)).to_string())
    if args.queue:
        queue = review_queue(quotes, scored.themes, marks, codebook).head(args.queue)
        print("\nreview next (most likely wrong first):")
        print(queue[["transcript_id", "theme", "term", "matched_text", "start", "end", "doubt", "reasons"]]
              .to_string(index=False))
    return 0


# ---------------------------------------------------------------- suggest
def _add_suggest(commands) -> None:
    parser = commands.add_parser("suggest", help="words and phrases that separate transcripts coded present "
                                 "from those coded absent: candidate terms, per theme")
    parser.add_argument("--labels", nargs="+", action="extend", required=True, metavar="FILE",
                        help="labels files: --labels A B, or --labels A --labels B")
    add_data_options(parser)
    parser.add_argument("--theme", action="append", metavar="ID", help="only this theme (repeatable)")
    parser.add_argument("--top", type=int, default=10, metavar="N", help="suggestions per theme (default 10)")
    parser.add_argument("--min-support", type=int, default=3, metavar="N",
                        help="coded-present transcripts a candidate must occur in (default 3)")
    parser.set_defaults(run=run_suggest)


def run_suggest(args: argparse.Namespace) -> int:
    """Per theme, a table of candidate terms: z (log-odds ratio with an informative prior), coded-present and
    coded-absent transcripts holding it, corpus transcripts holding it, coded transcripts it would newly add
    (right and wrong) and example quotes."""
    from core.codebook.model import load_codebook
    from core.handcoding.evaluate import read_labels
    from core.workbench.suggest import suggest_terms

    for option, value in (("--top", args.top), ("--min-support", args.min_support)):
        if value < 1:
            raise UsageError(f"{option} {value}: must be 1 or more", hint=f"e.g. {option} 5")
    codebook = load_codebook(args.codebook)
    unknown = [t for t in args.theme or [] if t not in codebook.theme_ids]
    if unknown:  # checked before the long part
        raise UsageError(f"--theme: no theme {', '.join(unknown)} in {args.codebook}",
                         hint=f"use one of {', '.join(codebook.theme_ids)}")
    labels = read_labels(*args.labels)
    corpus, scored = scored_corpus(args, codebook)
    print(f"labels: {', '.join(args.labels)} (coder {labels.coder}); {len(labels.missed)} missed passages")
    for found in suggest_terms(corpus, scored, labels, themes=args.theme, top=args.top,
                               min_support=args.min_support):
        print("\n" + "\n".join(found.lines()))
    return 0


def parse_thresholds(text: str) -> list[float]:
    """--sweep "80,85,90" -> [80.0, 85.0, 90.0]; UsageError naming the first value that is not a threshold.

    >>> parse_thresholds("80, 88")
    [80.0, 88.0]
    """
    values = [part.strip() for part in text.split(",") if part.strip()]
    if not values:
        raise UsageError(f"--sweep {text!r}: no thresholds given", hint="e.g. --sweep 80,85,90")
    return [check_threshold(_number(value), "--sweep") for value in values]


def check_threshold(value: float, option: str) -> float:
    """A threshold as given, or UsageError when it is outside 0-100."""
    if not 0 <= value <= 100:
        raise UsageError(f"{option}: {value:g} is not a threshold", hint="thresholds are similarity scores "
                         "from 0 to 100, e.g. 88")
    return value


def _number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"--sweep: {value!r} is not a number", hint="give thresholds as numbers separated by "
                         "commas, e.g. --sweep 80,85,90") from None
    if math.isnan(number):
        raise UsageError(f"--sweep: {value!r} is not a number", hint="e.g. --sweep 80,85,90")
    return number


def _print_agreement(paths, theme_ids, read_labels, cohen_kappa) -> None:
    files = [(path, read_labels(path)) for path in paths]
    pairs = [(a, b) for i, a in enumerate(files) for b in files[i + 1:]
             if set(a[1].transcripts) & set(b[1].transcripts)]
    if not pairs:
        print("\nagreement: no two label files share transcripts")
    for (path_a, a), (path_b, b) in pairs:
        print(f"\nagreement (Cohen's kappa) {a.coder} ({path_a}) vs {b.coder} ({path_b}):")
        print(_rounded(cohen_kappa(a, b, theme_ids)).to_string(index=False))


def _rounded(table):
    return table.round(3).astype(object).where(table.notna(), "n/a") if len(table) else table
