"""USTR Section 301 lists: the US tariff lines subject to additional duties on China.

Two layouts are read (both may be imported into one dataset):

* **USTR annexes** (as in ``section301_lists_hts8_ustr_annexes.csv``): ``hts8, list,
  effective_date, initial_additional_rate_pct, ch99_heading`` — one row per (HTS8
  line, list) as published in the Federal Register annexes; ``list`` like
  ``list3_200b``; the rate in **percent**; dates may carry a note
  (``2019-12-15 (suspended)``);
* **USITC "China tariffs" table** (as in
  ``usitc_china_tariffs_hts_to_9903_88_2020-01-01.csv``): ``hts_subheading``
  (dotted, 8 or 10 digits), ``ch99_heading`` (``9903.88.xx``), ``hts_digits``.

Table ``lines``: ``layout, hts, hts8, list, ch99_heading, effective_date,
initial_rate`` (fraction), ``suspended``. Which rate applies on which date is not in
these files: it is the schedule in ``tables/section301_schedule.csv`` (USTR
Federal Register notices), used by :func:`tariffsim.data.tariffs.section301_rates`.
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
)
from tariffsim.data.importers.dates import parse_dates
from tariffsim.data.reader import InputFile, read_batches
from tariffsim.data.tariffs import section301_schedule
from tariffsim.errors import DataError

ANNEX = ("hts8", "list", "effective_date", "initial_additional_rate_pct", "ch99_heading")
USITC = ("hts_subheading", "ch99_heading", "hts_digits")


class Section301Importer(Importer):
    source = "ustr-301"
    title = "USTR Section 301 tariff lists on China"
    year_option = "none"
    member_pattern = r"(?i)\.csv$"
    tables = (
        TableSpec("lines", pa.schema([
            ("layout", pa.string()), ("hts", pa.string()), ("hts8", pa.string()), ("list", pa.string()),
            ("ch99_heading", pa.string()), ("effective_date", pa.date32()), ("initial_rate", pa.float64()),
            ("suspended", pa.bool_())]),
            key=("layout", "hts", "list"), value=None,
            description="US tariff lines (HTS8/HTS10) on each Section 301 list, with the Chapter 99 heading"),
    )

    def run(self, ctx: ImportContext) -> None:
        schedule = section301_schedule()
        headings = pa.array(sorted(set(schedule["ch99_heading"])))
        heading_list = dict(zip(schedule["ch99_heading"], schedule["list"], strict=False))
        for inp in ctx.inputs:
            scan = ctx.text(inp, "a Section 301 list")
            header = set(scan.header)
            if {"hts8", "list"} <= header:
                check_header(inp, scan.header, ANNEX, layout="USTR annex")
                self._annex(ctx, inp, headings, heading_list)
            elif {"hts_subheading", "ch99_heading"} <= header:
                check_header(inp, scan.header, USITC[:2], layout="USITC China tariffs")
                self._usitc(ctx, inp, headings, heading_list)
            else:
                raise DataError("not a Section 301 list: expected columns hts8, list, effective_date, "
                                "initial_additional_rate_pct, ch99_heading (USTR annexes) or hts_subheading, "
                                f"ch99_heading (USITC China tariffs); the header has {', '.join(scan.header)}",
                                file=inp.display, line=1)

    def _annex(self, ctx: ImportContext, inp: InputFile, headings: pa.Array, heading_list: dict[str, str]) -> None:
        scan = ctx.scans[inp]
        writer = ctx.writer("lines")
        for batch, first in read_batches(scan, columns=ANNEX, types={c: pa.string() for c in ANNEX},
                                         progress=ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            hts = digits_only(batch.column("hts8"), where, "hts8", 8, 8, "an 8-digit HTS code")
            heading = _heading(batch.column("ch99_heading"), where, headings)
            raw_list = pc.utf8_trim_whitespace(batch.column("list"))
            short = pc.extract_regex(raw_list, r"^(?P<list>list\d[ab]?)")
            listed = pc.struct_field(short, "list")
            fail_where(mask(pc.is_null(listed)), where, "list",
                       message("'{}' is not a list name (list1, list2, list3, list4a, ...)", raw_list))
            expected = pa.array([heading_list.get(h) for h in heading.to_pylist()], type=pa.string())
            fail_where(~mask(pc.equal(listed, expected)), where, "list",
                       message("list {} does not match heading {} ({})", listed, heading, expected))
            rate = to_float(batch.column("initial_additional_rate_pct"), where, "initial_additional_rate_pct")
            non_negative(rate, where, "initial_additional_rate_pct", "rate")
            fail_where(mask(pc.greater(rate, 100.0)), where, "initial_additional_rate_pct",
                       "rates are in percent and at most 100")
            dates_text = batch.column("effective_date")
            suspended = pc.match_substring(pc.utf8_lower(pc.fill_null(dates_text, "")), "suspend")
            table = pa.table({"layout": pa.array(["ustr-annex"] * batch.num_rows), "hts": hts, "hts8": hts,
                              "list": listed, "ch99_heading": heading,
                              "effective_date": parse_dates(dates_text, where, "effective_date"),
                              "initial_rate": pc.divide(rate, 100.0), "suspended": suspended})
            writer.write(table, ctx.file_index(inp), where.lines())

    def _usitc(self, ctx: ImportContext, inp: InputFile, headings: pa.Array, heading_list: dict[str, str]) -> None:
        scan = ctx.scans[inp]
        writer = ctx.writer("lines")
        for batch, first in read_batches(scan, columns=list(USITC[:2]), types={c: pa.string() for c in USITC[:2]},
                                         progress=ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            dotted = pc.utf8_trim_whitespace(batch.column("hts_subheading"))
            hts = pc.replace_substring(dotted, ".", "")
            fail_where(~mask(pc.match_substring_regex(hts, r"^(\d{8}|\d{10})$")), where, "hts_subheading",
                       message("'{}' is not an 8- or 10-digit HTS subheading (0101.21.00)", dotted))
            heading = _heading(batch.column("ch99_heading"), where, headings)
            listed = pa.array([heading_list[h] for h in heading.to_pylist()], type=pa.string())
            table = pa.table({"layout": pa.array(["usitc-china-tariffs"] * batch.num_rows), "hts": hts,
                              "hts8": pc.utf8_slice_codeunits(hts, 0, 8), "list": listed, "ch99_heading": heading,
                              "effective_date": pa.nulls(batch.num_rows, pa.date32()),
                              "initial_rate": pa.nulls(batch.num_rows, pa.float64()),
                              "suspended": pc.equal(listed, "list4b")})
            writer.write(table, ctx.file_index(inp), where.lines())


def _heading(values: pa.Array, where: Rows, known: pa.Array) -> pa.Array:
    heading = pc.utf8_trim_whitespace(values)
    fail_where(~mask(pc.is_in(heading, value_set=known)), where, "ch99_heading",
               lambda k: f"unknown Chapter 99 heading '{heading[k].as_py()}' (known: "
                         f"{', '.join(known.to_pylist())})")
    return heading

