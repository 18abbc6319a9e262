"""Scenarios in the app: read as untrusted text under the app's rules, edited as a form, kept by id.

Reading (:class:`ScenarioReader`). A scenario comes from the browser or a script as TOML text
(an upload, the TOML tab, the JSON API) or as form fields, which are written to TOML first
(:func:`tariffsim.scenario.writer.data_to_toml`) so that every mistake is reported by the library's
own reader with the messages of ``tariffsim scenario check`` (file ``scenario.toml``, line, key).
On top of the library's rules for untrusted scenarios (size, nesting, no file outside its folder),
the app allows no file at all:

* ``world`` is a name the app offers (:class:`~tariffsim.web.worlds.WorldShelf`), never a folder;
* ``extends`` names a bundled scenario (which is then merged in: the app keeps the whole scenario);
* ``product_list`` is the plain name of a list in the app's lists folder (``--lists``), never a file;
* ``[[uncertainty.elasticity]] file`` and ``[game] weights`` (files) are refused.

The text is parsed inside an empty private folder, so that even a rule missed here would find
nothing to read.

Editing (:class:`EditorState`). The form has a field per key of the ``[scenario]`` table and of
each ``[[action]]`` and ``[[retaliation]]``; the other tables (regions, trade costs, purchases,
game, uncertainty, sweep) are kept as they are and edited as TOML.

Keeping (:class:`ScenarioBook`): scenarios saved in the app, by id, in memory (the most recent
:data:`KEEP_SCENARIOS`); every run's scenario is also kept with the run in the runs store.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
import tempfile
import threading
import time
import tomllib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tariffsim.errors import ScenarioError, TariffsimError
from tariffsim.scenario import LoadedScenario, load_scenario, parse_scenario, to_toml
from tariffsim.scenario.loader import bundled_scenarios, locate
from tariffsim.scenario.schema import ProductList, Scenario
from tariffsim.scenario.writer import data_to_toml
from tariffsim.web.worlds import WorldShelf

__all__ = ["ScenarioReader", "ScenarioBook", "StoredScenario", "EditorState", "Entry", "ENTRY_FIELDS", "HEAD_FIELDS",
           "SHOWN_NAME", "KEEP_SCENARIOS", "blank_state"]

SHOWN_NAME = "scenario.toml"
"""The file name errors give a scenario from the browser (as if checked with `tariffsim scenario check`)."""
KEEP_SCENARIOS = 500
"""Scenarios the app keeps in memory (the oldest is forgotten first)."""

HEAD_FIELDS = ("name", "description", "world", "model", "closure", "numeraire", "elasticities", "dates")
ENTRY_FIELDS = {
    "action": ("label", "imposer", "target", "products", "product_list", "sectors", "exclude", "coverage", "rate",
               "mode", "effective", "until", "suspended", "source"),
    "retaliation": ("label", "answers", "products", "product_list", "sectors", "exclude", "coverage", "rate",
                    "mode", "effective", "until", "suspended", "source"),
}
"""Form fields of each entry kind, in the order shown."""
KEPT_TABLES = ("regions", "trade_cost", "purchase", "game", "uncertainty", "sweep")
"""Tables the form does not edit: kept as TOML."""

_LIST_SPLIT = re.compile(r"[,;\s]+")
_ALL_EXCEPT = re.compile(r"^\s*all\s+except\s*:?\s*(.*)$", re.IGNORECASE)


# ---------------------------------------------------------------------- the editor's form
@dataclass
class Entry:
    """One ``[[action]]`` or ``[[retaliation]]`` of the form: its kind and its fields as text."""

    kind: str
    fields: dict[str, str]

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


@dataclass
class EditorState:
    """The editor's form: header fields, entries and kept tables, all as text (what the browser shows)."""

    head: dict[str, str]
    entries: list[Entry]
    kept: str = ""

    @classmethod
    def from_spec(cls, spec: Scenario) -> EditorState:
        """The form of a validated scenario."""
        head = spec.scenario
        dates = head.dates if head.dates is not None else [head.date] if head.date is not None else []
        fields = {"name": head.name, "description": head.description, "world": head.world, "model": head.model,
                  "closure": head.closure, "numeraire": head.numeraire,
                  "elasticities": "" if head.elasticities is None else _number_text(head.elasticities)
                  if isinstance(head.elasticities, float) else head.elasticities,
                  "dates": ", ".join(d.isoformat() for d in dates)}
        entries = [Entry(kind, _entry_text(kind, e)) for kind in ENTRY_FIELDS for e in getattr(spec, kind)]
        data = spec.model_dump(mode="python", exclude_defaults=True)
        kept = {k: data[k] for k in KEPT_TABLES if k in data and data[k] not in (None, {}, [])}
        for name in ("game", "uncertainty", "sweep"):
            if getattr(spec, name) is not None:
                kept[name] = getattr(spec, name).model_dump(mode="python", exclude_defaults=True)
        text = data_to_toml({"scenario": {}, **kept}) if kept else ""
        return cls(head=fields, entries=entries, kept=_without_header(text))

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> EditorState:
        """The form as posted: ``scenario.KEY``, ``action.N.KEY``, ``retaliation.N.KEY`` and ``kept``."""
        head = {k: _text(form.get(f"scenario.{k}")) for k in HEAD_FIELDS}
        found: dict[tuple[int, str], dict[str, str]] = {}
        for key in form:
            parts = str(key).split(".")
            if len(parts) == 3 and parts[0] in ENTRY_FIELDS and parts[1].isdigit() and len(parts[1]) < 5 \
                    and parts[2] in ENTRY_FIELDS[parts[0]]:
                found.setdefault((int(parts[1]), parts[0]), {})[parts[2]] = _text(form.get(key))
        kinds = list(ENTRY_FIELDS)
        entries = [Entry(kind, found[(n, kind)]) for n, kind in sorted(found, key=lambda k: (kinds.index(k[1]), k[0]))]
        return cls(head=head, entries=entries, kept=_text(form.get("kept")))

    def data(self) -> dict[str, Any]:
        """The scenario as plain data for :func:`~tariffsim.scenario.writer.data_to_toml` (typed where the text
        reads as its type; anything else is left as text for the reader to report)."""
        head: dict[str, Any] = {"name": self.head.get("name", "")}
        for key in ("description", "world", "model", "closure", "numeraire"):
            if self.head.get(key, "").strip():
                head[key] = self.head[key].strip()
        elasticities = self.head.get("elasticities", "").strip()
        if elasticities:  # a set code, or one θ (text that reads as a number is the number)
            head["elasticities"] = _number(elasticities)
        dates = [_date(d) for d in _split(self.head.get("dates", ""))]
        if len(dates) == 1:
            head["date"] = dates[0]
        elif dates:
            head["dates"] = dates
        data: dict[str, Any] = {"scenario": head}
        for entry in self.entries:
            data.setdefault(entry.kind, []).append(_entry_data(entry))
        if self.kept.strip():
            try:
                kept = tomllib.loads(self.kept)
            except tomllib.TOMLDecodeError as exc:
                raise ScenarioError(f"the kept tables are not valid TOML: {getattr(exc, 'msg', exc)}",
                                    key="kept") from None
            unknown = sorted(set(kept) - set(KEPT_TABLES))
            if unknown:
                raise ScenarioError(f"the kept tables hold {', '.join(unknown)}: edit the header, actions and "
                                    "retaliations in the form", key="kept")
            data.update(kept)
        return data

    def toml(self) -> str:
        """The form as scenario TOML text (not yet validated)."""
        try:
            return data_to_toml(self.data())
        except TypeError as exc:  # a value TOML cannot hold: not from a form
            raise ScenarioError(f"cannot write the form as TOML ({exc})") from None

    def add(self, kind: str) -> None:
        if kind not in ENTRY_FIELDS:
            raise ScenarioError(f"cannot add a {kind!r}: add an action or a retaliation")
        fields = {"rate": "25%", "mode": "add"}
        if kind == "action":
            fields.update(imposer="", target="", sectors="all")
            # actions come before retaliations, as the form numbers them
            self.entries.insert(sum(e.kind == "action" for e in self.entries), Entry(kind, fields))
        else:
            self.entries.append(Entry(kind, fields))

    def remove(self, index: int) -> None:
        if not 0 <= index < len(self.entries):
            raise ScenarioError(f"no entry {index} to remove")
        del self.entries[index]

    def numbered(self) -> list[tuple[str, Entry]]:
        """Each entry with its form prefix (``action.0``), numbering each kind on its own as the TOML does."""
        counts: dict[str, int] = {}
        out = []
        for entry in self.entries:
            k = counts.get(entry.kind, 0)
            counts[entry.kind] = k + 1
            out.append((f"{entry.kind}.{k}", entry))
        return out


