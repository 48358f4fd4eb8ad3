"""Edge AI Tier Workbench: model, validate, advise on and simulate AI systems across five tiers."""

from .sim import Results, Simulation, simulate

__all__ = ["Results", "Simulation", "simulate"]
