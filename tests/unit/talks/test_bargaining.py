"""Nash bargaining: closed forms, first-order conditions checked independently, two methods that agree.

Expected values: two symmetric countries bargain to symmetric tariffs on the efficient
frontier (Nash 1950: the symmetric solution of a symmetric problem is symmetric and Pareto
efficient); the first-order condition of the weighted Nash product, with derivatives by
central differences of ``simulate`` (not the games layer's exact gradients); the same
bargain found by the derivative-free method; welfare read from ``Result.countries``.
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ModelError, World, simulate
from tariffsim.games import Instrument, Objective, game_system
from tariffsim.games.bargaining import PurchaseLever, ThreatPoint, bilateral_instruments, nash_bargain, threat_point
from tariffsim.games.cooperative import JointProblem, constrained_optimum
from tariffsim.shock import Shock
from tariffsim.testing import random_world


def two(home: tuple[float, float] = (80.0, 80.0), trade: float = 20.0, theta: float = 4.0,
        tariff: float = 0.1) -> World:
    flows = np.array([[[home[0]], [trade]], [[trade], [home[1]]]])
    tariffs = np.array([[[0.0], [tariff]], [[tariff], [0.0]]])
    return World(countries=("A", "B"), sectors=("G",), flows=flows, tariffs=tariffs, elasticity=theta)


def test_symmetric_countries_bargain_to_symmetric_tariffs_on_the_frontier():
    world = two()
    # the status quo is an exactly symmetric threat (a Nash war is symmetric only to its iteration's tolerance)
    bargain = nash_bargain(world, ["A", "B"], threat="status-quo")
    assert bargain.agreement
    t_ab, t_ba = bargain.params
    assert t_ab == pytest.approx(t_ba, abs=1e-7)
    gains = bargain.gains.set_index("party")
    assert gains.loc["A", "bargain_pct"] == pytest.approx(gains.loc["B", "bargain_pct"], abs=1e-6)
    assert gains.loc["A", "gain_pp"] > 0
    # on the frontier: the most A can get while B keeps its bargain welfare is what A got
    problem = JointProblem(game_system(world), [i.bind(world) for i in bilateral_instruments(["A", "B"])],
                           ("A", "B"), [Objective.welfare()] * 2, np.array(world.tariffs))
    w_b = 1 + gains.loc["B", "bargain_pct"] / 100
    _, best = constrained_optimum(problem, 0, {1: w_b}, np.zeros(2))
    assert best[0] == pytest.approx(1 + gains.loc["A", "bargain_pct"] / 100, abs=1e-9)


def test_weighted_bargain_satisfies_its_first_order_condition_by_finite_differences():
    world = two(home=(80.0, 120.0))
    bargain = nash_bargain(world, ["A", "B"], threat="nash", weights=[3, 1])
    beta = np.array(bargain.weights)
    d = np.array([bargain.threat.values[p] for p in ("A", "B")])
    interior = [k for k, value in enumerate(bargain.params) if value > 1e-4]
    assert interior, "the stronger party keeps a tariff"

    def log_product(params: np.ndarray) -> float:
        tariffs = np.array([[[0.0], [params[1]]], [[params[0]], [0.0]]])  # [exporter, importer]
        welfare = simulate(world, Shock.from_arrays(world, tariffs=tariffs)).countries["welfare_pct"].to_numpy()
        return float(beta @ np.log(1 + welfare / 100 - d))

    for k in interior:
        step = np.zeros(2)
        step[k] = 1e-5
        slope = (log_product(bargain.params + step) - log_product(bargain.params - step)) / 2e-5
        assert abs(slope) < 1e-4
    gains = bargain.gains.set_index("party")
    assert gains.loc["A", "gain_pct"] > gains.loc["B", "gain_pct"]  # the larger weight gains more


def test_the_derivative_free_method_finds_the_same_bargain():
    world = two(home=(80.0, 120.0))
    exact = nash_bargain(world, ["A", "B"], threat="nash", weights=[3, 1])
    free = nash_bargain(world, ["A", "B"], threat="nash", weights=[3, 1], method="derivative-free")
    assert free.params == pytest.approx(exact.params, abs=2e-4)
    assert free.log_nash_product == pytest.approx(exact.log_nash_product, abs=1e-6)


def test_no_agreement_when_the_threat_is_better_than_anything_on_the_table():
    world = two()
    out = ThreatPoint("too good", {"A": 1.5, "B": 1.5})
    bargain = nash_bargain(world, ["A", "B"], threat=out)
    assert not bargain.agreement
    assert "no agreement" in bargain.message
    assert bargain.log_nash_product == -np.inf


def test_a_purchase_commitment_on_the_table():
    world = random_world(np.random.default_rng(2), 3, 1, theta=(4.0, 6.0))
    levers = [*bilateral_instruments(["C00", "C01"]), PurchaseLever("C01", "C00", upper=5.0)]
    bargain = nash_bargain(world, ["C00", "C01"], instruments=levers, threat="status-quo", max_evaluations=150)
    assert bargain.agreement
    gains = bargain.gains.set_index("party")
    assert (gains["gain_pp"] > 0).all()
    assert 0.0 <= bargain.params[-1] <= 5.0
    rows = bargain.instruments
    assert rows["unit"].iloc[-1].startswith("USD m")
    # the bargain's result is the model's answer to the agreed shock
    shock = Shock(world.countries, world.sectors, tariffs=bargain.profile, purchases=bargain.purchases)
    direct = simulate(world, shock).countries["welfare_pct"].to_numpy()
    assert bargain.result.countries["welfare_pct"].to_numpy() == pytest.approx(direct, abs=1e-9)


def test_threat_points_from_a_scenario_and_the_status_quo(tmp_path):
    world = random_world(np.random.default_rng(2), 3, 2)
    from tariffsim.data import write_world

    folder = write_world(world, tmp_path / "world")
    scenario = tmp_path / "threat.toml"
    scenario.write_text(f'[scenario]\nname = "threat"\nworld = "{folder.as_posix()}"\n\n[[action]]\n'
                        'imposer = "C00"\ntarget = ["C01"]\nsectors = "all"\nrate = "25%"\n')
    point = threat_point(world, ["C00", "C01"], scenario)
    tariffs = np.array(world.tariffs)
    tariffs[1, 0, :] += 0.25  # C00's tariffs on goods from C01 (exporter C01, importer C00)
    expected = simulate(world, Shock.from_arrays(world, tariffs=tariffs)).countries.set_index("country")[
        "welfare_pct"]
    assert point.pct("C00") == pytest.approx(expected["C00"], abs=1e-9)
    assert point.label == "threat"
    status = threat_point(world, ["C00", "C01"], "status-quo")
    assert status.values == {"C00": 1.0, "C01": 1.0}


def test_bad_requests_are_refused():
    world = two()
    with pytest.raises(ModelError, match="two or more different parties"):
        nash_bargain(world, ["A"])
    with pytest.raises(ModelError, match="positive"):
        nash_bargain(world, ["A", "B"], weights=[1, 0])
    with pytest.raises(ModelError, match="no exact gradient"):
        nash_bargain(world, ["A", "B"], instruments=[PurchaseLever("A", "B")], method="gradient")
    with pytest.raises(ModelError, match="Nash trade war needs a tariff instrument"):
        nash_bargain(world, ["A", "B"], instruments=[Instrument("A", partners="each")], threat="nash")
