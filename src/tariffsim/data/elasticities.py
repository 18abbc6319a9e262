"""Trade elasticities from published estimates, and their concordance to the products of a model.

Readers for the layouts in the shared ``elasticities/`` folder (see
``../shared/data/README.md``), each returning an :class:`ElasticityTable`:

======================================  =============================  ===================  ==============
reader                                  estimate                       codes                by country
======================================  =============================  ===================  ==============
:func:`read_broda_weinstein_hts10`      σ among import varieties, US   HTS10                no (US)
:func:`read_broda_weinstein_sitc`       σ among import varieties, US   SITC Rev.3, 5-digit  no (US)
:func:`read_broda_greenfield_weinstein` σ among import varieties       HS 3-digit           73 importers
:func:`read_hauk_import_demand`         import-demand elasticity, US   HS6 or NAICS6        no (US)
:func:`read_hauk_substitution`          σ among import varieties, US   HS6                  no (US)
:func:`read_fontagne_guimbard_orefice`  tariff elasticity of trade     GTAP 10 sectors      no
======================================  =============================  ===================  ==============

:func:`assign` gives every product of a model one value, with a concordance across
HS digit levels: a finer table is summarised by the **median** of its lines within
the product's code (e.g. HTS10 → HS6), a coarser one is matched on the product's
leading digits (HS6 product, HS3 table), and products without an estimate fall back
to the median of their HS4, then HS2 heading, then to a stated default. The output
says, product by product, which of these was used (column ``fallback``); the
partial-equilibrium models carry it into their results.

All values are magnitudes in the economic sense of each parameter: substitution
elasticities σ ≥ 0 and import-demand elasticities as positive numbers (Hauk's
``impliedelasticity`` is already the own-price elasticity with the sign flipped).
Importers never know about models: these functions return tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from tariffsim.data.user_tables import read_csv_text
from tariffsim.errors import DataError

__all__ = [
    "Parameter",
    "Classification",
    "HaukFilter",
    "ElasticityTable",
    "BGW_COUNTRIES",
    "read_broda_weinstein_hts10",
    "read_broda_weinstein_sitc",
    "read_broda_greenfield_weinstein",
    "read_hauk_import_demand",
    "read_hauk_substitution",
    "read_fontagne_guimbard_orefice",
    "assign",
    "assign_by_concordance",
]

Parameter = Literal["import_demand", "substitution", "tariff_elasticity"]
"""What an elasticity measures.

* ``import_demand``: own-price elasticity of import demand for a product (a magnitude);
* ``substitution``: elasticity of substitution σ between import varieties (sources);
* ``tariff_elasticity``: elasticity of import values (at pre-tariff prices) with respect
  to the tariff factor ``1 + t``; negative, and equal to ``−σ`` in the CES model, so
  ``σ = −ε`` (Fontagné, Guimbard & Orefice 2022).
