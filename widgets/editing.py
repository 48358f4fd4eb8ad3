"""Edits of a scenario, each checked before it is applied: the model behind the canvas.

:class:`ScenarioEditor` owns one :class:`~workbench.scenario.Scenario` (the single source of
truth) and changes it only through methods that check the result first: a stage placement
must pass :func:`~workbench.validation.validate_scenario` (the model fits, its data class may
go there, a path exists), and so must every topology edit. A refused edit raises
:class:`~widgets.status.EditRejected` with the reasons and leaves the scenario unchanged. After
each accepted edit the fast closed-form estimate (:func:`~workbench.analytic.estimate`) is
refreshed and every listener is told. :meth:`ScenarioEditor.undo` takes back the last accepted
edit (a placement, an added, moved, connected, deleted or updated element), one at a time.

No Jupyter here: tests and scripts drive the editor directly.

Examples
--------
>>> from workbench.loading import data_dir
>>> from workbench.scenario import load_scenario
>>> editor = ScenarioEditor(load_scenario(data_dir() / "scenarios" / "factory_floor.yaml"))
>>> editor.place("visual-inspection.classify", "plant-dc").accepted
True
>>> editor.scenario.placement["visual-inspection.classify"]
'plant-dc'
>>> try:
...     editor.place("bearing-wear.twin", "cloud")
... except EditRejected as exc:
...     print(exc.reasons[0][:75])
bearing-wear.twin cannot go on cloud: Confidential / operational technology
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workbench.advisor import advise
from workbench.analytic import Estimate, estimate
from workbench.catalogue import TIER_IDS, Catalogue
from workbench.errors import Problem
from workbench.loading import problems_from_validation_error
from workbench.scenario import (
    Position,
    Scenario,
    load_scenario,
    save_scenario,
    scenario_to_dict,
)
from workbench.validation import validate_scenario

from .status import EditRejected

__all__ = ["Edit", "EditRejected", "PlacementCheck", "ScenarioEditor"]

_PREFIX = {
    "far_edge": "dev",
    "aggregation_edge": "gw",
    "on_prem": "dc",
    "telco_edge": "mec",
    "cloud": "cloud",
}
# Link profile for a new link between two tier levels (lower, upper).
_PROFILES = {
    (1, 1): "industrial_ethernet",
    (1, 2): "industrial_ethernet",
    (1, 3): "campus_lan",
    (1, 4): "5g_urllc",
    (1, 5): "lte_4g",
    (2, 3): "campus_lan",
    (2, 4): "5g_embb",
    (2, 5): "mpls_wan",
    (3, 4): "metro_fibre",
    (3, 5): "mpls_wan",
    (2, 2): "campus_lan",
    (3, 3): "metro_fibre",
    (4, 4): "metro_fibre",
    (4, 5): "transcontinental",
    (5, 5): "transcontinental",
}
UNDO_DEPTH = 50
"""How many edits :meth:`ScenarioEditor.undo` can take back."""
# Fields of nodes and links the property panel may change, with their file names.
NODE_FIELDS = ("hardware", "count", "storage", "servers", "label", "site")
LINK_FIELDS = ("profile", "bandwidth", "downlink_bandwidth", "latency", "availability")


@dataclass(frozen=True)
class Edit:
    """What changed: ``kind`` is place, add, connect, move, delete, update, undo or load."""

    kind: str
    ids: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class _Undo:
    """How to take one accepted edit back: ``what`` names it ("adding mec1")."""

    what: str
    ids: tuple[str, ...]
    restore: Callable[[], None]


@dataclass
class PlacementCheck:
    """The verdict on placing stage ``key`` on ``node``."""

    key: str
    node: str
    accepted: bool
    reasons: list[str] = field(default_factory=list)  # why it is refused
    warnings: list[str] = field(default_factory=list)  # concerns about an accepted placement
    advice: str = ""  # what the advisor would choose
    latency_before_s: float | None = None
    latency_after_s: float | None = None

    def summary(self) -> str:
        """One line for the status area."""
        if not self.accepted:
            return f"{self.key} cannot go on {self.node}: " + "; ".join(self.reasons)
        text = f"{self.key} placed on {self.node}"
        if self.latency_after_s is not None:
            before = _ms(self.latency_before_s)
            text += f"; est. mean latency {before} → {_ms(self.latency_after_s)}"
        if self.warnings:
            text += "; note: " + "; ".join(self.warnings)
        if self.advice:
            text += f" ({self.advice})"
        return text


def _ms(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "unbounded" if seconds is not None else "n/a"
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def _rendered(problems: list[Problem]) -> list[str]:
    return [p.render() for p in problems]


class ScenarioEditor:
    """Checked edits of one scenario, with the estimate kept up to date.

    Parameters
    ----------
    scenario
        The scenario to edit, in place: it stays the same object across edits (a loaded file
        replaces it).
    catalogue
        The base catalogue (default: the shipped one); the scenario's own entries are added.
    """

    def __init__(self, scenario: Scenario, catalogue: Catalogue | None = None) -> None:
        self._base = catalogue
        self._listeners: list[Callable[[Edit], None]] = []
        self.locked: str | None = None
        self._undo: list[_Undo] = []
        self._set(scenario)

    def lock(self, reason: str) -> None:
        """Refuse every edit but moves, with ``reason`` (e.g. while a run uses the scenario)."""
        self.locked = reason

    def unlock(self) -> None:
        self.locked = None

    def _check_unlocked(self) -> None:
        if self.locked is not None:
            raise EditRejected([self.locked])

    # ------------------------------------------------------------------ state
    def _set(self, scenario: Scenario) -> None:
        self._undo.clear()  # another scenario: the old edits do not apply to it
        self.scenario = scenario
        self.catalogue = scenario.catalogue(self._base)
        self.problems: list[Problem] = validate_scenario(scenario, self._base, every_hop=True)
        self._refresh_estimate()

    def _refresh_estimate(self) -> None:
        self.estimate: Estimate | None = (
            None if self.problems else estimate(self.scenario, self.catalogue)
        )

    def on_change(self, callback: Callable[[Edit], None]) -> None:
        """Call ``callback(edit)`` after every accepted edit."""
        self._listeners.append(callback)

    def _notify(self, edit: Edit) -> None:
        for callback in list(self._listeners):
            callback(edit)

    def _commit(self, candidate: Scenario, problems: list[Problem], edit: Edit, what: str) -> None:
        """Make ``candidate``'s content the scenario's (same object), refresh, notify."""
        fields = type(self.scenario).model_fields
        old = {name: getattr(self.scenario, name) for name in fields}

        def restore() -> None:
            for name, value in old.items():
                setattr(self.scenario, name, value)

        self._remember(what, edit.ids, restore)
        for name in fields:
            value = getattr(candidate, name)
            if getattr(self.scenario, name) is not value:
                setattr(self.scenario, name, value)
        self.catalogue = self.scenario.catalogue(self._base)
        self.problems = problems
        self._refresh_estimate()
        self._notify(edit)

    def _new_problems(self, candidate: Scenario) -> tuple[list[Problem], list[Problem]]:
        after = validate_scenario(candidate, self._base, every_hop=True)
        before = set(self.problems)
        return after, [p for p in after if p not in before]

    # --------------------------------------------------------------- placement
    def check_placement(self, key: str, node_id: str) -> PlacementCheck:
        """Would placing stage ``key`` ('workload.stage') on ``node_id`` be accepted?"""
        return self._judge(key, node_id)[0]

    def _judge(
        self, key: str, node_id: str
    ) -> tuple[PlacementCheck, Scenario | None, list[Problem], Estimate | None]:
        """The check, and for an accepted one the candidate with its problems and estimate."""
        scenario = self.scenario
        check = PlacementCheck(key, node_id, accepted=False)
        workload_id, _, stage_id = key.partition(".")
        try:
            workload = scenario.workload(workload_id)
        except KeyError:
            check.reasons.append(f"no workload {workload_id!r} in the scenario")
            return check, None, [], None
        if stage_id not in {s.id for s in workload.stages}:
            check.reasons.append(f"workload {workload_id!r} has no stage {stage_id!r}")
            return check, None, [], None
        if node_id not in {n.id for n in scenario.nodes}:
            check.reasons.append(f"no node {node_id!r} in the scenario")
            return check, None, [], None
        candidate = scenario.model_copy(update={"placement": {**scenario.placement, key: node_id}})
        after, new = self._new_problems(candidate)
        if new:
            check.reasons.extend(p.message for p in new)
            return check, None, [], None
        check.accepted = True
        est_after = estimate(candidate, self.catalogue) if not after else None
        if self.estimate is not None:
            check.latency_before_s = self.estimate.workloads[workload_id].latency_s
        if est_after is not None:
            check.latency_after_s = est_after.workloads[workload_id].latency_s
            busy = est_after.node_utilisation.get(node_id, 0.0)
            if busy >= 1:
                check.warnings.append(f"{node_id} would be overloaded ({busy:.0%} busy)")
        # The advisor's three questions for this workload alone (fast on large scenarios).
        alone = candidate.model_copy(update={"workloads": [workload]})
        for advice in advise(alone, self.catalogue):
            if advice.key != key:
                continue
            if advice.placed is not None:
                check.warnings.extend(
                    r for r in advice.placed.reasons if not r.startswith("compute overloaded")
                )
            if advice.advised_tier is not None and advice.advised_node != node_id:
                check.advice = f"advisor suggests {advice.advised_node} ({advice.advised_tier})"
        return check, candidate, after, est_after

    def place(self, key: str, node_id: str) -> PlacementCheck:
        """Place stage ``key`` on ``node_id``; raises :class:`EditRejected` if not allowed."""
        self._check_unlocked()
        if self.scenario.placement.get(key) == node_id:
            return PlacementCheck(key, node_id, accepted=True, warnings=["already there"])
        check, _, after, est_after = self._judge(key, node_id)
        if not check.accepted:
            raise EditRejected([f"{key} cannot go on {node_id}: {r}" for r in check.reasons])
        placement = self.scenario.placement
        previous = placement.get(key)

        def restore() -> None:
            if previous is None:
                self.scenario.placement.pop(key, None)
            else:
                self.scenario.placement[key] = previous

        self._remember(f"placing {key} on {node_id}", (key, node_id), restore)
        placement[key] = node_id  # in place: same scenario, same dict
        self.problems = after
        self.estimate = est_after
        self._notify(Edit("place", (key, node_id), check.summary()))
        return check

    def place_all(self, placement: dict[str, str], what: str) -> int:
        """Re-place several stages at once (one edit, one undo), e.g. the optimiser's answer;
        raises :class:`EditRejected` if the result would have new problems. Returns how many
        stages moved."""
        self._check_unlocked()
        moved = {k: v for k, v in placement.items() if self.scenario.placement.get(k) != v}
        if not moved:
            return 0
        candidate = self.scenario.model_copy(
            update={"placement": {**self.scenario.placement, **moved}}
        )
        after, new = self._new_problems(candidate)
        if new:
            raise EditRejected(_rendered(new))
        self._commit(candidate, after, Edit("place", tuple(moved), what), what)
        return len(moved)

    # ---------------------------------------------------------------- topology
    def _apply(self, mutate: Callable[[dict[str, Any]], None], edit: Edit, what: str = "") -> None:
        """Apply ``mutate`` to the scenario's file data; commit if the result is valid."""
        self._check_unlocked()
        data = scenario_to_dict(self.scenario)
        mutate(data)
        try:
            candidate = Scenario.model_validate(data)
        except ValidationError as exc:
            raise EditRejected(_rendered(problems_from_validation_error(exc, Scenario))) from None
        after, new = self._new_problems(candidate)
        if new:
            raise EditRejected(_rendered(new))
        self._commit(candidate, after, edit, what or edit.text)

    def _index(self, kind: str, item_id: str) -> int:
        ids = (
            [n.id for n in self.scenario.nodes]
            if kind == "node"
            else [link.key for link in self.scenario.links]
        )
        if item_id in ids:
            return ids.index(item_id)
        raise EditRejected([f"no {kind} {item_id!r} in the scenario"])

    def default_hardware(self, tier: str) -> str:
        """The first catalogue hardware of ``tier`` (what a new node gets)."""
        for hardware in self.catalogue.hardware.values():
            if hardware.tier == tier:
                return hardware.id
        raise EditRejected([f"the catalogue has no hardware for tier {tier!r}"])

    def add_node(
        self,
        tier: str,
        x: float | None = None,
        *,
        hardware: str | None = None,
        node_id: str | None = None,
    ) -> str:
        """Add a node to ``tier``'s lane at slot ``x``; returns its id."""
        self._check_unlocked()
        if tier not in TIER_IDS:
            raise EditRejected([f"unknown tier {tier!r}; one of {', '.join(TIER_IDS)}"])
        taken = {n.id for n in self.scenario.nodes}
        if node_id is None:
            number = 1
            while f"{_PREFIX[tier]}{number}" in taken:
                number += 1
            node_id = f"{_PREFIX[tier]}{number}"
        elif node_id in taken:
            raise EditRejected([f"a node {node_id!r} exists already; choose another id"])
        node: dict[str, Any] = {
            "id": node_id,
            "tier": tier,
            "hardware": hardware or self.default_hardware(tier),
        }
        if x is not None:
            if not math.isfinite(x):
                raise EditRejected([f"position x must be a finite number, got {x!r}"])
            node["position"] = {"x": float(x), "y": float(self.catalogue.tier_level(tier))}
        self._apply(
            lambda d: d["nodes"].append(node),
            Edit("add", (node_id,), f"added {node_id}"),
            f"adding {node_id}",
        )
        return node_id

    def connect(self, a: str, b: str, *, profile: str | None = None) -> str:
        """Link nodes ``a`` and ``b`` (the lower tier first); returns the link's id."""
        self._check_unlocked()
        nodes = {n.id: n for n in self.scenario.nodes}
        for end in (a, b):
            if end not in nodes:
                raise EditRejected([f"no node {end!r} in the scenario"])
        if a == b:
            raise EditRejected(["a link must join two different nodes"])
        level = self.catalogue.tier_level
        if level(nodes[a].tier) > level(nodes[b].tier):
            a, b = b, a
        for existing in self.scenario.links:
            if set(existing.ends) == {a, b}:
                raise EditRejected([f"{a} and {b} are linked already (by {existing.key})"])
        link_id = f"{a}--{b}"
        taken = {link.key for link in self.scenario.links}
        number = 2
        while link_id in taken:
            link_id, number = f"{a}--{b}-{number}", number + 1
        levels = (level(nodes[a].tier), level(nodes[b].tier))
        link = {"id": link_id, "ends": [a, b], "profile": profile or _PROFILES[levels]}
        self._apply(
            lambda d: d["links"].append(link),
            Edit("connect", (link_id,), link_id),
            f"linking {a} and {b}",
        )
        return link_id

    def move(self, node_id: str, x: float) -> None:
        """Move a node along its lane to slot ``x`` (kept in the scenario as its position)."""
        if not isinstance(x, int | float) or not math.isfinite(x):
            raise EditRejected([f"position x must be a finite number, got {x!r}"])
        node = self.scenario.nodes[self._index("node", node_id)]
        previous = node.position

        def restore() -> None:
            for each in self.scenario.nodes:
                if each.id == node_id:
                    each.position = previous

        self._remember(f"moving {node_id}", (node_id,), restore)
        node.position = Position(x=float(x), y=float(self.catalogue.tier_level(node.tier)))
        self._notify(Edit("move", (node_id,), f"moved {node_id}"))

    def delete(self, kind: str, item_id: str) -> None:
        """Delete a node (with its links) or a link, if the scenario stays valid."""
        self._check_unlocked()
        if kind == "link":
            index = self._index("link", item_id)
            self._apply(
                lambda d: d["links"].pop(index),
                Edit("delete", (item_id,), f"deleted {item_id}"),
                f"deleting link {item_id}",
            )
            return
        if kind != "node":
            raise EditRejected([f"can delete a node or a link, not a {kind!r}"])
        self._index("node", item_id)
        users = self._users(item_id)
        if users:
            raise EditRejected(
                [f"{item_id} is still used by {', '.join(users)}; move or remove those first"]
            )
        links = [link.key for link in self.scenario.links if item_id in link.ends]

        def remove(data: dict[str, Any]) -> None:
            data["nodes"] = [n for n in data["nodes"] if n["id"] != item_id]
            data["links"] = [link for link in data.get("links", []) if item_id not in link["ends"]]

        self._apply(
            remove, Edit("delete", (item_id, *links), f"deleted {item_id}"), f"deleting {item_id}"
        )

    def _users(self, node_id: str) -> list[str]:
        s = self.scenario
        users = [f"stage {key}" for key, node in s.placement.items() if node == node_id]
        for w in s.workloads:
            if w.source.node == node_id:
                users.append(f"the source of {w.id}")
            if w.sink == node_id:
                users.append(f"the sink of {w.id}")
            users += [
                f"the fallback of {w.id}.{st.id}"
                for st in w.stages
                if st.fallback and st.fallback.node == node_id
            ]
        users += [f"flow {f.id}" for f in s.flows if node_id in (f.origin, *f.targets)]
        users += [f"failure {f.label}" for f in s.failures if f.node == node_id]
        return users

    def update_node(self, node_id: str, **fields: Any) -> None:
        """Change a node's ``hardware``, ``count``, ``storage`` ('4 MB'), ``servers``, ``label``
        or ``site``; an empty value resets the field to its default."""
        self._update("node", node_id, NODE_FIELDS, fields)

    def update_link(self, link_id: str, **fields: Any) -> None:
        """Change a link's ``profile``, ``bandwidth`` ('100 Mbit/s'), ``downlink_bandwidth``,
        ``latency`` ('2 ms') or ``availability``; an empty value falls back to the profile."""
        self._update("link", link_id, LINK_FIELDS, fields)

    def _update(
        self, kind: str, item_id: str, allowed: tuple[str, ...], fields: dict[str, Any]
    ) -> None:
        unknown = sorted(set(fields) - set(allowed))
        if unknown:
            raise EditRejected([f"{kind} has no editable field {', '.join(map(repr, unknown))}"])
        index = self._index(kind, item_id)
        where = "nodes" if kind == "node" else "links"

        def change(data: dict[str, Any]) -> None:
            item = data[where][index]
            for name, value in fields.items():
                if value is None or (isinstance(value, str) and not value.strip()):
                    item.pop(name, None)
                else:
                    item[name] = value.strip() if isinstance(value, str) else value

        try:
            self._apply(
                change,
                Edit("update", (item_id,), f"updated {item_id}"),
                f"changing {kind} {item_id} ({', '.join(fields)})",
            )
        except EditRejected as exc:  # name the element rather than its index
            prefix = f"{where}[{index}]."
            raise EditRejected(
                [f"{kind} {item_id}: {r.removeprefix(prefix)}" for r in exc.reasons]
            ) from None

    # ------------------------------------------------------------------ undo
    def _remember(self, what: str, ids: tuple[str, ...], restore: Callable[[], None]) -> None:
        self._undo.append(_Undo(what, ids, restore))
        del self._undo[:-UNDO_DEPTH]

    @property
    def can_undo(self) -> str:
        """What :meth:`undo` would take back ("adding mec1"), or "" if nothing."""
        return self._undo[-1].what if self._undo else ""

    def undo(self) -> str:
        """Take back the last accepted edit; returns what was undone ("adding mec1").

        Raises :class:`EditRejected` when there is nothing to undo or the editor is locked.
        """
        self._check_unlocked()
        if not self._undo:
            raise EditRejected(["There is nothing to undo."])
        last = self._undo.pop()
        last.restore()
        self.catalogue = self.scenario.catalogue(self._base)
        self.problems = validate_scenario(self.scenario, self._base, every_hop=True)
        self._refresh_estimate()
        self._notify(Edit("undo", last.ids, f"undid {last.what}"))
        return last.what

    def free_slot(self, tier: str, xs: dict[str, float]) -> float:
        """A free lane slot for a new node of ``tier``, given every node's drawn ``x``: one
        slot right of the lane's last node, or right of the whole drawing if the lane is empty
        (the middle of an empty lane is where the links between the lanes around it cross)."""
        in_lane = [xs[n.id] for n in self.scenario.nodes if n.tier == tier and n.id in xs]
        pool = in_lane or list(xs.values())
        return float(max(pool) + 1) if pool else 0.0

    # ------------------------------------------------------------------ files
    def load(self, path: Path | str) -> None:
        """Replace the scenario with the one in ``path`` (raises ScenarioError if invalid)."""
        self._check_unlocked()
        scenario = load_scenario(path)
        self._set(scenario)
        self._notify(Edit("load", (), f"loaded {path}"))

    def save(self, path: Path | str) -> None:
        """Write the scenario to ``path`` as YAML."""
        save_scenario(self.scenario, path)

    def replace(self, scenario: Scenario) -> None:
        """Edit another scenario object from now on."""
        self._set(scenario)
        self._notify(Edit("load", (), f"scenario {scenario.name}"))
