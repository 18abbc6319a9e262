"""Country codes: ISO 3166 (alpha-3, numeric, names) plus the codes trade sources use.

ISO 3166 comes from pycountry (current countries and the ISO 3166-3 list of
withdrawn codes). Trade sources add codes of their own; those are in
``tables/country_codes_special.csv`` (numeric code, ISO3 we map it to, kind and
source, one line each) and ``tables/country_aliases.csv`` (old alpha-3 codes and
names used by sources, mapped to today's ISO3):

* UN Comtrade and CEPII BACI number some countries differently from ISO: 842 USA
  (ISO 840), 251 France (250), 381 Italy (380), 579 Norway (578), 699 India (356),
  757 Switzerland (756), 490 "Other Asia, nes" = Taiwan (158), 711 Southern
  African Customs Union = South Africa (710), ...;
* UN Comtrade has partner areas that are not countries ("Areas, nes", "Bunkers",
  "Free zones"): they get X-codes (``XAN``, ``XBK``, ...) of kind ``area``; the
  World (0) and the EU (97) are of kind ``aggregate``;
* states that changed their code keep one code over time: ``ROM`` → ``ROU``,
  ``ZAR`` → ``COD``, ``TMP`` → ``TLS``; dissolved ones (``SCG``, ``YUG``, ``CSK``,
  ``SUN``, ``ANT``) stay as ISO 3166-3 codes of kind ``historical``.

Kinds: ``country`` and ``historical`` are economies a World can hold; ``area`` and
``aggregate`` are not (importers keep them, :func:`world_from_catalog` drops them).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ECONOMY_KINDS",
    "CodeMap",
    "country_table",
    "country_name",
    "country_kind",
    "normalize_iso3",
    "iso3_from_numeric",
    "iso3_from_name",
    "numeric_code_map",
    "iso3_code_map",
    "name_code_map",
    "normalize_name_array",
]

ECONOMY_KINDS = frozenset({"country", "historical"})
"""Kinds of codes that are economies (kept in Worlds)."""


def _table(name: str) -> pd.DataFrame:
    with resources.files("tariffsim.data").joinpath("tables", name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def country_table() -> pd.DataFrame:
    """Every known code: ``numeric`` (nullable int), ``iso3``, ``name``, ``kind``, ``source``.

    One row per ISO3 code (current ISO 3166-1, ISO 3166-3 withdrawn codes, and the
    special codes of trade sources). Numeric codes that several rows could claim
    resolve in this order: the special table, current ISO, withdrawn ISO.
    """
    import pycountry

    rows: dict[str, dict[str, object]] = {}
    for c in pycountry.historic_countries:
        code = getattr(c, "alpha_3", None)
        if code:
            rows[code] = {"numeric": _int_or_none(getattr(c, "numeric", None)), "iso3": code, "name": c.name,
                          "kind": "historical", "source": "ISO 3166-3 (pycountry)"}
    for c in pycountry.countries:
        rows[c.alpha_3] = {"numeric": _int_or_none(c.numeric), "iso3": c.alpha_3,
                           "name": getattr(c, "common_name", None) or c.name, "kind": "country",
                           "source": "ISO 3166-1 (pycountry)"}
    special = _table("country_codes_special.csv")
    for rec in special.itertuples(index=False):
        code = str(rec.iso3)
        if code in rows and rows[code]["kind"] == "country":
            continue  # an extra numeric code for an ISO country: handled by numeric_code_map
        rows[code] = {"numeric": _int_or_none(rec.numeric), "iso3": code, "name": rec.name, "kind": rec.kind,
                      "source": rec.source}
    frame = pd.DataFrame(list(rows.values()))
    frame["numeric"] = frame["numeric"].astype("Int64")
    return frame.sort_values("iso3").reset_index(drop=True)


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@cache
def _numeric_dict() -> dict[int, str]:
    table = country_table()
    out: dict[int, str] = {}
    hist = table[(table["kind"] == "historical") & table["numeric"].notna()]
    for num, code in zip(hist["numeric"], hist["iso3"], strict=True):
        out[int(num)] = code
    cur = table[(table["kind"] == "country") & table["numeric"].notna()]
    for num, code in zip(cur["numeric"], cur["iso3"], strict=True):
        out[int(num)] = code
    for rec in _table("country_codes_special.csv").itertuples(index=False):
        number = _int_or_none(rec.numeric)
        if number is not None:
            out[number] = str(rec.iso3)
    aliases = _alias_dict()
    return {num: aliases.get(code, code) for num, code in out.items()}


@cache
def _alias_dict() -> dict[str, str]:
    aliases = _table("country_aliases.csv")
    return {_norm_name(a): str(code) for a, code in zip(aliases["alias"], aliases["iso3"], strict=True)}


@cache
def _kinds() -> dict[str, str]:
    table = country_table()
    return dict(zip(table["iso3"], table["kind"], strict=True))


def _norm_name(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).strip().upper())


def normalize_iso3(code: str) -> str | None:
    """Today's ISO3 for an alpha-3 code (``ROM`` → ``ROU``), the code if known as is, else ``None``."""
    key = _norm_name(code)
    alias = _alias_dict().get(key)
    if alias is not None and len(key) == 3:
        return alias
    return key if key in _kinds() else None


