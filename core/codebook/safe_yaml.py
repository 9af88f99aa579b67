"""Safe YAML with positions: a codebook's data plus where each value starts, for problems that name a line.

`read_yaml(text, source)` refuses anchors and aliases (alias bombs) and tags, and returns the data and a map
path -> (line, column); `where(marks, path)` finds the nearest recorded position for a path.
"""
from __future__ import annotations

import re

import yaml

from core.errors import CodebookError, Problem

# libyaml's safe loader when PyYAML was built with it (10x faster, same marks); the pure-Python one otherwise
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# An anchor (&name) or alias (*name) starts a node, so it follows a space, a flow or block indicator, or the
# start of the text. Text with no such spot cannot hold one and skips the slower event scan ("R & D" is fine).
MAY_HOLD_ANCHOR = re.compile(r"(?:\A|[\s\[\]{},:?\-\ufeff])[&*][^\s\[\]{},]")

def read_yaml(text: str, source: str) -> tuple[dict, dict]:
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


def where(marks: dict, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
    if key and ("key", path) in marks:
        return marks[("key", path)]
    while path and path not in marks:
        path = path[:-1]
    return marks.get(path, (None, None))
