"""The baseline: :class:`World`, an immutable, labelled, validated trade equilibrium.

Arrays are indexed ``[i, j, s]``: exporter (origin) ``i``, importer (destination)
``j``, sector ``s``. ``flows[i, j, s]`` is the value of sector-``s`` goods made in
``i`` and bought in ``j``, at pre-tariff prices (c.i.f., before the importer's
tariff), in USD millions of the baseline year; ``flows[i, i, s]`` is domestic
sales. ``tariffs[i, j, s]`` is the ad-valorem tariff that importer ``j`` applies to
goods from ``i`` (0.25 = 25 %); the importer pays ``(1 + tariffs) * flows`` and the
difference is its tariff revenue.

Derived quantities (one-factor economies without input-output links):

* output (GDP) ``Y_i = sum_{j,s} flows[i, j, s]``;
* expenditure ``E_j = sum_{i,s} (1 + tariffs[i, j, s]) * flows[i, j, s]``;
* tariff revenue ``R_j = sum_{i,s} tariffs[i, j, s] * flows[i, j, s]``;
* trade deficit ``D_j = E_j - Y_j - R_j`` = imports − exports at pre-tariff prices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from tariffsim._validation import duplicates, label_tuple, pairs_where, readonly
from tariffsim.errors import WorldError

__all__ = ["World", "ElasticitySpec", "MAX_TARIFF", "RESERVED_SECTOR", "DEFAULT_SECTOR"]

MAX_TARIFF = 10.0
"""Largest baseline tariff accepted (1,000 %); higher values are almost surely unit errors."""

RESERVED_SECTOR = "all"
"""Not a sector label: the scenario language's ``sectors = "all"`` and the all-sector aggregate
rows of the compiler's tariff tables (``sector == "all"``) use it."""

DEFAULT_SECTOR = "total"
"""The only sector's label when :meth:`World.from_frames` gets flows without a sector column."""

