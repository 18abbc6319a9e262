"""What a scenario file declares: its ``[uncertainty]`` or ``[sweep]`` table as parameters and a design.

The tables are validated by :mod:`tariffsim.scenario.schema` (``Uncertainty``, ``Sweep``);
here their entries become :mod:`~tariffsim.uncertainty.parameters` and a
:mod:`~tariffsim.uncertainty.designs` design. Files they name (elasticity sets, tables of
draws) are read like every file a scenario names: only inside the folders the scenario
may read, within the size limit of product lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tariffsim.errors import DataError
from tariffsim.scenario import LoadedScenario
from tariffsim.scenario.loader import FileRefused, FileTooLarge, read_limited
from tariffsim.scenario.schema import (
    SweepAction,
    SweepElasticity,
    UncertainAction,
    UncertainCoefficients,
    UncertainElasticity,
    action_spread,
    action_value,
)
from tariffsim.uncertainty.designs import Design, Grid, make_design
from tariffsim.uncertainty.laws import Choice, Law, LogNormal, Normal, Uniform
from tariffsim.uncertainty.parameters import ActionParameter, Coefficients, Elasticity, Parameter

__all__ = ["Declared", "declared", "law_of"]


@dataclass(frozen=True)
class Declared:
    """A scenario's declared uncertainty: the parameters (empty: the default), the design, the seed."""

    parameters: list[Parameter]
    design: Design | None
    seed: int | None
    draws: int | None
    settings: dict[str, Any]


def law_of(entry: UncertainElasticity | UncertainAction, key: str | None = None) -> Law:
    """The law of a validated entry; ``key`` (an action's) says how its values read."""

    def value(v: Any) -> float:
        return action_value(key, v) if key is not None else float(v)

    kind = entry.distribution
    if kind == "normal":
        sd = action_spread(key, entry.sd) if key is not None else float(entry.sd)  # type: ignore[arg-type]
        return Normal(sd=sd, mean=None if entry.mean is None else value(entry.mean))
    if kind == "lognormal":
        return LogNormal(sd_log=float(entry.sd_log), median=entry.median)  # type: ignore[arg-type]
    if kind == "uniform":
        return Uniform(value(entry.low), value(entry.high), relative=entry.relative)
    return Choice([value(v) for v in entry.values or []])


def declared(loaded: LoadedScenario, *, allow_paths: Sequence[str | Path] = ()) -> Declared | None:
    """The scenario's ``[uncertainty]`` or ``[sweep]`` table, or ``None`` without one.

    Raises
    ------
    ScenarioError
        For a file the scenario may not read or cannot be read, naming the table and key.
    """
    spec = loaded.spec
    if spec.sweep is not None:
        sweep = spec.sweep
        parameters: list[Parameter] = [_sweep_elasticity(e) for e in sweep.elasticity]
        parameters += [_sweep_action(a) for a in sweep.action]
        return Declared(parameters, Grid(), None, None, {"design": "grid"})
    table = spec.uncertainty
    if table is None:
        return None
    parameters = [_elasticity(loaded, e, k, allow_paths) for k, e in enumerate(table.elasticity)]
    parameters += [ActionParameter(a.label, a.key, law_of(a, a.key)) for a in table.action]
    parameters += [_coefficients(c) for c in table.coefficient]
    design = make_design(table.design, table.draws, levels=table.levels, rule=table.rule, order=table.order)
    settings = table.model_dump(exclude={"elasticity", "action", "coefficient"})
    return Declared(parameters, design, table.seed, table.draws, settings)


def _sweep_elasticity(entry: SweepElasticity) -> Elasticity:
    sectors = None if entry.sectors == "all" else entry.sectors
    return Elasticity(Choice(entry.values), sectors=sectors, common=entry.common)


def _sweep_action(entry: SweepAction) -> ActionParameter:
    return ActionParameter(entry.label, entry.key, Choice([action_value(entry.key, v) for v in entry.values]))


def _coefficients(entry: UncertainCoefficients) -> Coefficients:
    return Coefficients(variables=tuple(entry.variables), mean=list(entry.mean), covariance=entry.covariance)


def _elasticity(loaded: LoadedScenario, entry: UncertainElasticity, index: int,
                allow_paths: Sequence[str | Path]) -> Parameter:
    from tariffsim.uncertainty.published import elasticity_table, published_elasticity_sets

    if entry.distribution not in ("sets", "table"):
        sectors = None if entry.sectors == "all" else entry.sectors
        return Elasticity(law_of(entry), sectors=sectors, common=entry.common)
    origin = loaded.allowing(tuple(allow_paths)).origin("uncertainty.elasticity", index)
    access = origin.file_access()
    try:
        path = access.resolve(str(entry.file), origin.base_dir, "elasticity file")
        data = read_limited(path, access.limits.max_list_bytes, "elasticity file")
        if entry.distribution == "sets":
            return published_elasticity_sets(data, dataset=entry.dataset, year=entry.year, sets=entry.sets,
                                             mapping=entry.mapping)
        return elasticity_table(data, mapping=entry.mapping)
    except FileTooLarge as exc:
        raise origin.error(f"{exc} (ScenarioLimits.max_list_bytes)", "file") from None
    except (FileRefused, FileNotFoundError) as exc:
        raise origin.error(str(exc).strip("'\""), "file") from None
    except DataError as exc:
        raise origin.error(f"{entry.file}: {exc.message}", "file") from None
