"""Every command with wrong values and failing file systems: exit code 2 and exactly one line on stderr.

The commands are enumerated from the typer app, and so are their parameters: each
parameter of each command gets the wrong values its type calls for (empty text, a
number that is not one, a date that is not one, a missing input file, a file where a
folder goes and a folder where a file goes), substituted one at a time into a
*baseline* invocation of the command, and every command that writes is run with
writes failing (no space left on device, permission denied), injected in-process.
A new command fails :func:`test_every_command_has_a_baseline` until it is given a
baseline here and its path parameters a role in :data:`PATH_ROLES`.

Everything runs in-process through :func:`tariffsim.cli.main` (fast); a few
subprocess checks at the end make sure the same holds as a user runs it.
"""

from __future__ import annotations

import builtins
import errno
import inspect
import io
import json
import os
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
import typer.models

from tariffsim.cli import app, main
from tariffsim.data import write_world
from tariffsim.testing import random_world

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"

# ---------------------------------------------------------------------- the commands, from the app


@dataclass(frozen=True)
class Param:
    """A parameter of a command as the user gives it."""

    name: str
    option: str | None  # "--out"; None for an argument
    kind: type  # str, int, float, bool or Path
    position: int  # order among the arguments (arguments only)


def _leaves(typer_app: typer.Typer, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, typing.Any]]:
    for info in typer_app.registered_commands:
        yield " ".join((*prefix, info.name or info.callback.__name__)), info.callback
    for group in typer_app.registered_groups:
        yield from _leaves(group.typer_instance, (*prefix, group.name))


def _kind(annotation: typing.Any) -> type:
    for candidate in (annotation, *typing.get_args(annotation)):
        if candidate in (str, int, float, bool, Path):
            return typing.cast(type, candidate)
        inner = typing.get_args(candidate)
        if typing.get_origin(candidate) is list and inner:
            return _kind(inner[0])
    raise AssertionError(f"unexpected parameter type {annotation}")


def _params(callback: typing.Any) -> list[Param]:
    hints = typing.get_type_hints(callback, include_extras=True)
    out, position = [], 0
    for parameter in inspect.signature(callback).parameters.values():
        base, *meta = typing.get_args(hints[parameter.name])
        info = next(m for m in meta if isinstance(m, typer.models.OptionInfo | typer.models.ArgumentInfo))
        if isinstance(info, typer.models.OptionInfo):
            decls = [d for d in (info.default, *info.param_decls) if isinstance(d, str) and d.startswith("-")]
            longest = max(decls, key=len) if decls else "--" + parameter.name.replace("_", "-")
            out.append(Param(parameter.name, longest, _kind(base), -1))
        else:
            out.append(Param(parameter.name, None, _kind(base), position))
            position += 1
    return out


COMMANDS = dict(_leaves(app))
PARAMS = {name: _params(callback) for name, callback in COMMANDS.items()}

# ---------------------------------------------------------------------- what each command is given

