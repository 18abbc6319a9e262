"""What can vary in a run: sector elasticities, gravity coefficients, and the scenario's own numbers.

Each class here says *what* varies and by which law; :meth:`Parameter.bind` fixes it to
a baseline World and a loaded scenario and returns a :class:`Block`: the columns it adds
to the draws table, its dimensions in a design (how many uniform or standardised
coordinates one draw uses), how a design point becomes values, and how the values of one
draw change its inputs (:class:`DrawInputs`).

* :class:`Elasticity` — θ of some or all sectors, one independent draw per sector (or one
  common draw, ``common=True``), by any :mod:`~tariffsim.uncertainty.laws` law centred on
  the World's θ;
* :class:`ElasticityTable` — θ of every sector taken together from one row of a table: the
  published elasticity sets (:func:`~tariffsim.uncertainty.published.published_elasticity_sets`)
  or draws made elsewhere (a bootstrap);
* :class:`Coefficients` — gravity coefficients from N(β̂, V̂), e.g. a PPML estimate
  (:meth:`Coefficients.from_estimate`); they replace the ``coefficient`` of the scenario's
  ``[[trade_cost]]`` entries with the same ``variable``;
* :class:`ActionParameter` — the ``rate``, ``coverage``, ``effective`` or ``until`` date
  of the scenario's action (or retaliation) with a given ``label``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import ValidationError
from scipy.special import ndtri

from tariffsim.errors import ModelError, ScenarioError
from tariffsim.uncertainty.laws import Choice, Law, QuadratureFamily

if TYPE_CHECKING:
    from tariffsim.estimate.results import GravityEstimate
    from tariffsim.scenario import LoadedScenario
    from tariffsim.world import World

__all__ = ["Parameter", "Block", "DrawInputs", "Elasticity", "ElasticityTable", "Coefficients", "ActionParameter",
           "ActionKey", "ACTION_KEYS", "bind_all"]

FloatArray = NDArray[np.float64]
ActionKey = Literal["rate", "coverage", "effective", "until"]
ACTION_KEYS: tuple[ActionKey, ...] = ("rate", "coverage", "effective", "until")
"""Keys of an action a scenario parameter can vary."""
ColumnKind = Literal["number", "date", "label"]


@dataclass
class DrawInputs:
    """What one draw changes, filled by each block's :meth:`Block.apply`.

    Attributes
    ----------
    theta
        Trade elasticity per sector, shape (S,), starting from the World's.
    actions
        ``(label, key) -> value`` overlays of scenario actions (rates as fractions, dates as dates).
    coefficients
        ``variable -> β`` for the scenario's ``[[trade_cost]]`` entries.
    """

    theta: FloatArray
    actions: dict[tuple[str, str], Any] = field(default_factory=dict)
    coefficients: dict[str, float] = field(default_factory=dict)

    @property
    def touches_scenario(self) -> bool:
        return bool(self.actions or self.coefficients)


class Block:
    """A parameter bound to a World and a scenario (see the module docstring)."""

    names: tuple[str, ...]
    """Columns of the draws table."""
    kinds: tuple[ColumnKind, ...]
    """What each column holds: numbers, dates (stored as ordinals in the design), labels (stored as indices)."""
    labels: Mapping[str, tuple[str, ...]] = {}
    """Label columns: index → label."""
    dims: int
    """Coordinates one draw uses in a design."""
    families: tuple[QuadratureFamily | None, ...]
    """Quadrature family of each coordinate (``None``: no quadrature)."""
    scenario: bool = False
    """Whether the block changes the scenario (then every draw compiles it again)."""
    description: str = ""

    def sample(self, u: FloatArray) -> FloatArray:
        """Values (m, len(names)) at uniform points ``u`` (m, dims)."""
        raise NotImplementedError

    def standard(self, x: FloatArray) -> FloatArray:
        """Values (m, len(names)) at standardised points ``x`` (m, dims) (quadrature)."""
        raise NotImplementedError

    def grid_sizes(self, levels: int) -> list[int]:
        """Levels of each coordinate on a grid of ``levels`` points per continuous coordinate."""
        raise NotImplementedError

    def apply(self, values: FloatArray, inputs: DrawInputs) -> None:
        """Change ``inputs`` by one draw's ``values`` (len(names),)."""
        raise NotImplementedError


