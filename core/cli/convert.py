"""`themescope convert`: a codebook to and from LIWC `.dic`, quanteda-style YAML and REFI-QDA `.qdc`.

    themescope convert config/codebook.yaml codebook.dic
    themescope convert emotions.dic emotions.yaml && themescope validate emotions.yaml
    themescope convert config/codebook.yaml dictionary.yml --to quanteda
"""
from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import CodebookError, Problem, UsageError

FORMAT_NAMES = ("codebook", "liwc", "quanteda", "qdc")  # core.codebook.convert.FORMATS, kept here for a quick --help


def add_commands(commands) -> None:
    parser = commands.add_parser("convert", help="convert a codebook to or from LIWC, quanteda YAML or REFI-QDA",
                                 description="Convert between a Themescope codebook (.yaml), a LIWC dictionary "
                                 "(.dic), a quanteda-style YAML dictionary and a REFI-QDA codebook (.qdc). "
                                 "Whatever the target cannot hold is listed as 'not carried over'.")
    parser.add_argument("input", metavar="IN", help="the file to convert")
    parser.add_argument("output", metavar="OUT", help="the file to write (replaced when it exists)")
    parser.add_argument("--from", dest="source_format", choices=FORMAT_NAMES,
                        help="the input's format (default: from its suffix; a .yaml with `themes:` is a codebook)")
    parser.add_argument("--to", dest="target_format", choices=FORMAT_NAMES,
                        help="the output's format (default: from its suffix; .yaml/.yml is a codebook)")
    parser.set_defaults(run=run_convert)


def run_convert(args: argparse.Namespace) -> int:
    from core.codebook.convert import FORMATS, convert_text, format_of
    from core.codebook.model import MAX_CODEBOOK_BYTES
    from core.codebook.titles import utf8_text
    from core.files import write_atomically

    source, target = Path(args.input), Path(args.output)
    if target.resolve() == source.resolve():
        raise UsageError(f"{target}: the output would replace the input", hint="write to another file")
    text = utf8_text(_read(source), str(source), limit=MAX_CODEBOOK_BYTES, what="a file to convert")
    source_format = format_of(source, args.source_format, text=text)
    target_format = format_of(target, args.target_format)
    result = convert_text(text, source=str(source), source_format=source_format, target_format=target_format)
    write_atomically(target, result.value.encode("utf-8"))
    print(f"{source} ({FORMATS[source_format].description}) -> {target} ({FORMATS[target_format].description})")
    for item in result.not_carried:
        print(f"not carried over: {item}")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CodebookError([Problem(str(path), f"cannot read the file: {exc.strerror or exc}",
                                     hint="check the path")]) from None
