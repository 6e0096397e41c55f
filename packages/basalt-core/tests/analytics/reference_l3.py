"""A slow, plain-Python reference of the ``l3`` module, and a generator of L3 event data.

Written independently of ``basalt.analytics.l3`` (no shared code): loops over
rows, dictionaries and ``bisect``. The generator simulates a small order book per
listing and day with the cases the module must handle: ties, events exactly on
bucket edges, cancels exactly at the fleeting threshold, partial and full
executions, id-changing updates, orders from before the data starts, orders
carried over to the next day, auction-state events and rows to ignore.
"""

from __future__ import annotations

import bisect
import random
from datetime import date, datetime, timedelta

import polars as pl

EPOCH = datetime(1970, 1, 1)


def to_ns(moment: datetime) -> int:
    """Nanoseconds since the epoch of a naive datetime (µs precision)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def bucket_label(ns: int, size: int, closed: str, anchor: str) -> int:
    """Label (ns) of the bucket holding ``ns``: right-closed (a, b] or left-closed [a, b)."""
    quotient, remainder = divmod(ns, size)
    if closed == "right":
        end = quotient * size if remainder == 0 else (quotient + 1) * size
    else:
        end = (quotient + 1) * size
    return end if anchor == "end" else end - size


# --------------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------------

L3_SCHEMA = {
    "ListingId": pl.Int64,
    "TradeDate": pl.Datetime("ms"),
    "TimestampNanoseconds": pl.Datetime("ns"),
    "Side": pl.Int64,
    "LobAction": pl.Int64,
    "OriginalOrderId": pl.String,
    "OrderId": pl.String,
    "OldOrderId": pl.String,
    "Price": pl.Float64,
    "Size": pl.Int64,
    "OldPrice": pl.Float64,
    "OldSize": pl.Int64,
    "OrderExecuted": pl.Boolean,
    "ExecutionPrice": pl.Float64,
    "ExecutionSize": pl.Int64,
    "SizeAhead": pl.Int64,
    "MarketState": pl.String,
}


def generate_l3(
    seed: int = 1,
    listings: tuple[int, ...] = (101, 102, 103),
    days: tuple[date, ...] = (date(2024, 3, 4), date(2024, 3, 5)),
    events: int = 1200,
) -> list[dict]:
    """Rows of a synthetic L3 table (dicts with the keys of :data:`L3_SCHEMA`), time-sorted per listing."""
    rng = random.Random(seed)
    rows: list[dict] = []
    carried: dict[int, list[tuple[str, int, float, int]]] = {}
    for listing in listings:
        next_id = listing * 1_000_000
        for day in days:
            trade_date = datetime.combine(day, datetime.min.time())
            ns = to_ns(trade_date + timedelta(hours=8))
            active: dict[str, list] = {}  # original id -> [current id, side, price, size]
            # Orders resting from before the data starts (GTC or earlier than the first event):
            # no insert row today, but removed, updated and executed like the others.
            for original, side, price, size in carried.get(listing, []):
                active[original] = [original, side, price, size]
            for _ in range(rng.randint(3, 6)):
                next_id += 1
                original = str(next_id)
                active[original] = [
                    original,
                    rng.choice((1, 2)),
                    round(rng.uniform(99, 101), 2),
                    rng.randint(1, 50) * 10,
                ]
            pending: list[tuple[int, str, list]] = []  # scheduled events: (ns, kind, payload)
            for _ in range(events):
                gap = rng.choice(
                    (
                        0,
                        0,
                        1,
                        1_000,
                        250_000,
                        5_000_000,
                        40_000_000,
                        120_000_000,
                        900_000_000,
                        5_000_000_000,
                        20_000_000_000,
                    )
                )
                ns += gap + rng.randint(0, 3)
                if rng.random() < 0.02:  # exactly on a minute (and 10-second) boundary
                    ns = -(-ns // 60_000_000_000) * 60_000_000_000
                if pending and pending[0][0] <= ns:
                    ns_event, _kind, payload = pending.pop(0)
                    ns = ns_event  # every earlier event is before it: exact delays after the insert
                    original = payload[0]
                    if original in active:
                        rows.append(_remove(listing, trade_date, ns, active.pop(original), original, False))
                    continue
                state = (
                    "OPENING_AUCTION"
                    if ns < to_ns(trade_date + timedelta(hours=8, minutes=1))
                    else "CONTINUOUS_TRADING"
                )
                roll = rng.random()
                if roll < 0.42 or len(active) < 4:
                    next_id += 1
                    original = str(next_id)
                    side = rng.choice((1, 2))
                    order = [original, side, round(rng.uniform(99, 101), 2), rng.randint(1, 50) * 10]
                    active[original] = order
                    rows.append(
                        _row(
                            listing,
                            trade_date,
                            ns,
                            side,
                            2,
                            original,
                            original,
                            "",
                            order[2],
                            order[3],
                            None,
                            0,
                            False,
                            None,
                            0,
                            rng.choice((None, rng.randint(0, 5000))),
                            state,
                        )
                    )
                    if rng.random() < 0.15:  # fleeting candidates, some exactly at the 100 ms threshold
                        delay = rng.choice((100_000_000, 100_000_001, 99_999_999, 0, 30_000_000, 300_000_000))
                        pending.append((ns + delay, "cancel", [original]))
                        pending.sort(key=lambda item: item[0])
                    continue
                original = rng.choice(sorted(active))
                current, side, price, size = active[original]
                if roll < 0.70:
                    rows.append(
                        _remove(listing, trade_date, ns, active.pop(original), original, False, state)
                    )
                elif roll < 0.82:
                    new_price = round(price + rng.choice((0.0, 0.01, -0.02)), 2)
                    new_size = max(10, size + rng.choice((0, -10, 20)))
                    new_id = current
                    if rng.random() < 0.3:  # some venues give the modified order a new id
                        next_id += 1
                        new_id = str(next_id)
                    rows.append(
                        _row(
                            listing,
                            trade_date,
                            ns,
                            side,
                            4,
                            original,
                            new_id,
                            current,
                            new_price,
                            new_size,
                            price,
                            size,
                            False,
                            None,
                            0,
                            rng.randint(0, 5000),
                            state,
                        )
                    )
                    active[original] = [new_id, side, new_price, new_size]
                elif roll < 0.91 and size > 10:
                    executed = rng.randint(1, size // 10 - 1) * 10 if size > 20 else 10
                    rows.append(
                        _row(
                            listing,
                            trade_date,
                            ns,
                            side,
                            4,
                            original,
                            current,
                            current,
                            price,
                            size - executed,
                            price,
                            size,
                            True,
                            price,
                            executed,
                            0,
                            state,
                        )
                    )
                    active[original] = [current, side, price, size - executed]
                else:
                    rows.append(_remove(listing, trade_date, ns, active.pop(original), original, True, state))
                if rng.random() < 0.01:  # rows every class must ignore
                    rows.append(
                        _row(
                            listing,
                            trade_date,
                            ns,
                            rng.choice((0, 3)),
                            rng.choice((1, 2, 5)),
                            "x",
                            "x",
                            "",
                            1.0,
                            5,
                            None,
                            0,
                            rng.choice((None, False)),
                            None,
                            0,
                            None,
                            state,
                        )
                    )
            # A few orders stay overnight: removed tomorrow with no insert row of tomorrow's date.
            carried[listing] = [(o, s, p, q) for o, (_, s, p, q) in list(active.items())[:3]]
    flags = random.Random(seed + 1)
    for row in rows:
        if row["OrderExecuted"] is False and flags.random() < 0.03:
            row["OrderExecuted"] = None  # a null flag counts as not executed
    return rows


def _row(
    listing,
    trade_date,
    ns,
    side,
    action,
    original,
    order_id,
    old_id,
    price,
    size,
    old_price,
    old_size,
    executed,
    execution_price,
    execution_size,
    size_ahead,
    state="CONTINUOUS_TRADING",
) -> dict:
    return {
        "ListingId": listing,
        "TradeDate": trade_date,
        "TimestampNanoseconds": ns,
        "Side": side,
        "LobAction": action,
        "OriginalOrderId": original,
        "OrderId": order_id,
        "OldOrderId": old_id,
        "Price": price,
        "Size": size,
        "OldPrice": old_price,
        "OldSize": old_size,
        "OrderExecuted": executed,
        "ExecutionPrice": execution_price,
        "ExecutionSize": execution_size,
        "SizeAhead": size_ahead,
        "MarketState": state,
    }


def _remove(listing, trade_date, ns, order, original, executed, state="CONTINUOUS_TRADING") -> dict:
    current, side, price, size = order
    return _row(
        listing,
        trade_date,
        ns,
        side,
        3,
        original,
        "",
        current,
        None,
        0,
        price,
        size,
        executed,
        price if executed else None,
        size if executed else 0,
        0,
        state,
    )


def l3_frame(rows: list[dict]) -> pl.DataFrame:
    """The generated rows as a Polars frame with BMLL's dtypes (timestamps from integer ns)."""
    data = {name: [row[name] for row in rows] for name in L3_SCHEMA}
    frame = pl.DataFrame(
        {**data, "TimestampNanoseconds": pl.Series(data["TimestampNanoseconds"], dtype=pl.Int64)},
        schema_overrides={k: v for k, v in L3_SCHEMA.items() if k != "TimestampNanoseconds"},
    )
    return frame.with_columns(pl.col("TimestampNanoseconds").cast(pl.Datetime("ns")))


