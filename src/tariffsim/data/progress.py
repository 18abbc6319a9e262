"""Progress bars for long data jobs (imports, downloads), silent when asked.

Library functions take ``progress: bool`` (default ``False``: libraries stay quiet);
the CLI turns bars on unless ``--quiet`` is given. Bars go to stderr so that
stdout stays clean for tables and scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol

__all__ = ["Reporter", "Unit", "progress_reporter"]

Unit = Literal["bytes", "rows", "steps"]


class Reporter(Protocol):
    """What importers and downloads call to report progress."""

    def task(self, description: str, total: float | None, unit: Unit = "rows") -> int:
        """Start a task; ``total`` in ``unit`` (``None`` if unknown). Returns the task id."""
        ...

    def advance(self, task: int, amount: float) -> None:
        """Add ``amount`` units of work done to ``task``."""
        ...

    def done(self, task: int) -> None:
        """Mark ``task`` finished (its bar fills up)."""
        ...


class _Silent:
    def task(self, description: str, total: float | None, unit: Unit = "rows") -> int:
        return 0

    def advance(self, task: int, amount: float) -> None:
        return None

    def done(self, task: int) -> None:
        return None


def _amount(value: float, unit: str) -> str:
    if unit == "bytes":
        for scale, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if value >= scale:
                return f"{value / scale:.1f} {suffix}"
        return f"{value:.0f} B"
    if unit == "steps":
        return ""
    return f"{value:,.0f} rows"


class _Rich:
    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def task(self, description: str, total: float | None, unit: Unit = "rows") -> int:
        return int(self._bar.add_task(description, total=total, unit=unit))

    def advance(self, task: int, amount: float) -> None:
        self._bar.advance(task, amount)

    def done(self, task: int) -> None:
        t = self._bar.tasks[task]
        if t.total is None:
            self._bar.update(task, total=max(t.completed, 1.0), completed=max(t.completed, 1.0))
        else:
            self._bar.update(task, completed=t.total)


@contextmanager
def progress_reporter(enabled: bool) -> Iterator[Reporter]:
    """A progress reporter: rich bars on stderr when ``enabled``, silent otherwise.

    Parameters
    ----------
    enabled
        Show bars. ``False`` gives a reporter that does nothing (for scripts and tests).
    """
    if not enabled:
        yield _Silent()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class AmountColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            unit = task.fields.get("unit", "rows")
            done = _amount(task.completed, unit)
            if task.total is None or unit == "steps":
                return Text(done)
            return Text(f"{done} / {_amount(task.total, unit)}")

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), AmountColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True, width=None if sys.stderr.isatty() else 140)) as bar:
        yield _Rich(bar)
