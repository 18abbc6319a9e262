"""China's retaliation against the US (PIIE data, SMART): see README.md for provenance and tolerances."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tariffsim.replicate import china_retaliation_2018 as repro
from tariffsim.replicate._piie import tariff_levels
from tests.reference.us_china import by_hand

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

SECTORS = ["Aircraft", "All other goods", "Autos and parts", "Chemicals, plastics and rubber products",
           "Electrical machinery and equipment", "Mechanical machinery and appliances",
           "Optical, medical, and measuring instruments", "Other farm and fish products", "Petroleum",
           "Pharmaceuticals", "Soybeans", "Wood, paper, and metal products"]


@pytest.fixture(scope="module")
def data_root():
    from tests.conftest import data_root

    return data_root(*repro.FILES)


@pytest.fixture(scope="module")
def output(data_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("china")
    return out, repro.run(data_root, out)


def test_sectors_file_has_the_promised_columns_and_every_piie_sector(output):
    out, _ = output
    sectors = pd.read_csv(out / "sectors.csv")
    assert list(sectors.columns) == ["sector", "imports_from_us_pct", "imports_from_others_pct",
                                     "tariff_revenue_usd_m"]
    assert sorted(sectors["sector"].iloc[:-1]) == SECTORS
    assert sectors["sector"].iloc[-1] == "Total"
    total = sectors.set_index("sector").loc["Total"]
    assert total["imports_from_us_pct"] < -5 and total["imports_from_others_pct"] > 0
    soy = sectors.set_index("sector").loc["Soybeans"]
    assert soy["imports_from_us_pct"] < -30  # a 25-point tariff on a homogeneous good
    record = json.loads((out / "run.json").read_text())
    assert record["fingerprints"]["trade"]


def test_tariff_levels_are_row_sums_of_the_event_columns(data_root):
    # PIIE: "the level at date d is the row sum of columns up to d (soybeans 1201.90: 3 + 25 = 28)".
    rates, _ = repro._piie(data_root)
    lines = tariff_levels(rates, date(2019, 6, 1)).set_index("hs10")
    soy = lines.loc[lines["hs8"] == "12019010"].iloc[0]
    assert soy["base"] == pytest.approx(3) and soy["us"] == pytest.approx(28) and soy["others"] == pytest.approx(3)
    before = tariff_levels(rates, date(2018, 7, 5)).set_index("hs10")
    assert before.loc[before["hs8"] == "12019010", "us"].iloc[0] == pytest.approx(3)


def test_one_product_matches_the_ces_formulas_computed_by_hand(output, data_root):
    out, _ = output
    products = pd.read_csv(out / "products.csv", dtype={"product": str})
    soy = products.loc[products["product"] == "12019010"].set_index("exporter")
    sigma = repro.assign(["12019010"], repro.read_broda_greenfield_weinstein(data_root / repro.FILES[2]),
                         country="CHN")["elasticity"].iloc[0]
    eta = repro.IMPORT_DEMAND
    m_us = soy.loc["USA", "imports_base_usd"]
    m_row = m_us * (1 - repro.US_SHARE_2017) / repro.US_SHARE_2017
    assert soy.loc["ROW", "imports_base_usd"] == pytest.approx(m_row, rel=1e-10)
    t0, t_us, t_row = 0.03, 0.28, 0.03
    theta_us = (1 + t0) * m_us / ((1 + t0) * (m_us + m_row))
    p_us, p_row = (1 + t_us) / (1 + t0), (1 + t_row) / (1 + t0)
    price = (theta_us * p_us ** (1 - sigma) + (1 - theta_us) * p_row ** (1 - sigma)) ** (1 / (1 - sigma))
    q_us = (p_us / price) ** (-sigma) * price ** (-eta)
    q_row = (p_row / price) ** (-sigma) * price ** (-eta)
    assert soy.loc["USA", "imports_pct"] == pytest.approx(100 * (q_us - 1), rel=1e-9)
    assert soy.loc["ROW", "imports_pct"] == pytest.approx(100 * (q_row - 1), rel=1e-9)


def test_revenue_column_is_the_tariff_on_counterfactual_imports_from_the_us(output):
    out, _ = output
    products = pd.read_csv(out / "products.csv")
    us = products.loc[products["exporter"] == "USA"]
    expected = (us["tariff_cf_pct"] / 100 * us["imports_cf_usd"]).sum() / 1e6
    total = pd.read_csv(out / "sectors.csv").set_index("sector").loc["Total", "tariff_revenue_usd_m"]
    assert total == pytest.approx(expected, rel=1e-9)


def test_piie_published_averages_are_reported_not_asserted_and_observed_exports_are_labelled_observed(
        output, data_root):
    _, rep = output
    table = rep.comparison
    assert list(table.columns) == ["quantity", "published", "observed", "tariffsim", "note"]
    assert set(table["published"].dropna()) == {8.0, 20.7, 6.7}  # PIIE's text; weights not in the shared data
    # Observed US exports to China (Census), recomputed from the raw file: never in the "published" column.
    census = pd.read_csv(data_root / repro.FILES[3], dtype={"E_COMMODITY": str})
    census["year"] = census["time"].str[:4]
    sums = census.groupby(["E_COMMODITY", "year"])["ALL_VAL_MO"].sum()
    observed = table.loc[table["observed"].notna()]
    assert len(observed) == 4 and observed["published"].isna().all()
    for sector, chapter in {"Soybeans": "12", "Aircraft": "88", "Autos and parts": "87", "Petroleum": "27"}.items():
        row = observed.loc[observed["quantity"].str.startswith(sector + ":")].iloc[0]
        assert row["observed"] == pytest.approx(100 * (sums[(chapter, "2019")] / sums[(chapter, "2017")] - 1), rel=1e-9)
    assert table["quantity"].str.startswith("sensitivity").sum() == 4
    # a larger assumed US share means more diversion to others
    sens = table.loc[table["quantity"].str.startswith("sensitivity")]
    others = sens["note"].str.extract(r"others ([+-][0-9.]+)")[0].astype(float).to_numpy()
    assert np.all(np.diff(others) > 0)


def test_us_share_by_sector_and_the_linear_form(data_root):
    result, _ = repro.solve(data_root, us_share={"Soybeans": 0.34})
    flows = result.aggregate(["sector", "exporter"]).set_index(["sector", "exporter"])
    base = flows["imports_base_usd"]
    assert base[("Soybeans", "ROW")] / base[("Soybeans", "USA")] == pytest.approx(0.66 / 0.34, rel=1e-12)
    assert base[("Aircraft", "ROW")] / base[("Aircraft", "USA")] == pytest.approx(0.916 / 0.084, rel=1e-12)
    linear, _ = repro.solve(data_root, form="linear")
    assert linear.settings["form"] == "linear"


@pytest.mark.parametrize("when", [date(2018, 1, 1), date(2019, 6, 1)], ids=str)
def test_china_average_tariff_is_the_one_us_china_tariffs_gives_recomputed_by_hand(output, data_root, when):
    # The same weights and rule as us-china-tariffs (docs/reproductions.md); recomputed from the raw files.
    _, rep = output
    table = rep.comparison.set_index("quantity")
    row = "average tariff on US goods, 1 Jan 2018, %" if when == date(2018, 1, 1) else \
        "average tariff on US goods, 2019-06-01, %"
    assert table.loc[row, "tariffsim"] == pytest.approx(by_hand.average_tariff_on_us(data_root, when), rel=1e-9)
