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
