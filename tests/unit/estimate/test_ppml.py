"""PPML with fixed effects: coefficients, covariances, adding-up, dropped rows, errors.

Expected values come from identities (noiseless data), an independent maximum-likelihood
fit with explicit dummies (Newton's method in numpy), and the sandwich formula written out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim.errors import ConvergenceError, DataError, ModelError
from tariffsim.estimate import (
    DROP_REASONS,
    TABLE_COLUMNS,
    GravitySpec,
    PPMLOptions,
    gravity_formula,
    pair_ids,
    parse_formula,
    ppml,
)
from tests.unit.estimate._panels import cross_section, panel

SPEC = GravitySpec(pair="pair")


@pytest.fixture(scope="module")
def noisy_panel() -> pd.DataFrame:
    frame, _ = panel(np.random.default_rng(7), countries=7, years=3)
    return frame


@pytest.fixture(scope="module")
def noisy_fit(noisy_panel):
    return ppml(noisy_panel, "rta", spec=SPEC)


@pytest.fixture(scope="module")
def section() -> pd.DataFrame:
    return cross_section(np.random.default_rng(3), countries=6)


def _ml_fit(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson ML with explicit exporter and importer dummies by damped Newton: (theta, mu, Z)."""
    exporters = sorted(frame["exporter"].unique())
    importers = sorted(frame["importer"].unique())
    D_x = (frame["exporter"].to_numpy()[:, None] == np.array(exporters)[None, :]).astype(float)
    D_m = (frame["importer"].to_numpy()[:, None] == np.array(importers)[None, :]).astype(float)[:, :-1]
    Z = np.column_stack([frame[["x1", "border"]].to_numpy(), D_x, D_m])
    y = frame["trade"].to_numpy()
    theta = np.zeros(Z.shape[1])
    theta[2:2 + len(exporters)] = np.log(y.mean())

    def nll(t: np.ndarray) -> float:
        eta = Z @ t
        return float(np.sum(np.exp(eta) - y * eta))

    for _ in range(200):
        mu = np.exp(Z @ theta)
        grad = Z.T @ (mu - y)
        if np.max(np.abs(grad)) < 1e-11 * y.sum():
            break
        step = np.linalg.solve(Z.T @ (mu[:, None] * Z), grad)
        size = 1.0
        while nll(theta - size * step) > nll(theta) and size > 1e-8:
            size /= 2
        theta = theta - size * step
    return theta, np.exp(Z @ theta), Z


def test_noiseless_panel_is_fitted_exactly():
    frame, truth = panel(np.random.default_rng(1), countries=6, years=3, noise=False)
    fit = ppml(frame, "rta", spec=SPEC)
    assert fit.coefficients["rta"] == pytest.approx(truth["beta"], abs=1e-8)
    np.testing.assert_allclose(fit.fitted.to_numpy(), frame["trade"].to_numpy(), rtol=1e-8)
    assert fit.n_obs == len(frame) and fit.dropped.empty


def test_matches_independent_maximum_likelihood(section):
    theta, mu, _ = _ml_fit(section)
    fit = ppml(section, "trade ~ x1 + border | exporter + importer", options=PPMLOptions(vcov="hetero"))
    np.testing.assert_allclose(fit.coefficients[["x1", "border"]].to_numpy(), theta[:2], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fit.fitted.to_numpy(), mu, rtol=1e-7)


def test_clustered_covariance_is_the_sandwich_with_stata_correction(section):
    _, mu, Z = _ml_fit(section)
    y = section["trade"].to_numpy()
    scores = Z * (y - mu)[:, None]
    groups = pd.factorize(section["pair"])[0]
    G = groups.max() + 1
    summed = np.zeros((G, Z.shape[1]))
    np.add.at(summed, groups, scores)
    bread = np.linalg.inv(Z.T @ (mu[:, None] * Z))
    expected = (bread @ (summed.T @ summed) @ bread)[:2, :2] * G / (G - 1)
    fit = ppml(section, "trade ~ x1 + border | exporter + importer", spec=GravitySpec(year=None, pair="pair"))
    np.testing.assert_allclose(fit.cov, expected, rtol=1e-6)
    assert fit.n_clusters == G
    assert "clustered by pair" in fit.vcov_label


def test_hetero_covariance_is_the_sandwich_with_stata_correction(section):
    _, mu, Z = _ml_fit(section)
    y = section["trade"].to_numpy()
    scores = Z * (y - mu)[:, None]
    bread = np.linalg.inv(Z.T @ (mu[:, None] * Z))
    n = len(y)
    expected = (bread @ (scores.T @ scores) @ bread)[:2, :2] * n / (n - 1)
    fit = ppml(section, "trade ~ x1 + border | exporter + importer", options=PPMLOptions(vcov="hetero"))
    np.testing.assert_allclose(fit.cov, expected, rtol=1e-6)


