"""The bundled demo world for 2017: nine regions, seven goods sectors and services.

Built at load time from two small bundled tables, ``demo/sources_2017.csv`` (every
published figure used, with its source, plus the stated modelling assumptions) and
``demo/sectors.csv`` (sector labels, HS-2 chapter ranges, elasticities). Nothing is
downloaded; the build is deterministic and takes a few milliseconds.

It is a *value-added* world: each region's output (the sum of its sales) equals its
sourced GDP, while goods trade is in gross terms. That is an approximation; the
world is meant for demos and tutorials, not for policy numbers. See
``docs/demo_world.md`` for every figure, the imputation rule and its equations.

Imputation rule, in short (notation of the docs; money in USD billions here, USD
millions in the World):

1. Bilateral goods flows ``X[i, j]`` (exporter i, importer j, i ≠ j): the sourced
   cells are fixed; the other cells are ``X[i, j] = a_i * b_j`` with ``a`` and ``b``
   chosen by biproportional balancing (RAS) so that every region's exports and
   imports equal their sourced totals. ROW's totals are world totals minus the
   others, so they include trade among ROW countries: a ROW -> ROW cell takes part
   in the fit and is then dropped (it is ROW domestic trade). This is gravity with
   exporter and importer effects and no bilateral friction.
2. Sector split: every flow gets the same sector mix ``w_s`` (US exports by sector,
   USITC table US.1); services are not traded.
3. Domestic goods sales ``D_i = max(gamma * GDP_i - X_i, floor * M_i)`` split by
   ``w_s``; domestic services sales ``GDP_i - X_i - D_i`` so that output equals GDP.
4. Tariffs by importer and sector: simple-average MFN applied rates (agricultural
   rate for AGR, non-agricultural rate for the other goods), zero among NAFTA
   members, on the diagonal and on services.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.errors import ConvergenceError, DataError
from tariffsim.solvers.balancing import biproportional
from tariffsim.world import World

__all__ = [
    "DEMO_WORLD_NAME",
    "DEMO_YEAR",
    "DEMO_COUNTRIES",
    "DEMO_SECTORS",
    "GOODS_SECTORS",
    "SOURCES_FILE",
    "SECTORS_FILE",
    "load_demo_world",
    "demo_figures",
    "demo_sectors",
    "demo_build_report",
]

DEMO_WORLD_NAME = "demo-2017"
DEMO_YEAR = 2017
DEMO_COUNTRIES: tuple[str, ...] = ("USA", "CHN", "EU", "JPN", "KOR", "CAN", "MEX", "IND", "ROW")
"""Region labels. EU = the 28 member states of 2017 (intra-EU trade is EU domestic sales);
ROW = rest of the world, defined as world totals minus the eight others."""
GOODS_SECTORS: tuple[str, ...] = ("AGR", "ENE", "CHM", "MET", "MAC", "VEH", "OTH")
DEMO_SECTORS: tuple[str, ...] = (*GOODS_SECTORS, "SER")
"""Sector labels: seven HS-based goods sectors (chapters in ``sectors.csv``) and non-traded services."""

_DEMO_DIR = Path(__file__).resolve().parent / "demo"
SOURCES_FILE = _DEMO_DIR / "sources_2017.csv"
SECTORS_FILE = _DEMO_DIR / "sectors.csv"

_FIGURE_COLUMNS = ["id", "value", "unit", "description", "source", "url", "status"]
_SECTOR_COLUMNS = ["sector", "label", "hs2_chapters", "tariff_group", "trade_mix_ids", "elasticity",
                   "elasticity_source"]
_STATUSES = ("sourced", "assumption")
_NAFTA = ("USA", "CAN", "MEX")
_MILLIONS_PER_BILLION = 1000.0

FloatArray = NDArray[np.float64]


# ---------------------------------------------------------------------- public API
def load_demo_world() -> World:
    """The bundled 2017 demo World (cached: the same immutable object on every call).

    Returns
    -------
    World
        ``name="demo-2017"``, ``year=2017``; countries :data:`DEMO_COUNTRIES` (N = 9),
        sectors :data:`DEMO_SECTORS` (S = 8); ``flows`` of shape (9, 9, 8) in USD
        millions at pre-tariff prices; ``tariffs`` as fractions; θ = 5 in every sector.

    Raises
    ------
    DataError
        If the bundled tables are missing, malformed or inconsistent.
    ConvergenceError
        If the biproportional balancing of bilateral flows does not converge.
    """
    return _build().world


def demo_figures() -> pd.DataFrame:
    """The sources table: every published figure and every assumption used.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, value, unit, description, source, url, status`` (``status`` is
        ``"sourced"`` or ``"assumption"``); one row per figure, in file order. A fresh
        copy: changing it does not change the demo world.
    """
    return _read_figures().copy()


def demo_sectors() -> pd.DataFrame:
    """The sector table: labels, HS-2 chapter ranges, tariff group, sector-mix figures, θ.

    Returns
    -------
    pandas.DataFrame
        Columns ``sector, label, hs2_chapters, tariff_group, trade_mix_ids, elasticity,
        elasticity_source``; one row per sector of :data:`DEMO_SECTORS`. A fresh copy.
        ``hs2_chapters`` is a ``;``-separated list of inclusive ranges such as ``"25-26;68-83"``.
    """
    return _read_sectors().copy()


def demo_build_report() -> pd.DataFrame:
    """How each number of the demo world was obtained: sourced, derived or imputed.

    Returns
    -------
    pandas.DataFrame
        One row per item, columns:

        ``kind``
            ``"gdp"``, ``"exports"``, ``"imports"`` (aggregates by ``country``),
            ``"bilateral"`` (goods flow summed over sectors, ``sector == "ALL"``),
            ``"flow"`` (one cell ``[exporter, importer, sector]`` of the World, all
            N × N × S cells), ``"tariff"`` (by ``importer`` and ``sector``) or
            ``"intra_region"`` (trade among EU members and among ROW countries, by
            ``country``: not a flow of the World, it lies within domestic sales).
        ``country, exporter, importer, sector``
            Labels; empty where they do not apply.
        ``value, unit``
            The value in the World (USD millions, or a fraction for tariffs).
        ``status``
            ``"sourced"`` (a published figure, reproduced), ``"derived"`` (arithmetic on
            sourced figures only: a currency conversion, a residual, a total split by a
            published balance) or ``"imputed"`` (depends on a stated assumption or on
            the balancing fit).
        ``rule``
            One line saying how the number was made.
        ``figure_ids``
            ``;``-separated ids of the rows of :func:`demo_figures` that it uses.
    """
    return _build().report.copy()


# ---------------------------------------------------------------------- tables
@functools.lru_cache(maxsize=1)
def _read_figures() -> pd.DataFrame:
    frame = _read_csv(SOURCES_FILE, _FIGURE_COLUMNS)
    frame["value"] = _numeric(frame["value"], SOURCES_FILE, "value")
    for column in ("id", "unit", "description", "source", "status"):
        empty = frame.index[frame[column].str.strip() == ""].tolist()
        if empty:
            raise DataError(f"empty '{column}' in rows {[i + 2 for i in empty]}; every figure needs one",
                            file=str(SOURCES_FILE), column=column)
    bad = sorted(set(frame["status"]) - set(_STATUSES))
    if bad:
        raise DataError(f"unknown status {bad}; use one of {list(_STATUSES)}", file=str(SOURCES_FILE),
                        column="status")
    dup = frame["id"][frame["id"].duplicated()].tolist()
    if dup:
        raise DataError(f"duplicated ids {dup}; give each figure one row", file=str(SOURCES_FILE), column="id")
    return frame


@functools.lru_cache(maxsize=1)
def _read_sectors() -> pd.DataFrame:
    frame = _read_csv(SECTORS_FILE, _SECTOR_COLUMNS)
    frame["elasticity"] = _numeric(frame["elasticity"], SECTORS_FILE, "elasticity")
    if tuple(frame["sector"]) != DEMO_SECTORS:
        raise DataError(f"sectors {tuple(frame['sector'])} differ from {DEMO_SECTORS}", file=str(SECTORS_FILE),
                        column="sector")
    return frame


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except OSError as exc:
        raise DataError(f"cannot read the bundled demo table ({exc}); reinstall tariffsim",
                        file=str(path)) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}; expected {columns}", file=str(path))
    return frame[columns].copy()


def _numeric(values: pd.Series, path: Path, column: str) -> pd.Series:
    out = pd.to_numeric(values, errors="coerce")
    bad = values[out.isna()].tolist()
    if bad:
        raise DataError(f"values that are not numbers: {bad[:5]}", file=str(path), column=column)
    return out.astype(np.float64)


class _Figures:
    """Lookup of the sources table, converting money to USD billions."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._value = dict(zip(frame["id"], frame["value"], strict=True))
        self._unit = dict(zip(frame["id"], frame["unit"], strict=True))
        self._status = dict(zip(frame["id"], frame["status"], strict=True))

    def raw(self, figure_id: str) -> float:
        try:
            return float(self._value[figure_id])
        except KeyError:
            raise DataError(f"figure '{figure_id}' is missing; the demo build needs it",
                            file=str(SOURCES_FILE), column="id") from None

    def status(self, figure_id: str) -> str:
        self.raw(figure_id)
        return self._status[figure_id]

    def usd_bn(self, figure_id: str) -> float:
        value, unit = self.raw(figure_id), self._unit[figure_id]
        if unit == "USD billions":
            return value
        if unit == "USD millions":
            return value / _MILLIONS_PER_BILLION
        if unit == "EUR billions":
            return value * self.raw("eur_usd_2017")
        raise DataError(f"figure '{figure_id}' has unit '{unit}', not a money unit", file=str(SOURCES_FILE),
                        column="unit")


