"""A visible status area: where every widget callback reports what it did or what went wrong.

Errors raised inside ipywidgets observers and button callbacks are otherwise only logged to the
kernel's console, which nobody sees. Widgets here wrap each callback with
:meth:`StatusArea.guard` so that the message lands on screen.

Examples
--------
>>> status = StatusArea()
>>> with status.guard("loading"):
...     raise ValueError("no such file")
>>> status.entries[-1].level, status.entries[-1].text
('error', 'loading: no such file')
"""

from __future__ import annotations

import html
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, TypeVar

import ipywidgets as ipw
import traitlets

from workbench.errors import ProblemsError, WorkbenchError

from . import threads
from .threads import on_main_thread, remember_main_loop

Level = Literal["info", "ok", "warning", "error"]
_COLOURS = {"info": "#37474f", "ok": "#1e7b45", "warning": "#9a6700", "error": "#b3261e"}
_ICONS = {"info": "ℹ", "ok": "✔", "warning": "⚠", "error": "✖"}
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Entry:
    """One message shown in the status area."""

    level: Level
    text: str
    time: float


class EditRejected(WorkbenchError):
    """An edit of the scenario was refused; ``reasons`` says why (the scenario is unchanged)."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def describe(exc: BaseException) -> str:
    """A message for people: the problems of a workbench error, else the error and where."""
    if isinstance(exc, ProblemsError):
        return "; ".join(p.render() for p in exc.problems)
    if isinstance(exc, WorkbenchError | traitlets.TraitError | ValueError | KeyError | OSError):
        return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


class StatusArea:
    """The latest ``keep`` messages, newest first, in an HTML widget (``.widget``) of fixed
    height that scrolls, so a long session never pushes the dashboard down the page."""

    def __init__(self, keep: int = 6, height: str = "6.6em") -> None:
        remember_main_loop()
        self.keep = keep
        self.entries: list[Entry] = []
        self.widget = ipw.HTML(
            layout=ipw.Layout(width="100%", height=height, overflow="auto", flex="0 0 auto")
        )
        self.widget.add_class("etw-status")
        self._render()

    def report(self, level: Level, text: str) -> None:
        """Show ``text`` at ``level`` on top of the area."""
        self.entries.append(Entry(level, text, time.time()))
        del self.entries[: -self.keep]
        self._render()

    def info(self, text: str) -> None:
        self.report("info", text)

    def ok(self, text: str) -> None:
        self.report("ok", text)

    def warning(self, text: str) -> None:
        self.report("warning", text)

    def error(self, text: str) -> None:
        self.report("error", text)

    def clear(self) -> None:
        self.entries.clear()
        self._render()

    @property
    def errors(self) -> list[str]:
        """Texts of the error entries still shown (oldest first)."""
        return [e.text for e in self.entries if e.level == "error"]

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Report any exception raised in the block as an error about ``what``; swallow it."""
        try:
            yield
        except Exception as exc:  # every callback error must reach the screen
            self.error(f"{what}: {describe(exc)}")

    def guarded(self, what: str, fn: Callable[P, R]) -> Callable[P, R | None]:
        """``fn`` wrapped so that its exceptions are reported (for buttons and observers), and
        so that it runs on the kernel's main thread (see :mod:`widgets.threads`)."""

        def run(*args: P.args, **kwargs: P.kwargs) -> R | None:
            with self.guard(what):
                return fn(*args, **kwargs)
            return None

        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
            # a click handled in a kernel subshell's thread runs on the main thread instead
            if threads.on_the_main_thread():
                return run(*args, **kwargs)
            on_main_thread(run, *args, **kwargs)
            return None

        wrapper.__name__ = getattr(fn, "__name__", "callback")
        return wrapper

    def _render(self) -> None:
        if not self.entries:
            self.widget.value = "<span class='etw-status-empty'>status: ready</span>"
            return
        rows = []
        for index, entry in enumerate(reversed(self.entries)):
            stamp = time.strftime("%H:%M:%S", time.localtime(entry.time))
            weight = "600" if index == 0 else "400"
            rows.append(
                f"<div class='etw-status-{entry.level}' style='color:{_COLOURS[entry.level]};"
                f"font-weight:{weight}'>{_ICONS[entry.level]} <small>{stamp}</small> "
                f"{html.escape(entry.text)}</div>"
            )
        self.widget.value = "".join(rows)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
