"""Masking personal details in transcript text: email addresses, phone numbers, URLs and @handles.

Masking keeps the text's length: each detail becomes a label in brackets padded with "█" to the detail's
exact length (`jane@acme.org` -> `[email]██████`, a detail shorter than its label -> all "█"). So every
offset the engine computed on the original text (hits, sentences, turns) is still right on the masked text,
and highlighting, quoting and exports work on it unchanged:

    masked = redact(text)
    highlight_html(masked[s:e], spans, offset=s)   # the same spans as on `text`

Detectors are small objects in a registry (`DETECTORS`): a pattern that finds candidates and a check that
rejects look-alikes (dates, version numbers, times, percentages, "@ work"). Where two details overlap,
the one starting first wins, then the longer one (a URL containing an email is masked as one URL).

Known gaps, by design: spelled-out addresses ("jane at acme dot com"), local 7-digit numbers without an
area code ("555-1234": too close to ranges such as "100-2000") and names are not detected.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

FILL = "█"
KINDS = ("email", "phone", "url", "handle")


@dataclass(frozen=True)
class Detail:
    """A personal detail found in a text: text[start:end] is a `kind` ("email", "phone", "url", "handle")."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Detector:
    """Finds one kind of detail: `pattern` proposes candidates, `accept` rejects look-alikes, `trim` cuts
    trailing punctuation that belongs to the sentence."""

    kind: str
    pattern: re.Pattern
    accept: Callable[[str], bool] = lambda found: True
    trim: Callable[[str], str] = lambda found: found

    def find(self, text: str) -> list[Detail]:
        details = []
        for match in self.pattern.finditer(text):
            found = self.trim(match.group())
            if found and self.accept(found):
                details.append(Detail(match.start(), match.start() + len(found), self.kind))
        return details


# ---------------------------------------------------------------- email
# Unicode letters are allowed in both parts (zoë@uni-köln.de).
_EMAIL = re.compile(r"(?<![\w.%+-])\w[\w.%+-]*@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}\b")

# ---------------------------------------------------------------- URL
# Bare domains ("acme.com/team") count only with a common top-level domain, so "Node.js", "README.md",
# "e.g." and "v2.0" never do.
_TLDS = ("com|org|net|edu|gov|mil|int|io|ai|co|dev|app|info|biz|me|tv|ly|gg|xyz|online|site|tech|uk|de|fr|nl|"
         "ca|au|eu|ch|se|no|dk|fi|es|it|pl|jp|cn|br|nz|ie|be|at|us|in")
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'`]+"
    r"|(?<![@\w.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:" + _TLDS + r")\b(?![.-]?\w)"
    r"(?:[/?#][^\s<>\"'`]*)?", re.IGNORECASE)
_TRAILING = ".,;:!?'\"”’"


def _trim_url(found: str) -> str:
    """Drop sentence punctuation after a URL, and a closing bracket the URL did not open."""
    while found and (found[-1] in _TRAILING or (found[-1] in ")]}" and found.count(found[-1]) >
                                                  found.count({")": "(", "]": "[", "}": "{"}[found[-1]]))):
        found = found[:-1]
    return found


def _is_url(found: str) -> bool:
    return "://" in found or found.lower().startswith("www.") or not found.replace(".", "").isdigit()


# ---------------------------------------------------------------- phone
# Candidates: international (+CC ...), (555) 123-4567, North American 555-123-4567 (optionally 1-),
# and national numbers with a trunk 0 ("020 7946 0958", "06 12 34 56 78"). Separators are one space, dot
# or hyphen, never a line break. Not preceded or followed by a digit, letter, "%", "/", ":" or a decimal.
_PHONE = re.compile(r"""
    (?<![\w+/.:,-])
    (?:
        \+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,4}){2,6}
      | \(\d{2,4}\)[ .-]?\d{3,4}[ .-]?\d{3,4}
      | (?:1[ .-])?\d{3}[ .-]\d{3}[ .-]\d{4}
      | 0\d{1,4}(?:[ .-]?\d{2,4}){2,4}
    )
    (?![\w%/:-]|[.,]\d)
    """, re.VERBOSE)
_DATE = re.compile(r"\d{4}[-. ]\d{1,2}[-. ]\d{1,2}|\d{1,2}[-. ]\d{1,2}[-. ]\d{2,4}")


def _is_phone(found: str) -> bool:
    digits = sum(ch.isdigit() for ch in found)
    return 7 <= digits <= 15 and not _DATE.fullmatch(found)


# ---------------------------------------------------------------- @handle
# "@" then a name with at least one letter, optionally a Mastodon server; never "@ work" or an email.
_HANDLE = re.compile(r"(?<![\w@./])@(?=\w*[A-Za-z])\w(?:[\w.]*\w)?(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?")
_TIME = re.compile(r"@\d{1,2}(?::\d{2})?(?:am|pm|h)?", re.IGNORECASE)


def _is_handle(found: str) -> bool:
    return len(found) >= 3 and not _TIME.fullmatch(found)


DETECTORS: dict[str, Detector] = {
    "url": Detector("url", _URL, _is_url, _trim_url),
    "email": Detector("email", _EMAIL),
    "handle": Detector("handle", _HANDLE, _is_handle),
    "phone": Detector("phone", _PHONE, _is_phone),
}


# ---------------------------------------------------------------- the public functions
def find_personal_details(text: str, kinds: tuple[str, ...] = KINDS) -> list[Detail]:
    """Every detail of the given kinds in `text`, in order, none overlapping (first, then longest, wins).

    >>> find_personal_details("Mail jane@acme.org or call +44 20 7946 0958.")
    [Detail(start=5, end=18, kind='email'), Detail(start=27, end=43, kind='phone')]
    """
    found = [d for kind in kinds for d in DETECTORS[kind].find(text)]
    chosen: list[Detail] = []
    for detail in sorted(found, key=lambda d: (d.start, -(d.end - d.start))):
        if not chosen or detail.start >= chosen[-1].end:
            chosen.append(detail)
    return chosen


def mask(text: str, details: list[Detail]) -> str:
    """`text` with each detail replaced by its same-length mask (see the module docstring)."""
    out, cursor = [], 0
    for detail in details:
        out.append(text[cursor:detail.start])
        out.append(mask_of(detail.kind, detail.end - detail.start))
        cursor = detail.end
    out.append(text[cursor:])
    return "".join(out)


def mask_of(kind: str, length: int) -> str:
    """The mask of a detail: "[kind]" padded with FILL to `length`, or only FILL when the label is longer.

    >>> mask_of("email", 10), mask_of("url", 3)
    ('[email]███', '███')
    """
    label = f"[{kind}]"
    return label + FILL * (length - len(label)) if length >= len(label) else FILL * length


def redact(text: str, *, kinds: tuple[str, ...] = KINDS) -> str:
    """`text` with emails, phone numbers, URLs and @handles masked; always the same length as `text`.

    >>> redact("Ping @jdoe_42 or see https://acme.org/team, v2.0 on 2024-03-15 at 10:30 (45%).")
    'Ping [handle] or see [url]████████████████, v2.0 on 2024-03-15 at 10:30 (45%).'
    """
    return mask(text, find_personal_details(text, kinds))


def redactor(enabled: bool) -> Callable[[str], str]:
    """`redact` when enabled, else the identity: what every face passes around as "how to show text"."""
    return redact if enabled else _unchanged


def _unchanged(text: str) -> str:
    return text
