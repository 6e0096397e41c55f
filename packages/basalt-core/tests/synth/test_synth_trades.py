"""Trades-plus agrees with L3 executions: volumes, ids, sides; off-book prints have no L3 trace."""

from __future__ import annotations

import polars as pl

AUCTIONS = ("LIT_OPENING_AUCTION", "LIT_UNSCHEDULED_AUCTION", "LIT_CLOSING_AUCTION")


def test_lit_continuous_volume_equals_l3_executions_per_listing_day(small: dict[str, pl.DataFrame]) -> None:
    keys = ["ListingId", "TradeDate"]
    l3 = (
        small["l3"]
        .group_by(keys)
        .agg(
            continuous=pl.col("ExecutionSize").filter(pl.col("MarketState") == "CONTINUOUS_TRADING").sum(),
            total=pl.col("ExecutionSize").sum(),
        )
    )
    trades = (
        small["trades"]
        .group_by(keys)
        .agg(
            lit=pl.col("Size").filter(pl.col("Classification") == "LIT_CONTINUOUS").sum(),
            auctions=pl.col("Size").filter(pl.col("Classification").is_in(AUCTIONS)).sum(),
        )
    )
    both = l3.join(trades, on=keys, how="full", coalesce=True).fill_null(0)
    assert both.height == 12  # 2 instruments x 3 venues x 2 days
    assert (both["continuous"] == both["lit"]).all()
    # An uncross executes resting orders on both sides: each side's executions add up to the auction print.
    assert (both["total"] == both["lit"] + 2 * both["auctions"]).all()
    assert (both["lit"] > 0).all()


def test_one_lit_continuous_trade_per_l3_execution_row(small: dict[str, pl.DataFrame]) -> None:
    executions = small["l3"].filter(pl.col("OrderExecuted") & (pl.col("MarketState") == "CONTINUOUS_TRADING"))
    lit = small["trades"].filter(pl.col("Classification") == "LIT_CONTINUOUS")
    assert executions.height == lit.height
    matched = executions.join(lit, on=["ListingId", "TradeId"], how="inner", suffix="_trade")
    assert matched.height == lit.height
    assert (matched["ExecutionSize"] == matched["Size_trade"]).all()
    assert (matched["ExecutionPrice"] == matched["Price_trade"]).all()
    assert (matched["TimestampNanoseconds"] == matched["TradeTimestampNanoseconds"]).all()
    # The passive order is on the side opposite the aggressor.
    assert (matched["Side"] != matched["AggressorSide"]).all()
    assert (matched["BMLLSequenceNo"] == matched["BMLLSequenceNo_trade"]).all()


def test_off_book_prints_have_no_l3_execution(small: dict[str, pl.DataFrame]) -> None:
    off = small["trades"].filter(pl.col("BMLLTradeType") == "OTC")
    assert off.height > 0
    assert off.join(small["l3"], on=["ListingId", "TradeId"], how="inner").height == 0
    assert set(off["MIC"].unique()) == {"XLON"}  # reported with the primary listing
    assert off["BestBidPriceAtVenue"].null_count() == off.height  # no venue book for off-book prints
    si = off.filter(pl.col("Classification") == "SI_ADDRESSABLE_BELOW_LIS")
    assert (si["ExecutionVenue"] == "SINT").all()
    assert si.height > 0


def test_trade_ids_unique_and_sequenced(small: dict[str, pl.DataFrame]) -> None:
    trades = small["trades"]
    assert trades.select("ListingId", "TradeDate", "TradeId").is_unique().all()
    per_listing = trades.filter(pl.col("BMLLSequenceSource") == 1).group_by("ListingId", "TradeDate")
    assert per_listing.agg(pl.col("BMLLSequenceNo").is_sorted())["BMLLSequenceNo"].all()
    assert (
        trades.group_by("ListingId", "TradeDate")
        .agg(pl.col("TradeTimestampNanoseconds").is_sorted())["TradeTimestampNanoseconds"]
        .all()
    )


def test_quote_context_columns_are_coherent(small: dict[str, pl.DataFrame]) -> None:
    lit = small["trades"].filter(pl.col("Classification") == "LIT_CONTINUOUS")
    # The consolidated touch is at least as good as the venue's own.
    assert (lit["BestBidPrice"] >= lit["BestBidPriceAtVenue"]).all()
    assert (lit["BestAskPrice"] <= lit["BestAskPriceAtVenue"]).all()
    inside = lit.filter(pl.col("BestAskPrice") > pl.col("BestBidPrice"))
    point = (pl.col("Price") - pl.col("BestBidPrice")) / (pl.col("BestAskPrice") - pl.col("BestBidPrice"))
    assert inside.select(((point - pl.col("PricePoint")).abs() < 1e-9).all()).item()
    assert lit["PriorQuoteSizeRank"].null_count() == 0
    assert (lit["PriorQuoteSizeRank"] >= 0).all()
    assert (lit.filter(pl.col("PriorQuoteSizeRank") == 0).height) < lit.height
    ranked = lit.filter(pl.col("ExecutionVenue") == pl.col("BestAskVenue"), pl.col("AggressorSide") == 1)
    assert (ranked["PriorQuoteSizeRank"] == 1).all()
    remaining = lit.filter(pl.col("OrderRemainingQty").is_not_null())
    assert (remaining["OrderRemainingQty"] >= 0).all()
    assert remaining.height == lit.height
    assert lit["PostTradeMid"].null_count() == 0
    assert (lit["PreTradeElapsedTimeChg"].drop_nulls() >= 0).all()
