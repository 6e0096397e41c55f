"""The latent processes every venue of an instrument shares: efficient price and activity.

* **Daily path.** The log price at each open and close follows an AR(1)
  (Ornstein–Uhlenbeck) around the instrument's base level with a one-year
  half-life, from 2000-01-01, so any day is generated without simulating the
  days before it in the order book. Overnight moves are smaller than intraday ones.
* **Intraday volatility** is the product of a deterministic U-shaped
  seasonality (Admati & Pfleiderer 1988; Andersen & Bollerslev 1997,
  "Intraday periodicity and volatility persistence") and
  ``exp(v_t)``, where ``v_t`` is a sum of three Ornstein–Uhlenbeck factors with
  time scales from minutes to hours: a superposition that mimics the slowly
  decaying autocorrelation of absolute returns (volatility clustering;
  Barndorff-Nielsen & Shephard 2001, "Non-Gaussian OU-based models").
  Innovations are Student-t with 4 degrees of freedom (fat tails).
* **The intraday path** is a variance-time Brownian bridge from the day's
  open to its close, so lit prices agree with the daily path.
* **Activity** (message intensity) shares the seasonality and loads on
  ``v_t`` (volume and volatility move together; Clark 1973's mixture of
  distributions hypothesis).
* **News** arrives as a few price jumps a day (Merton 1976 jump-diffusion),
  each followed by a burst of messages; a day with a volatility auction gets
  a large jump at the auction's start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from basalt.synth._jit import njit
from basalt.synth.config import EPOCH
from basalt.synth.schedule import STATE_POST, DaySchedule

HALF_LIFE_DAYS = 250.0
OVERNIGHT_SHARE = 0.35
"""Overnight standard deviation relative to the intraday one."""
VOL_FACTORS = ((120.0, 0.25), (1200.0, 0.30), (7200.0, 0.30))
"""(time scale in model seconds, stationary standard deviation) of each log-volatility factor."""
ACTIVITY_LOADING = 0.8
"""Loading of log activity on the log-volatility factor."""
T_DOF = 4.0
GRID_SECONDS = 1.0
"""Model-time step of the latent grid."""
NEWS_BURST, NEWS_DECAY_SECONDS = 30.0, 60.0
"""Extra activity (multiple of normal) just after a jump of one daily volatility, and its decay time."""
JUMPS_PER_DAY, JUMP_SD = 2.0, 0.2
"""Mean number of small news jumps per day and their standard deviation (in daily volatilities)."""


@njit
def ar1_filter(shocks, phi):
    """``y[k] = phi[k] * y[k-1] + shocks[k]`` with ``y[-1] = 0`` (the OU recursion)."""
    out = np.empty_like(shocks)
    level = 0.0
    for k in range(shocks.shape[0]):
        level = phi[k] * level + shocks[k]
        out[k] = level
    return out


@dataclass(frozen=True)
class Tick:
    """A tick size ``mantissa × 10**exponent``, kept exact (prices are integer tick counts)."""

    mantissa: int
    exponent: int

    @property
    def size(self) -> float:
        """The tick as a float."""
        return self.mantissa * 10.0**self.exponent

    def price(self, ticks: np.ndarray, offset: int = 0) -> np.ndarray:
        """Prices (float64) of integer tick counts ``ticks + offset``, correctly rounded decimals.

        Integer-valued floats below 2**53 are exact, so multiplying by the
        mantissa is exact and the one division by a power of ten rounds once.
        """
        out = np.asarray(ticks).astype(np.float64)
        out += offset
        if self.mantissa != 1:
            out *= self.mantissa
        if self.exponent >= 0:
            out *= float(10**self.exponent)
        else:
            out /= float(10 ** (-self.exponent))
        return out


def tick_for(price: float) -> Tick:
    """A 1-2-5 tick giving 2000–5000 ticks per price (2–5 bp, like liquid stocks under MiFID II RTS 11)."""
    for exponent in range(-6, 8):
        for mantissa in (1, 2, 5):
            ratio = price / (mantissa * 10.0**exponent)
            if 2000.0 <= ratio < 5000.0:
                return Tick(mantissa, exponent)
    raise ValueError(f"no tick size for price {price}")


@dataclass(frozen=True)
class DailyLevels:
    """The daily path at one day: log open and close relative to the base, and day multipliers."""

    log_open: float
    log_close: float
    vol_multiplier: float
    activity_multiplier: float


def daily_levels(seed: int, index: int, day: dt.date, daily_vol: float) -> DailyLevels:
    """Open/close of ``day`` on the instrument's daily path (deterministic per seed and instrument)."""
    n_days = (day - EPOCH).days + 1
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index, 2])))
    vol_mult = np.exp(rng.normal(0.0, 0.3, n_days) - 0.045)
    act_noise = np.exp(rng.normal(0.0, 0.1, n_days))
    shocks = rng.standard_normal((n_days, 2))
    shocks[:, 0] *= OVERNIGHT_SHARE * daily_vol
    shocks[:, 1] *= daily_vol * vol_mult
    half_step = 0.5 ** (0.5 / HALF_LIFE_DAYS)
    path = ar1_filter(shocks.reshape(-1), np.full(2 * n_days, half_step))
    return DailyLevels(
        log_open=float(path[-2]),
        log_close=float(path[-1]),
        vol_multiplier=float(vol_mult[-1]),
        activity_multiplier=float(vol_mult[-1] ** 0.7 * act_noise[-1]),
    )


