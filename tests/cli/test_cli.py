"""The command line as a user runs it: in this process through main() (tests/cli/_inprocess.py), and the entry
point itself through a subprocess (--version, the top-level help)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import typer

from tariffsim import __version__
from tariffsim.cli import app, main
from tariffsim.data import write_world
from tariffsim.testing import random_world
from tests.cli._inprocess import run_cli


def _commands(typer_app: typer.Typer, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command of the app, so that a new one is covered without touching this file."""
    found = [[*prefix, c.name or c.callback.__name__] for c in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        found += _commands(group.typer_instance, (*prefix, group.name))
    return found


COMMANDS = _commands(app)


def tariffsim_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m tariffsim ARGS`` as a user runs it (the entry point itself)."""
    return subprocess.run([sys.executable, "-m", "tariffsim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def tariffsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command in this process (seconds faster than a subprocess; see tests/cli/_inprocess.py)."""
    return run_cli(*args, cwd=cwd)


def test_version():
    out = tariffsim_process("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"tariffsim {__version__}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_has_help(command, capsys):
    # in-process: one subprocess per command would cost seconds each; test_top_level_help runs one
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage" in out and command[-1] in out
    assert len(out.strip().splitlines()) > 3


def test_top_level_help_lists_every_command():
    out = tariffsim_process("--help")
    assert out.returncode == 0
    assert len(COMMANDS) >= 18
    for command in {c[0] for c in COMMANDS}:
        assert command in out.stdout


@pytest.fixture
def world_dir(tmp_path: Path) -> Path:
    world = random_world(np.random.default_rng(1), 4, 2)
    return write_world(world, tmp_path / "w")


def scenario_file(tmp_path: Path, world_dir: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'[scenario]\nname = "test"\nworld = "{world_dir}"\n\n{body}')
    return path


def test_run_writes_tables_and_run_json(tmp_path, world_dir):
    path = scenario_file(tmp_path, world_dir,
                         '[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = "all"\nrate = "25%"\n')
    out = tariffsim("run", str(path), "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    for name in ("countries.csv", "bilateral.csv", "sectors.csv", "bilateral_sectors.csv", "run.json"):
        assert (tmp_path / "out" / name).exists(), name
    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["diagnostics"]["converged"] is True
    assert record["market_clearing_residual"] < 1e-9
    assert len(record["fingerprints"]["world"]) == 64
    bilateral = pd.read_csv(tmp_path / "out" / "bilateral_sectors.csv")
    pair = bilateral[(bilateral.exporter == "C01") & (bilateral.importer == "C00")]
    np.testing.assert_allclose(pair["tariff_cf_pct"], pair["tariff_base_pct"] + 25.0, rtol=1e-9)
    other = bilateral[(bilateral.exporter == "C02") & (bilateral.importer == "C00")]
    np.testing.assert_allclose(other["tariff_cf_pct"], other["tariff_base_pct"], rtol=1e-12)
    assert "C00" in out.stdout and "welfare %" in out.stdout


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('[[action]]\nimposer = "XXX"\ntarget = ["C01"]\nsectors = "all"\nrate = 0.1\n',
         "unknown country or region 'XXX'"),
        ('[[action]]\nimposer = "C00"\ntarget = ["C01"]\nrate = 25\n', "write '25%'"),
        ('[[action]]\nimposer = "C00"\ntarget = ["C01"]\nrate = "-150%"\n', "-100%"),
        ('[[action]]\nimposer = "C00"\ntarget = ["C01"]\nrate = 0.1\nsectorz = "all"\n', "unknown key"),
        ('[[action]]\nimposer = "C00"\nrate = 0.1\n', "required key is missing"),
        ("[[action]\n", "not valid TOML"),
    ],
)
def test_bad_scenarios_give_one_line_and_exit_2(tmp_path, world_dir, body, fragment):
    path = scenario_file(tmp_path, world_dir, body)
    out = tariffsim("run", str(path), "--out", str(tmp_path / "out"))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert str(path) in lines[0]
    assert "Traceback" not in out.stderr


def test_error_names_the_line(tmp_path, world_dir):
    body = '[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = "all"\nrate = 0.1\n\n[[action]]\n' \
           'imposer = "C00"\ntarget = ["C02"]\nsectors = "all"\nrate = "abc"\n'
    path = scenario_file(tmp_path, world_dir, body)
    out = tariffsim("run", str(path))
    assert out.returncode == 2
    # header takes 4 lines; the second action's rate is on line 15
    assert f"{path}:15" in out.stderr
    assert "action.1.rate" in out.stderr


def test_missing_files_and_names(tmp_path):
    out = tariffsim("run", str(tmp_path / "nope.toml"))
    assert out.returncode == 2 and "file not found" in out.stderr
    out = tariffsim("world", "show", str(tmp_path / "nowhere"))
    assert out.returncode == 2 and "no bundled world" in out.stderr
    out = tariffsim("replicate", "nope")
    assert out.returncode == 2 and "unknown reproduction" in out.stderr
    out = tariffsim("replicate", "yotov2016-app1", "--data", str(tmp_path))
    assert out.returncode == 2 and "missing input file" in out.stderr


def test_debug_shows_the_traceback(tmp_path):
    out = tariffsim("--debug", "run", str(tmp_path / "nope.toml"))
    assert out.returncode == 2
    assert "Traceback" in out.stderr


def test_world_show_reads_a_world_folder(world_dir):
    out = tariffsim("world", "show", str(world_dir))
    assert out.returncode == 0, out.stderr
    assert "C03" in out.stdout and "trade elasticities" in out.stdout


def test_replicate_lists_reproductions():
    out = tariffsim("replicate")
    assert out.returncode == 0
    assert "yotov2016-app1" in out.stdout and "gegravity-can-jpn" in out.stdout


def test_replicate_runs_from_shared_data(tmp_path, shared_data):
    out = tariffsim("replicate", "yotov2016-app1", "--data", str(shared_data), "--out", str(tmp_path),
                    "--mode", "book")
    assert out.returncode == 0, out.stderr
    countries = pd.read_csv(tmp_path / "countries.csv").set_index("country")
    assert countries.loc["CAN", "real_gdp_pct"] == pytest.approx(54.36, abs=0.02)


def test_world_show_prints_the_bundled_demo_world():
    out = tariffsim("world", "show")
    assert out.returncode == 0, out.stderr
    for label in ("USA", "CHN", "EU", "ROW", "demo-2017"):
        assert label in out.stdout


def test_demo_run_prints_a_table_and_writes_out(tmp_path):
    # one date of the six keeps it short: the demo runs on world-2017 (81 economies x 28 sectors)
    out = tariffsim("run", "--demo", "--date", "2020-02-14", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "welfare %" in out.stdout and "USA" in out.stdout
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["scenario"]["name"] == "us-china-2018-2019-world-2017"
    assert record["baseline"]["name"] == "world-2017" and record["elasticities"]["given_by"] == "world"
    sectors = pd.read_csv(tmp_path / "sectors.csv")
    assert {"C26", "C13T15", "C24A", "SER"} <= set(sectors["sector"])  # results for real (ICIO) sectors
    countries = pd.read_csv(tmp_path / "countries.csv").set_index("country")
    # the US raised tariffs on China: its tariff revenue rises and imports fall
    assert countries.loc["USA", "tariff_revenue_cf"] > countries.loc["USA", "tariff_revenue_base"]
    assert countries.loc["USA", "imports_pct"] < 0


def _help_texts(group: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(where, text) of every command's and parameter's help in the click tree."""
    found = []
    for name, cmd in getattr(group, "commands", {}).items():
        where = f"{prefix}{name}"
        found.append((where, cmd.help or ""))
        found += [(f"{where} {p.name}", getattr(p, "help", None) or "") for p in cmd.params]
        found += _help_texts(cmd, where + " ")
    return found


def test_no_help_text_loses_a_bracketed_word_to_rich_markup():
    # rich reads "[game]" as a markup tag and prints nothing: TOML table names in help must be written "\\[game]"
    from tariffsim.cli import command

    lost = [(where, m.group()) for where, text in _help_texts(command())
            for m in re.finditer(r"(?<!\\)\[[a-z_]+\]", text)]
    assert lost == []
    shown = run_cli("war", "nash", "--help")
    assert shown.returncode == 0 and "[game] table" in " ".join(shown.stdout.replace("│", " ").split())
