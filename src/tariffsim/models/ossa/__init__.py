"""Ossa (2014): multi-industry Krugman with a fixed number of firms, for trade wars and trade talks.

Inner files, the same in every model family:

* ``data.py`` — calibration: the baseline the model needs, from a World (the trade
  shares are the gravity family's; revenue splits into wages and profits);
* ``equations.py`` — the equilibrium conditions in changes, with the equations in the
  docstring and the paper cited, and Ossa's government welfare;
* ``model.py`` — the model's settings object, its ``solve`` and the deficit purge.
"""

from tariffsim.models.ossa.model import LABOUR_INCOME, OssaModel, purge_deficits, solve_equilibrium

__all__ = ["LABOUR_INCOME", "OssaModel", "purge_deficits", "solve_equilibrium"]