# A baseline invocation per command: (arguments, options); {placeholders} are filled by the `env` fixture.
# None: the command cannot be run in a test (it serves forever), only its usage errors are checked.
BASELINES: dict[str, tuple[list[str], list[str]] | None] = {
    # with draws, so that the options of runs over parameter draws (and their writes) are exercised too
    "run": (["{scenario}"], ["--out", "{out}/run", "--no-record", "--draws", "3", "--seed", "1"]),
    "report": (["{run_dir}"], ["--out", "{out}/report.html"]),
    "estimate": (["ln_dist + rta"], ["--data", "{csv}", "--out", "{out}/table.csv"]),
    # needs published data: the baseline itself ends in a one-line error (missing input file)
    "replicate": (["yotov2016-app1"], ["--data", "{empty}", "--out", "{out}/replicate"]),
    "world show": (["{world}"], []),
    "scenario list": ([], []),
    "scenario check": (["{scenario}"], []),
    "scenario coverage": (["{scenario}"], ["--out", "{out}/coverage"]),
    "data import": (["baci", "{baci}"], ["--data-dir", "{fresh}", "--quiet"]),
    "data list": ([], ["--data-dir", "{catalog}"]),
    "data show": (["baci-2017"], ["--data-dir", "{catalog}"]),
    "data remove": (["baci-2017"], ["--data-dir", "{catalog_copy}"]),
    # downloads: offline, the baseline itself ends in a one-line error (nothing listens on the port)
    "data fetch": (["baci"], ["--url", "http://127.0.0.1:9/BACI.csv", "--out", "{out}/downloads", "--quiet"]),
    "data world": (["2017"], ["--out", "{out}/world", "--regions", "USA=USA;CHN=CHN;EU=FRA,DEU", "--rest", "ROW",
                              "--no-tariffs", "--domestic", "0.6", "--data-dir", "{catalog}"]),
    "runs list": ([], ["--data-dir", "{store}"]),
    "runs show": (["latest"], ["--data-dir", "{store}", "--report", "{out}/show.html"]),
    "runs compare": (["latest~1", "latest"], ["--data-dir", "{store}", "--out", "{out}/compare.html"]),
    "runs remove": (["latest"], ["--data-dir", "{store_copy}"]),
    "war nash": (["{world}"], ["--players", "C00,C01", "--sectors", "uniform", "--out", "{out}/war"]),
    "war optimal": (["{world}"], ["--players", "C00", "--sectors", "uniform", "--out", "{out}/war"]),
    # a short English text: drafts to no item, and a scenario file with nothing to run
    "draft": (["{a_file}"], ["--date", "2018-05-09", "--out", "{out}/draft.toml"]),
    "talks gap": (["{scenario}", "{scenario}"], ["--parties", "C00,C01", "--threat", "status-quo", "--out",
                                                 "{out}/gap"]),
    "talks target": ([], ["--world", "{world}", "--pair", "C00:C01", "--balance-change", "-0.5", "--instrument",
                          "tariff:C01:C00", "--out", "{out}/target"]),
    "talks run": (["{talks_case}"], ["--report", "--out", "{out}/talks"]),
    # serves until stopped: only its usage errors are checked here (tests/web/ drive the app itself)
    "serve": None,
}

# What each path parameter is: an input that must exist, a folder or a file written, or a data directory
# (created when missing; a file there is a warning for `run`, not an error).
INPUT, FOLDER_OUT, FILE_OUT, STORE = "input", "folder written", "file written", "data directory"
PATH_ROLES: dict[tuple[str, str], str] = {
    ("run", "--out"): FOLDER_OUT, ("run", "--weights"): INPUT, ("run", "--lists"): INPUT,
    ("run", "--xlsx"): FILE_OUT, ("run", "--data-dir"): STORE,
    ("report", "run_dir"): INPUT, ("report", "--out"): FILE_OUT, ("report", "--png"): FOLDER_OUT,
    ("report", "--svg"): FOLDER_OUT,
    ("estimate", "--data"): INPUT, ("estimate", "--out"): FILE_OUT,
    ("replicate", "--data"): INPUT, ("replicate", "--out"): FOLDER_OUT,
    ("scenario check", "--lists"): INPUT,
    ("scenario coverage", "--weights"): INPUT, ("scenario coverage", "--lists"): INPUT,
    ("scenario coverage", "--out"): FOLDER_OUT,
    ("data import", "paths"): INPUT, ("data fetch", "--out"): FOLDER_OUT, ("data world", "--out"): FOLDER_OUT,
    ("runs show", "--report"): FILE_OUT, ("runs compare", "--out"): FILE_OUT,
    ("run", "--allow-path"): INPUT, ("scenario check", "--allow-path"): INPUT,
    ("scenario coverage", "--allow-path"): INPUT,
    ("war nash", "--weights"): INPUT, ("war nash", "--out"): FOLDER_OUT,
    ("war optimal", "--weights"): INPUT, ("war optimal", "--out"): FOLDER_OUT,
    ("draft", "article"): INPUT, ("draft", "--out"): FILE_OUT,
    ("talks gap", "--out"): FOLDER_OUT, ("talks gap", "--allow-path"): INPUT, ("talks target", "--out"): FOLDER_OUT,
    ("talks run", "--out"): FOLDER_OUT, ("talks run", "--allow-path"): INPUT,
    ("serve", "--lists"): INPUT,
}
for _command, _params_of in PARAMS.items():
    for _p in _params_of:
        if _p.option == "--data-dir":
            PATH_ROLES.setdefault((_command, "--data-dir"), STORE)

