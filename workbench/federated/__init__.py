"""Federated learning across the hierarchy (issue 13): real numpy training on per-site data,
rounds whose models and updates travel the simulated links, a privacy budget, version skew.

- :mod:`.data`: per-site, non-IID sepsis-like data generated from the run's seed.
- :mod:`.model`: a tiny MLP (or logistic regression) as one flat parameter vector.
- :mod:`.updates`: clipping, compression (fp16, int8, top-k), aggregation, architecture hashes.
- :mod:`.privacy`: epsilon of DP-FedAvg with Google's ``dp-accounting``.
- :mod:`.learning`: clients, the global model, evaluation; rounds without a network, and the
  centralised baseline on the same data.
- :mod:`.rounds`: rounds on a :class:`~workbench.sim.engine.Simulation` (imported only when a
  scenario has a ``federated`` section, so other scenarios pay nothing).
"""
