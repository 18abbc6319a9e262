"""`tariffsim scenario ...` and `tariffsim run` with dates, through a subprocess."""

from __future__ import annotations

import pandas as pd
import pytest

from tariffsim.scenario import bundled_scenarios
from tests.cli.test_cli import tariffsim


@pytest.mark.parametrize("name", bundled_scenarios())
def test_every_bundled_scenario_passes_check(name):
    out = tariffsim("scenario", "check", name)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


def test_scenario_list_names_the_bundled_scenarios():
    out = tariffsim("scenario", "list")
    assert out.returncode == 0
    for name in ("us-china-2018-2019", "threat-150bn-2018", "threat-150bn-2018-retaliation"):
        assert name in out.stdout


def test_scenario_commands_have_help():
    for command in (["scenario", "check"], ["scenario", "coverage"], ["scenario", "list"]):
        out = tariffsim(*command, "--help")
        assert out.returncode == 0 and "Usage" in out.stdout


def test_run_over_dates_writes_a_folder_per_date_and_a_timeline(tmp_path):
    out = tariffsim("run", "us-china-2018-2019", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    timeline = pd.read_csv(tmp_path / "timeline.csv")
    dates = sorted(timeline["date"].unique())
    assert dates[0] == "2018-01-01" and "2019-06-01" in dates
    first = timeline[timeline["date"] == "2018-01-01"]
    assert (first["welfare_pct"] == 0).all()  # nothing in force yet
    for date in dates:
        assert (tmp_path / date / "countries.csv").exists()
        assert (tmp_path / date / "coverage.csv").exists()
    tariffs = pd.read_csv(tmp_path / "2019-09-01" / "tariffs.csv")
    total = tariffs[(tariffs.imposer == "USA") & (tariffs.target == "CHN") & (tariffs.sector == "all")].iloc[0]
    assert total["tariff_after_pct"] > total["tariff_before_pct"] + 10


def test_scenario_coverage_with_product_weights(tmp_path):
    weights = pd.DataFrame({"importer": ["USA", "USA"], "exporter": ["CHN", "CHN"],
                            "product": ["84713000", "87032300"], "value": [100.0, 50.0]})
    path = tmp_path / "w.csv"
    weights.to_csv(path, index=False)
    scenario = tmp_path / "s.toml"
    scenario.write_text('[scenario]\nname = "w"\n\n[[action]]\nimposer = "USA"\ntarget = ["CHN"]\n'
                        'products = ["8471"]\nrate = "25%"\n')
    out = tariffsim("scenario", "coverage", str(scenario), "--weights", str(path), "--out", str(tmp_path / "o"))
    assert out.returncode == 0, out.stderr
    coverage = pd.read_csv(tmp_path / "o" / "coverage.csv")
    assert coverage.loc[0, "basis"] == "products"
    assert coverage.loc[0, "covered_value_usd_m"] == 100.0


def test_bad_weights_file_is_one_line(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("a,b\n1,2\n")
    out = tariffsim("scenario", "coverage", "sector-example", "--weights", str(path))
    assert out.returncode == 2
    assert "missing columns" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_scenario_coverage_sets_each_list_beside_its_announced_and_census_values(tmp_path):
    """On demo-2017 the original file covers each list's announced value (USTR: $34, 16 and 200 bn), List 4A as
    far as the World's trade allows; its later rate cut covers the same trade, not more."""
    out = tariffsim("scenario", "coverage", "us-china-2018-2019", "--date", "2020-02-14", "--out", str(tmp_path / "o"))
    assert out.returncode == 0, out.stderr
    assert "Section 301 lists on 2020-02-14" in out.stdout and "lists.csv" in out.stdout
    lists = pd.read_csv(tmp_path / "o" / "lists.csv").set_index("label")
    announced = {"Section 301 List 1": 34_000.0, "Section 301 List 2": 16_000.0, "Section 301 List 3": 200_000.0,
                 "Section 301 List 4A": 120_000.0}  # USTR notices (docs/scenarios.md)
    census = {"Section 301 List 1": 32_000.0, "Section 301 List 2": 15_300.0, "Section 301 List 3": 191_800.0,
              "Section 301 List 4A": 110_100.0}  # 2018 US Census values of the lists' lines (issue 13)
    assert sorted(lists.index) == sorted(announced)
    for label, value in announced.items():
        assert lists.loc[label, "announced_usd_m"] == value and lists.loc[label, "census_2018_usd_m"] == census[label]
    for label in ("Section 301 List 1", "Section 301 List 2", "Section 301 List 3"):
        assert lists.loc[label, "covered_value_usd_m"] == pytest.approx(announced[label], rel=1e-9)
    assert 0.9 * 120_000 < lists.loc["Section 301 List 4A", "covered_value_usd_m"] <= 120_000
    assert lists.loc["Section 301 List 4A", "actions"] == 2
