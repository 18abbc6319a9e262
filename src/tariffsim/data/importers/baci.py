"""CEPII BACI: bilateral trade by HS6 product, about 200 countries, 10 million rows a year.

Layout (Gaulier and Zignago 2010, CEPII working paper 2010-23; files
``BACI_HS17_Y2017_V202401b.csv`` inside ``BACI_HS17_V202401b.zip``):

* data files, header ``t,i,j,k,v,q``: year, exporter and importer (numeric
  country codes, UN Comtrade style: 842 USA, 251 FRA, ...), HS6 product (leading
  zero dropped: ``10121``), value in **thousand USD** (FOB), quantity in metric
  tons (``NA``, sometimes space-padded, when unknown);
* ``country_codes_V*.csv``: ``country_code, country_name, country_iso2, country_iso3``
  (older releases: ``country_code, country_name_abbreviation, country_name_full,
  iso_2digit_alpha, iso_3digit_alpha``);
* ``product_codes_HS*_V*.csv``: ``code, description``.

Tables written: ``flows`` (``year, exporter, importer, hs6, value`` in USD
millions, ``quantity`` in tons), and ``countries`` and ``products`` when their
files are given. With a country file, codes are checked against it; without,
against tariffsim's code table (:mod:`tariffsim.data.codes`).
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.codes import iso3_code_map, numeric_code_map
from tariffsim.data.concordance import hs_pad_array
from tariffsim.data.importers._base import (
    ImportContext,
    Importer,
    Rows,
    TableSpec,
    check_header,
    check_years,
    digits_only,
    fail_where,
    finite,
    mask,
    message,
    non_negative,
    not_null,
    to_float,
)
from tariffsim.data.reader import InputFile, read_batches
from tariffsim.errors import DataError

DATA_COLUMNS = ("t", "i", "j", "k", "v", "q")


class BaciImporter(Importer):
    source = "baci"
    title = "CEPII BACI (HS6 bilateral trade)"
    year_option = "filter"
    member_pattern = r"(?i)\.csv$"
    tables = (
        TableSpec("flows", pa.schema([("year", pa.int16()), ("exporter", pa.string()), ("importer", pa.string()),
                                      ("hs6", pa.string()), ("value", pa.float64()), ("quantity", pa.float64())]),
                  key=("year", "exporter", "importer", "hs6"),
                  description="exports of exporter to importer by HS6 product: value USD millions (FOB), "
                              "quantity metric tons"),
        TableSpec("countries", pa.schema([("code", pa.int32()), ("iso3", pa.string()),
                                          ("iso3_source", pa.string()), ("name", pa.string())]),
                  key=("code",), value=None, description="BACI country codes and the ISO3 tariffsim maps them to",
                  lookup=True),
        TableSpec("products", pa.schema([("hs6", pa.string()), ("description", pa.string())]),
                  key=("hs6",), value=None, description="HS6 product codes and descriptions", lookup=True),
    )

    def select_members(self, inputs: list[InputFile], year: int | None) -> list[InputFile]:
        data = [f for f in inputs if f.member and re.search(r"_Y\d{4}_", f.name)]
        if not data:
            return inputs
        years = sorted({int(m.group(1)) for f in data if (m := re.search(r"_Y(\d{4})_", f.name))})
        if year is None and len(years) > 1:
            raise DataError(f"the archive holds years {years[0]}-{years[-1]}; pass --year to import one",
                            file=str(data[0].path))
        keep = [f for f in data if year is None or f"_Y{year}_" in f.name]
        if not keep:
            raise DataError(f"no data file for {year} in the archive (years {', '.join(map(str, years))})",
                            file=str(data[0].path))
        return [f for f in inputs if f not in data] + keep

    def run(self, ctx: ImportContext) -> None:
        data_files, country_files, product_files = [], [], []
        for inp in ctx.inputs:
            header = ctx.scans[inp].header if inp in ctx.scans else []
            names = set(header)
            if {"t", "i", "j", "k"} <= names:
                check_header(inp, header, DATA_COLUMNS, allow_extra=False, layout="BACI data")
                data_files.append(inp)
            elif "country_code" in names:
                country_files.append(inp)
            elif {"code", "description"} <= names:
                product_files.append(inp)
            else:
                raise DataError("not a BACI file: expected a data file (t,i,j,k,v,q), a country_codes file or a "
                                f"product_codes file; the header has {', '.join(header) or 'nothing'}",
                                file=inp.display, line=1)
        if not data_files:
            raise DataError("no BACI data file (header t,i,j,k,v,q) among the inputs",
                            file=", ".join(f.display for f in ctx.inputs))
        allowed_codes = self._countries(ctx, country_files)
        products = self._products(ctx, product_files)
        for inp in data_files:
            self._data(ctx, inp, allowed_codes, products)

    # ------------------------------------------------------------------ code files
    def _countries(self, ctx: ImportContext, files: list[InputFile]) -> tuple[pa.Array, pa.Array] | None:
        if not files:
            return None
        codes: list[int] = []
        iso3: list[str] = []
        for inp in files:
            scan = ctx.scans[inp]
            header = scan.header
            iso_col = "country_iso3" if "country_iso3" in header else "iso_3digit_alpha"
            name_col = "country_name" if "country_name" in header else "country_name_abbreviation"
            check_header(inp, header, ["country_code", iso_col, name_col], layout="BACI country codes")
            writer = ctx.writer("countries")
            for batch, first in read_batches(scan, columns=["country_code", iso_col, name_col],
                                             types={"country_code": pa.int64(), iso_col: pa.string(),
                                                    name_col: pa.string()}):
                where = Rows.of_batch(scan, first, batch.num_rows)
                code = batch.column("country_code")
                not_null(code, where, "country_code", "country code")
                source_iso = pc.utf8_trim_whitespace(batch.column(iso_col))
                mapped, unknown = numeric_code_map().map(code)
                by_iso, _ = iso3_code_map().map(source_iso)
                canonical = pc.if_else(pa.array(unknown), pc.coalesce(by_iso, source_iso), mapped)
                fail_where(mask(pc.is_null(canonical)), where, iso_col,
                           "country code unknown to tariffsim and without an ISO3 code in the file")
                table = pa.table({"code": code, "iso3": canonical, "iso3_source": source_iso,
                                  "name": batch.column(name_col)})
                writer.write(table, ctx.file_index(inp), where.lines())
                codes.extend(code.to_pylist())
                iso3.extend(canonical.to_pylist())
        return pa.array(codes, type=pa.int64()), pa.array(iso3, type=pa.string())

    def _products(self, ctx: ImportContext, files: list[InputFile]) -> pa.Array | None:
        if not files:
            return None
        codes: list[pa.Array] = []
        for inp in files:
            scan = ctx.scans[inp]
            check_header(inp, scan.header, ["code", "description"], layout="BACI product codes")
            writer = ctx.writer("products")
            for batch, first in read_batches(scan, columns=["code", "description"],
                                             types={"code": pa.string(), "description": pa.string()}):
                where = Rows.of_batch(scan, first, batch.num_rows)
                raw = digits_only(batch.column("code"), where, "code", 1, 6, "an HS6 code")
                hs6 = hs_pad_array(raw, 6)
                writer.write(pa.table({"hs6": hs6, "description": batch.column("description")}),
                             ctx.file_index(inp), where.lines())
                codes.append(hs6)
        return pa.concat_arrays(codes) if codes else None

    # ------------------------------------------------------------------ data
    def _data(self, ctx: ImportContext, inp: InputFile, countries: tuple[pa.Array, pa.Array] | None,
              products: pa.Array | None) -> None:
        scan = ctx.scans[inp]
        writer = ctx.writer("flows")
        file_index = ctx.file_index(inp)
        types = {"t": pa.int16(), "i": pa.int64(), "j": pa.int64(), "k": pa.string(), "v": pa.float64(),
                 "q": pa.string()}
        for batch, first in read_batches(scan, columns=DATA_COLUMNS, types=types, progress=ctx.progress,
                                         label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            not_null(batch.column("t"), where, "t", "year")
            check_years(batch.column("t"), where, "t")
            if ctx.year is not None:
                keep = mask(pc.equal(batch.column("t"), ctx.year))
                if not keep.all():
                    batch, where = batch.filter(pa.array(keep)), where.filter(keep)
                    if batch.num_rows == 0:
                        continue
            exporter = _iso3(batch.column("i"), where, "i", countries)
            importer = _iso3(batch.column("j"), where, "j", countries)
            fail_where(mask(pc.equal(batch.column("i"), batch.column("j"))), where, "j",
                       "importer equals exporter (BACI has no domestic flows)")
            raw_k = batch.column("k")
            hs6 = hs_pad_array(digits_only(raw_k, where, "k", 1, 6, "an HS6 code (1-6 digits)"), 6)
            if products is not None:
                fail_where(~mask(pc.is_in(hs6, value_set=products)), where, "k",
                           message("product {} is not in the product codes file", hs6))
            value = batch.column("v")
            not_null(value, where, "v")
            finite(value, where, "v")
            non_negative(value, where, "v")
            quantity = to_float(batch.column("q"), where, "q")
            non_negative(quantity, where, "q", "quantity")
            table = pa.table({"year": batch.column("t"), "exporter": exporter, "importer": importer, "hs6": hs6,
                              "value": pc.divide(value, 1000.0), "quantity": quantity})
            writer.write(table, file_index, where.lines())


def _iso3(codes: pa.Array, where: Rows, column: str, countries: tuple[pa.Array, pa.Array] | None) -> pa.Array:
    not_null(codes, where, column, "country code")
    if countries is not None:
        idx = pc.index_in(codes, value_set=countries[0])
        fail_where(mask(pc.is_null(idx)), where, column,
                   lambda n: f"country code {codes[n].as_py()} is not in the country codes file")
        return pc.take(countries[1], idx)
    mapped, unknown = numeric_code_map().map(codes)
    fail_where(unknown, where, column,
               lambda n: f"unknown country code {codes[n].as_py()} (give BACI's country_codes file with the "
                         "data, or see tariffsim.data.codes for the codes tariffsim knows)")
    return mapped
