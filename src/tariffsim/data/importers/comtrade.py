"""UN Comtrade bulk files: reported trade by reporter, partner, flow and commodity.

Two layouts are recognised from the header:

* **legacy bulk CSV** (comtrade.un.org/api/get/bulk, until 2023): ``Classification,
  Year, Period, Period Desc., Aggregate Level, Is Leaf Code, Trade Flow Code,
  Trade Flow, Reporter Code, Reporter, Reporter ISO, Partner Code, Partner,
  Partner ISO, Commodity Code, Commodity, Qty Unit Code, Qty Unit, Qty,
  Netweight (kg), Trade Value (US$), Flag`` (some files add ``2nd Partner Code``,
  ``Customs Proc. Code``, ``Mode of Transport Code``); flow codes 1 import,
  2 export, 3 re-export, 4 re-import;
* **Comtrade+ bulk files** (comtradeplus.un.org, tab- or comma-separated, often
  gzipped): ``typeCode, freqCode, refPeriodId, refYear, refMonth, period,
  reporterCode, reporterISO, ..., flowCode, partnerCode, partnerISO, ...,
  partner2Code, classificationCode, cmdCode, aggrLevel, customsCode, motCode, qty,
  netWgt, primaryValue, ...``; flow codes ``M, X, RM, RX`` and others.

Values are in **US dollars** (stored in USD millions); country codes are UN
Comtrade numeric codes (842 USA, 490 Taiwan as "Other Asia, nes", 0 World, 899
"Areas, nes": see :mod:`tariffsim.data.codes`). Table ``flows``: ``year, period,
freq, reporter, partner, partner2, flow, customs, mot, classification, hs,
hs_level, value, quantity, net_weight_kg``; ``hs`` is the commodity code
(``TOTAL`` has level 0).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.data.codes import numeric_code_map
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
    to_int,
)
from tariffsim.data.reader import read_batches
from tariffsim.errors import DataError

LEGACY = {"year": "Year", "flow": "Trade Flow Code", "reporter": "Reporter Code", "partner": "Partner Code",
          "hs": "Commodity Code", "value": "Trade Value (US$)", "period": "Period", "partner2": "2nd Partner Code",
          "customs": "Customs Proc. Code", "mot": "Mode of Transport Code", "quantity": "Qty",
          "net_weight_kg": "Netweight (kg)", "classification": "Classification"}
PLUS = {"year": "refYear", "flow": "flowCode", "reporter": "reporterCode", "partner": "partnerCode",
        "hs": "cmdCode", "value": "primaryValue", "period": "period", "freq": "freqCode", "partner2": "partner2Code",
        "customs": "customsCode", "mot": "motCode", "quantity": "qty", "net_weight_kg": "netWgt",
        "classification": "classificationCode"}
REQUIRED = ("year", "flow", "reporter", "partner", "hs", "value")
LEGACY_FLOWS = {"1": "M", "2": "X", "3": "RX", "4": "RM"}


class ComtradeImporter(Importer):
    source = "comtrade"
    title = "UN Comtrade (reported trade)"
    year_option = "filter"
    member_pattern = r"(?i)\.(csv|txt|tsv)(\.gz)?$"
    tables = (
        TableSpec("flows", pa.schema([
            ("year", pa.int16()), ("period", pa.string()), ("freq", pa.string()), ("reporter", pa.string()),
            ("partner", pa.string()), ("partner2", pa.string()), ("flow", pa.string()), ("customs", pa.string()),
            ("mot", pa.int32()), ("classification", pa.string()), ("hs", pa.string()), ("hs_level", pa.int8()),
            ("value", pa.float64()), ("quantity", pa.float64()), ("net_weight_kg", pa.float64())]),
            key=("period", "reporter", "partner", "partner2", "flow", "customs", "mot", "classification", "hs"),
            description="reported trade in USD millions (flow M = imports of reporter from partner)"),
    )

    def run(self, ctx: ImportContext) -> None:
        for inp in ctx.inputs:
            scan = ctx.text(inp, "a UN Comtrade bulk file")
            if "refYear" in scan.header or "cmdCode" in scan.header:
                names, legacy = PLUS, False
            elif "Trade Flow Code" in scan.header or "Commodity Code" in scan.header:
                names, legacy = LEGACY, True
            else:
                raise DataError("not a UN Comtrade bulk file: expected the legacy columns (Year, Trade Flow Code, "
                                "Reporter Code, Partner Code, Commodity Code, Trade Value (US$)) or Comtrade+ "
                                f"columns (refYear, flowCode, ...); the header has {', '.join(scan.header[:12])}",
                                file=inp.display, line=1)
            layout = "Comtrade legacy" if legacy else "Comtrade+"
            check_header(inp, scan.header, [names[k] for k in REQUIRED], layout=layout)
            present = {k: v for k, v in names.items() if v in scan.header}
            types = {v: pa.string() for v in present.values()}
            for batch, first in read_batches(scan, columns=list(present.values()), types=types,
                                             progress=ctx.progress, label=f"importing {inp.name}"):
                where = Rows.of_batch(scan, first, batch.num_rows)
                year = to_int(batch.column(present["year"]), where, present["year"])
                check_years(year, where, present["year"])
                if ctx.year is not None:
                    keep = mask(pc.equal(year, ctx.year))
                    if not keep.any():
                        continue
                    if not keep.all():
                        sel = pa.array(keep)
                        batch, where, year = batch.filter(sel), where.filter(keep), year.filter(sel)
                ctx.writer("flows").write(self._rows(batch, where, present, year, legacy), ctx.file_index(inp),
                                          where.lines())

    def _rows(self, batch: pa.RecordBatch, where: Rows, present: dict[str, str], year: pa.Array,
              legacy: bool) -> pa.Table:
        n = batch.num_rows

        def col(key: str) -> pa.Array | None:
            return pc.utf8_trim_whitespace(batch.column(present[key])) if key in present else None

        period = col("period")
        if period is None:
            period = pc.cast(year, pa.string())
        if "freq" in present:
            freq = col("freq")
        else:
            freq = pc.if_else(pc.equal(pc.utf8_length(period), 6), "M", "A")
        flow = col("flow")
        assert flow is not None
        not_null(flow, where, present["flow"], "flow code")
        if legacy:
            idx = pc.index_in(flow, value_set=pa.array(list(LEGACY_FLOWS)))
            fail_where(mask(pc.is_null(idx)), where, present["flow"],
                       message("unknown trade flow code '{}' (1 import, 2 export, 3 re-export, 4 re-import)",
                               flow))
            flow = pc.take(pa.array(list(LEGACY_FLOWS.values())), idx)
        out = {"year": year, "period": period, "freq": freq, "flow": flow}
        for key in ("reporter", "partner", "partner2"):
            raw = col(key)
            if raw is None:
                out[key] = pa.nulls(n, pa.string())
                continue
            if key != "partner2":
                not_null(raw, where, present[key], "country code")
            number = to_int(pc.fill_null(raw, "0"), where, present[key]) if key == "partner2" else \
                to_int(raw, where, present[key])
            mapped, unknown = numeric_code_map().map(number)
            fail_where(unknown, where, present[key], message("unknown country code {}", number))
            out[key] = mapped
        hs = col("hs")
        assert hs is not None
        not_null(hs, where, present["hs"], "commodity code")
        upper = pc.utf8_upper(hs)
        total = mask(pc.equal(upper, "TOTAL"))
        digits = mask(pc.match_substring_regex(hs, r"^\d{1,6}$"))
        fail_where(~(total | digits), where, present["hs"], message("'{}' is not an HS code or TOTAL", hs))
        odd = pc.equal(pc.bit_wise_and(pc.utf8_length(hs), 1), 1)
        padded = pc.if_else(pc.and_(pa.array(digits), odd), pc.binary_join_element_wise("0", hs, ""), hs)
        out["hs"] = pc.if_else(pa.array(total), "TOTAL", padded)
        out["hs_level"] = pc.cast(pc.if_else(pa.array(total), 0, pc.utf8_length(padded)), pa.int8())
        value = to_float(batch.column(present["value"]), where, present["value"])
        not_null(value, where, present["value"])
        non_negative(value, where, present["value"])
        out["value"] = pc.divide(value, 1e6)
        for key in ("quantity", "net_weight_kg"):
            if key in present:
                number = to_float(batch.column(present[key]), where, present[key])
                non_negative(number, where, present[key], key.replace("_", " "))
                out[key] = number
            else:
                out[key] = pa.nulls(n, pa.float64())
        out["customs"] = col("customs") if "customs" in present else pa.nulls(n, pa.string())
        out["mot"] = (pc.cast(to_int(pc.fill_null(col("mot"), "0"), where, present["mot"]), pa.int32())
                      if "mot" in present else pa.nulls(n, pa.int32()))
        out["classification"] = col("classification") if "classification" in present else pa.nulls(n, pa.string())
        return pa.table(out)
