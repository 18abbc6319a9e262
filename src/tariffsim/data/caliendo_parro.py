"""Caliendo & Parro (2015) NAFTA data: 31 regions × 40 sectors, 1993, with input-output links.

Two layouts of the same data are read (``../shared/data/caliendo_parro_2015/``;
see the data README, §5):

* ``original_matrices/`` — CP's text matrices: ``xbilat1993.txt`` (thousands of
  US$, row ``(s − 1)·31 + n`` = sector s and *importer* n, column = exporter,
  tradable sectors only, zero diagonal), ``tariffs1993.txt`` and
  ``tariffs2005.txt`` (percent, same layout), ``IO.txt`` (one 40 × 40 block per
  country, row = input sector, column = using sector), ``B.txt`` (value-added
  shares, sector × country), ``GO.txt`` (gross output, US$, sector × country) and
  ``T.txt`` (θ of the 20 tradable sectors);
* ``tidy/`` — the same data in long tables (US$, tariff fractions) from the R
  package ``cp2015``: ``trade.csv`` (with domestic sales and the counterfactual
  ``tariff_cfl``), ``intermediate_consumption.csv``, ``final_consumption.csv``,
  ``value_added.csv``, ``deficit.csv``, ``theta.csv``, ``regions.csv``, ``sectors.csv``.

What the data need before they are a World (each step is CP's own, or makes
their data consistent without changing what their model computes):

1. Gross output below observed exports: CP replace GO by exports (so domestic
   sales are zero) — 26 cells.
2. Final-demand shares: CP's α are the residual final demand (spending minus
   intermediate purchases) with negative cells set to zero and renormalised.
   The data are therefore not an equilibrium: sectoral spending does not equal
   intermediate plus final demand. CP never use the data as an equilibrium —
   they solve the model twice (1993 and 2005 tariffs) and compare — and their
   model uses only the trade shares, β, γ, α and value added. The World is the
   unique set of expenditure levels at which those are mutually consistent
   (a linear system; prices unchanged); the trade deficits are what it implies.
   Country outputs move by at most 1.3 %, flows by 4 % of their total; a few
   importer-sectors whose intermediate use far exceeds observed spending (e.g.
   South African basic metals, whose output was raised to its exports by rule 1)
   buy several times more; deficits move by up to USD 27 bn (rest of the world).
   Purging the deficits of this World gives exactly CP's zero-deficit 1993
   equilibrium, so CP's experiment is unchanged.
3. One input-output share is negative (Canada: Other into Basic metals,
   −0.00085): set to zero. One column with β < 1 (Mexico, Private; gross output
   US$ 1) sums to 0.9999984. Columns are renormalised to sum to 1.

Importers never know about models: step 2 is accounting (a linear solve at
unchanged prices), not an equilibrium computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tariffsim.data.reconcile import consistent_flows
from tariffsim.data.user_tables import read_csv_text
from tariffsim.errors import DataError
from tariffsim.world import World

__all__ = ["CaliendoParroData", "read_caliendo_parro", "REGIONS", "SECTORS", "NAFTA", "NON_TRADABLE_THETA"]

FloatArray = NDArray[np.float64]

REGIONS: dict[str, str] = {
    "Argentina": "ARG", "Australia": "AUS", "Austria": "AUT", "Brazil": "BRA", "Canada": "CAN", "Chile": "CHL",
    "China": "CHN", "Denmark": "DNK", "Finland": "FIN", "France": "FRA", "Germany": "DEU", "Greece": "GRC",
    "Hungary": "HUN", "India": "IND", "Indonesia": "IDN", "Ireland": "IRL", "Italy": "ITA", "Japan": "JPN",
    "Korea": "KOR", "Mexico": "MEX", "Netherlands": "NLD", "New Zealand": "NZL", "Norway": "NOR",
    "Portugal": "PRT", "South Africa": "ZAF", "Spain": "ESP", "Sweden": "SWE", "Turkey": "TUR", "UK": "GBR",
    "USA": "USA", "Row": "ROW",
}
"""CP's region names (in their order) → the labels of the World (ISO3, ``ROW`` for the rest of the world)."""

