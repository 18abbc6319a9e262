"""Safety rules: token and session, CSRF, Host, body size, escaping, names instead of paths, one-line errors.

Malicious inputs (script tags in names, oversized uploads, path-like world names, broken TOML) must get
clean one-line errors, never a traceback, and user text must never reach a page unescaped.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from tariffsim.scenario import bundled_scenario_path

from .conftest import BEARER, HTML, TOKEN, csrf, make_client, wait_for

EVIL = "<script>alert('x')</script>"
EVIL_LABEL = '<img src=x onerror="alert(1)">'


def scenario(world: str = "demo-2017", name: str = "ok", extra: str = "") -> str:
    return (f'[scenario]\nname = "{name}"\nworld = "{world}"\ndate = 2019-01-01\n{extra}\n[[action]]\n'
            'imposer = "USA"\ntarget = ["CHN"]\nsectors = "all"\nrate = "25%"\n')


def assert_one_line(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    message = response.json()["error"]
    assert "\n" not in message
    return message


def test_the_token_is_needed_and_becomes_a_session(client):
    client.cookies.clear()
    assert client.get("/", headers=HTML).status_code == 401
    assert client.get("/static/htmx.min.js").status_code == 401
    assert client.get(f"/?token={TOKEN}x", headers=HTML).status_code == 403
    opened = client.get(f"/runs?token={TOKEN}&x=1", headers=HTML, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/runs?x=1"  # the token leaves the address
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/runs", headers=HTML)
    assert page.status_code == 200
    for header, value in (("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"),
                          ("referrer-policy", "same-origin")):
        assert page.headers[header] == value
    assert "script-src 'self' 'nonce-" in page.headers["content-security-policy"]
    client.cookies.clear()


def test_unknown_hosts_are_refused(client):
    answer = client.get("/api/worlds", headers={**BEARER, "host": "evil.example:8765"})
    assert "answers only to" in assert_one_line(answer, 400)


def test_state_changing_requests_need_the_csrf_token(browser):
    text = scenario(name="csrf-check")
    token = csrf(browser)
    files = {"file": ("s.toml", text.encode(), "application/toml")}
    assert browser.post("/scenarios/upload", files=files, headers=HTML).status_code == 403
    assert browser.post("/scenarios/upload", files=files, data={"csrf_token": "wrong"}, headers=HTML).status_code == 403
    cross = browser.post("/scenarios/upload", files=files, data={"csrf_token": token},
                         headers={**HTML, "origin": "http://evil.example"})
    assert cross.status_code == 403
    ok = browser.post("/scenarios/upload", files=files, data={"csrf_token": token}, headers=HTML,
                      follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/editor?scenario=s")
    by_header = browser.post("/api/runs", json={"bundled": "threat-150bn-2018"}, headers={"x-csrf-token": token})
    assert by_header.status_code == 202
    assert browser.post("/api/runs", json={"bundled": "threat-150bn-2018"}).status_code == 403


def test_oversized_bodies_are_refused(api):
    big = b"#" * (1024 * 1024 + 10) + b"\n" + scenario().encode()
    answer = api.post("/api/scenarios", files={"file": ("big.toml", big, "application/toml")})
    assert "1 MB" in assert_one_line(answer, 413)

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"x" * 32768

    streamed = api.post("/api/scenarios", content=chunks(), headers={"content-type": "application/json"})
    assert "1 MB" in assert_one_line(streamed, 413)
    # under the body limit but above the scenario reader's: the reader's own message
    large = api.post("/api/scenarios", json={"toml": scenario() + "#" * (300 * 1024)})
    assert "ScenarioLimits.max_file_bytes" in assert_one_line(large, 400)


@pytest.mark.parametrize(("text", "words"), [
    (scenario(world="../../etc"), "in the app a world is one of"),
    (scenario(world="/tmp"), "never by folder"),
    (scenario(world="catalog:../../x:2017"), "in the app a world is one of"),
    (scenario(extra='extends = "/etc/passwd.toml"'), "extends a bundled scenario only"),
    (scenario().replace('sectors = "all"', 'sectors = "all"\nproduct_list = "../lists/x.csv"'), "never a file"),
    (scenario().replace('sectors = "all"', 'sectors = "all"\nproduct_list = {file = "/etc/passwd.csv"}'),
     "never a file"),
    (scenario() + '\n[uncertainty]\n[[uncertainty.elasticity]]\ndistribution = "table"\nfile = "/etc/x.csv"\n',
     "reads no files"),
    ("[scenario\nname = 'broken'", "not valid TOML"),
    ('[scenario]\nname = "x"\n[[action]]\nimposer = "USA"\nrate = "abc"\n', "scenario.toml:"),
    ("a = " + "[" * 200 + "]" * 200, "max_nesting"),
])
def test_malicious_scenarios_get_one_line(api, text, words):
    answer = api.post("/api/scenarios", json={"toml": text})
    message = assert_one_line(answer, 400)
    assert words in message, message
    assert "tariffsim-web-" not in message  # the private folder the text is read in is never named


def test_path_like_names_in_urls(api):
    for url in ("/api/worlds/..%2F..%2Fetc%2Fpasswd", "/api/scenarios/..%2Fx", "/api/runs/..%2F..%2Fx",
                "/api/jobs/%2Fetc%2Fpasswd"):
        answer = api.get(url)
        assert answer.status_code in (400, 404), (url, answer.text)
        assert "Traceback" not in answer.text


def test_user_text_is_escaped_everywhere(browser):
    text = scenario(name=EVIL).replace('[[action]]', '[[action]]\nlabel = "<b>x</b>"').replace(
        'world = ', f'description = {json.dumps(EVIL_LABEL)}\nworld = ')
    made = browser.post("/api/scenarios", json={"toml": text}, headers=BEARER)
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    job = browser.post("/api/runs", json={"scenario_id": sid}, headers=BEARER).json()
    run_id = wait_for(browser, job["url"])["run_id"]
    for page in (f"/scenarios/{sid}", "/scenarios", f"/editor?scenario={sid}", f"/runs/{run_id}", "/runs", "/jobs",
                 f"/jobs/{job['id']}", "/"):
        body = browser.get(page, headers=HTML).text
        assert EVIL not in body and "<b>x</b>" not in body and EVIL_LABEL not in body, page
        assert "&lt;script&gt;" in body or "&lt;b&gt;" in body, page
    scripts = re.findall(r"<script[^>]*>", browser.get(f"/runs/{run_id}", headers=HTML).text)
    inline = [s for s in scripts if "src=" not in s]
    assert inline and all("nonce=" in s for s in inline)


def test_no_traceback_reaches_a_response(data_dir, monkeypatch, caplog):
    from tariffsim.web.worlds import WorldShelf

    def broken(self):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(WorldShelf, "entries", broken)
    with make_client(data_dir) as client, caplog.at_level(logging.ERROR, logger="tariffsim.web"):
        answer = client.get("/api/worlds", headers=BEARER)
        message = assert_one_line(answer, 500)
        assert "secret internals" not in message and "RuntimeError" in message
        reference = re.search(r"reference ([0-9a-f]{8})", message).group(1)
        page = client.get("/worlds?token=" + TOKEN, headers=HTML)
        assert page.status_code == 500 and "Traceback" not in page.text
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the log keeps the traceback


def test_job_limits_per_client(data_dir):
    with make_client(data_dir, max_queued=1) as client:
        text = bundled_scenario_path("us-china-2018-2019").read_text(encoding="utf-8")
        first = client.post("/api/runs", json={"toml": text}, headers=BEARER)
        assert first.status_code == 202
        second = client.post("/api/runs", json={"toml": text}, headers=BEARER)
        assert "jobs waiting or running" in assert_one_line(second, 429)
        cancelled = client.post(f"/api/runs/{first.json()['id']}/cancel", headers=BEARER)
        assert cancelled.status_code == 200


def test_no_token_mode_still_needs_csrf_from_browsers(data_dir):
    with make_client(data_dir, token=None) as client:
        page = client.get("/scenarios", headers=HTML)
        assert page.status_code == 200 and "set-cookie" in page.headers
        text = scenario()
        assert client.post("/api/scenarios", json={"toml": text}).status_code == 403
        script = client.post("/api/scenarios", json={"toml": text}, headers={"authorization": "Bearer any"})
        assert script.status_code == 201
