"""Model versions and what each node instance runs.

A :class:`Slot` is one model on one node instance: the versions installed in its local store,
the active one, and (during a canary or an A/B test) a candidate serving a share of requests.
Every change is appended to the shared history, from which the version timeline is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalogue import Catalogue
from ..scenario import ModelVersion, Scenario

NONE = -1


@dataclass(frozen=True)
class VersionInfo:
    """A declared version, with its checkpoint size resolved from the catalogue if not given."""

    index: int
    id: str
    model: str
    version: str
    size_bytes: float
    accuracy: float
    claimed_accuracy: float | None


def checkpoint_size(version: ModelVersion, cat: Catalogue) -> float:
    """Bytes of ``version``'s checkpoint: as declared, else the model's default size."""
    if version.size_bytes is not None:
        return version.size_bytes
    return cat.models[version.model].size_bytes()


def version_table(scenario: Scenario, cat: Catalogue) -> list[VersionInfo]:
    """Every declared version, in declaration order."""
    return [
        VersionInfo(
            i, v.id, v.model, v.version, checkpoint_size(v, cat), v.accuracy, v.claimed_accuracy
        )
        for i, v in enumerate(scenario.model_versions)
    ]


@dataclass
class Slot:
    """One model on one node instance."""

    node: str
    instance: int
    model: str
    history: list[tuple[float, str, int, str, int, int, float]]  # shared by every slot
    installed: list[int] = field(default_factory=list)
    active: int = NONE
    candidate: int = NONE
    share: float = 0.0  # of requests the candidate serves
    switches: int = 0

    def pick(self, u: float) -> int:
        """The version that serves a request, given a uniform draw ``u``."""
        if self.candidate != NONE and u < self.share:
            return self.candidate
        return self.active

    def _log(self, now: float) -> None:
        self.history.append(
            (now, self.node, self.instance, self.model, self.active, self.candidate, self.share)
        )

    def install(self, version: int) -> None:
        if version not in self.installed:
            self.installed.append(version)

    def activate(self, version: int, now: float, *, replace: bool = True) -> None:
        """Serve ``version`` from now on; with ``replace``, remove the old one from the store."""
        old = self.active
        self.install(version)
        if old != version:
            self.switches += 1
            if replace and old != NONE and old in self.installed:
                self.installed.remove(old)
        self.active = version
        if self.candidate == version:
            self.candidate, self.share = NONE, 0.0
        self._log(now)

    def try_out(self, version: int, share: float, now: float) -> None:
        """Serve ``version`` next to the active one, for ``share`` of requests."""
        self.install(version)
        if self.active == NONE:  # nothing to compare with: it simply serves
            self.activate(version, now)
            return
        self.candidate, self.share = version, share
        self._log(now)

    def withdraw(self, now: float, *, remove: bool = True) -> None:
        """Stop the candidate (roll back); ``remove`` deletes it from the store."""
        if self.candidate != NONE and remove and self.candidate in self.installed:
            self.installed.remove(self.candidate)
        self.candidate, self.share = NONE, 0.0
        self._log(now)


class NodeVersions:
    """The slots of every node instance, created on first use."""

    def __init__(self, versions: list[VersionInfo]) -> None:
        self.versions = versions
        self.by_id = {v.id: v for v in versions}
        self.history: list[tuple[float, str, int, str, int, int, float]] = []
        self.slots: dict[tuple[str, int, str], Slot] = {}

    def slot(self, node: str, instance: int, model: str) -> Slot:
        key = (node, instance, model)
        found = self.slots.get(key)
        if found is None:
            found = self.slots[key] = Slot(node, instance, model, self.history)
        return found

    def install_initial(self, scenario: Scenario, counts: dict[str, int]) -> None:
        """The versions each node lists at the start; the first of each model serves."""
        for node in scenario.nodes:
            for version_id in node.versions:
                info = self.by_id[version_id]
                for instance in range(counts[node.id]):
                    slot = self.slot(node.id, instance, info.model)
                    if slot.active == NONE:
                        slot.active = info.index
                        slot.install(info.index)
                        slot._log(0.0)
                    else:
                        slot.install(info.index)

    def active_by_node(self) -> dict[str, str]:
        """Per node: the version most of its instances serve now (ids joined by '+' when a
        node serves several versioned models)."""
        tally: dict[str, dict[str, int]] = {}
        for (node, _, _), slot in self.slots.items():
            if slot.active == NONE:
                continue
            version = self.versions[slot.active].id
            counts = tally.setdefault(node, {})
            counts[version] = counts.get(version, 0) + 1
        out: dict[str, str] = {}
        for node, counts in tally.items():
            models: dict[str, tuple[int, str]] = {}
            for version, count in counts.items():
                model = self.by_id[version].model
                if model not in models or count > models[model][0]:
                    models[model] = (count, version)
            out[node] = "+".join(v for _, v in models.values())
        return out

    def label(self, index: int) -> str:
        return "" if index == NONE else self.versions[index].id
