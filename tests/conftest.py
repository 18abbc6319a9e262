"""Shared fixtures: the shared data root, seeded generators, small worlds.

Reference data (the public datasets the reference tests read) are found, in order, at
``--shared-data DIR``, ``$TARIFFSIM_SHARED_DATA``, or ``../shared/data`` beside the
clone. The header of every run says whether they were found. Without them the tests
that need them skip with the file they need — except under ``CI=true``, where a
missing file fails the test (set ``TARIFFSIM_ALLOW_MISSING_SHARED=1`` to run CI
without the data on purpose).

Hypothesis: the ``ci`` profile (``CI=true``) is derandomized and has no deadline;
the default profile has no deadline either (timing is for benchmarks/, not tests).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tariffsim.testing import random_world
from tariffsim.world import World

DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHARED_DATA = Path(os.environ.get("TARIFFSIM_SHARED_DATA") or DEFAULT_SHARED_DATA)

settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("true", "1") else "dev")


def _strict() -> bool:
    """Missing reference data fail the run under CI, unless explicitly allowed."""
    return (os.environ.get("CI", "").lower() in ("true", "1")
            and os.environ.get("TARIFFSIM_ALLOW_MISSING_SHARED", "") not in ("1", "true"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--shared-data", default=None, metavar="DIR",
                     help="folder of the shared reference data (default: $TARIFFSIM_SHARED_DATA, else "
                          "../shared/data beside the clone)")


def pytest_configure(config: pytest.Config) -> None:
    global SHARED_DATA
    option = config.getoption("--shared-data", default=None)
    if option:
        SHARED_DATA = Path(option).resolve()


def pytest_report_header(config: pytest.Config) -> str:
    if SHARED_DATA.is_dir():
        return f"reference data: found at {SHARED_DATA}"
    return (f"reference data: NOT found at {SHARED_DATA} — tests that need them will "
            + ("FAIL (CI=true)" if _strict() else "skip")
            + "; point --shared-data or $TARIFFSIM_SHARED_DATA at the folder")


def _missing(reason: str) -> None:
    if _strict():
        pytest.fail(f"{reason} — CI must run the reference tests (see CONTRIBUTING.md: reference data)")
    pytest.skip(reason)


def shared_file(relative: str) -> Path:
    """Path under the shared data folder, or skip the test with the reason (fail under CI)."""
    path = SHARED_DATA / relative
    if not path.exists():
        _missing(f"needs shared data file {relative} under {SHARED_DATA} (not found)")
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
        _missing(f"needs the shared data folder {SHARED_DATA} (not found)")
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
