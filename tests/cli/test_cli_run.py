"""`tariffsim run`: atomic run folders, overrides of the model settings, the Excel workbook, progress bars.

In-process through :func:`tariffsim.cli.main` (the subprocess path is covered by test_cli.py).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

import tariffsim.cli._console as console_module
import tariffsim.cli.run as run_module
import tariffsim.runs as runs_module
from tariffsim.cli import main
from tariffsim.data import write_world
from tariffsim.report.runs import RunStore
from tariffsim.testing import random_world
from tests.unit.test_runs import failing_second_solve

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(random_world(np.random.default_rng(5), 4, 2), tmp_path_factory.mktemp("w") / "world")


def scenario(folder: Path, world_dir: Path, name: str, dates: str, rate: str = "25%") -> Path:
    """A scenario file in ``folder`` with its World beside it (a scenario reads only inside its own folder,
    the bundled library and the catalog)."""
    shutil.copytree(world_dir, folder / "world", dirs_exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\nworld = "world"\ndates = {dates}\n\n'
                    f'[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = "all"\nrate = "{rate}"\n'
                    'effective = 2018-07-06\n\n[[action]]\nimposer = "C01"\ntarget = ["C00"]\nsectors = "all"\n'
                    'rate = "10%"\neffective = 2019-06-01\n')
    return path


def tariffsim(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_run_into_an_earlier_runs_folder_replaces_it_and_the_report_names_the_new_one(world_dir, tmp_path, capsys,
                                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    war = scenario(tmp_path, world_dir, "war", "[2018-07-06, 2019-06-01]")
    code, printed, _ = tariffsim(capsys, "run", war, "--out", "out", "--no-record")  # a relative folder
    assert code == 0 and "wrote 2 date folders" in printed and "and timeline.csv to out" in printed
    peace = scenario(tmp_path, world_dir, "peace", "[2019-06-01]", rate="5%")
    code, _, err = tariffsim(capsys, "run", peace, "--out", out, "--no-record")
    assert code == 0, err
    assert not (out / "timeline.csv").exists() and not (out / "2018-07-06").exists()
    code, _, err = tariffsim(capsys, "report", out)
    assert code == 0, err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "tariffsim report: peace" in page and "tariffsim report: war" not in page
    record = json.loads((out / "run.json").read_text())
    assert record["scenario"]["name"] == "peace"
    welfare = pd.read_csv(out / "countries.csv")["welfare_pct"]
    alone = tmp_path / "alone"
    assert tariffsim(capsys, "run", peace, "--out", alone, "--no-record")[0] == 0
    np.testing.assert_allclose(welfare, pd.read_csv(alone / "countries.csv")["welfare_pct"], rtol=1e-12)


def test_a_run_failing_on_a_later_date_leaves_nothing_behind(world_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runs_module, "simulate", failing_second_solve([]))
    data_dir = tmp_path / "data"
    path = scenario(tmp_path, world_dir, "war", "[2018-07-06, 2019-06-01]")
    code, _, err = tariffsim(capsys, "run", path, "--out", tmp_path / "out", "--data-dir", data_dir)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no equilibrium" in err
    assert not (tmp_path / "out").exists()
    assert RunStore(data_dir).runs() == []


def test_a_run_whose_folder_cannot_be_written_is_not_recorded(world_dir, tmp_path, capsys, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(runs_module.ScenarioRun, "_write_into", no_space)
    data_dir = tmp_path / "data"
    path = scenario(tmp_path, world_dir, "war", "[2019-06-01]")
    code, _, err = tariffsim(capsys, "run", path, "--out", tmp_path / "out", "--data-dir", data_dir)
    assert code == 2 and err.strip() == f"error: {tmp_path / 'out'}: cannot write (No space left on device)"
    assert RunStore(data_dir).runs() == [] and not (tmp_path / "out").exists()


def test_model_closure_and_numeraire_overrides(world_dir, tmp_path, capsys):
    path = scenario(tmp_path, world_dir, "war", "[2019-06-01]")
    code, out, err = tariffsim(capsys, "run", path, "--out", tmp_path / "out", "--no-record", "--model", "gravity",
                               "--closure", "balanced", "--numeraire", "wage:C03")
    assert code == 0, err
    assert "closure balanced, numeraire wage:C03" in out
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["model"]["closure"] == "balanced" and record["model"]["numeraire"] == "wage:C03"
    countries = pd.read_csv(tmp_path / "out" / "countries.csv").set_index("country")
    assert countries.loc["C03", "factory_price_pct"] == pytest.approx(0.0, abs=1e-8)  # the numeraire's wage
    code, out, err = tariffsim(capsys, "run", path, "--out", tmp_path / "x", "--closure", "floating")
    assert code == 2 and "closure 'floating' is not one of fixed_level, fixed_ratio, balanced" in err
    assert not (tmp_path / "x").exists()


def test_elasticities_and_sensitivity_options(tmp_path, capsys):
    """--elasticities overrides the scenario's key and is recorded; --sensitivity writes the eight sets' rows."""
    from tariffsim.data import load_world
    from tariffsim.data.sector_elasticities import ELASTICITY_SETS

    path = tmp_path / "war.toml"
    path.write_text('[scenario]\nname = "war"\nworld = "demo-2017"\nelasticities = "FGO"\n\n[[action]]\n'
                    'imposer = "USA"\ntarget = ["CHN"]\nsectors = "all"\nrate = "25%"\n')
    code, out, err = tariffsim(capsys, "run", path, "--out", tmp_path / "out", "--no-record", "--elasticities",
                               "bsy", "--sensitivity", "--report")
    assert code == 0, err
    assert "trade elasticities: set BSY" in out and "(chosen by the option)" in out
    assert "under each published elasticity set" in out
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert (record["elasticities"]["choice"], record["elasticities"]["given_by"]) == ("BSY", "option")
    assert record["elasticities"]["citation"] == load_world("demo-2017", elasticities="BSY").sources["elasticity"]
    table = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert list(table["set"].unique()) == list(ELASTICITY_SETS)
    report = (tmp_path / "out" / "report.html").read_text()
    assert "How much the headline rests on the trade elasticities" in report and "with set BSY" in report


def test_xlsx_holds_the_tables_of_every_date(world_dir, tmp_path, capsys):
    pytest.importorskip("openpyxl")
    path = scenario(tmp_path, world_dir, "war", "[2018-07-06, 2019-06-01]")
    book = tmp_path / "book" / "war.xlsx"
    code, out, err = tariffsim(capsys, "run", path, "--out", tmp_path / "out", "--no-record", "--xlsx", book)
    assert code == 0, err
    assert f"workbook: {book}" in out.replace("\n", "")
    sheets = pd.read_excel(book, sheet_name=None)
    assert {"countries", "bilateral", "sectors", "bilateral_sectors", "coverage", "tariffs", "timeline",
            "run"} <= set(sheets)
    for date in ("2018-07-06", "2019-06-01"):
        csv = pd.read_csv(tmp_path / "out" / date / "bilateral.csv")
        sheet = sheets["bilateral"][sheets["bilateral"]["date"] == date].drop(columns="date")
        pd.testing.assert_frame_equal(sheet.reset_index(drop=True), csv, check_dtype=False, rtol=1e-9)
    code, out, err = tariffsim(capsys, "run", path, "--out", tmp_path / "o2", "--xlsx", tmp_path / "war.csv")
    assert code == 2 and "ends in .xlsx" in err and not (tmp_path / "o2").exists()


def test_a_progress_bar_per_date_on_a_terminal(world_dir, tmp_path, capsys, monkeypatch):
    terminal = Console(file=io.StringIO(), force_terminal=True, width=100)
    monkeypatch.setattr(console_module, "err_console", terminal)
    monkeypatch.setattr(run_module, "err_console", terminal)
    path = scenario(tmp_path, world_dir, "war", "[2018-07-06, 2019-06-01]")
    code, _, err = tariffsim(capsys, "run", path, "--out", tmp_path / "out", "--no-record")
    assert code == 0, err
    drawn = terminal.file.getvalue()
    assert "compiling" in drawn and "solving" in drawn and "2/2" in drawn
    # not a terminal (as in this test's own stderr): no bar
    assert "solving" not in err


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_records_under_tariffsim_data_dir(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TARIFFSIM_DATA_DIR": str(tmp_path / "store")}
    dry = subprocess.run(["make", "-n", "demo"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    command = next(line for line in dry.stdout.splitlines() if "tariffsim run --demo" in line)
    assert "--sensitivity" in command and "--report" in command  # the eight elasticity sets, and the report
    assert f'--data-dir "{tmp_path / "store"}"' in command
    given = subprocess.run(["make", "-n", "demo", f"TARIFFSIM_DATA_DIR={tmp_path / 'other'}"], cwd=REPO,
                           env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60)
    assert f'--data-dir "{tmp_path / "other"}"' in given.stdout
