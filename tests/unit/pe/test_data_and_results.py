"""ProductTrade validation and alignment; PEResult tables, documentation and output files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tariffsim.errors import DataError, ModelError
from tariffsim.models.pe import PE_COLUMNS, GsimSettings, ProductTrade, SmartSettings, hs_chapter, simulate_pe

from ._factory import raise_some, random_trade

DOCS = Path(__file__).resolve().parents[3] / "docs" / "pe.md"


def _frame(**overrides: object) -> pd.DataFrame:
    frame = pd.DataFrame({"importer": ["CHN", "CHN", "USA"], "exporter": ["USA", "BRA", "CHN"],
                          "product": ["120190", "120190", "850440"], "value_usd": [14e9, 20e9, 3e9],
                          "tariff": [0.03, 0.03, 0.0]})
    for key, value in overrides.items():
        frame[key] = value
    return frame


def test_rows_are_sorted_by_product_importer_exporter_and_read_only():
    trade = ProductTrade.from_frame(_frame().iloc[::-1])
    frame = trade.frame()
    assert list(frame["product"].astype(str)) == ["120190", "120190", "850440"]
    assert list(frame["exporter"].astype(str)) == ["BRA", "USA", "CHN"]
    with pytest.raises(ValueError):
        trade.value[0] = 1.0
    assert trade.chapters == ("12", "85")
    assert hs_chapter("x1") == ""


def test_categorical_input_gives_the_same_table():
    plain = ProductTrade.from_frame(_frame())
    cats = ProductTrade.from_frame(_frame().astype({"importer": "category", "exporter": "category",
                                                    "product": "category"}))
    assert cats.fingerprint == plain.fingerprint


@pytest.mark.parametrize(("override", "message"), [
    ({"value_usd": [1.0, -2.0, 3.0]}, "non-negative"),
    ({"tariff": [0.0, -1.0, 0.0]}, "above -1"),
    ({"value_usd": [1.0, np.nan, 3.0]}, "missing values"),
    ({"exporter": ["USA", "USA", "CHN"]}, "duplicated"),
])
def test_invalid_tables_name_the_problem(override, message):
    with pytest.raises(DataError, match=message):
        ProductTrade.from_frame(_frame(**override))


def test_missing_columns_are_listed():
    with pytest.raises(DataError, match="missing columns"):
        ProductTrade.from_frame(_frame().drop(columns="value_usd"))


def test_sectors_must_be_one_per_product():
    with pytest.raises(DataError, match="more than one sector"):
        ProductTrade.from_frame(_frame(sector=["a", "b", "c"]), sector="sector")
    trade = ProductTrade.from_frame(_frame(), sector={"120190": "Soybeans"})
    assert trade.sectors == ("Soybeans", "")


def test_align_keeps_unlisted_rows_and_rejects_unmatched_ones():
    trade = ProductTrade.from_frame(_frame())
    new = pd.DataFrame({"importer": ["CHN"], "exporter": ["USA"], "product": ["120190"], "tariff_new": [0.28]})
    aligned, ignored = trade.align(new)
    assert ignored == 0
    np.testing.assert_allclose(aligned, [0.03, 0.28, 0.0])  # rows sorted: CHN<-BRA, CHN<-USA, USA<-CHN
    extra = pd.concat([new, pd.DataFrame({"importer": ["CHN"], "exporter": ["ARG"], "product": ["120190"],
                                          "tariff_new": [0.1]})])
    with pytest.raises(DataError, match="match no baseline trade"):
        trade.align(extra)
    result = simulate_pe(trade, extra, SmartSettings(1.0), unmatched="ignore")
    assert any("ignored" in note for note in result.notes)


def test_tariff_arrays_must_fit_the_table():
    trade = ProductTrade.from_frame(_frame())
    with pytest.raises(ModelError, match="shape"):
        simulate_pe(trade, np.zeros(2), SmartSettings(1.0))


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(12)
    trade = random_trade(rng, sectors=True)
    return simulate_pe(trade, raise_some(trade, rng), GsimSettings(1.2, 2.0, 3.0))


def test_every_column_is_defined_and_documented(result):
    text = DOCS.read_text() if DOCS.exists() else ""
    for name in ("products", "markets", "chapters", "sectors", "countries", "totals", "elasticities"):
        for col in getattr(result, name).columns:
            assert col in PE_COLUMNS, f"{name}.{col} is not in PE_COLUMNS"
            assert f"`{col}`" in text, f"{col} is not documented in docs/pe.md"


def test_aggregates_agree_with_rows(result):
    rows = result.products
    for name, keys in (("chapters", ["importer", "chapter"]), ("sectors", ["importer", "sector"]),
                       ("markets", ["importer", "product"])):
        table = getattr(result, name)
        expected = rows.groupby(keys, observed=True)["imports_cf_usd"].sum().sort_index()
        got = table.set_index(keys)["imports_cf_usd"].sort_index()
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    totals = result.totals.iloc[0]
    assert totals["imports_base_usd"] == pytest.approx(rows["imports_base_usd"].sum())
    assert result.markets["consumer_surplus_change_usd"].sum() == pytest.approx(totals["consumer_surplus_change_usd"])
    np.testing.assert_allclose(result.chapters["imports_pct"],
                               100 * (result.chapters["imports_cf_usd"] / result.chapters["imports_base_usd"] - 1))
    by_exporter = result.aggregate(["exporter"])
    assert "consumer_surplus_change_usd" not in by_exporter.columns
    with pytest.raises(ModelError, match="cannot group by"):
        result.aggregate(["partner"])


def test_countries_table_is_importers_and_exporters(result):
    c = result.countries.set_index("country")
    assert c["exports_base_usd"].sum() == pytest.approx(c["imports_base_usd"].sum())
    assert c["exports_cf_usd"].sum() == pytest.approx(c["imports_cf_usd"].sum())


def test_result_is_read_only_and_tables_are_cached(result):
    assert result.products is result.products
    with pytest.raises(ValueError):
        result.quantity_hat[0] = 2.0
    with pytest.raises(AttributeError):
        result.trade = None  # type: ignore[misc]


def test_write_creates_the_tables_and_a_run_record(result, tmp_path):
    files = result.write(tmp_path, extra={"note": "x"})
    assert {p.name for p in files} == {"products.csv", "markets.csv", "chapters.csv", "sectors.csv",
                                       "countries.csv", "totals.csv", "elasticities.csv", "run.json"}
    record = json.loads((tmp_path / "run.json").read_text())
    assert record["note"] == "x"
    assert record["model"]["name"] == "gsim"
    assert record["diagnostics"]["converged"]
    assert len(result.fingerprints["trade"]) == 64
    with pytest.raises(ModelError, match="unknown tables"):
        result.write(tmp_path, tables=["bilateral"])


def test_elasticity_provenance_is_carried_into_the_result():
    rng = np.random.default_rng(13)
    trade = random_trade(rng)
    eta = pd.DataFrame({"product": list(trade.products), "elasticity": [1.0, 2.0, 3.0],
                        "fallback": ["exact HS6", "median of 2", "default 1"], "source": "test"})
    result = simulate_pe(trade, trade.tariff, SmartSettings(eta))
    table = result.elasticities
    assert set(table["parameter"]) == {"import_demand", "substitution", "supply"}
    assert list(table.loc[table["parameter"] == "import_demand", "fallback"]) == ["exact HS6", "median of 2",
                                                                                  "default 1"]
    markets = result.markets
    expected = markets["product"].map(dict(zip(trade.products, [1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(markets["import_demand_elasticity"], expected)
