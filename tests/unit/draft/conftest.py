"""Shared fixtures of the drafting tests: the spaCy pipeline is built once per test process."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.fixture(scope="session")
def nlp_ready() -> None:
    """Build the pipeline (spaCy blank English, entity ruler, matchers) once, before timing anything."""
    from tariffsim.draft.nlp import pipeline

    pipeline()
