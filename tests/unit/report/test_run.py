"""Reading run folders: both layouts, labels kept as text, stale layouts, clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from tariffsim.errors import DataError
from tariffsim.report.run import TABLES, DatedTables, RunData, load_run


def write_folder(run: RunData, root: Path) -> Path:
    """The layout `tariffsim run` writes (docs/results.md): one folder, or one per date plus timeline.csv."""
    several = len(run.dates) > 1
    for date in run.dates:
        folder = root / date if several else root
        folder.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            table = run.table(name, date)
            if name in run.tables:
                table.to_csv(folder / f"{name}.csv", index=False, float_format="%.10g")
        (folder / "run.json").write_text(json.dumps(run.records[date], default=str))
    if several:
        countries = run.tables["countries"][["date", "country", "welfare_pct"]]
        countries.to_csv(root / "timeline.csv", index=False)
    return root


def test_a_folder_per_date_reads_back_as_the_run(multi_run, tmp_path):
    loaded = load_run(write_folder(multi_run, tmp_path / "run"))
    assert loaded.dates == multi_run.dates
    assert loaded.name == "us-china-2018-2019"
    assert set(loaded.tables) == set(multi_run.tables)
    for name in ("countries", "bilateral", "sectors", "tariffs"):
        for date in multi_run.dates:
            pd.testing.assert_frame_equal(loaded.table(name, date), multi_run.table(name, date), check_dtype=False,
                                          rtol=1e-9)
    assert loaded.record()["fingerprints"] == multi_run.record()["fingerprints"]


def test_one_date_reads_from_the_folder_itself(single_run, tmp_path):
    loaded = load_run(write_folder(single_run, tmp_path))
    assert loaded.dates == ("2018-07-01",)
    assert loaded.scenario["name"] == "threat-150bn-2018-retaliation"


def test_country_codes_that_look_missing_stay_labels(single_run, tmp_path):
    renamed = {name: frame.replace("IND", "NA") for name, frame in single_run.tables.items()}
    run = RunData(name="x", dates=single_run.dates, tables=renamed, records=single_run.records)
    loaded = load_run(write_folder(run, tmp_path))
    assert "NA" in loaded.countries
    assert (loaded.table("bilateral")["exporter"] == "NA").sum() == len(loaded.countries)


def test_the_newer_layout_wins_in_a_reused_folder(single_run, multi_run, tmp_path):
    write_folder(multi_run, tmp_path)
    write_folder(single_run, tmp_path)  # run.json written after timeline.csv
    assert load_run(tmp_path).name == "threat-150bn-2018-retaliation"
    later = os.stat(tmp_path / "run.json").st_mtime_ns + 10**9
    os.utime(tmp_path / "timeline.csv", ns=(later, later))
    assert load_run(tmp_path).name == "us-china-2018-2019"


def test_a_folder_that_is_not_a_run_says_how_to_make_one(tmp_path):
    with pytest.raises(DataError, match=r"not a tariffsim run folder.*tariffsim run"):
        load_run(tmp_path)
    with pytest.raises(DataError, match="no such run folder"):
        load_run(tmp_path / "absent")


def test_a_missing_table_is_named(single_run, tmp_path):
    write_folder(single_run, tmp_path)
    (tmp_path / "bilateral.csv").unlink()
    with pytest.raises(DataError, match=r"missing bilateral\.csv"):
        load_run(tmp_path)


def test_run_data_checks_what_it_is_given(single_run):
    part = DatedTables(date="2018-07-01", tables={"countries": single_run.table("countries")}, record={})
    with pytest.raises(DataError, match="no bilateral, sectors table"):
        RunData.from_dates([part])
    with pytest.raises(DataError, match="repeats an evaluation date"):
        RunData(name="x", dates=("a", "a"), tables=single_run.tables, records={"a": {}})
    with pytest.raises(DataError, match="at least one"):
        RunData.from_dates([])


def test_run_data_is_read_only(single_run):
    with pytest.raises(TypeError):
        single_run.tables["countries"] = pd.DataFrame()  # type: ignore[index]
