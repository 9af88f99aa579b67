"""What every codebook exchange format shares: a foreign file's categories (`Category`) made into the mapping our
codebook YAML holds (`codebook_document`, `codebook_yaml`), what a conversion gives back (`Converted`: the value,
what the other side cannot hold, notes), and what a target format cannot hold (`not_carried_by`).

    document, not_carried, notes = codebook_document([Category("speed", ("fast*",))], source="x.dic", kind="LIWC")
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from core.codebook.model import Code, Codebook, parse_codebook
from core.errors import CodebookError, Problem
from core.ingest.text import words

OCCUPATIONS = "occupations"  # the dotted-name part / nesting key / parent code that holds occupation groups


class Converted(NamedTuple):
    value: Any  # the written text, or the document read
    not_carried: list[str]
    notes: list[str]


@dataclass(frozen=True)
class Category:
    """One category of a foreign dictionary, on its way to a theme or an occupation group."""

    name: str  # what the file calls it: a LIWC name, a YAML key, a code name
    patterns: tuple[str, ...]
    group: str | None = None
    occupation: bool = False
    line: int | None = None
    code_id: str | None = None  # an id the file states (our .qdc convention); else made from the name
    label: str | None = None
    description: str | None = None


def invalid(source: str, message: str, line: int | None, hint: str, column: int | None = None) -> CodebookError:
    """The error of a foreign file that cannot be converted, at its line (and column)."""
    return CodebookError([Problem(source, message, line=line, column=column, hint=hint)])


def slug(name: str) -> str:
    """An id our codebook accepts: `Job Anxiety!` -> `job_anxiety`, `2nd` -> `c_2nd`."""
    text = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "category"
    return text if text[0].isalpha() else f"c_{text}"


def label_from(name: str) -> str:
    """A label made from a category name: `job_anxiety` -> `Job anxiety`."""
    text = " ".join(name.replace("_", " ").split())
    return text[:1].upper() + text[1:]


def codebook_document(categories: list[Category], *, source: str, kind: str) -> Converted:
    """Categories -> the mapping our codebook YAML holds. A theme needs a term: a category without a word
    Themescope can match is left out, and said so."""
    not_carried: list[str] = []
    used: set[str] = set()
    themes: list[dict[str, Any]] = []
    occupations: list[dict[str, Any]] = []
    for category in categories:
        terms = _terms(category, not_carried)
        if not terms and not category.occupation:
            not_carried.append(f"category {category.name}: no word Themescope can match, so no theme")
            continue
        entry = _entry(category, terms, _unique_id(category, used), source)
        (occupations if category.occupation else themes).append(entry)
    if not themes:
        raise invalid(source, f"no {kind} category holds a word", None, "add words under at least one category")
    document: dict[str, Any] = {
        "name": f"Converted from {Path(source).name}", "version": "1",
        "description": f"Converted by `themescope convert` from the {kind} {Path(source).name}.",
        "settings": {"occupation": {"titles": ""}},  # a converted dictionary brings no job-title lexicon
        "themes": themes}
    if occupations:
        document[OCCUPATIONS] = occupations
    return Converted(document, not_carried, [])


def _terms(category: Category, not_carried: list[str]) -> list[str]:
    """The patterns our terms can hold: a trailing `*` is our prefix term; `?` or a `*` inside is not."""
    terms: list[str] = []
    for pattern in category.patterns:
        text = " ".join(str(pattern).split())
        if "?" in text or "*" in text[:-1] or not words(text.replace("*", "")):
            not_carried.append(f"category {category.name}: pattern {text!r} (Themescope terms take a `*` "
                               "only at the end and need a letter or digit)")
        elif text.lower() not in {t.lower() for t in terms}:
            terms.append(text)
    return terms


def _unique_id(category: Category, used: set[str]) -> str:
    base = slug(category.code_id or category.name)
    if base in used and category.group:
        base = slug(f"{category.group}_{base}")
    code_id, number = base, 2
    while code_id in used:
        code_id, number = f"{base}_{number}", number + 1
    used.add(code_id)
    return code_id


def _entry(category: Category, terms: list[str], code_id: str, source: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": code_id, "label": category.label or label_from(category.name),
        "description": category.description or f"The category `{category.name}` of {Path(source).name}."}
    if category.group and not category.occupation:
        entry["group"] = category.group
    entry["terms"] = terms
    return entry


def codebook_yaml(document: dict[str, Any], *, source: str) -> str:
    """Our codebook YAML for a converted document, with a header saying where it came from."""
    header = (f"# Converted by `themescope convert` from {Path(source).name}. Labels and descriptions are made\n"
              "# from the category names: rewrite them, and check what the report says was not carried over.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def matching_note(kind: str, *, out: bool = False) -> str:
    if out:
        return (f"matching: {kind} matches each word as written (`word*` for any ending); Themescope terms also "
                "matched inflections and typos")
    return (f"matching: the {kind} words now also match inflections and typos; add `exact: true` to a term to "
            "match it as written")


# ---------------------------------------------------------------- what a target cannot hold
class Feature(NamedTuple):
    name: str
    uses: Callable[[Code], int]  # how many times a code uses it (0: not at all)
    per_term: bool = False


FEATURES = (
    Feature("label", lambda c: int(c.label != label_from(c.id))),
    Feature("description", lambda c: int(bool(c.description))),
    Feature("threshold", lambda c: int(c.threshold is not None)),
    Feature("weight", lambda c: int(c.weight != 1)),
    Feature("min_hits", lambda c: int(c.min_hits is not None)),
    Feature("negation", lambda c: int(c.negation)),
    Feature("exclusions", lambda c: len(c.exclude)),
    Feature("weights", lambda c: sum(t.weight != 1 for t in c.terms), per_term=True),
    Feature("thresholds", lambda c: sum(t.threshold is not None for t in c.terms), per_term=True),
    Feature("exact", lambda c: sum(t.exact for t in c.terms), per_term=True),
    Feature("allow lists", lambda c: sum(bool(t.allow) for t in c.terms), per_term=True),
    Feature("deny lists", lambda c: sum(bool(t.deny) for t in c.terms), per_term=True),
)
# target -> (its name, the features it holds, what it holds in words)
TARGETS = {
    "liwc": ("LIWC", frozenset(), "LIWC holds category names and words only"),
    "quanteda": ("quanteda", frozenset(), "a quanteda dictionary holds keys and patterns only"),
    "qdc": ("REFI-QDA", frozenset({"label", "description"}), "a REFI-QDA codebook holds code names, "
            "descriptions and sub-codes only"),
}


def not_carried_by(codebook: Codebook, target: str) -> list[str]:
    name, holds, why = TARGETS[target]
    lost = [f"codebook: name, version and description ({name} has no place for them)"]
    changed = _changed_settings(codebook)
    if changed:
        lost.append(f"settings: {', '.join(changed)} ({name} has no settings)")
    for kind, codes in (("theme", codebook.themes), ("occupation group", codebook.occupations)):
        for code in codes:
            items = [_feature_text(f, f.uses(code)) for f in FEATURES if f.name not in holds and f.uses(code)]
            if items:
                lost.append(f"{kind} {code.id}: {', '.join(items)} ({why})")
    return lost


def _feature_text(feature: Feature, count: int) -> str:
    return f"{feature.name} on {count} term{'s' * (count != 1)}" if feature.per_term else feature.name


@cache
def _default_settings() -> dict[str, Any]:
    book = parse_codebook("name: d\nthemes: [{id: d, label: d, description: d, terms: [d]}]")
    return {f.name: getattr(book.settings, f.name) for f in fields(book.settings)}


def _changed_settings(codebook: Codebook) -> list[str]:
    defaults = _default_settings()
    return [key for key, value in defaults.items()
            if key != "occupation_titles" and getattr(codebook.settings, key) != value] + (
        ["occupation titles"] if codebook.settings.occupation_titles else [])

