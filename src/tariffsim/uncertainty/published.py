"""The published elasticity sets as one table of θ vectors (one row per set).

Lashkaripour (2021, "The cost of a global tariff war", JIE 131; the ``tariffwar`` package)
compiles eight sets of sector trade elasticities for the OECD ICIO and WIOD sectors:
in-sample (IS), uniform 4 (U4), Caliendo–Parro 2015 (CP), Bagwell–Staiger–Yurukoglu 2021
(BSY), Giri–Yi–Yilmazkuday 2021 (GYY), Shapiro 2016 (Shap), Fontagné–Guimbard–Orefice 2022
(FGO) and Lashkaripour–Lugovskyy 2023 (LL). The shared data holds them as
``icio_wiod_lashkaripour/elasticities_by_sector.csv``: ``dataset, year, elasticity_code,
elasticity_source, sector_idx, sector_upstream_label, sigma, epsilon`` (θ = epsilon = σ − 1).

This small reader lives here until the data importers (:mod:`tariffsim.data`) have one for
the file; it reads the layout and nothing else.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from tariffsim.errors import DataError
from tariffsim.uncertainty.parameters import ElasticityTable

__all__ = ["SETS_COLUMNS", "published_elasticity_sets", "elasticity_table"]

SETS_COLUMNS = ("dataset", "year", "elasticity_code", "sector_upstream_label", "epsilon")
"""Columns :func:`published_elasticity_sets` needs."""


def _read(source: str | Path | bytes, what: str) -> pd.DataFrame:
    try:
        data = io.BytesIO(source) if isinstance(source, bytes) else source
        return pd.read_csv(data, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise DataError("file not found", file=str(source)) from None
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        where = None if isinstance(source, bytes) else str(source)
        raise DataError(f"cannot read the {what} as CSV ({exc})", file=where) from None


def published_elasticity_sets(source: str | Path | bytes, *, dataset: str = "icio", year: int | None = None,
                              sets: Sequence[str] | None = None,
                              mapping: Mapping[str, Sequence[str]] | None = None) -> ElasticityTable:
    """The published sets of ``dataset`` (``icio`` or ``wiod``) and ``year`` (default the latest) as an
    :class:`~tariffsim.uncertainty.parameters.ElasticityTable`: one row per set code, one column per sector
    label (``sector_upstream_label``), values θ = ``epsilon``.

    Parameters
    ----------
    source
        The CSV file (or its bytes).
    dataset, year
        Which sectors' sets.
    sets
        Set codes to keep (default all eight).
    mapping
        World sector → the file's sector labels, when the World's sectors are not the file's.

    Raises
    ------
    DataError
        Missing columns, an unknown dataset, year or set code.
    """
    name = "published elasticity sets"
    frame = _read(source, name)
    where = None if isinstance(source, bytes) else str(source)
    missing = [c for c in SETS_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"the {name} lack columns {missing} (layout: {', '.join(SETS_COLUMNS)})", file=where)
    frame = frame[frame["dataset"].astype(str) == dataset]
    if frame.empty:
        raise DataError(f"no sets for dataset '{dataset}' (icio or wiod)", file=where)
    years = sorted(int(y) for y in frame["year"].unique())
    chosen = years[-1] if year is None else int(year)
    if chosen not in years:
        raise DataError(f"no {dataset} sets for {chosen} (years: {', '.join(map(str, years))})", file=where)
    frame = frame[frame["year"].astype(int) == chosen]
    codes = list(dict.fromkeys(frame["elasticity_code"].astype(str)))
    if sets is not None:
        unknown = [s for s in sets if s not in codes]
        if unknown:
            raise DataError(f"unknown elasticity sets {unknown} (sets: {', '.join(codes)})", file=where)
        codes = [str(s) for s in sets]
    wide = frame.pivot_table(index="elasticity_code", columns="sector_upstream_label", values="epsilon",
                             sort=False).reindex(codes)
    wide.columns = [str(c) for c in wide.columns]
    return ElasticityTable(wide, name="elasticity_set", mapping=mapping,
                           source=f"published sets of {dataset} {chosen} (Lashkaripour 2021)")


def elasticity_table(source: str | Path | bytes, *, mapping: Mapping[str, Sequence[str]] | None = None,
                     name: str = "elasticity_draw") -> ElasticityTable:
    """A table of θ draws made elsewhere: one row per draw, one numeric column per sector; a ``label`` column,
    if present, names the rows."""
    frame = _read(source, "elasticity table")
    if "label" in frame.columns:
        frame = frame.set_index(frame["label"].astype(str)).drop(columns="label")
    return ElasticityTable(frame, name=name, mapping=mapping,
                           source="" if isinstance(source, bytes) else f"file {Path(source).name}")
