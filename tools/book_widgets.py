"""Sphinx extension for the course book: keep widget state out of the pages.

A notebook that shows the workbench and is executed at build time stores the state of every
widget model it made (about 20 MB for the full workbench) in its metadata, and myst-nb embeds
that state in the page and in the downloadable ``.ipynb``. A static page cannot run the
widgets anyway (they need a kernel), so this extension drops the state before the page is
rendered and shows, in place of each widget, a note that says where to use it.

Loaded by the book's ``_config.yml`` (``sphinx.local_extensions``); written for myst-nb 1.x
(Jupyter Book 1.x), whose renderer is patched in two methods.
"""

from __future__ import annotations

from typing import Any

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
NOTE = (
    '<p class="workbench-widget-note"><em>An interactive widget appears here when the notebook '
    "runs: use the launch button (Binder) at the top of the page, or open the notebook in "
    "JupyterLab (<code>make lab</code>).</em></p>"
)


def strip_widget_state(metadata: dict[str, Any]) -> bool:
    """Remove the stored widget state from a notebook's metadata; True if there was some.

    >>> meta = {"widgets": {WIDGET_STATE: {"state": {"m1": {}}}}, "kernelspec": {}}
    >>> strip_widget_state(meta), meta
    (True, {'kernelspec': {}})
    """
    return metadata.pop("widgets", None) is not None


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes  # type: ignore[import-untyped]
    from myst_nb.core.render import NbElementRenderer  # type: ignore[import-untyped]

    finalise = NbElementRenderer.render_nb_finalise

    def render_nb_finalise(self: Any, metadata: dict[str, Any]) -> None:
        # the same dict is written to the page's .ipynb afterwards: strip it there too
        strip_widget_state(metadata)
        finalise(self, metadata)

    def render_widget_view(self: Any, data: Any) -> list[Any]:
        return [nodes.raw(text=NOTE, format="html")]

    NbElementRenderer.render_nb_finalise = render_nb_finalise
    NbElementRenderer.render_widget_view = render_widget_view
    return {"parallel_read_safe": True, "parallel_write_safe": True}
