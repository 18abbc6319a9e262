"""``tariffsim world``: inspect baseline Worlds."""

from __future__ import annotations

from typing import Annotated

import typer

from tariffsim.cli._console import console, print_frame, safe

__all__ = ["world_app"]

world_app = typer.Typer(help="Inspect baseline Worlds.", no_args_is_help=True)


@world_app.command("show")
def world_show(
    world: Annotated[str, typer.Argument(help="Bundled world name or World folder.")] = "demo-2017",
) -> None:
    """Print a World's countries: output, trade, balance, tariffs."""
    from tariffsim.data import load_world

    w = load_world(world)
    console.print(f"[bold]{safe(w.name or world)}[/bold] {w.year or ''}: {w.n_countries} countries × "
                  f"{w.n_sectors} sectors ({safe(', '.join(w.sectors))}); USD millions")
    print_frame(w.summary(), digits=1)
    elast = ", ".join(f"{s} {t:g}" for s, t in zip(w.sectors, w.elasticity, strict=True))
    console.print(f"trade elasticities θ: {safe(elast)}")
    if w.sources:
        console.print("sources: " + safe("; ".join(f"{k}: {v}" for k, v in w.sources.items())))
