"""Benchmark: the book modules (ofi, microprice, volatility, liquidity) vs hand-written Polars queries.

Workloads are numpy-generated frames written once to Parquet (the same way the core's module
benchmarks build theirs), listings interleaved in time as in a venue's daily file:

* ``S``: 20 listings × 1 day, ~400k L2 snapshots (5 levels) and ~150k trades;
* ``M``: 100 listings × 2 days, ~3M snapshots and ~1M trades.

(``tools/bench``'s S and M are lakes from the full market generator; M takes ~40 GB of staging to
synthesise, too heavy for this shared machine, so these are module-level workloads of the same
listing counts' order.)

For each module, two queries computing the same columns under the config below, 60 s buckets:

* ``module``: ``Module(config).compute(...)`` on ``scan_parquet`` inputs;
* ``hand``: the query a quant would write by hand without the module's code: sort, ``shift``/
  ``diff`` ``.over(listing, day[, bucket])``, ``group_by``; for Stoikov's micro-price the same
  numpy solve per listing-day, written inline.

Each contender runs in a fresh process (``spawn``): the median of ``--runs`` collections (taking
turns is impossible across processes, so the pair is run twice, interleaved) and the process's
peak RSS (``ru_maxrss``). Outputs are checked equal (rel 1e-9, same nulls). microprice is measured
with ``weighted_mid: false``: its weighted-mid columns are the core's ``l2``/``l2tw``, benchmarked
in ``packages/basalt-core/benchmarks/bench_l2.py``.

Run: ``python packages/basalt-characteristics/benchmarks/bench_book.py [--workload S M] [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

LEVELS = 5
BUCKET = 60_000_000_000
CONFIGS: dict[str, dict[str, Any]] = {
    "ofi": {"levels": 5, "depth_normalised": True},
    "microprice": {"weighted_mid": False},
    "volatility": {"kernel_max_lag": 30},
    "liquidity": {"amihud_interval_seconds": 10.0},
}
WORKLOADS = {"S": (20, 1, 20_000, 7_500), "M": (100, 2, 15_000, 5_000)}
"""name → (listings, days, snapshots per listing-day, trades per listing-day)."""


# ------------------------------------------------------------------ workloads


def _times(rng: np.random.Generator, counts: np.ndarray, day: np.datetime64) -> np.ndarray:
    start = (day + np.timedelta64(8, "h")).astype("datetime64[us]").astype(np.int64)
    micros = rng.integers(0, int(8.5 * 3600 * 1e6), int(counts.sum()))
    listing = np.repeat(np.arange(len(counts)), counts)
    return start + micros[np.lexsort((micros, listing))]


def make_workload(name: str, folder: Path, seed: int = 7) -> tuple[Path, Path]:
    """Write the workload's l2 and trades Parquet files under ``folder``; return their paths."""
    listings, days, per_l2, per_trade = WORKLOADS[name]
    rng = np.random.default_rng(seed)
    l2_parts, trade_parts = [], []
    for d in range(days):
        day = np.datetime64("2026-01-05") + np.timedelta64(d, "D")
        counts = rng.poisson(per_l2, listings)
        n = int(counts.sum())
        firsts = np.cumsum(counts) - counts
        step = rng.choice([-1, 0, 0, 0, 1], n)
        step[firsts] = 0
        walk = np.cumsum(step) - np.repeat(np.cumsum(step)[firsts], counts)
        bid = np.repeat(rng.integers(1000, 20000, listings), counts) + walk
        spread = rng.choice([1, 1, 1, 2, 3], n)
        cols: dict[str, Any] = {
            "ListingId": np.repeat(np.arange(listings, dtype=np.int64) + 1000, counts),
            "TradeDate": np.full(n, day.astype("datetime64[ms]")),
            "EventTimestamp": _times(rng, counts, day).astype("datetime64[us]"),
            "L2EventNo": np.arange(n, dtype=np.int64),
            "MarketState": np.where(rng.random(n) < 0.98, "CONTINUOUS_TRADING", "AUCTION"),
        }
        for side, sign in (("Bid", -1), ("Ask", 1)):
            ticks = bid if side == "Bid" else bid + spread
            for level in range(1, LEVELS + 1):
                absent = rng.random(n) < 0.02 * level
                cols[f"{side}Price{level}"] = np.where(absent, np.nan, ticks * 0.01)
                cols[f"{side}Quantity{level}"] = rng.integers(1, 5000, n)
                ticks = ticks + sign * rng.choice([1, 1, 2], n)
        l2_parts.append(pl.DataFrame(cols).with_columns(pl.col("^.*Price\\d$").fill_nan(None)))
        counts = rng.poisson(per_trade, listings)
        n = int(counts.sum())
        firsts = np.cumsum(counts) - counts
        step = rng.choice([-2, -1, 0, 0, 1, 2], n)
        step[firsts] = 0
        walk = np.cumsum(step) - np.repeat(np.cumsum(step)[firsts], counts)
        trade_parts.append(
            pl.DataFrame(
                {
                    "ListingId": np.repeat(np.arange(listings, dtype=np.int64) + 1000, counts),
                    "TradeDate": np.full(n, day.astype("datetime64[ms]")),
                    "TradeTimestamp": _times(rng, counts, day).astype("datetime64[us]"),
                    "Price": (np.repeat(rng.integers(1000, 20000, listings), counts) + walk) * 0.01,
                    "Size": rng.choice([1.0, 50.0, 100.0, 250.0, 1000.0], n),
                    "AggressorSide": rng.choice([0, 1, 2], n, p=[0.05, 0.5, 0.45]),
                    "Classification": np.where(rng.random(n) < 0.9, "LIT_CONTINUOUS", "OFF_BOOK_ON_EXCHANGE"),
                }
            )
        )
    l2_path, trades_path = folder / f"{name}-l2.parquet", folder / f"{name}-trades.parquet"
    pl.concat(l2_parts).sort("EventTimestamp").write_parquet(l2_path)
    pl.concat(trade_parts).sort("TradeTimestamp").write_parquet(trades_path)
    return l2_path, trades_path


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


