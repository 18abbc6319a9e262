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

:func:`load_world` accepts a bundled name (``demo-2017``, ``world-2017``; ``ijlms-2023``, built from the
shared data when they are present) or such a folder,
and optionally the sector elasticities to use (an elasticity set code such as ``"CP"`` for
the bundled worlds, or one number for any World).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tariffsim.data.user_tables import read_csv_text
from tariffsim.errors import DataError, WorldError
from tariffsim.world import World

__all__ = ["BUNDLED_WORLDS", "load_world", "read_world", "write_world", "bundled_world_names"]


def _demo(elasticities: str | float = "CP") -> World:
    from tariffsim.data.demo import load_demo_world

    return load_demo_world(elasticities)


def _world_2017(elasticities: str | float = "CP") -> World:
    from tariffsim.data.world2017 import load_world_2017

    return load_world_2017(elasticities)


def _ijlms_2023(elasticities: str | float | None = None) -> World:
    from tariffsim.data.ijlms_world import ijlms_world
    from tariffsim.data.sector_elasticities import parse_elasticity_choice

    choice = None if elasticities is None else parse_elasticity_choice(elasticities)
    if isinstance(choice, str):
        raise DataError(f"elasticity set {choice} is for the ICIO and WIOD sectors; ijlms-2023 has one sector: "
                        "give a number")
    return ijlms_world(elasticity=choice)


BUNDLED_WORLDS: dict[str, Callable[..., World]] = {"demo-2017": _demo, "world-2017": _world_2017,
                                                   "ijlms-2023": _ijlms_2023}
"""Baselines by name; each takes an optional elasticity choice (set code or number). ``ijlms-2023`` is not
shipped: it is built at load time from the IJLMS (2025) inputs in the shared data
(:mod:`tariffsim.data.ijlms_world`)."""

DEFAULT_WORLD = "demo-2017"


def bundled_world_names() -> list[str]:
    return sorted(BUNDLED_WORLDS)


def load_world(spec: str | Path | None = None, *, base_dir: Path | None = None,
               elasticities: str | float | None = None) -> World:
    """A bundled World by name, or a World folder by path.

    Parameters
    ----------
    spec
        ``"demo-2017"`` (default), ``"world-2017"`` or a path to a folder written by :func:`write_world`.
    base_dir
        Directory that relative paths are resolved against (e.g. a scenario file's folder).
    elasticities
        ``None`` (the World's own: CP for the bundled worlds), an elasticity set code
        (``"CP"``, ``"BSY"``, ``"FGO"``, ``"U4"``, ``"IS"``, ``"GYY"``, ``"Shap"``, ``"LL"``;
        bundled worlds only, whose sectors the sets are mapped to) or one θ for every sector.

    Raises
    ------
    DataError
        For an unknown name or folder, an unknown set code, or a set code for a World folder.
    """
    if spec is None:
        spec = DEFAULT_WORLD
    name = str(spec)
    if name in BUNDLED_WORLDS:
        return BUNDLED_WORLDS[name]() if elasticities is None else BUNDLED_WORLDS[name](elasticities)
    path = Path(name)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.exists():
        raise DataError(f"no bundled world called '{name}' and no such folder; bundled worlds: "
                        f"{', '.join(bundled_world_names())}", file=str(path))
    world = read_world(path)
    if elasticities is None:
        return world
    from tariffsim.data.sector_elasticities import parse_elasticity_choice, set_citation

    choice = parse_elasticity_choice(elasticities)
    if not isinstance(choice, float):
        raise DataError(f"elasticity set {choice} applies to the bundled worlds ({', '.join(bundled_world_names())}), "
                        "whose sectors the sets are mapped to; for a World folder give a number or edit its "
                        "elasticity.csv", file=str(path))
    return world.replace(elasticity=choice, sources={**world.sources, "elasticity": set_citation(choice)})


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

    Labels are read as written (a region ``NA`` stays ``"NA"``); only numeric
    columns have missing cells (see :func:`tariffsim.data.user_tables.read_csv_text`).

    Raises
    ------
    DataError
        Naming the file when a file is missing, unreadable or invalid (the World's
        own checks included: an elasticity error names ``elasticity.csv``).
    """
    path = Path(folder)
    if not path.is_dir():
        raise DataError("a World is a folder with flows.csv, elasticity.csv and world.json", file=str(path))
    files = {name: path / name for name in ("flows.csv", "elasticity.csv", "world.json")}
    missing = [name for name, p in files.items() if not p.exists()]
    if missing:
        raise DataError(f"missing {', '.join(missing)} in the World folder", file=str(path))
    meta = _read_meta(files["world.json"])
    flows = _read_csv(files["flows.csv"], ["exporter", "importer", "sector", "value"])
    elasticity = _read_csv(files["elasticity.csv"], ["sector", "elasticity"])
    concordance: dict[str, str] = {}
    if (path / "concordance.csv").exists():
        table = _read_csv(path / "concordance.csv", ["prefix", "sector"])
        concordance = dict(zip(table["prefix"], table["sector"], strict=True))
    try:
        world = World.from_frames(flows, elasticity=elasticity, countries=meta.get("countries"),
                                  sectors=meta.get("sectors"), year=meta.get("year"),
                                  name=meta.get("name", path.name), sources=meta.get("sources", {}))
        extra: dict[str, object] = {"concordance": concordance} if concordance else {}
        if (path / "value_added.csv").exists() or (path / "io.csv").exists():
            extra.update(_read_input_output(path, world))
        return world.replace(**extra) if extra else world
    except WorldError as exc:
        raise DataError(str(exc), file=str(path / _FILE_OF_FIELD.get(exc.field, "flows.csv"))) from None


_FILE_OF_FIELD = {"elasticity": "elasticity.csv", "concordance": "concordance.csv",
                  "value_added_share": "value_added.csv", "io_shares": "io.csv"}
"""Which file of a World folder holds each field (the rest is in flows.csv)."""

_LABEL_COLUMNS = ("exporter", "importer", "sector", "country", "input", "prefix")


def _read_meta(path: Path) -> dict[str, Any]:
    """world.json, checked: an object whose labels are lists of text, year a whole number or null."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read ({exc})", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc})", file=str(path)) from None
    if not isinstance(meta, dict):
        raise DataError("expected a JSON object with name, year, countries, sectors and sources", file=str(path))
    for key in ("countries", "sectors"):
        labels = meta.get(key)
        if labels is not None and not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            raise DataError(f"'{key}' must be a list of labels (strings)", file=str(path))
    year = meta.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise DataError(f"'year' must be a whole number or null, got {json.dumps(year)[:40]}", file=str(path))
    if not isinstance(meta.get("name", ""), str):
        raise DataError("'name' must be a string", file=str(path))
    sources = meta.get("sources", {})
    if not (isinstance(sources, dict) and all(isinstance(v, str) for v in sources.values())):
        raise DataError("'sources' must be an object of strings (field -> source)", file=str(path))
    return meta


