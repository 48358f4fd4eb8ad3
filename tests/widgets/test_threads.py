"""Widget callbacks from a kernel subshell's thread run on the main thread.

JupyterLab 4.4+ with ipykernel 7 handles widget messages in subshell threads; a Pause click
then ran while the main thread was in the middle of a step ("Set changed size during
iteration" in the dashboard, seen in the browser test).
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
def main_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    threads.remember_main_loop()
    yield loop
    threads._main_loop = None
    loop.close()


def _from_another_thread(fn: Any, *args: Any) -> None:
    worker = threading.Thread(target=fn, args=args)
    worker.start()
    worker.join()


def test_a_guarded_callback_from_another_thread_runs_on_the_main_thread(
    main_loop: asyncio.AbstractEventLoop,
) -> None:
    ran_on_main: list[bool] = []
    callback = StatusArea().guarded(
        "click", lambda: ran_on_main.append(threading.current_thread() is threading.main_thread())
    )
    _from_another_thread(callback)
    assert ran_on_main == []  # not in the subshell's thread
    main_loop.run_until_complete(asyncio.sleep(0))
    assert ran_on_main == [True]
    callback()  # on the main thread: at once
    assert ran_on_main == [True, True]


def test_a_widget_message_from_another_thread_is_handled_on_the_main_thread(
    main_loop: asyncio.AbstractEventLoop,
) -> None:
    handled: list[bool] = []

    class Base:
        def _handle_msg(self, msg: dict[str, Any]) -> None:
            handled.append(threading.current_thread() is threading.main_thread())

    class Widget(threads.MainThreadMessages, Base):
        pass

    _from_another_thread(Widget()._handle_msg, {"content": {}})
    assert handled == []
    main_loop.run_until_complete(asyncio.sleep(0))
    assert handled == [True]
