"""Reading scenario files: TOML parsing, validation, ``extends`` overlays, error locations.

Every problem becomes a :class:`~tariffsim.errors.ScenarioError` naming the file,
the line and the key; nothing else escapes (the property tests feed arbitrary
text to :func:`parse_scenario`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tariffsim.errors import ScenarioError
from tariffsim.scenario.schema import Scenario

__all__ = [
    "Origin",
    "LoadedScenario",
    "load_scenario",
    "parse_scenario",
    "bundled_scenarios",
    "bundled_scenario_path",
    "locate",
]

TABLES = ("action", "retaliation", "trade_cost", "purchase")
"""Array-of-tables keys whose entries carry a label and can be overlaid by ``extends``."""


@dataclass(frozen=True)
class Origin:
    """Where an entry was declared: for error messages and relative paths."""

    file: str | None
    text: str
    table: str
    index: int

    @property
    def base_dir(self) -> Path | None:
        return None if self.file is None else Path(self.file).parent

    def error(self, message: str, key: str | None = None) -> ScenarioError:
        loc: tuple[Any, ...] = (self.table, self.index) + ((key,) if key else ())
        dotted = ".".join(str(x) for x in loc)
        return ScenarioError(message, file=self.file, line=locate(self.text, loc), key=dotted)


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario (after ``extends``), with where each entry came from."""

    spec: Scenario
    path: Path | None
    text: str
    origins: dict[tuple[str, int], Origin] = field(default_factory=dict)
    """``(table, index in spec) -> Origin`` for every entry of :data:`TABLES`."""

    @property
    def name(self) -> str:
        return self.spec.scenario.name

    @property
    def base_dir(self) -> Path | None:
        return None if self.path is None else self.path.parent

    def origin(self, table: str, index: int) -> Origin:
        return self.origins.get((table, index), Origin(str(self.path) if self.path else None, self.text, table,
                                                        index))


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
    return _load(p, seen=())


def _read(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=str(p)) from None
    except IsADirectoryError:
        raise ScenarioError("is a folder, not a scenario file", file=str(p)) from None
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", file=str(p)) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read ({exc.strerror})", file=str(p)) from None


def _load(p: Path, seen: tuple[Path, ...]) -> LoadedScenario:
    resolved = p.resolve()
    if resolved in seen:
        chain = " -> ".join(str(x) for x in (*seen, resolved))
        raise ScenarioError(f"extends forms a cycle: {chain}", file=str(p), key="scenario.extends")
    loaded = parse_scenario(_read(p), path=p)
    parent_name = loaded.spec.scenario.extends
    if parent_name is None:
        return loaded
    parent_path = Path(parent_name)
    if not parent_path.is_absolute():
        parent_path = p.parent / parent_path
    if not parent_path.exists() and parent_name in bundled_scenarios():
        parent_path = bundled_scenario_path(parent_name)
    if not parent_path.exists():
        raise ScenarioError(f"extends: no such file '{parent_name}'", file=str(p),
                            line=locate(loaded.text, ("scenario", "extends")), key="scenario.extends")
    parent = _load(parent_path, seen=(*seen, resolved))
    return _overlay(parent, loaded)


def _overlay(parent: LoadedScenario, child: LoadedScenario) -> LoadedScenario:
    """The child's header keys override the parent's; entries with a parent's label replace it."""
    header = parent.spec.scenario.model_copy(update={
        k: getattr(child.spec.scenario, k) for k in child.spec.scenario.model_fields_set if k != "extends"})
    header = header.model_copy(update={"extends": None})
    regions = {**parent.spec.regions, **child.spec.regions}
    merged: dict[str, list[Any]] = {}
    origins: dict[tuple[str, int], Origin] = {}
    # Tariff actions and retaliations share one label namespace (retaliations answer action labels).
    for table in TABLES:
        entries = list(getattr(parent.spec, table))
        owners = [parent.origin(table, k) for k in range(len(entries))]
        for k, entry in enumerate(getattr(child.spec, table)):
            where = child.origin(table, k)
            hits = [i for i, e in enumerate(entries) if entry.label and e.label == entry.label]
            if hits:
                entries[hits[0]] = entry
                owners[hits[0]] = where
            else:
                entries.append(entry)
                owners.append(where)
        merged[table] = entries
        for k, owner in enumerate(owners):
            origins[(table, k)] = owner
    try:
        spec = Scenario(scenario=header, regions=regions, **merged)
    except ValidationError as exc:
        raise ScenarioError(f"after applying extends: {_message(exc.errors()[0])}", file=str(child.path)) from None
    return LoadedScenario(spec=spec, path=child.path, text=child.text, origins=origins)


def parse_scenario(text: str, *, path: Path | None = None) -> LoadedScenario:
    """Validate scenario TOML text. Raises :class:`ScenarioError` and nothing else."""
    file = None if path is None else str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        message = str(getattr(exc, "msg", exc))
        raise ScenarioError(f"not valid TOML: {message}", file=file, line=line) from None
    except (TypeError, ValueError) as exc:  # e.g. NUL characters
        raise ScenarioError(f"not valid TOML: {exc}", file=file) from None
    try:
        spec = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(x) for x in loc) if loc else None
        raise ScenarioError(_message(err), file=file, line=locate(text, loc), key=key) from None
    origins = {(table, k): Origin(file, text, table, k)
               for table in TABLES for k in range(len(getattr(spec, table)))}
    return LoadedScenario(spec=spec, path=path, text=text, origins=origins)


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (check its spelling in docs/scenarios.md)"
    if kind == "missing":
        return "required key is missing"
    got = err.get("input")
    if got is not None and not isinstance(got, dict | list) and kind != "value_error":
        msg += f" (got {got!r})"
    return msg


def locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a validation error location in TOML text."""
    lines = text.splitlines()
    if not loc or not text:
        return None
    table = str(loc[0])
    rest: tuple[Any, ...]
    if len(loc) >= 2 and isinstance(loc[1], int):
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
        hits = [k for k, line in enumerate(lines) if pattern.match(line)]
        if loc[1] >= len(hits):
            return None
        start, rest = hits[loc[1]], loc[2:]
    else:
        pattern = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        hits = [k for k, line in enumerate(lines) if pattern.match(line)]
        if not hits:
            return None
        start, rest = hits[0], loc[1:]
    if not rest:
        return start + 1
    key_re = re.compile(rf"^\s*{re.escape(str(rest[0]))}\s*=")
    for k in range(start + 1, len(lines)):
        if lines[k].lstrip().startswith("["):
            break
        if key_re.match(lines[k]):
            return k + 1
    return start + 1