# ---------------------------------------------------------------------- build
@dataclass(frozen=True)
class _Build:
    world: World
    report: pd.DataFrame


@dataclass(frozen=True)
class _Cell:
    """A bilateral goods total with how it was obtained (USD billions)."""

    value: float
    status: str
    rule: str
    figure_ids: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def _build() -> _Build:
    return _build_uncached()


def _build_uncached() -> _Build:
    figures = _Figures(_read_figures())
    sectors = _read_sectors()
    countries = DEMO_COUNTRIES
    n = len(countries)
    index = {c: k for k, c in enumerate(countries)}

    gdp, gdp_notes = _gdp(figures)
    exports, imports, total_notes = _trade_totals(figures)
    fixed = _fixed_cells(figures)
    bilateral, intra_row = _balance(fixed, exports, imports, index)

    mix, mix_ids = _sector_mix(figures, sectors)
    goods_exports = bilateral.sum(axis=1)
    goods_imports = bilateral.sum(axis=0)
    gamma = figures.raw("goods_output_share")
    floor = figures.raw("domestic_sales_floor")
    va_rule = gamma * gdp - goods_exports
    domestic_goods = np.maximum(va_rule, floor * goods_imports)
    services = gdp - goods_exports - domestic_goods
    if (services <= 0).any():
        bad = [countries[k] for k in np.flatnonzero(services <= 0)]
        raise DataError(f"goods sales exceed GDP for {bad}; lower goods_output_share or domestic_sales_floor",
                        file=str(SOURCES_FILE))

    s = len(DEMO_SECTORS)
    ser = DEMO_SECTORS.index("SER")
    flows = np.zeros((n, n, s))
    flows[:, :, :ser] = bilateral[:, :, None] * mix[None, None, :]
    diag = np.arange(n)
    flows[diag, diag, :ser] = domestic_goods[:, None] * mix[None, :]
    flows[diag, diag, ser] = services
    flows *= _MILLIONS_PER_BILLION

    tariffs, tariff_rows = _tariffs(figures, sectors)
    # sectors.csv is checked to list DEMO_SECTORS in order, so its column is already in sector order.
    elasticity = sectors["elasticity"].to_numpy(dtype=np.float64)

    world = World(
        countries=countries,
        sectors=DEMO_SECTORS,
        flows=flows,
        elasticity=elasticity,
        tariffs=tariffs,
        year=DEMO_YEAR,
        name=DEMO_WORLD_NAME,
        sources=_provenance(),
        concordance=_concordance(sectors),
    )
    intra = {"EU": (figures.usd_bn("intra_EU_exports_eur"), "derived",
                    "exports among EU members (EUR times ECB rate); not a flow here, part of EU domestic sales",
                    ("intra_EU_exports_eur", "eur_usd_2017")),
             "ROW": (intra_row, "imputed",
                     "trade among ROW countries, from the RAS fit to ROW's world-residual totals; "
                     "not a flow here, part of ROW domestic sales", ())}
    report = _report(world, gdp_notes, total_notes, fixed, bilateral, mix_ids, va_rule, floor * goods_imports,
                     tariff_rows, intra)
    return _Build(world=world, report=report)


