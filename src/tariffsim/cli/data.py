"""``tariffsim data``: import, list, show, remove and fetch trade and tariff datasets.

A thin shell over :mod:`tariffsim.data.catalog` and :mod:`tariffsim.data.fetch`.
Errors are :class:`~tariffsim.errors.DataError`, which the main CLI prints as one
line with exit code 2. The data directory is ``--data-dir``, else
``$TARIFFSIM_DATA_DIR``, else the user's data directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tariffsim._json import check_folder_target
from tariffsim.cli._console import console, path_argument, path_option, print_frame, safe
from tariffsim.errors import DataError

data_app = typer.Typer(help="Import, list, show, remove and fetch trade and tariff datasets (the data catalog).",
                       no_args_is_help=True)

DataDir = Annotated[Path | None, path_option("--data-dir", help="Data directory (default: $TARIFFSIM_DATA_DIR, "
                                              "else the user's data directory).", show_default=False)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars (for scripts).")]


@data_app.command("import")
def import_command(
    source: Annotated[str, typer.Argument(help="baci, comtrade, itpde, census, usitc-tariffs, ustr-301, "
                                               "piie-tariffs, icio, wiod, kite, ijlms or sector-elasticities.")],
    paths: Annotated[list[Path], path_argument(help="Files to import (CSV, TXT, .gz, Parquet, or zip archives).")],
    year: Annotated[int | None, typer.Option("--year", help="Year to keep (or the schedule's year for "
                                             "usitc-tariffs when the file name does not say).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Dataset name (default SOURCE-YEAR or SOURCE).")] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="Text encoding of the files.")] = "utf-8",
    force: Annotated[bool, typer.Option("--force", help="Import again even if the same files were imported.")]
    = False,
    data_dir: DataDir = None,
    quiet: Quiet = False,
) -> None:
    """Import files of a source as one dataset (atomic: all or nothing; idempotent)."""
    from tariffsim.data.catalog import Catalog

    catalog = Catalog(data_dir)
    info = catalog.import_files(source, [str(p) for p in paths], year=year, name=name, encoding=encoding,
                                force=force, progress=not quiet)
    if info.unchanged:
        console.print(f"{safe(info.name)}: already imported from the same files (use --force to import again)",
                      highlight=False)
        return
    tables = safe(", ".join(f"{t} {info.tables[t].rows:,} rows" for t in info.tables if info.tables[t].rows))
    total = f"; value {info.value_total:,.1f} USD m" if info.value_total is not None else ""
    console.print(f"imported [bold]{safe(info.name)}[/bold] ({safe(info.title)}): {tables}{total}", highlight=False)
    for note in info.notes:
        console.print(f"note: {safe(note)}", highlight=False)
    console.print(f"catalog: {safe(catalog.root)}", highlight=False)


@data_app.command("list")
def list_command(data_dir: DataDir = None) -> None:
    """List datasets with their row count and value total (USD millions)."""
    from tariffsim.data.catalog import Catalog

    catalog = Catalog(data_dir)
    frame = catalog.summary()
    if frame.empty:
        console.print(f"no datasets in {safe(catalog.root)} (tariffsim data import SOURCE FILES...)", highlight=False)
        return
    print_frame(frame.drop(columns=["tables"]), title=f"datasets in {catalog.root}", digits=1)


@data_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Dataset name (see tariffsim data list).")],
    rows: Annotated[int, typer.Option("--rows", help="Rows of each table to print.")] = 5,
    data_dir: DataDir = None,
) -> None:
    """Show a dataset: source, inputs, tables, notes and first rows."""
    from tariffsim.data.catalog import Catalog

    catalog = Catalog(data_dir)
    info = catalog.get(name)
    console.print(f"[bold]{safe(info.name)}[/bold]: {safe(info.title)} (source {safe(info.source)}), imported "
                  f"{safe(info.imported_at)} by tariffsim {safe(info.version)}", highlight=False)
    options = ", ".join(f"{k}={v}" for k, v in info.options.items() if v is not None)
    console.print(f"options: {safe(options or 'none')}", highlight=False)
    for k, inp in enumerate(info.inputs):
        where = f"{inp.path}!{inp.member}" if inp.member else inp.path
        console.print(f"input {k}: {safe(where)} ({inp.size:,} bytes, sha256 {inp.sha256[:16]}...)", highlight=False)
    for note in info.notes:
        console.print(f"note: {safe(note)}", highlight=False)
    for table_name, table in info.tables.items():
        years = f", years {table.years[0]}-{table.years[-1]}" if table.years else ""
        value = f", value {table.value_total:,.1f} USD m" if table.value_total is not None else ""
        console.print(f"\n[bold]{safe(name)}/{safe(table_name)}[/bold]: {table.rows:,} rows{years}{value}; "
                      f"key ({safe(', '.join(table.key))}). {safe(table.description)}", highlight=False)
        if table.rows and rows > 0:
            print_frame(catalog.read(name, table_name, limit=rows), digits=4)


@data_app.command("remove")
def remove_command(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    data_dir: DataDir = None,
) -> None:
    """Remove a dataset from the catalog."""
    from tariffsim.data.catalog import Catalog

    info = Catalog(data_dir).remove(name)
    console.print(f"removed {safe(info.name)} ({info.rows:,} rows)", highlight=False)


@data_app.command("fetch")
def fetch_command(
    source: Annotated[str, typer.Argument(help="baci, itpde or usitc-tariffs (others say where to get them).")],
    url: Annotated[str | None, typer.Option("--url", help="Download this URL instead of the source's.")] = None,
    sha256: Annotated[str | None, typer.Option("--sha256", help="Expected SHA-256 of the file.")] = None,
    out: Annotated[Path | None, path_option("--out", help="Folder for the file (default DATA_DIR/downloads).")]
    = None,
    year: Annotated[int | None, typer.Option("--year", help="Year (usitc-tariffs).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Release (baci: e.g. 202401b).")] = None,
    revision: Annotated[str | None, typer.Option("--revision", help="HS revision (baci: HS92 ... HS22).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Download again even if the file is there.")] = False,
    data_dir: DataDir = None,
    quiet: Quiet = False,
) -> None:
    """Download a source's files with resume and a SHA-256 check (then import them)."""
    from tariffsim.data.catalog import Catalog
    from tariffsim.data.fetch import fetch_source

    folder = check_folder_target(out) if out is not None else Catalog(data_dir).root / "downloads"
    result = fetch_source(source, folder, url=url, sha256=sha256, progress=not quiet, force=force, year=year,
                          version=version, revision=revision)
    state = "already there" if result.cached else ("resumed and completed" if result.resumed else "downloaded")
    check = "checksum verified" if result.verified else "no published checksum: recorded"
    console.print(f"{state}: {safe(result.path)} ({result.size:,} bytes); SHA-256 {result.sha256} ({check})",
                  highlight=False)
    if source in ("baci", "itpde", "usitc-tariffs"):
        console.print(f"next: tariffsim data import {safe(source)} {safe(result.path)}"
                      + (" --year YEAR" if source != "usitc-tariffs" else ""), highlight=False)