class Parameter:
    """Something that varies; :meth:`bind` it to a World and a scenario."""

    def bind(self, world: World, scenario: LoadedScenario | None) -> Block:
        raise NotImplementedError


# ---------------------------------------------------------------------- independent laws
@dataclass(frozen=True, eq=False)
class _LawBlock(Block):
    """Columns drawn from one law each (or one coordinate shared by all, ``common``)."""

    names: tuple[str, ...]
    laws: tuple[Law, ...]
    centres: tuple[float, ...]
    target: Any  # what apply() changes: sector indices, or (label, key)
    common: bool = False
    kinds: tuple[ColumnKind, ...] = ()
    scenario: bool = False
    description: str = ""

    @property
    def dims(self) -> int:  # type: ignore[override]
        return 1 if self.common else len(self.names)

    @property
    def families(self) -> tuple[QuadratureFamily | None, ...]:  # type: ignore[override]
        return tuple(law.family for law in self.laws[: self.dims])

    def _each(self, points: FloatArray, how: str) -> FloatArray:
        points = np.atleast_2d(np.asarray(points, dtype=np.float64))
        out = np.empty((points.shape[0], len(self.names)))
        for k, (law, centre) in enumerate(zip(self.laws, self.centres, strict=True)):
            column = points[:, 0 if self.common else k]
            out[:, k] = law.at(column, centre) if how == "at" else law.standard(column, centre)
        return out

    def sample(self, u: FloatArray) -> FloatArray:
        return self._each(u, "at")

    def standard(self, x: FloatArray) -> FloatArray:
        return self._each(x, "standard")

    def grid_sizes(self, levels: int) -> list[int]:
        return [len(law.values) if isinstance(law, Choice) else levels for law in self.laws[: self.dims]]

    def apply(self, values: FloatArray, inputs: DrawInputs) -> None:
        if isinstance(self.target, tuple) and len(self.target) == 2 and isinstance(self.target[0], str):
            label, key = self.target
            value = float(values[0])
            inputs.actions[(label, key)] = _ordinal_date(value) if key in ("effective", "until") else value
        else:
            inputs.theta[np.asarray(self.target, dtype=np.int64)] = values


def _ordinal_date(value: float) -> dt.date:
    return dt.date.fromordinal(math.floor(value + 0.5))


@dataclass(frozen=True)
class Elasticity(Parameter):
    """Trade elasticities θ of some sectors (default every sector), by ``law`` centred on the World's θ.

    Parameters
    ----------
    law
        E.g. ``LogNormal(sd_log=0.48)`` (median at the World's θ), ``Normal(sd=1.0)``,
        ``Uniform(0.5, 1.5, relative=True)`` or ``Choice([2.5, 5.0, 7.5])`` (a sweep).
    sectors
        Sector labels; ``None`` or ``"all"``: every sector.
    common
        One draw moves every chosen sector together (the same quantile of each sector's
        law); default independent draws per sector.
    """

    law: Law
    sectors: Sequence[str] | str | None = None
    common: bool = False

    def bind(self, world: World, scenario: LoadedScenario | None) -> Block:
        if not isinstance(self.law, Law):
            raise ModelError(f"Elasticity needs a law (Normal, LogNormal, Uniform, Choice); got {self.law!r}")
        chosen = _sectors(self.sectors, world)
        index = tuple(world.sector_index(s) for s in chosen)
        which = "every sector" if len(chosen) == world.n_sectors else ", ".join(chosen)
        how = " (one common draw)" if self.common and len(chosen) > 1 else ""
        return _LawBlock(names=tuple(f"theta:{s}" for s in chosen), laws=(self.law,) * len(chosen),
                         centres=tuple(float(world.elasticity[k]) for k in index), target=index,
                         common=self.common, kinds=tuple("number" for _ in chosen),
                         description=f"trade elasticity θ of {which}{how}: {self.law.describe()}")


def _sectors(sectors: Sequence[str] | str | None, world: World) -> list[str]:
    if sectors is None or sectors == "all":
        return list(world.sectors)
    chosen = [sectors] if isinstance(sectors, str) else [str(s) for s in sectors]
    unknown = [s for s in chosen if s not in world.sectors]
    if unknown or not chosen:
        raise ModelError(f"elasticity sectors {unknown or chosen} are not sectors of the World "
                         f"({', '.join(world.sectors)})")
    if len(set(chosen)) != len(chosen):
        raise ModelError(f"elasticity sectors are repeated: {chosen}")
    return chosen


