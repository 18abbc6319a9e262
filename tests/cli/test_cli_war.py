"""`tariffsim war`: Nash and optimal tariffs from the command line, from a World or a scenario's [game] table.

In-process through :func:`tariffsim.cli.main`. Expected values: the symmetric two-country war
has equal tariffs (symmetry); the war folder's tables agree with the library's own answer
(``nash_tariffs``, computed separately here); the report holds its sections.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim import World
from tariffsim.cli import main
from tariffsim.data import write_world
from tariffsim.games import Instrument, Player, nash_tariffs


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    flows = np.array([[[150.0, 60.0], [30.0, 10.0]], [[30.0, 10.0], [150.0, 60.0]]])
    world = World(countries=("AAA", "BBB"), sectors=("G1", "G2"), flows=flows, tariffs=np.zeros((2, 2, 2)),
                  elasticity=[4.0, 6.0])
    return write_world(world, tmp_path_factory.mktemp("twins") / "world")


def test_a_symmetric_war_from_the_command_line(twins, tmp_path):
    out = tmp_path / "war"
    assert main(["war", "nash", str(twins), "--players", "AAA,BBB", "--out", str(out), "--report"]) == 0
    tariffs = pd.read_csv(out / "tariffs.csv")
    mine = tariffs.set_index(["importer", "sector"])["tariff_pct"]
    for sector in ("G1", "G2"):
        assert mine[("AAA", sector)] == pytest.approx(mine[("BBB", sector)], rel=1e-6)
    # The same war through the library, solved separately, gives the same tariffs.
    from tariffsim.data import load_world

    world = load_world(str(twins))
    nash = nash_tariffs(world, [Player(Instrument("AAA")), Player(Instrument("BBB"))])
    library = nash.tariffs.set_index(["importer", "sector"])["tariff"] * 100
    for key, value in library.items():
        assert mine[key] == pytest.approx(value, abs=1e-4)
    record = json.loads((out / "war.json").read_text())
    assert record["game"]["players"] == ["AAA", "BBB"] and record["diagnostics"]["converged"]
    html = (out / "report.html").read_text()
    for section in ('id="summary"', 'id="tariffs"', 'id="welfare"', 'id="path"', 'id="diagnostics"'):
        assert section in html
    players = pd.read_csv(out / "players.csv").set_index("country")
    assert (players["objective_change_pct"] < 0).all()  # a war between twins hurts both


def test_a_scenario_with_a_game_table(twins, tmp_path):
    """The [game] table gives the players and instrument; the scenario's tariffs on its date are the
    start, and the non-player keeps them."""
    scenario = twins.parent / "war.toml"
    scenario.write_text('[scenario]\nname = "twins at war"\nworld = "world"\ndate = 2019-01-01\n\n'
                        '[[action]]\nimposer = "AAA"\ntarget = "BBB"\nsectors = "all"\nrate = "10%"\n\n'
                        '[game]\nkind = "optimal"\nplayers = ["BBB"]\nsectors = "uniform"\n')
    out = tmp_path / "best"
    assert main(["war", "optimal", str(scenario), "--out", str(out)]) == 0
    record = json.loads((out / "war.json").read_text())
    assert record["game"]["players"] == ["BBB"] and record["game"]["sectors"] == "uniform"
    assert record["label"] == "twins at war" and record["date"] == "2019-01-01"
    tariffs = pd.read_csv(out / "tariffs.csv")
    assert set(tariffs["importer"]) == {"BBB"}
    assert (tariffs["tariff_start_pct"] == 0).all() and tariffs["tariff_pct"].nunique() == 1
    assert tariffs["tariff_pct"].iloc[0] > 0
    players = pd.read_csv(out / "players.csv")
    assert players["objective_change_pct"].iloc[0] > 0  # an optimal tariff gains over no tariff


def test_errors_are_one_line(twins, tmp_path, capsys):
    assert main(["war", "nash", str(twins), "--players", "AAA,XXX", "--out", str(tmp_path / "a")]) == 2
    assert main(["war", "nash", str(twins), "--players", "AAA", "--objective", "political",
                 "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert "weights" in err and len(err.strip().splitlines()) == 2
