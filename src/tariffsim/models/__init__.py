"""Model families and the one public entry point, :func:`simulate`.

``simulate`` validates once, builds the request, runs it, and wraps the answer
in a :class:`~tariffsim.results.Result`. Games and Monte Carlo call it (or the
family's lower-level ``solve``) thousands of times, so it does no I/O and keeps
no global state except small caches keyed by fingerprints.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from tariffsim._version import __version__
from tariffsim.errors import ModelError, SolverDiagnostics
from tariffsim.models.gravity import GravityModel
from tariffsim.models.ijlms import IjlmsModel
from tariffsim.models.multisector import MultisectorModel
from tariffsim.models.ossa import OssaModel
from tariffsim.options import SolverOptions
from tariffsim.results import Equilibrium, Result
from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = ["simulate", "Model", "MODELS", "GravityModel", "IjlmsModel", "MultisectorModel", "OssaModel"]


class Model(Protocol):
    """What :func:`simulate` needs of a model family."""

    name: str

    def settings(self) -> dict[str, Any]: ...

    def solve(self, world: World, shock: Shock, solver: SolverOptions,
              warm_start: NDArray[np.float64] | None = None) -> tuple[Equilibrium, SolverDiagnostics, World | None]:
        ...


MODELS: dict[str, type] = {"gravity": GravityModel, "multisector": MultisectorModel, "ossa": OssaModel,
                           "ijlms": IjlmsModel}


def simulate(
    world: World,
    shock: Shock | None = None,
    *,
    model: Model | str = "gravity",
    solver: SolverOptions | None = None,
    warm_start: Result | NDArray[np.float64] | None = None,
) -> Result:
    """Run one counterfactual.

    Parameters
    ----------
    world
        The baseline.
    shock
        The policy change; ``None`` means no change.
    model
        A model object (e.g. ``GravityModel(closure="balanced")``) or a family name.
    solver
        Solver settings; defaults to :class:`~tariffsim.options.SolverOptions`.
    warm_start
        A previous :class:`Result` on the same grid (or its log wage changes) to
        start from; trade-war iterations and Monte Carlo draws use it.

    Returns
    -------
    Result

    Raises
    ------
    ConvergenceError
        If the equilibrium cannot be found to the solver's tolerance.
    ModelError, ShockError
        If the settings or the shock do not fit the World.
    """
    if not isinstance(world, World):
        raise ModelError(f"simulate() needs a World, got {type(world).__name__}")
    if isinstance(model, str):
        if model not in MODELS:
            raise ModelError(f"unknown model '{model}'; available: {', '.join(MODELS)}")
        resolved: Model = MODELS[model]()
    else:
        resolved = model
    shock = shock if shock is not None else Shock.none(world)
    solver = solver or SolverOptions()
    x0 = None
    if isinstance(warm_start, Result):
        if warm_start.baseline.countries == world.countries:
            x0 = np.log(warm_start.equilibrium.wage_hat)
    elif warm_start is not None:
        x0 = np.asarray(warm_start, dtype=np.float64)
    equilibrium, diagnostics, purged = resolved.solve(world, shock, solver, x0)
    baseline = purged if purged is not None else world
    fingerprints = {
        "world": world.fingerprint,
        "shock": shock.fingerprint,
        "tariffsim": __version__,
        "model": json.dumps(resolved.settings(), sort_keys=True),
        "solver": repr(solver),
    }
    result = Result(baseline=baseline, equilibrium=equilibrium, shock=shock, model=resolved.settings(),
                    diagnostics=diagnostics, fingerprints=fingerprints,
                    observed=world if purged is not None else None)
    return result
