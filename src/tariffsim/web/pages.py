"""The app's pages: server-rendered HTML (Jinja2), with htmx for the parts that update in place.

Every page calls the library and shows what it returns: Worlds (:mod:`tariffsim.web.worlds`), the
scenario editor (:mod:`tariffsim.web.scenarios`), runs as background jobs
(:mod:`tariffsim.web.work`, :mod:`tariffsim.web.jobs`), results as the report's own views
(:func:`tariffsim.report.views.report_sections`, :func:`~tariffsim.report.views.comparison_sections`),
the runs store (:class:`tariffsim.report.runs.RunStore`), trade wars and talks.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tariffsim.errors import ScenarioError, TariffsimError
from tariffsim.scenario import LoadedScenario
from tariffsim.web.context import Context, with_nonce
from tariffsim.web.scenarios import ENTRY_FIELDS, EditorState, blank_state
from tariffsim.web.work import RunOptions, gap_work, parse_players, run_work, target_work, war_work

__all__ = ["router", "read_upload", "load_source", "submit_run", "check_against_world", "form_values"]

router = APIRouter(include_in_schema=False)


def ctx_of(request: Request) -> Context:
    context: Context = request.app.state.tariffsim
    return context


async def form_values(request: Request) -> dict[str, Any]:
    """The posted form: text fields as text (the first of repeated ones), files as :class:`UploadFile`."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        out.setdefault(key, value)
    return out


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---------------------------------------------------------------------- shared by pages and the API
async def read_upload(context: Context, upload: Any) -> str:
    """The text of an uploaded scenario file (at most the app's body limit; UTF-8)."""
    if not isinstance(upload, UploadFile):
        raise ScenarioError("choose a scenario file (.toml) to upload")
    data = await upload.read(context.settings.max_body + 1)
    if len(data) > context.settings.max_body:
        raise ScenarioError("the file is larger than 1 MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", file=upload.filename or "upload") from None


def load_source(context: Context, *, bundled: str | None = None, scenario_id: str | None = None,
                toml: str | None = None) -> LoadedScenario:
    """A scenario by bundled name, saved id or TOML text, read under the app's rules."""
    from tariffsim.scenario import bundled_scenario_path, bundled_scenarios

    given = [x for x in (bundled, scenario_id, toml) if x]
    if len(given) != 1:
        raise ScenarioError("give one scenario: a bundled name, a saved scenario's id or TOML text")
    if bundled:
        if bundled not in bundled_scenarios():
            raise ScenarioError(f"no bundled scenario {bundled[:60]!r}; bundled: {', '.join(bundled_scenarios())}")
        return context.reader.read(bundled_scenario_path(bundled).read_text(encoding="utf-8"))
    if scenario_id:
        return context.reader.read(context.book.get(scenario_id).text)
    return context.reader.read(toml or "")


def submit_run(context: Context, client: str, loaded: LoadedScenario, options: RunOptions) -> Any:
    """Queue a run of ``loaded`` (checked options; its World one the app offers)."""
    options = options.checked(context.settings.max_draws)
    context.worlds.check(loaded.spec.scenario.world)
    work = run_work(loaded, options, context.worlds, data_dir=context.settings.data_dir,
                    lists_dir=context.settings.lists_dir, executor=context.settings.executor)
    title = loaded.name + (f" on {options.date}" if options.date else "") + \
        (f", {options.draws} draws" if options.draws else "")
    return context.jobs.submit("run", title, client, work)


def check_against_world(context: Context, loaded: LoadedScenario) -> tuple[str, list[str]]:
    """``scenario check``'s compilation on every evaluation date: ("ok" or the error, warnings)."""
    from tariffsim.scenario import compile_scenario

    def compute() -> tuple[str, list[str]]:
        try:
            world = context.worlds.load(loaded.spec.scenario.world)
            warnings: list[str] = []
            for when in loaded.spec.scenario.evaluation_dates():
                compiled = compile_scenario(loaded, world, date=when, lists_dir=context.settings.lists_dir)
                warnings += [f"{when}: {w}" if when else w for w in compiled.warnings]
        except TariffsimError as exc:
            return str(exc), []
        return "ok", list(dict.fromkeys(warnings))

    return context.checked(loaded.text, loaded.spec.scenario.world, compute)


