"""What a player controls: an importer's tariffs on chosen partners and sectors, within bounds.

An :class:`Instrument` is declared with labels and bound to a World's grid
(:meth:`Instrument.bind`), which gives a :class:`BoundInstrument`: the parameter
vector ``p`` of the player's choice and the map from ``p`` to the tariff array
``t'[i, j, s]`` (exporter, importer, sector). Every tariff the instrument does not
control stays at the profile it is applied to (the baseline, a scenario, or the
other players' current tariffs in a trade war).

Parameter layouts (``P`` parameters):

* partners ``"each"`` and sectors ``"each"`` — one rate per (partner, sector),
  partner-major: discriminatory tariffs, Ossa's (2014) "optimal tariffs";
* partners ``"mfn"`` — one rate per sector for every partner (most-favoured nation);
* sectors ``"uniform"`` — one rate for all controlled sectors (per partner, or one
  number in all with ``"mfn"``), as in Lashkaripour (2021).

Sectors that are not traded (no imports anywhere) are never controlled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ModelError
from tariffsim.options import check_choice
from tariffsim.world import World

__all__ = ["Instrument", "BoundInstrument", "PartnerMode", "SectorMode", "DEFAULT_UPPER"]

FloatArray = NDArray[np.float64]
ArrayLike = Sequence[float] | FloatArray
PartnerMode = Literal["each", "mfn"]
SectorMode = Literal["each", "uniform"]

DEFAULT_UPPER = 2.25
"""Default cap on controlled tariffs (225 %): Ossa's (2014) bound for all but the highest target tariffs."""


@dataclass(frozen=True)
class Instrument:
    """A player's tariff instrument.

    Parameters
    ----------
    importer
        The player: the country whose import tariffs are chosen.
    partners
        ``"each"`` (one rate per partner: discriminatory) or ``"mfn"`` (one rate for
        every partner).
    sectors
        ``"each"`` (one rate per sector) or ``"uniform"`` (one rate for all sectors).
    targets
        The exporters whose goods the tariffs apply to; default every other country.
    sector_list
        The sectors controlled; default every traded sector.
    lower, upper
        Bounds on each rate (fractions, 0.25 = 25 %). ``upper`` may be a mapping
        ``sector -> cap`` (Ossa's bounds depend on the target tariff). Default
        0 and :data:`DEFAULT_UPPER`.
    subsidies
        Allow negative rates (import subsidies) down to ``lower`` (> −1). Without it
        a negative ``lower`` is an error.
    """

    importer: str
    partners: PartnerMode = "mfn"
    sectors: SectorMode = "each"
    targets: tuple[str, ...] | None = None
    sector_list: tuple[str, ...] | None = None
    lower: float = 0.0
    upper: float | dict[str, float] = DEFAULT_UPPER
    subsidies: bool = False

    def __post_init__(self) -> None:
        check_choice(self.partners, PartnerMode, "instrument partners")
        check_choice(self.sectors, SectorMode, "instrument sectors")
        if self.targets is not None:
            object.__setattr__(self, "targets", tuple(self.targets))
        if self.sector_list is not None:
            object.__setattr__(self, "sector_list", tuple(self.sector_list))
        if not np.isfinite(self.lower) or self.lower <= -1.0:
            raise ModelError(f"instrument lower bound must be a finite rate above -100%; got {self.lower}")
        if self.lower < 0 and not self.subsidies:
            raise ModelError(f"instrument lower bound {self.lower} is an import subsidy: pass subsidies=True to "
                             "allow negative tariffs")
        caps = self.upper.values() if isinstance(self.upper, dict) else [self.upper]
        for cap in caps:
            if not np.isfinite(cap) or cap <= self.lower:
                raise ModelError(f"instrument upper bound must be finite and above the lower bound "
                                 f"{self.lower}; got {cap}")

    def bind(self, world: World) -> BoundInstrument:
        """The instrument on ``world``'s grid; raises for labels not in the World."""
        j = world.country_index(self.importer)
        targets = self.targets if self.targets is not None else tuple(c for c in world.countries
                                                                       if c != self.importer)
        if self.importer in targets:
            raise ModelError(f"instrument of {self.importer}: a country does not levy tariffs on itself")
        partner_idx = [world.country_index(c) for c in targets]
        if not partner_idx:
            raise ModelError(f"instrument of {self.importer}: no partners")
        if self.sector_list is None:
            sector_idx = [s for s in range(world.n_sectors) if world.traded[s]]
        else:
            sector_idx = [world.sector_index(s) for s in self.sector_list]
        if not sector_idx:
            raise ModelError(f"instrument of {self.importer}: no traded sectors to control")
        if isinstance(self.upper, dict):
            unknown = sorted(set(self.upper) - set(world.sectors))
            if unknown:
                raise ModelError(f"instrument upper bounds name sectors not in the World: {unknown}")
            caps = np.array([self.upper.get(world.sectors[s], DEFAULT_UPPER) for s in sector_idx])
        else:
            caps = np.full(len(sector_idx), float(self.upper))
        return BoundInstrument(self, world.countries, world.sectors, j, tuple(partner_idx), tuple(sector_idx), caps)