# ---------------------------------------------------------------------- a table of θ vectors
@dataclass(frozen=True, eq=False)
class _TableBlock(Block):
    names: tuple[str, ...]
    matrix: FloatArray  # (rows, S) θ for the World's sectors
    row_labels: tuple[str, ...]
    description: str = ""
    scenario: bool = False

    @property
    def kinds(self) -> tuple[ColumnKind, ...]:  # type: ignore[override]
        return ("label",)

    @property
    def labels(self) -> Mapping[str, tuple[str, ...]]:  # type: ignore[override]
        return {self.names[0]: self.row_labels}

    dims = 1
    families = (None,)

    def sample(self, u: FloatArray) -> FloatArray:
        u = np.atleast_2d(np.asarray(u, dtype=np.float64))
        return Choice([float(k) for k in range(len(self.row_labels))]).at(u[:, 0], 0.0)[:, None]

    def standard(self, x: FloatArray) -> FloatArray:
        raise ModelError("a table of elasticities (published sets, draws) has no quadrature: use Monte Carlo, "
                         "Latin hypercube or a grid (each row once)")

    def grid_sizes(self, levels: int) -> list[int]:
        return [len(self.row_labels)]

    def apply(self, values: FloatArray, inputs: DrawInputs) -> None:
        inputs.theta[:] = self.matrix[int(values[0])]


@dataclass(frozen=True, eq=False)
class ElasticityTable(Parameter):
    """θ of every sector at once, from one row of ``table`` per draw.

    Parameters
    ----------
    table
        One row per alternative (a published set, a bootstrap draw), one column per
        sector label of the World (or of ``mapping``'s targets), values θ = σ − 1 > 0; the
        index labels the rows (``"CP"``, ``"BSY"`` ...).
    name
        The draws-table column that names the row (default ``elasticity_set``).
    mapping
        World sector → the table's columns to average (geometric mean) for it, when the
        table's sectors are not the World's (e.g. ICIO codes for the demo World's sectors).
    source
        Where the table comes from, for the run record.

    A Monte Carlo or Latin hypercube design picks a row at random for each draw (rows
    are equally likely); a grid takes each row once.
    """

    table: pd.DataFrame
    name: str = "elasticity_set"
    mapping: Mapping[str, Sequence[str]] | None = None
    source: str = ""

    def bind(self, world: World, scenario: LoadedScenario | None) -> Block:
        table = self.table
        if not isinstance(table, pd.DataFrame) or table.empty:
            raise ModelError("ElasticityTable needs a non-empty DataFrame: one row per alternative, one column per "
                             "sector")
        columns = {str(c): c for c in table.columns}
        matrix = np.empty((len(table), world.n_sectors))
        for k, sector in enumerate(world.sectors):
            wanted = [str(c) for c in self.mapping.get(sector, ())] if self.mapping is not None else [sector]
            missing = [c for c in wanted if c not in columns]
            if not wanted or missing:
                raise ModelError(f"the elasticity table has no column {missing or wanted} for the World's sector "
                                 f"'{sector}' (columns: {', '.join(list(columns)[:12])}); give mapping= "
                                 "{world sector: [table columns]}")
            values = table[[columns[c] for c in wanted]].to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(values)) or (values <= 0).any():
                raise ModelError(f"the elasticity table has non-positive or missing values for {wanted}")
            matrix[:, k] = np.exp(np.log(values).mean(axis=1))
        labels = tuple(str(x) for x in table.index)
        if len(set(labels)) != len(labels):
            labels = tuple(str(k) for k in range(len(table)))
        what = f"{len(labels)} rows" + (f" ({', '.join(labels[:8])}{' ...' if len(labels) > 8 else ''})")
        return _TableBlock(names=(self.name,), matrix=matrix, row_labels=labels,
                           description=f"θ of every sector from one of {what}" + (f"; {self.source}"
                                                                                  if self.source else ""))