def run_options(values: dict[str, Any]) -> RunOptions:
    """Run options from form fields ``run.date``, ``run.elasticity``, ``run.draws``, ``run.seed``."""
    def whole(key: str, default: int | None) -> int | None:
        text = str(values.get(key) or "").strip()
        if not text:
            return default
        try:
            return int(text)
        except ValueError:
            raise TariffsimError(f"{key.split('.')[-1]} must be a whole number; got {text[:20]!r}") from None

    return RunOptions(date=str(values.get("run.date") or "").strip(),
                      elasticity=str(values.get("run.elasticity") or "").strip(),
                      draws=whole("run.draws", 0) or 0, seed=whole("run.seed", None))


def _client(request: Request) -> str:
    return str(getattr(request.state, "client", "token"))


def _elasticity_sets() -> list[str]:
    from tariffsim.data.sector_elasticities import ELASTICITY_SETS

    return list(ELASTICITY_SETS)


# ---------------------------------------------------------------------- home and worlds
@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    from tariffsim.scenario import bundled_scenario_path, bundled_scenarios, load_scenario

    context = ctx_of(request)
    bundled = [(name, load_scenario(bundled_scenario_path(name)).spec.scenario.description)
               for name in bundled_scenarios()]
    runs = context.store().summary().head(8)
    return context.page(request, "home.html", title="tariffsim", bundled=bundled, runs=runs.to_dict("records"),
                        jobs=[j for j in context.jobs.jobs() if j.active], worlds=context.worlds.entries())


@router.get("/worlds", response_class=HTMLResponse)
def worlds_page(request: Request) -> HTMLResponse:
    context = ctx_of(request)
    return context.page(request, "worlds.html", title="Worlds", worlds=context.worlds.entries())


@router.get("/worlds/{name}", response_class=HTMLResponse)
def world_page(request: Request, name: str) -> HTMLResponse:
    from tariffsim.web.worlds import world_sections

    context = ctx_of(request)
    world = context.worlds.load(context.worlds.check(name))
    body = context.report_body(("world", name), lambda: world_sections(world))
    return context.page(request, "report.html", title=f"World {name}", heading=f"World {name}",
                        subtitle=f"{world.n_countries} countries × {world.n_sectors} sectors"
                                 + (f", {world.year}" if world.year else ""),
                        body=with_nonce(body, request.state.nonce), plotly=True, actions=[])


# ---------------------------------------------------------------------- scenarios
@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request, error: str = "") -> HTMLResponse:
    from tariffsim.scenario import bundled_scenarios

    context = ctx_of(request)
    return context.page(request, "scenarios.html", title="Scenarios", saved=context.book.all(),
                        bundled=bundled_scenarios(), error=error)


@router.post("/scenarios/upload")
async def upload_scenario(request: Request) -> Response:
    context = ctx_of(request)
    values = await form_values(request)
    try:
        text = await read_upload(context, values.get("file"))
        loaded = context.reader.read(text)
    except TariffsimError as exc:
        from tariffsim.scenario import bundled_scenarios

        return context.page(request, "scenarios.html", status=400, title="Scenarios", saved=context.book.all(),
                            bundled=bundled_scenarios(), error=str(exc))
    stored = context.book.add(loaded, "upload")
    return _see(f"/editor?scenario={stored.id}")


@router.get("/scenarios/{sid}", response_class=HTMLResponse)
def scenario_page(request: Request, sid: str) -> HTMLResponse:
    context = ctx_of(request)
    stored = context.book.get(sid)
    return context.page(request, "scenario.html", title=stored.name, stored=stored, sets=_elasticity_sets())


@router.get("/scenarios/{sid}/download")
def scenario_download(request: Request, sid: str) -> Response:
    stored = ctx_of(request).book.get(sid)
    return _toml_file(stored.text, stored.name)