def blank_state(world: str) -> EditorState:
    """A new scenario with one action to fill in."""
    state = EditorState(head={"name": "my-scenario", "description": "", "world": world, "model": "gravity",
                              "closure": "fixed_level", "numeraire": "world_output", "elasticities": "",
                              "dates": ""}, entries=[])
    state.add("action")
    state.entries[0].fields.update(imposer="USA", target="CHN")
    return state


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _split(text: str) -> list[str]:
    return [p for p in _LIST_SPLIT.split(text.strip()) if p]


def _date(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text  # the reader says how a date is written


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _entry_data(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ENTRY_FIELDS[entry.kind]:
        text = entry.get(name).strip()
        if name == "suspended":
            if text:
                out[name] = True
            continue
        if not text:
            continue
        if name == "target":
            out[name] = _target(text)
        elif name in ("products", "exclude"):
            out[name] = _split(text)
        elif name == "sectors":
            out[name] = "all" if text.lower() == "all" else _split(text)
        elif name == "rate":
            out[name] = text if text.endswith("%") else _number(text)
        elif name == "coverage":
            out[name] = _number(text)
        elif name in ("effective", "until"):
            out[name] = _date(text)
        elif name == "mode" and text == "add":
            continue
        else:
            out[name] = text
    return out


def _target(text: str) -> Any:
    match = _ALL_EXCEPT.match(text)
    if match:
        return {"all_except": _split(match.group(1))}
    if text.lower() == "all":
        return "all"
    return _split(text)


def _number_text(value: float) -> str:
    return f"{value:.12g}"


def _entry_text(kind: str, entry: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in ENTRY_FIELDS[kind]:
        value = getattr(entry, name, None)
        if value is None or value == "" or value == []:
            continue
        if name == "rate":
            out[name] = f"{100 * value:.12g}%"
        elif name == "coverage":
            out[name] = _number_text(value)
        elif name == "suspended":
            if value:
                out[name] = "on"
        elif name == "target":
            out[name] = (f"all except {', '.join(value.all_except)}" if hasattr(value, "all_except") else
                         ", ".join(value) if isinstance(value, list) else str(value))
        elif isinstance(value, ProductList):
            out[name] = value.file  # a file: the app refuses it, and says so
        elif isinstance(value, list):
            out[name] = ", ".join(str(v) for v in value)
        elif isinstance(value, dt.date):
            out[name] = value.isoformat()
        else:
            out[name] = str(value)
    return out


def _without_header(text: str) -> str:
    return text.split("\n", 2)[-1].lstrip("\n") if text.startswith("[scenario]\n") else text


# ---------------------------------------------------------------------- reading under the app's rules
class ScenarioReader:
    """Reads scenario text from the browser under the app's rules (see the module docstring).

    Parameters
    ----------
    worlds
        The Worlds the app offers.
    lists_dir
        The app's folder of named product lists, if any.
    """

    def __init__(self, worlds: WorldShelf, lists_dir: Path | None = None) -> None:
        self.worlds = worlds
        self.lists_dir = lists_dir
        self._sandbox = Path(tempfile.mkdtemp(prefix="tariffsim-web-"))

    def close(self) -> None:
        shutil.rmtree(self._sandbox, ignore_errors=True)

    def read(self, text: str) -> LoadedScenario:
        """The scenario in ``text``, whole (a bundled parent merged in), checked against the app's rules.

        Raises
        ------
        ScenarioError
            Naming ``scenario.toml``, the line and the key, as ``tariffsim scenario check`` does.
        """
        if not isinstance(text, str):
            raise ScenarioError("a scenario is TOML text")
        folder = Path(tempfile.mkdtemp(dir=self._sandbox))
        path = folder / SHOWN_NAME
        try:
            loaded = parse_scenario(text, path=path)
            self.check(loaded)
            if loaded.spec.scenario.extends is not None:
                path.write_text(text, encoding="utf-8")
                merged = load_scenario(path)
                self.check(merged)
                return parse_scenario(to_toml(merged.spec))
            return parse_scenario(text)
        except ScenarioError as exc:
            raise self._shown(exc, folder) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _shown(self, exc: ScenarioError, folder: Path) -> ScenarioError:
        """The error as the user sees it: the private folder is never named."""
        file = exc.file
        if file is not None:
            file = SHOWN_NAME if Path(file).parent == folder else Path(file).name
        message = exc.message.replace(str(folder), ".").replace(str(self._sandbox), ".")
        return ScenarioError(message, file=file, line=exc.line, key=exc.key)

    def check(self, loaded: LoadedScenario) -> None:
        """Refuse what the app does not allow: worlds that are not its names, files, non-bundled parents."""
        spec = loaded.spec
        head = spec.scenario

        def where(*key: Any) -> dict[str, Any]:
            return {"file": str(loaded.path) if loaded.path else None, "line": locate(loaded.text, key),
                    "key": ".".join(str(k) for k in key)}

        if head.world not in self.worlds.names():
            raise ScenarioError(f"world {_shown(head.world)}: in the app a world is one of "
                                f"{', '.join(self.worlds.names())} (chosen by name, never by folder)",
                                **where("scenario", "world"))
        if head.extends is not None:
            stem = head.extends[:-5] if head.extends.endswith(".toml") else head.extends
            if stem not in bundled_scenarios():
                raise ScenarioError(f"extends {_shown(head.extends)}: in the app a scenario extends a bundled "
                                    f"scenario only ({', '.join(bundled_scenarios())})", **where("scenario", "extends"))
        for kind in ("action", "retaliation"):
            for k, entry in enumerate(getattr(spec, kind)):
                item = entry.product_list
                if item is None:
                    continue
                name = item.file if isinstance(item, ProductList) else item
                if isinstance(item, ProductList) or not _plain_name(name):
                    raise loaded.origin(kind, k).error(
                        f"product list {_shown(name)}: in the app a product list is the plain name of a list in the "
                        "app's lists folder (tariffsim serve --lists DIR), never a file", "product_list")
        if spec.uncertainty is not None:
            for k, law in enumerate(spec.uncertainty.elasticity):
                if law.file is not None:
                    raise ScenarioError("the app reads no files: give elasticity laws (normal, lognormal, uniform, "
                                        "choice), not a file", **where("uncertainty", "elasticity", k, "file"))
        if spec.game is not None and spec.game.weights is not None:
            raise ScenarioError("the app reads no files: political weights are not available in the app",
                                **where("game", "weights"))

    def lists(self) -> list[str]:
        """Names of the product lists in the app's lists folder."""
        if self.lists_dir is None or not self.lists_dir.is_dir():
            return []
        return sorted({p.stem for p in self.lists_dir.iterdir() if p.suffix in (".csv", ".parquet")})


def _plain_name(name: str) -> bool:
    return bool(name) and Path(name).name == name and not name.startswith(".") and \
        not any(c in name for c in "\\/:\x00") and Path(name).suffix.lower() not in (".csv", ".parquet")


def _shown(value: object, limit: int = 60) -> str:
    text = repr(str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------------- keeping
@dataclass(frozen=True)
class StoredScenario:
    """A scenario saved in the app: the whole scenario as TOML, and where it came from."""

    id: str
    name: str
    text: str
    origin: str
    created: float = field(default_factory=time.time)
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description, "origin": self.origin,
                "created": self.created, "toml": self.text}


class ScenarioBook:
    """Scenarios saved in the app, by id (see the module docstring)."""

    def __init__(self, limit: int = KEEP_SCENARIOS) -> None:
        self._items: OrderedDict[str, StoredScenario] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def add(self, loaded: LoadedScenario, origin: str) -> StoredScenario:
        item = StoredScenario(id="s" + secrets.token_hex(6), name=loaded.name, text=loaded.text, origin=origin,
                              description=loaded.spec.scenario.description)
        with self._lock:
            self._items[item.id] = item
            while len(self._items) > self._limit:
                self._items.popitem(last=False)
        return item

    def get(self, scenario_id: str) -> StoredScenario:
        with self._lock:
            item = self._items.get(scenario_id)
        if item is None:
            raise TariffsimError(f"no saved scenario '{scenario_id[:40]}' in this app (saved scenarios last until "
                                 "the app stops; runs keep theirs in the runs store)")
        return item

    def all(self) -> Sequence[StoredScenario]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._items.values()))