SECTORS: tuple[str, ...] = (
    "Agriculture", "Mining", "Food", "Textile", "Wood", "Paper", "Petroleum", "Chemicals", "Plastic", "Minerals",
    "Basic metals", "Metal products", "Machinery n.e.c", "Office", "Electrical", "Communication", "Medical",
    "Auto", "Other Transport", "Other", "Electricity", "Construction", "Retail", "Hotels", "Land Transport",
    "Water Transport", "Air Transport", "Aux Transport", "Post", "Finance", "Real State", "Renting Mach",
    "Computer", "R&D", "Other Business", "Public", "Education", "Health", "Other services", "Private",
)
"""CP's 40 sectors in their order: the first 20 tradable, the last 20 not."""

TRADABLE = 20
NAFTA = ("CAN", "MEX", "USA")
NON_TRADABLE_THETA = 8.22
"""θ CP use for the non-tradable sectors (``T.txt`` lists only the tradable ones)."""

ORIGINAL_FILES = ("xbilat1993.txt", "tariffs1993.txt", "tariffs2005.txt", "IO.txt", "B.txt", "GO.txt", "T.txt")
TIDY_FILES = ("trade.csv", "intermediate_consumption.csv", "final_consumption.csv", "value_added.csv",
              "deficit.csv", "theta.csv", "regions.csv", "sectors.csv")

Layout = Literal["auto", "original", "tidy"]


@dataclass(frozen=True)
class CaliendoParroData:
    """The Caliendo–Parro data as a World, with what the World leaves out.

    Attributes
    ----------
    world
        The 1993 baseline (USD millions, tariff fractions), with value-added and
        input-output shares; its derived final shares equal CP's α.
    nafta_tariffs
        CP's counterfactual: 2005 tariffs among CAN, MEX and USA, 1993 tariffs
        otherwise, ``[i, j, s]`` (N, N, S), fractions.
    tariffs_2005
        2005 tariffs for every pair (original layout only; ``None`` for tidy).
    observed_deficit
        Deficits in the data (imports − exports, USD millions), (N,); the World's
        deficits are the ones consistent with CP's shares (see the module notes).
    final_shares
        CP's final-demand shares α[i, s], (N, S).
    layout
        ``"original"`` or ``"tidy"``.
    notes
        What was inconsistent in the data and how it was handled, with counts.
    """

    world: World
    nafta_tariffs: FloatArray
    tariffs_2005: FloatArray | None
    observed_deficit: FloatArray
    final_shares: FloatArray
    layout: str
    notes: tuple[str, ...] = field(default=())


def read_caliendo_parro(path: str | Path, *, layout: Layout = "auto") -> CaliendoParroData:
    """Build the Caliendo–Parro World from either layout.

    Parameters
    ----------
    path
        The ``caliendo_parro_2015`` folder (holding ``original_matrices/`` and/or
        ``tidy/``), or one of those two folders itself.
    layout
        ``"original"``, ``"tidy"`` or ``"auto"`` (the original matrices when present).

    Raises
    ------
    DataError
        Missing files, wrong shapes or unknown labels, naming the file.
    """
    root = Path(path)
    folders = {"original": root / "original_matrices", "tidy": root / "tidy"}
    if (root / "xbilat1993.txt").exists():
        folders["original"] = root
    if (root / "trade.csv").exists():
        folders["tidy"] = root
    if layout == "auto":
        layout = "original" if folders["original"].is_dir() else "tidy"
    if layout not in folders:
        raise DataError(f"layout '{layout}' is not one of auto, original, tidy")
    folder = folders[layout]
    if not folder.is_dir():
        raise DataError(f"no {layout} Caliendo–Parro data here (expected the folder {folder.name}/)", file=str(root))
    raw = _read_original(folder) if layout == "original" else _read_tidy(folder)
    return _assemble(raw, layout, folder)


# ---------------------------------------------------------------------- raw layouts
@dataclass
class _Raw:
    """Observed data on the World's grid (USD millions, fractions), before reconciliation."""

    flows: FloatArray  # [i, j, s], domestic sales on the diagonal
    tariffs: FloatArray  # [i, j, s], 1993
    nafta_tariffs: FloatArray
    tariffs_2005: FloatArray | None
    beta: FloatArray  # [i, s]
    gamma: FloatArray  # [i, k, s]
    alpha: FloatArray  # [i, s]
    theta: FloatArray  # [s]
    notes: list[str]


def _load_matrix(folder: Path, name: str, shape: tuple[int, int]) -> FloatArray:
    path = folder / name
    if not path.exists():
        raise DataError("missing Caliendo–Parro matrix", file=str(path))
    try:
        arr = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise DataError(f"cannot read the matrix ({exc})", file=str(path)) from None
    if arr.shape != shape:
        raise DataError(f"shape {arr.shape}, expected {shape}", file=str(path))
    if not np.all(np.isfinite(arr)):
        raise DataError("NaN or infinite entries", file=str(path))
    return arr


