"""Summaries of scores that every face (CLI, dashboard, reports) shows: prevalence with intervals."""
from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959964


def wilson_interval(present: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval of a proportion (sound for small n and for 0% or 100%).

    >>> [round(float(x), 3) for x in wilson_interval(np.array([5]), np.array([10]))[0]]
    [0.237]
    """
    present, n = np.asarray(present, float), np.asarray(n, float)
    safe_n = np.where(n > 0, n, 1)
    p = present / safe_n
    centre = (p + Z95**2 / (2 * safe_n)) / (1 + Z95**2 / safe_n)
    half = Z95 * np.sqrt(p * (1 - p) / safe_n + Z95**2 / (4 * safe_n**2)) / (1 + Z95**2 / safe_n)
    return np.where(n > 0, centre - half, 0.0), np.where(n > 0, centre + half, 0.0)


def prevalence_by_occupation(transcripts: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """Share of each occupation's transcripts raising each theme; rows occupations (with n), columns themes."""
    joined = themes.merge(transcripts[["transcript_id", "occupation"]], on="transcript_id")
    table = joined.pivot_table(index="occupation", columns="theme", values="present", aggfunc="mean",
                               sort=False)
    table = table[list(dict.fromkeys(themes["theme"]))]
    table.insert(0, "n", transcripts["occupation"].value_counts().reindex(table.index).fillna(0).astype(int))
    return table.sort_values("n", ascending=False)
