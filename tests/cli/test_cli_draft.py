"""`tariffsim draft`: an article → items (--json), a scenario file that passes `scenario check`, positions, --run.

In-process through :func:`tariffsim.cli.main`, with one subprocess check of standard input. Expected
values come from the texts (the seed article and texts written for the tests), not from the code.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tariffsim.cli import main
from tests.cli.test_cli_errors import assert_one_line_error
from tests.unit.draft.test_seed import SEED

LIST1 = ("The Trump administration said on Friday it will impose a 25% tariff on $34 billion of Chinese imports "
         "starting July 6, the first part of a $50 billion package.\n")
EU = ("The European Union will impose duties of 25% on 2.8 billion euros of American goods, including bourbon, "
      "motorcycles and orange juice, from Friday in response to U.S. steel and aluminium tariffs.\n")


def _call(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "list1.txt"
    path.write_text(LIST1, encoding="utf-8")
    return path


def test_json_items(article, capsys):
    code, out, err = _call(["draft", str(article), "--date", "2018-06-15", "--json"], capsys)
    assert code == 0, err
    [item] = json.loads(out)  # stdout is the JSON array and nothing else
    assert (item["kind"], item["imposer"], item["targets"], item["rate_pct"], item["mode"]) == (
        "action", "USA", ["CHN"], 25, "add")
    assert (item["coverage_value"], item["coverage_currency"], item["coverage_usd"]) == (34_000, "USD", 34_000)
    assert (item["effective"], item["status"]) == ("2018-07-06", "announced")
    assert LIST1[item["evidence"]["start"]:item["evidence"]["end"]] == item["evidence"]["sentence"]


def test_out_writes_a_scenario_that_passes_check_and_runs(tmp_path, capsys):
    article = tmp_path / "eu.txt"
    article.write_text(EU, encoding="utf-8")
    out = tmp_path / "drafts" / "eu.toml"
    code, text, err = _call(["draft", str(article), "--date", "2018-06-20", "--out", str(out)], capsys)
    assert code == 0, err
    assert f"wrote {out}" in " ".join(text.split())
    toml = out.read_text()
    assert 'imposer = "EU"' in toml and 'target = ["USA"]' in toml and 'rate = "25%"' in toml
    assert "coverage = 3308.76" in toml  # 2.8 bn euros at 1.1817 USD per euro (Federal Reserve G.5A, 2018)
    assert "effective = 2018-06-22" in toml
    code, text, err = _call(["scenario", "check", str(out)], capsys)
    assert code == 0, err
    code, text, err = _call(["draft", str(article), "--date", "2018-06-20", "--run"], capsys)
    assert code == 0, err
    assert "welfare %" in text and "EU" in text


def test_the_seed_drafts_positions_and_refuses_to_run(tmp_path, capsys):
    if not SEED.exists():
        pytest.skip(f"needs the seed article {SEED}")
    out = tmp_path / "draft.toml"
    code, text, err = _call(["draft", str(SEED), "--date", "2018-05-09", "--out", str(out)], capsys)
    assert code == 0, err
    assert "rate not stated" in text and "--pair CHN:USA --balance-change -200000 --by 2020-12-31" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.position-CHN.toml", "draft.position-USA.toml",
                                                        "draft.toml"]
    for path in tmp_path.iterdir():
        code, _, err = _call(["scenario", "check", str(path)], capsys)
        assert code == 0, (path, err)
    args = ["draft", str(SEED), "--date", "2018-05-09", "--run"]
    code, out_text, err = _call(args, capsys)
    line = assert_one_line_error(code, out_text, err, args)
    assert "not ready" in line


def test_the_seeds_target_through_the_target_finder(capsys):
    if not SEED.exists():
        pytest.skip(f"needs the seed article {SEED}")
    args = ["draft", str(SEED), "--date", "2018-05-09", "--json", "--target", "purchase:CHN:USA"]
    code, out, err = _call(args, capsys)
    assert code == 0, err
    assert any(item["kind"] == "target" for item in json.loads(out))  # stdout stays the JSON array
    # the finder reaches China's surplus with the US falling by $200 bn with purchases
    assert "target CHN:USA -200,000 USD m: CHN buys" in " ".join(err.split())
    assert "moves by −$200.0 bn" in err


def test_target_without_a_target_in_the_article(article, capsys):
    args = ["draft", str(article), "--date", "2018-06-15", "--target", "tariff:USA:CHN"]
    assert "states no balance target" in assert_one_line_error(*_call(args, capsys), args)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    ("Die Vereinigten Staaten erheben ab Freitag Zölle von 25 Prozent auf Stahl aus der Europäischen Union, "
     "sagte ein Sprecher der Kommission in Brüssel.".encode(), "does not look like English"),
])
def test_what_is_not_an_article(content, message, tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    args = ["draft", str(path), "--date", "2018-06-20"]
    line = assert_one_line_error(*_call(args, capsys), args)
    assert message in line


def test_a_10_mb_file(tmp_path, capsys):
    path = tmp_path / "big.txt"
    path.write_bytes((LIST1.encode() * (10 * 1024**2 // len(LIST1) + 1))[:10 * 1024**2])
    args = ["draft", str(path), "--date", "2018-06-15", "--json"]
    code, out, err = _call(args, capsys)
    line = assert_one_line_error(code, out, err, args)
    assert "10.0 MB" in line and out == ""


def test_a_bad_date(article, capsys):
    args = ["draft", str(article), "--date", "15/06/2018"]
    assert "YYYY-MM-DD" in assert_one_line_error(*_call(args, capsys), args)


def test_standard_input_as_a_user_runs_it(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tariffsim", "draft", "-", "--date", "2018-06-15", "--json"],
                            input=LIST1, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["coverage_value"] == 34_000


def test_empty_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    args = ["draft", "-", "--date", "2018-06-15"]
    assert "standard input is empty" in assert_one_line_error(*_call(args, capsys), args)
