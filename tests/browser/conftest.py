"""Chromium for the browser tests: Debian's, headless, driven by Playwright, one launch per module.

Chromium is the system's (``/usr/bin/chromium``, installed by ``.ci/run`` with
``apt-get install -y chromium``); Playwright's own browser download is never used. It
runs as root in CI, hence ``--no-sandbox``; the other flags keep it off the network.
Without Chromium or Playwright the tests skip with the reason, except under CI
(``CI=true``), where they must run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason} — CI must run the browser tests (.ci/run installs Chromium)")
    pytest.skip(reason)


def chromium_path() -> str:
    """Debian's Chromium (``$TARIFFSIM_CHROMIUM`` overrides), or skip: a developer machine may not have it."""
    for candidate in (os.environ.get("TARIFFSIM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    _missing("Chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for the module's tests."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        # a non-persistent launch gives Chromium a fresh, empty profile (user data dir) each time
        instance = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield instance
        finally:
            instance.close()
