"""The JSON API under ``/api`` (schema at ``/openapi.json``), for people who script against the app.

Scripts send ``Authorization: Bearer TOKEN`` (the token ``tariffsim serve`` printed). Errors are
``{"error": "one line", "status": CODE}``. Every route calls what the pages call.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tariffsim.errors import ScenarioError, TariffsimError
from tariffsim.scenario.writer import data_to_toml
from tariffsim.web.jobs import Job
from tariffsim.web.pages import (
    check_against_world,
    ctx_of,
    form_values,
    gap_job,
    load_source,
    read_upload,
    submit_run,
    target_job,
    war_job,
)
from tariffsim.web.work import RunOptions

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")


def frame(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON records (NaN as null)."""
    records: list[dict[str, Any]] = json.loads(table.to_json(orient="records", date_format="iso", double_precision=15))
    return records


def _client(request: Request) -> str:
    return str(getattr(request.state, "client", "token"))


# ---------------------------------------------------------------------- worlds
class WorldOut(BaseModel):
    name: str
    origin: str = Field(description="bundled or catalog")
    about: str


@router.get("/worlds", response_model=list[WorldOut], summary="The Worlds the app offers (by name)")
def worlds(request: Request) -> list[WorldOut]:
    return [WorldOut(name=e.name, origin=e.origin, about=e.about) for e in ctx_of(request).worlds.entries()]


@router.get("/worlds/{name}", summary="A World: countries, sectors, elasticities, country summary")
def world(request: Request, name: str) -> dict[str, Any]:
    context = ctx_of(request)
    w = context.worlds.load(context.worlds.check(name))
    return {"name": name, "year": w.year, "countries": list(w.countries), "sectors": list(w.sectors),
            "elasticity": dict(zip(w.sectors, map(float, w.elasticity), strict=True)),
            "summary": frame(w.summary()), "sources": dict(w.sources)}


# ---------------------------------------------------------------------- scenarios
class ScenarioIn(BaseModel):
    """A scenario as TOML text, or as the tables of a scenario file in JSON."""

    model_config = ConfigDict(extra="allow")
    toml: str | None = Field(None, description="Scenario TOML text (as in a scenario file)")


class ScenarioOut(BaseModel):
    id: str
    name: str
    description: str
    origin: str
    created: float
    toml: str = Field(description="The whole scenario (a bundled parent merged in)")


_SCENARIO_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}},
    "application/json": {"schema": {"$ref": "#/components/schemas/ScenarioIn"}}}}}


@router.post("/scenarios", status_code=201, response_model=ScenarioOut, openapi_extra=_SCENARIO_BODY,
             summary="Validate and store a scenario: a TOML file (multipart field `file`) or JSON")
async def post_scenario(request: Request) -> ScenarioOut:
    context = ctx_of(request)
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        text = await read_upload(context, (await form_values(request)).get("file"))
    elif kind.startswith("application/json"):
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise ScenarioError("the body is not JSON") from None
        if not isinstance(body, dict):
            raise ScenarioError('give {"toml": "..."} or the tables of a scenario ({"scenario": {...}, ...})')
        given = ScenarioIn.model_validate(body)
        if given.toml is not None:
            text = given.toml
        else:
            try:
                text = data_to_toml(body)
            except (TypeError, AttributeError, ValueError):
                raise ScenarioError("the JSON is not the tables of a scenario file") from None
    else:
        raise ScenarioError("send a TOML file as multipart field 'file', or JSON")
    loaded = context.reader.read(text)
    outcome, _ = check_against_world(context, loaded)
    if outcome != "ok":
        raise ScenarioError(outcome)
    stored = context.book.add(loaded, "api")
    return ScenarioOut(**stored.as_dict())


