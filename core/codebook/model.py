"""The codebook: themes and occupations with the terms that signal them, as a validated value object.

`load_codebook(path)` reads YAML safely (no tags, no aliases), checks it against the schema below, and
raises `CodebookError` listing every problem with file:line:column, the key and a fix hint. The result, a
`Codebook`, is immutable, prints a readable summary and can be subset by theme.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.codebook.titles import JobTitles, load_job_titles, utf8_text
from core.errors import CodebookError, Problem
from core.ingest.text import words

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
MAX_CODEBOOK_BYTES = 5_000_000
# Beyond these a codebook stops being readable and the dashboard's pages (charts, tables, the legend) grow
# past what a browser takes in one message; both apply to themes and occupation groups alike.
MAX_THEMES = 200
MAX_TERMS = 20_000  # terms and exclusions of every theme and occupation group together
# libyaml's safe loader when PyYAML was built with it (10x faster, same marks); the pure-Python one otherwise
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# An anchor (&name) or alias (*name) starts a node, so it follows a space, a flow or block indicator, or the
# start of the text. Text with no such spot cannot hold one and skips the slower event scan ("R & D" is fine).
MAY_HOLD_ANCHOR = re.compile(r"(?:\A|[\s\[\]{},:?\-\ufeff])[&*][^\s\[\]{},]")
Scope = Literal["participant", "interviewer", "all"]


# ---------------------------------------------------------------- schema (what the YAML may say)
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


# ---------------------------------------------------------------- the value object (what code uses)
@dataclass(frozen=True)
class Term:
    """One codebook term: its words (a phrase has several) and how loosely they may match."""

    text: str
    words: tuple[str, ...]
    exact: bool = False
    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    weight: float = 1.0
    threshold: float | None = None


@dataclass(frozen=True)
class Code:
    """A theme or an occupation: an id, its terms and its exclusions."""

    id: str
    label: str
    description: str
    terms: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()
    group: str | None = None
    threshold: float | None = None
    weight: float = 1.0
    min_hits: float | None = None
    negation: bool = False


@dataclass(frozen=True)
class Settings:
    threshold: float = 88
    scope: Scope = "participant"
    min_hits: float = 1
    fuzzy_min_length: int = 5
    interviewer_labels: tuple[str, ...] = ("Assistant", "AI", "Interviewer")
    participant_labels: tuple[str, ...] = ("User", "Participant", "Respondent")
    occupation_first_turns: int = 6
    occupation_min_score: float = 1.0
    occupation_max_hits_per_term: int = 1
    occupation_titles: str = ""  # the job-title file as resolved ("" when none is read)
    negators: tuple[str, ...] = ()
    negation_window: int = 3
    hedges: tuple[tuple[str, ...], ...] = ()  # each hedge as its words: ("wouldn't", "say")


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. Build it with `load_codebook` or `parse_codebook`.

    >>> book = parse_codebook("name: demo\\nthemes:\\n- {id: speed, label: Speed, description: d, terms: [faster]}")
    >>> [t.id for t in book.themes]
    ['speed']
    """

    name: str
    version: str
    description: str
    settings: Settings
    themes: tuple[Code, ...]
    occupations: tuple[Code, ...]
    source: str = "<string>"
    content_hash: str = ""
    text: str = field(default="", repr=False, compare=False)
    job_titles: JobTitles | None = field(default=None, repr=False)  # compared by its content hash
    notes: tuple[Problem, ...] = field(default=(), compare=False)  # warnings for the load report

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def occupation_ids(self) -> list[str]:
        ids = [o.id for o in self.occupations]
        return ids if "other" in ids else ids + ["other"]

    def theme(self, theme_id: str) -> Code:
        return next(t for t in self.themes if t.id == theme_id)

    def label_of(self, code_id: str) -> str:
        for code in (*self.themes, *self.occupations):
            if code.id == code_id:
                return code.label
        return "Other" if code_id == "other" else code_id

    def subset(self, theme_ids: list[str]) -> Codebook:
        """The same codebook with only the given themes (in the codebook's order)."""
        wanted = set(theme_ids)
        return replace(self, themes=tuple(t for t in self.themes if t.id in wanted))

    def summary(self) -> str:
        """A readable overview: name, version, settings and each code with its term count."""
        s = self.settings
        lines = [f"{self.name} (version {self.version}, {self.content_hash[:12]})",
                 f"  scope={s.scope} threshold={s.threshold:g} min_hits={s.min_hits:g} "
                 f"fuzzy_min_length={s.fuzzy_min_length}",
                 f"  {len(self.themes)} themes:"]
        lines += [f"    {t.id:<22} {len(t.terms):>3} terms  {t.label}" for t in self.themes]
        lines.append(f"  {len(self.occupations)} occupations:")
        lines += [f"    {o.id:<22} {len(o.terms):>3} terms  {o.label}" for o in self.occupations]
        return "\n".join(lines)

    __str__ = summary


