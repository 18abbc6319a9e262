"""`tariffsim run --report`, `tariffsim report` and `tariffsim runs`, through a subprocess as a user runs them.

Every command runs with its own TARIFFSIM_DATA_DIR (the runs store lives there), never the user's.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tariffsim.cli import app
from tariffsim.scenario import bundled_scenario_path
from tests.cli._inprocess import run_cli

RUN_ID = re.compile(r"recorded run (\d{8}-\d{6}-[0-9a-f]{6})")


def tariffsim(*args: str, data_dir: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env={"TARIFFSIM_DATA_DIR": str(data_dir)})


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """threat-150bn-2018 (with --report) and threat-150bn-2018-retaliation, recorded in one data dir."""
    root = tmp_path_factory.mktemp("cli-report")
    data_dir = root / "data"
    first = tariffsim("run", "threat-150bn-2018", "--out", str(root / "a"), "--report", data_dir=data_dir)
    second = tariffsim("run", "threat-150bn-2018-retaliation", "--out", str(root / "b"), data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    ids = [RUN_ID.search(out.stdout).group(1) for out in (first, second)]
    return {"root": root, "data_dir": data_dir, "ids": ids, "outputs": (first.stdout, second.stdout)}


@pytest.mark.parametrize("command", [["report"], ["runs"], ["runs", "list"], ["runs", "show"], ["runs", "compare"],
                                     ["runs", "remove"]], ids=" ".join)
def test_every_command_has_help(command):
    out = CliRunner().invoke(app, [*command, "--help"])
    assert out.exit_code == 0, out.output
    assert "Usage" in out.output and len(out.output.strip().splitlines()) > 3


def test_run_with_report_writes_it_and_prints_its_path(two_runs):
    stdout = two_runs["outputs"][0]
    report = two_runs["root"] / "a" / "report.html"
    assert f"report: {report}" in stdout.replace("\n", "")
    page = report.read_text(encoding="utf-8")
    assert "tariffsim report: threat-150bn-2018" in page and two_runs["ids"][0] in page
    assert not (two_runs["root"] / "b" / "report.html").exists()  # only with --report


def test_every_run_is_recorded_in_the_data_dir(two_runs):
    runs = sorted((two_runs["data_dir"] / "runs").iterdir())
    assert [p.name for p in runs] == sorted(two_runs["ids"])
    for folder in runs:
        assert (folder / "run.json").is_file() and (folder / "countries.parquet").is_file()
    stored = pd.read_parquet(runs[0] / "countries.parquet")
    written = pd.read_csv(two_runs["root"] / ("a" if runs[0].name == two_runs["ids"][0] else "b") / "countries.csv")
    pd.testing.assert_series_equal(stored["welfare_pct"], written["welfare_pct"], rtol=1e-9, check_names=False)


def test_runs_list_shows_both_newest_first(two_runs):
    out = tariffsim("runs", "list", data_dir=two_runs["data_dir"])
    assert out.returncode == 0, out.stderr
    first, second = two_runs["ids"]
    assert second in out.stdout and first in out.stdout
    assert out.stdout.index(second) < out.stdout.index(first)
    assert "threat-150bn-2018-retaliation" in out.stdout


def test_runs_show_prints_settings_fingerprints_and_effects(two_runs, tmp_path):
    out = tariffsim("runs", "show", "latest", "--report", str(tmp_path / "show.html"), data_dir=two_runs["data_dir"])
    assert out.returncode == 0, out.stderr
    assert two_runs["ids"][1] in out.stdout
    assert "closure fixed_level" in out.stdout and "fingerprint world:" in out.stdout
    assert "welfare %" in out.stdout and "CHN" in out.stdout
    assert (tmp_path / "show.html").read_text(encoding="utf-8").count("Plotly.newPlot(") >= 6


def test_runs_compare_prints_side_by_side_and_writes_the_comparison(two_runs, tmp_path):
    target = tmp_path / "compare.html"
    out = tariffsim("runs", "compare", "threat-150bn-2018", "threat-150bn-2018-retaliation", "--out", str(target),
                    data_dir=two_runs["data_dir"])
    assert out.returncode == 0, out.stderr
    first, second = two_runs["ids"]
    assert f"A: {first} threat-150bn-2018 on 2018-07-01" in out.stdout
    assert f"B: {second} threat-150bn-2018-retaliation" in out.stdout
    assert "welfare B − A" in out.stdout
    assert f"comparison report: {target}" in out.stdout.replace("\n", "")
    page = target.read_text(encoding="utf-8")
    assert "tariffsim comparison: threat-150bn-2018 vs threat-150bn-2018-retaliation" in page
    # the printed difference is B − A of the two runs' own tables
    a = pd.read_csv(two_runs["root"] / "a" / "countries.csv").set_index("country")["welfare_pct"]
    b = pd.read_csv(two_runs["root"] / "b" / "countries.csv").set_index("country")["welfare_pct"]
    row = next(line for line in out.stdout.splitlines() if line.strip("│ ").startswith("CHN"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    assert float(cells[3]) == pytest.approx(b["CHN"] - a["CHN"], abs=5e-4)


def test_runs_compare_writes_under_out_by_default(two_runs, tmp_path):
    out = tariffsim("runs", "compare", "latest~1", "latest", data_dir=two_runs["data_dir"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    first, second = two_runs["ids"]
    assert (tmp_path / "out" / f"compare-{first}-vs-{second}.html").is_file()


def test_report_rereads_a_run_folder_and_exports_charts(two_runs, tmp_path):
    out = tariffsim("report", str(two_runs["root"] / "b"), "--out", str(tmp_path / "r.html"), "--png",
                    str(tmp_path / "png"), data_dir=two_runs["data_dir"])
    assert out.returncode == 0, out.stderr
    assert "threat-150bn-2018-retaliation" in (tmp_path / "r.html").read_text(encoding="utf-8")
    pngs = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert {"welfare.png", "bilateral_balance.png", "trade_flows.png", "sector_output.png", "tariffs.png",
            "coverage.png"} == set(pngs)
    assert "charts: 6 PNG files" in out.stdout


def test_report_of_a_run_over_dates_has_the_timeline(tmp_path):
    out = tariffsim("run", "us-china-2018-2019", "--out", str(tmp_path / "war"), "--no-record", "--date",
                    "2019-06-01", data_dir=tmp_path / "data")
    assert out.returncode == 0, out.stderr
    assert not (tmp_path / "data" / "runs").exists()  # --no-record
    scenario = tmp_path / "s.toml"
    parent = bundled_scenario_path("us-china-2018-2019").as_posix()
    scenario.write_text(f'[scenario]\nname = "two-dates"\ndates = [2018-07-06, 2019-06-01]\nextends = "{parent}"\n')
    out = tariffsim("run", str(scenario), "--out", str(tmp_path / "two"), "--report", "--data-dir",
                    str(tmp_path / "explicit"), data_dir=tmp_path / "data")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "explicit" / "runs").is_dir() and not (tmp_path / "data" / "runs").exists()
    page = (tmp_path / "two" / "report.html").read_text(encoding="utf-8")
    assert '<section id="timeline">' in page and "2 evaluation dates, 2018-07-06 to 2019-06-01" in page


def test_a_run_that_cannot_be_recorded_still_finishes(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    out = tariffsim("run", "sector-example", "--out", str(tmp_path / "o"), "--data-dir", str(blocker),
                    data_dir=tmp_path / "data")
    assert out.returncode == 0, out.stderr
    assert "run not recorded in the runs store" in out.stdout and "--no-record" in out.stdout
    assert (tmp_path / "o" / "countries.csv").is_file()


def test_errors_are_one_line_with_exit_code_2(tmp_path):
    out = tariffsim("report", str(tmp_path), data_dir=tmp_path / "data")
    assert out.returncode == 2
    assert "not a tariffsim run folder" in out.stderr and "Traceback" not in out.stderr
    out = tariffsim("runs", "show", "nope", data_dir=tmp_path / "data")
    assert out.returncode == 2 and "no run 'nope'" in out.stderr and "no run is recorded yet" in out.stderr
    out = tariffsim("runs", "list", data_dir=tmp_path / "data")
    assert out.returncode == 0 and "no runs recorded" in out.stdout
