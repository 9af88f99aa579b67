"""Themescope dashboard (placeholder until the dashboard issue lands): theme prevalence on the shipped data."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import ThemescopeError, analyse, load_codebook  # noqa: E402
from core.summary import theme_prevalence  # noqa: E402


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", action="append")
    parser.add_argument("--metadata", action="append")
    parser.add_argument("--codebook", default=str(ROOT / "config" / "codebook.yaml"))
    return parser.parse_known_args(sys.argv[1:])[0]


st.set_page_config(page_title="Themescope", layout="wide")
st.title("Themescope")
args = options()
try:
    codebook = load_codebook(args.codebook)
    analysis = analyse(args.data or [str(ROOT / "data")], codebook=codebook, metadata=args.metadata)
except ThemescopeError as exc:
    st.error(str(exc))
    st.stop()
st.caption(f"{len(analysis.transcripts)} transcripts · codebook {codebook.name} {codebook.version}")
prevalence = theme_prevalence(analysis.themes)
st.bar_chart(prevalence.set_index("theme")["share"])
