"""Yotov et al. (2016), ch. 1: exercise 2 (MFN tariffs) and application 3 (RTAs with pair effects).

See README.md in this folder for where every expected number comes from and why the
tolerances are what they are.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tariffsim.estimate import pair_ids
from tariffsim.replicate import yotov2016_ch1_ex2, yotov2016_rta

# Ch. 1, exercise 2: the book's companion results (UnilateralPolicyImpact.txt), columns "RTAs" and
# "TRFFS": coefficient, standard error clustered by pair; N = 18,886.
BOOK_TRFFS = {"RTA": (-0.217, 0.056), "RTA_LAG3": (0.256, 0.037), "RTA_LAG6": (0.265, 0.036),
              "RTA_LAG9": (0.101, 0.035), "ln_MFN": (-7.604, 0.516)}
BOOK_RTAS = {"RTA": (0.392, 0.064), "RTA_LAG3": (0.248, 0.040), "RTA_LAG6": (0.246, 0.043),
             "RTA_LAG9": (0.083, 0.034)}
BOOK_N = 18886
# Ch. 1, application 3, column (4) "ENDG", pair fixed effects: RTA 0.557 (0.102), standard error clustered
# by pair (the application's results table, as printed by the book's R companion, Vargas, tradepolicy).
BOOK_RTA_PAIR_FE = 0.557
BOOK_RTA_PAIR_FE_SE = 0.102


def third_decimal(value: float, published: float) -> bool:
    """The value rounds to the published three-decimal figure."""
    return abs(round(value, 3) - published) < 1e-9


@pytest.fixture(scope="module")
def ex2(tmp_path_factory):
    from tests.conftest import data_root

    data = data_root(*yotov2016_ch1_ex2.FILES)
    out = tmp_path_factory.mktemp("ex2")
    return out, yotov2016_ch1_ex2.run(data, out)


@pytest.fixture(scope="module")
def rta(tmp_path_factory):
    from tests.conftest import data_root

    data = data_root(*yotov2016_rta.FILES)
    out = tmp_path_factory.mktemp("rta")
    return out, yotov2016_rta.run(data, out)


def test_published_numbers_are_the_books():
    assert {k: v for k, v in yotov2016_ch1_ex2.PUBLISHED["TRFFS"].items()} == {k: v[0] for k, v in BOOK_TRFFS.items()}
    assert {k: v for k, v in yotov2016_ch1_ex2.PUBLISHED_SE["TRFFS"].items()} == \
        {k: v[1] for k, v in BOOK_TRFFS.items()}
    assert yotov2016_ch1_ex2.PUBLISHED["RTAs"] == {k: v[0] for k, v in BOOK_RTAS.items()}
    assert yotov2016_rta.PUBLISHED == {"rta": BOOK_RTA_PAIR_FE}
    assert yotov2016_rta.PUBLISHED_SE == {"rta": BOOK_RTA_PAIR_FE_SE}


@pytest.mark.shared_data
@pytest.mark.slow
def test_mfn_tariff_coefficients_match_the_book_to_the_third_decimal(ex2):
    out, _ = ex2
    table = pd.read_csv(out / "coefficients.csv").set_index("variable")
    assert list(pd.read_csv(out / "coefficients.csv").columns) == ["variable", "coef", "se"]
    for variable, (coef, se) in BOOK_TRFFS.items():
        assert third_decimal(table.loc[variable, "coef"], coef), variable
        assert third_decimal(table.loc[variable, "se"], se), variable
    rtas = pd.read_csv(out / "coefficients_rtas.csv").set_index("variable")
    for variable, (coef, se) in BOOK_RTAS.items():
        assert third_decimal(rtas.loc[variable, "coef"], coef), variable
        assert third_decimal(rtas.loc[variable, "se"], se), variable


@pytest.mark.shared_data
@pytest.mark.slow
def test_mfn_sample_and_elasticity(ex2):
    out, rep = ex2
    dropped = pd.read_csv(out / "dropped.csv")
    frame = yotov2016_ch1_ex2.load(shared_data_root())
    assert len(frame) - len(dropped) == BOOK_N
    assert (dropped["reason"] == "separation_fe").all()
    sigma = 1 - pd.read_csv(out / "coefficients.csv").set_index("variable").loc["ln_MFN", "coef"]
    assert sigma == pytest.approx(8.6, abs=0.05)  # the book: "about 8.6"
    assert any("8.604" in note for note in rep.notes)


@pytest.mark.shared_data
@pytest.mark.slow
def test_rta_with_pair_effects_matches_the_book(rta):
    out, rep = rta
    table = pd.read_csv(out / "coefficients.csv").set_index("variable")
    assert third_decimal(table.loc["rta", "coef"], BOOK_RTA_PAIR_FE)
    assert third_decimal(table.loc["rta", "se"], BOOK_RTA_PAIR_FE_SE)
    dropped = pd.read_csv(out / "dropped.csv")
    # The book's log of the same regression (ch. 2, app. 2): 7 pairs never trade, 84 observations excluded.
    assert len(dropped) == 84 and (dropped["reason"] == "separation_fe").all()
    assert dropped["detail"].str.extract(r"pair_id = (\d+)")[0].nunique() == 7
    assert rep.comparison.loc[0, "coef"] == pytest.approx(table.loc["rta", "coef"])
    # the published standard error stands beside ours in the comparison
    assert rep.comparison.loc[0, "published_se"] == BOOK_RTA_PAIR_FE_SE
    assert rep.comparison.loc[0, "se"] == pytest.approx(table.loc["rta", "se"])


@pytest.mark.shared_data
def test_book_pair_id_is_symmetric_with_own_domestic_pairs():
    frame = yotov2016_rta.load_panel(shared_data_root())
    pairs = pd.DataFrame({"pair_id": frame["pair_id"], "label": pair_ids(frame, symmetric=True, domestic="own")})
    unique = pairs.drop_duplicates()
    assert unique["pair_id"].is_unique and unique["label"].is_unique


def shared_data_root():
    from tests.conftest import data_root

    return data_root(*yotov2016_rta.FILES)
