"""`themescope export`: a file of a filtered view from the command line, made by the dashboard's exporter.

    themescope export --format qdpx --data data --filter occupation=it_software --out project.qdpx

Takes the data options of every command and the filters of `report` (`--filter KEY=VALUE`, `--theme ID`), so
the file holds the view a dashboard link with the same filters shows. Each format is an exporter of the
registry (`core.share.exports.EXPORTERS`): a new format there is one more line in FORMATS.
"""
from __future__ import annotations

import argparse
import sys

from core.cli.options import add_data_options, output_file, write_failed
from core.cli.report import add_filter_options, view_of_arguments

# --format -> (the exporter's key in EXPORTERS, what the file is, where it opens)
FORMATS = {
    "qdpx": ("qdpx", "REFI-QDA project", "opens in NVivo, ATLAS.ti, MAXQDA and QualCoder (import a REFI-QDA "
             "project)"),
}


def add_commands(subparsers) -> argparse.ArgumentParser:
    """Add `export` to the `themescope` subcommands; returns its parser (run with `args.run(args)`)."""
    parser = subparsers.add_parser("export", help="write a filtered view as a REFI-QDA project (.qdpx) for "
                                   "NVivo, ATLAS.ti, MAXQDA or QualCoder", description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=sorted(FORMATS), default="qdpx",
                        help="qdpx: the transcripts, the themes as codes, every quote as a coded selection, "
                        "occupation and attributes as case variables (default: qdpx)")
    add_data_options(parser)
    add_filter_options(parser)
    parser.add_argument("--no-redact", action="store_true", help="keep emails, phone numbers, URLs and "
                        "@handles in the transcripts (masked by default)")
    parser.add_argument("--out", required=True, metavar="FILE", help="the file to write, e.g. project.qdpx")
    parser.set_defaults(run=run_export)
    return parser


def run_export(args) -> int:
    from core.files import write_atomically
    from core.share.exports import EXPORTERS

    key, kind, opens_in = FORMATS[args.format]
    # --out is checked before the scoring: a bad --out should not cost a whole run
    out = output_file(args.out, example=f"project.{args.format}")
    view = view_of_arguments(args)
    data = EXPORTERS[key].make(view, redact=not args.no_redact)
    try:
        write_atomically(out, data)
    except OSError as exc:
        raise write_failed(out, exc) from None
    print(f"{out}: {kind}, {_size(len(data))}: {view.n:,} of {view.data.size:,} transcripts ({view.describe()}), "
          f"{len(view.themes)} themes, {len(view.quotes()):,} quotes; personal details "
          f"{'kept' if args.no_redact else 'masked'}. It {opens_in}.", file=sys.stdout)
    return 0


def _size(length: int) -> str:
    """A file's size for a person: `_size(2_400)` is '2.4 kB', `_size(3_100_000)` '3.1 MB'."""
    return f"{length / 1e6:.1f} MB" if length >= 1e6 else f"{length / 1e3:.1f} kB"
