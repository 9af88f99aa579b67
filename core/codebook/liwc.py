"""LIWC dictionaries (`.dic`) to and from our codebook: the `%` block of numbered categories, then a line per word
with the numbers of its categories. A theme's group and the occupation groups are the first part of a dotted
category name (`risks.job_anxiety`, `occupations.it_software`).
"""
from __future__ import annotations

import re

from core.codebook.exchange import (
    OCCUPATIONS,
    Category,
    Converted,
    codebook_document,
    invalid,
    matching_note,
    not_carried_by,
    slug,
)
from core.codebook.model import Code, Codebook
from core.errors import CodebookError, Problem


def read_liwc(text: str, source: str) -> Converted:
    """A LIWC dictionary -> our codebook document: the `%` block of numbered categories, then
    `word<TAB>category numbers` lines; a `*` at a word's end is our prefix term."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].strip() != "%":
        raise invalid(source, "a LIWC dictionary starts with a line holding only %", (start or 0) + 1,
                      "put the numbered categories between two lines holding only %, then one word per line")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "%"), None)
    if end is None:
        raise invalid(source, "the category block opened here is never closed by a line holding only %",
                      start + 1, "add a line holding only % after the last category")
    names = _liwc_categories(lines, start + 1, end, source)
    patterns, not_carried = _liwc_words(lines, end + 1, names, source)
    categories = [_liwc_category(name, patterns[number], line) for number, (name, line) in names.items()]
    converted = codebook_document(categories, source=source, kind="LIWC dictionary")
    return Converted(converted.value, not_carried + converted.not_carried, [matching_note("LIWC")])


def _liwc_category(dotted_name: str, patterns: list[str], line: int) -> Category:
    group, occupation, name = _dotted(dotted_name)
    return Category(name, tuple(patterns), group, occupation, line)


def _liwc_categories(lines: list[str], first: int, end: int, source: str) -> dict[int, tuple[str, int]]:
    names: dict[int, tuple[str, int]] = {}
    for index in range(first, end):
        parts = lines[index].split()
        if not parts:
            continue
        if len(parts) < 2 or not parts[0].isdigit():
            raise invalid(source, f"a category line reads number<TAB>name, not {lines[index].strip()!r}", index + 1,
                          "write e.g. `1\tposemo`")
        if int(parts[0]) in names:
            raise invalid(source, f"category number {parts[0]} is declared twice", index + 1,
                          "give each category its own number")
        names[int(parts[0])] = (parts[1], index + 1)
    if not names:
        raise invalid(source, "the % block declares no category", first, "add lines like `1\tposemo`")
    return names


def _liwc_words(lines: list[str], first: int, names: dict, source: str) -> tuple[dict[int, list[str]], list[str]]:
    patterns: dict[int, list[str]] = {number: [] for number in names}
    problems, not_carried = [], []
    for index in range(first, len(lines)):
        if not lines[index].strip():
            continue
        word, numbers = _liwc_entry(lines[index])
        if any(not n.isdigit() for n in numbers) and re.search(r"[(<]", " ".join(numbers)):
            not_carried.append(f"line {index + 1}: {word!r} uses LIWC's conditional categories")
            continue
        problem = _liwc_entry_problem(word, numbers, names)
        if problem:
            problems.append(Problem(source, problem[0], line=index + 1, hint=problem[1]))
            continue
        for number in dict.fromkeys(int(n) for n in numbers):
            patterns[number].append(word)
    if problems:
        raise CodebookError(problems)
    return patterns, not_carried


def _liwc_entry(line: str) -> tuple[str, list[str]]:
    """`word<TAB>1<TAB>4` or `kind of 12 13` -> (word, numbers): a tab ends the word; without one, the
    numbers are the trailing digit groups."""
    if "\t" in line:
        word, rest = line.split("\t", 1)
        return " ".join(word.split()), rest.split()
    parts = line.split()
    cut = len(parts)
    while cut > 1 and parts[cut - 1].isdigit():
        cut -= 1
    return " ".join(parts[:cut]), parts[cut:]


def _liwc_entry_problem(word: str, numbers: list[str], names: dict) -> tuple[str, str] | None:
    if not numbers:
        return f"the word {word!r} names no category", "write the word, a tab, then its category numbers"
    bad = next((n for n in numbers if not n.isdigit()), None)
    if bad is not None:
        return f"the word {word!r} names category {bad!r}, not a number", "use the numbers of the % block"
    unknown = next((n for n in numbers if int(n) not in names), None)
    if unknown is not None:
        return (f"the word {word!r} names category {unknown}, which the % block does not declare",
                f"add `{unknown}<TAB>name` between the % lines, or remove {unknown} from this line")
    return None


def to_liwc(codebook: Codebook) -> Converted:
    """A codebook -> LIWC `.dic` text: one category per theme and occupation group, one line per word with
    the numbers of its categories (a word under two themes names both)."""
    named = _dotted_names(codebook)
    numbers_of: dict[str, list[int]] = {}
    for number, (_, code) in enumerate(named, 1):
        for term in code.terms:
            numbers = numbers_of.setdefault(" ".join(term.text.lower().split()), [])
            if number not in numbers:
                numbers.append(number)
    lines = ["%", *(f"{number}\t{name}" for number, (name, _) in enumerate(named, 1)), "%"]
    lines += [f"{word}\t" + "\t".join(map(str, numbers)) for word, numbers in sorted(numbers_of.items())]
    return Converted("\n".join(lines) + "\n", not_carried_by(codebook, "liwc"), [matching_note("LIWC", out=True)])


def _dotted_names(codebook: Codebook) -> list[tuple[str, Code]]:
    named = [(f"{slug(t.group)}.{t.id}" if t.group else t.id, t) for t in codebook.themes]
    return named + [(f"{OCCUPATIONS}.{o.id}", o) for o in codebook.occupations]


def _dotted(name: str) -> tuple[str | None, bool, str]:
    """A LIWC category name -> (group, is an occupation group, name): `risks.job_anxiety`."""
    parts = [part for part in name.split(".") if part]
    if len(parts) > 1 and parts[0] == OCCUPATIONS:
        return None, True, ".".join(parts[1:])
    return (".".join(parts[:-1]) or None), False, parts[-1] if parts else name