@data_app.command("world")
def world_command(
    year: Annotated[int, typer.Argument(help="Baseline year.")],
    out: Annotated[Path, path_option("--out", "-o", help="World folder to write (flows.csv, ...).")],
    regions: Annotated[str | None, typer.Option("--regions", help="Regions as 'EU=FRA,DEU;NA=USA,CAN,MEX'.")]
    = None,
    rest: Annotated[str | None, typer.Option("--rest", help="Label for every country not in a region.")] = None,
    sectors: Annotated[str | None, typer.Option("--sectors", help="broad (7 sectors, the default) or hs20 (20 "
                                                "sectors) for product-level flows; icio, wiod, kite and ijlms keep "
                                                "their own sectors.")] = None,
    domestic: Annotated[str, typer.Option("--domestic", help="auto, itpde, or a domestic share of absorption "
                                          "such as 0.6.")] = "auto",
    flows: Annotated[str, typer.Option("--flows", help="baci, comtrade, itpde, icio, wiod, kite, ijlms or a "
                                       "dataset name.")] = "baci",
    tariff_date: Annotated[str | None, typer.Option("--tariff-date", help="Tariffs in force on this date "
                                                    "(default 1 January of YEAR).")] = None,
    no_tariffs: Annotated[bool, typer.Option("--no-tariffs", help="Leave tariffs at zero.")] = False,
    elasticity: Annotated[str | None, typer.Option("--elasticity", help="Trade elasticity θ of every sector, or a "
                                                   "set: CP, BSY, FGO, U4, IS, GYY, Shap, LL (icio, wiod), KITE "
                                                   "(kite). Default: 5 for product-level flows, CP for icio and "
                                                   "wiod, KITE's for kite, 4 for ijlms.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Build a World from the catalog and write it as a World folder (usable with --world)."""
    from tariffsim.data.baseline import world_from_catalog
    from tariffsim.data.worlds import write_world

    check_folder_target(out)  # before the World is built, not after
    share: str | float = domestic
    if domestic not in ("auto", "itpde"):
        try:
            share = float(domestic)
        except ValueError:
            raise DataError(f"--domestic must be auto, itpde or a number in (0, 1), got '{domestic}'") from None
    world = world_from_catalog(year, regions=_parse_regions(regions), rest=rest, sectors=sectors, domestic=share,
                               flows=flows, tariffs=None if no_tariffs else "auto", tariff_date=tariff_date,
                               elasticity=elasticity, data_dir=data_dir)
    write_world(world, out)
    console.print(f"{safe(repr(world))} written to {safe(out)}", highlight=False)
    for key, text in world.sources.items():
        console.print(f"{safe(key)}: {safe(text)}", highlight=False)


def _parse_regions(text: str | None) -> dict[str, list[str]] | None:
    if not text:
        return None
    out: dict[str, list[str]] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        label, sep, members = part.partition("=")
        if not sep or not label.strip() or not members.strip():
            raise DataError(f"--regions: '{part}' is not LABEL=ISO3,ISO3,...")
        out[label.strip()] = [m.strip() for m in members.split(",") if m.strip()]
    return out