# Where empty text means something: `--separation ''` turns separation checks off; `--regions ''` and
# `--rest ''` are "no regions"; `--year ''` names no year column (one cross-section).
EMPTY_IS_VALID = {("estimate", "--separation"), ("estimate", "--year"), ("data world", "--regions"),
                  ("data world", "--rest")}

# Commands whose baseline writes files (they are also run with writes failing).
WRITERS = ("run", "report", "estimate", "scenario coverage", "data import", "data world", "runs show",
           "runs compare", "runs remove", "data remove", "war nash", "war optimal", "draft", "talks gap",
           "talks target", "talks run")


def _key(param: Param) -> str:
    return param.option or param.name


def _cases() -> list[tuple[str, str, Param | None, str]]:
    """(command, case id, the parameter changed, its wrong value)."""
    cases = []
    for command, params in PARAMS.items():
        if BASELINES.get(command, None) is None:
            continue
        for param in params:
            if param.kind is bool:
                continue
            values: list[tuple[str, str]] = []
            if param.kind in (int, float):
                values.append(("not-a-number", "abc"))
            elif (command, _key(param)) not in EMPTY_IS_VALID:
                values.append(("empty", ""))
            if "date" in param.name and param.kind is str:
                values.append(("bad-date", "2019-13-45"))
            if param.kind is Path:
                role = PATH_ROLES.get((command, _key(param)))
                if role == INPUT:
                    values.append(("missing", "{missing}"))
                elif role == FOLDER_OUT:
                    values.append(("file-as-folder", "{a_file}"))
                elif role == FILE_OUT:
                    values.append(("folder-as-file", "{a_folder}"))
            cases += [(command, f"{command} {_key(param)} {label}", param, value) for label, value in values]
        if command in WRITERS:  # a full disk for some, a read-only folder for the others: the same path either way
            label = ("ENOSPC", "EACCES")[WRITERS.index(command) % 2]
            cases.append((command, f"{command} writes fail {label}", None, label))
    return cases


CASES = _cases()


def test_every_command_has_a_baseline():
    missing = sorted(set(COMMANDS) - set(BASELINES))
    assert not missing, f"add a baseline invocation to BASELINES in {__file__} for: {', '.join(missing)}"
    assert len(COMMANDS) >= 18  # the walk does find the commands


def test_every_path_parameter_has_a_role():
    unclassified = [f"{command} {_key(p)}" for command, params in PARAMS.items() for p in params
                    if p.kind is Path and (command, _key(p)) not in PATH_ROLES]
    assert not unclassified, f"give these path parameters a role in PATH_ROLES: {', '.join(unclassified)}"


