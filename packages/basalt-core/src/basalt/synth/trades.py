"""Trades-plus of one instrument-day: lit trades from the kernel, off-book prints, quote context.

* **Lit continuous**: one trade per L3 execution row (an aggressive order
  hitting three resting orders prints three trades), ``AggressorSide`` from
  the aggressive order. So, per listing and day,
  ``sum(L3.ExecutionSize where MarketState == CONTINUOUS_TRADING)``
  equals ``sum(trades.Size where Classification == LIT_CONTINUOUS)``.
* **Auctions**: one trade per uncross (``LIT_OPENING_AUCTION``,
  ``LIT_CLOSING_AUCTION``, ``LIT_UNSCHEDULED_AUCTION``; ``AggressorSide`` 0)
  whose ``Size`` equals the sum of its L3 executions on *each* side; in all,
  ``sum(L3.ExecutionSize) == sum(lit continuous Size) + 2 × sum(auction Size)``.
* **Off-book** prints (``OFF_BOOK_ON_EXCHANGE`` on the primary,
  ``SI_ADDRESSABLE_BELOW_LIS`` executed at ``SINT``) have no L3 execution;
  they are reported in the primary MIC's file, priced in the major currency
  near the consolidated mid, as BMLL reports them.

Quote context uses the book *before* the trade's message: ``BestBid*`` the
consolidated book (CBBO), ``*AtVenue`` the trade's venue's L2 (lit trades
only), ``*AtPrimary`` the primary's L2; ``PreTradeMid{h}``/``PostTradeMid{h}``
are consolidated mids in force at ``t − h`` and ``t + h``. FX is fixed
(``venues.EUR_PER_UNIT``, ``venues.USD_PER_UNIT``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from basalt.synth import matching as m
from basalt.synth.book_ops import LEVELS
from basalt.synth.cbbo import Consolidated
from basalt.synth.flow import intensity_times, order_sizes
from basalt.synth.frames import conform, lookup, ns_datetime
from basalt.synth.latent import LatentDay
from basalt.synth.quotes import QuoteStream, consolidated_stream, price_point, venue_stream
from basalt.synth.schedule import AUCTION_CLASSIFICATION, STATE_CONTINUOUS, STATE_NAMES
from basalt.synth.tables import EXCHANGE_SEQ_BASE, VenueDay, row_sequence
from basalt.synth.venues import EUR_PER_UNIT, USD_PER_UNIT, major_currency
from basalt.tables.bmll import Trades

HORIZONS_MS = (1, 2, 5, 10, 25, 50, 100, 200, 500, 1000, 5000, 15000, 30000, 60000, 300000)
BLOCK_NOTIONAL_EUR = 500_000.0
"""Large-in-scale threshold used for ``IsBlock`` (MiFID II band of liquid shares, simplified)."""
CLASSES = (
    "LIT_CONTINUOUS",
    *AUCTION_CLASSIFICATION.values(),
    "OFF_BOOK_ON_EXCHANGE",
    "SI_ADDRESSABLE_BELOW_LIS",
)
C_CONT, C_OFF, C_SI = 0, 4, 5
TRADING_MODES = ("2", "O", "U", "K", "5", "7")
"""MMT trading mode of each class: continuous, scheduled opening/unscheduled/closing auction, off-book, SI."""
SI_SHARE = 0.4
OFF_BOOK_SEQ_BASE = 9_000_000


def _lit(days: list[VenueDay]) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {}
    for v, vd in enumerate(days):
        t = vd.run.trades
        auction_class = np.zeros(t.shape[1], dtype=np.int64)
        for code, state in enumerate(AUCTION_CLASSIFICATION, start=1):
            auction_class[t[m.T_PHASE] == state] = code
        values = {
            "time": vd.run.flow.times[t[m.T_MSG]],
            "venue": np.full(t.shape[1], v),
            "price": vd.prices(t[m.T_PX]),
            "size": t[m.T_SZ].astype(np.float64),
            "aggressor": t[m.T_AGGR],
            "cls": np.where(t[m.T_PHASE] == STATE_CONTINUOUS, C_CONT, auction_class),
            "state": t[m.T_PHASE],
            "trade_id": vd.id_base(5) + vd.run.trade_numbers + 1,
            "seq": row_sequence(t[m.T_ROW]),
            "exchange_seq": EXCHANGE_SEQ_BASE + t[m.T_ROW] + 1,
            "order_left": np.where(t[m.T_REM] >= 0, t[m.T_REM], np.nan),
            "level_left": np.where(t[m.T_LVLREM] >= 0, t[m.T_LVLREM], np.nan),
            "delay": np.zeros(t.shape[1], dtype=np.int64),
        }
        for name, array in values.items():
            parts.setdefault(name, []).append(np.asarray(array))
    return {name: np.concatenate(arrays) for name, arrays in parts.items()}


def _off_book(
    primary: VenueDay, cbbo: QuoteStream, latent: LatentDay, count: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    cont = primary.schedule.of_state(STATE_CONTINUOUS)
    share = np.array([p.end - p.start for p in cont], dtype=np.float64)
    counts = rng.multinomial(count, share / share.sum())
    times = np.concatenate(
        [
            intensity_times(rng, int(c), p.start, p.end, latent.grid, latent.activity)
            for p, c in zip(cont, counts, strict=True)
        ]
    )
    times = (times // 8) * 8 + 7  # slot 7: never on a lit venue's nanosecond
    mid = cbbo.mid(times)
    mid = np.where(np.isnan(mid), np.interp(times, latent.grid, latent.price), mid)
    half_spread = np.nan_to_num(
        (cbbo.take(cbbo.ask, cbbo.index(times, False)) - cbbo.take(cbbo.bid, cbbo.index(times, False))) / 2
    )
    major, factor = major_currency(primary.listing.currency)
    price = np.round((mid + rng.uniform(-1.0, 1.0, count) * half_spread) * factor, 6) / factor
    size = order_sizes(
        rng, count, primary.run.flow.lot, 3.0 * 8_000.0 / (latent.open_price * factor * EUR_PER_UNIT[major])
    )
    si = rng.random(count) < SI_SHARE
    fractional = si & (rng.random(count) < 0.1)  # some SIs print fractional sizes
    return {
        "time": times,
        "venue": np.zeros(count, dtype=np.int64),
        "price": price,
        "size": np.where(fractional, np.round(rng.uniform(0.01, 50.0, count), 6), size.astype(np.float64)),
        "aggressor": np.zeros(count, dtype=np.int64),
        "cls": np.where(si, C_SI, C_OFF),
        "state": np.full(count, -1),
        "trade_id": primary.id_base(5) + 9 * 10**11 + np.arange(count) + 1,
        "seq": OFF_BOOK_SEQ_BASE + 8 * (np.arange(count) + 1),
        "exchange_seq": OFF_BOOK_SEQ_BASE + np.arange(count) + 1,
        "order_left": np.full(count, np.nan),
        "level_left": np.full(count, np.nan),
        "delay": rng.integers(50_000_000, 2_000_000_000, count),
    }


def _rank(
    book: Consolidated, idx: np.ndarray, venue: np.ndarray, aggressor: np.ndarray, n_venues: int
) -> np.ndarray:
    """``PriorQuoteSizeRank``: the venue's size rank among venues at the touch taken; 0 if not there."""
    j = np.maximum(idx, 0)
    side = np.where(aggressor == 1, 2, 0)  # a buyer takes the ask (offset 2 in a venue's tops)
    touch = np.where(aggressor == 1, book.px[LEVELS, j], book.px[0, j])
    own_px = np.zeros(idx.shape[0], dtype=np.int64)
    own_qty = np.zeros(idx.shape[0], dtype=np.int64)
    for w in range(n_venues):
        mine = venue == w
        own_px = np.where(mine, book.tops[4 * w + side, j], own_px)
        own_qty = np.where(mine, book.tops[4 * w + side + 1, j], own_qty)
    ahead = np.zeros(idx.shape[0], dtype=np.int64)
    for w in range(n_venues):
        px, qty = book.tops[4 * w + side, j], book.tops[4 * w + side + 1, j]
        at_touch = (px == touch) & (px >= 0)
        ahead += at_touch & ((qty > own_qty) | ((qty == own_qty) & (w < venue)))
    return np.where((own_px == touch) & (own_px >= 0) & (idx >= 0), ahead + 1, 0)


