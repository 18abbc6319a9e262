"""``--mode`` of every reproduction: a mode it does not have is one clear error, before any data is read.

Issue 12: ``replicate gegravity-can-jpn --mode book`` and ``replicate us-china-tariffs --mode exact``
ended in a TypeError (an internal error, exit 1). No shared data needed: the data root given here
is an empty folder, so an error about a missing file would mean the mode was not checked first.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tariffsim import replicate
from tariffsim.errors import ModelError

MODES = {
    "yotov2016-app1": ("exact", "book"),
    "yotov2016-app2": ("book", "exact"),
    "cp2015-nafta": ("original", "tidy"),
    "china-retaliation-2018": ("exact", "linear"),
    "us-2018-deadweight": ("china_and_others", "china_only"),
    "gegravity-can-jpn": (),
    "yotov2016-ch1-ex2": (),
    "yotov2016-rta": (),
    "us-china-tariffs": (),
    "ossa2014-optimal": ("foc", "heuristic"),
    "ossa2014-nash": ("foc", "heuristic"),
    "ossa2014-talks": ("foc", "heuristic"),
    "lashkaripour2021-nash": ("foc", "war"),
    "ijlms2025": ("full", "paper"),
    "yotov2016-ex1": ("book", "exact"),
    "yotov2016-ex2": ("book", "exact"),
}
"""The modes docs/reproductions.md documents for each reproduction, default first."""


def test_every_reproduction_declares_its_documented_modes():
    assert set(MODES) == set(replicate.available())
    for name, modes in MODES.items():
        assert replicate.modes(name) == modes, name


@pytest.mark.parametrize("name", sorted(MODES))
def test_a_mode_a_reproduction_does_not_have_is_one_line_naming_its_modes(name, tmp_path):
    wrong = "book" if "book" not in MODES[name] else "linear"
    with pytest.raises(ModelError) as caught:
        replicate.run(name, tmp_path, tmp_path / "out", mode=wrong)
    message = str(caught.value)
    assert "\n" not in message and name in message and repr(wrong) in message
    if MODES[name]:
        assert all(mode in message for mode in MODES[name])
        assert f"{MODES[name][0]} (default)" in message
    else:
        assert "has no modes" in message and "without --mode" in message
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize("name", ["yotov2016-app1", "yotov2016-app2", "yotov2016-ex1", "yotov2016-ex2"])
def test_converged_is_an_alias_of_exact_in_the_ge_reproductions(name):
    module = replicate.get(name)
    assert replicate.choose_mode(name, module.MODES, "converged", module.MODE_ALIASES) == "exact"
    with pytest.raises(ModelError, match=r"converged \(= exact\)"):
        replicate.choose_mode(name, module.MODES, "exactly", module.MODE_ALIASES)


def test_converged_is_not_a_mode_where_exact_means_something_else():
    # china-retaliation-2018's "exact" is SMART's exact CES form, not a converged equilibrium
    with pytest.raises(ModelError, match="has no mode 'converged'"):
        replicate.run("china-retaliation-2018", "/nonexistent", "/nonexistent/out", mode="converged")


@pytest.mark.parametrize(("args", "says"), [
    (["gegravity-can-jpn", "--mode", "book"], "has no modes"),
    (["us-china-tariffs", "--mode", "exact"], "has no modes"),
    (["yotov2016-app1", "--mode", "nope"], "exact (default), book, converged (= exact)"),
])
def test_the_command_line_exits_2_with_one_line(args, says, tmp_path):
    out = subprocess.run([sys.executable, "-m", "tariffsim", "replicate", *args, "--data", str(tmp_path),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], out.stderr
    assert "Traceback" not in out.stderr
