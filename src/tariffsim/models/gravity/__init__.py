"""Structural gravity: one factor, one or many sectors, no input-output links.

Inner files, the same in every model family:

* ``data.py`` — calibration: the baseline shares the model needs, from a World;
* ``equations.py`` — the equilibrium conditions in changes, with the equations
  in the docstring and the papers cited;
* ``model.py`` — the model's settings object and its ``solve``;
* ``book.py`` — the iterative GEPPML procedure of Yotov et al. (2016), kept for
  reproducing the book's published numbers.
"""

from tariffsim.models.gravity.model import GravityModel, fitted_world, purge_deficits, solve_equilibrium

__all__ = ["GravityModel", "fitted_world", "purge_deficits", "solve_equilibrium"]
