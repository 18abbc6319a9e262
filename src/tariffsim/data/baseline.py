"""Baseline Worlds built from the catalog's product-level data (BACI, Comtrade, ITPD-E, tariff tables).

:func:`world_from_catalog` aggregates in DuckDB, from the Parquet files of the
catalog (:mod:`tariffsim.data.catalog`), to a country × country × sector table and
hands it to :meth:`tariffsim.World.from_frames`. It lives in the data layer, not on
``World``: the core type knows nothing of files or catalogs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from tariffsim.data.catalog import DUCKDB_MEMORY, Catalog, DatasetInfo, _parquet, _sql_str
from tariffsim.data.concordance import itpde_industries, sector_grouping
from tariffsim.data.io_worlds import CUBE_SOURCES, cube_world
from tariffsim.data.tariffs import TariffTables, parse_on, tariff_tables
from tariffsim.errors import DataError
from tariffsim.world import World

__all__ = ["DEFAULT_HOME_SHARE", "DEFAULT_ELASTICITY", "FLOW_SOURCES", "world_from_catalog"]

DEFAULT_HOME_SHARE = 0.6
"""Domestic share of absorption assumed per country and sector when ITPD-E is not imported.

The median share of domestic sales in manufacturing absorption across the 69
countries of Yotov, Piermartini, Monteiro and Larch (2016, *An Advanced Guide to
Trade Policy Analysis*, WTO/UNCTAD) in 2006 is 0.61 (interquartile range
0.50-0.72); 0.6 rounds it. A stated assumption, not an estimate for any one
country: import ITPD-E for real domestic sales.
"""

DEFAULT_ELASTICITY = 5.0
"""Trade elasticity θ of every sector unless given: Head and Mayer (2014), Handbook of
International Economics vol. 4 ch. 3, median structural estimate (as in the demo World)."""

FLOW_SOURCES = ("baci", "comtrade", "itpde")


def world_from_catalog(
    year: int,
    *,
    regions: Mapping[str, Sequence[str]] | None = None,
    rest: str | None = None,
    sectors: str | Mapping[str, str | Sequence[str]] | None = None,
    domestic: str | float = "auto",
    flows: str = "baci",
    tariffs: str | None = "auto",
    tariff_date: str | date | None = None,
    mfn_exempt: Mapping[str, Sequence[str]] | None = None,
    tariff_datasets: Sequence[str] | None = None,
    elasticity: str | float | Mapping[str, float] | None = None,
    data_dir: str | Path | None = None,
    name: str | None = None,
) -> World:
    """A baseline :class:`~tariffsim.World` built from the catalog.

    Two kinds of source. Product-level flows (``baci``, ``comtrade``, ``itpde``) are
    aggregated in DuckDB from the Parquet files to sectors, with tariffs from the tariff
    schedules; only the final country × country × sector table reaches pandas.
    Country × country × sector sources (``icio``, ``wiod``, ``kite``, ``ijlms``: see
    :mod:`tariffsim.data.io_worlds`) come with their own tariffs and domestic sales
    (KITE with input-output links); ``domestic``, ``tariffs``, ``tariff_date``,
    ``mfn_exempt`` and ``tariff_datasets`` do not apply to them.

    Parameters
    ----------
    year
        Baseline year (flows, and ITPD-E domestic sales, of that year).
    regions
        ``region -> member ISO3 codes`` to group countries (trade among members
        becomes the region's domestic sales; tariffs are trade-weighted).
        Countries not listed keep their own code, or go to ``rest``.
    rest
        Label for every country not in ``regions`` (e.g. ``"ROW"``); ``None`` keeps them.
    sectors
        Product-level flows: ``"broad"`` (7 goods sectors of the demo World; the default),
        ``"hs20"`` (20 HS-section sectors) or ``sector -> HS2 chapters`` (see
        :func:`~tariffsim.data.concordance.sector_grouping`). Country × country × sector
        sources: ``None`` (the source's sectors) or ``group -> member sectors``.
    domestic
        Domestic sales (the World's diagonal): ``"itpde"`` (ITPD-E's domestic trade of
        ``year``; countries ITPD-E lacks get the share rule), a share ``h`` in (0, 1)
        (domestic sales of each country and sector = h / (1 − h) × its imports, i.e.
        a share h of absorption), or ``"auto"`` (ITPD-E when imported for ``year``,
        else :data:`DEFAULT_HOME_SHARE`).
    flows
        Source of bilateral flows: ``"baci"``, ``"comtrade"`` (importer-reported
        imports, HS6, totals over customs procedures and transport modes),
        ``"itpde"``, ``"icio"``, ``"wiod"``, ``"kite"``, ``"ijlms"``, or a dataset name.
    tariffs
        ``"auto"`` (every tariff schedule in the catalog, see
        :mod:`tariffsim.data.tariffs`) or ``None`` (no tariffs).
    tariff_date
        Date the tariffs are in force (default 1 January of ``year``).
    mfn_exempt
        ``importer -> exporters`` that do not pay the importer's MFN rate
        (preferential partners; these sources hold no preferential rates).
    tariff_datasets
        Names of the tariff datasets to use (default: all in the catalog; needed
        when several schedules could apply).
    elasticity
        θ for every sector, ``sector -> θ``, or an elasticity set code (``"CP"``, ``"BSY"``,
        ... for the ICIO and WIOD sectors, from the ``sector-elasticities`` dataset;
        ``"KITE"`` for KITE's own). ``None``: :data:`DEFAULT_ELASTICITY` for product-level
        flows, CP for ICIO and WIOD, KITE's for KITE, 4 for IJLMS.
    data_dir
        Catalog directory (default: :func:`default_data_dir`).
    name
        The World's name (default from the datasets used).

    Returns
    -------
    World
        Flows in USD millions; tariffs as fractions, trade-weighted over HS6
        products within each sector and over member countries within regions.
        ``World.sources`` records the datasets, rules and anything left out.

    Raises
    ------
    DataError
        Missing datasets, unknown region members, or countries left without
        domestic sales or expenditure (group them into a region or use ``rest``).
    """
    catalog = Catalog(data_dir)
    with catalog.reading():  # no version read here is deleted by a concurrent re-import meanwhile
        cube = _cube_dataset(catalog, flows, year)
        if cube is not None:
            if isinstance(sectors, str):
                raise DataError(f"sector groupings by HS chapter ('{sectors}') apply to product-level flows; "
                                f"{cube.source} has its own sectors: give None or group -> member sectors")
            return cube_world(catalog, cube, year, regions=regions, rest=rest, sectors=sectors,
                              elasticity=elasticity, name=name)
        if elasticity is None:
            elasticity = DEFAULT_ELASTICITY
        if isinstance(elasticity, str):
            from tariffsim.data.sector_elasticities import parse_elasticity_choice

            choice = parse_elasticity_choice(elasticity)
            if not isinstance(choice, float):
                raise DataError(f"elasticity set {choice} is mapped to the ICIO and WIOD sectors; for "
                                f"{flows} flows give a number or sector -> theta")
            elasticity = choice
        return _world_from(catalog, year, regions=regions, rest=rest, sectors=sectors, domestic=domestic,
                           flows=flows, tariffs=tariffs, tariff_date=tariff_date, mfn_exempt=mfn_exempt,
                           tariff_datasets=tariff_datasets, elasticity=elasticity, name=name)


def _world_from(catalog: Catalog, year: int, *, regions: Mapping[str, Sequence[str]] | None, rest: str | None,
                sectors: str | Mapping[str, str | Sequence[str]] | None, domestic: str | float, flows: str,
                tariffs: str | None, tariff_date: str | date | None, mfn_exempt: Mapping[str, Sequence[str]] | None,
                tariff_datasets: Sequence[str] | None, elasticity: float | Mapping[str, float],
                name: str | None) -> World:
    grouping = sector_grouping("broad" if sectors is None else sectors)
    flow_ds = _flow_dataset(catalog, flows, year)
    on = parse_on(tariff_date, year)
    share = _home_share(domestic)
    itpde = _itpde_for(catalog, year, domestic)
    sources: dict[str, str] = {}
    with contextlib.closing(duckdb.connect(":memory:")) as con:
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        catalog.tmp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{_sql_str(str(catalog.tmp_dir / 'duckdb'))}'")
        con.register("hs2map_frame", grouping.frame())
        con.execute("CREATE TABLE hs2map AS SELECT * FROM hs2map_frame")
        industries = itpde_industries()
        con.register("itpde_map_frame", industries[industries["hs2"] != ""][["industry_id", "hs2"]])
        con.execute("CREATE TABLE itpde_map AS SELECT * FROM itpde_map_frame")
        con.execute(f"CREATE VIEW pf AS {_product_flows_sql(flow_ds, year)}")
        codes = [r[0] for r in con.execute("SELECT DISTINCT exporter FROM pf UNION SELECT DISTINCT importer FROM pf")
                 .fetchall()]
        members, notes = _members(codes, regions, rest)
        con.register("members_frame", members)
        con.execute("CREATE TABLE members AS SELECT * FROM members_frame")
        exempt = [(imp, exp) for imp, exps in (mfn_exempt or {}).items() for exp in exps]
        con.execute("CREATE TABLE exempt (importer VARCHAR, exporter VARCHAR)")
        if exempt:
            con.executemany("INSERT INTO exempt VALUES (?, ?)", exempt)
        if tariffs is None or flow_ds.source == "itpde":
            con.execute("CREATE TABLE mfn (importer VARCHAR, hs6 VARCHAR, rate DOUBLE)")
            con.execute("CREATE TABLE bilateral (importer VARCHAR, exporter VARCHAR, hs6 VARCHAR, rate DOUBLE)")
            used = TariffTables()
            sources["tariffs"] = ("none" if tariffs is None else
                                  "none: ITPD-E flows have no HS6 products to match tariff lines to")
        elif tariffs == "auto":
            used = tariff_tables(catalog, con, on, tariff_datasets)
        else:
            raise DataError(f"tariffs must be 'auto' or None, got {tariffs!r}")
        cells = con.execute(_AGGREGATE_SQL).df()
        dropped = con.execute("""
            SELECT coalesce(sum(value), 0) FROM pf p
            WHERE p.exporter NOT IN (SELECT code FROM members) OR p.importer NOT IN (SELECT code FROM members)
               OR p.hs2 NOT IN (SELECT hs2 FROM hs2map)""").fetchone()
        imports = con.execute("""
            SELECT p.importer AS code, h.sector, sum(p.value) AS value FROM pf p
            JOIN members e ON p.exporter = e.code JOIN members i ON p.importer = i.code
            JOIN hs2map h ON p.hs2 = h.hs2 WHERE p.exporter <> p.importer GROUP BY ALL""").df()
        home = pd.DataFrame(columns=["code", "sector", "value"])
        if itpde is not None:
            home = con.execute(f"""
                SELECT t.exporter AS code, h.sector, sum(t.value) AS value
                FROM {_parquet(itpde.tables['flows'].files)} t
                JOIN itpde_map x ON t.industry_id = x.industry_id JOIN hs2map h ON x.hs2 = h.hs2
                WHERE t.year = $year AND t.exporter = t.importer
                  AND t.exporter IN (SELECT code FROM members) GROUP BY ALL""", {"year": year}).df()
        coverage = _tariff_coverage(con, used.importers)
    domestic_rows, domestic_note = _domestic(members, imports, home, share, itpde)
    frame = _world_frame(cells, domestic_rows)
    order = list(dict.fromkeys([*(regions or {}), *sorted(set(members["region"]))]))
    _check_complete(frame, order)
    chapters = "; ".join(f"{s} {c}" for s, c in grouping.chapter_ranges().items())
    sources["flows"] = (f"{flow_ds.title}: dataset {flow_ds.name}, {year}; aggregated from "
                        f"{'HS6 products' if flow_ds.source != 'itpde' else 'ITPD-E industries'} to sectors "
                        f"'{grouping.name}' (chapters: {chapters}); USD millions")
    sources["domestic"] = domestic_note
    if used.notes:
        sources["tariffs"] = "; ".join(used.notes + coverage) + (
            f". Importers without a schedule ({', '.join(sorted(set(order) - set(used.importers)))[:200]}) "
            "have zero tariffs" if used.importers else "")
    elif "tariffs" not in sources:
        sources["tariffs"] = "no tariff schedule in the catalog: zero tariffs"
    left_out = float(dropped[0]) if dropped else 0.0
    if left_out > 0 or notes:
        sources["left_out"] = "; ".join([*notes, *( [f"{left_out:,.1f} USD m of flows with non-country partner "
                                                      "areas or chapters outside the sector grouping"]
                                                    if left_out > 0 else [])])
    if used.importers:
        sources["tariff_date"] = on.isoformat()
    return World.from_frames(frame, elasticity=elasticity, countries=order, sectors=list(grouping.sectors),
                             year=year, name=name or f"{flow_ds.name} {grouping.name}", sources=sources)


_AGGREGATE_SQL = """
SELECT e.region AS exporter, i.region AS importer, h.sector,
       sum(p.value) AS value,
       sum(p.value * (CASE WHEN x.importer IS NULL THEN coalesce(m.rate, 0) ELSE 0 END + coalesce(b.rate, 0))) AS taxed
FROM pf p
JOIN members e ON p.exporter = e.code
JOIN members i ON p.importer = i.code
JOIN hs2map h ON p.hs2 = h.hs2
LEFT JOIN mfn m ON m.importer = p.importer AND m.hs6 = p.hs6
LEFT JOIN bilateral b ON b.importer = p.importer AND b.exporter = p.exporter AND b.hs6 = p.hs6
LEFT JOIN exempt x ON x.importer = p.importer AND x.exporter = p.exporter
WHERE p.exporter <> p.importer
GROUP BY ALL
"""


def _cube_dataset(catalog: Catalog, flows: str, year: int) -> DatasetInfo | None:
    """The dataset of a country × country × sector source named by ``flows``, or ``None`` for product flows."""
    if flows in FLOW_SOURCES:
        return None
    if flows in CUBE_SOURCES:
        return _only_dataset(catalog, flows, year, f"tariffsim data import {flows} FILES")
    info = catalog.get(flows)
    return info if info.source in CUBE_SOURCES else None


def _flow_dataset(catalog: Catalog, flows: str, year: int) -> DatasetInfo:
    if flows not in FLOW_SOURCES:
        info = catalog.get(flows)
        if info.source not in FLOW_SOURCES:
            raise DataError(f"dataset '{flows}' is {info.source} data, not bilateral flows "
                            f"({', '.join((*FLOW_SOURCES, *CUBE_SOURCES))})")
        if year not in info.years:
            raise DataError(f"dataset '{flows}' has no {year} data (years: {', '.join(map(str, info.years))})")
        return info
    return _only_dataset(catalog, flows, year, f"tariffsim data import {flows} FILES --year {year}")


def _only_dataset(catalog: Catalog, source: str, year: int, command: str) -> DatasetInfo:
    """The one dataset of ``source`` holding ``year`` (an error naming ``command`` when there is none)."""
    found = catalog.find(source, year)
    if not found:
        raise DataError(f"no {source} data for {year} in {catalog.root}: import it first ({command})")
    if len(found) > 1:
        raise DataError(f"several {source} datasets hold {year} ({', '.join(d.name for d in found)}): "
                        "pass flows=NAME to choose one")
    return found[0]


def _product_flows_sql(info: DatasetInfo, year: int) -> str:
    files = _parquet(info.tables[info.main_table].files)
    if info.source == "baci":
        return f"SELECT exporter, importer, left(hs6, 2) AS hs2, hs6, value FROM {files} WHERE year = {int(year)}"
    if info.source == "comtrade":
        return (f"SELECT partner AS exporter, reporter AS importer, left(hs, 2) AS hs2, hs AS hs6, value "
                f"FROM {files} WHERE year = {int(year)} AND flow = 'M' AND hs_level = 6 "
                "AND coalesce(partner2, 'WLD') = 'WLD' AND coalesce(customs, 'C00') = 'C00' AND coalesce(mot, 0) = 0 "
                f"AND freq = (SELECT min(freq) FROM {files} WHERE year = {int(year)})")
    return (f"SELECT t.exporter, t.importer, x.hs2, NULL::VARCHAR AS hs6, t.value FROM {files} t "
            f"JOIN itpde_map x ON t.industry_id = x.industry_id "
            f"WHERE t.year = {int(year)} AND t.exporter <> t.importer")


def _members(codes: Sequence[str], regions: Mapping[str, Sequence[str]] | None,
             rest: str | None) -> tuple[pd.DataFrame, list[str]]:
    from tariffsim.data.codes import ECONOMY_KINDS, country_kind, normalize_iso3

    present = set(codes)
    economies = sorted(c for c in present if country_kind(c) in ECONOMY_KINDS or country_kind(c) is None)
    areas = sorted(present - set(economies))
    notes = [f"partner areas that are not economies dropped: {', '.join(areas)}"] if areas else []
    owner: dict[str, str] = {}
    absent: list[str] = []
    for region, members in (regions or {}).items():
        if isinstance(members, str):
            members = [members]
        found = 0
        for raw in members:
            code = normalize_iso3(raw)
            if code is None:
                raise DataError(f"unknown country code '{raw}' in region '{region}' (use ISO3 codes)")
            if code in owner:
                raise DataError(f"'{code}' is in two regions ('{owner[code]}' and '{region}')")
            owner[code] = region
            if code in present:
                found += 1
            else:
                absent.append(code)
        if not found:
            raise DataError(f"region '{region}' has no member with trade in the data")
    if absent:
        notes.append(f"region members without trade in the data: {', '.join(sorted(absent))}")
    labels = {c: owner.get(c, rest if rest is not None else c) for c in economies}
    ungrouped = {c for c, label in labels.items() if label == c and c not in owner}
    clash = [r for r in (regions or {}) if r in ungrouped]
    if clash:
        raise DataError(f"region label {', '.join(clash)} is also the code of a country outside every region; "
                        "choose another label or put that country in the region")
    return pd.DataFrame({"code": list(labels), "region": list(labels.values())}), notes


def _home_share(domestic: str | float) -> float:
    if isinstance(domestic, str):
        if domestic not in ("auto", "itpde"):
            raise DataError(f"domestic must be 'auto', 'itpde' or a share in (0, 1), got '{domestic}'")
        return DEFAULT_HOME_SHARE
    share = float(domestic)
    if not 0.0 < share < 1.0:
        raise DataError(f"the domestic share of absorption must be in (0, 1), got {share}")
    return share


def _itpde_for(catalog: Catalog, year: int, domestic: str | float) -> DatasetInfo | None:
    if not isinstance(domestic, str):
        return None
    found = catalog.find("itpde", year)
    if domestic == "itpde" and not found:
        raise DataError(f"no ITPD-E data for {year} in {catalog.root}: import it "
                        f"(tariffsim data import itpde FILE --year {year}) or give a domestic share")
    return found[-1] if found else None


def _domestic(members: pd.DataFrame, imports: pd.DataFrame, home: pd.DataFrame, share: float,
              itpde: DatasetInfo | None) -> tuple[pd.DataFrame, str]:
    region = dict(zip(members["code"], members["region"], strict=True))
    rule = share / (1.0 - share)
    covered = set(home.groupby("code")["value"].sum().loc[lambda s: s > 0].index) if len(home) else set()
    rows = [home[home["code"].isin(covered)],
            imports[~imports["code"].isin(covered)].assign(value=lambda f: f["value"] * rule)]
    parts = [r for r in rows if len(r)]
    stacked = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["code", "sector", "value"])
    dom = stacked.assign(region=stacked["code"].map(region)).groupby(["region", "sector"], as_index=False)[
        ["value"]].sum()
    rule_text = (f"share rule: domestic sales of each country and sector = {share:g} / (1 - {share:g}) x its imports "
                 f"(a {share:g} share of absorption)")
    if itpde is None:
        note = rule_text
    else:
        missing = sorted(set(region) - covered)
        note = (f"ITPD-E domestic trade ({itpde.name}), industries mapped to HS chapters by tariffsim's table; "
                + (f"{rule_text} for {len(missing)} countries without ITPD-E domestic data "
                   f"({', '.join(missing[:30])}{' ...' if len(missing) > 30 else ''})" if missing else
                   "every country covered"))
    return dom, note


def _world_frame(cells: pd.DataFrame, domestic: pd.DataFrame) -> pd.DataFrame:
    dom = domestic.rename(columns={"region": "exporter"}).assign(importer=lambda f: f["exporter"], taxed=0.0)
    frame = pd.concat([cells, dom[["exporter", "importer", "sector", "value", "taxed"]]], ignore_index=True)
    frame = frame.groupby(["exporter", "importer", "sector"], as_index=False)[["value", "taxed"]].sum()
    inner = frame["exporter"] == frame["importer"]
    frame["tariff"] = 0.0
    positive = (~inner) & (frame["value"] > 0)
    frame.loc[positive, "tariff"] = frame.loc[positive, "taxed"] / frame.loc[positive, "value"]
    return frame.drop(columns="taxed")


def _check_complete(frame: pd.DataFrame, order: Sequence[str]) -> None:
    home = frame[frame["exporter"] == frame["importer"]].groupby("exporter")["value"].sum()
    bought = frame.groupby("importer")["value"].sum()
    no_home = [c for c in order if home.get(c, 0.0) <= 0]
    no_spend = [c for c in order if bought.get(c, 0.0) <= 0]
    bad = sorted(set(no_home) | set(no_spend))
    if bad:
        raise DataError(f"{len(bad)} countries have no domestic sales or no expenditure in the data "
                        f"({', '.join(bad[:20])}{' ...' if len(bad) > 20 else ''}): group them into a region "
                        "(regions=..., or rest='ROW') or import ITPD-E for their domestic sales")


def _tariff_coverage(con: duckdb.DuckDBPyConnection, importers: Sequence[str]) -> list[str]:
    out = []
    for importer in importers:
        row = con.execute("""
            SELECT sum(CASE WHEN m.hs6 IS NOT NULL THEN p.value ELSE 0 END) / nullif(sum(p.value), 0)
            FROM pf p JOIN members e ON p.exporter = e.code
            LEFT JOIN mfn m ON m.importer = p.importer AND m.hs6 = p.hs6
            WHERE p.importer = ? AND p.exporter <> p.importer""", [importer]).fetchone()
        if row and row[0] is not None:
            out.append(f"{importer}: {100 * float(row[0]):.1f}% of import value matched an MFN line")
    return out