# ------------------------------------------------------------------ harness


def _query(module: str, contender: str, l2_path: str, trades_path: str) -> pl.LazyFrame:
    l2, trades = pl.scan_parquet(l2_path), pl.scan_parquet(trades_path)
    frame = trades if module == "liquidity" else l2
    if contender == "hand":
        return HAND[module](frame)
    # The classes straight from the catalogue: the plugin manager would import every installed
    # plugin (Dagster, ...) and inflate this process's memory.
    from basalt.timebuckets import TimeBuckets
    from basalt_characteristics.catalog_book import MODULES

    cls = {m.NAME: m for m in MODULES}[module]
    instance = cls(CONFIGS[module])
    return instance.compute({"l2": l2, "trades": trades}, TimeBuckets(seconds=60))


def _child(
    module: str, contender: str, l2_path: str, trades_path: str, runs: int, out: str
) -> dict[str, float]:
    query = _query(module, contender, l2_path, trades_path)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = query.collect()
        times.append(time.perf_counter() - start)
    result.sort("ListingId", "TimeBucket").write_parquet(out)
    return {"seconds": statistics.median(times), "peak_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM, MB).

    Not ``ru_maxrss``: Linux keeps that high-water mark across fork and exec, so a spawned child
    would report its parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _baseline(l2_path: str) -> dict[str, float]:
    """Peak memory of a child that only imports Polars and Basalt and reads the input's schema."""
    import basalt_characteristics.catalog_book  # noqa: F401

    pl.scan_parquet(l2_path).collect_schema()
    return {"seconds": 0.0, "peak_mb": peak_rss_mb()}


def run_isolated(*args: Any) -> dict[str, float]:
    """``_child`` in a fresh spawned process (its own peak RSS)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_child, *args).result()


def check_equal(module_out: pl.DataFrame, hand_out: pl.DataFrame) -> None:
    """Same keys, same nulls, values within rel 1e-9."""
    assert module_out.height == hand_out.height, (module_out.height, hand_out.height)
    joined = module_out.join(hand_out, on=["ListingId", "TimeBucket"], suffix="_hand")
    assert joined.height == module_out.height
    for column in module_out.columns:
        if column in ("ListingId", "TimeBucket"):
            continue
        a, b = joined[column].cast(pl.Float64), joined[f"{column}_hand"].cast(pl.Float64)
        assert (a.is_null() == b.is_null()).all(), column
        both = a.is_not_null()
        diff = ((a - b).abs() <= 1e-9 * b.abs() + 1e-18).filter(both)
        assert diff.all(), (column, joined.filter(both & ~((a - b).abs() <= 1e-9 * b.abs() + 1e-18)).head(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", nargs="+", default=["S", "M"], choices=list(WORKLOADS))
    parser.add_argument("--module", nargs="+", default=list(HAND), choices=list(HAND))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    baselines: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        folder = Path(tmp)
        for workload in args.workload:
            l2_path, trades_path = make_workload(workload, folder)
            sizes = (
                pl.scan_parquet(l2_path).select(pl.len()).collect().item(),
                pl.scan_parquet(trades_path).select(pl.len()).collect().item(),
            )
            with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
                base = pool.submit(_baseline, str(l2_path)).result()["peak_mb"]
            print(json.dumps({"workload": workload, "baseline_peak_mb": base}), flush=True)
            baselines[workload] = base
            for module in args.module:
                results: dict[str, list[dict[str, float]]] = {"module": [], "hand": []}
                for _ in range(2):  # interleaved, so load from other processes hits both alike
                    for contender in ("module", "hand"):
                        out = str(folder / f"{module}-{contender}.parquet")
                        results[contender].append(
                            run_isolated(module, contender, str(l2_path), str(trades_path), args.runs, out)
                        )
                check_equal(
                    pl.read_parquet(folder / f"{module}-module.parquet"),
                    pl.read_parquet(folder / f"{module}-hand.parquet"),
                )
                best = {name: min(r["seconds"] for r in runs) for name, runs in results.items()}
                peak = {name: max(r["peak_mb"] for r in runs) for name, runs in results.items()}
                rows.append(
                    (workload, module, sizes, best["module"], best["hand"], peak["module"], peak["hand"])
                )
                print(
                    json.dumps({"workload": workload, "module": module, "seconds": best, "peak_mb": peak}),
                    flush=True,
                )
    print()
    for workload, base in baselines.items():
        print(f"Workload {workload}: a child that only imports Polars and Basalt peaks at {base:.0f} MB.")
    print()
    print(
        "| workload | module | l2 rows | trades | module s | hand s | ratio | module peak MB | hand peak MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for workload, module, (n_l2, n_tr), ms, hs, mm, hm in rows:
        print(
            f"| {workload} | {module} | {n_l2:,} | {n_tr:,} | {ms:.3f} | {hs:.3f} | {ms / hs:.2f} | "
            f"{mm:.0f} | {hm:.0f} |"
        )


if __name__ == "__main__":
    main()
