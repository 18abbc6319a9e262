"""The bundled demo world for 2017: the bundled ``world-2017`` aggregated to nine regions and eight sectors.

``demo-2017`` is :func:`tariffsim.data.world2017.load_world_2017` grouped by two small
bundled tables: ``demo/regions.csv`` (USA, CHN, the EU of 28, JPN, KOR, CAN, MEX, IND and
the rest of the world, ``*``) and ``demo/sectors.csv`` (seven goods sectors and services,
each a group of ICIO sectors, with the HS-2 chapters the label stands for). The grouping
is :meth:`tariffsim.World.aggregate`: flows are summed exactly (trade among EU members is
EU domestic sales), tariffs are trade-weighted over the member cells, and each sector
group's θ is the average of its members' weighted by international trade. Nothing is
imputed: every number is a sum or a trade-weighted average of world-2017's, whose sources
and corrections are in ``data/bundled/README.md``.

It is a *gross-output* world without input-output links, like world-2017: flows are
ICIO's intermediate and final sales together, so a region's output is its gross output,
not its GDP. See ``docs/demo_world.md``.
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

from tariffsim.data.sector_elasticities import DEFAULT_SET, ElasticityChoice, parse_elasticity_choice
from tariffsim.data.world2017 import load_world_2017
from tariffsim.errors import DataError
from tariffsim.world import World

__all__ = [
    "DEMO_WORLD_NAME",
    "DEMO_YEAR",
    "DEMO_COUNTRIES",
    "DEMO_SECTORS",
    "GOODS_SECTORS",
    "REST",
    "SECTORS_FILE",
    "REGIONS_FILE",
    "load_demo_world",
    "demo_sectors",
    "demo_regions",
    "demo_groups",
]

DEMO_WORLD_NAME = "demo-2017"
DEMO_YEAR = 2017
DEMO_COUNTRIES: tuple[str, ...] = ("USA", "CHN", "EU", "JPN", "KOR", "CAN", "MEX", "IND", "ROW")
"""Region labels. EU = the 28 member states of 2017 (intra-EU trade is EU domestic sales);
ROW = every other economy of world-2017, its ROW included."""
GOODS_SECTORS: tuple[str, ...] = ("AGR", "ENE", "CHM", "MET", "MAC", "VEH", "OTH")
DEMO_SECTORS: tuple[str, ...] = (*GOODS_SECTORS, "SER")
"""Sector labels: seven goods sectors (HS chapters in ``sectors.csv``) and services."""
REST = "*"
"""The ``members`` entry of ``regions.csv`` that stands for every economy in no other region."""

SECTORS_FILE = "sectors.csv"
REGIONS_FILE = "regions.csv"


def _read(name: str, columns: list[str]) -> pd.DataFrame:
    path = resources.files("tariffsim.data").joinpath("demo", name)
    try:
        with path.open("r", encoding="utf-8") as handle:
            frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
    except OSError as exc:
        raise DataError(f"cannot read the bundled demo table ({exc}); reinstall tariffsim", file=str(path)) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}; expected {columns}", file=str(path))
    return frame[columns].copy()


def demo_sectors() -> pd.DataFrame:
    """The sector table: ``sector, label, hs2_chapters`` (``;``-separated inclusive ranges such as
    ``"25-26;68-83"``), ``icio_sectors`` (``;``-separated ICIO codes); one row per :data:`DEMO_SECTORS`."""
    frame = _read(SECTORS_FILE, ["sector", "label", "hs2_chapters", "icio_sectors"])
    if tuple(frame["sector"]) != DEMO_SECTORS:
        raise DataError(f"sectors {tuple(frame['sector'])} differ from {DEMO_SECTORS}", file=SECTORS_FILE,
                        column="sector")
    return frame


def demo_regions() -> pd.DataFrame:
    """The region table: ``region, label, members`` (``;``-separated ISO3 codes, or ``*`` for the rest)."""
    frame = _read(REGIONS_FILE, ["region", "label", "members"])
    if tuple(frame["region"]) != DEMO_COUNTRIES:
        raise DataError(f"regions {tuple(frame['region'])} differ from {DEMO_COUNTRIES}", file=REGIONS_FILE,
                        column="region")
    return frame


def demo_groups(world: World) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The region and sector groups of the demo, over ``world``'s labels (world-2017's)."""
    regions: dict[str, list[str]] = {}
    placed: set[str] = set()
    rest = None
    for region, members in zip(demo_regions()["region"], demo_regions()["members"], strict=True):
        if members.strip() == REST:
            rest = region
            continue
        regions[region] = [m.strip() for m in members.split(";") if m.strip()]
        placed.update(regions[region])
    if rest is not None:
        regions[rest] = [c for c in world.countries if c not in placed]
    sectors = {s: [m.strip() for m in members.split(";") if m.strip()]
               for s, members in zip(demo_sectors()["sector"], demo_sectors()["icio_sectors"], strict=True)}
    return regions, sectors


def load_demo_world(elasticities: ElasticityChoice = DEFAULT_SET) -> World:
    """The bundled 2017 demo World (cached: the same immutable object for the same choice).

    Parameters
    ----------
    elasticities
        world-2017's elasticity set (``"CP"`` by default, see
        :func:`~tariffsim.data.world2017.load_world_2017`) or one θ for every sector; each
        demo sector gets the trade-weighted average of its ICIO sectors' θ.

    Returns
    -------
    World
        ``name="demo-2017"``, ``year=2017``; countries :data:`DEMO_COUNTRIES` (N = 9),
        sectors :data:`DEMO_SECTORS` (S = 8); ``flows`` of shape (9, 9, 8) in USD
        millions; tariffs as fractions; world-2017's concordance mapped to the demo sectors.
    """
    return _build(parse_elasticity_choice(elasticities))


@functools.cache
def _build(choice: str | float) -> World:
    return _build_uncached(choice)


def _build_uncached(choice: str | float = DEFAULT_SET) -> World:
    base = load_world_2017(choice)
    regions, sectors = demo_groups(base)
    world = base.aggregate(regions=regions, sectors=sectors)
    order = [world.country_index(c) for c in DEMO_COUNTRIES]
    sector_order = [world.sector_index(s) for s in DEMO_SECTORS]
    flows = world.flows[order][:, order][:, :, sector_order]
    tariffs = world.tariffs[order][:, order][:, :, sector_order]
    sources = dict(base.sources)
    sources["world"] = ("tariffsim bundled demo world 2017 (tariffsim.data.demo): world-2017 aggregated to 9 regions "
                        "and 8 sectors (data/demo/regions.csv, sectors.csv); flows summed, tariffs trade-weighted; "
                        "see docs/demo_world.md")
    sources["regions"] = "; ".join(f"{r} = {', '.join(m)}" for r, m in regions.items() if m != [r])
    sources["sectors"] = "; ".join(f"{s} = {', '.join(m)}" for s, m in sectors.items())
    sources["elasticity"] = base.sources["elasticity"] + "; demo sectors: trade-weighted averages of their members"
    return World(countries=DEMO_COUNTRIES, sectors=DEMO_SECTORS, flows=flows, tariffs=tariffs,
                 elasticity=world.elasticity[sector_order], year=DEMO_YEAR, name=DEMO_WORLD_NAME, sources=sources,
                 concordance=world.concordance)
