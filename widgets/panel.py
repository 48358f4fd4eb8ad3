"""Side panels: the selected node's or link's properties, and the fast estimate per workload.

:class:`PropertyPanel` edits the selected element through the shared
:class:`~widgets.editing.ScenarioEditor`: bad input ("-5 Mbit/s", a model that no longer fits
the new hardware) is shown under the fields and changes nothing. :class:`EstimateView` shows
the closed-form estimate of every workload against its SLO and the bandwidth saving at each
tier boundary, refreshed after every edit.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as ipw

from workbench.plots import scenario_boundaries
from workbench.units import format_quantity

from .editing import Edit, ScenarioEditor
from .status import EditRejected, StatusArea, describe

__all__ = ["EstimateView", "PropertyPanel"]

_NONE = "(none)"


def _quantity(value: float | None, dimension: Any) -> str:
    return "" if value is None else str(format_quantity(value, dimension))


class PropertyPanel:
    """Fields of the selected node or link, with Apply and Delete (``.widget``)."""

    def __init__(self, editor: ScenarioEditor, *, status: StatusArea | None = None) -> None:
        self.editor = editor
        self.status = status
        self.kind: str | None = None
        self.element_id: str | None = None
        self._shown: dict[str, Any] = {}
        wide = ipw.Layout(width="98%")
        style = {"description_width": "92px"}
        self.header = ipw.HTML("<i>Click a node or link on the canvas to edit it.</i>")
        self.hardware = ipw.Dropdown(description="hardware", layout=wide, style=style)
        self.count = ipw.Text(description="count", layout=wide, style=style)
        self.storage = ipw.Text(description="storage", placeholder="e.g. 4 GB", layout=wide)
        self.storage.style.description_width = "92px"
        self.label = ipw.Text(description="label", layout=wide, style=style)
        self.profile = ipw.Dropdown(description="profile", layout=wide, style=style)
        self.bandwidth = ipw.Text(description="bandwidth", layout=wide, style=style)
        self.downlink = ipw.Text(description="downlink", layout=wide, style=style)
        self.latency = ipw.Text(description="latency", layout=wide, style=style)
        self.apply_button = ipw.Button(description="Apply", button_style="primary", icon="check")
        self.delete_button = ipw.Button(description="Delete", button_style="danger", icon="trash")
        self.error = ipw.HTML()
        self.error.add_class("etw-panel-error")
        guard = status.guarded if status else (lambda _what, fn: fn)
        self.apply_button.on_click(guard("apply", lambda _b: self.apply()))
        self.delete_button.on_click(guard("delete", lambda _b: self.delete()))
        self._node_fields = ipw.VBox([self.hardware, self.count, self.storage, self.label])
        self._link_fields = ipw.VBox([self.profile, self.bandwidth, self.downlink, self.latency])
        self._buttons = ipw.HBox([self.apply_button, self.delete_button])
        self.widget = ipw.VBox([self.header], layout=ipw.Layout(width="100%"))
        self.widget.add_class("etw-properties")
        editor.on_change(self._on_edit)

    # ------------------------------------------------------------------ showing
    def select(self, kind: str | None, element_id: str | None) -> None:
        """Show the fields of node or link ``element_id`` (None clears the panel)."""
        self.kind, self.element_id = kind, element_id
        self.error.value = ""
        self._fill()

    def _fill(self) -> None:
        scenario, cat = self.editor.scenario, self.editor.catalogue
        self._shown = {}
        if self.kind == "node" and self.element_id is not None:
            try:
                node = scenario.node(self.element_id)
            except KeyError:
                return self.select(None, None)
            self.header.value = f"<b>node {html.escape(node.id)}</b> · {node.tier}"
            options = [
                (f"{h.id} ({h.tier}, {format_quantity(h.memory_bytes, 'size')})", h.id)
                for h in sorted(cat.hardware.values(), key=lambda h: cat.tier_level(h.tier))
            ]
            self.hardware.options = options
            self._shown = {
                "hardware": node.hardware,
                "count": str(node.count),
                "storage": _quantity(node.storage_bytes or None, "size"),
                "label": node.label or "",
            }
            self.hardware.value = node.hardware
            self.count.value = self._shown["count"]
            self.storage.value = self._shown["storage"]
            self.label.value = self._shown["label"]
            self.widget.children = [self.header, self._node_fields, self._buttons, self.error]
        elif self.kind == "link" and self.element_id is not None:
            try:
                link = scenario.link(self.element_id)
            except KeyError:
                return self.select(None, None)
            ends = " ↔ ".join(html.escape(e) for e in link.ends)
            self.header.value = f"<b>link {html.escape(link.key)}</b> · {ends}"
            self.profile.options = [_NONE, *cat.links]
            profile = cat.links.get(link.profile) if link.profile else None
            self._shown = {
                "profile": link.profile,
                "bandwidth": _quantity(link.bandwidth_bps, "bitrate"),
                "downlink_bandwidth": _quantity(link.downlink_bandwidth_bps, "bitrate"),
                "latency": _quantity(link.latency_s, "time"),
            }
            self.profile.value = link.profile or _NONE
            self.bandwidth.value = self._shown["bandwidth"]
            self.downlink.value = self._shown["downlink_bandwidth"]
            self.latency.value = self._shown["latency"]
            self.bandwidth.placeholder = (
                f"profile: {_quantity(profile.bandwidth_bps, 'bitrate')}" if profile else ""
            )
            self.downlink.placeholder = "same as bandwidth"
            self.latency.placeholder = (
                f"profile: {_quantity(profile.latency_s, 'time')}" if profile else ""
            )
            self.widget.children = [self.header, self._link_fields, self._buttons, self.error]
        else:
            self.header.value = "<i>Click a node or link on the canvas to edit it.</i>"
            self.widget.children = [self.header]
        return None

    def _on_edit(self, edit: Edit) -> None:
        if self.element_id is not None and edit.kind != "place":
            self._fill()

    # ------------------------------------------------------------------ editing
    def values(self) -> dict[str, Any]:
        """The fields as entered (file names, text with units)."""
        if self.kind == "node":
            return {
                "hardware": self.hardware.value,
                "count": self.count.value,
                "storage": self.storage.value,
                "label": self.label.value,
            }
        if self.kind == "link":
            profile = self.profile.value
            return {
                "profile": None if profile == _NONE else profile,
                "bandwidth": self.bandwidth.value,
                "downlink_bandwidth": self.downlink.value,
                "latency": self.latency.value,
            }
        return {}

    def apply(self) -> bool:
        """Apply the changed fields; on bad input show why and change nothing."""
        if self.kind is None or self.element_id is None:
            return False
        changed = {k: v for k, v in self.values().items() if v != self._shown.get(k)}
        if "count" in changed:
            changed["count"] = _integer(changed["count"])
        if not changed:
            self.error.value = ""
            return True
        try:
            if self.kind == "node":
                self.editor.update_node(self.element_id, **changed)
            else:
                self.editor.update_link(self.element_id, **changed)
        except EditRejected as exc:
            self._show_error(exc.reasons)
            return False
        except Exception as exc:  # shown, never lost
            self._show_error([describe(exc)])
            return False
        self.error.value = ""
        if self.status is not None:
            self.status.ok(f"updated {self.kind} {self.element_id}: {', '.join(changed)}")
        return True

    def delete(self) -> bool:
        """Delete the selected element if the scenario stays valid."""
        if self.kind is None or self.element_id is None:
            return False
        try:
            self.editor.delete(self.kind, self.element_id)
        except EditRejected as exc:
            self._show_error(exc.reasons)
            return False
        if self.status is not None:
            self.status.ok(f"deleted {self.kind} {self.element_id}")
        self.select(None, None)
        return True

    def _show_error(self, reasons: list[str]) -> None:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
        self.error.value = (
            f"<div style='color:#b3261e'><b>Not applied:</b><ul style='margin:2px 0 0 -12px'>"
            f"{items}</ul></div>"
        )
        if self.status is not None:
            self.status.warning("not applied: " + "; ".join(reasons))


def _integer(text: Any) -> Any:
    """'40' -> 40; anything else is passed on for validation to name."""
    try:
        return int(str(text).strip())
    except ValueError:
        return text


def _ms(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "unbounded"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


class EstimateView:
    """The fast estimate per workload and per tier boundary (``.widget``), kept current."""

    def __init__(self, editor: ScenarioEditor) -> None:
        self.editor = editor
        self.widget = ipw.HTML(layout=ipw.Layout(width="100%", max_height="330px"))
        self.widget.add_class("etw-estimates")
        editor.on_change(lambda _edit: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        est = self.editor.estimate
        if est is None:
            problems = "".join(
                f"<li>{html.escape(p.render())}</li>" for p in self.editor.problems[:8]
            )
            self.widget.value = f"<b>No estimate: the scenario has problems</b><ul>{problems}</ul>"
            return
        rows = []
        for workload in self.editor.scenario.workloads:
            figure = est.workloads[workload.id]
            ok = figure.meets_slo
            mark = "✔" if ok else "✖"
            colour = "#1e7b45" if ok else "#b3261e"
            rows.append(
                f"<tr data-workload='{html.escape(workload.id)}'>"
                f"<td>{html.escape(workload.id)}</td>"
                f"<td style='text-align:right'>{_ms(figure.latency_s)}</td>"
                f"<td style='text-align:right'>{_ms(figure.slo_s)}</td>"
                f"<td style='color:{colour};text-align:center'>{mark}</td></tr>"
            )
        savings = []
        tiers = self.editor.catalogue.tiers
        present = {node.tier for node in self.editor.scenario.nodes}
        rows_by_key = {key: {"estimate": value} for key, value in est.boundaries.items()}
        for boundary in scenario_boundaries(rows_by_key, present):
            saving = boundary.row["estimate"].saving_percent
            if saving is None:
                continue
            label = f"{tiers[boundary.low].name} → {tiers[boundary.high].name}"
            title = (
                f" title='passes through {', '.join(tiers[t].name for t in boundary.through)}'"
                if boundary.through
                else ""
            )
            savings.append(
                f"<tr{title}><td>{html.escape(label)}</td>"
                f"<td style='text-align:right'>{saving:.2f} %</td></tr>"
            )
        self.widget.value = (
            "<div style='overflow-y:auto;max-height:320px;font-size:12px'>"
            "<b>Estimate (closed form, mean)</b>"
            "<table class='etw-estimate-table' style='width:100%'>"
            "<tr><th style='text-align:left'>workload</th><th>latency</th><th>SLO</th>"
            "<th></th></tr>"
            + "".join(rows)
            + "</table><b>Bandwidth saving vs raw to cloud</b><table style='width:100%'>"
            + "".join(savings)
            + "</table></div>"
        )
