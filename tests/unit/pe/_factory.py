"""Small product-level trade tables for the PE tests (seeded, no files)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tariffsim.models.pe import ProductTrade


def one_market(values: list[float], tariffs: list[float], *, product: str = "120190",
               importer: str = "CHN") -> ProductTrade:
    """One importer, one product, one row per source (sources S0, S1, ...)."""
    n = len(values)
    return ProductTrade.from_frame(pd.DataFrame({
        "importer": importer, "exporter": [f"S{i}" for i in range(n)], "product": product,
        "value_usd": values, "tariff": tariffs}))


def random_trade(rng: np.random.Generator, *, countries: int = 5, products: int = 3, density: float = 0.8,
                 sectors: bool = False) -> ProductTrade:
    """A random sparse table: every importer × exporter (no domestic rows) × product with probability ``density``."""
    rows = []
    for p in range(products):
        for j in range(countries):
            for i in range(countries):
                if i != j and rng.random() < density:
                    rows.append((f"C{j}", f"C{i}", f"{p + 1:02d}0{p}10", float(rng.lognormal(3.0, 1.0)),
                                 float(rng.choice([0.0, 0.03, 0.1]))))
    frame = pd.DataFrame(rows, columns=["importer", "exporter", "product", "value_usd", "tariff"])
    if sectors:
        frame["sector"] = np.where(frame["product"].str[:2].astype(int) % 2 == 0, "even", "odd")
    return ProductTrade.from_frame(frame, sector="sector" if sectors else None)


def raise_some(trade: ProductTrade, rng: np.random.Generator, share: float = 0.4, by: float = 0.25) -> np.ndarray:
    """New tariffs: ``by`` more on a random ``share`` of the rows."""
    return np.where(rng.random(trade.n_rows) < share, trade.tariff + by, trade.tariff)
