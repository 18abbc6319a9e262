"""US-China tariff lists and China's average tariff: see README.md in this folder."""

from __future__ import annotations

import pandas as pd
import pytest

from tariffsim import replicate

PIIE_PUBLISHED = {"2018-01-01": 7.99, "2019-06-01": 20.72}  # Bown, Jung & Zhang (2019), PIIE chart


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    from tests.conftest import data_root

    data = data_root(*replicate.get("us-china-tariffs").FILES)
    out = tmp_path_factory.mktemp("usct")
    replicate.run("us-china-tariffs", data, out)
    return data, out


def test_lines_per_list_match_the_annexes(output):
    data, out = output
    raw = pd.read_csv(data / "us_china_tariffs/section301_lists_hts8_ustr_annexes.csv", dtype=str)
    expected = raw["list"].str.extract(r"^(list\d[ab]?)")[0].value_counts().sort_index()
    lists = pd.read_csv(out / "lists.csv").set_index("list")
    assert lists["hts8_lines"].to_dict() == expected.to_dict()
    assert expected.to_dict() == {"list1": 818, "list2": 281, "list3": 5759, "list4a": 3233, "list4b": 546}


def test_lists_cover_no_more_than_all_imports_from_china(output):
    _, out = output
    lists = pd.read_csv(out / "lists.csv")
    assert (lists["covered_value_usd_bn"] > 0).all()
    assert lists["covered_value_usd_bn"].sum() <= 503.7 + 0.1


def test_china_average_tariff_on_1_january_2018_recomputed_independently(output):
    data, out = output
    rates = pd.read_csv(data / "us_china_tariffs/piie_bown_jung_zhang_2019_china_tariff_rates_hs10.csv",
                        dtype={"hs10": str})
    imports = pd.read_csv(data / "us_china_tariffs/piie_bown_jung_zhang_2019_china_imports_from_us_2017_hs8.csv",
                          dtype={"hs08": str})
    level = pd.DataFrame({"hs8": rates["hs10"].str[:8], "level": rates.iloc[:, 2].fillna(0)})
    by_hs8 = level.groupby("hs8")["level"].mean()
    weights = imports.groupby("hs08")[imports.columns[2]].sum().reindex(by_hs8.index).fillna(0)
    expected = float((by_hs8 * weights).sum() / weights.sum())
    series = pd.read_csv(out / "china_average_tariff.csv").set_index("date")
    assert series.loc["2018-01-01", "tariff_on_us_pct"] == pytest.approx(expected, abs=1e-5)


def test_china_average_tariff_is_below_piie_by_a_few_points_and_rises(output):
    _, out = output
    series = pd.read_csv(out / "china_average_tariff.csv").set_index("date")["tariff_on_us_pct"]
    assert series.index[0] == "2018-01-01" and series.index[-1] == "2019-06-01"
    for date, published in PIIE_PUBLISHED.items():
        assert 0 < published - series[date] < 6, date
    assert series["2019-06-01"] - series["2018-01-01"] > 8
