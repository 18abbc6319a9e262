"""tariffsim: numbers on trade wars and trade talks.

The public API::

    from tariffsim import World, Shock, simulate, GravityModel, SolverOptions

See the README and ``docs/`` for the models' equations and the data formats.
"""

from __future__ import annotations

__version__ = "0.1.0"

from tariffsim.errors import (
    ConvergenceError,
    DataError,
    ModelError,
    ScenarioError,
    ShockError,
    TariffsimError,
    WorldError,
)
from tariffsim.models import GravityModel, MultisectorModel, simulate
from tariffsim.models.gravity import fitted_world, purge_deficits
from tariffsim.models.pe import GsimSettings, PEResult, ProductTrade, SmartSettings, simulate_pe
from tariffsim.options import Numeraire, SolverOptions
from tariffsim.results import Result
from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = [
    "__version__",
    "World",
    "Shock",
    "simulate",
    "GravityModel",
    "MultisectorModel",
    "Numeraire",
    "SolverOptions",
    "Result",
    "fitted_world",
    "purge_deficits",
    "simulate_pe",
    "ProductTrade",
    "SmartSettings",
    "GsimSettings",
    "PEResult",
    "TariffsimError",
    "WorldError",
    "ShockError",
    "ScenarioError",
    "DataError",
    "ModelError",
    "ConvergenceError",
]
