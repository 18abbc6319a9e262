"""`tariffsim run --draws`: quantiles, draws and a report with bands on the demo world; the runs store notes the
design and seed; a progress bar; wrong options are one line.

In-process through :func:`tariffsim.cli.main`.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from rich.console import Console

import tariffsim.cli.run as run_module
from tariffsim.cli import main
from tariffsim.report.runs import RunStore
from tariffsim.uncertainty import QUANTILE_COLUMNS


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """The done-when command with fewer draws (CI's time): the bundled trade war on the demo world."""
    root = tmp_path_factory.mktemp("draws")
    out, store = root / "run", root / "store"
    code = main(["run", "us-china-2018-2019", "--draws", "6", "--seed", "7", "--out", str(out), "--report",
                 "--data-dir", str(store)])
    assert code == 0
    return out, store


def test_the_run_folder_has_quantiles_for_every_date_and_the_draws(demo_run):
    out, _ = demo_run
    quantiles = pd.read_csv(out / "quantiles.csv", keep_default_na=False, dtype={"sector": str, "date": str})
    assert list(quantiles.columns) == QUANTILE_COLUMNS
    timeline = pd.read_csv(out / "timeline.csv", dtype=str)
    assert set(quantiles["date"]) == set(timeline["date"])  # every evaluation date of the scenario
    welfare = quantiles[(quantiles["column"] == "welfare_pct") & (quantiles["sector"] == "")]
    assert len(welfare) == timeline["date"].nunique() * timeline["country"].nunique()
    assert (welfare["q05"] <= welfare["q50"] + 1e-12).all() and (welfare["q50"] <= welfare["q95"] + 1e-12).all()
    assert set(quantiles["draws_ok"] + quantiles["draws_failed"]) == {6}
    draws = pd.read_parquet(out / "draws.parquet")
    assert draws["draw"].nunique() == 6 and any(c.startswith("theta:") for c in draws.columns)


def test_the_report_has_bands_and_a_fan_chart(demo_run):
    out, _ = demo_run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="uncertainty"' in page and "Uncertainty over parameter draws" in page
    assert 'data-chart="welfare_fan"' in page and "tonexty" in page  # the fan's band
    assert "Draws: median and 5th to 95th percentile" in page  # the whiskers' legend
    assert "bilateral_balance" in page


def test_the_runs_store_records_the_design_and_seed(demo_run):
    _, store = demo_run
    meta = RunStore(store).query("SELECT design, seed, draws, draws_failed FROM runs.meta")
    assert meta.iloc[0][["design", "seed", "draws"]].tolist() == ["mc", "7", 6]
    record = RunStore(store).load("latest").record()["uncertainty"]
    assert record["seed"] == 7 and record["draws"] == 6


def test_a_progress_bar_counts_the_draws(tmp_path, monkeypatch, capsys):
    buffer = io.StringIO()
    monkeypatch.setattr(run_module, "err_console", Console(file=buffer, force_terminal=True, width=120))
    scenario = tmp_path / "small.toml"
    scenario.write_text('[scenario]\nname = "small"\ndate = 2019-01-01\n\n[[action]]\nimposer = "USA"\n'
                        'target = ["CHN"]\nsectors = ["MAC"]\nrate = "25%"\n\n[uncertainty]\ndraws = 3\nseed = 1\n')
    assert main(["run", str(scenario), "--out", str(tmp_path / "out"), "--no-record"]) == 0
    assert "draws" in buffer.getvalue() and "3/3" in buffer.getvalue()  # the scenario's [uncertainty] alone
    assert "Monte Carlo, 3 draws; seed 1" in capsys.readouterr().out


@pytest.mark.parametrize(("option", "value", "words"), [("--design", "sobol", "design 'sobol'"),
                                                         ("--executor", "threads", "executor 'threads'"),
                                                         ("--draws", "0", "at least 1"),
                                                         ("--seed", "-3", "non-negative")])
def test_wrong_draw_options_are_one_line_before_anything_runs(option, value, words, tmp_path, capsys):
    code = main(["run", "us-china-2018-2019", "--draws", "2", option, value, "--out", str(tmp_path / "out"),
                 "--no-record"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and words in err[0]
    assert not (tmp_path / "out").exists()
