"""Results: counterfactual equilibria as frozen records and tidy tables.

Every model family returns a :class:`Result`: the baseline World it started
from, an :class:`Equilibrium` (arrays), solver diagnostics and the inputs'
fingerprints. Tables (``countries``, ``bilateral``, ``sectors``) are built on
first access and cached; the column meanings are defined once, in
:data:`COLUMNS`.

Conventions: ``*_pct`` columns are 100·(hat − 1); ``*_base`` and ``*_cf`` are
levels in USD millions of the baseline year, the counterfactual ones in units of
the numeraire; tariffs in tables are in percent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim._json import write_outputs
from tariffsim._validation import readonly
from tariffsim.errors import SolverDiagnostics
from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = ["Equilibrium", "Result", "COLUMNS", "pct"]

FloatArray = NDArray[np.float64]

COLUMNS: dict[str, str] = {
    # identifiers
    "country": "Country or region label.",
    "exporter": "Exporting (origin) country.",
    "importer": "Importing (destination) country.",
    "sector": "Sector label.",
    # country table
    "real_income_pct": "Change in real income E/P: expenditure (income incl. tariff revenue and the deficit "
                       "transfer) deflated by the consumer price index at baseline preferences, percent. With "
                       "input-output links, income is value added + tariff revenue + deficit (final spending).",
    "welfare_pct": "Welfare: change in the utility of the consumption bundle at baseline preferences, percent. "
                   "Equals real_income_pct unless preferences shift (purchase commitments).",
    "real_gdp_pct": "Change in real GDP: value added deflated by the consumer price index, Y/P, percent.",
    "output_pct": "Change in nominal output (value added; gross output with input-output links), in units of the "
                  "numeraire, percent.",
    "factory_price_pct": "Change in the factory-gate price (the wage in a one-factor model), percent (nominal: in "
                         "units of the numeraire).",
    "price_index_pct": "Change in the consumer price index (tariff-inclusive), percent (nominal: in units of the "
                       "numeraire; with the default world-output numeraire, relative to world GDP).",
    "exports_pct": "Change in international exports at pre-tariff prices, percent (nominal: in units of the "
                   "numeraire).",
    "imports_pct": "Change in international imports at pre-tariff prices, percent (nominal: in units of the "
                   "numeraire).",
    "output_base": "Baseline output (value added; gross output with input-output links), USD millions.",
    "output_cf": "Counterfactual output, USD millions in units of the numeraire.",
    "expenditure_base": "Baseline tariff-inclusive expenditure, USD millions.",
    "expenditure_cf": "Counterfactual tariff-inclusive expenditure, USD millions (numeraire units).",
    "exports_base": "Baseline international exports, pre-tariff, USD millions.",
    "exports_cf": "Counterfactual international exports, pre-tariff, USD millions (numeraire units).",
    "imports_base": "Baseline international imports, pre-tariff, USD millions.",
    "imports_cf": "Counterfactual international imports, pre-tariff, USD millions (numeraire units).",
    "trade_balance_base": "Baseline trade balance, exports − imports, USD millions.",
    "trade_balance_cf": "Counterfactual trade balance, USD millions (numeraire units).",
    "tariff_revenue_base": "Baseline tariff revenue, USD millions.",
    "tariff_revenue_cf": "Counterfactual tariff revenue, USD millions (numeraire units).",
    "avg_tariff_base_pct": "Baseline import-weighted average tariff, percent.",
    "avg_tariff_cf_pct": "Counterfactual import-weighted average tariff (counterfactual weights), percent.",
    # country table, multisector model (input-output links)
    "real_wage_pct": "Change in the real wage ŵ/P̂ (value added per worker deflated by the consumer price index), "
                     "percent. Multisector model.",
    "terms_of_trade_pct": "Terms-of-trade contribution to welfare in Caliendo & Parro's (2015) first-order "
                          "decomposition: Σ(exports·Δĉ_own − imports·Δĉ_partner)/income at baseline flows, percent. "
                          "Multisector model.",
    "volume_of_trade_pct": "Volume-of-trade contribution to welfare in Caliendo & Parro's (2015) decomposition: "
                           "Σ t·imports·(M̂ − ĉ_partner)/income with baseline tariffs and flows, percent. "
                           "Multisector model.",
    "trade_cost_pct": "Contribution of iceberg trade-cost changes in the same decomposition: "
                      "−Σ(1 + t)·imports·(τ̂ − 1)/income, percent (zero for tariff-only shocks). Multisector model.",
    "welfare_first_order_pct": "Caliendo & Parro's (2015) 'welfare': terms_of_trade_pct + volume_of_trade_pct + "
                               "trade_cost_pct, a first-order approximation of welfare_pct (which is exact). "
                               "Multisector model.",
    # bilateral tables
    "flow_base": "Baseline flow at pre-tariff prices, USD millions.",
    "flow_cf": "Counterfactual flow at pre-tariff prices, USD millions (numeraire units).",
    "flow_pct": "Change in the flow, percent (nominal: in units of the numeraire; NaN where the baseline flow is "
                "zero).",
    "tariff_base_pct": "Baseline tariff (trade-weighted over sectors in the all-sector table), percent.",
    "tariff_cf_pct": "Counterfactual tariff (weighted by counterfactual flows over sectors), percent.",
    "exporter_price_pct": "Change in the exporter's factory-gate price of the sector's goods (the wage in one-factor "
                          "models, the input-bundle cost ĉ with input-output links), before trade costs and tariffs, "
                          "percent (nominal: in units of the numeraire).",
    "import_price_pct": "Change in the price the importer pays for goods from the exporter, trade costs and tariff "
                        "included, ĉ_i·τ̂_ij·(1 + t'_ij)/(1 + t_ij), percent (nominal: in units of the numeraire). "
                        "Compared with the tariff change it shows pass-through: an exporter price that falls absorbs "
                        "part of the tariff. In the all-sector table, weighted by baseline tariff-inclusive flows.",
    # sector table
    "sector_output_base": "Baseline output of the sector, USD millions.",
    "sector_output_cf": "Counterfactual output of the sector, USD millions (numeraire units).",
    "sector_output_pct": "Change in the sector's output, percent (nominal: in units of the numeraire).",
    "sector_price_index_pct": "Change in the sector's consumer price index, percent (nominal: in units of the "
                              "numeraire).",
}


def pct(new: FloatArray, old: FloatArray) -> FloatArray:
    """100·(new/old − 1), NaN where ``old`` is zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (np.asarray(new, dtype=float) / np.asarray(old, dtype=float) - 1.0)
    return np.where(np.asarray(old) != 0, out, np.nan)


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """Counterfactual levels and hats on the baseline's grid (world layout ``[i, j, s]``).

    Attributes
    ----------
    wage_hat
        ŵ_i, change in factory-gate prices (wages), shape (N,).
    price_index_hat
        P̂_j, change in the consumer price index, shape (N,).
    sector_price_hat
        P̂_js, shape (N, S).
    flows
        Counterfactual flows at pre-tariff prices, (N, N, S), USD millions (numeraire units).
    tariffs
        Counterfactual tariffs, (N, N, S).
    output, expenditure, tariff_revenue, deficit
        Counterfactual levels by country, (N,).
    real_consumption_hat
        Welfare: utility of the counterfactual consumption bundle under the
        baseline preferences, relative to the baseline, (N,). Equals
        ``expenditure_hat / price_index_hat`` unless preferences were shifted
        (purchase commitments). ``None`` means that ratio.
    value_added
        Counterfactual value added (GDP) by country, (N,), for models whose
        output is gross output (input-output links); ``None`` means ``output``.
    income
        Counterfactual final income (value added + tariff revenue + deficit),
        (N,), for models with intermediate purchases; ``None`` means ``expenditure``.
    country_extras
        Model-specific country columns (name -> values, (N,)) appended to
        :attr:`Result.countries`; every name is defined in :data:`COLUMNS`.
    residual
        The largest relative violation of the model's equilibrium conditions,
        measured by the model family on the final levels (with input-output links:
        labour-market clearing and the spending equation); ``None`` means goods-market
        clearing of :attr:`flows` against :attr:`output`, which is the whole system
        of the one-factor models.
    cost_hat
        ĉ_is, change in exporters' factory-gate prices by sector, (N, S) (the
        input-bundle cost with input-output links); ``None`` means ``wage_hat`` in
        every sector.
    """

    wage_hat: FloatArray
    price_index_hat: FloatArray
    sector_price_hat: FloatArray
    flows: FloatArray
    tariffs: FloatArray
    output: FloatArray
    expenditure: FloatArray
    tariff_revenue: FloatArray
    deficit: FloatArray
    real_consumption_hat: FloatArray | None = None
    value_added: FloatArray | None = None
    income: FloatArray | None = None
    country_extras: Mapping[str, FloatArray] | None = None
    residual: float | None = None
    cost_hat: FloatArray | None = None

    def __post_init__(self) -> None:
        for name in ("wage_hat", "price_index_hat", "sector_price_hat", "flows", "tariffs", "output",
                     "expenditure", "tariff_revenue", "deficit", "real_consumption_hat", "value_added", "income",
                     "cost_hat"):
            value = getattr(self, name)
            if value is None:
                continue
            arr = np.array(value, dtype=np.float64, copy=True)
            object.__setattr__(self, name, readonly(arr))
        if self.country_extras is not None:
            extras = {str(k): readonly(np.array(v, dtype=np.float64, copy=True))
                      for k, v in self.country_extras.items()}
            object.__setattr__(self, "country_extras", MappingProxyType(extras))

    @classmethod
    def identity(cls, world: World) -> Equilibrium:
        """The baseline itself: every hat exactly 1."""
        n, s = world.n_countries, world.n_sectors
        return cls(wage_hat=np.ones(n), price_index_hat=np.ones(n), sector_price_hat=np.ones((n, s)),
                   flows=world.flows, tariffs=world.tariffs, output=world.output,
                   expenditure=world.expenditure, tariff_revenue=world.tariff_revenue, deficit=world.deficit)

    def exporter_price_hat(self) -> FloatArray:
        """ĉ_is, (N, S): :attr:`cost_hat`, or the wage change in every sector."""
        if self.cost_hat is not None:
            return self.cost_hat
        return np.repeat(self.wage_hat[:, None], self.sector_price_hat.shape[1], axis=1)

    def market_clearing_residual(self) -> float:
        """How far the levels are from an equilibrium: :attr:`residual` when the model set it, else
        max_i |Σ_j X'_ij − Y'_i| / Y'_i; zero (to solver tolerance) in an exact equilibrium."""
        if self.residual is not None:
            return self.residual
        sales = self.flows.sum(axis=(1, 2))
        return float(np.max(np.abs(sales / self.output - 1.0)))


