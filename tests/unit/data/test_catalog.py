"""The catalog: layout, views, idempotent and atomic imports, removal, killed imports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tariffsim.data.catalog import ENV_VAR, Catalog, default_data_dir, import_dataset, list_datasets, remove_dataset
from tariffsim.data.importers._base import TableWriter
from tariffsim.errors import DataError


def snapshot(catalog: Catalog) -> dict[str, tuple]:
    """What a reader sees: each dataset's version folder, rows and the rows actually readable."""
    out = {}
    for d in catalog.datasets():
        readable = sum(len(catalog.read(d.name, t)) for t in d.tables if d.tables[t].rows)
        out[d.name] = (d.folder.name, d.rows, d.value_total, readable)
    return out


def test_layout_and_views(catalog, baci_files):
    info = catalog.import_files("baci", baci_files)
    folder = catalog.datasets_dir / "baci-2017"
    assert (folder / "CURRENT").read_text().strip() == info.folder.name
    assert (info.folder / "flows" / "year=2017" / "part-0.parquet").is_file()
    assert (info.folder / "dataset.json").is_file()
    with duckdb.connect(str(catalog.database), read_only=True) as con:
        assert con.execute('SELECT count(*) FROM "baci-2017"').fetchone() == (32,)
        assert con.execute('SELECT count(*) FROM "baci-2017/countries"').fetchone() == (7,)
        assert con.execute("SELECT count(*) FROM baci.flows WHERE year = 2017").fetchone() == (32,)
        assert con.execute("SELECT name, rows FROM datasets").fetchall() == [("baci-2017", 49)]
    summary = catalog.summary()
    assert summary.loc[0, ["name", "table", "rows"]].tolist() == ["baci-2017", "flows", 32]
    assert summary.loc[0, "value_usd_m"] == pytest.approx(329.414625)


def test_source_views_union_datasets(catalog, fixtures):
    catalog.import_files("census", [fixtures / "census" / "us_imports_from_china_hs2_monthly_census.csv"],
                         name="census-a")
    catalog.import_files("census", [fixtures / "census" / "us_exports_to_china_hs2_monthly_census.csv"],
                         name="census-b")
    counts = catalog.query("SELECT flow, count(*) AS n FROM census.trade GROUP BY flow ORDER BY flow")
    assert counts.to_dict("list") == {"flow": ["exports", "imports"], "n": [3, 6]}


def test_reimport_is_idempotent(catalog, baci_files):
    first = catalog.import_files("baci", baci_files)
    again = catalog.import_files("baci", baci_files)
    assert again.unchanged and again.folder == first.folder
    forced = catalog.import_files("baci", baci_files, force=True)
    assert not forced.unchanged and forced.folder != first.folder
    assert snapshot(catalog)["baci-2017"][1:] == (49, pytest.approx(329.414625), 49)
    # the replaced version is gone
    assert [p.name for p in (catalog.datasets_dir / "baci-2017").iterdir() if p.is_dir()] == [forced.folder.name]


def test_remove(catalog, baci_files):
    catalog.import_files("baci", baci_files)
    removed = catalog.remove("baci-2017")
    assert removed.name == "baci-2017" and catalog.datasets() == []
    assert not (catalog.datasets_dir / "baci-2017").exists()
    with duckdb.connect(str(catalog.database), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM datasets").fetchone() == (0,)
    with pytest.raises(DataError, match=r"no dataset 'baci-2017'.*the catalog is empty"):
        catalog.remove("baci-2017")


def test_names_are_checked(catalog, baci_files):
    with pytest.raises(DataError, match="lower-case letters"):
        catalog.import_files("baci", baci_files, name="../evil")
    with pytest.raises(DataError, match="no dataset"):
        catalog.get("../evil")


def test_failure_mid_write_leaves_the_catalog_as_it_was(catalog, baci_files, monkeypatch):
    catalog.import_files("baci", baci_files)
    before = snapshot(catalog)
    calls = {"n": 0}
    original = TableWriter.write

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TableWriter, "write", failing)
    with pytest.raises(OSError, match="disk full"):
        catalog.import_files("baci", baci_files, force=True)
    assert snapshot(catalog) == before
    assert not [p for p in catalog.tmp_dir.iterdir() if p.name.startswith("import-")]


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from tariffsim.data import catalog as cat
    from tariffsim.data.importers import _base

    stage = sys.argv[2]
    if stage == "write":
        original = _base.TableWriter._flush
        def hang(self, year):
            original(self, year)
            print("PAUSED", flush=True)
            time.sleep(120)
        _base.TableWriter._flush = hang
    else:
        def hang(path, value):
            print("PAUSED", flush=True)
            time.sleep(120)
        cat._write_pointer = hang
    cat.Catalog(sys.argv[1]).import_files("baci", sys.argv[3:], force=True)
