"""A grid of plotly figures in one anywidget, updated by small patches (``PlotGrid``).

Why not four plotly ``FigureWidget``s: each of them ships plotly.js (5 MB) as its own ES
module, which the browser parses once per figure while the widget is being created. anywidget
gives a model two seconds to initialise; on a busy machine four such parses take longer, the
model's start is marked failed ("[anywidget] Failed to initialize model.") and every later
update to that figure is dropped, so a plot stays empty or stale. Here the module is small
and loads at once. plotly.js is not part of the widget's state either (parsing a 5 MB state
message at page load would block the page while other widgets start): a view asks for it
when it is first drawn, gets it in one message, and evaluates it once per page.

The Python side holds the figures (``plotly.graph_objects.Figure``, the same objects the HTML
report is built from). :meth:`PlotGrid.show` sends them whole (on reset, or when a view asks
because it missed something); :meth:`PlotGrid.patch` sends only what changed: points
appended to a trace, a trace's values replaced, layout keys replaced. Every message carries
a sequence number; a view that sees a gap asks for the whole state again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import traitlets

from .canvas import STATIC
from .threads import MainThreadMessages, remember_main_loop

__all__ = ["PlotGrid"]


@cache
def _plotly_js() -> str:
    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()


def _jsonable(values: Any) -> list[Any]:
    """A list JSON can carry: NaN and infinities become null (a gap in a line)."""
    array = np.asarray(values)
    if array.dtype.kind == "f":
        return [None if not np.isfinite(v) else float(v) for v in array.tolist()]
    return [v.item() if isinstance(v, np.generic) else v for v in array.tolist()]


class PlotGrid(MainThreadMessages, anywidget.AnyWidget):
    """Plotly figures side by side (``columns`` per row), kept in step with Python."""

    _esm = STATIC / "plotgrid.js"
    _css = STATIC / "plotgrid.css"
    _uid = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.Int(2).tag(sync=True)
    state = traitlets.Dict().tag(sync=True)  # {"seq": n, "figures": [{data, layout}, ...]}
    config = traitlets.Dict(
        {"displaylogo": False, "responsive": True, "displayModeBar": "hover"}
    ).tag(sync=True)

    def __init__(self, figures: Sequence[go.Figure] = (), **kwargs: Any) -> None:
        super().__init__(_uid=uuid.uuid4().hex, **kwargs)
        remember_main_loop()
        self.figures: list[go.Figure] = list(figures)
        self.source: Callable[[], Sequence[go.Figure]] | None = None  # the figures, up to date
        self.seq = 0
        self.sent_messages = 0  # patches sent (for tests and benchmarks)
        self.on_msg(self._on_message)
        self.show(self.figures)

    def show(self, figures: Sequence[go.Figure] | None = None) -> None:
        """Send every figure whole (``figures`` replace the current ones when given)."""
        if figures is not None:
            self.figures = list(figures)
        elif self.source is not None:
            self.figures = list(self.source())
        self.seq += 1
        payload = [json.loads(pio.to_json(f, validate=False)) for f in self.figures]
        self.state = {"seq": self.seq, "figures": payload}

    def patch(self, changes: list[dict[str, Any]]) -> None:
        """Send ``changes``: dicts with ``figure`` (index) and either ``trace`` (index) with
        ``append`` ({key: values}: added to the trace's arrays, ``keep`` first cuts them to
        that length) and/or ``set`` ({key: value}: replaced), or ``layout`` ({key: value}:
        top-level layout keys replaced). The Python figures must already hold the result."""
        if not changes:
            return
        self.seq += 1
        self.sent_messages += 1
        self.send({"kind": "patch", "seq": self.seq, "changes": _encode(changes)})

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("kind") if isinstance(content, dict) else None
        if kind == "resend":
            self.show()
        elif kind == "plotly":  # a view is drawn and needs plotly.js (once per page)
            self.send({"kind": "plotly", "source": _plotly_js()})


def _encode(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for change in changes:
        item: dict[str, Any] = {"figure": change["figure"]}
        if "trace" in change:
            item["trace"] = change["trace"]
            if "keep" in change:
                item["keep"] = int(change["keep"])
            if "append" in change:
                item["append"] = {k: _jsonable(v) for k, v in change["append"].items()}
            if "set" in change:
                item["set"] = {
                    k: _jsonable(v) if isinstance(v, np.ndarray | list | tuple) else v
                    for k, v in change["set"].items()
                }
        if "layout" in change:
            item["layout"] = json.loads(
                json.dumps(change["layout"], cls=plotly.utils.PlotlyJSONEncoder)
            )
        out.append(item)
    return out
