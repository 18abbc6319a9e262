"""US-China tariff lists and China's average tariff: see README.md in this folder."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tariffsim import replicate
from tests.reference.us_china import by_hand

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

PIIE_PUBLISHED = {"2018-01-01": 7.99, "2019-06-01": 20.72}  # Bown, Jung & Zhang (2019), PIIE chart
EVENT_DATES = [dt.date(2018, 1, 1), dt.date(2018, 4, 2), dt.date(2018, 5, 1), dt.date(2018, 7, 1),
               dt.date(2018, 7, 6), dt.date(2018, 8, 23), dt.date(2018, 9, 24), dt.date(2018, 11, 1),
               dt.date(2019, 1, 1), dt.date(2019, 6, 1)]
"""The event dates of the PIIE file's column headers up to 1 June 2019 (two events on 1 January 2019)."""


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


@pytest.mark.parametrize("when", EVENT_DATES, ids=str)
def test_china_average_tariff_on_every_date_recomputed_independently(output, when):
    data, out = output
    series = pd.read_csv(out / "china_average_tariff.csv").set_index("date")["tariff_on_us_pct"]
    assert list(series.index) == [d.isoformat() for d in EVENT_DATES]
    assert by_hand.event_dates(data) == EVENT_DATES
    assert series[when.isoformat()] == pytest.approx(by_hand.average_tariff_on_us(data, when), abs=1e-5)


def test_piie_published_averages_are_only_banded_ours_below_by_under_6_points_and_rising(output):
    # Banded, not matched: PIIE weights by US exports to the world, which the shared data lack.
    _, out = output
    series = pd.read_csv(out / "china_average_tariff.csv").set_index("date")["tariff_on_us_pct"]
    assert series.index[0] == "2018-01-01" and series.index[-1] == "2019-06-01"
    for date, published in PIIE_PUBLISHED.items():
        assert 0 < published - series[date] < 6, date
    assert series["2019-06-01"] - series["2018-01-01"] > 8
