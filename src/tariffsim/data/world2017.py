"""The bundled real world ``world-2017``: OECD ICIO 2017 flows with Teti applied tariffs, 81 economies × 28 sectors.

The data ship in ``data/bundled/`` as two files written by :mod:`tariffsim.data.build_world_2017`
(``make worlds`` rebuilds them byte for byte from ``../shared/data``):

* ``world-2017.npz`` — ``flows`` and ``tariffs``, float64 arrays ``[exporter, importer,
  sector]`` of shape (81, 81, 28) (USD millions; fractions);
* ``world-2017.json`` — labels, sector names, the eight elasticity sets, the HS → ICIO
  concordance, the tariff corrections made, sources and licence terms.

``bundled/README.md`` says what the world is, where every number comes from and what was
changed. :func:`load_world_2017` reads them (cached per elasticity choice);
:func:`elasticity_sets_2017` gives the sets as a table.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.data.sector_elasticities import DEFAULT_SET, ElasticityChoice, parse_elasticity_choice, set_citation
from tariffsim.errors import DataError
from tariffsim.world import World

__all__ = ["WORLD_2017", "DATA_FILE", "META_FILE", "load_world_2017", "world_2017_meta", "elasticity_sets_2017"]

WORLD_2017 = "world-2017"
DATA_FILE = "world-2017.npz"
META_FILE = "world-2017.json"


def _bundled(name: str) -> Any:
    return resources.files("tariffsim.data").joinpath("bundled", name)


@functools.cache
def world_2017_meta() -> dict[str, Any]:
    """The JSON sidecar of the bundled world (labels, sets, concordance, corrections, sources, licence)."""
    try:
        return dict(json.loads(_bundled(META_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the bundled {WORLD_2017} ({exc}); reinstall tariffsim or run `make worlds`",
                        file=str(_bundled(META_FILE))) from None


@functools.cache
def _arrays() -> tuple[np.ndarray, np.ndarray]:
    try:
        with _bundled(DATA_FILE).open("rb") as handle, np.load(handle, allow_pickle=False) as data:
            return np.array(data["flows"]), np.array(data["tariffs"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"cannot read the bundled {WORLD_2017} ({exc}); reinstall tariffsim or run `make worlds`",
                        file=str(_bundled(DATA_FILE))) from None


def elasticity_sets_2017() -> pd.DataFrame:
    """The eight elasticity sets of the bundled world: ``code, sector, theta`` (θ = σ − 1), 8 × 28 rows."""
    meta = world_2017_meta()
    rows = [(code, sector, float(theta)) for code, values in meta["elasticity_sets"].items()
            for sector, theta in zip(meta["sectors"], values, strict=True)]
    return pd.DataFrame(rows, columns=["code", "sector", "theta"])


def load_world_2017(elasticities: ElasticityChoice = DEFAULT_SET) -> World:
    """The bundled 2017 World with the chosen sector elasticities (cached: one object per choice).

    Parameters
    ----------
    elasticities
        A set code (``"CP"``, the default; ``"BSY"``, ``"FGO"``, ``"U4"``, ``"IS"``, ``"GYY"``,
        ``"Shap"``, ``"LL"``; any case) or one θ for every sector.

    Returns
    -------
    World
        ``name="world-2017"``, ``year=2017``; 81 economies (ISO3, ``ROW`` last) × 28 ICIO
        sectors (``SER`` = the services aggregate); flows in USD millions; tariffs as
        fractions; the HS → ICIO concordance. No input-output links (the cubes have none).
    """
    return _load(parse_elasticity_choice(elasticities))


@functools.cache
def _load(choice: str | float) -> World:
    meta = world_2017_meta()
    flows, tariffs = _arrays()
    sectors = tuple(meta["sectors"])
    if isinstance(choice, float):
        theta = np.full(len(sectors), choice)
    else:
        theta = np.array(meta["elasticity_sets"][choice], dtype=np.float64)
    sources = dict(meta["sources"])
    sources["elasticity"] = set_citation(choice) + ("" if isinstance(choice, float) else " (ICIO 2017 sets)")
    return World(countries=tuple(meta["countries"]), sectors=sectors, flows=flows, tariffs=tariffs, elasticity=theta,
                 year=int(meta["year"]), name=WORLD_2017, sources=sources, concordance=meta["concordance"])