# --------------------------------------------------------------------------------------------
# Reference
# --------------------------------------------------------------------------------------------

SIDE_NAMES = {1: "Bid", 2: "Ask"}
ACTIONS = ("Insert", "Remove", "Update", "Execute")


def _classify(row: dict) -> str | None:
    if row["OrderExecuted"] is True:
        return "Execute"
    return {2: "Insert", 3: "Remove", 4: "Update"}.get(row["LobAction"])


def _volume(row: dict, action: str) -> int:
    if action == "Insert":
        return row["Size"] or 0
    if action == "Remove":
        return row["OldSize"] or 0
    if action == "Update":
        return abs(row["Size"] - row["OldSize"])
    return row["ExecutionSize"] or 0


def _day(row: dict) -> date:
    return row["TradeDate"].date()


def _key(row: dict, order_key: str) -> str | None:
    if order_key == "OriginalOrderId":
        key = row["OriginalOrderId"]
    else:
        key = row["OrderId"] if row["LobAction"] == 2 else row["OldOrderId"]
    return key if key else None


def reference_l3(
    rows: list[dict],
    *,
    size_ns: int = 60_000_000_000,
    closed: str = "right",
    anchor: str = "end",
    market_states: tuple[str, ...] | None = None,
    order_key: str = "OriginalOrderId",
    fleeting_ns: int = 100_000_000,
    replacement_ns: int = 1_000_000_000,
) -> dict[tuple[int, int], dict[str, float | int | None]]:
    """Every column of ``l3`` with all sides, actions, measures and advanced metrics.

    Returns ``{(ListingId, label_ns): {column: value}}``.
    """
    # Whole-day look-ups, over every row (also those outside market_states).
    first_insert: dict[tuple, int] = {}
    first_cancel: dict[tuple, int] = {}
    inserts_by_side: dict[tuple, list[int]] = {}
    for row in rows:
        action = _classify(row)
        ns = row["TimestampNanoseconds"]
        key = _key(row, order_key)
        order = (row["ListingId"], _day(row), key)
        if action == "Insert":
            if key is not None and (order not in first_insert or ns < first_insert[order]):
                first_insert[order] = ns
            inserts_by_side.setdefault((row["ListingId"], _day(row), row["Side"]), []).append(ns)
        if action == "Remove" and key is not None and (order not in first_cancel or ns < first_cancel[order]):
            first_cancel[order] = ns
    for times in inserts_by_side.values():
        times.sort()

    cells: dict[tuple[int, int], dict] = {}
    for row in rows:
        action = _classify(row)
        if action is None or row["Side"] not in SIDE_NAMES:
            continue
        if market_states is not None and row["MarketState"] not in market_states:
            continue
        side = SIDE_NAMES[row["Side"]]
        ns = row["TimestampNanoseconds"]
        cell = cells.setdefault(
            (row["ListingId"], bucket_label(ns, size_ns, closed, anchor)),
            {"count": {}, "volume": {}, "ahead": {}, "rest": {}, "fleeting": {}, "latency": {}},
        )
        cell["count"][(action, side)] = cell["count"].get((action, side), 0) + 1
        cell["volume"][(action, side)] = cell["volume"].get((action, side), 0) + _volume(row, action)
        order = (row["ListingId"], _day(row), _key(row, order_key))
        if action == "Insert":
            if row["SizeAhead"] is not None:
                cell["ahead"].setdefault(side, []).append(row["SizeAhead"])
            cancel = first_cancel.get(order) if order[2] is not None else None
            is_fleeting = cancel is not None and 0 <= cancel - ns <= fleeting_ns
            cell["fleeting"][side] = cell["fleeting"].get(side, 0) + (1 if is_fleeting else 0)
        if (
            row["LobAction"] == 3
            and order[2] is not None
            and order in first_insert
            and first_insert[order] <= ns
        ):
            cell["rest"].setdefault(side, []).append((ns - first_insert[order]) / 1e9)
        if action == "Remove":
            times = inserts_by_side.get((row["ListingId"], _day(row), row["Side"]), [])
            position = bisect.bisect_left(times, ns)
            if position < len(times) and times[position] - ns <= replacement_ns:
                cell["latency"].setdefault(side, []).append((times[position] - ns) / 1e9)

    def mean(values: list) -> float | None:
        return sum(values) / len(values) if values else None

    result = {}
    for cell_key, cell in cells.items():
        out: dict[str, float | int | None] = {}
        for side in ("Bid", "Ask"):
            for action in ACTIONS:
                out[f"{action}Count{side}"] = cell["count"].get((action, side), 0)
                out[f"{action}Volume{side}"] = cell["volume"].get((action, side), 0)
        bid, ask = out["InsertVolumeBid"], out["InsertVolumeAsk"]
        out["ArrivalFlowImbalance"] = (bid - ask) / (bid + ask) if bid + ask > 0 else None
        for side in ("Bid", "Ask"):
            executions = out[f"ExecuteCount{side}"]
            out[f"CancelToTradeRatio{side}"] = out[f"RemoveCount{side}"] / executions if executions else None
            out[f"AvgQueuePosition{side}"] = mean(cell["ahead"].get(side, []))
            out[f"AvgRestingTime{side}"] = mean(cell["rest"].get(side, []))
            inserts = out[f"InsertCount{side}"]
            out[f"FleetingLiquidityRatio{side}"] = (
                cell["fleeting"].get(side, 0) / inserts if inserts else None
            )
            out[f"AvgReplacementLatency{side}"] = mean(cell["latency"].get(side, []))
        result[cell_key] = out
    return result