# ---------------------------------------------------------------- loading
def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file; raises CodebookError naming every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodebookError([Problem(str(path), f"cannot read the codebook: {exc.strerror or exc}",
                                     hint="check the path")]) from None
    return codebook_from_bytes(raw, source=str(path))


def codebook_from_bytes(raw: bytes, *, source: str) -> Codebook:
    """Validate a codebook file's bytes (see load_codebook): for a caller that has read the file already."""
    return parse_codebook(utf8_text(raw, source, limit=MAX_CODEBOOK_BYTES, what="a codebook"), source=source)


def parse_codebook(text: str, *, source: str = "<string>") -> Codebook:
    """Validate codebook YAML text and build the Codebook (see load_codebook). The same limits apply as to a
    file, so whatever `load_codebook` refuses never validates here (and is never saved as active)."""
    _check_size(text, source)
    document, marks = _read_yaml(text, source)
    _check_counts(document, source, marks)
    try:
        spec = CodebookSpec.model_validate(document)
    except ValidationError as exc:
        raise CodebookError([_problem_from(err, source, marks) for err in exc.errors()]) from None
    problems = _semantic_problems(spec, source, marks)
    if problems:
        raise CodebookError(problems)
    return _build(spec, source, text)


def _check_size(text: str, source: str) -> None:
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_CODEBOOK_BYTES:
        raise CodebookError([Problem(source, f"the codebook is {size:,} bytes, over the {MAX_CODEBOOK_BYTES:,}-byte "
                                     "limit for a codebook", hint="split it or remove data pasted into it")])


def _check_counts(document: dict, source: str, marks: dict) -> None:
    """Refuse more than MAX_THEMES themes (or occupation groups) or MAX_TERMS terms, before the schema check
    spends time on them; the problem points at the first entry over the limit."""
    problems = []
    for section in ("themes", "occupations"):
        codes = document.get(section)
        if isinstance(codes, list) and len(codes) > MAX_THEMES:
            line, col = _where(marks, (section, MAX_THEMES))
            problems.append(Problem(source, f"{len(codes):,} {section}, over the limit of {MAX_THEMES:,}", line, col,
                                    f"{section}.{MAX_THEMES}", "merge related entries or split the codebook "
                                    "into several; the limit is MAX_THEMES in core/codebook/model.py"))
    over = _first_term_over_limit(document)
    if over is not None:
        count, path = over
        line, col = _where(marks, path)
        problems.append(Problem(source, f"{count:,} terms, over the limit of {MAX_TERMS:,}", line, col,
                                ".".join(map(str, path)), "remove rarely matching terms (see the term report) "
                                "or split the codebook; the limit is MAX_TERMS in core/codebook/model.py"))
    if problems:
        raise CodebookError(problems)


def _first_term_over_limit(document: dict) -> tuple[int, tuple] | None:
    """(the number of terms, the path of the first term past MAX_TERMS) or None when within the limit."""
    count, first = 0, None
    for section in ("themes", "occupations"):
        codes = document.get(section)
        for index, code in enumerate(codes if isinstance(codes, list) else ()):
            for key in ("terms", "exclude"):
                entries = code.get(key) if isinstance(code, dict) else None
                if isinstance(entries, list):
                    if first is None and count + len(entries) > MAX_TERMS:
                        first = (section, index, key, MAX_TERMS - count)
                    count += len(entries)
    return (count, first) if first is not None else None