"""

Classification = Literal["HS", "SITC3", "NAICS", "GTAP"]

HaukFilter = Literal["none", "positive", "significant_10pct", "significant_5pct", "significant_1pct"]
"""Which of Hauk's (2012) estimates to keep: all, those with the right sign (default), or
those with the right sign that are also significant at 10, 5 or 1 %."""

BGW_COUNTRIES: dict[str, str] = {
    "Australia": "AUS", "Austria": "AUT", "Canada": "CAN", "Denmark": "DNK", "Finland": "FIN", "France": "FRA",
    "Germany": "DEU", "Italy": "ITA", "Japan": "JPN", "Korea": "KOR", "Mexico": "MEX", "Netherlands": "NLD",
    "NewZealand": "NZL", "Norway": "NOR", "Portugal": "PRT", "Spain": "ESP", "Sweden": "SWE",
    "UnitedKingdom": "GBR", "USA": "USA", "Algeria": "DZA", "Argentina": "ARG", "Belize": "BLZ",
    "Bolivia": "BOL", "Brazil": "BRA", "Chile": "CHL", "China": "CHN", "Colombia": "COL", "Croatia": "HRV",
    "Cyprus": "CYP", "CentralAfricanRep": "CAF", "Dominica": "DMA", "Ecuador": "ECU", "Egypt": "EGY",
    "ElSalvador": "SLV", "Gabon": "GAB", "Greece": "GRC", "Grenada": "GRD", "Guatemala": "GTM",
    "Honduras": "HND", "HongKong": "HKG", "Hungary": "HUN", "Iceland": "ISL", "India": "IND",
    "Indonesia": "IDN", "Ireland": "IRL", "Jordan": "JOR", "Latvia": "LVA", "Lithuania": "LTU", "Macao": "MAC",
    "Madagascar": "MDG", "Malawi": "MWI", "Malaysia": "MYS", "Mauritius": "MUS", "Morocco": "MAR",
    "Nicaragua": "NIC", "Oman": "OMN", "Peru": "PER", "Poland": "POL", "Romania": "ROU",
    "SaudiArabia": "SAU", "Slovenia": "SVN", "SriLanka": "LKA", "SaintKittsandNevis": "KNA",
    "SaintVincentGrenadines": "VCT", "Switzerland": "CHE", "Thailand": "THA", "Togo": "TGO", "Tunisia": "TUN",
    "Turkey": "TUR", "Uruguay": "URY", "Venezuela": "VEN", "Macedonia": "MKD", "Slovakia": "SVK",
}
"""ISO3 codes of the 73 importers of Broda, Greenfield & Weinstein (their ``cname`` labels)."""

_CITATIONS = {
    "bw": "Broda, C. & Weinstein, D. E. (2006). Globalization and the Gains from Variety. QJE 121(2).",
    "bgw": "Broda, C., Greenfield, J. & Weinstein, D. E. (2017). From Groundnuts to Globalization: A Structural "
           "Estimate of Trade and Growth. Research in Economics 71(4) (NBER WP 12512, 2006).",
    "hauk": "Hauk, W. R. (2012). U.S. Import and Export Elasticities: A Panel Data Approach. Empirical Economics "
            "(working-paper estimates, 1978-2001).",
    "fgo": "Fontagné, L., Guimbard, H. & Orefice, G. (2022). Tariff-based Product-level Trade Elasticities. "
           "Journal of International Economics 137.",
}


@dataclass(frozen=True, eq=False)
class ElasticityTable:
    """Published elasticity estimates in one layout.

    Attributes
    ----------
    table
        Columns ``code`` (digit string, or a GTAP sector code), ``value`` (float) and,
        for estimates by importer, ``country`` (ISO3).
    parameter
        What the values measure (:data:`Parameter`).
    classification
        Product classification of ``code``.
    level
        Digits of the codes (10 for HTS10, 3 for BGW's HS3, ...); ``None`` for GTAP sectors.
    source
        Citation and file.
    """

    table: pd.DataFrame
    parameter: Parameter
    classification: Classification
    level: int | None
    source: str

    def __post_init__(self) -> None:
        for col in ("code", "value"):
            if col not in self.table.columns:
                raise DataError(f"an ElasticityTable needs a '{col}' column; got {list(self.table.columns)}")

    @property
    def by_country(self) -> bool:
        return "country" in self.table.columns

    def countries(self) -> list[str]:
        """Importers with estimates (empty for tables that are not by country)."""
        return sorted(self.table["country"].unique()) if self.by_country else []

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        codes = self.classification if self.level is None else f"{self.classification} ({self.level}-digit)"
        return (f"<ElasticityTable {self.parameter} by {codes}: {len(self)} estimates"
                f"{f' for {len(self.countries())} countries' if self.by_country else ''}>")


# ---------------------------------------------------------------------- readers
def _read(path: str | Path, needed: Sequence[str], dtype: Mapping[str, type]) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise DataError("file not found", file=str(p))
    try:
        frame = read_csv_text(p, text_columns=[c for c, kind in dtype.items() if kind is str])
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read as CSV: {exc}", file=str(p)) from exc
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {missing}; got {list(frame.columns)}", file=str(p), column=missing[0])
    return frame


def _digits(codes: pd.Series, width: int) -> pd.Series:
    """Digit strings zero-padded on the left to ``width`` (leading zeros are lost by spreadsheets)."""
    return codes.astype(str).str.replace(r"\D", "", regex=True).str.zfill(width)


def _finite(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    values = pd.to_numeric(frame[column], errors="coerce")
    return frame.loc[np.isfinite(values)].assign(**{column: values[np.isfinite(values)]})


def read_broda_weinstein_hts10(path: str | Path) -> ElasticityTable:
    """Broda & Weinstein (2006): σ among US import varieties by HTS 10-digit line, 1990–2001.

    Layout: columns ``hts`` (10 digits), ``sigma_1990_2001``. The median is about 3.1
    with a long right tail (values in the hundreds for homogeneous goods).
    """
    frame = _finite(_read(path, ["hts", "sigma_1990_2001"], {"hts": str}), "sigma_1990_2001")
    table = pd.DataFrame({"code": _digits(frame["hts"], 10), "value": frame["sigma_1990_2001"].to_numpy()})
    return ElasticityTable(table, "substitution", "HS", 10, f"{_CITATIONS['bw']} File {Path(path).name}.")


def read_broda_weinstein_sitc(path: str | Path) -> ElasticityTable:
    """Broda & Weinstein (2006): σ among US import varieties by SITC Rev. 3 5-digit item, 1990–2001.

    There is no SITC → HS concordance here; use it with SITC product codes.
    """
    frame = _finite(_read(path, ["sitc3_5digit", "sigma_1990_2001"], {"sitc3_5digit": str}), "sigma_1990_2001")
    table = pd.DataFrame({"code": _digits(frame["sitc3_5digit"], 5), "value": frame["sigma_1990_2001"].to_numpy()})
    return ElasticityTable(table, "substitution", "SITC3", 5, f"{_CITATIONS['bw']} File {Path(path).name}.")


def read_broda_greenfield_weinstein(path: str | Path) -> ElasticityTable:
    """Broda, Greenfield & Weinstein: σ among import varieties for 73 importers by HS 3-digit, 1994–2003.

    Layout: ``ccode``, ``cname`` (e.g. ``UnitedKingdom``), ``hs_3digit``, ``sigma``. Country
    names are mapped to ISO3 with :data:`BGW_COUNTRIES`.

    Raises
    ------
    DataError
        If a country name is not one of the 73.
    """
    frame = _finite(_read(path, ["cname", "hs_3digit", "sigma"], {"hs_3digit": str}), "sigma")
    names = frame["cname"].astype(str)
    unknown = sorted(set(names) - set(BGW_COUNTRIES))
    if unknown:
        raise DataError(f"country names without an ISO3 code: {unknown[:5]}", file=str(path), column="cname")
    table = pd.DataFrame({"country": names.map(BGW_COUNTRIES).to_numpy(),
                          "code": _digits(frame["hs_3digit"], 3).to_numpy(), "value": frame["sigma"].to_numpy()})
    return ElasticityTable(table, "substitution", "HS", 3, f"{_CITATIONS['bgw']} File {Path(path).name}.")


def _hauk_keep(frame: pd.DataFrame, keep: HaukFilter, path: str | Path) -> pd.DataFrame:
    if keep == "none":
        return frame
    flag = {"positive": "positive", "significant_10pct": "sigat10per", "significant_5pct": "sigat5per",
            "significant_1pct": "sigat1per"}.get(keep)
    if flag is None:
        raise DataError(f"keep='{keep}' is not one of none, positive, significant_10pct, significant_5pct, "
                        "significant_1pct", file=str(path))
    if flag not in frame.columns or "positive" not in frame.columns:
        raise DataError(f"the file has no '{flag}' column to filter on", file=str(path), column=flag)
    mask = frame["positive"].fillna(0).to_numpy() == 1
    if flag != "positive":
        mask &= frame[flag].fillna(0).to_numpy() == 1
    return frame.loc[mask]


def read_hauk_import_demand(path: str | Path, *, keep: HaukFilter = "positive") -> ElasticityTable:
    """Hauk (2012): US import-demand elasticities by HS6 or NAICS6, 1978–2001.

    Uses ``impliedelasticity``, the own-price elasticity of import demand implied by the
    estimated price coefficient of import values (``1 − demandprice``), as a positive
    magnitude. Estimates with the wrong sign are dropped by default (``keep``).

    Layout: ``hs6`` or ``naics6``, ``impliedelasticity``, ``positive``, ``sigat{1,5,10}per``, ...
    """
    header: list[str] = list(pd.read_csv(path, nrows=0).columns) if Path(path).exists() else []
    key = "hs6" if "hs6" in header else "naics6"
    frame = _finite(_read(path, [key, "impliedelasticity"], {key: str}), "impliedelasticity")
    frame = _hauk_keep(frame, keep, path)
    frame = frame.loc[frame["impliedelasticity"] > 0]
    table = pd.DataFrame({"code": _digits(frame[key], 6).to_numpy(), "value": frame["impliedelasticity"].to_numpy()})
    return ElasticityTable(table, "import_demand", "HS" if key == "hs6" else "NAICS", 6,
                           f"{_CITATIONS['hauk']} File {Path(path).name}; impliedelasticity, keep={keep}.")


def read_hauk_substitution(path: str | Path, *, minimum: float = 1.0) -> ElasticityTable:
    """Hauk (2012): σ among US import varieties by HS6 (``impliedsigma``), 1978–1988 or 1989–2001.

    ``impliedsigma = 1 − demandprice`` can be below 1 or negative; values below
    ``minimum`` (default 1: varieties of one product as substitutes) are dropped.
    """
    frame = _finite(_read(path, ["hs6", "impliedsigma"], {"hs6": str}), "impliedsigma")
    frame = frame.loc[frame["impliedsigma"] >= minimum]
    table = pd.DataFrame({"code": _digits(frame["hs6"], 6).to_numpy(), "value": frame["impliedsigma"].to_numpy()})
    return ElasticityTable(table, "substitution", "HS", 6,
                           f"{_CITATIONS['hauk']} File {Path(path).name}; impliedsigma >= {minimum:g}.")


def read_fontagne_guimbard_orefice(path: str | Path) -> ElasticityTable:
    """Fontagné, Guimbard & Orefice (2022): tariff elasticities of trade aggregated to GTAP 10 sectors.

    ``epsilon_GTAP`` is negative (NaN for coa, gas, gdt, gro, which are dropped); in the CES
    model it is ``−σ``. Map products to GTAP sectors with :func:`assign_by_concordance`.
    """
    frame = _finite(_read(path, ["gtap_sector", "epsilon_GTAP"], {"gtap_sector": str}), "epsilon_GTAP")
    table = pd.DataFrame({"code": frame["gtap_sector"].astype(str).to_numpy(),
                          "value": frame["epsilon_GTAP"].to_numpy()})
    return ElasticityTable(table, "tariff_elasticity", "GTAP", None, f"{_CITATIONS['fgo']} File {Path(path).name}.")


# ---------------------------------------------------------------------- concordance
_LEVEL_NAMES = {"HS": "HS", "SITC3": "SITC", "NAICS": "NAICS"}


def assign(
    products: Sequence[str] | pd.Index,
    table: ElasticityTable,
    *,
    country: str | None = None,
    pool_countries: bool = True,
    default: float | None = None,
    fallback_levels: Sequence[int] = (6, 4, 2),
    clip: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """One elasticity per product, with the concordance across digit levels stated per product.

    For each product code (digits; HS6, HS8, HS10 ...) the first of these that has
    estimates is used:

    1. the product's own code at the table's level or finer — exact when the levels
       agree, the **median** of the table's lines within the product's code when the
       table is finer (e.g. HS10 → HS6), the estimate of the product's leading digits
       when the table is coarser (an HS8 product and an HS6 table, an HS6 product and
       BGW's HS3);
    2. coarser headings, in the order of ``fallback_levels`` (default HS6, HS4, HS2),
       each the median of every estimate within the heading;
    3. for tables by importer with ``pool_countries``: steps 1–2 over all importers'
       estimates (the median across countries);
    4. ``default``, or NaN when there is none.

    Parameters
    ----------
    products
        Product codes (digit strings; dots and spaces are ignored).
    table
        An :class:`ElasticityTable` with digit codes (HS, SITC or NAICS).
    country
        ISO3 importer, required for tables by country.
    pool_countries
        Fall back to other importers' estimates (step 3).
    default
        Value for products with no estimate at any level.
    fallback_levels
        Coarser levels tried after the product's own code, finest first.
    clip
        Optional ``(low, high)`` bounds applied to the result (e.g. to tame Broda–
        Weinstein's right tail); clipped values say so in ``fallback``.

    Returns
    -------
    DataFrame
        One row per product, in the given order: ``product``, ``elasticity``,
        ``level`` (digits of the match; 0 for the default), ``n_estimates`` (estimates
        summarised), ``fallback`` (in words) and ``source``.

    Raises
    ------
    DataError
        GTAP tables (use :func:`assign_by_concordance`), or a missing/unknown ``country``.
    """
    if table.level is None or table.classification == "GTAP":
        raise DataError("this table is by GTAP sector; use assign_by_concordance(products, table, mapping)")
    frame = table.table
    if table.by_country:
        if country is None:
            raise DataError(f"this table has estimates by importer ({len(table.countries())} countries); give "
                            "country='ISO3'")
        own = frame.loc[frame["country"] == country]
        if own.empty and not pool_countries:
            raise DataError(f"no estimates for importer '{country}'; available: {', '.join(table.countries())}")
        candidates: list[tuple[pd.DataFrame, str]] = [(own, f" for {country}")]
        if pool_countries:
            candidates.append((frame, f"; median across importers (none for {country})"))
    else:
        candidates = [(frame, "")]
    name = _LEVEL_NAMES.get(table.classification, table.classification)
    codes = [re.sub(r"\D", "", str(p)) for p in products]
    result_value = np.full(len(codes), np.nan)
    result_level = np.zeros(len(codes), dtype=np.int64)
    result_n = np.zeros(len(codes), dtype=np.int64)
    result_text = np.full(len(codes), "", dtype=object)
    todo = np.array([bool(c) for c in codes])
    lengths = np.array([len(c) for c in codes])
    for data, where in candidates:
        if data.empty or not todo.any():
            continue
        table_codes = data["code"].astype(str)
        values = data["value"].to_numpy(dtype=np.float64)
        for product_length in np.unique(lengths[todo]):
            first = min(int(product_length), table.level)
            levels = [first] + [d for d in fallback_levels if d < first]
            for depth in levels:
                idx = np.flatnonzero(todo & (lengths == product_length))
                if idx.size == 0:
                    break
                prefix = table_codes.str[:depth]
                summary = pd.DataFrame({"prefix": prefix.to_numpy(), "value": values}).groupby("prefix")["value"]
                median, count = summary.median(), summary.size()
                keys = pd.Index([codes[i][:depth] for i in idx])
                pos = median.index.get_indexer(keys)
                hit = pos >= 0
                for i, p in zip(idx[hit], pos[hit]):
                    n = int(count.iloc[p])
                    result_value[i] = float(median.iloc[p])
                    result_level[i] = depth
                    result_n[i] = n
                    result_text[i] = _describe(name, int(product_length), table.level, depth, n, codes[i][:depth],
                                               depth == first) + where
                    todo[i] = False
    if default is not None:
        result_value[todo] = default
        result_text[todo] = f"default {default:g} (no estimate down to {name}{min(fallback_levels, default=2)})"
    else:
        result_text[todo] = "no estimate"
    if clip is not None:
        low, high = clip
        clipped = (result_value < low) | (result_value > high)
        result_text[clipped] = [f"{t}; clipped to [{low:g}, {high:g}] from {v:.4g}"
                                for t, v in zip(result_text[clipped], result_value[clipped])]
        result_value = np.clip(result_value, low, high)
    return pd.DataFrame({"product": [str(p) for p in products], "elasticity": result_value, "level": result_level,
                         "n_estimates": result_n, "fallback": result_text, "source": table.source})


def _describe(name: str, product_level: int, table_level: int, depth: int, n: int, code: str, own: bool) -> str:
    if own and depth == product_level == table_level:
        return f"exact {name}{depth} {code}" + (f" (median of {n})" if n > 1 else "")
    if own and depth == product_level:
        return f"median of {n} {name}{table_level} lines within {name}{depth} {code}"
    if own:
        return f"{name}{table_level} estimate of {code}" + (f" (median of {n})" if n > 1 else "")
    return f"fallback: median of {n} {name}{table_level} estimates within {name}{depth} {code}"


def assign_by_concordance(
    products: Sequence[str] | pd.Index,
    table: ElasticityTable,
    mapping: Mapping[str, str] | pd.Series,
    *,
    default: float | None = None,
) -> pd.DataFrame:
    """One elasticity per product through a product → sector concordance (e.g. HS6 → GTAP).

    Parameters
    ----------
    products
        Product codes.
    table
        Estimates by sector (e.g. :func:`read_fontagne_guimbard_orefice`).
    mapping
        Sector of each product code (products missing from it get ``default``).
    default
        Value for unmapped products or sectors without an estimate.

    Returns
    -------
    DataFrame
        Same columns as :func:`assign`.
    """
    lookup = dict(zip(table.table["code"].astype(str), table.table["value"].astype(float)))
    sectors = dict(mapping.items()) if isinstance(mapping, pd.Series) else dict(mapping)
    rows = []
    for p in products:
        sector = sectors.get(str(p))
        if sector is not None and str(sector) in lookup:
            rows.append((str(p), lookup[str(sector)], 0, 1, f"{table.classification} sector {sector}"))
        elif default is not None:
            why = "no sector" if sector is None else f"no estimate for sector {sector}"
            rows.append((str(p), default, 0, 0, f"default {default:g} ({why})"))
        else:
            rows.append((str(p), np.nan, 0, 0, "no estimate"))
    out = pd.DataFrame(rows, columns=["product", "elasticity", "level", "n_estimates", "fallback"])
    out["source"] = table.source
    return out
