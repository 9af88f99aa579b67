"""`themescope report`: the one-file HTML report of a filtered view, from the command line.

    themescope report --data data --filter occupation=it_software --theme coding --out report.html

Wired into the `themescope` command by `add_commands(subparsers)`; it takes the data options of every command
(`core.cli.options`); `--filter KEY=VALUE` takes the dashboard's filters (occupation, theme, min_hits, q,
or any attribute column such as region=EU), repeated
for several values. A value the data does not have is an error that lists the values it does have.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from core.cli.options import add_data_options, analyse_arguments, output_file, write_failed
from core.errors import DataError, UsageError

if TYPE_CHECKING:  # the views import pandas: only when the command runs
    from core.views.filters import Filters, ViewData  # noqa: F401
    from core.views.snapshot import ViewSnapshot  # noqa: F401

FILTER_KEYS = ("occupation", "theme", "min_hits", "q")


def add_commands(subparsers) -> argparse.ArgumentParser:
    """Add `report` to the `themescope` subcommands; returns its parser (run with `args.run(args)`)."""
    parser = subparsers.add_parser("report", help="write a one-file HTML report (works offline) of a "
                                   "filtered view", description=__doc__.split("\n\n")[0])
    add_data_options(parser)
    add_filter_options(parser)
    parser.add_argument("--quotes-per-theme", type=int, default=3, metavar="N")
    parser.add_argument("--title", default="Themescope report")
    parser.add_argument("--no-redact", action="store_true", help="keep emails, phone numbers, URLs and "
                        "@handles in the quotes (masked by default)")
    parser.add_argument("--out", required=True, metavar="FILE", help="the .html file to write")
    parser.set_defaults(run=run_report)
    return parser


add_report_command = add_commands  # its earlier name


def parse_filters(pairs: list[str], themes: list[str], data: ViewData) -> Filters:
    """--filter KEY=VALUE pairs (and --theme values) -> Filters, checked against the data's values.

    parse_filters(["occupation=legal", "min_hits=2"], ["coding"], data)
    Filters(occupations=('legal',), themes=('coding',), attributes=(), min_hits=2, search='')
    """
    from core.views.filters import Filters

    chosen: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--filter {pair!r}: expected KEY=VALUE", hint="e.g. --filter occupation=legal")
        chosen.setdefault(key.strip(), []).append(value.strip())
    chosen.setdefault("theme", []).extend(themes)
    allowed = {"occupation": list(data.occupations), "theme": list(data.theme_ids), **data.attributes}
    for key, values in chosen.items():
        if key in ("min_hits", "q"):
            continue
        if key not in allowed:
            raise UsageError(f"--filter {key}=...: unknown filter. Fix: use one of "
                             + ", ".join([*FILTER_KEYS, *data.attributes]))
        unknown = [v for v in values if v not in allowed[key]]
        if unknown:
            raise UsageError(f"--filter {key}={unknown[0]}: no such value in this data. Fix: use one of "
                             + ", ".join(map(str, allowed[key][:40])))
    attributes = tuple((k, tuple(v)) for k, v in sorted(chosen.items()) if k in data.attributes)
    return Filters(tuple(chosen.get("occupation", [])), tuple(chosen.get("theme", [])), attributes,
                   _min_hits(chosen.get("min_hits")), " ".join(chosen.get("q", [])).strip())


def _min_hits(values: list[str] | None) -> int:
    if not values:
        return 1
    try:
        return max(int(values[-1]), 1)
    except ValueError:
        raise UsageError(f"--filter min_hits={values[-1]}: not a whole number", hint="e.g. min_hits=2") from None


def run_report(args) -> int:
    from core.share.report import build_report

    out = output_file(args.out)  # before the scoring: a bad --out should not cost a whole run
    view = view_of_arguments(args)
    page = build_report(view, redact=not args.no_redact, quotes_per_theme=args.quotes_per_theme,
                        title=args.title)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise write_failed(out, exc) from None
    print(f"{out}: {len(page.encode()) / 1e6:.1f} MB, {view.n:,} of {view.data.size:,} transcripts "
          f"({view.describe()}); personal details {'kept' if args.no_redact else 'masked'}. "
          "Opens in any browser, offline.", file=sys.stdout)
    return 0


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """--filter KEY=VALUE and --theme ID, as `report` and `export` take them (read by `view_of_arguments`)."""
    parser.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE", dest="filters",
                        help="occupation=ID, theme=ID, min_hits=N, q=TEXT or ATTRIBUTE=VALUE; repeatable")
    parser.add_argument("--theme", action="append", default=[], metavar="ID", help="same as --filter theme=ID")


def view_of_arguments(args) -> ViewSnapshot:
    """The data options and filters of a command -> the filtered view (scored with `--codebook`); an error when
    nothing was loaded or no transcript matches the filters."""
    from core.codebook.model import load_codebook
    from core.engine.pipeline import analyse
    from core.views.filters import prepare_analysis
    from core.views.snapshot import snapshot

    codebook = load_codebook(args.codebook)
    analysis = analyse(codebook=codebook, **analyse_arguments(args))
    if analysis.transcripts.empty:
        raise DataError("no transcripts were loaded: " + "; ".join(analysis.report.lines()),
                        hint="point --data at a folder of .txt/.md transcripts or a .csv/.jsonl/.parquet table "
                        "(name its columns with --id-column and --text-column)")
    data = prepare_analysis(analysis)
    view = snapshot(analysis, data, parse_filters(args.filters, args.theme, data))
    if view.n == 0:
        raise UsageError(f"no transcript of the {data.size:,} matches these filters ({view.describe()})",
                         hint="loosen the filters")
    return view