def _read_original(folder: Path) -> _Raw:
    n, s, ts = len(REGIONS), len(SECTORS), TRADABLE
    notes: list[str] = []

    def blocks(name: str) -> FloatArray:
        """A (ts·N, N) importer-row matrix as [exporter, importer, sector] over all S sectors."""
        arr = _load_matrix(folder, name, (ts * n, n)).reshape(ts, n, n)  # [s, importer, exporter]
        out = np.zeros((n, n, s))
        out[:, :, :ts] = np.transpose(arr, (2, 1, 0))
        return out

    trade = blocks("xbilat1993.txt") * 1e-3  # thousands of US$ -> USD millions
    tariffs = blocks("tariffs1993.txt") / 100.0
    tariffs_2005 = blocks("tariffs2005.txt") / 100.0
    idx = np.arange(n)
    if np.any(trade[idx, idx, :] != 0) or np.any(tariffs[idx, idx, :] != 0):
        notes.append("xbilat1993/tariffs1993 had non-zero diagonal entries; they were set to zero")
        trade[idx, idx, :] = 0.0
    tariffs[idx, idx, :] = 0.0
    tariffs_2005[idx, idx, :] = 0.0
    gross_output = _load_matrix(folder, "GO.txt", (s, n)).T * 1e-6  # US$ -> USD millions, [i, s]
    exports = trade.sum(axis=1)
    short = gross_output < exports
    if short.any():
        notes.append(f"gross output below observed exports in {int(short.sum())} country-sectors "
                     f"({_cells(short)}): replaced by exports, so domestic sales are zero (CP's rule)")
    trade[idx, idx, :] = np.maximum(gross_output, exports) - exports
    beta = _load_matrix(folder, "B.txt", (s, n)).T
    io = _load_matrix(folder, "IO.txt", (n * s, s)).reshape(n, s, s)  # [i, input k, using s]
    theta_t = _load_matrix(folder, "T.txt", (ts, 1))[:, 0]
    theta = np.concatenate([theta_t, np.full(s - ts, NON_TRADABLE_THETA)])
    notes.append(f"θ of the {s - ts} non-tradable sectors set to {NON_TRADABLE_THETA} (CP's value; T.txt lists "
                 "only the tradable ones)")
    alpha = _cp_final_shares(trade, tariffs, beta, io, notes)
    nafta = _nafta_mask(n)
    return _Raw(flows=trade, tariffs=tariffs, nafta_tariffs=np.where(nafta, tariffs_2005, tariffs),
                tariffs_2005=tariffs_2005, beta=beta, gamma=io, alpha=alpha, theta=theta, notes=notes)


