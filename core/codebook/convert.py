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
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from core.codebook.model import Code, Codebook, parse_codebook
from core.codebook.safe_yaml import YAML_LOADER
from core.errors import CodebookError, Problem, UsageError
from core.ingest.text import words

OCCUPATIONS = "occupations"  # the dotted-name part / nesting key / parent code that holds occupation groups
QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
QDC_MARK = "[themescope]"  # starts the id and terms at the end of a .qdc code's description


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


def _error(source: str, message: str, line: int | None, hint: str, column: int | None = None) -> CodebookError:
    return CodebookError([Problem(source, message, line=line, column=column, hint=hint)])


# ---------------------------------------------------------------- from a foreign file to our codebook
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
        raise _error(source, f"no {kind} category holds a word", None, "add words under at least one category")
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


def _dotted(name: str) -> tuple[str | None, bool, str]:
    """A LIWC category name -> (group, is an occupation group, name): `risks.job_anxiety`."""
    parts = [part for part in name.split(".") if part]
    if len(parts) > 1 and parts[0] == OCCUPATIONS:
        return None, True, ".".join(parts[1:])
    return (".".join(parts[:-1]) or None), False, parts[-1] if parts else name


# ---------------------------------------------------------------- LIWC .dic
def read_liwc(text: str, source: str) -> Converted:
    """A LIWC dictionary -> our codebook document: the `%` block of numbered categories, then
    `word<TAB>category numbers` lines; a `*` at a word's end is our prefix term."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].strip() != "%":
        raise _error(source, "a LIWC dictionary starts with a line holding only %", (start or 0) + 1,
                     "put the numbered categories between two lines holding only %, then one word per line")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "%"), None)
    if end is None:
        raise _error(source, "the category block opened here is never closed by a line holding only %",
                     start + 1, "add a line holding only % after the last category")
    names = _liwc_categories(lines, start + 1, end, source)
    patterns, not_carried = _liwc_words(lines, end + 1, names, source)
    categories = [_liwc_category(name, patterns[number], line) for number, (name, line) in names.items()]
    converted = codebook_document(categories, source=source, kind="LIWC dictionary")
    return Converted(converted.value, not_carried + converted.not_carried, [_matching_note("LIWC")])


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
            raise _error(source, f"a category line reads number<TAB>name, not {lines[index].strip()!r}", index + 1,
                         "write e.g. `1\tposemo`")
        if int(parts[0]) in names:
            raise _error(source, f"category number {parts[0]} is declared twice", index + 1,
                         "give each category its own number")
        names[int(parts[0])] = (parts[1], index + 1)
    if not names:
        raise _error(source, "the % block declares no category", first, "add lines like `1\tposemo`")
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
    return Converted("\n".join(lines) + "\n", _not_carried(codebook, "liwc"), [_matching_note("LIWC", out=True)])


def _dotted_names(codebook: Codebook) -> list[tuple[str, Code]]:
    named = [(f"{slug(t.group)}.{t.id}" if t.group else t.id, t) for t in codebook.themes]
    return named + [(f"{OCCUPATIONS}.{o.id}", o) for o in codebook.occupations]


def _matching_note(kind: str, *, out: bool = False) -> str:
    if out:
        return (f"matching: {kind} matches each word as written (`word*` for any ending); Themescope terms also "
                "matched inflections and typos")
    return (f"matching: the {kind} words now also match inflections and typos; add `exact: true` to a term to "
            "match it as written")


# ---------------------------------------------------------------- quanteda-style YAML
def read_quanteda(text: str, source: str) -> Converted:
    """A quanteda-style YAML dictionary (keys -> lists of glob patterns, keys may nest) -> our codebook
    document. A nested key's parents become the theme's group; a top-level `occupations:` mapping holds
    occupation groups."""
    root = _yaml_root(text, source)
    categories = _quanteda_categories(root, (), source)
    converted = codebook_document(categories, source=source, kind="quanteda dictionary")
    return Converted(converted.value, converted.not_carried, [_matching_note("quanteda")])


def _yaml_root(text: str, source: str) -> yaml.MappingNode:
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _error(source, "YAML anchors and aliases (& and *) are not allowed",
                             event.start_mark.line + 1, "write the repeated patterns out in full")
        node = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _error(source, f"YAML syntax: {exc.problem or 'invalid YAML'}", mark.line + 1 if mark else None,
                     "check indentation, colons and quotes on this line") from None
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        raise _error(source, "a quanteda dictionary is a YAML mapping of keys to lists of patterns", line,
                     "write e.g. `anxiety: [worried, afraid*]`")
    return node


def _quanteda_categories(node: yaml.MappingNode, path: tuple[str, ...], source: str) -> list[Category]:
    categories: list[Category] = []
    for key_node, value in node.value:
        key, line = str(key_node.value), key_node.start_mark.line + 1
        if isinstance(value, yaml.MappingNode):
            categories += _quanteda_categories(value, (*path, key), source)
            continue
        items = value.value if isinstance(value, yaml.SequenceNode) else [value]
        if any(not isinstance(item, yaml.ScalarNode) for item in items):
            raise _error(source, f"the key {key!r} holds something other than a list of patterns", line,
                         "write a list of words or phrases, e.g. [worried, afraid*]")
        patterns = tuple(item.value for item in items if item.value not in ("", None) and item.tag != _NULL)
        occupation = bool(path) and path[0] == OCCUPATIONS
        group = ".".join(path[1:] if occupation else path) or None
        categories.append(Category(key, patterns, group, occupation, line))
    return categories


_NULL = "tag:yaml.org,2002:null"


def to_quanteda(codebook: Codebook) -> Converted:
    """A codebook -> quanteda-style YAML: themes by group (nested), occupation groups under `occupations:`."""
    tree: dict[str, Any] = {}
    not_carried = _not_carried(codebook, "quanteda")
    for path, code in _nested_paths(codebook):
        if not _insert(tree, path, [term.text for term in code.terms]):
            flat = "_".join(path)
            tree[flat] = [term.text for term in code.terms]
            not_carried.append(f"{path[-1]}: its group (the name clashes with another key; written as {flat})")
    text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=110)
    return Converted(text, not_carried, [_matching_note("quanteda", out=True)])


def _nested_paths(codebook: Codebook) -> list[tuple[tuple[str, ...], Code]]:
    paths = [(((t.group,) if t.group else ()) + (t.id,), t) for t in codebook.themes]
    return paths + [((OCCUPATIONS, o.id), o) for o in codebook.occupations]


def _insert(tree: dict[str, Any], path: tuple[str, ...], patterns: list[str]) -> bool:
    """Put patterns at path in the nested tree; False when a key on the way is taken by a leaf or the leaf
    by a branch."""
    node = tree
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            return False
    if path[-1] in node:
        return False
    node[path[-1]] = patterns
    return True


# ---------------------------------------------------------------- REFI-QDA .qdc
def read_qdc(text: str, source: str) -> Converted:
    """A REFI-QDA codebook (`.qdc` XML) -> our codebook document: every codable code a theme (its parent
    codes its group), the codes under our `occupations` parent occupation groups. A code without our
    `[themescope]` terms gets its name as its one term, and a note."""
    root, lines = _qdc_tree(text, source)
    codes = next((child for child in root if _local(child.tag) == "Codes"), None)
    if _local(root.tag) != "CodeBook" or codes is None:
        raise _error(source, f"a REFI-QDA codebook is <CodeBook> holding <Codes>, not <{_local(root.tag)}>",
                     lines.get(root, 1), "export the codebook from your QDA tool as a .qdc file")
    not_carried, notes = _qdc_extras(root), list[str]()
    categories = _qdc_categories(codes, (), False, lines, source, notes)
    converted = codebook_document(categories, source=source, kind="REFI-QDA codebook")
    return Converted(converted.value, not_carried + converted.not_carried, notes)


def _qdc_tree(text: str, source: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parse line by line, so every element knows the line it starts on (ElementTree keeps no positions)."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise _error(source, "the XML declares a DTD or entities", None, "a .qdc needs neither: remove them")
    parser: ET.XMLPullParser = ET.XMLPullParser(events=("start",))
    lines: dict[ET.Element, int] = {}
    root: ET.Element | None = None
    try:
        for number, chunk in enumerate(text.splitlines(keepends=True), 1):
            parser.feed(chunk)
            for _, element in parser.read_events():  # type: ignore[misc]  # "start" events: (event, element)
                lines[element] = number  # type: ignore[index]  # "start" events carry elements
                root = element if root is None else root  # type: ignore[assignment]
        parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise _error(source, f"not well-formed XML: {reason}", line,
                     "check the tags around this line (every <Code> closed, quotes around attributes)",
                     column + 1) from None
    if root is None:
        raise _error(source, "the file holds no XML element", 1, "export the codebook again")
    return root, lines


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _qdc_extras(root: ET.Element) -> list[str]:
    found = [] if root.find(".//{*}Set") is None else ["sets (Themescope has no code sets)"]
    if any(code.get("color") for code in root.iter() if _local(code.tag) == "Code"):
        found.append("code colours (Themescope picks its own)")
    return found


def _qdc_categories(parent: ET.Element, path: tuple[str, ...], occupation: bool, lines: dict, source: str,
                    notes: list[str]) -> list[Category]:
    categories: list[Category] = []
    for code in (child for child in parent if _local(child.tag) == "Code"):
        name = code.get("name")
        if not name:
            raise _error(source, "a <Code> has no name", lines.get(code), "give every <Code> a name=\"...\"")
        description, stated = _qdc_description(code)
        if stated.get("kind") == [OCCUPATIONS]:
            categories += _qdc_categories(code, (), True, lines, source, notes)
            continue
        if code.get("isCodable", "true").strip().lower() in ("true", "1"):
            categories.append(_qdc_category(code, name, path, occupation, description, stated, lines, notes))
        categories += _qdc_categories(code, (*path, name), occupation, lines, source, notes)
    return categories


def _qdc_category(code: ET.Element, name: str, path: tuple[str, ...], occupation: bool, description: str,
                  stated: dict[str, list[str]], lines: dict, notes: list[str]) -> Category:
    terms = stated.get("term", [])
    if not terms:
        terms = [name]
        notes.append(f"code {name!r} has no Themescope terms: its name is its one term; add terms before scoring")
    return Category(name, tuple(terms), " / ".join(path) or None, occupation, lines.get(code),
                    code_id=next(iter(stated.get("id", [])), None), label=name, description=description or None)


def _qdc_description(code: ET.Element) -> tuple[str, dict[str, list[str]]]:
    """A code's description and, after our `[themescope]` line, its `key: value` lines (id, kind, term)."""
    element = next((child for child in code if _local(child.tag) == "Description"), None)
    text = (element.text or "") if element is not None else ""
    human, _, ours = text.partition(QDC_MARK)
    stated: dict[str, list[str]] = {}
    for line in ours.splitlines():
        key, colon, value = line.partition(":")
        if colon and value.strip():
            stated.setdefault(key.strip(), []).append(value.strip())
    return " ".join(human.split()), stated