@router.get("/scenarios", summary="Saved scenarios (newest first) and the bundled ones")
def list_scenarios(request: Request) -> dict[str, Any]:
    from tariffsim.scenario import bundled_scenarios

    return {"saved": [{k: v for k, v in s.as_dict().items() if k != "toml"} for s in ctx_of(request).book.all()],
            "bundled": bundled_scenarios()}


@router.get("/scenarios/{scenario_id}", response_model=ScenarioOut, summary="A saved scenario")
def get_scenario(request: Request, scenario_id: str) -> ScenarioOut:
    return ScenarioOut(**ctx_of(request).book.get(scenario_id).as_dict())


# ---------------------------------------------------------------------- runs
class RunIn(BaseModel):
    """A run: one scenario (a saved scenario's id, a bundled name, or TOML text) and options."""

    model_config = ConfigDict(extra="forbid")
    scenario_id: str | None = None
    bundled: str | None = Field(None, description="A bundled scenario, e.g. us-china-2018-2019")
    toml: str | None = None
    date: str = Field("", description="Evaluate on this date only (YYYY-MM-DD)")
    elasticity: str = Field("", description="An elasticity set code (bundled Worlds) or one theta for every sector")
    draws: int = Field(0, ge=0, description="Parameter draws (0: none)")
    seed: int | None = Field(None, ge=0)


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    url: str


@router.post("/runs", status_code=202, response_model=JobOut, summary="Start a run; returns its id")
def post_run(request: Request, body: RunIn) -> JobOut:
    context = ctx_of(request)
    loaded = load_source(context, bundled=body.bundled, scenario_id=body.scenario_id, toml=body.toml)
    job = submit_run(context, _client(request), loaded, RunOptions(date=body.date, elasticity=body.elasticity,
                                                                   draws=body.draws, seed=body.seed))
    return JobOut(id=job.id, kind=job.kind, status=job.status, url=f"/api/runs/{job.id}")


@router.get("/runs", summary="Runs in the runs store (newest first) and the run jobs of this app")
def list_runs(request: Request) -> dict[str, Any]:
    context = ctx_of(request)
    return {"stored": frame(context.store().summary()),
            "jobs": [_job_dict(j) for j in context.jobs.jobs() if j.kind == "run"]}


def _job_dict(job: Job) -> dict[str, Any]:
    out = job.as_dict()
    if job.kind == "run":
        out["run_id"] = job.result if job.status == "done" else None
    return out


@router.get("/runs/{run_id}", summary="A run's status and, once done, its result tables",
            description="`run_id` is the id POST /api/runs returned (a job) or a run's id in the runs store. `tables` "
                        "is a comma-separated list of countries, bilateral, sectors, bilateral_sectors, coverage, "
                        "tariffs, timeline (default countries,sectors); `date` an evaluation date (default the last).")
def get_run(request: Request, run_id: str, tables: str = "countries,sectors", date: str = "") -> dict[str, Any]:
    context = ctx_of(request)
    job = context.jobs.find(run_id)
    if job is not None and job.kind != "run":
        raise TariffsimError(f"{run_id} is a {job.kind} job: see /api/jobs/{run_id}")
    out: dict[str, Any] = _job_dict(job) if job is not None else {"id": run_id, "kind": "run", "status": "done",
                                                                   "run_id": run_id}
    stored = out.get("run_id")
    if stored is None:
        return out
    if job is None and not RUN_ID.fullmatch(run_id):
        raise TariffsimError(f"no run '{run_id[:40]}': give the id POST /api/runs returned or a stored run's id")
    data = context.store().load(stored)
    when = data.check_date(date or None)
    wanted = [t.strip() for t in tables.split(",") if t.strip()]
    out.update(name=data.name, dates=list(data.dates), date=when, tables={})
    for name in wanted:
        if name == "timeline":
            if "countries" in data.tables and len(data.dates) > 1:
                out["tables"][name] = frame(data.tables["countries"])
            continue
        if name not in data.tables:
            raise TariffsimError(f"no table {name[:40]!r} in run {stored} (tables: {', '.join(data.tables)})")
        out["tables"][name] = frame(data.table(name, when))
    out["warnings"] = list((data.record(when) or {}).get("warnings") or [])
    return out


