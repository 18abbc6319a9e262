"""Expenditure levels that make observed input-output data an equilibrium (accounting, not a model solve).

Published multi-sector baselines (Caliendo & Parro's 1993 data, KITE's 2014 initial
conditions) give trade shares, tariffs, value-added and input-output shares and final-demand
shares that do not quite add up: sectoral spending differs from intermediate plus final
demand by a few percent, and the final shares implied by the flows can be slightly
negative. :func:`consistent_flows` finds the unique spending levels (and trade deficits) at
which the given shares hold exactly, at unchanged prices: one dense linear solve. The
importers that use it say in their notes how far flows and deficits moved.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["consistent_flows"]

FloatArray = NDArray[np.float64]


def consistent_flows(flows: FloatArray, tariffs: FloatArray, beta: FloatArray, gamma: FloatArray,
                      alpha: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Expenditure levels consistent with the observed shares; returns (flows, implied deficits).

    Unknowns: spending ``E[j, s]`` and deficits ``D_j``. With the observed trade
    shares λ, value added ``VA_j`` held at its observed value and prices unchanged:

    * ``E_js = Σ_k (1 − β_jk) γ_jsk Y_jk + α_js (VA_j + R_j + D_j)``, with
      ``Y_is = Σ_j λ_ijs E_js / (1 + t_ijs)`` and ``R_j = Σ_{i,s} t λ E / (1 + t)``;
    * ``Σ_s β_js Y_js = VA_j``.

    A dense linear system of N·S + N equations (1,271 for CP), solved once.
    """
    n, _, s = flows.shape
    gross = (1.0 + tariffs) * flows
    spending = gross.sum(axis=0)  # [j, s]
    lam = np.divide(gross, spending[None], out=np.zeros_like(gross), where=spending[None] > 0)
    sales_share = lam / (1.0 + tariffs)  # [i, j, s]: Y_is = Σ_j sales_share E_js
    revenue_share = (lam * tariffs / (1.0 + tariffs)).sum(axis=0)  # [j, s]
    value_added = (beta * flows.sum(axis=1)).sum(axis=1)
    inputs = gamma * (1.0 - beta)[:, None, :]  # [j, s, k]
    size = n * s
    system = np.zeros((size + n, size + n))
    # Intermediate demand: coefficient of E[m, k] in row (j, s) is inputs[j, s, k] · sales_share[j, m, k].
    block = np.einsum("jsk,jmk->jsmk", inputs, sales_share).reshape(size, size)
    system[:size, :size] = np.eye(size) - block
    own = np.einsum("js,jk->jsk", alpha, revenue_share)  # final demand out of tariff revenue
    rows = np.arange(size).reshape(n, s)
    for_each = np.arange(n)
    system[rows[:, :, None], rows[:, None, :]] -= own
    system[rows, size + for_each[:, None]] = -alpha
    labour = np.einsum("jk,jmk->jmk", beta, sales_share).reshape(n, size)
    system[size:, :size] = labour
    rhs = np.concatenate([(alpha * value_added[:, None]).ravel(), value_added])
    solution = np.linalg.solve(system, rhs)
    expenditure = solution[:size].reshape(n, s)
    consistent = lam * expenditure[None] / (1.0 + tariffs)
    return consistent, solution[size:]
