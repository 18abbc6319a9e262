"""Hypothesis strategies and a seeded generator for small valid Worlds and shocks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tariffsim.shock import Shock
from tariffsim.world import World

__all__ = ["random_io_world", "random_world", "scenarios", "shocks", "worlds"]


def random_world(
    rng: np.random.Generator,
    n: int,
    s: int = 1,
    *,
    theta: tuple[float, float] = (1.0, 15.0),
    tariff_max: float = 0.3,
    home_bias: float = 20.0,
    sparsity: float = 0.0,
) -> World:
    """A random valid World: lognormal flows with home bias, random tariffs and elasticities.

    Parameters
    ----------
    rng
        Source of randomness (pass ``np.random.default_rng(seed)``).
    n, s
        Countries and sectors.
    theta
        Range of the per-sector trade elasticities.
    tariff_max
        Baseline tariffs are uniform on [0, tariff_max].
    home_bias
        Domestic flows are multiplied by this factor.
    sparsity
        Share of international cells set to zero.
    """
    flows = rng.lognormal(0.0, 1.5, size=(n, n, s))
    idx = np.arange(n)
    if sparsity > 0:
        zero = rng.random(size=flows.shape) < sparsity
        # Keep every country exporting and importing something in its first sector: a country
        # with no exports cannot finance a deficit that scales with its output.
        if n > 1:
            partner = (idx + 1) % n
            zero[idx, partner, 0] = False
        flows[zero] = 0.0
    flows[idx, idx, :] = rng.lognormal(0.0, 1.0, size=(n, s)) * home_bias * n
    tariffs = rng.uniform(0.0, tariff_max, size=(n, n, s))
    tariffs[idx, idx, :] = 0.0
    return World(
        countries=tuple(f"C{i:02d}" for i in range(n)),
        sectors=tuple(f"S{k}" for k in range(s)),
        flows=flows,
        tariffs=tariffs,
        elasticity=rng.uniform(theta[0], theta[1], size=s),
    )


@st.composite
def worlds(draw: Any, max_countries: int = 8, max_sectors: int = 3, tariff_max: float = 0.5) -> World:
    """Small valid Worlds (2..max_countries countries, 1..max_sectors sectors)."""
    n = draw(st.integers(2, max_countries))
    s = draw(st.integers(1, max_sectors))
    seed = draw(st.integers(0, 2**32 - 1))
    sparsity = draw(st.sampled_from([0.0, 0.0, 0.3]))
    return random_world(np.random.default_rng(seed), n, s, tariff_max=tariff_max, sparsity=sparsity)


@st.composite
def shocks(draw: Any, world: World, tariff_max: float = 1.0, cost_range: tuple[float, float] = (0.7, 1.4)) -> Shock:
    """Random shocks on ``world``'s grid: new tariffs in [0, tariff_max] and/or iceberg changes."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["tariffs", "costs", "both"]))
    tariffs = rng.uniform(0.0, tariff_max, size=world.shape) if kind in ("tariffs", "both") else None
    tau = rng.uniform(*cost_range, size=world.shape) if kind in ("costs", "both") else None
    return Shock.from_arrays(world, tariffs=tariffs, trade_cost_hat=tau, label=f"random {kind}")


_DATES = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2025, 12, 31))


