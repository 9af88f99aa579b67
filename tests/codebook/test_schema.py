"""The codebook schema, declared in pydantic-core (`core.codebook.schema`), is the one pydantic builds from the
models in `pydantic_schema`: the same schema, so the same values, errors and messages for any document."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic_schema import CodebookSpec as PydanticCodebookSpec
from support import ROOT

from core.codebook import schema
from core.codebook.safe_yaml import read_yaml

VALID = {"name": "demo", "themes": [{"id": "speed", "label": "Speed", "description": "d", "terms": ["faster"]}]}


def comparable(node):
    """A core schema with what names an object (refs, metadata, classes, functions) reduced to names, and the
    keys pydantic writes out at their defaults left out, so two equal schemas compare equal."""
    if isinstance(node, dict):
        return {key: comparable(value) for key, value in node.items()
                if key not in ("ref", "metadata") and not (value is False or value == [] and key != "default")}
    if isinstance(node, list | tuple):
        return [comparable(item) for item in node]
    if isinstance(node, type):
        return node.__name__
    if callable(node):
        return getattr(node, "__name__", repr(node))
    if isinstance(node, BaseModel | schema.Spec):
        return as_data(node)
    return node


def as_data(value):
    """A validated document, ours or pydantic's, as plain data (types kept: 88 is not 88.0)."""
    if isinstance(value, BaseModel):
        return {"spec": type(value).__name__, **{f: as_data(getattr(value, f)) for f in type(value).model_fields}}
    if isinstance(value, schema.Spec):
        return {"spec": type(value).__name__, **{f: as_data(getattr(value, f)) for f in value.FIELDS}}
    if isinstance(value, list):
        return [as_data(item) for item in value]
    return (type(value).__name__, value)


def outcome(validate, document):
    try:
        return as_data(validate(document))
    except ValidationError as error:
        return error.errors(include_url=False)


def assert_same_outcome(document):
    assert outcome(schema.validate_document, document) == outcome(PydanticCodebookSpec.model_validate, document)


def test_the_schema_is_the_one_pydantic_builds_from_the_models():
    assert comparable(schema.CODEBOOK_SCHEMA) == comparable(PydanticCodebookSpec.__pydantic_core_schema__)


def test_the_shipped_codebook_validates_to_the_same_values():
    document, _ = read_yaml((ROOT / "config" / "codebook.yaml").read_text(encoding="utf-8"), "codebook.yaml")
    assert_same_outcome(document)


@pytest.mark.parametrize("document", [
    VALID, {}, [], "text", None,
    {**VALID, "nmae": "x"},
    {**VALID, "themes": ["speed"]},
    {**VALID, "themes": [{"id": "Speed", "label": "", "terms": [], "weight": "heavy", "negation": "maybe"}]},
    {**VALID, "settings": {"scope": "everyone", "threshold": "88", "min_hits": 0, "speakers": {"ai": ["A"]},
                           "occupation": {"first_turns": 2.5, "titles": None}, "negation_window": 11}},
    {**VALID, "settings": 5, "occupations": {"id": "x"}},
    {**VALID, "version": 1.5,
     "occupations": [{"id": "it", "label": "IT", "terms": ["dev", {"term": "x", "allow": "y"}]}]},
    {**VALID, "themes": [{**VALID["themes"][0], "terms": [{"term": "x", "threshold": 101, "exact": "yes"}, 7, None]}]},
])
def test_every_kind_of_mistake_gives_pydantic_s_errors(document):
    assert_same_outcome(document)


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 200), st.floats(allow_nan=False),
                   st.sampled_from(["", "x", "88", "yes", "participant", "Speed", "id_1", "inf"]),
                   st.lists(st.sampled_from(["a", "b c", 1, None]), max_size=3), st.dictionaries(st.just("term"),
                                                                                                 st.just("x")))
KEYS = st.sampled_from(["name", "version", "description", "settings", "themes", "occupations", "scope", "threshold",
                        "terms", "term", "id", "label", "weight", "min_hits", "exclude", "speakers", "occupation",
                        "first_turns", "exact", "allow", "negation", "unknown_key"])


@st.composite
def documents(draw):
    """A valid document with a few of its values, at any depth, replaced or added under a known or unknown key."""
    document = {"name": "demo", "settings": {"speakers": {}, "occupation": {}},
                "themes": [{"id": "speed", "label": "Speed", "description": "d", "terms": ["faster", {"term": "x"}]}],
                "occupations": [{"id": "it", "label": "IT", "terms": ["developer"]}]}
    places = [document, document["settings"], document["settings"]["speakers"], document["settings"]["occupation"],
              document["themes"][0], document["themes"][0]["terms"][1], document["occupations"][0]]
    for _ in range(draw(st.integers(1, 4))):
        draw(st.sampled_from(places))[draw(KEYS)] = draw(VALUES)
    return document


@settings(max_examples=300, deadline=None)
@given(documents())
def test_any_document_gives_the_same_values_or_errors_as_pydantic(document):
    assert_same_outcome(document)


def test_a_validated_part_cannot_be_changed():
    spec = schema.validate_document(VALID)
    with pytest.raises(AttributeError, match="read-only"):
        spec.name = "other"  # type: ignore[misc]


def test_validating_a_codebook_does_not_import_pydantic():
    """pydantic's import and model building were nearly half of `themescope validate` (0.15 of 0.33 CPU-s)."""
    code = ("import sys\nfrom core.cli.main import main\nmain(['validate', 'config/codebook.yaml'])\n"
            "print('pydantic' in sys.modules, file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stderr.split() == ["False"] and "15 themes" in run.stdout
