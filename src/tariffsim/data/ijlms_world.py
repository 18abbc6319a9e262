"""The IJLMS (2025) inputs as arrays and as a World, built the authors' way: ``load_world("ijlms-2023")``.

The inputs of Ignatenko, Lashkaripour, Macedoni & Simonovska (2025) — 194 economies, BACI 2023
goods trade, WDI 2023 GDP, the US tariffs announced on 2 April 2025 — are read through the
``ijlms`` importer (:mod:`tariffsim.data.importers.ijlms`, which checks every row) into a
temporary catalog; nothing is kept and nothing is bundled.

:func:`ijlms_world` builds the World as the authors' code builds its baseline (see
:mod:`tariffsim.fixed_costs`): the fixed-cost shares ν by their routine, domestic sales
``GDP + T̄(ν) − imports``. For Gambia and the Marshall Islands that is negative (goods exports
above GDP) and the authors set it to zero; a World needs domestic sales, so these two get
:data:`CLIPPED_DOMESTIC` (a thousandth of a dollar), a home trade share of order 1e-12 whose
effect on every outcome is below 1e-8 percentage points (the reference tests measure it against
the exact zero of :func:`tariffsim.fixed_costs.authors_flows`). The importer's other World
(``world_from_catalog(flows="ijlms")``) keeps output = GDP instead.

The data are found under ``$TARIFFSIM_SHARED_DATA``, ``../shared/data`` (from the working
directory) or the ``shared/data`` folder beside a clone of the repository.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tariffsim.data.catalog import Catalog
from tariffsim.data.importers.ijlms import FILES
from tariffsim.errors import DataError
from tariffsim.fixed_costs import authors_flows, fixed_cost_shares
from tariffsim.world import World

__all__ = ["CLIPPED_DOMESTIC", "FOLDER", "IJLMS_WORLD", "AuthorsBaseline", "IjlmsInputs", "authors_baseline",
           "ijlms_folder", "ijlms_world", "read_ijlms"]

FloatArray = NDArray[np.float64]

IJLMS_WORLD = "ijlms-2023"
FOLDER = "liberation_day_2025"
"""The inputs' folder under the shared data root."""
CLIPPED_DOMESTIC = 1e-9
"""Domestic sales (USD millions) of the economies whose authors' domestic sales are clipped to zero
(a World needs domestic sales above zero)."""
EPSILON = 4.0
"""The authors' trade elasticity ε."""


@dataclass(frozen=True, eq=False)
class IjlmsInputs:
    """The package's inputs in label order.

    Attributes
    ----------
    countries, names
        ISO3 codes and country names (the order of ``country_labels.csv``; USA is 185th).
    trade
        International trade ``X[i, j]`` (exporter, importer), USD millions, zero diagonal, (N, N).
    gdp
        GDP, USD millions, (N,).
    us_tariffs
        The US tariff on each economy's goods announced on 2 April 2025, as in the file
        (fractions, no floor), (N,).
    """

    countries: tuple[str, ...]
    names: tuple[str, ...]
    trade: FloatArray
    gdp: FloatArray
    us_tariffs: FloatArray


@dataclass(frozen=True, eq=False)
class AuthorsBaseline:
    """The fixed-cost shares and flows the authors' code computes from the inputs.

    Attributes
    ----------
    nu_others, nu_us
        The fixed-cost shares of every economy but the US, and of the US.
    nu
        ν per economy (N,).
    flows
        Trade with domestic sales on the diagonal, USD millions, zero where the authors clip (N, N).
    """

    nu_others: float
    nu_us: float
    nu: FloatArray
    flows: FloatArray


def authors_baseline(data: IjlmsInputs) -> AuthorsBaseline:
    """ν by the authors' routine (``GDP + T̄(ν)`` as expenditure) and domestic sales ``GDP + T̄(ν) − imports``
    clipped at zero (:mod:`tariffsim.fixed_costs`)."""
    us = data.countries.index("USA")
    others, own = fixed_cost_shares(data.trade, us, gdp=data.gdp)
    nu = np.full(len(data.countries), others)
    nu[us] = own
    return AuthorsBaseline(nu_others=others, nu_us=own, nu=nu, flows=authors_flows(data.trade, data.gdp, nu))


