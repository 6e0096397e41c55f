"""Market phases: order of states, auctions that uncross once, imbalance, hours, DST and scaling."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from basalt.synth.schedule import STATE_CONTINUOUS, build_schedule

PRIMARY = ["CLOSED", "OPENING_AUCTION", "CONTINUOUS_TRADING", "CLOSING_AUCTION", "POST_TRADE", "CLOSED"]
WITH_HALT = [*PRIMARY[:3], "UNSCHEDULED_AUCTION", "CONTINUOUS_TRADING", *PRIMARY[3:]]
MTF = ["CLOSED", "CONTINUOUS_TRADING", "CLOSED"]
AUCTION_CLASS = {
    "OPENING_AUCTION": "LIT_OPENING_AUCTION",
    "UNSCHEDULED_AUCTION": "LIT_UNSCHEDULED_AUCTION",
    "CLOSING_AUCTION": "LIT_CLOSING_AUCTION",
}


def test_market_state_sequences(small: dict[str, pl.DataFrame], listing_mic: pl.DataFrame) -> None:
    ms = (
        small["marketstate"]
        .join(listing_mic, on="ListingId")
        .with_columns(day=pl.col("TimestampNanoseconds").dt.date())
    )
    sequences = ms.group_by("ListingId", "MIC", "day").agg(
        pl.col("MarketState"), pl.col("TimestampNanoseconds").is_sorted().alias("sorted")
    )
    assert sequences["sorted"].all()
    primary = sequences.filter(pl.col("MIC") == "XLON")["MarketState"].to_list()
    assert all(states in (PRIMARY, WITH_HALT) for states in primary)
    assert PRIMARY in primary
    assert WITH_HALT in primary
    assert all(states == MTF for states in sequences.filter(pl.col("MIC") != "XLON")["MarketState"].to_list())


def test_every_l3_row_carries_the_state_in_force(small: dict[str, pl.DataFrame]) -> None:
    states = small["marketstate"].select(
        "ListingId", pl.col("TimestampNanoseconds").alias("since"), pl.col("MarketState").alias("state")
    )
    rows = (
        small["l3"]
        .sort("ListingId", "TimestampNanoseconds")
        .join_asof(
            states.sort("ListingId", "since"),
            left_on="TimestampNanoseconds",
            right_on="since",
            by="ListingId",
            check_sortedness=False,
        )
    )
    assert (rows["MarketState"] == rows["state"]).all()
    assert not rows["MarketState"].is_in(["CLOSED", "POST_TRADE"]).any()


def test_each_auction_uncrosses_with_exactly_one_trade(
    small: dict[str, pl.DataFrame], listing_mic: pl.DataFrame
) -> None:
    ms = small["marketstate"].with_columns(
        TradeDate=pl.col("TimestampNanoseconds").dt.truncate("1d").cast(pl.Datetime("ms"))
    )
    auctions = (
        ms.filter(pl.col("MarketState").is_in(list(AUCTION_CLASS)))
        .group_by("ListingId", "TradeDate", "MarketState")
        .len("auctions")
    )
    prints = small["trades"].filter(pl.col("Classification").is_in(list(AUCTION_CLASS.values())))
    counted = prints.group_by("ListingId", "TradeDate", "MarketState").agg(
        pl.len().alias("prints"), pl.col("Classification").first(), pl.col("AggressorSide").max()
    )
    both = auctions.join(counted, on=["ListingId", "TradeDate", "MarketState"], how="full", coalesce=True)
    assert both.height == auctions.height > 0
    assert (both["prints"] == both["auctions"]).all()
    assert (both["Classification"] == both["MarketState"].replace_strict(AUCTION_CLASS)).all()
    assert (both["AggressorSide"] == 0).all()
    # Each print is the sum of its L3 executions on either side, all at the one uncrossing price.
    executions = (
        small["l3"]
        .filter(pl.col("OrderExecuted"))
        .join(
            prints.select(
                "ListingId", "TradeId", pl.col("Size").alias("Printed"), pl.col("Price").alias("At")
            ),
            on=["ListingId", "TradeId"],
        )
    )
    sides = executions.group_by("ListingId", "TradeId", "Side").agg(
        pl.col("ExecutionSize").sum(),
        pl.col("Printed").first(),
        (pl.col("ExecutionPrice") == pl.col("At")).all(),
    )
    assert sides.height == 2 * prints.height
    assert (sides["ExecutionSize"] == sides["Printed"]).all()
    assert sides["ExecutionPrice"].all()
    assert set(listing_mic.filter(pl.col("ListingId").is_in(prints["ListingId"].implode()))["MIC"]) == {
        "XLON"
    }


def test_imbalance_rows_come_from_auctions_only(small: dict[str, pl.DataFrame]) -> None:
    imbalance = small["imbalance"]
    assert imbalance.height > 0
    kinds = {"OPENING_AUCTION": "O", "UNSCHEDULED_AUCTION": "V", "CLOSING_AUCTION": "C"}
    assert set(imbalance["MarketState"].unique()) == set(kinds)
    assert (imbalance["ExchangeAuctionType"] == imbalance["MarketState"].replace_strict(kinds)).all()
    crossed = imbalance.filter("IsCrossed")
    assert crossed.height > 0
    assert crossed["IndicativeUncrossingPrice"].null_count() == 0
    assert (crossed["BestBidPrice"] >= crossed["IndicativeUncrossingPrice"]).all()
    assert (crossed["BestAskPrice"] <= crossed["IndicativeUncrossingPrice"]).all()
    assert (imbalance.filter(~pl.col("IsCrossed"))["PairedQuantity"] == 0).all()


def _continuous_start(day: dt.date, scale: float) -> tuple[int, int, int]:
    schedule = build_schedule(day, ("XLON", "BATE"), scale, np.random.default_rng(0), 0.0)
    phase = schedule.primary.of_state(STATE_CONTINUOUS)[0]
    start = dt.datetime.fromtimestamp(phase.start / 1e9, tz=dt.UTC)
    return start.hour, phase.end - phase.start, schedule.primary.tz_offset


def test_hours_follow_london_summer_time_and_scale() -> None:
    winter_hour, winter_length, winter_offset = _continuous_start(dt.date(2024, 3, 1), 1.0)
    summer_hour, _summer_length, summer_offset = _continuous_start(dt.date(2024, 6, 3), 1.0)
    assert (winter_hour, winter_offset) == (8, 0)  # 08:00 London = 08:00 UTC in winter
    assert (summer_hour, summer_offset) == (7, 3600)  # ... and 07:00 UTC in summer
    assert abs(winter_length - 8.5 * 3600e9) < 31e9  # 08:00:xx-16:30, xx the random opening uncross
    _, half_length, _ = _continuous_start(dt.date(2024, 3, 1), 0.5)
    assert abs(half_length - winter_length / 2) < 16e9