@dataclass(frozen=True, eq=False)
class Result:
    """A counterfactual: baseline, equilibrium, diagnostics and provenance. Read-only.

    Attributes
    ----------
    baseline
        The World the changes are measured from (for the ``balanced`` closure,
        the World with deficits purged).
    equilibrium
        Counterfactual arrays.
    shock
        The shock applied.
    model
        Model settings (name, closure, numeraire, procedure, ...).
    diagnostics
        Solver diagnostics of the final solve.
    fingerprints
        Hashes of the inputs and the package version, to reproduce the run.
    observed
        The World as given, when it differs from ``baseline`` (deficits purged).
    """

    baseline: World
    equilibrium: Equilibrium
    shock: Shock
    model: Mapping[str, Any]
    diagnostics: SolverDiagnostics
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    observed: World | None = None

    # ------------------------------------------------------------------ convenience
    @cached_property
    def counterfactual_world(self) -> World:
        """The counterfactual as a World (flows and tariffs), e.g. to chain scenarios."""
        return self.baseline.replace(flows=self.equilibrium.flows, tariffs=self.equilibrium.tariffs,
                                     name=(self.baseline.name + " counterfactual").strip())

    # ------------------------------------------------------------------ tables
    @cached_property
    def countries(self) -> pd.DataFrame:
        """One row per country; columns defined in :data:`COLUMNS`."""
        w, eq = self.baseline, self.equilibrium
        n = w.n_countries
        idx = np.arange(n)
        dom_cf = eq.flows[idx, idx, :].sum(axis=1)
        exports_cf = eq.flows.sum(axis=(1, 2)) - dom_cf
        imports_cf = eq.flows.sum(axis=(0, 2)) - dom_cf
        if eq.income is None:
            real_income = (eq.expenditure / w.expenditure) / eq.price_index_hat
        else:  # with intermediate purchases, income is value added + tariff revenue + deficit
            real_income = (eq.income / (w.value_added + w.tariff_revenue + w.deficit)) / eq.price_index_hat
        welfare = real_income if eq.real_consumption_hat is None else eq.real_consumption_hat
        value_added = eq.output if eq.value_added is None else eq.value_added
        real_gdp = (value_added / w.value_added) / eq.price_index_hat
        imports_base_gross = w.imports
        avg_base = np.divide(w.tariff_revenue, imports_base_gross, out=np.zeros(n), where=imports_base_gross > 0)
        avg_cf = np.divide(eq.tariff_revenue, imports_cf, out=np.zeros(n), where=imports_cf > 0)
        table = pd.DataFrame({
            "country": list(w.countries),
            "real_income_pct": 100.0 * (real_income - 1.0),
            "welfare_pct": 100.0 * (welfare - 1.0),
            "real_gdp_pct": 100.0 * (real_gdp - 1.0),
            "output_pct": pct(eq.output, w.output),
            "factory_price_pct": 100.0 * (eq.wage_hat - 1.0),
            "price_index_pct": 100.0 * (eq.price_index_hat - 1.0),
            "exports_pct": pct(exports_cf, w.exports),
            "imports_pct": pct(imports_cf, w.imports),
            "output_base": w.output,
            "output_cf": eq.output,
            "expenditure_base": w.expenditure,
            "expenditure_cf": eq.expenditure,
            "exports_base": w.exports,
            "exports_cf": exports_cf,
            "imports_base": w.imports,
            "imports_cf": imports_cf,
            "trade_balance_base": w.exports - w.imports,
            "trade_balance_cf": exports_cf - imports_cf,
            "tariff_revenue_base": w.tariff_revenue,
            "tariff_revenue_cf": eq.tariff_revenue,
            "avg_tariff_base_pct": 100.0 * avg_base,
            "avg_tariff_cf_pct": 100.0 * avg_cf,
        })
        for name, values in (eq.country_extras or {}).items():
            table[name] = values
        return table

    @cached_property
    def bilateral(self) -> pd.DataFrame:
        """One row per (exporter, importer), summed over sectors."""
        w, eq = self.baseline, self.equilibrium
        base = w.flows.sum(axis=2)
        cf = eq.flows.sum(axis=2)
        if w.n_sectors == 1:
            t_base, t_cf = w.tariffs[:, :, 0], eq.tariffs[:, :, 0]
        else:
            t_base = _weighted_tariff(w.tariffs, w.flows, axis=2)
            t_cf = _weighted_tariff(eq.tariffs, eq.flows, axis=2)
        n = w.n_countries
        gross = w.flows * (1.0 + w.tariffs)
        weight = gross.sum(axis=2)
        price = np.divide((gross * self._import_price_hat).sum(axis=2), weight, out=np.full((n, n), np.nan),
                          where=weight > 0)
        return pd.DataFrame({
            "exporter": _labels(w.countries, np.repeat(np.arange(n), n)),
            "importer": _labels(w.countries, np.tile(np.arange(n), n)),
            "flow_base": base.ravel(),
            "flow_cf": cf.ravel(),
            "flow_pct": pct(cf, base).ravel(),
            "tariff_base_pct": 100.0 * t_base.ravel(),
            "tariff_cf_pct": 100.0 * t_cf.ravel(),
            "import_price_pct": 100.0 * (price.ravel() - 1.0),
        })

    @cached_property
    def _import_price_hat(self) -> FloatArray:
        """ĉ_is τ̂_ijs (1 + t'_ijs)/(1 + t_ijs), (N, N, S)."""
        w, eq = self.baseline, self.equilibrium
        out = eq.exporter_price_hat()[:, None, :] * (1.0 + eq.tariffs) / (1.0 + w.tariffs)
        tau = self.shock.trade_cost_hat
        return out if tau is None else out * tau

    @cached_property
    def bilateral_sectors(self) -> pd.DataFrame:
        """One row per (exporter, importer, sector)."""
        w, eq = self.baseline, self.equilibrium
        n, s = w.n_countries, w.n_sectors
        return pd.DataFrame({
            "exporter": _labels(w.countries, np.repeat(np.arange(n), n * s)),
            "importer": _labels(w.countries, np.tile(np.repeat(np.arange(n), s), n)),
            "sector": _labels(w.sectors, np.tile(np.arange(s), n * n)),
            "flow_base": w.flows.ravel(),
            "flow_cf": eq.flows.ravel(),
            "flow_pct": pct(eq.flows, w.flows).ravel(),
            "tariff_base_pct": 100.0 * w.tariffs.ravel(),
            "tariff_cf_pct": 100.0 * eq.tariffs.ravel(),
            "exporter_price_pct": 100.0 * (np.repeat(eq.exporter_price_hat()[:, None, :], n, axis=1).ravel() - 1.0),
            "import_price_pct": 100.0 * (self._import_price_hat.ravel() - 1.0),
        })

    @cached_property
    def sectors(self) -> pd.DataFrame:
        """One row per (country, sector)."""
        w, eq = self.baseline, self.equilibrium
        n, s = w.n_countries, w.n_sectors
        idx = np.arange(n)
        out_base = w.flows.sum(axis=1)
        out_cf = eq.flows.sum(axis=1)
        dom_base = w.flows[idx, idx, :]
        dom_cf = eq.flows[idx, idx, :]
        exp_base = out_base - dom_base
        exp_cf = out_cf - dom_cf
        imp_base = w.flows.sum(axis=0) - dom_base
        imp_cf = eq.flows.sum(axis=0) - dom_cf
        return pd.DataFrame({
            "country": np.repeat(np.asarray(w.countries, dtype=object), s),
            "sector": np.tile(np.asarray(w.sectors, dtype=object), n),
            "sector_output_base": out_base.ravel(),
            "sector_output_cf": out_cf.ravel(),
            "sector_output_pct": pct(out_cf, out_base).ravel(),
            "sector_price_index_pct": (100.0 * (eq.sector_price_hat - 1.0)).ravel(),
            "exports_base": exp_base.ravel(),
            "exports_cf": exp_cf.ravel(),
            "exports_pct": pct(exp_cf, exp_base).ravel(),
            "imports_base": imp_base.ravel(),
            "imports_cf": imp_cf.ravel(),
            "imports_pct": pct(imp_cf, imp_base).ravel(),
        })

    # ------------------------------------------------------------------ provenance and output
    def run_record(self) -> dict[str, Any]:
        """Everything needed to reproduce and judge the run, JSON-serialisable."""
        return {
            "model": dict(self.model),
            "shock": self.shock.label,
            "diagnostics": self.diagnostics.as_dict(),
            "market_clearing_residual": self.equilibrium.market_clearing_residual(),
            "fingerprints": dict(self.fingerprints),
            "baseline": {"name": self.baseline.name, "year": self.baseline.year,
                         "countries": self.baseline.n_countries, "sectors": self.baseline.n_sectors,
                         "sources": dict(self.baseline.sources)},
        }

    def write(self, out_dir: str | Path, *, extra: Mapping[str, Any] | None = None,
              country_columns: list[str] | None = None) -> list[Path]:
        """Write ``countries.csv``, ``bilateral.csv``, ``sectors.csv`` (and
        ``bilateral_sectors.csv`` when S > 1) and ``run.json`` into ``out_dir``.

        ``country_columns`` restricts ``countries.csv`` to those columns (in that order).
        """
        countries = self.countries if country_columns is None else self.countries[country_columns]
        tables = {"countries": countries, "bilateral": self.bilateral, "sectors": self.sectors}
        if self.baseline.n_sectors > 1:
            tables["bilateral_sectors"] = self.bilateral_sectors
        return write_outputs(out_dir, tables, {**self.run_record(), **(extra or {})})

    def __repr__(self) -> str:
        d = self.diagnostics
        return (f"<Result {self.model.get('name', '?')} on {self.baseline!r}: {self.shock.label or 'shock'}; "
                f"{d.method} {d.iterations} it, residual {d.residual:.2g}>")


def _labels(labels: tuple[str, ...], codes: NDArray[np.intp]) -> pd.Series:
    """A label column from integer codes."""
    return pd.Series(np.asarray(labels, dtype=object)[codes])


def _weighted_tariff(tariffs: FloatArray, flows: FloatArray, axis: int) -> FloatArray:
    weights = flows.sum(axis=axis)
    weighted = (tariffs * flows).sum(axis=axis)
    simple = tariffs.mean(axis=axis)
    return np.where(weights > 0, np.divide(weighted, weights, out=np.zeros_like(weights), where=weights > 0), simple)

