"""Reading scenario files: what they may read, TOML parsing, validation, ``extends`` overlays, error locations.

Every problem becomes a :class:`~tariffsim.errors.ScenarioError` naming the file,
the line and the key; nothing else escapes (the property tests feed arbitrary
text to :func:`parse_scenario`).

Scenario files are untrusted input (docs/scenarios.md, "Scenario files are
untrusted input"): the files a scenario names — ``extends``, ``product_list``,
``world`` — are read only inside the allowed folders of its :class:`FileAccess`
(the scenario's own folder, the bundled library, the catalog's datasets and
any ``allow_paths``), only when they are regular files, and only up to the
byte limits of :class:`ScenarioLimits`. The TOML text is pre-scanned for its
size, nesting depth and dotted-key length before the TOML parser sees it.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tariffsim.errors import ScenarioError
from tariffsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from tariffsim.world import World

__all__ = [
    "FileAccess",
    "FileRefused",
    "FileTooLarge",
    "LoadedScenario",
    "Origin",
    "ScenarioLimits",
    "bundled_scenario_path",
    "bundled_scenarios",
    "load_scenario",
    "load_scenario_world",
    "locate",
    "parse_scenario",
    "prescan",
    "read_limited",
    "read_prefix",
]

TABLES = ("action", "retaliation", "trade_cost", "purchase")
"""Array-of-tables keys whose entries carry a label and can be overlaid by ``extends``."""

AllowPaths = Iterable[str | Path]


# ---------------------------------------------------------------------- limits and file access
@dataclass(frozen=True)
class ScenarioLimits:
    """Bounds on what reading a scenario may cost; checked before anything is parsed.

    The defaults are far above any real scenario (the bundled ones are under 10 KB,
    nest 2 deep, use no dotted key and extend at most once) and far below what
    exhausts memory or the Python stack. Widen them by passing your own to
    :func:`load_scenario` or :func:`parse_scenario`.

    Attributes
    ----------
    max_file_bytes
        Size of one scenario file (UTF-8 bytes): 30 times the largest bundled scenario;
        the TOML parser needs up to about 2 s for 256 KB of dense text.
    max_nesting
        Arrays and inline tables inside each other (the TOML parser recurses on each;
        ~300 levels exhaust Python's stack).
    max_key_parts
        Parts of one dotted key or table header (``a.b.c`` has 3); the TOML parser's
        cost grows with the square of this (20,000 parts take 2.5 GB).
    max_extends
        Files in an ``extends`` chain, the first one included.
    max_list_bytes
        Size of one product-list file (the USTR Section 301 annexes are 0.5 MB).
    max_world_bytes
        Size of each file of a World folder named by ``world``.
    """

    max_file_bytes: int = 256 * 1024
    max_nesting: int = 32
    max_key_parts: int = 32
    max_extends: int = 16
    max_list_bytes: int = 64 * 1024**2
    max_world_bytes: int = 1024**3


class FileRefused(ValueError):
    """A file a scenario names that it may not read (outside the allowed folders, not a
    regular file, too large). Callers turn it into a :class:`ScenarioError` with the key."""


class FileTooLarge(FileRefused):
    """A file larger than its byte limit."""


def _library() -> Path:
    return Path(str(resources.files("tariffsim.scenario") / "library"))


def _catalog_datasets() -> Path:
    # Imported late: the catalog pulls in DuckDB, which most scenarios never need.
    from tariffsim.data.catalog import default_data_dir

    return default_data_dir() / "datasets"


def _within(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


@dataclass(frozen=True)
class FileAccess:
    """Which files a scenario may read, and how many bytes of each.

    Allowed: files inside ``home`` (the folder of the scenario file given by the user;
    the current folder for text without a file), the bundled scenario library, the
    catalog's datasets (``DATA_DIR/datasets``) and each of ``allow_paths``, at any
    depth below them. Paths are compared after resolving ``..`` and symbolic links,
    so neither leads outside.
    """

    home: Path | None = None
    allow_paths: tuple[Path, ...] = ()
    limits: ScenarioLimits = field(default_factory=ScenarioLimits)

    def widened(self, allow_paths: AllowPaths = ()) -> FileAccess:
        """The same access with more allowed folders (one path, or several)."""
        # A lone string is one folder: iterating "/srv/lists" would allow "/" and each letter.
        paths = [allow_paths] if isinstance(allow_paths, str | Path) else list(allow_paths)
        extra = tuple(Path(p).expanduser() for p in paths)
        missing = [str(p) for p in extra if not p.is_dir()]
        if missing:  # a mistyped folder must not silently leave the scenario confined
            raise ScenarioError(f"allowed path {_shown(missing[0])} is not a folder")
        return self if not extra else replace(self, allow_paths=(*self.allow_paths, *extra))

    def roots(self, *, catalog: bool = True) -> list[Path]:
        """The allowed folders, resolved."""
        out = [(self.home or Path.cwd()).resolve(), _library().resolve(), *(p.resolve() for p in self.allow_paths)]
        if catalog:
            out.append(_catalog_datasets().resolve())
        return out

    def resolve(self, name: str, base: Path | None, what: str) -> Path:
        """``name`` (absolute, or relative to ``base``, else to ``home``) as a resolved path
        inside the allowed folders. Raises :class:`FileRefused` otherwise."""
        if not name or "\x00" in name or len(name) > 4096:
            raise FileRefused(f"{what} {_shown(name)} is not a file name")
        path = Path(name).expanduser()
        if not path.is_absolute():
            path = (base or self.home or Path.cwd()) / path
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError, ValueError):  # symlink loops, odd names
            raise FileRefused(f"{what} {_shown(name)} cannot be resolved to a file") from None
        if not (_within(resolved, self.roots(catalog=False)) or _within(resolved, [_catalog_datasets().resolve()])):
            raise FileRefused(
                f"{what} {_shown(name)} is outside the folders a scenario may read (its own folder "
                f"{self.roots(catalog=False)[0]}, the bundled library and the catalog); allow another folder "
                "with --allow-path DIR (allow_paths=[...] in Python)")
        return resolved

    def read(self, path: Path, max_bytes: int, what: str) -> bytes:
        """The bytes of a regular file, at most ``max_bytes`` (see :func:`read_limited`)."""
        return read_limited(path, max_bytes, what)


def read_limited(path: str | Path, max_bytes: int, what: str = "file") -> bytes:
    """The content of a regular file of at most ``max_bytes`` bytes.

    Folders, devices (``/dev/zero``), pipes (a FIFO would block forever) and sockets
    are refused before anything is read; the file is opened without blocking and
    checked again on the open handle, and never more than ``max_bytes + 1`` bytes
    are read, so a file that grows while read is refused too.

    Raises
    ------
    FileNotFoundError
        No such file.
    FileRefused
        Not a regular file.
    FileTooLarge
        Larger than ``max_bytes``.
    """
    data = _read_regular(Path(path), max_bytes, what, whole=True)
    if len(data) > max_bytes:
        raise FileTooLarge(f"{what} {path} is larger than the limit of {max_bytes:,} bytes")
    return data


def read_prefix(path: str | Path, n_bytes: int, what: str = "file") -> bytes:
    """The first ``n_bytes`` of a regular file (e.g. to read a CSV header); refusals as :func:`read_limited`."""
    return _read_regular(Path(path), n_bytes, what, whole=False)[:n_bytes]


def _read_regular(p: Path, max_bytes: int, what: str, whole: bool) -> bytes:
    try:
        info = os.stat(p)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} not found: {p}") from None
    except (OSError, ValueError) as exc:
        raise FileRefused(f"{what} {p} cannot be read ({getattr(exc, 'strerror', None) or 'bad name'})") from None
    limit = max_bytes if whole else None
    _check_regular(info, p, limit, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise FileRefused(f"{what} {p} cannot be read ({exc.strerror})") from None
    try:
        _check_regular(os.fstat(fd), p, limit, what)
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise FileRefused(f"{what} {p} cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _check_regular(info: os.stat_result, path: Path, max_bytes: int | None, what: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise FileRefused(f"{what} {path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{what} {path} is not a regular file (a device, pipe or socket); it is not read")
    if max_bytes is not None and info.st_size > max_bytes:
        raise FileTooLarge(f"{what} {path} has {info.st_size:,} bytes, more than the limit of {max_bytes:,}")


def _shown(value: object, limit: int = 80) -> str:
    """A scenario value quoted for an error message: repr (control characters escaped), cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "…" + text[-3:]


# ---------------------------------------------------------------------- pre-scan of the TOML text
_SPECIAL = re.compile(r"[\"'#\[\]{}\n.=,]")
_BASIC_BODY = re.compile(r"(?:[^\"\\\n]+|\\[^\n])*")
_LITERAL_BODY = re.compile(r"[^'\n]*")


def prescan(text: str, limits: ScenarioLimits | None = None, *, file: str | None = None) -> None:
    """Refuse TOML text that would cost too much to parse, before the parser sees it.

    One linear pass that skips strings and comments as TOML does, and measures the
    size, the nesting of arrays and inline tables, and the parts of each dotted key
    or table header against ``limits``.

    Raises
    ------
    ScenarioError
        Naming the line and the limit (and how to widen it).
    """
    limits = limits or ScenarioLimits()
    size = len(text) if len(text) * 4 <= limits.max_file_bytes else len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_file_bytes:
        raise ScenarioError(f"the scenario text has {size:,} bytes, more than the limit of "
                            f"{limits.max_file_bytes:,} (ScenarioLimits.max_file_bytes); put long product lists "
                            "in a product_list file", file=file)
    n = len(text)
    depth = dots = pos = 0
    while True:
        m = _SPECIAL.search(text, pos)
        if m is None:
            return
        char, at = m.group(), m.start()
        pos = at + 1
        if char == "#":
            end = text.find("\n", at)
            pos = n if end < 0 else end
        elif char in "\"'":
            pos = _skip_string(text, at, char)
        elif char in "[{":
            depth += 1
            dots = 0
            if depth > limits.max_nesting:
                raise ScenarioError(f"arrays and tables nest more than {limits.max_nesting} deep "
                                    "(ScenarioLimits.max_nesting)", file=file, line=text.count("\n", 0, at) + 1)
        elif char in "]}":
            depth = max(depth - 1, 0)
            dots = 0
        elif char == ".":
            dots += 1
            if dots >= limits.max_key_parts:
                raise ScenarioError(f"a dotted key has more than {limits.max_key_parts} parts "
                                    "(ScenarioLimits.max_key_parts)", file=file, line=text.count("\n", 0, at) + 1)
        else:  # newline, '=' or ',': a key or value ends
            dots = 0


def _skip_string(text: str, at: int, quote: str) -> int:
    """Index just after the TOML string starting at ``at`` (or where a one-line string breaks)."""
    n = len(text)
    triple = quote * 3
    if text.startswith(triple, at):
        search = at + 3
        while True:
            close = text.find(triple, search)
            if close < 0:
                return n
            if quote == '"' and _escaped(text, close):
                search = close + 1
                continue
            end = close + 3
            # Up to two more quotes belong to the content: '""""' is one quote and the delimiter.
            while end < n and end - close < 5 and text[end] == quote:
                end += 1
            return end
    body = (_BASIC_BODY if quote == '"' else _LITERAL_BODY).match(text, at + 1)
    end = body.end() if body else at + 1
    return end + 1 if end < n and text[end] == quote else end


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    k = index - 1
    while k >= 0 and text[k] == "\\":
        backslashes += 1
        k -= 1
    return backslashes % 2 == 1


# ---------------------------------------------------------------------- loaded scenarios
@dataclass(frozen=True)
class Origin:
    """Where an entry was declared: for error messages, relative paths and file access."""

    file: str | None
    text: str
    table: str
    index: int
    access: FileAccess | None = None
    """What the scenario may read (set by :meth:`LoadedScenario.origin`)."""

    @property
    def base_dir(self) -> Path | None:
        return None if self.file is None else Path(self.file).parent

    def error(self, message: str, key: str | None = None) -> ScenarioError:
        loc: tuple[Any, ...] = (self.table, self.index) + ((key,) if key else ())
        dotted = ".".join(str(x) for x in loc)
        return ScenarioError(message, file=self.file, line=locate(self.text, loc), key=dotted)

    def file_access(self) -> FileAccess:
        return self.access or FileAccess(home=self.base_dir)


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario (after ``extends``), with where each entry came from."""

    spec: Scenario
    path: Path | None
    text: str
    origins: dict[tuple[str, int], Origin] = field(default_factory=dict)
    """``(table, index in spec) -> Origin`` for every entry of :data:`TABLES`."""
    access: FileAccess | None = None
    """What the scenario may read; ``None``: its own folder (see :class:`FileAccess`) with default limits."""
    world_dir: Path | None = None
    """Folder that a relative ``world`` path is resolved against: that of the file that set it."""

    @property
    def name(self) -> str:
        return self.spec.scenario.name

    @property
    def base_dir(self) -> Path | None:
        return None if self.path is None else self.path.parent

    def file_access(self) -> FileAccess:
        return self.access or FileAccess(home=self.base_dir)

    def allowing(self, allow_paths: AllowPaths = ()) -> LoadedScenario:
        """The same scenario, allowed to read inside ``allow_paths`` too."""
        extra = [allow_paths] if isinstance(allow_paths, str | Path) else list(allow_paths)
        return self if not extra else replace(self, access=self.file_access().widened(extra))

    def origin(self, table: str, index: int) -> Origin:
        found = self.origins.get((table, index)) or Origin(str(self.path) if self.path else None, self.text, table,
                                                           index)
        return replace(found, access=self.file_access())


def bundled_scenarios() -> list[str]:
    """Names of the scenario files shipped with tariffsim."""
    return sorted(p.name[:-5] for p in _library().iterdir() if p.name.endswith(".toml"))


def bundled_scenario_path(name: str) -> Path:
    """Path of a bundled scenario by name (with or without ``.toml``)."""
    stem = name[:-5] if name.endswith(".toml") else name
    names = bundled_scenarios()
    if stem not in names:
        raise ScenarioError(f"no bundled scenario {_shown(name)}; bundled: {', '.join(names)}")
    return _library() / f"{stem}.toml"


def load_scenario(path: str | Path, *, allow_paths: AllowPaths = (),
                  limits: ScenarioLimits | None = None) -> LoadedScenario:
    """Read and validate a scenario file (a path, or the name of a bundled scenario).

    Parameters
    ----------
    path
        The scenario file, or a bundled scenario's name.
    allow_paths
        Folders the scenario may read besides its own folder, the bundled library
        and the catalog (for ``extends``, ``product_list`` and ``world``).
    limits
        Size, nesting and chain-length limits (:class:`ScenarioLimits`; defaults
        suit every hand-written scenario).

    Raises
    ------
    ScenarioError
        Naming the file, line and key.
    """
    p = Path(path)
    if not p.exists() and not p.suffix and str(path) in bundled_scenarios():
        p = bundled_scenario_path(str(path))
    access = FileAccess(home=p.absolute().parent, limits=limits or ScenarioLimits()).widened(allow_paths)
    return _load(p, access, seen=())


def _read(p: Path, limits: ScenarioLimits) -> str:
    try:
        data = read_limited(p, limits.max_file_bytes, "scenario file")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=str(p)) from None
    except FileTooLarge as exc:
        raise ScenarioError(f"{exc} (ScenarioLimits.max_file_bytes)", file=str(p)) from None
    except FileRefused as exc:
        raise ScenarioError(str(exc), file=str(p)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", file=str(p)) from None


def _load(p: Path, access: FileAccess, seen: tuple[Path, ...]) -> LoadedScenario:
    resolved = p.resolve()
    if resolved in seen:
        chain = " -> ".join(str(x) for x in (*seen, resolved))
        raise ScenarioError(f"extends forms a cycle: {chain}", file=str(p), key="scenario.extends")
    if len(seen) >= access.limits.max_extends:
        raise ScenarioError(f"the extends chain is longer than {access.limits.max_extends} files "
                            "(ScenarioLimits.max_extends)", file=str(p), key="scenario.extends")
    loaded = _parse(_read(p, access.limits), p, access)
    if loaded.spec.scenario.extends is None:
        return loaded
    parent = _load(_parent_path(loaded, access), access, seen=(*seen, resolved))
    return _overlay(parent, loaded)


def _parent_path(loaded: LoadedScenario, access: FileAccess) -> Path:
    """The file that ``extends`` names: relative to the file, or a bundled scenario."""
    name = loaded.spec.scenario.extends or ""
    where: dict[str, Any] = {"file": str(loaded.path), "line": locate(loaded.text, ("scenario", "extends")),
                             "key": "scenario.extends"}
    stem = name[:-5] if name.endswith(".toml") else name
    bundled = stem in bundled_scenarios()
    if not name.endswith(".toml") and not bundled:
        raise ScenarioError(f"extends {_shown(name)}: name a .toml file or a bundled scenario "
                            f"({', '.join(bundled_scenarios())})", **where)
    try:
        path = access.resolve(name, loaded.base_dir, "extends")
    except FileRefused as exc:
        if bundled:
            return bundled_scenario_path(stem)
        raise ScenarioError(str(exc), **where) from None
    if path.exists():  # a folder, pipe or device is refused when read, with that reason
        return path
    if bundled:
        return bundled_scenario_path(stem)
    raise ScenarioError(f"extends: no such file {_shown(name)}", **where)


def _overlay(parent: LoadedScenario, child: LoadedScenario) -> LoadedScenario:
    """The child's header keys override the parent's; entries with a parent's label replace it."""
    own = child.spec.scenario.model_fields_set - {"extends"}
    update = {k: getattr(child.spec.scenario, k) for k in own}
    # One evaluation rule per scenario: a child's `date` replaces a parent's `dates`, and vice versa.
    if "date" in own and "dates" not in own:
        update["dates"] = None
    if "dates" in own and "date" not in own:
        update["date"] = None
    header = parent.spec.scenario.model_copy(update={**update, "extends": None})
    regions = {**parent.spec.regions, **child.spec.regions}
    merged: dict[str, Any] = {}
    origins: dict[tuple[str, int], Origin] = {}
    # Tariff actions and retaliations share one label namespace (retaliations answer action labels).
    for table in TABLES:
        entries = list(getattr(parent.spec, table))
        owners = [parent.origin(table, k) for k in range(len(entries))]
        position: dict[str, int] = {}
        for k, e in enumerate(entries):
            if e.label:
                position.setdefault(e.label, k)
        for k, entry in enumerate(getattr(child.spec, table)):
            where = child.origin(table, k)
            hit = position.get(entry.label) if entry.label else None
            if hit is not None:
                entries[hit] = entry
                owners[hit] = where
            else:
                entries.append(entry)
                owners.append(where)
        merged[table] = entries
        for k, owner in enumerate(owners):
            origins[(table, k)] = owner
    # Single tables (`[game]` and the like) are the child's when it has one, else the parent's.
    single = {name: getattr(child.spec, name) if name in child.spec.model_fields_set else getattr(parent.spec, name)
              for name in Scenario.model_fields if name not in ("scenario", "regions", *TABLES)}
    try:
        spec = Scenario(scenario=header, regions=regions, **merged, **single)
    except ValidationError as exc:
        raise ScenarioError(f"after applying extends: {_message(exc.errors()[0])}", file=str(child.path)) from None
    world_dir = child.world_dir if "world" in own else parent.world_dir
    return LoadedScenario(spec=spec, path=child.path, text=child.text, origins=origins, access=child.access,
                          world_dir=world_dir)


def parse_scenario(text: str, *, path: Path | None = None, allow_paths: AllowPaths = (),
                   limits: ScenarioLimits | None = None) -> LoadedScenario:
    """Validate scenario TOML text. Raises :class:`ScenarioError` and nothing else.

    ``path`` (where the text came from) names the scenario's folder, which relative
    file names are resolved against and which the scenario may read; without it,
    the current folder. ``allow_paths`` and ``limits`` are as for :func:`load_scenario`;
    ``extends`` is not followed here.
    """
    home = None if path is None else Path(path).absolute().parent
    access = FileAccess(home=home, limits=limits or ScenarioLimits()).widened(allow_paths)
    return _parse(text, path, access)


def _parse(text: str, path: Path | None, access: FileAccess) -> LoadedScenario:
    file = None if path is None else str(path)
    prescan(text, access.limits, file=file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        message = str(getattr(exc, "msg", exc))
        raise ScenarioError(f"not valid TOML: {message}", file=file, line=line) from None
    except (TypeError, ValueError) as exc:  # e.g. NUL characters
        raise ScenarioError(f"not valid TOML: {exc}", file=file) from None
    except RecursionError:  # the pre-scan bounds nesting; this is the backstop
        raise ScenarioError("nested too deeply to read", file=file) from None
    try:
        spec = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(x) for x in loc) if loc else None
        raise ScenarioError(_message(err), file=file, line=locate(text, loc), key=key) from None
    except RecursionError:
        raise ScenarioError("nested too deeply to validate", file=file) from None
    origins = {(table, k): Origin(file, text, table, k)
               for table in TABLES for k in range(len(getattr(spec, table)))}
    world_dir = None if path is None else Path(path).parent
    return LoadedScenario(spec=spec, path=path, text=text, origins=origins, access=access, world_dir=world_dir)


def load_scenario_world(loaded: LoadedScenario, world: str | Path | None = None, *,
                        allow_paths: AllowPaths = ()) -> World:
    """The baseline World of a scenario.

    Parameters
    ----------
    loaded
        The scenario.
    world
        A World chosen by the user (``--world``): a bundled name or any World folder;
        it overrides the scenario's ``world`` key and is not restricted.
    allow_paths
        More folders the scenario's own ``world`` key may point into.

    The scenario's ``world`` is a bundled name, or a World folder (relative to the file
    that set it) inside the folders the scenario may read, whose ``.csv`` and
    ``.json`` files are regular files of at most ``ScenarioLimits.max_world_bytes``.

    Raises
    ------
    ScenarioError
        For a folder the scenario may not read, naming the key ``scenario.world``.
    DataError, WorldError
        For a World folder that cannot be read or holds invalid data.
    """
    from tariffsim.data.worlds import BUNDLED_WORLDS, load_world

    if world is not None:
        return load_world(world)
    name = loaded.spec.scenario.world
    if name in BUNDLED_WORLDS:
        return load_world(name)
    access = loaded.allowing(allow_paths).file_access()
    try:
        folder = access.resolve(name, loaded.world_dir or loaded.base_dir, "world")
        _check_world_folder(folder, access)
    except (FileRefused, FileNotFoundError) as exc:
        raise ScenarioError(str(exc), file=str(loaded.path) if loaded.path else None,
                            line=locate(loaded.text, ("scenario", "world")), key="scenario.world") from None
    return load_world(folder)


def _check_world_folder(folder: Path, access: FileAccess) -> None:
    from tariffsim.data.worlds import bundled_world_names

    try:
        info = os.stat(folder)
    except OSError:
        raise FileNotFoundError(f"no bundled world called {_shown(folder.name)} and no such folder; bundled "
                                f"worlds: {', '.join(bundled_world_names())}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise FileRefused(f"world {folder} is not a folder (a World is a folder with flows.csv, elasticity.csv "
                          "and world.json)")
    limit = access.limits.max_world_bytes
    for entry in folder.iterdir():
        if entry.suffix.lower() not in (".csv", ".json"):
            continue
        target = access.resolve(str(entry), None, "world file")
        try:
            _check_regular(os.stat(target), entry, limit, "world file")
        except FileNotFoundError:
            continue


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
        shown = {True: "true", False: "false"}.get(got) if isinstance(got, bool) else _shown(got, 60)
        msg += f" (got {shown})"
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
