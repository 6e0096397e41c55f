"""Hand-written Polars queries for L2 snapshots: last snapshot per bucket, OHLC bars, TWAs.

Written without the modules' code (adapted from
``packages/basalt-core/benchmarks/bench_l2.py``): the last snapshot and the bar
opens/closes by ``max_by``/``min_by`` on one Int128 (EventTimestamp, L2EventNo)
key joined back to the wide rows; time-weighted averages from each snapshot's
interval in force (next snapshot of the listing and day, or the end of its
bucket), the interval's head summed in its first bucket straight from the rows
and only intervals crossing a boundary exploded.
"""

from __future__ import annotations

import polars as pl

BUCKET_NS = 60_000_000_000
SIDES = ("Bid", "Ask")
ALL_FAMILIES = ("levels", "cumulative", "imbalance", "spread", "mid")
OHLC_SERIES = ("Mid", "Bid", "Ask", "WeightedMid")


def key() -> pl.Expr:
    """Snapshot order as one Int128: (EventTimestamp ns, L2EventNo)."""
    ns = pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).cast(pl.Int128)
    return ns * 2**64 + (pl.col("L2EventNo").cast(pl.Int128).fill_null(-(2**63)) + 2**63)


def label(ns: pl.Expr, size: int = BUCKET_NS) -> pl.Expr:
    """End label of the right-closed bucket holding ``ns`` (Int64 nanoseconds)."""
    return (-((-ns) // size) * size).cast(pl.Datetime("ns"))


def measures(levels: int, families: tuple[str, ...], microprice_levels: int = 3) -> dict[str, pl.Expr]:
    """Per-snapshot measures of ``families`` (output name → expression)."""
    depth = max(levels, microprice_levels if "mid" in families else 0)
    raw: dict[str, pl.Expr] = {}
    for side in SIDES:
        cq, cn, co = pl.lit(0), pl.lit(0.0), pl.lit(0)
        for level in range(1, depth + 1):
            p = pl.col(f"{side}Price{level}").fill_nan(None)
            q = pl.col(f"{side}Quantity{level}")
            o = pl.col(f"{side}NumOrders{level}")
            raw |= {f"{side}Price{level}": p, f"{side}Quantity{level}": q, f"{side}NumOrders{level}": o}
            cq, cn, co = cq + q.fill_null(0), cn + (p * q).fill_null(0.0), co + o.cast(pl.Int64).fill_null(0)
            raw |= {f"{side}CumQuantity{level}": cq, f"{side}CumNotional{level}": cn}
            raw[f"{side}CumOrders{level}"] = co
    out: dict[str, pl.Expr] = {}
    for family, fields in (
        ("levels", ("Price", "Quantity", "NumOrders")),
        ("cumulative", ("CumQuantity", "CumNotional", "CumOrders")),
    ):
        if family in families:
            out |= {
                f"{s}{f}{lv}": raw[f"{s}{f}{lv}"]
                for lv in range(1, levels + 1)
                for s in SIDES
                for f in fields
            }

    def ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
        return pl.when(den != 0).then(num.cast(pl.Float64) / den.cast(pl.Float64))

    if "imbalance" in families:
        for level in range(1, levels + 1):
            for field in ("Quantity", "CumQuantity", "CumNotional", "CumOrders"):
                b, a = raw[f"Bid{field}{level}"], raw[f"Ask{field}{level}"]
                out[f"Imbalance{field}{level}"] = ratio(b - a, b + a)
    bid, ask = raw["BidPrice1"], raw["AskPrice1"]
    mid = (bid + ask) / 2.0
    if "spread" in families:
        out["SpreadAbs"] = ask - bid
        out["SpreadBps"] = pl.when(mid > 0).then(1e4 * (ask - bid) / mid)
    if "mid" in families:
        out["Mid"] = mid
        for name, d in (("WeightedMid", 1), ("Microprice", microprice_levels)):
            bq, aq = raw[f"BidCumQuantity{d}"], raw[f"AskCumQuantity{d}"]
            out[name] = ratio(bid * aq.cast(pl.Float64) + ask * bq.cast(pl.Float64), bq + aq)
    return out


def _series() -> dict[str, pl.Expr]:
    bid, ask = pl.col("BidPrice1").fill_nan(None), pl.col("AskPrice1").fill_nan(None)
    bq, aq = pl.col("BidQuantity1"), pl.col("AskQuantity1")
    weighted = pl.when(bq + aq != 0).then((bid * aq + ask * bq) / (bq + aq).cast(pl.Float64))
    return {"Mid": (bid + ask) / 2.0, "Bid": bid, "Ask": ask, "WeightedMid": weighted}


def last(l2: pl.LazyFrame, levels: int, families: tuple[str, ...], *, ohlc: bool) -> pl.LazyFrame:
    """The book at each bucket's last snapshot (and OHLC bars of the touch series)."""
    ns = pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64)
    rows = l2.filter(pl.col("EventTimestamp").is_not_null()).with_row_index("row")
    series = _series() if ohlc else {}
    narrow = rows.select(
        "row",
        "ListingId",
        label(ns).alias("TimeBucket"),
        key().alias("key"),
        *(e.alias(n) for n, e in series.items()),
    )
    aggs = [pl.col("row").max_by("key")]
    for name in series:
        order = pl.when(pl.col(name).is_not_null()).then(pl.col("key"))
        aggs += [
            pl.col(name).min_by(order).alias(f"{name}Open"),
            pl.col(name).max().alias(f"{name}High"),
            pl.col(name).min().alias(f"{name}Low"),
            pl.col(name).max_by(order).alias(f"{name}Close"),
        ]
    bars = narrow.group_by("ListingId", "TimeBucket").agg(aggs)
    book = measures(levels, families)
    wide = rows.drop("ListingId").join(bars, on="row")
    bar_columns = [f"{n}{b}" for n in series for b in ("Open", "High", "Low", "Close")]
    return wide.select("ListingId", "TimeBucket", *(e.alias(n) for n, e in book.items()), *bar_columns)


def twa(l2: pl.LazyFrame, levels: int, families: tuple[str, ...]) -> pl.LazyFrame:
    """Time-weighted averages (``…TWA``) of the per-snapshot measures over each bucket."""
    t, end = pl.col("t"), pl.col("end")
    following = t.shift(-1).over("ListingId", "TradeDate", order_by="key")
    timed = (
        l2.filter(pl.col("EventTimestamp").is_not_null())
        .with_columns(
            pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).alias("t"), key().alias("key")
        )
        .with_columns(pl.coalesce(following, -((-t) // BUCKET_NS) * BUCKET_NS).alias("end"))
        .with_columns((t // BUCKET_NS).alias("k"))
    )
    boundary = (pl.col("k") + 1) * BUCKET_NS
    heads = timed.with_columns((pl.min_horizontal(end, boundary) - t).alias("w")).filter(pl.col("w") > 0)
    rests = (
        timed.filter(end > boundary)
        .with_columns(pl.int_ranges(pl.col("k") + 1, (end - 1) // BUCKET_NS + 1).alias("k"))
        .explode("k")
        .with_columns(
            (pl.min_horizontal(end, (pl.col("k") + 1) * BUCKET_NS) - pl.col("k") * BUCKET_NS).alias("w")
        )
    )
    book = measures(levels, families)
    w = pl.col("w")

    def sums(pieces: pl.LazyFrame) -> pl.LazyFrame:
        return (
            pieces.with_columns(e.alias(n) for n, e in book.items())
            .group_by("ListingId", "k")
            .agg(
                *((pl.col(n).cast(pl.Float64) * w.cast(pl.Float64)).sum().alias(f"n{n}") for n in book),
                *(pl.when(pl.col(n).is_not_null()).then(w).sum().alias(f"d{n}") for n in book),
            )
        )

    total = (
        pl.concat([sums(heads), sums(rests)])
        .group_by("ListingId", "k")
        .agg(pl.exclude("ListingId", "k").sum())
    )
    return total.select(
        "ListingId",
        ((pl.col("k") + 1) * BUCKET_NS).cast(pl.Datetime("ns")).alias("TimeBucket"),
        *(
            pl.when(pl.col(f"d{n}") > 0).then(pl.col(f"n{n}") / pl.col(f"d{n}")).alias(f"{n}TWA")
            for n in book
        ),
    )