# ---------------------------------------------------------------------- the environment


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A small World and scenario, a run folder, a runs store with two runs, a catalog with BACI, a CSV."""
    root = tmp_path_factory.mktemp("cli-errors")
    world = write_world(random_world(np.random.default_rng(1), 4, 2), root / "world")
    scenario = root / "scenario.toml"
    scenario.write_text(f'[scenario]\nname = "small"\nworld = "{world.as_posix()}"\ndate = 2019-01-01\n\n'
                        '[[action]]\nimposer = "C00"\ntarget = ["C01"]\nsectors = "all"\nrate = "25%"\n'
                        'effective = 2018-07-06\n')
    store = root / "store"
    for out in ("run-a", "run-b"):
        assert main(["run", str(scenario), "--out", str(root / out), "--data-dir", str(store)]) == 0
    baci = sorted(str(p) for p in (FIXTURES / "baci").glob("*.csv"))
    catalog = root / "catalog"
    assert main(["data", "import", "baci", *baci, "--data-dir", str(catalog), "--quiet"]) == 0
    rng = np.random.default_rng(9)
    rows = [(f"K{i}", f"K{j}", float(np.exp(rng.normal(3.0, 1.0))), 0.0 if i == j else float(rng.uniform(0.5, 3)),
             float(i != j and (i + j) % 3 == 0)) for i in range(6) for j in range(6)]
    csv = root / "gravity.csv"
    pd.DataFrame(rows, columns=["exporter", "importer", "trade", "ln_dist", "rta"]).to_csv(csv, index=False)
    (root / "empty").mkdir()
    (root / "a-folder").mkdir()
    (root / "a-file.txt").write_text("not a folder\n")
    talks = root / "talks.toml"  # a talks case: two positions (both the scenario), the status quo as threat, a target
    talks.write_text('[talks]\nname = "small talks"\nparties = ["C00", "C01"]\n'
                     'positions = ["scenario.toml", "scenario.toml"]\nthreat = "status-quo"\n\n[target]\n'
                     'pair = "C00:C01"\nbalance_change = -0.5\ninstruments = ["tariff:C01:C00"]\n')
    return {"root": str(root), "world": str(world), "scenario": str(scenario), "run_dir": str(root / "run-a"),
            "talks_case": str(talks), "store": str(store), "catalog": str(catalog), "baci": baci[0], "csv": str(csv),
            "empty": str(root / "empty"), "a_folder": str(root / "a-folder"), "a_file": str(root / "a-file.txt"),
            "missing": str(root / "no" / "such" / "file.csv")}


@pytest.fixture
def filled(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """``env`` plus a fresh output folder, and copies of what a command would change."""
    out = dict(env, out=str(tmp_path / "out"), fresh=str(tmp_path / "fresh-catalog"))
    out["store_copy"] = str(shutil.copytree(env["store"], tmp_path / "store"))
    out["catalog_copy"] = str(shutil.copytree(env["catalog"], tmp_path / "catalog"))
    return out


def _invocation(command: str, env: dict[str, str], param: Param | None = None, value: str = "") -> list[str]:
    baseline = BASELINES[command]
    assert baseline is not None
    arguments, options = list(baseline[0]), list(baseline[1])
    if param is not None and param.option is None:
        if param.kind is Path and param.name == "paths":  # variadic: the files of `data import`
            arguments[param.position:] = [value]
        elif param.position < len(arguments):
            arguments[param.position] = value
        else:
            arguments.append(value)
    elif param is not None:
        names = [param.option]
        if param.option in options:
            options[options.index(param.option) + 1] = value
        else:
            options += [*names, value]
    return [*command.split(), *(a.format(**env) for a in arguments), *(o.format(**env) for o in options)]


def _call(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as exc:  # pragma: no cover - main() returns its exit code
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, out: str, err: str, args: list[str]) -> str:
    lines = err.strip().splitlines()
    assert code == 2, f"tariffsim {' '.join(args)}: exit {code}; stderr: {err!r}"
    assert len(lines) == 1, f"tariffsim {' '.join(args)}: {len(lines)} lines on stderr: {err!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "internal error" not in err and "Traceback" not in err + out
    return lines[0]


@contextmanager
def failing_writes(root: Path, code: int) -> Iterator[None]:
    """Every write under ``root`` through Python fails with ``OSError(code)``: a full disk or a read-only folder.

    Opening a file for writing, creating a folder and renaming into place fail; reading works.
    """
    real_open = builtins.open
    real_replace, real_rename, real_mkdir = os.replace, os.rename, os.mkdir

    def under(path: typing.Any) -> bool:
        try:
            return Path(os.fsdecode(path)).absolute().is_relative_to(root)
        except TypeError:
            return False

    def fail(path: typing.Any) -> typing.NoReturn:
        raise OSError(code, os.strerror(code), os.fsdecode(path))

    def open_(file: typing.Any, mode: str = "r", *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        if isinstance(file, str | bytes | os.PathLike) and set(mode) & set("wax+") and under(file):
            fail(file)
        return real_open(file, mode, *args, **kwargs)

    def replace(src: typing.Any, dst: typing.Any, **kwargs: typing.Any) -> None:
        if under(dst):
            fail(dst)
        real_replace(src, dst, **kwargs)

    def rename(src: typing.Any, dst: typing.Any, **kwargs: typing.Any) -> None:
        if under(dst):
            fail(dst)
        real_rename(src, dst, **kwargs)

    def mkdir(path: typing.Any, *args: typing.Any, **kwargs: typing.Any) -> None:
        if under(path):
            fail(path)
        real_mkdir(path, *args, **kwargs)

    patches = [(builtins, "open", open_), (io, "open", open_), (os, "replace", replace), (os, "rename", rename),
               (os, "mkdir", mkdir)]
    saved = [(module, name, getattr(module, name)) for module, name, _ in patches]
    try:
        for module, name, fake in patches:
            setattr(module, name, fake)
        yield
    finally:
        for module, name, real in saved:
            setattr(module, name, real)


# ---------------------------------------------------------------------- the cases


@pytest.mark.parametrize(("command", "case", "param", "value"), CASES, ids=[c[1] for c in CASES])
def test_wrong_values_and_failing_writes_are_one_line_and_exit_2(command, case, param, value, filled, capsys,
                                                                tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default output folders (out/...) stay inside the test's folder
    if param is None:  # the baseline with every write failing
        args = _invocation(command, filled)
        with failing_writes(tmp_path, errno.ENOSPC if value == "ENOSPC" else errno.EACCES):
            code, out, err = _call(args, capsys)
        line = assert_one_line_error(code, out, err, args)
        assert os.strerror(errno.ENOSPC if value == "ENOSPC" else errno.EACCES) in line
        return
    args = _invocation(command, filled, param, value.format(**filled))
    code, out, err = _call(args, capsys)
    assert_one_line_error(code, out, err, args)


@pytest.mark.parametrize("command", [c for c, b in BASELINES.items() if b is not None and c not in
                                     ("replicate", "data fetch")])
def test_baselines_succeed(command, filled, capsys, tmp_path, monkeypatch):
    """Each wrong value above is the reason its case fails: the baseline itself succeeds."""
    monkeypatch.chdir(tmp_path)
    args = _invocation(command, filled)
    code, _, err = _call(args, capsys)
    assert code == 0, f"tariffsim {' '.join(args)}: exit {code}; {err}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_usage_errors_are_one_line(command, capsys):
    args = [*command.split(), "--no-such-option"]
    code, out, err = _call(args, capsys)
    line = assert_one_line_error(code, out, err, args)
    assert "--no-such-option" in line and f"tariffsim {command} --help" in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders anyway")
@pytest.mark.parametrize("command", ["run", "scenario coverage", "estimate", "report", "data world"])
def test_a_read_only_folder(command, filled, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    locked = tmp_path / "out"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        args = _invocation(command, filled)
        code, out, err = _call(args, capsys)
    finally:
        locked.chmod(0o755)
    line = assert_one_line_error(code, out, err, args)
    assert "Permission denied" in line


# ---------------------------------------------------------------------- damaged World folders


DAMAGE = {
    "world.json not JSON": ("world.json", "{not json"),
    "world.json a list": ("world.json", "[1, 2]"),
    "world.json not UTF-8": ("world.json", b"\xff\xfe\x00garbage"),
    "flows.csv empty": ("flows.csv", ""),
    "flows.csv without value": ("flows.csv", "exporter,importer,sector\nC00,C01,S0\n"),
    "flows.csv text values": ("flows.csv", "exporter,importer,sector,value\nC00,C00,S0,abc\n"),
    "flows.csv binary": ("flows.csv", b"\x00\x01\x02\xff" * 50),
    "elasticity.csv text": ("elasticity.csv", "sector,elasticity\nS0,high\nS1,low\n"),
    "elasticity.csv missing": ("elasticity.csv", None),
    "flows.csv a folder": ("flows.csv", "FOLDER"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize("command", ["world show", "run"])
def test_a_damaged_world_folder(command, damage, env, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    world = Path(shutil.copytree(env["world"], tmp_path / "world"))
    name, content = DAMAGE[damage]
    target = world / name
    target.unlink()
    if content == "FOLDER":
        target.mkdir()
    elif isinstance(content, bytes):
        target.write_bytes(content)
    elif content is not None:
        target.write_text(content)
    args = (["world", "show", str(world)] if command == "world show" else
            ["run", env["scenario"], "--world", str(world), "--out", str(tmp_path / "out"), "--no-record"])
    code, out, err = _call(args, capsys)
    assert_one_line_error(code, out, err, args)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------- elasticity options the run cannot take

ELASTICITY_CASES = {
    "unknown set": (["--elasticities", "XX"], "unknown elasticity set 'XX'; use one of CP, BSY, FGO, U4, IS"),
    "not positive": (["--elasticities", "-2"], "a trade elasticity must be a finite number > 0"),
    "set on a World of one's own": (["--elasticities", "cp"], "elasticity set CP applies to the bundled worlds"),
    "sensitivity on a World of one's own": (["--sensitivity"], "the eight published sets"),
    "sensitivity with draws": (["--sensitivity", "--draws", "3"], "--sensitivity is for runs without parameter"),
}


@pytest.mark.parametrize("case", sorted(ELASTICITY_CASES))
def test_elasticity_options_the_run_cannot_take(case, env, capsys, tmp_path, monkeypatch):
    """The scenario's World is a folder of its own (random θ): the published sets are not mapped to it."""
    monkeypatch.chdir(tmp_path)
    options, words = ELASTICITY_CASES[case]
    args = ["run", env["scenario"], "--out", str(tmp_path / "out"), "--no-record", *options]
    code, out, err = _call(args, capsys)
    assert words in assert_one_line_error(code, out, err, args)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------- user text is printed, never obeyed


