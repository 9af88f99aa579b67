"""What a codebook's YAML may say: the schema with its defaults, and the problems a document that breaks it
becomes (each with file:line:column, the key and a fix hint).

    spec = validate_document(document)   # pydantic_core.ValidationError -> problem_from(...) for each error
    problems = semantic_problems(spec, source, marks)  # duplicate ids, terms without words, ...

The schema is declared in pydantic-core, pydantic's own validation engine, rather than as pydantic models: the
validation and its messages are pydantic's word for word, without the model layer, whose import and class
building were nearly half of what `themescope validate` took (0.15 of 0.33 CPU-s). It is the schema pydantic
builds from the models in tests/codebook/pydantic_schema.py, and tests/codebook/test_schema.py holds it to them.
A new key is three lines: its annotation on the Spec class, its schema in that class's `_spec(...)` below, and
the same field on the model in tests/codebook/pydantic_schema.py.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs

from core.codebook.safe_yaml import where
from core.errors import Problem
from core.ingest.text import words

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Scope = Literal["participant", "interviewer", "all"]
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


# ---------------------------------------------------------------- what a validated document is
class Spec:
    """A validated part of the document. The validator sets its fields (`FIELDS`, in the order the schema
    declares them, which the hints list); nothing changes them after."""

    FIELDS: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self.FIELDS)})"


class TermSpec(Spec):
    term: str
    exact: bool
    allow: list[str]
    deny: list[str]
    weight: float
    threshold: float | None


class ThemeSpec(Spec):
    id: str
    label: str
    description: str
    group: str | None
    terms: list[TermSpec]
    exclude: list[str]
    threshold: float | None
    weight: float
    min_hits: float | None
    negation: bool


class OccupationSpec(Spec):
    id: str
    label: str
    description: str
    terms: list[TermSpec]
    exclude: list[str]
    threshold: float | None


class SpeakerSpec(Spec):
    interviewer: list[str]
    participant: list[str]


class OccupationSettingsSpec(Spec):
    first_turns: int
    min_score: float
    max_hits_per_term: int
    titles: str  # beside the codebook; "" = keyword evidence only


class SettingsSpec(Spec):
    threshold: float
    scope: Scope
    min_hits: float
    fuzzy_min_length: int
    speakers: SpeakerSpec
    occupation: OccupationSettingsSpec
    negators: list[str]
    negation_window: int
    hedges: list[str]


class CodebookSpec(Spec):
    name: str
    version: str
    description: str
    settings: SettingsSpec
    themes: list[ThemeSpec]
    occupations: list[OccupationSpec]


# ---------------------------------------------------------------- the schema
def _spec(cls: type[Spec], **fields: cs.CoreSchema) -> cs.ModelSchema:
    """A part of the document as pydantic validates a model: unknown keys refused, `cls` built from the fields."""
    cls.FIELDS = tuple(fields)
    declared = cs.model_fields_schema({name: cs.model_field(schema) for name, schema in fields.items()},
                                      model_name=cls.__name__)
    return cs.model_schema(cls, declared, config=cs.CoreConfig(title=cls.__name__, extra_fields_behavior="forbid"))


def _default(schema: cs.CoreSchema, value: Any = None, *, factory: Callable[[], Any] | None = None) -> cs.CoreSchema:
    if factory is not None:
        return cs.with_default_schema(schema, default_factory=factory)
    return cs.with_default_schema(schema, default=value)


def _defaults_of(schema: cs.ModelSchema) -> Spec:
    """A part of the document with every field at its default (what a missing section stands for)."""
    return SchemaValidator(schema).validate_python({})


def _terms_as_mappings(value):
    """Lets a term be written as a plain string: 'save time' == {term: 'save time'}."""
    if isinstance(value, list):
        return [{"term": item} if isinstance(item, (str, int, float)) else item for item in value]
    return value


def _version_as_text(value):
    return str(value) if isinstance(value, (int, float)) else value


_TEXT, _WORDS = cs.str_schema(min_length=1), cs.list_schema(cs.str_schema())
_NUMBER = cs.float_schema  # a number as pydantic reads a float: 88, 88.0 and "88" alike
_PERCENT_OR_NONE = _default(cs.nullable_schema(cs.float_schema(ge=0, le=100)))
_TERM = _spec(TermSpec, term=_TEXT, exact=_default(cs.bool_schema(), False), allow=_default(_WORDS, factory=list),
              deny=_default(_WORDS, factory=list), weight=_default(_NUMBER(gt=0), 1.0), threshold=_PERCENT_OR_NONE)


def _terms(schema: cs.ListSchema) -> cs.CoreSchema:
    return cs.no_info_before_validator_function(_terms_as_mappings, schema)


_THEME = _spec(ThemeSpec, id=cs.str_schema(pattern=ID_PATTERN), label=_TEXT, description=_TEXT,
               group=_default(cs.nullable_schema(cs.str_schema())), terms=_terms(cs.list_schema(_TERM, min_length=1)),
               exclude=_default(_WORDS, factory=list), threshold=_PERCENT_OR_NONE,
               weight=_default(_NUMBER(gt=0), 1.0), min_hits=_default(cs.nullable_schema(_NUMBER(gt=0))),
               negation=_default(cs.bool_schema(), False))
_OCCUPATION = _spec(OccupationSpec, id=cs.str_schema(pattern=ID_PATTERN), label=_TEXT,
                    description=_default(cs.str_schema(), ""),
                    terms=_default(_terms(cs.list_schema(_TERM)), factory=list),
                    exclude=_default(_WORDS, factory=list), threshold=_PERCENT_OR_NONE)
_SPEAKERS = _spec(SpeakerSpec, interviewer=_default(_WORDS, ["Assistant", "AI", "Interviewer"]),
                  participant=_default(_WORDS, ["User", "Participant", "Respondent"]))
_OCCUPATION_SETTINGS = _spec(OccupationSettingsSpec, first_turns=_default(cs.int_schema(ge=1), 6),
                             min_score=_default(_NUMBER(ge=0), 1.0),
                             max_hits_per_term=_default(cs.int_schema(ge=1), 1),
                             titles=_default(cs.str_schema(), "job_titles.yaml"))
_SETTINGS = _spec(SettingsSpec, threshold=_default(_NUMBER(ge=0, le=100), 88),
                  scope=_default(cs.literal_schema(list(get_args(Scope))), "participant"),
                  min_hits=_default(_NUMBER(gt=0), 1), fuzzy_min_length=_default(cs.int_schema(ge=1), 5),
                  speakers=_default(_SPEAKERS, _defaults_of(_SPEAKERS)),
                  occupation=_default(_OCCUPATION_SETTINGS, _defaults_of(_OCCUPATION_SETTINGS)),
                  negators=_default(_WORDS, list(DEFAULT_NEGATORS)),
                  negation_window=_default(cs.int_schema(ge=1, le=10), 3),
                  hedges=_default(_WORDS, list(DEFAULT_HEDGES)))
CODEBOOK_SCHEMA = _spec(CodebookSpec, name=_TEXT,
                        version=_default(cs.no_info_before_validator_function(_version_as_text, cs.str_schema()), "1"),
                        description=_default(cs.str_schema(), ""),
                        settings=_default(_SETTINGS, _defaults_of(_SETTINGS)),
                        themes=cs.list_schema(_THEME, min_length=1),
                        occupations=_default(cs.list_schema(_OCCUPATION), []))
_CODEBOOK = SchemaValidator(CODEBOOK_SCHEMA)


def validate_document(document: object) -> CodebookSpec:
    """A codebook's YAML data as a CodebookSpec with every default filled in; pydantic_core.ValidationError
    listing every problem (each becomes a Problem through `problem_from`)."""
    return _CODEBOOK.validate_python(document)


_ALLOWED_KEYS: dict[str, type[Spec]] = {
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
        allowed = list(_ALLOWED_KEYS.get(parent, CodebookSpec).FIELDS)
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
