"""Eight published sets of sector trade elasticities for the ICIO and WIOD cubes (Lashkaripour's ``tariffwar``).

Layout (``../shared/data/icio_wiod_lashkaripour/elasticities_by_sector.csv``): ``dataset``
(``icio`` or ``wiod``), ``year`` (2014, 2017), ``elasticity_code`` (``IS``, ``U4``, ``CP``,
``BSY``, ``GYY``, ``Shap``, ``FGO``, ``LL``), ``elasticity_source``, ``sector_idx`` (the cube's
sector index), ``sector_upstream_label``, ``sigma`` (elasticity of substitution) and
``epsilon`` (= σ − 1, the trade elasticity θ). The sets and their papers:
:data:`tariffsim.data.sector_elasticities.ELASTICITY_SETS`.

Table ``sets``: ``dataset, year, code, source, sector_idx, sector`` (the ICIO code, or the
WIOD code of the corrected labels), ``upstream_label, sigma, theta``. θ must be positive and
equal σ − 1 (to 1e-9).
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
    check_years,
    fail_where,
    mask,
    message,
    not_null,
    to_float,
    to_int,
)
from tariffsim.data.io_sectors import icio_sectors, wiod_sectors
from tariffsim.data.reader import read_batches

COLUMNS = ("dataset", "year", "elasticity_code", "elasticity_source", "sector_idx", "sector_upstream_label", "sigma",
           "epsilon")
TOLERANCE = 1e-9


class SectorElasticityImporter(Importer):
    source = "sector-elasticities"
    title = "Sector trade elasticities for the ICIO and WIOD cubes (eight published sets)"
    year_option = "none"
    member_pattern = r"(?i)\.csv$"
    tables = (
        TableSpec("sets", pa.schema([
            ("dataset", pa.string()), ("year", pa.int16()), ("code", pa.string()), ("source", pa.string()),
            ("sector_idx", pa.int16()), ("sector", pa.string()), ("upstream_label", pa.string()),
            ("sigma", pa.float64()), ("theta", pa.float64())]),
            key=("dataset", "year", "code", "sector_idx"), value=None,
            description="trade elasticity theta = sigma - 1 by cube, year, set and sector"),
    )

    def run(self, ctx: ImportContext) -> None:
        codes = {"icio": pa.array(list(icio_sectors()["sector"])), "wiod": pa.array(list(wiod_sectors()["sector"]))}
        for inp in ctx.inputs:
            scan = ctx.text(inp, "the elasticity sets")
            check_header(inp, scan.header, COLUMNS, layout="elasticities by sector")
            for batch, first in read_batches(scan, columns=list(COLUMNS), types={c: pa.string() for c in COLUMNS},
                                             progress=ctx.progress, label=f"importing {inp.name}"):
                where = Rows.of_batch(scan, first, batch.num_rows)
                dataset = pc.utf8_lower(pc.utf8_trim_whitespace(batch.column("dataset")))
                not_null(dataset, where, "dataset")
                fail_where(mask(pc.invert(pc.is_in(dataset, value_set=pa.array(list(codes))))), where, "dataset",
                           message("dataset '{}' is neither icio nor wiod", dataset))
                year = to_int(batch.column("year"), where, "year")
                check_years(year, where, "year")
                code = pc.utf8_trim_whitespace(batch.column("elasticity_code"))
                not_null(code, where, "elasticity_code", "code")
                fail_where(mask(pc.invert(pc.match_substring_regex(code, r"^[A-Za-z0-9]+$"))), where,
                           "elasticity_code", message("elasticity code '{}' is not letters and digits", code))
                index = to_int(batch.column("sector_idx"), where, "sector_idx")
                sectors = []
                for k in range(batch.num_rows):
                    table = codes[dataset[k].as_py()]
                    idx = index[k].as_py()
                    fail_where(mask(pa.array([not 1 <= idx <= len(table)])), Rows(where.locator, where.rows[k:k + 1]),
                               "sector_idx", f"sector index {idx} outside 1-{len(table)} of the {dataset[k]} cube")
                    sectors.append(table[idx - 1].as_py())
                sigma = to_float(batch.column("sigma"), where, "sigma")
                theta = to_float(batch.column("epsilon"), where, "epsilon")
                not_null(theta, where, "epsilon")
                not_null(sigma, where, "sigma")
                fail_where(mask(pc.less_equal(theta, 0.0)), where, "epsilon",
                           message("trade elasticity {} is not positive", theta))
                gap = pc.abs(pc.subtract(pc.subtract(sigma, 1.0), theta))
                fail_where(mask(pc.greater(gap, TOLERANCE)), where, "epsilon",
                           message("epsilon {} is not sigma - 1 (sigma {})", theta, sigma))
                ctx.writer("sets").write(pa.table({
                    "dataset": dataset, "year": year, "code": code,
                    "source": pc.utf8_trim_whitespace(batch.column("elasticity_source")),
                    "sector_idx": index, "sector": pa.array(sectors, pa.string()),
                    "upstream_label": batch.column("sector_upstream_label"), "sigma": sigma, "theta": theta}),
                    ctx.file_index(inp), where.lines())
