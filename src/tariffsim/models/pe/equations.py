r"""Equations of the product-level partial-equilibrium models: SMART and a GSIM-style global model.

Everything here is per product: products do not interact in partial equilibrium
(no income effects, no input-output links), so a product's markets can be solved
on their own. Notation, for one product (indices: exporter ``i``, importer ``j``):

============  ======================================================================
``M_ij``      baseline imports at world (pre-tariff) prices, USD. As in SMART, world
              prices are normalised to 1, so ``M_ij`` is also the baseline quantity.
``t, t'``     baseline and counterfactual ad-valorem tariffs; ``τ̂ = (1 + t')/(1 + t)``
``η_j``       import-demand elasticity of the composite import good (a magnitude,
              ``η ≥ 0``; SMART and Kee–Nicita–Olarreaga report it as a negative number)
``σ_j``       elasticity of substitution between sources (Armington; SMART default 1.5)
``ε_i``       export supply elasticity (``∞`` — in SMART's convention 99 — means world
              prices are given)
``ŵ_i``       change in the exporter's supply (world, pre-tariff) price
``p̂_ij``      ``τ̂_ij ŵ_i``: change in the domestic, tariff-inclusive price of variety ij
``θ_ij``      ``(1 + t_ij) M_ij / Σ_k (1 + t_kj) M_kj``: baseline expenditure share
============  ======================================================================

The exact model (``form="exact"``; GSIM, Francois & Hall 2003)
----------------------------------------------------------------

Quasi-linear preferences with a CES import aggregate (Jammes & Olarreaga 2005,
sec. 1), constant-elasticity composite import demand and constant-elasticity export
supply, in changes:

.. math::

    \hat P_j^{\,1-\sigma_j} &= \sum_i \theta_{ij}\, \hat p_{ij}^{\,1-\sigma_j}
        && \text{CES import price index (}\ln\hat P_j = \textstyle\sum_i\theta_{ij}\ln\hat p_{ij}
        \text{ when } \sigma_j = 1) \\
    \hat q_{ij} &= \big(\hat p_{ij}/\hat P_j\big)^{-\sigma_j}\, \hat P_j^{-\eta_j}
        && \text{Armington demand for a variety} \\
    \hat w_i^{\,\varepsilon_i} &= \sum_{j} M_{ij}\,\hat q_{ij} \Big/ \sum_{j} M_{ij}
        && \text{supply = demand}

In the GSIM-style global model (Francois & Hall 2003) the sum in the last line runs
over **every** importing market: an exporter has one supply price for a product,
common to all its destinations, so a tariff in one market moves the exporter's price
in all of them and trade diversion and retaliation interact across markets. In SMART
(Laird & Yeats 1986; Jammes & Olarreaga 2005, sec. 2) each exporter has a separate
supply curve for each market, so the sum has one term. With infinite supply
elasticities ``ŵ = 1`` and the model is solved in closed form.

Welfare in market j (exact for these functional forms):

.. math::

    \Delta CS_j &= -V_j \int_1^{\hat P_j} x^{-\eta_j}\,dx
                 = -V_j\,\frac{\hat P_j^{\,1-\eta_j} - 1}{1-\eta_j},
        \qquad V_j = \sum_i (1+t_{ij}) M_{ij} \\
    \Delta R_j &= \sum_i \big(t'_{ij}\, M_{ij}\,\hat q_{ij}\,\hat w_i - t_{ij} M_{ij}\big)
        && \text{tariff revenue} \\
    ToT_j &= \sum_i M_{ij}\,\hat q_{ij}\,(1 - \hat w_i)
        && \text{terms-of-trade gain: the part of the tariff borne by exporters} \\
    \Delta W_j &= \Delta CS_j + \Delta R_j = ToT_j - DWL_j
        && \text{importer's welfare; } DWL_j \text{ the deadweight loss} \\
    \Delta PS_i &= X_i\,\frac{\hat w_i^{\,1+\varepsilon_i} - 1}{1+\varepsilon_i},
        \qquad X_i = \sum_j M_{ij}
        && \text{exporters' producer surplus}

With complete pass-through (infinite supply elasticity), ``ToT = 0`` and the deadweight
loss is the Harberger measure ``−(ΔCS + ΔR)``; for one source and a tariff raised
from ``t`` to ``t'`` it is ``½ (t + t')(M − M')`` to second order.

The SMART closed forms (``form="linear"``)
------------------------------------------

The formulas of the WITS-SMART tool (Laird & Yeats 1986, ch. 3; Jammes & Olarreaga
2005, eqs. for trade creation, diversion and the price effect), with
``π_ij = Δt_ij / (1 + t_ij) = τ̂_ij − 1``:

.. math::

    TC_{ij} &= -\eta_j\, M_{ij}\, \frac{\pi_{ij}}{1 + \eta_j/\varepsilon_i}
        && \text{trade creation} \\
    \frac{dw_{ij}}{w_{ij}} &= -\pi_{ij}\,\frac{\eta_j}{\varepsilon_i + \eta_j},\qquad
    \frac{dp_{ij}}{p_{ij}} = \pi_{ij}\,\frac{\varepsilon_i}{\varepsilon_i + \eta_j}
        && \text{world and domestic price changes} \\
    s'_{ij} &\propto \max\Big(0,\; s_{ij}\big[1 - \sigma_j\big(\tfrac{dp_{ij}}{p_{ij}}
        - \textstyle\sum_k s_{kj}\tfrac{dp_{kj}}{p_{kj}}\big)\big]\Big),\quad
        s_{ij} = M_{ij}/\textstyle\sum_k M_{kj} \\
    TD_{ij} &= \textstyle\sum_k M_{kj}\,(s'_{ij} - s_{ij})
        && \text{trade diversion: sums to zero in every market}

The diversion rule is the Laird–Yeats substitution formula generalised from "one
source whose price changes against all others" to many sources: with two groups it
equals the Laird–Yeats expression to first order. Diversion is bounded by existing
trade (no source's share falls below zero; the others are rescaled), and creation is
bounded so that no flow becomes negative; rows where a bound binds are flagged.
Welfare in the linear form uses the same definitions with trapezoids (linear demand
and supply between the two points) in place of the integrals: ``ΔCS_ij =
−(1+t_ij) (dp/p)_ij (M_ij + M'_ij)/2`` and ``ΔPS_ij = (dw/w)_ij (M_ij + M'_ij)/2``
(quantities at baseline world prices).

*What WITS-SMART calls "welfare" or "consumer surplus"* is ``½ Σ |Δt| |ΔM|`` — the
change in the Harberger triangle (it is neither the change in consumer surplus nor,
with pre-existing tariffs, the full welfare change). tariffsim reports consumer
surplus, tariff revenue, the terms-of-trade gain and the deadweight loss separately,
under those names.

Decomposition of the change in imports (both forms)
---------------------------------------------------

``ΔM_ij = TC_ij + TD_ij + PE_ij`` with the price effect ``PE_ij = M'_ij(ŵ_ij − 1)`` (zero
with infinite supply elasticity; WITS's "price effect"); ``TC + TD`` is the change in
quantity (imports at baseline world prices). SMART attributes trade creation — the
change in the market's total imports — to the sources whose price changed, and lets
diversion reallocate a given total, so diversion sums to zero in every market. The
exact form keeps both properties: creation is the exact change in the market's total
imports, attributed to sources in proportion to their own-price responses at the
composite elasticity, ``M_ij(p̂_ij^{−η} − 1)``; diversion is the rest.

*SMART's attribution versus the CES model.* In the CES model the own-price elasticity
of demand for one source is ``η θ_ij + σ (1 − θ_ij)``: the contraction of the
composite is shared by all sources. SMART's linear formulas give the source whose
tariff rose ``η + σ(1 − s_ij)`` instead — the whole contraction of the market plus the
substitution away from it — and leave the other sources' creation at zero. The two
agree on the market's total to first order but not on the split between sources, so
the linear form predicts a larger fall for a targeted source than the exact form.

References
----------
* Laird, S. & Yeats, A. (1986). The UNCTAD Trade Policy Simulation Model. UNCTAD
  Discussion Paper 19; and (1990) *Quantitative Methods for Trade-Barrier Analysis*, ch. 3.
* Jammes, O. & Olarreaga, M. (2005). Explaining SMART and GSIM. World Bank, mimeo.
* Francois, J. & Hall, H. K. (2003). Global Simulation Analysis of Industry-Level
  Trade Policy (GSIM). World Bank / Tinbergen Institute, mimeo (version 2.0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "INFINITE_SUPPLY",
    "tariff_factor",
    "infinite_supply",
    "smart_price_changes",
    "smart_trade_creation",
    "smart_trade_diversion",
    "smart_consumer_surplus_change",
    "smart_producer_surplus_change",
    "consumer_surplus_change",
    "producer_surplus_change",
    "exact_creation_diversion",
    "segment_sum",
    "bin_sum",
    "ArmingtonMarkets",
    "MarketState",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int32]

INFINITE_SUPPLY = 99.0
"""Export supply elasticities at or above this value are infinite (world prices
given), following SMART, whose default of 99 stands for "perfectly elastic"."""


def bin_sum(index: NDArray[np.integer], weights: FloatArray, size: int) -> FloatArray:
    """``np.bincount`` with weights, typed as the float array it returns, shape (size,)."""
    return np.asarray(np.bincount(index, weights=weights, minlength=size), dtype=np.float64)


def segment_sum(values: FloatArray, starts: IntArray) -> FloatArray:
    """Sums over contiguous segments beginning at ``starts`` (rows of one market are contiguous)."""
    if values.shape[0] == 0:
        return np.zeros(starts.shape[0])
    return np.add.reduceat(values, starts)


def tariff_factor(tariff: FloatArray, tariff_new: FloatArray) -> FloatArray:
    """``τ̂ = (1 + t') / (1 + t)``: the change in the tariff factor, shape (n,)."""
    return (1.0 + tariff_new) / (1.0 + tariff)


def infinite_supply(eps: FloatArray) -> NDArray[np.bool_]:
    """Which supply elasticities count as infinite (``ε ≥ 99``, SMART's convention)."""
    return np.asarray(eps) >= INFINITE_SUPPLY


# ---------------------------------------------------------------------- SMART closed forms
def smart_price_changes(tau_hat: FloatArray, eta: FloatArray, eps: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Linear price changes of SMART with export supply elasticity ``ε``.

    Parameters
    ----------
    tau_hat
        ``τ̂``, shape (n,).
    eta, eps
        Import-demand and export supply elasticities of each row, shape (n,).

    Returns
    -------
    dp, dw
        Proportional change of the domestic (tariff-inclusive) price,
        ``π ε/(ε + η)``, and of the world (supply) price, ``−π η/(ε + η)``, with
        ``π = τ̂ − 1``. With ``ε`` infinite: ``dp = π``, ``dw = 0`` (complete pass-through).
    """
    pi = tau_hat - 1.0
    inf = infinite_supply(eps)
    denom = np.where(inf, 1.0, eps) + eta
    dw = np.where(inf, 0.0, -pi * eta / denom)
    return pi + dw, dw


def smart_trade_creation(value: FloatArray, tau_hat: FloatArray, eta: FloatArray, eps: FloatArray) -> FloatArray:
    """Trade creation ``TC = −η M π / (1 + η/ε)`` (Laird & Yeats 1986; Jammes & Olarreaga 2005).

    ``M`` in USD at baseline world prices, shape (n,); with ``ε`` infinite this is the
    textbook ``η × imports × Δt/(1 + t)`` (a reduction for a tariff increase).
    """
    pi = tau_hat - 1.0
    inf = infinite_supply(eps)
    finite_eps = np.where(inf, 1.0, eps)
    factor = np.where(inf, 1.0, finite_eps / (finite_eps + eta))
    return -eta * value * pi * factor


def smart_trade_diversion(
    value: FloatArray, dp: FloatArray, sigma_rows: FloatArray, starts: IntArray
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Trade diversion between the sources of every market, bounded by existing trade.

    Parameters
    ----------
    value
        Baseline imports ``M``, shape (n,), rows of one market contiguous.
    dp
        Proportional change of each variety's domestic price, shape (n,).
    sigma_rows
        Substitution elasticity of each row's market, shape (n,).
    starts
        First row of every market, shape (M,).

    Returns
    -------
    diversion, bounded
        ``TD`` in USD, shape (n,), summing to zero within every market; ``bounded``
        flags rows whose share was cut at zero (all its trade diverted away).
    """
    counts = np.diff(np.append(starts, value.shape[0]))
    total = segment_sum(value, starts)
    total_rows = np.repeat(total, counts)
    share = np.divide(value, total_rows, out=np.zeros_like(value), where=total_rows > 0)
    mean_dp = np.repeat(segment_sum(share * dp, starts), counts)
    weight = share * (1.0 - sigma_rows * (dp - mean_dp))
    bounded = weight < 0
    weight = np.maximum(weight, 0.0)
    norm = np.repeat(segment_sum(weight, starts), counts)
    new_share = np.divide(weight, norm, out=np.zeros_like(weight), where=norm > 0)
    return total_rows * (new_share - share), bounded


def smart_consumer_surplus_change(value: FloatArray, tariff: FloatArray, dp: FloatArray,
                                  quantity_new: FloatArray) -> FloatArray:
    """Linear (trapezoid) change in consumer surplus per row, USD: ``−(1+t)·dp·(M + M')/2``."""
    return -(1.0 + tariff) * dp * (value + quantity_new) / 2.0


def smart_producer_surplus_change(value: FloatArray, dw: FloatArray, quantity_new: FloatArray) -> FloatArray:
    """Linear (trapezoid) change in exporters' producer surplus per row, USD: ``dw·(M + M')/2``."""
    return dw * (value + quantity_new) / 2.0


# ---------------------------------------------------------------------- exact model
def consumer_surplus_change(spending: FloatArray, log_P_hat: FloatArray, eta: FloatArray) -> FloatArray:
    """``ΔCS = −V (P̂^{1−η} − 1)/(1 − η)`` (``−V ln P̂`` at ``η = 1``), USD, per market.

    ``spending`` is baseline tariff-inclusive spending ``V`` on the product's imports.
    """
    one_minus = 1.0 - eta
    unit = np.abs(one_minus) < 1e-12
    safe = np.where(unit, 1.0, one_minus)
    integral = np.where(unit, log_P_hat, np.expm1(one_minus * log_P_hat) / safe)
    return -spending * integral


def producer_surplus_change(supply: FloatArray, log_w_hat: FloatArray, eps: FloatArray) -> FloatArray:
    """``ΔPS = X (ŵ^{1+ε} − 1)/(1 + ε)``, USD, per supply unit; zero where supply is infinitely elastic."""
    inf = infinite_supply(eps)
    e = np.where(inf, 0.0, eps)
    return np.where(inf, 0.0, supply * np.expm1((1.0 + e) * log_w_hat) / (1.0 + e))


def exact_creation_diversion(value: FloatArray, quantity_hat: FloatArray, log_p_hat: FloatArray,
                             eta_rows: FloatArray, starts: IntArray) -> tuple[FloatArray, FloatArray]:
    """Split the exact model's quantity change of every row into trade creation and diversion.

    Creation is the change in the market's total imports (at baseline world prices),
    attributed to sources in proportion to their own-price responses at the composite
    elasticity, ``c_ij = M_ij (p̂_ij^{−η} − 1)`` — SMART's attribution, to which it is
    equal to first order; diversion is the rest of each row's change and sums to zero
    over the sources of every market. (Where no domestic price changed, creation is
    attributed in proportion to baseline imports.)

    Returns
    -------
    creation, diversion
        USD at baseline world prices, shape (n,).
    """
    n = value.shape[0]
    market = np.repeat(np.arange(starts.shape[0], dtype=np.int32), np.diff(np.append(starts, n)))
    change = quantity_hat - 1.0
    change *= value
    own = np.multiply(eta_rows, log_p_hat)
    np.negative(own, out=own)
    np.expm1(own, out=own)
    own *= value
    remainder = segment_sum(change - own, starts)
    magnitude = np.abs(own)
    total_magnitude = segment_sum(magnitude, starts)
    # Attribute the remainder by |own response|; markets where no price changed (own responses
    # negligible against the market's imports) use baseline shares.
    no_price_change = total_magnitude <= 1e-12 * segment_sum(value, starts)
    if np.any(no_price_change):
        flat = no_price_change[market]
        magnitude[flat] = value[flat]
        total_magnitude = segment_sum(magnitude, starts)
    scale = np.divide(remainder, total_magnitude, out=np.zeros_like(remainder), where=total_magnitude > 0)
    creation = np.take(scale, market)
    creation *= magnitude
    creation += own
    change -= creation
    return creation, change


@dataclass
class MarketState:
    """The exact model evaluated at one vector of log supply-price changes ``x = ln ŵ``.

    Shapes: n rows, M markets, U supply units of the block.
    """

    log_p_hat: FloatArray  # (n,) ln p̂
    log_P_hat: FloatArray  # (M,) ln P̂
    shares: FloatArray  # (n,) θ'
    quantity_hat: FloatArray  # (n,) q̂
    quantity: FloatArray  # (n,) M q̂, USD at baseline world prices
    demand_hat: FloatArray  # (U,) D̂ = Σ M q̂ / Σ M
    excess: FloatArray  # (U,) F = ε x − ln D̂ (0 for units with infinite supply)
    slope: FloatArray  # (U,) ∂F_u/∂x_u


class ArmingtonMarkets:
    """The exact model for one block of products: markets, their sources and supply units.

    One evaluation costs two exponentials and three segment or bin sums over the
    rows — O(n) — into buffers allocated once, so a block that fits in the CPU cache
    is evaluated at close to arithmetic speed.

    Parameters
    ----------
    value
        Baseline imports ``M`` (USD), shape (n,), rows sorted so each market is contiguous.
    tariff
        Baseline tariffs, shape (n,).
    log_tau_hat
        ``ln τ̂``, shape (n,).
    starts
        First row of each market, shape (M,).
    sigma, eta
        Substitution and import-demand elasticities of each market, shape (M,).
    unit
        Supply unit of each row, shape (n,), or ``None`` when every row is its own unit (SMART).
    eps
        Export supply elasticity of each unit, shape (U,).
    max_step
        Largest change of a log supply price in one step (keeps the first steps of
        large shocks from overshooting).
    """

    def __init__(self, value: FloatArray, tariff: FloatArray, log_tau_hat: FloatArray, starts: IntArray,
                 sigma: FloatArray, eta: FloatArray, unit: IntArray | None, eps: FloatArray,
                 max_step: float = 0.5) -> None:
        n = value.shape[0]
        self.value = value
        self.log_tau_hat = log_tau_hat
        self.starts = starts
        self.counts = np.diff(np.append(starts, n))
        self.market = np.repeat(np.arange(starts.shape[0], dtype=np.int32), self.counts)
        gross = (1.0 + tariff) * value
        self.spending = segment_sum(gross, starts)
        spend_rows = self.spending[self.market]
        self.theta = np.divide(gross, spend_rows, out=np.zeros_like(gross), where=spend_rows > 0)
        self.sigma, self.eta = sigma, eta
        self.sigma_rows = sigma[self.market]
        self.one_minus_sigma_rows = 1.0 - self.sigma_rows
        self.sigma_minus_eta_rows = (sigma - eta)[self.market]
        self.cobb_douglas = np.abs(1.0 - sigma) < 1e-12
        self.price_exponent = np.where(self.cobb_douglas, 1.0, 1.0 - sigma)
        self.unit = unit
        self.n_units = int(eps.shape[0])
        self.supply = value if unit is None else bin_sum(unit, value, self.n_units)
        # ω: each row's share of its unit's baseline sales, so that D̂ = Σ ω q̂ (scale-free).
        supply_rows = self.supply if unit is None else self.supply[unit]
        self.weight = np.divide(value, supply_rows, out=np.zeros_like(value), where=supply_rows > 0)
        self.eps = eps
        self.active = ~infinite_supply(eps) & (self.supply > 0)
        self.eps_active = np.where(self.active, eps, 0.0)
        self.max_step = max_step
        self._buffers = [np.empty(n) for _ in range(4)]
        self._slope: FloatArray | None = None
        self._steps = 0

    def _per_unit(self, per_row: FloatArray) -> FloatArray:
        if self.unit is None:
            return per_row.copy()
        return bin_sum(self.unit, per_row, self.n_units)

    def evaluate(self, x: FloatArray) -> MarketState:
        """All quantities at ``x = ln ŵ`` (shape (U,); entries of infinite-supply units must be 0)."""
        log_P, demand_hat, excess, slope = self._core(x, with_slope=True)
        log_p, shares, q_hat, _ = self._buffers
        return MarketState(log_p_hat=log_p.copy(), log_P_hat=log_P, shares=shares.copy(), quantity_hat=q_hat.copy(),
                           quantity=self.value * q_hat, demand_hat=demand_hat, excess=excess, slope=slope)

    def _core(self, x: FloatArray, with_slope: bool) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """ln P̂, D̂, the excess ε x − ln D̂ and (``with_slope``) its own derivative; rows stay in the buffers."""
        log_p, a, quantity, tmp = self._buffers
        if self.unit is None:
            np.add(self.log_tau_hat, x, out=log_p)
        else:
            np.take(x, self.unit, out=log_p)
            log_p += self.log_tau_hat
        # CES price index: P̂^{1−σ} = Σ θ p̂^{1−σ}
        np.multiply(self.one_minus_sigma_rows, log_p, out=a)
        np.exp(a, out=a)
        a *= self.theta
        total = segment_sum(a, self.starts)
        positive = total > 0
        safe_total = np.where(positive, total, 1.0)
        log_P = np.where(positive, np.log(safe_total) / self.price_exponent, 0.0)
        if np.any(self.cobb_douglas):
            np.multiply(self.theta, log_p, out=tmp)
            log_P = np.where(self.cobb_douglas, segment_sum(tmp, self.starts), log_P)
        # ln q̂ = −σ (ln p̂ − ln P̂) − η ln P̂ = (σ − η) ln P̂ − σ ln p̂
        np.take((self.sigma - self.eta) * log_P, self.market, out=quantity)
        np.multiply(self.sigma_rows, log_p, out=tmp)
        quantity -= tmp
        np.exp(quantity, out=quantity)  # q̂
        np.multiply(quantity, self.weight, out=tmp)
        demand_hat = self._per_unit(tmp)  # D̂ = Σ ω q̂
        with np.errstate(divide="ignore", invalid="ignore"):
            positive_demand = demand_hat > 0
            log_demand = np.log(np.where(positive_demand, demand_hat, 1.0))
            excess = np.where(self.active & positive_demand, self.eps_active * x - log_demand,
                              np.where(self.active, np.inf, 0.0))
            if not with_slope:
                return log_P, demand_hat, excess, np.empty(0)
            # new expenditure shares θ' = θ p̂^{1−σ} / P̂^{1−σ}
            np.take(safe_total, self.market, out=tmp)
            a /= tmp
            # Own-price elasticity of each unit's demand: Σ ω q̂ (σ − (σ − η) θ') / D̂.
            np.multiply(self.sigma_minus_eta_rows, a, out=tmp)
            np.subtract(self.sigma_rows, tmp, out=tmp)
            tmp *= quantity
            tmp *= self.weight
            own = self._per_unit(tmp)
            slope = self.eps_active + np.where(positive_demand, own / np.where(positive_demand, demand_hat, 1.0),
                                               0.0)
        return log_P, demand_hat, excess, slope

    def step(self, x: FloatArray) -> tuple[FloatArray, float]:
        """One Jacobi–Newton step on ``x = ln ŵ`` and the residual ``max |ε x − ln D̂|`` at ``x``.

        Each unit's log supply price moves by its excess supply divided by the own
        derivative ``ε + Σ ω (σ − (σ − η) θ')``, limited to ``max_step``; cross-unit
        effects (through the import price indices) are left to the accelerator. The
        derivative changes slowly, so it is refreshed every third step (a chord method).
        """
        refresh = self._slope is None or self._steps % 3 == 0
        self._steps += 1
        _, _, excess, slope = self._core(x, with_slope=refresh)
        if refresh:
            self._slope = slope
        else:
            assert self._slope is not None
            slope = self._slope
        if not np.all(np.isfinite(excess)):
            self._slope = None
            return np.full_like(x, np.nan), float("inf")
        residual = float(np.max(np.abs(excess))) if excess.size else 0.0
        safe = np.where(slope > 0, slope, 1.0)
        move = np.clip(excess / safe, -self.max_step, self.max_step)
        return np.where(self.active, x - move, 0.0), residual