def _read_yaml(text: str, source: str) -> tuple[dict, dict]:
    """Safe YAML: refuses aliases (billion-laughs) and tags; returns the data and a path -> (line, col) map."""
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER) if MAY_HOLD_ANCHOR.search(text) else ():
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise CodebookError([Problem(source, "YAML anchors and aliases (& and *) are not allowed",
                                             line=mark.line + 1, column=mark.column + 1,
                                             hint="write the repeated terms out in full")])
        document, marks = _document_and_marks(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"{exc.problem or 'invalid YAML'}" + (f" {exc.context}" if exc.context else "")
        hint = ("remove the !tag: codebooks are plain data" if "tag" in str(exc.problem)
                else "check indentation, colons and quotes on this line")
        raise CodebookError([Problem(source, f"YAML syntax: {message}",
                                     line=mark.line + 1 if mark else None,
                                     column=mark.column + 1 if mark else None, hint=hint)]) from None
    except yaml.YAMLError as exc:
        raise CodebookError([Problem(source, f"YAML error: {exc}", hint="check the YAML syntax")]) from None
    if not isinstance(document, dict):
        raise CodebookError([Problem(source, "the codebook must be a YAML mapping with `name:` and `themes:`",
                                     line=1, column=1, hint="start from config/codebook.yaml")])
    return document, marks


def _document_and_marks(text: str) -> tuple[object, dict]:
    """The YAML's data (a safe loader: no tags, no code) and where each value starts, from one node tree
    (yaml.compose then yaml.load would build it twice)."""
    loader = YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        document = loader.construct_document(node)  # first: it refuses what _index_marks cannot walk
    finally:
        loader.dispose()
    marks: dict = {}
    if isinstance(document, dict):
        _index_marks(node, (), marks)
    return document, marks


def _index_marks(node, path: tuple, marks: dict) -> None:
    """Record where every value (and, under ('key', path), every mapping key) starts in the file."""
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            marks[("key", path + (key,))] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _index_marks(value_node, path + (key,), marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_marks(item, path + (index,), marks)


def _where(marks: dict, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
    if key and ("key", path) in marks:
        return marks[("key", path)]
    while path and path not in marks:
        path = path[:-1]
    return marks.get(path, (None, None))


_ALLOWED_KEYS: dict[str, type[BaseModel]] = {
    "": CodebookSpec, "settings": SettingsSpec, "speakers": SpeakerSpec, "occupation": OccupationSettingsSpec,
    "themes": ThemeSpec, "occupations": OccupationSpec, "terms": TermSpec, "exclude": TermSpec,
}


def _problem_from(error: Mapping, source: str, marks: dict) -> Problem:
    """Turn one pydantic error into a Problem pointing at the YAML line, with a hint."""
    loc = tuple(error["loc"])
    dotted = ".".join(str(part) for part in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        line, col = _where(marks, loc, key=True)
        parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        allowed = list(_ALLOWED_KEYS.get(parent, CodebookSpec).model_fields)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = (f"did you mean `{close[0]}`? " if close else "") + "allowed keys: " + ", ".join(allowed)
        return Problem(source, f"unknown key `{loc[-1]}`", line, col, dotted, hint)
    line, col = _where(marks, loc)
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


def _semantic_problems(spec: CodebookSpec, source: str, marks: dict) -> list[Problem]:
    """What the schema cannot see: duplicate ids, terms with no words, clashing speaker labels."""
    problems = []
    sections: tuple[tuple[str, Sequence[ThemeSpec | OccupationSpec]], ...] = (
        ("themes", spec.themes), ("occupations", spec.occupations))
    for section, codes in sections:
        seen: dict[str, int] = {}
        for index, code in enumerate(codes):
            if code.id in seen:
                line, col = _where(marks, (section, index, "id"))
                problems.append(Problem(source, f"duplicate id `{code.id}` (first used in {section}[{seen[code.id]}])",
                                        line, col, f"{section}.{index}.id", "give every entry its own id"))
            seen.setdefault(code.id, index)
            problems += _term_problems(code, section, index, source, marks)
    overlap = set(spec.settings.speakers.interviewer) & set(spec.settings.speakers.participant)
    if overlap:
        line, col = _where(marks, ("settings", "speakers"))
        problems.append(Problem(source, f"speaker labels {sorted(overlap)} are both interviewer and participant",
                                line, col, "settings.speakers", "list each label under one role only"))
    return problems


def _term_problems(code, section: str, index: int, source: str, marks: dict) -> list[Problem]:
    problems = []
    entries = [("terms", i, t.term) for i, t in enumerate(code.terms)]
    entries += [("exclude", i, text) for i, text in enumerate(code.exclude)]
    for key, i, text in entries:
        if not words(text.replace("*", "")):
            line, col = _where(marks, (section, index, key, i))
            problems.append(Problem(source, f"term {text!r} has no letters or digits to match", line, col,
                                    f"{section}.{index}.{key}.{i}", "write a word or phrase"))
    return problems


def _term(spec: TermSpec) -> Term:
    glob = spec.term.rstrip().endswith("*")
    term_words = words(spec.term)
    if glob:  # the '*' belongs to the last word: "data analy*" -> ("data", "analy*")
        term_words[-1] += "*"
    return Term(text=spec.term, words=tuple(term_words), exact=spec.exact,
                allow=frozenset(w for a in spec.allow for w in words(a)),
                deny=frozenset(w for d in spec.deny for w in words(d)),
                weight=spec.weight, threshold=spec.threshold)


def _code(spec: ThemeSpec | OccupationSpec) -> Code:
    return Code(id=spec.id, label=spec.label, description=spec.description,
                terms=tuple(_term(t) for t in spec.terms),
                exclude=tuple(_term(TermSpec(term=e)) for e in spec.exclude),
                group=getattr(spec, "group", None), threshold=spec.threshold,
                weight=getattr(spec, "weight", 1.0), min_hits=getattr(spec, "min_hits", None),
                negation=getattr(spec, "negation", False))


def _job_titles(spec: CodebookSpec, source: str) -> tuple[JobTitles | None, tuple[Problem, ...]]:
    """The job-title lexicon named by settings.occupation.titles, relative to the codebook's folder. A codebook
    given as text alone (source "<string>") has no folder: it reads no lexicon. A missing file is a warning,
    not an error: occupations then come from keyword evidence only."""
    name = spec.settings.occupation.titles.strip()
    if not name or source == "<string>":
        return None, ()
    path = Path(source).parent / name
    if not path.is_file():
        return None, (Problem(str(path), "job-title file not found: occupations come from keyword evidence only",
                              key="settings.occupation.titles",
                              hint="put job_titles.yaml beside the codebook, or set `titles: \"\"` to go without"),)
    return load_job_titles(path, [o.id for o in spec.occupations] + ["other"]), ()


def _content_hash(text: str, titles: JobTitles | None) -> str:
    """The codebook's text, and the lexicon's when there is one: either edit gives new results."""
    if titles is None:
        return hashlib.sha256(text.encode()).hexdigest()
    return hashlib.sha256(f"{text}\0job_titles:{titles.content_hash}".encode()).hexdigest()


def _build(spec: CodebookSpec, source: str, text: str) -> Codebook:
    s = spec.settings
    titles, notes = _job_titles(spec, source)
    settings = Settings(threshold=s.threshold, scope=s.scope, min_hits=s.min_hits,
                        fuzzy_min_length=s.fuzzy_min_length,
                        interviewer_labels=tuple(s.speakers.interviewer),
                        participant_labels=tuple(s.speakers.participant),
                        occupation_first_turns=s.occupation.first_turns,
                        occupation_min_score=s.occupation.min_score,
                        occupation_max_hits_per_term=s.occupation.max_hits_per_term,
                        occupation_titles=titles.source if titles else "",
                        negators=tuple(w for n in s.negators for w in words(n)),
                        negation_window=s.negation_window,
                        hedges=tuple(tuple(words(h)) for h in s.hedges if words(h)))
    return Codebook(name=spec.name, version=spec.version, description=spec.description, settings=settings,
                    themes=tuple(_code(t) for t in spec.themes),
                    occupations=tuple(_code(o) for o in spec.occupations),
                    source=source, content_hash=_content_hash(text, titles), text=text, job_titles=titles,
                    notes=notes)


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in a codebook file ([] when it is valid)."""
    try:
        load_codebook(path)
    except CodebookError as exc:
        return exc.problems
    return []
