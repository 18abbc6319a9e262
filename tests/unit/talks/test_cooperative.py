"""Cooperative tariffs and the efficient frontier.

Expected values: closed forms of symmetric worlds (with identical countries the only
symmetric efficient tariffs are zero — free trade — so equal-gain cooperative tariffs are
zero and their gain is free trade's, which the test solves itself through ``simulate``);
the equal-gains identity; agreement of two independent methods on the frontier (weighted
sums and constrained optima); welfare read from ``Result.countries`` (the results code).
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ConvergenceError, ModelError, World, simulate
from tariffsim.games import Instrument, Objective, Player, game_system
from tariffsim.games.cooperative import JointProblem, constrained_optimum, cooperative_tariffs, efficient_frontier
from tariffsim.shock import Shock
from tariffsim.testing import random_world


def symmetric(n: int = 3, home: float = 80.0, trade: float = 10.0, theta: float = 4.0, tariff: float = 0.1) -> World:
    flows = np.full((n, n, 1), trade)
    tariffs = np.full((n, n, 1), tariff)
    for i in range(n):
        flows[i, i, 0] = home
        tariffs[i, i, 0] = 0.0
    return World(countries=tuple(f"C{i}" for i in range(n)), sectors=("G",), flows=flows, tariffs=tariffs,
                 elasticity=theta)


def test_symmetric_cooperative_tariffs_are_free_trade_with_free_trades_gain():
    world = symmetric()
    coop = cooperative_tariffs(world, ["C0", "C1", "C2"], partners="each")
    assert np.allclose(coop.params, 0.0, atol=1e-6)
    free = simulate(world, Shock.from_arrays(world, tariffs=0.0))
    expected = free.countries["welfare_pct"].to_numpy()
    assert coop.gains["gain_pct"].to_numpy() == pytest.approx(expected, abs=1e-7)
    assert coop.common_gain_pct == pytest.approx(expected[0], abs=1e-7)
    assert coop.constraint_residual < 1e-8
    # from another start, the same answer
    again = cooperative_tariffs(world, ["C0", "C1", "C2"], partners="each", start=np.array(world.tariffs) * 3)
    assert np.allclose(again.params, 0.0, atol=1e-6)


def test_gains_are_equal_in_an_asymmetric_world_and_agree_with_the_results_tables():
    world = random_world(np.random.default_rng(3), 3, 2, theta=(3.0, 6.0))
    coop = cooperative_tariffs(world, ["C00", "C01", "C02"], variant="restricted")
    gains = coop.gains["gain_pct"].to_numpy()
    assert np.ptp(gains) < 1e-6
    assert gains[0] > 0  # cutting tariffs together helps every government
    assert np.all(coop.tariffs["tariff"].to_numpy() <= 0.3 + 1e-12)
    # restricted: no tariff above its factual level (the MFN parameter reads the mean over partners)
    problem = JointProblem(game_system(world), [Instrument(c).bind(world) for c in world.countries],
                           world.countries, [Objective.welfare()] * 3, np.array(world.tariffs))
    assert np.all(coop.params <= problem.read(world.tariffs) + 1e-12)
    # the results code's welfare at the cooperative tariffs is the gain over the factual tariffs (the reference)
    assert coop.result.countries["welfare_pct"].to_numpy() == pytest.approx(gains, abs=1e-8)


def test_the_lagrangian_method_meets_the_equal_gains_conditions_and_agrees_with_slsqp():
    # two independent computations of the same optimum: SLSQP on the constrained problem (tight tolerance) and
    # the augmented Lagrangian over L-BFGS-B steps
    world = random_world(np.random.default_rng(3), 3, 2, theta=(3.0, 6.0))
    players = ["C00", "C01", "C02"]
    slsqp = cooperative_tariffs(world, players, partners="each", tol=1e-12)
    lagrangian = cooperative_tariffs(world, players, partners="each", method="lagrangian")
    assert lagrangian.diagnostics.method == "lagrangian"
    assert lagrangian.constraint_residual < 1e-10  # equal gains
    assert lagrangian.kkt_residual < 1e-7 and slsqp.kkt_residual < 1e-6  # first-order conditions
    assert lagrangian.common_gain_pct == pytest.approx(slsqp.common_gain_pct, abs=1e-7)
    np.testing.assert_allclose(lagrangian.params, slsqp.params, atol=1e-4)
    assert lagrangian.gains["gain_pct"].to_numpy() == pytest.approx(
        lagrangian.result.countries["welfare_pct"].to_numpy(), abs=1e-8)
    # a tolerance it cannot meet raises instead of returning a number
    with pytest.raises(ConvergenceError, match="not found"):
        cooperative_tariffs(world, players, partners="each", method="lagrangian", kkt_tol=1e-20)


def test_several_starts_keep_the_best_first_order_point():
    # a world whose MFN cooperative problem has two first-order points (found by solving from several starts):
    # from tariffs of 100 % the Lagrangian ends at a lower common gain than from free trade. Given both starts,
    # the answer is the better point, equal to the single-start run from free trade, and both are on record.
    world = random_world(np.random.default_rng(10), 3, 3, theta=(2.0, 8.0))
    players = list(world.countries)
    tariffs = np.array(world.tariffs)
    high, free_trade = np.where(tariffs > 0, 1.0, 0.0), np.zeros_like(tariffs)
    worse = cooperative_tariffs(world, players, method="lagrangian", start=high)
    better = cooperative_tariffs(world, players, method="lagrangian", start=free_trade)
    assert better.common_gain_pct > worse.common_gain_pct + 1e-3  # two distinct points
    both = cooperative_tariffs(world, players, method="lagrangian", start=[high, free_trade])
    assert both.common_gain_pct == pytest.approx(better.common_gain_pct, abs=1e-9)
    assert both.attempts is not None and list(both.attempts["start"]) == [1, 2]
    assert both.attempts["common_gain_pct"].to_numpy() == pytest.approx(
        [worse.common_gain_pct, better.common_gain_pct], abs=1e-9)
    assert both.attempts["converged"].all()
    # the same starts on two spawned processes: the same answer (each start's own computation)
    parallel = cooperative_tariffs(world, players, method="lagrangian", start=[high, free_trade], workers=2)
    assert parallel.attempts["common_gain_pct"].to_numpy() == pytest.approx(
        both.attempts["common_gain_pct"].to_numpy(), abs=1e-8)
    assert parallel.common_gain_pct == pytest.approx(better.common_gain_pct, abs=1e-8)
    assert parallel.diagnostics.iterations >= parallel.attempts["solves"].sum()
    with pytest.raises(ModelError, match="at least one start"):
        cooperative_tariffs(world, players, method="lagrangian", start=[])
    with pytest.raises(ModelError, match="workers"):
        cooperative_tariffs(world, players, method="lagrangian", start=[high], workers=0)


def test_a_point_worse_than_a_reference_the_instruments_allow_is_refused(monkeypatch):
    # symmetric countries: uniform 50 % tariffs everywhere give every government the same (negative) gain over
    # the factual 10 % (by symmetry), so they meet the equal-gains constraints; the factual tariffs, which the
    # instruments can set, give every government zero. Should a solver end there, it is a local point.
    import scipy.optimize

    from tariffsim.games import cooperative as module

    world = symmetric()

    def stuck(problem, m, reference, x0, bounds, **_):
        return scipy.optimize.OptimizeResult(x=np.full_like(x0, 0.5), success=True, message="converged", nit=1)

    monkeypatch.setattr(module, "_equal_gains", stuck)
    with pytest.raises(ConvergenceError, match="worse off than the factual tariffs"):
        cooperative_tariffs(world, ["C0", "C1", "C2"], partners="each", method="lagrangian")


def test_nash_reference_gains_exceed_factual_ones_in_a_symmetric_world():
    world = symmetric(tariff=0.0)
    coop = cooperative_tariffs(world, ["C0", "C1", "C2"], reference="nash", partners="each")
    assert coop.reference == "nash"
    # from free trade the war hurts everyone, and the talks bring them back to free trade
    assert np.allclose(coop.params, 0.0, atol=1e-6)
    assert coop.common_gain_pct > 0


def test_the_frontier_is_downward_sloping_and_two_methods_agree():
    world = random_world(np.random.default_rng(5), 3, 1, theta=(4.0, 4.0))
    weighted = efficient_frontier(world, ["C00", "C01"], points=5)
    a = weighted.points["objective_a"].to_numpy()
    b = weighted.points["objective_b"].to_numpy()
    assert np.all(np.diff(a) > 0) and np.all(np.diff(b) < 0)
    # a constrained optimum at each weighted point's B level gives the same A (an independent method)
    players = [Player(Instrument(c, partners="each", sectors="uniform", targets=(o,)))
               for c, o in (("C00", "C01"), ("C01", "C00"))]
    problem = JointProblem(game_system(world), [p.instrument.bind(world) for p in players], ("C00", "C01"),
                           [Objective.welfare()] * 2, np.array(world.tariffs))
    x0 = problem.read(world.tariffs)
    for point in (1, 2, 3):
        _, values = constrained_optimum(problem, 0, {1: float(b[point])}, x0)
        assert values[0] == pytest.approx(a[point], abs=1e-9)
    constrained = efficient_frontier(world, ["C00", "C01"], points=4, method="constrained")
    assert constrained.points["objective_a"].iloc[-1] == pytest.approx(a[-1], abs=1e-10)
    assert constrained.points["objective_b"].iloc[0] == pytest.approx(b[0], abs=1e-10)
    assert set(weighted.tariffs["point"]) == set(range(5))


def test_bad_requests_are_refused():
    world = symmetric()
    with pytest.raises(ModelError, match="not a player"):
        cooperative_tariffs(world, ["C0", "C1"], maximise="C2")
    with pytest.raises(ModelError, match="each country plays once"):
        cooperative_tariffs(world, ["C0", "C0"])
    with pytest.raises(ModelError, match="at least 2 points"):
        efficient_frontier(world, ["C0", "C1"], points=1)
    with pytest.raises(ModelError, match="cooperative variant"):
        cooperative_tariffs(world, ["C0", "C1"], variant="sideways")  # type: ignore[arg-type]