def _concordance(sectors: pd.DataFrame) -> dict[str, str]:
    """HS-2 chapter -> sector, from the ``hs2_chapters`` ranges of ``sectors.csv``."""
    table: dict[str, str] = {}
    for sector, spec in zip(sectors["sector"], sectors["hs2_chapters"], strict=True):
        if not isinstance(spec, str) or not spec.strip():
            continue
        for part in spec.split(";"):
            low, _, high = part.strip().partition("-")
            for chapter in range(int(low), int(high or low) + 1):
                table[f"{chapter:02d}"] = str(sector)
    return table


def _gdp(figures: _Figures) -> tuple[FloatArray, dict[str, tuple[str, str, tuple[str, ...]]]]:
    """GDP by region in USD billions, shape (N,), and how each was obtained."""
    notes: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    values: dict[str, float] = {}
    for c in DEMO_COUNTRIES:
        if c in ("EU", "ROW"):
            continue
        values[c] = figures.usd_bn(f"gdp_{c}")
        notes[c] = ("sourced", "published GDP", (f"gdp_{c}",))
    values["EU"] = figures.usd_bn("gdp_EU_eur")
    notes["EU"] = ("derived", "Eurostat GDP in EUR times the ECB 2017 average rate", ("gdp_EU_eur", "eur_usd_2017"))
    values["ROW"] = figures.usd_bn("gdp_WORLD") - sum(values.values())
    notes["ROW"] = ("derived", "world GDP minus the eight other regions",
                    ("gdp_WORLD", *(f"gdp_{c}" for c in DEMO_COUNTRIES if c not in ("EU", "ROW")), "gdp_EU_eur"))
    return np.array([values[c] for c in DEMO_COUNTRIES]), notes


