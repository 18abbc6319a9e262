"""The ``ossa2014-talks`` reproduction: its interface, Ossa's bounds, and (long) the cooperative tariffs on his data.

Expected values: Ossa's bounds as his ``mycooperativetariff.m`` states them (``LBj = 0``
"restricted", ``LBj < 0`` "unrestricted", ``LIBONLY`` cuts only, ``UBj = 10``); the
equal-gains identity that defines cooperative tariffs; the abstract's "government welfare gains
from multilateral talks average 0.5 %" (Ossa 2014, AER 104(12), abstract), to the digit it
prints, with Ossa's own (heuristic) political-economy weights and his restricted bounds.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from tariffsim import ModelError, replicate
from tariffsim.replicate import ossa2014_optimal, ossa2014_talks
from tests.conftest import SHARED_DATA

LONG = pytest.mark.skipif(os.environ.get("TARIFFSIM_LONG", "") not in ("1", "true"),
                          reason="minutes on 2 cores: set TARIFFSIM_LONG=1")


def test_registered_with_ossas_bounds():
    module = replicate.get("ossa2014-talks")
    assert module is ossa2014_talks
    assert module.VARIANTS["restricted"][:2] == (0.0, 10.0)  # LBj = 0, UBj = 10
    assert module.VARIANTS["unrestricted"][0] < 0  # import subsidies
    assert module.VARIANTS["cuts-only"][2] == "restricted"  # LIBONLY: upper bound at the factual tariffs
    assert module.SUMMARY_COLUMNS == ["region", "gain_vs_factual_pct", "gain_vs_nash_pct", "median_tariff_pct"]
    with pytest.raises(ModelError, match="unknown cases"):
        module.run(SHARED_DATA, SHARED_DATA / "never-written", cases=["mfn-bas"])
    with pytest.raises(ModelError, match="variant"):
        module.run(SHARED_DATA, SHARED_DATA / "never-written", variant="sideways")


@pytest.mark.shared_data
@pytest.mark.slow
@LONG
def test_mfn_cooperative_tariffs_give_every_government_the_same_gain(tmp_path):
    rep = ossa2014_talks.run(SHARED_DATA, tmp_path, cases=["bas"], partners="mfn", nash=False)
    summary = pd.read_csv(tmp_path / "bas" / "summary.csv").set_index("region")
    gains = summary.drop(index="average")["gain_vs_factual_pct"].to_numpy()
    assert np.ptp(gains) < 1e-6 and gains[0] > 0
    tariffs = pd.read_csv(tmp_path / "bas" / "cooperative_tariffs.csv")
    assert list(tariffs.columns) == ["importer", "exporter", "industry", "tariff"]
    assert tariffs["tariff"].between(0.0, 10.0).all()
    assert len(rep.comparison) == 3


@pytest.mark.shared_data
def test_each_problem_starts_from_ossas_guess_and_free_trade():
    state = ossa2014_optimal.setup(SHARED_DATA, "foc", ["bas"])
    world = state.game.world
    sigma = np.asarray(world.elasticity) + 1.0  # Ossa's σ_s = θ_s + 1
    guess, free = ossa2014_talks.starts(state, "bas", "each")
    # his λ = 1 guess: a tariff that is the same on every partner and positive exactly where the industry's
    # markup σ/(σ − 1) is below the mean of the inverse markups' reciprocal
    off = ~np.eye(world.n_countries, dtype=bool)
    assert np.all(guess[~off] == 0.0) and np.all(free == 0.0)
    assert np.ptp(guess[off], axis=0).max() == 0.0
    inverse = (sigma - 1.0) / sigma
    assert np.array_equal(guess[0, 1] > 0, inverse > inverse.mean())
    assert guess[0, 1][np.argmax(sigma)] == pytest.approx(0.25 * (inverse.max() / inverse.mean() - 1.0))
    # with the calibrated λ his guess is free trade (one start); MFN problems also start from the factual tariffs
    assert len(ossa2014_talks.starts(state, "pol", "each")) == 1
    mfn = ossa2014_talks.starts(state, "bas", "mfn")
    assert len(mfn) == 3 and np.array_equal(mfn[2], np.asarray(world.tariffs))


@pytest.mark.shared_data
@pytest.mark.slow
@LONG
@pytest.mark.parametrize("case", ["bas", "pol"])
def test_discriminatory_cooperative_tariffs_meet_the_first_order_conditions(case):
    # discriminatory tariffs (1,386 unknowns); pol is the abstract's case (calibrated λ), bas has λ = 1
    state = ossa2014_optimal.setup(SHARED_DATA, "foc", [case])
    table, summary, coop = ossa2014_talks.cooperative_case(state, case, partners="each")
    assert coop.diagnostics.method == "lagrangian"
    assert coop.constraint_residual < 1e-10  # every government gains alike
    assert coop.kkt_residual < 1e-7  # and no feasible direction raises the common gain (first order)
    gains = summary.set_index("region").drop(index="average")["gain_vs_factual_pct"].to_numpy()
    assert np.ptp(gains) < 1e-8 and gains[0] > 0
    assert table["tariff"].between(0.0, 10.0).all()
    assert len(table) == 7 * 6 * 33


@pytest.mark.shared_data
@pytest.mark.slow
@LONG
def test_ossas_weights_and_bounds_give_the_abstracts_half_percent():
    state = ossa2014_optimal.setup(SHARED_DATA, "heuristic", ["pol"])
    _, _, coop = ossa2014_talks.cooperative_case(state, "pol", partners="each")
    # a first-order point (the solver stops at 1e-7 with its own multipliers; these are refitted)
    assert coop.kkt_residual < 1e-6 and coop.constraint_residual < 1e-10
    assert round(coop.common_gain_pct, 1) == 0.5  # the abstract prints one decimal
