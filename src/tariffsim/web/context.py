"""What every route of one app shares: settings, sessions, jobs, Worlds, scenarios, the runs store, page rendering."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tariffsim.web.jobs import JobQueue
from tariffsim.web.scenarios import ScenarioBook, ScenarioReader
from tariffsim.web.security import Sessions
from tariffsim.web.settings import AppSettings
from tariffsim.web.worlds import WorldShelf

if TYPE_CHECKING:
    from tariffsim.report.runs import RunStore
    from tariffsim.report.views import Section

__all__ = ["Context", "TEMPLATES", "STATIC", "with_nonce"]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
_SCRIPT = re.compile(r"<script(?=[\s>])")
KEEP_PAGES = 24
"""Rendered report bodies kept (a report of a long run takes seconds to draw)."""


def with_nonce(markup: str, nonce: str) -> str:
    """Report HTML with the page's nonce on its inline scripts (the charts' plotly calls). Every user string in
    the report is escaped, so each ``<script`` in it is one the report wrote."""
    return _SCRIPT.sub(f'<script nonce="{nonce}"', markup)


@dataclass(eq=False)
class Context:
    """The app's parts (one per :func:`~tariffsim.web.app.create_app`)."""

    settings: AppSettings
    sessions: Sessions = field(default_factory=Sessions)

    def __post_init__(self) -> None:
        self.worlds = WorldShelf(self.settings.data_dir)
        self.reader = ScenarioReader(self.worlds, self.settings.lists_dir)
        self.book = ScenarioBook()
        self.jobs = JobQueue(self.settings.jobs, self.settings.max_queued, self.settings.max_total)
        self.games: dict[str, Any] = {}
        self._pages: OrderedDict[tuple[str, ...], str] = OrderedDict()
        self._pages_lock = threading.Lock()
        self._checks: OrderedDict[tuple[str, str], tuple[str, list[str]]] = OrderedDict()

    def close(self) -> None:
        self.jobs.close()
        self.reader.close()

    @cached_property
    def env(self) -> jinja2.Environment:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        env.filters["pct"] = lambda v: "–" if v is None else f"{100 * v:.0f}%"
        return env

    def store(self) -> RunStore:
        from tariffsim.report.runs import RunStore

        return RunStore(self.settings.data_dir)

    def page(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        """A page (or a fragment, for templates whose name starts with ``_``) rendered for ``request``."""
        session = getattr(request.state, "session", None)
        text = self.env.get_template(template).render(
            request=request, csrf=session.csrf if session is not None else "", nonce=request.state.nonce,
            token_mode=self.settings.token is not None, **values)
        return HTMLResponse(text, status_code=status)

    def report_body(self, key: tuple[str, ...], build: Callable[[], Sequence[Section]]) -> str:
        """The HTML of report sections, built once per ``key`` (kept for the last :data:`KEEP_PAGES` keys)."""
        with self._pages_lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
                return found
        from tariffsim.report.html import sections_html

        body = sections_html(build())
        with self._pages_lock:
            self._pages[key] = body
            while len(self._pages) > KEEP_PAGES:
                self._pages.popitem(last=False)
        return body

    def forget_pages(self, run_id: str) -> None:
        with self._pages_lock:
            for key in [k for k in self._pages if run_id in k]:
                del self._pages[key]

    def checked(self, text: str, world: str, compute: Callable[[], tuple[str, list[str]]]) -> tuple[str, list[str]]:
        """A scenario's check against its World (the outcome and warnings), computed once per text and world."""
        key = (text, world)
        with self._pages_lock:
            found = self._checks.get(key)
        if found is not None:
            return found
        outcome = compute()
        with self._pages_lock:
            self._checks[key] = outcome
            while len(self._checks) > 64:
                self._checks.popitem(last=False)
        return outcome