def _trade_totals(figures: _Figures) -> tuple[FloatArray, FloatArray, dict[str, tuple[str, str, tuple[str, ...]]]]:
    """Goods exports and imports by region in USD billions, shapes (N,), and notes.

    World trade among the nine regions excludes trade among EU members; exports and
    imports of ROW are the world total minus the others, so both sum to that total.
    """
    notes: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    exports: dict[str, float] = {}
    imports: dict[str, float] = {}
    for c in DEMO_COUNTRIES:
        if c in ("EU", "ROW"):
            continue
        exports[c] = figures.usd_bn(f"exports_{c}")
        imports[c] = figures.usd_bn(f"imports_{c}")
        notes[f"exports_{c}"] = ("sourced", "published merchandise exports", (f"exports_{c}",))
        notes[f"imports_{c}"] = ("sourced", "published merchandise imports", (f"imports_{c}",))
    exports["EU"] = figures.usd_bn("exports_EU_extra_eur")
    imports["EU"] = exports["EU"] - figures.usd_bn("balance_EU_extra_eur")
    notes["exports_EU"] = ("derived", "extra-EU exports in EUR times the ECB rate",
                           ("exports_EU_extra_eur", "eur_usd_2017"))
    notes["imports_EU"] = ("derived", "extra-EU exports minus the extra-EU surplus, times the ECB rate",
                           ("exports_EU_extra_eur", "balance_EU_extra_eur", "eur_usd_2017"))
    world = figures.usd_bn("exports_WORLD") - figures.usd_bn("intra_EU_exports_eur")
    others = [c for c in DEMO_COUNTRIES if c != "ROW"]
    exports["ROW"] = world - sum(exports[c] for c in others)
    imports["ROW"] = world - sum(imports[c] for c in others)
    residual_ids = ("exports_WORLD", "intra_EU_exports_eur", "eur_usd_2017")
    notes["exports_ROW"] = ("derived", "world exports less intra-EU exports, minus the other regions' exports",
                            (*residual_ids, *(f"exports_{c}" for c in others if c != "EU"), "exports_EU_extra_eur"))
    notes["imports_ROW"] = ("derived", "world exports less intra-EU exports, minus the other regions' imports",
                            (*residual_ids, *(f"imports_{c}" for c in others if c != "EU"), "exports_EU_extra_eur",
                             "balance_EU_extra_eur"))
    if exports["ROW"] <= 0 or imports["ROW"] <= 0:
        raise DataError("rest-of-world trade is not positive; check the world and regional totals",
                        file=str(SOURCES_FILE))
    return (np.array([exports[c] for c in DEMO_COUNTRIES]), np.array([imports[c] for c in DEMO_COUNTRIES]), notes)


