"""Counterfactual changes on a World's grid: :class:`Shock`.

A shock says what policy changes, nothing about how the economy answers:

* ``tariffs``: the new applied tariff levels ``[i, j, s]`` (fractions; importer
  ``j`` on exporter ``i``), or ``None`` for unchanged tariffs;
* ``trade_cost_hat``: iceberg trade-cost changes τ̂ = τ'/τ ``[i, j, s]`` (1 = no
  change), or ``None``;
* ``purchases``: purchase commitments — an importer raises its purchases from a
  partner in some sectors by a stated value — which the models meet with a demand
  (preference) shift.

Shocks are built directly (arrays or tidy frames), from changes in gravity
cost variables with their estimated coefficients (:meth:`Shock.from_cost_variables`),
or by the scenario compiler.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from tariffsim._validation import pairs_where, readonly
from tariffsim.errors import ShockError

if TYPE_CHECKING:
    from tariffsim.world import World

__all__ = ["Purchase", "Shock"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Purchase:
    """A purchase commitment: ``importer`` buys at least ``value`` USD millions more from ``exporter``
    than in the baseline.

    The floor is the baseline flow summed over ``sectors`` plus ``value`` (pre-tariff
    prices, USD millions of the baseline year; held in units of world output, as
    deficits are under the ``fixed_level`` closure). Like the Phase One agreement's
    commitments it is a floor: where the counterfactual buys more anyway it does
    not bind. Models meet it with a preference shift of the
    importer toward the exporter's goods in those sectors, found by an outer
    iteration; welfare is then measured with the baseline preferences.
    """

    importer: str
    exporter: str
    sectors: tuple[str, ...]
    value: float
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sectors", tuple(self.sectors))
        if not np.isfinite(self.value):
            raise ShockError(f"purchase commitment '{self.label}': value must be finite")
        if self.importer == self.exporter:
            raise ShockError(f"purchase commitment '{self.label}': importer and exporter are both {self.importer}")
        if not self.sectors:
            raise ShockError(f"purchase commitment '{self.label}': no sectors")


@dataclass(frozen=True, eq=False, repr=False)
class Shock:
    """Counterfactual policy on a World's grid.

    Parameters
    ----------
    countries, sectors
        The grid's labels; must equal the World's when the shock is applied.
    tariffs
        New tariff levels, shape (N, N, S), fractions > −1 (a subsidy above 100 %
        is meaningless), zero on the diagonal; ``None`` keeps the baseline tariffs.
    trade_cost_hat
        Iceberg trade-cost change factors τ̂ > 0, shape (N, N, S); ``None`` = 1.
    purchases
        Purchase commitments (see :class:`Purchase`).
    label
        Short description, kept in results.
    """

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    tariffs: FloatArray | None = None
    trade_cost_hat: FloatArray | None = None
    purchases: tuple[Purchase, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        countries = tuple(self.countries)
        sectors = tuple(self.sectors)
        object.__setattr__(self, "countries", countries)
        object.__setattr__(self, "sectors", sectors)
        shape = (len(countries), len(countries), len(sectors))
        if self.tariffs is not None:
            t = _array(self.tariffs, shape, "tariffs")
            bad = ~np.isfinite(t)
            if bad.any():
                raise ShockError(f"Shock.tariffs: NaN or infinite values at {pairs_where(bad, countries, sectors)}")
            low = t <= -1.0
            if low.any():
                raise ShockError(f"Shock.tariffs: rates at or below -100% at {pairs_where(low, countries, sectors)}; "
                                 "tariffs are fractions (0.25 = 25%)")
            n = len(countries)
            diag = t[np.arange(n), np.arange(n), :]
            if (diag != 0).any():
                rows = np.zeros(shape, dtype=bool)
                rows[np.arange(n), np.arange(n), :] = t[np.arange(n), np.arange(n), :] != 0
                raise ShockError(f"Shock.tariffs: tariffs on domestic sales at {pairs_where(rows, countries, sectors)}")
            object.__setattr__(self, "tariffs", readonly(t))
        if self.trade_cost_hat is not None:
            tau = _array(self.trade_cost_hat, shape, "trade_cost_hat")
            bad = ~(np.isfinite(tau) & (tau > 0))
            if bad.any():
                raise ShockError("Shock.trade_cost_hat: values must be finite and > 0 (1 = no change); got "
                                 f"invalid values at {pairs_where(bad, countries, sectors)}")
            object.__setattr__(self, "trade_cost_hat", readonly(tau))
        object.__setattr__(self, "purchases", tuple(self.purchases))
        for p in self.purchases:
            unknown = [c for c in (p.importer, p.exporter) if c not in countries]
            unknown += [x for x in p.sectors if x not in sectors]
            if unknown:
                raise ShockError(f"purchase commitment '{p.label}' names labels not in the grid: {unknown}")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def none(cls, world: World, label: str = "no change") -> Shock:
        """The zero shock: nothing changes."""
        return cls(world.countries, world.sectors, label=label)

    @classmethod
    def from_arrays(
        cls,
        world: World,
        *,
        tariffs: ArrayLike | None = None,
        trade_cost_hat: ArrayLike | None = None,
        label: str = "",
    ) -> Shock:
        """A shock from full arrays on ``world``'s grid (scalars broadcast)."""
        t = None if tariffs is None else _broadcast(tariffs, world.shape, "tariffs")
        if t is not None:
            n = world.n_countries
            t[np.arange(n), np.arange(n), :] = 0.0
        tau = None if trade_cost_hat is None else _broadcast(trade_cost_hat, world.shape, "trade_cost_hat")
        return cls(world.countries, world.sectors, tariffs=t, trade_cost_hat=tau, label=label)

    @classmethod
    def from_frames(
        cls,
        world: World,
        *,
        tariffs: pd.DataFrame | None = None,
        trade_cost_hat: pd.DataFrame | None = None,
        label: str = "",
    ) -> Shock:
        """A shock from tidy tables; cells not listed keep their baseline values.

        Parameters
        ----------
        tariffs
            Columns ``exporter, importer, [sector,] tariff``: new tariff levels
            (fractions). Without ``sector``, the rate applies to every sector.
        trade_cost_hat
            Columns ``exporter, importer, [sector,] trade_cost_hat``: τ̂ factors.
        """
        t = None
        if tariffs is not None:
            t = np.array(world.tariffs, copy=True)
            _scatter(t, tariffs, "tariff", world)
        tau = None
        if trade_cost_hat is not None:
            tau = np.ones(world.shape)
            _scatter(tau, trade_cost_hat, "trade_cost_hat", world)
        return cls(world.countries, world.sectors, tariffs=t, trade_cost_hat=tau, label=label)

    @classmethod
    def from_cost_variables(
        cls,
        world: World,
        baseline: pd.DataFrame,
        counterfactual: pd.DataFrame,
        coefficients: Mapping[str, float],
        *,
        label: str = "",
    ) -> Shock:
        """Trade-cost changes from gravity cost variables, gegravity-style.

        With PPML estimates β_k of ``X_ij = exp(FE_i + FE_j + Σ_k β_k x_ijk)``,
        τ_ij^(−θ) = exp(Σ_k β_k x_ijk), so τ̂_ijs = exp(−Σ_k β_k (x'_ijk − x_ijk) / θ_s).

        Parameters
        ----------
        baseline, counterfactual
            Tables with ``exporter``, ``importer`` and one column per cost
            variable, one row per pair of the World (domestic pairs included).
        coefficients
            ``variable -> β`` (coefficients on log trade, e.g. RTA 0.47).
        """
        from tariffsim.costs import cost_index

        log_change = (np.log(cost_index(counterfactual, coefficients, world.countries))
                      - np.log(cost_index(baseline, coefficients, world.countries)))
        tau = np.exp(-log_change[:, :, None] / world.elasticity[None, None, :])
        return cls(world.countries, world.sectors, trade_cost_hat=tau, label=label)

    # ------------------------------------------------------------------ queries
    def check_fits(self, world: World) -> None:
        """Raise :class:`ShockError` unless the shock is on ``world``'s grid."""
        if self.countries != world.countries or self.sectors != world.sectors:
            raise ShockError("the shock is on a different grid from the World (countries or sectors differ); "
                             "build it with Shock.from_* on this World")

    def new_tariffs(self, world: World) -> FloatArray:
        """Counterfactual tariff levels (the baseline's when unchanged)."""
        return world.tariffs if self.tariffs is None else self.tariffs

    def tau_hat(self) -> FloatArray | None:
        return self.trade_cost_hat

    def is_zero(self, world: World) -> bool:
        """True when nothing changes relative to ``world``."""
        same_t = self.tariffs is None or np.array_equal(self.tariffs, world.tariffs)
        same_tau = self.trade_cost_hat is None or bool(np.all(self.trade_cost_hat == 1.0))
        no_purchases = all(p.value == 0 for p in self.purchases)
        return same_t and same_tau and no_purchases

    @cached_property
    def fingerprint(self) -> str:
        h = hashlib.sha256()
        h.update("\x1f".join(self.countries).encode() + b"\x1e" + "\x1f".join(self.sectors).encode())
        for arr in (self.tariffs, self.trade_cost_hat):
            h.update(b"\x1d" if arr is None else np.ascontiguousarray(arr, dtype="<f8").tobytes())
        h.update(repr([(p.importer, p.exporter, p.sectors, p.value) for p in self.purchases]).encode())
        return h.hexdigest()

    def __repr__(self) -> str:
        parts = []
        if self.tariffs is not None:
            parts.append("tariffs")
        if self.trade_cost_hat is not None:
            parts.append("trade costs")
        if self.purchases:
            parts.append(f"{len(self.purchases)} purchase commitments")
        what = " and ".join(parts) or "nothing"
        label = f" {self.label!r}" if self.label else ""
        return f"<Shock{label}: changes {what} on {len(self.countries)}×{len(self.sectors)} grid>"


