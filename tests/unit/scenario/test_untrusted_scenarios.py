"""Hostile scenario files: each ends quickly in a ScenarioError that names the key and quotes no data.

The cases are the reproducers of issue 12, item 3, kept small: where the real attack
is expensive (40 KB of dotted key takes 2.5 GB in the TOML parser; 1,200 chained
files), the test shows that the text is refused before the parser runs, or builds
just enough files to pass the limit.
"""

from __future__ import annotations

import os
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tariffsim import ScenarioError, TariffsimError, World
from tariffsim.data import write_world
from tariffsim.scenario import (
    ScenarioLimits,
    compile_scenario,
    load_scenario,
    load_scenario_world,
    parse_scenario,
)
from tariffsim.scenario.loader import FileRefused, prescan, read_limited
from tariffsim.testing import random_world

HEADER = '[scenario]\nname = "t"\n\n'
SECRET = "hunter2-Sup3rS3cret"
HEADER_SECRET = "pw_Hunter2"
LIMITS = ScenarioLimits()


@pytest.fixture
def world() -> World:
    w = random_world(np.random.default_rng(11), 3, 2)
    return w.replace(concordance={"84": "S0", "87": "S1"})


def within(seconds: float, call: Callable[[], Any]) -> BaseException | None:
    """Run ``call`` in a daemon thread; fail if it takes longer (a FIFO read would block forever)."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    assert time.perf_counter() - start < seconds
    return outcome[0]


def refused(call: Callable[[], Any], *fragments: str, key: str | None = None) -> ScenarioError:
    """``call`` raises a ScenarioError (a TariffsimError) within 10 s, whose message has the
    fragments, names the key, and quotes no secret."""
    exc = within(10, call)
    assert isinstance(exc, ScenarioError), f"expected a ScenarioError, got {exc!r}"
    assert isinstance(exc, TariffsimError)
    message = str(exc)
    for fragment in fragments:
        assert fragment in message, message
    if key is not None:
        assert exc.key is not None and exc.key.endswith(key), message
    for secret in (SECRET, HEADER_SECRET, "root:x:0", "daemon:x", "/bin/bash"):
        assert secret not in message, message
    return exc


def action(product_list: str) -> str:
    return (f'[[action]]\nimposer = "C00"\ntarget = ["C01"]\nproduct_list = {product_list}\nsectors = ["S0"]\n'
            'coverage = 1\nrate = 0.1\n')


def compile_file(path: Path, world: World, *, allow_paths: tuple[str, ...] = ()) -> Any:
    return compile_scenario(load_scenario(path, allow_paths=allow_paths), world)


@pytest.fixture
def no_toml_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """The TOML parser must not run: the pre-scan refuses first."""
    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("tomllib.loads was called")

    monkeypatch.setattr(tomllib, "loads", boom)


# ---------------------------------------------------------------------- the text itself
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a = " + "[" * 500 + "]" * 500, "nest more than 32 deep"),  # 1 KB: RecursionError before
        ("a = " + "{b = " * 500 + "1" + "}" * 500, "nest more than 32 deep"),
        ("a" + ".a" * 20_000 + " = 1", "more than 32 parts"),  # 40 KB: 2.5 GB in the parser before
        ("[" + ".".join(["t"] * 40) + "]", "more than 32 parts"),
        ('"a"' + '."a"' * 40 + " = 1", "more than 32 parts"),  # quoted parts count too
        ("# " + "x" * (LIMITS.max_file_bytes + 1), "more than the limit"),
    ],
)
def test_costly_text_is_refused_by_the_prescan_before_parsing(no_toml_parser, text, fragment):
    refused(lambda: parse_scenario(text), fragment)


def test_the_prescan_names_the_line():
    text = HEADER + "x = 1\n" * 5 + "deep = " + "[" * 40 + "]" * 40 + "\n"
    exc = refused(lambda: parse_scenario(text))
    assert exc.line == 3 + 5 + 1


@pytest.mark.parametrize(
    "value",
    [
        '"' + "[" * 100 + "{" * 100 + '"',  # brackets in strings are text
        "'" + "." * 100 + "'",
        '"""\n' + "[" * 100 + '\n\\""" still inside """',
        "'''" + "]" * 100 + "''''",  # one quote of content, then the delimiter
        '""""' + "." * 100 + '"""""',
        '"tail" # ' + "[" * 100,  # and in comments
    ],
)
def test_the_prescan_skips_strings_and_comments_as_toml_does(value):
    text = HEADER.replace('"t"', value)
    assert parse_scenario(text).spec.scenario.name == tomllib.loads(text)["scenario"]["name"]


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(1, 60), kind=st.sampled_from(["array", "table", "key"]))
def test_the_limits_are_exact(depth, kind):
    if kind == "array":
        text = HEADER + "x = " + "[" * depth + "]" * depth + "\n"
    elif kind == "table":
        text = HEADER + "x = " + "{a = " * depth + "1" + "}" * depth + "\n"
    else:
        text = HEADER + ".".join(["k"] * depth) + " = 1\n"
    limit = LIMITS.max_key_parts if kind == "key" else LIMITS.max_nesting
    try:
        parse_scenario(text)
    except ScenarioError as exc:
        over = "more than" in str(exc) and ("nest" in str(exc) or "parts" in str(exc))
        assert over == (depth > limit), str(exc)
        return
    raise AssertionError("a top-level key 'x' is unknown, so parsing must fail")


