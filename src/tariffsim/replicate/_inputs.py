"""Reading the shared source files through tariffsim's own importers (a temporary catalog).

Reproductions read raw files the way a user would: imported with the data layer's
importers (which check every row) and read back as tidy tables. One temporary
catalog per call; nothing is left behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tariffsim.data import Catalog

__all__ = ["import_tables"]


def import_tables(imports: Sequence[tuple[str, Sequence[Path], int | None]]) -> dict[str, dict[str, pd.DataFrame]]:
    """Import each ``(source, files, year)`` into a temporary catalog and return its tables.

    Returns ``{source: {table: DataFrame}}``.
    """
    out: dict[str, dict[str, pd.DataFrame]] = {}
    with tempfile.TemporaryDirectory(prefix="tariffsim-catalog-") as workdir:
        catalog = Catalog(Path(workdir))
        for source, files, year in imports:
            info = catalog.import_files(source, list(files), year=year)
            out[source] = {table: catalog.read(info.name, table) for table in info.tables}
    return out
