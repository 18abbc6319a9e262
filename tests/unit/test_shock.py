"""Shock: validation and constructors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim import Shock, ShockError


def test_zero_shock_is_zero(small_world):
    assert Shock.none(small_world).is_zero(small_world)
    same = Shock.from_arrays(small_world, tariffs=small_world.tariffs, trade_cost_hat=1.0)
    assert same.is_zero(small_world)


def test_from_arrays_broadcasts_and_clears_the_diagonal(small_world):
    sh = Shock.from_arrays(small_world, tariffs=0.25)
    n = small_world.n_countries
    assert sh.tariffs is not None
    assert np.all(sh.tariffs[np.arange(n), np.arange(n), :] == 0.0)
    assert sh.tariffs[0, 1, 2] == 0.25


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"tariffs": -1.0}, "-100%"),
        ({"tariffs": np.nan}, "NaN"),
        ({"trade_cost_hat": 0.0}, "> 0"),
        ({"trade_cost_hat": np.inf}, "> 0"),
        ({"tariffs": np.ones((2, 2, 2))}, "cannot be broadcast"),
    ],
)
def test_invalid_shocks_are_rejected(small_world, kwargs, fragment):
    with pytest.raises(ShockError, match=fragment.replace("(", r"\(")):
        Shock.from_arrays(small_world, **kwargs)


def test_domestic_tariffs_in_a_shock_are_rejected(small_world):
    t = np.zeros(small_world.shape)
    t[2, 2, 0] = 0.1
    with pytest.raises(ShockError, match="domestic"):
        Shock(small_world.countries, small_world.sectors, tariffs=t)


def test_from_frames_sets_only_listed_cells(small_world):
    frame = pd.DataFrame({"exporter": ["C01"], "importer": ["C00"], "tariff": [0.5]})
    sh = Shock.from_frames(small_world, tariffs=frame)
    assert sh.tariffs is not None
    assert np.all(sh.tariffs[1, 0, :] == 0.5)
    untouched = np.ones(small_world.shape, dtype=bool)
    untouched[1, 0, :] = False
    np.testing.assert_array_equal(sh.tariffs[untouched], small_world.tariffs[untouched])
    with pytest.raises(ShockError, match="not in the World"):
        Shock.from_frames(small_world, tariffs=frame.assign(exporter="ZZZ"))
    with pytest.raises(ShockError, match="sectors not in the World"):
        Shock.from_frames(small_world, tariffs=frame.assign(sector="nope"))


def test_from_cost_variables_matches_the_formula(small_world):
    countries = small_world.countries
    pairs = pd.DataFrame([(a, b) for a in countries for b in countries], columns=["exporter", "importer"])
    pairs["rta"] = 0
    pairs["border"] = (pairs["exporter"] != pairs["importer"]).astype(int)
    cf = pairs.copy()
    cf.loc[(cf.exporter == "C00") & (cf.importer == "C01"), "rta"] = 1
    beta = {"rta": 0.5, "border": -2.0}
    sh = Shock.from_cost_variables(small_world, pairs, cf, beta)
    assert sh.trade_cost_hat is not None
    theta = small_world.elasticity
    # τ̂^(−θ) = exp(β Δx): a 0.5 log-point boost to trade
    np.testing.assert_allclose(sh.trade_cost_hat[0, 1, :] ** (-theta), np.exp(0.5), rtol=1e-12)
    assert np.sum(sh.trade_cost_hat != 1.0) == small_world.n_sectors


def test_shock_on_another_grid_is_rejected(small_world, one_sector_world):
    from tariffsim import simulate

    with pytest.raises(ShockError, match="different grid"):
        simulate(small_world, Shock.none(one_sector_world))
