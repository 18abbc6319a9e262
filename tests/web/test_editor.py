"""The scenario editor: the form writes back every bundled scenario exactly, its messages are `scenario check`'s,
and jobs can be cancelled waiting or running."""

from __future__ import annotations

import html
import re
import threading
import time

import pytest

from tariffsim.cli import main
from tariffsim.errors import TariffsimError
from tariffsim.scenario import bundled_scenarios, load_scenario, parse_scenario
from tariffsim.web.jobs import Cancelled, JobLimit, JobQueue
from tariffsim.web.scenarios import EditorState, ScenarioReader
from tariffsim.web.worlds import WorldShelf

from .conftest import HTML, csrf


@pytest.fixture(scope="module")
def reader(data_dir):
    made = ScenarioReader(WorldShelf(data_dir))
    yield made
    made.close()


@pytest.mark.parametrize("name", bundled_scenarios())
def test_the_form_writes_every_bundled_scenario_back_exactly(reader, name):
    spec = load_scenario(name).spec  # the library's own reading, extends followed
    state = EditorState.from_spec(spec)
    assert reader.read(state.toml()).spec == spec
    # and through the browser's form fields
    assert reader.read(EditorState.from_form(_form(state)).toml()).spec == spec


@pytest.mark.parametrize("value", ['"shap"', "4.123456789"])
def test_the_form_keeps_the_elasticities_key(reader, value):
    spec = parse_scenario(load_scenario("threat-150bn-2018").text.replace(
        "[scenario]\n", f"[scenario]\nelasticities = {value}\n", 1)).spec
    assert spec.scenario.elasticities in ("Shap", 4.123456789)
    state = EditorState.from_spec(spec)
    assert reader.read(EditorState.from_form(_form(state)).toml()).spec == spec


def _form(state: EditorState) -> dict[str, str]:
    fields = {f"scenario.{k}": v for k, v in state.head.items()} | {"kept": state.kept}
    for prefix, entry in state.numbered():
        fields |= {f"{prefix}.{k}": v for k, v in entry.fields.items()}
    return fields


@pytest.mark.parametrize(("field", "value"), [("action.0.rate", "abc"), ("action.0.effective", "2019-13-45"),
                                              ("action.1.coverage", "lots"), ("scenario.name", ""),
                                              ("action.0.target", ""), ("scenario.elasticities", "XX")])
def test_inline_validation_says_what_scenario_check_says(browser, tmp_path, monkeypatch, capsys, field, value):
    state = EditorState.from_spec(load_scenario("threat-150bn-2018").spec)
    fields = _form(state) | {field: value}
    preview = browser.post("/editor/preview", data={**fields, "csrf_token": csrf(browser)}, headers=HTML)
    shown = re.search(r'id="validation-message">(.*?)</span>', preview.text, re.S)
    assert shown, preview.text[:500]
    (tmp_path / "scenario.toml").write_text(EditorState.from_form(fields).toml(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["scenario", "check", "scenario.toml"]) == 2
    cli = capsys.readouterr().err.strip().removeprefix("error: ")
    assert html.unescape(shown.group(1)) == " ".join(cli.split())
    line = re.match(r"scenario\.toml:(\d+)", cli)
    if line:  # the TOML preview marks the line the message names
        assert f'class="line bad" data-line="{line.group(1)}"' in preview.text


def test_compiling_against_the_world_reports_unknown_countries(browser):
    state = EditorState.from_spec(load_scenario("threat-150bn-2018").spec)
    fields = _form(state) | {"action.0.imposer": "XXX"}
    checked = browser.post("/editor/check", data={**fields, "csrf_token": csrf(browser)}, headers=HTML)
    assert "Does not compile" in checked.text and "XXX" in checked.text


def test_adding_and_removing_entries(browser):
    state = EditorState.from_spec(load_scenario("threat-150bn-2018-retaliation").spec)
    fields = _form(state)
    token = csrf(browser)
    added = browser.post("/editor/form?op=add:action", data={**fields, "csrf_token": token}, headers=HTML)
    assert added.headers["hx-trigger"] == "editor-changed"
    n_actions = len(state.numbered()) - len(load_scenario("threat-150bn-2018-retaliation").spec.retaliation)
    assert f'name="action.{n_actions}.imposer"' in added.text
    removed = browser.post("/editor/form?op=remove:0", data={**fields, "csrf_token": token}, headers=HTML)
    assert removed.text.count('class="entry ') == len(state.entries) - 1


def test_saving_and_running_from_the_editor(browser):
    state = EditorState.from_spec(load_scenario("threat-150bn-2018").spec)
    fields = _form(state) | {"csrf_token": csrf(browser)}
    saved = browser.post("/editor/save", data=fields, headers=HTML, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/scenarios/s")
    bad = browser.post("/editor/run", data=fields | {"action.0.rate": "abc"}, headers=HTML)
    assert bad.status_code == 400 and "must be a number" in bad.text
    download = browser.post("/editor/download", data=fields, headers=HTML)
    assert download.headers["content-disposition"].startswith("attachment")
    assert parse_scenario(download.text).spec == load_scenario("threat-150bn-2018").spec


def test_jobs_are_cancelled_waiting_or_running():
    queue = JobQueue(workers=1, max_queued=5, max_total=10)
    started, seen = threading.Event(), []

    def slow(job):
        started.set()
        for step in range(500):
            job.report("solve", step, 500)
            time.sleep(0.01)
        return "finished"

    running = queue.submit("run", "slow", "a", slow)
    waiting = queue.submit("run", "next", "a", lambda job: seen.append(job.id))
    assert started.wait(10)
    queue.cancel(waiting.id)
    assert waiting.status == "cancelled"
    queue.cancel(running.id)
    end = time.monotonic() + 10
    while running.status == "running" and time.monotonic() < end:
        time.sleep(0.02)
    assert running.status == "cancelled" and running.done < 499
    time.sleep(0.1)
    assert seen == []  # the cancelled waiting job never ran
    failing = queue.submit("run", "fails", "a", lambda job: (_ for _ in ()).throw(TariffsimError("bad\ninput")))
    while failing.active:
        time.sleep(0.01)
    assert failing.status == "failed" and failing.message == "bad input"
    queue.close()
    with pytest.raises(JobLimit):
        queue.submit("run", "late", "a", lambda job: None)
    assert issubclass(Cancelled, Exception) and not issubclass(Cancelled, TariffsimError)
