"""``tariffsim estimate``: PPML gravity estimation from the command line (a thin shell).

Registered in :mod:`tariffsim.cli` as ``app.command("estimate")(estimate_command)``.
Library errors propagate to :func:`tariffsim.cli.main`, which prints one line and
exits with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

from tariffsim._json import check_file_target, write_csv
from tariffsim.cli._console import console, path_option, print_frame, safe
from tariffsim.data.user_tables import read_table
from tariffsim.errors import DataError, ModelError

__all__ = ["estimate_command", "parse_years"]


def parse_years(text: str) -> list[int]:
    """``"1986,1990,1994"`` or ``"1986-2006/4"`` (first-last/step, step 1 by default) → years."""
    years: list[int] = []
    try:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            if "-" in part:
                span, _, step = part.partition("/")
                first, last = (int(x) for x in span.split("-"))
                years.extend(range(first, last + 1, int(step or 1)))
            else:
                years.append(int(part))
    except ValueError:
        raise ModelError(f"--years '{text}' is not a list of years; write e.g. 1986,1990 or 1986-2006/4") from None
    if not years:
        raise ModelError("--years is empty")
    return years


def estimate_command(
    formula: Annotated[str, typer.Argument(
        help="fixest formula, e.g. 'trade ~ rta | exporter^year + importer^year + pair_id', or only the "
             "covariates ('rta + rta_lag4') for the gravity defaults: exporter-year, importer-year and pair "
             "fixed effects (exporter and importer effects without a year column).")],
    data: Annotated[Path, path_option("--data", help="CSV or Parquet file, one row per exporter, importer "
                                       "(and year).")],
    out: Annotated[Path | None, path_option("--out", "-o", help="Write the regression table as CSV "
                                             "(variable, coef, se, z, p_value, ci_low, ci_high).")] = None,
    vcov: Annotated[str, typer.Option("--vcov", help="Standard errors: cluster, hetero or iid.")] = "cluster",
    cluster: Annotated[str | None, typer.Option("--cluster", help="Column to cluster by (default: the pair "
                                                "column, or directional pairs).")] = None,
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column for a covariates-only "
                                         "formula.")] = "trade",
    exporter: Annotated[str, typer.Option("--exporter", help="Exporter column.")] = "exporter",
    importer: Annotated[str, typer.Option("--importer", help="Importer column.")] = "importer",
    year: Annotated[str, typer.Option("--year", help="Year column; absent from the data = one "
                                      "cross-section.")] = "year",
    pair: Annotated[str | None, typer.Option("--pair", help="Pair column for pair effects and clusters, e.g. a "
                                             "symmetric pair_id (default: directional pairs).")] = None,
    years: Annotated[str | None, typer.Option("--years", help="Keep only these years: 1986,1990 or "
                                              "1986-2006/4.")] = None,
    small_sample: Annotated[str, typer.Option("--small-sample", help="Covariance correction: stata (as "
                                              "ppml/ppmlhdfe) or fixest.")] = "stata",
    separation: Annotated[str, typer.Option("--separation", help="Separation checks, comma-separated: fe, ir "
                                            "('' for none).")] = "fe",
) -> None:
    """Estimate a gravity equation by PPML with high-dimensional fixed effects; print and save the table."""
    from tariffsim.estimate import GravitySpec, PPMLOptions, ppml
    from tariffsim.estimate.options import SeparationMethod, SmallSample, VcovType

    if out is not None:
        check_file_target(out)  # before the estimation, not after it
    for name, value in (("--cluster", cluster), ("--pair", pair)):
        if value is not None and not value.strip():
            raise DataError(f"{name} is empty text: give a column name, or leave {name} out")
    frame = read_table(data)
    year_column: str | None = year if year and year in frame.columns else None
    if years is not None:
        if year_column is None:
            raise DataError(f"--years needs a year column; the data have no column '{year}'", file=str(data))
        frame = frame.loc[frame[year_column].isin(parse_years(years))]
        if frame.empty:
            raise DataError(f"no rows for the years {years}", file=str(data), column=year_column)
    spec = GravitySpec(outcome=outcome, exporter=exporter, importer=importer, year=year_column, pair=pair)
    methods = tuple(m.strip() for m in separation.split(",") if m.strip())
    # PPMLOptions validates the strings and names the allowed values.
    options = PPMLOptions(vcov=cast(VcovType, vcov), cluster=cluster, small_sample=cast(SmallSample, small_sample),
                          separation=cast(tuple[SeparationMethod, ...], methods))
    fit = ppml(frame, formula, spec=spec, options=options)
    table = fit.table()
    print_frame(table, title=f"PPML: {fit.formula}", digits=4)
    dropped = fit.dropped_summary()
    dropped_text = ", ".join(f"{n:,} {reason}" for reason, n in dropped[["reason", "rows"]].to_numpy()) or "none"
    console.print(f"observations {fit.n_obs:,}; dropped {safe(dropped_text)}; standard errors "
                  f"{safe(fit.vcov_label)}")
    console.print(f"deviance {fit.deviance:.6g}; fixed effects balanced to the adding-up constraints "
                  f"(residual {fit.adding_up_residual:.1e}); {fit.seconds:.2f} s")
    for note in fit.notes:
        console.print(f"note: {safe(note)}", highlight=False)
    if out is not None:
        write_csv(out, table, float_format="%.10g")
        console.print(f"wrote {safe(out)}", highlight=False, soft_wrap=True)
