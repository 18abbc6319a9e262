"""Sector trade elasticities as a named choice: eight published sets, or one number for every sector.

The sets are those Lashkaripour (2021, "The Cost of a Global Tariff War: A Sufficient
Statistics Approach", Journal of International Economics 131) mapped to the sectors of the
ICIO and WIOD cubes (``../shared/data/icio_wiod_lashkaripour/elasticities_by_sector.csv``,
imported by the ``sector-elasticities`` importer; the ICIO 2017 sets also ship inside the
bundled ``world-2017``). A choice is a set code (:data:`ELASTICITY_SETS`, matched without
regard to case) or a positive number θ; :func:`parse_elasticity_choice` validates it and
:func:`elasticities_from_table` turns it into one θ per sector.

θ is the trade elasticity, σ − 1 (``epsilon`` in the source file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from tariffsim.errors import DataError

__all__ = ["ElasticitySet", "ELASTICITY_SETS", "DEFAULT_SET", "ElasticityChoice", "parse_elasticity_choice",
           "elasticities_from_table", "set_citation"]


@dataclass(frozen=True)
class ElasticitySet:
    """A published set of sector trade elasticities.

    Attributes
    ----------
    code
        The short code (``CP``, ``BSY``, ...), as in the source file.
    source
        The ``elasticity_source`` value of the source file.
    citation
        The paper the estimates come from.
    """

    code: str
    source: str
    citation: str


ELASTICITY_SETS: dict[str, ElasticitySet] = {s.code: s for s in (
    ElasticitySet("CP", "caliendo_parro_2015", "Caliendo and Parro (2015), 'Estimates of the Trade and Welfare "
                  "Effects of NAFTA', Review of Economic Studies 82(1)"),
    ElasticitySet("BSY", "bagwell_staiger_yurukoglu_2021", "Bagwell, Staiger and Yurukoglu (2021), 'Quantitative "
                  "Analysis of Multiparty Tariff Negotiations', Econometrica 89(4)"),
    ElasticitySet("FGO", "fontagne_2022", "Fontagné, Guimbard and Orefice (2022), 'Tariff-based product-level trade "
                  "elasticities', Journal of International Economics 137"),
    ElasticitySet("U4", "uniform_4", "a uniform theta = 4, as in Simonovska and Waugh (2014), 'The elasticity of "
                  "trade: Estimates and evidence', Journal of International Economics 92(1)"),
    ElasticitySet("IS", "in_sample", "Lashkaripour (2021), Journal of International Economics 131: estimated in "
                  "sample from the cubes"),
    ElasticitySet("GYY", "giri_yi_yilmazkuday_2021", "Giri, Yi and Yilmazkuday (2021), 'Gains from trade: Does "
                  "sectoral heterogeneity matter?', Journal of International Economics 129"),
    ElasticitySet("Shap", "shapiro_2016", "Shapiro (2016), 'Trade Costs, CO2, and the Environment', American "
                  "Economic Journal: Economic Policy 8(4)"),
    ElasticitySet("LL", "lashkaripour_lugovskyy_2023", "Lashkaripour and Lugovskyy (2023), 'Profits, Scale "
                  "Economies, and the Gains from Trade and Industrial Policy', American Economic Review 113(10)"),
)}
"""The eight sets by code, in the order the issue lists them."""

DEFAULT_SET = "CP"
"""The set used unless another is chosen: Caliendo and Parro (2015)."""

ElasticityChoice = str | float
"""A set code (``"CP"``, ``"BSY"``, ...) or one θ for every sector."""


def parse_elasticity_choice(value: str | float | int) -> str | float:
    """A valid choice: the canonical set code, or a positive float.

    Accepts codes in any case (``"cp"`` → ``"CP"``, ``"shap"`` → ``"Shap"``) and numbers
    given as text (``"4"`` → 4.0).

    Raises
    ------
    DataError
        Naming what was given and what is allowed.
    """
    if isinstance(value, bool):
        raise DataError(f"elasticities must be a set code ({', '.join(ELASTICITY_SETS)}) or a number > 0, "
                        f"got {value}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        for code in ELASTICITY_SETS:
            if text.lower() == code.lower():
                return code
        try:
            number = float(text)
        except ValueError:
            raise DataError(f"unknown elasticity set '{text}'; use one of {', '.join(ELASTICITY_SETS)} "
                            "or a number > 0 (one theta for every sector)") from None
    if not number > 0 or number == float("inf"):
        raise DataError(f"a trade elasticity must be a finite number > 0, got {value}")
    return number


def set_citation(choice: str | float) -> str:
    """One line naming the set (or the uniform value) for a World's sources."""
    parsed = parse_elasticity_choice(choice)
    if isinstance(parsed, float):
        return f"theta = {parsed:g} in every sector (chosen by the user)"
    item = ELASTICITY_SETS[parsed]
    return f"set {item.code}: {item.citation}; mapped to the cube's sectors by Lashkaripour (2021)"


def elasticities_from_table(choice: str | float, table: pd.DataFrame, sectors: Sequence[str]) -> dict[str, float]:
    """θ per sector for a choice, from a table of sets.

    Parameters
    ----------
    choice
        A set code or a number (see :func:`parse_elasticity_choice`).
    table
        Columns ``code, sector, theta`` (one row per set and sector).
    sectors
        The sectors that need a value.

    Raises
    ------
    DataError
        When the table lacks the set, or a sector in it.
    """
    parsed = parse_elasticity_choice(choice)
    if isinstance(parsed, float):
        return {s: parsed for s in sectors}
    rows = table[table["code"] == parsed]
    if rows.empty:
        known = sorted(set(table["code"]))
        raise DataError(f"elasticity set {parsed} is not in the table (sets there: {', '.join(known) or 'none'})")
    values: Mapping[str, float] = dict(zip(rows["sector"].astype(str), rows["theta"].astype(float), strict=True))
    missing = [s for s in sectors if s not in values]
    if missing:
        raise DataError(f"elasticity set {parsed} has no value for sectors {', '.join(missing[:8])}")
    return {s: float(values[s]) for s in sectors}
