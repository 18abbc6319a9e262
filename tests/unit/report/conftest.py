"""Runs of bundled scenarios on the bundled demo world, solved in-process, as the report reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from tariffsim import Numeraire, simulate

try:  # the run driver moved out of the command line (tariffsim.runs); older trees have it in cli_report
    from tariffsim.runs import dated_tables
except ImportError:  # pragma: no cover - until the move is committed
    from tariffsim.cli_report import dated_tables  # type: ignore[no-redef]
from tariffsim.data import load_world
from tariffsim.models import MODELS
from tariffsim.report.run import RunData
from tariffsim.scenario import compile_scenario, load_scenario

MULTI_DATES = (dt.date(2018, 1, 1), dt.date(2018, 7, 6), dt.date(2019, 9, 1))


def solve_run(name: str, dates: Sequence[dt.date] | None = None, model_name: str | None = None) -> RunData:
    """Solve a bundled scenario on its dates (or ``dates``) the way ``tariffsim run`` does."""
    loaded = load_scenario(name)
    head = loaded.spec.scenario
    world = load_world(head.world, base_dir=loaded.base_dir)
    model = MODELS[model_name or head.model](closure=head.closure, numeraire=Numeraire.parse(head.numeraire))
    parts = []
    for when in dates or head.evaluation_dates():
        compiled = compile_scenario(loaded, world, date=when)
        result = simulate(world, compiled.shock, model=model)
        extra = {"scenario": {"name": head.name, "file": str(loaded.path), "date": str(compiled.date),
                              "text": loaded.text}, "warnings": list(compiled.warnings)}
        parts.append(dated_tables(compiled, result, extra))
    return RunData.from_dates(parts, source="tests")


@pytest.fixture(scope="session")
def single_run() -> RunData:
    """threat-150bn-2018-retaliation: one evaluation date, US tariffs and China's answer."""
    return solve_run("threat-150bn-2018-retaliation")


@pytest.fixture(scope="session")
def threat_run() -> RunData:
    """threat-150bn-2018: the same US tariffs without retaliation."""
    return solve_run("threat-150bn-2018")


@pytest.fixture(scope="session")
def multi_run() -> RunData:
    """us-china-2018-2019 on three of its dates: nothing yet, List 1 and its answer, List 4A."""
    return solve_run("us-china-2018-2019", MULTI_DATES)