@router.post("/runs/{run_id}/cancel", response_model=JobOut, summary="Cancel a run that is waiting or running")
def cancel_run(request: Request, run_id: str) -> JobOut:
    job = ctx_of(request).jobs.cancel(run_id)
    return JobOut(id=job.id, kind=job.kind, status=job.status, url=f"/api/runs/{job.id}")


@router.delete("/runs/{run_id}", summary="Remove a run from the runs store")
def delete_run(request: Request, run_id: str) -> dict[str, Any]:
    context = ctx_of(request)
    job = context.jobs.find(run_id)
    stored = job.result if job is not None and job.kind == "run" and job.status == "done" else run_id
    if not RUN_ID.fullmatch(str(stored)):
        raise TariffsimError(f"no stored run '{str(stored)[:40]}'")
    info = context.store().remove(str(stored))
    context.forget_pages(info.run_id)
    return {"removed": info.run_id}


# ---------------------------------------------------------------------- jobs, wars and talks
@router.get("/jobs", summary="Every job of this app (newest first)")
def list_jobs(request: Request) -> list[dict[str, Any]]:
    return [_job_dict(j) for j in ctx_of(request).jobs.jobs()]


@router.get("/jobs/{job_id}", summary="A job; a finished game's tables")
def get_job(request: Request, job_id: str) -> dict[str, Any]:
    job = ctx_of(request).jobs.get(job_id)
    out = _job_dict(job)
    if job.kind != "run" and job.status == "done":
        out["title"] = job.result.title
        out["tables"] = {name: frame(table) for name, table in job.result.tables.items()}
    return out


class WarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    world: str = "demo-2017"
    kind: str = Field("nash", description="nash or optimal")
    players: list[str]
    instrument: str = Field("mfn", description="mfn or bilateral")
    sectors: str = Field("uniform", description="each or uniform")
    upper: float = Field(2.25, description="Cap on every tariff (fraction)")
    model: str = "gravity"
    start: str = Field("", description="Start from a scenario's tariffs: bundled:NAME or saved:ID")


class GapIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: str = Field(description="Position A: bundled:NAME or saved:ID")
    b: str = Field(description="Position B: bundled:NAME or saved:ID")
    parties: str = Field("", description="Two countries, e.g. USA,CHN (default: those the positions involve)")
    threat: str = Field("nash", description="nash, status-quo, or a scenario (bundled:NAME or saved:ID)")
    sectors: str = "uniform"


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    world: str = "demo-2017"
    pair: str = Field(description="A:B, the balance of A with B, e.g. CHN:USA")
    balance_change: float = Field(description="USD millions, e.g. -100000")
    instruments: list[str] = Field(description="e.g. purchase:CHN:USA, tariff:USA:CHN, tariff-cut:CHN:USA")
    by: str = ""
    base: str = ""


def _accepted(job: Job) -> JobOut:
    return JobOut(id=job.id, kind=job.kind, status=job.status, url=f"/api/jobs/{job.id}")


@router.post("/war", status_code=202, response_model=JobOut, summary="Nash or optimal tariffs (a job)")
async def post_war(request: Request, body: WarIn) -> JobOut:
    return _accepted(await war_job(request, body.model_dump()))


@router.post("/talks/gap", status_code=202, response_model=JobOut, summary="The gap between two positions (a job)")
async def post_gap(request: Request, body: GapIn) -> JobOut:
    return _accepted(await gap_job(request, body.model_dump()))


@router.post("/talks/target", status_code=202, response_model=JobOut,
             summary="What moves a bilateral balance by a stated amount (a job)")
async def post_target(request: Request, body: TargetIn) -> JobOut:
    return _accepted(await target_job(request, body.model_dump()))
