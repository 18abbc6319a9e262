"""docs/data.md documents every source, table and grouping the code has."""

from __future__ import annotations

from pathlib import Path

import pytest

from tariffsim.data.concordance import hs_sectors
from tariffsim.data.importers import SOURCES, get_importer

DOC = Path(__file__).resolve().parents[3] / "docs" / "data.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_source_has_a_section_with_its_tables(doc, source):
    section = doc.split(f"### `{source}`", 1)
    assert len(section) == 2, f"no section for {source}"
    body = section[1].split("\n### ", 1)[0]
    for part in ("Layout", "Licence", "Get it"):
        assert part in body, f"{source}: no {part}"
    for table in get_importer(source).tables:
        assert f"`{table.name}`" in body, f"{source}: table {table.name} not documented"


def test_every_sector_is_in_the_concordance_table(doc):
    for sector in hs_sectors()["sector"]:
        assert f"| {sector} " in doc, sector
