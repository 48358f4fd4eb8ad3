"""The fast plane's compiled inner loop (numba): requests through FIFO links and c-server nodes.

The same walk as the reference engine's (:meth:`workbench.sim.engine.WorkloadRun._walk`), on
arrays instead of Python objects: a request takes the steps of its route in turn; a link
direction instance is one FIFO transmitter then a propagation delay; a node instance has ``c``
parallel FIFO servers (a binary heap of the times they come free); where the next step lies in
the future and its station is shared, the request waits in the event heap. Requests are created
in time order from a pre-drawn table of arrivals; steps that only the request's own device uses
(:attr:`WorkloadPlan.prefixes`) are taken at once, as the reference engine does. Service times
and forward draws come from numba's own generator, seeded from the run's seed. With failures,
the loop stops where a request meets a station out of service and hands it to the caller
(:mod:`.detours`), which decides with the reference engine's degraded mode.

This module imports numba at import time: :mod:`workbench.sim.fast` catches the ImportError and
runs the reference engine instead.
"""

from __future__ import annotations

import numpy as np
from numba import njit

CHANNEL, SERVER, SEGMENT, FALLBACK = 0, 1, 2, 3  # as in workbench.sim.plan
DETERMINISTIC, EXPONENTIAL, LOGNORMAL = 0, 1, 2
PRIMARY, SERVED_BY_FALLBACK, DROPPED_DEADLINE, DROPPED_NODE_DOWN = 1, 2, 4, 6  # degraded.py
STAGE_CODES = 128  # stages per workload, at most (int8 stage indices)


@njit(cache=True)
def _spread(
    bins: np.ndarray, row: int, bin_s: float, start: float, end: float, amount: float
) -> None:
    """Add ``amount``, spent evenly over [start, end], to the time bins of ``row`` (as
    :func:`workbench.sim.stations.spread`; bins past the end are ignored)."""
    n_bins = bins.shape[1]
    first = int(start / bin_s)
    if first == int(end / bin_s):
        if first < n_bins:
            bins[row, first] += amount
        return
    rate = amount / (end - start)
    index = first
    t = start
    while t < end and index < n_bins:
        upper = min(end, (index + 1) * bin_s)
        bins[row, index] += rate * (upper - t)
        t = upper
        index += 1


@njit(cache=True)
def _heap_push(times, seqs, reqs, poss, size, when, seq, req, pos):  # type: ignore[no-untyped-def]
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if times[parent] < when or (times[parent] == when and seqs[parent] < seq):
            break
        times[i], seqs[i], reqs[i], poss[i] = (
            times[parent],
            seqs[parent],
            reqs[parent],
            poss[parent],
        )
        i = parent
    times[i], seqs[i], reqs[i], poss[i] = when, seq, req, pos