def test_fixest_small_sample_counts_coefficients_and_fixed_effects(section):
    model = "trade ~ x1 + border | exporter + importer"
    spec = GravitySpec(year=None, pair="pair")
    n, k = len(section), 2 + (6 + 6 - 1)  # coefficients and the non-redundant fixed effects
    for vcov, factor in (("hetero", (n - 1) / (n - k)), ("cluster", (n - 1) / (n - k))):
        stata = ppml(section, model, spec=spec, options=PPMLOptions(vcov=vcov))
        fixest = ppml(section, model, spec=spec, options=PPMLOptions(vcov=vcov, small_sample="fixest"))
        np.testing.assert_allclose(fixest.cov, stata.cov * factor, rtol=1e-8)


def test_adding_up_constraints_hold_to_1e10(noisy_panel, noisy_fit):
    sample = noisy_panel.assign(fit=noisy_fit.fitted)[noisy_fit.in_sample]
    for keys in (["exporter", "year"], ["importer", "year"], ["pair"]):
        sums = sample.groupby(keys)[["trade", "fit"]].sum()
        assert np.max(np.abs(sums["fit"] / sums["trade"] - 1)) < 1e-10, keys
    assert noisy_fit.adding_up_residual < 1e-10
    assert noisy_fit.score_residual < 1e-6


def test_fixed_effects_rebuild_the_fitted_values(noisy_panel, noisy_fit):
    fe = noisy_fit.fixed_effects
    sample = noisy_panel[noisy_fit.in_sample]
    eta = noisy_fit.coefficients["rta"] * sample["rta"].to_numpy()
    eta = eta + fe["exporter^year"].loc[list(zip(sample["exporter"], sample["year"], strict=True))].to_numpy()
    eta = eta + fe["importer^year"].loc[list(zip(sample["importer"], sample["year"], strict=True))].to_numpy()
    eta = eta + fe["pair"].loc[sample["pair"]].to_numpy()
    np.testing.assert_allclose(np.exp(eta), noisy_fit.fitted[noisy_fit.in_sample].to_numpy(), rtol=1e-10)
    assert fe["exporter^year"].index.names == ["exporter", "year"]


def test_dropped_rows_are_reported_with_reasons(noisy_panel):
    frame = noisy_panel.copy()
    never = (frame["pair"] == "C1-C4")
    frame.loc[never, "trade"] = 0.0
    frame.loc[3, "rta"] = np.nan
    frame.index = [f"row{k}" for k in range(len(frame))]  # a non-default index is kept
    fit = ppml(frame, "rta", spec=SPEC)
    dropped = fit.dropped.set_index("row")
    assert set(dropped.index) == set(frame.index[never]) | {"row3"}
    assert dropped.loc["row3", "reason"] == "missing" and "rta" in dropped.loc["row3", "detail"]
    separated = dropped.drop(index="row3")
    assert (separated["reason"] == "separation_fe").all()
    assert separated["detail"].str.contains("pair = C1-C4").all()
    assert fit.n_obs + len(dropped) == len(frame)
    assert fit.fitted.index.equals(frame.index)
    assert fit.fitted[~fit.in_sample].isna().all()
    assert set(fit.dropped_summary()["reason"]) <= set(DROP_REASONS)


def test_directional_pairs_are_built_when_no_pair_column(noisy_panel):
    fit = ppml(noisy_panel.drop(columns=["pair"]), "rta", spec=GravitySpec())
    assert fit.fixed_effect_terms == ("exporter^year", "importer^year", "_gravity_pair")
    assert fit.n_clusters == 7 * 7
    assert "directional pair" in fit.vcov_label


def test_collinear_covariates_are_dropped_and_noted(noisy_panel):
    fit = ppml(noisy_panel, "rta + ln_dist", spec=SPEC)
    assert fit.variables == ("rta",)
    assert fit.collinear == ("ln_dist",)
    assert any("collinear" in note for note in fit.notes)


def test_offset_enters_with_coefficient_one(section):
    shifted = section.assign(trade=section["trade"], off=0.5 * section["x1"])
    plain = ppml(section, "trade ~ x1 + border | exporter + importer", options=PPMLOptions(vcov="hetero"))
    offset = ppml(shifted, "trade ~ x1 + border | exporter + importer", options=PPMLOptions(vcov="hetero"),
                  offset="off")
    assert offset.coefficients["x1"] == pytest.approx(plain.coefficients["x1"] - 0.5, abs=1e-8)
    np.testing.assert_allclose(offset.fitted.to_numpy(), plain.fitted.to_numpy(), rtol=1e-8)


def test_table_has_the_documented_columns(noisy_fit):
    table = noisy_fit.table()
    assert list(table.columns) == TABLE_COLUMNS
    row = table.iloc[0]
    assert row["z"] == pytest.approx(row["coef"] / row["se"])
    assert row["ci_high"] - row["coef"] == pytest.approx(1.959963984540054 * row["se"])


def test_the_record_is_read_only(noisy_fit):
    with pytest.raises(ValueError):
        noisy_fit.coef[0] = 1.0
    view = noisy_fit.coefficients
    view.iloc[0] = 99.0
    assert noisy_fit.coefficients.iloc[0] != 99.0
    fitted = noisy_fit.fitted
    fitted.iloc[0] = -1.0
    assert noisy_fit.fitted.iloc[0] != -1.0


