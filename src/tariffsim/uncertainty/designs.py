"""Designs: which points of the parameters' space are solved, and how their results are summarised.

* :class:`MonteCarlo` — ``draws`` independent draws; draw ``k`` uses its own generator,
  ``default_rng(SeedSequence(seed).spawn(draws)[k])``, so its values depend on the seed
  and ``k`` only: not on the executor, the number of workers, or how many draws follow;
* :class:`LatinHypercube` — ``draws`` points stratified in every coordinate
  (``scipy.stats.qmc.LatinHypercube``), fewer draws for the same precision of means;
* :class:`Quadrature` — Gaussian quadrature for a few continuous parameters, GTAP's
  systematic sensitivity analysis (Arndt 1996; Pearson & Arndt 2000): ``"stroud3"``,
  Stroud's (1957) degree-3 rule with 2N points for N coordinates (exact means for
  polynomials of total degree ≤ 3 in the parameters, exact variances for linear
  ones), or ``"gauss"``, the tensor product of ``order``-point Gauss–Hermite
  (normal, lognormal) and Gauss–Legendre (uniform) rules, ``order``^N points, exact
  for polynomials of degree ≤ 2·order − 1 in each coordinate;
* :class:`Grid` — every combination of each coordinate's levels: a choice's values
  (sweeps, published sets), ``levels`` mid-quantiles of a continuous law.

Monte Carlo, Latin hypercube and grid points are summarised by sample statistics (mean,
standard deviation, quantiles over the draws that solved); quadrature points by their
weights (mean and standard deviation; the quantile columns are then the normal
approximation, mean ± 1.645 sd, and say so in the run record).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import ClassVar, Literal

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss
from numpy.typing import NDArray

from tariffsim.errors import ModelError
from tariffsim.uncertainty.laws import QuadratureFamily
from tariffsim.uncertainty.parameters import Block

__all__ = ["Design", "DesignPoints", "MonteCarlo", "LatinHypercube", "Quadrature", "Grid", "DESIGNS",
           "DesignName", "make_design", "stroud3", "gauss_tensor", "MAX_POINTS"]

FloatArray = NDArray[np.float64]
DesignName = Literal["mc", "lhs", "quadrature", "grid"]
DESIGNS: tuple[DesignName, ...] = ("mc", "lhs", "quadrature", "grid")
MAX_POINTS = 1_000_000
"""Most points a design may ask for (a grid or tensor rule grows as levels^N)."""


@dataclass(frozen=True, eq=False)
class DesignPoints:
    """The points of a design, as parameter values.

    Attributes
    ----------
    values
        Shape (D, K): one row per draw, one column per draws-table column of the blocks.
    weights
        Quadrature weights (D,), summing to 1; ``None`` for sample designs.
    """

    values: FloatArray
    weights: FloatArray | None = None

    @property
    def n(self) -> int:
        return int(self.values.shape[0])


class Design:
    """How parameter values are chosen (see the module docstring)."""

    name: ClassVar[DesignName]
    sampled: ClassVar[bool] = True
    """Whether the design uses the seed."""

    def points(self, blocks: Sequence[Block], seed: np.random.SeedSequence) -> DesignPoints:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _dims(blocks: Sequence[Block]) -> int:
    return sum(b.dims for b in blocks)


def _values(blocks: Sequence[Block], points: FloatArray, how: str) -> FloatArray:
    """Each block's values at its slice of the coordinates, side by side."""
    parts, at = [], 0
    for block in blocks:
        chunk = points[:, at:at + block.dims]
        parts.append(block.sample(chunk) if how == "u" else block.standard(chunk))
        at += block.dims
    return np.hstack(parts) if parts else np.empty((points.shape[0], 0))


def _check_draws(draws: int, what: str) -> None:
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or not 1 <= draws <= MAX_POINTS:
        raise ModelError(f"{what} needs a number of draws from 1 to {MAX_POINTS:,}; got {draws!r}")


def fresh(seed: np.random.SeedSequence) -> np.random.SeedSequence:
    """A copy of ``seed`` that has spawned nothing yet (spawning changes a SeedSequence)."""
    return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size)