@dataclass(frozen=True, eq=False)
class BoundInstrument:
    """An :class:`Instrument` on a grid: parameters ↔ tariff arrays.

    Attributes
    ----------
    spec
        The instrument as declared.
    importer
        Index of the player.
    partners, sectors
        Indices of the controlled exporters and sectors.
    caps
        Upper bound per controlled sector, (len(sectors),).
    """

    spec: Instrument
    countries: tuple[str, ...]
    sector_labels: tuple[str, ...]
    importer: int
    partners: tuple[int, ...]
    sectors: tuple[int, ...]
    caps: FloatArray
    _cells: NDArray[np.intp] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Parameter index of every controlled cell, (len(partners), len(sectors)).
        n_p, n_s = len(self.partners), len(self.sectors)
        by_partner = self.spec.partners == "each"
        by_sector = self.spec.sectors == "each"
        rows = np.arange(n_p)[:, None] if by_partner else np.zeros((n_p, 1), dtype=np.intp)
        cols = np.arange(n_s)[None, :] if by_sector else np.zeros((1, n_s), dtype=np.intp)
        width = n_s if by_sector else 1
        object.__setattr__(self, "_cells", np.asarray(rows * width + cols, dtype=np.intp)
                           * np.ones((n_p, n_s), dtype=np.intp))

    @property
    def size(self) -> int:
        """Number of parameters."""
        return int(self._cells.max()) + 1

    def bounds(self) -> list[tuple[float, float]]:
        """(lower, upper) per parameter; a parameter covering several sectors takes the smallest cap."""
        upper = np.full(self.size, np.inf)
        np.minimum.at(upper, self._cells, np.broadcast_to(self.caps[None, :], self._cells.shape))
        return [(self.spec.lower, float(u)) for u in upper]

    def apply(self, params: ArrayLike, profile: FloatArray) -> FloatArray:
        """``profile`` (N, N, S) with the controlled cells set from ``params`` (complex values pass through)."""
        p = np.asarray(params)
        out = np.array(profile, dtype=np.result_type(profile, p), copy=True)
        out[np.ix_(self.partners, [self.importer], self.sectors)] = p[self._cells][:, None, :]
        return out

    def read(self, tariffs: FloatArray) -> FloatArray:
        """Parameters from a tariff array: the mean of the cells each parameter controls, within bounds."""
        cells = np.asarray(tariffs)[np.ix_(self.partners, [self.importer], self.sectors)][:, 0, :]
        total = np.zeros(self.size)
        count = np.zeros(self.size)
        np.add.at(total, self._cells, cells)
        np.add.at(count, self._cells, 1.0)
        bounds = np.array(self.bounds())
        return np.clip(total / count, bounds[:, 0], bounds[:, 1])

    def direction(self, k: int) -> FloatArray:
        """∂t'/∂p_k as an (N, N, S) array of zeros and ones."""
        out = np.zeros((len(self.countries), len(self.countries), len(self.sector_labels)))
        out[np.ix_(self.partners, [self.importer], self.sectors)] = (self._cells == k)[:, None, :]
        return out

    def table(self, params: ArrayLike) -> pd.DataFrame:
        """``importer, exporter, sector, tariff`` (fractions), one row per controlled cell."""
        p = np.asarray(params, dtype=np.float64)
        rows = []
        for a, i in enumerate(self.partners):
            for b, s in enumerate(self.sectors):
                rows.append({"importer": self.countries[self.importer], "exporter": self.countries[i],
                             "sector": self.sector_labels[s], "tariff": float(p[self._cells[a, b]])})
        return pd.DataFrame(rows, columns=["importer", "exporter", "sector", "tariff"])

    def labels(self) -> list[str]:
        """A readable name per parameter."""
        names = [""] * self.size
        for a, i in enumerate(self.partners):
            for b, s in enumerate(self.sectors):
                k = int(self._cells[a, b])
                if names[k]:
                    continue
                who = self.countries[i] if self.spec.partners == "each" else "all partners"
                what = self.sector_labels[s] if self.spec.sectors == "each" else "all sectors"
                names[k] = f"{self.countries[self.importer]} on {who}, {what}"
        return names

