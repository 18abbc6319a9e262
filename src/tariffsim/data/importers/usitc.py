"""USITC annual tariff database: US MFN (column 1 general) rates by HTS8.

Layout (USITC, "Tariff Annual Data", ``tariff_database_YYYY.txt``, pipe-delimited,
112 columns; also CSV extracts with a subset of them, such as
``../shared/data/us_china_tariffs/usitc_tariff_database_2017_mfn_hts8.csv``):
``hts8, brief_description, mfn_text_rate, mfn_rate_type_code, mfn_ave,
mfn_ad_val_rate`` (a **fraction**, 0.025 = 2.5 %), ``mfn_specific_rate`` (USD per
unit), ``mfn_other_rate``, ``col2_ad_val_rate``, ``begin_effect_date``,
``end_effective_date``, ... Only ``hts8`` and ``mfn_ad_val_rate`` are required;
other columns of the full file are ignored.

A line can appear more than once when its rate changed during the year (one row
per period of validity): the key is ``(hts8, begin_date)``. The database writes
``9999.999999`` where a rate is not expressed as a number (tariff-rate quotas,
compound rates given in text); those cells are read as missing and counted in the
dataset's notes. Other ad valorem rates above 10 (1,000 %) are rejected as unit
errors.

The year of the schedule comes from ``--year`` or from the file name.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.importers._base import (
    ImportContext,
    Importer,
    Rows,
    TableSpec,
    check_header,
    digits_only,
    fail_where,
    mask,
    message,
    non_negative,
    to_float,
    year_in_name,
)
from tariffsim.data.importers.dates import parse_dates
from tariffsim.data.reader import read_batches
from tariffsim.errors import DataError

SENTINEL = 9999.0
"""Values at or above this are the database's 'no numeric rate' marker."""

NUMERIC = ("mfn_ave", "mfn_ad_val_rate", "mfn_specific_rate", "mfn_other_rate", "col2_ad_val_rate")
TEXT = ("brief_description", "mfn_text_rate", "mfn_rate_type_code")
DATES = ("begin_effect_date", "end_effective_date")


class UsitcTariffImporter(Importer):
    source = "usitc-tariffs"
    title = "USITC tariff database (US MFN rates by HTS8)"
    year_option = "label"
    member_pattern = r"(?i)\.(txt|csv)$"
    tables = (
        TableSpec("rates", pa.schema([
            ("year", pa.int16()), ("hts8", pa.string()), ("description", pa.string()),
            ("mfn_text_rate", pa.string()), ("mfn_rate_type_code", pa.string()), ("mfn_ave", pa.float64()),
            ("mfn_ad_val_rate", pa.float64()), ("mfn_specific_rate", pa.float64()),
            ("mfn_other_rate", pa.float64()), ("col2_ad_val_rate", pa.float64()),
            ("begin_date", pa.date32()), ("end_date", pa.date32())]),
            key=("year", "hts8", "begin_date"), value=None,
            description="US MFN rates by HTS8: ad valorem as fractions, specific in USD per unit; "
                        "missing where the database has no numeric rate"),
    )

    def run(self, ctx: ImportContext) -> None:
        writer = ctx.writer("rates")
        sentinels = 0
        for inp in ctx.inputs:
            scan = ctx.text(inp, "the tariff database")
            check_header(inp, scan.header, ["hts8", "mfn_ad_val_rate"], layout="USITC tariff database")
            year = ctx.year or year_in_name(inp.name)
            if year is None:
                raise DataError("cannot tell the schedule's year from the file name; pass --year",
                                file=inp.display)
            present = [c for c in (*TEXT, *NUMERIC, *DATES) if c in scan.header]
            types = {"hts8": pa.string(), **{c: pa.string() for c in present}}
            for batch, first in read_batches(scan, columns=["hts8", *present], types=types, progress=ctx.progress,
                                             label=f"importing {inp.name}"):
                where = Rows.of_batch(scan, first, batch.num_rows)
                hts8 = digits_only(batch.column("hts8"), where, "hts8", 8, 8, "an 8-digit HTS code")
                columns: dict[str, pa.Array] = {"year": pa.array([year] * batch.num_rows, pa.int16()),
                                                "hts8": hts8}
                for name in NUMERIC:
                    if name not in present:
                        columns[name] = pa.nulls(batch.num_rows, pa.float64())
                        continue
                    values = to_float(batch.column(name), where, name)
                    sentinel = mask(pc.greater_equal(values, SENTINEL))
                    sentinels += int(sentinel.sum())
                    values = pc.if_else(pa.array(sentinel), pa.scalar(None, pa.float64()), values)
                    non_negative(values, where, name, "rate")
                    if name in ("mfn_ave", "mfn_ad_val_rate", "col2_ad_val_rate"):
                        fail_where(mask(pc.greater(values, 10.0)), where, name,
                                   message("ad valorem rate {} above 10 (1,000 %): rates must be fractions "
                                           "(0.025 = 2.5 %)", values))
                    columns[name] = values
                columns["description"] = _text(batch, "brief_description")
                columns["mfn_text_rate"] = _text(batch, "mfn_text_rate")
                columns["mfn_rate_type_code"] = _text(batch, "mfn_rate_type_code")
                columns["begin_date"] = (parse_dates(batch.column("begin_effect_date"), where, "begin_effect_date")
                                         if "begin_effect_date" in present
                                         else pa.nulls(batch.num_rows, pa.date32()))
                columns["end_date"] = (parse_dates(batch.column("end_effective_date"), where, "end_effective_date")
                                       if "end_effective_date" in present
                                       else pa.nulls(batch.num_rows, pa.date32()))
                writer.write(pa.table(columns), ctx.file_index(inp), where.lines())
        if sentinels:
            ctx.note(f"{sentinels} rate cells held the database's 9999.999999 marker (no numeric rate; "
                     "the text rate says what applies) and were read as missing")


def _text(batch: pa.RecordBatch, name: str) -> pa.Array:
    if name in batch.schema.names:
        return pc.utf8_trim_whitespace(batch.column(name))
    return pa.nulls(batch.num_rows, pa.string())
