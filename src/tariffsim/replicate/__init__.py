"""Published analyses, rerun end to end from public data (``tariffsim replicate NAME``).

Each module here is built only from the public API — the proof that the pieces
compose — and exposes ``NAME``, ``TITLE``, ``CITATION``, ``FILES`` (paths under
the data root), ``PUBLISHED`` (the published numbers it is compared with), ``MODES``
(the values ``--mode`` takes, default first; empty when it takes none), optionally
``MODE_ALIASES`` (other names of a mode) and
``run(data_dir, out_dir, mode=None, **options) -> Replication``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from tariffsim.errors import DataError, ModelError

__all__ = ["Replication", "REGISTRY", "available", "get", "run", "modes", "choose_mode", "CONVERGED_ALIAS",
           "COUNTRY_COLUMNS", "data_file", "read_input"]

REGISTRY: dict[str, str] = {
    "yotov2016-app1": "tariffsim.replicate.yotov2016_app1",
    "gegravity-can-jpn": "tariffsim.replicate.gegravity_can_jpn",
    "yotov2016-ch1-ex2": "tariffsim.replicate.yotov2016_ch1_ex2",
    "yotov2016-rta": "tariffsim.replicate.yotov2016_rta",
    "yotov2016-app2": "tariffsim.replicate.yotov2016_app2",
    "us-china-tariffs": "tariffsim.replicate.us_china_tariffs",
    "china-retaliation-2018": "tariffsim.replicate.china_retaliation_2018",
    "us-2018-deadweight": "tariffsim.replicate.us_2018_deadweight",
    "cp2015-nafta": "tariffsim.replicate.cp2015_nafta",
    "ossa2014-optimal": "tariffsim.replicate.ossa2014_optimal",
    "ossa2014-nash": "tariffsim.replicate.ossa2014_nash",
    "ossa2014-talks": "tariffsim.replicate.ossa2014_talks",
    "lashkaripour2021-nash": "tariffsim.replicate.lashkaripour2021_nash",
    "ijlms2025": "tariffsim.replicate.ijlms2025",
    "yotov2016-ex1": "tariffsim.replicate.yotov2016_ex1",
    "yotov2016-ex2": "tariffsim.replicate.yotov2016_ex2",
}

COUNTRY_COLUMNS = ["country", "real_gdp_pct", "welfare_pct", "factory_price_pct", "price_index_pct",
                   "exports_pct", "imports_pct", "output_pct"]
"""Columns of the ``countries.csv`` that every GE reproduction writes."""


@dataclass(frozen=True)
class Replication:
    """What a reproduction produced.

    Attributes
    ----------
    name
        Registry name.
    files
        Files written.
    comparison
        Our numbers beside the published ones (a tidy table).
    notes
        Plain-language remarks (differences and why).
    """

    name: str
    files: list[Path]
    comparison: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def available() -> list[str]:
    return sorted(REGISTRY)


def get(name: str) -> ModuleType:
    if name not in REGISTRY:
        raise DataError(f"unknown reproduction '{name}'; available: {', '.join(available())}")
    return importlib.import_module(REGISTRY[name])


def run(name: str, data_dir: str | Path, out_dir: str | Path, mode: str | None = None,
        **options: Any) -> Replication:
    """Run reproduction ``name`` on the data root ``data_dir``, writing into ``out_dir``.

    ``mode`` is checked against the reproduction's :data:`MODES` before anything is read
    (a :class:`~tariffsim.errors.ModelError` naming the modes it has, else).
    """
    module = get(name)
    runner: Callable[..., Replication] = module.run
    chosen = choose_mode(name, modes(name), mode, getattr(module, "MODE_ALIASES", {}))
    if mode is not None:  # else each reproduction's own default (and its other options) applies
        options["mode"] = chosen
    return runner(Path(data_dir), Path(out_dir), **options)


CONVERGED_ALIAS: Mapping[str, str] = {"converged": "exact"}
"""``converged``, the documented name of the converged (exact) equilibrium, as an alias of ``exact``
in the reproductions whose ``exact`` mode is that equilibrium."""


def modes(name: str) -> tuple[str, ...]:
    """The modes reproduction ``name`` takes (``--mode``), its default first; empty when it takes none."""
    return tuple(getattr(get(name), "MODES", ()))


def choose_mode(name: str, allowed: Sequence[str], mode: str | None,
                aliases: Mapping[str, str] | None = None) -> str | None:
    """The mode to run: ``mode`` (an alias resolved), the default (``allowed[0]``) when it is ``None``.

    Raises
    ------
    ModelError
        When the reproduction has no modes and one is given, or ``mode`` is not one of them:
        one line naming the modes it has.
    """
    aliases = dict(aliases or {})
    if mode is None:
        return allowed[0] if allowed else None
    if not allowed:
        raise ModelError(f"reproduction {name} has no modes (got --mode {mode!r}); run it without --mode")
    chosen = aliases.get(mode, mode)
    if chosen not in allowed:
        names = [f"{m} (default)" if k == 0 else m for k, m in enumerate(allowed)]
        names += [f"{alias} (= {target})" for alias, target in aliases.items() if target in allowed]
        raise ModelError(f"reproduction {name} has no mode {mode!r}; its modes: {', '.join(names)}")
    return chosen


def read_input(data_dir: Path, relative: str, required: list[str], *,
               text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A CSV or Parquet input of a reproduction, with the columns it needs (else :class:`DataError`)."""
    from tariffsim.data.user_tables import read_table

    return read_table(data_file(data_dir, relative), required, text_columns=text_columns)


def data_file(data_dir: Path, relative: str) -> Path:
    """``data_dir / relative``, or a :class:`DataError` saying which file is missing."""
    path = Path(data_dir) / relative
    if not path.exists():
        raise DataError(f"missing input file (the data root should contain {relative})", file=str(path))
    return path
