"""The Worlds the app offers, by name only: the bundled ones and those the data catalog can build.

A browser never names a folder. It picks a name from :meth:`WorldShelf.names`: a bundled
World (``demo-2017``, ``world-2017``) or a catalog World, ``catalog:DATASET:YEAR``, built by
:func:`tariffsim.data.baseline.world_from_catalog` from an imported country × country × sector
dataset (ICIO, WIOD, KITE, IJLMS; ``tariffsim data import``). Worlds are loaded once and kept.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim.errors import DataError
from tariffsim.report.views import Chart, Section, Table
from tariffsim.world import World

__all__ = ["WorldShelf", "WorldEntry", "CATALOG_PREFIX", "world_sections"]

CATALOG_PREFIX = "catalog:"


@dataclass(frozen=True)
class WorldEntry:
    """A World the app offers: its name, where it comes from, and a line about it."""

    name: str
    origin: str
    about: str


class WorldShelf:
    """The app's Worlds by name (see the module docstring).

    Parameters
    ----------
    data_dir
        The catalog's data directory (``None``: the default).
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self._loaded: dict[tuple[str, str | float | None], World] = {}
        self._lock = threading.Lock()

    def entries(self) -> list[WorldEntry]:
        """Every World offered: the bundled ones, then the catalog's."""
        from tariffsim.data.worlds import bundled_world_names

        out = [WorldEntry(name, "bundled", _BUNDLED_ABOUT.get(name, "bundled with tariffsim"))
               for name in bundled_world_names()]
        return out + self._catalog_entries()

    def names(self) -> list[str]:
        return [e.name for e in self.entries()]

    def _catalog_entries(self) -> list[WorldEntry]:
        from tariffsim.data.catalog import Catalog
        from tariffsim.data.io_worlds import CUBE_SOURCES

        try:
            datasets = Catalog(self.data_dir).datasets()
        except (DataError, OSError):  # no catalog, or one that cannot be read: offer the bundled Worlds
            return []
        return [WorldEntry(f"{CATALOG_PREFIX}{info.name}:{year}", "catalog", f"{info.title}, {year}")
                for info in datasets if info.source in CUBE_SOURCES for year in info.years]

    def check(self, name: str) -> str:
        """``name`` if the app offers it; else a :class:`DataError` listing what it offers."""
        names = self.names()
        if name not in names:
            shown = name if len(name) <= 60 else name[:59] + "…"
            raise DataError(f"no world {shown!r} in this app: choose one of {', '.join(names)} (a world is chosen "
                            "by name, never by folder)")
        return name

    def load(self, name: str, elasticities: str | float | None = None) -> World:
        """The World called ``name`` (one the app offers), with other trade elasticities when asked: a set
        code (``"BSY"``; bundled Worlds) or one θ for every sector."""
        self.check(name)
        key = (name, elasticities)
        with self._lock:
            found = self._loaded.get(key)
        if found is not None:
            return found
        world = self._build(name, elasticities)
        with self._lock:
            self._loaded[key] = world
        return world

    def _build(self, name: str, elasticities: str | float | None) -> World:
        if not name.startswith(CATALOG_PREFIX):
            from tariffsim.data.worlds import load_world

            return load_world(name, elasticities=elasticities)
        from tariffsim.data.baseline import world_from_catalog

        dataset, year = name[len(CATALOG_PREFIX):].rsplit(":", 1)
        world = world_from_catalog(int(year), flows=dataset, data_dir=self.data_dir)
        if isinstance(elasticities, str):
            raise DataError(f"elasticity set {elasticities} applies to the bundled worlds; for {name} give one "
                            "number")
        return world if elasticities is None else world.replace(elasticity=elasticities)


_BUNDLED_ABOUT = {
    "demo-2017": "9 economies × 8 sectors, 2017 (an aggregation of world-2017; docs/demo_world.md)",
    "world-2017": "OECD ICIO 2017 with Teti's tariffs, every ICIO economy (docs/data.md)",
    "ijlms-2023": "194 economies × 1 sector, 2023: Ignatenko et al.'s (2025) baseline, built from the shared data "
                  "when present (docs/data.md)",
}


def world_sections(world: World) -> list[Section]:
    """What the worlds page shows of a World: countries, sectors and elasticities, flows and tariffs (read from
    the World; nothing is solved)."""
    summary = world.summary()
    countries = pd.DataFrame({
        "country": summary["country"], "output (USD bn)": summary["output"] / 1e3,
        "exports (USD bn)": summary["exports"] / 1e3, "imports (USD bn)": summary["imports"] / 1e3,
        "balance (USD bn)": summary["trade_balance"] / 1e3, "tariff revenue (USD bn)": summary["tariff_revenue"] / 1e3,
        "average tariff (%)": summary["avg_tariff_pct"], "domestic share (%)": summary["domestic_share_pct"]})
    flows = np.asarray(world.flows)
    tariffs = np.asarray(world.tariffs)
    by_sector = pd.DataFrame({
        "sector": list(world.sectors), "trade elasticity θ": np.asarray(world.elasticity),
        "world trade (USD bn)": [(flows[:, :, s].sum() - np.trace(flows[:, :, s])) / 1e3 for s in
                                 range(world.n_sectors)]})
    pair_flow = flows.sum(axis=2)
    weights = flows.sum(axis=2)
    pair_tariff = np.divide((tariffs * flows).sum(axis=2), weights, out=np.zeros_like(weights), where=weights > 0)
    labels = list(world.countries)
    exporter, importer = (a.ravel() for a in np.meshgrid(range(world.n_countries), range(world.n_countries),
                                                          indexing="ij"))
    off = exporter != importer
    cells = pd.DataFrame({"row": [labels[j] for j in importer[off]], "column": [labels[i] for i in exporter[off]],
                          "value": 100.0 * pair_tariff.ravel()[off]})
    heat = Chart("world-tariffs", "Average tariff by importer (row) on each exporter (column)", "heatmap", cells,
                 x_label="exporter", y_label="importer", value_label="tariff (%)",
                 caption="Trade-weighted over sectors with the World's baseline flows.")
    shown = 20
    order = list(summary.sort_values("output", ascending=False)["country"])[:shown]
    index = [labels.index(c) for c in order]
    matrix = pd.DataFrame(pair_flow[np.ix_(index, index)] / 1e3, columns=order)
    matrix.insert(0, "exporter \\ importer", order)
    note = "" if world.n_countries <= shown else f" The {shown} largest economies by output."
    sources = tuple(f"{k}: {v}" for k, v in world.sources.items())
    return [
        Section("countries", "Countries", paragraphs=(
            f"{world.name or 'World'}{f' ({world.year})' if world.year else ''}: {world.n_countries} countries × "
            f"{world.n_sectors} sectors. Flows at pre-tariff prices.",),
            tables=(Table("Countries (USD billions; tariffs and shares in percent)", countries,
                          digits=dict.fromkeys(countries.columns[1:], 1)),)),
        Section("sectors", "Sectors and trade elasticities", tables=(
            Table("Sectors: the trade elasticity θ of each and world trade (USD billions)", by_sector,
                  digits={"trade elasticity θ": 2, "world trade (USD bn)": 1}),)),
        Section("tariffs", "Tariffs", charts=(heat,)),
        Section("flows", "Bilateral flows", tables=(
            Table("Exports of each row country to each column country, all sectors, domestic sales on the diagonal "
                  "(USD billions)." + note, matrix, digits=dict.fromkeys(matrix.columns[1:], 1)),)),
        Section("sources", "Sources", bullets=sources or ("(none recorded)",)),
    ]
