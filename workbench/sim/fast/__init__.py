"""The fast data plane: whole runs compiled with numba, the reference engine as its oracle.

:func:`workbench.sim.simulate` and :class:`workbench.sim.Simulation` pick the plane
(``engine="auto"``): the fast plane when the scenario uses only what it covers (arrivals, FIFO
links, c-server nodes, forward shares, routes, sinks, deadlines, and scheduled failures with
the reference engine's degraded mode: :mod:`.detours`) and the run goes from start to end in
one call; otherwise the reference engine, and ``Results.engine`` says which ran and why.
"""

from .plane import compiled_kernel, refusal, run

__all__ = ["compiled_kernel", "refusal", "run"]
