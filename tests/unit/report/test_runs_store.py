"""The runs store: round trips, references, atomic recording, SQL over runs, the data directory."""

from __future__ import annotations

import contextlib

import duckdb
import pandas as pd
import pytest

from tariffsim.errors import DataError
from tariffsim.report.runs import DamagedRunWarning, RunStore


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "data")


def test_a_recorded_run_reads_back_whole(store, multi_run):
    info = store.record(multi_run, source="out/x")
    assert info.name == "us-china-2018-2019" and info.dates == multi_run.dates and info.source == "out/x"
    assert info.baseline == "demo-2017" and info.model["closure"] == "fixed_level"
    assert len(info.world_fingerprint) == 64
    loaded = store.load(info.run_id)
    assert loaded.run_id == info.run_id and loaded.dates == multi_run.dates
    assert set(loaded.tables) == set(multi_run.tables)
    for name, table in multi_run.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[name].reset_index(drop=True), table.reset_index(drop=True),
                                      check_dtype=False)
    for date in multi_run.dates:
        assert loaded.records[date]["fingerprints"] == multi_run.records[date]["fingerprints"]
        assert loaded.records[date]["diagnostics"] == pytest.approx(multi_run.records[date]["diagnostics"])
    assert loaded.scenario["text"] == multi_run.scenario["text"]  # stored once, given back to every date
    assert "[[action]]" in loaded.record("2018-01-01")["scenario"]["text"]


def test_runs_are_found_by_id_part_latest_or_scenario_name(store, threat_run, single_run):
    first = store.record(threat_run)
    second = store.record(single_run)
    assert [r.run_id for r in store.runs()] == [first.run_id, second.run_id]
    assert store.get("latest").run_id == second.run_id
    assert store.get("latest~1").run_id == first.run_id
    assert store.get("threat-150bn-2018").run_id == first.run_id
    assert store.get("threat-150bn-2018-retaliation").run_id == second.run_id
    assert store.get(second.run_id[-6:]).run_id == second.run_id
    with pytest.raises(DataError, match="matches 2 runs"):
        store.get(first.run_id[:4])
    with pytest.raises(DataError, match=r"no run 'nope'.*latest runs: .*threat-150bn-2018"):
        store.get("nope")
    with pytest.raises(DataError, match="only 2 runs"):
        store.get("latest~2")
    summary = store.summary()
    assert list(summary["id"]) == [second.run_id, first.run_id]
    assert list(summary["dates"]) == ["2018-07-01", "2018-07-01"]


def test_an_empty_store_says_how_runs_get_there(store):
    assert store.runs() == [] and store.summary().empty
    with pytest.raises(DataError, match="no run is recorded yet"):
        store.get("latest")


def test_a_failed_recording_leaves_no_run_and_no_leftovers(store, single_run, threat_run, monkeypatch):
    store.record(threat_run)
    written = []
    real = pd.DataFrame.to_parquet

    def failing(self, path, *args, **kwargs):
        written.append(path)
        if len(written) == 3:
            raise OSError("disk full")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(DataError, match=r"could not record the run.*disk full"):
        store.record(single_run)
    monkeypatch.undo()
    assert [r.name for r in store.runs()] == ["threat-150bn-2018"]
    assert not [p for p in store.catalog.tmp_dir.iterdir() if p.name != "duckdb"]
    assert store.query("SELECT count(DISTINCT run_id) AS n FROM runs.countries")["n"].iloc[0] == 1


def test_remove_takes_a_run_out_of_listings_and_sql(store, threat_run, single_run):
    keep = store.record(threat_run)
    gone = store.record(single_run)
    assert store.remove(gone.run_id[-6:]).run_id == gone.run_id
    assert [r.run_id for r in store.runs()] == [keep.run_id]
    assert not gone.folder.exists()
    ids = store.query("SELECT DISTINCT run_id FROM runs.meta")["run_id"].tolist()
    assert ids == [keep.run_id]


