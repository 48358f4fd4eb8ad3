"""Tables and the ``summary.json`` section of a federated run (:class:`.rounds.FederatedRun`).

Bytes of a transfer are what its sender put on its first link (every attempt); a transfer
stopped by the end of its round counts what it had sent. Per link and per tier boundary, a
transfer counts what it put on each link of its way. ``centralised`` is the alternative: every
client ships its raw training data (``samples_per_client`` × ``sample_size``) once to the top
aggregator, over the same links.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..sim.results import boundary_name
from . import privacy
from .data import FEATURES

if TYPE_CHECKING:
    from .rounds import FederatedRun, Move


def _sent(moves: list[Move], direction: str, kind: str | None = None) -> float:
    return float(
        sum(
            m.transfer.sent
            for m in moves
            if m.direction == direction and (kind is None or m.kind == kind)
        )
    )


def rounds(run: FederatedRun) -> pd.DataFrame:
    """One row per closed round: times, test accuracy, clients, bytes up and down."""
    rows = []
    for state in run.rounds:
        if not state.closed:
            continue
        reconcile = [m for m in run.reconciles if m.round == state.index]
        rows.append(
            {
                "round": state.index + 1,
                "start_s": state.start_s,
                "end_s": state.end_s,
                "duration_s": state.end_s - state.start_s,
                "accuracy": state.accuracy,
                "picked": len(state.picked),
                "participants": state.updates,
                "quarantined": state.quarantined,
                "dropped": len(state.picked) - state.updates - state.quarantined,
                "bytes_up": _sent(state.moves, "up"),
                "bytes_down": _sent(state.moves, "down") + _sent(reconcile, "down"),
                "bytes_reconcile": _sent(reconcile, "down"),
            }
        )
    return pd.DataFrame(rows, columns=ROUND_COLUMNS)


ROUND_COLUMNS = [
    "round",
    "start_s",
    "end_s",
    "duration_s",
    "accuracy",
    "picked",
    "participants",
    "quarantined",
    "dropped",
    "bytes_up",
    "bytes_down",
    "bytes_reconcile",
]


def _moves(run: FederatedRun) -> list[Move]:
    return [m for s in run.rounds for m in s.moves] + run.reconciles


def link_bytes(run: FederatedRun) -> pd.DataFrame:
    """Bytes the federated transfers put on each link, up and down."""
    plan = run.sim.plan
    totals: dict[tuple[str, str], float] = {}
    for move in _moves(run):
        for link, sent in move.transfer.by_link.items():
            key = (plan.links[link].id, move.direction)
            totals[key] = totals.get(key, 0.0) + sent
    rows = [{"link": k[0], "direction": k[1], "bytes": v} for k, v in sorted(totals.items())]
    return pd.DataFrame(rows, columns=["link", "direction", "bytes"])


def _crossings(run: FederatedRun, link_ids: list[str]) -> tuple[list[str], bool]:
    """Tier boundaries the links cross, and whether one of them leaves a site (premises)."""
    plan = run.sim.plan
    scenario = run.sim.scenario
    by_id = {info.id: info for info in plan.links}
    names: list[str] = []
    leaves = False
    for link_id in link_ids:
        info = by_id[link_id]
        low, high = sorted(info.levels)
        names += [boundary_name(level) for level in range(low, high)]
        sites = {scenario.node(end).site for end in info.ends}
        leaves = leaves or len(sites) > 1
    return names, leaves


def boundaries(run: FederatedRun) -> dict[str, dict[str, float]]:
    """Per tier boundary (and ``premises``: links between sites or out of one): federated bytes
    up and down, and the bytes centralised training would send up."""
    out: dict[str, dict[str, float]] = {}

    def add(name: str, key: str, value: float) -> None:
        row = out.setdefault(name, {"up_bytes": 0.0, "down_bytes": 0.0, "centralised_bytes": 0.0})
        row[key] += value

    table = link_bytes(run)
    for row in table.itertuples():
        names, leaves = _crossings(run, [str(row.link)])
        for name in names + (["premises"] if leaves else []):
            add(name, f"{row.direction}_bytes", float(row.bytes))
    per_client = centralised_bytes(run) / max(1, len(run.clients))
    topo = run.sim.plan.topology
    for node, _ in run.clients:
        path = topo.path(node, run.top) or []
        names, leaves = _crossings(run, [hop.link for hop in path])
        for name in names + (["premises"] if leaves else []):
            add(name, "centralised_bytes", per_client)
    return out


def sample_bytes(run: FederatedRun) -> float:
    size = run.config.sample_size_bytes
    return float(size) if size is not None else 4.0 * len(FEATURES)


def centralised_bytes(run: FederatedRun) -> float:
    """Bytes of every client's raw training data (shipped up once)."""
    return len(run.clients) * run.config.samples_per_client * sample_bytes(run)


def epsilon(run: FederatedRun) -> float | None:
    """Epsilon at the configured delta over the closed rounds; None without privacy (no
    guarantee: epsilon is infinite)."""
    dp = run.config.privacy
    if dp is None:
        return None
    closed = sum(1 for s in run.rounds if s.closed)
    value = privacy.epsilon(dp.noise_multiplier, run.config.sample, closed, dp.delta)
    return None if math.isinf(value) else value


def summary(run: FederatedRun) -> dict[str, Any]:
    """The ``federated`` section of summary.json (keys documented in the README)."""
    table = rounds(run)
    dp = run.config.privacy
    return {
        "rounds": [
            {
                "accuracy": float(r.accuracy),
                "participants": int(r.participants),
                "quarantined": int(r.quarantined),
                "bytes_up": float(r.bytes_up),
                "bytes_down": float(r.bytes_down),
                "duration_s": float(r.duration_s),
            }
            for r in table.itertuples()
        ],
        "epsilon": epsilon(run),
        "delta": None if dp is None else dp.delta,
        "centralised_bytes": centralised_bytes(run),
    }
