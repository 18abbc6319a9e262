"""Results of product-level partial-equilibrium runs: a frozen :class:`PEResult` and tidy tables.

Arrays are read-only. Tables are built on first access and cached:

* ``products`` — one row per (importer, exporter, product): flows, prices, pass-through,
  creation, diversion and the price effect, tariff revenue;
* ``markets`` — one row per importing market (importer × product), with welfare;
* ``chapters`` and ``sectors`` — by importer × HS chapter and importer × sector;
* ``countries`` — each country as importer (consumer surplus, revenue, deadweight loss)
  and as exporter (exports, producer surplus);
* ``totals`` — one row;
* ``elasticities`` — every elasticity used, with its source and fallback.

:meth:`PEResult.aggregate` groups by any of ``importer``, ``exporter``, ``product``,
``chapter``, ``sector``. Every column is defined once, in :data:`PE_COLUMNS`. Money
is in **USD** (columns end in ``_usd``); ``*_pct`` columns are percent changes,
100·(new/old − 1); tariffs in tables are in percent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim._json import write_outputs
from tariffsim._validation import readonly
from tariffsim.errors import ModelError, SolverDiagnostics
from tariffsim.models.pe.equations import bin_sum

if TYPE_CHECKING:
    from tariffsim.models.pe.data import ProductTrade

__all__ = ["PEResult", "PE_COLUMNS", "GROUP_KEYS"]

FloatArray = NDArray[np.float64]

GROUP_KEYS = ("importer", "exporter", "product", "chapter", "sector")
"""Keys :meth:`PEResult.aggregate` can group by."""

PE_COLUMNS: dict[str, str] = {
    # keys
    "importer": "Importing country (the market).",
    "exporter": "Exporting country (the source, or partner).",
    "country": "Country: as importer for import-side columns, as exporter for export-side columns.",
    "product": "Product code (HS6, HS8, ... as given).",
    "chapter": "HS chapter: the first two digits of the product code.",
    "sector": "Sector label given with the trade data (e.g. the PIIE sector grouping).",
    # flows
    "imports_base_usd": "Baseline imports at world (pre-tariff) prices, USD.",
    "imports_cf_usd": "Counterfactual imports at the new world prices (pre-tariff), USD.",
    "imports_pct": "Change in imports at world prices, percent (NaN where baseline imports are zero).",
    "quantity_pct": "Change in the quantity imported (imports at baseline world prices), percent.",
    "exports_base_usd": "Baseline exports at world (pre-tariff) prices, USD.",
    "exports_cf_usd": "Counterfactual exports at the new world prices, USD.",
    "exports_pct": "Change in exports, percent.",
    "tariff_base_pct": "Baseline tariff, percent (trade-weighted over rows in aggregates).",
    "tariff_cf_pct": "Counterfactual tariff, percent (weighted by counterfactual imports in aggregates).",
    "import_price_pct": "Change in the domestic (tariff-inclusive) price of the variety, percent.",
    "world_price_pct": "Change in the exporter's supply (world, pre-tariff) price, percent; 0 with infinite "
                       "supply elasticity.",
    "pass_through": "Change in the domestic price relative to the change in the tariff factor, (p̂ − 1)/(τ̂ − 1); "
                    "1 = complete pass-through. In the global model p̂ also moves with tariffs in other markets. "
                    "NaN where the tariff did not change or there was no trade.",
    "import_price_index_pct": "Change in the market's import price index (CES composite; share-weighted in the "
                              "linear form), percent.",
    "trade_creation_usd": "Trade creation: change in imports from the partner's own price change at the "
                          "composite import-demand elasticity, USD at baseline world prices.",
    "trade_diversion_usd": "Trade diversion: change in imports from substitution between sources, USD at "
                           "baseline world prices; sums to zero over the sources of a market (exactly in the "
                           "linear form, to first order in the exact form).",
    "price_effect_usd": "Price effect: change in the value of imports from the change in world prices, USD "
                        "(zero with infinite supply elasticity).",
    "tariff_revenue_base_usd": "Baseline tariff revenue, t·M, USD.",
    "tariff_revenue_cf_usd": "Counterfactual tariff revenue, t'·M', USD.",
    "tariff_revenue_change_usd": "Change in tariff revenue, USD.",
    "bounded": "True where a bound of the linear SMART formulas binds (diversion or creation would have "
               "made the flow negative).",
    "bounded_rows": "Number of rows where a bound of the linear SMART formulas binds.",
    # welfare
    "consumer_surplus_change_usd": "Change in the importing country's consumer surplus (buyers of the imports), "
                                   "USD.",
    "terms_of_trade_gain_usd": "Terms-of-trade gain of the importer: the part of the tariff borne by exporters "
                               "through lower world prices, Σ M'(1 − ŵ), USD (0 with complete pass-through).",
    "importer_welfare_change_usd": "Change in the importer's welfare in this market: consumer surplus change + "
                                   "tariff revenue change, USD.",
    "deadweight_loss_usd": "Deadweight loss (efficiency loss) in the importing market: terms-of-trade gain − "
                           "welfare change, USD; with complete pass-through it is −(Δ consumer surplus + Δ "
                           "tariff revenue), the Harberger measure. Negative = efficiency gain.",
    "producer_surplus_change_usd": "Change in exporters' producer surplus, USD (0 with infinite supply "
                                   "elasticity).",
    "welfare_change_usd": "Country's welfare change in these products: consumer surplus + tariff revenue (as "
                          "importer) + producer surplus (as exporter), USD.",
    "world_welfare_change_usd": "Sum over countries of welfare_change_usd; its negative is the world's "
                                "efficiency loss, USD.",
    "import_demand_elasticity": "Import-demand elasticity η used for the market (a magnitude).",
    "substitution_elasticity": "Elasticity of substitution σ between sources used for the market.",
    # elasticities table
    "parameter": "Which elasticity: import_demand, substitution or supply.",
    "elasticity": "Value used.",
    "source": "Where the value comes from (file, setting).",
    "fallback": "How the value was found for the product (exact match, median over finer codes, coarser-level "
                "fallback, default).",
}

_FLOW_SUMS = ("imports_base_usd", "imports_cf_usd", "quantity_cf_usd", "trade_creation_usd", "trade_diversion_usd",
              "price_effect_usd", "tariff_revenue_base_usd", "tariff_revenue_cf_usd", "terms_of_trade_gain_usd",
              "bounded_rows")
_WELFARE_SUMS = ("consumer_surplus_change_usd",)


def _pct(new: FloatArray, old: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (np.asarray(new, dtype=float) / np.asarray(old, dtype=float) - 1.0)
    return np.where(np.asarray(old) != 0, out, np.nan)


def _ratio_pct(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(den) > 0, 100.0 * np.asarray(num) / np.asarray(den), np.nan)


@dataclass(frozen=True, eq=False)
class PEResult:
    """A product-level counterfactual: inputs, solution arrays, diagnostics and provenance. Read-only.

    Attributes
    ----------
    trade
        The baseline :class:`~tariffsim.models.pe.data.ProductTrade` (n rows, M markets).
    tariff_new
        Counterfactual tariffs (fractions), shape (n,).
    settings
        Model settings (name, form, elasticities, solver).
    diagnostics
        Solver diagnostics.
    quantity_hat
        ``q̂``: change in the quantity imported on each row, shape (n,).
    world_price_hat
        ``ŵ``: change in the exporter's supply price, shape (n,).
    import_price_hat
        ``p̂ = τ̂ ŵ``: change in the domestic (tariff-inclusive) price, shape (n,).
    trade_creation, trade_diversion
        USD at baseline world prices, shape (n,).
    bounded
        Rows where a bound of the linear SMART formulas binds, shape (n,).
    price_index_hat
        ``P̂``: change in each market's import price index, shape (M,).
    consumer_surplus_change
        USD, shape (M,).
    import_demand_elasticity, substitution_elasticity
        ``η`` and ``σ`` of each market, shape (M,).
    unit_exporter, unit_product, producer_surplus_change
        Supply units (exporter × market in SMART, exporter × product in GSIM): their
        exporter and product codes and producer surplus change in USD, shape (U,).
    supply_elasticity
        ``ε`` of each supply unit (``inf``: infinitely elastic), shape (U,).
    elasticities
        Provenance of every elasticity (parameter, keys, value, source, fallback).
    notes
        Plain-language remarks.
    """

    trade: ProductTrade
    tariff_new: FloatArray
    settings: Mapping[str, Any]
    diagnostics: SolverDiagnostics
    quantity_hat: FloatArray
    world_price_hat: FloatArray
    import_price_hat: FloatArray
    trade_creation: FloatArray
    trade_diversion: FloatArray
    bounded: NDArray[np.bool_]
    price_index_hat: FloatArray
    consumer_surplus_change: FloatArray
    import_demand_elasticity: FloatArray
    substitution_elasticity: FloatArray
    unit_exporter: NDArray[np.int32]
    unit_product: NDArray[np.int32]
    producer_surplus_change: FloatArray
    supply_elasticity: FloatArray
    elasticities: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("tariff_new", "quantity_hat", "world_price_hat", "import_price_hat", "trade_creation",
                     "trade_diversion", "price_index_hat", "consumer_surplus_change", "import_demand_elasticity",
                     "substitution_elasticity", "producer_surplus_change", "supply_elasticity"):
            object.__setattr__(self, name, readonly(np.array(getattr(self, name), dtype=np.float64)))
        object.__setattr__(self, "bounded", readonly(np.array(self.bounded, dtype=bool)))
        for name in ("unit_exporter", "unit_product"):
            object.__setattr__(self, name, readonly(np.array(getattr(self, name), dtype=np.int32)))
        object.__setattr__(self, "settings", dict(self.settings))

    @cached_property
    def fingerprints(self) -> dict[str, str]:
        """SHA-256 hashes of the inputs (trade, new tariffs, elasticities), the settings and the
        package version: two runs with equal fingerprints had the same inputs."""
        from tariffsim._version import __version__

        def digest(*arrays: FloatArray) -> str:
            h = hashlib.sha256()
            for arr in arrays:
                h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
            return h.hexdigest()

        return {
            "trade": self.trade.fingerprint,
            "tariff_new": digest(self.tariff_new),
            "elasticities": digest(self.import_demand_elasticity, self.substitution_elasticity,
                                   np.where(np.isinf(self.supply_elasticity), -1.0, self.supply_elasticity)),
            "settings": repr(sorted(self.settings.items())),
            "tariffsim": __version__,
        }

    # ------------------------------------------------------------------ row-level arrays
    @cached_property
    def _quantity_cf(self) -> FloatArray:
        return readonly(self.trade.value * self.quantity_hat)

    @cached_property
    def _value_cf(self) -> FloatArray:
        return readonly(self._quantity_cf * self.world_price_hat)

    def _row(self, name: str) -> FloatArray:
        """One row-level flow column (computed on demand: 10 million rows × 10 columns is 800 MB)."""
        t = self.trade
        if name == "imports_base_usd":
            return t.value
        if name == "imports_cf_usd":
            return self._value_cf
        if name == "quantity_cf_usd":
            return self._quantity_cf
        if name == "trade_creation_usd":
            return self.trade_creation
        if name == "trade_diversion_usd":
            return self.trade_diversion
        if name == "price_effect_usd":
            return self._value_cf - self._quantity_cf
        if name == "tariff_revenue_base_usd":
            return t.tariff * t.value
        if name == "tariff_revenue_cf_usd":
            return self.tariff_new * self._value_cf
        if name == "terms_of_trade_gain_usd":
            return self._quantity_cf * (1.0 - self.world_price_hat)
        if name == "bounded_rows":
            return self.bounded.astype(np.float64)
        raise KeyError(name)

    def _row_codes(self, key: str) -> tuple[NDArray[np.int64], list[str]]:
        t = self.trade
        if key == "importer":
            return t.importer.astype(np.int64), list(t.countries)
        if key == "exporter":
            return t.exporter.astype(np.int64), list(t.countries)
        if key == "product":
            return t.product.astype(np.int64), list(t.products)
        if key in ("chapter", "sector"):
            per_product = t.chapters if key == "chapter" else (t.sectors or ("",) * t.n_products)
            codes, labels = pd.factorize(pd.Index(per_product), sort=True)
            return codes.astype(np.int64)[t.product], [str(x) for x in labels]
        raise ModelError(f"cannot group by '{key}'; use any of {', '.join(GROUP_KEYS)}")

    # ------------------------------------------------------------------ aggregation
    def aggregate(self, by: Sequence[str]) -> pd.DataFrame:
        """Sum flows (and, without ``exporter`` in ``by``, welfare) by the given keys.

        Parameters
        ----------
        by
            Any of ``importer``, ``exporter``, ``product``, ``chapter``, ``sector``
            (an empty list gives one row).

        Returns
        -------
        DataFrame
            The keys, then the flow columns (``imports_*``, ``trade_creation_usd``, ...,
            ``tariff_*``) and — when not grouped by exporter — the welfare columns
            (``consumer_surplus_change_usd`` ... ``deadweight_loss_usd``).
        """
        by = list(by)
        for key in by:
            if key not in GROUP_KEYS:
                raise ModelError(f"cannot group by '{key}'; use any of {', '.join(GROUP_KEYS)}")
        n = self.trade.n_rows
        if by:
            group, labels = self._group_index(by, n)
        else:
            group, labels = np.zeros(n, dtype=np.int64), pd.DataFrame(index=[0])
        n_groups = len(labels)
        sums = {name: bin_sum(group, self._row(name), n_groups) for name in _FLOW_SUMS}
        out = labels.reset_index(drop=True)
        out = out.assign(**_flow_columns(sums))
        if "exporter" not in by:
            market_group = self._market_group(by, group)
            cs = bin_sum(market_group, self.consumer_surplus_change, n_groups)
            out = out.assign(**_welfare_columns(cs, sums))
        return out

    def _group_index(self, by: list[str], n: int) -> tuple[NDArray[np.int64], pd.DataFrame]:
        key = np.zeros(n, dtype=np.int64)
        all_labels = []
        size = 1
        for name in by:
            codes, labels = self._row_codes(name)
            key = key * len(labels) + codes
            size *= len(labels)
            all_labels.append(labels)
        if size <= max(4 * n, 1_000_000):
            # Dense key space: count instead of sorting.
            present = np.bincount(key, minlength=size) > 0
            uniq = np.flatnonzero(present)
            dense = np.cumsum(present, dtype=np.int64) - 1
            group = dense[key]
        else:
            uniq, group = np.unique(key, return_inverse=True)
        columns: dict[str, Any] = {}
        rest = uniq.copy()
        for name, labels in zip(reversed(by), reversed(all_labels)):
            columns[name] = np.asarray(labels, dtype=object)[rest % len(labels)]
            rest //= len(labels)
        return group.astype(np.int64), pd.DataFrame({name: columns[name] for name in by})

    def _market_group(self, by: list[str], row_group: NDArray[np.int64]) -> NDArray[np.int64]:
        """Group of every market (importer × product) for keys that never split a market."""
        _, starts, _, _ = self.trade.markets
        return row_group[starts] if starts.size else np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ tables
    @cached_property
    def products(self) -> pd.DataFrame:
        """One row per (importer, exporter, product): flows, prices, decomposition, revenue."""
        t = self.trade
        tau_hat = (1.0 + self.tariff_new) / (1.0 + t.tariff)
        with np.errstate(divide="ignore", invalid="ignore"):
            pass_through = np.where((np.abs(tau_hat - 1.0) > 1e-12) & (t.value > 0),
                                    (self.import_price_hat - 1.0) / (tau_hat - 1.0), np.nan)
        frame = t.frame()[["importer", "exporter", "product"]]
        frame.insert(3, "chapter", _categorical(t.chapters, t.product))
        if t.sectors is not None:
            frame.insert(4, "sector", _categorical(t.sectors, t.product))
        rows = {name: self._row(name) for name in ("imports_base_usd", "imports_cf_usd", "trade_creation_usd",
                                                   "trade_diversion_usd", "price_effect_usd",
                                                   "tariff_revenue_base_usd", "tariff_revenue_cf_usd")}
        return frame.assign(
            imports_base_usd=rows["imports_base_usd"],
            imports_cf_usd=rows["imports_cf_usd"],
            imports_pct=_pct(rows["imports_cf_usd"], rows["imports_base_usd"]),
            quantity_pct=np.where(t.value > 0, 100.0 * (self.quantity_hat - 1.0), np.nan),
            tariff_base_pct=100.0 * t.tariff,
            tariff_cf_pct=100.0 * self.tariff_new,
            import_price_pct=100.0 * (self.import_price_hat - 1.0),
            world_price_pct=100.0 * (self.world_price_hat - 1.0),
            pass_through=pass_through,
            trade_creation_usd=rows["trade_creation_usd"],
            trade_diversion_usd=rows["trade_diversion_usd"],
            price_effect_usd=rows["price_effect_usd"],
            tariff_revenue_base_usd=rows["tariff_revenue_base_usd"],
            tariff_revenue_cf_usd=rows["tariff_revenue_cf_usd"],
            bounded=self.bounded,
        )

    @cached_property
    def markets(self) -> pd.DataFrame:
        """One row per importing market (importer × product), with welfare and the elasticities used."""
        out = self.aggregate(["importer", "product"])
        # aggregate() sorts groups by (importer, product); markets are stored by (product, importer).
        t = self.trade
        _, _, m_imp, m_prod = t.markets
        order = np.lexsort((m_prod, m_imp))
        out.insert(2, "chapter", [t.chapters[p] for p in m_prod[order]])
        if t.sectors is not None:
            out.insert(3, "sector", [t.sectors[p] for p in m_prod[order]])
        out["import_price_index_pct"] = 100.0 * (self.price_index_hat[order] - 1.0)
        out["import_demand_elasticity"] = self.import_demand_elasticity[order]
        out["substitution_elasticity"] = self.substitution_elasticity[order]
        return out

    @cached_property
    def chapters(self) -> pd.DataFrame:
        """One row per importer × HS chapter."""
        return self.aggregate(["importer", "chapter"])

    @cached_property
    def sectors(self) -> pd.DataFrame:
        """One row per importer × sector (empty when the trade data carry no sectors)."""
        if self.trade.sectors is None:
            return self.aggregate(["importer", "sector"]).iloc[0:0]
        return self.aggregate(["importer", "sector"])

    @cached_property
    def countries(self) -> pd.DataFrame:
        """One row per country: as importer (imports, consumer surplus, revenue, deadweight loss) and
        as exporter (exports, producer surplus)."""
        t = self.trade
        c = t.n_countries
        imports = self.aggregate(["importer"]).set_index("importer")
        exp_base = bin_sum(t.exporter, t.value, c)
        exp_cf = bin_sum(t.exporter, self._value_cf, c)
        ps = bin_sum(self.unit_exporter, self.producer_surplus_change, c)
        out = pd.DataFrame({"country": list(t.countries)})
        imp = imports.reindex(list(t.countries))
        for col in ("imports_base_usd", "imports_cf_usd"):
            out[col] = imp[col].fillna(0.0).to_numpy()
        out["imports_pct"] = _pct(out["imports_cf_usd"].to_numpy(), out["imports_base_usd"].to_numpy())
        out["exports_base_usd"] = exp_base
        out["exports_cf_usd"] = exp_cf
        out["exports_pct"] = _pct(exp_cf, exp_base)
        for col in ("consumer_surplus_change_usd", "tariff_revenue_change_usd", "terms_of_trade_gain_usd",
                    "deadweight_loss_usd"):
            out[col] = imp[col].fillna(0.0).to_numpy()
        out["producer_surplus_change_usd"] = ps
        out["welfare_change_usd"] = (out["consumer_surplus_change_usd"] + out["tariff_revenue_change_usd"]
                                     + out["producer_surplus_change_usd"])
        return out

    @cached_property
    def totals(self) -> pd.DataFrame:
        """One row: world totals."""
        out = self.aggregate([])
        out["producer_surplus_change_usd"] = float(self.producer_surplus_change.sum())
        out["world_welfare_change_usd"] = (out["consumer_surplus_change_usd"] + out["tariff_revenue_change_usd"]
                                           + out["producer_surplus_change_usd"])
        return out

    # ------------------------------------------------------------------ provenance and output
    def run_record(self) -> dict[str, Any]:
        """Everything needed to reproduce and judge the run, JSON-serialisable."""
        t = self.trade
        return {
            "model": dict(self.settings),
            "diagnostics": self.diagnostics.as_dict(),
            "fingerprints": dict(self.fingerprints),
            "baseline": {"name": t.name, "year": t.year, "rows": t.n_rows, "countries": t.n_countries,
                         "products": t.n_products, "imports_usd": float(t.value.sum()), "sources": dict(t.sources)},
            "bounded_rows": int(self.bounded.sum()),
            "notes": list(self.notes),
        }

    def write(self, out_dir: str | Path, *, tables: Sequence[str] | None = None,
              extra: Mapping[str, Any] | None = None) -> list[Path]:
        """Write tables as CSV and ``run.json`` into ``out_dir``.

        Parameters
        ----------
        tables
            Names among ``products``, ``markets``, ``chapters``, ``sectors``, ``countries``,
            ``totals``, ``elasticities``; default all (``sectors`` only when the data have sectors).
        extra
            Added to ``run.json``.
        """
        available = ["products", "markets", "chapters", "sectors", "countries", "totals", "elasticities"]
        names = list(tables) if tables is not None else [n for n in available
                                                         if n != "sectors" or self.trade.sectors is not None]
        unknown = [n for n in names if n not in available]
        if unknown:
            raise ModelError(f"unknown tables {unknown}; available: {', '.join(available)}")
        return write_outputs(out_dir, {name: getattr(self, name) for name in names},
                             {**self.run_record(), **(extra or {})})

    def __repr__(self) -> str:
        d = self.diagnostics
        return (f"<PEResult {self.settings.get('name', '?')} ({self.settings.get('form', '?')}) on "
                f"{self.trade.n_rows:,} rows; {d.method} {d.iterations} it, residual {d.residual:.2g}>")


def _categorical(per_product: Sequence[str], product: NDArray[np.int32]) -> pd.Series:
    """A row-level categorical column from one label per product."""
    codes, labels = pd.factorize(pd.Index(list(per_product)), sort=True)
    return pd.Series(pd.Categorical.from_codes(codes[product], categories=pd.Index([str(x) for x in labels])))


def _flow_columns(sums: Mapping[str, FloatArray]) -> dict[str, Any]:
    base, cf = sums["imports_base_usd"], sums["imports_cf_usd"]
    return {
        "imports_base_usd": base,
        "imports_cf_usd": cf,
        "imports_pct": _pct(cf, base),
        "quantity_pct": _pct(sums["quantity_cf_usd"], base),
        "tariff_base_pct": _ratio_pct(sums["tariff_revenue_base_usd"], base),
        "tariff_cf_pct": _ratio_pct(sums["tariff_revenue_cf_usd"], cf),
        "trade_creation_usd": sums["trade_creation_usd"],
        "trade_diversion_usd": sums["trade_diversion_usd"],
        "price_effect_usd": sums["price_effect_usd"],
        "tariff_revenue_base_usd": sums["tariff_revenue_base_usd"],
        "tariff_revenue_cf_usd": sums["tariff_revenue_cf_usd"],
        "bounded_rows": sums["bounded_rows"].astype(np.int64),
    }


def _welfare_columns(cs: FloatArray, sums: Mapping[str, FloatArray]) -> dict[str, Any]:
    revenue = sums["tariff_revenue_cf_usd"] - sums["tariff_revenue_base_usd"]
    tot = sums["terms_of_trade_gain_usd"]
    welfare = cs + revenue
    return {
        "consumer_surplus_change_usd": cs,
        "tariff_revenue_change_usd": revenue,
        "terms_of_trade_gain_usd": tot,
        "importer_welfare_change_usd": welfare,
        "deadweight_loss_usd": tot - welfare,
    }

