"""tariffsim: numbers on trade wars and trade talks.

The public API::

    from tariffsim import World, Shock, simulate, GravityModel, SolverOptions
    from tariffsim import run_scenario, ScenarioRun   # a scenario file on each of its dates

See the README and ``docs/`` for the models' equations and the data formats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tariffsim._version import __version__
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
    "run_scenario",
    "ScenarioRun",
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

if TYPE_CHECKING:
    from tariffsim.runs import ScenarioRun, run_scenario


def __getattr__(name: str) -> Any:
    # loaded on first use: the scenario language (pydantic) is not needed to import the models
    if name in ("run_scenario", "ScenarioRun"):
        from tariffsim import runs

        return getattr(runs, name)
    raise AttributeError(f"module 'tariffsim' has no attribute '{name}'")
