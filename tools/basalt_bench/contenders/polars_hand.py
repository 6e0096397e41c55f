"""The hand-written Polars contender: one plain lazy query per output, the floor a Polars expert writes.

For ``l2-1min`` the contender is the one-pass ordered kernel of
:mod:`.l2_onepass`; the lazy L2 query below is the ``polars-explode`` contender.

Adapted from the per-module benchmarks (``packages/basalt-core/benchmarks``):
masked helper columns and a single ``group_by`` per output, Open/Close by
``min_by``/``max_by`` on an Int128 (timestamp, row) key (no sort), arithmetic
end-labelled right-closed 60 s buckets. Reads the lake's files directly (only
the columns needed) and writes ``out/<pass>.parquet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from basalt_bench.cases import L2_FAMILIES, LEVELS, TRADE_MEASURES
from basalt_bench.contenders import polars_l2
from basalt_bench.workloads import files

KEYS = ("ListingId", "TimeBucket")
DEFAULT_TRADE_MEASURES = (*TRADE_MEASURES[:3], "NotionalEUR", "NotionalUSD", *TRADE_MEASURES[3:])
SIDES = ("Bid", "Ask", "Total", "Unknown")


def scan(lake: Path, table: str) -> pl.LazyFrame:
    """All files of ``table`` (file order, then row order)."""
    return pl.scan_parquet([str(f) for f in files(lake, table)], hive_partitioning=False)


def lit_continuous(lake: Path) -> pl.LazyFrame:
    """Lit continuous trades with their bucket label."""
    ns = pl.col("TradeTimestamp").dt.cast_time_unit("ns").cast(pl.Int64)
    return (
        scan(lake, "trades")
        .filter(pl.col("Classification") == "LIT_CONTINUOUS")
        .with_columns(polars_l2.label(ns).alias("TimeBucket"))
    )


def trade_bars(trades: pl.LazyFrame, measures: tuple[str, ...]) -> pl.LazyFrame:
    """Per-side Volume, Count, Notional(, EUR, USD), VWAP, OHLC per (listing, bucket)."""
    side = pl.col("AggressorSide")
    masks = {
        "Bid": (side == 2).fill_null(False),
        "Ask": (side == 1).fill_null(False),
        "Total": pl.lit(True),
        "Unknown": ~side.is_in([1, 2]).fill_null(False),
    }
    p, s = pl.col("InstrumentCurrencyPrice"), pl.col("Size")
    priced = p.is_not_null()
    order = pl.col("TradeTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).cast(pl.Int128) * 2**64 + pl.col(
        "_row"
    ).cast(pl.Int128)
    values = {
        "S": s,
        "N": s * p,
        "EUR": pl.col("TradeNotionalEUR"),
        "USD": pl.col("TradeNotionalUSD"),
        "P": p,
    }
    helpers, aggs, post = [], [], []
    for name, m in masks.items():
        helpers += [m.alias(f"_{name}_m"), pl.when(m & priced).then(s).alias(f"_{name}_W")]
        helpers += [pl.when(m & priced).then(order).alias(f"_{name}_T")]
        helpers += [pl.when(m).then(v).alias(f"_{name}_{k}") for k, v in values.items()]
        col = {k: pl.col(f"_{name}_{k}") for k in ("m", "W", "T", *values)}
        count = pl.len() if name == "Total" else col["m"].sum()
        candidates = {
            "Volume": col["S"].sum(),
            "Count": count.cast(pl.Int64),
            "Notional": col["N"].sum(),
            "NotionalEUR": col["EUR"].sum(),
            "NotionalUSD": col["USD"].sum(),
            "Open": col["P"].min_by(col["T"]),
            "High": col["P"].max(),
            "Low": col["P"].min(),
            "Close": col["P"].max_by(col["T"]),
        }
        aggs += [candidates[m_].alias(f"Trade{name}{m_}") for m_ in measures if m_ in candidates]
        if "VWAP" in measures:
            aggs += [col["N"].sum().alias(f"_{name}_n"), col["W"].sum().alias(f"_{name}_d")]
            den = pl.col(f"_{name}_d")
            post.append(pl.when(den > 0).then(pl.col(f"_{name}_n") / den).alias(f"Trade{name}VWAP"))
    return (
        trades.with_row_index("_row")
        .with_columns(helpers)
        .group_by(*KEYS)
        .agg(aggs)
        .with_columns(post)
        .drop(pl.selectors.starts_with("_"))
    )


def tca_bars(trades: pl.LazyFrame, horizons: tuple[str, ...] = ("1000ms", "5000ms")) -> pl.LazyFrame:
    """Size-weighted effective spread, realized spread and price impact per (listing, bucket)."""
    side = pl.col("AggressorSide")
    q = pl.when(side == 1).then(1.0).when(side == 2).then(-1.0)
    p, s, mid = pl.col("InstrumentCurrencyPrice"), pl.col("Size"), pl.col("PreTradeMid1ms")
    eligible = q.is_not_null() & p.is_not_null() & (mid > 0) & s.is_not_null()
    parts = {"TradeEffectiveSpread": (eligible, 2.0 * q * (p - mid))}
    for h in horizons:
        after = pl.col(f"PostTradeMid{h}")
        ok = eligible & (after > 0)
        parts[f"TradeRealizedSpread{h}"] = (ok, 2.0 * q * (p - after))
        parts[f"TradePriceImpact{h}"] = (ok, 2.0 * q * (after - mid))
    aggs, post = [], []
    for name, (ok, value) in parts.items():
        aggs.append(pl.when(ok).then(s).sum().alias(f"_{name}_w"))
        aggs.append(pl.when(ok).then(s * value).sum().alias(f"_{name}_p"))
        aggs.append(pl.when(ok).then(s * (value / mid * 1e4)).sum().alias(f"_{name}_b"))
        den = pl.col(f"_{name}_w")
        post.append(pl.when(den > 0).then(pl.col(f"_{name}_p") / den).alias(name))
        post.append(pl.when(den > 0).then(pl.col(f"_{name}_b") / den).alias(f"{name}Bps"))
    return trades.group_by(*KEYS).agg(aggs).with_columns(post).drop(pl.selectors.starts_with("_"))


def _full_join(left: pl.LazyFrame, right: pl.LazyFrame) -> pl.LazyFrame:
    return left.join(right, on=list(KEYS), how="full", coalesce=True)


def reaggregate(bars: pl.LazyFrame, lake: Path) -> pl.LazyFrame:
    """The demo's pass 2: 1-minute listing bars → 15-minute instrument bars."""
    reference = (
        scan(lake, "reference")
        .select("ListingId", pl.col("Date").cast(pl.Date), "InstrumentId")
        .unique(["ListingId", "Date"], keep="last")
    )
    size = 900_000_000_000
    volume = pl.col("TradeTotalVolume")

    def weighted(x: str) -> pl.Expr:
        valid = pl.col(x).is_not_null() & volume.is_not_null()
        den = volume.filter(valid).sum()
        return pl.when(den != 0).then((pl.col(x) * volume).filter(valid).sum() / den)

    def total(x: str) -> pl.Expr:
        return pl.when(pl.col(x).count() > 0).then(pl.col(x).sum())

    day = (pl.col("TimeBucket") - pl.duration(nanoseconds=1)).dt.date()
    return (
        bars.with_columns(day.alias("Date"))
        .join(reference, on=["ListingId", "Date"])
        .with_columns(polars_l2.label(pl.col("TimeBucket").cast(pl.Int64), size).alias("TimeBucket"))
        .group_by("InstrumentId", "TimeBucket")
        .agg(
            total("TradeTotalVolume"),
            total("TradeTotalCount"),
            total("TradeTotalNotional"),
            weighted("TradeTotalVWAP").alias("TradeTotalVWAP"),
            pl.col("TradeTotalHigh").max(),
            pl.col("TradeTotalLow").min(),
            pl.col("SpreadBps").mean(),
        )
    )


