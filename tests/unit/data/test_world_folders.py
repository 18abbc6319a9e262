"""World folders: labels that pandas would read as missing come back as written, and a damaged
folder is a DataError naming the file (issue 12, items 1 and 5)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffsim.data.baseline import world_from_catalog
from tariffsim.data.user_tables import MISSING_TOKENS, read_csv_text, read_table
from tariffsim.data.worlds import read_world, write_world
from tariffsim.errors import DataError
from tariffsim.testing.strategies import random_io_world
from tariffsim.world import World

from .conftest import write

# Cells pandas reads as missing by default, and labels that look like numbers.
TRICKY = [*sorted(MISSING_TOKENS - {""}), "0", "007", "1e5", "-1", "inf", "True", "NA,US", 'say "NA"']
LABEL = st.one_of(st.sampled_from(TRICKY),
                  st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=6)
                  .filter(lambda x: x.strip() == x and x != ""))


def world_with(countries: list[str], sectors: list[str], seed: int = 0) -> World:
    rng = np.random.default_rng(seed)
    n, s = len(countries), len(sectors)
    flows = rng.uniform(1.0, 10.0, (n, n, s))
    flows[np.arange(n), np.arange(n), :] += 50.0
    tariffs = rng.uniform(0.0, 0.3, (n, n, s))
    tariffs[np.arange(n), np.arange(n), :] = 0.0
    return World(countries=tuple(countries), sectors=tuple(sectors), flows=flows, tariffs=tariffs,
                 elasticity=rng.uniform(2.0, 8.0, s), year=2017, name="tricky")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(countries=st.lists(LABEL, min_size=2, max_size=4, unique=True),
       sectors=st.lists(LABEL.filter(lambda x: x != "all"), min_size=1, max_size=3, unique=True))
def test_any_labels_survive_a_round_trip_through_a_world_folder(tmp_path_factory, countries, sectors):
    world = world_with(countries, sectors)
    folder = write_world(world.replace(concordance={"84": sectors[0]}), tmp_path_factory.mktemp("w") / "w")
    back = read_world(folder)
    assert back.countries == world.countries and back.sectors == world.sectors
    np.testing.assert_array_equal(back.flows, world.flows)
    np.testing.assert_array_equal(back.tariffs, world.tariffs)
    np.testing.assert_array_equal(back.elasticity, world.elasticity)
    assert back.concordance == {"84": sectors[0]}


def test_an_input_output_world_with_tricky_labels_round_trips(tmp_path):
    world = random_io_world(np.random.default_rng(3), 3, 2)
    world = world.replace(countries=("NA", "None", "nan"), sectors=("NULL", "N/A"), concordance={})
    back = read_world(write_world(world, tmp_path / "w"))
    assert back.countries == ("NA", "None", "nan") and back.sectors == ("NULL", "N/A")
    assert back.fingerprint == world.fingerprint


def test_a_region_called_na_from_the_catalog_can_be_loaded_again(catalog, baci_files, tmp_path):
    """`tariffsim data world --help` suggests --regions 'EU=...;NA=USA,CAN,MEX'."""
    catalog.import_files("baci", baci_files)
    world = world_from_catalog(2017, regions={"NA": ["USA", "CAN", "MEX"], "EU": ["FRA", "DEU"]}, rest="ROW",
                               tariffs=None, data_dir=catalog.root)
    assert "NA" in world.countries
    back = read_world(write_world(world, tmp_path / "w"))
    assert back.countries == world.countries
    assert back.fingerprint == world.fingerprint


def test_user_tables_keep_labels_and_read_missing_numbers(tmp_path):
    path = write(tmp_path / "data.csv", "exporter,importer,trade,note\nNA,USA,1.5,\nUSA,NA,NA,None\nN/A,NA,,x\n")
    frame = read_table(path, ["exporter", "importer", "trade"])
    assert frame["exporter"].tolist() == ["NA", "USA", "N/A"] and frame["importer"].tolist() == ["USA", "NA", "NA"]
    assert frame["trade"].iloc[0] == 1.5 and frame["trade"].iloc[1:].isna().all()
    assert frame["note"].tolist() == ["", "None", "x"]
    coded = read_csv_text(write(tmp_path / "codes.csv", "hs6,value\n010121,NA\n"), text_columns=["hs6"])
    assert coded["hs6"].tolist() == ["010121"] and np.isnan(coded["value"].iloc[0])


# ---------------------------------------------------------------------- damaged folders
def damage_cases() -> list[tuple[str, str, object]]:
    """(file, what is done to it, text written or a marker)."""
    return [
        ("world.json", "missing", None), ("flows.csv", "missing", None), ("elasticity.csv", "missing", None),
        ("world.json", "garbled", b"{not json"), ("world.json", "a list", b"[1, 2]"),
        ("world.json", "null", b"null"), ("world.json", "binary", bytes(range(256))),
        ("world.json", "year text", {"year": "2017a"}), ("world.json", "countries text", {"countries": "ABC"}),
        ("world.json", "sources list", {"sources": ["x"]}), ("world.json", "a folder", "dir"),
        ("flows.csv", "empty", b""), ("flows.csv", "binary", bytes(range(256)) * 3),
        ("flows.csv", "no value column", b"exporter,importer,sector\nA,B,S0\n"),
        ("flows.csv", "text value", b"exporter,importer,sector,value,tariff\nA,A,S0,lots,0\n"),
        ("flows.csv", "a folder", "dir"),
        ("elasticity.csv", "twice", b"sector,elasticity\nS0,4\nS1,5\nS0,6\n"),
        ("elasticity.csv", "text", b"sector,elasticity\nS0,four\nS1,5\n"),
        ("elasticity.csv", "utf-16", "sector,elasticity\nS0,4\n".encode("utf-16")),
        ("concordance.csv", "unknown sector", b"prefix,sector\n84,NOPE\n"),
    ]


@pytest.mark.parametrize(("name", "what", "content"), damage_cases(), ids=[f"{c[0]}-{c[1]}" for c in damage_cases()])
def test_a_damaged_world_folder_is_an_error_naming_the_file(tmp_path, name, what, content):
    folder = write_world(world_with(["A", "B"], ["S0", "S1"]).replace(concordance={"84": "S0"}), tmp_path / "w")
    target: Path = folder / name
    if what == "missing":
        target.unlink()
    elif content == "dir":
        target.unlink()
        target.mkdir()
    elif isinstance(content, dict):
        meta = json.loads(target.read_text())
        target.write_text(json.dumps({**meta, **content}))
    else:
        assert isinstance(content, bytes)
        target.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_world(folder)
    expected = folder if what == "missing" else target
    assert info.value.file == str(expected), str(info.value)


def test_a_missing_io_table_names_it(tmp_path):
    folder = write_world(random_io_world(np.random.default_rng(4), 3, 2), tmp_path / "w")
    (folder / "io.csv").unlink()
    with pytest.raises(DataError, match=r"needs both value_added\.csv and io\.csv") as info:
        read_world(folder)
    assert info.value.file == str(folder / "io.csv")


def test_an_unknown_country_in_the_io_table_names_file_and_column(tmp_path):
    folder = write_world(random_io_world(np.random.default_rng(4), 3, 2), tmp_path / "w")
    io_table = pd.read_csv(folder / "io.csv", keep_default_na=False)
    io_table.loc[0, "country"] = "ZZZ"
    io_table.to_csv(folder / "io.csv", index=False)
    with pytest.raises(DataError, match="labels not in the World: ZZZ") as info:
        read_world(folder)
    assert (info.value.file, info.value.column) == (str(folder / "io.csv"), "country")
