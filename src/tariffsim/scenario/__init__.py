"""Scenarios: a TOML policy language compiled to :class:`~tariffsim.Shock` objects.

``load_scenario(path)`` reads and validates a file (every problem becomes a
:class:`~tariffsim.errors.ScenarioError` naming the file, line and key);
``compile_scenario(scenario, world)`` turns it into a Shock on the World's grid.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from tariffsim.errors import ScenarioError
from tariffsim.scenario.schema import Action, Header, Scenario, parse_rate
from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = [
    "Action",
    "Header",
    "Scenario",
    "LoadedScenario",
    "load_scenario",
    "parse_scenario",
    "compile_scenario",
    "bundled_scenarios",
    "bundled_scenario_path",
    "parse_rate",
]


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where it came from (for error messages and relative paths)."""

    spec: Scenario
    path: Path | None
    text: str

    @property
    def name(self) -> str:
        return self.spec.scenario.name

    @property
    def base_dir(self) -> Path | None:
        return None if self.path is None else self.path.parent


def bundled_scenarios() -> list[str]:
    """Names of the scenario files shipped with tariffsim."""
    folder = resources.files("tariffsim.scenario") / "library"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def bundled_scenario_path(name: str) -> Path:
    """Path of a bundled scenario by name (with or without ``.toml``)."""
    stem = name[:-5] if name.endswith(".toml") else name
    path = Path(str(resources.files("tariffsim.scenario") / "library" / f"{stem}.toml"))
    if not path.exists():
        raise ScenarioError(f"no bundled scenario '{name}'; bundled: {', '.join(bundled_scenarios())}")
    return path


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and validate a scenario file (a path, or the name of a bundled scenario)."""
    p = Path(path)
    if not p.exists() and not p.suffix and str(path) in bundled_scenarios():
        p = bundled_scenario_path(str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=str(p)) from None
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", file=str(p)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read ({exc.strerror})", file=str(p)) from None
    return parse_scenario(text, path=p)


def parse_scenario(text: str, *, path: Path | None = None) -> LoadedScenario:
    """Validate scenario TOML text. Raises :class:`ScenarioError` and nothing else."""
    file = None if path is None else str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        message = str(getattr(exc, "msg", exc))
        raise ScenarioError(f"not valid TOML: {message}", file=file, line=line) from None
    try:
        spec = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(x) for x in loc) if loc else None
        raise ScenarioError(_message(err), file=file, line=_locate(text, loc), key=key) from None
    return LoadedScenario(spec=spec, path=path, text=text)


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (check its spelling in docs/scenarios.md)"
    if kind == "missing":
        return "required key is missing"
    got = err.get("input")
    if kind not in ("missing",) and got is not None and not isinstance(got, dict | list):
        msg += f" (got {got!r})"
    return msg


def _locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a pydantic error location in the TOML text."""
    lines = text.splitlines()
    if not loc:
        return None
    table = str(loc[0])
    start = 0
    if len(loc) >= 2 and isinstance(loc[1], int):
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
        hits = [k for k, line in enumerate(lines) if pattern.match(line)]
        if loc[1] < len(hits):
            start = hits[loc[1]]
            rest = loc[2:]
        else:
            return None
    else:
        pattern = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        hits = [k for k, line in enumerate(lines) if pattern.match(line)]
        if not hits:
            return None
        start = hits[0]
        rest = loc[1:]
    if not rest:
        return start + 1
    key = str(rest[0])
    key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for k in range(start + 1, len(lines)):
        if lines[k].lstrip().startswith("["):
            break
        if key_re.match(lines[k]):
            return k + 1
    return start + 1


def compile_scenario(loaded: LoadedScenario | Scenario, world: World) -> Shock:
    """Turn a scenario into a Shock on ``world``'s grid.

    Actions apply in file order: ``set`` replaces the current rate on the lines
    it covers, ``add`` adds to it (so an ``add`` after a ``set`` stacks on it).

    Raises
    ------
    ScenarioError
        For countries or sectors that are not in the World, naming the line and key.
    """
    spec = loaded.spec if isinstance(loaded, LoadedScenario) else loaded
    text = loaded.text if isinstance(loaded, LoadedScenario) else ""
    file = str(loaded.path) if isinstance(loaded, LoadedScenario) and loaded.path else None
    tariffs = np.array(world.tariffs, copy=True)
    for k, action in enumerate(spec.action):
        def fail(message: str, key: str, k: int = k) -> ScenarioError:
            return ScenarioError(message, file=file, line=_locate(text, ("action", k, key)) if text else None,
                                 key=f"action.{k}.{key}")

        if action.imposer not in world.countries:
            raise fail(f"unknown country '{action.imposer}'; this World has {', '.join(world.countries)}",
                       "imposer")
        j = world.countries.index(action.imposer)
        if action.target == "all":
            exporters = [i for i in range(world.n_countries) if i != j]
        else:
            targets = [action.target] if isinstance(action.target, str) else action.target
            unknown = [c for c in targets if c not in world.countries]
            if unknown:
                raise fail(f"unknown countries {unknown}; this World has {', '.join(world.countries)}", "target")
            if action.imposer in targets:
                raise fail(f"'{action.imposer}' cannot levy a tariff on itself", "target")
            exporters = [world.countries.index(c) for c in targets]
        if action.sectors == "all":
            sectors = [s for s in range(world.n_sectors) if world.traded[s]]
        else:
            names = [action.sectors] if isinstance(action.sectors, str) else action.sectors
            unknown = [s for s in names if s not in world.sectors]
            if unknown:
                raise fail(f"unknown sectors {unknown}; this World has {', '.join(world.sectors)}", "sectors")
            sectors = [world.sectors.index(s) for s in names]
        cells = np.ix_(exporters, [j], sectors)
        if action.mode == "set":
            tariffs[cells] = action.rate
        else:
            tariffs[cells] = tariffs[cells] + action.rate
        if np.any(tariffs[cells] <= -1.0):
            raise fail("the stacked rate falls to -100% or below", "rate")
    return Shock(world.countries, world.sectors, tariffs=tariffs, label=spec.scenario.name)