def _broadcast(values: ArrayLike, shape: tuple[int, int, int], name: str) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and arr.shape == shape[:2]:
        arr = arr[:, :, None]
    try:
        return np.broadcast_to(arr, shape).copy()
    except ValueError:
        raise ShockError(f"Shock.{name}: shape {arr.shape} cannot be broadcast to the grid {shape} "
                         "(exporter × importer × sector)") from None


def _array(values: ArrayLike, shape: tuple[int, int, int], name: str) -> FloatArray:
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise ShockError(f"Shock.{name}: cannot be read as numbers") from None
    if arr.ndim == 2 and shape[2] == 1:
        arr = arr[:, :, None]
    if arr.shape != shape:
        raise ShockError(f"Shock.{name}: shape {arr.shape} does not match the grid {shape} "
                         "(exporter × importer × sector)")
    return arr


def _scatter(target: FloatArray, frame: pd.DataFrame, column: str, world: World) -> None:
    missing = [c for c in ("exporter", "importer", column) if c not in frame.columns]
    if missing:
        raise ShockError(f"shock table lacks columns {missing}; it needs exporter, importer, [sector,] {column}")
    cpos = {c: k for k, c in enumerate(world.countries)}
    spos = {c: k for k, c in enumerate(world.sectors)}
    unknown = sorted({str(x) for x in pd.concat([frame["exporter"], frame["importer"]]) if str(x) not in cpos})
    if unknown:
        raise ShockError(f"shock table names countries not in the World: {unknown[:8]}")
    exp = frame["exporter"].astype(str).map(cpos).to_numpy(dtype=np.intp)
    imp = frame["importer"].astype(str).map(cpos).to_numpy(dtype=np.intp)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    if "sector" in frame.columns:
        sec_labels = frame["sector"].astype(str)
        unknown_s = sorted(set(sec_labels[~sec_labels.isin(list(spos))]))
        if unknown_s:
            raise ShockError(f"shock table names sectors not in the World: {unknown_s[:8]}")
        sec = sec_labels.map(spos).to_numpy(dtype=np.intp)
        target[exp, imp, sec] = values
    else:
        target[exp, imp, :] = values[:, None]
