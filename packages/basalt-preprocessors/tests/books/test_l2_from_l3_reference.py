"""``l2_from_l3`` against the plain-Python reference: random event streams and the real BMLL sample rows.

The random streams draw every path the kernel has (inserts, cancels, partial and
full executions, reprices, renamed ids, unknown ids, negative and zero sizes,
multi-row events, market-state changes between rows) on two listings and two
days; the reference replays each listing-day with dicts and loops.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from reference_replay import reference_replay

from basalt.testing import run_module
from basalt_preprocessors.replay._jit import JIT_ENABLED
from basalt_preprocessors.replay.module import L2FromL3
from bmll_sample import sample_frame

STATES = ("OPENING_AUCTION", "CONTINUOUS_TRADING", "CLOSING_AUCTION")


def random_l3(seed: int, n: int = 1_500) -> pl.DataFrame:
    """A random but mostly coherent L3 stream of two listings over two days, with anomalies."""
    rng = np.random.default_rng(seed)
    rows = []
    for listing in (11, 12):
        for day in (dt.datetime(2024, 3, 4), dt.datetime(2024, 3, 5)):
            live: dict[str, tuple[int, float, int]] = {}
            t = day + dt.timedelta(hours=8)
            next_id = 0
            for k in range(n):
                t += dt.timedelta(microseconds=int(rng.integers(0, 3)))  # instants shared by several rows
                draw = rng.random()
                side = int(rng.integers(1, 3))
                price = round(100 + (rng.integers(-15, 1) if side == 1 else rng.integers(0, 16)) * 0.5, 2)
                size = int(rng.integers(1, 500))
                state = STATES[min(2, 3 * k // n)]
                if draw < 0.45 or not live:
                    oid, old, action = f"o{next_id}", None, 2
                    next_id += 1
                    live[oid] = (side, price, size)
                elif draw < 0.97:
                    old = list(live)[int(rng.integers(0, len(live)))]
                    side, old_price, old_size = live.pop(old)
                    kind = rng.random()
                    if kind < 0.4:  # cancel or full execution
                        oid, action, price, size = None, 3, None, 0
                    else:
                        action = 4
                        oid = old if kind < 0.9 else f"r{next_id}"  # a renamed order now and then
                        next_id += 1
                        if kind < 0.6:  # partial execution: same price, smaller size
                            price, size = old_price, max(0, old_size - int(rng.integers(1, 200)))
                        elif kind < 0.65:
                            price = None  # no price given: the old one
                        if size > 0:
                            live[oid] = (side, old_price if price is None else price, size)
                else:  # anomalies
                    action = int(rng.integers(2, 5))
                    oid, old = f"x{int(rng.integers(0, 50))}", f"x{int(rng.integers(0, 50))}"
                    size = int(rng.integers(-3, 3))
                    if action == 3:
                        oid = None
                rows.append(
                    {
                        "ListingId": listing,
                        "TradeDate": day,
                        "TimestampNanoseconds": t,
                        "EventNo": k + 1,
                        "BMLLSequenceNo": 8 * (k + 1),
                        "Side": side,
                        "LobAction": action,
                        "OrderId": oid if oid is not None else "",
                        "OldOrderId": old if old is not None else "",
                        "Price": price,
                        "Size": size,
                        "EndOfEvent": bool(rng.random() < 0.7) or k == n - 1,
                        "MarketState": state,
                    }
                )
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        pl.col("TradeDate").cast(pl.Datetime("ms")), pl.col("TimestampNanoseconds").cast(pl.Datetime("ns"))
    ).sample(fraction=1.0, shuffle=True, seed=seed)  # the module orders rows itself


def random_changes(l3: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Market-state changes at the instants (and sequence numbers) of random rows, and one before each day."""
    rng = np.random.default_rng(seed)
    picked = l3.sample(n=12, seed=seed).select("ListingId", "TimestampNanoseconds", "BMLLSequenceNo")
    first = l3.group_by("ListingId", "TradeDate").agg(pl.col("TimestampNanoseconds").min())
    return pl.concat(
        [
            picked.with_columns(
                pl.col("BMLLSequenceNo") + pl.Series(rng.choice([-1, 1], picked.height)),
                pl.Series("MarketState", rng.choice(list(STATES), picked.height)),
            ),
            first.select(
                "ListingId",
                (pl.col("TimestampNanoseconds") - pl.duration(seconds=1)).cast(pl.Datetime("ns")),
                pl.lit(0, dtype=pl.Int64).alias("BMLLSequenceNo"),
                pl.lit("OPENING_AUCTION").alias("MarketState"),
            ),
        ]
    )


def expected(l3: pl.DataFrame, changes: pl.DataFrame | None, **options: object) -> pl.DataFrame:
    """The reference's snapshots of every listing-day, as one frame (times as integer ns, exact)."""
    ns = pl.col("TimestampNanoseconds").cast(pl.Int64)
    out = []
    l3 = l3.with_columns(ns.alias("_ns"))
    for (listing, day), rows in l3.group_by("ListingId", "TradeDate"):
        rows = rows.with_columns(pl.col("_ns").alias("TimestampNanoseconds"))
        day_changes = None
        if changes is not None:
            on_day = changes["TimestampNanoseconds"].dt.date() == day.date()
            day_changes = (
                changes.filter((pl.col("ListingId") == listing) & on_day).with_columns(ns).to_dicts()
            )
        for snap in reference_replay(rows.to_dicts(), day_changes, **options):
            out.append({"ListingId": listing, **snap})
    return pl.DataFrame(out, infer_schema_length=None)


