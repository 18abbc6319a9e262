"""Small synthetic gravity data with known parameters, for the estimation tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNTRIES = [f"C{i}" for i in range(7)]


def panel(rng: np.random.Generator, *, countries: int = 7, years: int = 3, beta: float = 0.4,
          noise: bool = True) -> tuple[pd.DataFrame, dict[str, float]]:
    """A panel with exporter-year, importer-year and symmetric pair effects (domestic pair effect 0).

    Returns the frame (exporter, importer, year, trade, rta, ln_dist, pair) and the truth:
    ``beta`` and the pair effects ``gamma[(i, j)]``.
    """
    names = [f"C{i}" for i in range(countries)]
    location = rng.uniform(0.0, 10.0, (countries, 2))
    dist = np.sqrt(((location[:, None] - location[None]) ** 2).sum(-1)) + 1.0
    gamma = -0.8 * np.log(dist) + np.triu(rng.normal(0.0, 0.3, (countries, countries)), 1)
    gamma = np.triu(gamma, 1) + np.triu(gamma, 1).T  # symmetric, zero on the diagonal
    rows = []
    for t in range(years):
        size_x = rng.normal(3.0, 1.0, countries)
        size_m = rng.normal(3.0, 1.0, countries)
        for i in range(countries):
            for j in range(countries):
                rta = float(i != j and (i + j + t) % 3 == 0)
                mu = np.exp(size_x[i] + size_m[j] + gamma[i, j] + beta * rta)
                value = rng.poisson(mu) if noise else mu
                rows.append((names[i], names[j], 2000 + t, float(value), rta, float(np.log(dist[i, j]))))
    frame = pd.DataFrame(rows, columns=["exporter", "importer", "year", "trade", "rta", "ln_dist"])
    a, b = frame["exporter"], frame["importer"]
    frame["pair"] = np.where(a == b, "domestic", np.where(a < b, a + "-" + b, b + "-" + a))
    truth = {"beta": beta}
    truth.update({f"{names[i]}-{names[j]}": float(gamma[i, j]) for i in range(countries) for j in range(countries)})
    return frame, truth


def cross_section(rng: np.random.Generator, countries: int = 6) -> pd.DataFrame:
    """One year: exporter and importer effects, two covariates, Poisson flows, symmetric pair ids."""
    names = [f"C{i}" for i in range(countries)]
    size_x = rng.normal(2.0, 0.7, countries)
    size_m = rng.normal(2.0, 0.7, countries)
    rows = []
    for i in range(countries):
        for j in range(countries):
            x1 = float(rng.normal())
            x2 = float(i != j)
            mu = np.exp(size_x[i] + size_m[j] + 0.3 * x1 - 1.0 * x2)
            rows.append((names[i], names[j], float(rng.poisson(mu)), x1, x2))
    frame = pd.DataFrame(rows, columns=["exporter", "importer", "trade", "x1", "border"])
    a, b = frame["exporter"], frame["importer"]
    frame["pair"] = np.where(a < b, a + "-" + b, b + "-" + a)
    return frame
