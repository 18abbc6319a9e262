"""Small scenario files for the talks tests: positions and threats on a World folder."""

from __future__ import annotations

from pathlib import Path


def scenario_file(path: Path, world: Path, name: str, actions: list[tuple[str, ...]]) -> Path:
    """Write a scenario named ``name`` on the World folder ``world``: one whole-sector action per
    ``(imposer, target, rate[, mode])``, labelled ``"IMPOSER on TARGET"``."""
    text = f'[scenario]\nname = "{name}"\nworld = "{world.as_posix()}"\n'
    for imposer, target, rate, *mode in actions:
        text += (f'\n[[action]]\nlabel = "{imposer} on {target}"\nimposer = "{imposer}"\ntarget = ["{target}"]\n'
                 f'sectors = "all"\nrate = "{rate}"\nmode = "{mode[0] if mode else "add"}"\n')
    path.write_text(text)
    return path
