"""Fixed-point and root-finding machinery. Knows nothing of trade.

Each solver takes plain callables on NumPy vectors, stops on a residual the
caller defines, and returns a :class:`Outcome` with :class:`SolverDiagnostics`.
None of them raises on non-convergence themselves: they report
``converged=False`` and the caller (who knows what the numbers mean) raises
:class:`~tariffsim.errors.ConvergenceError`. That keeps the policy in one place.
"""

from tariffsim.solvers.fixed_point import Outcome, anderson
from tariffsim.solvers.newton import newton

__all__ = ["Outcome", "anderson", "newton"]
