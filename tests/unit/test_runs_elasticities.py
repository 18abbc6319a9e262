"""Trade elasticities as a choice: the scenario's ``elasticities`` key, ``run_scenario(elasticity=...)``, what
run.json records, and the sensitivity over the eight published sets.

Independent checks: the θ a run uses are those :func:`tariffsim.data.load_world` gives for the set (the
bundled World's own mapping of the sets to its sectors), and each sensitivity row is a plain
:func:`tariffsim.simulate` of the scenario's shock on that World.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tariffsim import simulate
from tariffsim.data import load_world, write_world
from tariffsim.data.sector_elasticities import ELASTICITY_SETS
from tariffsim.errors import DataError, ScenarioError
from tariffsim.report.run import load_run
from tariffsim.report.views import assumption_bullets, sensitivity_sentence
from tariffsim.runs import SENSITIVITY_COLUMNS, ScenarioRun, run_scenario
from tariffsim.scenario import compile_scenario, parse_scenario, to_toml
from tariffsim.testing import random_world

ACTIONS = """
[[action]]
label = "US on China"
imposer = "USA"
target = ["CHN"]
sectors = "all"
rate = "25%"

[[action]]
label = "China on the US"
imposer = "CHN"
target = ["USA"]
sectors = "all"
rate = "10%"
"""


def scenario(extra: str = "", world: str = "demo-2017") -> str:
    return f'[scenario]\nname = "choice"\nworld = "{world}"\n{extra}\n{ACTIONS}'


@pytest.fixture(scope="module")
def sensitive() -> ScenarioRun:
    """The scenario on demo-2017 with the World's own elasticities (CP), solved again under every set."""
    return run_scenario(scenario(), sensitivity=True)


# ---------------------------------------------------------------------- the key


@pytest.mark.parametrize(("given", "read"), [('"bsy"', "BSY"), ('"SHAP"', "Shap"), ("4", 4.0), ('"2.5"', 2.5)])
def test_the_key_round_trips_through_toml(given, read):
    spec = parse_scenario(scenario(f"elasticities = {given}")).spec
    assert spec.scenario.elasticities == read
    assert parse_scenario(to_toml(spec)).spec == spec


@pytest.mark.parametrize("given", ['"XX"', "0", "-4", "true", '"inf"', "[4, 5]"])
def test_a_wrong_choice_is_a_one_line_error_at_the_key(given):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario(f"elasticities = {given}"))
    message = str(caught.value)
    assert "\n" not in message and "scenario.elasticities" in message
    if given == '"XX"':
        assert "'XX'" in message and all(code in message for code in ELASTICITY_SETS)


def test_an_unknown_set_given_to_run_scenario_is_a_one_line_error():
    with pytest.raises(DataError, match="unknown elasticity set 'XX'; use one of CP, BSY") as caught:
        run_scenario(scenario(), elasticity="XX")
    assert "\n" not in str(caught.value)


# ---------------------------------------------------------------------- who chooses, and what run.json says


def test_the_key_chooses_the_set_and_an_option_overrides_it(tmp_path):
    by_key = run_scenario(scenario('elasticities = "BSY"'))
    bsy = load_world("demo-2017", elasticities="BSY")
    np.testing.assert_array_equal(by_key.world.elasticity, bsy.elasticity)
    assert not np.array_equal(bsy.elasticity, load_world("demo-2017").elasticity)  # the choice makes a difference
    by_key.write(tmp_path / "run")
    record = json.loads((tmp_path / "run" / "run.json").read_text())["elasticities"]
    traded = np.asarray(bsy.elasticity)[np.asarray(bsy.traded)]
    assert record["choice"] == "BSY" and record["given_by"] == "scenario"
    assert record["citation"] == bsy.sources["elasticity"] and "BSY" in record["citation"]
    assert (record["theta_min"], record["theta_max"]) == pytest.approx((traded.min(), traded.max()), rel=1e-12)
    assert record["theta_median"] == pytest.approx(float(np.median(traded)), rel=1e-12)
    bullets = " ".join(assumption_bullets(load_run(tmp_path / "run")))
    assert "chosen by the scenario's elasticities key" in bullets and bsy.sources["elasticity"].rstrip(".") in bullets

    by_option = run_scenario(scenario('elasticities = "BSY"'), elasticity="ll")
    np.testing.assert_array_equal(by_option.world.elasticity, load_world("demo-2017", elasticities="LL").elasticity)
    assert (by_option.elasticities["choice"], by_option.elasticities["given_by"]) == ("LL", "option")
    number = run_scenario(scenario('elasticities = "BSY"'), elasticity=4)
    assert np.all(np.asarray(number.world.elasticity) == 4.0) and number.elasticities["choice"] == 4.0
    # a World object keeps its own θ: the key applies to the World the scenario names
    given = run_scenario(scenario('elasticities = "BSY"'), world=load_world("demo-2017", elasticities="FGO"))
    assert given.elasticities["given_by"] == "world" and given.elasticities["choice"] is None
    assert "FGO" in given.elasticities["citation"]


