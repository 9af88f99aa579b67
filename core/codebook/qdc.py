"""REFI-QDA codebooks (`.qdc` XML) to and from our codebook: groups are parent codes, and a code's id and terms
follow a `[themescope]` line at the end of its description (other tools show them as text).
"""
from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

from core.codebook.exchange import OCCUPATIONS, Category, Converted, codebook_document, invalid, not_carried_by
from core.codebook.model import Code, Codebook

QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
QDC_MARK = "[themescope]"  # starts the id and terms at the end of a .qdc code's description


def read_qdc(text: str, source: str) -> Converted:
    """A REFI-QDA codebook (`.qdc` XML) -> our codebook document: every codable code a theme (its parent
    codes its group), the codes under our `occupations` parent occupation groups. A code without our
    `[themescope]` terms gets its name as its one term, and a note."""
    root, lines = _qdc_tree(text, source)
    codes = next((child for child in root if _local(child.tag) == "Codes"), None)
    if _local(root.tag) != "CodeBook" or codes is None:
        raise invalid(source, f"a REFI-QDA codebook is <CodeBook> holding <Codes>, not <{_local(root.tag)}>",
                      lines.get(root, 1), "export the codebook from your QDA tool as a .qdc file")
    not_carried, notes = _qdc_extras(root), list[str]()
    categories = _qdc_categories(codes, (), False, lines, source, notes)
    converted = codebook_document(categories, source=source, kind="REFI-QDA codebook")
    return Converted(converted.value, not_carried + converted.not_carried, notes)


def _qdc_tree(text: str, source: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parse line by line, so every element knows the line it starts on (ElementTree keeps no positions)."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise invalid(source, "the XML declares a DTD or entities", None, "a .qdc needs neither: remove them")
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
        raise invalid(source, f"not well-formed XML: {reason}", line,
                      "check the tags around this line (every <Code> closed, quotes around attributes)",
                      column + 1) from None
    if root is None:
        raise invalid(source, "the file holds no XML element", 1, "export the codebook again")
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
            raise invalid(source, "a <Code> has no name", lines.get(code), "give every <Code> a name=\"...\"")
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
    return Converted('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n", not_carried_by(codebook, "qdc"),
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
