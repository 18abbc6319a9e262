"""Option vocabularies, named once, and the typed objects that carry settings.

Every settings object is frozen and validated at construction, so that a bad
option fails where it is written, not three layers down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from tariffsim.errors import ModelError

__all__ = [
    "check_choice",
    "check_solver_budget",
    "NumeraireRule",
    "Closure",
    "CLOSURES",
    "NumeraireKind",
    "Numeraire",
    "SolverMethod",
    "SolverOptions",
    "Procedure",
]

Closure = Literal["fixed_level", "fixed_ratio", "balanced"]
"""How trade imbalances are closed in the counterfactual.

* ``fixed_level``: each country's deficit stays fixed in units of world output
  (world value added with input-output links), ``D'_j = D_j · ΣY'/ΣY``, as in Dekle,
  Eaton & Kortum (2008), who hold deficits fixed as a share of world GDP; with the
  default world-output numeraire that is the baseline dollar value (Caliendo & Parro
  2015). Real outcomes are then the same whatever numeraire nominal values are
  reported in. A large shock can push a surplus country's income below its fixed
  surplus: there is then no equilibrium with this closure and the solve raises
  :class:`~tariffsim.errors.ModelError` naming the country.
* ``fixed_ratio``: spending net of tariff revenue stays proportional to output,
  E_j − R_j = κ φ_j Y_j with φ_j its baseline ratio and one world scalar κ that keeps
  world spending equal to world income (κ = 1 in the baseline). Without tariffs
  this is the E_j = φ_j Y_j rule of Yotov et al. (2016) and gegravity, made
  consistent with world market clearing.
* ``balanced``: deficits are first purged (a counterfactual that sets every
  deficit to zero becomes the baseline), then the shock is applied with zero
  deficits, as in Dekle, Eaton & Kortum (2008) and Caliendo & Parro (2015).
"""

CLOSURES: tuple[str, ...] = get_args(Closure)


def check_choice(value: Any, vocabulary: Any, what: str) -> None:
    """Raise :class:`ModelError` unless ``value`` is one of the ``Literal`` vocabulary's options."""
    allowed = get_args(vocabulary)
    if value not in allowed:
        raise ModelError(f"{what} '{value}' is not one of {', '.join(map(str, allowed))}")


def check_solver_budget(tol: float, max_iter: int, memory: int) -> None:
    """The settings every iterative solver shares: tol in (0, 0.01), max_iter ≥ 1, memory ≥ 0."""
    if not (0 < tol < 1e-2):
        raise ModelError(f"solver tol must be in (0, 0.01); got {tol}")
    if max_iter < 1:
        raise ModelError(f"solver max_iter must be >= 1; got {max_iter}")
    if memory < 0:
        raise ModelError(f"solver memory must be >= 0; got {memory}")

NumeraireKind = Literal["world_output", "wage", "price_index"]

Procedure = Literal["exact", "book"]
"""How a gravity counterfactual is computed.

* ``exact``: exact hat algebra solved to full convergence (default).
* ``book``: the iterative GEPPML procedure of Yotov et al. (2016, ch. 2), with its
  stopping rule, for reproducing the book's published numbers.
"""

SolverMethod = Literal["auto", "anderson", "newton"]


@dataclass(frozen=True)
class Numeraire:
    """What the counterfactual's nominal values are measured in.

    Real quantities (welfare, real income, real GDP, real wages, trade shares, flows
    relative to world output) do not depend on the numeraire, under every closure;
    nominal ones (levels and changes of output, expenditure, flows, tariff revenue,
    balances, factory-gate prices and price indices) are measured in it.

    Parameters
    ----------
    kind
        ``"world_output"`` (world GDP is unchanged; default), ``"wage"`` (one
        country's wage, i.e. factory-gate price, is unchanged) or
        ``"price_index"`` (one country's consumer price index is unchanged, like
        the reference country's inward multilateral resistance in Yotov et al.).
    country
        The reference country for ``"wage"`` and ``"price_index"``.
    """

    kind: NumeraireKind = "world_output"
    country: str | None = None

    def __post_init__(self) -> None:
        check_choice(self.kind, NumeraireKind, "numeraire kind")
        if self.kind == "world_output" and self.country is not None:
            raise ModelError("the world_output numeraire takes no country")
        if self.kind != "world_output" and not self.country:
            raise ModelError(f"the {self.kind} numeraire needs a country, e.g. Numeraire('{self.kind}', 'USA')")

    @classmethod
    def parse(cls, spec: str | Numeraire | None) -> Numeraire:
        """Parse ``"world_output"``, ``"wage:USA"`` or ``"price_index:DEU"``."""
        if spec is None:
            return cls()
        if isinstance(spec, Numeraire):
            return spec
        kind, _, country = str(spec).partition(":")
        kind = kind.strip()
        if kind not in get_args(NumeraireKind):
            raise ModelError(f"numeraire '{spec}' is not one of world_output, wage:ISO3, price_index:ISO3")
        return cls(kind, country.strip() or None)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.kind if self.country is None else f"{self.kind}:{self.country}"

    def rule(self, countries: Sequence[str]) -> NumeraireRule:
        """The numeraire in index form for a grid with these country labels."""
        if self.country is None:
            return NumeraireRule(self.kind)
        if self.country not in countries:
            raise ModelError(f"numeraire country '{self.country}' is not in the World")
        return NumeraireRule(self.kind, list(countries).index(self.country))


@dataclass(frozen=True)
class NumeraireRule:
    """The numeraire in index form, as the equation systems use it: ``kind`` and the
    reference country's index (−1 for ``world_output``)."""

    kind: NumeraireKind
    index: int = -1


@dataclass(frozen=True)
class SolverOptions:
    """Settings of the equilibrium solver.

    Parameters
    ----------
    method
        ``"auto"`` (accelerated fixed point, then Newton if it stalls),
        ``"anderson"`` (accelerated fixed point only) or ``"newton"`` (Newton
        with the analytic Jacobian only).
    tol
        Convergence tolerance on the relative market-clearing residual,
        max_i |sales_i − output_i| / output_i.
    max_iter
        Iteration budget of each method.
    memory
        Anderson acceleration memory (number of past steps mixed).
    damping
        Step length of the plain fixed-point step, in (0, 1].
    """

    method: SolverMethod = "auto"
    tol: float = 1e-11
    max_iter: int = 2000
    memory: int = 6
    damping: float = 1.0

    def __post_init__(self) -> None:
        check_choice(self.method, SolverMethod, "solver method")
        check_solver_budget(self.tol, self.max_iter, self.memory)
        if not (0 < self.damping <= 1):
            raise ModelError(f"solver damping must be in (0, 1]; got {self.damping}")
