"""Runs over draws: the same numbers on every executor, failures kept as data, statistics and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim.errors import ConvergenceError, ModelError, SolverDiagnostics
from tariffsim.report import load_run
from tariffsim.runs import run_scenario
from tariffsim.uncertainty import (
    QUANTILE_COLUMNS,
    ActionParameter,
    Choice,
    DaskExecutor,
    Elasticity,
    Grid,
    LogNormal,
    Normal,
    run_uncertain,
)

from .conftest import scenario_text

DRAWS = 20


@pytest.fixture(scope="module")
def cluster():
    """A Dask LocalCluster of two single-threaded worker processes, closed after the module."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as local, distributed.Client(local) as client:
        yield client


@pytest.fixture(scope="module")
def serial(small):
    return run_uncertain(small, draws=DRAWS, seed=11)


def numbers(run):
    return run.outcomes.select_dtypes("number").to_numpy()


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_every_executor_gives_the_same_numbers(executor, small, serial, cluster):
    runner = DaskExecutor(client=cluster) if executor == "dask" else "processes"
    other = run_uncertain(small, draws=DRAWS, seed=11, executor=runner, workers=2, batch_size=3)
    np.testing.assert_array_equal(numbers(other), numbers(serial))
    pd.testing.assert_frame_equal(other.quantiles, serial.quantiles)
    pd.testing.assert_frame_equal(other.draws.drop(columns="seconds"), serial.draws.drop(columns="seconds"))
    assert cluster.status == "running"  # an executor given a client leaves it open


def test_the_draws_vary_the_elasticities_by_the_default_law(serial):
    assert serial.seed == 11 and len(serial.draws) == DRAWS and serial.n_failed == 0
    theta = serial.draws[["theta:S0", "theta:S1"]].to_numpy()
    central = np.asarray(serial.central.world.elasticity)
    logs = np.log(theta / central)
    assert np.all(np.abs(logs.mean(axis=0)) < 4 * 0.48 / np.sqrt(DRAWS))  # median at the World's θ
    assert np.all(np.std(logs, axis=0, ddof=1) > 0.2)


def test_quantiles_are_the_statistics_of_the_draws(serial):
    q = serial.quantiles
    assert list(q.columns) == QUANTILE_COLUMNS
    welfare = serial.outcomes[(serial.outcomes["sector"] == "") & (serial.outcomes["country"] == "C00")][
        "welfare_pct"].to_numpy()
    row = q[(q["country"] == "C00") & (q["sector"] == "") & (q["column"] == "welfare_pct")].iloc[0]
    assert row["mean"] == pytest.approx(welfare.mean(), rel=1e-12)
    assert row["sd"] == pytest.approx(welfare.std(ddof=1), rel=1e-12)
    assert row["q05"] == pytest.approx(np.percentile(welfare, 5), rel=1e-12)
    assert row["q95"] == pytest.approx(np.percentile(welfare, 95), rel=1e-12)
    assert (row["draws_ok"], row["draws_failed"]) == (DRAWS, 0)
    # a sector row, and a bilateral balance: exports to C01 minus imports from it
    sectors = q[(q["sector"] == "S1") & (q["column"] == "exports_pct")]
    assert len(sectors) == 4
    balance = q[(q["country"] == "C00") & (q["column"] == "bilateral_balance_cf:C01")]
    mirror = q[(q["country"] == "C01") & (q["column"] == "bilateral_balance_cf:C00")]
    assert balance["mean"].iloc[0] == pytest.approx(-mirror["mean"].iloc[0], rel=1e-12)
    assert not (q["column"] == "bilateral_balance_cf:" + q["country"]).any()


def test_draws_at_the_central_values_reproduce_the_central_run(small):
    """A law without spread draws the World's θ each time: every draw is the central run, solved again."""
    run = run_uncertain(small, vary=Elasticity(LogNormal(sd_log=0.0)), draws=3, seed=1)
    central = run.central.last.result.countries.set_index("country")["welfare_pct"]
    q = run.quantiles
    rows = q[(q["sector"] == "") & (q["column"] == "welfare_pct")].set_index("country")
    for stat in ("q05", "q50", "q95", "mean"):
        np.testing.assert_allclose(rows[stat].reindex(central.index), central, rtol=1e-8, atol=1e-12)


def test_a_rate_sweep_matches_runs_of_the_scenario_at_each_rate(small):
    """Scenario parameters go through run_scenario: each grid point equals a run of the edited scenario."""
    run = run_uncertain(small, vary=ActionParameter("war", "rate", Choice([0.0, 0.5])), design=Grid())
    assert list(run.draws["war:rate"]) == [0.0, 0.5]
    for k, rate in enumerate((0.0, 0.5)):
        text = small.read_text().replace('rate = "25%"', f"rate = {rate}")
        edited = run_scenario(text, allow_paths=[small.parent])
        expected = edited.last.result.countries.set_index("country")["welfare_pct"]
        got = run.outcomes[(run.outcomes["draw"] == k) & (run.outcomes["sector"] == "")].set_index("country")
        np.testing.assert_allclose(got["welfare_pct"].reindex(expected.index), expected, rtol=1e-9, atol=1e-12)


def test_invalid_draws_are_recorded_not_dropped(small):
    """A normal law with a large sd draws negative elasticities: the World refuses them, the draw is kept."""
    run = run_uncertain(small, vary=Elasticity(Normal(sd=6.0), sectors=["S0"]), draws=30, seed=5)
    bad = run.draws["theta:S0"] <= 0
    assert bad.any() and (~bad).any()
    assert (run.draws.loc[bad, "status"] == "invalid").all()
    assert (run.draws.loc[~bad, "status"] == "ok").all()
    assert run.failures["message"].str.contains("elasticit").all()
    assert set(run.quantiles["draws_failed"]) == {int(bad.sum())}
    assert set(run.outcomes["draw"]) == set(run.draws.loc[~bad, "draw"])
    assert any("failures go with theta:S0" in line for line in run.summary())


