"""The data options, declared once: every command that reads transcripts takes them, and `analyse_arguments`
turns them into the arguments of `core.engine.pipeline.analyse`, so no command rebuilds that by hand.

    add_data_options(parser)                     # --data --metadata --codebook --id-column ... --no-cache
    analysis = analyse(codebook=codebook, **analyse_arguments(args))

Also where `--out` is checked before any work starts (a scoring run can take minutes; finding out at the end
that the folder is a file is no way to spend them).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from core.errors import OutputError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CODEBOOK = PROJECT_ROOT / "config" / "codebook.yaml"
DEFAULT_DATA = PROJECT_ROOT / "data"


def add_data_options(parser: argparse.ArgumentParser, *, codebook: bool = True) -> None:
    """Add the data options to a command's parser; `codebook=False` for commands that take their codebooks
    otherwise (diff takes two as positionals)."""
    group = parser.add_argument_group("data options")
    group.add_argument("--data", action="append", metavar="PATH", help="transcript folder or table "
                       "(.txt/.md folder, .csv, .jsonl, .parquet); repeat for several (default: data/)")
    group.add_argument("--metadata", action="append", metavar="CSV", help="metadata table keyed by "
                       "transcript_id (metadata*.csv inside data folders are merged automatically)")
    if codebook:
        group.add_argument("--codebook", default=str(DEFAULT_CODEBOOK), metavar="FILE",
                           help="the codebook YAML (default: config/codebook.yaml)")
    group.add_argument("--id-column", default="transcript_id", metavar="NAME",
                       help="column of a table holding the transcript id (default: transcript_id)")
    group.add_argument("--text-column", default="text", metavar="NAME",
                       help="column of a table holding the transcript text (default: text)")
    group.add_argument("--attributes", type=column_names, metavar="A,B,C", help="table columns to keep as "
                       "attributes (filters), comma-separated (default: the first 50 besides the id and text)")
    group.add_argument("--cache-dir", metavar="DIR", help="where results are cached (default "
                       ".themescope-cache, or $THEMESCOPE_CACHE)")
    group.add_argument("--no-cache", action="store_true", help="compute everything afresh, store nothing")
    group.add_argument("--stream", action="store_true", help="keep the themes and hits in parquet parts in the "
                       "cache and query them there, as a corpus over 1 GB always is (for results beyond memory)")


def analyse_arguments(args: argparse.Namespace) -> dict:
    """The data options as keyword arguments of `analyse` (all but the codebook).

    analyse_arguments(parser.parse_args(["score", "--data", "a.csv", "--text-column", "body"]))
    {'paths': ['a.csv'], 'metadata': None, 'options': LoadOptions(id_column='transcript_id', text_column='body',
     attributes=None), 'cache_dir': None, 'use_cache': True}
    """
    from core.ingest.loaders import LoadOptions

    return {"paths": args.data or [str(DEFAULT_DATA)], "metadata": args.metadata,
            "options": LoadOptions(args.id_column, args.text_column, args.attributes), "cache_dir": args.cache_dir,
            "use_cache": not args.no_cache, **({"results": ""} if getattr(args, "stream", False) else {})}


def column_names(text: str) -> tuple[str, ...]:
    """--attributes a,b,c as a tuple of names (spaces around a name dropped; "" keeps no attribute).

    >>> column_names("region, wave,,team")
    ('region', 'wave', 'team')
    """
    return tuple(name.strip() for name in text.split(",") if name.strip())


def app_arguments(args: argparse.Namespace) -> list[str]:
    """The data options again as command-line words for the dashboard (after `streamlit run app.py --`),
    paths made absolute; read back by `dashboard.frame.loading.sources_from_argv`."""
    words: list[str] = []
    for path in args.data or []:
        words += ["--data", str(Path(path).resolve())]
    for path in args.metadata or []:
        words += ["--metadata", str(Path(path).resolve())]
    words += ["--codebook", str(Path(args.codebook).resolve()), "--id-column", args.id_column,
              "--text-column", args.text_column]
    if args.attributes is not None:
        words += ["--attributes", ",".join(args.attributes)]
    if args.cache_dir:
        words += ["--cache-dir", str(Path(args.cache_dir).resolve())]
    if args.no_cache:
        words.append("--no-cache")
    if args.stream:
        words.append("--stream")
    return words


def output_folder(path: str) -> Path:
    """--out DIR, created (with its parents) and checked writable; OutputError naming the path otherwise."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--out {path}: is a file, not a folder", hint="give a folder path for the tables, "
                          "or move the file away")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(path, exc, "folder") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"--out {path}: no permission to write in this folder",
                          hint="choose a folder you can write to")
    return folder


def output_file(path: str, *, example: str = "report.html") -> Path:
    """--out FILE, its folder created and both checked writable; OutputError naming the path otherwise (a
    folder given gets `example`, a name of the command's kind of file, as the fix)."""
    file = Path(path)
    if file.is_dir():
        raise OutputError(f"--out {path}: is a folder, not a file", hint="give a file name, e.g. "
                          f"{Path(path) / example}")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(path, exc, "file") from None
    writable = os.access(file, os.W_OK) if file.exists() else os.access(file.parent, os.W_OK | os.X_OK)
    if not writable:
        raise OutputError(f"--out {path}: no permission to write this file", hint="choose a place you can write to")
    return file


def write_failed(path: Path, exc: OSError) -> OutputError:
    """The OutputError for a write that failed midway (disk full, file locked, removed folder)."""
    return OutputError(f"--out {path}: could not be written ({exc.strerror or exc})",
                       hint="check the free space and permissions there, then run the command again")


def _unwritable(path: str, exc: OSError, kind: str) -> OutputError:
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return OutputError(f"--out {path}: a part of this path is a file, so the {kind} cannot be created "
                           "there", hint="choose a path whose folders are folders")
    return OutputError(f"--out {path}: cannot create the folder ({exc.strerror or exc})",
                       hint="choose a place you can write to")
