"""PIIE tables of China's tariffs (Bown, Jung and Zhang 2019, PIIE).

Two layouts (the sheets of the PIIE workbook saved as CSV):

* **tariff rates** (``piie_bown_jung_zhang_2019_china_tariff_rates_hs10.csv``):
  ``hs10`` (Chinese HS10 line, sometimes split lines with a letter: ``8521101100A``),
  ``description``, then one column per event named ``"Month D, YYYY | label"``.
  The **first event column is a level** (the MFN rate in percent on that date);
  **every later column is a change** in percentage points introduced on its date.
  Cells may be empty where a line has no ad valorem rate.
* **imports** (``piie_bown_jung_zhang_2019_china_imports_from_us_2017_hs8.csv``):
  ``hs08``, ``ProductDescription``, ``"YYYY China's Imports from US (000USD)"``
  (value in **thousand USD**), ``sector`` (PIIE's sector groups).

Tables: ``rates`` (long: ``hs10, description, event_date, event, kind, is_level,
change``; ``kind`` is ``retaliation`` for events whose label says so, else
``mfn``; rates as fractions) and ``imports`` (``year, importer, exporter, hs8,
description, sector, value`` in USD millions). The level of a line on each date
must be ≥ 0, or the file is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.codes import iso3_from_name
from tariffsim.data.importers._base import (
    ImportContext,
    Importer,
    Rows,
    TableSpec,
    check_header,
    digits_only,
    fail_where,
    non_negative,
    to_float,
)
from tariffsim.data.importers.dates import parse_date
from tariffsim.data.reader import InputFile, read_batches
from tariffsim.errors import DataError

EVENT = re.compile(r"^(?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})\s*\|\s*(?P<label>.+)$")
IMPORTS = re.compile(r"^(?P<year>\d{4}) (?P<importer>.+?)'s Imports from (?P<exporter>.+?)\s*\((?P<unit>000USD|USD)\)$")


class PiieTariffImporter(Importer):
    source = "piie-tariffs"
    title = "PIIE tables of China's tariffs (Bown, Jung and Zhang 2019)"
    year_option = "none"
    member_pattern = r"(?i)\.csv$"
    tables = (
        TableSpec("rates", pa.schema([
            ("hs10", pa.string()), ("description", pa.string()), ("event_date", pa.date32()),
            ("event", pa.string()), ("kind", pa.string()), ("is_level", pa.bool_()), ("change", pa.float64())]),
            key=("hs10", "event_date", "event"), value=None,
            description="China's tariff events by HS10: the first event is the MFN level, later ones are "
                        "changes (fractions)"),
        TableSpec("imports", pa.schema([
            ("year", pa.int16()), ("importer", pa.string()), ("exporter", pa.string()), ("hs8", pa.string()),
            ("description", pa.string()), ("sector", pa.string()), ("value", pa.float64())]),
            key=("year", "importer", "exporter", "hs8"),
            description="China's imports by Chinese HS8 (USD millions) with PIIE's sector groups"),
    )

    def run(self, ctx: ImportContext) -> None:
        for inp in ctx.inputs:
            scan = ctx.text(inp, "a PIIE table")
            if "hs10" in scan.header:
                self._rates(ctx, inp)
            elif "hs08" in scan.header:
                self._imports(ctx, inp)
            else:
                raise DataError("not a PIIE tariff table: expected an 'hs10' column and event columns "
                                "('January 1, 2018 | MFN Tariff Rates', ...) or an 'hs08' column with "
                                f"imports; the header has {', '.join(scan.header)}", file=inp.display, line=1)

    def _rates(self, ctx: ImportContext, inp: InputFile) -> None:
        scan = ctx.scans[inp]
        events = [c for c in scan.header if c not in ("hs10", "description")]
        check_header(inp, scan.header, ["hs10"], layout="PIIE tariff rates")
        if not events:
            raise DataError("no event columns after hs10 and description", file=inp.display, line=1)
        parsed = []
        for column in events:
            m = EVENT.match(column)
            if not m:
                raise DataError(f"event column '{column}' is not 'Month D, YYYY | label'", file=inp.display, line=1,
                                column=column)
            label = m.group("label").strip()
            parsed.append((parse_date(m.group("date")), label,
                           "retaliation" if "retaliation" in label.lower() else "mfn"))
        dates = [p[0] for p in parsed]
        if dates != sorted(dates):
            raise DataError("event columns are not in date order", file=inp.display, line=1)
        columns = ["hs10", *(["description"] if "description" in scan.header else []), *events]
        writer = ctx.writer("rates")
        for batch, first in read_batches(scan, columns=columns, types={c: pa.string() for c in columns},
                                         progress=ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            n = batch.num_rows
            hs10 = digits_only(batch.column("hs10"), where, "hs10", 10, 10, "an HS10 code", suffix="[A-Z]?")
            values = np.column_stack([
                to_float(batch.column(c), where, c).to_numpy(zero_copy_only=False) for c in events])
            level = np.cumsum(np.nan_to_num(values), axis=1)
            known = ~np.isnan(values[:, 0])
            negative = (level < -1e-9) & known[:, None]
            if negative.any():
                row, col = np.argwhere(negative)[0]
                raise DataError(f"the tariff level falls below zero ({level[row, col]:g} %) after this change",
                                file=inp.display, line=where.line(int(row)), column=events[int(col)])
            description = (pc.utf8_trim_whitespace(batch.column("description")) if "description" in columns
                           else pa.nulls(n, pa.string()))
            for k, (when, label, kind) in enumerate(parsed):
                writer.write(pa.table({
                    "hs10": hs10, "description": description, "event_date": pa.array([when] * n, pa.date32()),
                    "event": pa.array([label] * n), "kind": pa.array([kind] * n),
                    "is_level": pa.array([k == 0] * n), "change": pa.array(values[:, k] / 100.0,
                                                                          from_pandas=True)}),
                    ctx.file_index(inp), where.lines())

    def _imports(self, ctx: ImportContext, inp: InputFile) -> None:
        scan = ctx.scans[inp]
        value_cols = [c for c in scan.header if IMPORTS.match(c)]
        if len(value_cols) != 1:
            raise DataError("expected one column named like \"2017 China's Imports from US (000USD)\"",
                            file=inp.display, line=1)
        m = IMPORTS.match(value_cols[0])
        assert m is not None
        importer = iso3_from_name(m.group("importer"))
        exporter = iso3_from_name(m.group("exporter")) or ("USA" if m.group("exporter") == "US" else None)
        if importer is None or exporter is None:
            raise DataError(f"unknown country in column '{value_cols[0]}'", file=inp.display, line=1,
                            column=value_cols[0])
        scale = 1e-3 if m.group("unit") == "000USD" else 1e-6
        check_header(inp, scan.header, ["hs08", value_cols[0]], layout="PIIE imports")
        text = [c for c in ("ProductDescription", "sector") if c in scan.header]
        columns = ["hs08", value_cols[0], *text]
        writer = ctx.writer("imports")
        for batch, first in read_batches(scan, columns=columns, types={c: pa.string() for c in columns},
                                         progress=ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            n = batch.num_rows
            hs8 = digits_only(batch.column("hs08"), where, "hs08", 8, 8, "an 8-digit code")
            value = to_float(batch.column(value_cols[0]), where, value_cols[0])
            fail_where(np.asarray(pc.is_null(value).to_numpy(zero_copy_only=False), dtype=bool), where,
                       value_cols[0], "missing value")
            non_negative(value, where, value_cols[0])
            writer.write(pa.table({
                "year": pa.array([int(m.group("year"))] * n, pa.int16()), "importer": pa.array([importer] * n),
                "exporter": pa.array([exporter] * n), "hs8": hs8,
                "description": batch.column("ProductDescription") if "ProductDescription" in text
                else pa.nulls(n, pa.string()),
                "sector": batch.column("sector") if "sector" in text else pa.nulls(n, pa.string()),
                "value": pc.multiply(value, scale)}), ctx.file_index(inp), where.lines())

    def default_name(self, years: Sequence[int], year_option: int | None) -> str:
        """Always ``piie-tariffs``: the tables describe events of several years."""
        return self.source
