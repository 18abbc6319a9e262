"""Inputs of Ignatenko, Lashkaripour, Macedoni and Simonovska (2025), "Making America Great Again?
The Economic Impacts of Liberation Day Tariffs", Journal of International Economics 157, 104138.

Layout (``../shared/data/liberation_day_2025/``, the authors' ``data/base_data/``; 194
economies, one sector; every file in the row order of ``country_labels.csv``):

* ``country_labels.csv``: ``iso3, iso_code`` (1–194, the package's index), ``CountryName``;
* ``trade_cepii.csv``: a 194 × 194 matrix, columns ``export_ij1`` … ``export_ij194``;
  **row = exporter, column = importer**, **thousand USD** (BACI 2023), blank = 0, zero
  diagonal (the authors' code sets domestic sales itself);
* ``gdp.csv``: ``gdp`` in **USD** (WDI 2023);
* ``tariffs.csv``: ``applied_tariff``, the new US tariff on each economy's goods announced on
  2 April 2025 (fraction; the authors' code applies a 10 % floor, which is not applied here;
  the US row is 0).

Tables (``year`` 2023, the year of the trade and GDP data, unless ``--year``):

* ``flows``: ``year, exporter, importer, value`` (USD millions), the non-zero off-diagonal
  cells only;
* ``countries``: ``year, country, iso_code, name, gdp`` (USD millions), ``us_tariff_2025``
  (fraction, as in the file).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.importers._base import (
    ImportContext,
    Importer,
    Rows,
    TableSpec,
    check_header,
    fail_where,
    message,
    non_negative,
    not_null,
    to_float,
    to_int,
)
from tariffsim.data.importers.cubes import MAX_TARIFF, country_codes
from tariffsim.data.reader import InputFile, read_batches
from tariffsim.errors import DataError

DATA_YEAR = 2023
"""Year of the trade (BACI) and GDP (WDI) data of the package."""

FILES = ("country_labels", "trade_cepii", "gdp", "tariffs")


class IjlmsImporter(Importer):
    source = "ijlms"
    title = "Ignatenko, Lashkaripour, Macedoni and Simonovska (2025): 194 economies, Liberation Day tariffs"
    year_option = "label"
    member_pattern = r"(?i)\.csv$"
    tables = (
        TableSpec("flows", pa.schema([("year", pa.int16()), ("exporter", pa.string()), ("importer", pa.string()),
                                      ("value", pa.float64())]),
                  key=("year", "exporter", "importer"),
                  description="goods trade (BACI), USD millions; non-zero off-diagonal cells"),
        TableSpec("countries", pa.schema([("year", pa.int16()), ("country", pa.string()), ("iso_code", pa.int16()),
                                          ("name", pa.string()), ("gdp", pa.float64()),
                                          ("us_tariff_2025", pa.float64())]),
                  key=("year", "country"), value=None,
                  description="GDP (WDI, USD millions) and the US tariff announced on 2 April 2025 (fraction)"),
    )

    def run(self, ctx: ImportContext) -> None:
        files: dict[str, InputFile] = {}
        for inp in ctx.inputs:
            stem = re.sub(r"(?i)\.csv$", "", inp.name).lower()
            if stem not in FILES:
                raise DataError(f"not a file of the package; expected {', '.join(f + '.csv' for f in FILES)}",
                                file=inp.display)
            files[stem] = inp
        missing = [f for f in FILES if f not in files]
        if missing:
            raise DataError(f"missing {', '.join(f + '.csv' for f in missing)}: every file follows the row order "
                            "of country_labels.csv", file=", ".join(i.display for i in ctx.inputs))
        year = ctx.year or DATA_YEAR
        labels, iso_codes, names = self._labels(ctx, files["country_labels"])
        gdp = self._column(ctx, files["gdp"], "gdp", len(labels))
        fail_where(gdp <= 0, _rows(ctx, files["gdp"]), "gdp", lambda k: f"GDP {gdp[k]} is not positive")
        tariff = self._column(ctx, files["tariffs"], "applied_tariff", len(labels))
        where = _rows(ctx, files["tariffs"])
        fail_where(tariff < 0, where, "applied_tariff", lambda k: f"negative tariff {tariff[k]}")
        fail_where(tariff > MAX_TARIFF, where, "applied_tariff",
                   lambda k: f"tariff {tariff[k]} above 10 (1,000 %): tariffs are fractions")
        self._trade(ctx, files["trade_cepii"], labels, year)
        n = len(labels)
        lines = _rows(ctx, files["country_labels"]).lines()
        ctx.writer("countries").write(pa.table({
            "year": pa.array(np.full(n, year, np.int16)), "country": pa.array(labels),
            "iso_code": pa.array(iso_codes, pa.int16()), "name": pa.array(names),
            "gdp": pa.array(gdp / 1e6), "us_tariff_2025": pa.array(tariff)}),
            ctx.file_index(files["country_labels"]), lines)
        ctx.note(f"{n} economies; trade in thousand USD and GDP in USD converted to USD millions; the US tariffs "
                 "of 2 April 2025 as in the file (the authors' 10 % floor is not applied)")

    def _labels(self, ctx: ImportContext, inp: InputFile) -> tuple[list[str], list[int], list[str]]:
        scan = ctx.text(inp, "country_labels.csv")
        check_header(inp, scan.header, ["iso3", "iso_code"], layout="country labels")
        columns = ["iso3", "iso_code", *(["CountryName"] if "CountryName" in scan.header else [])]
        labels: list[str] = []
        codes: list[int] = []
        names: list[str] = []
        for batch, first in read_batches(scan, columns=columns, types={c: pa.string() for c in columns}):
            where = Rows.of_batch(scan, first, batch.num_rows)
            labels += country_codes(batch.column("iso3"), where, "iso3").to_pylist()
            index = to_int(batch.column("iso_code"), where, "iso_code")
            expected = np.arange(first + 1, first + 1 + batch.num_rows)
            got = index.to_numpy()
            fail_where(got != expected, where, "iso_code",
                       message("iso_code {} out of order: the row must have code {}", index, pa.array(expected)))
            codes += got.tolist()
            names += (batch.column("CountryName").to_pylist() if "CountryName" in columns else [""] * batch.num_rows)
        twice = sorted({c for c in labels if labels.count(c) > 1})
        if twice:
            raise DataError(f"country codes listed twice: {', '.join(twice)}", file=inp.display, column="iso3")
        return labels, codes, [str(x or "") for x in names]

    def _column(self, ctx: ImportContext, inp: InputFile, column: str, n: int) -> np.ndarray:
        scan = ctx.text(inp, inp.name)
        check_header(inp, scan.header, [column], layout=inp.name)
        parts = []
        for batch, first in read_batches(scan, columns=[column], types={column: pa.string()}):
            where = Rows.of_batch(scan, first, batch.num_rows)
            values = to_float(batch.column(column), where, column)
            not_null(values, where, column)
            parts.append(values.to_numpy(zero_copy_only=False))
        values = np.concatenate(parts) if parts else np.zeros(0)
        if len(values) != n:
            raise DataError(f"{len(values)} rows for {n} countries of country_labels.csv", file=inp.display)
        return values

    def _trade(self, ctx: ImportContext, inp: InputFile, labels: list[str], year: int) -> None:
        scan = ctx.text(inp, "trade_cepii.csv")
        n = len(labels)
        columns = [f"export_ij{k}" for k in range(1, n + 1)]
        check_header(inp, scan.header, columns, allow_extra=False, layout=f"{n} x {n} trade matrix")
        importers = pa.array(labels)
        rows = 0
        for batch, first in read_batches(scan, columns=columns, types={c: pa.string() for c in columns},
                                         progress=ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            if first + batch.num_rows > n:
                raise DataError(f"more than {n} rows (one per exporter of country_labels.csv)", file=inp.display,
                                line=where.line(n - first))
            block = np.zeros((batch.num_rows, n))
            for j, column in enumerate(columns):
                values = to_float(batch.column(column), where, column)
                non_negative(values, where, column, "trade value")
                block[:, j] = np.nan_to_num(values.to_numpy(zero_copy_only=False), nan=0.0) / 1000.0
            for k in range(batch.num_rows):
                exporter = first + k
                array = block[k]
                if array[exporter] != 0:
                    ctx.note(f"{labels[exporter]}'s domestic cell ({array[exporter]:.1f} USD m) left out: "
                             "domestic sales are not trade")
                    array[exporter] = 0.0
                keep = np.flatnonzero(array > 0)
                ctx.writer("flows").write(pa.table({
                    "year": pa.array(np.full(len(keep), year, np.int16)),
                    "exporter": pa.array([labels[exporter]] * len(keep), pa.string()),
                    "importer": pc.take(importers, pa.array(keep, pa.int64())), "value": pa.array(array[keep])}),
                    ctx.file_index(inp), np.full(len(keep), where.line(k)))
            rows = first + batch.num_rows
        if rows != n:
            raise DataError(f"{rows} rows for {n} exporters of country_labels.csv", file=inp.display)


def _rows(ctx: ImportContext, inp: InputFile) -> Rows:
    scan = ctx.scans[inp]
    return Rows.of_batch(scan, 0, scan.records)
