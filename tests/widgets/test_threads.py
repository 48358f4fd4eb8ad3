"""Widget callbacks from a kernel subshell's thread run on the main thread.

JupyterLab 4.4+ with ipykernel 7 handles widget messages in subshell threads; a Pause click
then ran while the main thread was in the middle of a step ("Set changed size during
iteration" in the dashboard, seen in the browser test). Here a thread with its own running
loop plays the kernel's main thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from widgets import threads
from widgets.status import StatusArea


@pytest.fixture
def kernel_main(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Thread]:
    """A 'main' thread running an event loop, as ipykernel's main thread does."""
    loop = asyncio.new_event_loop()
    main = threading.Thread(target=loop.run_forever, daemon=True)
    main.start()
    monkeypatch.setattr(threads, "_main_loop", loop)
    monkeypatch.setattr(threads, "on_the_main_thread", lambda: threading.current_thread() is main)
    yield main
    loop.call_soon_threadsafe(loop.stop)
    main.join(10)
    loop.close()


def _from_a_subshell(fn: Any, *args: Any) -> None:
    worker = threading.Thread(target=fn, args=args)
    worker.start()
    worker.join()


def test_a_guarded_callback_from_another_thread_runs_on_the_main_thread(
    kernel_main: threading.Thread,
) -> None:
    ran_in: list[threading.Thread] = []
    done = threading.Event()

    def click() -> None:
        ran_in.append(threading.current_thread())
        done.set()

    _from_a_subshell(StatusArea().guarded("click", click))
    assert done.wait(10)
    assert ran_in == [kernel_main]


def test_a_widget_message_from_another_thread_is_handled_on_the_main_thread(
    kernel_main: threading.Thread,
) -> None:
    handled_in: list[threading.Thread] = []
    done = threading.Event()

    class Base:
        def _handle_msg(self, msg: dict[str, Any]) -> None:
            handled_in.append(threading.current_thread())
            done.set()

    class Widget(threads.MainThreadMessages, Base):
        pass

    _from_a_subshell(Widget()._handle_msg, {"content": {}})
    assert done.wait(10)
    assert handled_in == [kernel_main]


def test_on_the_main_thread_a_callback_runs_at_once() -> None:
    ran: list[int] = []
    StatusArea().guarded("click", lambda: ran.append(1))()
    assert ran == [1]
