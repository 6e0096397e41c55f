"""The hand-written Polars queries ``bench_book.py`` races the book modules against.

Each computes exactly the numbers of one module under the benchmark's configuration
(``CONFIGS`` there), the way a quant would write it without a framework.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

LEVELS = 5
BUCKET = 60_000_000_000
"""One-minute buckets, in nanoseconds."""


# ------------------------------------------------------------------ hand-written queries


def _ns(column: str) -> pl.Expr:
    return pl.col(column).dt.cast_time_unit("ns").cast(pl.Int64)


def _bucket(column: str) -> pl.Expr:
    return (-((-_ns(column)) // BUCKET) * BUCKET).cast(pl.Datetime("ns")).alias("TimeBucket")


def _sorted_l2(l2: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    return l2.select(
        "ListingId",
        "TradeDate",
        "EventTimestamp",
        "L2EventNo",
        "MarketState",
        _bucket("EventTimestamp"),
        *columns,
    ).sort("ListingId", "EventTimestamp", "L2EventNo")


def hand_ofi(l2: pl.LazyFrame) -> pl.LazyFrame:
    cols = [f"{s}{f}{m}" for m in range(1, LEVELS + 1) for s in ("Bid", "Ask") for f in ("Price", "Quantity")]
    rows = _sorted_l2(l2, cols)
    day = ["ListingId", "TradeDate"]
    cont = pl.col("MarketState") == "CONTINUOUS_TRADING"
    counted = cont & cont.shift(1).over(day).fill_null(False)
    flows = []
    for m in range(1, LEVELS + 1):
        pb, qb, pa, qa = (
            pl.col(f"{s}{f}{m}")
            for s, f in (("Bid", "Price"), ("Bid", "Quantity"), ("Ask", "Price"), ("Ask", "Quantity"))
        )
        pb0, qb0, pa0, qa0 = (c.shift(1).over(day) for c in (pb, qb, pa, qa))
        bid_ok = pb.is_not_null() & pb0.is_not_null() & qb.is_not_null() & qb0.is_not_null()
        ask_ok = pa.is_not_null() & pa0.is_not_null() & qa.is_not_null() & qa0.is_not_null()
        bid = pl.when(pb >= pb0).then(qb).otherwise(0) - pl.when(pb <= pb0).then(qb0).otherwise(0)
        ask = pl.when(pa >= pa0).then(qa0).otherwise(0) - pl.when(pa <= pa0).then(qa).otherwise(0)
        e = pl.when(bid_ok).then(bid).otherwise(0) + pl.when(ask_ok).then(ask).otherwise(0)
        flows.append(pl.when(counted).then(e).otherwise(0).cast(pl.Float64).alias(f"OFI{m}"))
    depth = pl.when(pl.col("BidPrice1").is_not_null() & pl.col("AskPrice1").is_not_null()).then(
        (pl.col("BidQuantity1") + pl.col("AskQuantity1")) / 2.0
    )
    out = (
        rows.with_columns(*flows, depth.alias("depth"), cont.alias("cont"))
        .filter("cont")
        .group_by("ListingId", "TimeBucket")
        .agg(*[pl.col(f"OFI{m}").sum() for m in range(1, LEVELS + 1)], pl.col("depth").mean())
    )
    return out.with_columns(
        pl.when(pl.col("depth") != 0).then(pl.col("OFI1") / pl.col("depth")).alias("OFINormalised")
    ).drop("depth")


def hand_volatility(l2: pl.LazyFrame, lags: int = 30, q: int = 10) -> pl.LazyFrame:
    rows = _sorted_l2(l2, ["BidPrice1", "AskPrice1"]).filter(pl.col("MarketState") == "CONTINUOUS_TRADING")
    mid = (pl.col("BidPrice1") + pl.col("AskPrice1")) / 2
    rows = rows.filter(mid.is_not_null() & (mid > 0)).with_columns(mid.alias("p"), mid.log().alias("lp"))
    g = ["ListingId", "TradeDate", "TimeBucket"]
    r = pl.col("lp").diff().over(g)
    rows = rows.with_columns(r.alias("r"), pl.int_range(pl.len()).over(g).alias("i"))
    rows = rows.with_columns(
        (pl.col("r").abs() * pl.col("r").shift(1).abs()).over(g).alias("bp"),
        pl.when(pl.col("i") % q == 0).then(pl.col("lp").diff(q).over(g)).alias("rs"),
        *[(pl.col("r") * pl.col("r").shift(h)).over(g).alias(f"g{h}") for h in range(1, lags + 1)],
    )
    agg = rows.group_by("ListingId", "TimeBucket").agg(
        pl.len().alias("n1"),
        (pl.col("r") ** 2).sum().alias("rv"),
        pl.col("bp").sum().alias("bv"),
        (pl.col("rs") ** 2).sum().alias("iv"),
        *[pl.col(f"g{h}").sum() for h in range(1, lags + 1)],
        pl.col("p").first().alias("o"),
        pl.col("p").max().alias("h"),
        pl.col("p").min().alias("l"),
        pl.col("p").last().alias("c"),
    )
    n = (pl.col("n1") - 1).cast(pl.Float64)
    rule = (
        ((144 / 0.269) ** 0.2 * (pl.col("rv") / (2 * n) / pl.col("iv")) ** 0.4 * n**0.6).ceil().clip(1, lags)
    )
    big_h = (
        pl.when(pl.col("n1") < q + 1)
        .then(None)
        .when(pl.col("rv") == 0)
        .then(1.0)
        .when(pl.col("iv") == 0)
        .then(float(lags))
        .otherwise(rule)
    )
    agg = agg.with_columns(big_h.alias("H"))
    weights = []
    for h in range(1, lags + 1):
        x = (h - 1) / pl.col("H")
        k = pl.when(x <= 0.5).then(1 - 6 * x**2 + 6 * x**3).when(x <= 1).then(2 * (1 - x) ** 3).otherwise(0.0)
        weights.append(k * pl.col(f"g{h}"))
    hl, co = (pl.col("h") / pl.col("l")).log(), (pl.col("c") / pl.col("o")).log()
    return agg.select(
        "ListingId",
        "TimeBucket",
        pl.when(pl.col("n1") >= 2).then(pl.col("rv")).alias("MidRealizedVariance"),
        pl.when(pl.col("n1") >= 3).then(pl.col("bv") * math.pi / 2).alias("MidBipowerVariation"),
        pl.when(pl.col("H").is_not_null())
        .then(pl.col("rv") + 2 * pl.sum_horizontal(weights))
        .alias("MidRealizedKernel"),
        pl.col("H").cast(pl.Int64).alias("MidRealizedKernelBandwidth"),
        (hl**2 / (4 * math.log(2))).alias("MidParkinsonVariance"),
        (0.5 * hl**2 - (2 * math.log(2) - 1) * co**2).alias("MidGarmanKlassVariance"),
    )


def hand_liquidity(trades: pl.LazyFrame, sub_ns: int = 10_000_000_000) -> pl.LazyFrame:
    t = (
        trades.filter(pl.col("Classification") == "LIT_CONTINUOUS")
        .select(
            "ListingId",
            "TradeDate",
            "TradeTimestamp",
            "Price",
            "Size",
            "AggressorSide",
            _bucket("TradeTimestamp"),
        )
        .sort("ListingId", "TradeTimestamp", maintain_order=True)
    )
    g = ["ListingId", "TradeDate", "TimeBucket"]
    sign = (
        pl.when(pl.col("AggressorSide") == 1)
        .then(1.0)
        .when(pl.col("AggressorSide") == 2)
        .then(-1.0)
        .otherwise(0.0)
    )
    t = t.with_columns(
        pl.col("Price").diff().over(g).alias("dp"),
        pl.col("Price").log().diff().over(g).alias("lr"),
        (sign * pl.col("Size")).alias("sv"),
        (sign * (pl.col("Price") * pl.col("Size")).sqrt()).alias("ssd"),
        (pl.col("Price") * pl.col("Size")).alias("dv"),
        (-((-_ns("TradeTimestamp")) // sub_ns)).alias("sub"),
    ).with_columns(pl.col("dp").shift(1).over(g).alias("dp0"))

    def slope(x: str, y: str) -> pl.Expr:
        ok = pl.col(y).is_not_null()
        xs, ys = pl.col(x).filter(ok), pl.col(y).filter(ok)
        return pl.when((ok.sum() >= 2) & (xs.var(ddof=0) > 0)).then(pl.cov(xs, ys, ddof=0) / xs.var(ddof=0))

    ok = pl.col("dp0").is_not_null()
    cov = pl.cov(pl.col("dp").filter(ok), pl.col("dp0").filter(ok), ddof=0)
    scale = (pl.col("dp").filter(ok).var(ddof=0) * pl.col("dp0").filter(ok).var(ddof=0)).sqrt()
    per_bucket = t.group_by(g).agg(
        pl.when((pl.len() >= 4) & (cov < -1e-12 * scale)).then(2 * (-cov).sqrt()).alias("RollSpread"),
        slope("sv", "dp").alias("KyleLambda"),
        slope("ssd", "lr").alias("HasbrouckLambda"),
        pl.col("Price").max().alias("hi"),
        pl.col("Price").min().alias("lo"),
    )
    subs = (
        t.group_by("ListingId", "TradeDate", "sub", maintain_order=True)
        .agg(pl.col("TimeBucket").first(), pl.col("Price").last().alias("close"), pl.col("dv").sum())
        .sort("ListingId", "TradeDate", "sub")
        .with_columns(
            ((pl.col("close") / pl.col("close").shift(1)).log().abs().over("ListingId", "TradeDate")).alias(
                "ar"
            )
        )
        .with_columns(pl.when(pl.col("dv") > 0).then(pl.col("ar") / pl.col("dv")).alias("am"))
        .group_by(g)
        .agg(pl.col("am").mean().alias("AmihudIlliquidity"))
    )
    prev = per_bucket.select(
        "ListingId",
        "TradeDate",
        (pl.col("TimeBucket") + pl.duration(nanoseconds=BUCKET)),
        pl.col("hi").alias("hi0"),
        pl.col("lo").alias("lo0"),
    )
    out = per_bucket.join(subs, on=g, how="left").join(prev, on=g, how="left")
    hi, lo, hi0, lo0 = (pl.col(c) for c in ("hi", "lo", "hi0", "lo0"))
    k = 3 - 2 * math.sqrt(2)
    beta = (hi / lo).log() ** 2 + (hi0 / lo0).log() ** 2
    gamma = (pl.max_horizontal(hi, hi0) / pl.min_horizontal(lo, lo0)).log() ** 2
    alpha = ((2 * beta).sqrt() - beta.sqrt()) / k - (gamma / k).sqrt()
    cs = pl.when(hi0.is_not_null()).then(pl.max_horizontal(2 * (alpha.exp() - 1) / (1 + alpha.exp()), 0.0))
    return out.select(
        "ListingId",
        "TimeBucket",
        "RollSpread",
        "AmihudIlliquidity",
        cs.alias("CorwinSchultzSpread"),
        "KyleLambda",
        "HasbrouckLambda",
    )


def _fit(group: pl.DataFrame, bins: int = 10, spreads: int = 2, terms: int = 6) -> pl.DataFrame:
    """Stoikov's estimator on one listing-day's transition counts (numpy, written inline)."""
    size = bins * spreads
    q, r2, r1 = np.zeros((size, size)), np.zeros((size, size)), np.zeros((size, 5))
    x, y, h, c = (group[col].to_numpy() for col in ("x0", "x", "h", "len"))
    mirror = lambda s: (s // bins) * bins + bins - 1 - s % bins  # noqa: E731
    for xs, ys, hs in ((x, y, h), (mirror(x), mirror(y), -h)):
        stay = hs == 0
        np.add.at(q, (xs[stay], ys[stay]), c[stay])
        np.add.at(r2, (xs[~stay], ys[~stay]), c[~stay])
        np.add.at(r1, (xs[~stay], hs[~stay] + 2), c[~stay])
    total = q.sum(1) + r2.sum(1)
    scale = np.divide(1.0, total, out=np.zeros(size), where=total > 0)[:, None]
    q, r1, r2 = q * scale, r1 * scale, r2 * scale
    try:
        inv = np.linalg.inv(np.eye(size) - q)
        g1, b = inv @ (r1 @ (np.arange(-2, 3) / 2.0)), inv @ r2
        g, term = np.zeros(size), g1
        for _ in range(terms):
            g, term = g + term, b @ term
    except np.linalg.LinAlgError:
        g = np.full(size, np.nan)
    table = pl.DataFrame({"x": np.arange(size, dtype=np.int64), "g": g}).with_columns(
        pl.col("g").fill_nan(None)
    )
    return group.head(1).select("ListingId", "TradeDate").join(table, how="cross")


def hand_microprice(l2: pl.LazyFrame, bins: int = 10, spreads: int = 2) -> pl.LazyFrame:
    rows = _sorted_l2(l2, ["BidPrice1", "AskPrice1", "BidQuantity1", "AskQuantity1"])
    rows = rows.filter(pl.col("MarketState") == "CONTINUOUS_TRADING")
    day = ["ListingId", "TradeDate"]
    pb, pa, qb, qa = (pl.col(c) for c in ("BidPrice1", "AskPrice1", "BidQuantity1", "AskQuantity1"))
    rows = rows.with_columns(
        pl.when(pa - pb > 0).then(pa - pb).min().over(day).alias("tick"), ((pb + pa) / 2).alias("mid")
    )
    ticks = ((pa - pb) / pl.col("tick")).round(0)
    ok = (pb.is_not_null() & pa.is_not_null() & (qb + qa > 0) & (ticks >= 1) & (ticks <= spreads)).fill_null(
        False
    )
    b = pl.min_horizontal((qb / (qb + qa) * bins).floor(), bins - 1)
    rows = rows.with_columns(pl.when(ok).then((ticks - 1) * bins + b).cast(pl.Int64).alias("x"))
    half = ((pl.col("mid") - pl.col("mid").shift(1)) * 2 / pl.col("tick")).round(0).over(day).cast(pl.Int64)
    counts = (
        rows.with_columns(pl.col("x").shift(1).over(day).alias("x0"), half.alias("h"))
        .drop_nulls(["x0", "x", "h"])
        .filter(pl.col("h").abs() <= 2)
        .group_by(*day, "x0", "x", "h")
        .len()
    )
    table = counts.group_by(day).map_groups(
        _fit, schema={"ListingId": pl.Int64, "TradeDate": pl.Datetime("ms"), "x": pl.Int64, "g": pl.Float64}
    )
    last = rows.group_by("ListingId", "TradeDate", "TimeBucket").agg(
        pl.all().sort_by("EventTimestamp", "L2EventNo").last()
    )
    joined = last.select("ListingId", "TradeDate", "TimeBucket", "x", "mid", "tick").join(
        table, on=[*day, "x"], how="left"
    )
    return joined.select(
        "ListingId", "TimeBucket", (pl.col("mid") + pl.col("tick") * pl.col("g")).alias("MicroPriceStoikov")
    )


HAND = {
    "ofi": hand_ofi,
    "microprice": hand_microprice,
    "volatility": hand_volatility,
    "liquidity": hand_liquidity,
}
