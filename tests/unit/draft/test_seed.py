"""The seed article (the May 2018 US-China talks report) drafts to the items a reader takes from it.

The article is read from ../shared/seeds (never copied into the repository); the tests skip
without it, and fail under CI=true.
"""

from __future__ import annotations

import time

import pytest

from tariffsim.data import load_world
from tariffsim.draft import draft_article
from tariffsim.scenario import compile_scenario, load_scenario, parse_scenario
from tests.conftest import SHARED_DATA, _missing

SEED = SHARED_DATA.parent / "seeds" / "000_630844047f4109f6.txt"


@pytest.fixture(scope="module")
def seed(nlp_ready):
    if not SEED.exists():
        _missing(f"needs the seed article {SEED} (not found)")
    text = SEED.read_text(encoding="utf-8")
    return text, draft_article(text, "2018-05-09", source=SEED.name)


def _one(items, **fields):
    hits = [i for i in items if all(getattr(i, k) == v for k, v in fields.items())]
    assert len(hits) == 1, f"{fields}: {len(hits)} items"
    return hits[0]


def test_the_threat(seed):
    text, draft = seed
    action = _one(draft.items, kind="action")
    assert (action.imposer, action.targets, action.status) == ("USA", ["CHN"], "threatened")
    assert (action.coverage_value, action.coverage_currency, action.coverage_usd) == (150_000, "USD", 150_000)
    assert action.rate_pct is None and "rate not stated" in action.warnings
    assert action.effective.isoformat() == "2018-05-22" and action.effective_bound == "not_before"
    # each field is traced to its words: the effective date to the next sentence's "May 22"
    fields = action.fields
    assert text[fields["coverage_value"].start:fields["coverage_value"].end] == "$150 billion"
    assert text[fields["effective"].start:fields["effective"].end] == "May 22"
    assert text[fields["status"].start:fields["status"].end] == "threatened"
    assert "comment period ends May 22" not in action.sentence.text  # the date came from another sentence


def test_the_target(seed):
    _, draft = seed
    target = _one(draft.items, kind="target")
    assert target.pair == ("CHN", "USA") and target.balance_change_musd == -200_000
    assert target.bound == "at_least" and target.by.isoformat() == "2020-12-31"
    assert target.imposer == "USA" and target.targets == ["CHN"]
    [handoff] = draft.targets()
    assert handoff.cli_args() == ["--pair", "CHN:USA", "--balance-change", "-200000", "--by", "2020-12-31"]
    assert handoff.find_target_kwargs()["balance_change"] == -200_000


def test_the_demands(seed):
    _, draft = seed
    demands = [i for i in draft.items if i.kind == "demand"]
    no_retaliation = _one(demands, imposer="USA", targets=["CHN"], demand=next(
        d.demand for d in demands if d.demand.what == "no retaliation"))
    assert no_retaliation.demand.modelled
    investigation = next(d for d in demands if d.demand.what == "stop an investigation")
    assert (investigation.imposer, investigation.targets, investigation.demand.modelled) == ("CHN", ["USA"], False)
    lists = [d for d in demands if d.demand.what == "list of demands"]
    assert [(d.imposer, d.targets) for d in lists] == [("USA", ["CHN"]), ("CHN", ["USA"])]


def test_nothing_else(seed):
    _, draft = seed
    kinds = sorted(i.kind for i in draft.items)
    assert kinds == ["action", "demand", "demand", "demand", "demand", "target"]


def test_two_positions_as_skeleton_overlays(seed, tmp_path):
    _, draft = seed
    world = load_world("demo-2017")
    written = draft.scenario(world, "demo-2017", "draft-seed")
    (tmp_path / "draft.toml").write_text(written.toml)
    positions = draft.positions()
    assert [p.party for p in positions] == ["USA", "CHN"]
    for position in positions:
        path = tmp_path / f"draft.position-{position.party}.toml"
        path.write_text(position.to_toml(f"position-{position.party}", "draft.toml"))
        assert parse_scenario(path.read_text()).spec.scenario.extends == "draft.toml"
        loaded = load_scenario(path)  # follows extends to the draft
        assert loaded.spec.scenario.name == f"position-{position.party}" and not loaded.spec.action
        compile_scenario(loaded, world)


def test_the_scenario_validates_and_says_what_is_missing(seed):
    _, draft = seed
    world = load_world("demo-2017")
    written = draft.scenario(world, "demo-2017", "draft-seed")
    loaded = parse_scenario(written.toml)
    compile_scenario(loaded, world)
    assert not loaded.spec.action and written.left_out == 1 and not written.runnable
    assert "# [[action]]" in written.toml and "# TODO: rate not stated" in written.toml
    assert any("rate not stated" in w and "$150 billion" in w for w in written.warnings)


def test_drafting_again_takes_under_a_second(seed):
    text, _ = seed
    start = time.perf_counter()
    draft_article(text, "2018-05-09")
    assert time.perf_counter() - start < 1.0
