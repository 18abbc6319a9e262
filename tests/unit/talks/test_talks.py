"""A talks case end to end: case files, the run, its folder and its report.

Expected values: the folder's tables against the run's own objects and against each other
(the report reads only them), the case file's rules (confined paths, unknown keys), and the
bundled case's positions against their sources (the US demand's purchases sum to $200 bn by
2020: 125 + 75).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim import ScenarioError
from tariffsim.data import write_world
from tariffsim.games import Instrument
from tariffsim.games.bargaining import PurchaseLever
from tariffsim.games.talks import TALKS_CASES, TALKS_FILES, load_talks_case, parse_levers, run_talks
from tariffsim.games.targets import TARGET_COLUMNS
from tariffsim.report.talks import MARK, load_talks, render_talks_report
from tariffsim.scenario import compile_scenario, load_scenario
from tariffsim.testing import random_world
from tests.unit.talks.scenario_files import scenario_file

CASE = """[talks]
name = "small talks"
description = "two positions on a random world"
parties = ["C00", "C01"]
positions = ["a.toml", "b.toml"]
threat = "war.toml"
bargain = ["tariff:C00:C01", "tariff:C01:C00"]
weights = [1, 2]
source = "a test"

[target]
pair = "C00:C01"
balance_change = -0.3
by = 2020-12-31
instruments = ["tariff:C01:C00", "tariff-cut:C00:C01=1"]
source = "a demand"
"""


@pytest.fixture(scope="module")
def case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("talks")
    world = write_world(random_world(np.random.default_rng(7), 4, 2, theta=(3.0, 6.0)), root / "world")
    scenario_file(root / "a.toml", world, "pos-a", [("C00", "C01", "20%")])
    scenario_file(root / "b.toml", world, "pos-b", [("C01", "C00", "10%")])
    scenario_file(root / "war.toml", world, "war", [("C00", "C01", "60%"), ("C01", "C00", "60%")])
    (root / "case.toml").write_text(CASE)
    return root / "case.toml"


@pytest.fixture(scope="module")
def written(case_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    run = run_talks(case_file, frontier_points=4, split_points=5)
    folder = tmp_path_factory.mktemp("out") / "talks"
    run.write(folder, report=True)
    return run, folder


def test_the_folder_holds_every_table_and_the_report(written):
    run, folder = written
    names = {p.name for p in folder.iterdir()}
    assert names == {*TALKS_FILES, "report.html"}
    record = json.loads((folder / "talks.json").read_text())
    assert record["case"]["parties"] == ["C00", "C01"]
    assert record["case"]["threat"] == "war"
    assert record["case"]["weights"] == [1.0, 2.0]
    target = pd.read_csv(folder / "target.csv")
    assert list(target.columns) == [*TARGET_COLUMNS, "welfare_pct_C00", "welfare_pct_C01"]
    assert len(target) == 2 and target["reached"].all()
    assert target["balance_change_musd"].to_numpy() == pytest.approx(-0.3, rel=1e-3)
    outcomes = pd.read_csv(folder / "outcomes.csv")
    pd.testing.assert_frame_equal(outcomes, run.gap.outcomes, check_dtype=False)
    gains = pd.read_csv(folder / "bargain_gains.csv")
    assert gains["weight"].to_numpy() == pytest.approx([1 / 3, 2 / 3])


def test_the_report_reads_the_tables_only(written):
    _, folder = written
    record, tables = load_talks(folder)
    page = render_talks_report(record, tables)
    for key in ("summary", "threat", "target", "outcomes", "plane", "gap", "bargain", "assumptions"):
        assert f'<section id="{key}"' in page
    for chart in ("talks-threat", "talks-target", "talks-outcomes", "talks-plane", "talks-split"):
        assert f'data-chart="{chart}"' in page
    assert MARK not in page
    # the summary's bargain gains are the table's, formatted
    gain = tables["bargain_gains"].set_index("party").loc["C01", "gain_pp"]
    assert f"{abs(gain):.3f} points" in page
    # the report written with the run says what the one rendered from the folder says
    written_page = (folder / "report.html").read_text(encoding="utf-8")

    def summary(text: str) -> str:
        start = text.index('<section id="summary"')
        return text[start:text.index("</section>", start)]

    assert summary(written_page) == summary(page)


def test_levers_from_text():
    levers = parse_levers(["tariff:USA:CHN", "tariff:USA:EU", "tariff:CHN:USA", "purchase:CHN:USA=1000"],
                          sectors="each")
    tariffs = [lev for lev in levers if isinstance(lev, Instrument)]
    assert [(t.importer, t.targets, t.sectors) for t in tariffs] == [("USA", ("CHN", "EU"), "each"),
                                                                      ("CHN", ("USA",), "each")]
    purchase = [lev for lev in levers if isinstance(lev, PurchaseLever)]
    assert purchase == [PurchaseLever("CHN", "USA", upper=1000.0)]


@pytest.mark.parametrize(("change", "message"), [
    ('positions = ["a.toml", "../outside.toml"]', "outside the folders"),
    ('world = "../elsewhere"', "outside the folders"),
    ('colour = "red"', "unknown key 'talks.colour'"),
    ('weights = [1]', "two numbers"),
    ('sectors = "some"', "'uniform' or 'each'"),
    ('bargain = ["tariff:C00"]', "not tariff:A:B"),
])
def test_case_files_are_checked(case_file, tmp_path, change, message):
    key = change.split(" = ")[0]
    lines = [line for line in CASE.splitlines() if not line.startswith(f"{key} = ")]
    text = "\n".join(lines).replace("[talks]\n", f"[talks]\n{change}\n")
    path = case_file.parent / f"bad-{tmp_path.name}.toml"
    path.write_text(text)
    with pytest.raises(Exception, match=message):
        load_talks_case(path)
    path.unlink()


def test_a_missing_case_file_names_the_bundled_cases(tmp_path):
    with pytest.raises(ScenarioError, match="talks-may-2018"):
        load_talks_case(tmp_path / "nope.toml")


def test_the_bundled_case_and_its_positions():
    case = TALKS_CASES["talks-may-2018"]
    assert case.parties == ("USA", "CHN")
    assert case.target is not None and case.target.balance_change == -200_000
    from tariffsim.data import load_world

    world = load_world("demo-2017")
    us = compile_scenario(load_scenario(case.positions[0]), world, date="2020-12-31")
    # the US demand: $100 bn more purchases in each of two years, at least 75 % then 50 % goods
    assert sum(p.value for p in us.shock.purchases) == pytest.approx(200_000)
    goods = [p for p in us.shock.purchases if "SER" not in p.sectors]
    assert sum(p.value for p in goods) == pytest.approx(125_000)
    china = compile_scenario(load_scenario(case.positions[1]), world, date="2020-12-31")
    assert np.array_equal(china.shock.new_tariffs(world), world.tariffs)  # the threat lifted: the status quo
    assert not china.shock.purchases