def _named(tmp_path: Path, env: dict[str, str], name: str) -> Path:
    path = tmp_path / "named.toml"
    text = Path(env["scenario"]).read_text(encoding="utf-8").replace('name = "small"', f"name = {json.dumps(name)}")
    path.write_text(text, encoding="utf-8")
    return path


def _run_named(command: str, name: str, env: dict[str, str], tmp_path: Path,
               capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, list[str]]:
    path = _named(tmp_path, env, name)
    extra = ["--out", str(tmp_path / "out"), "--no-record"] if command == "run" else []
    # the copy lives in tmp_path, its World in env's root: allow that folder too
    args = [*command.split(), str(path), *extra, "--allow-path", env["root"]]
    return (*_call(args, capsys), args)


@pytest.mark.parametrize("command", ["run", "scenario check"])
def test_rich_markup_in_a_scenario_name_is_printed_as_typed(command, env, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err, _ = _run_named(command, "[/bold] war [red]x[/red]", env, tmp_path, capsys)
    assert code == 0, err
    assert "[/bold] war [red]x[/red]" in out


@pytest.mark.parametrize("command", ["run", "scenario check"])
def test_terminal_escapes_in_a_scenario_name_never_reach_the_terminal(command, env, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err, args = _run_named(command, "war\u001b[2J\u001b]0;owned\u0007", env, tmp_path, capsys)
    assert "\x1b" not in out + err and "\x07" not in out + err
    if code != 0:  # refusing such a name outright is as good as showing it harmlessly
        assert_one_line_error(code, out, err, args)
    else:
        assert "war" in out


def test_an_error_message_is_one_line_whatever_it_quotes(env, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["world", "show", str(tmp_path / "two\nlines\u001b[31m")]
    code, out, err = _call(args, capsys)
    assert_one_line_error(code, out, err, args)
    assert "\x1b" not in err


# ---------------------------------------------------------------------- as a user runs it


def tariffsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tariffsim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("case", ["empty --out", "not a number"])
def test_subprocess_smoke(case, env, tmp_path):
    args = {"empty --out": ["run", env["scenario"], "--out", ""],
            "not a number": ["runs", "list", "--limit", "many"]}[case]
    result = tariffsim(*args, cwd=tmp_path)
    assert_one_line_error(result.returncode, result.stdout, result.stderr, list(args))
    assert not any(tmp_path.iterdir())  # `--out ""` wrote nothing into the current folder
