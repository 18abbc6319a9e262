"""US Census Bureau international trade series (monthly, by partner and product).

Layouts (as in ``../shared/data/us_china_trade/``; values in **US dollars**):

* **imports by HS** (Census International Trade API, ``timeseries/intltrade/imports/hs``):
  ``CTY_NAME, CON_VAL_MO`` (imports for consumption; or ``GEN_VAL_MO``),
  ``CAL_DUT_MO`` (calculated duties), ``I_COMMODITY``, ``I_COMMODITY_SDESC``,
  ``time`` (``YYYY-MM``), ``COMM_LVL``, ``CTY_CODE`` (optional);
* **exports by HS** (``.../exports/hs``): ``CTY_NAME, ALL_VAL_MO, E_COMMODITY,
  E_COMMODITY_SDESC, time, COMM_LVL, CTY_CODE``;
* **imports by partner, Parquet** (``us_imports_top20_partners_hs2_...parquet``):
  ``CTY_NAME, I_COMMODITY, I_COMMODITY_SDESC, time`` (timestamp), ``imports``,
  ``duty``, ``itariff``; commodity ``00`` is the all-products total and is dropped
  (its value is the sum of the chapters);
* **by NAICS, monthly** (Waugh's tradewar-tracker): ``time, naics3,
  tariff_trd_w_avg`` (percent), ``total_trade, china_trade``; imports or exports
  as the file name says;
* **by NAICS, one year**: ``naics3, YYYY_china_trade``.

Tables: ``trade`` (``year, month, flow, partner, partner_name, partner_code, hs,
hs_level, description, value, duty, value_basis``; money in USD millions) and
``naics`` (``year, month, flow, partner, naics3, value, tariff``; the tariff is the
trade-weighted US tariff on China, or China's on the US for exports, as a
fraction). Partners are mapped from Census names to ISO3 (``TOTAL FOR ALL
COUNTRIES`` → ``WLD``); an unknown name is an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tariffsim.data.codes import name_code_map, normalize_name_array
from tariffsim.data.importers._base import (
    ImportContext,
    Importer,
    Rows,
    RowsLocator,
    TableSpec,
    check_header,
    check_years,
    digits_only,
    fail_where,
    mask,
    non_negative,
    not_null,
    to_float,
)
from tariffsim.data.reader import InputFile, read_batches
from tariffsim.errors import DataError

IMPORT_VALUES = ("CON_VAL_MO", "GEN_VAL_MO")
EXPORT_VALUES = ("ALL_VAL_MO", "DF_VAL_MO")
TOTAL_CODES = ("00", "TOTAL", "-")


class CensusImporter(Importer):
    source = "census"
    title = "US Census Bureau trade series"
    year_option = "filter"
    member_pattern = r"(?i)\.(csv|parquet)$"
    tables = (
        TableSpec("trade", pa.schema([
            ("year", pa.int16()), ("month", pa.int8()), ("flow", pa.string()), ("partner", pa.string()),
            ("partner_name", pa.string()), ("partner_code", pa.string()), ("hs", pa.string()),
            ("hs_level", pa.int8()), ("description", pa.string()), ("value", pa.float64()), ("duty", pa.float64()),
            ("value_basis", pa.string())]),
            key=("year", "month", "flow", "partner", "hs"),
            description="US imports/exports by partner, HS code and month: value and duties in USD millions"),
        TableSpec("naics", pa.schema([
            ("year", pa.int16()), ("month", pa.int8()), ("flow", pa.string()), ("partner", pa.string()),
            ("naics3", pa.string()), ("value", pa.float64()), ("tariff", pa.float64())]),
            key=("year", "month", "flow", "partner", "naics3"),
            description="US trade by NAICS3 and month (USD millions); trade-weighted tariff as a fraction"),
    )

    def __init__(self) -> None:
        self._names: list[str] = []

    def default_name(self, years: Sequence[int], year_option: int | None) -> str:
        """``census`` (with the year when one is chosen); one input file adds its name."""
        base = self.source if year_option is None else f"{self.source}-{year_option}"
        if len(self._names) == 1:
            slug = re.sub(r"[^a-z0-9]+", "-", self._names[0].lower()).strip("-")
            return f"{base}-{slug}"[:80].rstrip("-")
        return base

    def run(self, ctx: ImportContext) -> None:
        self._names = [re.sub(r"\.(csv|parquet)$", "", f.name, flags=re.I) for f in ctx.inputs]
        dropped = 0
        for inp in ctx.inputs:
            if inp.name.lower().endswith(".parquet"):
                dropped += self._parquet(ctx, inp)
                continue
            scan = ctx.scans[inp]
            header = set(scan.header)
            if "I_COMMODITY" in header or "E_COMMODITY" in header:
                dropped += self._hs_csv(ctx, inp)
            elif "naics3" in header:
                self._naics(ctx, inp)
            else:
                raise DataError("not a Census trade series: expected CTY_NAME, a value column (CON_VAL_MO, "
                                "GEN_VAL_MO, ALL_VAL_MO), I_COMMODITY or E_COMMODITY and time, or a NAICS "
                                f"series (time, naics3, ...); the header has {', '.join(scan.header)}",
                                file=inp.display, line=1)
        if dropped:
            ctx.note(f"{dropped} all-products total rows (commodity 00) dropped: they repeat the sum of the chapters")

    # ------------------------------------------------------------------ HS series
    def _hs_csv(self, ctx: ImportContext, inp: InputFile) -> int:
        scan = ctx.scans[inp]
        header = scan.header
        flow = "imports" if "I_COMMODITY" in header else "exports"
        prefix = "I" if flow == "imports" else "E"
        candidates = IMPORT_VALUES if flow == "imports" else EXPORT_VALUES
        value_col = next((c for c in candidates if c in header), None)
        if value_col is None:
            raise DataError(f"missing a value column ({' or '.join(candidates)}) for {flow}", file=inp.display,
                            line=1, column=candidates[0])
        commodity = f"{prefix}_COMMODITY"
        check_header(inp, header, ["CTY_NAME", value_col, commodity, "time"], layout=f"Census {flow}")
        optional = [c for c in ("CAL_DUT_MO", f"{prefix}_COMMODITY_SDESC", "CTY_CODE") if c in header]
        columns = ["CTY_NAME", value_col, commodity, "time", *optional]
        dropped = 0
        for batch, first in read_batches(scan, columns=columns, types={c: pa.string() for c in columns},
                                         progress=ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            year, month = _year_month(batch.column("time"), where, "time")
            codes = pc.utf8_trim_whitespace(batch.column(commodity))
            is_total = mask(pc.is_in(codes, value_set=pa.array(TOTAL_CODES)))
            in_year = mask(pc.equal(year, ctx.year)) if ctx.year is not None else np.ones(len(is_total), bool)
            keep = ~is_total & in_year
            dropped += int((is_total & in_year).sum())
            if not keep.all():
                sel = pa.array(keep)
                batch, where = batch.filter(sel), where.filter(keep)
                year, month = year.filter(sel), month.filter(sel)
            if batch.num_rows == 0:
                continue
            hs = digits_only(batch.column(commodity), where, commodity, 2, 10, "an HS code")
            value = _usd_millions(batch.column(value_col), where, value_col)
            duty = (_usd_millions(batch.column("CAL_DUT_MO"), where, "CAL_DUT_MO", allow_missing=True)
                    if "CAL_DUT_MO" in optional else pa.nulls(batch.num_rows, pa.float64()))
            partner, names = _partners(batch.column("CTY_NAME"), where)
            n = batch.num_rows
            table = pa.table({
                "year": year, "month": month, "flow": pa.array([flow] * n), "partner": partner,
                "partner_name": names,
                "partner_code": (pc.utf8_trim_whitespace(batch.column("CTY_CODE")) if "CTY_CODE" in optional
                                 else pa.nulls(n, pa.string())),
                "hs": hs, "hs_level": pc.cast(pc.utf8_length(hs), pa.int8()),
                "description": (batch.column(f"{prefix}_COMMODITY_SDESC")
                                if f"{prefix}_COMMODITY_SDESC" in optional else pa.nulls(n, pa.string())),
                "value": value, "duty": duty, "value_basis": pa.array([value_col] * n)})
            ctx.writer("trade").write(table, ctx.file_index(inp), where.lines())
        return dropped

    def _parquet(self, ctx: ImportContext, inp: InputFile) -> int:
        locator = RowsLocator(inp)
        dropped = 0
        try:
            with inp.open() as handle:
                parquet = pq.ParquetFile(handle)
                names = parquet.schema_arrow.names
                check_header(inp, names, ["CTY_NAME", "I_COMMODITY", "time", "imports"],
                             layout="Census imports (Parquet)")
                columns = [c for c in ("CTY_NAME", "I_COMMODITY", "I_COMMODITY_SDESC", "time", "imports", "duty")
                           if c in names]
                task = ctx.progress.task(f"importing {inp.name}", parquet.metadata.num_rows, "rows")
                first = 0
                for batch in parquet.iter_batches(batch_size=1 << 16, columns=columns):
                    where = Rows.of_batch(locator, first, batch.num_rows)
                    first += batch.num_rows
                    ctx.progress.advance(task, batch.num_rows)
                    dropped += self._parquet_batch(ctx, inp, batch, where)
                ctx.progress.done(task)
        except (OSError, pa.ArrowInvalid) as exc:
            raise DataError(f"cannot read the Parquet file: truncated or not Parquet ({exc})",
                            file=inp.display) from None
        return dropped

    def _parquet_batch(self, ctx: ImportContext, inp: InputFile, batch: pa.RecordBatch, where: Rows) -> int:
        times = batch.column("time")
        if pa.types.is_timestamp(times.type) or pa.types.is_date(times.type):
            not_null(times, where, "time", "date")
            year = pc.cast(pc.year(times), pa.int16())
            check_years(year, where, "time")
            month = pc.cast(pc.month(times), pa.int8())
        else:
            year, month = _year_month(pc.cast(times, pa.string()), where, "time")
        codes = pc.utf8_trim_whitespace(pc.cast(batch.column("I_COMMODITY"), pa.string()))
        is_total = mask(pc.is_in(codes, value_set=pa.array(TOTAL_CODES)))
        in_year = mask(pc.equal(year, ctx.year)) if ctx.year is not None else np.ones(len(is_total), bool)
        keep = ~is_total & in_year
        dropped = int((is_total & in_year).sum())
        sel = pa.array(keep)
        batch, where, year, month = batch.filter(sel), where.filter(keep), year.filter(sel), month.filter(sel)
        if batch.num_rows == 0:
            return dropped
        n = batch.num_rows
        hs = digits_only(batch.column("I_COMMODITY"), where, "I_COMMODITY", 2, 10, "an HS code")
        value = _usd_millions(batch.column("imports"), where, "imports")
        duty = (_usd_millions(batch.column("duty"), where, "duty", allow_missing=True)
                if "duty" in batch.schema.names else pa.nulls(n, pa.float64()))
        partner, names = _partners(batch.column("CTY_NAME"), where)
        table = pa.table({
            "year": year, "month": month, "flow": pa.array(["imports"] * n), "partner": partner,
            "partner_name": names, "partner_code": pa.nulls(n, pa.string()), "hs": hs,
            "hs_level": pc.cast(pc.utf8_length(hs), pa.int8()),
            "description": (batch.column("I_COMMODITY_SDESC") if "I_COMMODITY_SDESC" in batch.schema.names
                            else pa.nulls(n, pa.string())),
            "value": value, "duty": duty, "value_basis": pa.array(["CON_VAL_MO"] * n)})
        ctx.writer("trade").write(table, ctx.file_index(inp), where.lines())
        return dropped

    # ------------------------------------------------------------------ NAICS series
    def _naics(self, ctx: ImportContext, inp: InputFile) -> None:
        scan = ctx.scans[inp]
        name = inp.name.lower()
        flow = "imports" if "import" in name else "exports" if "export" in name else None
        if flow is None:
            raise DataError("cannot tell imports from exports: the file name should say 'imports' or 'exports'",
                            file=inp.display)
        header = scan.header
        annual = [c for c in header if re.fullmatch(r"\d{4}_china_trade", c)]
        if annual:
            check_header(inp, header, ["naics3", annual[0]], layout="Census NAICS (one year)")
            columns = ["naics3", annual[0]]
        else:
            check_header(inp, header, ["time", "naics3", "total_trade", "china_trade"], ["tariff_trd_w_avg"],
                         layout="Census NAICS (monthly)")
            columns = [c for c in ("time", "naics3", "tariff_trd_w_avg", "total_trade", "china_trade")
                       if c in header]
        writer = ctx.writer("naics")
        for batch, first in read_batches(scan, columns=columns, types={c: pa.string() for c in columns},
                                         progress=ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            naics = digits_only(batch.column("naics3"), where, "naics3", 3, 3, "a 3-digit NAICS code")
            n = batch.num_rows
            if annual:
                year_value = int(annual[0][:4])
                if ctx.year is not None and ctx.year != year_value:
                    continue
                value = _usd_millions(batch.column(annual[0]), where, annual[0])
                writer.write(pa.table({"year": pa.array([year_value] * n, pa.int16()),
                                       "month": pa.nulls(n, pa.int8()), "flow": pa.array([flow] * n),
                                       "partner": pa.array(["CHN"] * n), "naics3": naics, "value": value,
                                       "tariff": pa.nulls(n, pa.float64())}), ctx.file_index(inp), where.lines())
                continue
            year, month = _year_month(batch.column("time"), where, "time")
            if ctx.year is not None:
                keep = mask(pc.equal(year, ctx.year))
                sel = pa.array(keep)
                batch, where, year, month, naics = (batch.filter(sel), where.filter(keep), year.filter(sel),
                                                    month.filter(sel), naics.filter(sel))
                n = batch.num_rows
                if n == 0:
                    continue
            tariff = (to_float(batch.column("tariff_trd_w_avg"), where, "tariff_trd_w_avg")
                      if "tariff_trd_w_avg" in columns else pa.nulls(n, pa.float64()))
            non_negative(tariff, where, "tariff_trd_w_avg", "tariff")
            lines = where.lines()
            for partner, column, rate in (("WLD", "total_trade", pa.nulls(n, pa.float64())),
                                          ("CHN", "china_trade", pc.divide(tariff, 100.0))):
                writer.write(pa.table({"year": year, "month": month, "flow": pa.array([flow] * n),
                                       "partner": pa.array([partner] * n), "naics3": naics,
                                       "value": _usd_millions(batch.column(column), where, column),
                                       "tariff": rate}), ctx.file_index(inp), lines)


def _year_month(values: pa.Array, where: Rows, column: str) -> tuple[pa.Array, pa.Array]:
    text = pc.utf8_trim_whitespace(values)
    not_null(text, where, column, "date")
    parts = pc.extract_regex(text, r"^(?P<y>\d{4})-(?P<m>\d{2})(?:-\d{2})?$")
    fail_where(mask(pc.is_null(parts)), where, column,
               lambda k: f"'{values[k].as_py()}' is not a month (YYYY-MM)")
    year = pc.cast(pc.struct_field(parts, "y"), pa.int16())
    check_years(year, where, column)
    month = pc.cast(pc.struct_field(parts, "m"), pa.int8())
    fail_where(mask(pc.or_(pc.less(month, 1), pc.greater(month, 12))), where, column,
               lambda k: f"month {month[k].as_py()} outside 1-12")
    return year, month


def _usd_millions(values: pa.Array, where: Rows, column: str, *, allow_missing: bool = False) -> pa.Array:
    number = to_float(values, where, column)
    if not allow_missing:
        not_null(number, where, column)
    non_negative(number, where, column)
    return pc.divide(number, 1e6)


def _partners(names: pa.Array, where: Rows) -> tuple[pa.Array, pa.Array]:
    text = pc.utf8_trim_whitespace(pc.cast(names, pa.string()))
    not_null(text, where, "CTY_NAME", "country name")
    iso3, unknown = name_code_map().map(normalize_name_array(text))
    fail_where(np.asarray(unknown), where, "CTY_NAME",
               lambda k: f"unknown country name '{text[k].as_py()}' (add it to tariffsim's "
                         "tables/country_aliases.csv)")
    return iso3, text