def queries(case: str, lake: Path) -> dict[str, pl.LazyFrame]:
    """Output name → the lazy query computing it."""
    if case == "trade-1min":
        return {"bars": trade_bars(lit_continuous(lake), tuple(TRADE_MEASURES))}
    if case == "tca":
        return {"bars": tca_bars(lit_continuous(lake))}
    l2 = scan(lake, "l2")
    if case == "l2-1min":  # the lazy formulation (``polars-explode``); ``run`` uses the one-pass one
        families = tuple(L2_FAMILIES)
        last = polars_l2.last(l2, LEVELS, families, ohlc=False)
        return {"bars": _full_join(last, polars_l2.twa(l2, LEVELS, families))}
    if case == "full-pass":
        trades = trade_bars(lit_continuous(lake), DEFAULT_TRADE_MEASURES)
        return {"bars": _full_join(trades, polars_l2.last(l2, LEVELS, polars_l2.ALL_FAMILIES, ohlc=True))}
    raise ValueError(f"no hand-written Polars query for case {case!r}")


def run(case: str, lake: Path, out: Path) -> dict[str, Any]:
    """Compute the case's outputs and write them to ``out``; returns their row counts.

    ``l2-1min`` is computed in one ordered pass (:mod:`.l2_onepass`): the fastest
    exact formulation, the yardstick of issue #12.
    """
    if case == "l2-1min":
        from basalt_bench.contenders import l2_onepass

        frame = l2_onepass.l2_bars(lake)
        frame.write_parquet(out / "bars.parquet")
        return {"bars": frame.height}
    return run_explode(case, lake, out)


def run_explode(case: str, lake: Path, out: Path) -> dict[str, Any]:
    """The lazy queries of :func:`queries` (for ``l2-1min``: the ``polars-explode`` contender)."""
    rows = {}
    for name, query in queries(case, lake).items():
        frame = query.sort(*KEYS).collect()
        frame.write_parquet(out / f"{name}.parquet")
        rows[name] = frame.height
        if case == "full-pass":  # pass 2 reads pass 1's result in memory, as Basalt does
            bars15 = reaggregate(frame.lazy(), lake).sort("InstrumentId", "TimeBucket").collect()
            bars15.write_parquet(out / "bars15.parquet")
            rows["bars15"] = bars15.height
    return rows
