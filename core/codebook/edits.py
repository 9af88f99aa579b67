"""Edits of a codebook's YAML text that keep everything else as the researcher wrote it.

    text = add_variant(text, "theme", "accuracy_trust", 0, "halucinate", to="allow")
    text = set_setting(text, "threshold", 85)
    text = add_term(text, "theme", "coding", "pull request")

Only the one term's node changes: a plain term `- hallucinate` becomes `- {term: hallucinate, allow:
[halucinate]}`; a term already written as a mapping gets the word added to its list. Comments, order and
layout elsewhere stay byte for byte the same, and the result is validated before it is returned.
"""
from __future__ import annotations

import yaml

from core.codebook.model import parse_codebook
from core.errors import CodebookError, Problem

LISTS = ("allow", "deny")
SECTIONS = {"theme": "themes", "occupation": "occupations"}


def add_variant(text: str, kind: str, code_id: str, term_index: int, variant: str, *, to: str = "allow",
                source: str = "<edit>") -> str:
    """The codebook text with `variant` on the `to` list (allow or deny) of one term; the word is taken off
    the other list. Raises CodebookError when the term is not there or the edit would not validate."""
    if to not in LISTS:
        raise ValueError(f"`to` must be one of {LISTS}")
    node = _term_node(text, kind, code_id, term_index, source)
    spec = _term_spec(yaml.safe_load(text[node.start_mark.index:node.end_mark.index]))
    other = LISTS[1 - LISTS.index(to)]
    spec[to] = list(dict.fromkeys([*spec.get(to, []), variant]))
    if variant in spec.get(other, []):
        spec[other] = [w for w in spec[other] if w != variant]
        if not spec[other]:
            del spec[other]
    edited = text[:node.start_mark.index] + _flow(spec) + text[node.end_mark.index:]
    parse_codebook(edited, source=source)  # never hand back a codebook that does not validate
    return edited


def add_term(text: str, kind: str, code_id: str, term: str, *, source: str = "<edit>") -> str:
    """The codebook text with `term` added at the end of one code's `terms:` list, written the way the list
    is (a new `- term` line in a block list, `, term` in a flow list). Raises CodebookError when the code
    has no `terms:` list, already has the term, or the edit would not validate.

    >>> add_term("name: x\\nthemes:\\n- id: t\\n  label: T\\n  description: d\\n  terms: [a]\\n", "theme", "t", "b c")
    'name: x\\nthemes:\\n- id: t\\n  label: T\\n  description: d\\n  terms: [a, b c]\\n'
    """
    terms = _terms_node(text, kind, code_id, source)
    written = [yaml.safe_load(text[n.start_mark.index:n.end_mark.index]) for n in terms.value]
    if term.strip().lower() in {str(_term_spec(w).get("term", "")).strip().lower() for w in written}:
        raise CodebookError([Problem(source, f"`{term}` is already a term of {kind} `{code_id}`",
                                     hint="nothing to add; preview the codebook to see what it matches")])
    rendered = _flow_scalar(term)
    if terms.flow_style or not terms.value:
        at = terms.end_mark.index - 1  # just before the closing bracket
        edited = text[:at] + (", " if terms.value else "") + rendered + text[at:]
    else:
        edited = _after_last_item(text, terms.value[-1], rendered)
    parse_codebook(edited, source=source)
    return edited


def _terms_node(text: str, kind: str, code_id: str, source: str):
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    codes = _child(root, SECTIONS[kind])
    for code in codes.value if isinstance(codes, yaml.SequenceNode) else []:
        identifier = _child(code, "id")
        terms = _child(code, "terms")
        if identifier is not None and identifier.value == code_id and isinstance(terms, yaml.SequenceNode):
            return terms
    raise CodebookError([Problem(source, f"{kind} `{code_id}` has no `terms:` list to add to",
                                 hint=f"add `terms: []` under {kind} `{code_id}`, or reload the codebook")])


def _after_last_item(text: str, last, rendered: str) -> str:
    """A new block-list item on the line after the last one, with the same `- ` prefix (a comment at the
    end of the last item's line stays there)."""
    line_start = text.rfind("\n", 0, last.start_mark.index) + 1
    prefix = text[line_start:last.start_mark.index]
    if prefix.strip() != "-":
        prefix = " " * (last.start_mark.column - 2) + "- "
    end = last.end_mark.index
    if end == 0 or text[end - 1] != "\n":
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    insert = ("" if text[:end].endswith("\n") else "\n") + f"{prefix}{rendered}\n"
    return text[:end] + insert + text[end:]


def set_setting(text: str, key: str, value, *, source: str = "<edit>") -> str:
    """The codebook text with `settings: {key}: value`: the value replaced where it is written, else a line
    added at the top of `settings:` (made when missing). Raises CodebookError when the result would not
    validate (an unknown key, a value out of range)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    settings = _child(root, "settings")
    rendered = _flow_scalar(value)
    current = _child(settings, key)
    if isinstance(current, yaml.ScalarNode):
        edited = text[:current.start_mark.index] + rendered + text[current.end_mark.index:]
    elif isinstance(settings, yaml.MappingNode) and settings.value and settings.flow_style is False:
        first = settings.value[0][0]  # a new line above the first setting, with its indentation
        line_start = text.rfind("\n", 0, first.start_mark.index) + 1
        indent = " " * first.start_mark.column
        edited = text[:line_start] + f"{indent}{key}: {rendered}\n" + text[line_start:]
    elif settings is None and isinstance(root, yaml.MappingNode) and root.value:
        themes = _child_key(root, "themes") or root.value[0][0]
        line_start = text.rfind("\n", 0, themes.start_mark.index) + 1
        edited = text[:line_start] + f"settings:\n  {key}: {rendered}\n" + text[line_start:]
    else:
        raise CodebookError([Problem(source, f"cannot set settings.{key} in this layout",
                                     hint=f"add `{key}: {rendered}` under `settings:` by hand")])
    parse_codebook(edited, source=source)
    return edited


def _child_key(node, key: str):
    return next((k for k, _ in node.value if k.value == key), None)


def _flow_scalar(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    dumped = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def _term_node(text: str, kind: str, code_id: str, term_index: int, source: str):
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    codes = _child(root, SECTIONS[kind])
    for code in codes.value if isinstance(codes, yaml.SequenceNode) else []:
        identifier = _child(code, "id")
        terms = _child(code, "terms")
        if identifier is not None and identifier.value == code_id and isinstance(terms, yaml.SequenceNode) \
                and 0 <= term_index < len(terms.value):
            return terms.value[term_index]
    raise CodebookError([Problem(source, f"no term {term_index} in {kind} `{code_id}`",
                                 hint="reload the codebook: it changed since the report was made")])


def _child(node, key: str):
    if isinstance(node, yaml.MappingNode):
        return next((value for k, value in node.value if k.value == key), None)
    return None


def _term_spec(value) -> dict:
    return dict(value) if isinstance(value, dict) else {"term": value}


def _flow(spec: dict) -> str:
    """One term as a one-line flow mapping: {term: x, allow: [a, b]}."""
    def scalar(value) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(map(scalar, value)) + "]"
        dumped = yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True)
        return dumped.removesuffix("\n").removesuffix("\n...").strip()
    return "{" + ", ".join(f"{key}: {scalar(value)}" for key, value in spec.items()) + "}"
