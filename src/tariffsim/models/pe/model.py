"""Partial-equilibrium models on product-level data: settings, ``solve`` and :func:`simulate_pe`.

Two model settings share one engine:

* :class:`SmartSettings` — SMART (Laird & Yeats 1986; Jammes & Olarreaga 2005): each
  importing market on its own; exporters' supply to each market has its own
  elasticity. ``form="linear"`` (default) gives the published closed forms of the
  WITS tool, ``form="exact"`` solves the same constant-elasticity model exactly.
* :class:`GsimSettings` — a global multi-market model in the style of GSIM
  (Francois & Hall 2003): every importing market of a product solved at once, each
  exporter with one supply price per product common to all destinations, so that
  a tariff in one market (retaliation) moves prices and trade in all the others.

The equations are in :mod:`tariffsim.models.pe.equations`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Union

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.models.pe import equations as eq
from tariffsim.models.pe.data import ProductTrade, Unmatched
from tariffsim.models.pe.results import PEResult
from tariffsim.options import check_choice, check_solver_budget
from tariffsim.solvers import anderson

__all__ = [
    "Form",
    "PESolverMethod",
    "ElasticityInput",
    "PESolverOptions",
    "SmartSettings",
    "GsimSettings",
    "PESettings",
    "solve",
    "simulate_pe",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int32]

Form = Literal["linear", "exact"]
"""How the SMART model is computed.

* ``linear``: the published closed forms of WITS-SMART (Laird & Yeats 1986; Jammes &
  Olarreaga 2005), first order in the tariff change, with diversion and creation
  bounded by existing trade.
* ``exact``: the constant-elasticity (CES import aggregate, constant-elasticity demand
  and supply) model solved exactly, as GSIM's demand system; well behaved for large
  tariff changes and large elasticities.
"""

PESolverMethod = Literal["anderson", "jacobi"]

ElasticityInput = Union[float, int, "pd.Series[float]", pd.DataFrame]
"""An elasticity: a number for every row, a :class:`pandas.Series` indexed by key
labels (index names among ``importer``/``exporter``/``product``, e.g. a Series indexed
by ``product``), or a DataFrame with key columns and an ``elasticity`` column — the
layout returned by :func:`tariffsim.data.elasticities.assign`, whose other columns
(``source``, ``fallback``) are carried into the result's ``elasticities`` table."""


@dataclass(frozen=True)
class PESolverOptions:
    """Settings of the solver of the exact models with finite supply elasticities.

    Parameters
    ----------
    method
        ``"anderson"`` (Jacobi–Newton steps accelerated by Anderson mixing; default) or
        ``"jacobi"`` (plain Jacobi–Newton steps).
    tol
        Stop when every supply unit's log supply–demand gap ``|ε ln ŵ − ln D̂|`` is below ``tol``.
    max_iter
        Iteration budget per block of products.
    memory
        Anderson memory (past steps mixed).
    threads
        Threads solving blocks of products in parallel (products are independent in
        partial equilibrium). ``None``: the number of CPUs, at most 8.
    block_rows
        Rows per block of whole products. Each block is solved to the tolerance on its
        own: small blocks stay in the CPU cache, and blocks of easy products (products
        are grouped by their largest substitution elasticity) stop iterating early.
    """

    method: PESolverMethod = "anderson"
    tol: float = 1e-10
    max_iter: int = 500
    memory: int = 5
    threads: int | None = None
    block_rows: int = 65_536

    def __post_init__(self) -> None:
        check_choice(self.method, PESolverMethod, "solver method")
        check_solver_budget(self.tol, self.max_iter, self.memory)
        if self.threads is not None and self.threads < 1:
            raise ModelError(f"solver threads must be >= 1 or None; got {self.threads}")
        if self.block_rows < 1:
            raise ModelError(f"solver block_rows must be >= 1; got {self.block_rows}")

    @property
    def n_threads(self) -> int:
        return self.threads if self.threads is not None else max(1, min(8, os.cpu_count() or 1))


