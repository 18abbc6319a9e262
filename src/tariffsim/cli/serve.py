"""``tariffsim serve``: the web app on this machine (docs/app.md).

A thin shell over :func:`tariffsim.web.create_app` and uvicorn: checks the options, prints the
address with the token (``?token=...``; a new random one at every start), opens the browser unless
``--no-browser``, and serves until Ctrl-C. Binding to another interface than the loopback one, and
``--no-token``, print a warning.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Annotated

import typer

from tariffsim.cli._console import console, path_option, safe, warn
from tariffsim.errors import TariffsimError

__all__ = ["serve_command"]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hosts(host: str) -> tuple[str, ...]:
    """Host names requests may name: the loopback names, and the bound one; none (any) for all interfaces."""
    from tariffsim.web.settings import LOOPBACK_HOSTS

    if host in ("0.0.0.0", "::"):
        return ()
    return tuple(dict.fromkeys((*LOOPBACK_HOSTS, host.lower())))


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on. Anything but 127.0.0.1 (or ::1) lets "
                                      "other machines reach the app: a warning is printed.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port to listen on.")] = 8765,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
    no_token: Annotated[bool, typer.Option("--no-token", help="Let every request in without the token (only on a "
                                           "trusted single-user machine): a warning is printed.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Runs solved at once (the others wait in the "
                                      "queue).")] = 2,
    max_queued: Annotated[int, typer.Option("--max-queued", help="Jobs one browser (or the scripts sharing the "
                                            "token) may have waiting or running; the app takes four times as "
                                            "many.")] = 8,
    data_dir: Annotated[Path | None, path_option("--data-dir", help="Data directory of the runs store and the "
                                                  "catalog (default: $TARIFFSIM_DATA_DIR, else the user's data "
                                                  "directory).", show_default=False)] = None,
    lists: Annotated[Path | None, path_option("--lists", help="Folder of named product lists that scenarios may "
                                              "name (product_list = \"NAME\").", show_default=False)] = None,
    executor: Annotated[str, typer.Option("--executor", help="Where parameter draws are solved: serial or "
                                          "processes.")] = "serial",
) -> None:
    """Start the web app: build a scenario, run it, read the report, compare runs, play the trade war and the
    talks in a browser. Prints the address with its token and serves until Ctrl-C."""
    from tariffsim.runs import lists_folder

    if not host.strip():
        raise TariffsimError("--host is empty: give an interface such as 127.0.0.1")
    if not 0 < port < 65536:
        raise TariffsimError(f"--port must be from 1 to 65535; got {port}")
    if jobs < 1:
        raise TariffsimError(f"--jobs must be at least 1; got {jobs}")
    if max_queued < 1:
        raise TariffsimError(f"--max-queued must be at least 1; got {max_queued}")
    if executor not in ("serial", "processes"):
        raise TariffsimError(f"--executor is serial or processes; got '{executor}'")
    lists_dir = None if lists is None else lists_folder(lists)
    try:
        import uvicorn

        from tariffsim.web import AppSettings, create_app
    except ImportError as exc:  # pragma: no cover - the web dependencies are part of the package
        raise TariffsimError(f"the web app needs {exc.name}: pip install 'tariffsim'") from None
    from tariffsim.web.settings import new_token

    sock = _listen(host, port)  # before anything is printed: a port in use is one line
    token = None if no_token else new_token()
    settings = AppSettings(token=token, data_dir=data_dir, lists_dir=lists_dir, port=port, hosts=_hosts(host),
                           jobs=jobs, max_queued=max_queued, executor=executor)
    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    name = "127.0.0.1" if host in ("0.0.0.0", "::") else shown
    url = f"http://{name}:{port}/" + (f"?token={token}" if token else "")
    if not _loopback(host):
        warn(f"listening on {host}: other machines can reach the app"
             + ("; anyone with the token can run jobs on this machine" if token else ""))
    if no_token:
        warn("--no-token: every request is let in without a token; use it only on a trusted single-user machine")
    console.print(f"tariffsim app: {safe(url)}", highlight=False, soft_wrap=True)
    console.print("scripts: send the header Authorization: Bearer TOKEN (the token above); Ctrl-C stops the app",
                  highlight=False, soft_wrap=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if not no_browser:
        _open_later(server, url)
    server.run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; a refusal (port in use, not an address of this machine) is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise TariffsimError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (another program uses the port, "
                             "or the address is not this machine's)") from None
    return sock


def _open_later(server: object, url: str) -> None:
    """Open ``url`` in a browser once the server listens."""
    import threading
    import time
    import webbrowser

    def wait_and_open() -> None:
        for _ in range(200):
            if getattr(server, "started", False):
                webbrowser.open(url)
                return
            time.sleep(0.05)

    threading.Thread(target=wait_and_open, daemon=True).start()