@dataclass(frozen=True)
class MonteCarlo(Design):
    """``draws`` independent draws, one spawned SeedSequence each."""

    draws: int
    name: ClassVar[DesignName] = "mc"

    def __post_init__(self) -> None:
        _check_draws(self.draws, "Monte Carlo")

    def points(self, blocks: Sequence[Block], seed: np.random.SeedSequence) -> DesignPoints:
        dims = _dims(blocks)
        u = np.empty((self.draws, dims))
        for k, child in enumerate(fresh(seed).spawn(self.draws)):
            u[k] = np.random.default_rng(child).random(dims)
        return DesignPoints(_values(blocks, u, "u"))

    def describe(self) -> str:
        return f"Monte Carlo, {self.draws:,} draws"


@dataclass(frozen=True)
class LatinHypercube(Design):
    """``draws`` points of a Latin hypercube (each coordinate's range cut in ``draws`` equal strata, one point
    in each)."""

    draws: int
    scramble: bool = True
    name: ClassVar[DesignName] = "lhs"

    def __post_init__(self) -> None:
        _check_draws(self.draws, "a Latin hypercube")

    def points(self, blocks: Sequence[Block], seed: np.random.SeedSequence) -> DesignPoints:
        from scipy.stats import qmc

        dims = _dims(blocks)
        rng = np.random.default_rng(fresh(seed))
        keyword = "rng" if "rng" in inspect.signature(qmc.LatinHypercube.__init__).parameters else "seed"
        sampler = qmc.LatinHypercube(d=dims, scramble=self.scramble, **{keyword: rng})
        return DesignPoints(_values(blocks, sampler.random(self.draws), "u"))

    def describe(self) -> str:
        return f"Latin hypercube, {self.draws:,} draws"


