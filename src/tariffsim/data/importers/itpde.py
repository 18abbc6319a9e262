"""USITC ITPD-E: trade by industry, international **and domestic**, 1986–2019.

Layout (Borchert, Larch, Shikher and Yotov 2021, "The International Trade and
Production Database for Estimation (ITPD-E)", International Economics 166;
``ITPD_E_R02.csv``, one row per exporter, importer, year and industry):
``exporter_iso3, exporter_name, importer_iso3, importer_name, year, industry_id,
industry_descr, broad_sector, trade, flag_mirror, flag_zero`` (release 2 adds
``exporter_dynamic_code`` and ``importer_dynamic_code``). ``trade`` is in
**million current USD**; rows with ``exporter_iso3 == importer_iso3`` are domestic
sales (gross output minus exports). Required: the two ISO3 columns, ``year``,
``industry_id``, ``trade``.

Table ``flows``: ``year, exporter, importer, industry_id, broad_sector, value``
(USD millions), ``flag_mirror``, ``flag_zero``. ``--year`` keeps one year (the
full file has about 72 million rows). Industry ids must be ITPD-E's 1–170;
:func:`tariffsim.data.concordance.itpde_industries` maps the goods industries to
HS chapters.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.codes import iso3_code_map
from tariffsim.data.concordance import itpde_industries
from tariffsim.data.importers._base import (
    ImportContext,
    Importer,
    Rows,
    TableSpec,
    check_header,
    check_years,
    fail_where,
    mask,
    message,
    non_negative,
    not_null,
    to_float,
)
from tariffsim.data.reader import read_batches

REQUIRED = ("exporter_iso3", "importer_iso3", "year", "industry_id", "trade")
OPTIONAL = ("exporter_name", "importer_name", "industry_descr", "broad_sector", "flag_mirror", "flag_zero",
            "exporter_dynamic_code", "importer_dynamic_code")


class ItpdeImporter(Importer):
    source = "itpde"
    title = "USITC ITPD-E (industry trade incl. domestic)"
    year_option = "filter"
    member_pattern = r"(?i)\.csv$"
    tables = (
        TableSpec("flows", pa.schema([
            ("year", pa.int16()), ("exporter", pa.string()), ("importer", pa.string()), ("industry_id", pa.int16()),
            ("broad_sector", pa.string()), ("value", pa.float64()), ("flag_mirror", pa.int8()),
            ("flag_zero", pa.string())]),
            key=("year", "exporter", "importer", "industry_id"),
            description="trade by industry in USD millions; exporter == importer is domestic sales"),
    )

    def run(self, ctx: ImportContext) -> None:
        industries = itpde_industries()
        ids = pa.array(industries["industry_id"].tolist(), type=pa.int64())
        broad = pa.array(industries["broad_sector"].tolist(), type=pa.string())
        codes = iso3_code_map()
        for inp in ctx.inputs:
            scan = ctx.text(inp, "ITPD-E")
            check_header(inp, scan.header, REQUIRED, layout="ITPD-E")
            present = [c for c in ("broad_sector", "flag_mirror", "flag_zero") if c in scan.header]
            types: dict[str, pa.DataType] = {"exporter_iso3": pa.string(), "importer_iso3": pa.string(),
                                             "year": pa.int16(), "industry_id": pa.int64(), "trade": pa.string()}
            types.update({c: pa.string() for c in present})
            for batch, first in read_batches(scan, columns=[*REQUIRED, *present], types=types,
                                             progress=ctx.progress, label=f"importing {inp.name}"):
                where = Rows.of_batch(scan, first, batch.num_rows)
                not_null(batch.column("year"), where, "year")
                check_years(batch.column("year"), where, "year")
                if ctx.year is not None:
                    keep = mask(pc.equal(batch.column("year"), ctx.year))
                    if not keep.any():
                        continue
                    if not keep.all():
                        batch, where = batch.filter(pa.array(keep)), where.filter(keep)
                columns = {"year": batch.column("year")}
                for side in ("exporter", "importer"):
                    raw = pc.utf8_trim_whitespace(batch.column(f"{side}_iso3"))
                    not_null(raw, where, f"{side}_iso3", "country code")
                    mapped, unknown = codes.map(pc.utf8_upper(raw))
                    fail_where(unknown, where, f"{side}_iso3", message("unknown country code '{}'", raw))
                    columns[side] = mapped
                industry = batch.column("industry_id")
                not_null(industry, where, "industry_id", "industry")
                idx = pc.index_in(industry, value_set=ids)
                fail_where(mask(pc.is_null(idx)), where, "industry_id",
                           message("industry {} is not an ITPD-E industry (1-170)", industry))
                value = to_float(batch.column("trade"), where, "trade")
                not_null(value, where, "trade")
                non_negative(value, where, "trade")
                mirror = (to_float(batch.column("flag_mirror"), where, "flag_mirror") if "flag_mirror" in present
                          else pa.nulls(batch.num_rows, pa.float64()))
                fail_where(mask(pc.invert(pc.is_in(mirror, value_set=pa.array([0.0, 1.0])))) & mask(
                    pc.is_valid(mirror)), where, "flag_mirror", message("flag_mirror {} is not 0 or 1", mirror))
                columns.update({"industry_id": industry, "broad_sector": pc.take(broad, idx), "value": value,
                                "flag_mirror": pc.cast(mirror, pa.int8()),
                                "flag_zero": (pc.utf8_trim_whitespace(batch.column("flag_zero"))
                                              if "flag_zero" in present else pa.nulls(batch.num_rows, pa.string()))})
                ctx.writer("flows").write(pa.table(columns), ctx.file_index(inp), where.lines())