def _describe(value: ElasticityInput) -> str:
    if isinstance(value, int | float):
        return repr(float(value))
    if isinstance(value, pd.Series):
        return f"Series[{', '.join(str(n) for n in value.index.names)}]({len(value)})"
    return f"DataFrame({len(value)} rows)"


@dataclass(frozen=True, eq=False)
class SmartSettings:
    """SMART: single-market partial equilibrium, one importing market at a time.

    Parameters
    ----------
    import_demand_elasticity
        ``η ≥ 0`` (a magnitude): elasticity of each market's composite import demand to
        its import price index. No default: SMART uses country- and product-specific
        estimates (Kee, Nicita & Olarreaga 2008); see :mod:`tariffsim.data.elasticities`.
    substitution_elasticity
        ``σ ≥ 0`` between sources (Armington). Default 1.5, SMART's.
    supply_elasticity
        Export supply elasticity ``ε > 0`` of each exporter's supply *to this market*.
        Default 99, SMART's "infinite" (world prices given, complete pass-through); any
        value ≥ 99 is treated as infinite.
    form
        ``"linear"`` (SMART's closed forms, default) or ``"exact"``; see :data:`Form`.
    solver
        Used by ``form="exact"`` with finite supply elasticities.
    """

    import_demand_elasticity: ElasticityInput
    substitution_elasticity: ElasticityInput = 1.5
    supply_elasticity: ElasticityInput = 99.0
    form: Form = "linear"
    solver: PESolverOptions = field(default_factory=PESolverOptions)

    name: ClassVar[str] = "smart"
    supply_scope: ClassVar[Literal["market", "global"]] = "market"

    def __post_init__(self) -> None:
        check_choice(self.form, Form, "form")
        _check_scalar(self.import_demand_elasticity, "import_demand_elasticity", minimum=0.0)
        _check_scalar(self.substitution_elasticity, "substitution_elasticity", minimum=0.0)
        _check_scalar(self.supply_elasticity, "supply_elasticity", minimum=0.0, strict=True)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "form": self.form, "supply": "per market",
                "import_demand_elasticity": _describe(self.import_demand_elasticity),
                "substitution_elasticity": _describe(self.substitution_elasticity),
                "supply_elasticity": _describe(self.supply_elasticity), "solver": repr(self.solver)}


@dataclass(frozen=True, eq=False)
class GsimSettings:
    """GSIM-style global model: all importing markets solved at once.

    Each exporter has one supply curve per product, with one price common to all its
    destinations (Francois & Hall 2003), so that tariffs in one market move prices and
    trade in every other market of the product. Solved exactly.

    Parameters
    ----------
    import_demand_elasticity
        ``η ≥ 0`` of each market (importer × product). No default.
    supply_elasticity
        ``ε > 0`` of each exporter's supply of a product (keys ``exporter``/``product``);
        values ≥ 99 are infinite. No default: finite supply is what the global model adds.
    substitution_elasticity
        ``σ ≥ 0`` between sources. Default 1.5 (SMART's).
    solver
        Solver settings.
    """

    import_demand_elasticity: ElasticityInput
    supply_elasticity: ElasticityInput
    substitution_elasticity: ElasticityInput = 1.5
    solver: PESolverOptions = field(default_factory=PESolverOptions)

    name: ClassVar[str] = "gsim"
    supply_scope: ClassVar[Literal["market", "global"]] = "global"
    form: ClassVar[Form] = "exact"

    def __post_init__(self) -> None:
        _check_scalar(self.import_demand_elasticity, "import_demand_elasticity", minimum=0.0)
        _check_scalar(self.substitution_elasticity, "substitution_elasticity", minimum=0.0)
        _check_scalar(self.supply_elasticity, "supply_elasticity", minimum=0.0, strict=True)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "form": self.form, "supply": "global (exporter x product)",
                "import_demand_elasticity": _describe(self.import_demand_elasticity),
                "substitution_elasticity": _describe(self.substitution_elasticity),
                "supply_elasticity": _describe(self.supply_elasticity), "solver": repr(self.solver)}


PESettings = SmartSettings | GsimSettings


