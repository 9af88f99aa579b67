"""The tiny workbench corpus shared by the lint, diff, terms, evaluate and history tests.

Three transcripts (tests/data/workbench/transcripts) and a codebook built to trip every lint rule: a silent
theme (`art`), a term under two themes (`double check`), a term under two occupations (`teacher`), unused
terms, broad terms, and a near miss (`calandar`, 87.5 against `calendar` at threshold 88).
"""
from __future__ import annotations

from functools import lru_cache

from support import DATA

from core import analyse, load_codebook, parse_codebook
from core.engine.rescore import CachedCorpus
from core.engine.results import Analysis

WORKBENCH = DATA / "workbench"
TRANSCRIPTS = WORKBENCH / "transcripts"
CODEBOOK = WORKBENCH / "codebook.yaml"
LABELS_A = WORKBENCH / "labels_coder_a.yaml"
LABELS_B = WORKBENCH / "labels_coder_b.yaml"


@lru_cache(maxsize=1)
def workbench() -> tuple[CachedCorpus, Analysis]:
    """The corpus in memory and its scoring with the workbench codebook (computed once per session)."""
    analysis = analyse([TRANSCRIPTS], codebook=load_codebook(CODEBOOK), use_cache=False, workers=1)
    return CachedCorpus.of(analysis), analysis


def edited(old: str, new: str):
    """The workbench codebook with one text edit (which must apply)."""
    text = CODEBOOK.read_text()
    assert old in text, old
    return parse_codebook(text.replace(old, new, 1), source=str(CODEBOOK))
