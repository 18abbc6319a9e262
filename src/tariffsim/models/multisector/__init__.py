"""Multi-sector general equilibrium with input-output links (Caliendo & Parro 2015).

Inner files, the same in every model family:

* ``data.py`` — calibration: the baseline shares the model needs, from a World;
* ``equations.py`` — the equilibrium conditions in changes, with the equations
  in the docstring and the paper cited;
* ``model.py`` — the model's settings object, its ``solve``, the deficit purge and
  Caliendo & Parro's welfare decomposition.
"""

from tariffsim.models.multisector.model import (
    MultisectorModel,
    purge_deficits,
    solve_equilibrium,
    welfare_decomposition,
)

__all__ = ["MultisectorModel", "purge_deficits", "solve_equilibrium", "welfare_decomposition"]
