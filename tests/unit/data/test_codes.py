"""Country codes: ISO through pycountry, the special codes of BACI and UN Comtrade, names, aliases."""

from __future__ import annotations

import csv
from importlib import resources

import pyarrow as pa
import pycountry
import pytest

from tariffsim.data.codes import (
    ECONOMY_KINDS,
    country_kind,
    country_table,
    iso3_code_map,
    iso3_from_name,
    iso3_from_numeric,
    name_code_map,
    normalize_iso3,
    normalize_name_array,
    numeric_code_map,
)


@pytest.mark.parametrize(("numeric", "iso3"), [
    # BACI / UN Comtrade numbers that differ from ISO 3166-1 (UN Comtrade reporter list; CEPII BACI codes file)
    (842, "USA"), (251, "FRA"), (381, "ITA"), (579, "NOR"), (699, "IND"), (757, "CHE"),
    (490, "TWN"),  # "Other Asia, nes" is Taiwan in UN Comtrade and BACI
    (711, "ZAF"), (58, "BLX"), (891, "SCG"), (890, "YUG"),
    # ISO 3166-1 numeric codes themselves
    (840, "USA"), (250, "FRA"), (156, "CHN"), (276, "DEU"), (492, "MCO"), (4, "AFG"),
    # aggregates and areas
    (0, "WLD"), (899, "XAN"), (97, "EUU"),
])
def test_numeric_codes(numeric, iso3):
    assert iso3_from_numeric(numeric) == iso3


def test_unknown_numeric_code_is_none():
    assert iso3_from_numeric(999) is None
    mapped, unknown = numeric_code_map().map(pa.array([842, 999, None], pa.int64()))
    assert mapped.to_pylist() == ["USA", None, None]
    assert unknown.tolist() == [False, True, True]


def test_special_codes_do_not_shadow_other_iso_countries():
    """A special numeric code may only differ from ISO where the table says it is the same country."""
    iso = {int(c.numeric): c.alpha_3 for c in pycountry.countries}
    with resources.files("tariffsim.data").joinpath("tables", "country_codes_special.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["numeric"] and int(row["numeric"]) in iso:
            assert iso[int(row["numeric"])] == row["iso3"], row
        assert row["source"], f"no source for {row}"


def test_kinds():
    assert country_kind("USA") == "country"
    assert country_kind("SCG") == "historical"
    assert country_kind("XAN") == "area"
    assert country_kind("WLD") == "aggregate"
    assert country_kind("QQQ") is None
    kinds = set(country_table()["kind"])
    assert kinds == {"country", "historical", "area", "aggregate"}
    assert ECONOMY_KINDS == {"country", "historical"}


@pytest.mark.parametrize(("code", "expected"), [
    ("ROM", "ROU"), ("ZAR", "COD"), ("TMP", "TLS"), ("usa", "USA"), ("XKX", "XKX"), ("SUN", "SUN"), ("QQQ", None),
])
def test_normalize_iso3(code, expected):
    assert normalize_iso3(code) == expected


def test_iso3_array_map_normalises_aliases():
    mapped, unknown = iso3_code_map().map(pa.array(["ROM", "DEU", "ZZZ"]))
    assert mapped.to_pylist() == ["ROU", "DEU", None]
    assert unknown.tolist() == [False, False, True]


@pytest.mark.parametrize(("name", "iso3"), [
    ("KOREA, SOUTH", "KOR"), ("Korea,  South", "KOR"), ("TOTAL FOR ALL COUNTRIES", "WLD"), ("VIETNAM", "VNM"),
    ("Viet Nam", "VNM"), ("TAIWAN", "TWN"), ("germany", "DEU"), ("UNITED KINGDOM", "GBR"), ("SAUDI ARABIA", "SAU"),
])
def test_names(name, iso3):
    assert iso3_from_name(name) == iso3


def test_names_are_not_guessed():
    assert iso3_from_name("Germanie") is None
    mapped, unknown = name_code_map().map(normalize_name_array(pa.array(["  korea, south ", "Atlantis"])))
    assert mapped.to_pylist() == ["KOR", None]
    assert unknown.tolist() == [False, True]


def test_census_top20_partner_names_are_known():
    names = ["TOTAL FOR ALL COUNTRIES", "CHINA", "MEXICO", "CANADA", "JAPAN", "GERMANY", "KOREA, SOUTH",
             "UNITED KINGDOM", "INDIA", "FRANCE", "ITALY", "IRELAND", "VIETNAM", "TAIWAN", "SWITZERLAND",
             "MALAYSIA", "THAILAND", "BRAZIL", "SAUDI ARABIA", "ISRAEL", "SINGAPORE"]
    assert all(iso3_from_name(n) for n in names)