def country_kind(iso3: str) -> str | None:
    """``country``, ``historical``, ``area`` or ``aggregate``; ``None`` for unknown codes."""
    return _kinds().get(iso3)


def country_name(iso3: str) -> str:
    """English short name of a code (the code itself when unknown)."""
    table = country_table()
    hit = table.loc[table["iso3"] == iso3, "name"]
    return str(hit.iloc[0]) if len(hit) else iso3


def iso3_from_numeric(code: int) -> str | None:
    """ISO3 of a numeric code as ISO, UN Comtrade or BACI use it (842 → USA); ``None`` if unknown."""
    return _numeric_dict().get(int(code))


@cache
def _names() -> dict[str, str]:
    import pycountry

    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                out.setdefault(_norm_name(value), c.alpha_3)
    table = country_table()
    for name, code in zip(table["name"], table["iso3"], strict=True):
        out.setdefault(_norm_name(name), code)
    for alias, code in _alias_dict().items():
        if len(alias) != 3:
            out[alias] = code
    return out


def iso3_from_name(name: str) -> str | None:
    """ISO3 of a country name as sources spell it ("KOREA, SOUTH" → KOR); ``None`` if unknown.

    Matching is exact after upper-casing and collapsing spaces: ISO short, official
    and common names (pycountry) and the aliases table. No fuzzy matching: a wrong
    guess would silently put trade on the wrong country.
    """
    return _names().get(_norm_name(name))


class CodeMap:
    """A vectorised code → ISO3 lookup for Arrow arrays.

    Parameters
    ----------
    keys, values
        Codes and the ISO3 each maps to (same length).
    """

    def __init__(self, keys: pa.Array, values: list[str]) -> None:
        self.keys = keys
        self.values = pa.array(values, type=pa.string())

    def map(self, codes: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """Mapped ISO3 codes and a boolean mask of codes not found (nulls count as not found)."""
        idx = pc.index_in(codes, value_set=self.keys)
        unknown = np.asarray(pc.is_null(idx).to_numpy(zero_copy_only=False), dtype=bool)
        return pc.take(self.values, idx), unknown


@cache
def numeric_code_map() -> CodeMap:
    """Numeric (ISO, UN Comtrade, BACI) codes → ISO3."""
    items = sorted(_numeric_dict().items())
    return CodeMap(pa.array([k for k, _ in items], type=pa.int64()), [v for _, v in items])


@cache
def iso3_code_map() -> CodeMap:
    """Alpha-3 codes (current, withdrawn, special and aliases) → today's ISO3."""
    mapping = {code: code for code in _kinds()}
    for alias, code in _alias_dict().items():
        if len(alias) == 3:
            mapping[alias] = code
    items = sorted(mapping.items())
    return CodeMap(pa.array([k for k, _ in items], type=pa.string()), [v for _, v in items])


@cache
def name_code_map() -> CodeMap:
    """Upper-case country names and aliases → ISO3 (see :func:`iso3_from_name`)."""
    items = sorted(_names().items())
    return CodeMap(pa.array([k for k, _ in items], type=pa.string()), [v for _, v in items])


def normalize_name_array(names: pa.Array) -> pa.Array:
    """Upper-case, trim and collapse spaces, as :func:`name_code_map` keys are."""
    upper = pc.utf8_upper(pc.utf8_trim_whitespace(names))
    return pc.replace_substring_regex(upper, pattern=r"\s+", replacement=" ")