def _toml_file(text: str, name: str) -> Response:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:80] or "scenario"
    return Response(text, media_type="application/toml; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{safe}.toml"'})


@router.post("/scenarios/{sid}/run")
async def scenario_run(request: Request, sid: str) -> Response:
    context = ctx_of(request)
    values = await form_values(request)
    loaded = load_source(context, scenario_id=sid)
    job = submit_run(context, _client(request), loaded, run_options(values))
    return _see(f"/jobs/{job.id}")


@router.post("/bundled/{name}/run")
async def bundled_run(request: Request, name: str) -> Response:
    context = ctx_of(request)
    job = submit_run(context, _client(request), load_source(context, bundled=name), RunOptions())
    return _see(f"/jobs/{job.id}")


# ---------------------------------------------------------------------- the editor
@router.get("/editor", response_class=HTMLResponse)
def editor(request: Request, bundled: str = "", scenario: str = "", run: str = "") -> HTMLResponse:
    context = ctx_of(request)
    if run:
        text = str(context.store().load(run).scenario.get("text") or "")
        loaded = context.reader.read(text)
    elif bundled or scenario:
        loaded = load_source(context, bundled=bundled or None, scenario_id=scenario or None)
    else:
        return _editor_page(request, blank_state(context.worlds.names()[0]))
    return _editor_page(request, EditorState.from_spec(loaded.spec), origin=bundled or scenario or run)


def _editor_page(request: Request, state: EditorState, status: int = 200, error: str = "", origin: str = "",
                 toml: str | None = None, options: RunOptions | None = None) -> HTMLResponse:
    context = ctx_of(request)
    return context.page(request, "editor.html", status=status, title="Scenario editor", state=state,
                        fields=ENTRY_FIELDS, worlds=context.worlds.names(), lists=context.reader.lists(),
                        sets=_elasticity_sets(), error=error, origin=origin,
                        toml=toml if toml is not None else _safe_toml(state), options=options or RunOptions())


def _safe_toml(state: EditorState) -> str:
    try:
        return state.toml()
    except ScenarioError:
        return ""


def _read_state(context: Context, state: EditorState) -> tuple[str, LoadedScenario | None, str]:
    """The form's TOML, the scenario read from it (or None) and the error (or "")."""
    try:
        text = state.toml()
    except ScenarioError as exc:
        return "", None, str(exc)
    try:
        return text, context.reader.read(text), ""
    except ScenarioError as exc:
        return text, None, str(exc)


@router.post("/editor/preview", response_class=HTMLResponse)
async def editor_preview(request: Request) -> HTMLResponse:
    context = ctx_of(request)
    state = EditorState.from_form(await form_values(request))
    text, loaded, error = _read_state(context, state)
    line = _error_line(error)
    return context.page(request, "_preview.html", toml_lines=list(enumerate(text.splitlines(), 1)), error=error,
                        error_line=line, field=_error_field(error), loaded=loaded)


def _error_line(error: str) -> int | None:
    import re

    match = re.match(r"^[^:]*\.toml:(\d+)", error)
    return int(match.group(1)) if match else None


def _error_field(error: str) -> str:
    """The form field an error names (``action.3.rate``), when it names one."""
    import re

    match = re.search(r"key '([a-z_]+(?:\.\d+)?(?:\.[a-z_]+)?)'", error)
    return match.group(1) if match else ""


@router.post("/editor/check", response_class=HTMLResponse)
async def editor_check(request: Request) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    context = ctx_of(request)
    state = EditorState.from_form(await form_values(request))
    _, loaded, error = _read_state(context, state)
    outcome, warnings = "", list[str]()
    if loaded is not None:
        outcome, warnings = await run_in_threadpool(check_against_world, context, loaded)
    return context.page(request, "_check.html", error=error, outcome=outcome, warnings=warnings, loaded=loaded)


@router.post("/editor/form", response_class=HTMLResponse)
async def editor_form(request: Request, op: str = "") -> HTMLResponse:
    context = ctx_of(request)
    state = EditorState.from_form(await form_values(request))
    verb, _, what = op.partition(":")
    if verb == "add":
        state.add(what)
    elif verb == "remove" and what.isdigit():
        state.remove(int(what))
    else:
        raise TariffsimError(f"unknown editor operation {op[:40]!r}")
    response = context.page(request, "_editor_form.html", state=state, fields=ENTRY_FIELDS,
                            worlds=context.worlds.names(), lists=context.reader.lists())
    response.headers["HX-Trigger"] = "editor-changed"
    return response


@router.post("/editor/toml", response_class=HTMLResponse)
async def editor_from_toml(request: Request) -> HTMLResponse:
    context = ctx_of(request)
    values = await form_values(request)
    text = str(values.get("toml") or "")
    try:
        loaded = context.reader.read(text)
    except ScenarioError as exc:
        state = EditorState.from_form(values)
        return _editor_page(request, state, status=400, error=str(exc), toml=text)
    return _editor_page(request, EditorState.from_spec(loaded.spec))


async def _editor_scenario(request: Request) -> tuple[EditorState, LoadedScenario | None, str, dict[str, Any]]:
    values = await form_values(request)
    state = EditorState.from_form(values)
    _, loaded, error = _read_state(ctx_of(request), state)
    return state, loaded, error, values


@router.post("/editor/save")
async def editor_save(request: Request) -> Response:
    state, loaded, error, values = await _editor_scenario(request)
    if loaded is None:
        return _editor_page(request, state, status=400, error=error, options=run_options(values))
    stored = ctx_of(request).book.add(loaded, "editor")
    return _see(f"/scenarios/{stored.id}")


@router.post("/editor/run")
async def editor_run(request: Request) -> Response:
    context = ctx_of(request)
    state, loaded, error, values = await _editor_scenario(request)
    options = run_options(values)
    if loaded is None:
        return _editor_page(request, state, status=400, error=error, options=options)
    context.book.add(loaded, "editor")
    try:
        job = submit_run(context, _client(request), loaded, options)
    except TariffsimError as exc:
        return _editor_page(request, state, status=400, error=str(exc), options=options)
    return _see(f"/jobs/{job.id}")


@router.post("/editor/download")
async def editor_download(request: Request) -> Response:
    state, loaded, error, values = await _editor_scenario(request)
    if loaded is None:
        return _editor_page(request, state, status=400, error=error, options=run_options(values))
    return _toml_file(loaded.text, loaded.name)


# ---------------------------------------------------------------------- jobs
@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request) -> HTMLResponse:
    context = ctx_of(request)
    return context.page(request, "jobs.html", title="Jobs", jobs=context.jobs.jobs(), queue=context.jobs)


