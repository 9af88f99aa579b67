"""The codebook: themes and occupations with the terms that signal them, as a validated value object.

`load_codebook(path)` reads YAML safely (`safe_yaml`: no tags, no aliases), checks it against the schema
(`schema`) and raises `CodebookError` listing every problem with file:line:column, the key and a fix hint.
The result, a `Codebook`, is immutable, prints a readable summary and can be subset by theme.
"""
from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field, fields, replace
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic_core import ValidationError

from core.codebook.kept_titles import load_job_titles
from core.codebook.safe_yaml import read_yaml, where
from core.codebook.schema import (
    CodebookSpec,
    OccupationSpec,
    Scope,
    TermSpec,
    ThemeSpec,
    problem_from,
    semantic_problems,
    validate_document,
)
from core.codebook.titles import JobTitles, file_bytes, utf8_text
from core.errors import CodebookError, Problem
from core.ingest.text import words

MAX_CODEBOOK_BYTES = 5_000_000
# Beyond these a codebook stops being readable and the dashboard's pages (charts, tables, the legend) grow
# past what a browser takes in one message; both apply to themes and occupation groups alike.
MAX_THEMES = 200
MAX_TERMS = 20_000  # terms and exclusions of every theme and occupation group together


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

    def __reduce__(self) -> tuple:
        """A pool sends a codebook (~300 KB pickled, its job titles included) with every shard's task and
        result: it is pickled once per object, and unpickled once per process for the same bytes
        (`_codebook_from`), not once per shard on each side (20 ms a shard, 1.7 CPU-s a preview at 80,000)."""
        return _codebook_from, (self._pickled,)

    @cached_property
    def _pickled(self) -> bytes:
        return pickle.dumps({f.name: getattr(self, f.name) for f in fields(self)}, protocol=pickle.HIGHEST_PROTOCOL)

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
    return codebook_from_bytes(file_bytes(path, what="the codebook", hint="check the path"), source=str(path))


def codebook_from_bytes(raw: bytes, *, source: str) -> Codebook:
    """Validate a codebook file's bytes (see load_codebook): for a caller that has read the file already."""
    return parse_codebook(utf8_text(raw, source, limit=MAX_CODEBOOK_BYTES, what="a codebook"), source=source)


def parse_codebook(text: str, *, source: str = "<string>") -> Codebook:
    """Validate codebook YAML text and build the Codebook (see load_codebook). The same limits apply as to a
    file, so whatever `load_codebook` refuses never validates here (and is never saved as active)."""
    _check_size(text, source)
    document, marks = read_yaml(text, source)
    _check_counts(document, source, marks)
    try:
        spec = validate_document(document)
    except ValidationError as exc:
        raise CodebookError([problem_from(err, source, marks) for err in exc.errors()]) from None
    problems = semantic_problems(spec, source, marks)
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
            line, col = where(marks, (section, MAX_THEMES))
            problems.append(Problem(source, f"{len(codes):,} {section}, over the limit of {MAX_THEMES:,}", line, col,
                                    f"{section}.{MAX_THEMES}", "merge related entries or split the codebook "
                                    "into several; the limit is MAX_THEMES in core/codebook/model.py"))
    over = _first_term_over_limit(document)
    if over is not None:
        count, path = over
        line, col = where(marks, path)
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


def _term(spec: TermSpec) -> Term:
    return Term(text=spec.term, words=_term_words(spec.term), exact=spec.exact,
                allow=frozenset(w for a in spec.allow for w in words(a)),
                deny=frozenset(w for d in spec.deny for w in words(d)),
                weight=spec.weight, threshold=spec.threshold)


def _term_words(text: str) -> tuple[str, ...]:
    term_words = words(text)
    if text.rstrip().endswith("*"):  # the '*' belongs to the last word: "data analy*" -> ("data", "analy*")
        term_words[-1] += "*"
    return tuple(term_words)


def _code(spec: ThemeSpec | OccupationSpec) -> Code:
    return Code(id=spec.id, label=spec.label, description=spec.description,
                terms=tuple(_term(t) for t in spec.terms),
                exclude=tuple(Term(text=e, words=_term_words(e)) for e in spec.exclude),
                group=getattr(spec, "group", None), threshold=spec.threshold,
                weight=getattr(spec, "weight", 1.0), min_hits=getattr(spec, "min_hits", None),
                negation=getattr(spec, "negation", False))


@lru_cache(maxsize=8)
def _codebook_from(pickled: bytes) -> Codebook:
    """The codebook `Codebook.__reduce__` sent: the same object for the same bytes (a codebook is immutable)."""
    book = Codebook(**pickle.loads(pickled))
    book.__dict__["_pickled"] = pickled  # sent on as it came (a worker sends it back with each shard's tables)
    return book


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
