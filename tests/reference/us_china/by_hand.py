"""China's average tariff on US goods, recomputed from the raw PIIE files with plain pandas.

Independent of tariffsim's importers and of :mod:`tariffsim.replicate._piie`: the CSV files
are read as they are, the level on a date is the row sum of the event columns dated up to it
(the PIIE file's documented rule), and the averaging rule is written out here from its
statement in docs/reproductions.md:

* an HS8 code's tariff is the simple mean of its HS10 lines; without an HS10 line, the mean
  of the HS10 lines of its HS6, else of its HS4;
* weights are China's 2017 imports from the US by HS8 (positive values); an HS8 code with no
  line at any of these levels (HS 98000000) is left out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

RATES = "us_china_tariffs/piie_bown_jung_zhang_2019_china_tariff_rates_hs10.csv"
IMPORTS = "us_china_tariffs/piie_bown_jung_zhang_2019_china_imports_from_us_2017_hs8.csv"


def event_columns(rates: pd.DataFrame) -> dict[str, dt.date]:
    """Event column → its date, read from headers such as 'July 6, 2018 | Retaliation to ...'."""
    out = {}
    for column in rates.columns[2:]:
        text = column.split("|")[0].strip()
        out[column] = dt.datetime.strptime(text, "%B %d, %Y").date()
    return out


def event_dates(data: Path) -> list[dt.date]:
    rates = pd.read_csv(data / RATES, dtype={"hs10": str}, nrows=1)
    return sorted(set(event_columns(rates).values()))


def average_tariff_on_us(data: Path, when: dt.date) -> float:
    """China's trade-weighted average tariff on US goods on ``when``, percent."""
    rates = pd.read_csv(data / RATES, dtype={"hs10": str})
    dates = event_columns(rates)
    upto = [c for c, d in dates.items() if d <= when]
    levels = pd.DataFrame({"hs10": rates["hs10"], "level": rates[upto].fillna(0).sum(axis=1)})
    imports = pd.read_csv(data / IMPORTS, dtype={"hs08": str})
    value = imports.columns[2]  # "2017 China's Imports from US (000USD)"
    imports = imports.loc[imports[value] > 0]
    means = {digits: levels.groupby(levels["hs10"].str[:digits])["level"].mean() for digits in (8, 6, 4)}
    total = weight = 0.0
    for code, amount in zip(imports["hs08"], imports[value], strict=True):
        for digits in (8, 6, 4):
            if code[:digits] in means[digits].index:
                total += amount * float(means[digits][code[:digits]])
                weight += amount
                break
    return total / weight