@router.get("/jobs/table", response_class=HTMLResponse)
def jobs_table(request: Request) -> HTMLResponse:
    context = ctx_of(request)
    return context.page(request, "_jobs_table.html", jobs=context.jobs.jobs(), queue=context.jobs)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    context = ctx_of(request)
    job = context.jobs.get(job_id)
    return context.page(request, "job.html", title=job.title, job=job, queue=context.jobs,
                        result_url=_result_url(job))


def _result_url(job: Any) -> str:
    if job.status != "done":
        return ""
    return f"/runs/{job.result}" if job.kind == "run" else f"/games/{job.id}"


@router.get("/jobs/{job_id}/status", response_class=HTMLResponse)
def job_status(request: Request, job_id: str) -> HTMLResponse:
    context = ctx_of(request)
    job = context.jobs.get(job_id)
    response = context.page(request, "_job_status.html", job=job, queue=context.jobs, result_url=_result_url(job))
    if job.status == "done" and request.query_params.get("follow"):
        response.headers["HX-Redirect"] = _result_url(job)
    return response


@router.post("/jobs/{job_id}/cancel")
def job_cancel(request: Request, job_id: str) -> Response:
    context = ctx_of(request)
    job = context.jobs.cancel(job_id)
    if request.headers.get("hx-request"):
        return context.page(request, "_job_status.html", job=job, queue=context.jobs, result_url="")
    return _see(f"/jobs/{job.id}")


# ---------------------------------------------------------------------- runs
@router.get("/runs", response_class=HTMLResponse)
def runs_page(request: Request) -> HTMLResponse:
    context = ctx_of(request)
    runs = context.store().summary()
    return context.page(request, "runs.html", title="Runs", runs=runs.to_dict("records"))


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str, date: str = "") -> HTMLResponse:
    from tariffsim.report.views import report_sections

    context = ctx_of(request)
    data = context.store().load(run_id)
    when = data.check_date(date or None)
    body = context.report_body(("run", data.run_id or run_id, when), lambda: report_sections(data, when))
    return context.page(request, "run.html", title=data.name, run=data, when=when,
                        body=with_nonce(body, request.state.nonce), plotly=True)


@router.get("/runs/{run_id}/report.html")
def run_report_file(request: Request, run_id: str, date: str = "") -> Response:
    from tariffsim.report.html import render_report

    data = ctx_of(request).store().load(run_id)
    page = render_report(data, data.check_date(date or None))
    return _standalone(page, f"report-{data.run_id}.html")


def _standalone(page: str, filename: str) -> Response:
    """A self-contained report page (the library's file, plotly.js inline), as a download."""
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@router.get("/runs/{run_id}/scenario.toml")
def run_scenario_file(request: Request, run_id: str) -> Response:
    data = ctx_of(request).store().load(run_id)
    return _toml_file(str(data.scenario.get("text") or ""), data.name)


