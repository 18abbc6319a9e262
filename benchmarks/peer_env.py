"""The peer's environment: USITC's gegravity 0.3 in its own virtual environment.

gegravity is installed from PyPI into ``benchmarks/.venv-gegravity`` (git-ignored),
never into tariffsim's environment, and it is only ever run as a separate process
(``benchmarks/_gegravity_worker.py``): no gegravity code enters this repository.

Usage::

    .venv/bin/python benchmarks/peer_env.py           # create if missing, print the peer's python
    .venv/bin/python benchmarks/peer_env.py --force   # rebuild from scratch

From another benchmark::

    from peer_env import ensure_peer_env
    python = ensure_peer_env()   # Path, or None (the reason is printed)

The first call takes about half a minute (pip resolves gegravity, gme, statsmodels,
pandas, numpy, scipy); later calls only read a marker file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["PEER_DIR", "PEER_REQUIREMENT", "KNOWN_GOOD", "ensure_peer_env", "peer_python"]

PEER_DIR = Path(__file__).resolve().parent / ".venv-gegravity"
PEER_REQUIREMENT = "gegravity==0.3"

# Versions that gegravity 0.3 was checked with on Python 3.11 (it needs no older
# pandas or numpy: its results on the sample data match its own documentation).
# They are constraints, not requirements: if they cannot be had, the install is
# retried with whatever pip resolves for gegravity==0.3.
KNOWN_GOOD: dict[str, str] = {
    "gme": "1.3.1",
    "numpy": "2.4.6",
    "pandas": "3.1.1",
    "scipy": "1.17.1",
    "statsmodels": "0.15.0",
    "patsy": "1.0.3",
}

_MARKER = PEER_DIR / ".tariffsim-peer.json"
_PIP_TIMEOUT = 1200  # seconds; a cold install from PyPI takes ~30 s here


def peer_python() -> Path:
    """Where the peer environment's interpreter is (whether or not it exists)."""
    return PEER_DIR / "bin" / "python"


def _marker_ok() -> bool:
    try:
        record = json.loads(_MARKER.read_text())
    except (OSError, ValueError):
        return False
    return record.get("requirement") == PEER_REQUIREMENT and peer_python().exists()


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def _tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.strip().splitlines() if "is ignored" not in line]
    return "\n    ".join(kept[-lines:])


def ensure_peer_env(*, force: bool = False, quiet: bool = False) -> Path | None:
    """Create the gegravity environment if it is missing; return its python.

    Idempotent: when the environment exists and its marker names the same
    requirement, this only reads the marker (milliseconds).

    Parameters
    ----------
    force
        Delete and rebuild the environment.
    quiet
        Do not print progress (reasons for failure are always printed).

    Returns
    -------
    pathlib.Path or None
        The peer's python, or ``None`` when gegravity cannot be installed here
        (no network to PyPI, no ``venv`` module, ...); the reason is printed.
    """
    if force and PEER_DIR.exists():
        shutil.rmtree(PEER_DIR)
    if _marker_ok():
        return peer_python()

    def say(message: str) -> None:
        if not quiet:
            print(message, flush=True)

    say(f"creating the gegravity environment in {PEER_DIR} (once; ~30 s) ...")
    if PEER_DIR.exists():
        shutil.rmtree(PEER_DIR)  # a half-built environment from an interrupted run
    # sys._base_executable is the interpreter tariffsim's venv was made from; a venv
    # made from it does not inherit tariffsim's packages.
    base = getattr(sys, "_base_executable", sys.executable) or sys.executable
    made = _run([base, "-m", "venv", str(PEER_DIR)], timeout=300)
    if made.returncode != 0 or not peer_python().exists():
        print(f"peer unavailable: could not create a virtual environment:\n    {_tail(made.stderr)}")
        return None
    pip = [str(peer_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("".join(f"{name}=={version}\n" for name, version in KNOWN_GOOD.items()))
        constraints = handle.name
    try:
        attempts = [("known-good versions", [*pip, "-c", constraints, PEER_REQUIREMENT]),
                    ("versions pip resolves", [*pip, PEER_REQUIREMENT])]
        installed = None
        errors = []
        for attempt, (what, cmd) in enumerate(attempts):
            try:
                out = _run(cmd, timeout=_PIP_TIMEOUT)
            except subprocess.TimeoutExpired:
                errors.append(f"{what}: pip timed out after {_PIP_TIMEOUT} s")
                continue
            if out.returncode == 0:
                installed = what
                break
            errors.append(f"{what}: {_tail(out.stderr)}")
            if attempt + 1 < len(attempts):
                say(f"  installing with {what} failed; retrying with {attempts[attempt + 1][0]}")
    finally:
        Path(constraints).unlink(missing_ok=True)
    if installed is None:
        print("peer unavailable: pip could not install " + PEER_REQUIREMENT + ":\n    " + "\n    ".join(errors))
        return None
    probe = _run([str(peer_python()), "-c",
                  "import json, importlib.metadata as m; import gegravity; "
                  "print(json.dumps({p: m.version(p) for p in "
                  "['gegravity', 'gme', 'numpy', 'pandas', 'scipy', 'statsmodels']}))"], timeout=300)
    if probe.returncode != 0:
        print(f"peer unavailable: gegravity installed but does not import:\n    {_tail(probe.stderr)}")
        return None
    versions = json.loads(probe.stdout.strip().splitlines()[-1])
    _MARKER.write_text(json.dumps({"requirement": PEER_REQUIREMENT, "installed_with": installed,
                                   "python": sys.version.split()[0], "versions": versions}, indent=2) + "\n")
    say("gegravity environment ready: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    return peer_python()


def peer_versions() -> dict[str, str]:
    """Package versions recorded when the environment was built (empty if none)."""
    try:
        return dict(json.loads(_MARKER.read_text()).get("versions", {}))
    except (OSError, ValueError):
        return {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="delete and rebuild the environment")
    args = parser.parse_args()
    python = ensure_peer_env(force=args.force)
    if python is None:
        return 1
    print(python)
    versions = peer_versions()
    if versions:
        print(", ".join(f"{k} {v}" for k, v in versions.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
