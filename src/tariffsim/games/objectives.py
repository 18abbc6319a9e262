"""What a player maximises: real income, political-economy welfare, or any function of a Result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ModelError
from tariffsim.results import Result
from tariffsim.world import World

__all__ = ["Objective", "ObjectiveKind"]

ObjectiveKind = Literal["welfare", "political", "custom"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Objective:
    """A government's objective.

    Build with :meth:`welfare` (default), :meth:`political` or :meth:`custom`.

    * ``welfare`` — real income, the model's welfare (``welfare_pct`` of a Result).
    * ``political`` — Ossa's (2014) government welfare with weights λ by country and
      sector: ``Σ_s λ_js (I'_js + δ'_js R'_j) / Σ_s λ_js (I_js + δ_js R_j) / P̂_j``, with
      ``I_js`` sector s's income (profits in Ossa's model, value added in the
      perfectly competitive families), ``δ_js`` its share of factor income and ``R_j``
      tariff revenue. λ = 1 everywhere is real income under balanced trade.
    * ``custom`` — any callable of a :class:`~tariffsim.results.Result` returning a
      number to maximise; optimised without gradients (Powell's method), so slower.
    """

    kind: ObjectiveKind = "welfare"
    weights: Any = None
    function: Callable[[Result], float] | None = None

    @classmethod
    def welfare(cls) -> Objective:
        return cls("welfare")

    @classmethod
    def political(cls, weights: pd.DataFrame | Mapping[tuple[str, str], float] | FloatArray) -> Objective:
        """Weights as an (N, S) array on the World's grid, or a table ``country, sector, lambda``
        (missing rows are 1), or a mapping ``(country, sector) -> λ``."""
        return cls("political", weights=weights)

    @classmethod
    def custom(cls, function: Callable[[Result], float]) -> Objective:
        if not callable(function):
            raise ModelError("a custom objective must be a callable of a Result")
        return cls("custom", function=function)

    def weight_array(self, world: World) -> FloatArray:
        """λ as an (N, S) array on ``world``'s grid (political objective)."""
        w = self.weights
        shape = (world.n_countries, world.n_sectors)
        if isinstance(w, pd.DataFrame):
            missing = {"country", "sector", "lambda"} - set(w.columns)
            if missing:
                raise ModelError(f"political weights need columns country, sector, lambda; missing {sorted(missing)}")
            out = np.ones(shape)
            for country, sector, value in zip(w["country"], w["sector"], w["lambda"], strict=True):
                out[world.country_index(str(country)), world.sector_index(str(sector))] = float(value)
        elif isinstance(w, Mapping):
            out = np.ones(shape)
            for (country, sector), value in w.items():
                out[world.country_index(country), world.sector_index(sector)] = float(value)
        else:
            out = np.asarray(w, dtype=np.float64)
            if out.shape != shape:
                raise ModelError(f"political weights have shape {out.shape}; expected {shape} (countries × sectors)")
        if not np.all(np.isfinite(out)) or np.any(out < 0):
            raise ModelError("political weights must be finite and >= 0")
        return out

    def __str__(self) -> str:
        return self.kind
