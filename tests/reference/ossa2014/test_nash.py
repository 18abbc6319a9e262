"""Ossa (2014), the world trade war (``ossa2014-nash``): see README.md in this folder.

CI runs the λ = 1 war with MFN tariffs once; the discriminatory wars, the calibrated weights and the
comparison with the abstract's 63 % and −2.9 % run with ``TARIFFSIM_LONG=1``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from tariffsim.games import best_response
from tariffsim.replicate import ossa2014_nash, ossa2014_optimal

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
LONG = pytest.mark.skipif(os.environ.get("TARIFFSIM_LONG", "") not in ("1", "true"),
                          reason="minutes of computing: set TARIFFSIM_LONG=1 (see README.md)")

# Ossa (2014), abstract: "world trade war tariffs average 63 percent, the government welfare losses
# from a breakdown of international trade policy cooperation average 2.9 percent".
PUBLISHED_NASH_AVERAGE = 63.0
PUBLISHED_GOV_WELFARE = -2.9
TARIFF_TOLERANCE_PP = 1.5
WELFARE_TOLERANCE_PP = 0.3


@pytest.fixture(scope="module")
def mfn_bas(tmp_path_factory):
    from tests.conftest import data_root

    root = data_root(*ossa2014_nash.FILES)
    out = tmp_path_factory.mktemp("ossa-nash")
    rep = ossa2014_nash.run(root, out, cases=["mfn-bas"])
    return root, out, rep


def test_files_and_columns(mfn_bas):
    _, out, rep = mfn_bas
    assert not (out / "lambda.csv").exists()  # no political case asked for: no weights
    tariffs = pd.read_csv(out / "mfn-bas" / "nash_tariffs.csv")
    assert list(tariffs.columns) == ["importer", "exporter", "industry", "tariff"] and len(tariffs) == 7 * 6 * 33
    summary = pd.read_csv(out / "mfn-bas" / "summary.csv")
    assert list(summary.columns) == ossa2014_nash.SUMMARY_COLUMNS
    assert summary["region"].iloc[-1] == "average"
    assert summary["median_tariff_pct"].iloc[-1] == pytest.approx(summary["median_tariff_pct"].iloc[:-1].mean())
    assert "rounds" in " ".join(rep.notes)


def test_everyone_loses_the_trade_war(mfn_bas):
    _, out, _ = mfn_bas
    summary = pd.read_csv(out / "mfn-bas" / "summary.csv").set_index("region").drop("average")
    # Ossa (2014): every region is worse off at the Nash tariffs than at the factual ones.
    assert (summary["welfare_pct"] < 0).all()
    np.testing.assert_allclose(summary["gov_welfare_pct"], summary["welfare_pct"], atol=1e-7)  # λ = 1


def test_nobody_wants_to_move_from_the_nash_tariffs(mfn_bas):
    """A best response to the Nash profile, solved afresh from the other starts, is the Nash profile."""
    root, out, _ = mfn_bas
    state = ossa2014_optimal.setup(root, "foc", ["mfn-bas"])
    tariffs = pd.read_csv(out / "mfn-bas" / "nash_tariffs.csv")
    world = state.game.world
    profile = np.array(world.tariffs)
    ci, si = {c: k for k, c in enumerate(world.countries)}, {s: k for k, s in enumerate(world.sectors)}
    profile[tariffs["exporter"].map(ci), tariffs["importer"].map(ci), tariffs["industry"].map(si)] = tariffs["tariff"]
    for region in ("US", "Japan"):
        player = ossa2014_optimal.player(state, region, "mfn-bas")
        response = best_response(state.game, player, profile, kkt_tol=1e-7)
        own = tariffs[tariffs["importer"] == region].drop_duplicates("industry").set_index("industry")["tariff"]
        np.testing.assert_allclose(response.params, own.loc[list(world.sectors)].to_numpy(), atol=1e-4)


@LONG
def test_the_abstracts_trade_war(tmp_path_factory):
    from tests.conftest import data_root

    out = tmp_path_factory.mktemp("ossa-nash-all")
    ossa2014_nash.run(data_root(*ossa2014_nash.FILES), out)
    summaries = {case: pd.read_csv(out / case / "summary.csv").set_index("region")
                 for case in ossa2014_nash.CASES}
    pol = summaries["pol"].loc["average"]
    assert pol["median_tariff_pct"] == pytest.approx(PUBLISHED_NASH_AVERAGE, abs=TARIFF_TOLERANCE_PP)
    assert pol["gov_welfare_pct"] == pytest.approx(PUBLISHED_GOV_WELFARE, abs=WELFARE_TOLERANCE_PP)
    for case, table in summaries.items():
        assert (table.drop("average")["welfare_pct"] < 0).all(), case
