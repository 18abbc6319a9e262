"""What one start of the app is given: its token, where it keeps runs, and its limits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["AppSettings", "LOOPBACK_HOSTS", "MAX_UPLOAD_BYTES", "new_token"]

MAX_UPLOAD_BYTES = 1024 * 1024
"""Largest request body (a scenario upload, a form): 1 MB. Scenario text itself is further limited to
:attr:`tariffsim.scenario.ScenarioLimits.max_file_bytes` (256 KB)."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Host names the app answers to when bound to the loopback interface (a request naming another host, as a
DNS-rebinding page would, is refused)."""


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe), one per start of the app."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class AppSettings:
    """Settings of one app.

    Attributes
    ----------
    token
        The secret a browser (``?token=``, then a session cookie) or a script
        (``Authorization: Bearer``) must show; ``None`` (``--no-token``) lets every local
        request in.
    data_dir
        Data directory of the runs store and the catalog (``None``: ``$TARIFFSIM_DATA_DIR``,
        else the user's data directory).
    lists_dir
        Folder of named product lists (``product_list = "NAME"``), chosen by whoever starts
        the app; scenarios name lists in it by plain name only.
    port
        The port (names the session cookie, so that two apps on one machine keep apart).
    hosts
        Host names requests may be addressed to (``Host`` header); empty: any (an app bound to
        all interfaces).
    jobs
        Jobs solved at once (worker threads).
    max_queued
        Jobs one client (a browser session, or the scripts sharing the token) may have waiting
        or running; the whole app holds at most four times as many.
    max_draws
        Largest number of parameter draws a run may ask for.
    max_body
        Largest request body in bytes (uploads included).
    executor
        Where parameter draws are solved: ``serial`` or ``processes``.
    """

    token: str | None = field(default_factory=new_token)
    data_dir: Path | None = None
    lists_dir: Path | None = None
    port: int = 8765
    hosts: tuple[str, ...] = LOOPBACK_HOSTS
    jobs: int = 2
    max_queued: int = 8
    max_draws: int = 500
    max_body: int = MAX_UPLOAD_BYTES
    executor: str = "serial"

    @property
    def max_total(self) -> int:
        """Jobs the whole app holds waiting or running."""
        return 4 * self.max_queued

    @property
    def cookie(self) -> str:
        """Name of the session cookie."""
        return f"tariffsim_{self.port}"
