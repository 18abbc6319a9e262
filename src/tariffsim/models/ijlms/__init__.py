"""Ignatenko, Lashkaripour, Macedoni & Simonovska (2025): the Liberation Day tariffs model.

One sector; labour supply with elasticity κ; variety (scale) effects ψ and the tariff
pass-through φ they imply; deficits from exogenous transfers plus fixed costs ν paid to
labour where goods are sold; tariff revenue as income-tax relief or a lump-sum rebate.

Inner files, the same in every model family:

* ``data.py`` — calibration: the fixed-cost shares by the paper's routine, the authors'
  domestic absorption, trade shares, income and transfers;
* ``equations.py`` — the equilibrium conditions in changes, with the equations in the
  docstring and the paper cited, analytic Jacobian and welfare gradient;
* ``model.py`` — the model's settings object, its ``solve`` and the paper's outcome columns.
"""

from tariffsim.models.ijlms.data import (
    Calibration,
    authors_flows,
    calibrate_flows,
    fixed_cost_shares,
    pass_through,
)
from tariffsim.models.ijlms.equations import IjlmsNumeraire, IjlmsSystem
from tariffsim.models.ijlms.model import (
    OUTCOME_COLUMNS,
    WORLD_PRICE_INDEX,
    IjlmsModel,
    IjlmsSolution,
    equilibrium_of,
    outcomes,
    solve_equilibrium,
    solve_system,
)

__all__ = ["OUTCOME_COLUMNS", "WORLD_PRICE_INDEX", "Calibration", "IjlmsModel", "IjlmsNumeraire", "IjlmsSolution",
           "IjlmsSystem", "authors_flows", "calibrate_flows", "equilibrium_of", "fixed_cost_shares", "outcomes",
           "pass_through", "solve_equilibrium", "solve_system"]