def to_qdc(codebook: Codebook) -> Converted:
    """A codebook -> REFI-QDA `.qdc` XML: themes as codes (under a parent code per group), occupation groups
    under a parent code; each code's id and terms after `[themescope]` in its description."""
    root = ET.Element("CodeBook", {"xmlns": QDC_NAMESPACE, "origin": "Themescope"})
    codes = ET.SubElement(root, "Codes")
    parents: dict[str, ET.Element] = {}
    for theme in codebook.themes:
        if theme.group and theme.group not in parents:
            parents[theme.group] = _qdc_code(codes, codebook, theme.group, f"group:{theme.group}", codable=False)
        _qdc_theme(parents[theme.group] if theme.group else codes, codebook, theme, "theme")
    if codebook.occupations:
        holder = _qdc_code(codes, codebook, "Occupation groups", OCCUPATIONS, codable=False,
                           text=f"Each transcript's occupation group.\n\n{QDC_MARK}\nkind: {OCCUPATIONS}")
        for occupation in codebook.occupations:
            _qdc_theme(holder, codebook, occupation, "occupation")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return Converted('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n", _not_carried(codebook, "qdc"),
                     ["terms: each code's id and terms follow `[themescope]` in its description"])


def _qdc_theme(parent: ET.Element, codebook: Codebook, code: Code, kind: str) -> None:
    trailer = "\n".join([QDC_MARK, f"id: {code.id}", *(f"term: {t.text}" for t in code.terms)])
    _qdc_code(parent, codebook, code.label, f"{kind}:{code.id}", codable=True,
              text=f"{code.description}\n\n{trailer}")


def _qdc_code(parent: ET.Element, codebook: Codebook, name: str, key: str, *, codable: bool,
              text: str | None = None) -> ET.Element:
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"themescope:{codebook.name}:{key}"))  # the same on every run
    element = ET.SubElement(parent, "Code",
                            {"guid": guid, "name": name, "isCodable": "true" if codable else "false"})
    if text is not None:
        ET.SubElement(element, "Description").text = text
    return element


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


def _not_carried(codebook: Codebook, target: str) -> list[str]:
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


# ---------------------------------------------------------------- formats and the conversion
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
