"""Product-level baseline data for partial equilibrium: a validated long (tidy) table.

Product data are sparse — a BACI year has about 10 million non-zero
importer × exporter × HS6 cells out of ~200 × 200 × 5,000 = 200 million — so
tariffsim keeps them long, one row per (importer, exporter, product) with
positive or zero trade, never as dense N × N × P arrays. Labels are stored once
and rows carry integer codes, so that 10 million rows take about 300 MB.

Rows are stored sorted by (product, importer, exporter): every importing market
(importer × product) is then one contiguous run of rows, which the solvers use
for fast segment sums, and every product is a contiguous block, which lets
independent products be solved in parallel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from tariffsim._validation import duplicates, readonly
from tariffsim.errors import DataError

__all__ = ["ProductTrade", "Unmatched", "hs_chapter"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int32]

Unmatched = Literal["error", "ignore"]
"""What to do with new-tariff rows that match no baseline trade row: ``"error"``
(default) raises a :class:`~tariffsim.errors.DataError` listing them; ``"ignore"``
drops them (a partial-equilibrium model cannot create trade where there was none,
so a tariff on a flow that does not exist has no effect)."""


def hs_chapter(product: str) -> str:
    """HS chapter (first two digits) of an HS product code, or ``""`` if it is not one.

    >>> hs_chapter("120190")
    '12'
    """
    code = str(product).replace(".", "").strip()
    return code[:2] if len(code) >= 2 and code[:2].isdigit() else ""


def _labels(values: Sequence[Any], what: str) -> tuple[str, ...]:
    out = tuple(str(v).strip() for v in values)
    if any(not v for v in out):
        raise DataError(f"empty {what} label; give every {what} a name")
    dups = duplicates(out)
    if dups:
        raise DataError(f"duplicated {what} labels: {', '.join(dups[:5])}")
    return out


def _codes(values: ArrayLike, n_labels: int, what: str) -> IntArray:
    arr = np.asarray(values)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise DataError(f"{what} codes must be a one-dimensional integer array; got {arr.dtype} with shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_labels):
        raise DataError(f"{what} codes must lie in [0, {n_labels}); got [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int32, copy=False)


@dataclass(frozen=True, eq=False)
class ProductTrade:
    """Baseline product-level trade and tariffs, one row per (importer, exporter, product).

    Build it with :meth:`from_frame` (a DataFrame with labels) or :meth:`from_codes`
    (integer codes and label lists, the fast path for very large tables). Arrays are
    read-only and sorted by (product, importer, exporter).

    Parameters
    ----------
    countries
        Country labels (ISO3 or declared regions) shared by importers and exporters, length C.
    products
        Product codes (HS6, HS8, ... as digit strings), length P.
    importer, exporter, product
        Integer codes into ``countries`` / ``products``, shape (n,).
    value
        Trade at baseline world (pre-tariff, CIF) prices, **USD**, shape (n,), ≥ 0.
    tariff
        Baseline ad-valorem tariff applied by the importer, as a fraction (0.25 = 25 %), shape (n,), > −1.
    sectors
        Optional sector label of every product (e.g. the PIIE sector grouping), length P.
    year, name, sources
        Provenance, carried into results.

    Raises
    ------
    DataError
        Naming what is wrong (negative or missing values, tariffs ≤ −1, duplicated rows, bad codes).
    """

    countries: tuple[str, ...]
    products: tuple[str, ...]
    importer: IntArray
    exporter: IntArray
    product: IntArray
    value: FloatArray
    tariff: FloatArray
    sectors: tuple[str, ...] | None = None
    year: int | None = None
    name: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        countries = _labels(self.countries, "country")
        products = _labels(self.products, "product")
        importer = _codes(self.importer, len(countries), "importer")
        exporter = _codes(self.exporter, len(countries), "exporter")
        product = _codes(self.product, len(products), "product")
        value = np.asarray(self.value, dtype=np.float64)
        tariff = np.asarray(self.tariff, dtype=np.float64)
        n = importer.shape[0]
        for name, arr in (("exporter", exporter), ("product", product), ("value", value), ("tariff", tariff)):
            if arr.shape != (n,):
                raise DataError(f"column '{name}' has shape {arr.shape}; every column needs shape ({n},)")
        if not np.all(np.isfinite(value)) or np.any(value < 0):
            bad = np.flatnonzero(~np.isfinite(value) | (value < 0))
            raise DataError(f"trade values must be finite and non-negative; {len(bad)} rows are not "
                            f"(first: {self._row_label(bad[0], importer, exporter, product, countries, products)})",
                            column="value")
        if not np.all(np.isfinite(tariff)) or np.any(tariff <= -1):
            bad = np.flatnonzero(~np.isfinite(tariff) | (tariff <= -1))
            raise DataError(f"tariffs must be finite fractions above -1 (0.25 = 25 %); {len(bad)} rows are not "
                            f"(first: {self._row_label(bad[0], importer, exporter, product, countries, products)})",
                            column="tariff")
        sectors = None
        if self.sectors is not None:
            sectors = tuple("" if s is None else str(s) for s in self.sectors)
            if len(sectors) != len(products):
                raise DataError(f"sectors has {len(sectors)} labels; expected one per product ({len(products)})")
        # Canonical order: (product, importer, exporter).
        c = np.int64(len(countries))
        key = (product.astype(np.int64) * c + importer) * c + exporter
        if n > 1 and not bool(np.all(key[1:] > key[:-1])):
            order = np.argsort(key, kind="stable")
            key = key[order]
            importer, exporter, product = importer[order], exporter[order], product[order]
            value, tariff = value[order], tariff[order]
            dup = np.flatnonzero(key[1:] == key[:-1])
            if dup.size:
                i = dup[0]
                raise DataError(f"{dup.size} duplicated (importer, exporter, product) rows, e.g. "
                                f"{self._row_label(i, importer, exporter, product, countries, products)}; "
                                "sum them or keep one")
        object.__setattr__(self, "countries", countries)
        object.__setattr__(self, "products", products)
        object.__setattr__(self, "sectors", sectors)
        object.__setattr__(self, "importer", readonly(np.array(importer, dtype=np.int32)))
        object.__setattr__(self, "exporter", readonly(np.array(exporter, dtype=np.int32)))
        object.__setattr__(self, "product", readonly(np.array(product, dtype=np.int32)))
        object.__setattr__(self, "value", readonly(np.array(value, dtype=np.float64)))
        object.__setattr__(self, "tariff", readonly(np.array(tariff, dtype=np.float64)))
        object.__setattr__(self, "sources", dict(self.sources))

    @staticmethod
    def _row_label(i: int, importer: IntArray, exporter: IntArray, product: IntArray,
                   countries: tuple[str, ...], products: tuple[str, ...]) -> str:
        return f"{countries[exporter[i]]}->{countries[importer[i]]}/{products[product[i]]}"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_codes(
        cls,
        countries: Sequence[str],
        products: Sequence[str],
        importer: ArrayLike,
        exporter: ArrayLike,
        product: ArrayLike,
        value: ArrayLike,
        tariff: ArrayLike | float = 0.0,
        **meta: Any,
    ) -> ProductTrade:
        """Build from integer codes and label lists (no string handling: the fast path).

        ``tariff`` may be a scalar (the same baseline tariff on every row).
        """
        value_arr = np.asarray(value, dtype=np.float64)
        tariff_arr = np.broadcast_to(np.asarray(tariff, dtype=np.float64), value_arr.shape)
        return cls(tuple(countries), tuple(products), np.asarray(importer), np.asarray(exporter),
                   np.asarray(product), value_arr, tariff_arr, **meta)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        importer: str = "importer",
        exporter: str = "exporter",
        product: str = "product",
        value: str = "value_usd",
        tariff: str | None = "tariff",
        sector: str | Mapping[str, str] | None = None,
        year: int | None = None,
        name: str = "",
        sources: Mapping[str, str] | None = None,
    ) -> ProductTrade:
        """Build from a long table with one row per (importer, exporter, product).

        Parameters
        ----------
        frame
            The table. Categorical columns are used as they are (fast); other key
            columns are converted to strings.
        importer, exporter, product, value, tariff
            Column names. ``value`` is trade in USD at pre-tariff prices; ``tariff`` a
            fraction (``None``: no baseline tariffs).
        sector
            Column with each product's sector, or a mapping product → sector
            (products without an entry get ``""``).
        year, name, sources
            Provenance.

        Raises
        ------
        DataError
            Missing columns, missing values, or any problem listed in the class docstring.
        """
        needed = [importer, exporter, product, value] + ([tariff] if tariff else [])
        if isinstance(sector, str):
            needed.append(sector)
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise DataError(f"missing columns {missing}; got {list(frame.columns)}", column=missing[0])
        for col in needed:
            if frame[col].isna().any():
                raise DataError(f"{int(frame[col].isna().sum())} missing values", column=col)
        imp_codes, imp_labels = _factorize(frame[importer])
        exp_codes, exp_labels = _factorize(frame[exporter])
        countries = sorted(set(imp_labels) | set(exp_labels))
        index = pd.Index(countries)
        imp_map = index.get_indexer(pd.Index(imp_labels))
        exp_map = index.get_indexer(pd.Index(exp_labels))
        prod_codes, prod_labels = _factorize(frame[product])
        sectors: list[str] | None = None
        if isinstance(sector, str):
            per_product = pd.DataFrame({"p": prod_codes, "s": frame[sector].astype(str).to_numpy()})
            n_distinct = per_product.groupby("p")["s"].nunique()
            if (n_distinct > 1).any():
                bad = [prod_labels[i] for i in n_distinct.index[n_distinct > 1][:5]]
                raise DataError(f"products with more than one sector: {bad}; give each product one sector",
                                column=sector)
            first = per_product.drop_duplicates("p").set_index("p")["s"]
            sectors = [str(first.get(i, "")) for i in range(len(prod_labels))]
        elif sector is not None:
            sectors = [str(sector.get(p, "")) for p in prod_labels]
        tariffs = frame[tariff].to_numpy(dtype=np.float64) if tariff else np.zeros(len(frame))
        return cls(tuple(countries), tuple(prod_labels), imp_map[imp_codes].astype(np.int32),
                   exp_map[exp_codes].astype(np.int32), prod_codes.astype(np.int32),
                   frame[value].to_numpy(dtype=np.float64), tariffs,
                   sectors=None if sectors is None else tuple(sectors), year=year, name=name,
                   sources=dict(sources or {}))

    # ------------------------------------------------------------------ shape and indices
    @property
    def n_rows(self) -> int:
        return int(self.value.shape[0])

    @property
    def n_countries(self) -> int:
        return len(self.countries)

    @property
    def n_products(self) -> int:
        return len(self.products)

    @cached_property
    def chapters(self) -> tuple[str, ...]:
        """HS chapter of every product (``""`` for codes that are not HS codes), length P."""
        return tuple(hs_chapter(p) for p in self.products)

    @cached_property
    def markets(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Importing markets (importer × product).

        Returns
        -------
        market, starts, market_importer, market_product
            ``market`` (n,): each row's market index; ``starts`` (M,): first row of each
            market (rows of one market are contiguous); the market's importer and
            product codes, (M,) each.
        """
        n = self.n_rows
        if n == 0:
            empty = np.zeros(0, dtype=np.int32)
            return empty, empty, empty, empty
        key = self.product.astype(np.int64) * self.n_countries + self.importer
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(key[1:], key[:-1], out=new[1:])
        starts = np.flatnonzero(new).astype(np.int32)
        market = (np.cumsum(new) - 1).astype(np.int32)
        return (readonly(market), readonly(starts), readonly(self.importer[starts].copy()),
                readonly(self.product[starts].copy()))

    def supply_units(self, scope: Literal["market", "global"]) -> tuple[IntArray, IntArray, IntArray]:
        """Exporters' supply units: who faces one supply curve.

        Parameters
        ----------
        scope
            ``"market"``: every row is its own unit (SMART: an exporter's supply to one
            importer); ``"global"``: one unit per (exporter, product), whose price is
            common to all its destinations (GSIM).

        Returns
        -------
        unit, unit_exporter, unit_product
            ``unit`` (n,) row → unit index; exporter and product code of each unit.
        """
        if scope == "market":
            unit = np.arange(self.n_rows, dtype=np.int32)
            return unit, self.exporter, self.product
        key = self.product.astype(np.int64) * self.n_countries + self.exporter
        size = self.n_products * self.n_countries
        if size <= 50_000_000:
            flag = np.zeros(size, dtype=bool)
            flag[key] = True
            dense = np.cumsum(flag, dtype=np.int64) - 1
            unit = dense[key].astype(np.int32)
            keys = np.flatnonzero(flag)
        else:
            keys, inverse = np.unique(key, return_inverse=True)
            unit = inverse.astype(np.int32)
        return (unit, (keys % self.n_countries).astype(np.int32), (keys // self.n_countries).astype(np.int32))

    # ------------------------------------------------------------------ tariffs
    def align(self, frame: pd.DataFrame, column: str = "tariff_new", *, unmatched: Unmatched = "error",
              importer: str = "importer", exporter: str = "exporter", product: str = "product"
              ) -> tuple[FloatArray, int]:
        """Counterfactual tariffs on this table's rows from a long table of changes.

        Rows of ``frame`` give the new tariff (a fraction) of one (importer, exporter,
        product); rows of this table that ``frame`` does not mention keep their baseline
        tariff.

        Returns
        -------
        tariff_new, n_ignored
            New tariffs, shape (n,), in this table's (sorted) row order, and the number
            of ``frame`` rows that matched no trade row (dropped when ``unmatched="ignore"``).

        Raises
        ------
        DataError
            Missing columns, duplicated keys, tariffs ≤ −1, or (``unmatched="error"``)
            rows that match no baseline trade.
        """
        missing = [c for c in (importer, exporter, product, column) if c not in frame.columns]
        if missing:
            raise DataError(f"new tariffs: missing columns {missing}; got {list(frame.columns)}", column=missing[0])
        values = frame[column].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)) or np.any(values <= -1):
            raise DataError("new tariffs must be finite fractions above -1 (0.25 = 25 %)", column=column)
        country_index = pd.Index(self.countries)
        imp = country_index.get_indexer(pd.Index(frame[importer].astype(str)))
        exp = country_index.get_indexer(pd.Index(frame[exporter].astype(str)))
        prod = pd.Index(self.products).get_indexer(pd.Index(frame[product].astype(str)))
        c = np.int64(self.n_countries)
        key = (prod.astype(np.int64) * c + imp) * c + exp
        base_key = (self.product.astype(np.int64) * c + self.importer) * c + self.exporter
        pos = np.searchsorted(base_key, key)
        pos_clipped = np.minimum(pos, max(self.n_rows - 1, 0))
        found = (imp >= 0) & (exp >= 0) & (prod >= 0)
        if self.n_rows:
            found &= base_key[pos_clipped] == key
        else:
            found[:] = False
        n_ignored = int((~found).sum())
        if n_ignored and unmatched == "error":
            rows = frame.loc[~found, [importer, exporter, product]].head(5)
            shown = ", ".join(f"{r[exporter]}->{r[importer]}/{r[product]}" for _, r in rows.iterrows())
            raise DataError(f"{n_ignored} new-tariff rows match no baseline trade row (e.g. {shown}); a partial-"
                            "equilibrium model cannot tax trade that does not exist. Drop them or pass "
                            "unmatched='ignore'", column=column)
        hit = pos_clipped[found]
        if np.unique(hit).size != hit.size:
            raise DataError("new tariffs: duplicated (importer, exporter, product) rows", column=column)
        out = np.array(self.tariff, dtype=np.float64, copy=True)
        out[hit] = values[found]
        return out, n_ignored

    # ------------------------------------------------------------------ views
    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (categorical labels), in the stored order."""
        countries = pd.Categorical.from_codes(self.importer, categories=pd.Index(list(self.countries)))
        exporters = pd.Categorical.from_codes(self.exporter, categories=pd.Index(list(self.countries)))
        products = pd.Categorical.from_codes(self.product, categories=pd.Index(list(self.products)))
        return pd.DataFrame({"importer": countries, "exporter": exporters, "product": products,
                             "value_usd": self.value, "tariff": self.tariff})

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of labels and arrays: equal fingerprints mean the same data."""
        h = hashlib.sha256()
        for labels in (self.countries, self.products, self.sectors or ()):
            h.update("\x1f".join(labels).encode())
            h.update(b"\x1e")
        for arr in (self.importer, self.exporter, self.product):
            h.update(np.ascontiguousarray(arr, dtype="<i4").tobytes())
        for farr in (self.value, self.tariff):
            h.update(np.ascontiguousarray(farr, dtype="<f8").tobytes())
        return h.hexdigest()

    def __repr__(self) -> str:
        label = f"'{self.name}' " if self.name else ""
        return (f"<ProductTrade {label}{self.n_rows:,} rows: {self.n_countries} countries, "
                f"{self.n_products:,} products, {self.value.sum() / 1e9:,.1f} bn USD>")


def _factorize(column: pd.Series) -> tuple[NDArray[np.int64], list[str]]:
    """Integer codes and string labels of a key column (categoricals kept as they are)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        labels = [str(c) for c in column.cat.categories]
        used = np.unique(codes)
        if used.size < len(labels):  # drop unused categories so labels stay meaningful
            remap = np.full(len(labels), -1, dtype=np.int64)
            remap[used] = np.arange(used.size)
            return remap[codes], [labels[i] for i in used]
        return codes, labels
    codes, uniques = pd.factorize(column.astype(str), sort=True)
    return codes.astype(np.int64), [str(u) for u in uniques]
