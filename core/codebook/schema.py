"""What a codebook's YAML may say: the pydantic schema with its defaults, and the problems a document that
breaks it becomes (each with file:line:column, the key and a fix hint).

    spec = CodebookSpec.model_validate(document)   # ValidationError -> problems_from(...)
    problems = semantic_problems(spec, source, marks)  # duplicate ids, terms without words, ...
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.codebook.safe_yaml import where
from core.errors import Problem
from core.ingest.text import words

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Scope = Literal["participant", "interviewer", "all"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TermSpec(_Strict):
    term: str = Field(min_length=1)
    exact: bool = False
    allow: list[str] = Field(default_factory=list)  # a factory: a plain [] default is deep-copied per term
    deny: list[str] = Field(default_factory=list)
    weight: float = Field(default=1.0, gt=0)
    threshold: float | None = Field(default=None, ge=0, le=100)


def _terms_as_mappings(value):
    """Lets a term be written as a plain string: 'save time' == {term: 'save time'}."""
    if isinstance(value, list):
        return [{"term": item} if isinstance(item, (str, int, float)) else item for item in value]
    return value


class ThemeSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    group: str | None = None
    terms: list[TermSpec] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)
    threshold: float | None = Field(default=None, ge=0, le=100)
    weight: float = Field(default=1.0, gt=0)
    min_hits: float | None = Field(default=None, gt=0)
    negation: bool = False
    _terms = field_validator("terms", mode="before")(_terms_as_mappings)


class OccupationSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    description: str = ""
    terms: list[TermSpec] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    threshold: float | None = Field(default=None, ge=0, le=100)
    _terms = field_validator("terms", mode="before")(_terms_as_mappings)


class SpeakerSpec(_Strict):
    interviewer: list[str] = ["Assistant", "AI", "Interviewer"]
    participant: list[str] = ["User", "Participant", "Respondent"]


class OccupationSettingsSpec(_Strict):
    first_turns: int = Field(default=6, ge=1)
    min_score: float = Field(default=1.0, ge=0)
    max_hits_per_term: int = Field(default=1, ge=1)
    titles: str = "job_titles.yaml"  # beside the codebook; "" = keyword evidence only


# Words that cancel a following hit of a theme with `negation: true` in the same clause (core/engine/negation.py)
DEFAULT_NEGATORS = ("not", "no", "never", "nobody", "nothing", "neither", "nor", "without", "cannot",
                    "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "won't", "wouldn't",
                    "can't", "couldn't", "shouldn't", "haven't", "hasn't", "hadn't",
                    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "wont", "wouldnt", "cant", "couldnt",
                    "havent", "hasnt")
# Phrases that play the concern down as a negator denies it: "I wouldn't say I'm worried", "not really"
DEFAULT_HEDGES = ("wouldn't say", "would not say", "wouldn't call", "not really", "don't really",
                  "doesn't really", "didn't really", "not particularly", "not especially", "not overly", "not too",
                  "not that", "not so", "not very", "not terribly", "not exactly", "not much", "hardly", "barely",
                  "scarcely")


class SettingsSpec(_Strict):
    threshold: float = Field(default=88, ge=0, le=100)
    scope: Scope = "participant"
    min_hits: float = Field(default=1, gt=0)
    fuzzy_min_length: int = Field(default=5, ge=1)
    speakers: SpeakerSpec = SpeakerSpec()
    occupation: OccupationSettingsSpec = OccupationSettingsSpec()
    negators: list[str] = list(DEFAULT_NEGATORS)
    negation_window: int = Field(default=3, ge=1, le=10)
    hedges: list[str] = list(DEFAULT_HEDGES)


class CodebookSpec(_Strict):
    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    settings: SettingsSpec = SettingsSpec()
    themes: list[ThemeSpec] = Field(min_length=1)
    occupations: list[OccupationSpec] = []

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value):
        return str(value) if isinstance(value, (int, float)) else value


_ALLOWED_KEYS: dict[str, type[BaseModel]] = {
    "": CodebookSpec, "settings": SettingsSpec, "speakers": SpeakerSpec, "occupation": OccupationSettingsSpec,
    "themes": ThemeSpec, "occupations": OccupationSpec, "terms": TermSpec, "exclude": TermSpec,
}


def problem_from(error: Mapping, source: str, marks: dict) -> Problem:
    """Turn one pydantic error into a Problem pointing at the YAML line, with a hint."""
    loc = tuple(error["loc"])
    dotted = ".".join(str(part) for part in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        line, col = where(marks, loc, key=True)
        parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        allowed = list(_ALLOWED_KEYS.get(parent, CodebookSpec).model_fields)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = (f"did you mean `{close[0]}`? " if close else "") + "allowed keys: " + ", ".join(allowed)
        return Problem(source, f"unknown key `{loc[-1]}`", line, col, dotted, hint)
    line, col = where(marks, loc)
    if kind == "missing":
        return Problem(source, f"missing required key `{loc[-1]}`", line, col, dotted,
                       f"add `{loc[-1]}:` to this entry")
    return Problem(source, error["msg"], line, col, dotted, _hint_for(kind, error))


def _hint_for(kind: str, error: Mapping) -> str:
    if kind.startswith(("float", "int")):
        return "write a plain number, without quotes"
    if kind.startswith("bool"):
        return "write true or false"
    if kind == "string_pattern_mismatch":
        return "ids use lower-case letters, digits and _ and start with a letter, e.g. time_savings"
    if kind == "literal_error":
        return f"use one of: {error.get('ctx', {}).get('expected', '')}"
    if kind in ("list_type", "too_short"):
        return "write a list, e.g. [word, another phrase], with at least one item"
    if kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        return "use a value in the allowed range"
    return "see config/README.md for the codebook format"


def semantic_problems(spec: CodebookSpec, source: str, marks: dict) -> list[Problem]:
    """What the schema cannot see: duplicate ids, terms with no words, clashing speaker labels."""
    problems = []
    sections: tuple[tuple[str, Sequence[ThemeSpec | OccupationSpec]], ...] = (
        ("themes", spec.themes), ("occupations", spec.occupations))
    for section, codes in sections:
        seen: dict[str, int] = {}
        for index, code in enumerate(codes):
            if code.id in seen:
                line, col = where(marks, (section, index, "id"))
                problems.append(Problem(source, f"duplicate id `{code.id}` (first used in {section}[{seen[code.id]}])",
                                        line, col, f"{section}.{index}.id", "give every entry its own id"))
            seen.setdefault(code.id, index)
            problems += _term_problems(code, section, index, source, marks)
    overlap = set(spec.settings.speakers.interviewer) & set(spec.settings.speakers.participant)
    if overlap:
        line, col = where(marks, ("settings", "speakers"))
        problems.append(Problem(source, f"speaker labels {sorted(overlap)} are both interviewer and participant",
                                line, col, "settings.speakers", "list each label under one role only"))
    return problems


def _term_problems(code, section: str, index: int, source: str, marks: dict) -> list[Problem]:
    problems = []
    entries = [("terms", i, t.term) for i, t in enumerate(code.terms)]
    entries += [("exclude", i, text) for i, text in enumerate(code.exclude)]
    for key, i, text in entries:
        if not words(text.replace("*", "")):
            line, col = where(marks, (section, index, key, i))
            problems.append(Problem(source, f"term {text!r} has no letters or digits to match", line, col,
                                    f"{section}.{index}.{key}.{i}", "write a word or phrase"))
    return problems
