"""Dates resolved against the publication date, with their roles."""

from __future__ import annotations

import datetime as dt

import pytest

from tariffsim.draft.dates import find_dates, find_durations

WED_2018_05_09 = dt.date(2018, 5, 9)


@pytest.mark.parametrize(("text", "prefer", "date", "role"), [
    ("after a public comment period ends May 22", "future", "2018-05-22", "not_before"),
    ("by the end of 2020", "future", "2020-12-31", "by"),
    ("by the end of the year", "future", "2018-12-31", "by"),
    ("took effect on Friday", "past", "2018-05-04", "from"),
    ("will take effect on Friday", "future", "2018-05-11", "from"),
    ("met on Wednesday", "past", "2018-05-09", "on"),
    ("from next month", "future", "2018-06-01", "from"),
    ("in 15 days", "future", "2018-05-24", "on"),
    ("within fifteen days", "future", "2018-05-24", "on"),
    ("effective 1 January 2019", "future", "2019-01-01", "from"),
    ("until December 15, 2019", "future", "2019-12-15", "until"),
    ("starting 2018-07-06", "future", "2018-07-06", "from"),
    ("from March 2019", "future", "2019-03-01", "from"),
    ("rising to 25% by October", "future", "2018-10-01", "by"),
    ("on January 3", "future", "2019-01-03", "on"),  # a date without a year: the next one
])
def test_dates(text, prefer, date, role):
    found = find_dates(text, WED_2018_05_09, prefer)
    assert [(d.date.isoformat(), d.role) for d in found] == [(date, role)]
    assert text[found[0].start:found[0].end] == found[0].text


def test_may_the_verb_is_not_a_month():
    assert find_dates("The government may impose the duties", WED_2018_05_09) == []


def test_from_to():
    found = find_dates("from July 6 to July 9", WED_2018_05_09)
    assert [(d.date.isoformat(), d.role) for d in found] == [("2018-07-06", "from"), ("2018-07-09", "until")]


def test_durations():
    assert [d.days for d in find_durations("cut tariffs for 90 days, a 90-day pause, for two weeks")] == [90, 90, 14]
