"""What the game benchmarks print beside their figures: the machine's load and the CPU time of worker processes.

Imported by the scripts in this folder (run as ``python benchmarks/NAME.py``, which puts this folder on
``sys.path``).
"""

from __future__ import annotations

import os
import resource

__all__ = ["children_cpu", "load"]


def load() -> str:
    """The 1-, 5- and 15-minute load averages, or ``n/a`` where the system has none."""
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished child processes: pool workers, once joined."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
