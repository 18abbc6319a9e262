"""The default uncertainty: its spread is the published elasticity sets' disagreement (recomputed from the file),
and the sets read into one row per set."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim.uncertainty import DEFAULT_SD_LOG, Elasticity, LogNormal, default_parameters, published_elasticity_sets
from tests.conftest import shared_file

SETS = "icio_wiod_lashkaripour/elasticities_by_sector.csv"


@pytest.mark.shared_data
def test_default_spread_is_the_published_sets_disagreement():
    """0.48 = the median over ICIO sectors of the sd of log θ across the eight sets (Lashkaripour 2021)."""
    frame = pd.read_csv(shared_file(SETS))
    icio = frame[(frame["dataset"] == "icio") & (frame["year"] == 2017)]
    wide = icio.pivot_table(index="sector_idx", columns="elasticity_code", values="epsilon")
    assert wide.shape == (28, 8)
    spread = np.log(wide).std(axis=1, ddof=1).median()
    assert spread == pytest.approx(DEFAULT_SD_LOG, abs=0.005)
    [default] = default_parameters()
    assert default == Elasticity(LogNormal(sd_log=DEFAULT_SD_LOG))


@pytest.mark.shared_data
def test_the_published_sets_read_as_eight_theta_vectors():
    sets = published_elasticity_sets(shared_file(SETS))
    assert sorted(sets.table.index) == ["BSY", "CP", "FGO", "GYY", "IS", "LL", "Shap", "U4"]
    assert sets.table.shape == (8, 28)
    assert (sets.table.loc["U4"] == 4.0).all()  # the uniform set
    cp = pd.read_csv(shared_file(SETS)).query("dataset == 'icio' and year == 2017 and elasticity_code == 'CP'")
    assert sets.table.loc["CP", "C26"] == pytest.approx(float(cp.loc[cp["sector_upstream_label"] == "C26",
                                                                      "epsilon"].iloc[0]))
