"""The command line run in this process, answered like a subprocess (exit code, stdout, stderr).

A ``python -m tariffsim`` subprocess costs seconds of interpreter start and imports (more under
coverage); most CLI tests only need what ``main()`` prints and returns. ``run_cli`` calls
:func:`tariffsim.cli.main` with the working directory and environment it is given and captures
both streams, so tests written against ``subprocess.run`` read the same. A few tests keep a
real subprocess on purpose (``--version``, the top-level help, ``test_subprocess_smoke``): the
entry point itself is tested there.
"""

from __future__ import annotations

import io
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from tariffsim.cli import main

__all__ = ["run_cli"]


def run_cli(*args: str | Path, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``tariffsim ARGS`` in this process: the exit code ``main()`` returns and what it printed."""
    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    here, saved = Path.cwd(), dict(os.environ)
    try:
        if cwd is not None:
            os.chdir(cwd)
        os.environ.update(env or {})
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # pragma: no cover - main() returns its exit code
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(["tariffsim", *argv], code, out.getvalue(), err.getvalue())
