"""quanteda-style YAML dictionaries to and from our codebook: keys holding lists of glob patterns, keys may nest;
a nested key's parents are the theme's group, a top-level `occupations:` mapping holds occupation groups.
"""
from __future__ import annotations

from typing import Any

import yaml

from core.codebook import exchange
from core.codebook.exchange import OCCUPATIONS, Category, Converted, invalid
from core.codebook.model import Code, Codebook
from core.codebook.safe_yaml import YAML_LOADER


def read_quanteda(text: str, source: str) -> Converted:
    """A quanteda-style YAML dictionary (keys -> lists of glob patterns, keys may nest) -> our codebook
    document. A nested key's parents become the theme's group; a top-level `occupations:` mapping holds
    occupation groups."""
    root = _yaml_root(text, source)
    categories = _quanteda_categories(root, (), source)
    converted = exchange.codebook_document(categories, source=source, kind="quanteda dictionary")
    return Converted(converted.value, converted.not_carried, [exchange.matching_note("quanteda")])


def _yaml_root(text: str, source: str) -> yaml.MappingNode:
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise invalid(source, "YAML anchors and aliases (& and *) are not allowed",
                              event.start_mark.line + 1, "write the repeated patterns out in full")
        node = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise invalid(source, f"YAML syntax: {exc.problem or 'invalid YAML'}", mark.line + 1 if mark else None,
                      "check indentation, colons and quotes on this line") from None
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        raise invalid(source, "a quanteda dictionary is a YAML mapping of keys to lists of patterns", line,
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
            raise invalid(source, f"the key {key!r} holds something other than a list of patterns", line,
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
    not_carried = exchange.not_carried_by(codebook, "quanteda")
    for path, code in _nested_paths(codebook):
        if not _insert(tree, path, [term.text for term in code.terms]):
            flat = "_".join(path)
            tree[flat] = [term.text for term in code.terms]
            not_carried.append(f"{path[-1]}: its group (the name clashes with another key; written as {flat})")
    text = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=110)
    return Converted(text, not_carried, [exchange.matching_note("quanteda", out=True)])


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
