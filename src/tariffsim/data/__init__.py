"""Data: bundled baselines, World files, importers, the catalog, codes and concordances.

Importers never know about models; they produce Worlds and tidy tables. The
catalog-side names (``Catalog``, ``import_dataset``, ``world_from_catalog``, ...)
are loaded on first use, so that commands that do not touch the catalog do not
import DuckDB and pyarrow.
"""

from __future__ import annotations

import importlib
from typing import Any

from tariffsim.data.worlds import BUNDLED_WORLDS, bundled_world_names, load_world, read_world, write_world

_LAZY = {
    "Catalog": "tariffsim.data.catalog",
    "DatasetInfo": "tariffsim.data.catalog",
    "default_data_dir": "tariffsim.data.catalog",
    "import_dataset": "tariffsim.data.catalog",
    "list_datasets": "tariffsim.data.catalog",
    "remove_dataset": "tariffsim.data.catalog",
    "world_from_catalog": "tariffsim.data.baseline",
    "load_world_2017": "tariffsim.data.world2017",
    "ELASTICITY_SETS": "tariffsim.data.sector_elasticities",
    "parse_elasticity_choice": "tariffsim.data.sector_elasticities",
    "SectorGrouping": "tariffsim.data.concordance",
    "sector_grouping": "tariffsim.data.concordance",
    "hs_pad": "tariffsim.data.concordance",
    "aggregate_hs": "tariffsim.data.concordance",
    "iso3_from_numeric": "tariffsim.data.codes",
    "iso3_from_name": "tariffsim.data.codes",
    "normalize_iso3": "tariffsim.data.codes",
    "download": "tariffsim.data.fetch",
    "fetch_source": "tariffsim.data.fetch",
    "SOURCES": "tariffsim.data.importers",
    "read_table": "tariffsim.data.user_tables",
}

__all__ = ["BUNDLED_WORLDS", "bundled_world_names", "load_world", "read_world", "write_world", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tariffsim.data' has no attribute '{name}'")