def test_limits_can_be_widened_and_narrowed():
    text = HEADER + "x = " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(ScenarioError, match="unknown key"):  # past the pre-scan: validation speaks
        parse_scenario(text, limits=ScenarioLimits(max_nesting=64))
    with pytest.raises(ScenarioError, match="more than 3 deep"):
        parse_scenario(HEADER + "x = [[[[1]]]]\n", limits=ScenarioLimits(max_nesting=3))
    with pytest.raises(ScenarioError, match="more than the limit of 10"):
        parse_scenario(HEADER, limits=ScenarioLimits(max_file_bytes=10))


def test_a_non_ascii_text_is_measured_in_bytes():
    text = HEADER.replace('"t"', '"' + "中" * 40 + '"')  # 40 characters, 120 bytes of UTF-8
    with pytest.raises(ScenarioError, match="more than the limit"):
        prescan(text, ScenarioLimits(max_file_bytes=len(text) + 40))
    prescan(text, ScenarioLimits(max_file_bytes=len(text.encode())))


# ---------------------------------------------------------------------- extends
def chain(folder: Path, n: int) -> Path:
    """n scenario files, each extending the next; the last extends nothing."""
    for k in range(n):
        extends = f'extends = "s{k + 1}.toml"\n' if k + 1 < n else ""
        (folder / f"s{k}.toml").write_text(f'[scenario]\nname = "s{k}"\n{extends}')
    return folder / "s0.toml"


def test_an_extends_chain_of_the_limit_loads_and_one_more_is_refused(tmp_path):
    n = LIMITS.max_extends
    (tmp_path / "ok").mkdir()
    (tmp_path / "long").mkdir()
    assert load_scenario(chain(tmp_path / "ok", n)).name == "s0"
    refused(lambda: load_scenario(chain(tmp_path / "long", n + 1)), f"longer than {n} files", key="extends")


def test_an_extends_chain_of_1200_files_ends_at_the_limit(tmp_path):
    refused(lambda: load_scenario(chain(tmp_path, 1200)), "extends chain is longer than")


@pytest.mark.parametrize(
    ("extends", "fragment"),
    [
        ("/etc/passwd", "name a .toml file or a bundled scenario"),
        ("../outside.toml", "outside the folders a scenario may read"),
        ("../../../../../../etc/hosts.toml", "outside the folders a scenario may read"),
        ("link.toml", "outside the folders a scenario may read"),  # a symbolic link out of the folder
    ],
)
def test_extends_stays_inside_the_allowed_folders(tmp_path, extends, fragment):
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "outside.toml").write_text(f'[scenario]\nname = "{SECRET}"\n')
    (home / "link.toml").symlink_to(tmp_path / "outside.toml")
    (home / "s.toml").write_text(f'[scenario]\nname = "s"\nextends = "{extends}"\n')
    refused(lambda: load_scenario(home / "s.toml"), fragment, key="scenario.extends")
    if extends in ("../outside.toml", "link.toml"):  # an explicitly allowed folder may be read
        assert load_scenario(home / "s.toml", allow_paths=[tmp_path]).spec.scenario.name == "s"


def test_extends_still_finds_bundled_scenarios(tmp_path):
    (tmp_path / "s.toml").write_text('[scenario]\nname = "mine"\nextends = "threat-150bn-2018.toml"\n')
    loaded = load_scenario(tmp_path / "s.toml")
    assert loaded.name == "mine" and loaded.spec.action


