"""Reading, writing and naming Worlds.

A World on disk is a folder with three small files, easy to diff and to edit:

* ``flows.csv`` — ``exporter, importer, sector, value, tariff`` (USD millions,
  pre-tariff; tariff as a fraction); cells not listed are zero;
* ``elasticity.csv`` — ``sector, elasticity`` (θ = σ − 1);
* ``world.json`` — ``name``, ``year``, ``countries`` and ``sectors`` (label order)
  and ``sources`` (provenance notes);
* ``concordance.csv`` (optional) — ``prefix, sector``: product codes to sectors;
* ``value_added.csv`` and ``io.csv`` (optional, input-output worlds) —
  ``country, sector, value_added_share`` and ``country, input, sector, share``.

:func:`load_world` accepts a bundled name (``demo-2017``) or such a folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim.errors import DataError, WorldError
from tariffsim.world import World

__all__ = ["BUNDLED_WORLDS", "load_world", "read_world", "write_world", "bundled_world_names"]


def _demo() -> World:
    from tariffsim.data.demo import load_demo_world

    return load_demo_world()


BUNDLED_WORLDS: dict[str, Callable[[], World]] = {"demo-2017": _demo}
"""Bundled baselines by name."""

DEFAULT_WORLD = "demo-2017"


def bundled_world_names() -> list[str]:
    return sorted(BUNDLED_WORLDS)


def load_world(spec: str | Path | None = None, *, base_dir: Path | None = None) -> World:
    """A bundled World by name, or a World folder by path.

    Parameters
    ----------
    spec
        ``"demo-2017"`` (default) or a path to a folder written by :func:`write_world`.
    base_dir
        Directory that relative paths are resolved against (e.g. a scenario file's folder).
    """
    if spec is None:
        spec = DEFAULT_WORLD
    name = str(spec)
    if name in BUNDLED_WORLDS:
        return BUNDLED_WORLDS[name]()
    path = Path(name)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.exists():
        raise DataError(f"no bundled world called '{name}' and no such folder; bundled worlds: "
                        f"{', '.join(bundled_world_names())}", file=str(path))
    return read_world(path)


def write_world(world: World, folder: str | Path) -> Path:
    """Write ``world`` as a folder (see the module docstring). Returns the folder."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    world.to_frame().to_csv(out / "flows.csv", index=False, float_format="%.17g")
    world.elasticity_frame().to_csv(out / "elasticity.csv", index=False)
    meta = {"name": world.name, "year": world.year, "countries": list(world.countries),
            "sectors": list(world.sectors), "sources": dict(world.sources)}
    (out / "world.json").write_text(json.dumps(meta, indent=2) + "\n")
    if world.concordance:
        pd.DataFrame({"prefix": list(world.concordance), "sector": list(world.concordance.values())}).to_csv(
            out / "concordance.csv", index=False)
    if world.value_added_share is not None and world.io_shares is not None:
        n, s = world.n_countries, world.n_sectors
        countries, sectors = np.asarray(world.countries, dtype=object), np.asarray(world.sectors, dtype=object)
        pd.DataFrame({"country": np.repeat(countries, s), "sector": np.tile(sectors, n),
                      "value_added_share": world.value_added_share.ravel()}).to_csv(
            out / "value_added.csv", index=False, float_format="%.17g")
        pd.DataFrame({"country": np.repeat(countries, s * s), "input": np.tile(np.repeat(sectors, s), n),
                      "sector": np.tile(sectors, n * s), "share": world.io_shares.ravel()}).to_csv(
            out / "io.csv", index=False, float_format="%.17g")
    return out


def read_world(folder: str | Path) -> World:
    """Read a World folder written by :func:`write_world`.

    Raises
    ------
    DataError
        Naming the file when a file is missing or unreadable.
    WorldError
        When the data are read but invalid.
    """
    path = Path(folder)
    if not path.is_dir():
        raise DataError("a World is a folder with flows.csv, elasticity.csv and world.json", file=str(path))
    files = {name: path / name for name in ("flows.csv", "elasticity.csv", "world.json")}
    missing = [name for name, p in files.items() if not p.exists()]
    if missing:
        raise DataError(f"missing {', '.join(missing)} in the World folder", file=str(path))
    try:
        meta = json.loads(files["world.json"].read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"not valid JSON ({exc})", file=str(files["world.json"])) from None
    flows = _read_csv(files["flows.csv"], ["exporter", "importer", "sector", "value"])
    elasticity = _read_csv(files["elasticity.csv"], ["sector", "elasticity"])
    concordance: dict[str, str] = {}
    if (path / "concordance.csv").exists():
        table = _read_csv(path / "concordance.csv", ["prefix", "sector"], dtype=str)
        concordance = dict(zip(table["prefix"], table["sector"], strict=True))
    try:
        world = World.from_frames(
            flows,
            elasticity=dict(zip(elasticity["sector"].astype(str), elasticity["elasticity"], strict=True)),
            countries=meta.get("countries"),
            sectors=meta.get("sectors"),
            year=meta.get("year"),
            name=meta.get("name", path.name),
            sources=meta.get("sources", {}),
        )
        extra: dict[str, object] = {"concordance": concordance} if concordance else {}
        if (path / "value_added.csv").exists():
            extra.update(_read_input_output(path, world))
        return world.replace(**extra) if extra else world
    except WorldError as exc:
        raise DataError(str(exc), file=str(files["flows.csv"])) from None


def _read_input_output(path: Path, world: World) -> dict[str, object]:
    """value_added.csv and io.csv as arrays on the World's grid."""
    va = _read_csv(path / "value_added.csv", ["country", "sector", "value_added_share"], dtype=None)
    io = _read_csv(path / "io.csv", ["country", "input", "sector", "share"], dtype=None)
    cpos = {c: k for k, c in enumerate(world.countries)}
    spos = {c: k for k, c in enumerate(world.sectors)}
    beta = np.ones((world.n_countries, world.n_sectors))
    gamma = np.zeros((world.n_countries, world.n_sectors, world.n_sectors))
    try:
        beta[va["country"].astype(str).map(cpos), va["sector"].astype(str).map(spos)] = va["value_added_share"]
        gamma[io["country"].astype(str).map(cpos), io["input"].astype(str).map(spos),
              io["sector"].astype(str).map(spos)] = io["share"]
    except (KeyError, ValueError, IndexError, TypeError):
        raise DataError("value_added.csv or io.csv names countries or sectors not in the World, or has "
                        "non-numeric shares", file=str(path)) from None
    return {"value_added_share": beta, "io_shares": gamma}


def _read_csv(path: Path, required: list[str], dtype: type | dict[str, type] | None = None) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=dtype or {"exporter": str, "importer": str, "sector": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot read ({exc})", file=str(path)) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {', '.join(missing)}", file=str(path), column=missing[0])
    return frame
