"""``l2tw``: order-book measures time-weighted within each bucket.

Semantics
---------
Each snapshot of a listing is *in force* from its ``EventTimestamp`` until the
next snapshot of the same listing and trading day (snapshots ordered by
``EventTimestamp`` then ``L2EventNo``; of several sharing a timestamp only the
last stays in force). The day's last snapshot stays in force until the end of
its bucket (the bucket ``EventTimestamp`` falls in under the pass's ``closed``
rule: with ``closed="right"`` a last snapshot exactly on a boundary weighs
nothing), or, with ``session_end``, every interval is cut at the session end.
Time before the day's first snapshot does not count. With ``market_states``,
snapshots taken in other market states are dropped and a kept snapshot's
interval also ends at the listing's next change into an excluded state (see
``basalt.analytics.l2.states``), so time outside those states weighs nothing.

A bucket's time-weighted average (TWA) of a measure is
``Σ value·w / Σ w`` over the snapshots in force during the bucket, ``w`` the
integer time each was in force *inside* the bucket, leaving out the snapshots
whose value is null (from both sums). Buckets are time intervals here, so
``closed`` does not change weights (a boundary instant has no duration).

Exactness: weights are integers (ns, or the largest unit dividing every
interval end, e.g. µs for µs timestamps and whole-second buckets), so integer
measures (quantities, order counts) give exact sums while they stay below
2**53. Price-valued measures (prices, spreads, mids) are also clipped to the
[min, max] of the values averaged: rounding can never push them outside, and a
price constant over the bucket (say 99.68, not representable in binary)
averages to exactly itself. Other float measures are within rounding error.

One row per listing and bucket in which some snapshot was in force for a
positive time: buckets without a new snapshot between the first and last
snapshot of a day get a row (the snapshot carried in covers them), buckets
before the first or after the last snapshot's end do not. A measure with no
non-null value in force during the bucket is null.

Computation
-----------
An interval ``[a, b)`` is split arithmetically on bucket index
``k = a // size``: its head ``[a, min(b, (k+1)·size))`` goes to bucket ``k``;
only intervals crossing a boundary have more pieces. Those are at most one per
boundary per listing-day, so the head pieces are aggregated straight from the
snapshots (no explode) and only the few crossing intervals are exploded over
the buckets they cover; the two partial sums are then added per bucket. A
cumulative-integral difference would avoid the explode too, but subtracting
large running float sums loses precision and exactness for constants.
Measures that are sums over levels (``Cum*``) are not averaged row by row:
their TWA is the sum of the per-level weighted sums the ``levels`` family needs
anyway, divided by Σ w.

That lazy formulation works on rows in any order. The engine hands each
listing's rows in time order, so the module first tries the *ordered path*
(:mod:`basalt.analytics.l2.ordered`, one ``map_batches`` over the collected
snapshots): every interval split over its buckets in one pass over the rows,
by a compiled kernel (:mod:`basalt.analytics.l2._kernels`, Numba) or by NumPy
without Numba, into the very same partial sums, then the same final
expressions. Rows out of order within a listing-day, a listing-day split in
several runs, equal order keys or a NaN measure make it run the lazy
formulation on the same frame instead.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import polars as pl

from basalt.analytics.l2 import ordered
from basalt.analytics.l2.config import L2TWConfig
from basalt.analytics.l2.measures import BookMeasures, Measure
from basalt.analytics.l2.ordered_tw import DAY_NS, KEPT, Intervals, partial_sums
from basalt.analytics.l2.snapshots import EVENT_NO, TIMESTAMP, day_expr, day_start_ns, timestamp_ns
from basalt.analytics.l2.states import CUT, filter_doc, kept_rows
from basalt.modules.base import AnalyticModule
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

_T, _DAY, _ROW = ordered.T, ordered.DAY, "__row"
_START, _END, _K, _W = "__a", "__b", "__k", "__w"
_TOTAL = "__wsum"

SUFFIX = "TWA"

BOUNDED_UNITS = frozenset({"price", "bps"})
"""Units of the measures whose TWA is clipped to the bucket's [min, max] (piecewise-constant prices)."""


