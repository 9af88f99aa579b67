"""Which themes differ between two groups of participants: shares with intervals, the difference, a test per
theme with a correction for testing many themes at once, and a sentence a stakeholder can read.

    a = group_of(data, "occupation", ["it_software"], label)       # or any attribute column
    b = rest_of(a, within=mask)                                     # or another group_of(...)
    table = compare(data, raised, a, b, theme_ids, label)
    table.loc[table["differs"], "verdict"]   # e.g. "raised more by IT & software: 57% vs 30%"

The test of a theme is Pearson's chi-square on the 2x2 table (raised or not, group A or B), or Fisher's exact
test when an expected cell count is below 5, where the chi-square approximation is poor. With one test per
theme, some would come out "significant" by chance: p-values are adjusted by Holm's method, which keeps the
chance of any false "differs" in the table at 5%, without assuming the tests are independent.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.views.aggregates import wilson_interval
from core.views.filters import ViewData, theme_columns

ALPHA = 0.05
SMALL_GROUP = 20  # below this many transcripts a group's shares swing by 10 points or more on one participant
MIN_EXPECTED = 5  # the classic rule for when the chi-square approximation holds in every cell


@dataclass(frozen=True)
class Group:
    """A named set of transcripts (a boolean mask over the prepared data's rows)."""

    name: str
    mask: np.ndarray

    @property
    def n(self) -> int:
        return int(self.mask.sum())


def group_of(data: ViewData, column: str, values: Sequence[str], label: Callable[[str], str] = str,
             *, within: np.ndarray | None = None) -> Group:
    """The transcripts whose `column` ("occupation" or an attribute column) is one of `values`, within a mask."""
    column_values = data.transcripts["occupation"].to_numpy() if column == "occupation" \
        else data.attribute_values[column]
    mask = np.isin(column_values, list(values))
    if within is not None:
        mask &= within
    return Group(" or ".join(label(v) for v in values) or "(nobody)", mask)


def rest_of(group: Group, *, within: np.ndarray, name: str = "everyone else") -> Group:
    return Group(name, within & ~group.mask)


def compare(data: ViewData, raised: np.ndarray, a: Group, b: Group, theme_ids: Sequence[str],
            label: Callable[[str], str] = str) -> pd.DataFrame:
    """One row per theme in view: for each group n, raised, share with its 95% interval and hits per 1,000
    participant words; the difference (A - B), the test used, its p-value and Holm-adjusted p-value,
    whether the groups differ, whether a group is small, and the verdict. Themes that differ come first.
    ValueError when the groups overlap: the tests need two separate sets of people."""
    if (a.mask & b.mask).any():
        raise ValueError(f"{int((a.mask & b.mask).sum())} transcripts are in both groups")
    columns = theme_columns(data, theme_ids)
    table = pd.DataFrame({"theme": [data.theme_ids[c] for c in columns]})
    for suffix, group in (("a", a), ("b", b)):
        table = table.join(_group_numbers(data, raised, group, columns, suffix))
    table["difference"] = table["share_a"] - table["share_b"]
    table["test"], table["p"] = zip(*(_test(row) for row in table.itertuples())) if len(table) else ((), ())
    table["p_adjusted"] = holm(table["p"].to_numpy())
    table["differs"] = table["p_adjusted"] < ALPHA
    table["small_group"] = min(a.n, b.n) < SMALL_GROUP
    table["verdict"] = [verdict(row, a.name, b.name, label(row.theme)) for row in table.itertuples()]
    return table.sort_values(["differs", "p_adjusted", "theme"], ascending=[False, True, True], ignore_index=True)


def _group_numbers(data: ViewData, raised: np.ndarray, group: Group, columns: np.ndarray,
                   suffix: str) -> pd.DataFrame:
    n = group.n
    present = raised[group.mask][:, columns].sum(axis=0)
    low, high = wilson_interval(present, np.full(len(columns), n))
    words = float(data.transcripts["participant_words"].to_numpy()[group.mask].sum()) \
        if "participant_words" in data.transcripts else 0.0
    hits = data.hit_counts[group.mask][:, columns].sum(axis=0)
    return pd.DataFrame({f"n_{suffix}": n, f"raised_{suffix}": present, f"share_{suffix}": present / max(n, 1),
                         f"low_{suffix}": low, f"high_{suffix}": high,
                         f"per_1k_words_{suffix}": hits * 1000 / words if words else np.nan})


def _test(row) -> tuple[str, float]:
    """The test of one theme's 2x2 table and its two-sided p-value (1.0 when a group is empty or nobody, or
    everybody, raises the theme: there is nothing to compare)."""
    cells = np.array([[row.raised_a, row.n_a - row.raised_a], [row.raised_b, row.n_b - row.raised_b]])
    if min(row.n_a, row.n_b) == 0 or cells[:, 0].sum() == 0 or cells[:, 1].sum() == 0:
        return "none", 1.0
    expected = stats.contingency.expected_freq(cells)
    if expected.min() < MIN_EXPECTED:
        return "Fisher's exact", float(stats.fisher_exact(cells).pvalue)
    return "chi-square", float(stats.chi2_contingency(cells, correction=False).pvalue)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment: the k-th smallest p-value times (m - k + 1), kept non-decreasing, at most 1.

    >>> holm(np.array([0.01, 0.04, 0.03])).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    m = len(p)
    if m == 0:
        return np.zeros(0)
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(np.maximum.accumulate(p[order] * (m - np.arange(m))), 1.0)
    adjusted = np.empty(m)
    adjusted[order] = stepped
    return adjusted


def verdict(row, name_a: str, name_b: str, theme: str) -> str:
    """The plain-language line of one theme."""
    shares = f"{row.share_a:.0%} vs {row.share_b:.0%}"
    caution = " (small group: read with care)" if row.small_group else ""
    if not row.differs:
        return f"{theme}: no clear difference ({shares}){caution}"
    more = name_a if row.difference > 0 else name_b
    ordered = shares if row.difference > 0 else f"{row.share_b:.0%} vs {row.share_a:.0%}"
    return f"{theme}: raised more by {more}: {ordered}{caution}"
