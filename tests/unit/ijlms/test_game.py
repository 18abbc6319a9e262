"""IjlmsGame: the batched residual and welfare equal plain complex steps; gradients equal finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import Shock, SolverOptions, simulate
from tariffsim.games import Instrument, Player, best_response, equilibrium_jacobian, game_system
from tariffsim.games.systems import IjlmsGame
from tariffsim.models.ijlms import IjlmsModel
from tariffsim.testing import random_world

STEP = 1e-30


@pytest.fixture(scope="module")
def game():
    world = random_world(np.random.default_rng(21), 6, 1, theta=(3.0, 5.0), tariff_max=0.1)
    built = game_system(world, IjlmsModel(us="C00"), solver=SolverOptions(tol=1e-12))
    assert isinstance(built, IjlmsGame)
    return built


def test_dispatch_by_name():
    world = random_world(np.random.default_rng(2), 4, 1)
    with pytest.raises(Exception, match=r"USA"):
        game_system(world, "ijlms")  # the default us="USA" is not in this World
    assert isinstance(game_system(world, IjlmsModel(nu=0.1)), IjlmsGame)


def test_batched_steps_equal_one_by_one(game):
    tariffs = np.array(game.world.tariffs) + 0.1
    tariffs[np.arange(6), np.arange(6), :] = 0.0
    z, _, _ = game.solve(tariffs)
    z = z + np.random.default_rng(3).normal(0, 0.01, z.size)  # off the equilibrium too
    steps = z[None, :] + 1j * STEP * np.eye(z.size)
    fast_g = game.residual(tariffs, steps)
    fast_w = game.welfare(tariffs, steps)
    system = game.system(tariffs)
    slow_g = np.stack([system.conditions(row) for row in steps])
    slow_w = np.stack([system.welfare(row) for row in steps])
    assert np.allclose(fast_g.real, slow_g.real, rtol=1e-13, atol=1e-14)
    assert np.allclose(fast_g.imag / STEP, slow_g.imag / STEP, rtol=1e-10, atol=1e-12)
    assert np.allclose(fast_w.imag / STEP, slow_w.imag / STEP, rtol=1e-10, atol=1e-12)
    # A batch of tariff directions is evaluated one profile at a time.
    directions = np.zeros((2, *tariffs.shape))
    directions[0, 1, 0, 0] = directions[1, 2, 0, 0] = 1.0
    batch = tariffs[None] + 1j * STEP * directions
    by_profile = game.residual(batch, z)
    assert by_profile.shape == (2, z.size)
    for k in range(2):
        alone = game.system(batch[k]).conditions(z)
        assert np.allclose(by_profile[k], alone, rtol=1e-13, atol=1e-300)


def test_gradient_equals_finite_differences(game):
    world = game.world
    player = Player(Instrument("C01", partners="mfn", sectors="uniform"))
    bound = player.instrument.bind(world)
    profile = np.array(world.tariffs)
    params = np.array([0.15])
    tariffs = bound.apply(params, profile)
    z, _, _ = game.solve(tariffs)
    directions = np.stack([bound.direction(0)])
    w, jac = equilibrium_jacobian(game.residual, game.welfare, tariffs, z, directions, batched=True)
    h = 1e-5
    up = simulate(world, Shock.from_arrays(world, tariffs=bound.apply(params + h, profile)), model=game.model)
    down = simulate(world, Shock.from_arrays(world, tariffs=bound.apply(params - h, profile)), model=game.model)
    numeric = (up.countries["welfare_pct"].to_numpy() - down.countries["welfare_pct"].to_numpy()) / (200 * h)
    assert np.allclose(jac[:, 0], numeric, rtol=1e-5, atol=1e-8)
    here = simulate(world, Shock.from_arrays(world, tariffs=tariffs), model=game.model)
    assert np.allclose(100 * (w - 1), here.countries["welfare_pct"], atol=1e-9)


def test_best_response_is_a_maximum(game):
    world = game.world
    player = Player(Instrument("C02", partners="mfn", sectors="uniform"))
    response = best_response(game, player, np.array(world.tariffs), kkt_tol=1e-7)
    rate = float(response.params[0])
    assert 0.0 < rate < 2.25
    bound = player.instrument.bind(world)

    def welfare(t: float) -> float:
        shock = Shock.from_arrays(world, tariffs=bound.apply([t], np.array(world.tariffs)))
        return float(simulate(world, shock, model=game.model).countries.set_index("country").loc["C02", "welfare_pct"])

    best = welfare(rate)
    assert best > welfare(rate - 0.02) and best > welfare(rate + 0.02)
