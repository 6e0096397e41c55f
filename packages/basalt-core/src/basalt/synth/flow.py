"""Pre-drawn order flow of one instrument-day: message times, phases and random numbers for the kernel.

Every random number the kernel uses is drawn here with NumPy's
``Generator(PCG64)``, outside the kernel, so compiled and pure-Python kernels
see identical inputs.

* **Times.** Continuous-session messages form an inhomogeneous Poisson
  process whose intensity is the shared activity path (``latent.py``): sorted
  uniforms in cumulative-intensity space, mapped back to time. Auction
  messages crowd towards the uncross (density ∝ t², as in real call phases).
* **Order sizes** are heavy-tailed: Pareto with tail index 1.6 in round lots,
  plus a share of odd sizes (Gopikrishnan et al. 2000, "Statistical
  properties of share volume traded in financial markets", find tail indices
  near 1.5 for volumes).
* **Limit-price distances** from the touch follow a discrete power law
  (Bouchaud, Mézard & Potters 2002; Zovko & Farmer 2002).
* MTFs open with a burst of market makers' quotes (they have no opening
  auction); closing-auction orders are larger (close-benchmarked flow), which
  gives the closing print its large share of the day's volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from basalt.synth import kernel as k
from basalt.synth.latent import LatentDay
from basalt.synth.schedule import (
    STATE_CLOSING,
    STATE_CONTINUOUS,
    STATE_OPENING,
    STATE_UNSCHEDULED,
    VenueSchedule,
)

WIDTH = 1 << 15
"""Ticks in the kernel's price window (centred on the day's open; ±16384 ticks is ±3x the price)."""
SIZE_TAIL = 1.6
ODD_SIZE_SHARE = 0.2
MEDIAN_ORDER_EUR = 8_000.0
DISTANCE_TAIL, DISTANCE_SCALE, DISTANCE_CAP = 0.9, 1.2, 150
TARGET_DEPTH = 300.0
"""Resting orders a primary book holds in steady state (an MTF's: times the square root of its activity)."""
AUCTION_MESSAGES = {STATE_OPENING: (0.03, 600), STATE_UNSCHEDULED: (0.01, 200), STATE_CLOSING: (0.03, 300)}
"""Auction phase → (messages as a share of the venue's continuous messages, minimum)."""
CLOSING_SIZE = 6
"""Closing-auction orders are this many times larger: benchmark (close-tracking) flow trades the close."""
UNCROSS_LEAD_NS = 1_000
"""The uncross is stamped this long before the auction phase ends, so it belongs to the auction."""


def kernel_params(activity: float) -> np.ndarray:
    """The kernel's ``P_*`` parameters for a venue of relative ``activity``."""
    prm = np.zeros(k.N_PARAMS)
    prm[k.P_H] = 0.1  # reference quotes at floor(x - 0.1) / ceil(x + 0.1): mostly one tick apart
    prm[k.P_INS], prm[k.P_MKT], prm[k.P_CAN], prm[k.P_MOD] = 0.465, 0.024, 0.40, 0.111
    prm[k.P_TARGET] = TARGET_DEPTH * np.sqrt(activity)
    prm[k.P_STALE], prm[k.P_REPRICE], prm[k.P_KAPPA], prm[k.P_SWEEP] = 0.7, 0.6, 0.35, 3
    prm[k.P_A_INS], prm[k.P_A_CAN], prm[k.P_A_MOD], prm[k.P_A_AGGR] = 0.8, 0.15, 0.05, 0.3
    prm[k.P_PI_MIN], prm[k.P_CROSS] = 0.05, 0.1
    return prm


@dataclass(frozen=True)
class MessageFlow:
    """Inputs of the kernel for one instrument-day: one entry per message, all venues, in time order."""

    times: np.ndarray
    """UTC ns (strictly increasing; ``times % 8`` is the venue's slot, so venues never tie)."""
    venue: np.ndarray
    """Index of the message's venue in the instrument's venue list (primary first)."""
    phase: np.ndarray
    """Market phase (``schedule.STATE_*``) of the message's venue."""
    ctl: np.ndarray
    x: np.ndarray
    """Efficient price in ticks relative to ``base_tick``."""
    u: np.ndarray
    """Four uniforms per message (messages × 4): action, side, order pick, variant."""
    distance: np.ndarray
    size: np.ndarray
    params: np.ndarray
    """Kernel parameters, one row per venue."""
    base_tick: int
    """Tick count of the window's price index 0."""
    lot: int
    """Round lot of the instrument (shares)."""
    hidden: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Hidden reserve (shares) of each message's order if it is a planted iceberg, else 0
    (``icebergs.py``); empty when no icebergs are planted."""

    def __len__(self) -> int:
        return int(self.times.shape[0])


def sorted_uniforms(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` sorted uniforms on [0, 1) in O(n): normalised partial sums of exponentials."""
    cum = np.cumsum(rng.standard_exponential(n + 1))
    return cum[:n] / cum[n]


def _cells(t0: int, t1: int, grid: np.ndarray, activity: np.ndarray) -> tuple[np.ndarray, ...]:
    """Piecewise-constant intensity on [t0, t1): cell edges (ns offsets from t0), levels, cumulative mass."""
    inner = grid[(grid > t0) & (grid < t1)] - t0
    edges = np.concatenate([[0], inner, [t1 - t0]]).astype(np.float64)  # offsets keep ns precision
    level = np.interp((edges[:-1] + edges[1:]) / 2 + t0, grid, activity)
    mass = np.concatenate([[0.0], np.cumsum(level * np.diff(edges))])
    return edges, level, mass


def intensity_times(
    rng: np.random.Generator, n: int, t0: int, t1: int, grid: np.ndarray, activity: np.ndarray
) -> np.ndarray:
    """``n`` sorted UTC ns times in [t0, t1) with density proportional to ``activity`` on ``grid``."""
    edges, level, mass = _cells(t0, t1, grid, activity)
    s = sorted_uniforms(rng, n) * mass[-1]
    cell = np.clip(np.searchsorted(mass, s, side="right") - 1, 0, level.shape[0] - 1)
    return t0 + np.floor(edges[cell] + (s - mass[cell]) / level[cell]).astype(np.int64)


def order_sizes(rng: np.random.Generator, n: int, lot: int, median_shares: float) -> np.ndarray:
    """Heavy-tailed order sizes: mostly whole round lots, some odd sizes."""
    minimum = median_shares / 2.0 ** (1.0 / SIZE_TAIL)
    shares = minimum * rng.random(n) ** (-1.0 / SIZE_TAIL)
    shares = np.minimum(shares, 1000.0 * median_shares)
    odd = rng.random(n) < ODD_SIZE_SHARE
    round_lots = np.maximum(1, np.round(shares / lot)).astype(np.int64) * lot
    odd_sizes = np.maximum(1, np.floor(shares * rng.uniform(0.5, 1.5, n))).astype(np.int64)
    return np.where(odd, odd_sizes, round_lots)


def limit_distances(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ticks behind the reference quote: discrete power law, half of the orders at 0–1 tick."""
    raw = DISTANCE_SCALE * (rng.random(n) ** (-1.0 / DISTANCE_TAIL) - 1.0)
    return np.minimum(np.floor(raw), DISTANCE_CAP).astype(np.int64)


def lot_and_median(price_eur: float) -> tuple[int, float]:
    """Round lot (a power of ten) and median order size in shares for a share price in EUR."""
    median = max(MEDIAN_ORDER_EUR / price_eur, 1.0)
    lot = int(10 ** max(0, int(np.floor(np.log10(max(median / 5.0, 1.0))))))
    return lot, median


def _venue_messages(
    schedule: VenueSchedule, slot: int, latent: LatentDay, mean_messages: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, phases, kinds) of one venue's messages, unsorted; phase changes come first."""
    times = [np.array([p.start for p in schedule.phases], dtype=np.int64)]
    phases = [np.array([p.state for p in schedule.phases], dtype=np.int64)]
    ctls = [np.full(len(schedule.phases), k.CTL_PHASE)]
    cont = schedule.of_state(STATE_CONTINUOUS)
    total_mass = [_cells(p.start, p.end, latent.grid, latent.activity)[2][-1] for p in cont]
    counts = rng.multinomial(rng.poisson(mean_messages), np.asarray(total_mass) / np.sum(total_mass))
    for phase, count in zip(cont, counts, strict=True):
        times.append(intensity_times(rng, int(count), phase.start, phase.end, latent.grid, latent.activity))
        phases.append(np.full(count, STATE_CONTINUOUS))
        ctls.append(np.full(count, k.CTL_FLOW))
    activity = float(schedule.venue.activity)
    if schedule.venue.kind == "mtf":  # MTFs open with market makers' quotes, not an auction
        n_seed = int(0.6 * TARGET_DEPTH * np.sqrt(activity))
        times.append(cont[0].start + 1_000 * np.arange(n_seed, dtype=np.int64))
        phases.append(np.full(n_seed, STATE_CONTINUOUS))
        ctls.append(np.full(n_seed, k.CTL_SEED))
    for state, (share, minimum) in AUCTION_MESSAGES.items():
        for phase in schedule.of_state(state):
            count = rng.poisson(max(share * mean_messages, minimum))
            span = phase.end - phase.start - 2 * UNCROSS_LEAD_NS
            times.append(
                phase.start + np.floor(span * sorted_uniforms(rng, count) ** (1 / 3)).astype(np.int64)
            )
            times.append(np.array([phase.end - UNCROSS_LEAD_NS]))
            phases.append(np.full(count + 1, state))
            ctls.append(np.concatenate([np.full(count, k.CTL_FLOW), [k.CTL_UNCROSS]]))
    t = np.concatenate(times)
    order = np.argsort(t, kind="stable")
    t = (t[order] // 8) * 8 + slot
    steps = 8 * np.arange(t.shape[0], dtype=np.int64)
    t = np.maximum.accumulate(t - steps) + steps  # strictly increasing, same residue mod 8
    return t, np.concatenate(phases)[order], np.concatenate(ctls)[order]


def instrument_flow(
    schedules: list[VenueSchedule],
    latent: LatentDay,
    mean_messages: list[float],
    price_eur: float,
    rngs: list[np.random.Generator],
) -> MessageFlow:
    """Every message of one instrument-day on all its venues, merged in time order.

    ``mean_messages[v]`` is venue ``v``'s expected number of continuous-session
    messages; ``rngs[v]`` its random stream (so a venue's flow does not depend
    on which other venues are simulated). The venue's index is written in the
    low bits of each timestamp so that no two venues share a nanosecond.
    """
    parts = [
        _venue_messages(schedule, slot, latent, mean, rng)
        for slot, (schedule, mean, rng) in enumerate(zip(schedules, mean_messages, rngs, strict=True))
    ]
    draws = []
    lot, median = lot_and_median(price_eur)
    for (t, phase, _), rng in zip(parts, rngs, strict=True):
        n = t.shape[0]
        sizes = order_sizes(rng, n, lot, median)
        sizes[phase == STATE_CLOSING] *= CLOSING_SIZE
        draws.append((rng.random((n, 4)), limit_distances(rng, n), sizes))
    times = np.concatenate([p[0] for p in parts])
    order = np.argsort(times, kind="stable")
    times = times[order]
    tick = latent.tick
    base_tick = round(latent.open_price / tick.size) - WIDTH // 2
    return MessageFlow(
        times=times,
        venue=np.concatenate([np.full(p[0].shape[0], v, dtype=np.int64) for v, p in enumerate(parts)])[order],
        phase=np.concatenate([p[1] for p in parts])[order].astype(np.int64),
        ctl=np.concatenate([p[2] for p in parts])[order].astype(np.int64),
        x=np.interp(times, latent.grid, latent.price) / tick.size - base_tick,
        u=np.concatenate([d[0] for d in draws])[order],
        distance=np.concatenate([d[1] for d in draws])[order],
        size=np.concatenate([d[2] for d in draws])[order],
        params=np.stack([kernel_params(float(s.venue.activity)) for s in schedules]),
        base_tick=base_tick,
        lot=lot,
    )