@router.post("/runs/{run_id}/delete")
def run_delete(request: Request, run_id: str) -> Response:
    context = ctx_of(request)
    info = context.store().remove(context.store().get(run_id).run_id)
    context.forget_pages(info.run_id)
    return _see("/runs")


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, a: str = "", b: str = "") -> HTMLResponse:
    from tariffsim.report.views import comparison_sections

    context = ctx_of(request)
    if not a or not b or a == b:
        raise TariffsimError("choose two different runs to compare")
    store = context.store()
    run_a, run_b = store.load(a), store.load(b)
    body = context.report_body(("compare", run_a.run_id or a, run_b.run_id or b),
                               lambda: comparison_sections(run_a, run_b))
    return context.page(request, "report.html", title="Comparison", heading=f"{run_a.name} vs {run_b.name}",
                        subtitle=f"A: run {run_a.run_id} · B: run {run_b.run_id}",
                        body=with_nonce(body, request.state.nonce), plotly=True,
                        actions=[(f"/runs/{run_a.run_id}", "Open A"), (f"/runs/{run_b.run_id}", "Open B")])


# ---------------------------------------------------------------------- trade war and talks
def _scenario_choices(context: Context) -> list[tuple[str, str]]:
    from tariffsim.scenario import bundled_scenarios

    return [(f"bundled:{n}", n) for n in bundled_scenarios()] + \
        [(f"saved:{s.id}", f"{s.name} (saved {s.id})") for s in context.book.all()]


def choose_scenario(context: Context, value: str) -> LoadedScenario:
    """A scenario picked from a list: ``bundled:NAME`` or ``saved:ID``."""
    kind, _, name = value.partition(":")
    if kind == "bundled":
        return load_source(context, bundled=name)
    if kind == "saved":
        return load_source(context, scenario_id=name)
    raise ScenarioError(f"choose a scenario from the list; got {value[:40]!r}")


@router.get("/war", response_class=HTMLResponse)
def war_page(request: Request, world: str = "") -> HTMLResponse:
    context = ctx_of(request)
    chosen = context.worlds.check(world) if world else context.worlds.names()[0]
    countries = list(context.worlds.load(chosen).countries)
    return context.page(request, "war.html", title="Trade war", worlds=context.worlds.names(), world=chosen,
                        countries=countries, scenarios=_scenario_choices(context))


def _number(values: dict[str, Any], key: str, default: float) -> float:
    text = str(values.get(key) or "").strip()
    if not text:
        return default
    try:
        number = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    except ValueError:
        raise TariffsimError(f"{key} must be a number; got {text[:20]!r}") from None
    if not math.isfinite(number):
        raise TariffsimError(f"{key} must be a finite number; got {text[:20]!r}")
    return number


async def war_job(request: Request, values: dict[str, Any]) -> Any:
    """Queue a trade war from form or JSON values: world, kind, players, instrument, sectors, upper, model,
    start (``bundled:NAME``/``saved:ID``, optional)."""
    context = ctx_of(request)
    world = context.worlds.check(str(values.get("world") or ""))
    players = values.get("players") or ""
    chosen = parse_players(players if isinstance(players, list | tuple) else str(players),
                           list(context.worlds.load(world).countries))
    start = str(values.get("start") or "")
    loaded = choose_scenario(context, start) if start else None
    if loaded is not None and loaded.spec.scenario.world != world:
        raise TariffsimError(f"the starting scenario is on {loaded.spec.scenario.world}, not {world}")
    kind = str(values.get("kind") or "nash")
    work = war_work(world, context.worlds, kind=kind, players=chosen, instrument=str(values.get("instrument") or "mfn"),
                    sectors=str(values.get("sectors") or "uniform"), upper=_number(values, "upper", 2.25),
                    model=str(values.get("model") or "gravity"), start=loaded)
    return context.jobs.submit("war", f"{'Nash' if kind == 'nash' else 'optimal'} tariffs of {', '.join(chosen)}",
                               _client(request), work)


@router.post("/war")
async def war_submit(request: Request) -> Response:
    form = await request.form()
    values: dict[str, Any] = dict(await form_values(request))
    values["players"] = [str(v) for v in form.getlist("players")]
    job = await war_job(request, values)
    return _see(f"/jobs/{job.id}")


