"""As-of lookups on quote streams (a venue's L2, the primary's L2, the CBBO) for trades-plus.

A stream is a time-ordered sequence of books; ``at(times, strict=True)``
finds the book in force just *before* each time (strictly earlier update),
``strict=False`` the book just after events at that time. Only books of
venues in continuous trading are quotes: auction books give no price (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from basalt.synth.book_ops import LEVELS
from basalt.synth.cbbo import Consolidated
from basalt.synth.schedule import STATE_CONTINUOUS
from basalt.synth.tables import VenueDay

L = LEVELS


@dataclass(frozen=True)
class QuoteStream:
    """Touch prices and sizes over time (NaN price = no quote)."""

    times: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    bid_size: np.ndarray
    ask_size: np.ndarray

    def index(self, times: np.ndarray, strict: bool) -> np.ndarray:
        """Position of the last update before (``strict``) or at each time; -1 if none."""
        return np.searchsorted(self.times, times, side="left" if strict else "right") - 1

    def take(self, values: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``values[index]`` with NaN where ``index`` is -1."""
        if values.shape[0] == 0:
            return np.full(index.shape[0], np.nan)
        return np.where(index >= 0, values[np.maximum(index, 0)], np.nan)

    def mid(self, times: np.ndarray, strict: bool = False) -> np.ndarray:
        """Mid quote in force at each time (NaN without a two-sided quote)."""
        i = self.index(times, strict)
        return (self.take(self.bid, i) + self.take(self.ask, i)) / 2.0

    def change_times(self) -> np.ndarray:
        """Times at which the bid or ask price changed."""
        bid = np.nan_to_num(self.bid, nan=-1.0)
        ask = np.nan_to_num(self.ask, nan=-1.0)
        changed = np.ones(self.times.shape[0], dtype=bool)
        changed[1:] = (bid[1:] != bid[:-1]) | (ask[1:] != ask[:-1])
        return self.times[changed]

    def elapsed(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nanoseconds since the last touch-price change before each time, and until the next one at or after.

        NaN where there is no such change (float, so that it becomes null).
        """
        changes = self.change_times()
        if changes.shape[0] == 0:
            return np.full(times.shape[0], np.nan), np.full(times.shape[0], np.nan)
        before = np.searchsorted(changes, times, side="left") - 1
        after = np.searchsorted(changes, times, side="left")
        pre = np.where(before >= 0, (times - changes[np.maximum(before, 0)]).astype(np.float64), np.nan)
        last = changes.shape[0] - 1
        post = np.where(after <= last, (changes[np.minimum(after, last)] - times).astype(np.float64), np.nan)
        return pre, post


def venue_stream(vd: VenueDay) -> QuoteStream:
    """A venue's own touch from its L2 snapshots (no quote outside continuous trading)."""
    run = vd.run
    live = run.flow.phase[run.snap_msg] == STATE_CONTINUOUS
    bid = np.where(live, vd.prices(run.touch(0)), np.nan)
    ask = np.where(live, vd.prices(run.touch(L)), np.nan)
    return QuoteStream(
        times=run.flow.times[run.snap_msg],
        bid=bid,
        ask=ask,
        bid_size=np.where(np.isnan(bid), np.nan, run.touch_size(0)),
        ask_size=np.where(np.isnan(ask), np.nan, run.touch_size(L)),
    )


def consolidated_stream(primary: VenueDay, book: Consolidated) -> QuoteStream:
    """The consolidated touch (prices on the primary's tick grid; all venues share it)."""
    bid = primary.prices(book.px[0])
    ask = primary.prices(book.px[L])
    return QuoteStream(
        times=book.times,
        bid=bid,
        ask=ask,
        bid_size=np.where(np.isnan(bid), np.nan, book.qty[0]),
        ask_size=np.where(np.isnan(ask), np.nan, book.qty[L]),
    )


def price_point(price: np.ndarray, bid: np.ndarray, ask: np.ndarray) -> np.ndarray:
    """BMLL's ``PricePoint``: (price − bid) / (ask − bid); ±99999 or 0.5 if locked; NaN without a quote."""
    width = ask - bid
    with np.errstate(divide="ignore", invalid="ignore"):
        point = (price - bid) / width
    locked = width == 0
    point = np.where(locked & (price > bid), 99999.0, point)
    point = np.where(locked & (price < bid), -99999.0, point)
    return np.where(locked & (price == bid), 0.5, point)
