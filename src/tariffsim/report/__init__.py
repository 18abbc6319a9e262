"""Reports: what a run did, in words, charts and tables — read from its results, never recomputed.

* :func:`load_run` reads a run folder written by ``tariffsim run`` into a :class:`RunData`;
* :func:`write_report` writes a self-contained HTML report (plotly charts embedded,
  tables readable without JavaScript); :func:`write_comparison` puts two runs side by side;
* :func:`export_charts` writes the same charts as PNG or SVG files (matplotlib), for papers;
* :class:`RunStore` is the runs store under the data directory, where every
  ``tariffsim run`` is recorded (``tariffsim runs list | show | compare``).

Names are loaded on first use, so that importing the package does not import
plotly, matplotlib or DuckDB.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "RunData": "tariffsim.report.run",
    "DatedTables": "tariffsim.report.run",
    "load_run": "tariffsim.report.run",
    "render_report": "tariffsim.report.html",
    "write_report": "tariffsim.report.html",
    "render_comparison": "tariffsim.report.html",
    "write_comparison": "tariffsim.report.html",
    "export_charts": "tariffsim.report.static",
    "RunStore": "tariffsim.report.runs",
    "RunInfo": "tariffsim.report.runs",
    "comparison_table": "tariffsim.report.views",
    "headline": "tariffsim.report.views",
    "SIGN_CONVENTION": "tariffsim.report.views",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tariffsim.report' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