@router.get("/talks", response_class=HTMLResponse)
def talks_page(request: Request) -> HTMLResponse:
    context = ctx_of(request)
    return context.page(request, "talks.html", title="Trade talks", worlds=context.worlds.names(),
                        scenarios=_scenario_choices(context))


async def gap_job(request: Request, values: dict[str, Any]) -> Any:
    """Queue the gap between two positions: ``a``, ``b`` (``bundled:``/``saved:``), ``parties`` ("USA,CHN" or
    empty), ``threat`` (nash, status-quo or a scenario choice), ``sectors``."""
    context = ctx_of(request)
    a = choose_scenario(context, str(values.get("a") or ""))
    b = choose_scenario(context, str(values.get("b") or ""))
    text = str(values.get("parties") or "").strip()
    parties = None
    if text:
        names = [p.strip() for p in text.split(",")]
        if len(names) != 2 or not all(names):
            raise TariffsimError(f"parties are two country labels separated by a comma (e.g. USA,CHN); got {text!r}")
        parties = (names[0], names[1])
    threat_text = str(values.get("threat") or "nash")
    threat: str | LoadedScenario = threat_text if threat_text in ("nash", "status-quo") else \
        choose_scenario(context, threat_text)
    work = gap_work(a, b, context.worlds, parties=parties, threat=threat, sectors=str(values.get("sectors") or
                                                                                      "uniform"))
    return context.jobs.submit("gap", f"gap: {a.name} vs {b.name}", _client(request), work)


async def target_job(request: Request, values: dict[str, Any]) -> Any:
    """Queue a target: ``world``, ``pair`` ("CHN:USA"), ``balance_change`` (USD millions), ``instruments`` (one
    per line), ``by`` (date, optional), ``base`` (scenario choice, optional)."""
    from tariffsim.runs import as_date

    context = ctx_of(request)
    world = context.worlds.check(str(values.get("world") or ""))
    pair_text = str(values.get("pair") or "")
    pair = tuple(p.strip() for p in pair_text.split(":"))
    if len(pair) != 2 or not all(pair):
        raise TariffsimError(f"the pair is two country labels joined by a colon (e.g. CHN:USA); got {pair_text!r}")
    lines = values.get("instruments") or ""
    instruments = [str(x).strip() for x in (lines if isinstance(lines, list) else str(lines).splitlines())
                   if str(x).strip()]
    by_text = str(values.get("by") or "").strip()
    by: dt.date | None = as_date(by_text, "by") if by_text else None
    base_text = str(values.get("base") or "")
    base = choose_scenario(context, base_text) if base_text else None
    work = target_work(world, context.worlds, pair=(pair[0], pair[1]), balance_change=_number(values, "balance_change",
                                                                                               float("nan")),
                       instruments=instruments, by=by, base=base)
    return context.jobs.submit("target", f"target: {pair[0]}:{pair[1]} by {_number(values, 'balance_change', 0):,.0f}",
                               _client(request), work)


@router.post("/talks/gap")
async def gap_submit(request: Request) -> Response:
    job = await gap_job(request, await form_values(request))
    return _see(f"/jobs/{job.id}")


@router.post("/talks/target")
async def target_submit(request: Request) -> Response:
    job = await target_job(request, await form_values(request))
    return _see(f"/jobs/{job.id}")


@router.get("/games/{job_id}", response_class=HTMLResponse)
def game_page(request: Request, job_id: str) -> HTMLResponse:
    context = ctx_of(request)
    job = context.jobs.get(job_id)
    if job.kind == "run" or job.status != "done":
        return _see(f"/jobs/{job.id}")  # type: ignore[return-value]
    result = job.result
    body = context.report_body(("game", job.id), lambda: result.sections)
    actions = [(f"/games/{job.id}/report.html", "Download the full report")] if result.page else []
    return context.page(request, "report.html", title=result.title, heading=result.title, subtitle=result.subtitle,
                        body=with_nonce(body, request.state.nonce), plotly=True, actions=actions)


@router.get("/games/{job_id}/report.html")
def game_report(request: Request, job_id: str) -> Response:
    job = ctx_of(request).jobs.get(job_id)
    if job.status != "done" or not getattr(job.result, "page", ""):
        raise TariffsimError("this job has no standalone report")
    return _standalone(job.result.page, f"talks-{job.id}.html")
