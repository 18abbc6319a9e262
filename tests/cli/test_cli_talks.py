"""`tariffsim talks gap | target | run`: tables written, answers printed, documented errors as one line.

In-process through :func:`tariffsim.cli.main`. Expected values: the files a command writes
against the library's answer to the same question (the CLI must only wire), and the
documented errors (unknown party, a target out of reach, an instrument that does not move
the balance) as one line and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim.cli import main
from tariffsim.data import write_world
from tariffsim.games.targets import find_target
from tariffsim.testing import random_world
from tests.unit.talks.scenario_files import scenario_file


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli-talks")
    world = write_world(random_world(np.random.default_rng(7), 4, 2, theta=(3.0, 6.0)), root / "world")
    a = scenario_file(root / "a.toml", world, "pos-a", [("C00", "C01", "20%")])
    b = scenario_file(root / "b.toml", world, "pos-b", [("C01", "C00", "10%")])
    war = scenario_file(root / "war.toml", world, "war", [("C00", "C01", "60%"), ("C01", "C00", "60%")])
    case = root / "case.toml"
    case.write_text('[talks]\nname = "cli talks"\nparties = ["C00", "C01"]\npositions = ["a.toml", "b.toml"]\n'
                    'threat = "war.toml"\n\n[target]\npair = "C00:C01"\nbalance_change = -0.3\n'
                    'instruments = ["tariff:C01:C00"]\n')
    return {"world": world, "a": a, "b": b, "war": war, "case": case}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code: int, err: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_gap_prints_and_writes_the_outcomes(files, tmp_path, capsys):
    out = tmp_path / "gap"
    code, printed, err = _run(["talks", "gap", str(files["a"]), str(files["b"]), "--threat", str(files["war"]),
                               "--out", str(out)], capsys)
    assert code == 0, err
    assert "pos-a" in printed and "split the difference" in printed
    outcomes = pd.read_csv(out / "outcomes.csv")
    assert set(outcomes["party"]) == {"C00", "C01"}
    assert {"status quo", "pos-a", "pos-b", "war", "Nash trade war", "Nash bargain"} <= set(outcomes["outcome"])
    assert {p.name for p in out.iterdir()} >= {"distance.csv", "zone.csv", "frontier.csv", "split.csv"}


def test_target_writes_what_the_library_answers(files, tmp_path, capsys):
    out = tmp_path / "target"
    code, printed, err = _run(["talks", "target", "--world", str(files["world"]), "--pair", "C00:C01",
                               "--balance-change", "-0.3", "--instrument", "tariff:C01:C00", "--out", str(out)],
                              capsys)
    assert code == 0, err
    table = pd.read_csv(out / "target.csv")
    answer = find_target(files["world"], "C00:C01", -0.3, "tariff:C01:C00")
    assert table["value"].iloc[0] == pytest.approx(answer.values[0], rel=1e-9)
    assert bool(table["reached"].iloc[0])
    assert "diversion" in printed and "closed form" in printed
    assert {p.name for p in out.iterdir()} == {"target.csv", "target_costs.csv", "target_path.csv"}


@pytest.mark.parametrize(("args", "message"), [
    (["--pair", "C00:XXX", "--instrument", "tariff:C01:C00"], "unknown country 'XXX'"),
    (["--pair", "C00:C01", "--instrument", "tariff:C01:C00=0.2", "--balance-change", "-50"], "out of reach"),
    (["--pair", "C00:C01", "--instrument", "purchase:C03:C02", "--balance-change", "-0.3"], "out of reach"),
    (["--pair", "C00:C01", "--instrument", "tariff-cut:C02:C03", "--sectors", "S0", "--balance-change", "-0.3"],
     "out of reach"),
    (["--pair", "C00C01", "--instrument", "tariff:C01:C00"], "not A:B"),
    (["--pair", "C00:C01", "--instrument", "levy:C01:C00"], "not one of"),
])
def test_target_errors_are_one_line(files, capsys, args, message):
    base = ["talks", "target", "--world", str(files["world"]), "--balance-change", "-0.3"]
    code, _, err = _run([*base, *args], capsys)
    assert message in _one_line_error(code, err)


def test_an_instrument_that_does_not_move_the_balance(files, tmp_path, capsys):
    from tariffsim.data import load_world

    world = load_world(files["world"])
    tariffs = np.array(world.tariffs)
    tariffs[0, 1, :] = 0.0  # C01 has no tariff on C00's goods to cut
    flat = write_world(world.replace(tariffs=tariffs), tmp_path / "flat")
    code, _, err = _run(["talks", "target", "--world", str(flat), "--pair", "C00:C01", "--balance-change", "-0.3",
                         "--instrument", "tariff-cut:C01:C00"], capsys)
    assert "does not move the balance" in _one_line_error(code, err)


def test_an_unreachable_target_still_writes_the_closest_answer(files, tmp_path, capsys):
    out = tmp_path / "closest"
    code, _, err = _run(["talks", "target", "--world", str(files["world"]), "--pair", "C00:C01",
                         "--balance-change", "-50", "--instrument", "tariff:C01:C00=0.2", "--out", str(out)], capsys)
    _one_line_error(code, err)
    table = pd.read_csv(out / "target.csv")
    assert not bool(table["reached"].iloc[0]) and table["value"].iloc[0] == pytest.approx(0.2)


def test_gap_errors_are_one_line(files, capsys):
    code, _, err = _run(["talks", "gap", str(files["a"]), str(files["b"]), "--parties", "C00,XXX",
                         "--threat", "status-quo"], capsys)
    assert "XXX" in _one_line_error(code, err)
    code, _, err = _run(["talks", "gap", str(files["a"]), str(files["b"]), "--threat", "no-such-threat"], capsys)
    _one_line_error(code, err)


def test_run_writes_the_report(files, tmp_path, capsys):
    out = tmp_path / "run"
    code, printed, err = _run(["talks", "run", str(files["case"]), "--report", "--out", str(out)], capsys)
    assert code == 0, err
    assert (out / "report.html").is_file() and (out / "talks.json").is_file()
    assert "target:" in printed and "report:" in printed


@pytest.mark.slow
def test_the_seed_case_on_the_demo_world(tmp_path, capsys):
    out = tmp_path / "seed"
    code, printed, err = _run(["talks", "run", "talks-may-2018", "--report", "--out", str(out)], capsys)
    assert code == 0, err
    assert "us-demands-2018" in printed
    target = pd.read_csv(out / "target.csv")
    assert target["target_musd"].eq(-200000).all()
    reached = target[target["reached"]]
    assert reached["balance_change_musd"].to_numpy() == pytest.approx(-200000, rel=1e-3)
    assert (out / "report.html").stat().st_size > 1_000_000  # plotly.js embedded
