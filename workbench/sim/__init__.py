"""The discrete-event engine: run a scenario, step it, read its results as tables."""

from .engine import Simulation, StepReport, simulate
from .results import Results

__all__ = ["Results", "Simulation", "StepReport", "simulate"]