def _fixed_cells(figures: _Figures) -> dict[tuple[str, str], _Cell]:
    """Bilateral goods flows taken from published figures (USD billions)."""
    cells: dict[tuple[str, str], _Cell] = {}
    for exporter, importer in [("USA", "CHN"), ("CHN", "USA"), ("USA", "CAN"), ("CAN", "USA"), ("USA", "MEX"),
                               ("MEX", "USA"), ("USA", "KOR"), ("KOR", "USA"), ("USA", "JPN"), ("JPN", "USA")]:
        figure_id = f"flow_{exporter}_{importer}"
        cells[exporter, importer] = _Cell(figures.usd_bn(figure_id), "sourced", "published bilateral flow",
                                          (figure_id,))
    # Eurostat publishes totals and balances; exports = (total + balance) / 2 is exact arithmetic.
    for partner in ("USA", "CHN"):
        total, balance = f"total_EU_{partner}_eur", f"balance_EU_{partner}_eur"
        ids = (total, balance, "eur_usd_2017")
        eu_exports = (figures.usd_bn(total) + figures.usd_bn(balance)) / 2.0
        eu_imports = (figures.usd_bn(total) - figures.usd_bn(balance)) / 2.0
        cells["EU", partner] = _Cell(eu_exports, "derived", "EU statistics: (total + balance) / 2, times ECB rate",
                                     ids)
        cells[partner, "EU"] = _Cell(eu_imports, "derived", "EU statistics: (total - balance) / 2, times ECB rate",
                                     ids)
    share = figures.raw("share_KOR_exports_to_CHN") / 100.0
    cells["KOR", "CHN"] = _Cell(share * figures.usd_bn("exports_KOR"), "derived",
                                "published share of China in Korea's exports times Korea's exports",
                                ("share_KOR_exports_to_CHN", "exports_KOR"))
    return cells


def _balance(fixed: Mapping[tuple[str, str], _Cell], exports: FloatArray, imports: FloatArray,
             index: Mapping[str, int]) -> tuple[FloatArray, float]:
    """Bilateral goods flows ``X[i, j]`` in USD billions, shape (N, N), zero diagonal; and intra-ROW trade.

    Fixed cells keep their published values; the free cells are ``a_i * b_j``, scaled
    by RAS so that row sums equal ``exports`` and column sums equal ``imports``. The
    ROW totals are world residuals and so contain trade among ROW countries: the
    ROW -> ROW cell is free in the fit, then removed (it is ROW domestic trade).
    """
    n = len(index)
    row = index["ROW"]
    fixed_values = np.zeros((n, n))
    free = np.ones((n, n)) - np.eye(n)
    free[row, row] = 1.0
    for (exporter, importer), cell in fixed.items():
        i, j = index[exporter], index[importer]
        fixed_values[i, j] = cell.value
        free[i, j] = 0.0
    rows = exports - fixed_values.sum(axis=1)
    cols = imports - fixed_values.sum(axis=0)
    if (rows < 0).any() or (cols < 0).any():
        labels = [c for c, k in index.items() if rows[k] < 0 or cols[k] < 0]
        raise DataError(f"published bilateral flows exceed published totals for {labels}", file=str(SOURCES_FILE))
    a, b, diagnostics = biproportional(free, rows, cols)
    if not diagnostics.converged:
        raise ConvergenceError("balancing the demo world's bilateral goods flows did not converge", diagnostics)
    flows = fixed_values + a[:, None] * free * b[None, :]
    intra_row = float(flows[row, row])
    flows[row, row] = 0.0
    return flows, intra_row


