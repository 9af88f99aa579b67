"""The codebook schema as pydantic models, as it was declared before `core.codebook.schema` declared it in
pydantic-core directly: the slow, obviously right reference the tests hold that schema against."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.codebook.schema import DEFAULT_HEDGES, DEFAULT_NEGATORS

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Scope = Literal["participant", "interviewer", "all"]


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
