"""Scenarios: a TOML policy language compiled to :class:`~tariffsim.Shock` objects.

* :func:`load_scenario` reads and validates a file (following ``extends``); every
  problem is a :class:`~tariffsim.errors.ScenarioError` naming the file, line and key;
* :func:`compile_scenario` turns it into a Shock on a World's grid, with a coverage
  report and trade-weighted average tariffs before and after;
* :func:`to_toml` writes a scenario back.

The language is documented, key by key, in ``docs/scenarios.md``.
"""

from tariffsim.scenario.compiler import WEIGHT_COLUMNS, CompiledScenario, compile_scenario, evaluation_date
from tariffsim.scenario.loader import (
    LoadedScenario,
    bundled_scenario_path,
    bundled_scenarios,
    load_scenario,
    parse_scenario,
)
from tariffsim.scenario.schema import (
    Action,
    AllExcept,
    Header,
    ProductList,
    Purchase,
    Retaliation,
    Scenario,
    TradeCost,
    parse_rate,
)
from tariffsim.scenario.writer import to_toml

__all__ = [
    "WEIGHT_COLUMNS",
    "Action",
    "AllExcept",
    "CompiledScenario",
    "Header",
    "LoadedScenario",
    "ProductList",
    "Purchase",
    "Retaliation",
    "Scenario",
    "TradeCost",
    "bundled_scenario_path",
    "bundled_scenarios",
    "compile_scenario",
    "evaluation_date",
    "load_scenario",
    "parse_rate",
    "parse_scenario",
    "to_toml",
]
