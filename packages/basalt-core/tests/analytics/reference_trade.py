"""Slow reference implementations of the ``trade`` and ``execution`` modules, and their test data.

Written plainly from the documented definitions — Python loops over rows, the
standard library for means, medians and standard deviations — and sharing no
code with ``basalt.analytics``: Polars is used only to read the input frame's
values and to build the output frame. Tests compare every output column of the
modules with these functions on generated data.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from datetime import datetime, timedelta

import polars as pl

# ----------------------------------------------------------------------------- test data

LIT, DARK = "LIT_CONTINUOUS", "DARK_BELOW_LIS"
CLASSIFICATIONS = [LIT, LIT, LIT, "LIT_CLOSING_AUCTION", DARK, "DARK_ABOVE_LIS", "OFF_BOOK_ON_EXCHANGE", None]
HORIZONS = ("1000ms", "5000ms")


def _maybe(rng: random.Random, value: object, p_null: float = 0.03) -> object:
    return None if rng.random() < p_null else value


def generate_trades(seed: int = 1, listings: int = 3, per_day: int = 400) -> pl.DataFrame:
    """Trades-plus rows for several listings over two days, in shuffled row order.

    Times are random microseconds, plus exact multiples of 5 s and 60 s and
    repeated timestamps (ties with different prices); every aggressor side
    (0, 1, 2, null), classification, flag value, and null/zero/crossed quotes occur.
    """
    rng = random.Random(seed)
    rows = []
    for listing in range(101, 101 + listings):
        for day in (datetime(2024, 3, 4, 8), datetime(2024, 3, 5, 8)):
            mid = rng.uniform(20, 200)
            previous = day
            for _ in range(per_day):
                kind = rng.random()
                if kind < 0.10:  # exactly on a minute boundary
                    ts = day + timedelta(minutes=rng.randrange(0, 30))
                elif kind < 0.18:  # exactly on a 5-second boundary
                    ts = day + timedelta(seconds=5 * rng.randrange(0, 360))
                elif kind < 0.26:  # same time as the previous trade
                    ts = previous
                else:
                    ts = day + timedelta(microseconds=rng.randrange(0, 30 * 60 * 1_000_000))
                previous = ts
                mid = max(1.0, mid + rng.choice([-0.02, 0.0, 0.0, 0.02]))
                half = rng.choice([0.01, 0.01, 0.02])
                bid, ask = round(mid - half, 2), round(mid + half, 2)
                price = round(rng.choice([bid, ask, mid, bid - 0.01, ask + 0.01]), 4)
                minor = rng.random() < 0.2  # a print in the major currency: Price is 100x smaller
                size = rng.choice([1.0, 7.0, 100.0, 250.5, 1000.0, 0.0] if rng.random() < 0.1 else [100.0])
                size = float(rng.randrange(1, 500)) if rng.random() < 0.8 else size
                quote_case = rng.random()
                if quote_case < 0.05:
                    bid_q, ask_q = bid, bid  # locked: spread 0
                elif quote_case < 0.08:
                    bid_q, ask_q = ask, bid  # crossed
                else:
                    bid_q, ask_q = bid, ask
                rows.append(
                    {
                        "ListingId": listing,
                        "TradeTimestamp": ts,
                        "AggressorSide": rng.choice([0, 1, 1, 2, 2, None]),
                        "Price": _maybe(rng, price / 100 if minor else price, 0.01),
                        "InstrumentCurrencyPrice": _maybe(rng, price, 0.01),
                        "Size": _maybe(rng, size, 0.01),
                        "TradeNotionalEUR": _maybe(rng, size * price * 0.0117),
                        "TradeNotionalUSD": _maybe(rng, size * price * 0.0127),
                        "Classification": rng.choice(CLASSIFICATIONS),
                        "MarketState": rng.choice(["CONTINUOUS_TRADING"] * 4 + ["CLOSING_AUCTION", None]),
                        "BestBidPrice": _maybe(rng, bid_q),
                        "BestAskPrice": _maybe(rng, ask_q),
                        "BestBidPriceAtVenue": _maybe(rng, bid_q - rng.choice([0, 0, 0.01])),
                        "BestAskPriceAtVenue": _maybe(rng, ask_q + rng.choice([0, 0, 0.01])),
                        "BestBidPriceAtPrimary": _maybe(rng, bid),
                        "BestAskPriceAtPrimary": _maybe(rng, ask),
                        "PreTradeMid1ms": _maybe(rng, rng.choice([mid, mid, round(mid + 0.01, 4), 0.0])),
                        "PreTradeMid1msAtPrimary": _maybe(rng, mid),
                        "PreTradeMid5ms": _maybe(rng, mid),
                        "PreTradeMid5msAtPrimary": _maybe(rng, round(mid - 0.01, 4)),
                        **{
                            f"PostTradeMid{h}{where}": _maybe(rng, mid + rng.choice([-0.02, 0, 0.01, 0.03]))
                            for h in HORIZONS
                            for where in ("", "AtPrimary")
                        },
                        "BMLLParticipantType": rng.choice(["RETAIL", "UNKNOWN", "UNKNOWN", None]),
                        "ParticipantType": rng.choice(["RETAIL", "UNKNOWN"]),
                        "IsBlock": rng.choice(["TRUE", "FALSE", "FALSE"]),
                        "LotType": rng.choice(["ROUND", "ROUND", "ODD", "MIXED"]),
                        "AlgorithmicTrade": rng.choice(["H", "-"]),
                    }
                )
    rng.shuffle(rows)
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(
        pl.col("TradeTimestamp").cast(pl.Datetime("us")),
        pl.col("AggressorSide").cast(pl.Int64),
        pl.col("ListingId").cast(pl.Int64),
    )


def generate_l3(seed: int = 2, listings: int = 3, per_day: int = 300) -> pl.DataFrame:
    """L3 rows (executions and other events) with nanosecond times, some on bucket boundaries."""
    rng = random.Random(seed)
    rows = []
    for listing in range(101, 101 + listings):
        for day in (datetime(2024, 3, 4, 8), datetime(2024, 3, 5, 8)):
            base = int((day - datetime(1970, 1, 1)).total_seconds()) * 1_000_000_000
            for _ in range(per_day):
                if rng.random() < 0.15:
                    ns = base + 60_000_000_000 * rng.randrange(0, 30)
                else:
                    ns = base + rng.randrange(0, 30 * 60 * 1_000_000_000)
                executed = rng.choice([True, True, False, None])
                rows.append(
                    {
                        "ListingId": listing,
                        "TimestampNanoseconds": ns,
                        "Side": rng.choice([1, 1, 2, 2, None]),
                        "OrderExecuted": executed,
                        "ExecutionSize": rng.randrange(1, 900) if executed else 0,
                        "ExecutionPrice": _maybe(rng, round(rng.uniform(50, 51), 2)) if executed else None,
                        "MarketState": rng.choice(
                            ["CONTINUOUS_TRADING", "CONTINUOUS_TRADING", "CLOSING_AUCTION"]
                        ),
                    }
                )
    rng.shuffle(rows)
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("TimestampNanoseconds").cast(pl.Datetime("ns")),
        pl.col("Side").cast(pl.Int64),
        pl.col("ExecutionSize").cast(pl.Int64),
        pl.col("ListingId").cast(pl.Int64),
    )


T0 = datetime(2024, 3, 4, 9, 0)
"""Time origin of the hand-written unit-test frames."""

_TRADE_DEFAULTS: dict[str, object] = {
    "ListingId": 1,
    "AggressorSide": 1,
    "Price": None,  # defaults to InstrumentCurrencyPrice
    "InstrumentCurrencyPrice": 10.0,
    "Size": 100.0,
    "TradeNotionalEUR": None,  # defaults to Size
    "TradeNotionalUSD": None,  # defaults to 2 × Size
    "Classification": LIT,
    "MarketState": "CONTINUOUS_TRADING",
    "BestBidPrice": None,
    "BestAskPrice": None,
    "BestBidPriceAtVenue": None,
    "BestAskPriceAtVenue": None,
    "BestBidPriceAtPrimary": None,
    "BestAskPriceAtPrimary": None,
    "PreTradeMid1ms": None,
    "PreTradeMid1msAtPrimary": None,
    "PostTradeMid1000ms": None,
    "PostTradeMid1000msAtPrimary": None,
    "PostTradeMid5000ms": None,
    "PostTradeMid5000msAtPrimary": None,
    "BMLLParticipantType": "UNKNOWN",
    "ParticipantType": "UNKNOWN",
    "IsBlock": "FALSE",
    "LotType": "ROUND",
    "AlgorithmicTrade": "-",
}


def make_trades(*rows: dict) -> pl.DataFrame:
    """A trades-plus frame from short row dicts; ``t`` is seconds after :data:`T0` (09:00)."""
    from basalt.tables.bmll import Trades

    records = []
    for row in rows:
        record = {**_TRADE_DEFAULTS, **{k: v for k, v in row.items() if k != "t"}}
        record["TradeTimestamp"] = T0 + timedelta(seconds=row["t"])
        if record["Price"] is None:
            record["Price"] = record["InstrumentCurrencyPrice"]
        size = record["Size"] or 0.0
        record["TradeNotionalEUR"] = (
            size if record["TradeNotionalEUR"] is None else record["TradeNotionalEUR"]
        )
        record["TradeNotionalUSD"] = (
            2 * size if record["TradeNotionalUSD"] is None else record["TradeNotionalUSD"]
        )
        records.append(record)
    names = ["TradeTimestamp", *_TRADE_DEFAULTS]
    return pl.DataFrame(records, schema={name: Trades.SCHEMA[name] for name in names})


def make_l3(*rows: dict) -> pl.DataFrame:
    """An L3 frame of executions from short row dicts; ``t`` is seconds after :data:`T0`."""
    from basalt.tables.bmll import L3

    defaults = {
        "ListingId": 1,
        "Side": 1,
        "OrderExecuted": True,
        "ExecutionSize": 100,
        "ExecutionPrice": 10.0,
    }
    defaults["MarketState"] = "CONTINUOUS_TRADING"
    records = []
    for row in rows:
        record = {**defaults, **{k: v for k, v in row.items() if k != "t"}}
        record["TimestampNanoseconds"] = T0 + timedelta(seconds=row["t"])
        records.append(record)
    names = ["TimestampNanoseconds", *defaults]
    return pl.DataFrame(records, schema={name: L3.SCHEMA[name] for name in names})


# ----------------------------------------------------------------------------- shared plain helpers


def rows_of(frame: pl.DataFrame, timestamp: str) -> list[dict]:
    """Rows as dicts, with the timestamp also as integer nanoseconds since 1970 (``_ns``)."""
    nanoseconds = frame.get_column(timestamp).dt.epoch("ns").to_list()
    rows = frame.to_dicts()
    for i, row in enumerate(rows):
        row["_ns"] = nanoseconds[i]
        row["_i"] = i
    return rows


def label(ns: int, seconds: float, closed: str, anchor: str) -> int:
    """Bucket label in ns: (start, end] for 'right', [start, end) for 'left'; end or start label."""
    size = round(seconds * 1_000_000_000)
    if closed == "right":
        end = ns // size * size
        if end < ns:
            end += size
    else:
        end = ns // size * size + size
    return end if anchor == "end" else end - size


def mean_or_none(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def std_or_none(values: list[float], ddof: int) -> float | None:
    n = len(values)
    if n - ddof <= 0:
        return None
    average = sum(values) / n
    return math.sqrt(sum((v - average) ** 2 for v in values) / (n - ddof))


def weighted(pairs: list[tuple[float, float]]) -> float | None:
    """Σ w·x / Σ w over (x, w) pairs; None when Σ w is not > 0."""
    total = sum(w for _, w in pairs)
    return sum(x * w for x, w in pairs) / total if total > 0 else None


def build_frame(out_rows: list[dict], columns: list[str], dtypes: dict[str, pl.DataType]) -> pl.DataFrame:
    """Output rows → frame keyed by ListingId, TimeBucket (ns ints → Datetime), sorted."""
    schema = {"ListingId": pl.Int64, "TimeBucket": pl.Int64, **{c: dtypes[c] for c in columns}}
    frame = pl.DataFrame(out_rows, schema=schema, orient="row")
    return frame.with_columns(pl.col("TimeBucket").cast(pl.Datetime("ns"))).sort("ListingId", "TimeBucket")


def _groups(rows: list[dict], seconds: float, closed: str, anchor: str) -> dict[tuple[int, int], list[dict]]:
    groups: dict[tuple[int, int], list[dict]] = {}
    for row in rows:
        key = (row["ListingId"], label(row["_ns"], seconds, closed, anchor))
        groups.setdefault(key, []).append(row)
    return groups


# ----------------------------------------------------------------------------- trade

PRESETS = {"lit_continuous": [LIT]}


def _side_of(row: dict) -> str:
    if row["AggressorSide"] == 2:
        return "Bid"
    if row["AggressorSide"] == 1:
        return "Ask"
    return "Unknown"


def _reference_value(row: dict, name: str, horizon: str) -> float | None:
    def mid(b: str, a: str) -> float | None:
        if row[b] is None or row[a] is None:
            return None
        return (row[b] + row[a]) / 2

    table = {
        "PreTradeMid": lambda: row[f"PreTradeMid{horizon}"],
        "PreTradeMidAtPrimary": lambda: row[f"PreTradeMid{horizon}AtPrimary"],
        "Mid": lambda: mid("BestBidPrice", "BestAskPrice"),
        "BestBid": lambda: row["BestBidPrice"],
        "BestAsk": lambda: row["BestAskPrice"],
        "MidAtVenue": lambda: mid("BestBidPriceAtVenue", "BestAskPriceAtVenue"),
        "BestBidAtVenue": lambda: row["BestBidPriceAtVenue"],
        "BestAskAtVenue": lambda: row["BestAskPriceAtVenue"],
        "MidAtPrimary": lambda: mid("BestBidPriceAtPrimary", "BestAskPriceAtPrimary"),
        "BestBidAtPrimary": lambda: row["BestBidPriceAtPrimary"],
        "BestAskAtPrimary": lambda: row["BestAskPriceAtPrimary"],
    }
    return table[name]()


def _side_values(rows: list[dict], measure: str, price: str, cfg: dict) -> object:
    prices = [r[price] for r in rows if r[price] is not None]
    ordered = sorted((r for r in rows if r[price] is not None), key=lambda r: (r["_ns"], r["_i"]))
    if measure == "Volume":
        return sum(r["Size"] for r in rows if r["Size"] is not None)
    if measure == "Count":
        return len(rows)
    if measure == "Notional":
        return sum(r["Size"] * r[price] for r in rows if r["Size"] is not None and r[price] is not None)
    if measure in ("NotionalEUR", "NotionalUSD"):
        column = "TradeNotional" + measure.removeprefix("Notional")
        return sum(r[column] for r in rows if r[column] is not None)
    if measure == "VWAP":
        both = [r for r in rows if r["Size"] is not None and r[price] is not None]
        size = sum(r["Size"] for r in both)
        return sum(r["Size"] * r[price] for r in both) / size if size > 0 else None
    if measure == "Open":
        return ordered[0][price] if ordered else None
    if measure == "Close":
        return ordered[-1][price] if ordered else None
    if measure == "High":
        return max(prices) if prices else None
    if measure == "Low":
        return min(prices) if prices else None
    if measure == "AvgPrice":
        return mean_or_none(prices)
    if measure == "MedianPrice":
        return statistics.median(prices) if prices else None
    if measure == "Volatility":
        positive = [r[price] for r in ordered if r[price] > 0]
        returns = [math.log(b / a) for a, b in itertools.pairwise(positive)]
        std = std_or_none(returns, cfg.get("volatility_ddof", 1))
        return None if std is None else std * math.sqrt(cfg.get("volatility_annualisation_factor", 1.0))
    raise ValueError(measure)


def reference_trade(
    frame: pl.DataFrame, cfg: dict, seconds: float = 60, closed: str = "right", anchor: str = "end"
) -> pl.DataFrame:
    """The trade module's output, computed row by row. ``cfg`` holds the module's config keys."""
    price = cfg.get("price_column", "InstrumentCurrencyPrice")
    wanted = cfg.get("classifications", ["lit_continuous"])
    allowed = None
    if "all" not in wanted:
        allowed = set()
        for item in wanted:
            allowed.update(PRESETS.get(item, [item]))
    states = cfg.get("market_states")
    rows = [
        r
        for r in rows_of(frame, "TradeTimestamp")
        if (allowed is None or r["Classification"] in allowed)
        and (states is None or r["MarketState"] in states)
    ]
    sides = cfg.get("sides", ["Bid", "Ask", "Total", "Unknown"])
    measures = cfg.get(
        "measures",
        ["Volume", "Count", "Notional", "NotionalEUR", "NotionalUSD", "VWAP", "Open", "High", "Low", "Close"],
    )
    references = cfg.get("discrepancy_references", [])
    aggregations = cfg.get(
        "discrepancy_aggregations", ["First", "Last", "Min", "Max", "Mean", "Sum", "Median", "Std"]
    )
    horizon = cfg.get("pre_trade_mid_horizon", "1ms")
    flag_rules = {
        "Retail": (cfg.get("retail_column", "BMLLParticipantType"), "RETAIL"),
        "Block": ("IsBlock", "TRUE"),
        "OddLot": ("LotType", "ODD"),
        "MixedLot": ("LotType", "MIXED"),
        "Algorithmic": ("AlgorithmicTrade", "H"),
    }
    columns: list[str] = []
    dtypes: dict[str, pl.DataType] = {}
    out_rows = []
    for (listing, bucket), group in sorted(_groups(rows, seconds, closed, anchor).items()):
        values: dict[str, object] = {}
        for side in sides:
            members = group if side == "Total" else [r for r in group if _side_of(r) == side]
            for measure in measures:
                values[f"Trade{side}{measure}"] = _side_values(members, measure, price, cfg)
                dtypes[f"Trade{side}{measure}"] = pl.Int64 if measure == "Count" else pl.Float64
        for ref in references:
            d = []
            for r in group:
                value = _reference_value(r, ref, horizon)
                if r[price] is not None and value is not None and value > 0:
                    d.append(((r["_ns"], r["_i"]), (r[price] - value) / value * 10_000))
            d.sort()
            xs = [x for _, x in d]
            results = {
                "First": xs[0] if xs else None,
                "Last": xs[-1] if xs else None,
                "Min": min(xs) if xs else None,
                "Max": max(xs) if xs else None,
                "Mean": mean_or_none(xs),
                "Sum": sum(xs) if xs else None,
                "Median": statistics.median(xs) if xs else None,
                "Std": std_or_none(xs, 1),
            }
            for aggregation in aggregations:
                values[f"TradeDiscrepancy{ref}{aggregation}"] = results[aggregation]
                dtypes[f"TradeDiscrepancy{ref}{aggregation}"] = pl.Float64
        if cfg.get("tca"):
            values.update(_tca(group, price, cfg, horizon))
        for flag in cfg.get("flags", []):
            column, value = flag_rules[flag]
            flagged = [r for r in group if r[column] == value]
            values[f"Trade{flag}Count"] = len(flagged)
            values[f"Trade{flag}Volume"] = sum(r["Size"] for r in flagged if r["Size"] is not None)
            dtypes[f"Trade{flag}Count"], dtypes[f"Trade{flag}Volume"] = pl.Int64, pl.Float64
        if not columns:
            columns = list(values)
        out_rows.append([listing, bucket, *(values[c] for c in columns)])
    for c in columns:
        dtypes.setdefault(c, pl.Float64)
    return build_frame(out_rows, columns, dtypes)


def _tca(group: list[dict], price: str, cfg: dict, horizon: str) -> dict[str, float | None]:
    where = "AtPrimary" if cfg.get("tca_at_primary") else ""
    volume = cfg.get("tca_weighting", "volume") == "volume"
    out: dict[str, float | None] = {}
    es, es_bps = [], []
    per_horizon: dict[str, list[list[tuple[float, float]]]] = {
        h: [[], [], [], []] for h in cfg.get("tca_horizons", list(HORIZONS))
    }
    for r in group:
        q = {1: 1.0, 2: -1.0}.get(r["AggressorSide"])
        m = r[f"PreTradeMid{horizon}{where}"]
        w = r["Size"] if volume else 1.0
        if q is None or r[price] is None or m is None or m <= 0 or w is None:
            continue
        p = r[price]
        es.append((2 * q * (p - m), w))
        es_bps.append((2 * q * (p - m) / m * 10_000, w))
        for h, lists in per_horizon.items():
            after = r[f"PostTradeMid{h}{where}"]
            if after is None or after <= 0:
                continue
            lists[0].append((2 * q * (p - after), w))
            lists[1].append((2 * q * (p - after) / m * 10_000, w))
            lists[2].append((2 * q * (after - m), w))
            lists[3].append((2 * q * (after - m) / m * 10_000, w))
    out["TradeEffectiveSpread"] = weighted(es)
    out["TradeEffectiveSpreadBps"] = weighted(es_bps)
    for h, lists in per_horizon.items():
        out[f"TradeRealizedSpread{h}"] = weighted(lists[0])
        out[f"TradeRealizedSpread{h}Bps"] = weighted(lists[1])
        out[f"TradePriceImpact{h}"] = weighted(lists[2])
        out[f"TradePriceImpact{h}Bps"] = weighted(lists[3])
    return out


# ----------------------------------------------------------------------------- execution


def reference_execution(
    l3: pl.DataFrame,
    trades: pl.DataFrame,
    cfg: dict,
    lit: set[str],
    dark: set[str],
    seconds: float = 60,
    closed: str = "right",
) -> pl.DataFrame:
    """The execution module's output (default columns), computed row by row (end-anchored labels).

    ``lit`` and ``dark`` are the Classification values the config's lists stand for.
    """
    states = cfg.get("l3_market_states")
    bid_col, ask_col = {
        "consolidated": ("BestBidPrice", "BestAskPrice"),
        "venue": ("BestBidPriceAtVenue", "BestAskPriceAtVenue"),
        "primary": ("BestBidPriceAtPrimary", "BestAskPriceAtPrimary"),
    }[cfg.get("placement_quotes", "consolidated")]
    price = cfg.get("price_column", "InstrumentCurrencyPrice")
    executions = [
        r
        for r in rows_of(l3, "TimestampNanoseconds")
        if r["OrderExecuted"] is True and (states is None or r["MarketState"] in states)
    ]
    kept = [r for r in rows_of(trades, "TradeTimestamp") if r["Classification"] in lit | dark]
    l3_groups = _groups(executions, seconds, closed, "end")
    trade_groups = _groups(kept, seconds, closed, "end")
    columns: list[str] = []
    out_rows = []
    for key in sorted(set(l3_groups) | set(trade_groups)):
        values: dict[str, object] = {}
        ex = l3_groups.get(key, [])
        for side in ("Bid", "Ask", "Total"):
            members = [r for r in ex if side == "Total" or r["Side"] == {"Bid": 1, "Ask": 2}[side]]
            values[f"ExecutionL3{side}Volume"] = float(sum(r["ExecutionSize"] for r in members))
            values[f"ExecutionL3{side}Count"] = len(members)
            priced = [
                (r["ExecutionPrice"], float(r["ExecutionSize"]))
                for r in members
                if r["ExecutionPrice"] is not None
            ]
            values[f"ExecutionL3{side}VWAP"] = weighted(priced)
        tr = trade_groups.get(key, [])
        for venue, venue_set in (("Lit", lit), ("Dark", dark)):
            for side in ("Bid", "Ask", "Unknown", "Total"):
                members = [
                    r
                    for r in tr
                    if r["Classification"] in venue_set and (side == "Total" or _side_of(r) == side)
                ]
                sized = [r for r in members if r["Size"] is not None]
                values[f"Execution{venue}{side}Volume"] = sum(r["Size"] for r in sized)
                values[f"Execution{venue}{side}VWAP"] = weighted(
                    [(r[price], r["Size"]) for r in sized if r[price] is not None]
                )
                placements = []
                for r in sized:
                    b, a, p = r[bid_col], r[ask_col], r[price]
                    if b is not None and a is not None and p is not None and a - b > 0:
                        placements.append(((p - b) / (a - b), r["Size"]))
                values[f"Execution{venue}{side}PricePlacement"] = weighted(placements)
        for venue, venue_set in (("Lit", lit), ("Dark", dark), ("", lit | dark)):
            buy = sum(
                r["Size"]
                for r in tr
                if r["Classification"] in venue_set and r["AggressorSide"] == 1 and r["Size"] is not None
            )
            sell = sum(
                r["Size"]
                for r in tr
                if r["Classification"] in venue_set and r["AggressorSide"] == 2 and r["Size"] is not None
            )
            values[f"Execution{venue}TradeImbalance"] = (
                (buy - sell) / (buy + sell) if buy + sell > 0 else None
            )
        if not columns:
            columns = list(values)
        out_rows.append([*key, *(values[c] for c in columns)])
    dtypes = {c: pl.Int64 if c.endswith("Count") else pl.Float64 for c in columns}
    return build_frame(out_rows, columns, dtypes)


def assert_same(actual: pl.DataFrame, expected: pl.DataFrame, rel: float = 1e-9, abs_: float = 1e-12) -> None:
    """Same columns in the same order, same keys, same nulls, values within ``rel`` (and ``abs_``)."""
    assert actual.columns == expected.columns, (actual.columns, expected.columns)
    assert actual.height == expected.height, (actual.height, expected.height)
    for name in ("ListingId", "TimeBucket"):
        assert actual[name].to_list() == expected[name].to_list(), name
    keys = list(zip(actual["ListingId"].to_list(), actual["TimeBucket"].to_list(), strict=True))
    for name in actual.columns[2:]:
        got, want = actual[name].to_list(), expected[name].to_list()
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            same = (g is None and w is None) or (
                g is not None and w is not None and math.isclose(g, w, rel_tol=rel, abs_tol=abs_)
            )
            assert same, f"{name} at {keys[i]}: got {g}, expected {w}"