class _Atoms:
    """The weighted sums a set of measures needs, shared between measures where possible.

    * a nullable measure needs Σ w·v and Σ w over its non-null values;
    * a sum over levels (never null) is Σ over its terms of Σ w·term, divided
      by Σ w: ``BidCumQuantity3TWA`` reuses the sums of ``BidQuantity1..3``
      that ``BidQuantity{L}TWA`` needs anyway;
    * price-like measures also need their min and max (see ``BOUNDED_UNITS``).
    """

    def __init__(self, measures: list[Measure]) -> None:
        self.measures = measures
        self.numerators: dict[str, None] = {}
        self.denominators: dict[str, None] = {}
        self.bounded: dict[str, None] = {}
        for m in measures:
            if m.terms:
                self.numerators.update(dict.fromkeys(m.terms))
            else:
                self.numerators[m.name] = None
                self.denominators[m.name] = None
                if m.unit in BOUNDED_UNITS:
                    self.bounded[m.name] = None

    def partial(self) -> list[pl.Expr]:
        """Aggregations over the pieces of one (listing, bucket)."""
        w = pl.col(_W)
        weight = w.cast(pl.Float64)
        aggs: list[pl.Expr] = [w.sum().alias(_TOTAL)]
        aggs += [(pl.col(n).cast(pl.Float64) * weight).sum().alias(f"__n_{n}") for n in self.numerators]
        aggs += [pl.when(pl.col(n).is_not_null()).then(w).sum().alias(f"__d_{n}") for n in self.denominators]
        for n in self.bounded:
            aggs += [pl.col(n).min().alias(f"__lo_{n}"), pl.col(n).max().alias(f"__hi_{n}")]
        return aggs

    def combine(self) -> list[pl.Expr]:
        """Aggregations adding partial results of the same (listing, bucket)."""
        aggs = [pl.col(_TOTAL).sum()]
        aggs += [pl.col(f"__n_{n}").sum() for n in self.numerators]
        aggs += [pl.col(f"__d_{n}").sum() for n in self.denominators]
        for n in self.bounded:
            aggs += [pl.col(f"__lo_{n}").min(), pl.col(f"__hi_{n}").max()]
        return aggs

    def averages(self) -> list[pl.Expr]:
        """The TWA of every measure from the combined sums."""
        out: list[pl.Expr] = []
        for m in self.measures:
            if m.terms:
                total = pl.sum_horizontal([pl.col(f"__n_{t}") for t in m.terms])
                out.append((total / pl.col(_TOTAL).cast(pl.Float64)).alias(m.name + SUFFIX))
                continue
            den = pl.col(f"__d_{m.name}")
            mean = pl.col(f"__n_{m.name}") / den.cast(pl.Float64)
            if m.name in self.bounded:
                mean = mean.clip(pl.col(f"__lo_{m.name}"), pl.col(f"__hi_{m.name}"))
            out.append(pl.when(den > 0).then(mean).alias(m.name + SUFFIX))
        return out


def _weight_unit(schema: pl.Schema, size: int) -> int:
    """Largest integer unit (ns) dividing every interval end point: weights are counted in it.

    Timestamps in µs and bucket boundaries (multiples of ``size``) are all
    multiples of ``gcd(size, 1000)`` ns. Smaller integer weights keep
    ``value × weight`` and its sums exact for larger integer values (quantities),
    so a constant input averages to exactly itself more often.
    """
    dtype = schema[TIMESTAMP]
    if isinstance(dtype, pl.Datetime) and dtype.time_unit in ("us", "ms"):
        return math.gcd(size, 1000)
    return 1