def test_nonconvergence_raises(noisy_panel):
    with pytest.raises(ConvergenceError, match="did not converge"):
        ppml(noisy_panel, "rta", spec=SPEC, options=PPMLOptions(max_iter=1))


@pytest.mark.parametrize(
    ("formula", "fragment"),
    [
        ("trade ~ rta | exporter^year + importer^year + nope", "no column(s) ['nope']"),
        ("trade ~ rta | exporter + importer | x ~ z", "instrumental-variable"),
        ("trade ~ sw(rta, ln_dist) | exporter", "multiple-estimation"),
        ("trade ~ rta | exporter*year", "fixed-effect term"),
        ("", "empty formula"),
    ],
)
def test_bad_formulas_are_named(noisy_panel, formula, fragment):
    with pytest.raises((ModelError, DataError)) as info:
        ppml(noisy_panel, formula, spec=SPEC)
    assert fragment in str(info.value)


def test_bad_data_is_named(noisy_panel):
    with pytest.raises(DataError, match="negative"):
        ppml(noisy_panel.assign(trade=-noisy_panel["trade"] - 1), "rta", spec=SPEC)
    with pytest.raises(DataError, match="DataFrame"):
        ppml(noisy_panel.to_dict(), "rta", spec=SPEC)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="exporter and importer"):
        ppml(noisy_panel.drop(columns=["pair", "exporter"]).rename(columns={"importer": "dest"}),
             "trade ~ rta | year", spec=GravitySpec(importer="dest"))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"vcov": "robust"}, "vcov"),
        ({"vcov": "hetero", "cluster": "pair"}, "needs vcov='cluster'"),
        ({"small_sample": "spss"}, "small_sample"),
        ({"separation": ("fe", "simplex")}, "simplex"),
        ({"tol": 0.5}, "tol"),
        ({"adding_up_tol": 1e-6}, "adding_up_tol"),
        ({"max_iter": 0}, "max_iter"),
    ],
)
def test_options_are_validated(kwargs, fragment):
    with pytest.raises(ModelError, match=fragment):
        PPMLOptions(**kwargs)


def test_gravity_formula_and_parsing():
    assert gravity_formula("rta") == "trade ~ rta | exporter^year + importer^year + _gravity_pair"
    assert gravity_formula(["rta", "x"], GravitySpec(pair="pair_id")) == \
        "trade ~ rta + x | exporter^year + importer^year + pair_id"
    assert gravity_formula("", GravitySpec(year=None)) == "trade ~ 1 | exporter + importer"
    parsed = parse_formula("rta + rta_lag4", GravitySpec(pair="pair"))
    assert parsed.fixed_effects == ("exporter^year", "importer^year", "pair")
    assert parsed.columns == ["trade", "rta", "rta_lag4", "exporter", "year", "importer", "pair"]
    with pytest.raises(ModelError, match="GravitySpec"):
        GravitySpec(exporter="")


def test_pair_ids():
    frame = pd.DataFrame({"exporter": ["A", "B", "A", "B"], "importer": ["B", "A", "A", "B"]})
    assert pair_ids(frame).tolist() == ["A-B", "A-B", "A-A", "B-B"]
    assert pair_ids(frame, domestic="common").tolist() == ["A-B", "A-B", "domestic", "domestic"]
    assert pair_ids(frame, symmetric=False).tolist() == ["A-B", "B-A", "A-A", "B-B"]
    with pytest.raises(ModelError):
        pair_ids(frame, domestic="shared")


def test_infinite_values_are_missing_and_the_iterative_rectifier_runs(noisy_panel):
    frame = noisy_panel.copy()
    frame.loc[5, "rta"] = np.inf
    fit = ppml(frame, "rta", spec=SPEC, options=PPMLOptions(separation=("fe", "ir")))
    dropped = fit.dropped.set_index("row")
    assert list(dropped.index) == [5] and dropped.loc[5, "reason"] == "missing"
    assert fit.options.separation == ("fe", "ir")


def test_domestic_flows_without_a_border_term_are_flagged():
    """Yotov et al. (2016, ch. 1): with domestic flows in the sample, a model without a border term
    lets the other covariates absorb the border effect; the estimate says so."""
    frame = cross_section(np.random.default_rng(3))
    cross = GravitySpec(year=None, pair="pair")
    flagged = ppml(frame, "trade ~ x1 | exporter + importer", spec=cross)
    assert any("no border term" in note for note in flagged.notes)
    assert not any("border" in note for note in ppml(frame, "trade ~ x1 + border | exporter + importer",
                                                     spec=cross).notes)
    assert not any("border" in note for note in ppml(frame, "trade ~ x1 | exporter + importer + pair",
                                                     spec=cross).notes)
    international = frame[frame["exporter"] != frame["importer"]]
    assert not any("border" in note for note in ppml(international, "trade ~ x1 | exporter + importer",
                                                     spec=cross).notes)
