"""The books behind L2, L3, trades and CBBO are one and the same, and never crossed while trading."""

from __future__ import annotations

from collections import defaultdict

import polars as pl
import pytest

LEVELS = 10


class ReplayBook:
    """A deliberately simple, independent order book driven by L3 rows (dicts and lists, no shared code)."""

    def __init__(self) -> None:
        self.orders: dict[str, tuple[int, float, int]] = {}
        self.queues: dict[tuple[int, float], list[str]] = defaultdict(list)

    def _better(self, side: int, a: float, b: float) -> bool:
        return a > b if side == 1 else a < b

    def ahead(self, side: int, price: float, order_id: str | None) -> tuple[int, int, int]:
        """(better levels, orders ahead, size ahead) of an order (or of a new one joining at ``price``)."""
        levels = orders = size = 0
        for (s, p), queue in self.queues.items():
            if s == side and queue and self._better(side, p, price):
                levels += 1
                orders += len(queue)
                size += sum(self.orders[o][2] for o in queue)
        for o in self.queues.get((side, price), []):
            if o == order_id:
                break
            orders += 1
            size += self.orders[o][2]
        return levels, orders, size

    def apply(self, row: dict) -> None:
        """Apply one L3 row, checking the row's own view of the book against this one."""
        oid, side, action = row["OriginalOrderId"], row["Side"], row["LobAction"]
        if action == 2:
            levels, orders, size = self.ahead(side, row["Price"], None)
            assert (row["OrdersAhead"], row["SizeAhead"], row["PriceLevel"]) == (orders, size, levels + 1), (
                row
            )
            self.orders[oid] = (side, row["Price"], row["Size"])
            self.queues[(side, row["Price"])].append(oid)
            return
        old_side, old_price, old_size = self.orders[oid]
        assert (old_side, old_price, old_size) == (side, row["OldPrice"], row["OldSize"]), row
        if action == 3:
            if not row["OrderExecuted"]:
                levels, orders, size = self.ahead(side, old_price, oid)
                assert (row["OrdersAhead"], row["SizeAhead"], row["OldPriceLevel"]) == (
                    orders,
                    size,
                    levels + 1,
                )
            del self.orders[oid]
            self.queues[(side, old_price)].remove(oid)
        elif row["Price"] == old_price and row["Size"] <= old_size:  # size cut in place: priority kept
            self.orders[oid] = (side, old_price, row["Size"])
        else:  # a new price: to the back of the new level's queue
            self.queues[(side, old_price)].remove(oid)
            self.orders[oid] = (side, row["Price"], row["Size"])
            self.queues[(side, row["Price"])].append(oid)

    def levels(self, side: int) -> list[tuple[float, int, int]]:
        """(price, quantity, orders) of every non-empty level, best first."""
        rows = [
            (p, sum(self.orders[o][2] for o in q), len(q))
            for (s, p), q in self.queues.items()
            if s == side and q
        ]
        return sorted(rows, reverse=side == 1)


def _l2_levels(row: dict, side: str) -> list[tuple[float, int, int]]:
    return [
        (row[f"{side}Price{k}"], row[f"{side}Quantity{k}"], row[f"{side}NumOrders{k}"])
        for k in range(1, LEVELS + 1)
        if row[f"{side}Price{k}"] is not None
    ]


@pytest.mark.parametrize("mic", ["XLON", "CHIX"])
def test_l2_is_the_book_an_independent_replay_of_l3_gives(
    small: dict[str, pl.DataFrame], listing_mic: pl.DataFrame, mic: str
) -> None:
    listing = listing_mic.filter(pl.col("MIC") == mic)["ListingId"].min()
    day = small["l3"]["TradeDate"].min()
    l3 = small["l3"].filter((pl.col("ListingId") == listing) & (pl.col("TradeDate") == day)).head(2500)
    l2 = small["l2"].filter((pl.col("ListingId") == listing) & (pl.col("TradeDate") == day))
    # An L2 row shows the book after the L3 row with the same ExchangeSequenceNo (or before any row).
    wanted = {row["ExchangeSequenceNo"]: row for row in l2.iter_rows(named=True)}
    book = ReplayBook()
    checked = 0
    first = l3["ExchangeSequenceNo"].min() - 1
    for row in [None, *l3.iter_rows(named=True)]:
        if row is not None:
            book.apply(row)
        seq = first if row is None else row["ExchangeSequenceNo"]
        if seq in wanted:
            snap = wanted[seq]
            assert _l2_levels(snap, "Bid") == book.levels(1)[:LEVELS], seq
            assert _l2_levels(snap, "Ask") == book.levels(2)[:LEVELS], seq
            assert (snap["BidLevelCount"], snap["AskLevelCount"]) == (
                len(book.levels(1)),
                len(book.levels(2)),
            )
            checked += 1
    assert checked > 1000
    assert l3["OrderExecuted"].sum() > 20
    assert (l3["LobAction"] == 4).sum() > 20


def test_venue_quote_before_each_trade_is_the_l2_just_before(small: dict[str, pl.DataFrame]) -> None:
    lit = (
        small["trades"]
        .filter(pl.col("Classification") == "LIT_CONTINUOUS")
        .sort("ListingId", "TradeTimestampNanoseconds")
    )
    quotes = small["l2"].select(
        "ListingId",
        pl.col("TimestampNanoseconds").alias("QuoteTime"),
        "BidPrice1",
        "AskPrice1",
        "BidQuantity1",
    )
    joined = lit.join_asof(
        quotes.sort("ListingId", "QuoteTime"),
        left_on="TradeTimestampNanoseconds",
        right_on="QuoteTime",
        by="ListingId",
        strategy="backward",
        allow_exact_matches=False,  # the book just BEFORE the trade's own event
        check_sortedness=False,
    )
    assert joined.height > 1000
    assert (joined["BidPrice1"] == joined["BestBidPriceAtVenue"]).all()
    assert (joined["AskPrice1"] == joined["BestAskPriceAtVenue"]).all()
    assert (joined["BidQuantity1"] == joined["BestBidSizeAtVenue"]).all()
    # An aggressive buy pays at least the ask it took; a sell gets at most the bid.
    buys = joined.filter(pl.col("AggressorSide") == 1)
    sells = joined.filter(pl.col("AggressorSide") == 2)
    assert (buys["Price"] >= buys["AskPrice1"]).all()
    assert (sells["Price"] <= sells["BidPrice1"]).all()


