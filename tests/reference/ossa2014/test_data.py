"""Ossa's (2014) data as a World: labels, units and the facts the data README states (section 6)."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import DataError, Shock, SolverOptions, simulate
from tariffsim.data.ossa import PROHIBITIVE, read_ossa
from tariffsim.models import OssaModel
from tariffsim.models.ossa import solve_equilibrium

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def data():
    from tests.conftest import shared_file

    return read_ossa(shared_file("ossa_2014/trade_and_tariffs_7regions_33industries_2007.csv").parent)


def test_labels_units_and_the_readme_facts(data):
    world = data.world
    assert world.countries == ("Brazil", "China", "EU", "India", "Japan", "ROW", "US")
    assert world.shape == (7, 7, 33) and world.sectors[0] == "ric" and world.sectors[-1] == "omf"
    assert "xxx" not in world.sectors  # industries.csv's 34th aggregate has no trade data
    # README: "Japan rice 1.93 = 193%" (imposed by Japan on Brazil's rice); US expenditure ~5.7 million million
    japan, rice = world.country_index("Japan"), world.sector_index("ric")
    assert world.tariffs[world.country_index("Brazil"), japan, rice] == pytest.approx(1.929883)
    assert world.expenditure[world.country_index("US")] == pytest.approx(5.7e6, rel=0.01)
    # θ = σ − 1 with σ from Table 1 (sigma_by_industry.csv: rice 7.007203, wheat 10.06863)
    assert world.elasticity[:2] == pytest.approx([6.007203, 9.06863])
    # target tariffs: Japan's rice 6.9145, US wool 0.0988333 (target_tariff_by_industry_region.csv)
    assert data.targets[japan, rice] == pytest.approx(6.9145)
    assert data.targets[world.country_index("US"), world.sector_index("wol")] == pytest.approx(0.0988333)
    assert data.caps("Japan")["ric"] == pytest.approx(6.9445) and data.caps("US")["ric"] == PROHIBITIVE


def test_the_data_are_trade_balanced_and_the_factual_tariffs_reproduce_them(data):
    world = data.world
    assert np.max(np.abs(world.deficit) / world.output) < 1e-10  # Ossa's purged data (README)
    result = simulate(world, Shock.none(world), model=OssaModel())
    assert np.all(result.equilibrium.wage_hat == 1.0)
    # A full solve at the factual tariffs, no shortcut: every hat 1 to the data's own imbalance (2e-11).
    eq, _, z = solve_equilibrium(world, None, world.tariffs, numeraire=OssaModel().rule(world.countries),
                                 solver=SolverOptions(), deficit_target=np.zeros(7))
    np.testing.assert_allclose(z, 0.0, atol=1e-10)
    np.testing.assert_allclose(eq.flows, world.flows, rtol=1e-9, atol=1e-9)


def test_the_elasticity_sets_and_bad_input(tmp_path):
    from tests.conftest import shared_file

    folder = shared_file("ossa_2014/sigma_by_industry.csv").parent
    flat = read_ossa(folder, sigma="sigma_alt5")
    assert np.allclose(flat.world.elasticity, 3.421576 - 1.0)
    with pytest.raises(DataError, match="elasticity set"):
        read_ossa(folder, sigma="sigma_alt9")
    with pytest.raises(DataError, match="not found"):
        read_ossa(tmp_path)