def _check_scalar(value: ElasticityInput, name: str, *, minimum: float, strict: bool = False) -> None:
    if isinstance(value, pd.Series | pd.DataFrame):
        return
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ModelError(f"{name} must be a number, a pandas Series or a DataFrame; got {type(value).__name__}")
    bad = (value <= minimum) if strict else (value < minimum)
    if math.isnan(value) or bad:
        raise ModelError(f"{name} must be {'>' if strict else '>='} {minimum:g}; got {value}")


# ---------------------------------------------------------------------- elasticities
def _resolve_elasticity(
    spec: ElasticityInput,
    parameter: str,
    keys: Mapping[str, IntArray],
    labels: Mapping[str, tuple[str, ...]],
    *,
    minimum: float,
    strict: bool = False,
) -> tuple[FloatArray, pd.DataFrame]:
    """Per-target values (markets or supply units) of one elasticity, and its provenance.

    ``keys`` maps each allowed key name to the targets' codes; ``labels`` maps it to label tuples.
    """
    n = len(next(iter(keys.values())))
    if isinstance(spec, int | float):
        values = np.full(n, float(spec))
        provenance = pd.DataFrame({"parameter": [parameter], "elasticity": [float(spec)],
                                   "source": ["setting (every row)"]})
    else:
        if isinstance(spec, pd.DataFrame):
            if "elasticity" not in spec.columns:
                raise ModelError(f"{parameter}: a DataFrame needs an 'elasticity' column; got {list(spec.columns)}")
            key_cols = [c for c in spec.columns if c in keys]
            if not key_cols:
                raise ModelError(f"{parameter}: the DataFrame needs key columns among {list(keys)}; "
                                 f"got {list(spec.columns)}")
            series = spec.set_index(key_cols)["elasticity"]
            provenance = spec.copy()
            provenance.insert(0, "parameter", parameter)
        else:
            series = spec
            key_cols = [str(n) for n in series.index.names]
            if any(k not in keys for k in key_cols):
                raise ModelError(f"{parameter}: Series index names {key_cols} must be among {list(keys)} "
                                 "(name the index, e.g. s.rename_axis('product'))")
            provenance = series.rename("elasticity").reset_index()
            provenance.insert(0, "parameter", parameter)
            provenance["source"] = "given"
        if series.index.has_duplicates:
            raise ModelError(f"{parameter}: duplicated keys in the elasticity table")
        key = np.zeros(n, dtype=np.int64)
        spec_key = np.zeros(len(series), dtype=np.int64)
        spec_ok = np.ones(len(series), dtype=bool)
        for level, name in enumerate(key_cols):
            size = np.int64(len(labels[name]))
            key = key * size + keys[name]
            codes = pd.Index(labels[name]).get_indexer(series.index.get_level_values(level).astype(str))
            spec_ok &= codes >= 0
            spec_key = spec_key * size + codes
        table = pd.Series(series.to_numpy(dtype=np.float64)[spec_ok], index=spec_key[spec_ok])
        pos = table.index.get_indexer(pd.Index(key))
        if np.any(pos < 0):
            missing = np.flatnonzero(pos < 0)
            shown = sorted({"/".join(labels[k][keys[k][i]] for k in key_cols) for i in missing[:200]})[:6]
            raise ModelError(f"{parameter}: no value for {len(missing)} of {n} "
                             f"{'markets' if 'importer' in keys else 'supply units'} ({', '.join(shown)} ...); "
                             "give every product a value (tariffsim.data.elasticities.assign fills gaps with "
                             "stated fallbacks)")
        values = table.to_numpy()[pos]
    if not np.all(np.isfinite(values) | np.isposinf(values)) or np.any(np.isnan(values)):
        raise ModelError(f"{parameter}: missing (NaN) values")
    bad = (values <= minimum) if strict else (values < minimum)
    if np.any(bad):
        raise ModelError(f"{parameter} must be {'>' if strict else '>='} {minimum:g}; got {values[bad][:5]} "
                         "(import-demand elasticities are magnitudes: give 1.2 for a price elasticity of −1.2)")
    return values, provenance


