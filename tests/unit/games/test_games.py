"""The games layer: closed forms, exact gradients, objectives that agree with results, Nash properties.

Expected values: the two-country optimal tariff ``t* = 1/(θ λ_FF)`` (Costinot &
Rodríguez-Clare 2014, eq. 27, λ_FF the partner's domestic expenditure share at the
optimum); finite differences of the objective (an independent computation of the
gradient the games layer takes by the implicit-function theorem); welfare read from
``Result.countries`` (computed by the results code, not the games layer); symmetry.
"""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ModelError, World
from tariffsim.games import (
    Instrument,
    Objective,
    Player,
    WarError,
    best_response,
    game_system,
    nash_tariffs,
    optimal_tariffs,
)
from tariffsim.games.optimal import _Problem
from tariffsim.models import GravityModel, MultisectorModel
from tariffsim.testing import random_io_world, random_world


def _two(home: float = 80.0, foreign: float = 180.0, trade: float = 20.0, theta: float = 4.0) -> World:
    flows = np.array([[[home], [trade]], [[trade], [foreign]]])
    return World(countries=("HOM", "FOR"), sectors=("G",), flows=flows, tariffs=np.zeros((2, 2, 1)),
                 elasticity=theta)


@pytest.mark.parametrize("theta", [2.0, 4.0, 8.0])
def test_two_country_optimal_tariff_is_one_over_theta_lambda_ff(theta):
    world = _two(theta=theta)
    opt = optimal_tariffs(world, "HOM", kkt_tol=1e-9)
    eq = opt.result.equilibrium
    lam_ff = eq.flows[1, 1, 0] / (eq.flows[:, 1, 0] * (1.0 + eq.tariffs[:, 1, 0])).sum()
    assert opt.params[0] == pytest.approx(1.0 / (theta * lam_ff), rel=1e-6)
    assert opt.kkt_residual < 1e-6
    assert opt.gain_pct > 0


def _gradient_check(game, player, point_shift):
    bound = player.instrument.bind(game.world)
    weights = player.objective.weight_array(game.world) if player.objective.kind == "political" else None
    problem = _Problem(game, player, bound, np.array(game.world.tariffs), weights)
    p = bound.read(game.world.tariffs) + point_shift
    _, grad = problem.value_and_gradient(p)

    def value(q):
        tariffs, z = problem.solve(q)
        return float(np.asarray(problem.values(tariffs, z)).real[problem.index])

    # Central differences, extrapolated (Richardson) to remove the h² term.
    fd = np.empty_like(grad)
    for k in range(p.size):
        def diff(h, k=k):
            e = np.zeros_like(p)
            e[k] = h
            return (value(p + e) - value(p - e)) / (2 * h)
        fd[k] = (4 * diff(1e-4) - diff(2e-4)) / 3
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("closure", ["fixed_level", "fixed_ratio", "balanced"])
@pytest.mark.parametrize("kind", ["welfare", "political"])
def test_gravity_gradients_match_finite_differences(closure, kind):
    rng = np.random.default_rng(4)
    world = random_world(rng, 5, 3, theta=(2.0, 8.0))
    objective = Objective.welfare() if kind == "welfare" else Objective.political(rng.uniform(0.5, 1.5, (5, 3)))
    game = game_system(world, GravityModel(closure=closure, numeraire="price_index:C03"))
    _gradient_check(game, Player(Instrument("C02", partners="each"), objective), 0.1)


@pytest.mark.parametrize("kind", ["welfare", "political"])
def test_multisector_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(5)
    world = random_io_world(rng, 4, 3, non_traded=1)
    objective = Objective.welfare() if kind == "welfare" else Objective.political(rng.uniform(0.5, 1.5, (4, 3)))
    game = game_system(world, MultisectorModel(closure="fixed_level", numeraire="wage:C01"))
    _gradient_check(game, Player(Instrument("C02"), objective), 0.15)


@pytest.mark.parametrize("family", ["gravity", "multisector"])
def test_the_optimum_agrees_with_the_results_tables(family):
    """The games layer's own welfare equals welfare_pct of the Result (computed by results.py)."""
    rng = np.random.default_rng(6)
    world = random_world(rng, 4, 2, theta=(3.0, 6.0)) if family == "gravity" else random_io_world(rng, 3, 2)
    opt = optimal_tariffs(world, "C01", model=family)
    table = opt.result.countries.set_index("country")
    assert opt.objective == pytest.approx(1.0 + table.loc["C01", "welfare_pct"] / 100.0, rel=1e-9)
    assert opt.kkt_residual < 1e-6


def test_symmetric_countries_have_symmetric_nash_tariffs_and_best_responses_are_fixed_there():
    world = _two(home=150.0, foreign=150.0, trade=30.0)
    nash = nash_tariffs(world, [Player(Instrument("HOM")), Player(Instrument("FOR"))])
    rates = nash.tariffs.set_index("importer")["tariff"]
    assert rates["HOM"] == pytest.approx(rates["FOR"], rel=1e-8)
    again = best_response(world, Player(Instrument("HOM")), nash.profile)
    assert again.params[0] == pytest.approx(rates["HOM"], abs=1e-6)
    # A trade war between symmetric countries makes both worse off than free trade.
    assert (nash.objectives["change_pct"] < 0).all()
    assert nash.diagnostics.converged


def test_sequential_and_simultaneous_updates_reach_the_same_war():
    world = random_world(np.random.default_rng(8), 3, 2, theta=(3.0, 6.0))
    players = [Player(Instrument("C00", sectors="uniform")), Player(Instrument("C02", sectors="uniform"))]
    a = nash_tariffs(world, players)
    b = nash_tariffs(world, players, update="sequential")
    np.testing.assert_allclose(a.tariffs["tariff"], b.tariffs["tariff"], atol=1e-5)


def test_an_unsettled_war_raises_with_its_history():
    world = _two(home=150.0, foreign=150.0, trade=30.0)
    with pytest.raises(WarError) as info:
        nash_tariffs(world, [Player(Instrument("HOM")), Player(Instrument("FOR"))], max_rounds=1)
    assert len(info.value.history) == 2


def test_bad_instruments_and_objectives_are_refused():
    world = _two()
    with pytest.raises(ModelError, match="subsid"):
        Instrument("HOM", lower=-0.1)
    with pytest.raises(ModelError, match="upper"):
        Instrument("HOM", upper=float("inf"))
    with pytest.raises(Exception, match="XXX"):
        optimal_tariffs(world, "XXX")
    with pytest.raises(ModelError, match="shape"):
        optimal_tariffs(world, Player(Instrument("HOM"), Objective.political(np.ones((3, 3)))))
    with pytest.raises(ModelError, match="plays once"):
        nash_tariffs(world, [Player(Instrument("HOM")), Player(Instrument("HOM"))])


def test_subsidies_when_allowed_and_a_custom_objective():
    world = _two()
    free = optimal_tariffs(world, Instrument("HOM", lower=-0.5, subsidies=True))
    assert free.params[0] > 0  # a large country taxes imports even when it may subsidise them
    custom = optimal_tariffs(world, Player(Instrument("HOM"), Objective.custom(
        lambda r: float(r.countries.set_index("country").loc["HOM", "welfare_pct"]))))
    assert custom.params[0] == pytest.approx(free.params[0], abs=1e-4)