def ijlms_folder(data_root: str | Path | None = None) -> Path:
    """The inputs' folder: under ``data_root`` when given, else the first shared data root found."""
    if data_root is not None:
        return Path(data_root) / FOLDER
    candidates = [Path(p) for p in (os.environ.get("TARIFFSIM_SHARED_DATA"),) if p]
    candidates += [Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[4] / "shared" / "data"]
    for root in candidates:
        if (root / FOLDER).is_dir():
            return root / FOLDER
    raise DataError(f"the world '{IJLMS_WORLD}' is built from the IJLMS (2025) inputs, which were not found: put "
                    f"the folder {FOLDER}/ (JoeLoera/liberation-day-replication, data/base_data/) under "
                    "$TARIFFSIM_SHARED_DATA or ../shared/data", file=", ".join(str(c / FOLDER) for c in candidates))


def read_ijlms(folder: str | Path) -> IjlmsInputs:
    """Read the four CSV files of ``folder`` through the ``ijlms`` importer (a temporary catalog)."""
    folder = Path(folder)
    paths = [folder / f"{stem}.csv" for stem in FILES]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        raise DataError(f"missing {', '.join(missing)} of the IJLMS inputs", file=str(folder))
    with tempfile.TemporaryDirectory(prefix="tariffsim-ijlms-") as workdir:
        catalog = Catalog(Path(workdir))
        info = catalog.import_files("ijlms", paths)
        flows = catalog.read(info.name, "flows")
        table = catalog.read(info.name, "countries").sort_values("iso_code")
    countries = tuple(str(c) for c in table["country"])
    index = {c: k for k, c in enumerate(countries)}
    n = len(countries)
    trade = np.zeros((n, n))
    trade[flows["exporter"].map(index).to_numpy(), flows["importer"].map(index).to_numpy()] = flows["value"]
    return IjlmsInputs(countries=countries, names=tuple(str(x) for x in table["name"]), trade=trade,
                       gdp=table["gdp"].to_numpy(dtype=np.float64),
                       us_tariffs=table["us_tariff_2025"].to_numpy(dtype=np.float64))


def ijlms_world(folder: str | Path | None = None, *, elasticity: float | None = None,
                inputs: IjlmsInputs | None = None) -> World:
    """The IJLMS (2025) baseline as a one-sector World, domestic sales as the authors build them.

    Parameters
    ----------
    folder
        The inputs' folder (default: :func:`ijlms_folder`).
    elasticity
        θ = ε (default 4, the authors').
    inputs
        Inputs already read (then ``folder`` is not read).
    """
    data = inputs if inputs is not None else _read_cached(str(Path(folder) if folder is not None
                                                              else ijlms_folder()))
    baseline = authors_baseline(data)
    flows = baseline.flows.copy()
    clipped = [c for k, c in enumerate(data.countries) if flows[k, k] <= 0]
    home = np.diagonal(flows).copy()
    np.fill_diagonal(flows, np.where(home <= 0, CLIPPED_DOMESTIC, home))
    theta = EPSILON if elasticity is None else float(elasticity)
    return World(countries=data.countries, sectors=("ALL",), flows=flows[:, :, None], elasticity=np.array([theta]),
                 year=2023, name=IJLMS_WORLD, sources={
                     "flows": "Ignatenko, Lashkaripour, Macedoni and Simonovska (2025) inputs (BACI 2023 goods trade, "
                              "WDI 2023 GDP), read by the ijlms importer; domestic sales = GDP + T(nu) - imports as in "
                              f"the authors' code, with fixed-cost shares nu = {baseline.nu_others:.6f} (others) and "
                              f"{baseline.nu_us:.6f} (USA) from their routine; {', '.join(clipped)}: domestic sales of "
                              f"{CLIPPED_DOMESTIC:g} USD m where the authors' are clipped to zero",
                     "tariffs": "zero in the baseline; the US tariffs of 2 April 2025 are the scenario "
                                "liberation-day-2025",
                     "elasticity": f"theta = {theta:g} (the authors' epsilon is 4)"})


@functools.lru_cache(maxsize=2)
def _read_cached(folder: str) -> IjlmsInputs:
    return read_ijlms(folder)