# ---------------------------------------------------------------------- product lists
@pytest.mark.parametrize(
    ("product_list", "fragment"),
    [
        ('{file = "/etc/passwd"}', "a product list is a .csv or .parquet file"),
        ('"/etc/passwd.csv"', "outside the folders"),
        ('"../secret.csv"', "outside the folders"),
        ('{file = "../secret.csv", column = "hts8"}', "outside the folders"),
        ('"link.csv"', "outside the folders"),
        ('"sub/../../secret.csv"', "outside the folders"),
    ],
)
def test_product_lists_stay_inside_the_allowed_folders(tmp_path, world, product_list, fragment):
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "secret.csv").write_text(f"hts8,pw\n{SECRET},x\n")
    (home / "link.csv").symlink_to(tmp_path / "secret.csv")
    (home / "s.toml").write_text(HEADER + action(product_list))
    refused(lambda: compile_file(home / "s.toml", world), fragment, key="product_list")


def test_a_named_list_is_a_plain_name_inside_the_lists_folder(tmp_path, world):
    lists = tmp_path / "lists"
    lists.mkdir()
    (tmp_path / "secret.csv").write_text(f"hts8\n{SECRET}\n")
    loaded = parse_scenario(HEADER + action('"../secret"'), path=tmp_path / "s.toml")
    refused(lambda: compile_scenario(loaded, world, lists_dir=lists), "must be a plain name", key="product_list")


def test_cells_and_headers_of_a_list_are_never_quoted(tmp_path, world):
    (tmp_path / "codes.csv").write_text(f"hts8,note\n84713000,fine\n{SECRET},x\n")
    (tmp_path / "passwords.csv").write_text(f"{HEADER_SECRET},user\n{SECRET},bob\n")
    (tmp_path / "a.toml").write_text(HEADER + action('"codes.csv"'))
    (tmp_path / "b.toml").write_text(HEADER + action('{file = "passwords.csv", column = "hts8"}'))
    (tmp_path / "c.toml").write_text(HEADER + action('"passwords.csv"'))
    refused(lambda: compile_file(tmp_path / "a.toml", world), "row 3, column 'hts8'", "not a product code")
    refused(lambda: compile_file(tmp_path / "b.toml", world), "no column 'hts8' among its 2 columns")
    refused(lambda: compile_file(tmp_path / "c.toml", world), "no code column among its 2 columns")


def test_an_etc_passwd_copy_in_the_folder_is_read_but_not_quoted(tmp_path, world):
    (tmp_path / "passwd.csv").write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n")
    (tmp_path / "s.toml").write_text(HEADER + action('"passwd.csv"'))
    refused(lambda: compile_file(tmp_path / "s.toml", world), "no code column among its 1 columns")


def test_a_fifo_is_refused_without_blocking(tmp_path, world):
    os.mkfifo(tmp_path / "lists.csv")
    os.mkfifo(tmp_path / "parent.toml")
    (tmp_path / "s.toml").write_text(HEADER + action('"lists.csv"'))
    (tmp_path / "e.toml").write_text('[scenario]\nname = "e"\nextends = "parent.toml"\n')
    refused(lambda: compile_file(tmp_path / "s.toml", world), "not a regular file", key="product_list")
    refused(lambda: load_scenario(tmp_path / "e.toml"), "not a regular file")
    refused(lambda: load_scenario(tmp_path / "parent.toml"), "not a regular file")


def test_a_fifo_in_the_lists_folder_is_refused_without_blocking(tmp_path, world):
    lists = tmp_path / "lists"
    lists.mkdir()
    os.mkfifo(lists / "list1.csv")
    loaded = parse_scenario(HEADER + action('"list1"'), path=tmp_path / "s.toml")
    refused(lambda: compile_scenario(loaded, world, lists_dir=lists), "not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_even_inside_an_allowed_folder(tmp_path, world):
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "s.toml").write_text(HEADER + action('"zero.csv"'))
    (tmp_path / "e.toml").write_text('[scenario]\nname = "e"\nextends = "zero.toml"\n')
    refused(lambda: compile_file(tmp_path / "s.toml", world), "outside the folders")
    refused(lambda: compile_file(tmp_path / "s.toml", world, allow_paths=["/dev"]), "not a regular file")
    refused(lambda: load_scenario(tmp_path / "e.toml", allow_paths=["/dev"]), "not a regular file")
    refused(lambda: load_scenario("/dev/zero"), "not a regular file")
    with pytest.raises(FileRefused):
        read_limited("/dev/zero", 1024)


def test_a_folder_is_not_a_list(tmp_path, world):
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "s.toml").write_text(HEADER + action('"dir.csv"'))
    refused(lambda: compile_file(tmp_path / "s.toml", world), "is a folder")


