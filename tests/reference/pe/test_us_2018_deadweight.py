"""US tariffs on China 2018-19, monthly revenue and deadweight loss: see README.md for provenance and tolerances."""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tariffsim.replicate import us_2018_deadweight as repro

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def data_root():
    from tests.conftest import data_root

    return data_root(*repro.FILES)


@pytest.fixture(scope="module")
def output(data_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("us2018")
    return out, repro.run(data_root, out)


def test_monthly_file_has_the_promised_columns_and_months(output):
    out, _ = output
    monthly = pd.read_csv(out / "monthly.csv")
    assert list(monthly.columns) == ["month", "tariff_revenue_usd_bn", "deadweight_loss_usd_bn"]
    assert list(monthly["month"]) == [f"{y}-{m:02d}" for y in (2018, 2019) for m in range(1, 13)]
    before = monthly.loc[monthly["month"] < "2018-07"]
    assert (before[["tariff_revenue_usd_bn", "deadweight_loss_usd_bn"]].abs() < 1e-12).all().all()
    after = monthly.loc[monthly["month"] >= "2018-07"]
    assert (after["tariff_revenue_usd_bn"] > 0).all() and (after["deadweight_loss_usd_bn"] > 0).all()


def _independent_inputs(data_root, month: str):
    """Day-weighted HS6 tariffs and equal within-chapter splits of 2017 imports, read directly from the files."""
    waugh = pd.read_csv(data_root / repro.FILES[0], dtype={"hs6": str})
    waugh["date"] = pd.to_datetime(waugh["time_of_tariff"]).dt.date
    wide = waugh.pivot_table(index="hs6", columns="date", values="tariff").sort_index(axis=1)
    wide = wide.ffill(axis=1).fillna(0.0) / 100
    year, mon = (int(x) for x in month.split("-"))
    n_days = calendar.monthrange(year, mon)[1]
    level = sum(wide[[d for d in wide.columns if d <= date(year, mon, day)][-1]] for day in range(1, n_days + 1))
    china = pd.read_csv(data_root / repro.FILES[1], dtype={"I_COMMODITY": str})
    base = china.loc[china["time"] == f"2017-{mon:02d}"].set_index("I_COMMODITY")["CON_VAL_MO"]
    lines = pd.DataFrame({"t0": wide.iloc[:, 0], "t1": level / n_days})
    lines["chapter"] = lines.index.str[:2]
    lines["m0"] = lines["chapter"].map(base).fillna(0.0) / lines.groupby("chapter")["t0"].transform("size")
    return lines


@pytest.mark.parametrize("month", ["2018-07", "2018-12", "2019-09"])
def test_added_tariff_matches_a_direct_reading_of_the_files(output, data_root, month):
    out, _ = output
    lines = _independent_inputs(data_root, month)
    expected = 100 * ((lines["t1"] - lines["t0"]) * lines["m0"]).sum() / lines["m0"].sum()
    detail = pd.read_csv(out / "monthly_detail.csv").set_index("month")
    # the model's base also holds chapters without HS6 lines (30, 98, 99), which take no tariff change
    china = pd.read_csv(data_root / repro.FILES[1], dtype={"I_COMMODITY": str})
    all_base = china.loc[china["time"] == "2017-" + month[5:], "CON_VAL_MO"].sum()
    assert detail.loc[month, "added_tariff_on_china_pct"] == pytest.approx(
        expected * lines["m0"].sum() / all_base, rel=1e-9)


def test_china_only_deadweight_loss_is_the_constant_elasticity_harberger_measure(output, data_root):
    # With one source the exact model is Q = Q0 (p/p0)^(−η): DWL = −ΔCS − ΔR computed here from scratch.
    out, _ = output
    month = "2018-12"
    lines = _independent_inputs(data_root, month)
    eta = pd.read_csv(out / "elasticities.csv", dtype={"product": str})
    eta = eta.loc[eta["parameter"] == "import_demand"].set_index("product")["elasticity"]
    lines["eta"] = lines.index.map(eta)
    tau = (1 + lines["t1"]) / (1 + lines["t0"])
    m1 = lines["m0"] * tau ** (-lines["eta"])
    spending = (1 + lines["t0"]) * lines["m0"]
    unit = np.isclose(lines["eta"], 1.0)
    integral = np.where(unit, np.log(tau), (tau ** (1 - lines["eta"]) - 1) / np.where(unit, 1.0, 1 - lines["eta"]))
    dwl = spending * integral - (lines["t1"] * m1 - lines["t0"] * lines["m0"])
    detail = pd.read_csv(out / "monthly_detail.csv").set_index("month")
    assert detail.loc[month, "deadweight_loss_china_only_usd_bn"] == pytest.approx(dwl.sum() / 1e9, rel=1e-9)


def test_arw_published_figures_are_only_banded_added_tax_and_deadweight_loss_december_2018(output):
    # ARW: about 3 bn a month of added tax and 1.4 bn of deadweight loss for ALL 2018 US tariffs.
    # This run covers Section 301 on China only, with HS6 lines weighted equally within chapters.
    _, rep = output
    table = rep.comparison.set_index("quantity")
    added = table.loc["added tax, USD bn a month, December 2018"]
    dwl = table.loc["deadweight loss, USD bn a month, December 2018"]
    assert added["published"] == 3.0 and dwl["published"] == 1.4
    assert 0.8 * added["observed_census"] < added["tariffsim"] < 1.5 * added["published"]
    assert 0.2 * dwl["published"] < dwl["tariffsim"] < dwl["published"]
