"""Widget messages handled on the kernel's main thread.

JupyterLab 4.4 and later send widget (comm) messages to kernel *subshells* when the kernel
supports them (ipykernel 7: setting "Kernel Comms over subshells", default "one subshell per
comm target"): a click is then handled in another thread while the main thread plays the run.
The run, the figures and the scenario belong to the main thread, so every widget callback is
handed to the main thread's event loop (it runs there between two frames); on the main thread
(Voila, a notebook cell, tests) it runs at once.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from typing import Any

_main_loop: asyncio.AbstractEventLoop | None = None


def on_the_main_thread() -> bool:
    """Whether the caller runs on the kernel's main thread."""
    return threading.current_thread() is threading.main_thread()


def remember_main_loop() -> None:
    """Note the main thread's event loop (call on the main thread, when widgets are made)."""
    global _main_loop
    if not on_the_main_thread():
        return
    try:
        _main_loop = asyncio.get_running_loop()
    except RuntimeError:
        _main_loop = asyncio.get_event_loop_policy().get_event_loop()


def on_main_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Call ``fn(*args, **kwargs)`` now on the main thread, else hand it to the main thread's
    loop; True when it ran now."""
    loop = _main_loop
    if on_the_main_thread() or loop is None or loop.is_closed():
        fn(*args, **kwargs)
        return True
    loop.call_soon_threadsafe(functools.partial(fn, *args, **kwargs))
    return False


class MainThreadMessages:
    """Mixin for a widget: its messages from the browser (state updates, custom messages)
    are handled on the main thread, and so are the observers and handlers they call."""

    def _handle_msg(self, msg: dict[str, Any]) -> None:
        on_main_thread(super()._handle_msg, msg)  # type: ignore[misc]
