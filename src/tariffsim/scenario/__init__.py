"""Scenarios: a TOML policy language compiled to :class:`~tariffsim.Shock` objects.

* :func:`load_scenario` reads and validates a file (following ``extends``); every
  problem is a :class:`~tariffsim.errors.ScenarioError` naming the file, line and key.
  Scenario files are untrusted input: they read other files only inside allowed
  folders (:class:`FileAccess`, widened with ``allow_paths``) and within
  :class:`ScenarioLimits`;
* :func:`load_scenario_world` loads the baseline World a scenario names;
* :func:`compile_scenario` turns it into a Shock on a World's grid, with a coverage
  report and trade-weighted average tariffs before and after;
* :func:`to_toml` writes a scenario back.

The language is documented, key by key, in ``docs/scenarios.md``.
"""

from tariffsim.scenario.compiler import WEIGHT_COLUMNS, CompiledScenario, compile_scenario, evaluation_date
from tariffsim.scenario.loader import (
    FileAccess,
    LoadedScenario,
    ScenarioLimits,
    bundled_scenario_path,
    bundled_scenarios,
    load_scenario,
    load_scenario_world,
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
    parse_date,
    parse_rate,
)
from tariffsim.scenario.writer import to_toml

__all__ = [
    "WEIGHT_COLUMNS",
    "Action",
    "AllExcept",
    "CompiledScenario",
    "FileAccess",
    "Header",
    "LoadedScenario",
    "ProductList",
    "Purchase",
    "Retaliation",
    "Scenario",
    "ScenarioLimits",
    "TradeCost",
    "bundled_scenario_path",
    "bundled_scenarios",
    "compile_scenario",
    "evaluation_date",
    "load_scenario",
    "load_scenario_world",
    "parse_date",
    "parse_rate",
    "parse_scenario",
    "to_toml",
]
