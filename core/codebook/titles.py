"""The job-title lexicon: occupation group id -> job titles and activity phrases (config/job_titles.yaml).

    titles = parse_job_titles(text, ["it_software", "education", "other"], source="config/job_titles.yaml")
    titles.entries[0]  # ('it_software', 'software engineer', 12)

The file is plain YAML, a mapping of group ids to lists of phrases, written for researchers to edit. It is
validated when loaded: unknown group ids, phrases that are not text or have no words, and a phrase listed
under two groups (after the normalisation the matcher applies: "Nurses" == "nurse") are reported together,
each with file:line and a fix. `phrase_key` is the one normalisation both the file and the transcripts go
through, so a title matches however it is inflected.
"""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.errors import CodebookError, Problem
from core.ingest.text import words

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_TITLES_BYTES = 5_000_000
# Words that carry no occupation: "run a restaurant" == "run my own restaurant"
FILLER_WORDS = frozenset({"a", "an", "the", "my", "our", "their", "his", "her", "its", "own", "this", "that"})
# Words ending in -s that are no plurals: "news" is not "new" (a level word the reader drops).
NOT_PLURALS = frozenset({"news", "series", "species"})


def word_key(word: str) -> str:
    """One word as the lexicon compares it: possessive dropped, a plain plural made singular.

    >>> [word_key(w) for w in ["nurses", "companies", "coaches", "sales", "analysis", "boss", "team's", "news"]]
    ['nurse', 'company', 'coach', 'sale', 'analysis', 'boss', 'team', 'news']
    """
    word = word.removesuffix("'s").removesuffix("'")
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ics")) or word in NOT_PLURALS:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def phrase_key(text: str) -> tuple[str, ...]:
    """A phrase as the lexicon compares it: its words, normalised, without filler words.

    >>> phrase_key("Run my own Restaurants")
    ('run', 'restaurant')
    """
    return tuple(word_key(w) for w in words(text) if w not in FILLER_WORDS)


@dataclass(frozen=True, eq=False)
class JobTitles:
    """A validated job-title lexicon: (group, phrase, line) entries and the hash of the file's text.
    Two lexicons are equal when their texts are, so a codebook holding one stays cheap to compare."""

    source: str
    content_hash: str
    entries: tuple[tuple[str, str, int], ...] = field(repr=False)

    def __eq__(self, other) -> bool:
        return isinstance(other, JobTitles) and other.content_hash == self.content_hash

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def __len__(self) -> int:
        return len(self.entries)


def file_bytes(path: Path, *, what: str, hint: str) -> bytes:
    """The bytes of a codebook or job-title file; CodebookError naming `what` could not be read, and `hint`."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CodebookError([Problem(str(path), f"cannot read {what}: {exc.strerror or exc}", hint=hint)]) from None


def utf8_text(raw: bytes, source: str, *, limit: int, what: str) -> str:
    """The text of a codebook or job-title file's bytes; CodebookError when it is over `limit` bytes or not
    UTF-8 (naming the line of the first bad byte)."""
    if len(raw) > limit:
        raise CodebookError([Problem(source, f"the file is {len(raw):,} bytes, over the {limit:,}-byte limit "
                                     f"for {what}", hint="split it or remove data pasted into it")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CodebookError([Problem(source, "the file is not UTF-8 text", line=line,
                                     hint="save it as UTF-8")]) from None


def parse_job_titles(text: str, group_ids: list[str], *, source: str = "<string>") -> JobTitles:
    """Validate job-title YAML text against the codebook's occupation group ids; raises CodebookError naming
    every problem (file:line and a hint). `kept_titles.load_job_titles` reads a file through it.

    >>> len(parse_job_titles("education: [teacher, tutor]", ["education", "other"]))
    2
    """
    node = _compose(text, source)
    entries, problems = _entries(node, source)
    problems += _unknown_groups(node, group_ids, source) + _duplicates(entries, source)
    if problems:
        raise CodebookError(problems)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return JobTitles(source, digest, tuple((group, phrase, line) for group, phrase, line, _ in entries))


def _compose(text: str, source: str) -> yaml.MappingNode:
    try:
        node = yaml.compose(text, Loader=YAML_LOADER)  # a node tree: plain data with line numbers, no tags run
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CodebookError([Problem(source, f"YAML syntax: {exc.problem or 'invalid YAML'}",
                                     line=mark.line + 1 if mark else None,
                                     hint="check indentation, colons and quotes on this line")]) from None
    except yaml.YAMLError as exc:
        raise CodebookError([Problem(source, f"YAML error: {exc}", hint="check the YAML syntax")]) from None
    if not isinstance(node, yaml.MappingNode):
        raise CodebookError([Problem(source, "the job titles must be a mapping of group id -> list of phrases",
                                     line=1, hint="start with a line like `education:` and list phrases under it")])
    return node


def _entries(node: yaml.MappingNode, source: str) -> tuple[list[tuple[str, str, int, tuple]], list[Problem]]:
    """(group, phrase, line, phrase_key) of every valid entry, and a problem for every other."""
    entries, problems = [], []
    for key, value in node.value:
        if not isinstance(value, yaml.SequenceNode):
            problems.append(Problem(source, f"`{key.value}` must be a list of phrases", line=key.start_mark.line + 1,
                                    hint="write the phrases as `- phrase` lines under the group id"))
            continue
        for item in value.value:
            line = item.start_mark.line + 1
            words_key = phrase_key(str(item.value)) if isinstance(item, yaml.ScalarNode) \
                and item.tag != "tag:yaml.org,2002:null" else ()
            if not words_key:
                problems.append(Problem(source, f"under `{key.value}`: an entry with no words to match", line=line,
                                        hint="write a job title or an activity phrase, e.g. `- nurse`"))
                continue
            entries.append((str(key.value), str(item.value).strip(), line, words_key))
    return entries, problems


def _unknown_groups(node: yaml.MappingNode, group_ids: list[str], source: str) -> list[Problem]:
    problems = []
    for key, _ in node.value:
        if key.value not in group_ids:
            close = difflib.get_close_matches(str(key.value), group_ids, n=1)
            hint = (f"did you mean `{close[0]}`? " if close else "") + "groups: " + ", ".join(group_ids)
            problems.append(Problem(source, f"unknown occupation group `{key.value}`",
                                    line=key.start_mark.line + 1, hint=hint))
    return problems


def _duplicates(entries: list[tuple[str, str, int, tuple]], source: str) -> list[Problem]:
    """A phrase under two groups is ambiguous; listed twice under one group it is only noise: both reported."""
    first: dict[tuple[str, ...], tuple[str, str, int]] = {}
    problems = []
    for group, phrase, line, key in entries:
        if key in first:
            other_group, other_phrase, other_line = first[key]
            where = "also" if other_group == group else f"also under `{other_group}`"
            problems.append(Problem(source, f"`{phrase}` is {where} (as `{other_phrase}`, line {other_line})",
                                    line=line, hint="keep each phrase under one group only; a longer phrase "
                                    "(e.g. `medical writer`) can send a title to another group"))
        else:
            first[key] = (group, phrase, line)
    return problems
