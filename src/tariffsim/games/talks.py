"""A talks case end to end: two positions, a threat, a bargain and a target, as one run.

A :class:`TalksCase` names the parties, each party's position (a scenario overlay), the
threat point (``"nash"``, ``"status-quo"`` or a scenario such as the May 2018 threat),
what is on the bargaining table and, optionally, a bilateral-balance target (the US
demand that China cut its surplus by $200 billion by the end of 2020). :func:`run_talks`
answers every question of the case (:func:`~tariffsim.games.gap.position_gap` and
:func:`~tariffsim.games.targets.find_target`) and returns a :class:`TalksRun`, whose
:meth:`~TalksRun.write` lays the answers out as tables and ``talks.json`` (and the HTML
report, which reads only those).

The bundled case :data:`TALKS_CASES` ``talks-may-2018`` is the seed; user cases are TOML
files with a ``[talks]`` table (and an optional ``[target]`` table), see docs/talks.md.
A case file is untrusted input like a scenario: the files it names must lie in its own
folder (or the bundled scenario library, or ``allow_paths``), it is read within a size limit,
and unknown keys are errors.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tariffsim._json import atomic_file, check_folder_target, dumps, output_error
from tariffsim.errors import ModelError, ScenarioError
from tariffsim.games.bargaining import Lever, PurchaseLever
from tariffsim.games.gap import Gap, position_gap
from tariffsim.games.instruments import Instrument, SectorMode
from tariffsim.games.targets import TargetInstrument, TargetResult, find_target
from tariffsim.options import SolverOptions, check_choice
from tariffsim.world import World

__all__ = ["TalksCase", "TargetSpec", "TalksRun", "TALKS_CASES", "load_talks_case", "run_talks", "talks_case",
           "parse_levers", "TALKS_FILES", "MAX_CASE_BYTES"]

MAX_CASE_BYTES = 256 * 1024
"""Largest talks case file read (the scenario files' limit)."""

TALKS_FILES = ("talks.json", "outcomes.csv", "countries.csv", "distance.csv", "frontier.csv", "zone.csv",
               "bargain.csv", "bargain_gains.csv", "split.csv", "target.csv", "target_costs.csv", "target_path.csv")
"""What :meth:`TalksRun.write` puts in a talks folder (``report.html`` too when asked; the target files only with a
target)."""


@dataclass(frozen=True)
class TargetSpec:
    """A bilateral-balance target of a talks case.

    Attributes
    ----------
    pair
        ``(A, B)``: the balance of A with B.
    balance_change
        USD millions (``-200000``).
    by
        The date it is demanded by.
    instruments
        Each entry one way of reaching it: an instrument (``"purchase:CHN:USA"``) or a
        combination joined by ``+`` (``"purchase:CHN:USA=200000+tariff-cut:CHN:USA=1"``).
    source
        Where the demand comes from.
    """

    pair: tuple[str, str]
    balance_change: float
    by: dt.date | None
    instruments: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class TalksCase:
    """Two positions, a threat and what is on the table.

    Attributes
    ----------
    name, description
        What the case is.
    parties
        The two parties, in the order of the positions.
    positions
        Each party's position: a scenario file or bundled scenario name.
    threat
        ``"nash"``, ``"status-quo"`` or a scenario (file or bundled name).
    bargain
        What the bargain is over: ``"tariff:A:B"`` (A's tariffs on B's goods, one rate per
        sector with ``sectors = "each"``, else one uniform rate) and ``"purchase:A:B"`` (A
        commits to buy more from B).
    sectors
        ``"uniform"`` or ``"each"``.
    weights
        Bargaining weights, in party order.
    world
        The baseline World (bundled name or folder); default the first position's.
    target
        The balance target, if any.
    source
        Where the case comes from.
    base_dir
        The folder relative to which files are found (the case file's).
    """

    name: str
    parties: tuple[str, str]
    positions: tuple[str, str]
    threat: str = "nash"
    bargain: tuple[str, ...] = ()
    sectors: SectorMode = "uniform"
    weights: tuple[float, float] = (1.0, 1.0)
    world: str | None = None
    target: TargetSpec | None = None
    description: str = ""
    source: str = ""
    base_dir: Path | None = None


SEED_SOURCE = ("Bloomberg, 'Ross Says U.S. and China Are Pretty Far Apart in Trade Talks' (9 May 2018): 'Trump wants "
               "China to cut its annual trade surplus with the U.S. by at least $200 billion by the end of 2020 and "
               "refrain from retaliation against proposed U.S. tariffs'; the US 'has threatened to impose tariffs "
               "on as much as $150 billion in Chinese goods'")

TALKS_CASES: dict[str, TalksCase] = {
    "talks-may-2018": TalksCase(
        name="talks-may-2018",
        description="The May 2018 US-China talks: the US and Chinese demands, the $150bn threat with China's "
                    "retaliation, the bargain over each side's tariffs and China's purchases, and the US demand of a "
                    "$200bn cut in China's surplus by the end of 2020",
        parties=("USA", "CHN"),
        positions=("us-demands-2018", "china-demands-2018"),
        threat="threat-150bn-2018-retaliation",
        bargain=("tariff:USA:CHN", "tariff:CHN:USA", "purchase:CHN:USA"),
        world="demo-2017",
        target=TargetSpec(pair=("CHN", "USA"), balance_change=-200_000.0, by=dt.date(2020, 12, 31),
                          instruments=("purchase:CHN:USA", "tariff:USA:CHN", "tariff-cut:CHN:USA",
                                       "purchase:CHN:USA=200000+tariff-cut:CHN:USA=1"),
                          source=SEED_SOURCE),
        source=SEED_SOURCE),
}
"""Bundled talks cases, by name."""


# ---------------------------------------------------------------------- reading cases
def parse_levers(texts: Sequence[str], sectors: SectorMode = "uniform") -> list[Lever]:
    """Bargaining instruments from ``tariff:A:B`` and ``purchase:A:B[=UPPER]`` texts; the tariffs of one
    importer on several partners become one instrument."""
    tariffs: dict[str, list[str]] = {}
    levers: list[Lever] = []
    for text in texts:
        parts = str(text).strip().split(":")
        kind = parts[0] if parts else ""
        if len(parts) != 3 or kind not in ("tariff", "purchase") or not all(parts):
            raise ModelError(f"bargaining instrument '{text}' is not tariff:A:B or purchase:A:B[=UPPER]")
        if kind == "tariff":
            tariffs.setdefault(parts[1], []).append(parts[2])
            continue
        partner, _, upper = parts[2].partition("=")
        try:
            cap = float(upper) if upper else None
        except ValueError:
            raise ModelError(f"bargaining instrument '{text}': '{upper}' is not a number") from None
        levers.append(PurchaseLever(parts[1], partner, upper=cap) if cap is not None else
                      PurchaseLever(parts[1], partner))
    out: list[Lever] = [Instrument(importer, partners="each", sectors=sectors, targets=tuple(partners))
                        for importer, partners in tariffs.items()]
    return out + levers


_CASE_KEYS = {"name", "description", "world", "parties", "positions", "threat", "bargain", "sectors", "weights",
              "source"}
_TARGET_KEYS = {"pair", "balance_change", "by", "instruments", "source"}


def _library() -> Path:
    from importlib import resources

    return Path(str(resources.files("tariffsim.scenario") / "library"))


def load_talks_case(path: str | Path, *, allow_paths: Sequence[str | Path] = ()) -> TalksCase:
    """Read a talks case file (TOML with ``[talks]`` and optional ``[target]``; see docs/talks.md).

    Raises
    ------
    ScenarioError
        For a file that cannot be read, is too large, is not valid TOML, has unknown or
        missing keys, or names a file outside the folders it may read.
    """
    file = Path(path).expanduser()
    where = str(path)
    try:
        info = os.stat(file)
    except OSError:
        raise ScenarioError("no such talks case file, and no bundled talks case of that name (bundled: "
                            f"{', '.join(TALKS_CASES)})", file=where) from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError("a talks case is a TOML file, not a folder or device", file=where)
    if info.st_size > MAX_CASE_BYTES:
        raise ScenarioError(f"talks case file larger than {MAX_CASE_BYTES // 1024} KB", file=where)
    try:
        with open(file, "rb") as handle:
            data = tomllib.loads(handle.read(MAX_CASE_BYTES + 1).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ScenarioError(f"not a readable TOML talks case ({type(exc).__name__}: {exc})", file=where) from None
    unknown = sorted(set(data) - {"talks", "target"})
    if unknown or not isinstance(data.get("talks"), dict):
        raise ScenarioError("a talks case has a [talks] table and optionally a [target] table"
                            + (f"; unknown: {', '.join(unknown)}" if unknown else ""), file=where)
    talks = data["talks"]
    _check_keys(talks, _CASE_KEYS, {"name", "parties", "positions"}, "talks", where)
    parties = _strings(talks["parties"], "talks.parties", where, 2)
    positions = _strings(talks["positions"], "talks.positions", where, 2)
    home = file.resolve().parent
    roots = [home, _library().resolve(), *(Path(p).expanduser().resolve() for p in allow_paths)]
    resolved = tuple(_confined(p, home, roots, "talks.positions", where) for p in positions)
    threat = str(talks.get("threat", "nash"))
    if threat not in ("nash", "status-quo"):
        threat = _confined(threat, home, roots, "talks.threat", where)
    world = talks.get("world")
    if world is not None:
        from tariffsim.data.worlds import BUNDLED_WORLDS

        world = str(world)
        if world not in BUNDLED_WORLDS:  # a World folder, read like the case's other files
            world = _confined(world, home, roots, "talks.world", where)
    weights = talks.get("weights", [1.0, 1.0])
    if not isinstance(weights, list) or len(weights) != 2 or not all(isinstance(w, int | float) for w in weights):
        raise ScenarioError("key 'talks.weights': two numbers, one per party", file=where)
    sectors = str(talks.get("sectors", "uniform"))
    if sectors not in ("uniform", "each"):
        raise ScenarioError(f"key 'talks.sectors': 'uniform' or 'each', got '{sectors}'", file=where)
    bargain = tuple(_strings(talks.get("bargain", []), "talks.bargain", where))
    target = None
    if "target" in data:
        target = _target(data["target"], where)
    case = TalksCase(name=str(talks["name"]), parties=(parties[0], parties[1]),
                     positions=(resolved[0], resolved[1]), threat=threat, bargain=bargain,
                     sectors=sectors,  # type: ignore[arg-type]
                     weights=(float(weights[0]), float(weights[1])), world=world, target=target,
                     description=str(talks.get("description", "")), source=str(talks.get("source", "")),
                     base_dir=home)
    parse_levers(case.bargain, case.sectors)  # checked now
    return case


def _check_keys(table: Mapping[str, Any], allowed: set[str], required: set[str], name: str, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScenarioError(f"unknown key '{name}.{unknown[0]}' (allowed: {', '.join(sorted(allowed))})", file=where)
    missing = sorted(required - set(table))
    if missing:
        raise ScenarioError(f"missing key '{name}.{missing[0]}'", file=where)


def _strings(value: Any, key: str, where: str, count: int | None = None) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ScenarioError(f"key '{key}': a list of non-empty texts", file=where)
    if count is not None and len(value) != count:
        raise ScenarioError(f"key '{key}': {count} entries, got {len(value)}", file=where)
    return [v.strip() for v in value]


def _confined(name: str, home: Path, roots: Sequence[Path], key: str, where: str) -> str:
    """A file a case names: a bundled scenario name, or a path inside the folders the case may read."""
    from tariffsim.scenario import bundled_scenarios

    if name in bundled_scenarios():
        return name
    target = (home / name).resolve()
    if not any(target == root or target.is_relative_to(root) for root in roots):
        raise ScenarioError(f"key '{key}': '{name}' is outside the folders a talks case may read (its own folder, "
                            "the bundled library and --allow-path folders)", file=where)
    return str(target)


def _target(table: Any, where: str) -> TargetSpec:
    if not isinstance(table, dict):
        raise ScenarioError("[target] is a table", file=where)
    _check_keys(table, _TARGET_KEYS, {"pair", "balance_change", "instruments"}, "target", where)
    pair = str(table["pair"]).split(":")
    if len(pair) != 2 or not all(p.strip() for p in pair):
        raise ScenarioError(f"key 'target.pair': A:B (e.g. CHN:USA), got '{table['pair']}'", file=where)
    change = table["balance_change"]
    if not isinstance(change, int | float) or isinstance(change, bool):
        raise ScenarioError("key 'target.balance_change': a number of USD millions", file=where)
    by = table.get("by")
    if by is not None and not isinstance(by, dt.date):
        from tariffsim.runs import as_date

        by = as_date(str(by), "target.by")
    return TargetSpec(pair=(pair[0].strip(), pair[1].strip()), balance_change=float(change), by=by,
                      instruments=tuple(_strings(table["instruments"], "target.instruments", where)),
                      source=str(table.get("source", "")))


def talks_case(case: str | Path | TalksCase, *, allow_paths: Sequence[str | Path] = ()) -> TalksCase:
    """A bundled case by name, a case file, or a case as it is."""
    if isinstance(case, TalksCase):
        return case
    if isinstance(case, str) and case in TALKS_CASES:
        return TALKS_CASES[case]
    if not str(case).strip():
        raise ScenarioError(f"no talks case given (a case file, or one of {', '.join(TALKS_CASES)})")
    return load_talks_case(case, allow_paths=allow_paths)


# ---------------------------------------------------------------------- the run
@dataclass(frozen=True, eq=False)
class TalksRun:
    """A talks case, answered.

    Attributes
    ----------
    case
        The case.
    gap
        The positions side by side (outcomes, bargain, frontier, zone, distance, split).
    targets
        One answer per way of reaching the target (reached or not).
    world
        The World it was solved on.
    seconds
        Time taken.
    """

    case: TalksCase
    gap: Gap
    targets: tuple[TargetResult, ...]
    world: World
    seconds: float
    model: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the run, by file name without ``.csv`` (see :data:`TALKS_FILES`)."""
        out = dict(self.gap.tables())
        if self.targets:
            out["target"] = pd.concat([t.table() for t in self.targets], ignore_index=True)
            costs, paths = [], []
            for t in self.targets:
                label = " + ".join(i.name for i in t.instruments)
                part = t.costs.copy()
                part.insert(0, "instrument", label)
                part["reached"] = t.reached
                part["value_text"] = t.describe()
                part["diversion_share"] = float(t.diversion["diversion_share"].iloc[0])
                part["pe_tariff"] = t.pe_tariff
                costs.append(part)
                path = t.path.copy()
                path.insert(0, "instrument", label)
                paths.append(path)
            out["target_costs"] = pd.concat(costs, ignore_index=True)
            out["target_path"] = pd.concat(paths, ignore_index=True)
        return out

    def record(self) -> dict[str, Any]:
        """What ``talks.json`` holds: the case, the settings and the answers in words."""
        gap, case = self.gap, self.case
        from tariffsim._version import __version__

        return {
            "kind": "talks",
            "case": {"name": case.name, "description": case.description, "parties": list(case.parties),
                     "positions": [p.name for p in gap.positions], "position_files": list(case.positions),
                     "position_descriptions": [p.description for p in gap.positions],
                     "position_dates": [str(p.date) if p.date else "" for p in gap.positions],
                     "threat": gap.threat.label, "bargain": list(case.bargain), "sectors": case.sectors,
                     "weights": list(case.weights), "source": case.source},
            "world": {"name": self.world.name, "year": self.world.year, "countries": self.world.n_countries,
                      "sectors": self.world.n_sectors},
            "model": self.model,
            "bargain": {"agreement": gap.bargain.agreement, "message": gap.bargain.message,
                        "method": gap.bargain.diagnostics.method, "kkt_residual": gap.bargain.kkt_residual},
            "split": {"alpha": gap.split.alpha, "acceptable": [list(x) for x in gap.split.acceptable],
                      "message": gap.split.message},
            "target": None if case.target is None else {
                "pair": list(case.target.pair), "balance_change_musd": case.target.balance_change,
                "by": str(case.target.by) if case.target.by else "", "source": case.target.source,
                "answers": [{"instruments": [i.name for i in t.instruments], "reached": t.reached,
                             "describe": t.describe(), "message": t.message, "base": t.base,
                             "solves": t.diagnostics.iterations} for t in self.targets]},
            "seconds": self.seconds,
            "version": __version__,
        }

    def write(self, folder: str | Path, *, report: bool = False) -> list[Path]:
        """Write the tables, ``talks.json`` and (``report``) ``report.html`` into ``folder``; return the paths.

        Each file is written atomically (a reader sees the old file or the new one).

        Raises
        ------
        DataError
            If the folder is a file or a file cannot be written (naming the path and the reason).
        """
        target = check_folder_target(folder)
        written: list[Path] = []
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(exc, target) from None
        tables = self.tables()
        for name, table in tables.items():
            path = target / f"{name}.csv"
            with atomic_file(path) as tmp:
                table.to_csv(tmp, index=False, float_format="%.10g")
            written.append(path)
        record = self.record()
        path = target / "talks.json"
        with atomic_file(path) as tmp:
            tmp.write_text(dumps(record) + "\n", encoding="utf-8")
        written.append(path)
        if report:
            from tariffsim.report.talks import write_talks_report

            try:
                written.append(write_talks_report(target / "report.html", record, tables))
            except OSError as exc:
                raise output_error(exc, target / "report.html") from None
        return written


def run_talks(
    case: str | Path | TalksCase,
    *,
    world: World | str | Path | None = None,
    model: Any = None,
    frontier_points: int = 9,
    split_points: int = 11,
    solver: SolverOptions | None = None,
    allow_paths: Sequence[str | Path] = (),
) -> TalksRun:
    """Answer a talks case: the positions' gap (with threat, war, bargain, frontier, zone and split) and the target.

    Parameters
    ----------
    case
        A bundled case name (``"talks-may-2018"``), a case file or a :class:`TalksCase`.
    world
        The baseline; default the case's, else the first position's.
    model
        Model name or object; default the first position's.
    """
    begin = time.perf_counter()
    chosen = talks_case(case, allow_paths=allow_paths)
    check_choice(chosen.sectors, SectorMode, "talks sectors")
    allowed = tuple(allow_paths) + ((chosen.base_dir,) if chosen.base_dir is not None else ())
    base_world: World | str | Path | None = world if world is not None else chosen.world
    levers = parse_levers(chosen.bargain, chosen.sectors) if chosen.bargain else None
    gap = position_gap(chosen.positions[0], chosen.positions[1], world=base_world, parties=chosen.parties,
                       threat=chosen.threat, model=model, instruments=levers, sectors=chosen.sectors,
                       weights=chosen.weights, frontier_points=frontier_points, split_points=split_points,
                       solver=solver, allow_paths=allowed)
    grid = gap.positions[0].result.baseline
    targets: list[TargetResult] = []
    if chosen.target is not None:
        spec = chosen.target
        for entry in spec.instruments:
            parts = [TargetInstrument.parse(p) for p in entry.split("+")]
            targets.append(find_target(grid, spec.pair, spec.balance_change, parts, by=spec.by,
                                       model=gap.positions[0].model, solver=solver, allow_unreached=True))
    model_obj = gap.positions[0].model
    settings = model_obj.settings() if model_obj is not None and hasattr(model_obj, "settings") else {}
    return TalksRun(case=chosen, gap=gap, targets=tuple(targets), world=grid, seconds=time.perf_counter() - begin,
                    model=dict(settings))
