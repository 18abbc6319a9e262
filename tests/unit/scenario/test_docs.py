"""docs/scenarios.md documents every key of the scenario language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tariffsim.scenario import Action, AllExcept, Header, ProductList, Purchase, Retaliation, TradeCost
from tariffsim.scenario.schema import Game

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "scenarios.md").read_text()


@pytest.mark.parametrize("model", [Header, Action, Retaliation, TradeCost, Purchase, AllExcept, ProductList, Game])
def test_every_key_is_documented(model):
    for name in model.model_fields:
        assert f"`{name}`" in DOCS or f"{name} =" in DOCS, f"{model.__name__}.{name} is not in docs/scenarios.md"


def test_every_table_is_documented():
    for table in ("[scenario]", "[regions]", "[[action]]", "[[retaliation]]", "[[trade_cost]]", "[[purchase]]",
                  "[game]"):
        assert f"`{table}`" in DOCS


def test_the_trust_model_and_its_limits_are_documented_as_implemented():
    from tariffsim.scenario import ScenarioLimits

    section = DOCS.split("## Scenario files are untrusted input", 1)[1].split("\n## ", 1)[0]
    for phrase in ("allow_paths", "--allow-path", "regular files", "ScenarioLimits", "row and", "`/dev/zero`"):
        assert phrase in section, phrase
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| limit")}
    limits = ScenarioLimits()

    def row(word: str) -> str:
        (value,) = [v for k, v in rows.items() if word in k]
        return value

    assert row("scenario file") == f"{limits.max_file_bytes // 1024} KB"
    assert row("inside each other") == str(limits.max_nesting)
    assert row("dotted key") == str(limits.max_key_parts)
    assert row("`extends` chain") == str(limits.max_extends)
    assert row("product-list") == f"{limits.max_list_bytes // 1024**2} MB"
    assert row("`world` folder") == f"{limits.max_world_bytes // 1024**3} GB"
