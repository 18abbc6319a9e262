"""Caliendo & Parro (2015): the trade and welfare effects of NAFTA's tariff reductions.

*Estimates of the Trade and Welfare Effects of NAFTA*, Review of Economic Studies
82(1): 1–44, section 5.1. 31 regions × 40 sectors (20 tradable), 1993 baseline
with input-output links; the counterfactual moves the tariffs among Canada,
Mexico and the United States to their 2005 levels and keeps every other tariff at
its 1993 level; deficits are first purged and kept at zero ("zero aggregate
deficits"); the numeraire is world value added.

``countries.csv`` has one row per region with the paper's definitions:

* ``welfare_pct`` — the paper's "welfare": the sum of its terms-of-trade and
  volume-of-trade effects from the first-order decomposition, at
  baseline flows, income and tariffs (``welfare_first_order_pct`` in
  :attr:`tariffsim.Result.countries`);
* ``terms_of_trade_pct``, ``volume_of_trade_pct`` — the two terms;
* ``real_wage_pct`` — ŵ/P̂;
* ``real_income_pct`` — the exact change in real income Î/P̂ (value added +
  tariff revenue, deflated), which is what ``welfare_pct`` means everywhere else
  in tariffsim. It is much smaller for Mexico (about +0.01 % against +1.31 %):
  the volume-of-trade term values the extra imports at the *initial* tariffs, a
  first-order gain that does not count the tariff revenue Mexico gives up when its
  tariffs on US and Canadian goods fall from about 10 % to almost zero.

``comparison.csv`` puts our NAFTA-member numbers beside the published ones, and
the intra-bloc import growth beside the abstract's 118 %, 11 % and 41 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tariffsim import Result, Shock, simulate
from tariffsim.data.caliendo_parro import NAFTA, CaliendoParroData, read_caliendo_parro
from tariffsim.models.multisector import MultisectorModel
from tariffsim.replicate import Replication, choose_mode, data_file

NAME = "cp2015-nafta"
TITLE = "NAFTA's tariff reductions with input-output links (Caliendo & Parro 2015)"
CITATION = ("Caliendo, L. & Parro, F. (2015). Estimates of the Trade and Welfare Effects of NAFTA. "
            "Review of Economic Studies 82(1): 1-44. Section 5.1, Table 2.")
FOLDER = "caliendo_parro_2015"
FILES = [f"{FOLDER}/original_matrices/xbilat1993.txt", f"{FOLDER}/tidy/trade.csv"]
"""One file of each layout; either layout is enough (``mode`` chooses)."""
MODES = ("original", "tidy")
"""The data layout to read: CP's original matrices (default) or the tidy tables."""

PUBLISHED = {"MEX": 1.31, "CAN": -0.06, "USA": 0.08}
"""Welfare effects of NAFTA's tariff reductions, percent (abstract and Table 2)."""

PUBLISHED_COMPONENTS = {
    "MEX": {"terms_of_trade_pct": -0.41, "volume_of_trade_pct": 1.72, "real_wage_pct": 1.72},
    "CAN": {"terms_of_trade_pct": -0.11, "volume_of_trade_pct": 0.04, "real_wage_pct": 0.32},
    "USA": {"terms_of_trade_pct": 0.04, "volume_of_trade_pct": 0.04, "real_wage_pct": 0.11},
}
"""Table 2's decomposition and real wages, percent (as transcribed in the ``cp2015`` R package's README)."""

PUBLISHED_INTRA_BLOC = {"MEX": 118.0, "CAN": 11.0, "USA": 41.0}
"""Growth of imports from the other NAFTA members, percent (abstract: "intra-bloc trade increases")."""

COLUMNS = ["country", "welfare_pct", "terms_of_trade_pct", "volume_of_trade_pct", "real_wage_pct",
           "real_income_pct"]
"""Columns of ``countries.csv`` (the paper's definitions; see the module docstring)."""


