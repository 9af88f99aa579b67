"""Themescope's engine: files -> corpus -> hits -> scores -> views. Never imports streamlit.

    from core import load_codebook, analyse
    analysis = analyse(["data"], codebook=load_codebook("config/codebook.yaml"))

The packages, in the order data flows through them (each `__init__` says what it owns and may import):
ingest (files), codebook, engine (matching, scoring, executors, cache), views (filters, numbers, quotes,
figures), share (exports, report), workbench (codebook edits on a corpus), handcoding (labels, agreement),
cli (the `themescope` command). Names below are imported on first use, so `import core` stays cheap.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "Analysis": "core.engine.results", "analyse": "core.engine.pipeline",
    "Codebook": "core.codebook.model", "load_codebook": "core.codebook.model", "parse_codebook": "core.codebook.model",
    "CodebookError": "core.errors", "DataError": "core.errors", "DownloadError": "core.errors",
    "Problem": "core.errors", "ThemescopeError": "core.errors",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'core' has no attribute {name!r}")