def _read_tidy(folder: Path) -> _Raw:
    n, s = len(REGIONS), len(SECTORS)
    notes: list[str] = []
    frames = {}
    for name in TIDY_FILES:
        path = folder / name
        if not path.exists():
            raise DataError("missing Caliendo–Parro table", file=str(path))
        try:
            frames[name] = read_csv_text(path, text_columns=("region", "sector", "exporter", "importer", "input"))
        except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read ({exc})", file=str(path)) from None
    regions = frames["regions.csv"]["region"].astype(str).tolist()
    sectors = frames["sectors.csv"]["sector"].astype(str).tolist()
    if regions != list(REGIONS) or tuple(sectors) != SECTORS:
        raise DataError("regions or sectors differ from CP's 31 regions and 40 sectors", file=str(folder))
    cpos = {name: k for k, name in enumerate(REGIONS)}
    spos = {name: k for k, name in enumerate(SECTORS)}

    def index(frame: pd.DataFrame, column: str, table: dict[str, int], file: str) -> NDArray[np.intp]:
        labels = frame[column].astype(str)
        unknown = sorted(set(labels) - set(table))
        if unknown:
            raise DataError(f"unknown labels {unknown[:5]}", file=str(folder / file), column=column)
        return np.asarray(labels.map(table).to_numpy(), dtype=np.intp)

    trade = frames["trade.csv"]
    i = index(trade, "exporter", cpos, "trade.csv")
    j = index(trade, "importer", cpos, "trade.csv")
    k = index(trade, "sector", spos, "trade.csv")
    flows = np.zeros((n, n, s))
    tariffs = np.zeros((n, n, s))
    nafta_tariffs = np.zeros((n, n, s))
    flows[i, j, k] = trade["value"].to_numpy(dtype=np.float64) * 1e-6  # US$ -> USD millions
    tariffs[i, j, k] = trade["tariff"].to_numpy(dtype=np.float64)
    nafta_tariffs[i, j, k] = trade["tariff_cfl"].to_numpy(dtype=np.float64)

    ic = frames["intermediate_consumption.csv"]
    purchases = np.zeros((n, s, s))
    purchases[index(ic, "region", cpos, "intermediate_consumption.csv"),
              index(ic, "input", spos, "intermediate_consumption.csv"),
              index(ic, "sector", spos, "intermediate_consumption.csv")] = ic["value"].to_numpy(dtype=np.float64) * 1e-6
    va = frames["value_added.csv"]
    value_added = np.zeros((n, s))
    value_added[index(va, "region", cpos, "value_added.csv"),
                index(va, "sector", spos, "value_added.csv")] = va["value"].to_numpy(dtype=np.float64) * 1e-6
    fc = frames["final_consumption.csv"]
    final = np.zeros((n, s))
    final[index(fc, "region", cpos, "final_consumption.csv"),
          index(fc, "sector", spos, "final_consumption.csv")] = fc["value"].to_numpy(dtype=np.float64)
    bill = purchases.sum(axis=1)  # [i, s]
    cost = bill + value_added
    beta = np.divide(value_added, cost, out=np.ones_like(cost), where=cost > 0)
    gamma = np.divide(purchases, bill[:, None, :], out=np.zeros_like(purchases), where=bill[:, None, :] > 0)
    sales = flows.sum(axis=1)
    gap = np.abs(cost - sales) / np.maximum(sales, 1.0)
    notes.append(f"intermediate consumption + value added equals sales to {gap.max():.1e} (relative, or USD m "
                 "below 1 USD m); β and γ are taken from the tables, output from the flows")
    alpha = final / final.sum(axis=1, keepdims=True)
    notes.append(f"final consumption is zero in {int((final <= 0).sum())} of {final.size} country-sectors (CP's "
                 "final shares: residual final demand with negative cells set to zero)")
    table = frames["deficit.csv"]
    stated = np.zeros(n)
    stated[index(table, "region", cpos, "deficit.csv")] = table["D"].to_numpy(dtype=np.float64) * 1e-6
    implied = flows.sum(axis=(0, 2)) - flows.sum(axis=(1, 2))
    if np.max(np.abs(stated - implied)) > 1e-6 * np.max(np.abs(implied)):
        notes.append("deficit.csv differs from imports − exports in trade.csv; the flows' deficits are used")
    theta_frame = frames["theta.csv"].set_index("sector")["value"]
    theta = theta_frame.reindex(list(SECTORS)).to_numpy(dtype=np.float64)
    return _Raw(flows=flows, tariffs=tariffs, nafta_tariffs=nafta_tariffs, tariffs_2005=None, beta=beta,
                gamma=gamma, alpha=alpha, theta=theta, notes=notes)


def _nafta_mask(n: int) -> NDArray[np.bool_]:
    members = [list(REGIONS.values()).index(c) for c in NAFTA]
    mask = np.zeros((n, n, 1), dtype=bool)
    mask[np.ix_(members, members)] = True
    return mask


def _cells(mask: NDArray[np.bool_], limit: int = 4) -> str:
    codes = list(REGIONS.values())
    where = [f"{codes[i]}/{SECTORS[k]}" for i, k in np.argwhere(mask)]
    return ", ".join(where[:limit]) + (", ..." if len(where) > limit else "")


def _cp_final_shares(flows: FloatArray, tariffs: FloatArray, beta: FloatArray, gamma: FloatArray,
                     notes: list[str]) -> FloatArray:
    """CP's α: residual final demand (spending − intermediate purchases), negatives set to 0, renormalised."""
    spending = ((1.0 + tariffs) * flows).sum(axis=0)  # [j, s]
    bill = (1.0 - beta) * flows.sum(axis=1)
    residual = spending - np.einsum("iks,is->ik", gamma, bill)
    negative = residual < 0
    if negative.any():
        notes.append(f"residual final demand (spending − intermediate purchases) is negative in "
                     f"{int(negative.sum())} of {negative.size} country-sectors; CP set those final shares to "
                     "zero and renormalise")
    positive = np.maximum(residual, 0.0)
    return positive / positive.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------- reconciliation
