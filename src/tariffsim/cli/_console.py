"""What every ``tariffsim`` command shares: the consoles, safe printing of user text, tables, progress.

Text that comes from users (scenario names and labels, file names, data cells) is
printed through :func:`safe` (:mod:`tariffsim._text`): rich markup in it (``[/bold]``)
is shown as typed, never interpreted, and control characters (raw terminal escape
sequences) are shown as visible escapes, never sent to the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from tariffsim._text import safe_markup, safe_text

if TYPE_CHECKING:
    from tariffsim.runs import RunProgress

__all__ = ["console", "err_console", "safe", "clean", "one_line", "print_frame", "warn", "summary_table",
           "run_progress", "path_value", "path_option", "path_argument"]

# Wide output when piped (rich assumes 80 columns without a terminal), so tables stay readable in logs.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def clean(value: object) -> str:
    """``value`` as text with control characters (raw terminal escape sequences) shown as visible escapes."""
    return safe_text(value, keep_newlines=True)


def safe(value: object) -> str:
    """``value`` as text to put inside a rich markup string: control characters made visible, markup escaped."""
    return safe_markup(value, keep_newlines=True)


def one_line(value: object) -> str:
    """``value`` as one clean line: control characters made visible, runs of white space (line breaks) one space."""
    return " ".join(clean(value).split())


def path_value(text: str | Path) -> Path:
    """Parser of every path option and argument: empty text is refused (``--out ""`` would otherwise mean
    the current folder)."""
    if isinstance(text, Path):  # a default value
        return text
    if not text.strip():
        raise typer.BadParameter("empty text is not a file or folder name")
    return Path(text).expanduser()


def path_option(*decls: str, **options: Any) -> Any:
    """``typer.Option`` for a file or folder: parsed by :func:`path_value` (empty text refused)."""
    return typer.Option(*decls, parser=path_value, **options)


def path_argument(**options: Any) -> Any:
    """``typer.Argument`` for a file or folder: parsed by :func:`path_value` (empty text refused)."""
    return typer.Argument(parser=path_value, **options)


def warn(message: object) -> None:
    """Print a warning (user text escaped)."""
    console.print(f"[yellow]warning:[/yellow] {safe(message)}", highlight=False, soft_wrap=True)


def _fmt(value: object, digits: int = 2) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        return f"{value:,.{digits}f}"
    return safe(value)


def print_frame(frame: pd.DataFrame, title: str = "", digits: int = 2, max_rows: int = 60) -> None:
    """Print a DataFrame as a rich table (numbers right-aligned; text cells printed as they are)."""
    table = Table(title=safe(title) if title else None, show_lines=False, header_style="bold")
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(safe(col), justify="right" if numeric else "left")
    for _, row in frame.head(max_rows).iterrows():
        table.add_row(*[_fmt(v, digits) for v in row.to_list()])
    console.print(table)
    if len(frame) > max_rows:
        console.print(f"... {len(frame) - max_rows} more rows")


def summary_table(countries: pd.DataFrame) -> pd.DataFrame:
    """The printed summary: percent changes, and balances and tariff revenue in USD billions."""
    out = countries[["country", "welfare_pct", "real_gdp_pct", "price_index_pct", "exports_pct",
                     "imports_pct"]].copy()
    for name, short in (("trade_balance", "balance"), ("tariff_revenue", "revenue")):
        out[f"{short} $bn"] = countries[f"{name}_base"] / 1e3
        out[f"{short} cf $bn"] = countries[f"{name}_cf"] / 1e3
    return out.rename(columns={"welfare_pct": "welfare %", "real_gdp_pct": "real GDP %",
                               "price_index_pct": "prices %", "exports_pct": "exports %", "imports_pct": "imports %"})


@contextmanager
def run_progress(enabled: bool) -> Iterator[Callable[[RunProgress], None] | None]:
    """A progress callback for :func:`tariffsim.run_scenario` drawing a rich bar per stage on stderr (one step
    a date), or ``None`` when not ``enabled`` (stderr not a terminal)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    verbs = {"compile": "compiling", "solve": "solving"}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(step: RunProgress) -> None:
            if step.stage not in tasks:
                tasks[step.stage] = bar.add_task(verbs[step.stage], total=step.total)
            when = "all actions" if step.date is None else step.date.isoformat()
            label = f"{verbs[step.stage]} {when}" if step.done < step.total else f"{verbs[step.stage]}: done"
            bar.update(tasks[step.stage], completed=step.done, description=label)

        yield update