class L2TimeWeighted(AnalyticModule):
    """Order-book measures time-weighted within each bucket (TWA suffix): depth, imbalance, spread, mids.

    Each snapshot weighs the time it was in force inside the bucket; the
    snapshot in force at a bucket's start carries in from the previous bucket of
    the same listing and day. Rows for every bucket in which some snapshot was
    in force, including buckets without a new snapshot. See
    ``basalt.analytics.l2.time_weighted`` for the exact rules.
    """

    NAME = "l2tw"
    INPUTS = ("l2",)
    TIME_ORDERED_INPUTS = False  # checks the order itself, as L2Last does (see there)
    Config = L2TWConfig
    config: L2TWConfig

    def _book(self) -> BookMeasures:
        cfg = self.config
        return BookMeasures(cfg.levels, cfg.families, cfg.microprice_levels)

    def input_names(self) -> tuple[str, ...]:
        """``l2``, plus ``marketstate`` when ``market_states`` filters the snapshots."""
        return ("l2", "marketstate") if self.config.market_states else ("l2",)

    def columns(self) -> list[ColumnDoc]:
        states = self.config.market_states
        note = filter_doc(states, time_weighted=True) if states else ""
        extra = ("marketstate.MarketState", "marketstate.TimestampNanoseconds") if states else ()
        if self.config.session_end is None:
            until = "until the next snapshot of the listing and day; the day's last one until its bucket ends"
        else:
            until = (
                f"until the next snapshot of the listing and day or session_end ({self.config.session_end} "
                "UTC), whichever is first; nothing after session_end counts"
            )
        clipped = ", clipped to the [min, max] of the values averaged (rounding only)"
        docs = []
        for m in self._book().measures:
            clip = clipped if m.unit in BOUNDED_UNITS and m.nullable else ""
            definition = (
                f"Time-weighted average over the bucket: Σ value·w / Σ w{clip}; w = time the snapshot was "
                f"in force inside the bucket ({until}); snapshots with a null value are left out of both "
                f"sums; null when none is non-null.{note} Value: {m.definition}"
            )
            docs.append(
                ColumnDoc(
                    m.name + SUFFIX,
                    unit=m.unit,
                    definition=definition,
                    pattern=m.pattern + SUFFIX,
                    sources=(*m.sources, "l2.EventTimestamp", "l2.L2EventNo", *extra),
                    dtype="Float64",
                )
            )
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        snapshots = self._snapshots(inputs)
        unit = self._unit(inputs, buckets)
        lazy = self._lazy(snapshots, buckets, unit)
        if ordered.path() == "lazy":
            return lazy
        return snapshots.map_batches(
            functools.partial(self._ordered, buckets=buckets, unit=unit),
            schema=lazy.collect_schema(),
        )

    def _unit(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> int:
        # State changes fall on any nanosecond: weights are then counted in ns.
        return (
            1
            if self.config.market_states
            else _weight_unit(inputs["l2"].collect_schema(), buckets.nanoseconds)
        )

    def _snapshots(self, inputs: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
        """One narrow row per snapshot with a timestamp: keys, the book's input columns, state flags."""
        cfg = self.config
        source = inputs["l2"]
        schema = source.collect_schema()
        states = cfg.market_states
        live = source.filter(pl.col(TIMESTAMP).is_not_null())
        if states:
            live = live.with_row_index(_ROW)
        snapshots = live.select(
            *([_ROW] if states else []),
            *ordered.key_columns(timestamp_ns(), pl.col(EVENT_NO), day_expr(schema)),
            *([day_start_ns(schema).alias(DAY_NS)] if cfg.session_end is not None else []),
            *self._book().input_columns(),
        )
        if states:
            # Every snapshot ends the one before it; only those taken in an allowed state count,
            # each cut at the next change into an excluded state (kept_rows).
            kept = kept_rows(live, inputs["marketstate"], states, _ROW, cut=True)
            snapshots = snapshots.join(
                kept.with_columns(pl.lit(True).alias(KEPT)), on=_ROW, how="left", maintain_order="left"
            ).drop(_ROW)
        return snapshots

    def _session_offset(self) -> int | None:
        tod = self.config.session_end
        if tod is None:
            return None
        return ((tod.hour * 60 + tod.minute) * 60 + tod.second) * 1_000_000_000 + tod.microsecond * 1000

    def _finish(self, partial: pl.LazyFrame, buckets: TimeBuckets, atoms: _Atoms) -> pl.LazyFrame:
        """Partial sums per (listing, bucket) added up and divided: the output."""
        size = buckets.nanoseconds
        totals = partial.group_by("ListingId", _K).agg(atoms.combine())
        label = (pl.col(_K) + 1) * size if buckets.anchor == "end" else pl.col(_K) * size
        return totals.select(
            "ListingId", label.cast(pl.Datetime("ns")).alias(TIME_BUCKET), *atoms.averages()
        ).sort("ListingId", TIME_BUCKET)

    def _ordered(self, frame: pl.DataFrame, *, buckets: TimeBuckets, unit: int) -> pl.DataFrame:
        """The ordered path on the collected snapshots; the lazy formulation when they are not in order."""
        book = self._book()
        atoms = _Atoms(book.measures)
        spec = Intervals(
            size=buckets.nanoseconds,
            unit=unit,
            closed_right=buckets.closed == "right",
            session_offset=self._session_offset(),
            cut=CUT if self.config.market_states else None,
        )
        numerators = list(atoms.numerators)

        denominators, bounded = list(atoms.denominators), list(atoms.bounded)

        def measures(block: pl.DataFrame) -> pl.DataFrame:
            return book.apply(block.lazy()).select(numerators).collect()

        try:
            if ordered.path() == "kernel":
                from basalt.analytics.l2 import ordered_kernel  # imports Numba: only when it runs

                inputs = book.input_columns()
                depth = self.config.microprice_levels
                partial = ordered_kernel.partial_sums(
                    frame, spec, inputs, depth, numerators, denominators, bounded
                )
            else:
                partial = partial_sums(frame, spec, measures, numerators, denominators, bounded)
        except ordered.NotOrdered:
            return self._lazy(frame.lazy(), buckets, unit).collect()
        return self._finish(partial.lazy(), buckets, atoms).collect()

    def _lazy(self, snapshots: pl.LazyFrame, buckets: TimeBuckets, unit: int) -> pl.LazyFrame:
        """The lazy formulation (any row order): window shift, heads, exploded crossings, group_by."""
        cfg = self.config
        book = self._book()
        size = buckets.nanoseconds
        t = pl.col(_T)
        following = t.shift(-1).over(["ListingId", _DAY], order_by=ordered.order_key())
        if cfg.session_end is None:
            if buckets.closed == "right":  # (start, end]: a boundary timestamp ends its bucket
                own_end = -((-t) // size) * size
            else:
                own_end = (t // size + 1) * size
            start, end = t, pl.coalesce(following, own_end)
        else:
            session = pl.col(DAY_NS) + self._session_offset()
            start = pl.min_horizontal(t, session)
            end = pl.min_horizontal(pl.coalesce(following, session), session)
        timed = snapshots.with_columns(start.alias(_START), end.alias(_END))
        if cfg.market_states:
            timed = timed.filter(pl.col(KEPT).fill_null(False)).with_columns(
                pl.min_horizontal(pl.col(_END), pl.col(CUT)).alias(_END)
            )
        timed = timed.with_columns((pl.col(_START) // size).alias(_K))
        first_boundary = (pl.col(_K) + 1) * size

        # Head pieces: every snapshot, in the bucket where its interval starts.
        heads = timed.with_columns(
            ((pl.min_horizontal(pl.col(_END), first_boundary) - pl.col(_START)) // unit).alias(_W)
        ).filter(pl.col(_W) > 0)
        # Further pieces: only intervals crossing a boundary (at most one per boundary).
        rests = (
            timed.filter(pl.col(_END) > first_boundary)
            .with_columns(pl.int_ranges(pl.col(_K) + 1, (pl.col(_END) - 1) // size + 1).alias(_K))
            .explode(_K)
            .with_columns(
                (
                    (pl.min_horizontal(pl.col(_END), (pl.col(_K) + 1) * size) - pl.col(_K) * size) // unit
                ).alias(_W)
            )
        )
        atoms = _Atoms(book.measures)
        partial = pl.concat(
            [book.apply(pieces).group_by("ListingId", _K).agg(atoms.partial()) for pieces in (heads, rests)],
            how="vertical",
        )
        return self._finish(partial, buckets, atoms)


__all__ = ["L2TimeWeighted"]