def test_no_crossed_or_locked_book_in_continuous_trading(small: dict[str, pl.DataFrame]) -> None:
    l2 = small["l2"].filter(
        (pl.col("MarketState") == "CONTINUOUS_TRADING")
        & pl.col("BidPrice1").is_not_null()
        & pl.col("AskPrice1").is_not_null()
    )
    assert l2.height > 10_000
    assert (l2["BidPrice1"] < l2["AskPrice1"]).all()
    # Levels are strictly ordered on each side.
    for k in range(1, LEVELS):
        both = l2.filter(pl.col(f"BidPrice{k + 1}").is_not_null())
        assert (both[f"BidPrice{k}"] > both[f"BidPrice{k + 1}"]).all()
        both = l2.filter(pl.col(f"AskPrice{k + 1}").is_not_null())
        assert (both[f"AskPrice{k}"] < both[f"AskPrice{k + 1}"]).all()


def test_cbbo_touch_is_the_best_of_the_venues_books(
    small: dict[str, pl.DataFrame], listing_mic: pl.DataFrame
) -> None:
    l2 = small["l2"].join(listing_mic, on="ListingId")
    live = pl.col("MarketState") == "CONTINUOUS_TRADING"
    # A venue may publish several snapshots at one instant (a fill, then its resting remainder):
    # an as-of join by time sees the last of them, so compare the last consolidated row of each instant.
    cbbo = (
        small["cbbo"]
        .join(listing_mic.select("ListingId", "InstrumentId"), on="ListingId")
        .sort("InstrumentId", "TimestampNanoseconds", "L2EventNo")
        .unique(subset=["InstrumentId", "TimestampNanoseconds"], keep="last", maintain_order=True)
    )
    for mic in ("XLON", "BATE", "CHIX"):
        venue = l2.filter(pl.col("MIC") == mic).select(
            "InstrumentId",
            pl.col("TimestampNanoseconds").alias(f"t_{mic}"),
            pl.when(live).then(pl.col("BidPrice1")).alias(f"bid_{mic}"),
            pl.when(live).then(pl.col("AskPrice1")).alias(f"ask_{mic}"),
            "L2EventNo",
        )
        last = venue.sort("InstrumentId", f"t_{mic}", "L2EventNo").unique(
            subset=["InstrumentId", f"t_{mic}"], keep="last", maintain_order=True
        )
        cbbo = cbbo.join_asof(
            last.drop("L2EventNo"),
            left_on="TimestampNanoseconds",
            right_on=f"t_{mic}",
            by="InstrumentId",
            strategy="backward",
            check_sortedness=False,
        )
    best_bid = pl.max_horizontal("bid_XLON", "bid_BATE", "bid_CHIX")
    best_ask = pl.min_horizontal("ask_XLON", "ask_BATE", "ask_CHIX")
    assert cbbo.height > 10_000
    assert cbbo.select(best_bid.eq_missing(pl.col("BidPrice1")).all()).item()
    assert cbbo.select(best_ask.eq_missing(pl.col("AskPrice1")).all()).item()
    # Smart order routing keeps the venues consistent: the consolidated book is (almost) never crossed.
    both = cbbo.filter(pl.col("BidPrice1").is_not_null() & pl.col("AskPrice1").is_not_null())
    assert both.filter(pl.col("BidPrice1") >= pl.col("AskPrice1")).height / both.height < 0.02


def test_consolidated_quote_before_each_trade_is_the_cbbo_just_before(
    small: dict[str, pl.DataFrame], listing_mic: pl.DataFrame
) -> None:
    ids = listing_mic.select("ListingId", "InstrumentId")
    trades = small["trades"].join(ids, on="ListingId").sort("InstrumentId", "TradeTimestampNanoseconds")
    cbbo = (
        small["cbbo"]
        .join(ids, on="ListingId")
        .select(
            "InstrumentId",
            pl.col("TimestampNanoseconds").alias("t"),
            pl.col("BidPrice1").alias("b"),
            pl.col("AskPrice1").alias("a"),
        )
    )
    joined = trades.join_asof(
        cbbo.sort("InstrumentId", "t"),
        left_on="TradeTimestampNanoseconds",
        right_on="t",
        by="InstrumentId",
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    )
    assert joined.select(pl.col("b").eq_missing(pl.col("BestBidPrice")).all()).item()
    assert joined.select(pl.col("a").eq_missing(pl.col("BestAskPrice")).all()).item()
    # Mid 1 s before the trade, from the same stream.
    pre = trades.with_columns(
        at=pl.col("TradeTimestampNanoseconds") - pl.duration(seconds=1, time_unit="ns")
    ).sort("InstrumentId", "at")
    pre = pre.join_asof(
        cbbo.sort("InstrumentId", "t"), left_on="at", right_on="t", by="InstrumentId", check_sortedness=False
    )
    assert pre.select(((pl.col("b") + pl.col("a")) / 2).eq_missing(pl.col("PreTradeMid1000ms")).all()).item()
