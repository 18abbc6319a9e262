"""Compiling scenarios to shocks, with a coverage report and effective tariff rates.

``compile_scenario(loaded, world, date=..., weights=..., lists_dir=...)`` returns a
:class:`CompiledScenario`: the :class:`~tariffsim.Shock` on the World's grid, the
value of trade each action covers, and trade-weighted average tariffs before
and after, by (imposer, target) and sector.

How an action reaches the World's sectors
-----------------------------------------

1. **Product level** — when product-level trade ``weights`` are given (columns
   ``importer, exporter, product, value`` in USD millions, optional ``tariff`` as a
   fraction) and the action names products (``products`` or ``product_list``): the
   action sets or adds its rate on every matching line of the imposer's imports
   from the targets; each sector's tariff then moves by the trade-weighted
   average change over its lines, ``Δt_ijs = Σ_lines w Δt / Σ_lines w``. Lines map
   to sectors through the World's concordance.
2. **Coverage** — otherwise, when the action gives ``coverage`` (USD millions,
   e.g. an announced "$34 billion"): the covered value occupies part of the trade
   of the action's cells (target × sector), by the rule below.
3. **Whole sectors** — otherwise the action covers the named sectors entirely:
   every line of every cell, whatever earlier actions did to them.

Coverage: which trade an action occupies
----------------------------------------

A cell (exporter i, importer j, sector s) holds many tariff lines, and an action
known by its covered value says only how much of the cell's trade it reaches. The
compiler keeps each cell as *tranches*: parts of its baseline trade whose lines
have had the same coverage actions, each at its own rate; the cell's tariff is the
trade-weighted mean of its tranches' rates. Which trade an action occupies depends
on its lines:

* **Same lines stack.** An action names its lines with ``products``,
  ``product_list`` and ``exclude``. Two actions naming the same codes — or, when a
  named list is not resolved (no lists folder), the same list — cover the same
  lines: the later one applies to the trade the earlier one covers, and to no
  other (List 3 raised from 10 % to 25 %; List 4A cut to 7.5 %). When codes are
  known they are compared code by code: the codes an action shares with earlier
  actions in the cell (one code a prefix of the other, e.g. List 4A's HTS8 steel
  lines inside Section 232's 7206-7229) stack on the trade those actions cover
  (Section 232 plus Section 301 on the same steel); its other codes are new lines.
* **New lines take uncovered trade.** Lines no earlier coverage action named —
  an action with other codes, or one that names only sectors — occupy trade that
  no coverage action has reached yet. Lists that are disjoint as line sets (List 3
  and List 4A) thus land on disjoint trade, and the covered share of a cell never
  exceeds 1, however many actions are in force.
* **Spreading** is water filling: the covered value goes to the cells in
  proportion to their weights, no cell beyond the trade open to the action there;
  what a full cell cannot take is spread over the others. Weights are the trade
  still open (``coverage by trade``), or, when the codes are known but not their
  trade, the listed lines: ``n_s`` lines in sector ``s`` give the cell of target ``i``
  the weight ``n_s X_ijs / Σ_targets X_kjs``, divided among the groups of lines shared
  with different earlier actions by their number of lines (``coverage by listed
  lines``).
* **Caps warn.** When the covered value does not fit in the trade open to the
  action, it is capped there, with a warning naming the action, its full cells
  and the actions that cover them.

Hence a cell's tariff rises by at most the largest sum of rates over one tranche:
the largest rate of the coverage actions covering it, rates summed only over
actions on the same lines, plus the rates of whole-sector actions.

Order: actions in force on the evaluation date apply in order of their
``effective`` date (undated first), ties in file order; ``set`` replaces the
current rate of the lines it covers, ``add`` adds to it. Two ``set`` actions in
force on the same lines (line, tranche or whole cell) at the same time are an
error. Product-level changes are added to the sector-level result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.data.us_china_2018 import LIST_COVERAGE_COLUMNS, list_coverage, section301_values
from tariffsim.errors import ScenarioError
from tariffsim.scenario.loader import FileRefused, FileTooLarge, LoadedScenario, Origin, read_limited, read_prefix
from tariffsim.scenario.products import CodePattern, match_patterns, normalize_code, parse_patterns, read_product_list
from tariffsim.scenario.schema import Action, AllExcept, ProductList, Retaliation, Scenario, parse_date
from tariffsim.shock import Purchase, Shock
from tariffsim.world import World

__all__ = ["CompiledScenario", "compile_scenario", "evaluation_date", "list_coverage", "WEIGHT_COLUMNS",
           "COVERAGE_COLUMNS", "LIST_COVERAGE_COLUMNS"]

WEIGHT_COLUMNS = ["importer", "exporter", "product", "value"]
"""Required columns of product-level trade weights (``tariff`` optional)."""

COVERAGE_COLUMNS = ["date", "label", "kind", "imposer", "targets", "mode", "rate_pct", "basis", "lines",
                    "covered_value_usd_m", "sectors", "stacks_on", "list", "announced_usd_m", "census_2018_usd_m"]
"""Columns of the coverage table (:attr:`CompiledScenario.coverage`)."""

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CompiledScenario:
    """A scenario on one date, compiled for one World.

    Attributes
    ----------
    shock
        The Shock on the World's grid.
    date
        The evaluation date (``None``: every action, whatever its dates).
    coverage
        One row per action in force: ``date, label, kind, imposer, targets, mode,
        rate_pct, basis, lines, covered_value_usd_m, sectors, stacks_on, list,
        announced_usd_m, census_2018_usd_m``. ``lines`` counts distinct tariff lines
        (codes of 8 or more digits; with weights, the lines matched), NaN when the
        action names HS prefixes or ranges or no products; ``stacks_on`` names the
        earlier actions whose lines (and trade) it shares; ``list`` names the Section
        301 list the action belongs to (see :func:`list_coverage`), with that list's
        announced value and 2018 Census value (NaN where unknown or not a list).
    tariffs
        Trade-weighted average tariffs: ``imposer, target, sector, trade_usd_m,
        tariff_before_pct, tariff_after_pct``, one row per sector and one with
        ``sector = "all"`` for every (imposer, target) pair an action touches.
    product_tariffs
        Product-level tariffs when weights were used: ``importer, exporter,
        product, sector, value, tariff_before, tariff_after`` (fractions).
    warnings
        Things the user should know (suspended actions, unmatched lines, caps hit).
    """

    shock: Shock
    date: dt.date | None
    coverage: pd.DataFrame
    tariffs: pd.DataFrame
    product_tariffs: pd.DataFrame | None = None
    warnings: tuple[str, ...] = field(default=())


@dataclass
class _Entry:
    """An action or retaliation resolved to concrete labels."""

    kind: str
    spec: Action | Retaliation
    origin: Origin
    order: int
    imposer: str
    targets: list[str]

    @property
    def label(self) -> str:
        return self.spec.label or f"{self.kind} {self.origin.index + 1}"


def evaluation_date(spec: Scenario, date: dt.date | str | None) -> dt.date | None:
    """The date to evaluate: ``date`` if given (a date or an ISO string, ``"2019-06-01"``), else the
    header's ``date``, else the latest ``effective`` date of any entry (every dated action then in
    force), else None."""
    if date is not None:
        return _date_argument(date)
    if spec.scenario.date is not None:
        return spec.scenario.date
    dated = [e.effective for e in [*spec.action, *spec.retaliation, *spec.trade_cost, *spec.purchase]
             if e.effective is not None]
    return max(dated) if dated else None


def _date_argument(value: dt.date | str) -> dt.date:
    """An evaluation date given in Python: a date or an ISO string (what the CLI's --date accepts)."""
    try:
        parsed = parse_date(value)
    except ValueError as exc:
        raise ScenarioError(f"evaluation date: {exc}") from None
    assert parsed is not None
    return parsed


def compile_scenario(
    loaded: LoadedScenario,
    world: World,
    *,
    date: dt.date | str | None = None,
    weights: pd.DataFrame | None = None,
    lists_dir: Path | None = None,
    allow_paths: Iterable[str | Path] = (),
) -> CompiledScenario:
    """Turn a scenario into a Shock on ``world``'s grid, with its coverage report.

    Parameters
    ----------
    loaded
        From :func:`~tariffsim.scenario.load_scenario` or :func:`parse_scenario`.
    world
        The baseline World (its countries, sectors, flows, tariffs and concordance).
    date
        Evaluation date (a date or an ISO string, ``"2019-06-01"``); see
        :func:`evaluation_date` for the default.
    weights
        Optional product-level trade (see :data:`WEIGHT_COLUMNS`).
    lists_dir
        Folder where named product lists (``product_list = "NAME"``) are found as
        ``NAME.csv`` or ``NAME.parquet``; without it, actions with named lists use
        their ``sectors`` and ``coverage`` instead.
    allow_paths
        Folders the scenario's ``product_list`` files may be in besides those it
        was loaded with (its own folder, the bundled library, the catalog and the
        ``allow_paths`` of :func:`~tariffsim.scenario.load_scenario`).

    Raises
    ------
    ScenarioError
        Naming the file, line and key: unknown countries, regions or sectors,
        overlapping ``set`` actions, a stacked rate at or below −100 %, a missing
        list file, products without weights or coverage.
    """
    loaded = loaded.allowing(allow_paths)
    spec = loaded.spec
    when = evaluation_date(spec, date)
    regions = _regions(loaded, world)
    entries = _entries(loaded, world, regions)
    warnings: list[str] = []
    product_frame = None if weights is None else _check_weights(weights, world)

    tariffs = np.array(world.tariffs, copy=True)
    coverage_rows: list[dict[str, object]] = []
    line_state: dict[str, object] = {}
    product_tariffs: pd.DataFrame | None = None
    if product_frame is not None:
        product_tariffs = product_frame.assign(tariff_before=product_frame["tariff"],
                                               tariff_after=product_frame["tariff"].astype(float))
        line_state["set_by"] = np.full(len(product_frame), "", dtype=object)
    cells = _Cells(np.array(world.tariffs, copy=True))

    active = [e for e in entries if e.spec.active(when)]
    for e in entries:
        if e.spec.suspended and e.spec.active(when):
            warnings.append(f"'{e.label}' is suspended: listed, not applied")
    active = sorted((e for e in active if not e.spec.suspended),
                    key=lambda e: (e.spec.effective or dt.date.min, e.order))
    for e in active:
        codes = _codes(e, lists_dir)
        use_products = codes is not None and product_tariffs is not None and _has_rows(product_tariffs, e)
        if use_products:
            assert product_tariffs is not None and codes is not None
            row = _apply_products(e, codes, product_tariffs, line_state, when)
        else:
            row = _apply_sectors(e, codes, world, cells, warnings, when)
        row.update({"date": when, "label": e.label, "kind": e.kind, "imposer": e.imposer,
                    "targets": ",".join(e.targets), "mode": e.spec.mode, "rate_pct": 100.0 * e.spec.rate,
                    **_known_list(e)})
        coverage_rows.append(row)

    cells.write(tariffs)
    if product_tariffs is not None:
        _aggregate_products(product_tariffs, world, tariffs, warnings)
    low = tariffs <= -1.0
    if low.any():
        i, j, s = np.argwhere(low)[0]
        raise ScenarioError(f"stacked tariffs of {world.countries[j]} on {world.countries[i]} "
                            f"({world.sectors[s]}) fall to -100% or below", file=str(loaded.path or ""))
    tau = _trade_costs(loaded, world, regions, when)
    purchases = _purchases(loaded, world, when)
    n = world.n_countries
    tariffs[np.arange(n), np.arange(n), :] = 0.0
    shock = Shock(world.countries, world.sectors, tariffs=tariffs, trade_cost_hat=tau, purchases=purchases,
                  label=spec.scenario.name + (f" @ {when}" if when else ""))
    coverage = pd.DataFrame(coverage_rows, columns=COVERAGE_COLUMNS)
    touched = sorted({(world.country_index(e.imposer), world.country_index(t)) for e in active for t in e.targets})
    return CompiledScenario(shock=shock, date=when, coverage=coverage,
                            tariffs=_average_tariffs(world, tariffs, touched), product_tariffs=product_tariffs,
                            warnings=tuple(warnings))


# ---------------------------------------------------------------------- labels
def _regions(loaded: LoadedScenario, world: World) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, members in loaded.spec.regions.items():
        unknown = [m for m in members if m not in world.countries]
        if unknown:
            raise ScenarioError(f"region '{name}' lists countries not in the World: {unknown}",
                                file=str(loaded.path) if loaded.path else None, key=f"regions.{name}")
        if name in world.countries:
            raise ScenarioError(f"region name '{name}' is already a country of the World",
                                file=str(loaded.path) if loaded.path else None, key=f"regions.{name}")
        out[name] = list(members)
    return out


def _countries(names: Sequence[str], world: World, regions: dict[str, list[str]], origin: Origin,
               key: str) -> list[str]:
    out: list[str] = []
    for name in names:
        if name in regions:
            out.extend(regions[name])
        elif name in world.countries:
            out.append(name)
        else:
            raise origin.error(f"unknown country or region '{name}'; this World has "
                               f"{', '.join(world.countries)}" + (f"; regions: {', '.join(regions)}" if regions
                                                                  else ""), key)
    return list(dict.fromkeys(out))


def _entries(loaded: LoadedScenario, world: World, regions: dict[str, list[str]]) -> list[_Entry]:
    spec = loaded.spec
    entries: list[_Entry] = []
    by_label: dict[str, _Entry] = {}
    for k, action in enumerate(spec.action):
        origin = loaded.origin("action", k)
        imposers = _countries([action.imposer], world, regions, origin, "imposer")
        for imposer in imposers:
            targets = _targets(action.target, imposer, imposers, world, regions, origin)
            entry = _Entry("action", action, origin, k, imposer, targets)
            entries.append(entry)
            if action.label:
                by_label.setdefault(action.label, entry)
    for k, ret in enumerate(spec.retaliation):
        origin = loaded.origin("retaliation", k)
        answered = by_label.get(ret.answers)
        if answered is None:
            raise origin.error(f"answers '{ret.answers}', which is not the label of any action", "answers")
        if len(answered.targets) != 1:
            raise origin.error(f"'{ret.answers}' targets {len(answered.targets)} countries; a retaliation answers "
                               "an action with one target (write an [[action]] instead)", "answers")
        entries.append(_Entry("retaliation", ret, origin, len(spec.action) + k, answered.targets[0],
                              [answered.imposer]))
    return entries


def _targets(target: str | list[str] | AllExcept, imposer: str, imposers: list[str], world: World,
             regions: dict[str, list[str]], origin: Origin) -> list[str]:
    if isinstance(target, AllExcept):
        excluded = set(_countries(target.all_except, world, regions, origin, "target"))
        out = [c for c in world.countries if c not in excluded and c != imposer]
    elif target == "all":
        out = [c for c in world.countries if c != imposer and c not in imposers]
    else:
        names = [target] if isinstance(target, str) else target
        out = [c for c in _countries(names, world, regions, origin, "target") if c not in imposers]
        if imposer in _countries(names, world, regions, origin, "target") and len(imposers) == 1:
            raise origin.error(f"'{imposer}' cannot levy a tariff on itself", "target")
    if not out:
        raise origin.error("the target list is empty once the imposer is left out", "target")
    return out


# ---------------------------------------------------------------------- products
def _codes(e: _Entry, lists_dir: Path | None) -> list[str] | None:
    """The action's product codes (patterns and list codes), or None when it names no
    resolvable products (a named list without ``lists_dir`` falls back to sectors)."""
    spec = e.spec
    codes: list[str] = []
    if spec.products is not None:
        codes.extend(str(p) for p in spec.products)
    if spec.product_list is not None:
        listed = _read_list(spec.product_list, e.origin, lists_dir)
        if listed is None:
            return codes or None
        codes.extend(listed)
    return codes or None


_LIST_SUFFIXES = (".csv", ".parquet")


def _read_list(item: str | ProductList, origin: Origin, lists_dir: Path | None) -> list[str] | None:
    """Codes of a product list named in the scenario. A file is read only inside the folders the
    scenario may read (:class:`~tariffsim.scenario.loader.FileAccess`), only if it is a regular
    ``.csv`` or ``.parquet`` file, and only up to ``ScenarioLimits.max_list_bytes``."""
    if isinstance(item, ProductList):
        name, column, where = item.file, item.column, item.where
    elif Path(item).suffix.lower() in _LIST_SUFFIXES:
        name, column, where = item, None, {}
    elif lists_dir is not None:
        return _named_list(item, lists_dir, origin)
    else:
        return None  # a named list: used only when a lists folder is given
    access = origin.file_access()
    try:
        if Path(name).suffix.lower() not in _LIST_SUFFIXES:
            raise FileRefused(f"product list file {name!r}: a product list is a .csv or .parquet file")
        path = access.resolve(name, origin.base_dir, "product list file")
        data = read_limited(path, access.limits.max_list_bytes, "product list file")
        return read_product_list(path, column, where, data=data)
    except FileTooLarge as exc:
        raise origin.error(f"{exc} (ScenarioLimits.max_list_bytes)", "product_list") from None
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise origin.error(str(exc).strip("'\""), "product_list") from None


def _named_list(name: str, lists_dir: Path, origin: Origin) -> list[str]:
    """``NAME.csv`` / ``NAME.parquet`` in ``lists_dir``, or the rows of a combined list file in it
    whose ``list`` column equals NAME (the layout of the USTR annex table).

    ``lists_dir`` is the user's choice (``--lists``); NAME comes from the scenario, so it must be
    a plain file name (no folder, no ``..``), and every file is read within the byte limit."""
    if Path(name).name != name or name.startswith(".") or any(c in name for c in "\\\x00:"):
        raise origin.error(f"product list name {name!r} must be a plain name such as 'list1_34b' (no folders); "
                           "name a file with product_list = \"lists/NAME.csv\"", "product_list")
    if not lists_dir.is_dir():
        raise origin.error(f"the lists folder {lists_dir} does not exist", "product_list")
    limit = origin.file_access().limits.max_list_bytes
    try:
        for suffix in _LIST_SUFFIXES:
            path = lists_dir / f"{name}{suffix}"
            if path.exists():
                return read_product_list(path, data=read_limited(path, limit, "product list file"))
        for path in sorted(lists_dir.glob("*.csv")):
            header = read_prefix(path, 64 * 1024, "product list file").split(b"\n", 1)[0]
            if "list" not in [h.strip().strip('"') for h in header.decode("utf-8", errors="replace").split(",")]:
                continue
            try:
                return read_product_list(path, where={"list": name},
                                         data=read_limited(path, limit, "product list file"))
            except ValueError:
                continue
    except FileTooLarge as exc:
        raise origin.error(f"{exc} (ScenarioLimits.max_list_bytes)", "product_list") from None
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise origin.error(str(exc).strip("'\""), "product_list") from None
    raise origin.error(f"no product list '{name}' in {lists_dir} (looked for {name}.csv, {name}.parquet and a CSV "
                       "with a 'list' column)", "product_list")


def _has_rows(frame: pd.DataFrame, e: _Entry) -> bool:
    return bool(((frame["importer"] == e.imposer) & frame["exporter"].isin(e.targets)).any())


def _apply_products(e: _Entry, codes: list[str], frame: pd.DataFrame, state: dict[str, object],
                    when: dt.date | None) -> dict[str, object]:
    try:
        patterns = parse_patterns(codes)
        excluded = parse_patterns(e.spec.exclude)
    except ValueError as exc:
        raise e.origin.error(str(exc), "products") from None
    rows = (frame["importer"] == e.imposer).to_numpy() & frame["exporter"].isin(e.targets).to_numpy()
    products = frame["product"]
    mask = rows & match_patterns(products, patterns)
    if excluded:
        mask &= ~match_patterns(products, excluded)
    set_by = state["set_by"]
    assert isinstance(set_by, np.ndarray)
    after = frame["tariff_after"].to_numpy(dtype=float, copy=True)
    if e.spec.mode == "set":
        clash = mask & (set_by != "")
        if clash.any():
            first = int(np.argmax(clash))
            raise e.origin.error(f"overlapping set actions: '{e.label}' and '{set_by[first]}' both set the rate "
                                 f"on {frame['product'].iloc[first]} ({e.imposer} imports from "
                                 f"{frame['exporter'].iloc[first]})" + (f" on {when}" if when else ""), "mode")
        after[mask] = e.spec.rate
        set_by[mask] = e.label
    else:
        after[mask] += e.spec.rate
    frame["tariff_after"] = after
    return {"basis": "products", "lines": int(frame.loc[mask, "product"].nunique()), "stacks_on": "",
            "covered_value_usd_m": float(frame["value"].to_numpy()[mask].sum()),
            "sectors": ",".join(sorted(frame.loc[mask, "sector"].dropna().astype(str).unique()))}


def _check_weights(weights: pd.DataFrame, world: World) -> pd.DataFrame:
    missing = [c for c in WEIGHT_COLUMNS if c not in weights.columns]
    if missing:
        raise ScenarioError(f"product-level trade weights lack columns {missing}; they need "
                            f"{', '.join(WEIGHT_COLUMNS)} (and optionally tariff)")
    frame = weights[[*WEIGHT_COLUMNS, *(["tariff"] if "tariff" in weights.columns else [])]].copy()
    frame["importer"] = frame["importer"].astype(str)
    frame["exporter"] = frame["exporter"].astype(str)
    unknown = sorted((set(frame["importer"]) | set(frame["exporter"])) - set(world.countries))
    if unknown:
        raise ScenarioError(f"product-level trade weights name countries not in the World: {unknown[:8]}")
    try:
        frame["product"] = [normalize_code(c) for c in frame["product"]]
    except ValueError as exc:
        raise ScenarioError(f"product-level trade weights: {exc}") from None
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    if frame["value"].isna().any() or (frame["value"] < 0).any():
        raise ScenarioError("product-level trade weights: values must be numbers >= 0 (USD millions)")
    if frame.duplicated(["importer", "exporter", "product"]).any():
        raise ScenarioError("product-level trade weights: duplicated (importer, exporter, product) rows")
    if not world.concordance:
        raise ScenarioError("product-level trade weights need a World with a product concordance "
                            "(World.concordance, prefix -> sector)")
    frame["sector"] = world.sector_of(frame["product"])
    if "tariff" not in frame.columns:
        i = frame["exporter"].map({c: k for k, c in enumerate(world.countries)}).to_numpy()
        j = frame["importer"].map({c: k for k, c in enumerate(world.countries)}).to_numpy()
        s = frame["sector"].map({c: k for k, c in enumerate(world.sectors)})
        base = np.zeros(len(frame))
        ok = s.notna().to_numpy()
        base[ok] = world.tariffs[i[ok], j[ok], s[ok].to_numpy(dtype=int)]
        frame["tariff"] = base
    frame["tariff"] = pd.to_numeric(frame["tariff"], errors="coerce").fillna(0.0)
    return frame.reset_index(drop=True)


def _aggregate_products(frame: pd.DataFrame, world: World, tariffs: FloatArray, warnings: list[str]) -> None:
    """Move sector tariffs by the trade-weighted average change of their lines."""
    changed = frame["tariff_after"] != frame["tariff_before"]
    unmapped = changed & frame["sector"].isna()
    if unmapped.any():
        warnings.append(f"{int(unmapped.sum())} product lines with changed tariffs (USD "
                        f"{frame.loc[unmapped, 'value'].sum():,.1f} m) map to no sector of the World and are left "
                        f"out: {', '.join(frame.loc[unmapped, 'product'].head(5))}")
    mapped = frame[frame["sector"].notna()]
    if mapped.empty:
        return
    delta = (mapped["tariff_after"] - mapped["tariff_before"]) * mapped["value"]
    grouped = pd.DataFrame({"exporter": mapped["exporter"], "importer": mapped["importer"],
                            "sector": mapped["sector"], "dv": delta, "w": mapped["value"],
                            "d": mapped["tariff_after"] - mapped["tariff_before"]}).groupby(
        ["exporter", "importer", "sector"], sort=False)
    summary = grouped.agg(dv=("dv", "sum"), w=("w", "sum"), d=("d", "mean"))
    for key, dv, w, d in zip(summary.index, summary["dv"], summary["w"], summary["d"], strict=True):
        if dv == 0 and d == 0:
            continue
        exporter, importer, sector = (str(x) for x in key)
        i, j, s = world.country_index(exporter), world.country_index(importer), world.sector_index(sector)
        # Lines without trade still carry the action's rate: fall back to the simple average.
        tariffs[i, j, s] += dv / w if w > 0 else d


# ---------------------------------------------------------------------- sectors and coverage
Cell = tuple[int, int, int]
"""``(exporter, importer, sector)`` indices of one cell of the World's grid."""

LineKey = tuple[object, ...]
"""The identity of an action's lines: actions with equal keys name the same lines."""

_UNCOVERED: frozenset[LineKey] = frozenset()


@dataclass
class _Tranche:
    """A part of one cell's trade whose lines have been reached by the same coverage actions.

    ``share`` is its fraction of the cell's baseline trade, ``rate`` the tariff on its lines
    now (a fraction), ``lines`` the keys of the coverage actions that listed them (empty:
    trade no coverage action has reached yet), ``set_by`` the ``set`` action that fixed
    their rate, if any.
    """

    share: float
    rate: float
    lines: frozenset[LineKey] = _UNCOVERED
    set_by: str = ""


@dataclass
class _LineSet:
    """What is known of the lines behind one key: code patterns (None: unknown) and the actions naming them."""

    patterns: list[CodePattern] | None
    excluded: list[CodePattern]
    labels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Listed:
    """An action's listed codes that map to a sector of the World (its own exclusions applied)."""

    patterns: list[CodePattern]
    sector: NDArray[np.int64]


@dataclass(frozen=True)
class _Bin:
    """Where part of an action's covered value can go: the trade of ``cell`` whose lines are ``lines``."""

    cell: Cell
    lines: frozenset[LineKey]
    weight: float
    cap: float  # USD millions still open to the action


class _Cells:
    """The tranches of every cell a sector-level action has reached, and the line sets seen so far.

    A cell starts as one uncovered tranche at its baseline tariff. Whole-sector actions
    change every tranche; a coverage action takes a fraction of the tranches whose lines
    it shares (none: uncovered trade) and changes that fraction only. The cell's tariff
    is the share-weighted mean of its tranches' rates.
    """

    def __init__(self, tariffs: FloatArray) -> None:
        self.base = tariffs
        self.tranches: dict[Cell, list[_Tranche]] = {}
        self.seen: dict[Cell, set[LineKey]] = {}
        self.line_sets: dict[LineKey, _LineSet] = {}

    def of(self, cell: Cell) -> list[_Tranche]:
        if cell not in self.tranches:
            self.tranches[cell] = [_Tranche(1.0, float(self.base[cell]))]
        return self.tranches[cell]

    def open_share(self, cell: Cell, lines: frozenset[LineKey]) -> float:
        """Share of the cell's trade whose lines are exactly ``lines``."""
        return sum(t.share for t in self.of(cell) if t.lines == lines)

    def take(self, cell: Cell, lines: frozenset[LineKey], fraction: float, key: LineKey,
             apply: Callable[[_Tranche], None]) -> None:
        """Move ``fraction`` of every tranche whose lines are ``lines`` to the lines of ``key``, and apply the
        action to the part moved."""
        fraction = min(fraction, 1.0)
        out = []
        for t in self.of(cell):
            if t.lines != lines:
                out.append(t)
                continue
            taken = _Tranche(t.share * fraction, t.rate, t.lines | {key}, t.set_by)
            apply(taken)
            out.append(taken)
            if t.share * (1.0 - fraction) > 1e-15:
                out.append(_Tranche(t.share * (1.0 - fraction), t.rate, t.lines, t.set_by))
        self.tranches[cell] = out

    def labels(self, keys: Iterable[LineKey], but: str = "") -> list[str]:
        return list(dict.fromkeys(x for k in keys for x in self.line_sets[k].labels if x != but))

    def write(self, tariffs: FloatArray) -> None:
        for cell, tranches in self.tranches.items():
            tariffs[cell] = sum(t.share * t.rate for t in tranches)


def _entry_sectors(e: _Entry, codes: list[str] | None, world: World) -> tuple[list[int], _Listed | None]:
    """Sector indices the action covers, and its listed codes by sector when it names product codes.

    Product codes, when known, place the action in sectors through the World's
    concordance (and weight sectors by listed lines); named sectors are used otherwise.
    """
    sectors = e.spec.sectors
    if sectors is not None and (codes is None or not world.concordance):
        if sectors == "all":
            return [s for s in range(world.n_sectors) if world.traded[s]], None
        names = [sectors] if isinstance(sectors, str) else sectors
        unknown = [x for x in names if x not in world.sectors]
        if unknown:
            raise e.origin.error(f"unknown sectors {unknown}; this World has {', '.join(world.sectors)}", "sectors")
        return [world.sector_index(x) for x in names], None
    assert codes is not None
    if not world.concordance:
        raise e.origin.error("the action names products but the World has no product concordance to place them "
                             "in sectors; give sectors too", "products")
    patterns, excluded = _patterns(e, codes)
    kept = [p for p in dict.fromkeys(patterns) if not any(_inside(p, x) for x in excluded)]
    mapped = world.sector_of(pd.Series([p.low for p in kept], dtype=object))
    ok = mapped.notna().to_numpy()
    if not ok.any():
        raise e.origin.error("none of the action's products maps to a sector of this World", "products")
    sector = np.array([world.sector_index(str(x)) for x in mapped[ok]], dtype=np.int64)
    counts = pd.Series(sector).value_counts()
    return [int(s) for s in counts.index], _Listed([p for p, flag in zip(kept, ok, strict=True) if flag], sector)


def _patterns(e: _Entry, codes: list[str]) -> tuple[list[CodePattern], list[CodePattern]]:
    try:
        return parse_patterns(codes), parse_patterns(e.spec.exclude)
    except ValueError as exc:
        raise e.origin.error(str(exc), "products") from None


def _line_key(e: _Entry, codes: list[str] | None) -> LineKey:
    """Actions naming the same codes (or, unresolved, the same product list) name the same lines; an action
    that names only sectors has lines of its own."""
    exclude = tuple(sorted(e.spec.exclude))
    if codes is not None:
        return ("codes", frozenset(codes), exclude)
    if e.spec.product_list is not None or e.spec.products is not None:
        listed = e.spec.product_list
        name = listed.model_dump_json() if isinstance(listed, ProductList) else listed
        return ("list", name, tuple(e.spec.products or ()), exclude)
    return ("action", e.kind, e.order, e.imposer)


def _tariff_lines(e: _Entry, codes: list[str] | None) -> float:
    """Distinct tariff lines (codes of 8 or more digits) the action lists; NaN when it names HS prefixes or
    ranges, whose number of lines depends on the tariff schedule."""
    if codes is None:
        return float("nan")
    patterns, excluded = _patterns(e, codes)
    kept = {p for p in patterns if not any(_inside(p, x) for x in excluded)}
    if any(p.low != p.high or p.digits < 8 for p in kept):
        return float("nan")
    return float(len(kept))


def _apply_sectors(e: _Entry, codes: list[str] | None, world: World, cells: _Cells, warnings: list[str],
                   when: dt.date | None) -> dict[str, object]:
    if codes is None and e.spec.sectors is None:
        raise e.origin.error(f"the named product list '{e.spec.product_list}' needs a lists folder (--lists DIR), "
                             "or give sectors (and coverage) for sector-level worlds", "product_list")
    sectors, listed = _entry_sectors(e, codes, world)
    if codes is not None and e.spec.coverage is None:
        raise e.origin.error("the action lists products but there are no product-level trade weights for "
                             f"{e.imposer}'s imports from {', '.join(e.targets)}: give weights (--weights FILE), "
                             "or sectors and coverage", "products")
    j = world.country_index(e.imposer)
    grid = [(i, j, s) for i in (world.country_index(t) for t in e.targets) for s in sectors]
    key = _line_key(e, codes)
    known: tuple[list[CodePattern] | None, list[CodePattern]] = _patterns(e, codes) if codes else (None, [])
    cells.line_sets.setdefault(key, _LineSet(*known)).labels.append(e.label)

    def apply(cell: Cell, tranche: _Tranche) -> None:
        if e.spec.mode == "add":
            tranche.rate += e.spec.rate
            return
        if tranche.set_by:
            i, _, s = cell
            raise e.origin.error(f"overlapping set actions: '{e.label}' and '{tranche.set_by}' both set "
                                 f"{e.imposer}'s tariff on {world.countries[i]} ({world.sectors[s]})"
                                 + (f" on {when}" if when else ""), "mode")
        tranche.rate, tranche.set_by = e.spec.rate, e.label

    stacked: set[LineKey] = set()
    if e.spec.coverage is None:
        for cell in grid:
            for tranche in cells.of(cell):
                apply(cell, tranche)
        basis, covered = "sectors", float(sum(world.flows[c] for c in grid))
    else:
        bins = _bins(key, listed, grid, world, cells)
        placed, short = _spread(e.spec.coverage, np.array([b.weight for b in bins]), np.array([b.cap for b in bins]))
        for b, value in zip(bins, placed, strict=True):
            if value > 0:
                cells.take(b.cell, b.lines, value / b.cap, key, partial(apply, b.cell))
                stacked |= b.lines
        covered = float(placed.sum())
        if short:
            warnings.append(_capped(e, covered, [c for c in grid if world.flows[c] > 0], key, world, cells))
        basis = "coverage by trade" if listed is None else "coverage by listed lines"
        for cell in grid:
            cells.seen.setdefault(cell, set()).add(key)
    return {"basis": basis, "lines": _tariff_lines(e, codes), "covered_value_usd_m": covered,
            "sectors": ",".join(world.sectors[s] for s in sectors),
            "stacks_on": ", ".join(cells.labels(stacked, but=e.label))}


def _bins(key: LineKey, listed: _Listed | None, grid: list[Cell], world: World, cells: _Cells) -> list[_Bin]:
    """Where an action's covered value can go, with weights and caps (USD millions).

    Without listed codes, each cell offers the trade of the action's own lines if an
    earlier action with the same key reached the cell (the same lines: they stack), else
    its uncovered trade; the weight is that trade. With listed codes, each cell of sector
    ``s`` gets the weight ``n_s · X_ijs / Σ_k X_kjs`` (``n_s`` listed lines in ``s``, split over
    the targets in proportion to their trade), divided among the groups of lines that earlier
    actions also listed (same lines: stack on their trade) or that no earlier action
    listed (uncovered trade), in proportion to the number of lines in each group.
    """
    out: list[_Bin] = []
    if listed is None:
        for cell in grid:
            lines = frozenset({key}) if key in cells.seen.get(cell, ()) else _UNCOVERED
            cap = cells.open_share(cell, lines) * world.flows[cell]
            out.append(_Bin(cell, lines, cap, cap))
        return out
    exporters = sorted({i for i, _, _ in grid})
    masks: dict[LineKey, NDArray[np.bool_]] = {}
    for cell in grid:
        _, j, s = cell
        in_sector = listed.sector == s
        total = float(world.flows[exporters, j, s].sum())
        share = world.flows[cell] / total if total > 0 else 0.0
        known = sorted((k for k in cells.seen.get(cell, ()) if cells.line_sets[k].patterns is not None), key=repr)
        for k in known:
            if k not in masks:
                line_set = cells.line_sets[k]
                assert line_set.patterns is not None
                masks[k] = _overlaps(listed.patterns, line_set.patterns, line_set.excluded)
        matrix = np.zeros((int(in_sector.sum()), len(known)), dtype=bool)
        for column, k in enumerate(known):
            matrix[:, column] = masks[k][in_sector]
        groups, counts = np.unique(matrix, axis=0, return_counts=True) if known else (matrix[:1], [len(matrix)])
        for row, count in zip(groups, counts, strict=True):
            lines = frozenset(k for k, hit in zip(known, row, strict=True) if hit)
            out.append(_Bin(cell, lines, float(count) * share, cells.open_share(cell, lines) * world.flows[cell]))
    return out


def _intersects(a: CodePattern, b: CodePattern) -> bool:
    """Whether two prefix patterns share any code."""
    m = min(a.digits, b.digits)
    return a.low[:m] <= b.high[:m] and b.low[:m] <= a.high[:m]


def _inside(a: CodePattern, b: CodePattern) -> bool:
    """Whether every code of ``a`` is a code of ``b``."""
    m = b.digits
    return a.digits >= m and b.low <= a.low[:m] and a.high[:m] <= b.high


def _overlaps(codes: list[CodePattern], patterns: list[CodePattern], excluded: list[CodePattern]) -> NDArray[np.bool_]:
    """Which of ``codes`` share lines with ``patterns`` (less ``excluded``): one is a prefix of the other."""
    exact = {p.low for p in patterns if p.low == p.high}
    prefixes = {p[:n] for p in exact for n in range(2, len(p) + 1)}
    ranges = [p for p in patterns if p.low != p.high]
    out = np.zeros(len(codes), dtype=bool)
    for k, c in enumerate(codes):
        if c.low == c.high:
            hit = c.low in prefixes or any(c.low[:n] in exact for n in range(2, c.digits))
        else:
            hit = any(_intersects(c, p) for p in patterns if p.low == p.high)
        hit = hit or any(_intersects(c, p) for p in ranges)
        out[k] = hit and not any(_inside(c, x) for x in excluded)
    return out


def _capped(e: _Entry, covered: float, full: list[Cell], key: LineKey, world: World, cells: _Cells) -> str:
    """The warning for an action whose covered value does not fit: the cells it filled and who else is there."""
    parts = []
    for cell in full:
        i, _, s = cell
        others = cells.labels({k for t in cells.of(cell) if t.share > 0 for k in t.lines} - {key})
        parts.append(f"{world.sectors[s]} from {world.countries[i]} ({world.flows[cell]:,.0f}"
                     + (f"; also covered by {', '.join(repr(x) for x in others)}" if others else "") + ")")
    assert e.spec.coverage is not None
    return (f"'{e.label}': coverage of {e.spec.coverage:,.0f} USD m capped at {covered:,.0f}, the trade it can "
            f"still reach; full cells of {e.imposer}'s imports: " + ("; ".join(parts) or "none with trade"))


def _spread(total: float, weight: FloatArray, cap: FloatArray) -> tuple[FloatArray, bool]:
    """Split ``total`` across cells in proportion to ``weight``, no cell above ``cap`` (water filling).

    Cells whose proportional part would exceed their cap get their cap; what they could not
    take is spread again over the others, until nothing is left or every cell with weight
    is full. Returns the amounts, shape of ``weight``, and whether ``total`` did not fit:
    then the amounts sum to ``Σ cap`` over cells with weight, else to ``total``.
    """
    out = np.zeros_like(cap)
    free = (weight > 0) & (cap > 0)
    remaining = float(total)
    while remaining > 1e-12 * max(total, 1.0) and free.any():
        share = np.where(free, weight, 0.0) / weight[free].max()  # scaled first: tiny weights do not underflow
        alloc = remaining * share / share.sum()
        over = free & (out + alloc >= cap)
        if not over.any():
            out += alloc
            remaining = 0.0
            break
        remaining -= float((cap - out)[over].sum())
        out[over] = cap[over]
        free &= ~over
    return out, remaining > 1e-9 * max(total, 1.0)


# ---------------------------------------------------------------------- trade costs and purchases
def _trade_costs(loaded: LoadedScenario, world: World, regions: dict[str, list[str]],
                 when: dt.date | None) -> FloatArray | None:
    entries = [(k, tc) for k, tc in enumerate(loaded.spec.trade_cost) if tc.active(when)]
    if not entries:
        return None
    tau = np.ones(world.shape)
    for k, tc in entries:
        origin = loaded.origin("trade_cost", k)
        exporters = _everyone(tc.exporters, world, regions, origin, "exporters")
        importers = _everyone(tc.importers, world, regions, origin, "importers")
        if tc.sectors == "all":
            sectors = list(range(world.n_sectors))
        else:
            names = [tc.sectors] if isinstance(tc.sectors, str) else tc.sectors
            unknown = [x for x in names if x not in world.sectors]
            if unknown:
                raise origin.error(f"unknown sectors {unknown}", "sectors")
            sectors = [world.sector_index(x) for x in names]
        pairs = {(a, b) for a in exporters for b in importers if a != b}
        if tc.symmetric:
            pairs |= {(b, a) for a, b in pairs}
        for a, b in pairs:
            i, j = world.country_index(a), world.country_index(b)
            for s in sectors:
                tau[i, j, s] *= np.exp(-tc.coefficient * tc.change / world.elasticity[s])
    return tau


def _everyone(names: str | list[str], world: World, regions: dict[str, list[str]], origin: Origin,
              key: str) -> list[str]:
    if names == "all":
        return list(world.countries)
    return _countries([names] if isinstance(names, str) else names, world, regions, origin, key)


def _purchases(loaded: LoadedScenario, world: World, when: dt.date | None) -> tuple[Purchase, ...]:
    out = []
    for k, p in enumerate(loaded.spec.purchase):
        if not p.active(when):
            continue
        origin = loaded.origin("purchase", k)
        for key, country in (("importer", p.importer), ("exporter", p.exporter)):
            if country not in world.countries:
                raise origin.error(f"unknown country '{country}'", key)
        if p.sectors == "all":
            sectors = tuple(x for x, traded in zip(world.sectors, world.traded, strict=True) if traded)
        else:
            names = [p.sectors] if isinstance(p.sectors, str) else p.sectors
            unknown = [x for x in names if x not in world.sectors]
            if unknown:
                raise origin.error(f"unknown sectors {unknown}", "sectors")
            sectors = tuple(names)
        if p.importer == p.exporter:
            raise origin.error("importer and exporter are the same country", "exporter")
        out.append(Purchase(p.importer, p.exporter, sectors, p.value, p.label or f"purchase {k + 1}"))
    return tuple(out)


# ---------------------------------------------------------------------- reports
def _average_tariffs(world: World, tariffs: FloatArray, pairs: list[tuple[int, int]]) -> pd.DataFrame:
    rows = []
    for j, i in pairs:
        flows = world.flows[i, j, :]
        for s in range(world.n_sectors):
            if not world.traded[s]:
                continue
            rows.append({"imposer": world.countries[j], "target": world.countries[i], "sector": world.sectors[s],
                         "trade_usd_m": flows[s], "tariff_before_pct": 100 * world.tariffs[i, j, s],
                         "tariff_after_pct": 100 * tariffs[i, j, s]})
        total = flows.sum()
        if total > 0:
            before = float((world.tariffs[i, j, :] * flows).sum() / total)
            after = float((tariffs[i, j, :] * flows).sum() / total)
        else:
            before = after = float("nan")
        rows.append({"imposer": world.countries[j], "target": world.countries[i], "sector": "all",
                     "trade_usd_m": total, "tariff_before_pct": 100 * before, "tariff_after_pct": 100 * after})
    return pd.DataFrame(rows, columns=["imposer", "target", "sector", "trade_usd_m", "tariff_before_pct",
                                       "tariff_after_pct"])


# ---------------------------------------------------------------------- Section 301 lists: covered beside announced
def _known_list(e: _Entry) -> dict[str, object]:
    """The Section 301 list an action belongs to, with its announced and 2018 Census values.

    An action belongs to a list when it names the list (``product_list = "list3_200b"``, or a
    table whose ``where`` selects it), or when its label is the list's label (``Section 301 List 3``)
    or starts with it and a colon (``Section 301 List 3: C26 at 25%``, a piece of the list by sector).
    """
    table = section301_values()
    listed = e.spec.product_list
    names = [listed] if isinstance(listed, str) else []
    if isinstance(listed, ProductList):
        chosen = listed.where.get("list")
        names = [chosen] if isinstance(chosen, str) else list(chosen or [])
    for row in table.itertuples(index=False):
        if (str(row.list) in names or str(row.code) in names or e.label == row.label
                or e.label.startswith(f"{row.label}:")):
            return {"list": str(row.list), "announced_usd_m": float(str(row.announced_usd_m)),
                    "census_2018_usd_m": float(str(row.census_2018_usd_m))}
    return {"list": "", "announced_usd_m": float("nan"), "census_2018_usd_m": float("nan")}
