"""Money and rates as news writes them, and conversion at the published annual averages."""

from __future__ import annotations

import datetime as dt

import pytest

from tariffsim.draft.money import find_money, find_percents, to_usd


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("tariffs on $150bn of goods", 150_000, "USD"),
    ("US$34 billion of imports", 34_000, "USD"),
    ("150 billion dollars", 150_000, "USD"),
    ("C$16.6 billion of U.S. products", 16_600, "CAD"),
    ("2.8 billion euros of American goods", 2_800, "EUR"),
    ("€21 billion", 21_000, "EUR"),
    ("RMB 60 billion", 60_000, "CNY"),
    ("200 billion yuan", 200_000, "CNY"),
    ("$1.5 trillion", 1_500_000, "USD"),
    ("$500 million", 500, "USD"),
])
def test_money(text, value, currency):
    found = find_money(text)
    assert len(found) == 1
    assert found[0].value == pytest.approx(value) and found[0].currency == currency
    assert text[found[0].start:found[0].end] == found[0].text


def test_money_ignores_plain_numbers():
    assert find_money("545 items, 1,000 workers and 2018") == []


@pytest.mark.parametrize(("text", "value", "low"), [
    ("25%", 25, None), ("25 percent", 25, None), ("25 per cent", 25, None), ("7.5%", 7.5, None),
    ("twenty-five percent", 25, None), ("a rate of a quarter", 25, None), ("5% to 10%", 10, 5), ("5-10%", 10, 5),
    ("15-percent tariff", 15, None),
])
def test_percents(text, value, low):
    found = find_percents(text)
    assert len(found) == 1
    assert found[0].value == value and found[0].low == low


def test_a_change_of_rate_is_not_a_range():
    assert [p.value for p in find_percents("raised from 10% to 25%")] == [10, 25]
    assert [p.low for p in find_percents("raised from 10% to 25%")] == [None, None]


def test_conversion_at_the_years_average():
    # Federal Reserve G.5A: 1.1817 USD per euro in 2018; 1.2957 Canadian dollars per US dollar in 2018
    assert to_usd(2_800, "EUR", dt.date(2018, 6, 20))[0] == pytest.approx(2_800 * 1.1817)
    assert to_usd(16_600, "CAD", dt.date(2018, 6, 29))[0] == pytest.approx(16_600 / 1.2957)
    assert to_usd(34_000, "USD", dt.date(2018, 6, 15)) == (34_000, "US dollars as stated")


def test_a_year_after_the_table_uses_its_last_year_and_says_so():
    usd, note = to_usd(21_000, "EUR", dt.date(2025, 4, 9))
    assert usd == pytest.approx(21_000 * 1.0817) and "2023" in note and "no 2025" in note


def test_an_unknown_currency():
    with pytest.raises(KeyError):
        to_usd(1.0, "XYZ", dt.date(2018, 1, 1))
