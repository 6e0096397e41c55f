"""The hand-written Polars queries ``bench_flow.py`` races the flow modules against.

Each computes exactly the numbers of one module under its default configuration (60 s
buckets), the way a quant would write it with no framework: one sort, one as-of join,
one group_by; no configurability, no documentation.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from basalt.timebuckets import TimeBuckets

G = ["ListingId", "day"]


def _label(column: str, buckets: TimeBuckets) -> pl.Expr:
    size = buckets.nanoseconds
    ns = pl.col(column).dt.cast_time_unit("ns").cast(pl.Int64)
    return (-((-ns) // size) * size).cast(pl.Datetime("ns")).alias("TimeBucket")


def _lit_trades(trades: pl.LazyFrame) -> pl.LazyFrame:
    return (
        trades.filter(
            pl.col("Classification") == "LIT_CONTINUOUS",
            pl.col("InstrumentCurrencyPrice").is_not_null(),
            pl.col("Size").is_not_null(),
        )
        .with_columns(
            pl.col("TradeDate").cast(pl.Date).alias("day"), pl.col("InstrumentCurrencyPrice").alias("p")
        )
        .sort("ListingId", "TradeTimestamp", maintain_order=True)
    )


def _quotes(l2: pl.LazyFrame) -> pl.LazyFrame:
    return l2.sort("EventTimestamp", "L2EventNo").select(
        "ListingId",
        pl.col("TradeDate").cast(pl.Date).alias("day"),
        "EventTimestamp",
        "BidPrice1",
        "AskPrice1",
    )


def _asof(left: pl.LazyFrame, on: str, l2: pl.LazyFrame) -> pl.LazyFrame:
    return left.join_asof(
        _quotes(l2),
        left_on=on,
        right_on="EventTimestamp",
        by=G,
        allow_exact_matches=False,
        check_sortedness=False,
    )


def hand_classification(inputs: dict[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
    t = _asof(_lit_trades(inputs["trades"]), "TradeTimestamp", inputs["l2"])
    d = pl.col("p").diff().over(G)
    tick = pl.when(d != 0).then(d.sign()).forward_fill().over(G).fill_null(0)
    mid = (pl.col("BidPrice1") + pl.col("AskPrice1")) / 2
    t = t.with_columns(
        tick.alias("tick"),
        pl.when(pl.col("AggressorSide") == 1)
        .then(1)
        .when(pl.col("AggressorSide") == 2)
        .then(-1)
        .alias("truth"),
        _label("TradeTimestamp", buckets),
    ).with_columns(
        pl.when(mid.is_null() | (pl.col("p") == mid))
        .then("tick")
        .otherwise((pl.col("p") - mid).sign())
        .alias("lr")
    )
    s, truth = pl.col("Size"), pl.col("truth")
    b = t.group_by(*G, "TimeBucket").agg(
        s.filter(pl.col("tick") == 1).sum().alias("TickRuleBuyVolume"),
        s.filter(pl.col("tick") == -1).sum().alias("TickRuleSellVolume"),
        s.filter(pl.col("tick") == truth).sum().alias("tc"),
        s.filter(pl.col("lr") == 1).sum().alias("LeeReadyBuyVolume"),
        s.filter(pl.col("lr") == -1).sum().alias("LeeReadySellVolume"),
        s.filter(pl.col("lr") == truth).sum().alias("lc"),
        s.sum().alias("v"),
        s.filter(truth.is_not_null()).sum().alias("vk"),
        s.filter(truth == 1).sum().alias("vb"),
        s.filter(truth == -1).sum().alias("vs"),
        pl.col("p").last().alias("last"),
    )
    dp = pl.col("last").diff().over(G)
    f = 0.5 * (-pl.when(dp == 0).then(0.0).otherwise(dp / dp.std(ddof=0).over(G)) / 2**0.5).erfc()
    vk = pl.col("vk")
    return (
        b.sort(*G, "TimeBucket")
        .with_columns(f.alias("f"))
        .select(
            "ListingId",
            "TimeBucket",
            "TickRuleBuyVolume",
            "TickRuleSellVolume",
            pl.when(vk > 0).then(pl.col("tc") / vk).alias("TickRuleAccuracy"),
            "LeeReadyBuyVolume",
            "LeeReadySellVolume",
            pl.when(vk > 0).then(pl.col("lc") / vk).alias("LeeReadyAccuracy"),
            (pl.col("f") * pl.col("v")).alias("BVCBuyVolume"),
            ((1 - pl.col("f")) * pl.col("v")).alias("BVCSellVolume"),
            pl.when((vk > 0) & pl.col("f").is_not_null())
            .then(
                (pl.min_horizontal(pl.col("f") * vk, "vb") + pl.min_horizontal((1 - pl.col("f")) * vk, "vs"))
                / vk
            )
            .alias("BVCAccuracy"),
        )
        .sort("ListingId", "TimeBucket")
    )


def hand_vpin(
    inputs: dict[str, pl.LazyFrame], buckets: TimeBuckets, per_day: int = 50, n: int = 10
) -> pl.LazyFrame:
    total = pl.col("Size").sum().over(G)
    c = pl.col("Size").cum_sum().over(G)
    t = _lit_trades(inputs["trades"]).with_columns(
        _label("TradeTimestamp", buckets),
        pl.when(total > 0).then(total / per_day).alias("V"),
        pl.when(total > 0).then(((c - pl.col("Size")) * per_day / total).floor().cast(pl.Int64)).alias("lo"),
        pl.when(total > 0).then((c * per_day / total).floor().cast(pl.Int64)).alias("hi"),
    )
    dp = pl.col("p").diff().over(G)
    z = pl.when(dp == 0).then(0.0).otherwise(dp / dp.std(ddof=0).over(G))
    done = (
        t.filter(pl.col("hi") > pl.col("lo"))
        .select(*G, "TimeBucket", "p", pl.int_ranges(pl.col("lo") + 1, pl.col("hi") + 1).alias("j"))
        .explode("j")
        .with_columns(((-z / 2**0.5).erfc() - 1).abs().rolling_mean(n, min_samples=n).over(G).alias("vpin"))
        .group_by(*G, "TimeBucket")
        .agg(pl.col("vpin").last(), pl.len().cast(pl.Int64).alias("k"))
    )
    return (
        t.group_by(*G, "TimeBucket")
        .agg(pl.col("V").first().alias("VPINBucketVolume"))
        .join(done, on=[*G, "TimeBucket"], how="left")
        .sort(*G, "TimeBucket")
        .select(
            "ListingId",
            "TimeBucket",
            pl.col("vpin").forward_fill().over(G).alias("VPIN"),
            pl.col("k").fill_null(0).cum_sum().over(G).alias("VPINBucketCount"),
            "VPINBucketVolume",
        )
        .sort("ListingId", "TimeBucket")
    )


def hand_trade_characteristics(
    inputs: dict[str, pl.LazyFrame], buckets: TimeBuckets, lags: int = 5
) -> pl.LazyFrame:
    t = _asof(_lit_trades(inputs["trades"]), "TradeTimestamp", inputs["l2"]).with_columns(
        _label("TradeTimestamp", buckets),
        (pl.col("TradeTimestamp").diff().over(G).dt.total_nanoseconds() / 1e9).alias("dur"),
        pl.col("AggressorSide").replace_strict({1: 1.0, 2: -1.0}, default=None).alias("sign"),
    )
    sign = pl.col("sign").drop_nulls()
    dev = sign - sign.mean()
    den = (dev * dev).sum()
    p, bid, ask = pl.col("p"), pl.col("BidPrice1"), pl.col("AskPrice1")
    quoted = bid.is_not_null() & ask.is_not_null()
    touch = quoted & ((p == bid) | (p == ask))
    inside = quoted & ~touch & (p > bid) & (p < ask)
    nq = quoted.sum()
    return (
        t.group_by("ListingId", "TimeBucket")
        .agg(
            pl.col("Size").mean().alias("TradeSizeMean"),
            pl.col("Size").median().alias("TradeSizeMedian"),
            pl.col("Size").quantile(0.9, interpolation="linear").alias("TradeSizeP90"),
            pl.when(pl.col("LotType").count() > 0)
            .then((pl.col("LotType") == "ODD").sum() / pl.col("LotType").count())
            .alias("TradeOddLotShare"),
            pl.col("dur").mean().alias("TradeDurationMean"),
            pl.col("dur").median().alias("TradeDurationMedian"),
            *(
                pl.when((sign.len() > k) & (den > 0))
                .then((dev * dev.shift(k)).sum() / den)
                .alias(f"TradeSignAutocorr{k}")
                for k in range(1, lags + 1)
            ),
            pl.when(nq > 0).then(touch.sum() / nq).alias("TradeAtTouchShare"),
            pl.when(nq > 0).then(inside.sum() / nq).alias("TradeInsideShare"),
            pl.when(nq > 0).then((quoted & ~touch & ~inside).sum() / nq).alias("TradeOutsideShare"),
        )
        .sort("ListingId", "TimeBucket")
    )


def hand_l3(inputs: dict[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
    ev = inputs["l3"].with_columns(
        pl.col("TradeDate").cast(pl.Date).alias("day"), pl.col("OrderExecuted").fill_null(False)
    )
    t, a, x = pl.col("TimestampNanoseconds"), pl.col("LobAction"), pl.col("OrderExecuted")
    cancel = (a == 3) & ~x
    orders = (
        ev.filter(pl.col("OriginalOrderId") != "")
        .group_by(*G, "OriginalOrderId")
        .agg(
            t.filter(a == 2).min().alias("ins"),
            pl.col("Size").filter(a == 2).sort_by(t.filter(a == 2)).first().cast(pl.Float64).alias("size"),
            t.filter(a == 3).min().alias("end"),
            t.filter(cancel).min().alias("cxl"),
            pl.col("ExecutionSize").filter(x).sum().cast(pl.Float64).alias("exe"),
            ((a == 4) & ~x).sum().alias("mods"),
        )
        .filter(pl.col("ins").is_not_null())
        .with_columns(_label("ins", buckets))
    )
    life = (pl.col("end") - pl.col("ins")).dt.total_nanoseconds() / 1e9
    wait = (pl.col("cxl") - pl.col("ins")).dt.total_nanoseconds()
    cohort = orders.group_by("ListingId", "TimeBucket").agg(
        pl.len().cast(pl.Int64).alias("L3OrdersInserted"),
        pl.col("end").is_null().sum().cast(pl.Int64).alias("L3OrdersCensored"),
        life.median().alias("L3OrderLifetimeMedian"),
        life.quantile(0.9, interpolation="linear").alias("L3OrderLifetimeP90"),
        pl.when(pl.col("size").sum() > 0)
        .then(pl.col("exe").sum() / pl.col("size").sum())
        .alias("L3FillRatio"),
        (pl.col("mods").sum() / pl.len()).alias("L3ModificationRate"),
        ((wait <= 100_000_000).fill_null(False).sum() / pl.len()).alias("L3FleetingShare100ms"),
        ((wait <= 1_000_000_000).fill_null(False).sum() / pl.len()).alias("L3FleetingShare1000ms"),
    )
    quotes = _quotes(inputs["l2"])
    prices = (
        pl.concat([quotes.select(*G, p="BidPrice1"), quotes.select(*G, p="AskPrice1")]).drop_nulls().unique()
    )
    ticks = (
        prices.sort(*G, "p")
        .with_columns(pl.col("p").diff().over(G).alias("gap"))
        .filter(pl.col("gap") > 0)
        .group_by(G)
        .agg(pl.col("gap").min().round(10).alias("tick"))
    )
    cancels = (
        ev.filter(cancel)
        .with_columns(pl.col("TimestampNanoseconds").dt.cast_time_unit("ns").alias("tns"))
        .sort(*G, "tns")
        .join_asof(
            quotes.with_columns(pl.col("EventTimestamp").dt.cast_time_unit("ns")),
            left_on="tns",
            right_on="EventTimestamp",
            by=G,
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .join(ticks, on=G, how="left")
    )
    side = pl.col("Side")
    gap = pl.when(side == 1).then(pl.col("BidPrice1") - pl.col("OldPrice")).when(side == 2)
    gap = gap.then(pl.col("OldPrice") - pl.col("AskPrice1"))
    distance = (
        cancels.with_columns(_label("tns", buckets))
        .group_by("ListingId", "TimeBucket")
        .agg((gap / pl.col("tick")).round(6).median().alias("L3CancelDistanceTicksMedian"))
    )
    return (
        cohort.join(distance, on=["ListingId", "TimeBucket"], how="full", coalesce=True)
        .with_columns(pl.col("L3OrdersInserted", "L3OrdersCensored").fill_null(0))
        .sort("ListingId", "TimeBucket")
    )


HAND: dict[str, Callable[[dict[str, pl.LazyFrame], TimeBuckets], pl.LazyFrame]] = {
    "classification": hand_classification,
    "vpin": hand_vpin,
    "trade_characteristics": hand_trade_characteristics,
    "l3_characteristics": hand_l3,
}
