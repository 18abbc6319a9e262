"""run_scenario and ScenarioRun: inputs in every form, every date checked before any is solved, atomic folders."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tariffsim.runs as runs_module
from tariffsim import ConvergenceError, GravityModel, simulate
from tariffsim.data import write_world
from tariffsim.errors import DataError, ModelError, ScenarioError, SolverDiagnostics
from tariffsim.report.run import load_run
from tariffsim.runs import RunProgress, ScenarioRun, run_scenario
from tariffsim.scenario import compile_scenario, load_scenario, parse_scenario
from tariffsim.testing import random_world

ACTIONS = """
[[action]]
label = "first"
imposer = "C00"
target = ["C01"]
sectors = "all"
rate = "25%"
effective = 2018-07-06

[[action]]
label = "second"
imposer = "C01"
target = ["C00"]
sectors = "all"
rate = "10%"
effective = 2019-06-01
"""


ALLOW: tuple[Path, ...] = ()


@pytest.fixture(scope="module", autouse=True)
def _allow_temporary_folders(tmp_path_factory: pytest.TempPathFactory) -> None:
    global ALLOW
    ALLOW = (tmp_path_factory.getbasetemp(),)


def run_scenario_here(scenario: object, **kwargs: object) -> ScenarioRun:
    """run_scenario allowed to read the tests' temporary folders, where their World folders are
    (a scenario may only read its own folder, the bundled library and the catalog by default)."""
    return run_scenario(scenario, allow_paths=ALLOW, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = random_world(np.random.default_rng(3), 4, 2)
    return write_world(world, tmp_path_factory.mktemp("world") / "w")


def scenario_text(world_dir: Path, name: str = "two-steps", dates: str = "[2018-07-06, 2019-06-01]",
                  body: str = ACTIONS) -> str:
    return f'[scenario]\nname = "{name}"\nworld = "{world_dir.as_posix()}"\ndates = {dates}\n{body}'


@pytest.fixture(scope="module")
def two_dates(world_dir: Path) -> ScenarioRun:
    return run_scenario_here(scenario_text(world_dir))


# ---------------------------------------------------------------------- inputs


def test_a_path_toml_text_and_a_loaded_scenario_give_the_same_run(world_dir, two_dates, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(scenario_text(world_dir))
    for given in (path, str(path), load_scenario(path), parse_scenario(scenario_text(world_dir))):
        run = run_scenario_here(given)
        assert run.dates == (dt.date(2018, 7, 6), dt.date(2019, 6, 1))
        for mine, theirs in zip(run.results, two_dates.results, strict=True):
            np.testing.assert_allclose(mine.countries["welfare_pct"], theirs.countries["welfare_pct"], rtol=1e-12)


def test_a_bundled_scenario_by_name():
    run = run_scenario("threat-150bn-2018")
    assert run.name == "threat-150bn-2018" and run.world.name == "demo-2017"
    assert run.scenario.path is not None and run.scenario.path.name == "threat-150bn-2018.toml"


def test_dates_as_iso_text_or_date_objects(world_dir, two_dates):
    text = run_scenario_here(scenario_text(world_dir), dates=["2018-07-06", "2019-06-01"])
    objects = run_scenario_here(scenario_text(world_dir), dates=[dt.date(2018, 7, 6), dt.datetime(2019, 6, 1, 12)])
    one = run_scenario_here(scenario_text(world_dir), dates="2019-06-01")
    assert text.dates == objects.dates == two_dates.dates and one.dates == (dt.date(2019, 6, 1),)
    np.testing.assert_allclose(one.result().countries["welfare_pct"], two_dates.result().countries["welfare_pct"],
                               rtol=1e-9)
    with pytest.raises(ScenarioError, match="'2019-02-30' is not a date"):
        run_scenario_here(scenario_text(world_dir), dates=["2019-02-30"])
    with pytest.raises(ScenarioError, match="given twice"):
        run_scenario_here(scenario_text(world_dir), dates=["2019-06-01", "2019-06-01"])


def test_each_date_equals_a_separate_cold_solve(world_dir, two_dates):
    """Warm starts change the path to the equilibrium, not the equilibrium."""
    loaded = parse_scenario(scenario_text(world_dir))
    for entry in two_dates.dated:
        compiled = compile_scenario(loaded, two_dates.world, date=entry.date)
        cold = simulate(two_dates.world, compiled.shock, model=GravityModel())
        np.testing.assert_allclose(entry.result.countries["welfare_pct"], cold.countries["welfare_pct"], atol=1e-8)
    # on the first date only the first action is in force: C01's exports to C00 face 25 points more
    first = two_dates.result("2018-07-06").bilateral_sectors
    pair = first[(first.exporter == "C01") & (first.importer == "C00")]
    np.testing.assert_allclose(pair["tariff_cf_pct"], pair["tariff_base_pct"] + 25.0, rtol=1e-9)
    back = first[(first.exporter == "C00") & (first.importer == "C01")]
    np.testing.assert_allclose(back["tariff_cf_pct"], back["tariff_base_pct"], rtol=1e-12)


def test_overrides_of_model_closure_numeraire_and_elasticity(world_dir, two_dates):
    run = run_scenario_here(scenario_text(world_dir), closure="balanced", numeraire="wage:C02", dates="2019-06-01")
    assert run.model.settings()["closure"] == "balanced" and run.model.settings()["numeraire"] == "wage:C02"
    countries = run.result().countries.set_index("country")
    assert countries.loc["C02", "factory_price_pct"] == pytest.approx(0.0, abs=1e-9)  # the numeraire's wage
    theta = run_scenario_here(scenario_text(world_dir), elasticity=8.0, dates="2019-06-01")
    np.testing.assert_array_equal(theta.world.elasticity, [8.0, 8.0])
    assert not np.allclose(theta.result().countries["welfare_pct"], two_dates.result().countries["welfare_pct"])
    model = GravityModel(closure="fixed_ratio")
    assert run_scenario_here(scenario_text(world_dir), model=model).model is model
    with pytest.raises(ModelError, match="inside the model object"):
        run_scenario_here(scenario_text(world_dir), model=model, closure="balanced")
    with pytest.raises(ModelError, match="model 'ricardo' is not one of gravity, multisector"):
        run_scenario_here(scenario_text(world_dir), model="ricardo")
    with pytest.raises(ModelError, match="closure ''"):
        run_scenario_here(scenario_text(world_dir), closure="")  # empty text is not "the scenario's"
    with pytest.raises(DataError, match="world is empty text"):
        run_scenario_here(scenario_text(world_dir), world="")


def test_progress_reports_every_date_of_both_stages(world_dir):
    seen: list[RunProgress] = []
    run_scenario_here(scenario_text(world_dir), progress=seen.append)
    assert [(p.stage, p.done, p.total) for p in seen] == [
        ("compile", 0, 2), ("compile", 1, 2), ("compile", 2, 2), ("solve", 0, 2), ("solve", 1, 2), ("solve", 2, 2)]
    assert [p.date for p in seen[:2]] == [dt.date(2018, 7, 6), dt.date(2019, 6, 1)]


# ---------------------------------------------------------------------- every date checked first


def test_a_mistake_on_a_later_date_fails_before_anything_is_solved(world_dir, monkeypatch):
    # two cuts of 60 % on the same pair: the second, in force from the second date only, stacks them below -100 %
    body = ACTIONS.replace('rate = "25%"', 'rate = "-60%"').replace('rate = "10%"', 'rate = "-60%"').replace(
        'imposer = "C01"\ntarget = ["C00"]', 'imposer = "C00"\ntarget = ["C01"]')
    solved = []
    monkeypatch.setattr(runs_module, "simulate", lambda *a, **k: solved.append(1))
    seen: list[RunProgress] = []
    with pytest.raises(ScenarioError, match="-100%"):
        run_scenario_here(scenario_text(world_dir, body=body), progress=seen.append)
    assert solved == [] and {p.stage for p in seen} == {"compile"}
    # the first date alone is fine
    monkeypatch.undo()
    assert run_scenario_here(scenario_text(world_dir, body=body), dates="2018-07-06").dates == (dt.date(2018, 7, 6),)


def failing_second_solve(calls: list[int]):
    """:func:`simulate` that does not converge on its second call (the run's second date)."""

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ConvergenceError("no equilibrium", SolverDiagnostics(False, 100, 1.0, 0.1, "anderson"))
        return simulate(*args, **kwargs)

    return flaky


def test_a_later_date_that_does_not_converge_returns_nothing(world_dir, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(runs_module, "simulate", failing_second_solve(calls))
    with pytest.raises(ConvergenceError):
        run_scenario_here(scenario_text(world_dir))
    assert len(calls) == 2


# ---------------------------------------------------------------------- writing


def test_write_lays_out_a_run_folder_that_the_report_reads(two_dates, tmp_path):
    files = two_dates.write(tmp_path / "out", report=True)
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir()} == {"2018-07-06", "2019-06-01", "timeline.csv", "report.html"}
    assert all(p.is_file() and p.is_relative_to(out) for p in files)
    record = json.loads((out / "2019-06-01" / "run.json").read_text())
    assert record["scenario"]["name"] == "two-steps" and record["scenario"]["date"] == "2019-06-01"
    assert record["diagnostics"]["converged"] is True
    run = load_run(out)
    assert run.name == "two-steps" and run.dates == ("2018-07-06", "2019-06-01")
    timeline = pd.read_csv(out / "timeline.csv")
    assert list(timeline.columns) == runs_module.TIMELINE_COLUMNS and len(timeline) == 2 * 4
    written = pd.read_csv(out / "2019-06-01" / "countries.csv")
    np.testing.assert_allclose(written["welfare_pct"], two_dates.result().countries["welfare_pct"], rtol=1e-9)
    assert "two-steps" in (out / "report.html").read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_a_run_into_an_earlier_runs_folder_replaces_it_whole(two_dates, world_dir, tmp_path):
    out = tmp_path / "out"
    two_dates.write(out)
    other = run_scenario_here(scenario_text(world_dir, name="other", dates="[2019-06-01]"))
    other.write(out)
    assert {p.name for p in out.iterdir()} == {"countries.csv", "bilateral.csv", "sectors.csv",
                                               "bilateral_sectors.csv", "coverage.csv", "tariffs.csv", "run.json"}
    run = load_run(out)
    assert run.name == "other" and run.dates == ("2019-06-01",)
    # and back: the multi-date run replaces the single-date one, no stray top-level tables
    two_dates.write(out)
    assert not (out / "run.json").exists() and load_run(out).name == "two-steps"


def test_a_folder_holding_something_else_is_refused_untouched(two_dates, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    with pytest.raises(DataError, match=r"not part of a tariffsim run \(notes.txt\)"):
        two_dates.write(out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    with pytest.raises(DataError, match="is a file, not a folder"):
        two_dates.write(out / "notes.txt")
    with pytest.raises(DataError, match="empty text"):
        two_dates.write("")
    empty = tmp_path / "empty"
    empty.mkdir()
    two_dates.write(empty)  # an empty folder is fine
    assert (empty / "timeline.csv").is_file()


def test_a_write_that_fails_midway_leaves_the_earlier_run_as_it_was(two_dates, world_dir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    earlier = run_scenario_here(scenario_text(world_dir, name="earlier", dates="[2018-07-06]"))
    earlier.write(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = pd.DataFrame.to_csv
    written = []

    def full_disk(self, path=None, *args, **kwargs):
        written.append(path)
        if len(written) == 9:  # into the second date's folder
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(DataError, match="No space left on device") as caught:
        two_dates.write(out)
    assert str(written[-1]) in str(caught.value)  # names the file
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # the temporary folder is gone


def test_excel_workbook_holds_every_table(two_dates, world_dir, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = two_dates.to_excel(tmp_path / "run.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["countries", "bilateral", "bilateral_sectors", "sectors", "coverage", "tariffs",
                               "timeline", "run"]
    countries = pd.read_excel(path, sheet_name="countries")
    last = countries[countries["date"] == "2019-06-01"]
    np.testing.assert_allclose(last["welfare_pct"], two_dates.result().countries["welfare_pct"], rtol=1e-12)
    with pytest.raises(DataError, match=r"ends in \.xlsx"):
        two_dates.to_excel(tmp_path / "run.xls")
    # a label from a scenario file that looks like a formula stays text
    formula = run_scenario_here(scenario_text(world_dir, dates="[2019-06-01]", body=ACTIONS.replace(
        'label = "first"', 'label = "=HYPERLINK(\\"http://x\\")"')))
    sheet = openpyxl.load_workbook(formula.to_excel(tmp_path / "f.xlsx"))["coverage"]
    column = [c.value for c in sheet[1]].index("label") + 1
    labels = list(next(sheet.iter_cols(min_col=column, max_col=column, min_row=2)))
    assert '=HYPERLINK("http://x")' in [c.value for c in labels]
    assert all(c.data_type == "s" for c in labels)


def test_a_world_outside_the_allowed_folders_is_refused(world_dir):
    with pytest.raises(ScenarioError, match=r"scenario\.world"):
        run_scenario(scenario_text(world_dir))
    assert run_scenario(scenario_text(world_dir), allow_paths=[world_dir.parent], dates="2019-06-01").dates


def test_a_number_is_not_a_date(world_dir):
    with pytest.raises(ScenarioError, match="not a date"):
        run_scenario_here(scenario_text(world_dir), dates=20190601)


def test_record_in_the_runs_store(two_dates, tmp_path):
    from tariffsim.report.runs import RunStore

    info = two_dates.record(tmp_path / "data", source="somewhere")
    store = RunStore(tmp_path / "data")
    assert [r.run_id for r in store.runs()] == [info.run_id]
    stored = store.load(info.run_id)
    assert stored.name == "two-steps" and stored.dates == ("2018-07-06", "2019-06-01") and info.source == "somewhere"
    np.testing.assert_allclose(stored.table("countries")["welfare_pct"],
                               two_dates.result().countries["welfare_pct"], rtol=1e-12)


PROHIBITIVE = """
[scenario]
name = "usa-5000"
world = "demo-2017"
date = 2019-01-01

[[action]]
imposer = "USA"
target = "all"
sectors = "all"
rate = "5000%"
effective = 2018-01-01
source = "stress test"
"""


def test_a_closure_that_holds_deficits_fixed_is_named_when_it_drives_the_outcome():
    # A prohibitive US tariff raises the US wage against world output; deficits held in world-output units then
    # become a much larger share of other countries' spending. The rule, recomputed here from the table: every
    # country whose deficit moves by more than 10 % of its spending is named; none under the balanced closure.
    run = run_scenario(PROHIBITIVE)
    table = run.result().countries
    share = lambda balance, spending: -table[balance] / table[spending]  # noqa: E731
    shift = (share("trade_balance_cf", "expenditure_cf") - share("trade_balance_base", "expenditure_base")).abs()
    expected = list(table.loc[shift > runs_module.DEFICIT_SHIFT_WARNING, "country"])
    assert len(expected) >= 2
    [warning] = [w for w in run.warnings if "fixed_level closure" in w]
    named = [part.strip().split(" ")[0] for part in warning.split("spending: ")[1].split(")")[0].split(";")]
    assert named == expected[:6]
    assert not [w for w in run_scenario(PROHIBITIVE, closure="balanced").warnings if "closure" in w]
    assert not [w for w in run_scenario("us-china-2018-2019", dates="2019-09-01").warnings if "closure" in w]
