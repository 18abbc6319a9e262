"""The Caliendo–Parro loader: both layouts, CP's data rules, and the consistency of the World it builds."""

from __future__ import annotations

import numpy as np
import pytest

from tariffsim import DataError
from tariffsim.data.caliendo_parro import NAFTA, read_caliendo_parro


@pytest.fixture(scope="module")
def root():
    from tests.conftest import shared_file

    shared_file("caliendo_parro_2015/tidy/trade.csv")
    return shared_file("caliendo_parro_2015/original_matrices/xbilat1993.txt").parents[1]


@pytest.fixture(scope="module")
def both(root):
    return read_caliendo_parro(root, layout="original"), read_caliendo_parro(root / "tidy")


@pytest.mark.shared_data
def test_the_layouts_agree(both):
    original, tidy = both
    a, b = original.world, tidy.world
    assert a.countries == b.countries and a.sectors == b.sectors and a.shape == (31, 31, 40)
    np.testing.assert_allclose(a.flows, b.flows, rtol=1e-6, atol=1e-6 * a.flows.max())
    np.testing.assert_allclose(a.value_added_share, b.value_added_share, atol=1e-6)
    np.testing.assert_allclose(a.io_shares, b.io_shares, atol=1e-6)
    np.testing.assert_allclose(a.tariffs, b.tariffs, atol=1e-12)
    np.testing.assert_allclose(original.nafta_tariffs, tidy.nafta_tariffs, atol=1e-12)
    np.testing.assert_array_equal(a.elasticity, b.elasticity)


@pytest.mark.shared_data
def test_world_matches_cp_data(both, root):
    original, _ = both
    world = original.world
    # Mexico imports Agriculture from the USA: xbilat1993 block 1, row MEX (importer), column USA (exporter),
    # thousands of US$; the World is in USD millions, rescaled by the consistency step (3 % in this cell).
    mex, usa = world.country_index("MEX"), world.country_index("USA")
    raw = np.loadtxt(root / "original_matrices" / "xbilat1993.txt")
    assert world.flows[usa, mex, 0] == pytest.approx(raw[mex, usa] * 1e-3, rel=0.05)
    tariffs = np.loadtxt(root / "original_matrices" / "tariffs1993.txt")
    assert world.tariffs[usa, mex, 0] == pytest.approx(tariffs[mex, usa] / 100)
    assert world.elasticity[0] == 9.11 and world.elasticity[-1] == 8.22
    # the counterfactual changes only tariffs among NAFTA members
    members = [world.country_index(c) for c in NAFTA]
    changed = np.argwhere(np.any(original.nafta_tariffs != world.tariffs, axis=2))
    assert {tuple(p) for p in changed} <= {(i, j) for i in members for j in members if i != j}
    assert len(changed) == 6


@pytest.mark.shared_data
def test_world_is_consistent_with_cp_final_shares(both):
    original, _ = both
    world = original.world
    np.testing.assert_allclose(world.final_shares, original.final_shares, atol=1e-10)
    assert np.all(original.final_shares >= 0)
    np.testing.assert_allclose(original.final_shares.sum(axis=1), 1.0, rtol=1e-12)
    # trade shares and value added are the observed ones: only levels (and so deficits) moved, by little
    assert abs(world.deficit.sum()) < 1e-6 * world.output.sum()
    moved = np.abs(world.deficit - original.observed_deficit)
    assert moved.max() < 0.01 * world.value_added.sum()


@pytest.mark.shared_data
def test_the_notes_name_what_was_inconsistent(both):
    original, tidy = both
    text = " ".join(original.notes)
    assert "26 country-sectors" in text  # GO below exports
    assert "185 of 1240" in text  # negative residual final demand
    assert "negative input-output share" in text
    assert "not an equilibrium" in " ".join(tidy.notes)


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="original"):
        read_caliendo_parro(tmp_path, layout="original")
    (tmp_path / "tidy").mkdir()
    with pytest.raises(DataError, match=r"trade\.csv"):
        read_caliendo_parro(tmp_path, layout="tidy")
