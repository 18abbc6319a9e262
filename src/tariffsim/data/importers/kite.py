"""KITE's initial conditions: a complete Caliendo–Parro baseline from WIOD 2014 (44 × 50, input-output links).

Layout (``../shared/data/kite_wiod2014/``, the Kiel Institute's ``initial_conditions_WIOD_2014.rds``
converted to CSV; USD million; each file recognised by its name, ``.csv`` or ``.csv.gz``):

=================================  ======================================  ==============================
file                               columns                                 meaning
=================================  ======================================  ==============================
``trade_share``                    origin, destination, sector, value      π: share of the destination's
                                                                           spending on the sector bought
                                                                           from the origin (incl. domestic)
``expenditure``                    country, sector, value                  X: spending, gross of tariffs
``tariff``                         origin, destination, sector, value      1 + tariff (see below)
``intermediate_share``             input, output, country, value           γ (columns sum to 1, or 0)
``factor_share``                   sector, country, value                  β: value added / gross output
``consumption_share``              sector, country, value                  α: final-demand shares
``value_added``                    country, value                          value added
``trade_balance``, ``..._with_``   country, value                          trade surplus (without / with
``inventory``                                                              the inventory adjustment)
``trade_elasticity``               sector, value                           **1/θ** (KITE's convention)
=================================  ======================================  ==============================

``bilateral_flows_derived`` and ``tariff_by_importer_exporter_INTERPRETED`` (derived copies
made for the shared data) are skipped with a note. Required: ``trade_share``,
``expenditure``, ``tariff``, ``intermediate_share``, ``factor_share``, ``trade_elasticity``.

**Tariff orientation.** The stored value for (origin o, destination d) is the tariff that
**o imposes on goods from d** — the reverse of the column names. Checked against known
schedules: origin KOR on destination USA, sector C01 (crops), is 1.763 (Korea's farm
tariffs are high) while USA on KOR is 1.005; origin CHN on USA, C20 (motor vehicles), is
1.215 (China's MFN tariff on cars was 25 % in 2014), USA on CHN 1.007; Korea, Norway, Turkey
and India have the highest farm rates as origins, Australia the lowest; and across all
pairs and the goods sectors C01–C22 the values correlate 0.51 with the Teti tariffs of the
ICIO 2014 cube imposed by the origin and 0.20 with those imposed by the destination
(``tests/unit/data/test_io_importers.py`` recomputes this on the shared files).
The importer therefore writes, for exporter = destination and importer = origin,
``tariff = value − 1``. KITE's own trade balances are consistent with the reverse reading
(its model applies the values as stored); see :mod:`tariffsim.data.io_worlds` for what
the World does with them. The ``ROW`` diagonal carries tariffs (trade among the
rest-of-the-world countries): a World has none on domestic sales, so they are set to 0
(noted).

Tables (``year`` from ``--year``, else from the file or folder name, e.g. ``kite_wiod2014``):

* ``flows``: ``exporter, importer, sector, trade_share, spending`` (π·X, tariff-inclusive),
  ``tariff`` (the importer's, fraction), ``value`` = spending / (1 + tariff) (pre-tariff
  flow; domestic sales on the diagonal);
* ``expenditure``: ``country, sector, value``;
* ``io``: ``country, input, sector, share`` (γ);
* ``value_added_share``: ``country, sector, share`` (β);
* ``final_share``: ``country, sector, share`` (α);
* ``countries``: ``country, value_added, trade_balance, trade_balance_inventory``;
* ``elasticity``: ``sector, inverse_theta, theta`` (θ = 1 / value).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    year_in_name,
)
from tariffsim.data.importers.cubes import MAX_TARIFF, country_codes
from tariffsim.data.reader import InputFile, read_batches
from tariffsim.errors import DataError

SHARE_TOLERANCE = 1e-6
"""How far a sum of shares may be from 1 (KITE's shares are stored with 16 digits)."""

_SECTOR = re.compile(r"^C\d{2}$")

_FILES: dict[str, tuple[str, ...]] = {
    "trade_share": ("origin", "destination", "sector", "value"),
    "expenditure": ("country", "sector", "value"),
    "tariff": ("origin", "destination", "sector", "value"),
    "intermediate_share": ("input", "output", "country", "value"),
    "factor_share": ("sector", "country", "value"),
    "consumption_share": ("sector", "country", "value"),
    "value_added": ("country", "value"),
    "trade_balance": ("country", "value"),
    "trade_balance_with_inventory": ("country", "value"),
    "trade_elasticity": ("sector", "value"),
}
"""KITE file name (without extensions) → its columns."""

REQUIRED = ("trade_share", "expenditure", "tariff", "intermediate_share", "factor_share", "trade_elasticity")
SKIPPED = ("bilateral_flows_derived", "tariff_by_importer_exporter_interpreted")


def _schema(*columns: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([("year", pa.int16()), *columns])


class KiteImporter(Importer):
    source = "kite"
    title = "KITE initial conditions (Caliendo-Parro baseline from WIOD 2014)"
    year_option = "label"
    member_pattern = r"(?i)\.csv(\.gz)?$"
    tables = (
        TableSpec("flows", _schema(("exporter", pa.string()), ("importer", pa.string()), ("sector", pa.string()),
                                   ("trade_share", pa.float64()), ("spending", pa.float64()),
                                   ("tariff", pa.float64()), ("value", pa.float64())),
                  key=("year", "exporter", "importer", "sector"),
                  description="pre-tariff flows in USD millions = trade share x spending / (1 + the importer's "
                              "tariff); exporter == importer is domestic sales"),
        TableSpec("expenditure", _schema(("country", pa.string()), ("sector", pa.string()), ("value", pa.float64())),
                  key=("year", "country", "sector"), description="spending by sector, gross of tariffs (USD m)"),
        TableSpec("io", _schema(("country", pa.string()), ("input", pa.string()), ("sector", pa.string()),
                                ("share", pa.float64())),
                  key=("year", "country", "input", "sector"), value=None,
                  description="input k's share in sector s's intermediate purchases (gamma)"),
        TableSpec("value_added_share", _schema(("country", pa.string()), ("sector", pa.string()),
                                               ("share", pa.float64())),
                  key=("year", "country", "sector"), value=None, description="value added / gross output (beta)"),
        TableSpec("final_share", _schema(("country", pa.string()), ("sector", pa.string()), ("share", pa.float64())),
                  key=("year", "country", "sector"), value=None, description="final-demand shares (alpha)"),
        TableSpec("countries", _schema(("country", pa.string()), ("value_added", pa.float64()),
                                       ("trade_balance", pa.float64()), ("trade_balance_inventory", pa.float64())),
                  key=("year", "country"), value=None,
                  description="value added and trade surplus (without / with the inventory adjustment), USD m"),
        TableSpec("elasticity", _schema(("sector", pa.string()), ("inverse_theta", pa.float64()),
                                        ("theta", pa.float64())),
                  key=("year", "sector"), value=None, description="trade elasticity theta = 1 / (KITE's 1/theta)"),
    )

    def run(self, ctx: ImportContext) -> None:
        files: dict[str, InputFile] = {}
        for inp in ctx.inputs:
            stem = re.sub(r"(?i)\.csv(\.gz)?$", "", inp.name).lower()
            if stem in SKIPPED:
                ctx.note(f"{inp.name} skipped: a copy derived from the other files")
                continue
            if stem not in _FILES:
                raise DataError(f"not a KITE file name; expected {', '.join(_FILES)} (.csv or .csv.gz)",
                                file=inp.display)
            if stem in files:
                raise DataError(f"two {stem} files ({files[stem].display} and this one)", file=inp.display)
            files[stem] = inp
        missing = [name for name in REQUIRED if name not in files]
        if missing:
            raise DataError(f"missing KITE files: {', '.join(missing)}",
                            file=", ".join(i.display for i in ctx.inputs))
        year = ctx.year or next((y for i in files.values() for y in (year_in_name(i.name),
                                                                     year_in_name(i.path.resolve().parent.name))
                                 if y is not None), None)
        if year is None:
            raise DataError("cannot tell the year of the KITE data from the file or folder names; pass --year",
                            file=", ".join(i.display for i in files.values()))
        read = _Reader(ctx, files)
        spending = read.frame("expenditure", {"country": "country", "sector": "sector"}, "value", non_negative_only)
        tariff = read.frame("tariff", {"origin": "country", "destination": "country", "sector": "sector"}, "value",
                            _one_plus_tariff)
        shares = read.frame("trade_share", {"origin": "country", "destination": "country", "sector": "sector"},
                            "value", _share)
        gamma = read.frame("intermediate_share", {"input": "sector", "output": "sector", "country": "country"},
                           "value", _share)
        beta = read.frame("factor_share", {"sector": "sector", "country": "country"}, "value", _value_added_share)
        inverse = read.frame("trade_elasticity", {"sector": "sector"}, "value", _positive)
        countries = sorted(set(spending["country"]))
        sectors = sorted(set(spending["sector"]))

        # Tariffs: the stored value of (origin, destination) is imposed by the origin on the destination's goods.
        imposed = tariff.rename(columns={"origin": "importer", "destination": "exporter", "value": "factor"})
        diagonal = (imposed["importer"] == imposed["exporter"]) & (imposed["factor"] != 1.0)
        if diagonal.any():
            where = sorted(set(imposed.loc[diagonal, "importer"]))
            ctx.note(f"tariffs on trade within {', '.join(where)} ({int(diagonal.sum())} sectors, up to "
                     f"{100 * (imposed.loc[diagonal, 'factor'].max() - 1):.1f} %: trade among the countries of the "
                     "region) set to 0: a World has no tariffs on domestic sales")
            imposed.loc[diagonal, "factor"] = 1.0
        ctx.note("tariff orientation: the stored value of (origin, destination) is read as the tariff the origin "
                 "imposes on the destination's goods, as Korea's farm tariffs and China's car tariff show "
                 "(see the importer's documentation)")

        flows = shares.rename(columns={"origin": "exporter", "destination": "importer", "value": "trade_share"})
        flows = flows.merge(spending.rename(columns={"country": "importer", "value": "spending_total"})[
            ["importer", "sector", "spending_total"]], on=["importer", "sector"], how="left", validate="many_to_one")
        _no_partner(flows, "spending_total", files["trade_share"], "no expenditure for importer {importer}, "
                    "sector {sector} (expenditure file)")
        flows = flows.merge(imposed[["exporter", "importer", "sector", "factor"]],
                            on=["exporter", "importer", "sector"], how="left", validate="one_to_one")
        _no_partner(flows, "factor", files["trade_share"], "no tariff for exporter {exporter}, importer {importer}, "
                    "sector {sector} (tariff file)")
        totals = flows.groupby(["importer", "sector"])["trade_share"].sum()
        off = (totals - 1.0).abs() > SHARE_TOLERANCE
        if off.any():
            first = totals[off].reset_index().iloc[0]
            raise DataError(f"trade shares of importer {first['importer']}, sector {first['sector']} sum to "
                            f"{first['trade_share']:.8f}, not 1 (over origins)",
                            file=files["trade_share"].display)
        flows["spending"] = flows["trade_share"] * flows["spending_total"]
        flows["tariff"] = flows["factor"] - 1.0
        flows["value"] = flows["spending"] / flows["factor"]
        read.write("flows", flows, year)

        read.write("expenditure", spending, year)
        sums = gamma.groupby(["country", "output"])["value"].sum()
        off = ((sums - 1.0).abs() > SHARE_TOLERANCE) & (sums.abs() > SHARE_TOLERANCE)
        if off.any():
            first = sums[off].reset_index().iloc[0]
            raise DataError(f"input shares of {first['country']}, sector {first['output']} sum to "
                            f"{first['value']:.8f}, not 1 or 0",
                            file=files["intermediate_share"].display)
        read.write("io", gamma.rename(columns={"output": "sector", "value": "share"}), year)
        read.write("value_added_share", beta.rename(columns={"value": "share"}), year)
        if "consumption_share" in files:
            alpha = read.frame("consumption_share", {"sector": "sector", "country": "country"}, "value", _share)
            read.write("final_share", alpha.rename(columns={"value": "share"}), year)
        inverse["inverse_theta"] = inverse["value"]
        inverse["theta"] = 1.0 / inverse["value"]
        read.write("elasticity", inverse, year)

        parts = {column: read.frame(name, {"country": "country"}, "value", None if "balance" in name else _positive)
                 for column, name in (("value_added", "value_added"), ("trade_balance", "trade_balance"),
                                      ("trade_balance_inventory", "trade_balance_with_inventory"))
                 if name in files}
        if parts:
            lead = next(iter(parts))
            table = parts[lead].rename(columns={"value": lead})
            for column, part in list(parts.items())[1:]:
                table = table.merge(part.rename(columns={"value": column})[["country", column]], on="country",
                                    how="outer")
            for column in ("value_added", "trade_balance", "trade_balance_inventory"):
                if column not in table:
                    table[column] = np.nan
            table["_line"] = table["_line"].fillna(0).astype(np.int64)
            table["_file"] = table["_file"].fillna(table["_file"].dropna().iloc[0]).astype(np.int64)
            read.write("countries", table, year)
        unknown = sorted(set(flows["exporter"]) - set(countries))
        if unknown:
            raise DataError(f"countries with trade but no expenditure: {', '.join(unknown)}",
                            file=files["expenditure"].display)
        ctx.note(f"{len(countries)} economies x {len(sectors)} sectors; theta = 1 / (trade_elasticity value)")


# ---------------------------------------------------------------------- reading
Check = Callable[[pa.Array, Rows, str], None]


def non_negative_only(values: pa.Array, where: Rows, column: str) -> None:
    non_negative(values, where, column)


def _share(values: pa.Array, where: Rows, column: str) -> None:
    non_negative(values, where, column, "share")
    fail_where(mask(pc.greater(values, 1.0 + SHARE_TOLERANCE)), where, column,
               message("share {} above 1", values))


def _value_added_share(values: pa.Array, where: Rows, column: str) -> None:
    fail_where(mask(pc.or_(pc.less_equal(values, 0.0), pc.greater(values, 1.0))), where, column,
               message("value-added share {} outside (0, 1]", values))


def _positive(values: pa.Array, where: Rows, column: str) -> None:
    fail_where(mask(pc.less_equal(values, 0.0)), where, column, message("{} is not positive", values))


def _one_plus_tariff(values: pa.Array, where: Rows, column: str) -> None:
    fail_where(mask(pc.less(values, 1.0)), where, column,
               message("{} is below 1: KITE stores 1 + tariff", values))
    fail_where(mask(pc.greater(values, 1.0 + MAX_TARIFF)), where, column,
               message("{} above 11 (a tariff above 1,000 %)", values))


def _no_partner(frame: pd.DataFrame, column: str, inp: InputFile, template: str) -> None:
    missing = frame[column].isna()
    if missing.any():
        row = frame.loc[missing].iloc[0]
        raise DataError(template.format(**{str(k): v for k, v in row.items()}), file=inp.display,
                        line=int(row["_line"]))


class _Reader:
    """Reads KITE's small files into frames, checking every cell where it is (file, line, column)."""

    def __init__(self, ctx: ImportContext, files: dict[str, InputFile]) -> None:
        self.ctx = ctx
        self.files = files

    def frame(self, name: str, labels: dict[str, str], value: str, check: Check | None) -> pd.DataFrame:
        """The file as a frame: label columns checked (``country`` or ``sector`` codes), the value a number.

        Columns ``_file`` and ``_line`` keep where each row came from.
        """
        inp = self.files[name]
        scan = self.ctx.text(inp, f"KITE's {name}")
        columns = list(_FILES[name])
        check_header(inp, scan.header, columns, layout=f"KITE {name}")
        parts = []
        for batch, first in read_batches(scan, columns=columns, types={c: pa.string() for c in columns},
                                         progress=self.ctx.progress, label=f"importing {inp.name}"):
            where = Rows.of_batch(scan, first, batch.num_rows)
            data: dict[str, object] = {}
            for column, kind in labels.items():
                if kind == "country":
                    data[column] = country_codes(batch.column(column), where, column).to_pylist()
                else:
                    raw = pc.utf8_trim_whitespace(batch.column(column))
                    not_null(raw, where, column, "sector")
                    bad = mask(pc.invert(pc.match_substring_regex(raw, _SECTOR.pattern)))
                    fail_where(bad, where, column, message("sector '{}' is not a KITE sector (C01-C50)", raw))
                    data[column] = raw.to_pylist()
            number = to_float(batch.column(value), where, value)
            not_null(number, where, value)
            if check is not None:
                check(number, where, value)
            data["value"] = number.to_numpy(zero_copy_only=False)
            data["_line"] = where.lines()
            parts.append(pd.DataFrame(data))
        frame = pd.concat(parts, ignore_index=True)
        frame["_file"] = self.ctx.file_index(inp)
        key = list(labels)
        twice = frame.duplicated(key, keep="first")
        if twice.any():
            row = frame.loc[twice].iloc[0]
            shown = ", ".join(f"{k}={row[k]}" for k in key)
            raise DataError(f"duplicated key {shown}; each ({', '.join(key)}) may appear once", file=inp.display,
                            line=int(row["_line"]), column=key[-1])
        return frame

    def write(self, table: str, frame: pd.DataFrame, year: int) -> None:
        spec = self.ctx.specs[table]
        columns = {f.name: (pa.array(np.full(len(frame), year, np.int16)) if f.name == "year"
                            else pa.array(frame[f.name].tolist(), f.type)) for f in spec.schema}
        files = frame["_file"].to_numpy() if "_file" in frame else np.full(len(frame), -1)
        lines = frame["_line"].to_numpy() if "_line" in frame else np.zeros(len(frame), np.int64)
        # rows are written per input file, so that source_file names the file each row comes from
        for index in sorted(set(files.tolist())):
            keep = files == index
            part = pa.table({k: v.filter(pa.array(keep)) for k, v in columns.items()})
            self.ctx.writer(table).write(part, max(int(index), 0), np.where(lines[keep] > 0, lines[keep], 0))
