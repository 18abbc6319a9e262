"""The JSON API with FastAPI's test client: scenarios stored and returned, runs started, polled and read, games.

Every number is compared with the library called directly in the test (``run_scenario``,
``find_target``), never with what the app printed before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tariffsim.report.runs import RunStore
from tariffsim.runs import run_scenario
from tariffsim.scenario import bundled_scenario_path, load_scenario

from .conftest import BEARER, wait_for

THREAT = "threat-150bn-2018"


def test_openapi_schema_documents_the_api(api):
    schema = api.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/scenarios", "/api/runs", "/api/runs/{run_id}", "/api/worlds", "/api/war", "/api/talks/gap",
                 "/api/talks/target"):
        assert path in paths, path
    body = paths["/api/scenarios"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json"} <= set(body)
    assert not any(p.startswith(("/editor", "/runs/")) for p in paths)  # the pages are not part of the API


def test_worlds_by_name(api):
    names = [w["name"] for w in api.get("/api/worlds").json()]
    assert "demo-2017" in names
    world = api.get("/api/worlds/demo-2017").json()
    assert world["countries"][:2] == ["USA", "CHN"] and len(world["summary"]) == len(world["countries"])
    assert api.get("/api/worlds/..%2F..%2Fetc").status_code == 404


def test_post_scenario_as_a_file_as_toml_json_and_as_tables(api):
    text = bundled_scenario_path(THREAT).read_text(encoding="utf-8")
    expected = load_scenario(THREAT).spec
    uploaded = api.post("/api/scenarios", files={"file": ("threat.toml", text.encode(), "application/toml")})
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["name"] == THREAT and body["toml"] == text
    as_json = api.post("/api/scenarios", json={"toml": text})
    assert as_json.status_code == 201 and as_json.json()["id"] != body["id"]
    tables = {"scenario": {"name": "tables", "world": "demo-2017", "date": "2019-01-01"},
              "action": [{"imposer": "USA", "target": ["CHN"], "sectors": "all", "rate": "25%"}]}
    from_tables = api.post("/api/scenarios", json=tables)
    assert from_tables.status_code == 201, from_tables.text
    assert "rate = \"25%\"" in from_tables.json()["toml"]
    again = api.get(f"/api/scenarios/{body['id']}").json()
    assert again["toml"] == text
    from tariffsim.scenario import parse_scenario

    assert parse_scenario(again["toml"]).spec == expected
    listed = api.get("/api/scenarios").json()
    assert body["id"] in [s["id"] for s in listed["saved"]] and THREAT in listed["bundled"]


def test_a_scenario_that_does_not_compile_is_refused_with_the_check_message(api):
    tables = {"scenario": {"name": "bad", "world": "demo-2017"},
              "action": [{"imposer": "USA", "target": ["XXX"], "sectors": "all", "rate": 0.1}]}
    refused = api.post("/api/scenarios", json=tables)
    assert refused.status_code == 400
    assert "XXX" in refused.json()["error"]


def test_run_through_the_api_gives_the_library_numbers_and_lands_in_the_runs_store(api, data_dir):
    started = api.post("/api/runs", json={"bundled": THREAT})
    assert started.status_code == 202, started.text
    job = started.json()
    done = wait_for(api, f"/api/runs/{job['id']}?tables=countries,bilateral")
    assert done["status"] == "done", done
    expected = run_scenario(THREAT).result().countries.set_index("country")["welfare_pct"]
    got = pd.DataFrame(done["tables"]["countries"]).set_index("country")["welfare_pct"]
    np.testing.assert_allclose(got.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-12)
    assert len(done["tables"]["bilateral"]) == len(expected) ** 2
    assert done["run_id"] in {r.run_id for r in RunStore(data_dir).runs()}
    by_store_id = api.get(f"/api/runs/{done['run_id']}").json()
    assert by_store_id["tables"]["countries"] == done["tables"]["countries"]
    listed = api.get("/api/runs").json()
    assert done["run_id"] in [r["id"] for r in listed["stored"]]
    assert api.get(f"/api/runs/{done['run_id']}?tables=nonsense").status_code == 400
    removed = api.delete(f"/api/runs/{done['run_id']}")
    assert removed.status_code == 200 and removed.json()["removed"] == done["run_id"]
    assert done["run_id"] not in {r.run_id for r in RunStore(data_dir).runs()}
    assert api.get(f"/api/runs/{done['run_id']}").status_code == 404


def test_run_options_are_checked_before_queueing(api):
    for body, word in (({"bundled": THREAT, "date": "2019-13-45"}, "date"),
                       ({"bundled": THREAT, "elasticity": "XYZ"}, "elasticity"),
                       ({"bundled": THREAT, "draws": 10_000}, "draws"),
                       ({"bundled": "no-such-scenario"}, "bundled"),
                       ({"bundled": THREAT, "toml": "x"}, "one scenario")):
        answer = api.post("/api/runs", json=body)
        assert answer.status_code in (400, 422), (body, answer.text)
        assert word in answer.json()["error"], answer.json()


def test_a_run_with_an_evaluation_date_and_elasticity(api):
    started = api.post("/api/runs", json={"bundled": "us-china-phase-one-2020", "date": "2018-07-06",
                                          "elasticity": "5"})
    done = wait_for(api, started.json()["url"])
    assert done["status"] == "done", done
    assert done["dates"] == ["2018-07-06"]
    expected = run_scenario("us-china-phase-one-2020", dates="2018-07-06", elasticity=5.0).result().countries
    got = pd.DataFrame(done["tables"]["countries"])
    np.testing.assert_allclose(got["welfare_pct"], expected["welfare_pct"], rtol=1e-9, atol=1e-12)


def test_target_job_matches_find_target(api):
    from tariffsim.games.targets import find_target

    started = api.post("/api/talks/target", json={"pair": "CHN:USA", "balance_change": -50000,
                                                  "instruments": ["purchase:CHN:USA"]})
    assert started.status_code == 202, started.text
    done = wait_for(api, started.json()["url"])
    assert done["status"] == "done", done
    expected = find_target("demo-2017", ("CHN", "USA"), -50000.0, ["purchase:CHN:USA"], allow_unreached=True)
    got = pd.DataFrame(done["tables"]["target"])
    np.testing.assert_allclose(got["balance_change_musd"], expected.table()["balance_change_musd"], rtol=1e-9)


@pytest.mark.slow
def test_optimal_tariff_job(api):
    from tariffsim.data import load_world
    from tariffsim.games.war import GameSpec, play

    started = api.post("/api/war", json={"kind": "optimal", "players": ["USA"], "sectors": "uniform"})
    done = wait_for(api, started.json()["url"], seconds=120)
    assert done["status"] == "done", done
    expected = play(load_world("demo-2017"), GameSpec(kind="optimal", players=("USA",), sectors="uniform"))
    got = pd.DataFrame(done["tables"]["players"])
    np.testing.assert_allclose(got["median_tariff_pct"], expected.tables["players"]["median_tariff_pct"], rtol=1e-6)
    assert api.post("/api/war", json={"players": ["XXX"]}).status_code == 400
    assert api.get(f"/api/runs/{done['id']}").status_code == 400  # a war is not a run


def test_bearer_requests_need_no_csrf_but_the_token(client):
    client.cookies.clear()
    assert client.get("/api/worlds").status_code == 401
    assert client.get("/api/worlds", headers={"authorization": "Bearer wrong"}).status_code == 403
    assert client.post("/api/runs", json={"bundled": THREAT}, headers=BEARER).status_code == 202
