"""Themescope's engine: files -> corpus -> hits -> scores. Never imports streamlit.

The public entry points:

    from core import load_codebook, analyse
    analysis = analyse(["data"], codebook=load_codebook("config/codebook.yaml"))
"""
__version__ = "0.1.0"

from core.codebook.model import Codebook, load_codebook, parse_codebook  # noqa: E402
from .errors import CodebookError, DataError, DownloadError, Problem, ThemescopeError  # noqa: E402
from core.engine.pipeline import Analysis, analyse  # noqa: E402

__all__ = ["Analysis", "Codebook", "CodebookError", "DataError", "DownloadError", "Problem", "ThemescopeError",
           "analyse", "load_codebook", "parse_codebook"]
