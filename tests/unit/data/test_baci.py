"""BACI importer: the fixture year in BACI's real layout, every kind of bad input, zip archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tariffsim.errors import DataError

from .conftest import write

HEADER = "t,i,j,k,v,q\n"


def test_imports_the_fixture_year(catalog, baci_files):
    info = catalog.import_files("baci", baci_files)
    assert info.name == "baci-2017" and info.years == (2017,)
    flows = catalog.read("baci-2017").sort_values("source_line")
    assert len(flows) == 32 == info.tables["flows"].rows
    first = flows.iloc[0]
    # line 2 of the fixture: 2017,156,251,847130,1250.5,310.2 (value in thousand USD)
    assert (first["exporter"], first["importer"], first["hs6"]) == ("CHN", "FRA", "847130")
    assert first["value"] == pytest.approx(1.2505) and first["quantity"] == pytest.approx(310.2)
    assert first["source_line"] == 2
    # hand sum of column v of the fixture: 329,414.625 thousand USD
    assert info.tables["flows"].value_total == pytest.approx(329.414625)
    assert flows["quantity"].isna().sum() == 1  # the space-padded NA
    assert set(flows["exporter"]) >= {"TWN", "IND", "USA", "FRA"}  # 490, 699, 842, 251
    assert flows.loc[flows["hs6"] == "010121", "exporter"].tolist() == ["IND"]  # k=10121 padded
    countries = catalog.read("baci-2017", "countries")
    assert countries.set_index("code").loc[490, ["iso3", "iso3_source"]].tolist() == ["TWN", "S19"]
    assert len(catalog.read("baci-2017", "products")) == 10


def test_data_file_alone_uses_tariffsims_code_table(catalog, fixtures):
    info = catalog.import_files("baci", [fixtures / "baci" / "BACI_HS17_Y2017_V202401b.csv"])
    assert info.tables["flows"].rows == 32 and "countries" not in info.tables


def bad_case(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    return write(tmp_path / "in" / "BACI_HS17_Y2017_V202401b.csv", header + body)


GOOD = "2017,156,842,847130,1.5,2\n"


@pytest.mark.parametrize(("header", "body", "line", "column", "match"), [
    ("t,i,j,k,q\n", GOOD, 1, "v", "missing column 'v'"),
    ("t,i,j,k,v,q,extra\n", "2017,156,842,847130,1.5,2,x\n", 1, "extra", "unexpected column"),
    (HEADER, GOOD + "2017,156,999,847130,1.5,2\n", 3, "j", "unknown country code 999"),
    (HEADER, GOOD + "2017,156,842,851712,-3,2\n", 3, "v", "negative value -3"),
    (HEADER, GOOD + "2017,156,842,851712,3,-2\n", 3, "q", "negative quantity"),
    (HEADER, GOOD + "2017,156,842,8517123,3,2\n", 3, "k", "is not an HS6 code"),
    (HEADER, GOOD + "2017,156,156,851712,3,2\n", 3, "j", "importer equals exporter"),
    (HEADER, GOOD + "2017,156,842,851712,,2\n", 3, "v", "missing value"),
    (HEADER, GOOD + "2017,156,842,851712,3.x,2\n", 3, "v", "'3.x' is not a number"),
    (HEADER, GOOD + "2017,156,842,851712,3,two\n", 3, "q", "'two' is not a number"),
    (HEADER, GOOD + "2017,156,842,851712,3\n", 3, None, "expected 6 fields"),
    (HEADER, GOOD + "2017,156,842,847130,1.5,2\n", 3, "hs6", "duplicated key"),
    (HEADER, GOOD + "2017,156,842,85", 3, None, "truncated"),
])
def test_bad_input_names_file_line_and_column(catalog, tmp_path, header, body, line, column, match):
    path = bad_case(tmp_path, body, header)
    with pytest.raises(DataError, match=match) as err:
        catalog.import_files("baci", [path])
    assert err.value.file == str(path)
    assert err.value.line == line
    assert err.value.column == column
    assert catalog.datasets() == []  # nothing half-imported
    assert not list((catalog.tmp_dir).glob("import-*"))


def test_wrong_encoding(catalog, tmp_path):
    path = tmp_path / "BACI_HS17_Y2017_V1.csv"
    path.write_bytes((HEADER + GOOD + "2017,156,842,851712,3,\xe9\n").encode("latin-1"))
    with pytest.raises(DataError, match="not valid utf-8") as err:
        catalog.import_files("baci", [path])
    assert (err.value.line, err.value.column) == (3, "field 6")


def test_codes_are_checked_against_the_files_given(catalog, fixtures, tmp_path):
    data = bad_case(tmp_path, GOOD + "2017,156,842,870190,3,2\n")
    codes = [fixtures / "baci" / "country_codes_V202401b.csv", fixtures / "baci" / "product_codes_HS17_V202401b.csv"]
    with pytest.raises(DataError, match="product 870190 is not in the product codes file") as err:
        catalog.import_files("baci", [data, *codes])
    assert (err.value.line, err.value.column) == (3, "k")
    data = bad_case(tmp_path, GOOD + "2017,156,124,847130,3,2\n")  # Canada: ISO, but not in the codes file
    with pytest.raises(DataError, match="124 is not in the country codes file"):
        catalog.import_files("baci", [data, *codes])


def test_not_a_baci_file(catalog, fixtures):
    with pytest.raises(DataError, match="not a BACI file"):
        catalog.import_files("baci", [fixtures / "usitc" / "tariff_database_2017.csv"])


def test_zip_archive_with_several_years(catalog, fixtures, tmp_path):
    archive = tmp_path / "BACI_HS17_V202401b.zip"
    data = (fixtures / "baci" / "BACI_HS17_Y2017_V202401b.csv").read_text()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("BACI_HS17_Y2017_V202401b.csv", data)
        z.writestr("BACI_HS17_Y2016_V202401b.csv", data.replace("2017,", "2016,"))
        z.write(fixtures / "baci" / "country_codes_V202401b.csv", "country_codes_V202401b.csv")
        z.writestr("Readme.txt", "BACI")
    with pytest.raises(DataError, match="pass --year"):
        catalog.import_files("baci", [archive])
    info = catalog.import_files("baci", [archive], year=2016)
    assert info.name == "baci-2016" and info.years == (2016,) and info.tables["flows"].rows == 32
    assert info.inputs[-1].member == "BACI_HS17_Y2016_V202401b.csv"
    with pytest.raises(DataError, match="no data file for 2015"):
        catalog.import_files("baci", [archive], year=2015)