def inputs(data_dir: Path, layout: str = "original") -> tuple[CaliendoParroData, Shock]:
    """The 1993 World and the NAFTA shock (2005 tariffs among CAN, MEX, USA)."""
    layout = str(choose_mode(NAME, MODES, layout))
    data_file(data_dir, FILES[0] if layout == "original" else FILES[1])
    data = read_caliendo_parro(Path(data_dir) / FOLDER, layout=layout)  # type: ignore[arg-type]
    shock = Shock.from_arrays(data.world, tariffs=data.nafta_tariffs,
                              label="NAFTA: 2005 tariffs among CAN, MEX and USA, 1993 elsewhere")
    return data, shock


def solve(data_dir: Path, layout: str = "original") -> tuple[Result, CaliendoParroData]:
    """Run the counterfactual: balanced (zero-deficit) baseline, world value added as numeraire."""
    data, shock = inputs(data_dir, layout)
    return simulate(data.world, shock, model=MultisectorModel(closure="balanced")), data


def paper_table(result: Result) -> pd.DataFrame:
    """``countries.csv``: the paper's welfare and its decomposition beside the exact real income change."""
    table = result.countries.rename(columns={"welfare_pct": "exact_welfare_pct"})
    table = table.rename(columns={"welfare_first_order_pct": "welfare_pct"})
    return table[COLUMNS].reset_index(drop=True)


def intra_bloc_imports(result: Result) -> dict[str, float]:
    """Growth of each NAFTA member's imports from the other two members, percent."""
    world = result.baseline
    members = [world.country_index(c) for c in NAFTA]
    out = {}
    for country, k in zip(NAFTA, members, strict=True):
        partners = [m for m in members if m != k]
        before = float(world.flows[partners, k, :].sum())
        after = float(result.equilibrium.flows[partners, k, :].sum())
        out[country] = 100.0 * (after / before - 1.0)
    return out


def run(data_dir: Path, out_dir: Path, mode: str | None = None) -> Replication:
    """Write ``countries.csv``, ``comparison.csv`` and the full result tables into ``out_dir``.

    ``mode`` is the data layout to read: ``original`` (CP's matrices, default) or ``tidy``.
    """
    mode = str(choose_mode(NAME, MODES, mode))
    result, data = solve(data_dir, mode)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = result.write(out_dir, extra={"reproduction": NAME, "layout": mode, "citation": CITATION,
                                         "data_notes": list(data.notes)})
    table = paper_table(result)
    table.to_csv(out_dir / "countries.csv", index=False, float_format="%.10g")
    ours = {column: dict(zip(table["country"], table[column].to_numpy(dtype=np.float64), strict=True))
            for column in COLUMNS[1:]}
    trade = intra_bloc_imports(result)
    rows = []
    for country in ("MEX", "CAN", "USA"):
        published = {"welfare_pct": PUBLISHED[country], **PUBLISHED_COMPONENTS[country]}
        for column, value in published.items():
            rows.append({"country": country, "quantity": column, "published": value,
                         "tariffsim": ours[column][country]})
        rows.append({"country": country, "quantity": "real_income_pct", "published": np.nan,
                     "tariffsim": ours["real_income_pct"][country]})
        rows.append({"country": country, "quantity": "intra_bloc_imports_pct", "published":
                     PUBLISHED_INTRA_BLOC[country], "tariffsim": trade[country]})
    comparison = pd.DataFrame(rows)
    comparison["difference"] = comparison["tariffsim"] - comparison["published"]
    comparison.to_csv(out_dir / "comparison.csv", index=False, float_format="%.6f")
    welfare = comparison[comparison["quantity"] == "welfare_pct"]
    notes = [
        f"data: {data.layout} layout; " + "; ".join(data.notes),
        f"solver: {result.diagnostics.method}, {result.diagnostics.iterations} iterations, residual "
        f"{result.diagnostics.residual:.1e}, {result.diagnostics.seconds:.2f} s",
        f"welfare (paper's definition) within {np.max(np.abs(welfare['difference'])):.4f} pp of the published "
        "numbers, which are rounded to 0.01",
        "real_income_pct is the exact change in real income; the paper's welfare is a first-order "
        f"decomposition (MEX {ours['welfare_pct']['MEX']:.2f} % against an exact "
        f"{ours['real_income_pct']['MEX']:.2f} %: Mexico loses most of its tariff revenue)",
    ]
    return Replication(name=NAME, files=[*files, out_dir / "comparison.csv"], comparison=comparison, notes=notes)
