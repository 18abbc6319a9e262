r"""Exact derivatives of objectives with respect to tariffs, through the equilibrium.

At an equilibrium ``G(z, t) = 0`` (the family's explicit conditions, see
:mod:`tariffsim.games.systems`), the objectives ``W(z, t)`` (one per country) move
with a tariff parameter ``p`` (``t = t(p)``, linear) by the implicit-function theorem:

.. math::

    \frac{dW}{dp} = W_p - W_z\,G_z^{-1} G_p
                  = W_p - A^\top G_p, \qquad G_z^\top A = W_z^\top

— one factorisation of ``G_z`` and one solve for all countries' objectives at once,
then one evaluation of ``(G, W)`` per parameter. The partial derivatives ``G_z``,
``W_z`` (one complex evaluation per unknown) and ``G_p``, ``W_p`` (one per parameter)
are complex steps, exact to rounding. No finite differences.

A family whose functions take a leading batch axis (``batched=True``; Ossa's) gets
all complex steps in ``z`` in one evaluation and all steps in the parameters in
another, instead of one evaluation per unknown and per parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from tariffsim.errors import ModelError

__all__ = ["STEP", "equilibrium_jacobian"]

FloatArray = NDArray[np.float64]
STEP = 1e-30
"""Complex step: ``f'(x) = Im f(x + i·STEP)/STEP`` to rounding for analytic ``f``."""


def equilibrium_jacobian(
    residual: Callable[[Any, Any], Any],
    values: Callable[[Any, Any], Any],
    tariffs: FloatArray,
    z: FloatArray,
    directions: Sequence[FloatArray] | FloatArray,
    *,
    batched: bool = False,
    corrected: bool = False,
    groups: Sequence[slice] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Objectives and their total derivatives with respect to tariff parameters.

    Parameters
    ----------
    residual
        ``G(t, z)`` → (m,), the equilibrium conditions (complex-safe).
    values
        ``W(t, z)`` → (K,), the objectives (complex-safe).
    tariffs
        The tariff profile ``t`` (N, N, S) at which ``z`` solves ``G = 0``.
    z
        The equilibrium, (m,).
    directions
        ``∂t/∂p_k`` for each parameter, (N, N, S) each (or stacked, (P, N, N, S)).
    batched
        ``residual`` and ``values`` accept a leading batch axis on ``z`` (k, m) and
        on the tariffs (k, N, N, S), returning (k, m) and (k, K).
    groups
        With ``batched``: evaluate the steps in the parameters in these consecutive
        batches (e.g. one per instrument, so that a family which steps one importer's
        column at a time can), after one factorisation for all of them.
    corrected
        Return the objectives at the equilibrium one Newton step from ``z`` rather than at
        ``z``: ``W − Aᵀ G(z)``, to first order in the solver's residual ``G(z)`` (free: the
        adjoint ``A`` is at hand). Objectives then agree with their gradients to rounding
        rather than to the equilibrium tolerance, which an optimiser that compares values
        near an optimum (a line search) needs.

    Returns
    -------
    values, jacobian
        ``W`` (K,) and ``dW/dp`` (K, P).

    Raises
    ------
    ModelError
        When ``G_z`` is singular (the equilibrium is not locally unique).
    """
    z = np.asarray(z, dtype=np.float64)
    m = z.size
    w0 = np.asarray(values(tariffs, z)).real
    k_out = w0.size
    if batched:
        zc = z[None, :] + 1j * STEP * np.eye(m)
        g_z = np.asarray(residual(tariffs, zc)).imag.T / STEP
        w_z = np.asarray(values(tariffs, zc)).imag.T / STEP
    else:
        g_z = np.empty((m, m))
        w_z = np.empty((k_out, m))
        zc = z.astype(np.complex128)
        for k in range(m):
            zc[k] = z[k] + 1j * STEP
            g_z[:, k] = np.asarray(residual(tariffs, zc)).imag / STEP
            w_z[:, k] = np.asarray(values(tariffs, zc)).imag / STEP
            zc[k] = z[k]
    try:
        lu = scipy.linalg.lu_factor(g_z, check_finite=True)
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise ModelError(f"the equilibrium's Jacobian cannot be factorised ({exc})") from None
    if np.any(np.abs(np.diag(lu[0])) < 1e-13 * np.abs(np.diag(lu[0])).max()):
        raise ModelError("the equilibrium's Jacobian is singular: the equilibrium is not locally unique in the "
                         "tariffs, so its derivative is not defined")
    adjoint = scipy.linalg.lu_solve(lu, w_z.T, trans=1)  # (m, K): G_zᵀ A = W_zᵀ
    if corrected:
        w0 = w0 - adjoint.T @ np.asarray(residual(tariffs, z)).real
    base = np.asarray(tariffs, dtype=np.complex128)
    if batched:
        parts = []
        for group in groups or [slice(None)]:
            steps = np.asarray(directions[group], dtype=np.float64)
            tc = np.empty(steps.shape, dtype=np.complex128)  # one allocation: the batch is large (P × N × N × S)
            tc.real[...] = base.real
            tc.imag[...] = STEP * steps
            g_p = np.asarray(residual(tc, z)).imag.T / STEP  # (m, P)
            w_p = np.asarray(values(tc, z)).imag.T / STEP  # (K, P)
            parts.append(w_p - adjoint.T @ g_p)
        return w0, np.concatenate(parts, axis=1)
    jac = np.empty((k_out, len(directions)))
    for p, direction in enumerate(directions):
        tc = base + 1j * STEP * direction
        g_p = np.asarray(residual(tc, z)).imag / STEP
        w_p = np.asarray(values(tc, z)).imag / STEP
        jac[:, p] = w_p - adjoint.T @ g_p
    return w0, jac
