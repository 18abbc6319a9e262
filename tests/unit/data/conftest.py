"""Fixtures of the data-layer tests: fixture files, a fresh catalog, file writers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tariffsim.data.catalog import Catalog

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "data"


@pytest.fixture
def fixtures() -> Path:
    """Folder of the hand-written fixture files (one subfolder per source)."""
    return FIXTURES


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    """An empty catalog in a temporary data directory."""
    return Catalog(tmp_path / "catalog")


@pytest.fixture
def baci_files(fixtures: Path) -> list[str]:
    return sorted(str(p) for p in (fixtures / "baci").glob("*.csv"))


@pytest.fixture
def copy_fixture(tmp_path: Path, fixtures: Path):
    """Copy a fixture file into tmp_path (to edit it) and return the copy's path."""

    def copy(relative: str, name: str | None = None) -> Path:
        target = tmp_path / "inputs" / (name or Path(relative).name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixtures / relative, target)
        return target

    return copy


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` (folders created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
