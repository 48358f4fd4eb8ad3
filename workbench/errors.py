"""The workbench's exceptions and the :class:`Problem` record that validation reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input: where (a field path such as ``links[2].latency``) and what."""

    path: str
    message: str

    def render(self, file: str | None = None) -> str:
        """``FILE: field.path: message``, the line ``workbench validate`` prints."""
        where = self.path or "(top level)"
        return f"{file}: {where}: {self.message}" if file else f"{where}: {self.message}"


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class ProblemsError(WorkbenchError):
    """An input has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems = problems
        self.file = file
        super().__init__("\n".join(p.render(file) for p in problems))


class ScenarioError(ProblemsError):
    """A scenario file or object is invalid."""


class CatalogueError(ProblemsError):
    """A catalogue data file is invalid."""
