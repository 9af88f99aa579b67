"""Codebook exchange: our YAML codebook to and from LIWC `.dic`, quanteda-style YAML and REFI-QDA `.qdc`.

Readers (`read_liwc`, `read_quanteda`, `read_qdc`) turn a foreign file into a codebook document (the mapping
our YAML holds); writers (`to_liwc`, `to_quanteda`, `to_qdc`) turn a validated `Codebook` into the foreign
text. Each returns a `Converted`: the value, what the other side cannot hold (`not_carried`, never dropped
silently) and `notes` on what changed meaning. `convert_text` chains them through a validated codebook, so a
codebook it writes always validates.

Conventions that let a round trip keep what each format can hold: a theme's group and the occupation groups
are the first part of a dotted LIWC category name (`risks.job_anxiety`, `occupations.it_software`) or a level
of nesting in quanteda YAML; in a `.qdc`, groups are parent codes and a code's id and terms follow a
`[themescope]` line at the end of its description (other tools show them as text).

    >>> dic = "%\\n1\\tspeed\\n%\\nfast*\\t1\\n"
    >>> result = convert_text(dic, source="x.dic", source_format="liwc", target_format="codebook")
    >>> "fast*" in result.value
    True
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from core.codebook.exchange import Converted, codebook_yaml
from core.codebook.liwc import read_liwc, to_liwc
from core.codebook.model import Codebook, parse_codebook
from core.codebook.qdc import read_qdc, to_qdc
from core.codebook.quanteda import read_quanteda, to_quanteda
from core.errors import UsageError

__all__ = ["FORMATS", "Converted", "convert_text", "format_of", "read_liwc", "read_qdc", "read_quanteda", "to_liwc",
           "to_qdc", "to_quanteda"]


class Format(NamedTuple):
    description: str
    suffixes: tuple[str, ...]
    read: Callable[[str, str], Converted] | None
    write: Callable[[Codebook], Converted] | None


FORMATS = {
    "codebook": Format("Themescope codebook", (".yaml", ".yml"), None, None),
    "liwc": Format("LIWC dictionary", (".dic",), read_liwc, to_liwc),
    "quanteda": Format("quanteda dictionary", (), read_quanteda, to_quanteda),
    "qdc": Format("REFI-QDA codebook", (".qdc",), read_qdc, to_qdc),
}


def format_of(path: str | Path, stated: str | None, *, text: str | None = None) -> str:
    """The format of a file: `stated` (from --from/--to) when given, else from its suffix. A `.yaml` input is
    a codebook when it has a `themes:` list and a quanteda dictionary otherwise; a `.yaml` output is a
    codebook (say `--to quanteda` for a dictionary)."""
    if stated:
        if stated not in FORMATS:
            raise UsageError(f"unknown format {stated!r}", hint=f"use one of {', '.join(FORMATS)}")
        return stated
    suffix = Path(path).suffix.lower()
    found = next((name for name, f in FORMATS.items() if suffix in f.suffixes), None)
    if found is None:
        raise UsageError(f"{path}: cannot tell the format from the suffix {suffix or '(none)'}",
                         hint=f"name it with --from/--to: {', '.join(FORMATS)}")
    if found == "codebook" and text is not None and not re.search(r"(?m)^themes\s*:", text):
        return "quanteda"
    return found


def convert_text(text: str, *, source: str, source_format: str, target_format: str) -> Converted:
    """Convert a file's text between formats (FORMATS), through a validated codebook: Converted(text of the
    target, what it could not hold, notes). Whatever it writes as a codebook validates."""
    if source_format == target_format:
        raise UsageError(f"{source} is already a {FORMATS[source_format].description}: nothing to convert",
                         hint="for a quanteda dictionary from a codebook add --to quanteda")
    read = FORMATS[source_format].read
    if read is None:
        codebook, lost, notes = parse_codebook(text, source=source), list[str](), list[str]()
    else:
        document, lost, notes = read(text, source)
        written = codebook_yaml(document, source=source)
        codebook = parse_codebook(written, source=f"{source} (converted)")
        if target_format == "codebook":
            return Converted(written, lost, notes)
    write = FORMATS[target_format].write
    assert write is not None  # only "codebook" has no writer, and it is handled above
    out, out_lost, out_notes = write(codebook)
    return Converted(out, lost + out_lost, notes + out_notes)
