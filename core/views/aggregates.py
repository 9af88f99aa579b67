"""The numbers of a filtered view, as plain tables: the headline, theme prevalence with its 95% interval,
occupation x theme, co-occurrence, and prevalence by occupation for the CLI. Every share any face shows is
computed here, so two pages (or a page and a report) cannot disagree:

    numbers = headline(data, mask, raised, theme_ids)
    numbers["raising_any_share"]      # the share of matching transcripts raising a theme in view
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.views.filters import ViewData, theme_columns

Z95 = 1.959964
THIN_N = 5  # shares over fewer transcripts than this are marked as unreliable


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


def headline(data: ViewData, mask: np.ndarray, raised: np.ndarray, theme_ids: list[str]) -> dict:
    """The numbers at the top of the overview and the report: matching transcripts (of `total`), how many
    raise a theme in view (`raising_any`, `raising_any_share` of the matching), themes per transcript,
    hits, and the most raised theme with its share (`top_theme`, `top_share`; None and 0.0 when none).
    `nothing_raised`: transcripts match but none raises a theme in view (say so; 0% metrics mean nothing)."""
    columns = theme_columns(data, theme_ids)
    shown = raised[mask][:, columns]
    counts = shown.sum(axis=0)
    top = theme_ids[int(np.argmax(counts))] if len(columns) and counts.max() > 0 else None
    matching, raising_any = int(mask.sum()), int(shown.any(axis=1).sum())
    return {"transcripts": matching, "total": data.size,
            "raising_any": raising_any, "raising_any_share": raising_any / max(matching, 1),
            "themes_per_transcript": float(shown.sum(axis=1).mean()) if len(shown) else 0.0,
            "hits": int(data.hit_counts[mask][:, columns][shown].sum()),
            "top_theme": top, "top_share": float(counts.max() / len(shown)) if top else 0.0,
            "nothing_raised": matching > 0 and raising_any == 0}


def prevalence(data: ViewData, mask: np.ndarray, raised: np.ndarray, theme_ids: list[str]) -> pd.DataFrame:
    """Per theme in view: n matching transcripts, how many raise it, the share with its 95% Wilson
    interval, and the hits; the most raised first."""
    columns = theme_columns(data, theme_ids)
    shown = raised[mask][:, columns]
    n = np.full(len(columns), int(mask.sum()))
    present = shown.sum(axis=0)
    low, high = wilson_interval(present, n)
    table = pd.DataFrame({"theme": [data.theme_ids[c] for c in columns], "n": n, "present": present,
                          "share": np.divide(present, np.maximum(n, 1)), "low": low, "high": high,
                          "hits": (data.hit_counts[mask][:, columns] * shown).sum(axis=0)})
    return table.sort_values(["share", "theme"], ascending=[False, True], ignore_index=True)


def occupation_theme(data: ViewData, mask: np.ndarray, raised: np.ndarray,
                     theme_ids: list[str]) -> pd.DataFrame:
    """Long table of occupation x theme: n (the occupation's matching transcripts), present, share and
    `thin` (n < THIN_N). Occupations with the most transcripts first, themes in codebook order."""
    columns = theme_columns(data, theme_ids)
    occupations = data.transcripts["occupation"].to_numpy()[mask]
    shown = pd.DataFrame(raised[mask][:, columns], columns=[data.theme_ids[c] for c in columns])
    grouped = shown.groupby(occupations, sort=False)
    n, present = grouped.size(), grouped.sum()
    order = n.sort_values(ascending=False, kind="stable").index
    table = present.loc[order].rename_axis("occupation").reset_index().melt(
        id_vars="occupation", var_name="theme", value_name="present")
    table["n"] = table["occupation"].map(n).astype(int)
    table["share"] = table["present"] / table["n"]
    table["thin"] = table["n"] < THIN_N
    return table[["occupation", "theme", "n", "present", "share", "thin"]]


def cooccurrence(data: ViewData, mask: np.ndarray, raised: np.ndarray, theme_ids: list[str]) -> pd.DataFrame:
    """Square table: matching transcripts raising both row and column theme (the diagonal: raising it)."""
    columns = theme_columns(data, theme_ids)
    shown = raised[mask][:, columns].astype(np.int64)
    names = [data.theme_ids[c] for c in columns]
    return pd.DataFrame(shown.T @ shown, index=names, columns=names)


def prevalence_by_occupation(transcripts: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """Share of each occupation's transcripts raising each theme; rows occupations (with n), columns themes.
    (The CLI's table, on the analysis's own tables; the dashboard uses `occupation_theme`.)"""
    joined = themes.merge(transcripts[["transcript_id", "occupation"]], on="transcript_id")
    table = joined.pivot_table(index="occupation", columns="theme", values="present", aggfunc="mean",
                               sort=False)
    table = table[list(dict.fromkeys(themes["theme"]))]
    table.insert(0, "n", transcripts["occupation"].value_counts().reindex(table.index).fillna(0).astype(int))
    return by_size(table)


def by_size(table: pd.DataFrame) -> pd.DataFrame:
    """Occupation rows, the most transcripts first (ties by name, so every computation orders them alike)."""
    return table.rename_axis("occupation").sort_values(["n", "occupation"], ascending=[False, True])


def theme_prevalence(transcripts: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """Per theme of the analysis: n transcripts, how many raise it, the share with its 95% Wilson interval
    and the hits in the transcripts raising it; the most raised first. (The CLI's table; on parquet parts
    the same numbers come from `core.views.parts_sql.PartsSummary`.)"""
    raised = themes.assign(counted=themes["hits"].where(themes["present"] == 1, 0))
    counts = raised.groupby("theme", sort=False).agg(present=("present", "sum"), hits=("counted", "sum"))
    return prevalence_table(counts.index.to_list(), len(transcripts), counts["present"].to_numpy(),
                            counts["hits"].to_numpy())


def prevalence_table(theme_ids: list[str], n: int, present: np.ndarray, hits: np.ndarray) -> pd.DataFrame:
    """theme, n, present, share, low, high (95% Wilson), hits; the most raised first, ties by theme."""
    ns = np.full(len(theme_ids), n, dtype=np.int64)
    low, high = wilson_interval(present, ns)
    table = pd.DataFrame({"theme": theme_ids, "n": ns, "present": np.asarray(present, np.int64),
                          "share": np.divide(present, max(n, 1)), "low": low, "high": high,
                          "hits": np.asarray(hits, np.int64)})
    return table.sort_values(["share", "theme"], ascending=[False, True], ignore_index=True)
