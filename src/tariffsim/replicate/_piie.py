"""China's tariffs on US goods by HS8, from PIIE's HS10 schedule: one rule for every reproduction.

Bown, Jung & Zhang (PIIE, 2019) give China's tariffs by Chinese HS10 line and China's
2017 imports from the US by HS8. Two reproductions use them (``us-china-tariffs`` for
China's average tariff over time, ``china-retaliation-2018`` for SMART); both take the
tariff of an HS8 code and China's trade-weighted average tariff from here, so the same
date gives the same average in both.

The rule:

* the tariff of an HS8 code is the simple mean of its HS10 lines; an HS8 code with no
  HS10 line in the schedule (11 codes, $0.5 bn of 2017 imports) takes the mean of its HS6,
  else of its HS4 heading;
* the average is weighted by China's 2017 imports from the US, over the HS8 codes that
  have a tariff this way. China's imports recorded under HS 98000000 ($5.5 bn in 2017, a
  code outside the tariff schedule) have no tariff and are left out of the average —
  counting them at zero would lower it (5.76 % instead of 5.97 % on 1 January 2018).
"""

from __future__ import annotations

from datetime import date as Date

import pandas as pd

from tariffsim.data.tariffs import piie_levels

__all__ = ["HS8_MEAN", "NO_TARIFF_LINE", "tariff_levels", "hs8_tariffs", "line_table", "average_tariffs"]

HS8_MEAN = "HS8 mean of HS10 lines"
NO_TARIFF_LINE = "no tariff line: 0"
"""How an HS8 code without any HS10, HS6 or HS4 match is marked (its tariff counts as 0 in a model)."""


def tariff_levels(rates: pd.DataFrame, when: Date) -> pd.DataFrame:
    """China's tariffs by HS10 line on the US and on others at ``when`` and on 1 January 2018, percent.

    Returns columns ``hs10``, ``hs8``, ``base`` (1 Jan 2018), ``us`` (MFN plus
    retaliation) and ``others`` (MFN only) at ``when``.
    """
    levels = piie_levels(rates, when)
    hs10 = levels["hs10"].astype(str)
    return pd.DataFrame({"hs10": hs10, "hs8": hs10.str[:8], "base": 100.0 * levels["base"],
                         "us": 100.0 * levels["total"], "others": 100.0 * levels["mfn"]})


def hs8_tariffs(lines: pd.DataFrame, codes: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Simple mean over HS10 lines within each HS8 code; HS6 then HS4 means where an HS8 has no line.

    Returns the tariffs (``base, us, others``, percent, on ``codes``' index) and how each was found.
    """
    out = pd.DataFrame(index=codes.index, columns=["base", "us", "others"], dtype=float)
    how = pd.Series("", index=codes.index, dtype=object)
    todo = pd.Series(True, index=codes.index)
    for digits in (8, 6, 4):
        means = lines.assign(key=lines["hs10"].str[:digits]).groupby("key")[["base", "us", "others"]].mean()
        keys = codes.str[:digits]
        hit = todo & keys.isin(means.index) & keys.map(means["base"]).notna()
        out.loc[hit] = means.reindex(pd.Index(keys[hit])).to_numpy()
        how[hit] = HS8_MEAN if digits == 8 else f"HS{digits} mean (no HS10 line in the HS8)"
        todo &= ~hit
    out.loc[todo] = 0.0
    how[todo] = NO_TARIFF_LINE
    return out, how


def line_table(rates: pd.DataFrame, imports: pd.DataFrame, when: Date) -> pd.DataFrame:
    """China's imports from the US by HS8 (rows with a positive ``value``) with their tariffs at ``when``.

    ``imports`` needs ``hs8`` and ``value`` (any money unit); its other columns are kept.
    Adds ``tariff_source``, ``tariff_base_pct``, ``tariff_us_pct`` and ``tariff_others_pct``.
    """
    frame = imports.assign(hs8=imports["hs8"].astype(str), value=pd.to_numeric(imports["value"]))
    frame = frame.loc[frame["value"] > 0].reset_index(drop=True)
    tariffs, how = hs8_tariffs(tariff_levels(rates, when), frame["hs8"])
    return frame.assign(tariff_source=how.to_numpy(), tariff_base_pct=tariffs["base"].to_numpy(),
                        tariff_us_pct=tariffs["us"].to_numpy(), tariff_others_pct=tariffs["others"].to_numpy())


def average_tariffs(table: pd.DataFrame) -> dict[str, float]:
    """Trade-weighted averages of a :func:`line_table`, percent: ``base`` (1 January 2018), ``us`` (on US
    goods) and ``others`` (the MFN rates everyone else pays), over HS8 codes with a tariff line."""
    rows = table.loc[table["tariff_source"] != NO_TARIFF_LINE]
    weights = rows["value"] / rows["value"].sum()
    return {name: float((rows[f"tariff_{name}_pct"] * weights).sum()) for name in ("base", "us", "others")}