# ---------------------------------------------------------------------- gravity coefficients
@dataclass(frozen=True, eq=False)
class _NormalBlock(Block):
    names: tuple[str, ...]
    mean: FloatArray
    root: FloatArray
    description: str = ""
    scenario: bool = True

    @property
    def dims(self) -> int:  # type: ignore[override]
        return len(self.names)

    @property
    def kinds(self) -> tuple[ColumnKind, ...]:  # type: ignore[override]
        return tuple("number" for _ in self.names)

    @property
    def families(self) -> tuple[QuadratureFamily | None, ...]:  # type: ignore[override]
        return tuple("hermite" for _ in self.names)

    def standard(self, x: FloatArray) -> FloatArray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        values: FloatArray = self.mean[None, :] + x @ self.root.T
        return values

    def sample(self, u: FloatArray) -> FloatArray:
        return self.standard(ndtri(np.atleast_2d(np.asarray(u, dtype=np.float64))))

    def grid_sizes(self, levels: int) -> list[int]:
        return [levels] * len(self.names)

    def apply(self, values: FloatArray, inputs: DrawInputs) -> None:
        for name, value in zip(self.names, values, strict=True):
            inputs.coefficients[name.removeprefix("beta:")] = float(value)


@dataclass(frozen=True, eq=False)
class Coefficients(Parameter):
    """Gravity coefficients β ~ N(``mean``, ``covariance``), jointly; each replaces the ``coefficient`` of
    the scenario's ``[[trade_cost]]`` entries with that ``variable``.

    Use :meth:`from_estimate` for a PPML estimate's β̂ and V̂ (clustered by pair by default).
    """

    variables: Sequence[str]
    mean: Sequence[float] | FloatArray
    covariance: Sequence[Sequence[float]] | FloatArray

    @classmethod
    def from_estimate(cls, estimate: GravityEstimate, variables: Sequence[str] | None = None) -> Coefficients:
        """β̂ and the block of V̂ of ``variables`` (default all) from an estimate."""
        names = list(estimate.variables) if variables is None else [str(v) for v in variables]
        unknown = [v for v in names if v not in estimate.variables]
        if unknown:
            raise ModelError(f"unknown coefficients {unknown}; the estimate has {list(estimate.variables)}")
        pos = [estimate.variables.index(v) for v in names]
        return cls(variables=tuple(names), mean=np.array(estimate.coef[pos], dtype=np.float64),
                   covariance=np.array(estimate.cov[np.ix_(pos, pos)], dtype=np.float64))

    def bind(self, world: World, scenario: LoadedScenario | None) -> Block:
        from tariffsim.estimate.draws import covariance_root

        names = [str(v) for v in self.variables]
        if not names or len(set(names)) != len(names):
            raise ModelError(f"Coefficients needs distinct variable names; got {names}")
        mean = np.asarray(self.mean, dtype=np.float64)
        if mean.shape != (len(names),) or not np.all(np.isfinite(mean)):
            raise ModelError(f"the coefficients' mean must be {len(names)} finite numbers; got {self.mean!r}")
        root = covariance_root(np.asarray(self.covariance, dtype=np.float64), names)
        used = {tc.variable for tc in scenario.spec.trade_cost} if scenario is not None else set()
        unused = [v for v in names if v not in used]
        if unused:
            listed = ", ".join(sorted(used)) or "none"
            raise ScenarioError(f"no [[trade_cost]] entry of the scenario has variable {', '.join(unused)}: the "
                                f"coefficient would change nothing (variables used: {listed})")
        return _NormalBlock(names=tuple(f"beta:{v}" for v in names), mean=mean, root=root,
                            description=f"gravity coefficients {', '.join(names)}: joint normal around "
                                        f"{', '.join(f'{m:.4g}' for m in mean)}")


