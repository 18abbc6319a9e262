"""How sure are we: scenario runs over parameter draws, designs and executors.

:func:`run_uncertain` runs a scenario at its central values and over a design's draws of
what is uncertain, on an executor, and returns an :class:`UncertainRun`: the central run,
the draws table (parameters, status, diagnostics), the outcomes of every draw and the
quantile table that ``quantiles.csv`` holds (``UncertainRun.write`` adds it and
``draws.parquet`` to the run folder).

* what varies (:mod:`~tariffsim.uncertainty.parameters`): :class:`Elasticity`,
  :class:`ElasticityTable` (the published sets: :func:`published_elasticity_sets`),
  :class:`Coefficients` (gravity coefficients from an estimate), :class:`ActionParameter`
  (an action's rate, coverage or date), by the laws of :mod:`~tariffsim.uncertainty.laws`:
  :class:`Normal`, :class:`LogNormal`, :class:`Uniform`, :class:`Choice`; or declared in the
  scenario's ``[uncertainty]`` / ``[sweep]`` table;
* designs (:mod:`~tariffsim.uncertainty.designs`): :class:`MonteCarlo`,
  :class:`LatinHypercube`, :class:`Quadrature`, :class:`Grid`;
* executors (:mod:`~tariffsim.uncertainty.executors`): :class:`SerialExecutor`,
  :class:`ProcessExecutor`, :class:`DaskExecutor`.

The concepts, with examples: docs/uncertainty.md; running on a cluster: docs/scaling.md.
"""

from tariffsim.uncertainty.designs import Design, Grid, LatinHypercube, MonteCarlo, Quadrature, make_design
from tariffsim.uncertainty.executors import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from tariffsim.uncertainty.laws import Choice, Law, LogNormal, Normal, Uniform
from tariffsim.uncertainty.parameters import (
    ActionParameter,
    Coefficients,
    Elasticity,
    ElasticityTable,
    Parameter,
)
from tariffsim.uncertainty.published import elasticity_table, published_elasticity_sets
from tariffsim.uncertainty.run import (
    DEFAULT_SD_LOG,
    QUANTILE_COLUMNS,
    DrawProgress,
    UncertainRun,
    default_parameters,
    run_uncertain,
)

__all__ = [
    "run_uncertain",
    "UncertainRun",
    "DrawProgress",
    "QUANTILE_COLUMNS",
    "DEFAULT_SD_LOG",
    "default_parameters",
    "Parameter",
    "Elasticity",
    "ElasticityTable",
    "Coefficients",
    "ActionParameter",
    "Law",
    "Normal",
    "LogNormal",
    "Uniform",
    "Choice",
    "Design",
    "MonteCarlo",
    "LatinHypercube",
    "Quadrature",
    "Grid",
    "make_design",
    "Executor",
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "make_executor",
    "published_elasticity_sets",
    "elasticity_table",
]