def test_runs_are_queryable_with_sql_in_the_duckdb_file(store, multi_run, single_run):
    a = store.record(multi_run)
    b = store.record(single_run)
    welfare = store.query("SELECT run_id, date, country, welfare_pct FROM runs.countries WHERE country = 'CHN' "
                          "ORDER BY run_id, date")
    assert len(welfare) == len(multi_run.dates) + 1
    expected = multi_run.tables["countries"].query("country == 'CHN'")["welfare_pct"].tolist()
    assert welfare.loc[welfare.run_id == a.run_id, "welfare_pct"].tolist() == pytest.approx(expected)
    meta = store.query("SELECT run_id, scenario, n_dates FROM runs.meta ORDER BY created_at, run_id")
    assert meta["scenario"].tolist() == ["us-china-2018-2019", "threat-150bn-2018-retaliation"]
    assert meta["n_dates"].tolist() == [3, 1]
    # the file next to catalog.duckdb holds the same views, for duckdb's own tools
    with contextlib.closing(duckdb.connect(str(store.database), read_only=True)) as con:
        rows = con.execute("SELECT count(*) FROM runs.tariffs WHERE run_id = ?", [b.run_id]).fetchone()
    assert rows is not None and rows[0] == len(single_run.tables["tariffs"])


def test_the_store_lives_in_the_data_directory(monkeypatch, tmp_path, single_run):
    monkeypatch.setenv("TARIFFSIM_DATA_DIR", str(tmp_path / "env"))
    store = RunStore()
    assert store.root == tmp_path / "env"
    info = store.record(single_run)
    assert info.folder.parent == tmp_path / "env" / "runs"
    assert (tmp_path / "env" / "run_store.duckdb").is_file()
    assert RunStore(tmp_path / "other").runs() == []


# ---------------------------------------------------------------------- damage
DAMAGE = {"not JSON": "{broken", "a JSON list": "[1, 2]", "another layout": '{"format": 99}',
          "keys missing": '{"format": 1, "id": "x"}', "empty": ""}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_run_is_skipped_with_a_warning_and_removed_by_its_folder_name(store, threat_run, single_run,
                                                                                damage):
    good = store.record(threat_run)
    bad = store.record(single_run)
    (bad.folder / "run.json").write_text(DAMAGE[damage], encoding="utf-8")
    with pytest.warns(DamagedRunWarning, match=rf"runs remove {bad.run_id}"):
        assert [r.run_id for r in store.runs()] == [good.run_id]
    with pytest.warns(DamagedRunWarning):
        assert store.summary()["id"].tolist() == [good.run_id]
        assert store.get("latest").run_id == good.run_id
        assert store.load(good.run_id[-6:]).run_id == good.run_id  # show and compare still work on the others
        with pytest.raises(DataError, match=rf"runs remove {bad.run_id}"):
            store.get(bad.run_id)  # named exactly: the error says what is wrong and how to remove it
        removed = store.remove(bad.run_id)  # what the error message suggests
    assert removed.run_id == bad.run_id and not bad.folder.exists()
    assert [r.run_id for r in store.runs()] == [good.run_id]  # and no warning any more
    assert store.query("SELECT DISTINCT run_id FROM runs.meta")["run_id"].tolist() == [good.run_id]


def test_remove_takes_no_path_outside_the_store(store, single_run, tmp_path):
    store.record(single_run)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "run.json").write_text("{}")
    for ref in ("..", ".", str(outside), "../elsewhere", ""):
        with pytest.raises(DataError):
            store.remove(ref)
    assert (outside / "run.json").exists() and len(store.runs()) == 1


def test_a_run_removed_while_read_stays_readable_until_the_reader_is_done(store, threat_run, single_run):
    keep = store.record(threat_run)
    gone = store.record(single_run)
    with store.catalog.reading():  # another process loading the run holds this (shared) lock
        store.remove(gone.run_id)
        assert [r.run_id for r in store.runs()] == [keep.run_id]  # gone from listings and views at once
        assert store.query("SELECT DISTINCT run_id FROM runs.meta")["run_id"].tolist() == [keep.run_id]
        assert (gone.folder / "countries.parquet").is_file()  # but not pulled from under the reader
    store.record(single_run)  # the next change cleans up
    assert not gone.folder.exists()