# ---------------------------------------------------------------------- scenario numbers
@dataclass(frozen=True)
class ActionParameter(Parameter):
    """The ``key`` (``rate``, ``coverage``, ``effective`` or ``until``) of the action or retaliation labelled
    ``label``, by ``law`` centred on its value in the scenario.

    Rates are fractions (``Uniform(0.10, 0.25)``); coverage is USD millions; dates are
    days (``Normal(sd=30)``: the action's date give or take a month; ``Choice`` of ISO
    dates via :meth:`dates`).
    """

    label: str
    key: ActionKey
    law: Law

    @staticmethod
    def dates(values: Sequence[dt.date | str]) -> Choice:
        """A choice among dates (a sweep over an action's date)."""
        return Choice([(v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))).toordinal()
                       for v in values])

    def bind(self, world: World, scenario: LoadedScenario | None) -> Block:
        if scenario is None:
            raise ScenarioError("an action parameter needs a scenario")
        if self.key not in ACTION_KEYS:
            raise ScenarioError(f"an action parameter varies one of {', '.join(ACTION_KEYS)}; got '{self.key}'")
        entry = find_action(scenario, self.label)
        current = getattr(entry, self.key)
        centre = (current.toordinal() if isinstance(current, dt.date) else
                  float(current) if current is not None else math.nan)
        if math.isnan(centre) and _needs_centre(self.law):
            raise ScenarioError(f"action '{self.label}' has no {self.key} to centre the law on: give the law's "
                                "mean, median or absolute bounds")
        return _LawBlock(names=(f"{self.label}:{self.key}",), laws=(self.law,), centres=(centre,),
                         target=(self.label, self.key), scenario=True,
                         kinds=("date",) if self.key in ("effective", "until") else ("number",),
                         description=f"{self.key} of action '{self.label}': {self.law.describe()}")


def _needs_centre(law: Law) -> bool:
    from tariffsim.uncertainty.laws import LogNormal, Normal, Uniform

    return ((isinstance(law, Normal) and law.mean is None) or (isinstance(law, LogNormal) and law.median is None)
            or (isinstance(law, Uniform) and law.relative))


def find_action(scenario: LoadedScenario, label: str) -> Any:
    """The action or retaliation labelled ``label``."""
    for entry in (*scenario.spec.action, *scenario.spec.retaliation):
        if entry.label == label:
            return entry
    known = [e.label for e in (*scenario.spec.action, *scenario.spec.retaliation) if e.label]
    raise ScenarioError(f"no action or retaliation labelled '{label}' (labels: {', '.join(known[:10]) or 'none'})")


def overlay(scenario: LoadedScenario, inputs: DrawInputs) -> LoadedScenario:
    """The scenario with one draw's action values and trade-cost coefficients.

    Raises
    ------
    ScenarioError
        If a value makes an entry invalid (a rate at or below −100 %, ``until`` before ``effective``).
    """
    if not inputs.touches_scenario:
        return scenario
    spec = scenario.spec
    changed: dict[str, list[Any]] = {}
    for table in ("action", "retaliation"):
        entries = []
        for entry in getattr(spec, table):
            update = {key: value for (label, key), value in inputs.actions.items() if entry.label == label}
            entries.append(_revalidated(entry, update) if update else entry)
        changed[table] = entries
    costs = []
    for entry in spec.trade_cost:
        beta = inputs.coefficients.get(entry.variable)
        costs.append(entry if beta is None else _revalidated(entry, {"coefficient": beta}))
    changed["trade_cost"] = costs
    return replace(scenario, spec=spec.model_copy(update=changed))


def _revalidated(entry: Any, update: Mapping[str, Any]) -> Any:
    data = entry.model_dump(mode="python", exclude_unset=True)
    data.update(update)
    try:
        return type(entry).model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "entry"
        raise ScenarioError(f"the drawn values make '{getattr(entry, 'label', '') or where}' invalid: "
                            f"{where}: {err.get('msg', 'invalid')}") from None


def bind_all(parameters: Sequence[Parameter], world: World, scenario: LoadedScenario | None) -> tuple[Block, ...]:
    """Bind each parameter; refuse two that vary the same column."""
    if not parameters:
        raise ModelError("nothing varies: give at least one parameter (Elasticity, ElasticityTable, Coefficients, "
                         "ActionParameter)")
    blocks = []
    for parameter in parameters:
        if not isinstance(parameter, Parameter):
            raise ModelError(f"{parameter!r} is not a parameter (Elasticity, ElasticityTable, Coefficients, "
                             "ActionParameter)")
        blocks.append(parameter.bind(world, scenario))
    names = [n for b in blocks for n in b.names]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ModelError(f"{', '.join(repeated)} would be drawn twice: declare each once")
    tables = [b for b in blocks if isinstance(b, _TableBlock)]
    if tables and len(blocks) > 1 and any(n.startswith("theta:") for b in blocks for n in b.names):
        raise ModelError("an elasticity table sets every sector's θ: do not vary single elasticities with it")
    return tuple(blocks)