def stroud3(dims: int) -> tuple[FloatArray, FloatArray]:
    """Stroud's (1957) degree-3 rule for ``dims`` independent standardised symmetric variables: 2·dims points.

    Point ``k`` = 1 … 2N has coordinates ``√2·cos((2r−1)kπ/N)`` and ``√2·sin((2r−1)kπ/N)`` for
    r = 1 … ⌊N/2⌋, and ``(−1)^k`` last when N is odd; every weight is 1/(2N). The rule
    integrates every polynomial of total degree ≤ 3 exactly against any product of
    symmetric laws with mean 0 and variance 1 (normal, or uniform on [−√3, √3]); its
    coordinates stay within ±√2, inside the uniform's support (the variant GTAP uses).

    Returns
    -------
    nodes, weights
        Shapes (2N, N) and (2N,).
    """
    if dims < 1:
        raise ModelError("quadrature needs at least one continuous parameter")
    k = np.arange(1, 2 * dims + 1)[:, None]
    nodes = np.empty((2 * dims, dims))
    for r in range(1, dims // 2 + 1):
        angle = (2 * r - 1) * k[:, 0] * math.pi / dims
        nodes[:, 2 * r - 2] = math.sqrt(2.0) * np.cos(angle)
        nodes[:, 2 * r - 1] = math.sqrt(2.0) * np.sin(angle)
    if dims % 2:
        nodes[:, dims - 1] = (-1.0) ** k[:, 0]
    return nodes, np.full(2 * dims, 1.0 / (2 * dims))


def gauss_tensor(families: Sequence[QuadratureFamily], order: int) -> tuple[FloatArray, FloatArray]:
    """The tensor product of ``order``-point Gauss rules, one per coordinate, in standardised units.

    Gauss–Hermite for a normal coordinate (nodes of the probabilists' Hermite polynomial),
    Gauss–Legendre scaled to [−√3, √3] for a uniform one; weights normalised to sum to 1.
    Exact for polynomials of degree ≤ 2·order − 1 in each coordinate.
    """
    rules = []
    for family in families:
        if family == "hermite":
            x, w = hermegauss(order)
            rules.append((x, w / math.sqrt(2.0 * math.pi)))
        else:
            t, w = leggauss(order)
            rules.append((math.sqrt(3.0) * t, w / 2.0))
    size = order ** len(rules)
    if size > MAX_POINTS:
        raise ModelError(f"a Gauss rule of order {order} in {len(rules)} coordinates has {size:,} points: use "
                         "rule='stroud3' (2N points) or Monte Carlo")
    nodes = np.array(list(product(*(r[0] for r in rules))), dtype=np.float64).reshape(size, len(rules))
    weights = np.array([math.prod(c) for c in product(*(r[1] for r in rules))], dtype=np.float64)
    return nodes, weights


@dataclass(frozen=True)
class Quadrature(Design):
    """Gaussian quadrature over the parameters' continuous laws (normal, lognormal, uniform)."""

    rule: Literal["stroud3", "gauss"] = "stroud3"
    order: int = 3
    name: ClassVar[DesignName] = "quadrature"
    sampled: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if self.rule not in ("stroud3", "gauss"):
            raise ModelError(f"quadrature rule '{self.rule}' is not one of stroud3, gauss")
        if isinstance(self.order, bool) or not isinstance(self.order, int) or not 1 <= self.order <= 20:
            raise ModelError(f"quadrature order must be an integer from 1 to 20; got {self.order!r}")

    def points(self, blocks: Sequence[Block], seed: np.random.SeedSequence) -> DesignPoints:
        families = [f for b in blocks for f in b.families]
        if any(f is None for f in families):
            names = [n for b in blocks if None in b.families for n in b.names]
            raise ModelError(f"quadrature needs continuous laws (normal, lognormal, uniform); {', '.join(names)} "
                             "are choices or tables: use Monte Carlo, a Latin hypercube or a grid")
        if self.rule == "stroud3":
            nodes, weights = stroud3(len(families))
        else:
            nodes, weights = gauss_tensor([f for f in families if f is not None], self.order)
        return DesignPoints(_values(blocks, nodes, "x"), weights)

    def describe(self) -> str:
        if self.rule == "stroud3":
            return "Gaussian quadrature, Stroud's degree-3 rule (2N points)"
        return f"Gaussian quadrature, tensor Gauss rule of order {self.order}"


@dataclass(frozen=True)
class Grid(Design):
    """Every combination of the coordinates' levels: a choice's values, or ``levels`` mid-quantiles."""

    levels: int = 3
    name: ClassVar[DesignName] = "grid"
    sampled: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if isinstance(self.levels, bool) or not isinstance(self.levels, int) or self.levels < 1:
            raise ModelError(f"grid levels must be a positive integer; got {self.levels!r}")

    def points(self, blocks: Sequence[Block], seed: np.random.SeedSequence) -> DesignPoints:
        sizes = [s for b in blocks for s in b.grid_sizes(self.levels)]
        total = math.prod(sizes)
        if total > MAX_POINTS:
            raise ModelError(f"the grid has {total:,} points ({' × '.join(map(str, sizes))}): fewer levels or "
                             "parameters, or Monte Carlo")
        axes = [(np.arange(s) + 0.5) / s for s in sizes]
        u = np.array(list(product(*axes)), dtype=np.float64).reshape(total, len(sizes))
        return DesignPoints(_values(blocks, u, "u"))

    def describe(self) -> str:
        return f"grid ({self.levels} levels for each continuous parameter; every value of a choice)"


def make_design(name: str, draws: int | None = None, *, levels: int = 3, rule: str = "stroud3",
                order: int = 3) -> Design:
    """A design by name (``mc``, ``lhs``, ``quadrature``, ``grid``), as the CLI and scenario files give it."""
    if name == "mc":
        return MonteCarlo(draws if draws is not None else 100)
    if name == "lhs":
        return LatinHypercube(draws if draws is not None else 100)
    if name == "quadrature":
        return Quadrature(rule=rule, order=order)  # type: ignore[arg-type]
    if name == "grid":
        return Grid(levels=levels)
    raise ModelError(f"design '{name}' is not one of {', '.join(DESIGNS)}")
