"""Laws of one uncertain number: normal, lognormal, uniform, and a choice among given values.

A law turns a point of a design into a value. Three kinds of point reach it:

* ``u`` in [0, 1) — Monte Carlo and Latin hypercube designs: the value is the law's
  quantile at ``u`` (inverse CDF), so one uniform stream serves every law;
* ``x``, a standardised symmetric variable (mean 0, variance 1) — Gaussian quadrature:
  the value is ``mean + sd·x`` for a normal law, ``median·exp(sd_log·x)`` for a lognormal
  one (the log is normal), ``mid + half·x/√3`` for a uniform one;
* a level index — grids (sweeps): the law's own values for a choice, ``n`` mid-quantiles
  ``(k + ½)/n`` for a continuous law.

A law may be *centred* on a value it does not know yet (the World's elasticity of a
sector, the rate an action already has): ``Normal(sd=0.5)`` has its mean there,
``LogNormal(sd_log=0.48)`` its median, ``Uniform(0.5, 1.5, relative=True)`` its bounds
as multiples of it. :meth:`Law.at`, :meth:`Law.standard` and :meth:`Law.levels` take
that centre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from tariffsim.errors import ModelError

__all__ = ["Law", "Normal", "LogNormal", "Uniform", "Choice", "QuadratureFamily"]

FloatArray = NDArray[np.float64]
QuadratureFamily = Literal["hermite", "legendre"]
"""The one-dimensional Gauss rule of a law's standardised variable: Gauss–Hermite (normal) or Gauss–Legendre
(uniform)."""


def _finite(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelError(f"{what} must be a finite number; got {value!r}")
    return float(value)


class Law:
    """A law of one number (see the module docstring). Subclasses are frozen dataclasses."""

    kind: ClassVar[str] = ""
    family: ClassVar[QuadratureFamily | None] = None
    """How quadrature treats it; ``None``: not a continuous symmetric law (a choice), no quadrature."""

    def at(self, u: FloatArray, centre: float) -> FloatArray:
        """Values at uniform points ``u`` in [0, 1) (the law's quantiles)."""
        raise NotImplementedError

    def standard(self, x: FloatArray, centre: float) -> FloatArray:
        """Values at standardised points ``x`` (mean 0, variance 1), for quadrature."""
        raise ModelError(f"a {self.kind} law has no quadrature: use Monte Carlo, Latin hypercube or a grid")

    def levels(self, n: int, centre: float) -> FloatArray:
        """Grid levels: ``n`` mid-quantiles ``(k + ½)/n``, k = 0 … n − 1."""
        return self.at((np.arange(n) + 0.5) / n, centre)

    def describe(self) -> str:
        """The law in words, for summaries and the run record."""
        raise NotImplementedError


@dataclass(frozen=True)
class Normal(Law):
    """Normal with ``mean`` (default: the centre, e.g. the World's value) and standard deviation ``sd``."""

    sd: float
    mean: float | None = None
    kind = "normal"
    family = "hermite"

    def __post_init__(self) -> None:
        sd = _finite(self.sd, "normal sd")
        if sd is None or sd < 0:
            raise ModelError(f"normal sd must be >= 0; got {self.sd!r}")
        _finite(self.mean, "normal mean")

    def _mean(self, centre: float) -> float:
        return centre if self.mean is None else float(self.mean)

    def at(self, u: FloatArray, centre: float) -> FloatArray:
        return self._mean(centre) + self.sd * ndtri(u)

    def standard(self, x: FloatArray, centre: float) -> FloatArray:
        return self._mean(centre) + self.sd * np.asarray(x, dtype=np.float64)

    def describe(self) -> str:
        where = "the baseline value" if self.mean is None else f"{self.mean:g}"
        return f"normal, mean {where}, sd {self.sd:g}"


@dataclass(frozen=True)
class LogNormal(Law):
    """Lognormal: ``log(value)`` is normal with standard deviation ``sd_log`` around ``log(median)``
    (median default: the centre)."""

    sd_log: float
    median: float | None = None
    kind = "lognormal"
    family = "hermite"

    def __post_init__(self) -> None:
        sd = _finite(self.sd_log, "lognormal sd_log")
        if sd is None or sd < 0:
            raise ModelError(f"lognormal sd_log must be >= 0; got {self.sd_log!r}")
        median = _finite(self.median, "lognormal median")
        if median is not None and median <= 0:
            raise ModelError(f"lognormal median must be > 0; got {self.median!r}")

    def _median(self, centre: float) -> float:
        median = centre if self.median is None else float(self.median)
        if median <= 0:
            raise ModelError(f"a lognormal law needs a positive median; the baseline value is {median:g}")
        return median

    def at(self, u: FloatArray, centre: float) -> FloatArray:
        return self._median(centre) * np.exp(self.sd_log * ndtri(u))

    def standard(self, x: FloatArray, centre: float) -> FloatArray:
        return self._median(centre) * np.exp(self.sd_log * np.asarray(x, dtype=np.float64))

    def describe(self) -> str:
        where = "the baseline value" if self.median is None else f"{self.median:g}"
        return f"lognormal, median {where}, sd of log {self.sd_log:g}"


@dataclass(frozen=True)
class Uniform(Law):
    """Uniform on [``low``, ``high``]; with ``relative`` the bounds are multiples of the centre
    (``Uniform(0.5, 1.5, relative=True)``: half to one and a half times the baseline value)."""

    low: float
    high: float
    relative: bool = False
    kind = "uniform"
    family = "legendre"

    def __post_init__(self) -> None:
        low, high = _finite(self.low, "uniform low"), _finite(self.high, "uniform high")
        if low is None or high is None or not low <= high:
            raise ModelError(f"uniform needs low <= high; got low {self.low!r}, high {self.high!r}")

    def _bounds(self, centre: float) -> tuple[float, float]:
        if not self.relative:
            return float(self.low), float(self.high)
        a, b = self.low * centre, self.high * centre
        return min(a, b), max(a, b)

    def at(self, u: FloatArray, centre: float) -> FloatArray:
        low, high = self._bounds(centre)
        return low + (high - low) * np.asarray(u, dtype=np.float64)

    def standard(self, x: FloatArray, centre: float) -> FloatArray:
        low, high = self._bounds(centre)
        # a uniform variable with variance 1 lives on [-√3, √3]
        return 0.5 * (low + high) + 0.5 * (high - low) * np.asarray(x, dtype=np.float64) / math.sqrt(3.0)

    def describe(self) -> str:
        unit = " × the baseline value" if self.relative else ""
        return f"uniform on [{self.low:g}, {self.high:g}]{unit}"


@dataclass(frozen=True)
class Choice(Law):
    """One of given ``values`` with equal probability; a grid takes each once (sweeps, published sets)."""

    values: tuple[float, ...]
    kind = "choice"
    family = None

    def __init__(self, values: Sequence[float] | FloatArray) -> None:
        try:
            array = np.asarray(list(values), dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelError(f"a choice needs numbers; got {values!r}") from None
        if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
            raise ModelError(f"a choice needs at least one finite number; got {values!r}")
        object.__setattr__(self, "values", tuple(float(v) for v in array))

    def at(self, u: FloatArray, centre: float) -> FloatArray:
        values = np.asarray(self.values)
        index = np.minimum((np.asarray(u) * len(values)).astype(np.int64), len(values) - 1)
        return values[index]

    def levels(self, n: int, centre: float) -> FloatArray:
        return np.asarray(self.values)

    def describe(self) -> str:
        shown = ", ".join(f"{v:g}" for v in self.values[:8]) + (" ..." if len(self.values) > 8 else "")
        return f"one of {len(self.values)} values ({shown})"
