"""The topology canvas: tiers as lanes, nodes, links and workload-stage chips, editable.

:class:`TopologyCanvas` is an anywidget (``static/canvas.js``, ``static/canvas.css``). Its
traits are thin JSON: what to draw (``lanes``, ``nodes``, ``links``, ``chips``, ``legend``,
``loads``, ``failed``, ``selected``, ``mode``, ``message``, ``log``, ``can_undo``) and the
requests the browser makes (``drop_request``, ``click``, ``add_request``, ``connect_request``,
``move``, ``delete_request``, ``undo_request``). Every trait is checked by a
``@traitlets.validate`` that raises on bad input. Requests go to a
:class:`~widgets.editing.ScenarioEditor` (the scenario is the single source of truth) or, in
run mode, to a :class:`~workbench.sim.Simulation` (click to fail or restore); the outcome is
shown on the canvas, in its message log and in the status area.

Each request has a Python method that tests call without a browser: :meth:`drop`,
:meth:`click_element`, :meth:`add`, :meth:`connect`, :meth:`move_node`, :meth:`delete`,
:meth:`undo`.

Examples
--------
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> canvas = TopologyCanvas(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"))
>>> [lane["tier"] for lane in canvas.lanes][0], len(canvas.nodes), len(canvas.chips)
('far_edge', 5, 7)
>>> canvas.drop_request = {"chip": "visual-inspection.classify", "node": "plant-dc"}
>>> canvas.scenario.placement["visual-inspection.classify"]
'plant-dc'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import anywidget
import ipywidgets as ipw
import plotly.colors
import traitlets

from workbench.catalogue import TIER_IDS
from workbench.plots import TIER_COLOURS, tier_layout
from workbench.scenario import Scenario
from workbench.topology import Topology
from workbench.units import format_quantity

from .editing import Edit, ScenarioEditor
from .status import EditRejected, Level, StatusArea, describe
from .threads import MainThreadMessages, remember_main_loop

__all__ = ["WORKLOAD_COLOURS", "TopologyCanvas"]

STATIC = Path(__file__).parent / "static"
_RED = "#D62728"
WORKLOAD_COLOURS: list[str] = [
    colour for colour in plotly.colors.qualitative.D3 if colour not in (_RED, "#7F7F7F")
]
"""Colour of the i-th workload (cycled), shared by the chips and the dashboard. Neither red
(red means failed or dropping on the canvas) nor grey (a link's colour)."""
LOG_CAP = 50
"""Messages kept in the canvas's log (the newest; older ones are dropped)."""


class ClickSimulation(Protocol):
    """What a click in run mode acts on: a :class:`~workbench.sim.Simulation`, or a wrapper
    (``widgets.controls.ClickTarget``) whose ``fail`` and ``restore`` return the sentence to
    show."""

    @property
    def now(self) -> float: ...

    def failed(self) -> list[str]: ...

    def fail(self, element_id: str) -> str | None: ...

    def restore(self, element_id: str) -> str | None: ...


_ELEMENT_KINDS = ("node", "link")


def workload_colour(index: int) -> str:
    return WORKLOAD_COLOURS[index % len(WORKLOAD_COLOURS)]


# Tenants: Paul Tol's "muted" qualitative colours (colour-blind safe, white text readable).
TENANT_COLOURS = ["#332288", "#117733", "#882255", "#AA4499", "#44AA99", "#999933"]


def tenant_badges(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Per node, the tenant badges the canvas draws: the tenant that owns it, or, on a shared
    node, one badge per slice with its servers; colours follow the order of ``tenants``."""
    colours = {
        t.id: TENANT_COLOURS[i % len(TENANT_COLOURS)] for i, t in enumerate(scenario.tenants)
    }
    badges: dict[str, list[dict[str, Any]]] = {}
    for node in scenario.nodes:
        if node.tenant is not None:
            badges[node.id] = [
                {
                    "tenant": node.tenant,
                    "colour": colours.get(node.tenant, TENANT_COLOURS[-1]),
                    "servers": None,
                    "title": f"{node.id} belongs to tenant {node.tenant}",
                }
            ]
    for tenant in scenario.tenants:
        for piece in tenant.slices:
            if piece.node is None:
                continue
            badges.setdefault(piece.node, []).append(
                {
                    "tenant": tenant.id,
                    "colour": colours[tenant.id],
                    "servers": piece.servers,
                    "title": f"{piece.node}: a slice of {piece.servers} server(s) for tenant "
                    f"{tenant.id}" + (", bursting into unreserved servers" if piece.burst else ""),
                }
            )
    return badges


# ------------------------------------------------------------------------------- validation
def _fail(trait: str, message: str) -> None:
    raise traitlets.TraitError(f"{trait}: {message}")


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_text(trait: str, payload: dict[str, Any], key: str) -> None:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        _fail(trait, f"{key!r} must be a non-empty string, got {value!r}")


def _check_event(
    trait: str,
    payload: Any,
    texts: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An event payload: {} (no event) or a dict with the given keys (and an optional seq);
    ``optional`` numbers may be left out."""
    if not isinstance(payload, dict):
        _fail(trait, f"expected a dict, got {type(payload).__name__}")
    if not payload:
        return cast(dict[str, Any], payload)
    allowed = {*texts, *numbers, *optional, "seq"}
    extra = sorted(set(payload) - allowed)
    if extra:
        _fail(trait, f"unexpected keys {extra}; expected {sorted(allowed)}")
    for key in texts:
        _check_text(trait, payload, key)
    for key in numbers:
        if not _finite(payload.get(key)):
            _fail(trait, f"{key!r} must be a finite number, got {payload.get(key)!r}")
    for key in optional:
        if key in payload and not _finite(payload[key]):
            _fail(trait, f"{key!r} must be a finite number, got {payload[key]!r}")
    if "seq" in payload and not _finite(payload["seq"]):
        _fail(trait, f"'seq' must be a number, got {payload['seq']!r}")
    return cast(dict[str, Any], payload)


def _check_items(
    trait: str, items: Any, texts: tuple[str, ...], numbers: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        _fail(trait, f"expected a list, got {type(items).__name__}")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            _fail(f"{trait}[{index}]", f"expected a dict, got {type(item).__name__}")
        for key in texts:
            _check_text(f"{trait}[{index}]", item, key)
        for key in numbers:
            value = item.get(key)
            if not _finite(value):
                _fail(f"{trait}[{index}]", f"{key!r} must be a finite number, got {value!r}")
    return cast(list[dict[str, Any]], items)


# ------------------------------------------------------------------------------- payloads
def _rate(bps: float) -> str:
    return str(format_quantity(float(f"{bps:.3g}"), "bitrate"))


def _time(seconds: float) -> str:
    return str(format_quantity(float(f"{seconds:.3g}"), "time"))


def link_label(bandwidth_bps: float, latency_s: float) -> str:
    """What a link's line says: its bandwidth and one-way latency ("100 Mbit/s · 15 ms")."""
    return f"{_rate(bandwidth_bps)} · {_ms(latency_s)}"


def lanes_payload(editor: ScenarioEditor) -> list[dict[str, Any]]:
    """One lane per tier, bottom (far edge) to top (cloud)."""
    return [
        {
            "tier": tier.id,
            "level": tier.level,
            "name": tier.name or tier.id,
            "analogue": tier.networking_analogue,
            "colour": TIER_COLOURS.get(tier.id, "#888888"),
        }
        for tier in editor.catalogue.tiers_in_order()
    ]


def nodes_payload(editor: ScenarioEditor) -> list[dict[str, Any]]:
    """Every node (a device group is one node with its count) at its lane slot ``x``."""
    scenario, cat = editor.scenario, editor.catalogue
    layout = tier_layout(Topology(scenario, cat))
    badges = tenant_badges(scenario) if scenario.tenants else {}
    out = []
    for node in scenario.nodes:
        x, _ = layout.get(node.id, (0.0, 0.0))
        hardware = cat.hardware.get(node.hardware)
        memory = f", {format_quantity(hardware.memory_bytes, 'size')}" if hardware else ""
        title = f"{node.label or node.id} · {node.tier} · {node.hardware}{memory}"
        if node.count > 1:
            title += f" · ×{node.count} devices"
        if node.storage_bytes:
            title += f" · store {format_quantity(node.storage_bytes, 'size')}"
        out.append(
            {
                "id": node.id,
                "tier": node.tier,
                "x": float(x),
                "count": node.count,
                "label": node.id,
                "hardware": node.hardware,
                "title": title,
                "tenants": badges.get(node.id, []),
            }
        )
    return out


def links_payload(editor: ScenarioEditor) -> list[dict[str, Any]]:
    """Every link with its resolved figures as hover text."""
    topology = Topology(editor.scenario, editor.catalogue)
    out = []
    for link in editor.scenario.links:
        spec = topology.links.get(link.key)
        title = f"{link.key}: {link.ends[0]} ↔ {link.ends[1]}"
        label = ""
        if spec is not None:
            title += f" · {_rate(spec.bandwidth_bps)} · {_time(spec.latency_s)} one-way"
            label = link_label(spec.bandwidth_bps, spec.latency_s)
        if link.profile:
            title += f" · {link.profile}"
        out.append(
            {"id": link.key, "a": link.ends[0], "b": link.ends[1], "title": title, "label": label}
        )
    return out


def chip_labels(keys: list[str]) -> dict[str, str]:
    """Short, unique chip labels: the stage id, prefixed with the workload's first letters
    where two workloads have a stage of that name ("vis·detect", "bea·detect")."""
    stages = [key.partition(".")[2] for key in keys]
    labels = {}
    for key, stage in zip(keys, stages, strict=True):
        workload = key.partition(".")[0]
        labels[key] = stage if stages.count(stage) == 1 else f"{workload[:3]}·{stage}"
    alike = list(labels.values())
    seen: dict[str, int] = {}
    for key, label in labels.items():  # still alike ("vis-a.x", "vis-b.x"): number them
        if alike.count(label) > 1:
            seen[label] = seen.get(label, 0) + 1
            labels[key] = f"{label}{seen[label]}"
    return labels


def chips_payload(editor: ScenarioEditor) -> list[dict[str, Any]]:
    """One chip per placed workload stage, with its workload's estimate against the SLO."""
    est = editor.estimate
    out = []
    for index, workload in enumerate(editor.scenario.workloads):
        figure = est.workloads.get(workload.id) if est else None
        for stage in workload.stages:
            key = f"{workload.id}.{stage.id}"
            node = editor.scenario.placement.get(key)
            if node is None:
                continue
            chip: dict[str, Any] = {
                "key": key,
                "workload": workload.id,
                "stage": stage.id,
                "node": node,
                "colour": workload_colour(index),
                "ok": True,
                "title": f"{key} ({stage.model}) on {node}",
            }
            if figure is not None:
                chip["ok"] = bool(figure.meets_slo)
                chip["title"] += (
                    f" · {workload.id}: est. mean {_ms(figure.latency_s)}, SLO {_ms(figure.slo_s)}"
                )
            out.append(chip)
    labels = chip_labels([c["key"] for c in out])
    for chip in out:
        chip["label"] = labels[chip["key"]]
    return out


def legend_payload(editor: ScenarioEditor) -> list[dict[str, Any]]:
    """The colour key: one entry per workload, in the chips' colours."""
    return [
        {"workload": workload.id, "colour": workload_colour(index), "title": workload.description}
        for index, workload in enumerate(editor.scenario.workloads)
    ]


def _ms(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "unbounded"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def loads_payload(editor: ScenarioEditor) -> dict[str, float]:
    """Estimated compute utilisation per node that has work (capped for JSON)."""
    est = editor.estimate
    if est is None:
        return {}
    busy = est.node_utilisation
    return {n: min(u, 99.0) if math.isfinite(u) else 99.0 for n, u in busy.items()}


# ------------------------------------------------------------------------------- widget
class TopologyCanvas(MainThreadMessages, anywidget.AnyWidget):
    """The five tiers as lanes with the scenario's nodes, links and stage chips; editable.

    Parameters
    ----------
    scenario
        A scenario, or the :class:`ScenarioEditor` to share with other widgets.
    status
        Where messages and errors go besides the canvas itself (optional).
    """

    _esm = STATIC / "canvas.js"
    _css = STATIC / "canvas.css"

    lanes = traitlets.List(traitlets.Dict()).tag(sync=True)
    nodes = traitlets.List(traitlets.Dict()).tag(sync=True)
    links = traitlets.List(traitlets.Dict()).tag(sync=True)
    chips = traitlets.List(traitlets.Dict()).tag(sync=True)
    legend = traitlets.List(traitlets.Dict()).tag(sync=True)
    loads = traitlets.Dict().tag(sync=True)
    failed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected = traitlets.Dict().tag(sync=True)
    mode = traitlets.Enum(["edit", "run"], default_value="edit").tag(sync=True)
    message = traitlets.Dict().tag(sync=True)
    log = traitlets.List(traitlets.Dict()).tag(sync=True)  # the newest LOG_CAP messages
    can_undo = traitlets.Unicode("").tag(sync=True)  # what undo would take back, or ""
    # Requests from the browser ({} = none); each carries a 'seq' so that a repeat is a change.
    drop_request = traitlets.Dict().tag(sync=True)
    click = traitlets.Dict().tag(sync=True)
    add_request = traitlets.Dict().tag(sync=True)
    connect_request = traitlets.Dict().tag(sync=True)
    move = traitlets.Dict().tag(sync=True)
    delete_request = traitlets.Dict().tag(sync=True)
    undo_request = traitlets.Dict().tag(sync=True)
    # Model versions (issue 11): {node: {"version", "colour", "title"}} drawn as a ring round
    # the node, and the key [{"version", "colour", "title"}]; empty when none are declared.
    versions = traitlets.Dict().tag(sync=True)
    version_key = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(
        self,
        scenario: Scenario | ScenarioEditor,
        *,
        status: StatusArea | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("layout", ipw.Layout(width="100%", min_width="0", flex="1 1 auto"))
        super().__init__(**kwargs)
        remember_main_loop()
        self.editor = scenario if isinstance(scenario, ScenarioEditor) else ScenarioEditor(scenario)
        self.status = status
        self.simulation: ClickSimulation | None = None
        self._message_seq = 0
        self._listeners: list[Callable[[Level, str], None]] = []
        self.editor.on_change(self._on_edit)
        self.refresh()

    @property
    def scenario(self) -> Scenario:
        return self.editor.scenario

    # ----------------------------------------------------------------- drawing
    def refresh(self, edit: Edit | None = None) -> None:
        """Redraw from the scenario (only the chips and loads after a placement change)."""
        kind = edit.kind if edit else "all"
        if kind in ("all", "load"):
            self.lanes = lanes_payload(self.editor)
        if kind not in ("place",):
            self.nodes = nodes_payload(self.editor)
        if kind not in ("place", "move"):
            self.links = links_payload(self.editor)
        if kind in ("all", "load", "undo", "update", "add", "delete"):
            self.legend = legend_payload(self.editor)
        self.chips = chips_payload(self.editor)
        self.loads = loads_payload(self.editor)
        self.can_undo = self.editor.can_undo
        if self.selected and self.selected.get("id") not in self._ids(self.selected["kind"]):
            self.selected = {}

    def _ids(self, kind: str) -> set[str]:
        if kind == "node":
            return {n.id for n in self.scenario.nodes}
        return {link.key for link in self.scenario.links}

    def _on_edit(self, edit: Edit) -> None:
        self.refresh(edit)

    # ------------------------------------------------------------------ messages
    def on_message(self, callback: Callable[[Level, str], None]) -> None:
        """Also call ``callback(level, text)`` for every message the canvas shows."""
        self._listeners.append(callback)

    def say(self, level: Level, text: str) -> None:
        """Show ``text`` on the canvas and in the status area."""
        self._message_seq += 1
        self.message = {"text": text, "level": level, "seq": self._message_seq}
        self.log = [*self.log[-(LOG_CAP - 1) :], dict(self.message)]
        if self.status is not None:
            self.status.report(level, text)
        for callback in self._listeners:
            callback(level, text)

    def _attempt(self, what: str, action: Callable[[], str | None]) -> bool:
        """Run an edit; report its result, a refusal or an error. True if it went through."""
        try:
            text = action()
        except EditRejected as exc:
            self.say("warning", "; ".join(exc.reasons))
            return False
        except Exception as exc:  # a bug or a bad request: show it, never lose it
            self.say("error", f"{what}: {describe(exc)}")
            return False
        if text:
            self.say("ok", text)
        return True

    # ------------------------------------------------------ requests (Python API)
    def drop(self, chip: str, node: str) -> bool:
        """Re-place stage ``chip`` on ``node``; False (and the reason shown) if refused."""

        def action() -> str:
            check = self.editor.place(chip, node)
            return "" if check.warnings == ["already there"] else check.summary()

        # The browser snaps the chip back itself; an accepted drop redraws it on its new node.
        return self._attempt("drop", action)

    def click_element(self, kind: str, element_id: str) -> None:
        """In run mode fail or restore the element in the simulation; else select it."""

        def action() -> str:
            if kind not in _ELEMENT_KINDS:
                raise EditRejected([f"cannot click a {kind!r}"])
            if element_id not in self._ids(kind):
                self.refresh()  # the browser drew something that is gone: draw it again
                raise EditRejected(
                    [
                        f"The {kind} {element_id!r} is no longer in the scenario (it was "
                        "deleted or undone); the canvas has been redrawn."
                    ]
                )
            if self.mode == "run" and self.simulation is not None:
                return self.toggle_failure(element_id)
            self.selected = {"kind": kind, "id": element_id}
            return ""

        self._attempt("click", action)

    def toggle_failure(self, element_id: str) -> str:
        """Fail ``element_id`` in the simulation now, or restore it if it is failed."""
        sim = self.simulation
        if sim is None:
            raise EditRejected(["no simulation is running: press play or step first"])
        if element_id in sim.failed():
            said = sim.restore(element_id)
            verb = "restored"
        else:
            said = sim.fail(element_id)
            verb = "failed"
        self.failed = sorted(sim.failed())
        return said or f"{element_id} {verb} at t = {sim.now:.1f} s"

    def add(self, tier: str, x: float | None = None) -> str | None:
        """Add a node to ``tier``'s lane at slot ``x`` (default: a free slot at the lane's
        right end) and select it; its id, or None."""
        added: list[str] = []

        def action() -> str:
            if tier not in TIER_IDS:
                tiers = ", ".join(TIER_IDS)
                raise EditRejected([f"There is no tier {tier!r}; choose one of {tiers}."])
            slot = x if x is not None else self.editor.free_slot(tier, self._drawn_x())
            added.append(self.editor.add_node(tier, slot))
            self.selected = {"kind": "node", "id": added[0]}
            name = self.editor.catalogue.tiers[tier].name or tier
            hardware = self.scenario.node(added[0]).hardware
            return f"added {added[0]} ({hardware}) to the {name} tier ({tier})"

        self._attempt("add", action)
        return added[0] if added else None

    def _drawn_x(self) -> dict[str, float]:
        return {n["id"]: float(n["x"]) for n in self.nodes}

    def connect(self, a: str, b: str) -> str | None:
        """Link ``a`` and ``b`` with the default profile for their tiers; its id, or None."""
        made: list[str] = []

        def action() -> str:
            made.append(self.editor.connect(a, b))
            link = self.scenario.link(made[0])
            label = next((k["label"] for k in self.links if k["id"] == made[0]), "")
            figures = f", {label}" if label else ""
            return f"Linked {link.ends[0]} and {link.ends[1]} ({link.profile}{figures})."

        self._attempt("connect", action)
        return made[0] if made else None

    def move_node(self, node: str, x: float) -> bool:
        """Move ``node`` along its lane to slot ``x``."""

        def action() -> None:
            self.editor.move(node, x)

        return self._attempt("move", action)

    def delete(self, kind: str, element_id: str) -> bool:
        """Delete a node or link if the scenario stays valid."""

        def action() -> str:
            self.editor.delete(kind, element_id)
            return f"deleted {kind} {element_id}"

        return self._attempt("delete", action)

    def undo(self) -> bool:
        """Take back the last edit (placement, add, move, connect, delete, property change)."""
        return self._attempt("undo", lambda: f"Undid {self.editor.undo()}.")

    # ------------------------------------------------------ validation of traits
    @traitlets.validate("lanes")
    def _valid_lanes(self, proposal: Any) -> Any:
        lanes = _check_items("lanes", proposal["value"], ("tier", "name"), ("level",))
        for index, lane in enumerate(lanes):
            if lane["tier"] not in TIER_IDS:
                _fail(f"lanes[{index}]", f"unknown tier {lane['tier']!r}")
        return lanes

    @traitlets.validate("nodes")
    def _valid_nodes(self, proposal: Any) -> Any:
        nodes = _check_items("nodes", proposal["value"], ("id", "tier"), ("x",))
        for index, node in enumerate(nodes):
            if node["tier"] not in TIER_IDS:
                _fail(f"nodes[{index}]", f"unknown tier {node['tier']!r}")
            count = node.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                _fail(f"nodes[{index}]", f"'count' must be an integer >= 1, got {count!r}")
            badges = node.get("tenants", [])
            if not isinstance(badges, list) or not all(
                isinstance(b, dict) and "tenant" in b and "colour" in b for b in badges
            ):
                _fail(f"nodes[{index}]", "'tenants' must be a list of {tenant, colour, ...}")
        return nodes

    @traitlets.validate("links")
    def _valid_links(self, proposal: Any) -> Any:
        return _check_items("links", proposal["value"], ("id", "a", "b"))

    @traitlets.validate("chips")
    def _valid_chips(self, proposal: Any) -> Any:
        return _check_items("chips", proposal["value"], ("key", "node"))

    @traitlets.validate("loads")
    def _valid_loads(self, proposal: Any) -> Any:
        for node, value in proposal["value"].items():
            if not _finite(value) or value < 0:
                _fail("loads", f"{node}: utilisation must be a number >= 0, got {value!r}")
        return proposal["value"]

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: Any) -> Any:
        value = _check_event("selected", proposal["value"], ("kind", "id"))
        if value and value["kind"] not in _ELEMENT_KINDS:
            _fail("selected", f"'kind' must be 'node' or 'link', got {value['kind']!r}")
        return value

    @traitlets.validate("message")
    def _valid_message(self, proposal: Any) -> Any:
        value = _check_event("message", proposal["value"], ("text", "level"))
        if value and value["level"] not in ("info", "ok", "warning", "error"):
            _fail("message", f"unknown level {value['level']!r}")
        return value

    @traitlets.validate("drop_request")
    def _valid_drop(self, proposal: Any) -> Any:
        return _check_event("drop_request", proposal["value"], ("chip", "node"))

    @traitlets.validate("click")
    def _valid_click(self, proposal: Any) -> Any:
        value = _check_event("click", proposal["value"], ("kind", "id"))
        if value and value["kind"] not in _ELEMENT_KINDS:
            _fail("click", f"'kind' must be 'node' or 'link', got {value['kind']!r}")
        return value

    @traitlets.validate("add_request")
    def _valid_add(self, proposal: Any) -> Any:
        value = _check_event("add_request", proposal["value"], ("tier",), optional=("x",))
        if value and value["tier"] not in TIER_IDS:
            _fail("add_request", f"unknown tier {value['tier']!r}; one of {', '.join(TIER_IDS)}")
        return value

    @traitlets.validate("connect_request")
    def _valid_connect(self, proposal: Any) -> Any:
        value = _check_event("connect_request", proposal["value"], ("a", "b"))
        if value and value["a"] == value["b"]:
            _fail("connect_request", "a link must join two different nodes")
        return value

    @traitlets.validate("undo_request")
    def _valid_undo(self, proposal: Any) -> Any:
        return _check_event("undo_request", proposal["value"])

    @traitlets.validate("legend")
    def _valid_legend(self, proposal: Any) -> Any:
        return _check_items("legend", proposal["value"], ("workload", "colour"))

    @traitlets.validate("log")
    def _valid_log(self, proposal: Any) -> Any:
        entries = _check_items("log", proposal["value"], ("text", "level"))
        if len(entries) > LOG_CAP:
            _fail("log", f"at most {LOG_CAP} entries, got {len(entries)}")
        return entries

    @traitlets.validate("move")
    def _valid_move(self, proposal: Any) -> Any:
        return _check_event("move", proposal["value"], ("id",), ("x",))

    @traitlets.validate("delete_request")
    def _valid_delete(self, proposal: Any) -> Any:
        value = _check_event("delete_request", proposal["value"], ("kind", "id"))
        if value and value["kind"] not in _ELEMENT_KINDS:
            _fail("delete_request", f"'kind' must be 'node' or 'link', got {value['kind']!r}")
        return value

    @traitlets.validate("versions")
    def _valid_versions(self, proposal: Any) -> Any:
        value = proposal["value"]
        for node_id, entry in value.items():
            if not isinstance(entry, dict):
                _fail(f"versions[{node_id!r}]", f"expected a dict, got {type(entry).__name__}")
            for key in ("version", "colour"):
                _check_text(f"versions[{node_id!r}]", entry, key)
        return value

    @traitlets.validate("version_key")
    def _valid_version_key(self, proposal: Any) -> Any:
        return _check_items("version_key", proposal["value"], ("version", "colour"))

    def show_versions(
        self,
        active: dict[str, str],
        colours: dict[str, str],
        titles: dict[str, str],
        splits: dict[str, tuple[str, float]] | None = None,
    ) -> None:
        """Ring each node in the colour of the version it serves (``active``: node -> version
        id) and show the key (``colours``: version -> colour, ``titles``: its hover text);
        ``splits`` (node -> (candidate version, its share)) adds a dashed outer ring for a
        canary or an A/B test that serves part of the node's requests."""
        key = [{"version": v, "colour": c, "title": titles.get(v, v)} for v, c in colours.items()]
        if key != self.version_key:
            self.version_key = key
        rings: dict[str, Any] = {
            node: {"version": version, "colour": colours.get(version, "#888888"),
                   "title": titles.get(version, version)}
            for node, version in active.items()
            if version
        }  # fmt: skip
        for node, (version, share) in (splits or {}).items():
            if node in rings and version != rings[node]["version"]:
                rings[node]["split"] = {
                    "version": version, "colour": colours.get(version, "#888888"),
                    "share": round(float(share), 4),
                }  # fmt: skip
        if rings != self.versions:
            self.versions = rings

    @traitlets.validate("failed")
    def _valid_failed(self, proposal: Any) -> Any:
        value = proposal["value"]
        if len(set(value)) != len(value):
            _fail("failed", "ids must be unique")
        return value

    # ------------------------------------------------------ requests (from JS)
    @traitlets.observe("drop_request")
    def _on_drop_request(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.drop(change["new"]["chip"], change["new"]["node"])

    @traitlets.observe("click")
    def _on_click(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.click_element(change["new"]["kind"], change["new"]["id"])

    @traitlets.observe("add_request")
    def _on_add_request(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.add(change["new"]["tier"], change["new"].get("x"))

    @traitlets.observe("connect_request")
    def _on_connect_request(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.connect(change["new"]["a"], change["new"]["b"])

    @traitlets.observe("move")
    def _on_move(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.move_node(change["new"]["id"], change["new"]["x"])

    @traitlets.observe("delete_request")
    def _on_delete_request(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.delete(change["new"]["kind"], change["new"]["id"])

    @traitlets.observe("undo_request")
    def _on_undo_request(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.undo()

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply state from the browser; bad data is reported, not just logged."""
        try:
            super().set_state(sync_data)
        except traitlets.TraitError as exc:
            self.say("error", f"the canvas sent bad data: {exc}")
