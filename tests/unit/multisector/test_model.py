"""The multisector model's settings, registration, errors and result tables."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import ModelError, Shock, WorldError, simulate
from tariffsim.models import MODELS
from tariffsim.models.multisector import MultisectorModel
from tariffsim.models.multisector.model import EXTRA_COLUMNS
from tariffsim.results import COLUMNS
from tariffsim.shock import Purchase
from tariffsim.testing import random_io_world


def test_settings_and_registration():
    model = MultisectorModel(closure="balanced", numeraire="wage:C01")
    assert model.settings() == {"name": "multisector", "closure": "balanced", "numeraire": "wage:C01"}
    assert MODELS["multisector"] is MultisectorModel
    with pytest.raises(ModelError, match="closure"):
        MultisectorModel(closure="floating")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="numeraire"):
        MultisectorModel(numeraire="gdp")


def test_the_model_is_found_by_name_and_checks_its_inputs(rng):
    world = random_io_world(rng, 4, 3)
    result = simulate(world, Shock.from_arrays(world, tariffs=0.1), model="multisector")
    assert result.model["name"] == "multisector"
    with pytest.raises(WorldError):
        simulate(world, Shock.none(world), model=MultisectorModel(numeraire="wage:XXX"))
    purchase = Purchase(importer="C00", exporter="C01", sectors=("S0",), value=1.0)
    with pytest.raises(ModelError, match="purchase"):
        simulate(world, Shock(world.countries, world.sectors, purchases=(purchase,)), model="multisector")


def test_results_carry_the_model_columns_and_they_are_documented(rng):
    world = random_io_world(rng, 5, 3)
    table = simulate(world, Shock.from_arrays(world, tariffs=0.2), model="multisector").countries
    for column in EXTRA_COLUMNS:
        assert column in table.columns and column in COLUMNS
    assert np.all(np.isfinite(table[list(EXTRA_COLUMNS)].to_numpy()))


def test_equilibrium_is_read_only(rng):
    world = random_io_world(rng, 4, 2)
    eq = simulate(world, Shock.from_arrays(world, tariffs=0.2), model="multisector").equilibrium
    assert eq.country_extras is not None and eq.income is not None and eq.value_added is not None
    with pytest.raises(ValueError):
        eq.income[0] = 1.0
    with pytest.raises(TypeError):
        eq.country_extras["real_wage_pct"] = np.zeros(4)  # type: ignore[index]


def test_the_reported_residual_measures_the_equilibrium_conditions(rng):
    """Gross output is the sum of flows by definition, so comparing the two proves nothing; the
    reported residual must test labour-market clearing and the spending equation instead."""
    from tariffsim.models._path import ShockPath
    from tariffsim.models.multisector.data import calibrate
    from tariffsim.models.multisector.equations import MultisectorSystem
    from tariffsim.options import Numeraire

    world = random_io_world(rng, 6, 4)
    shock = Shock.from_arrays(world, tariffs=world.tariffs + 0.3)
    result = simulate(world, shock, model="multisector")
    residual = result.equilibrium.market_clearing_residual()
    assert 0.0 < residual < 1e-10  # measured, not zero by construction
    assert result.run_record()["market_clearing_residual"] == residual

    cal = calibrate(world)
    path = ShockPath.from_world_layout(cal.tariffs, cal.deficit, None, shock.new_tariffs(world))
    tau, tariffs, target, _ = path.at(1.0)
    system = MultisectorSystem(cal, tau, tariffs, "fixed_level", Numeraire().rule(world.countries), target)
    x = np.log(result.equilibrium.wage_hat)
    flows = np.transpose(np.asarray(result.equilibrium.flows), (2, 0, 1))
    assert system.conditions_residual(x, flows) < 1e-10
    # Wages 1 % off for one country: the same flows no longer clear its labour market.
    off = x.copy()
    off[2] += 0.01
    assert system.conditions_residual(off, flows) > 5e-3
    # Flows 1 % off in one cell: the spending equation of that importer fails.
    bent = flows.copy()
    bent[1, 0, 3] *= 1.01
    assert system.conditions_residual(x, bent) > 1e-5
