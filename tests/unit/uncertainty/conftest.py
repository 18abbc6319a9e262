"""A small World and scenario (4 countries, 2 sectors, one date, two tariff actions) for runs over draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tariffsim.data import write_world
from tariffsim.testing import random_world

SCENARIO = """[scenario]
name = "small"
world = "{world}"
date = 2019-01-01

[[action]]
label = "war"
imposer = "C00"
target = ["C01"]
sectors = "all"
rate = "25%"
effective = 2018-07-06

[[action]]
label = "answer"
imposer = "C01"
target = ["C00"]
sectors = ["S1"]
rate = "10%"
effective = 2018-09-01
"""


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario file beside its World folder; returns the scenario's path."""
    root = tmp_path_factory.mktemp("small-world")
    world = write_world(random_world(np.random.default_rng(3), 4, 2, theta=(3.0, 8.0)), root / "world")
    path = root / "scenario.toml"
    path.write_text(SCENARIO.format(world=world.as_posix()))
    return path


def scenario_text(small: Path, extra: str = "") -> Path:
    """A copy of the small scenario with ``extra`` TOML appended, in the same folder."""
    path = small.parent / f"with-{abs(hash(extra)) % 10**8}.toml"
    path.write_text(small.read_text() + "\n" + extra)
    return path
