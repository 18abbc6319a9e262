"""The bundled scenarios do what their headers say (issue 11, item 8)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tariffsim.data import load_world
from tariffsim.scenario import bundled_scenario_path, bundled_scenarios, compile_scenario, load_scenario


@pytest.fixture(scope="module")
def war():
    loaded = load_scenario("us-china-2018-2019")
    world = load_world(loaded.spec.scenario.world)

    def rise(date: dt.date) -> np.ndarray:
        tariffs = compile_scenario(loaded, world, date=date).shock.tariffs
        assert tariffs is not None
        return tariffs - world.tariffs

    return world, rise


# Partners paying Section 232 (steel, aluminium or both) on each date, from the proclamations:
# 9704/9705 (8 March 2018: everyone but Canada and Mexico, from 23 March); 9710/9711 (22 March:
# the EU, Korea, Argentina, Australia, Brazil exempted until 1 May); 9739/9740 (30 April: Korea's
# steel exempted for good (quota), its aluminium not; EU, Canada, Mexico until 1 June); 9893/9894
# (19 May 2019: Canada and Mexico exempted from 20 May 2019). ROW (Argentina, Australia and Brazil
# exempt, the rest not) pays from the start.
SECTION_232 = {
    dt.date(2018, 3, 22): set(),
    dt.date(2018, 3, 23): {"CHN", "JPN", "IND", "ROW"},
    dt.date(2018, 5, 1): {"CHN", "JPN", "IND", "ROW", "KOR"},
    dt.date(2018, 6, 1): {"CHN", "JPN", "IND", "ROW", "KOR", "EU", "CAN", "MEX"},
    dt.date(2019, 5, 20): {"CHN", "JPN", "IND", "ROW", "KOR", "EU"},
}


@pytest.mark.parametrize("date", list(SECTION_232))
def test_section_232_reaches_every_partner_not_exempted_on_the_date(war, date):
    world, rise = war
    usa, met = world.country_index("USA"), world.sector_index("MET")
    d = rise(date)
    taxed = {c for c in world.countries if c != "USA" and d[world.country_index(c), usa, met] > 0}
    assert taxed == SECTION_232[date]


def test_canada_pays_steel_and_aluminium_on_its_estimated_coverage(war):
    # 25 % on $5.20 bn of steel and 10 % on $8.29 bn of aluminium (the file's estimates) over
    # Canada's MET exports to the US in the World.
    world, rise = war
    can, usa, met = world.country_index("CAN"), world.country_index("USA"), world.sector_index("MET")
    expected = (0.25 * 5200 + 0.10 * 8290) / world.flows[can, usa, met]
    assert rise(dt.date(2018, 6, 1))[can, usa, met] == pytest.approx(expected)


def test_china_halves_its_september_2019_tariffs_on_14_february_2020(war):
    """Customs Tariff Commission, announcement [2020] No. 1: the tariffs of 1 September 2019
    (10 % and 5 %) are halved (to 5 % and 2.5 %) from 14 February 2020."""
    world, rise = war
    chn, usa = world.country_index("CHN"), world.country_index("USA")
    flows = world.flows[usa, chn, :]

    def average(date: dt.date) -> float:
        return float((rise(date)[usa, chn, :] * flows).sum() / flows.sum())

    before, wave, halved = average(dt.date(2019, 6, 1)), average(dt.date(2019, 9, 1)), average(dt.date(2020, 2, 14))
    assert wave > before
    assert halved - before == pytest.approx(0.5 * (wave - before), rel=1e-9)


def test_china_suspends_its_tariffs_on_us_vehicles_from_2019(war):
    """Customs Tariff Commission, 14 December 2018: tariffs on US vehicles and parts suspended from
    1 January 2019; no other change took effect that day."""
    world, rise = war
    chn, usa, veh = world.country_index("CHN"), world.country_index("USA"), world.sector_index("VEH")
    late_2018, early_2019 = rise(dt.date(2018, 9, 24)), rise(dt.date(2019, 1, 1))
    assert late_2018[usa, chn, veh] > 0.05
    assert early_2019[usa, chn, veh] == pytest.approx(0.0, abs=1e-12)
    others = [s for s in range(world.n_sectors) if s != veh]
    np.testing.assert_allclose(early_2019[usa, chn, others], late_2018[usa, chn, others], atol=1e-12)


@pytest.mark.parametrize("name", bundled_scenarios())
def test_every_bundled_scenario_says_what_it_leaves_out_and_cites_every_action(name):
    path = bundled_scenario_path(name)
    header = path.read_text(encoding="utf-8").split("[scenario]")[0]
    assert "Not modelled" in header
    spec = load_scenario(path).spec
    assert all(entry.source for entry in [*spec.action, *spec.retaliation])