ElasticitySpec = float | int | Sequence[float] | NDArray[np.float64] | Mapping[str, float] | pd.Series

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False, repr=False)
class World:
    """One baseline year of world trade, on a grid of countries × countries × sectors.

    Parameters
    ----------
    countries
        Country (or region) labels, e.g. ISO3 codes. Unique, non-empty.
    sectors
        Sector labels. Unique, non-empty. A sector with no international flows is
        non-traded and stays so in every counterfactual.
    flows
        Array ``[i, j, s]`` of shape (N, N, S): value at pre-tariff prices, USD
        millions, domestic sales on the diagonal ``[i, i, s]``.
    elasticity
        Trade elasticity θ_s = σ_s − 1 > 0 per sector: a scalar (same for all
        sectors), a sequence of length S, or a mapping ``sector -> θ``.
    tariffs
        Applied ad-valorem tariffs ``[i, j, s]`` (fractions, 0 ≤ t ≤ 10), imposed
        by importer ``j`` on exporter ``i``; zero on the diagonal. Defaults to zero.
    year
        Baseline year, for labels only.
    name
        Short name, for labels only.
    sources
        Free-form provenance notes (``field -> source``), kept in every result.
    concordance
        Product codes to sectors: ``HS prefix -> sector`` (e.g. ``{"84": "MAC"}``);
        a code maps to the sector of its longest matching prefix. Used by the
        scenario compiler to place product-level actions in sectors. Optional.
    value_added_share
        Input-output worlds only: β[i, s], value added as a share of gross output
        of sector s in country i, shape (N, S), in (0, 1]. ``None`` (default) means
        no input-output links (β = 1: output is value added).
    io_shares
        Input-output worlds only: γ[i, k, s], the share of input sector k in
        sector s's intermediate purchases in country i, shape (N, S, S); every
        column ``γ[i, :, s]`` with β < 1 sums to 1. Required with
        ``value_added_share`` below 1.

    With input-output links, ``flows`` are gross output sold; final demand
    shares are derived (:attr:`final_shares`) and must be non-negative.

    Raises
    ------
    WorldError
        Naming the field, the offending labels and the fix, on: wrong shapes;
        negative, NaN or infinite flows; duplicated or empty labels; a country
        with no domestic sales or zero expenditure; non-positive elasticities;
        tariffs outside [0, 10] or on domestic sales.
    """

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    flows: FloatArray
    elasticity: FloatArray
    tariffs: FloatArray = None  # type: ignore[assignment]  # filled by __post_init__
    year: int | None = None
    name: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    concordance: Mapping[str, str] = field(default_factory=dict)
    value_added_share: FloatArray | None = None
    io_shares: FloatArray | None = None

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        countries = label_tuple(self.countries, "countries", WorldError, "countries")
        sectors = label_tuple(self.sectors, "sectors", WorldError, "sectors")
        if RESERVED_SECTOR in sectors:
            raise WorldError("sectors", f"'{RESERVED_SECTOR}' is reserved for the all-sector aggregate",
                             [RESERVED_SECTOR], f"name the sector otherwise, e.g. '{DEFAULT_SECTOR}'")
        n, s = len(countries), len(sectors)
        object.__setattr__(self, "countries", countries)
        object.__setattr__(self, "sectors", sectors)

        flows = _float_array(self.flows, "flows")
        if flows.ndim == 2 and s == 1:
            flows = flows[:, :, None]
        if flows.shape != (n, n, s):
            raise WorldError(
                "flows",
                f"shape {flows.shape} does not match {n} countries × {n} countries × {s} sectors",
                None,
                "give an array indexed [exporter, importer, sector] of shape (N, N, S)",
            )
        bad = ~np.isfinite(flows)
        if bad.any():
            raise WorldError("flows", "NaN or infinite values", pairs_where(bad, countries, sectors),
                             "replace missing flows by 0 or drop the country")
        neg = flows < 0
        if neg.any():
            raise WorldError("flows", "negative values", pairs_where(neg, countries, sectors),
                             "trade flows are values and must be >= 0")
        object.__setattr__(self, "flows", readonly(flows))

        if self.tariffs is None:
            tariffs = np.zeros_like(flows)
        else:
            tariffs = _float_array(self.tariffs, "tariffs")
            if tariffs.ndim == 2 and s == 1:
                tariffs = tariffs[:, :, None]
            if tariffs.shape != (n, n, s):
                raise WorldError("tariffs", f"shape {tariffs.shape} differs from the flows' shape {(n, n, s)}",
                                 None, "give tariffs on the same [exporter, importer, sector] grid as flows")
        bad = ~np.isfinite(tariffs)
        if bad.any():
            raise WorldError("tariffs", "NaN or infinite values", pairs_where(bad, countries, sectors),
                             "give 0 where no tariff applies")
        out = (tariffs < 0) | (tariffs > MAX_TARIFF)
        if out.any():
            raise WorldError("tariffs", f"values outside [0, {MAX_TARIFF:g}]", pairs_where(out, countries, sectors),
                             "tariffs are fractions (0.25 = 25%); divide percentages by 100")
        diag = np.zeros_like(tariffs, dtype=bool)
        diag[np.arange(n), np.arange(n), :] = True
        dom = diag & (tariffs != 0)
        if dom.any():
            raise WorldError("tariffs", "non-zero tariffs on domestic sales", pairs_where(dom, countries, sectors),
                             "set tariffs[i, i, s] to 0")
        object.__setattr__(self, "tariffs", readonly(tariffs))

        theta = _elasticity_array(self.elasticity, sectors)
        object.__setattr__(self, "elasticity", readonly(theta))

        domestic = flows[np.arange(n), np.arange(n), :].sum(axis=1)
        expenditure = ((1.0 + tariffs) * flows).sum(axis=(0, 2))
        zero_e = [countries[j] for j in range(n) if expenditure[j] <= 0]
        if zero_e:
            raise WorldError("flows", "countries with zero expenditure", zero_e,
                             "drop these countries or give their imports and domestic sales")
        no_dom = [countries[i] for i in range(n) if domestic[i] <= 0]
        if no_dom:
            raise WorldError("flows", "missing domestic sales (flows[i, i, :] are all zero)", no_dom,
                             "add domestic sales on the diagonal: gross output minus exports, "
                             "or GDP minus exports for a value-added world")
        object.__setattr__(self, "sources", dict(self.sources))
        object.__setattr__(self, "concordance", _check_concordance(self.concordance, sectors))
        self._check_input_output(countries, sectors)
        if self.year is not None:
            object.__setattr__(self, "year", int(self.year))

    # ------------------------------------------------------------------ shape
    @property
    def n_countries(self) -> int:
        return len(self.countries)

    @property
    def n_sectors(self) -> int:
        return len(self.sectors)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.n_countries, self.n_countries, self.n_sectors)

    def country_index(self, country: str) -> int:
        try:
            return self.countries.index(country)
        except ValueError:
            raise WorldError("countries", f"unknown country '{country}'", None,
                             f"use one of {', '.join(self.countries[:12])}"
                             + (" ..." if self.n_countries > 12 else "")) from None

    def sector_index(self, sector: str) -> int:
        try:
            return self.sectors.index(sector)
        except ValueError:
            raise WorldError("sectors", f"unknown sector '{sector}'", None,
                             f"use one of {', '.join(self.sectors)}") from None

    def _check_input_output(self, countries: tuple[str, ...], sectors: tuple[str, ...]) -> None:
        n, s = len(countries), len(sectors)
        beta, gamma = self.value_added_share, self.io_shares
        if beta is None and gamma is None:
            return
        if beta is None:
            raise WorldError("value_added_share", "io_shares given without value-added shares", None,
                             "give value_added_share (N, S) with the io_shares")
        b = _float_array(beta, "value_added_share")
        if b.shape != (n, s):
            raise WorldError("value_added_share", f"shape {b.shape}, expected {(n, s)}", None,
                             "give one share per country and sector")
        bad = ~np.isfinite(b) | (b <= 0) | (b > 1)
        if bad.any():
            where = [f"{countries[i]}/{sectors[k]}" for i, k in np.argwhere(bad)[:6]]
            raise WorldError("value_added_share", "shares outside (0, 1]", where,
                             "value added / gross output must be positive and at most 1")
        if gamma is None:
            if (b < 1).any():
                raise WorldError("io_shares", "missing while some value-added shares are below 1", None,
                                 "give io_shares (N, S, S): input k's share in sector s's intermediate purchases")
            g = np.zeros((n, s, s))
        else:
            g = _float_array(gamma, "io_shares")
            if g.shape != (n, s, s):
                raise WorldError("io_shares", f"shape {g.shape}, expected {(n, s, s)}", None,
                                 "index io_shares[country, input sector, using sector]")
            if not np.all(np.isfinite(g)) or (g < 0).any():
                raise WorldError("io_shares", "negative or non-finite shares", None, "shares must be >= 0")
            sums = g.sum(axis=1)  # (N, S): over inputs
            off = (b < 1) & (np.abs(sums - 1.0) > 1e-6)
            if off.any():
                where = [f"{countries[i]}/{sectors[k]}" for i, k in np.argwhere(off)[:6]]
                raise WorldError("io_shares", "input shares of a sector do not sum to 1", where,
                                 "normalise io_shares[i, :, s] to sum to 1 for every sector that buys inputs")
        object.__setattr__(self, "value_added_share", readonly(b))
        object.__setattr__(self, "io_shares", readonly(g))
        alpha = self.final_shares
        neg = alpha < -1e-9
        if neg.any():
            where = [f"{countries[i]}/{sectors[k]}" for i, k in np.argwhere(neg)[:6]]
            raise WorldError("io_shares", "intermediate demand exceeds spending (negative final demand)", where,
                             "check that flows, value-added shares and io_shares describe the same economy")

    @property
    def has_input_output(self) -> bool:
        """Whether the World carries input-output links (value-added shares below 1)."""
        return self.value_added_share is not None and bool((self.value_added_share < 1).any())

    # ------------------------------------------------------------------ derived quantities
    @cached_property
    def output(self) -> FloatArray:
        """Output (GDP, value of all sales) by country, shape (N,), USD millions."""
        return readonly(self.flows.sum(axis=(1, 2)))

    @cached_property
    def sector_output(self) -> FloatArray:
        """Output by country and sector, shape (N, S)."""
        return readonly(self.flows.sum(axis=1))

    @cached_property
    def value_added(self) -> FloatArray:
        """Value added by country, shape (N,): output without input-output links."""
        if self.value_added_share is None:
            return self.output
        return readonly((self.value_added_share * self.sector_output).sum(axis=1))

    @cached_property
    def intermediate_purchases(self) -> FloatArray:
        """Tariff-inclusive intermediate purchases ``[i, k, s]``: country i's sector s buying input k, (N, S, S)."""
        n, s = self.n_countries, self.n_sectors
        if self.value_added_share is None or self.io_shares is None:
            return readonly(np.zeros((n, s, s)))
        cost = (1.0 - self.value_added_share) * self.sector_output  # (N, S) input bill by using sector
        return readonly(self.io_shares * cost[:, None, :])

    @cached_property
    def final_shares(self) -> FloatArray:
        """α[i, s]: share of sector s in country i's final spending, shape (N, S).

        Final spending is income (value added + tariff revenue + deficit); with
        input-output links, intermediate purchases are taken out of each sector's
        tariff-inclusive spending first.
        """
        spend = self.gross_purchases.sum(axis=0)  # (N, S) by importer and sector
        final = spend - self.intermediate_purchases.sum(axis=2)
        income = self.value_added + self.tariff_revenue + self.deficit
        return readonly(final / income[:, None])

    @cached_property
    def gross_purchases(self) -> FloatArray:
        """Tariff-inclusive purchases ``(1 + t) * flows``, shape (N, N, S)."""
        return readonly((1.0 + self.tariffs) * self.flows)

    @cached_property
    def expenditure(self) -> FloatArray:
        """Tariff-inclusive expenditure by importer, shape (N,)."""
        return readonly(self.gross_purchases.sum(axis=(0, 2)))

    @cached_property
    def tariff_revenue(self) -> FloatArray:
        """Tariff revenue by importer, shape (N,)."""
        return readonly((self.tariffs * self.flows).sum(axis=(0, 2)))

    @cached_property
    def exports(self) -> FloatArray:
        """International exports (pre-tariff value) by exporter, shape (N,)."""
        return readonly(self.output - self.domestic_sales)

    @cached_property
    def imports(self) -> FloatArray:
        """International imports (pre-tariff value) by importer, shape (N,)."""
        return readonly(self.flows.sum(axis=(0, 2)) - self.domestic_sales)

    @cached_property
    def domestic_sales(self) -> FloatArray:
        n = self.n_countries
        return readonly(self.flows[np.arange(n), np.arange(n), :].sum(axis=1))

    @cached_property
    def deficit(self) -> FloatArray:
        """Trade deficit (imports − exports, pre-tariff), shape (N,); sums to zero over the world."""
        return readonly(self.imports - self.exports)

    @cached_property
    def traded(self) -> NDArray[np.bool_]:
        """Whether each sector has any international flow, shape (S,)."""
        off = self.flows.copy()
        n = self.n_countries
        off[np.arange(n), np.arange(n), :] = 0.0
        return readonly(off.sum(axis=(0, 1)) > 0)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of labels and arrays: two Worlds with the same fingerprint are the same data."""
        h = hashlib.sha256()
        for labels in (self.countries, self.sectors):
            h.update("\x1f".join(labels).encode())
            h.update(b"\x1e")
        for arr in (self.flows, self.tariffs, self.elasticity):
            h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        h.update(repr(sorted(self.concordance.items())).encode())
        for optional in (self.value_added_share, self.io_shares):
            h.update(b"\x1d" if optional is None else np.ascontiguousarray(optional, dtype="<f8").tobytes())
        return h.hexdigest()

    def sector_of(self, codes: pd.Series) -> pd.Series:
        """Sector of each product code by the longest matching prefix of :attr:`concordance`
        (missing where no prefix matches). ``codes`` are digit strings."""
        codes = codes.astype(str)
        out = pd.Series(pd.NA, index=codes.index, dtype="object")
        for length in sorted({len(k) for k in self.concordance}, reverse=True):
            table = {k: v for k, v in self.concordance.items() if len(k) == length}
            hit = codes.str.slice(0, length).map(table)
            fill = out.isna() & hit.notna()
            out[fill] = hit[fill]
        return out

    # ------------------------------------------------------------------ frames
    @classmethod
    def from_frames(
        cls,
        flows: pd.DataFrame,
        *,
        elasticity: ElasticitySpec | pd.DataFrame,
        tariffs: pd.DataFrame | None = None,
        countries: Sequence[str] | None = None,
        sectors: Sequence[str] | None = None,
        value: str = "value",
        year: int | None = None,
        name: str = "",
        sources: Mapping[str, str] | None = None,
    ) -> World:
        """Build a World from tidy (long) frames.

        Parameters
        ----------
        flows
            Columns ``exporter``, ``importer``, optional ``sector`` (one sector
            ``"total"`` if absent), ``value`` (USD millions, pre-tariff) and
            optionally ``tariff`` (fraction; a missing tariff is an error, write 0).
            Missing cells are zero flows. One row per (exporter, importer, sector).
        elasticity
            θ per sector (scalar, sequence in sector order, or mapping; a
            ``sector, elasticity`` frame or a Series gives each sector once).
        tariffs
            Optional separate frame with ``exporter``, ``importer``, optional
            ``sector``, ``tariff``; cells not listed have no tariff.
        countries, sectors
            Label order; default: sorted labels found in ``flows``. When given,
            labels in the frames that are not listed raise :class:`WorldError`.
        value
            Name of the value column.
        """
        frame = _check_frame(flows, "flows", [value])
        has_sector = "sector" in frame.columns
        if not has_sector:
            frame = frame.assign(sector=DEFAULT_SECTOR)
        if countries is None:
            countries = sorted(set(frame["exporter"].astype(str).unique())
                               | set(frame["importer"].astype(str).unique()))
        if sectors is None:
            sectors = sorted(set(frame["sector"].astype(str).unique())) if has_sector else [DEFAULT_SECTOR]
        countries_t = label_tuple(countries, "countries", WorldError, "countries")
        sectors_t = label_tuple(sectors, "sectors", WorldError, "sectors")
        arr = _dense(frame, value, countries_t, sectors_t, "flows")
        tar = None
        if "tariff" in frame.columns:
            tar = _dense(frame, "tariff", countries_t, sectors_t, "tariffs")
        if tariffs is not None:
            tframe = _check_frame(tariffs, "tariffs", ["tariff"])
            if "sector" not in tframe.columns:
                if len(sectors_t) != 1:
                    tframe = tframe.merge(pd.DataFrame({"sector": sectors_t}), how="cross")
                else:
                    tframe = tframe.assign(sector=sectors_t[0])
            tar = _dense(tframe, "tariff", countries_t, sectors_t, "tariffs")
        theta = elasticity
        if isinstance(elasticity, pd.DataFrame):
            missing = [c for c in ("sector", "elasticity") if c not in elasticity.columns]
            if missing:
                raise WorldError("elasticity", "missing columns", missing, "give a sector, elasticity table")
            theta = elasticity.set_index(elasticity["sector"].astype(str))["elasticity"]
        return cls(countries=countries_t, sectors=sectors_t, flows=arr, elasticity=theta,  # type: ignore[arg-type]
                   tariffs=tar, year=year, name=name, sources=dict(sources or {}))  # type: ignore[arg-type]

    def to_frame(self, *, include_zeros: bool = False) -> pd.DataFrame:
        """Tidy table: ``exporter, importer, sector, value, tariff`` (USD millions, fraction)."""
        n, s = self.n_countries, self.n_sectors
        ii, jj, ss = np.meshgrid(np.arange(n), np.arange(n), np.arange(s), indexing="ij")
        frame = pd.DataFrame({
            "exporter": np.asarray(self.countries, dtype=object)[ii.ravel()],
            "importer": np.asarray(self.countries, dtype=object)[jj.ravel()],
            "sector": np.asarray(self.sectors, dtype=object)[ss.ravel()],
            "value": self.flows.ravel(),
            "tariff": self.tariffs.ravel(),
        })
        if not include_zeros:
            frame = frame[(frame["value"] != 0) | (frame["tariff"] != 0)].reset_index(drop=True)
        return frame

    def elasticity_frame(self) -> pd.DataFrame:
        """``sector, elasticity`` table."""
        return pd.DataFrame({"sector": list(self.sectors), "elasticity": self.elasticity})

    def summary(self) -> pd.DataFrame:
        """One row per country: output, expenditure, exports, imports, balance, revenue, average tariff."""
        imports_gross = self.flows.sum(axis=(0, 2)) - self.domestic_sales
        avg_tariff = np.divide(self.tariff_revenue, imports_gross, out=np.zeros(self.n_countries),
                               where=imports_gross > 0)
        return pd.DataFrame({
            "country": list(self.countries),
            "output": self.output,
            "expenditure": self.expenditure,
            "exports": self.exports,
            "imports": self.imports,
            "trade_balance": self.exports - self.imports,
            "tariff_revenue": self.tariff_revenue,
            "avg_tariff_pct": 100.0 * avg_tariff,
            "domestic_share_pct": 100.0 * self.domestic_sales / self.flows.sum(axis=(0, 2)),
        })

    # ------------------------------------------------------------------ transformations
    def replace(self, **changes: Any) -> World:
        """A new World with some fields replaced (validated again)."""
        return replace(self, **changes)

    def aggregate(
        self,
        regions: Mapping[str, Sequence[str]] | None = None,
        sectors: Mapping[str, Sequence[str]] | None = None,
    ) -> World:
        """Group countries into regions and/or sectors into groups.

        Flows are summed exactly (trade among members of a region becomes the
        region's domestic sales). Tariffs are trade-weighted averages over the
        member cells (simple averages where the group has no trade); tariffs on
        trade that becomes internal to a region are dropped. The elasticity of a
        sector group is the average of its members' weighted by international
        trade (by total sales for groups that are not traded).

        Parameters
        ----------
        regions
            ``new label -> member countries``; countries not listed keep their label.
        sectors
            ``new label -> member sectors``; sectors not listed keep their label.
        """
        cmap = _membership(self.countries, regions or {}, "countries")
        smap = _membership(self.sectors, sectors or {}, "sectors")
        new_c = list(dict.fromkeys(cmap))
        new_s = list(dict.fromkeys(smap))
        mc = np.zeros((self.n_countries, len(new_c)))
        mc[np.arange(self.n_countries), [new_c.index(x) for x in cmap]] = 1.0
        ms = np.zeros((self.n_sectors, len(new_s)))
        ms[np.arange(self.n_sectors), [new_s.index(x) for x in smap]] = 1.0

        def agg(a: FloatArray) -> FloatArray:
            return np.einsum("ia,jb,sc,ijs->abc", mc, mc, ms, a, optimize=True)

        flows = agg(self.flows)
        weighted = agg(self.tariffs * self.flows)
        simple = agg(self.tariffs) / agg(np.ones_like(self.tariffs))
        tariffs = np.where(flows > 0, np.divide(weighted, flows, out=np.zeros_like(flows), where=flows > 0), simple)
        k = len(new_c)
        tariffs[np.arange(k), np.arange(k), :] = 0.0

        n = self.n_countries
        intl = self.flows.copy()
        intl[np.arange(n), np.arange(n), :] = 0.0
        w_intl = intl.sum(axis=(0, 1))
        w_all = self.flows.sum(axis=(0, 1))
        theta = np.empty(len(new_s))
        for g in range(len(new_s)):
            members = ms[:, g] > 0
            for weights in (w_intl[members], w_all[members], np.ones(members.sum())):
                if weights.sum() > 0:
                    theta[g] = float(np.average(self.elasticity[members], weights=weights))
                    break
        concordance = {code: smap[self.sectors.index(sec)] for code, sec in self.concordance.items()}
        beta = gamma = None
        if self.value_added_share is not None:
            # Sum value added and intermediate purchases exactly, then recompute the shares.
            va = np.einsum("ia,sc,is->ac", mc, ms, self.value_added_share * self.sector_output)
            purchases = np.einsum("ia,kb,sc,iks->abc", mc, ms, ms, self.intermediate_purchases, optimize=True)
            gross = flows.sum(axis=1)
            beta = np.divide(va, gross, out=np.ones_like(va), where=gross > 0)
            bill = purchases.sum(axis=1)
            gamma = np.divide(purchases, bill[:, None, :], out=np.zeros_like(purchases), where=bill[:, None, :] > 0)
        return World(countries=tuple(new_c), sectors=tuple(new_s), flows=flows, elasticity=theta,
                     tariffs=tariffs, year=self.year, name=self.name, sources=self.sources, concordance=concordance,
                     value_added_share=beta, io_shares=gamma)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        year = f" {self.year}" if self.year is not None else ""
        return (f"<World{label}{year}: {self.n_countries} countries × {self.n_sectors} sectors, "
                f"world output {self.output.sum():,.0f} USD m>")


# ---------------------------------------------------------------------- helpers
def _float_array(values: ArrayLike, field_name: str) -> FloatArray:
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise WorldError(field_name, f"cannot be read as numbers ({exc})", None,
                         "give a numeric array") from None
    return arr


def _elasticity_array(spec: Any, sectors: tuple[str, ...]) -> FloatArray:
    s = len(sectors)
    if isinstance(spec, pd.Series):
        twice = duplicates(str(k) for k in spec.index)
        if twice:
            raise WorldError("elasticity", "sectors given more than one elasticity", twice,
                             "give each sector's θ once")
        spec = spec.to_dict()
    if isinstance(spec, Mapping):
        keys = [str(k) for k in spec]
        twice = duplicates(keys)
        if twice:
            raise WorldError("elasticity", "sectors given more than one elasticity", twice,
                             "give each sector's θ once")
        missing = [x for x in sectors if x not in keys]
        if missing:
            raise WorldError("elasticity", "no elasticity for sectors", missing, "give θ for every sector")
        extra = [k for k in keys if k not in sectors]
        if extra:
            raise WorldError("elasticity", "elasticities for unknown sectors", extra,
                             f"use sector labels {', '.join(sectors)}")
        lookup = {str(k): v for k, v in spec.items()}
        values = [lookup[x] for x in sectors]
    elif np.ndim(spec) == 0:
        values = [spec] * s
    else:
        values = list(np.asarray(spec).ravel())
        if len(values) != s:
            raise WorldError("elasticity", f"{len(values)} values for {s} sectors", None,
                             "give one elasticity per sector, in sector order")
    try:
        theta = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise WorldError("elasticity", "cannot be read as numbers", None, "give numeric elasticities") from None
    bad = [sectors[k] for k in range(s) if not (np.isfinite(theta[k]) and theta[k] > 0)]
    if bad:
        raise WorldError("elasticity", "non-positive or non-finite trade elasticities", bad,
                         "θ = σ − 1 must be > 0 (typical values 2–10)")
    return theta


def _check_concordance(table: Mapping[str, str], sectors: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, sector in dict(table).items():
        key = str(code).replace(".", "").strip()
        if not key.isdigit() or not 1 <= len(key) <= 10:
            raise WorldError("concordance", f"product prefix '{code}' is not 1-10 digits", [code],
                             "use HS prefixes such as '84' or '8471'")
        if sector not in sectors:
            raise WorldError("concordance", f"prefix '{code}' maps to unknown sector '{sector}'", [code],
                             f"use one of {', '.join(sectors)}")
        out[key] = str(sector)
    return out


def _check_frame(frame: pd.DataFrame, what: str, required: list[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise WorldError(what, f"expected a pandas DataFrame, got {type(frame).__name__}", None,
                         "pass a tidy table with exporter, importer and value columns")
    needed = ["exporter", "importer", *required]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise WorldError(what, "missing columns", missing, f"the table needs columns {', '.join(needed)}")
    return frame


def _dense(frame: pd.DataFrame, column: str, countries: tuple[str, ...], sectors: tuple[str, ...],
           field_name: str) -> FloatArray:
    n, s = len(countries), len(sectors)
    country_index, sector_index = pd.Index(countries), pd.Index(sectors)
    i = country_index.get_indexer(pd.Index(frame["exporter"].astype(str)))
    j = country_index.get_indexer(pd.Index(frame["importer"].astype(str)))
    k = sector_index.get_indexer(pd.Index(frame["sector"].astype(str)))
    if (i < 0).any() or (j < 0).any():
        labels = pd.concat([frame["exporter"][i < 0], frame["importer"][j < 0]]).astype(str)
        raise WorldError("countries", f"labels in the {field_name} table that are not in the country list",
                         sorted(set(labels)), "add them to `countries` or drop their rows")
    if (k < 0).any():
        raise WorldError("sectors", f"labels in the {field_name} table that are not in the sector list",
                         sorted(set(frame["sector"][k < 0].astype(str))), "add them to `sectors` or drop their rows")
    flat = (i * n + j) * s + k
    uniq, counts = np.unique(flat, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][:5]
        labels = [f"{countries[d // (n * s)]}->{countries[(d // s) % n]}/{sectors[d % s]}" for d in dup]
        raise WorldError(field_name, "duplicated rows", labels, "give one row per (exporter, importer, sector)")
    try:
        values = pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise WorldError(field_name, f"column '{column}' is not numeric", None, "give numbers") from None
    out = np.zeros(n * n * s)
    out[flat] = values
    return out.reshape(n, n, s)


def _membership(labels: tuple[str, ...], groups: Mapping[str, Sequence[str]], what: str) -> list[str]:
    owner: dict[str, str] = {}
    for new, members in groups.items():
        if isinstance(members, str):
            members = [members]
        for m in members:
            if m not in labels:
                raise WorldError(what, f"unknown label '{m}' in group '{new}'", [m],
                                 f"use labels of this World's {what}")
            if m in owner:
                raise WorldError(what, f"'{m}' is in two groups ('{owner[m]}' and '{new}')", [m],
                                 "put each label in one group")
            owner[m] = str(new)
    for new, members in groups.items():
        members_list = [members] if isinstance(members, str) else list(members)
        if new in labels and new not in members_list:
            raise WorldError(what, f"group label '{new}' is already the label of an ungrouped member", [new],
                             "choose a new label, or include that member in the group")
    return [owner.get(x, x) for x in labels]