def _read_input_output(path: Path, world: World) -> dict[str, object]:
    """value_added.csv and io.csv as arrays on the World's grid."""
    for name in ("value_added.csv", "io.csv"):
        if not (path / name).exists():
            raise DataError("an input-output World needs both value_added.csv and io.csv", file=str(path / name))
    va = _read_csv(path / "value_added.csv", ["country", "sector", "value_added_share"])
    io = _read_csv(path / "io.csv", ["country", "input", "sector", "share"])
    cpos = {c: k for k, c in enumerate(world.countries)}
    spos = {c: k for k, c in enumerate(world.sectors)}
    beta = np.ones((world.n_countries, world.n_sectors))
    gamma = np.zeros((world.n_countries, world.n_sectors, world.n_sectors))
    for name, frame, target, axes in (("value_added.csv", va, beta, (("country", cpos), ("sector", spos))),
                                      ("io.csv", io, gamma, (("country", cpos), ("input", spos), ("sector", spos)))):
        value = "value_added_share" if name == "value_added.csv" else "share"
        index = []
        for column, positions in axes:
            labels = frame[column].astype(str)
            unknown = sorted(set(labels) - set(positions))
            if unknown:
                raise DataError(f"labels not in the World: {', '.join(unknown[:5])}", file=str(path / name),
                                column=column)
            index.append(labels.map(positions).to_numpy())
        numbers = pd.to_numeric(frame[value], errors="coerce")
        if numbers.isna().any():
            row = int(np.argmax(numbers.isna().to_numpy()))
            raise DataError("missing or non-numeric share", file=str(path / name), line=row + 2, column=value)
        target[tuple(index)] = numbers.to_numpy(dtype=np.float64)
    return {"value_added_share": beta, "io_shares": gamma}


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    try:
        frame = read_csv_text(path, text_columns=_LABEL_COLUMNS)
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot read ({exc})", file=str(path)) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {', '.join(missing)}", file=str(path), column=missing[0])
    return frame