def _assemble(raw: _Raw, layout: str, folder: Path) -> CaliendoParroData:
    notes = list(raw.notes)
    gamma = raw.gamma.copy()
    sums = gamma.sum(axis=1)  # [i, s], as given
    off = (raw.beta < 1) & (np.abs(sums - 1.0) > 1e-6)
    if off.any():
        notes.append(f"input-output columns with β < 1 not summing to 1 in {int(off.sum())} country-sector(s) "
                     f"({_cells(off)}; largest gap {np.abs(sums[off] - 1).max():.1e}): renormalised")
    negative = gamma < 0
    if negative.any():
        codes = list(REGIONS.values())
        where = [f"{codes[i]}: {SECTORS[k]} into {SECTORS[u]} ({gamma[i, k, u]:.2g})" for i, k, u in
                 np.argwhere(negative)]
        notes.append(f"{int(negative.sum())} negative input-output share(s) ({'; '.join(where[:3])}): set to zero, "
                     "the column renormalised (CP keep it; a Cobb–Douglas share cannot be negative)")
        gamma[negative] = 0.0
    sums = gamma.sum(axis=1)
    gamma = np.divide(gamma, sums[:, None, :], out=np.zeros_like(gamma), where=sums[:, None, :] > 0)
    beta = raw.beta.copy()
    empty = (beta < 1) & (sums <= 0)
    if empty.any():
        notes.append(f"{int(empty.sum())} country-sectors with β < 1 and no input shares: β set to 1")
        beta[empty] = 1.0
    observed_deficit = raw.flows.sum(axis=(0, 2)) - raw.flows.sum(axis=(1, 2))
    flows, deficit = consistent_flows(raw.flows, raw.tariffs, beta, gamma, raw.alpha)
    change = np.abs(flows.sum(axis=(1, 2)) / raw.flows.sum(axis=(1, 2)) - 1.0)
    total = np.abs(flows - raw.flows).sum() / raw.flows.sum()
    spending0 = ((1.0 + raw.tariffs) * raw.flows).sum(axis=0)
    sizable = spending0 > 1e-3 * spending0.sum(axis=1, keepdims=True)  # at least 0.1 % of the importer's
    ratio = np.divide(flows.sum(axis=0), raw.flows.sum(axis=0), out=np.ones_like(spending0), where=sizable)
    cell = np.unravel_index(int(np.argmax(np.abs(np.log(ratio)))), ratio.shape)
    moved = np.abs(deficit - observed_deficit)
    codes = list(REGIONS.values())
    worst = int(np.argmax(moved))
    notes.append("the data are not an equilibrium with CP's final shares; spending levels re-solved at observed "
                 f"trade shares and value added: flows move by {100 * total:.1f} % of their total (sum of absolute "
                 f"changes), a country's output by at most {100 * change.max():.2f} %, an importer-sector's purchases "
                 f"(of those above 0.1 % of its country's) by up to ×{ratio[cell]:.1f} "
                 f"({codes[cell[0]]}/{SECTORS[cell[1]]}, where intermediate use far exceeds observed spending); "
                 f"implied deficits differ from observed by up to {moved.max() / 1e3:,.1f} USD bn "
                 f"({codes[worst]}: {observed_deficit[worst] / 1e3:,.1f} observed, "
                 f"{deficit[worst] / 1e3:,.1f} consistent)")
    world = World(countries=tuple(REGIONS.values()), sectors=SECTORS, flows=flows, tariffs=raw.tariffs,
                  elasticity=raw.theta, year=1993, name="Caliendo-Parro 1993",
                  sources={"flows": f"Caliendo & Parro (2015) data, {layout} layout ({folder}); made consistent "
                                    "with CP's final-demand shares at observed trade shares and value added",
                           "tariffs": "CP tariffs1993 (applied, by importer, exporter and sector)",
                           "elasticity": "CP (2015) sectoral θ; 8.22 for non-tradables",
                           "input_output": "CP IO and value-added shares (OECD input-output tables)"},
                  value_added_share=beta, io_shares=gamma)
    return CaliendoParroData(world=world, nafta_tariffs=raw.nafta_tariffs, tariffs_2005=raw.tariffs_2005,
                             observed_deficit=observed_deficit, final_shares=raw.alpha, layout=layout,
                             notes=tuple(notes))
