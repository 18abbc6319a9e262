"""``tariffsim replicate``: rerun a published analysis and compare with the published numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tariffsim._json import check_folder_target
from tariffsim.cli._console import console, path_option, print_frame, safe

__all__ = ["replicate_command"]


def replicate_command(
    name: Annotated[str | None, typer.Argument(help="Reproduction name; omit to list them.")] = None,
    data: Annotated[Path, path_option("--data", help="Data root (e.g. ../shared/data).")] = Path("../shared/data"),
    out: Annotated[Path | None, path_option("--out", "-o", help="Output folder (default out/replicate/NAME).")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="Mode, where a reproduction has several "
                                             "(yotov2016-app1: exact or book; cp2015-nafta: original or tidy; "
                                             "china-retaliation-2018: exact or linear; us-2018-deadweight: "
                                             "china_and_others or china_only).")] = None,
) -> None:
    """Rerun a published analysis from public data and compare with the published numbers."""
    from tariffsim import replicate

    if name is None:
        for key in replicate.available():
            module = replicate.get(key)
            console.print(f"[bold]{key}[/bold]  {safe(module.TITLE)}")
        return
    target = check_folder_target(out) if out is not None else Path("out/replicate") / name
    options = {} if mode is None else {"mode": mode}
    rep = replicate.run(name, data, target, **options)
    print_frame(rep.comparison, title=f"{name}: ours beside the published numbers", digits=4)
    for note in rep.notes:
        console.print(safe(note))
    console.print(f"wrote {safe(', '.join(p.name for p in rep.files))} to {safe(target)}")
