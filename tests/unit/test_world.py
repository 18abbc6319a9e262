"""World: construction, validation (every error path), frames, aggregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim import World, WorldError
from tariffsim.testing import random_world


def base_arrays(n: int = 3, s: int = 2) -> dict:
    flows = np.ones((n, n, s))
    flows[np.arange(n), np.arange(n), :] = 10.0
    return {"countries": [f"C{i}" for i in range(n)], "sectors": [f"S{k}" for k in range(s)],
            "flows": flows, "elasticity": 4.0}


def test_derived_quantities_follow_the_accounting():
    kw = base_arrays()
    tariffs = np.zeros((3, 3, 2))
    tariffs[0, 1, 0] = 0.5  # C1 taxes C0's S0 goods at 50 %
    w = World(**kw, tariffs=tariffs)
    np.testing.assert_allclose(w.output, [24, 24, 24])
    np.testing.assert_allclose(w.tariff_revenue, [0, 0.5, 0])
    np.testing.assert_allclose(w.expenditure, [24, 24.5, 24])
    np.testing.assert_allclose(w.deficit, 0.0)
    assert w.deficit.sum() == 0.0
    assert w.traded.all()


def test_deficit_is_imports_minus_exports():
    kw = base_arrays()
    kw["flows"][0, 1, :] = 5.0  # C0 exports more to C1
    w = World(**kw)
    assert w.deficit[0] == pytest.approx(-8.0)
    assert w.deficit[1] == pytest.approx(8.0)
    assert w.deficit.sum() == pytest.approx(0.0)


def test_arrays_are_read_only_and_inputs_not_aliased():
    kw = base_arrays()
    flows = kw["flows"]
    w = World(**kw)
    flows[0, 0, 0] = 999.0
    assert w.flows[0, 0, 0] == 10.0
    with pytest.raises(ValueError):
        w.flows[0, 0, 0] = 1.0


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda k: k["flows"].__setitem__((0, 1, 0), -1.0), "flows", "negative"),
        (lambda k: k["flows"].__setitem__((0, 1, 0), np.nan), "flows", "NaN or infinite"),
        (lambda k: k["flows"].__setitem__((0, 1, 0), np.inf), "flows", "NaN or infinite"),
        (lambda k: k.__setitem__("countries", ["A", "A", "B"]), "countries", "duplicated"),
        (lambda k: k.__setitem__("countries", ["A", "", "B"]), "countries", "empty"),
        (lambda k: k.__setitem__("sectors", ["X", "X"]), "sectors", "duplicated"),
        (lambda k: k["flows"].__setitem__((1, 1, slice(None)), 0.0), "flows", "missing domestic sales"),
        (lambda k: k.__setitem__("elasticity", 0.0), "elasticity", "non-positive"),
        (lambda k: k.__setitem__("elasticity", [4.0, -1.0]), "elasticity", "non-positive"),
        (lambda k: k.__setitem__("elasticity", [4.0]), "elasticity", "1 values for 2 sectors"),
        (lambda k: k.__setitem__("flows", np.ones((3, 3))), "flows", "shape"),
    ],
)
def test_validation_errors_name_field_labels_and_fix(change, field, fragment):
    kw = base_arrays()
    change(kw)
    with pytest.raises(WorldError) as info:
        World(**kw)
    assert info.value.field == field
    assert fragment in str(info.value)
    assert "Fix:" in str(info.value)


def test_negative_flow_error_names_the_pair():
    kw = base_arrays()
    kw["flows"][2, 0, 1] = -3.0
    with pytest.raises(WorldError, match=r"C2->C0/S1"):
        World(**kw)


@pytest.mark.parametrize("bad", [-0.01, 10.5, np.nan])
def test_tariffs_outside_range_are_rejected(bad):
    kw = base_arrays()
    t = np.zeros((3, 3, 2))
    t[0, 1, 1] = bad
    with pytest.raises(WorldError) as info:
        World(**kw, tariffs=t)
    assert info.value.field == "tariffs"
    assert info.value.labels == ["C0->C1/S1"]


def test_domestic_tariffs_are_rejected():
    kw = base_arrays()
    t = np.zeros((3, 3, 2))
    t[1, 1, 0] = 0.1
    with pytest.raises(WorldError, match="domestic"):
        World(**kw, tariffs=t)


def test_zero_expenditure_is_rejected():
    kw = base_arrays()
    kw["flows"][:, 2, :] = 0.0
    with pytest.raises(WorldError, match="zero expenditure") as info:
        World(**kw)
    assert info.value.labels == ["C2"]


def test_elasticity_mapping_must_cover_sectors():
    kw = base_arrays()
    kw["elasticity"] = {"S0": 4.0}
    with pytest.raises(WorldError, match="no elasticity"):
        World(**kw)
    kw["elasticity"] = {"S0": 4.0, "S1": 5.0, "S9": 1.0}
    with pytest.raises(WorldError, match="unknown sectors"):
        World(**kw)


def test_frames_round_trip(rng):
    w = random_world(rng, 5, 3)
    frame = w.to_frame()
    back = World.from_frames(frame, elasticity=dict(zip(w.sectors, w.elasticity, strict=True)),
                             countries=w.countries, sectors=w.sectors)
    assert back.fingerprint == w.fingerprint


def test_from_frames_errors():
    frame = pd.DataFrame({"exporter": ["A", "A", "B", "B"], "importer": ["A", "B", "A", "B"],
                          "value": [10.0, 1.0, 2.0, 9.0]})
    w = World.from_frames(frame, elasticity=5.0)
    assert w.sectors == ("total",)  # not "all": that name is the all-sector aggregate's
    assert w.flows[0, 1, 0] == 1.0
    with pytest.raises(WorldError, match="duplicated rows"):
        World.from_frames(pd.concat([frame, frame.iloc[[1]]]), elasticity=5.0)
    with pytest.raises(WorldError, match="not in the country list"):
        World.from_frames(frame, elasticity=5.0, countries=["A"])
    with pytest.raises(WorldError, match="missing columns"):
        World.from_frames(frame.drop(columns="value"), elasticity=5.0)
    with pytest.raises(WorldError, match="DataFrame"):
        World.from_frames("not a frame", elasticity=5.0)  # type: ignore[arg-type]


def test_aggregation_sums_flows_exactly_and_weights_tariffs(rng):
    w = random_world(rng, 6, 4)
    agg = w.aggregate(regions={"R1": ["C00", "C01", "C02"]}, sectors={"G": ["S0", "S1"]})
    assert agg.countries == ("R1", "C03", "C04", "C05")
    assert agg.sectors == ("G", "S2", "S3")
    assert agg.flows.sum() == pytest.approx(w.flows.sum(), rel=1e-14)
    # R1's domestic sales include trade among its members
    members = [0, 1, 2]
    expected = w.flows[np.ix_(members, members, [0, 1])].sum()
    assert agg.flows[0, 0, 0] == pytest.approx(expected, rel=1e-14)
    # tariff of C03 on R1's G goods is the trade-weighted average over members and sectors
    cells = np.ix_(members, [3], [0, 1])
    expected_t = (w.tariffs[cells] * w.flows[cells]).sum() / w.flows[cells].sum()
    assert agg.tariffs[0, 1, 0] == pytest.approx(expected_t, rel=1e-12)
    # internal trade carries no tariff
    assert agg.tariffs[0, 0, 0] == 0.0
    # revenue on trade that stays international is preserved exactly
    keep = np.ix_([3, 4, 5], [3, 4, 5], [2, 3])
    assert (agg.tariffs[1:, 1:, 1:] * agg.flows[1:, 1:, 1:]).sum() == pytest.approx(
        (w.tariffs[keep] * w.flows[keep]).sum(), rel=1e-12)


def test_aggregation_rejects_bad_groups(small_world):
    with pytest.raises(WorldError, match="unknown label"):
        small_world.aggregate(regions={"R": ["C00", "XXX"]})
    with pytest.raises(WorldError, match="two groups"):
        small_world.aggregate(regions={"R": ["C00", "C01"], "Q": ["C01"]})


def test_fingerprint_changes_with_data(small_world):
    flows = np.array(small_world.flows)
    flows[0, 1, 0] *= 1.0000001
    other = small_world.replace(flows=flows)
    assert other.fingerprint != small_world.fingerprint
    assert small_world.replace().fingerprint == small_world.fingerprint


def test_aggregation_rejects_a_group_label_that_collides(small_world):
    with pytest.raises(WorldError, match="already the label"):
        small_world.aggregate(regions={"C05": ["C00", "C01"]})


def io_world(rng, n=4, s=3):
    from tariffsim.testing import random_io_world

    return random_io_world(rng, n, s, non_traded=1)


def test_input_output_accounting(rng):
    w = io_world(rng)
    assert w.has_input_output
    # value added + intermediate purchases = gross output, sector by sector
    np.testing.assert_allclose(w.value_added_share * w.sector_output + w.intermediate_purchases.sum(axis=1),
                               w.sector_output, rtol=1e-12)
    # final spending + intermediate spending = tariff-inclusive spending on each sector
    income = w.value_added + w.tariff_revenue + w.deficit
    final = w.final_shares * income[:, None]
    np.testing.assert_allclose(final + w.intermediate_purchases.sum(axis=2), w.gross_purchases.sum(axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(w.final_shares.sum(axis=1), 1.0, rtol=1e-12)


def test_input_output_validation(rng):
    w = io_world(rng)
    with pytest.raises(WorldError, match="sum to 1"):
        w.replace(io_shares=np.array(w.io_shares) * 1.1)
    with pytest.raises(WorldError, match=r"outside \(0, 1\]"):
        w.replace(value_added_share=np.array(w.value_added_share) * 0 - 0.1)
    with pytest.raises(WorldError, match="io_shares given without"):
        w.replace(value_added_share=None)
    with pytest.raises(WorldError, match="negative final demand"):
        w.replace(value_added_share=np.full(w.value_added_share.shape, 0.01))


def test_no_input_output_final_shares_are_expenditure_shares(rng):
    w = random_world(rng, 4, 3)
    assert not w.has_input_output
    np.testing.assert_allclose(w.final_shares, w.gross_purchases.sum(axis=0) / w.expenditure[:, None], rtol=1e-12)


def test_aggregating_an_input_output_world_keeps_the_accounts(rng):
    w = io_world(rng, 5, 4)
    agg = w.aggregate(regions={"R": ["C00", "C01"]}, sectors={"G": ["S0", "S1"]})
    assert agg.value_added.sum() == pytest.approx(w.value_added.sum(), rel=1e-12)
    assert agg.intermediate_purchases.sum() == pytest.approx(w.intermediate_purchases.sum(), rel=1e-12)
    np.testing.assert_allclose(agg.io_shares.sum(axis=1), 1.0, rtol=1e-12)


def test_world_folders_round_trip_with_input_output(rng, tmp_path):
    from tariffsim.data import read_world, write_world

    w = io_world(rng).replace(concordance={"84": "S1"}, name="io", year=2005)
    back = read_world(write_world(w, tmp_path / "w"))
    assert back.fingerprint == w.fingerprint
    assert back.name == "io" and back.year == 2005


def test_the_gravity_model_refuses_input_output_worlds(rng):
    from tariffsim import ModelError, Shock, simulate

    w = io_world(rng)
    with pytest.raises(ModelError, match="input-output"):
        simulate(w, Shock.none(w))


def test_the_aggregate_sector_name_is_reserved():
    """Scenario files say `sectors = "all"` and the compiler's tariff tables label the all-sector
    aggregate "all": a real sector of that name would be confused with both."""
    kw = base_arrays()
    with pytest.raises(WorldError, match=r"World.sectors: 'all' is reserved.*\(at all\)"):
        World(**{**kw, "sectors": ("S0", "all")})
    frame = pd.DataFrame({"exporter": ["A", "A", "B", "B"], "importer": ["A", "B", "A", "B"],
                          "sector": "all", "value": [10.0, 1.0, 2.0, 9.0]})
    with pytest.raises(WorldError, match="reserved"):
        World.from_frames(frame, elasticity=5.0)
    with pytest.raises(WorldError, match="reserved"):
        World.from_frames(frame.assign(sector="x"), elasticity=5.0).aggregate(sectors={"all": ["x"]})


def test_a_missing_tariff_is_an_error_not_a_zero():
    frame = pd.DataFrame({"exporter": ["A", "A", "B", "B"], "importer": ["A", "B", "A", "B"],
                          "value": [10.0, 1.0, 2.0, 9.0], "tariff": [0.0, 0.1, np.nan, 0.0]})
    with pytest.raises(WorldError, match=r"World.tariffs: NaN.*\(at B->A\)") as info:
        World.from_frames(frame, elasticity=5.0)
    assert info.value.field == "tariffs" and info.value.labels == ["B->A"]


@pytest.mark.parametrize("spec", [
    pd.DataFrame({"sector": ["X", "Y", "X"], "elasticity": [4.0, 5.0, 6.0]}),
    pd.Series([4.0, 5.0, 6.0], index=["X", "Y", "X"]),
    {"X": 4.0, "Y": 5.0, 1: 6.0, "1": 7.0},
])
def test_a_sector_given_two_elasticities_is_an_error(spec):
    frame = pd.DataFrame({"exporter": ["A", "A", "B", "B"] * 2, "importer": ["A", "B", "A", "B"] * 2,
                          "sector": ["X"] * 4 + ["Y"] * 4, "value": [10.0, 1.0, 2.0, 9.0] * 2})
    twice = "1" if isinstance(spec, dict) else "X"
    with pytest.raises(WorldError, match=rf"more than one elasticity \(at {twice}\)"):
        World.from_frames(frame, elasticity=spec)
