"""The ``tariffsim`` command: a thin shell over the library.

Every library error, and every refusal of the file system (no space left, a
read-only folder, a file where a folder goes), becomes one line on stderr and exit
code 2; so do usage errors (an unknown option, a value that is not a number, an
empty path: every path option is declared with :func:`~tariffsim.cli._console.path_option`).
``--debug`` shows the traceback instead.

One module per command group, each importing only :mod:`tariffsim.cli._console`
and the library (never this package, so there is no import cycle): ``run``,
``world``, ``scenario``, ``data``, ``estimate``, ``report`` (``report`` and
``runs``), ``replicate``, ``war``, ``draft``, ``talks`` and ``serve`` (the web
app). This module builds the app from them.
"""

from __future__ import annotations

import sys
import traceback
from functools import cache
from typing import Annotated, Any

import typer

from tariffsim._version import __version__
from tariffsim.cli._console import console, err_console, one_line
from tariffsim.cli.data import data_app
from tariffsim.cli.draft import draft_command
from tariffsim.cli.estimate import estimate_command
from tariffsim.cli.replicate import replicate_command
from tariffsim.cli.report import report_command, runs_app
from tariffsim.cli.run import run_command
from tariffsim.cli.scenario import scenario_app
from tariffsim.cli.serve import serve_command
from tariffsim.cli.talks import talks_app
from tariffsim.cli.war import war_app
from tariffsim.cli.world import world_app
from tariffsim.errors import TariffsimError

__all__ = ["app", "main", "entry", "command"]

app = typer.Typer(
    name="tariffsim",
    help="Numbers on trade wars and trade talks: run tariff scenarios through general-equilibrium models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"tariffsim {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    """tariffsim: numbers on trade wars and trade talks."""


app.add_typer(world_app, name="world")
app.command("run")(run_command)
app.add_typer(scenario_app, name="scenario")
app.add_typer(data_app, name="data")
app.command("report")(report_command)
app.add_typer(runs_app, name="runs")
app.command("estimate")(estimate_command)
app.command("replicate")(replicate_command)
app.add_typer(war_app, name="war")
app.command("draft")(draft_command)
app.add_typer(talks_app, name="talks")
app.command("serve")(serve_command)


@cache
def command() -> Any:
    """The click command tree of :data:`app` (built once)."""
    return typer.main.get_command(app)


def _is_usage_error(exc: BaseException) -> bool:
    # click's exceptions (typer vendors its own copy of click): they carry a message and an exit code
    return callable(getattr(exc, "format_message", None)) and isinstance(getattr(exc, "exit_code", None), int)


def _fail(message: str) -> int:
    err_console.print(f"error: {one_line(message)}", markup=False, highlight=False, soft_wrap=True)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``) and return the exit code:
    0 on success, 2 for any error a user can cause (one line on stderr), 1 for an internal error."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        returned = command().main(args=args, prog_name="tariffsim", standalone_mode=False)
    except TariffsimError as exc:
        if debug:
            traceback.print_exc()
            return 2
        return _fail(f"{exc}")
    except OSError as exc:  # the file system refused: no space left, permission denied, a file as a folder
        if debug:
            traceback.print_exc()
            return 2
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `tariffsim` or `tariffsim runs` alone: help, not an error
            context = getattr(exc, "ctx", None)
            if context is not None:
                console.print(context.get_help(), markup=False, highlight=False, soft_wrap=True)
            return 0
        if _is_usage_error(exc):  # an unknown option, a value that is not a number, an empty path
            context = getattr(exc, "ctx", None)
            where = f" (see `{context.command_path} --help`)" if context is not None else ""
            return _fail(exc.format_message() + where)  # type: ignore[attr-defined]
        if debug:
            raise
        # an unexpected failure: one line, or the traceback with --debug
        err_console.print(f"internal error: {type(exc).__name__}: {one_line(exc)} (rerun with --debug for the "
                          "traceback)", markup=False, highlight=False, soft_wrap=True)
        return 1
    return returned if isinstance(returned, int) else 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
