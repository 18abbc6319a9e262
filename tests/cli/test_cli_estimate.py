"""``tariffsim estimate`` through a subprocess, as a user runs it.

Expected coefficients come from noiseless data generated with known parameters, and from
the book (Yotov et al. 2016, ch. 1, application 3: RTA 0.557 with pair fixed effects).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim.estimate import TABLE_COLUMNS
from tests.cli._inprocess import run_cli
from tests.unit.estimate._panels import panel


def tariffsim(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def noiseless_cross_section(countries: int = 8, seed: int = 9) -> pd.DataFrame:
    """trade = exp(s_i + m_j − 0.8 ln_dist + 0.3 rta) exactly."""
    rng = np.random.default_rng(seed)
    names = [f"K{i}" for i in range(countries)]
    s, m = rng.normal(3.0, 1.0, countries), rng.normal(3.0, 1.0, countries)
    rows = []
    for i in range(countries):
        for j in range(countries):
            ln_dist = 0.0 if i == j else float(rng.uniform(0.5, 3.0))
            rta = float(i != j and (i + j) % 3 == 0)
            rows.append((names[i], names[j], float(np.exp(s[i] + m[j] - 0.8 * ln_dist + 0.3 * rta)), ln_dist, rta))
    return pd.DataFrame(rows, columns=["exporter", "importer", "trade", "ln_dist", "rta"])


def test_estimate_has_help():
    out = tariffsim("estimate", "--help")
    assert out.returncode == 0, out.stderr
    assert "Usage" in out.stdout and "--data" in out.stdout and "--out" in out.stdout


def test_panel_csv_with_gravity_defaults(tmp_path: Path):
    frame, truth = panel(np.random.default_rng(2), countries=6, years=3, noise=False)
    data = tmp_path / "panel.csv"
    frame.to_csv(data, index=False)
    out = tariffsim("estimate", "rta", "--data", str(data), "--pair", "pair", "--out", str(tmp_path / "t.csv"))
    assert out.returncode == 0, out.stderr
    assert "exporter^year + importer^year + pair" in out.stdout
    assert "observations 108" in out.stdout and "clustered by pair" in out.stdout
    table = pd.read_csv(tmp_path / "t.csv")
    assert list(table.columns) == TABLE_COLUMNS
    assert table.set_index("variable").loc["rta", "coef"] == pytest.approx(truth["beta"], abs=1e-7)


def test_cross_section_parquet(tmp_path: Path):
    data = tmp_path / "section.parquet"
    noiseless_cross_section().to_parquet(data)
    out = tariffsim("estimate", "rta + ln_dist", "--data", str(data), "--vcov", "hetero",
                    "--out", str(tmp_path / "sub" / "t.csv"))
    assert out.returncode == 0, out.stderr
    assert "trade ~ rta + ln_dist | exporter + importer" in out.stdout
    table = pd.read_csv(tmp_path / "sub" / "t.csv").set_index("variable")
    assert table.loc["rta", "coef"] == pytest.approx(0.3, abs=1e-7)
    assert table.loc["ln_dist", "coef"] == pytest.approx(-0.8, abs=1e-7)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["rta", "--data", "{tmp}/nope.csv"], "file not found"),
        (["trade ~ rta | exporter + nope", "--data", "{data}"], "no column(s) ['nope']"),
        (["rta", "--data", "{data}", "--vcov", "robust"], "vcov 'robust'"),
        (["rta", "--data", "{data}", "--years", "2000-x"], "--years"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path: Path, args, fragment):
    data = tmp_path / "section.csv"
    noiseless_cross_section().assign(year=2000).to_csv(data, index=False)
    out = tariffsim("estimate", *[a.format(tmp=tmp_path, data=data) for a in args])
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert fragment in lines[0]


def test_book_rta_estimate_from_shared_data(tmp_path: Path):
    from tests.conftest import shared_file

    data = shared_file("yotov2016_agtpa/agtpa_panel_69c_1986_2006.parquet")
    out = tariffsim("estimate", "rta", "--data", str(data), "--years", "1986-2006/4", "--pair", "pair_id",
                    "--out", str(tmp_path / "rta.csv"))
    assert out.returncode == 0, out.stderr
    assert "84 separation_fe" in out.stdout
    coef = pd.read_csv(tmp_path / "rta.csv").set_index("variable").loc["rta", "coef"]
    assert round(coef, 3) == 0.557  # Yotov et al. (2016), ch. 1, application 3, pair fixed effects