@njit(cache=True)
def _heap_pop(times, seqs, reqs, poss, size):  # type: ignore[no-untyped-def]
    """Remove the root of a heap of ``size`` entries (the caller has read it)."""
    size -= 1
    when, seq, req, pos = times[size], seqs[size], reqs[size], poss[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and (
            times[child + 1] < times[child]
            or (times[child + 1] == times[child] and seqs[child + 1] < seqs[child])
        ):
            child += 1
        if when < times[child] or (when == times[child] and seq < seqs[child]):
            break
        times[i], seqs[i], reqs[i], poss[i] = times[child], seqs[child], reqs[child], poss[child]
        i = child
    times[i], seqs[i], reqs[i], poss[i] = when, seq, req, pos


@njit(cache=True)
def _serve(free: np.ndarray, offset: int, servers: int, now: float, service: float):  # type: ignore[no-untyped-def]
    """FIFO on ``servers`` parallel servers whose free times are a min-heap at
    ``free[offset:offset + servers]``: return (start, done) and update the heap."""
    earliest = free[offset]
    start = now if now > earliest else earliest
    done = start + service
    if servers == 1:
        free[offset] = done
        return start, done
    i = 0  # heapreplace: the root becomes `done`, sifted down
    while True:
        child = 2 * i + 1
        if child >= servers:
            break
        if child + 1 < servers and free[offset + child + 1] < free[offset + child]:
            child += 1
        if done <= free[offset + child]:
            break
        free[offset + i] = free[offset + child]
        i = child
    free[offset + i] = done
    return start, done


@njit(cache=True)
def run_plane(  # type: ignore[no-untyped-def]
    created,
    workload,
    device,
    first,
    until,
    seed,
    route_len,
    route_step,
    route_sbase,
    step_kind,
    step_value,
    step_carry,
    step_service,
    route_station,
    req_route,
    prefix_base,
    prefixes,
    stage_dist,
    stage_a,
    stage_b,
    stage_forward,
    deadline,
    st_seconds_per_byte,
    st_latency,
    st_servers,
    st_offset,
    st_row,
    st_up,
    source_up,
    free,
    st_bytes,
    bins,
    bin_s,
    h_time,
    h_seq,
    h_req,
    h_pos,
    counters,
    clock,
    end,
    outcome,
    last_stage,
    kept,
    stage_times,
    stopped,
    carrying,
    via_fallback,
    fallback_at,
    bytes_sent,
    bytes_received,
    bytes_dropped,
):
    """Run up to ``until``: the requests ``first``.. (arrays sorted by creation time) arrive,
    the ones before ``first`` are already on their way in the event heap (``h_*``, with
    ``counters`` = [entries, next sequence number, ...]); fill the output arrays and return the
    heap (grown if it had to), whose entries (request, step) are the requests still on their
    way. A run in pieces (streaming) calls it once per piece, with the stations' state kept.
    ``counters[2]`` is set to the next request to arrive.

    Routes: route ``r`` has ``route_len[r]`` steps, step ``p`` at ``route_step[r] + p`` of the
    ``step_*`` arrays: its kind, its value (bytes, or the stage index), the bytes of the message
    a request carries on reaching it (``p = len``: past the last step), and for a stage served
    by its fallback model, the service time. Routes ``0..W-1`` are the workloads' own: device
    ``d``'s station at step ``p`` of workload ``w``'s is ``route_station[route_sbase[w] + d *
    route_len[w] + p]``, and it may take its first ``prefixes[prefix_base[w] + d]`` steps at
    once. ``seed`` >= 0 seeds the generator (the first piece); a later piece passes -1 and
    carries on with the same stream.

    Workload ``w``'s requests older than ``deadline[w]`` (inf: none) when they reach a step
    are dropped there (``stopped``: that step), with the message they carry, as
    :meth:`WorkloadRun._walk` does.

    With failures (``carrying`` has a slot per request; empty otherwise) a request follows
    route ``req_route[g]`` (a route made during the run, from ``W`` on, has its own stations
    from ``route_sbase[r]``), carries ``carrying[g]`` bytes, is dropped on arrival while its
    source node is down (``source_up[w]`` 0), and serves ``FALLBACK`` steps with the fallback
    model (``via_fallback``; ``fallback_at``: station * ``STAGE_CODES`` + stage). When a
    request reaches a station out of service (``st_up`` 0) the loop stops before the step, with
    ``counters[3:6]`` = [1, request, step] and ``clock`` = [the request's time, the loop's
    time] (a request's own steps may run ahead of the loop): the caller decides what
    it does (reroute, fall back, wait in a store, drop; :mod:`workbench.sim.degraded`) and
    calls again.
    """
    if seed >= 0:
        np.random.seed(seed)
    n = created.shape[0]
    capacity = h_time.shape[0]
    owned = stage_dist.shape[0]  # routes below this are the workloads' own
    track = carrying.shape[0] > 0
    size = counters[0]
    sequence = counters[1]
    counters[3] = 0
    stop = False
    i = first
    while True:
        next_arrival = created[i] if i < n else np.inf
        if size > 0 and h_time[0] < next_arrival:
            if h_time[0] >= until:
                break
            now = h_time[0]
            g = h_req[0]
            pos = h_pos[0]
            _heap_pop(h_time, h_seq, h_req, h_pos, size)
            size -= 1
            inline = 0
            if now - created[g] > deadline[workload[g]]:
                w = workload[g]
                end[g] = now
                outcome[g] = DROPPED_DEADLINE
                stopped[g] = pos
                if track:
                    bytes_dropped[w] += carrying[g]
                    carrying[g] = 0.0
                else:
                    bytes_dropped[w] += step_carry[route_step[w] + pos]
                continue
        else:
            if next_arrival >= until:
                break
            g = i
            i += 1
            now = next_arrival
            pos = 0
            inline = prefixes[prefix_base[workload[g]] + device[g]]
            if track and source_up[workload[g]] == 0:  # the device is off: no data is made
                end[g] = now
                outcome[g] = DROPPED_NODE_DOWN
                stopped[g] = 0
                continue
        t_event = now  # the loop's time: a request's own steps may run ahead of it
        w = workload[g]
        r = req_route[g] if track else w
        length = route_len[r]
        kb = route_step[r]
        sb = route_sbase[r] + (device[g] * length if r < owned else 0)
        waiting = False
        finished = False
        when = 0.0
        while pos < length:
            kind = step_kind[kb + pos]
            s = route_station[sb + pos]
            value = step_value[kb + pos]
            if track and st_up[s] == 0:
                counters[3] = 1
                counters[4] = g
                counters[5] = pos
                clock[0] = now
                clock[1] = t_event
                stop = True
                break
            pos += 1
            if kind == CHANNEL or kind == SEGMENT:  # noqa: SIM109 - plain compares in numba
                if kind == SEGMENT:
                    bytes_sent[w] += value
                    if track:
                        carrying[g] = value
                offset = st_offset[s]
                start = now if now > free[offset] else free[offset]
                sent = start + value * st_seconds_per_byte[s]
                free[offset] = sent
                st_bytes[s] += value
                _spread(bins, st_row[s], bin_s, start, sent, value)
                arrive = sent + st_latency[s]
                if arrive > now and pos >= inline:
                    when = arrive
                    waiting = True
                    break
                now = arrive
                continue
            if track:
                bytes_received[w] += carrying[g]
                carrying[g] = 0.0
            else:
                bytes_received[w] += step_carry[kb + pos - 1]
            k = int(value)
            if kind == FALLBACK:
                service = step_service[kb + pos - 1]
                via_fallback[g] = 1
                fallback_at[g] = s * STAGE_CODES + k
            else:
                dist = stage_dist[w, k]
                if dist == DETERMINISTIC:
                    service = stage_a[w, k]
                elif dist == EXPONENTIAL:
                    service = np.random.exponential(stage_a[w, k])
                else:
                    service = np.random.lognormal(stage_a[w, k], stage_b[w, k])
            start, done = _serve(free, st_offset[s], st_servers[s], now, service)
            _spread(bins, st_row[s], bin_s, start, done, service)
            stage_times[3 * k, g] = now
            stage_times[3 * k + 1, g] = start
            stage_times[3 * k + 2, g] = done
            last_stage[g] = k
            share = stage_forward[w, k]
            if pos == length or (share < 1.0 and np.random.random() >= share):
                if pos != length:
                    kept[g] = 1
                end[g] = done
                outcome[g] = SERVED_BY_FALLBACK if track and via_fallback[g] else PRIMARY
                finished = True
                break
            if kind == FALLBACK or (done > now and pos >= inline):
                when = done
                waiting = True
                break
            now = done
        if stop:
            break
        if waiting:
            if size == capacity:
                capacity *= 2
                h_time = _grown(h_time, capacity)
                h_seq = _grown(h_seq, capacity)
                h_req = _grown(h_req, capacity)
                h_pos = _grown(h_pos, capacity)
            _heap_push(h_time, h_seq, h_req, h_pos, size, when, sequence, g, pos)
            size += 1
            sequence += 1
        elif not finished:  # past the last step (a sink leg ends it)
            if track:
                bytes_received[w] += carrying[g]
                carrying[g] = 0.0
            else:
                bytes_received[w] += step_carry[kb + length]
            end[g] = now
            outcome[g] = SERVED_BY_FALLBACK if track and via_fallback[g] else PRIMARY
    counters[0] = size
    counters[1] = sequence
    counters[2] = i
    return h_time, h_seq, h_req, h_pos


@njit(cache=True)
def push(h_time, h_seq, h_req, h_pos, counters, when, req, pos):  # type: ignore[no-untyped-def]
    """Put request ``req`` on the heap to reach step ``pos`` at ``when`` (from outside the
    loop: a request that resumes after a wait or on a new route); return the heap."""
    size = counters[0]
    if size == h_time.shape[0]:
        capacity = 2 * size
        h_time = _grown(h_time, capacity)
        h_seq = _grown(h_seq, capacity)
        h_req = _grown(h_req, capacity)
        h_pos = _grown(h_pos, capacity)
    _heap_push(h_time, h_seq, h_req, h_pos, size, when, counters[1], req, pos)
    counters[0] = size + 1
    counters[1] += 1
    return h_time, h_seq, h_req, h_pos


@njit(cache=True)
def _grown(array, capacity):  # type: ignore[no-untyped-def]
    out = np.empty(capacity, array.dtype)
    out[: array.shape[0]] = array
    return out


@njit(cache=True)
def fold(  # type: ignore[no-untyped-def]
    created,
    owner,
    end,
    outcome,
    stage_times,
    stages,
    warmup,
    until,
    bin_s,
    slo,
    log_low,
    per_decade,
    completed,
    dropped,
    in_flight,
    latency_sum,
    latency_max,
    over_slo,
    histogram,
    done_per_bin,
    latency_per_bin,
    stage_sums,
    stage_counts,
):
    """Add the decided requests of one piece of a streaming run to its aggregates.

    A request counts in the workload figures when created at or after ``warmup``; one decided
    after ``until`` is still on its way; one dropped (past its deadline) counts in ``dropped``
    and nowhere else. The latency histogram has ``per_decade`` log bins from
    10^``log_low`` s, with bin 0 for anything below and the last for anything above.
    """
    bins = done_per_bin.shape[1]
    top = histogram.shape[1] - 1
    for g in range(end.shape[0]):
        finish = end[g]
        if np.isnan(finish):
            continue  # on its way: carried into the next piece
        w = owner[g]
        counted = created[g] >= warmup
        if finish > until:
            if counted:
                in_flight[w] += 1
            continue
        if outcome[g] != PRIMARY:
            if counted:
                dropped[w] += 1
            continue
        latency = finish - created[g]
        b = min(int(finish / bin_s), bins - 1)
        done_per_bin[w, b] += 1
        latency_per_bin[w, b] += latency
        if not counted:
            continue
        completed[w] += 1
        latency_sum[w] += latency
        if np.isnan(latency_max[w]) or latency > latency_max[w]:
            latency_max[w] = latency
        if latency > slo[w]:
            over_slo[w] += 1
        index = 0
        if latency > 0:
            index = int(np.floor((np.log10(latency) - log_low) * per_decade)) + 1
            index = min(max(index, 0), top)
        histogram[w, index] += 1
        for k in range(stages):
            done = stage_times[3 * k + 2, g]
            if not np.isnan(done) and done <= until:
                stage_counts[w, k] += 1
                stage_sums[w, k, 0] += stage_times[3 * k + 1, g] - stage_times[3 * k, g]
                stage_sums[w, k, 1] += done - stage_times[3 * k + 1, g]