def _volume_touch(
    cbbo: QuoteStream, data: dict[str, np.ndarray], lit_cont: np.ndarray, multiple: int
) -> tuple[np.ndarray, np.ndarray]:
    """Consolidated touch after ``multiple`` × each lit continuous trade's size has traded across venues."""
    order = np.argsort(data["time"][lit_cont], kind="stable")
    times = data["time"][lit_cont][order]
    cum = np.cumsum(data["size"][lit_cont][order])
    own = np.zeros(data["time"].shape[0])
    own[np.flatnonzero(lit_cont)[order]] = cum
    target = own + multiple * data["size"]
    reached = np.searchsorted(cum, target - 1e-9, side="left")
    ok = lit_cont & (reached < cum.shape[0])
    when = np.where(ok, times[np.minimum(reached, max(cum.shape[0] - 1, 0))] if cum.shape[0] else 0, 0)
    i = np.where(ok, cbbo.index(when, strict=False), -1)
    return cbbo.take(cbbo.bid, i), cbbo.take(cbbo.ask, i)


def trades_frame(
    days: list[VenueDay],
    book: Consolidated,
    latent: LatentDay,
    off_book_share: float,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The trades-plus rows of one instrument-day, every venue (the ``MIC`` column tells them apart)."""
    primary = days[0]
    cbbo = consolidated_stream(primary, book)
    lit = _lit(days)
    n_cont_primary = int(np.count_nonzero((lit["venue"] == 0) & (lit["cls"] == C_CONT)))
    off = _off_book(primary, cbbo, latent, int(rng.poisson(off_book_share * n_cont_primary)), rng)
    data = {name: np.concatenate([lit[name], off[name]]) for name in lit}
    order = np.argsort(data["time"], kind="stable")  # time order: as-of lookups walk memory forwards
    data = {name: values[order] for name, values in data.items()}
    t, venue, cls = data["time"], data["venue"], data["cls"]
    n = t.shape[0]
    is_lit = cls < C_OFF
    lit_cont = cls == C_CONT
    major, factor = major_currency(primary.listing.currency)
    instrument_price = data["price"]  # in the quote currency; off-book prints are reported in the major one
    price = np.where(is_lit, instrument_price, np.round(instrument_price * factor, 6))
    notional_major = instrument_price * factor * data["size"]
    notional_eur = notional_major * EUR_PER_UNIT[major]
    lot = primary.run.flow.lot
    size = data["size"]
    lot_type = np.where(size < lot, 0, np.where(np.mod(size, lot) == 0, 1, 2))

    idx = cbbo.index(t, strict=True)
    columns: dict[str, object] = {
        "TradeTimestampNanoseconds": ns_datetime(t),
        "PublicationTimestampNanoseconds": ns_datetime(t + data["delay"]),
        "TradeTimestamp": ns_datetime(t, "us"),
        "PublicationTimestamp": ns_datetime(t + data["delay"], "us"),
        "LocalTradeTimestamp": ns_datetime(t + primary.schedule.tz_offset * 10**9, "us"),
        "LocalPublicationTimestamp": ns_datetime(
            t + data["delay"] + primary.schedule.tz_offset * 10**9, "us"
        ),
        "TradeId": pl.Series(data["trade_id"]).cast(pl.String),
        "ExchangeSequenceNo": data["exchange_seq"],
        "BMLLSequenceNo": data["seq"],
        "BMLLSequenceSource": np.where(is_lit, 1, 2),
        "AggressorSide": data["aggressor"],
        "Price": price,
        "Size": size,
        "CurrencyCode": _choose(is_lit, primary.listing.currency, major),
        "InstrumentCurrencyPrice": instrument_price,
        "ExecutionVenue": lookup(
            [*(vd.listing.venue.mic for vd in days), "SINT"], np.where(cls == C_SI, len(days), venue)
        ),
        "MarketMechanism": _choose(is_lit, "1", "4"),
        "TradingMode": lookup(TRADING_MODES, cls),
        "OffBookAutomatedIndicator": _choose(is_lit, "-", "M"),
        "AlgorithmicTrade": _choose(lit_cont, "H", "-"),
        "MarketState": lookup(
            [*STATE_NAMES, "NOT_APPLICABLE"], np.where(is_lit, data["state"], len(STATE_NAMES))
        ),
        "MarketStateAtPrimary": lookup(STATE_NAMES, primary.schedule.state_at(t)),
        "BMLLTradeType": _choose(is_lit, "LIT", "OTC"),
        "Classification": lookup(CLASSES, cls),
        "TradeNotional": price * size,
        "TradeNotionalUSD": notional_major * USD_PER_UNIT[major],
        "TradeNotionalEUR": notional_eur,
        "TradeNotionalBlockBps": 1e4 * notional_eur / BLOCK_NOTIONAL_EUR,
        "IsBlock": _choose(notional_eur >= BLOCK_NOTIONAL_EUR, "TRUE", "FALSE"),
        "LotType": lookup(("ODD", "ROUND", "MIXED"), lot_type),
        "BestBidPrice": cbbo.take(cbbo.bid, idx),
        "BestBidSize": cbbo.take(cbbo.bid_size, idx),
        "BestBidVenue": _venue_names(days, book.best_venue[0], idx),
        "BestAskPrice": cbbo.take(cbbo.ask, idx),
        "BestAskSize": cbbo.take(cbbo.ask_size, idx),
        "BestAskVenue": _venue_names(days, book.best_venue[1], idx),
        "PriorQuoteSizeRank": np.where(
            lit_cont, _rank(book, idx, venue, data["aggressor"], len(days)), np.nan
        ),
        "OrderRemainingQty": data["order_left"],
        "BBORemainingQtyAtVenue": data["level_left"],
        "PostTradeMid": cbbo.mid(t),
    }
    retail = rng.random(n) < np.where(is_lit, 0.04, 0.25)
    columns["ParticipantType"] = columns["BMLLParticipantType"] = _choose(retail, "RETAIL", "UNKNOWN")
    columns["PreTradeElapsedTimeChg"], columns["PostTradeElapsedTimeChg"] = cbbo.elapsed(t)
    columns["PricePoint"] = price_point(instrument_price, columns["BestBidPrice"], columns["BestAskPrice"])  # type: ignore[arg-type]
    columns |= _venue_context(days, t, venue, is_lit, instrument_price)
    for h in HORIZONS_MS:
        columns[f"PreTradeMid{h}ms"] = cbbo.mid(t - h * 1_000_000)
        columns[f"PostTradeMid{h}ms"] = cbbo.mid(t + h * 1_000_000)
    for multiple in (1, 3, 10):
        bid, ask = _volume_touch(cbbo, data, lit_cont, multiple)
        columns[f"PostTradeBestBid{multiple}V"], columns[f"PostTradeBestAsk{multiple}V"] = bid, ask
    frame = pl.DataFrame([_series(name, value) for name, value in columns.items()])
    listing = {vd.listing.venue.mic: vd.listing for vd in days}
    mics = np.array(list(listing))[venue]
    frame = frame.with_columns(
        pl.Series("MIC", mics),
        pl.Series("Ticker", [listing[m].ticker for m in listing]).gather(venue),
        pl.Series("ListingId", [listing[m].listing_id for m in listing]).gather(venue),
        pl.Series("SegmentCode", [listing[m].venue.segment for m in listing]).gather(venue),
        pl.Series("Jurisdiction", [listing[m].venue.jurisdiction for m in listing]).gather(venue),
        pl.lit(primary.listing.instrument.instrument_id, dtype=pl.Int64).alias("InstrumentId"),
        pl.lit(primary.listing.venue.mic).alias("OPOL"),
        pl.lit(primary.listing.venue.country).alias("ISOCountryCode"),
        pl.lit(primary.listing.currency).alias("InstrumentCurrencyCode"),
        primary.trade_date().alias("TradeDate"),
        pl.lit(primary.schedule.tz_offset, dtype=pl.Int32).alias("TZOffset"),
        pl.lit(factor).alias("MinorCurrencyFactor"),
        pl.lit(None, dtype=pl.Float64).alias("BlockSize"),
        pl.lit(BLOCK_NOTIONAL_EUR).alias("BlockNotional"),
        pl.lit("EUR").alias("BlockNotionalCurrency"),
        *[pl.lit(v).alias(c) for c, v in _FLAGS.items()],
        pl.lit(None, dtype=pl.Null).alias("BrokerIdBuyer"),
        pl.lit(None, dtype=pl.Null).alias("BrokerIdSeller"),
    )
    return conform(frame, Trades)


_FLAGS = {
    "OriginalTradeType": "0",
    "TransactionCategory": "-",
    "NegotiatedTrade": "-",
    "CrossingTrade": "-",
    "ModificationIndicator": "-",
    "BenchmarkIndicator": "-",
    "SpecialDividendIndicator": "-",
    "PriceFormation": "P",
    "PublicationMode": "-",
    "DeferralType": "-",
    "DuplicativeIndicator": "-",
}
"""MMT flags that are the same on every synthetic trade ('-' = not applicable)."""


def _choose(flag: np.ndarray, yes: str, no: str) -> pl.Series:
    """A string column: ``yes`` where ``flag``, else ``no``."""
    return lookup((no, yes), flag.astype(np.int64))


def _series(name: str, value: object) -> pl.Series:
    """A column; float NaN means "no value" (null), as in BMLL's data."""
    if isinstance(value, pl.Series):
        return value.alias(name)
    array = np.asarray(value)
    return pl.Series(name, array, nan_to_null=array.dtype.kind == "f")


def _venue_names(days: list[VenueDay], best: np.ndarray, idx: np.ndarray) -> pl.Series:
    names = [vd.listing.venue.mic for vd in days] + [None]
    codes = np.where(idx >= 0, best[np.maximum(idx, 0)] if best.shape[0] else -1, -1)
    return pl.Series(names, dtype=pl.String).gather(np.where(codes >= 0, codes, len(days)))


def _venue_context(
    days: list[VenueDay], t: np.ndarray, venue: np.ndarray, is_lit: np.ndarray, price: np.ndarray
) -> dict[str, np.ndarray]:
    """``*AtVenue`` (lit trades, the venue's own book) and ``*AtPrimary`` columns."""
    n = t.shape[0]
    at_venue = {name: np.full(n, np.nan) for name in ("bid", "ask", "bid_size", "ask_size")}
    for v, vd in enumerate(days):
        stream = venue_stream(vd)
        mine = (venue == v) & is_lit
        i = stream.index(t, strict=True)
        for name in at_venue:
            at_venue[name] = np.where(mine, stream.take(getattr(stream, name), i), at_venue[name])
    primary = venue_stream(days[0])
    i = primary.index(t, strict=True)
    out = {
        "BestBidPriceAtVenue": at_venue["bid"],
        "BestBidSizeAtVenue": at_venue["bid_size"],
        "BestAskPriceAtVenue": at_venue["ask"],
        "BestAskSizeAtVenue": at_venue["ask_size"],
        "PricePointAtVenue": price_point(price, at_venue["bid"], at_venue["ask"]),
        "BestBidPriceAtPrimary": primary.take(primary.bid, i),
        "BestBidSizeAtPrimary": primary.take(primary.bid_size, i),
        "BestAskPriceAtPrimary": primary.take(primary.ask, i),
        "BestAskSizeAtPrimary": primary.take(primary.ask_size, i),
        "PostTradeMidAtPrimary": primary.mid(t),
    }
    out["PricePointAtPrimary"] = price_point(
        price, out["BestBidPriceAtPrimary"], out["BestAskPriceAtPrimary"]
    )
    pre, post = primary.elapsed(t)
    out["PreTradeElapsedTimeChgAtPrimary"], out["PostTradeElapsedTimeChgAtPrimary"] = pre, post
    for h in HORIZONS_MS:
        out[f"PreTradeMid{h}msAtPrimary"] = primary.mid(t - h * 1_000_000)
        out[f"PostTradeMid{h}msAtPrimary"] = primary.mid(t + h * 1_000_000)
    return out
