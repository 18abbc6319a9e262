"""What every solve checks before it returns: an equilibrium that can exist.

A root of the equilibrium conditions is not always an economy. Under the
``fixed_level`` closure a country's deficit (or surplus) is held fixed in units of
world output whatever happens to its income; a large enough shock can push a
surplus country's income below its fixed surplus, and the conditions then have a
root with negative spending and negative flows — a number that cannot be true.
:func:`check_equilibrium` refuses such roots with a :class:`ModelError` that names
the country, the closure that cannot hold and the alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tariffsim.errors import ModelError
from tariffsim.results import Equilibrium

__all__ = ["check_equilibrium", "closure_label"]

_ALTERNATIVES = {
    "fixed_level": "closure 'fixed_ratio' (deficits scale with each country's income) or 'balanced' (deficits "
                   "purged first) always has spending above zero",
    "fixed_ratio": "closure 'balanced' (deficits purged first)",
    "balanced": "a smaller shock",
}


def closure_label(kind: str, deficit_target: np.ndarray | None) -> str:
    """The user's name for the closure a solve ran: ``balanced`` is ``fixed_level`` with zero targets."""
    if kind == "fixed_level" and deficit_target is not None and not np.any(deficit_target):
        return "balanced"
    return kind


def _first(mask: np.ndarray, countries: Sequence[str]) -> str:
    return ", ".join(np.asarray(countries, dtype=object)[mask][:5])


def check_equilibrium(eq: Equilibrium, countries: Sequence[str], sectors: Sequence[str], *, closure: str) -> None:
    """Raise :class:`ModelError` unless ``eq`` is an economy: finite, prices and wages > 0,
    spending and income > 0, flows ≥ 0.

    Parameters
    ----------
    eq
        The counterfactual equilibrium.
    countries, sectors
        Labels of the grid, for the message.
    closure
        The trade-imbalance closure the solve used (named in the message).
    """
    arrays = {"wages": eq.wage_hat, "price indices": eq.price_index_hat, "flows": eq.flows,
              "expenditure": eq.expenditure, "output": eq.output}
    for name, values in arrays.items():
        if not np.all(np.isfinite(values)):
            raise ModelError(f"the counterfactual has non-finite {name}: the shock is too large for the model to "
                             f"represent (closure '{closure}'); try {_ALTERNATIVES.get(closure, 'a smaller shock')}")
    income = eq.expenditure if eq.income is None else eq.income
    spending = eq.expenditure - eq.tariff_revenue
    bad = (income <= 0) | (spending <= 0)
    if bad.any():
        k = int(np.argmax(bad))
        deficits = eq.deficit
        factor_income = eq.output if eq.value_added is None else eq.value_added
        surplus = -float(deficits[k])
        what = (f"its trade surplus of {surplus:,.0f} USD m, held fixed by the '{closure}' closure, exceeds its "
                f"counterfactual income of {float(factor_income[k]):,.0f} USD m"
                if closure == "fixed_level" and surplus > 0 else
                f"its spending would be {float(spending[k]):,.0f} USD m")
        others = bad.copy()
        others[k] = False
        also = f" (and likewise {_first(others, countries)})" if others.any() else ""
        raise ModelError(f"no equilibrium with closure '{closure}': for {countries[k]}{also} {what}, so "
                         f"spending and imports would be negative. Use {_ALTERNATIVES.get(closure, 'another closure')}")
    if np.any(eq.wage_hat <= 0) or np.any(eq.price_index_hat <= 0) or np.any(eq.sector_price_hat <= 0):
        bad_c = (eq.wage_hat <= 0) | (eq.price_index_hat <= 0) | np.any(eq.sector_price_hat <= 0, axis=1)
        raise ModelError(f"the counterfactual has prices at or below zero for {_first(bad_c, countries)} "
                         f"(closure '{closure}')")
    if np.any(eq.flows < 0):
        i, j, s = (int(v) for v in np.argwhere(eq.flows < 0)[0])
        raise ModelError(f"the counterfactual has a negative flow from {countries[i]} to {countries[j]} in "
                         f"{sectors[s]} (closure '{closure}'); use {_ALTERNATIVES.get(closure, 'another closure')}")