def _sector_mix(figures: _Figures, sectors: pd.DataFrame) -> tuple[FloatArray, dict[str, tuple[str, ...]]]:
    """Common goods sector shares ``w_s``, shape (S_goods,), summing to one, and their figure ids."""
    values = []
    ids: dict[str, tuple[str, ...]] = {}
    for sector, trade_mix in zip(sectors["sector"], sectors["trade_mix_ids"], strict=True):
        if sector not in GOODS_SECTORS:
            continue
        members = tuple(x.strip() for x in trade_mix.split(";") if x.strip())
        if not members:
            raise DataError(f"goods sector {sector} has no trade_mix_ids", file=str(SECTORS_FILE),
                            column="trade_mix_ids")
        ids[sector] = members
        values.append(sum(figures.usd_bn(m) for m in members))
    mix = np.array(values)
    return mix / mix.sum(), ids


def _tariffs(figures: _Figures, sectors: pd.DataFrame) -> tuple[FloatArray, list[dict[str, object]]]:
    """Tariffs ``[i, j, s]`` as fractions, shape (N, N, S), and one report row per (importer, sector)."""
    n, s = len(DEMO_COUNTRIES), len(DEMO_SECTORS)
    tariffs = np.zeros((n, n, s))
    rows: list[dict[str, object]] = []
    nafta = figures.raw("tariff_NAFTA") / 100.0
    groups = dict(zip(sectors["sector"], sectors["tariff_group"], strict=True))
    for j, importer in enumerate(DEMO_COUNTRIES):
        for k, sector in enumerate(DEMO_SECTORS):
            group = groups[sector]
            if group == "non_traded":
                rows.append(_tariff_row(importer, sector, 0.0, "imputed", "services are not traded", ""))
                continue
            figure_id = f"tariff_{group}_{importer}"
            rate = figures.raw(figure_id) / 100.0
            tariffs[:, j, k] = rate
            status = "sourced" if figures.status(figure_id) == "sourced" else "imputed"
            rows.append(_tariff_row(importer, sector, rate, status, f"simple-average MFN applied, {group} products",
                                    figure_id))
    for i in range(n):
        tariffs[i, i, :] = 0.0
    for a in _NAFTA:
        for b in _NAFTA:
            if a != b:
                tariffs[DEMO_COUNTRIES.index(a), DEMO_COUNTRIES.index(b), :] = nafta
    return tariffs, rows


def _tariff_row(importer: str, sector: str, rate: float, status: str, rule: str, figure_id: str) -> dict[str, object]:
    nafta = importer in _NAFTA and bool(figure_id)
    return {"kind": "tariff", "country": importer, "exporter": "", "importer": importer, "sector": sector,
            "value": rate, "unit": "fraction", "status": status,
            "rule": rule + ("; 0 on imports from NAFTA partners (assumption)" if nafta else ""),
            "figure_ids": ";".join(x for x in (figure_id, "tariff_NAFTA" if nafta else "") if x)}


def _provenance() -> dict[str, str]:
    return {
        "world": "tariffsim bundled demo world 2017 (tariffsim.data.demo); see docs/demo_world.md",
        "gdp": "World Bank WDI GDP 2017 (vintage July 2018); EU-28 from Eurostat in EUR at the ECB 2017 rate; "
               "ROW = world minus the others",
        "flows": "goods totals from WTO WTSR 2018, USITC Trade Shifts 2017, Eurostat, INEGI, MOTIE; bilateral cells "
                 "from USITC, US Census, Eurostat, MOTIE where published, the rest by RAS; sector mix of every flow "
                 "= US exports by sector (USITC table US.1); domestic sales imputed (value-added world: output = GDP)",
        "tariffs": "simple-average MFN applied 2017, WTO World Tariff Profiles 2018 (USA, EU, CHN, JPN, KOR); "
                   "CAN, MEX, IND, ROW imputed; NAFTA trade duty-free; other preferences ignored",
        "elasticity": "theta = 5 in every sector (Head and Mayer 2014)",
        "sources_table": "tariffsim.data.demo.demo_figures(); build report: demo_build_report()",
    }


