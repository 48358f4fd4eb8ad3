"""The workbench's exceptions and the :class:`Problem` record that validation reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MAX_RENDERED = 1000  # lines in an error's message; ``problems`` keeps them all


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input: where (a field path such as ``links[2].latency``) and what.

    ``severity`` is ``"error"`` (the input is refused) or ``"warning"`` (it is accepted, and
    ``workbench validate`` prints the line with ``warning:`` before the message).
    """

    path: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def render(self, file: str | None = None) -> str:
        """``FILE: field.path: message``, the line ``workbench validate`` prints (``FILE:
        message`` for a problem of the whole file; ``warning:`` before a warning's message)."""
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        parts = [p for p in (file, self.path, message) if p]
        return ": ".join(parts)


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class ProblemsError(WorkbenchError):
    """An input has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem], file: str | None = None) -> None:
        self.problems = problems
        self.file = file
        lines = [p.render(file) for p in problems[:MAX_RENDERED]]
        if len(problems) > MAX_RENDERED:
            lines.append(Problem("", f"... and {len(problems) - MAX_RENDERED:,} more").render(file))
        super().__init__("\n".join(lines))


class ScenarioError(ProblemsError):
    """A scenario file or object is invalid."""


class CatalogueError(ProblemsError):
    """A catalogue data file is invalid."""


class RunArgumentError(ScenarioError, ValueError):
    """An argument of a run (``until``, ``seed``, ``bin_s``) that the engine cannot use."""
