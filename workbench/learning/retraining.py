"""Retraining as a job on real capacity.

After its trigger a job waits until ``samples`` labelled requests of the loop's workload have
arrived at the detector node, then sends ``samples`` x ``sample_size`` bytes from there to the
retrain node as an upward transfer on the real links (paced to ``bandwidth_share`` of each
link, pausing while a link is down and resuming from the last byte: the checkpoint machinery
of :mod:`workbench.control.transfers`). It then holds ``gpus`` servers (cards) of the retrain
node for

    samples x epochs x flops_per_sample / (gpus x fp16 dense peak x utilisation)

seconds, queued FIFO with inference on the same cards (which waits behind it), registers a new
version and rolls it out with the loop's rollout template.

Defaults: flops_per_sample = 3 x the forward operations (training ~ 6N FLOPs per token against
2N forward, Kaplan et al. 2020), utilisation 0.4 (an ASSUMPTION, below the 46 % model FLOPs
utilisation PaLM reports, Chowdhery et al. 2022).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..catalogue import TIER_IDS
from ..control.transfers import Gate, Transfer
from ..control.versions import NONE, VersionInfo
from ..policy import class_limit
from ..workloads import data_class, input_size_bytes
from .episodes import Episode

if TYPE_CHECKING:
    from .loops import LoopRun

TRAINING_TO_FORWARD = 3.0  # Kaplan et al. 2020: ~6N training vs ~2N forward FLOPs per token


class _Named:
    __slots__ = ("id",)

    def __init__(self, name: str) -> None:
        self.id = name


class RetrainJob:
    """The samples, upload, training and rollout of one episode."""

    def __init__(self, loop: LoopRun, episode: Episode) -> None:
        self.loop = loop
        self.sim = loop.sim
        self.episode = episode
        self.rollout = _Named(loop.loop.id)  # what a Transfer names in its events
        self._gates: dict[int, Gate] = {}
        self.transfer: Transfer | None = None
        self.replaced = NONE  # the version the new one replaces

    # ------------------------------------------------------------- samples
    def on_sample(self, now: float) -> None:
        episode = self.episode
        if episode.state != "waiting_for_samples":
            return
        episode.samples += 1
        if episode.samples >= self.loop.loop.retrain.samples:
            episode.samples_ready_s = now
            self.sim.record(
                "samples_ready", self.loop.loop.id, f"{episode.samples} labelled samples"
            )
            self._upload(now)

    # -------------------------------------------------------------- upload
    def sample_size(self) -> float:
        retrain = self.loop.loop.retrain
        if retrain.sample_size_bytes is not None:
            return retrain.sample_size_bytes
        workload = self.loop.workload
        label = workload.labels.size_bytes if workload.labels is not None else 0.0
        return input_size_bytes(workload, self.sim.catalogue) + label

    def route(self) -> tuple[Any, ...] | None:
        """The channels from the detector node up to the retrain node, through tiers the
        workload's data class may reach; None when there is no such way (residency)."""
        loop = self.loop
        source, target = loop.detector_node, loop.loop.retrain.node
        cat = self.sim.catalogue
        limit = class_limit(data_class(loop.workload, cat), cat)
        if TIER_IDS.index(self.sim.scenario.node(target).tier) + 1 > limit:
            return None
        if source == target:
            return ()
        steps: list[Any] = []
        reached = self.sim.plan.builder.hops(source, 0, target, 0.0, steps, limit=limit)
        return None if reached is None else tuple(steps)

    def gate(self, channel: Any) -> Gate:
        found = self._gates.get(id(channel))
        if found is None:
            share = self.loop.loop.retrain.bandwidth_share
            found = self._gates[id(channel)] = Gate(self.sim, share)
        return found

    def _upload(self, now: float) -> None:
        episode = self.episode
        route = self.route()
        if route is None:
            episode.state = "refused"
            self.sim.record(
                "retrain_refused",
                self.loop.loop.id,
                f"{self.loop.workload.id}'s data may not go to {self.loop.loop.retrain.node}",
            )
            return
        size = self.loop.loop.retrain.samples * self.sample_size()
        episode.state = "uploading"
        episode.upload_start_s = now
        self.transfer = Transfer(
            self,  # type: ignore[arg-type]  # the owner protocol of a rollout
            self.loop.loop.retrain.node,
            0,
            route,
            size,
            self.loop.loop.retrain.bandwidth_share,
            False,
        )
        self.transfer.start(now)

    def on_delivered(self, transfer: Transfer, now: float) -> None:
        """The samples are all at the retrain node: train."""
        episode = self.episode
        episode.upload_end_s = now
        episode.upload_bytes = transfer.sent
        episode.upload_by_link = dict(transfer.by_link)
        self.sim.record(
            "upload_end", self.loop.loop.id, f"{transfer.size_bytes / 1e9:.3g} GB of samples"
        )
        self._train(now)

    # ------------------------------------------------------------ training
    def training_s(self) -> float:
        """Seconds the job holds its cards."""
        loop = self.loop
        retrain = loop.loop.retrain
        cat = self.sim.catalogue
        flops = retrain.flops_per_sample
        if flops is None:
            flops = TRAINING_TO_FORWARD * cat.models[loop.model].ops_per_inference
        hardware = cat.hardware[self.sim.scenario.node(retrain.node).hardware]
        peak = (hardware.precision_ops or {}).get("fp16", hardware.peak_ops_per_s)
        return (
            retrain.samples * retrain.epochs * flops / (retrain.gpus * peak * retrain.utilisation)
        )

    def _train(self, now: float) -> None:
        retrain = self.loop.loop.retrain
        server = self.sim.plan.builder.server(retrain.node, 0)
        duration = self.training_s()
        gpus = min(retrain.gpus, server.servers)
        if server.free is None:
            start = max(now, server.free_at)
        else:  # all its cards at once: when the gpus-th earliest card is free
            start = max(now, sorted(server.free)[gpus - 1])
        for _ in range(gpus):
            server.serve(start, duration)
        episode = self.episode
        episode.state = "retraining"
        episode.retrain_start_s = start
        episode.gpu_s = gpus * duration
        self.sim.call_at(start, lambda: self._started(duration))
        self.sim.call_at(start + duration, self._trained)

    def _started(self, duration: float) -> None:
        self.sim.record(
            "retrain_start",
            self.loop.loop.id,
            f"{self.loop.loop.retrain.gpus} card(s) of {self.loop.loop.retrain.node} for "
            f"{duration:.4g} s",
        )

    def _trained(self) -> None:
        now = self.sim.now
        episode = self.episode
        episode.retrain_end_s = now
        loop = self.loop
        control = loop.learning.control
        book = control.book
        replaced = loop.serving_version()
        self.replaced = replaced
        base = book.versions[replaced] if replaced != NONE else None
        number = episode.number
        version_id = f"{loop.loop.id}-r{number}"
        accuracy = loop.loop.retrain.accuracy
        if accuracy is None:
            accuracy = base.accuracy if base is not None else episode.pre_accuracy
        size = base.size_bytes if base is not None else self._model_size()
        info = VersionInfo(
            len(book.versions), version_id, loop.model, f"r{number}", size, accuracy, None
        )
        loop.learning.register(info, episode.samples_ready_s)
        self.sim.record("retrain_end", loop.loop.id, f"{version_id}: true accuracy {accuracy:g}")
        targets = loop.targets()
        episode.version = version_id
        episode.targets = targets
        if not targets:
            return
        rollout = loop.loop.rollout_for(version_id, loop.loop.retrain.node, targets, version_id)
        episode.rollout = rollout.id
        episode.state = "rolling_out"
        control.schedule(rollout, now)
        loop.watch_recovery(episode)

    def _model_size(self) -> float:
        return self.sim.catalogue.models[self.loop.model].size_bytes()


def nan_or(value: float) -> float | None:
    return None if math.isnan(value) else value
