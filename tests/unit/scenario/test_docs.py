"""docs/scenarios.md documents every key of the scenario language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tariffsim.scenario import Action, AllExcept, Header, ProductList, Purchase, Retaliation, TradeCost

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "scenarios.md").read_text()


@pytest.mark.parametrize("model", [Header, Action, Retaliation, TradeCost, Purchase, AllExcept, ProductList])
def test_every_key_is_documented(model):
    for name in model.model_fields:
        assert f"`{name}`" in DOCS or f"{name} =" in DOCS, f"{model.__name__}.{name} is not in docs/scenarios.md"


def test_every_table_is_documented():
    for table in ("[scenario]", "[regions]", "[[action]]", "[[retaliation]]", "[[trade_cost]]", "[[purchase]]"):
        assert f"`{table}`" in DOCS
