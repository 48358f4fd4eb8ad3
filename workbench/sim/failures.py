"""Failures: which elements an outage touches, when, and flipping their state.

A failure never deletes anything: it counts one outage on each touched :class:`Element`
(a link, or a node together with its links), which flips ``in_service`` on every instance, and
it is logged as an event. Random failures (MTBF/MTTR) are drawn from the run's own generator
when the run starts, so the same seed gives the same outages.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import Problem, ScenarioError
from ..scenario import Failure
from .stations import Element

if TYPE_CHECKING:
    from .plan import Plan


@dataclass(frozen=True)
class Outage:
    """One scheduled outage (or degradation) window of one failure entry."""

    label: str
    elements: tuple[Element, ...]
    start_s: float
    end_s: float
    kind: str  # down or degrade
    bandwidth_factor: float = 1.0
    extra_latency_s: float = 0.0


def _incident_links(plan: Plan, node_id: str) -> list[Element]:
    return [plan.link_elements[info.id] for info in plan.links if node_id in info.ends]


def elements_of(plan: Plan, failure: Failure) -> tuple[Element, ...]:
    """The link and node elements a failure entry touches."""
    scenario = plan.scenario
    if failure.link is not None:
        return (plan.link_elements[failure.link],)
    if failure.node is not None:
        return (plan.node_elements[failure.node], *_incident_links(plan, failure.node))
    if failure.site is not None:  # a site partition: every link leaving the site
        sites = {n.id: n.site for n in scenario.nodes}
        leaving = [
            info.id
            for info in plan.links
            if (sites[info.ends[0]] == failure.site) != (sites[info.ends[1]] == failure.site)
        ]
        return tuple(plan.link_elements[link] for link in leaving)
    nodes = [n.id for n in scenario.nodes if n.tier == failure.tier]
    touched: dict[str, Element] = {}
    for node in nodes:
        touched[node] = plan.node_elements[node]
        for link in _incident_links(plan, node):
            touched[f"link:{link.id}"] = link
    return tuple(touched.values())


def schedule(plan: Plan, rng: np.random.Generator) -> list[Outage]:
    """Every outage window of the scenario's failures within the run, in time order."""
    outages = []
    for failure in plan.scenario.failures:
        elements = elements_of(plan, failure)
        windows: list[tuple[float, float]] = []
        if failure.at_s is not None and failure.duration_s is not None:
            windows.append((failure.at_s, failure.at_s + failure.duration_s))
        elif failure.mtbf_s is not None and failure.mttr_s is not None:
            t = 0.0
            while True:
                t += float(rng.exponential(failure.mtbf_s))
                if t >= plan.until_s:
                    break
                repair = float(rng.exponential(failure.mttr_s))
                windows.append((t, t + repair))
                t += repair
        for start, end in windows:
            outages.append(
                Outage(
                    failure.label,
                    elements,
                    start,
                    end,
                    failure.kind,
                    failure.bandwidth_factor,
                    failure.extra_latency_s,
                )
            )
    return sorted(outages, key=lambda o: o.start_s)


def touched_by(plan: Plan, element_id: str) -> tuple[Element, ...]:
    """What failing ``element_id`` by hand takes down: a link, or a node with its links, exactly
    as a scripted ``{node: ...}`` or ``{link: ...}`` failure does."""
    element = find_element(plan, element_id)
    if element.kind == "node":
        return (element, *_incident_links(plan, element_id))
    return (element,)


def ends_of(plan: Plan, link: Element) -> tuple[Element, Element]:
    """The node elements at the two ends of ``link``."""
    ends = next(info.ends for info in plan.links if info.id == link.id)
    return plan.node_elements[ends[0]], plan.node_elements[ends[1]]


def holding_node(plan: Plan, link: Element, held: Collection[Element]) -> Element | None:
    """A node at an end of ``link`` that an outage holding ``held`` holds too: the outage
    took the link down with that node, so the link comes back with it."""
    return next((node for node in ends_of(plan, link) if node in held), None)


def released_by(plan: Plan, element: Element, held: Collection[Element]) -> tuple[Element, ...]:
    """What overriding ``element`` ends of an outage that still holds ``held`` (``element``
    among them): a link alone, unless a node at its end is held (then nothing: it comes back
    with the node); a node with those of its held links whose other end is not held."""
    if element.kind == "link":
        return () if holding_node(plan, element, held) else (element,)
    links = [
        link
        for link in _incident_links(plan, element.id)
        if link in held and all(n is element or n not in held for n in ends_of(plan, link))
    ]
    return (element, *links)


def find_element(plan: Plan, element_id: str) -> Element:
    """The link or node called ``element_id``; a clear error naming close ids otherwise."""
    if element_id in plan.link_elements:
        return plan.link_elements[element_id]
    if element_id in plan.node_elements:
        return plan.node_elements[element_id]
    known = [*plan.link_elements, *plan.node_elements]
    close = difflib.get_close_matches(element_id, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; links and nodes: {', '.join(known)}"
    raise ScenarioError([Problem("", f"no link or node {element_id!r}{hint}")])