# ---------------------------------------------------------------------- report
def _report(world: World, gdp_notes: Mapping[str, tuple[str, str, tuple[str, ...]]],
            total_notes: Mapping[str, tuple[str, str, tuple[str, ...]]], fixed: Mapping[tuple[str, str], _Cell],
            bilateral: FloatArray, mix_ids: Mapping[str, tuple[str, ...]], va_rule: FloatArray,
            floor: FloatArray, tariff_rows: list[dict[str, object]],
            intra: Mapping[str, tuple[float, str, str, tuple[str, ...]]]) -> pd.DataFrame:
    rows: list[dict[str, object]] = []

    def add(kind: str, value: float, status: str, rule: str, ids: tuple[str, ...], *, country: str = "",
            exporter: str = "", importer: str = "", sector: str = "", unit: str = "USD millions") -> None:
        rows.append({"kind": kind, "country": country, "exporter": exporter, "importer": importer, "sector": sector,
                     "value": value, "unit": unit, "status": status, "rule": rule, "figure_ids": ";".join(ids)})

    for k, c in enumerate(world.countries):
        status, rule, ids = gdp_notes[c]
        add("gdp", float(world.output[k]), status, rule + " (= output, the sum of all sales)", ids, country=c)
    for k, c in enumerate(world.countries):
        for kind, values in (("exports", world.exports), ("imports", world.imports)):
            status, rule, ids = total_notes[f"{kind}_{c}"]
            if c == "ROW":
                status, rule = "imputed", rule + ", less the imputed trade among ROW countries"
            add(kind, float(values[k]), status, rule, ids, country=c)
    for c, (value, status, rule, ids) in intra.items():
        add("intra_region", value * _MILLIONS_PER_BILLION, status, rule, ids, country=c)

    gamma_ids = ("goods_output_share", "domestic_sales_floor")
    for i, exporter in enumerate(world.countries):
        for j, importer in enumerate(world.countries):
            if i == j:
                continue
            cell = fixed.get((exporter, importer))
            if cell is None:
                add("bilateral", float(bilateral[i, j] * _MILLIONS_PER_BILLION), "imputed",
                    "RAS fit a_i * b_j to the regions' export and import totals, given the published cells", (),
                    exporter=exporter, importer=importer, sector="ALL")
            else:
                add("bilateral", float(bilateral[i, j] * _MILLIONS_PER_BILLION), cell.status, cell.rule,
                    cell.figure_ids, exporter=exporter, importer=importer, sector="ALL")

    for i, exporter in enumerate(world.countries):
        for j, importer in enumerate(world.countries):
            total = fixed.get((exporter, importer))
            total_status = "imputed" if total is None else total.status
            for k, sector in enumerate(world.sectors):
                value = float(world.flows[i, j, k])
                cell_ids: tuple[str, ...]
                if sector == "SER" and i == j:
                    rule = "domestic services = GDP - goods exports - goods domestic sales"
                    cell_ids = gamma_ids
                elif sector == "SER":
                    rule, cell_ids = "services are not traded", ()
                elif i == j:
                    binding = "floor: goods imports" if floor[i] > va_rule[i] else "gamma * GDP - goods exports"
                    rule = f"domestic goods sales ({binding}) times the sector mix"
                    cell_ids = (*gamma_ids, *mix_ids[sector])
                else:
                    rule = f"bilateral total ({total_status}) times the common sector mix (US exports by sector)"
                    cell_ids = (*(total.figure_ids if total is not None else ()), *mix_ids[sector])
                add("flow", value, "imputed", rule, cell_ids, exporter=exporter, importer=importer, sector=sector)
    rows.extend(tariff_rows)
    return pd.DataFrame(rows, columns=["kind", "country", "exporter", "importer", "sector", "value", "unit", "status",
                                       "rule", "figure_ids"])
