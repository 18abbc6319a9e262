"""Gravity estimation: PPML with high-dimensional fixed effects, feeding the GE engine.

The path from data to a counterfactual (see ``docs/estimation.md``)::

    from tariffsim import GravityModel, simulate
    from tariffsim.estimate import GravitySpec, PairFill, ppml, trade_costs, baseline_world

    fit = ppml(panel, "rta", spec=GravitySpec(pair="pair"))           # exporter-year, importer-year, pair FE
    costs = trade_costs(fit, panel, year=1994, fill=PairFill(("ln_dist", "cntg", "lang", "clny")))
    world = baseline_world(costs, panel, elasticity=6.0)               # fitted flows, observed margins
    shock = costs.shock(world, no_rta)                                 # changed covariates -> tau-hat
    result = simulate(world, shock, model=GravityModel(closure="fixed_ratio"))

* :func:`ppml` — a thin layer over ``pyfixest.fepois`` with gravity defaults,
  dropped observations reported with reasons, and fixed effects polished to the
  adding-up constraints (:mod:`~tariffsim.estimate.polish`);
* :func:`trade_costs`, :func:`fill_pair_effects`, :func:`baseline_world` — from
  estimates to Worlds (:mod:`~tariffsim.estimate.gravity`);
* :func:`draw_coefficients` — coefficient draws with explicit seeds.
"""

from __future__ import annotations

from tariffsim.estimate.draws import CoefficientDraws, draw_coefficients
from tariffsim.estimate.gravity import (
    PairFill,
    TradeCosts,
    baseline_world,
    fill_pair_effects,
    pair_effects,
    trade_costs,
)
from tariffsim.estimate.options import GravitySpec, PPMLOptions
from tariffsim.estimate.polish import BalancedEffects, adding_up_residual, balance_fixed_effects
from tariffsim.estimate.ppml import Formula, gravity_formula, pair_ids, parse_formula, ppml
from tariffsim.estimate.results import DROP_REASONS, TABLE_COLUMNS, GravityEstimate

__all__ = [
    "ppml",
    "GravitySpec",
    "PPMLOptions",
    "GravityEstimate",
    "TABLE_COLUMNS",
    "DROP_REASONS",
    "gravity_formula",
    "parse_formula",
    "Formula",
    "pair_ids",
    "balance_fixed_effects",
    "adding_up_residual",
    "BalancedEffects",
    "PairFill",
    "TradeCosts",
    "pair_effects",
    "fill_pair_effects",
    "trade_costs",
    "baseline_world",
    "CoefficientDraws",
    "draw_coefficients",
]
