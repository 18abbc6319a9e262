"""Shared fixtures: the shared data root, seeded generators, small worlds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tariffsim.testing import random_world
from tariffsim.world import World

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_file(relative: str) -> Path:
    """Path under ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{relative} (shared data folder absent)")
    return path


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test, and every subprocess it starts, uses a fresh data directory, never the user's:
    `tariffsim run` records each run in the runs store there."""
    path = tmp_path_factory.mktemp("data-dir")
    monkeypatch.setenv("TARIFFSIM_DATA_DIR", str(path))
    return path


def data_root(*relatives: str) -> Path:
    """The shared data root, after checking that every file a reproduction reads is there (else skip)."""
    for relative in relatives:
        shared_file(relative)
    return SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip("needs ../shared/data (shared data folder absent)")
    return SHARED_DATA


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20180706)


@pytest.fixture
def small_world(rng: np.random.Generator) -> World:
    return random_world(rng, 6, 3)


@pytest.fixture
def one_sector_world(rng: np.random.Generator) -> World:
    return random_world(rng, 7, 1, tariff_max=0.0)
