"""Plain reference of the ``market_states`` filter of ``l2``/``l2tw``, and generated state tables.

Written from the documented rule (``basalt.analytics.l2.states``), with loops:
a snapshot's state is the listing's last state event at or before its instant
(``TimestampNanoseconds`` if given, else ``EventTimestamp``; events at one
instant ordered by ``BMLLSequenceNo``); it is kept when that state is in the
set; a kept snapshot's time ends at the listing's first later event whose
state is not in the set (the state at an instant with several events being the last one's).
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import polars as pl

STATES = ("OPENING_AUCTION", "CONTINUOUS_TRADING", "CLOSING_AUCTION", "HALTED", "CLOSED")


class MarketStates:
    """The state events of a ``marketstate`` frame, per listing, with the filter's two questions."""

    def __init__(self, frame: pl.DataFrame, allowed: tuple[str, ...]) -> None:
        self.allowed = set(allowed)
        rows = frame.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64).alias("__t")).to_dicts()
        events: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for row in rows:
            if row["ListingId"] is None or row["__t"] is None:
                continue
            events[row["ListingId"]].append((row["__t"], row["BMLLSequenceNo"], row["MarketState"]))
        self.events = {listing: sorted(items) for listing, items in events.items()}

    def state_at(self, listing: int, instant: int) -> str | None:
        """The state of the last event at or before ``instant`` (None before the first)."""
        state = None
        for t, _, name in self.events.get(listing, []):
            if t > instant:
                break
            state = name
        return state

    def keep(self, snap: dict[str, Any]) -> bool:
        """Whether a reference snapshot (``reference_l2._snapshots``) is taken in an allowed state."""
        return self.state_at(snap["listing"], snap["at"]) in self.allowed

    def cut_at(self, snap: dict[str, Any]) -> int | None:
        """The first later instant at which the listing's state is outside the set (None: never).

        The state at an instant with several events is that of the last of them.
        """
        last_at: dict[int, str] = {}
        for t, _, name in self.events.get(snap["listing"], []):
            if t > snap["at"]:
                last_at[t] = name  # events are sorted: the last one of an instant wins
        for t in sorted(last_at):
            if last_at[t] not in self.allowed:
                return t
        return None


def with_nanoseconds(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The book with a ``TimestampNanoseconds`` column: EventTimestamp plus 0-999 ns."""
    rng = random.Random(seed)
    extra = pl.Series([rng.randrange(1000) for _ in range(frame.height)], dtype=pl.Int64)
    return frame.with_columns(
        (pl.col("EventTimestamp").cast(pl.Datetime("ns")).cast(pl.Int64) + extra)
        .cast(pl.Datetime("ns"))
        .alias("TimestampNanoseconds")
    )


def random_states(book: pl.DataFrame, seed: int, per_day: int = 8) -> pl.DataFrame:
    """State events for the book's listings and days, shuffled.

    Times fall in and around each listing-day's snapshots: some exactly on a
    snapshot's nanosecond instant, some pairs at one instant (ordered by
    ``BMLLSequenceNo`` only, against file order), and one listing-day starts
    its events after its first snapshots.
    """
    rng = random.Random(seed)
    instants = book.select(
        "ListingId",
        pl.col("EventTimestamp").dt.date().alias("day"),
        pl.col("TimestampNanoseconds").cast(pl.Int64).alias("t"),
    )
    rows: list[tuple[int, int, str, int]] = []
    sequence = 0
    for (listing, _), group in instants.group_by("ListingId", "day", maintain_order=True):
        times = sorted(group["t"].to_list())
        low, high = times[0], times[-1]
        late_start = rng.random() < 0.3
        first = times[len(times) // 5] if late_start else low - 10**9
        for index in range(per_day):
            draw = rng.random()
            if index == 0:
                t = first
            elif draw < 0.3:
                t = rng.choice(times)  # exactly on a snapshot
            else:
                t = rng.randrange(first, high + 60 * 10**9)
            sequence += rng.randrange(1, 5)
            rows.append((listing, t, rng.choice(STATES), sequence))
            if rng.random() < 0.15:  # a second event at the same instant
                sequence += 1
                rows.append((listing, t, rng.choice(STATES), sequence))
    rng.shuffle(rows)
    return pl.DataFrame(
        {
            "TimestampNanoseconds": [r[1] for r in rows],
            "MarketState": [r[2] for r in rows],
            "ListingId": [r[0] for r in rows],
            "BMLLSequenceNo": [r[3] for r in rows],
        },
        schema={
            "TimestampNanoseconds": pl.Int64(),
            "MarketState": pl.String(),
            "ListingId": pl.Int64(),
            "BMLLSequenceNo": pl.Int64(),
        },
    ).with_columns(pl.col("TimestampNanoseconds").cast(pl.Datetime("ns")))