# ---------------------------------------------------------------------- solve
@dataclass(frozen=True)
class _Block:
    """A set of whole products solved together: global indices and block-local structure."""

    rows: NDArray[np.int64]
    markets: NDArray[np.int64]
    units: NDArray[np.int64]
    local_starts: IntArray
    local_unit: IntArray | None


def _concat_ranges(begin: NDArray[np.int64], length: NDArray[np.int64]) -> tuple[NDArray[np.int64],
                                                                                 NDArray[np.int64]]:
    """Concatenated ranges ``begin[k] : begin[k] + length[k]`` and each range's offset in the result."""
    offset = np.cumsum(length) - length
    idx = np.arange(int(length.sum()), dtype=np.int64) + np.repeat(begin - offset, length)
    return idx, offset


def _blocks(product: IntArray, n_products: int, starts: IntArray, market_product: IntArray,
            unit_rows: IntArray | None, unit_product: IntArray | None, difficulty: FloatArray,
            block_rows: int) -> list[_Block]:
    """Group whole products into blocks of about ``block_rows`` rows, products of similar difficulty together.

    A block iterates until its slowest product has converged, so products are sorted
    by ``difficulty`` (the largest substitution elasticity of their markets, which
    drives the number of iterations; −1 for products without tariff changes) before
    they are cut into blocks.
    """
    edges = np.arange(n_products + 1)
    row_start = np.searchsorted(product, edges).astype(np.int64)
    market_start = np.searchsorted(market_product, edges).astype(np.int64)
    unit_start = row_start if unit_product is None else np.searchsorted(unit_product, edges).astype(np.int64)
    n_rows = np.diff(row_start)
    present = np.flatnonzero(n_rows > 0)
    order = present[np.argsort(-difficulty[present], kind="stable")]
    cuts = np.flatnonzero(np.diff(np.cumsum(n_rows[order]) // max(block_rows, 1), prepend=0) > 0) + 1
    blocks = []
    for products in np.split(order, cuts):
        if products.size == 0:
            continue
        products = np.sort(products)
        rows, row_offset = _concat_ranges(row_start[products], n_rows[products])
        market_len = np.diff(market_start)[products]
        markets, _ = _concat_ranges(market_start[products], market_len)
        local_starts = (starts[markets] - np.repeat(row_start[products] - row_offset, market_len)).astype(np.int32)
        if unit_rows is None or unit_product is None:
            units, local_unit = rows, None
        else:
            unit_len = np.diff(unit_start)[products]
            units, unit_offset = _concat_ranges(unit_start[products], unit_len)
            local_unit = (unit_rows[rows] - np.repeat(unit_start[products] - unit_offset, n_rows[products])
                          ).astype(np.int32)
        blocks.append(_Block(rows, markets, units, local_starts, local_unit))
    return blocks


def solve(trade: ProductTrade, tariff_new: ArrayLike, settings: PESettings) -> PEResult:
    """Solve a product-level partial-equilibrium counterfactual.

    Parameters
    ----------
    trade
        Baseline trade and tariffs.
    tariff_new
        Counterfactual tariffs (fractions) in ``trade``'s row order, shape (n,).
    settings
        :class:`SmartSettings` or :class:`GsimSettings`.

    Returns
    -------
    PEResult

    Raises
    ------
    ConvergenceError
        When an exact model with finite supply elasticities does not meet the tolerance.
    ModelError
        Invalid settings or elasticities.
    """
    start = time.perf_counter()
    if not isinstance(trade, ProductTrade):
        raise ModelError(f"solve() needs a ProductTrade, got {type(trade).__name__}")
    if not isinstance(settings, SmartSettings | GsimSettings):
        raise ModelError(f"settings must be SmartSettings or GsimSettings; got {type(settings).__name__}")
    t_new = np.asarray(tariff_new, dtype=np.float64)
    if t_new.shape != (trade.n_rows,):
        raise ModelError(f"tariff_new has shape {t_new.shape}; expected ({trade.n_rows},) in the trade table's "
                         "row order (or pass a DataFrame to simulate_pe)")
    if not np.all(np.isfinite(t_new)) or np.any(t_new <= -1):
        raise ModelError("new tariffs must be finite fractions above -1 (0.25 = 25 %)")

    _, starts, m_importer, m_product = trade.markets
    counts = np.diff(np.append(starts, trade.n_rows)).astype(np.int64)
    scope = settings.supply_scope
    unit, u_exporter, u_product = trade.supply_units(scope)
    labels = {"importer": trade.countries, "exporter": trade.countries, "product": trade.products}
    market_keys = {"importer": m_importer, "product": m_product}
    eta, prov_eta = _resolve_elasticity(settings.import_demand_elasticity, "import_demand", market_keys, labels,
                                        minimum=0.0)
    sigma, prov_sigma = _resolve_elasticity(settings.substitution_elasticity, "substitution", market_keys, labels,
                                            minimum=0.0)
    unit_keys = ({"importer": trade.importer, "exporter": trade.exporter, "product": trade.product}
                 if scope == "market" else {"exporter": u_exporter, "product": u_product})
    eps, prov_eps = _resolve_elasticity(settings.supply_elasticity, "supply", unit_keys, labels, minimum=0.0,
                                        strict=True)
    eps = np.where(eq.infinite_supply(eps), np.inf, eps)
    provenance = pd.concat([prov_eta, prov_sigma, prov_eps], ignore_index=True, sort=False)

    value, tariff = trade.value, trade.tariff
    tau_hat = eq.tariff_factor(tariff, t_new)

    if settings.form == "linear":
        eps_rows = eps if scope == "market" else eps[unit]
        out = _solve_linear(value, tariff, tau_hat, np.repeat(eta, counts), np.repeat(sigma, counts), eps_rows,
                            starts)
        diag = SolverDiagnostics(True, 0, 0.0, time.perf_counter() - start, "closed_form",
                                 message=f"SMART closed forms; bounds bind on {int(out['bounded'].sum())} rows")
        supply_units = (trade.exporter, trade.product, out["producer_surplus"])
    else:
        out, diag, ps = _solve_exact(trade, value, tariff, tau_hat, starts, sigma, eta, eps, unit,
                                     u_product, scope, settings.solver, start)
        supply_units = (u_exporter, u_product, ps)

    return PEResult(
        trade=trade, tariff_new=t_new, settings=settings.summary(), diagnostics=diag,
        quantity_hat=out["quantity_hat"], world_price_hat=out["world_price_hat"],
        import_price_hat=out["import_price_hat"], trade_creation=out["creation"], trade_diversion=out["diversion"],
        bounded=out["bounded"], price_index_hat=out["price_index_hat"],
        consumer_surplus_change=out["consumer_surplus"], import_demand_elasticity=eta,
        substitution_elasticity=sigma, unit_exporter=supply_units[0], unit_product=supply_units[1],
        producer_surplus_change=supply_units[2], supply_elasticity=eps, elasticities=provenance,
    )


def _solve_linear(value: FloatArray, tariff: FloatArray, tau_hat: FloatArray, eta: FloatArray, sigma: FloatArray,
                  eps: FloatArray, starts: IntArray) -> dict[str, Any]:
    """The SMART closed forms on every row (see :mod:`~tariffsim.models.pe.equations`)."""
    dp, dw = eq.smart_price_changes(tau_hat, eta, eps)
    creation = eq.smart_trade_creation(value, tau_hat, eta, eps)
    diversion, bounded = eq.smart_trade_diversion(value, dp, sigma, starts)
    floor = np.minimum(-value - diversion, 0.0)  # creation may not push a flow below zero
    creation_bound = creation < floor
    creation = np.maximum(creation, floor)
    quantity_new = value + creation + diversion
    gross = (1.0 + tariff) * value
    spending = eq.segment_sum(gross, starts)
    price_index = 1.0 + np.divide(eq.segment_sum(gross * dp, starts), spending, out=np.zeros_like(spending),
                                  where=spending > 0)
    cs_rows = eq.smart_consumer_surplus_change(value, tariff, dp, quantity_new)
    return {
        "quantity_hat": np.divide(quantity_new, value, out=np.ones_like(value), where=value > 0),
        "world_price_hat": 1.0 + dw,
        "import_price_hat": 1.0 + dp,
        "creation": creation,
        "diversion": diversion,
        "bounded": bounded | creation_bound,
        "price_index_hat": price_index,
        "consumer_surplus": eq.segment_sum(cs_rows, starts),
        "producer_surplus": eq.smart_producer_surplus_change(value, dw, quantity_new),
    }


def _solve_exact(trade: ProductTrade, value: FloatArray, tariff: FloatArray, tau_hat: FloatArray,
                 starts: IntArray, sigma: FloatArray, eta: FloatArray, eps: FloatArray,
                 unit: IntArray, u_product: IntArray, scope: str, solver: PESolverOptions, start: float
                 ) -> tuple[dict[str, Any], SolverDiagnostics, FloatArray]:
    """The exact model: closed form with infinite supply elasticities, else the block solver."""
    log_tau = np.log(tau_hat)
    n_units = eps.shape[0]
    unit_rows: IntArray | None = None if scope == "market" else unit
    _, _, _, m_product = trade.markets
    # Products whose tariffs do not change are solved at ŵ = 1 in one step: keep them together.
    difficulty = np.zeros(trade.n_products)
    np.maximum.at(difficulty, m_product, sigma)
    changed = np.zeros(trade.n_products, dtype=bool)
    changed[trade.product[log_tau != 0.0]] = True
    difficulty[~changed] = -1.0
    blocks = _blocks(trade.product, trade.n_products, starts, m_product, unit_rows,
                     None if scope == "market" else u_product, difficulty, solver.block_rows)

    def build(b: _Block) -> eq.ArmingtonMarkets:
        return eq.ArmingtonMarkets(value[b.rows], tariff[b.rows], log_tau[b.rows], b.local_starts, sigma[b.markets],
                                   eta[b.markets], b.local_unit, eps[b.units])

    # Outputs; blocks write disjoint slices, so threads need no locks.
    quantity_hat = np.empty(trade.n_rows)
    import_price_hat = np.empty(trade.n_rows)
    world_price_hat = np.empty(trade.n_rows)
    creation = np.empty(trade.n_rows)
    diversion = np.empty(trade.n_rows)
    price_index_hat = np.empty(starts.shape[0])
    consumer_surplus = np.empty(starts.shape[0])
    producer_surplus = np.empty(n_units)

    def run(b: _Block) -> SolverDiagnostics:
        system = build(b)
        xb = np.zeros(b.units.size)
        if np.any(system.active):
            out = anderson(system.step, xb, tol=solver.tol, max_iter=solver.max_iter,
                           memory=solver.memory if solver.method == "anderson" else 0, stall_window=solver.max_iter)
            xb, diag = out.x, dataclasses.replace(out.diagnostics, method=solver.method)
        else:
            diag = SolverDiagnostics(True, 0, 0.0, 0.0, "closed_form", message="infinite supply elasticities")
        st = system.evaluate(xb)
        v = value[b.rows]
        q_hat = np.where(v > 0, st.quantity_hat, 1.0)
        quantity_hat[b.rows] = q_hat
        import_price_hat[b.rows] = np.exp(st.log_p_hat)
        world_price_hat[b.rows] = np.exp(xb if system.unit is None else xb[system.unit])
        c, d = eq.exact_creation_diversion(v, q_hat, st.log_p_hat, eta[b.markets][system.market], system.starts)
        creation[b.rows] = c
        diversion[b.rows] = d
        price_index_hat[b.markets] = np.exp(st.log_P_hat)
        consumer_surplus[b.markets] = eq.consumer_surplus_change(system.spending, st.log_P_hat, eta[b.markets])
        producer_surplus[b.units] = eq.producer_surplus_change(system.supply, xb, eps[b.units])
        return diag

    if len(blocks) > 1 and solver.n_threads > 1:
        with ThreadPoolExecutor(max_workers=min(len(blocks), solver.n_threads)) as pool:
            diags = list(pool.map(run, blocks))
    else:
        diags = [run(b) for b in blocks]
    solved = [d for d in diags if d.method != "closed_form"]
    failed = [i for i, d in enumerate(diags) if not d.converged]
    iterations = max((d.iterations for d in diags), default=0)
    residual = max((d.residual for d in diags), default=0.0)
    method = solved[0].method if solved else "closed_form"
    if failed:
        summary = SolverDiagnostics(False, iterations, residual, time.perf_counter() - start, method,
                                    message="; ".join(f"block {i}: {diags[i].message}" for i in failed[:5]))
        raise ConvergenceError(f"the {'GSIM' if scope == 'global' else 'SMART'} equilibrium did not converge "
                               f"({len(failed)} of {len(blocks)} blocks of products)", summary)
    if len(blocks) == 1:
        message, history = diags[0].message, diags[0].history
    else:
        its = np.array([d.iterations for d in solved]) if solved else np.zeros(1)
        message = (f"{len(blocks)} blocks of whole products, each solved to the tolerance; iterations per block: "
                   f"median {int(np.median(its))}, max {int(its.max())}")
        history = ()
    diag = SolverDiagnostics(True, iterations, residual, time.perf_counter() - start, method,
                             history=history, message=message)
    out = {
        "quantity_hat": quantity_hat,
        "world_price_hat": world_price_hat,
        "import_price_hat": import_price_hat,
        "creation": creation,
        "diversion": diversion,
        "bounded": np.zeros(trade.n_rows, dtype=bool),
        "price_index_hat": price_index_hat,
        "consumer_surplus": consumer_surplus,
    }
    return out, diag, producer_surplus


def simulate_pe(
    trade: ProductTrade,
    new_tariffs: pd.DataFrame | ArrayLike,
    settings: PESettings,
    *,
    unmatched: Unmatched = "error",
) -> PEResult:
    """Run one product-level counterfactual: the public entry point of the PE family.

    Parameters
    ----------
    trade
        Baseline product-level trade and tariffs (:class:`ProductTrade`).
    new_tariffs
        Either a DataFrame with columns ``importer``, ``exporter``, ``product`` and
        ``tariff_new`` (fractions) listing the rows whose tariff changes — every other
        row keeps its baseline tariff — or an array of new tariffs for every row in
        ``trade``'s (sorted) row order.
    settings
        :class:`SmartSettings` (one market at a time) or :class:`GsimSettings` (all
        markets at once).
    unmatched
        For a DataFrame: what to do with rows that match no baseline trade (see
        :data:`~tariffsim.models.pe.data.Unmatched`).

    Returns
    -------
    PEResult
        Tables by product × partner, market, HS chapter, sector, country and in total.

    Examples
    --------
    >>> import pandas as pd
    >>> from tariffsim.models.pe import ProductTrade, SmartSettings, simulate_pe
    >>> trade = ProductTrade.from_frame(pd.DataFrame({
    ...     "importer": ["CHN", "CHN"], "exporter": ["USA", "BRA"], "product": ["120190", "120190"],
    ...     "value_usd": [14e9, 20e9], "tariff": [0.03, 0.03]}))
    >>> shock = pd.DataFrame({"importer": ["CHN"], "exporter": ["USA"], "product": ["120190"],
    ...                       "tariff_new": [0.28]})
    >>> result = simulate_pe(trade, shock, SmartSettings(import_demand_elasticity=1.0))
    >>> round(float(result.totals["trade_creation_usd"].iloc[0]) / 1e9, 2)
    -3.4
    """
    if isinstance(new_tariffs, pd.DataFrame):
        t_new, n_ignored = trade.align(new_tariffs, unmatched=unmatched)
    else:
        t_new, n_ignored = np.asarray(new_tariffs, dtype=np.float64), 0
        if t_new.ndim == 0:
            t_new = np.full(trade.n_rows, float(t_new))
    if not isinstance(settings, SmartSettings | GsimSettings):
        raise ModelError(f"settings must be SmartSettings or GsimSettings; got {type(settings).__name__}")
    result = solve(trade, t_new, settings)
    if n_ignored:
        object.__setattr__(result, "notes", (*result.notes, f"{n_ignored} new-tariff rows matched no trade and "
                                             "were ignored"))
    return result