""")


@pytest.mark.parametrize("stage", ["write", "commit"])
def test_killed_import_leaves_an_intact_catalog(catalog, baci_files, tmp_path, stage):
    """SIGKILL an import while it writes Parquet, or between moving the version in and switching to it."""
    catalog.import_files("baci", baci_files)
    before = snapshot(catalog)
    script = tmp_path / "kill.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(catalog.root), stage, *baci_files],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.strip() == "PAUSED", proc.stderr.read() if proc.stderr else ""
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(catalog) == before  # readers still see the old version, whole
    leftovers = [p for p in catalog.tmp_dir.iterdir() if p.name.startswith("import-")] + \
        [p for p in (catalog.datasets_dir / "baci-2017").iterdir() if p.is_dir() and p.name != before["baci-2017"][0]]
    assert leftovers  # the killed import did leave something behind ...
    again = catalog.import_files("baci", baci_files, force=True)  # ... which the next import cleans up
    assert not [p for p in catalog.tmp_dir.iterdir() if p.name.startswith("import-")]
    assert [p.name for p in (catalog.datasets_dir / "baci-2017").iterdir() if p.is_dir()] == [again.folder.name]
    assert snapshot(catalog)["baci-2017"][1:] == before["baci-2017"][1:]


def test_a_dataset_without_pointer_is_invisible(catalog, baci_files):
    catalog.import_files("baci", baci_files)
    (catalog.datasets_dir / "half").mkdir()
    (catalog.datasets_dir / "half" / "v-x").mkdir()
    assert [d.name for d in catalog.datasets()] == ["baci-2017"]


def test_data_dir_from_environment(monkeypatch, tmp_path, baci_files):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env-dir"))
    assert default_data_dir() == tmp_path / "env-dir"
    import_dataset("baci", baci_files)
    assert list_datasets()["name"].tolist() == ["baci-2017"]
    assert (tmp_path / "env-dir" / "datasets" / "baci-2017" / "CURRENT").is_file()
    remove_dataset("baci-2017")
    assert list_datasets().empty
    monkeypatch.delenv(ENV_VAR)
    assert default_data_dir() != tmp_path / "env-dir"


def test_read_and_query_errors(catalog, baci_files):
    catalog.import_files("baci", baci_files)
    with pytest.raises(DataError, match="no table 'rates'"):
        catalog.read("baci-2017", "rates")
    with pytest.raises(DataError, match="query failed"):
        catalog.query("SELECT * FROM nowhere")
    assert len(catalog.read("baci-2017", limit=3)) == 3


def test_missing_inputs(catalog, tmp_path):
    with pytest.raises(DataError, match="no such file"):
        catalog.import_files("baci", [tmp_path / "nope.csv"])
    with pytest.raises(DataError, match="give the baci files"):
        catalog.import_files("baci", [])
    with pytest.raises(DataError, match="is a folder"):
        catalog.import_files("baci", [tmp_path])


def test_fingerprint_depends_on_content(catalog, copy_fixture):
    path: Path = copy_fixture("baci/BACI_HS17_Y2017_V202401b.csv")
    first = catalog.import_files("baci", [path])
    path.write_text(path.read_text().replace("2017,156,251,847130,1250.5", "2017,156,251,847130,1250.6"))
    second = catalog.import_files("baci", [path])
    assert not second.unchanged and second.inputs[0].sha256 != first.inputs[0].sha256
    assert second.value_total == pytest.approx(first.value_total + 0.0001)


def test_header_only_file_is_an_error(catalog, tmp_path):
    path = tmp_path / "tariff_database_2017.csv"
    path.write_text("hts8,mfn_ad_val_rate\n")
    with pytest.raises(DataError, match="no data rows"):
        catalog.import_files("usitc-tariffs", [path])
    assert catalog.datasets() == []


def test_a_version_being_read_is_not_deleted_by_a_reimport(catalog, baci_files):
    """A reader holds the shared readers' lock (another process's read, query or World build): a re-import
    commits, but the replaced version's files stay until no reader holds the lock."""
    first = catalog.import_files("baci", baci_files)
    with catalog.reading():
        files = catalog.get("baci-2017").tables["flows"].files
        second = catalog.import_files("baci", baci_files, force=True)
        assert catalog.get("baci-2017").folder == second.folder  # new readers see the new version at once
        assert all(f.is_file() for f in files)
        with duckdb.connect() as con:
            assert con.execute(f"SELECT count(*) FROM read_parquet({[str(f) for f in files]})").fetchone() == (32,)
        catalog.remove("baci-2017")
        assert catalog.datasets() == [] and second.folder.is_dir()  # removed, but its files are still there
    catalog.import_files("baci", baci_files, name="again")  # the next change cleans up
    assert not first.folder.exists() and not (catalog.datasets_dir / "baci-2017").exists()
