"""One exception hierarchy for tariffsim.

Every error a user can trigger by giving bad input derives from
:class:`TariffsimError`, so that callers (the CLI above all) can catch one type,
print one clear line and exit with code 2. Messages follow one pattern: *what* was
wrong, *what* was got, and *how* to fix it.

This module imports nothing from the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "TariffsimError",
    "WorldError",
    "ShockError",
    "ScenarioError",
    "DataError",
    "ModelError",
    "ConvergenceError",
    "SolverDiagnostics",
]


class TariffsimError(Exception):
    """Base class of every error raised on purpose by tariffsim."""


class WorldError(TariffsimError, ValueError):
    """Invalid baseline data for a :class:`~tariffsim.World`.

    Parameters
    ----------
    field
        Name of the offending field (``"flows"``, ``"tariffs"``, ...).
    problem
        What is wrong, in words.
    labels
        The offending labels (countries, sectors or pairs), at most a few shown.
    fix
        How to fix it.
    """

    def __init__(self, field: str, problem: str, labels: Any = None, fix: str = "") -> None:
        self.field = field
        self.problem = problem
        self.labels = labels
        self.fix = fix
        msg = f"World.{field}: {problem}"
        if labels is not None and len(_as_list(labels)) > 0:
            msg += f" (at {_short_list(labels)})"
        if fix:
            msg += f". Fix: {fix}"
        super().__init__(msg)


class ShockError(TariffsimError, ValueError):
    """A counterfactual shock that does not fit its World or is invalid."""


class ScenarioError(TariffsimError, ValueError):
    """An invalid scenario file or scenario object.

    Parameters
    ----------
    message
        What is wrong.
    file, line, key
        Where, when known: the scenario file, the line in it and the TOML key.
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, key: str | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        where = []
        if file:
            where.append(str(file) + (f":{line}" if line else ""))
        elif line:
            where.append(f"line {line}")
        if key:
            where.append(f"key '{key}'")
        prefix = (" ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)


class DataError(TariffsimError, ValueError):
    """A data file or table that cannot be read or is not in the expected layout.

    Parameters
    ----------
    message
        What is wrong.
    file, line, column
        Where, when known.
    """

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, column: str | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        where = []
        if file:
            where.append(str(file) + (f":{line}" if line else ""))
        elif line:
            where.append(f"line {line}")
        if column:
            where.append(f"column '{column}'")
        prefix = (" ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)


class ModelError(TariffsimError, ValueError):
    """A model asked to do something it does not support (wrong options for the data)."""


@dataclass(frozen=True)
class SolverDiagnostics:
    """What a solver did: kept in every result and in every :class:`ConvergenceError`.

    Attributes
    ----------
    converged
        Whether the stopping rule was met.
    iterations
        Number of iterations (function evaluations for fixed-point steps,
        Jacobian factorisations for Newton steps).
    residual
        Final residual in the solver's own norm (relative market-clearing
        residual for the equilibrium solvers: max over countries of
        |sales − output| / output).
    seconds
        Wall-clock time spent.
    method
        Which method produced the answer (``"anderson"``, ``"newton"``, ...).
    history
        Optional residual per iteration (may be empty).
    message
        Free-text note (why it stopped).
    """

    converged: bool
    iterations: int
    residual: float
    seconds: float
    method: str
    history: tuple[float, ...] = field(default=(), repr=False)
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "residual": self.residual,
            "seconds": self.seconds,
            "method": self.method,
            "message": self.message,
        }


class ConvergenceError(TariffsimError, RuntimeError):
    """A solver stopped without meeting its tolerance. Never silently ignored.

    Attributes
    ----------
    diagnostics
        The :class:`SolverDiagnostics` of the failed solve.
    """

    def __init__(self, message: str, diagnostics: SolverDiagnostics) -> None:
        self.diagnostics = diagnostics
        super().__init__(
            f"{message} (method {diagnostics.method}, {diagnostics.iterations} iterations, "
            f"residual {diagnostics.residual:.3g}). Try SolverOptions(max_iter=...) or another "
            "method, and check the shock for extreme values"
        )


def _as_list(labels: Any) -> list[Any]:
    if isinstance(labels, str | bytes):
        return [labels]
    try:
        return list(labels)
    except TypeError:
        return [labels]


def _short_list(labels: Any, limit: int = 5) -> str:
    items = _as_list(labels)
    shown = ", ".join(str(x) for x in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items)} in all)"
    return shown