def assert_same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    columns = want.columns
    got = got.select(columns).sort("ListingId", "TimestampNanoseconds", "L2EventNo")
    want = want.with_columns(pl.col("TimestampNanoseconds").cast(pl.Datetime("ns"))).select(columns)
    want = want.sort("ListingId", "TimestampNanoseconds", "L2EventNo").cast(got.schema)
    assert got.height == want.height
    for column in columns:
        assert got[column].equals(want[column]), column


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"levels": 4},
        {"snapshot_at": "row"},
        {"changes_only": False, "levels": 2},
    ],
)
def test_random_streams_match_the_reference(options: dict[str, object]) -> None:
    l3 = random_l3(seed=len(options))
    changes = random_changes(l3, seed=3)
    got = run_module(L2FromL3, {"l3": l3, "marketstate": changes}, config=options)
    assert got.height > 1_000
    assert got["UnknownOrderId"].any()
    assert got["NegativeSize"].any()
    assert got["BookCrossed"].any()
    assert_same(got, expected(l3, changes, **options))


def test_l3_alone_matches_the_reference() -> None:
    l3 = random_l3(seed=7, n=1_000)
    got = run_module(L2FromL3, {"l3": l3}, config={"marketstate": False})
    assert_same(got, expected(l3, None))


def test_real_bmll_sample_rows_match_the_reference() -> None:
    l3 = sample_frame("l3")
    got = run_module(L2FromL3, {"l3": l3}, config={"marketstate": False})
    want = expected(l3, None)
    assert got.height == 50  # one snapshot per row: every row ends an event, and changes the book
    assert_same(got, want)
    # The sample starts mid-day: a remove or update naming an order no earlier sample row gave an
    # id to was inserted before the sample (flagged, never fatal).
    seen: set[str] = set()
    unknown = 0
    for row in l3.sort("EventNo").iter_rows(named=True):
        if row["LobAction"] in (3, 4) and row["OldOrderId"] not in seen:
            unknown += 1
        seen.add(row["OrderId"])
    assert 0 < unknown == got["UnknownOrderId"].sum()


def test_real_sample_replays_the_book_it_inserts() -> None:
    # 58415 inserts 348983101944575688 (6844 at 99.68) and 58433 removes it: the bid at 99.68 goes back.
    got = run_module(L2FromL3, {"l3": sample_frame("l3")}, config={"marketstate": False}).sort("L2EventNo")
    inserted = got.filter(pl.col("L3EventNo") == 58415)
    assert inserted["BidPrice1"].item() == 99.68
    assert inserted["BidQuantity1"].item() == 6844


@pytest.mark.skipif(not JIT_ENABLED, reason="compares the compiled kernel with the pure-Python one")
def test_pure_python_kernel_gives_the_same_snapshots(tmp_path: Path) -> None:
    l3 = random_l3(seed=5, n=800)
    changes = random_changes(l3, seed=5)
    l3.write_parquet(tmp_path / "l3.parquet")
    changes.write_parquet(tmp_path / "ms.parquet")
    code = (
        "import sys, polars as pl\n"
        "from basalt.testing import run_module\n"
        "from basalt_preprocessors.replay._jit import JIT_ENABLED\n"
        "from basalt_preprocessors.replay.module import L2FromL3\n"
        "assert not JIT_ENABLED\n"
        "d = sys.argv[1]\n"
        "inputs = {'l3': pl.read_parquet(d + '/l3.parquet'),\n"
        "          'marketstate': pl.read_parquet(d + '/ms.parquet')}\n"
        "run_module(L2FromL3, inputs, config={'levels': 5}).write_parquet(d + '/out.parquet')\n"
    )
    env = {**os.environ, "BASALT_REPLAY_JIT": "0"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, check=True)
    pure = pl.read_parquet(tmp_path / "out.parquet").sort("ListingId", "TradeDate", "L2EventNo")
    compiled = run_module(L2FromL3, {"l3": l3, "marketstate": changes}, config={"levels": 5})
    assert pure.height > 500
    assert pure.equals(compiled.sort("ListingId", "TradeDate", "L2EventNo"))


def test_bmll_publishes_l2_exactly_after_events_touching_the_top_ten() -> None:
    # The convention changes_only follows, read off BMLL's own sample: of the L3 events up to the
    # last sample L2 row, those touching levels 1-10 (PriceLevel or OldPriceLevel) have an L2 row
    # at their instant, and those deeper (an insert, a remove or a reprice beyond level 10 leaving
    # the level counts) have none. A fill (58442) and its resting remainder (58443) have one each.
    l3, l2 = sample_frame("l3"), sample_frame("l2")
    rows = (
        l3.filter(pl.col("TimestampNanoseconds") <= l2["TimestampNanoseconds"].max())
        .join(l2.select("TimestampNanoseconds", "L2EventNo"), on="TimestampNanoseconds", how="left")
        .select(
            "EventNo",
            pl.col("L2EventNo").is_not_null().alias("published"),
            pl.any_horizontal(pl.col("PriceLevel", "OldPriceLevel").is_between(1, 10)).alias("top10"),
        )
    )
    assert rows.height == 50
    assert rows["published"].sum() == 44
    assert rows["published"].equals(rows["top10"], check_names=False)
    assert rows.filter(pl.col("EventNo").is_in([58442, 58443]))["published"].all()