def test_a_set_code_needs_a_world_the_sets_are_mapped_to(tmp_path):
    folder = write_world(random_world(np.random.default_rng(2), 3, 2), tmp_path / "world")
    text = scenario('elasticities = "CP"', world=folder.as_posix()).replace('"USA"', '"C00"').replace('"CHN"', '"C01"')
    with pytest.raises(ScenarioError, match=r"key 'scenario.elasticities'.*give one number") as caught:
        run_scenario(text, allow_paths=[tmp_path])
    assert "\n" not in str(caught.value)
    plain = text.replace('elasticities = "CP"', "")
    with pytest.raises(DataError, match="eight published sets"):
        run_scenario(plain, allow_paths=[tmp_path], sensitivity=True)
    run = run_scenario(plain, allow_paths=[tmp_path], elasticity=3.5)
    assert np.all(np.asarray(run.world.elasticity) == 3.5)


# ---------------------------------------------------------------------- the sensitivity


def test_each_sensitivity_row_is_a_plain_solve_under_that_set(sensitive):
    table = sensitive.sensitivity
    assert table is not None and list(table.columns) == SENSITIVITY_COLUMNS
    countries = list(load_world("demo-2017").countries)
    assert list(table["set"].unique()) == list(ELASTICITY_SETS)
    assert all(list(group["country"]) == countries for _, group in table.groupby("set", sort=False))
    loaded = parse_scenario(scenario())
    for code in ("CP", "BSY", "Shap"):
        world = load_world("demo-2017", elasticities=code)
        plain = simulate(world, compile_scenario(loaded, world).shock, model=sensitive.model).countries
        rows = table[table["set"] == code]
        for column in SENSITIVITY_COLUMNS[2:]:
            np.testing.assert_allclose(rows[column].to_numpy(), plain[column].to_numpy(), atol=1e-9, err_msg=code)
    # the run's own set (CP, the World's) is the run's own result
    own = table[table["set"] == "CP"]
    np.testing.assert_allclose(own["welfare_pct"].to_numpy(), sensitive.result().countries["welfare_pct"], atol=1e-9)
    assert table.groupby("set")["real_income_pct"].apply(tuple).nunique() == len(ELASTICITY_SETS)


def test_the_sensitivity_is_written_recorded_and_told_in_one_sentence(sensitive, tmp_path):
    sensitive.write(tmp_path / "run")
    written = pd.read_csv(tmp_path / "run" / "sensitivity.csv")
    np.testing.assert_allclose(written["real_income_pct"], sensitive.sensitivity["real_income_pct"], rtol=1e-9)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["sensitivity"]["columns"] == SENSITIVITY_COLUMNS
    assert len(record["sensitivity"]["rows"]) == len(written)
    sentence = sensitivity_sentence(load_run(tmp_path / "run"))
    assert sentence.count(".") >= 1 and "\n" not in sentence
    for country in ("USA", "CHN"):
        rows = written[written["country"] == country].set_index("set")["real_income_pct"]
        low, high = rows.idxmin(), rows.idxmax()
        assert (f"{country}'s real income changes by between" in sentence
                and f"(set {low}) and" in sentence and f"(set {high})" in sentence), (country, low, high, sentence)
    assert "with set CP, the World's own" in sentence


def test_parameter_draws_centre_on_the_chosen_set():
    from tariffsim.uncertainty import run_uncertain

    run = run_uncertain(scenario(), draws=2, seed=1, elasticity="BSY")
    np.testing.assert_array_equal(run.central.world.elasticity, load_world("demo-2017", elasticities="BSY").elasticity)
    assert (run.central.elasticities["choice"], run.central.elasticities["given_by"]) == ("BSY", "option")
    assert len(run.draws) == 2