def test_a_draw_that_does_not_converge_is_kept_with_its_diagnostics(small, monkeypatch):
    import tariffsim.models as models

    real = models.simulate

    def simulate(world, shock=None, **kwargs):
        if world.elasticity[1] > world.elasticity[0] * 1.2:  # a stand-in for a solver that stalls there
            raise ConvergenceError("stalled", SolverDiagnostics(False, 77, 3e-4, 0.01, "anderson"))
        return real(world, shock, **kwargs)

    monkeypatch.setattr(models, "simulate", simulate)
    run = run_uncertain(small, draws=25, seed=2)
    stalled = run.draws["status"] == "not converged"
    assert stalled.any() and (~stalled).any()
    assert (run.failures["iterations"] == 77).all() and (run.failures["residual"] == 3e-4).all()
    assert run.quantiles["draws_failed"].iloc[0] == stalled.sum()
    assert run.quantiles["draws_ok"].iloc[0] == (~stalled).sum()


def test_the_run_folder_holds_quantiles_draws_and_a_report_with_bands(small, tmp_path):
    run = run_uncertain(small, draws=4, seed=3)
    folder = tmp_path / "run"
    files = run.write(folder, report=True)
    names = {p.name for p in files}
    assert {"quantiles.csv", "draws.parquet", "report.html", "countries.csv"} <= names
    quantiles = pd.read_csv(folder / "quantiles.csv", keep_default_na=False)
    assert list(quantiles.columns) == QUANTILE_COLUMNS
    draws = pd.read_parquet(folder / "draws.parquet")
    assert set(draws["draw"]) == set(range(4)) and "theta:S0" in draws
    loaded = load_run(folder)
    assert len(loaded.table("quantiles")) == len(run.quantiles)
    assert loaded.record()["uncertainty"]["seed"] == 3
    page = (folder / "report.html").read_text()
    assert "Uncertainty over parameter draws" in page and "error_y" in page
    run.write(folder)  # the folder of an earlier run over draws is replaced whole
    assert not (folder / "report.html").exists()


def test_the_runs_store_notes_design_seed_and_draws(small, tmp_path):
    from tariffsim.report.runs import RunStore

    run = run_uncertain(small, draws=3, seed=9, design="lhs")
    info = run.record(tmp_path / "store")
    meta = RunStore(tmp_path / "store").query(f"SELECT design, seed, draws FROM runs.meta WHERE run_id = "
                                              f"'{info.run_id}'")
    assert meta.iloc[0].to_dict() == {"design": "lhs", "seed": "9", "draws": 3}
    assert len(RunStore(tmp_path / "store").load(info.run_id).table("quantiles")) == len(run.quantiles)


def test_a_scenario_declares_what_varies(small):
    declared = scenario_text(small, """
[uncertainty]
design = "lhs"
draws = 6
seed = 4

[[uncertainty.elasticity]]
sectors = ["S1"]
distribution = "uniform"
low = 0.5
high = 2.0
relative = true

[[uncertainty.action]]
label = "war"
key = "rate"
distribution = "uniform"
low = "10%"
high = "40%"
""")
    run = run_uncertain(declared)
    assert (run.design.name, len(run.draws), run.seed) == ("lhs", 6, 4)
    assert list(run.parameter_columns) == ["theta:S1", "war:rate"]
    assert run.draws["war:rate"].between(0.1, 0.4).all()
    theta = run.central.world.elasticity[1]
    assert run.draws["theta:S1"].between(0.5 * theta, 2.0 * theta).all()
    assert len(run_uncertain(declared, draws=2).draws) == 2  # draws= overrides the file's


def test_a_sweep_runs_every_combination(small):
    swept = scenario_text(small, """
[sweep]
[[sweep.elasticity]]
values = [2.5, 5.0]

[[sweep.action]]
label = "answer"
key = "effective"
values = [2018-09-01, 2019-06-01]
""")
    run = run_uncertain(swept)
    assert run.design.name == "grid" and len(run.draws) == 4
    assert set(run.draws["answer:effective"].dt.strftime("%Y-%m-%d")) == {"2018-09-01", "2019-06-01"}
    assert set(run.draws["theta:S0"]) == {2.5, 5.0}
    assert (run.draws["theta:S0"] == run.draws["theta:S1"]).all()  # a sweep moves the sectors together
    # the answer is in force on 2019-01-01 only when it starts in 2018: C00's tariffs differ between the two
    late = run.draws["answer:effective"] > pd.Timestamp("2019-01-01")
    revenue = run.outcomes[(run.outcomes["country"] == "C01") & (run.outcomes["sector"] == "")]
    by_draw = revenue.set_index("draw")["tariff_revenue_cf"]
    assert (by_draw[run.draws.loc[late, "draw"]].to_numpy() < by_draw[run.draws.loc[~late, "draw"]].to_numpy()).all()


def test_wrong_settings_fail_before_any_draw(small):
    with pytest.raises(ModelError, match="executor"):
        run_uncertain(small, executor="threads")
    with pytest.raises(ModelError, match="design"):
        run_uncertain(small, design="sobol")
    with pytest.raises(ModelError, match="seed"):
        run_uncertain(small, seed=-1)
