"""Gravity trade-cost indexes from cost variables and their coefficients.

A PPML gravity regression ``X_ij = exp(FE_i + FE_j + Σ_k β_k x_ijk)`` identifies
the trade-cost index ``T_ij = τ_ij^(−θ) = exp(Σ_k β_k x_ijk)`` (``t_ij^(1−σ)`` in
Yotov et al. 2016). This module turns a tidy table of cost variables into that
index on a World's country grid; :meth:`tariffsim.Shock.from_cost_variables`
and :func:`tariffsim.fitted_world` consume it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ShockError

__all__ = ["cost_index"]


def cost_index(
    frame: pd.DataFrame,
    coefficients: Mapping[str, float],
    countries: Sequence[str],
    *,
    missing: float | None = None,
) -> NDArray[np.float64]:
    """``T_ij = exp(Σ_k β_k x_ijk)`` on the grid ``countries × countries``, shape (N, N).

    Parameters
    ----------
    frame
        Columns ``exporter``, ``importer`` and one per cost variable; one row per pair.
    coefficients
        ``variable -> β`` (coefficients on log trade).
    countries
        Label order of the grid.
    missing
        Value of ``T`` for pairs absent from ``frame``; ``None`` (default) raises.

    Raises
    ------
    ShockError
        On missing columns, duplicated or missing pairs, or non-finite values.
    """
    variables = list(coefficients)
    needed = ["exporter", "importer", *variables]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise ShockError(f"the cost-variable table lacks columns {absent}")
    index = pd.Index(list(countries))
    sub = frame[needed]
    i_all = index.get_indexer(pd.Index(sub["exporter"].astype(str)))
    j_all = index.get_indexer(pd.Index(sub["importer"].astype(str)))
    keep = (i_all >= 0) & (j_all >= 0)
    sub, i, j = sub[keep], i_all[keep], j_all[keep]
    if sub.duplicated(["exporter", "importer"]).any():
        dup = sub[sub.duplicated(["exporter", "importer"], keep=False)].head(3)
        raise ShockError(f"the cost-variable table has duplicated pairs, e.g. "
                         f"{list(zip(dup['exporter'], dup['importer'], strict=True))}")
    x = sub[variables].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ShockError("the cost-variable table has missing or non-finite values")
    beta = np.array([float(coefficients[v]) for v in variables])
    n = len(countries)
    out = np.full((n, n), np.nan)
    out[i, j] = np.exp(x @ beta)
    if np.isnan(out).any():
        if missing is None:
            holes = np.argwhere(np.isnan(out))[:3]
            raise ShockError(f"the cost-variable table has no row for {np.isnan(out).sum()} pairs, e.g. "
                             f"{[(countries[a], countries[b]) for a, b in holes]}")
        out[np.isnan(out)] = missing
    return out
