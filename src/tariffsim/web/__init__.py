"""The web app of ``tariffsim serve``: build a scenario, run it, read the report, compare runs, play the trade war
and the talks — in a browser, on your own machine (docs/app.md).

FastAPI and Jinja2 pages with htmx (vendored: ``static/htmx.min.js``, no CDN; the app works offline),
served by uvicorn on 127.0.0.1 by default. It calls the library only: :func:`tariffsim.runs.run_scenario`
(or :func:`tariffsim.uncertainty.run_uncertain` with draws) for runs, the runs store for listing and
comparing, the report's views for results, :mod:`tariffsim.games` for wars and talks.

* :mod:`~tariffsim.web.app` — :func:`create_app`, errors as one line;
* :mod:`~tariffsim.web.security` — the token, sessions, CSRF, body limits, headers;
* :mod:`~tariffsim.web.settings` — :class:`AppSettings`;
* :mod:`~tariffsim.web.jobs` — background jobs with progress, cancellation and limits;
* :mod:`~tariffsim.web.worlds`, :mod:`~tariffsim.web.scenarios` — Worlds by name, scenarios under the app's rules;
* :mod:`~tariffsim.web.work` — what each job calls;
* :mod:`~tariffsim.web.pages`, :mod:`~tariffsim.web.api` — the pages and the JSON API (``/api``, ``/openapi.json``).
"""

from tariffsim.web.app import create_app
from tariffsim.web.settings import AppSettings

__all__ = ["create_app", "AppSettings"]
