"""An app per test module, driven in-process with FastAPI's test client (httpx), on a fresh data directory.

``api`` sends the bearer token as a script would; ``browser`` opened the app with ``?token=`` as a
browser does and holds the session cookie, and :func:`csrf` reads the CSRF token from a page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tariffsim.web import AppSettings, create_app

TOKEN = "test-token-123"
HTML = {"accept": "text/html"}
BEARER = {"authorization": f"Bearer {TOKEN}"}


def make_client(data_dir: Path, **settings: Any) -> TestClient:
    options: dict[str, Any] = {"token": TOKEN, "data_dir": data_dir, "hosts": ("testserver",), "jobs": 1}
    options.update(settings)
    return TestClient(create_app(AppSettings(**options)), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-data")


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[TestClient]:
    with make_client(data_dir) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Iterator[TestClient]:
    client.cookies.clear()
    client.headers.update(BEARER)
    yield client
    client.headers.pop("authorization", None)


@pytest.fixture
def browser(client: TestClient) -> TestClient:
    client.cookies.clear()
    client.headers.pop("authorization", None)
    opened = client.get(f"/?token={TOKEN}", headers=HTML, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/"
    return client


def csrf(client: TestClient, page: str = "/scenarios") -> str:
    """The CSRF token of the browser session, as a page carries it."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page, headers=HTML).text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def wait_for(client: TestClient, url: str, seconds: float = 60.0) -> dict[str, Any]:
    """Poll a job's JSON until it has finished."""
    end = time.monotonic() + seconds
    while True:
        body: dict[str, Any] = client.get(url, headers=BEARER).json()
        if body.get("status") not in ("queued", "running"):
            return body
        assert time.monotonic() < end, f"{url} did not finish: {body}"
        time.sleep(0.1)
