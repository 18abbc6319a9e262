"""Worlds from the catalog's country × country × sector sources: ICIO and WIOD cubes, KITE, IJLMS (2025).

:func:`~tariffsim.data.baseline.world_from_catalog` hands datasets of the sources
:data:`CUBE_SOURCES` to :func:`cube_world`. Unlike the product-level sources, these come
with domestic sales (or, for IJLMS, GDP) and need no aggregation from HS lines; what each
source needs before it is a World:

* ``icio``: nothing — flows and tariffs as in the cube (USD millions, basic prices,
  intermediate and final use together, domestic sales on the diagonal). The cube's two
  known tariff distortions (the US tobacco quota rate in C10T12, tariffs on the services
  aggregate) are kept and named in the sources; the bundled ``world-2017`` corrects them
  (:mod:`tariffsim.data.world2017`).
* ``wiod``: the tariffs of sectors 5–12 follow the cube's wrong upstream labels and are
  realigned to the corrected sectors (``tables/wiod_sectors.csv``, column ``tariff_from``;
  where two upstream sectors form one corrected sector, their simple mean, as the cubes
  average sub-sector rates).
* ``kite``: flows = trade share × spending / (1 + the importer's tariff), with the
  tariffs oriented as the importer documents (:mod:`tariffsim.data.importers.kite`);
  value-added shares β and input-output shares γ as given. KITE's data are not an exact
  equilibrium (sectoral spending differs from intermediate plus final demand by
  0.5 % of the total, up to 15 % in a sizable cell, and the final shares implied by
  the flows are slightly negative in a few cells), so
  spending levels are re-solved at KITE's trade shares, final shares and value added
  (:func:`tariffsim.data.reconcile.consistent_flows`, as for Caliendo and Parro's data);
  the sources say how far flows and deficits moved. θ is KITE's (1 / its ``1/θ``).
* ``ijlms``: one sector of goods trade; output = GDP (a value-added world), so domestic
  sales = GDP − exports; for the two economies whose goods exports exceed their GDP
  (Gambia and the Marshall Islands: re-exports and ship registrations) domestic sales are
  the smallest domestic share of GDP among the others (Vietnam's, 5.1 % in 2023) times
  GDP. Baseline tariffs are zero (the 2025 US tariffs are a scenario, in the ``countries``
  table); θ = 4 by default, the authors' ε.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from tariffsim.data.catalog import DUCKDB_MEMORY, Catalog, DatasetInfo, _parquet
from tariffsim.data.io_sectors import ROW, icio_sectors, wiod_sectors
from tariffsim.data.reconcile import consistent_flows
from tariffsim.data.sector_elasticities import (
    DEFAULT_SET,
    elasticities_from_table,
    parse_elasticity_choice,
    set_citation,
)
from tariffsim.errors import DataError
from tariffsim.world import World

__all__ = ["CUBE_SOURCES", "IJLMS_THETA", "cube_world", "elasticity_sets", "group_world"]

CUBE_SOURCES = ("icio", "wiod", "kite", "ijlms")
"""Sources whose datasets are country × country × sector tables (with domestic sales or GDP)."""

IJLMS_THETA = 4.0
"""θ of the IJLMS World unless given: the trade elasticity ε = 4 of Ignatenko et al. (2025)."""

ElasticitySpec = str | float | Mapping[str, float] | None


def cube_world(catalog: Catalog, info: DatasetInfo, year: int, *, regions: Mapping[str, Sequence[str]] | None,
               rest: str | None, sectors: Mapping[str, Sequence[str]] | None, elasticity: ElasticitySpec,
               name: str | None) -> World:
    """A World from one dataset of :data:`CUBE_SOURCES` (see the module docstring for each source).

    Parameters
    ----------
    catalog, info
        The catalog and the dataset (its source must be in :data:`CUBE_SOURCES`).
    year
        The year to take (the dataset must hold it).
    regions, rest
        Countries grouped into regions (flows summed, tariffs trade-weighted, see
        :meth:`tariffsim.World.aggregate`); ``rest`` labels every country in no region.
    sectors
        ``group -> member sectors`` of the source (``None``: the source's sectors).
    elasticity
        A set code (``"CP"``, ...; ICIO and WIOD, from the catalog's ``sector-elasticities``
        dataset), a number (every sector), a mapping ``sector -> θ``, ``"KITE"`` (KITE's own)
        or ``None`` (the source's default: CP for ICIO and WIOD, KITE's for KITE, 4 for IJLMS).
    name
        The World's name (default: dataset and year).
    """
    if year not in info.years:
        raise DataError(f"dataset '{info.name}' has no {year} data (years: {', '.join(map(str, info.years))})")
    builders = {"icio": _icio, "wiod": _wiod, "kite": _kite, "ijlms": _ijlms}
    world = builders[info.source](catalog, info, year, elasticity)
    world = world.replace(name=name or f"{info.name} {year}")
    return group_world(world, regions, rest, sectors)


def group_world(world: World, regions: Mapping[str, Sequence[str]] | None, rest: str | None,
                sectors: Mapping[str, Sequence[str]] | None) -> World:
    """``world`` with countries grouped into ``regions`` (the others into ``rest`` when given) and sectors
    into ``sectors`` groups; unchanged when there is nothing to group."""
    groups: dict[str, list[str]] = {str(k): ([v] if isinstance(v, str) else list(v)) for k, v in
                                    (regions or {}).items()}
    if rest is not None:
        placed = {c for members in groups.values() for c in members}
        others = [c for c in world.countries if c not in placed]
        if others:
            groups.setdefault(rest, []).extend(others)
    sector_groups = {str(k): ([v] if isinstance(v, str) else list(v)) for k, v in (sectors or {}).items()}
    if not groups and not sector_groups:
        return world
    grouped = world.aggregate(regions=groups or None, sectors=sector_groups or None)
    notes = dict(grouped.sources)
    if groups:
        notes["regions"] = "; ".join(f"{k} = {', '.join(v)}" for k, v in groups.items() if v != [k])
    if sector_groups:
        notes["sector_groups"] = "; ".join(f"{k} = {', '.join(v)}" for k, v in sector_groups.items())
    return grouped.replace(sources=notes)


# ---------------------------------------------------------------------- reading
def _order(codes: set[str]) -> list[str]:
    """Economies in alphabetical order, the rest of the world last."""
    return sorted(c for c in codes if c != ROW) + ([ROW] if ROW in codes else [])


def _read(info: DatasetInfo, table: str, year: int, columns: str) -> pd.DataFrame:
    files = info.tables[table].files
    if not files:
        raise DataError(f"dataset '{info.name}' has no rows in table '{table}'")
    with contextlib.closing(duckdb.connect(":memory:")) as con:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        con.execute("SET threads = 1")  # the same rows in the same order on every run
        return con.execute(f"SELECT {columns} FROM {_parquet(files)} WHERE year = ? ORDER BY ALL", [year]).df()


def elasticity_sets(catalog: Catalog, dataset: str, year: int) -> tuple[pd.DataFrame, int]:
    """The catalog's elasticity sets for a cube (``icio`` or ``wiod``): ``code, sector, theta``, and the
    year of the sets used (``year`` if the file has it, else the latest before it, else the earliest).

    Raises
    ------
    DataError
        When no ``sector-elasticities`` dataset holds sets for the cube.
    """
    found = [d for d in catalog.find("sector-elasticities")]
    if not found:
        raise DataError(f"no elasticity sets in {catalog.root}: import them (tariffsim data import "
                        "sector-elasticities elasticities_by_sector.csv) or give a number")
    frame = pd.concat([_all(d, "sets") for d in found], ignore_index=True)
    frame = frame[frame["dataset"] == dataset]
    if frame.empty:
        raise DataError(f"the elasticity sets in the catalog have none for the {dataset} cube")
    years = sorted(int(y) for y in frame["year"].unique())
    before = [y for y in years if y <= year]
    chosen = before[-1] if before else years[0]
    return frame[frame["year"] == chosen][["code", "sector", "theta"]].reset_index(drop=True), chosen


def _all(info: DatasetInfo, table: str) -> pd.DataFrame:
    with contextlib.closing(duckdb.connect(":memory:")) as con:
        return con.execute(f"SELECT * FROM {_parquet(info.tables[table].files)} ORDER BY ALL").df()


def _cube_theta(catalog: Catalog, dataset: str, year: int, elasticity: ElasticitySpec,
                sectors: Sequence[str]) -> tuple[dict[str, float] | Mapping[str, float], str]:
    if isinstance(elasticity, Mapping):
        return elasticity, "theta given by the user, sector by sector"
    choice = parse_elasticity_choice(DEFAULT_SET if elasticity is None else elasticity)
    if isinstance(choice, float):
        return {s: choice for s in sectors}, set_citation(choice)
    table, used = elasticity_sets(catalog, dataset, year)
    return elasticities_from_table(choice, table, sectors), f"{set_citation(choice)} ({dataset} {used} sets)"


# ---------------------------------------------------------------------- sources
def _icio(catalog: Catalog, info: DatasetInfo, year: int, elasticity: ElasticitySpec) -> World:
    frame = _read(info, "flows", year, "exporter, importer, sector, value, tariff")
    sectors = list(icio_sectors()["sector"])
    theta, theta_note = _cube_theta(catalog, "icio", year, elasticity, sectors)
    countries = _order(set(frame["exporter"]) | set(frame["importer"]))
    return World.from_frames(frame, elasticity=theta, countries=countries, sectors=sectors, year=year,
                             sources={
        "flows": f"OECD ICIO (2023 edition) {year}, the cube of Lashkaripour's tariffwar (dataset {info.name}): "
                 "intermediate and final use together, domestic sales on the diagonal; USD millions, basic prices",
        "tariffs": "Teti (2024) Global Tariff Database via tariffwar: applied MFN/preferential rates, simple averages "
                   "of ISIC 2-digit rates copied to sub-sectors; no Section 232/301 duties; kept as in the cube, "
                   "including the US rate of 91.5 % on C10T12 (tobacco quota) and tariffs on the services aggregate "
                   "(world-2017 corrects both)",
        "elasticity": theta_note})


def _wiod(catalog: Catalog, info: DatasetInfo, year: int, elasticity: ElasticitySpec) -> World:
    frame = _read(info, "flows", year, "exporter, importer, sector, value, tariff")
    table = wiod_sectors()
    sectors = list(table["sector"])
    theta, theta_note = _cube_theta(catalog, "wiod", year, elasticity, sectors)
    countries = _order(set(frame["exporter"]) | set(frame["importer"]))
    world = World.from_frames(frame, elasticity=theta, countries=countries, sectors=sectors, year=year)
    realigned = np.stack([world.tariffs[:, :, [k - 1 for k in sources]].mean(axis=2)
                          for sources in table["tariff_from"]], axis=2)
    moved = [s for s, src in zip(sectors, table["tariff_from"], strict=True) if src != (sectors.index(s) + 1,)]
    return world.replace(tariffs=realigned, sources={
        "flows": f"WIOD (2016 release) {year}, the cube of Lashkaripour's tariffwar (dataset {info.name}), sectors "
                 "by the corrected labels; USD millions, domestic sales on the diagonal",
        "tariffs": "applied rates (Teti 2024) via tariffwar; the cube's tariffs follow its wrong upstream labels and "
                   f"are realigned to the corrected sectors ({', '.join(moved)}; two upstream sectors in one "
                   "corrected sector: their simple mean); no Section 232/301 duties",
        "elasticity": theta_note})


def _kite(catalog: Catalog, info: DatasetInfo, year: int, elasticity: ElasticitySpec) -> World:
    frame = _read(info, "flows", year, "exporter, importer, sector, value, tariff")
    countries = _order(set(frame["exporter"]) | set(frame["importer"]))
    sectors = sorted(set(frame["sector"]))
    base = World.from_frames(frame, elasticity=1.0, countries=countries, sectors=sectors, year=year)
    cpos = {c: k for k, c in enumerate(countries)}
    spos = {s: k for k, s in enumerate(sectors)}
    n, s = len(countries), len(sectors)
    beta = np.ones((n, s))
    va = _read(info, "value_added_share", year, "country, sector, share")
    beta[va["country"].map(cpos), va["sector"].map(spos)] = va["share"]
    gamma = np.zeros((n, s, s))
    io = _read(info, "io", year, "country, input, sector, share")
    gamma[io["country"].map(cpos), io["input"].map(spos), io["sector"].map(spos)] = io["share"]
    if not info.tables["final_share"].rows:
        raise DataError(f"dataset '{info.name}' has no final-demand shares (consumption_share): import it with "
                        "the other KITE files")
    alpha = np.zeros((n, s))
    fs = _read(info, "final_share", year, "country, sector, share")
    alpha[fs["country"].map(cpos), fs["sector"].map(spos)] = fs["share"]
    alpha = alpha / alpha.sum(axis=1, keepdims=True)
    flows, deficit = consistent_flows(np.array(base.flows), np.array(base.tariffs), beta, gamma, alpha)
    moved = np.abs(flows - base.flows).sum() / base.flows.sum()
    deficit_note = "trade deficits = imports - exports at pre-tariff prices of the re-solved flows"
    if info.tables["countries"].rows:
        balance = _read(info, "countries", year, "country, trade_balance").set_index("country")["trade_balance"]
        kite_deficit = -balance.reindex(countries).to_numpy(dtype=np.float64)
        if np.isfinite(kite_deficit).all():
            gap = np.abs(deficit - kite_deficit)
            worst = int(np.argmax(gap))
            deficit_note += (f"; they differ from KITE's trade_balance file by up to {gap[worst] / 1e3:,.1f} USD bn "
                             f"({countries[worst]}), as KITE computes them with the tariffs the other way round")
    if isinstance(elasticity, Mapping):
        theta: Mapping[str, float] | float = elasticity
        theta_note = "theta given by the user, sector by sector"
    elif elasticity is None or (isinstance(elasticity, str) and elasticity.strip().upper() == "KITE"):
        table = _read(info, "elasticity", year, "sector, theta")
        theta = dict(zip(table["sector"], table["theta"], strict=True))
        theta_note = "KITE's trade elasticities (theta = 1 / the file's 1/theta; Caliendo-Parro estimates by sector)"
    else:
        choice = parse_elasticity_choice(elasticity)
        if not isinstance(choice, float):
            raise DataError(f"elasticity set {choice} is mapped to the ICIO and WIOD sectors, not KITE's 50; "
                            "use elasticity='KITE' (its own) or a number")
        theta, theta_note = choice, set_citation(choice)
    values = np.array([float(theta[x]) for x in sectors] if isinstance(theta, Mapping) else [float(theta)] * s)
    return World(countries=tuple(countries), sectors=tuple(sectors), flows=flows, tariffs=base.tariffs,
                 elasticity=values, year=year,
                 value_added_share=beta, io_shares=gamma, sources={
        "flows": f"KITE initial conditions (WIOD 2016 release, {year}; dataset {info.name}): trade shares x spending "
                 "/ (1 + tariff); spending levels re-solved so that KITE's trade, value-added, input-output and "
                 f"final shares hold exactly (flows moved by {100 * moved:.1f} % of their total)",
        "tariffs": "KITE's tariffs, read as imposed by the 'origin' of its files on the 'destination' (checked "
                   "against Korea's farm and China's car tariffs and the ICIO 2014 cube); tariffs within ROW dropped",
        "input_output": "KITE's value-added shares (factor_share) and input-output shares (intermediate_share)",
        "deficits": deficit_note,
        "elasticity": theta_note})


def _ijlms(catalog: Catalog, info: DatasetInfo, year: int, elasticity: ElasticitySpec) -> World:
    trade = _read(info, "flows", year, "exporter, importer, value")
    table = _read(info, "countries", year, "country, gdp")
    countries = list(table.sort_values("country")["country"])
    gdp = dict(zip(table["country"], table["gdp"], strict=True))
    exports = trade.groupby("exporter")["value"].sum()
    shares = {c: 1.0 - exports.get(c, 0.0) / gdp[c] for c in countries}
    floor_country = min((c for c in countries if shares[c] > 0), key=lambda c: shares[c])
    floor = shares[floor_country]
    short = sorted(c for c in countries if shares[c] <= 0)
    domestic = pd.DataFrame({"exporter": countries, "importer": countries,
                             "value": [gdp[c] * (shares[c] if shares[c] > 0 else floor) for c in countries]})
    frame = pd.concat([trade, domestic], ignore_index=True)
    if isinstance(elasticity, Mapping):
        theta: Mapping[str, float] | float = elasticity
    else:
        choice = parse_elasticity_choice(IJLMS_THETA if elasticity is None else elasticity)
        if not isinstance(choice, float):
            raise DataError(f"elasticity set {choice} is for the ICIO and WIOD sectors; the IJLMS World has one "
                            "sector: give a number")
        theta = choice
    return World.from_frames(frame, elasticity=theta, countries=countries, year=year, sources={
        "flows": f"Ignatenko, Lashkaripour, Macedoni and Simonovska (2025) inputs (dataset {info.name}): BACI {year} "
                 "goods trade; domestic sales = GDP (WDI) - exports, so output = GDP"
                 + (f"; exports exceed GDP for {', '.join(short)}: their domestic sales are assumed to be "
                    f"{100 * floor:.1f} % of GDP, the smallest share among the others ({floor_country})"
                    if short else ""),
        "tariffs": "zero in the baseline; the US tariffs announced on 2 April 2025 are in the dataset's countries "
                   "table (us_tariff_2025)",
        "elasticity": (f"theta = {theta:g} (the authors' epsilon is 4)" if not isinstance(theta, Mapping)
                       else "theta given by the user")})