def test_a_list_over_the_byte_limit_is_refused_before_it_is_read(tmp_path, world):
    (tmp_path / "big.csv").write_text("hts8\n" + "84713000\n" * 100)
    (tmp_path / "s.toml").write_text(HEADER + action('"big.csv"'))
    loaded = load_scenario(tmp_path / "s.toml", limits=ScenarioLimits(max_list_bytes=200))
    refused(lambda: compile_scenario(loaded, world), "more than the limit of 200", "max_list_bytes")
    assert read_limited(tmp_path / "big.csv", 905) == (tmp_path / "big.csv").read_bytes()  # 5 + 9 * 100 bytes
    with pytest.raises(FileRefused, match="limit of 904"):
        read_limited(tmp_path / "big.csv", 904)


def test_allow_paths_at_compile_time_widens_the_folders(tmp_path, world):
    home, shared = tmp_path / "home", tmp_path / "shared"
    home.mkdir()
    shared.mkdir()
    (shared / "l.csv").write_text("hts8\n84713000\n")
    (home / "s.toml").write_text(HEADER + action(f'"{shared / "l.csv"}"'))
    loaded = load_scenario(home / "s.toml")
    refused(lambda: compile_scenario(loaded, world), "outside the folders")
    weights = pd.DataFrame({"importer": ["C00"], "exporter": ["C01"], "product": ["84713000"], "value": [1.0]})
    compiled = compile_scenario(loaded, world, allow_paths=[shared], weights=weights)
    assert compiled.coverage["lines"].tolist() == [1]


# ---------------------------------------------------------------------- worlds
def test_a_scenario_world_folder_stays_inside_the_allowed_folders(tmp_path, world):
    home = tmp_path / "home"
    home.mkdir()
    write_world(world, tmp_path / "outside")
    write_world(world, home / "mine")
    for name, fragment in (("/etc", "outside the folders"), ("../outside", "outside the folders"),
                           ("nowhere", "no bundled world called 'nowhere' and no such folder")):
        (home / "s.toml").write_text(f'[scenario]\nname = "s"\nworld = "{name}"\n')
        refused(lambda: load_scenario_world(load_scenario(home / "s.toml")), fragment, key="scenario.world")
    (home / "s.toml").write_text('[scenario]\nname = "s"\nworld = "mine"\n')
    assert load_scenario_world(load_scenario(home / "s.toml")).countries == world.countries
    # What the user names (--world) is theirs: not confined.
    assert load_scenario_world(load_scenario(home / "s.toml"), tmp_path / "outside").countries == world.countries


def test_a_world_folder_with_a_link_out_or_a_fifo_is_refused(tmp_path, world):
    write_world(world, tmp_path / "w")
    (tmp_path / "s.toml").write_text('[scenario]\nname = "s"\nworld = "w"\n')
    (tmp_path / "w" / "concordance.csv").unlink()
    os.mkfifo(tmp_path / "w" / "concordance.csv")
    refused(lambda: load_scenario_world(load_scenario(tmp_path / "s.toml")), "not a regular file")
    (tmp_path / "w" / "concordance.csv").unlink()
    (tmp_path / "w" / "concordance.csv").symlink_to("/etc/passwd")
    refused(lambda: load_scenario_world(load_scenario(tmp_path / "s.toml")), "outside the folders")


def test_a_relative_world_is_relative_to_the_file_that_names_it(tmp_path, world):
    (tmp_path / "base").mkdir()
    write_world(world, tmp_path / "base" / "w")
    (tmp_path / "base" / "parent.toml").write_text('[scenario]\nname = "p"\nworld = "w"\n')
    (tmp_path / "child.toml").write_text('[scenario]\nname = "c"\nextends = "base/parent.toml"\n')
    assert load_scenario_world(load_scenario(tmp_path / "child.toml")).countries == world.countries


@settings(max_examples=100, deadline=None)
@given(body=st.text(alphabet='[]{}."\'#=,\n\\ ab1', max_size=400))
def test_toml_punctuation_soup_ends_in_a_scenario_error_or_a_scenario(body):
    """Strings, comments, brackets and dots in any order: the pre-scan and the parser agree
    on what is text, and nothing but a ScenarioError comes out."""
    try:
        parse_scenario(HEADER + body)
    except ScenarioError:
        pass


def test_a_single_allowed_path_given_as_a_string_is_one_folder(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "base.toml").write_text('[scenario]\nname = "base"\n')
    (tmp_path / "other.toml").write_text('[scenario]\nname = "other"\n')
    for target, ok in (("../shared/base.toml", True), ("../other.toml", False)):
        (tmp_path / "home" / "s.toml").write_text(f'[scenario]\nname = "s"\nextends = "{target}"\n')
        call = lambda: load_scenario(tmp_path / "home" / "s.toml", allow_paths=str(tmp_path / "shared"))  # noqa: E731
        if ok:
            assert call().name == "s"
        else:
            refused(call, "outside the folders")