def _session_fraction(schedule: DaySchedule, grid: np.ndarray) -> np.ndarray:
    start, end = schedule.continuous_span()
    return np.clip((grid - start) / (end - start), 0.0, 1.0)


def activity_season(s: np.ndarray) -> np.ndarray:
    """U-shaped intraday activity (session fraction ``s``); the bump is the US open (14:30 London)."""
    return (
        1.0
        + 2.2 * np.exp(-s / 0.035)
        + 1.6 * np.exp(-(1.0 - s) / 0.04)
        + 0.5 * np.exp(-(((s - 0.77) / 0.02) ** 2))
    )


def volatility_season(s: np.ndarray) -> np.ndarray:
    """U-shaped intraday volatility, steepest at the open."""
    return (
        1.0
        + 1.6 * np.exp(-s / 0.04)
        + 0.5 * np.exp(-(1.0 - s) / 0.05)
        + 0.3 * np.exp(-(((s - 0.77) / 0.02) ** 2))
    )


@dataclass(frozen=True)
class LatentDay:
    """The shared latent paths of one instrument-day on a regular grid of wall-clock times."""

    grid: np.ndarray
    """UTC ns of the grid points (one model second apart)."""
    price: np.ndarray
    """Efficient price at the grid points, in the quote currency."""
    activity: np.ndarray
    """Message-intensity multiplier at the grid points (mean 1 over the continuous session)."""
    open_price: float
    tick: Tick
    activity_multiplier: float
    """The day's overall activity relative to an average day."""


def build_latent(
    schedule: DaySchedule, base_price: float, levels: DailyLevels, daily_vol: float, rng: np.random.Generator
) -> LatentDay:
    """Simulate the efficient price and activity of one instrument-day."""
    end = schedule.end()
    n = int(schedule.model_seconds(end) / GRID_SECONDS) + 2
    grid = schedule.wall_ns(np.arange(n) * GRID_SECONDS)
    s = _session_fraction(schedule, grid)
    factors = np.zeros(n)
    for scale, sd in VOL_FACTORS:
        phi = np.exp(-GRID_SECONDS / scale)
        shocks = rng.standard_normal(n) * sd * np.sqrt(1.0 - phi * phi)
        shocks[0] = rng.standard_normal() * sd  # start in the stationary distribution
        factors += ar1_filter(shocks, np.full(n, phi))
    sigma = volatility_season(s) * np.exp(factors)
    eps = rng.standard_t(T_DOF, n) / np.sqrt(T_DOF / (T_DOF - 2.0))
    steps = sigma * eps
    steps[0] = 0.0
    # Normalise so the continuous session carries the day's variance; auctions drift at the same rate.
    cont_start, cont_end = schedule.continuous_span()
    in_cont = (grid >= cont_start) & (grid < cont_end)
    target_var = (daily_vol * levels.vol_multiplier) ** 2
    steps *= np.sqrt(target_var / max(float(np.sum(sigma[in_cont] ** 2)), 1e-300))
    # News: a few small jumps a day, and a large one where a volatility auction interrupts trading.
    n_jumps = rng.poisson(JUMPS_PER_DAY)
    jump_at = cont_start + (rng.random(n_jumps) * (cont_end - cont_start)).astype(np.int64)
    jump_size = rng.normal(0.0, JUMP_SD * daily_vol, n_jumps)
    if schedule.halt is not None:
        jump_at = np.append(jump_at, schedule.halt.start)
        jump_size = np.append(jump_size, rng.choice([-1.0, 1.0]) * rng.uniform(2.0, 3.0) * daily_vol)
    np.add.at(steps, np.searchsorted(grid, jump_at), jump_size)
    # Variance-time bridge to the daily close, reached at the closing uncross.
    close_at = schedule.primary.of_state(STATE_POST)[0].start
    steps[grid > close_at] = 0.0
    walk = np.cumsum(steps)
    var_time = np.cumsum(np.where(grid <= close_at, sigma**2, 0.0))
    walk -= var_time / var_time[-1] * (walk[-1] - (levels.log_close - levels.log_open))
    open_price = base_price * float(np.exp(levels.log_open))
    activity = activity_season(s) * np.exp(ACTIVITY_LOADING * factors)
    activity /= max(float(np.mean(activity[in_cont])), 1e-12)
    burst = np.zeros(n)
    for at, size in zip(jump_at, jump_size, strict=True):  # a burst of messages on every venue after news
        since = schedule.model_seconds(grid) - schedule.model_seconds(at)
        strength = NEWS_BURST * min(1.0, abs(size) / daily_vol)
        burst += np.where(since >= 0.0, strength * np.exp(-np.maximum(since, 0.0) / NEWS_DECAY_SECONDS), 0.0)
    activity *= 1.0 + burst
    return LatentDay(
        grid=grid,
        price=open_price * np.exp(walk),
        activity=activity,
        open_price=open_price,
        tick=tick_for(open_price),
        activity_multiplier=levels.activity_multiplier,
    )
