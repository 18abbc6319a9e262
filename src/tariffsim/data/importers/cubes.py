"""The ICIO and WIOD trade cubes of Lashkaripour's ``tariffwar``: flows with domestic sales, applied tariffs.

Layout (``../shared/data/icio_wiod_lashkaripour/``, one file per year, converted from
``ahmadlp/tariffwar``'s ``mat/ICIO*.mat`` and ``mat/WIOD*.mat``):

* ``ICIO<yyyy>_flows_tariffs.csv.gz`` (OECD ICIO 2023 edition, 2011–2022; 81 economies
  incl. ``ROW`` × 28 sectors): ``exporter, importer`` (ISO3, ``ROW``), ``sector_idx``
  (1–28), ``flow_musd`` (USD million, current; intermediate and final use together,
  **domestic sales on the diagonal**), ``tariff`` (ad valorem fraction imposed by the
  importer; 0 on the diagonal), ``sector`` (ICIO code, or ``Services (aggregate)``);
* ``WIOD<yyyy>_flows_tariffs.csv.gz`` (WIOD 2016 release, 2000–2014; 44 × 16): the same
  with ``sector_upstream_label`` and ``sector_label_corrected`` instead of ``sector``.
  The upstream labels of sectors 5–15 are wrong; the sector codes come from the
  corrected labels (:func:`tariffsim.data.io_sectors.wiod_sectors`). The file's tariffs
  are stored as they are; they follow the upstream labels, and
  :func:`~tariffsim.data.baseline.world_from_catalog` realigns them.

Table ``flows``: ``year, exporter, importer, sector, sector_idx, value`` (USD millions),
``tariff`` (fraction, imposed by the importer). The year comes from the file name
(``--year`` keeps one year's file, or labels a file whose name has none). Each row's
sector label is checked against its index, so a file of another edition or layout is
refused at its first row, not mislabelled.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.codes import iso3_code_map
from tariffsim.data.importers._base import (
    ImportContext,
    Importer,
    Rows,
    TableSpec,
    check_header,
    fail_where,
    mask,
    message,
    non_negative,
    not_null,
    to_float,
    to_int,
    year_in_name,
)
from tariffsim.data.io_sectors import ROW, icio_sectors, wiod_sectors
from tariffsim.data.reader import InputFile, read_batches
from tariffsim.errors import DataError

MAX_TARIFF = 10.0
"""Largest tariff accepted (1,000 %), as for a World."""

FLOWS = TableSpec("flows", pa.schema([
    ("year", pa.int16()), ("exporter", pa.string()), ("importer", pa.string()), ("sector", pa.string()),
    ("sector_idx", pa.int16()), ("value", pa.float64()), ("tariff", pa.float64())]),
    key=("year", "exporter", "importer", "sector"),
    description="flows in USD millions (exporter == importer: domestic sales); applied tariff of the importer "
                "as a fraction")


def country_codes(raw: pa.Array | pa.ChunkedArray, where: Rows, column: str) -> pa.Array:
    """ISO3 codes (aliases mapped, e.g. ``ROM`` → ``ROU``) or ``ROW``; an unknown code is an error."""
    codes = pc.utf8_upper(pc.utf8_trim_whitespace(raw))
    not_null(codes, where, column, "country code")
    mapped, unknown = iso3_code_map().map(codes)
    row = mask(pc.equal(codes, ROW))
    fail_where(unknown & ~row, where, column, message("unknown country code '{}' (ISO3 or ROW)", raw))
    return pc.if_else(pa.array(row), codes, mapped)


class _CubeImporter(Importer):
    """What the ICIO and WIOD cubes share; subclasses name the label column and the sector table."""

    year_option = "filter"
    member_pattern = r"(?i)\.csv(\.gz)?$"
    tables = (FLOWS,)
    prefix: ClassVar[str]
    label_column: ClassVar[str]
    notes: ClassVar[tuple[str, ...]] = ()
    """Provenance notes every import of the source carries."""

    def sector_table(self) -> tuple[list[str], list[str]]:
        """Sector codes and the label each index must carry in the file, in index order."""
        raise NotImplementedError

    def select_members(self, inputs: list[InputFile], year: int | None) -> list[InputFile]:
        if year is None:
            return inputs
        return [i for i in inputs if year_in_name(i.name) in (year, None)]

    def run(self, ctx: ImportContext) -> None:
        codes, labels = self.sector_table()
        code_array = pa.array(codes, pa.string())
        label_array = pa.array(labels, pa.string())
        required = ["exporter", "importer", "sector_idx", "flow_musd", "tariff", self.label_column]
        for inp in ctx.inputs:
            scan = ctx.text(inp, f"a {self.prefix} cube")
            check_header(inp, scan.header, required, layout=f"{self.prefix} cube")
            year = year_in_name(inp.name) or ctx.year
            if year is None:
                raise DataError(f"cannot tell the year from the file name (expected {self.prefix}YYYY_...); "
                                "pass --year", file=inp.display)
            types = {c: pa.string() for c in required}
            for batch, first in read_batches(scan, columns=required, types=types, progress=ctx.progress,
                                             label=f"importing {inp.name}"):
                where = Rows.of_batch(scan, first, batch.num_rows)
                exporter = country_codes(batch.column("exporter"), where, "exporter")
                importer = country_codes(batch.column("importer"), where, "importer")
                index = to_int(batch.column("sector_idx"), where, "sector_idx")
                fail_where(mask(pc.or_(pc.less(index, 1), pc.greater(index, len(codes)))), where, "sector_idx",
                           message(f"sector index {{}} outside 1-{len(codes)} of the {self.prefix} cube", index))
                position = pc.subtract(index, 1)
                label = pc.utf8_trim_whitespace(batch.column(self.label_column))
                expected = pc.take(label_array, position)
                fail_where(mask(pc.not_equal(label, expected)) | mask(pc.is_null(label)), where, self.label_column,
                           message(f"sector {{}} is labelled '{{}}'; the {self.prefix} cube has '{{}}' there "
                                   "(another edition or layout?)", index, label, expected))
                value = to_float(batch.column("flow_musd"), where, "flow_musd")
                not_null(value, where, "flow_musd")
                non_negative(value, where, "flow_musd", "flow")
                tariff = to_float(batch.column("tariff"), where, "tariff")
                not_null(tariff, where, "tariff")
                non_negative(tariff, where, "tariff", "tariff")
                fail_where(mask(pc.greater(tariff, MAX_TARIFF)), where, "tariff",
                           message("tariff {} above 10 (1,000 %): tariffs are fractions", tariff))
                domestic = mask(pc.equal(exporter, importer))
                fail_where(domestic & mask(pc.not_equal(tariff, 0.0)), where, "tariff",
                           message("tariff {} on domestic sales (exporter == importer)", tariff))
                table = pa.table({"year": pa.array(np.full(batch.num_rows, year, np.int16)), "exporter": exporter,
                                  "importer": importer, "sector": pc.take(code_array, position),
                                  "sector_idx": index, "value": value, "tariff": tariff})
                ctx.writer("flows").write(table, ctx.file_index(inp), where.lines())
        for note in self.notes:
            ctx.note(note)


class IcioImporter(_CubeImporter):
    source = "icio"
    title = "OECD ICIO cubes with Teti applied tariffs (Lashkaripour's tariffwar)"
    prefix = "ICIO"
    label_column = "sector"

    notes = ("sector 28, 'Services (aggregate)' in the files, is labelled SER",
             "tariffs are Teti's (2024) applied MFN/preferential rates at ISIC 2 digits, simple averages copied to "
             "sub-sectors: the US rate on food, beverages and tobacco (C10T12) is 91.5 % for MFN partners because "
             "of the tobacco tariff-rate quota; no Section 232/301 duties")

    def sector_table(self) -> tuple[list[str], list[str]]:
        table = icio_sectors()
        return list(table["sector"]), list(table["source_label"])


class WiodImporter(_CubeImporter):
    source = "wiod"
    title = "WIOD cubes with applied tariffs (Lashkaripour's tariffwar), corrected sector labels"
    prefix = "WIOD"
    label_column = "sector_label_corrected"

    notes = ("sectors are named by the corrected labels (the upstream labels of sectors 5-15 name neighbouring "
             "industries); tariffs are stored as in the files, where they follow the upstream labels: "
             "world_from_catalog realigns them (tables/wiod_sectors.csv, column tariff_from)",)

    def sector_table(self) -> tuple[list[str], list[str]]:
        table = wiod_sectors()
        return list(table["sector"]), list(table["corrected_label"])