@st.composite
def scenarios(draw: Any, world: World | None = None, max_actions: int = 4) -> Any:
    """Valid :class:`tariffsim.scenario.Scenario` objects (on ``world``'s labels when given)."""
    from tariffsim.scenario import Action, Header, Scenario

    countries = list(world.countries) if world is not None else ["USA", "CHN", "EU", "JPN"]
    sectors = [s for s, t in zip(world.sectors, world.traded, strict=True) if t] if world is not None else ["A"]
    n_actions = draw(st.integers(0, max_actions))
    actions = []
    for k in range(n_actions):
        imposer = draw(st.sampled_from(countries))
        others = [c for c in countries if c != imposer]
        target = draw(st.one_of(st.just("all"), st.lists(st.sampled_from(others), min_size=1, max_size=len(others),
                                                          unique=True)))
        chosen = draw(st.one_of(st.just("all"), st.lists(st.sampled_from(sectors), min_size=1, unique=True)))
        effective = draw(st.one_of(st.none(), _DATES))
        until = None
        if effective is not None and draw(st.booleans()):
            until = effective + dt.timedelta(days=draw(st.integers(1, 1000)))
        actions.append(Action(
            label=f"action {k}", imposer=imposer, target=target, sectors=chosen,
            rate=draw(st.floats(-0.5, 2.0, allow_nan=False).map(lambda x: round(x, 6))),
            mode="add", effective=effective, until=until,
            coverage=draw(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False).map(lambda x: round(x, 3)))),
            source=draw(st.text(max_size=20)),
        ))
    header = Header(name=draw(st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")),
                    description=draw(st.text(max_size=30)),
                    closure=draw(st.sampled_from(["fixed_level", "fixed_ratio", "balanced"])),
                    elasticities=draw(st.one_of(st.none(), st.sampled_from(["CP", "BSY", "LL", "Shap"]),
                                                st.floats(0.1, 50.0).map(lambda x: round(x, 4)))))
    return Scenario(scenario=header, action=actions)


def random_io_world(rng: np.random.Generator, n: int, s: int, *, theta: tuple[float, float] = (2.0, 10.0),
                    tariff_max: float = 0.2, non_traded: int = 0) -> World:
    """A random valid World with input-output links, consistent by construction.

    Draws trade shares λ (home-biased), final shares α, value-added shares β in
    [0.3, 0.7] and input shares γ, fixes each country's final spending I, and
    iterates ``E_js = Σ_k γ_jsk (1 − β_jk) Y_jk + α_js I_j``, ``Y_is = Σ_j λ_ijs
    E_js / (1 + t_ijs)`` to its fixed point (a contraction: intermediate use is
    less than output). The last ``non_traded`` sectors have only domestic sales.
    """
    idx = np.arange(n)
    lam = rng.lognormal(0.0, 1.0, size=(n, n, s))
    lam[idx, idx, :] *= 10.0 * n
    if non_traded:
        lam[:, :, s - non_traded:] = 0.0
        lam[idx, idx, s - non_traded:] = 1.0
    lam /= lam.sum(axis=0, keepdims=True)
    tariffs = rng.uniform(0.0, tariff_max, size=(n, n, s))
    tariffs[idx, idx, :] = 0.0
    tariffs[:, :, s - non_traded:] = 0.0
    alpha = rng.dirichlet(np.ones(s), size=n)
    beta = rng.uniform(0.3, 0.7, size=(n, s))
    gamma = rng.dirichlet(np.ones(s), size=(n, s)).transpose(0, 2, 1)  # gamma[i, k, s], sums over k
    final = rng.lognormal(3.0, 1.0, size=n)
    output = np.ones((n, s))
    for _ in range(10_000):
        spend = np.einsum("jks,js->jk", gamma, (1.0 - beta) * output) + alpha * final[:, None]
        flows = lam * spend[None, :, :] / (1.0 + tariffs)
        new = flows.sum(axis=1)
        if np.max(np.abs(new - output)) <= 1e-13 * new.max():
            output = new
            break
        output = new
    flows = lam * (np.einsum("jks,js->jk", gamma, (1.0 - beta) * output) + alpha * final[:, None])[None] / (
        1.0 + tariffs)
    return World(countries=tuple(f"C{i:02d}" for i in range(n)), sectors=tuple(f"S{k}" for k in range(s)),
                 flows=flows, tariffs=tariffs, elasticity=rng.uniform(theta[0], theta[1], size=s),
                 value_added_share=beta, io_shares=gamma)
