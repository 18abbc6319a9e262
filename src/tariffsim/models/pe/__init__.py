"""Product-level partial equilibrium: SMART and a GSIM-style global multi-market model.

Inner files, the same in every model family:

* ``data.py`` — :class:`ProductTrade`, the validated long table of product-level
  trade and tariffs (one row per importer × exporter × product; never dense arrays);
* ``equations.py`` — the equations, written out in the docstrings with the papers
  cited (Laird & Yeats 1986; Jammes & Olarreaga 2005; Francois & Hall 2003);
* ``model.py`` — the settings objects (:class:`SmartSettings`, :class:`GsimSettings`,
  :class:`PESolverOptions`), ``solve`` and the entry point :func:`simulate_pe`;
* ``results.py`` — :class:`PEResult` and :data:`PE_COLUMNS`.

Example::

    from tariffsim.models.pe import ProductTrade, SmartSettings, simulate_pe

    trade = ProductTrade.from_frame(frame)          # importer, exporter, product, value_usd, tariff
    result = simulate_pe(trade, new_tariffs, SmartSettings(import_demand_elasticity=1.2))
    result.sectors, result.totals
"""

from tariffsim.models.pe.data import ProductTrade, Unmatched, hs_chapter
from tariffsim.models.pe.equations import INFINITE_SUPPLY
from tariffsim.models.pe.model import (
    ElasticityInput,
    Form,
    GsimSettings,
    PESettings,
    PESolverMethod,
    PESolverOptions,
    SmartSettings,
    simulate_pe,
    solve,
)
from tariffsim.models.pe.results import GROUP_KEYS, PE_COLUMNS, PEResult

__all__ = [
    "ProductTrade",
    "Unmatched",
    "hs_chapter",
    "INFINITE_SUPPLY",
    "ElasticityInput",
    "Form",
    "GsimSettings",
    "PESettings",
    "PESolverMethod",
    "PESolverOptions",
    "SmartSettings",
    "simulate_pe",
    "solve",
    "PEResult",
    "PE_COLUMNS",
    "GROUP_KEYS",
]
