"""Plain-Python replay of BMLL L3 into L2 snapshots: the slow, obvious reference.

Written from the semantics stated in ``l2_from_l3``'s docstring, with dicts and
loops only (no NumPy, no Polars, nothing shared with the kernel), so the
preprocessor is checked against an independent implementation:

* rows apply in (TimestampNanoseconds, EventNo) order; a market-state change
  applies before the first row whose (TimestampNanoseconds, BMLLSequenceNo)
  is greater than its own;
* insert (2): the order rests at Price with Size; a live id inserted again
  replaces the old order (flagged unknown-id);
* remove (3): the live order OldOrderId leaves the book (unknown: flagged,
  nothing changes);
* update (4): the live order OldOrderId leaves, and rests again as OrderId
  (OldOrderId when empty) at Price (its old price when null) with Size
  (unknown: flagged, the new state rests all the same);
* a size below zero is flagged and nothing rests; a size of zero rests nothing;
* a snapshot is published at an emission point (every row, or rows with
  EndOfEvent, and the last row of the day) when the published book (levels,
  level counts, MarketState) differs from the last published one, or when the
  event was flagged, or always when ``changes_only`` is off; and at every
  market-state change, always.
"""

from __future__ import annotations

from typing import Any


def _key(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _top(book: dict[float, list[int]], side: int, levels: int) -> list[tuple[float, int, int]]:
    prices = sorted((p for p, (q, n) in book.items() if n > 0), reverse=(side == 1))
    return [(p, book[p][0], book[p][1]) for p in prices[:levels]]


def reference_replay(
    rows: list[dict[str, Any]],
    state_changes: list[dict[str, Any]] | None = None,
    *,
    levels: int = 10,
    snapshot_at: str = "end_of_event",
    changes_only: bool = True,
) -> list[dict[str, Any]]:
    """L2 snapshots of one listing-day from its L3 rows (dicts with BMLL's column names)."""
    rows = sorted(rows, key=lambda r: (r["TimestampNanoseconds"], r["EventNo"]))
    changes = sorted(state_changes or [], key=lambda c: (c["TimestampNanoseconds"], c["BMLLSequenceNo"]))
    books: dict[int, dict[float, list[int]]] = {1: {}, 2: {}}
    orders: dict[str, tuple[int, float, int]] = {}
    out: list[dict[str, Any]] = []
    state: dict[str, Any] = {"last": None, "row": None, "market": None}

    def take_out(oid: str) -> tuple[int, float, int]:
        side, price, size = orders.pop(oid)
        level = books[side][price]
        level[0] -= size
        level[1] -= 1
        if level[1] == 0:
            del books[side][price]
        return side, price, size

    def rest(oid: str, side: int, price: float, size: int) -> None:
        orders[oid] = (side, price, size)
        level = books[side].setdefault(price, [0, 0])
        level[0] += size
        level[1] += 1

    def publish(ts: Any, market: Any, row: dict[str, Any] | None, unknown: bool, negative: bool) -> None:
        snap: dict[str, Any] = {}
        for side, name in ((1, "Bid"), (2, "Ask")):
            top = _top(books[side], side, levels)
            for k in range(levels):
                price, qty, count = top[k] if k < len(top) else (None, 0, 0)
                snap[f"{name}Price{k + 1}"] = price
                snap[f"{name}Quantity{k + 1}"] = qty
                snap[f"{name}NumOrders{k + 1}"] = count
            snap[f"{name}LevelCount"] = len(books[side])
        snap["MarketState"] = market
        bid = max(books[1]) if books[1] else None
        ask = min(books[2]) if books[2] else None
        snap["BookCrossed"] = bid is not None and ask is not None and bid >= ask
        snap["UnknownOrderId"] = unknown
        snap["NegativeSize"] = negative
        snap["TimestampNanoseconds"] = ts
        snap["L3EventNo"] = None if row is None else row["EventNo"]
        snap["BMLLSequenceNo"] = None if row is None else row.get("BMLLSequenceNo")
        snap["L2EventNo"] = len(out) + 1
        out.append(snap)
        state["last"] = snap

    def published(snap: dict[str, Any] | None) -> dict[str, Any] | None:
        if snap is None:
            return None
        skip = {"TimestampNanoseconds", "L3EventNo", "BMLLSequenceNo", "L2EventNo", "BookCrossed"}
        skip |= {"UnknownOrderId", "NegativeSize"}
        return {k: v for k, v in snap.items() if k not in skip}

    def state_change(change: dict[str, Any]) -> None:
        state["market"] = change["MarketState"]
        publish(change["TimestampNanoseconds"], change["MarketState"], None, False, False)
        out[-1]["BMLLSequenceNo"] = change["BMLLSequenceNo"]
        out[-1]["L3EventNo"] = None if state["row"] is None else state["row"]["EventNo"]

    c = 0
    unknown = negative = False
    for i, row in enumerate(rows):
        while c < len(changes) and (changes[c]["TimestampNanoseconds"], changes[c]["BMLLSequenceNo"]) < (
            row["TimestampNanoseconds"],
            row["BMLLSequenceNo"],
        ):
            state_change(changes[c])
            c += 1
        action, size = row["LobAction"], row["Size"]
        new_id, old_id = _key(row["OrderId"]), _key(row["OldOrderId"])
        if action == 2:
            if new_id in orders:
                unknown = True
                take_out(new_id)
            if size < 0:
                negative = True
            elif size > 0 and new_id is not None and row["Price"] is not None and row["Side"] in (1, 2):
                rest(new_id, row["Side"], row["Price"], size)
        elif action == 3:
            if old_id in orders:
                take_out(old_id)
            else:
                unknown = True
        elif action == 4:
            old_price = None
            if old_id in orders:
                old_price = take_out(old_id)[1]
            else:
                unknown = True
            target = new_id if new_id is not None else old_id
            price = row["Price"] if row["Price"] is not None else old_price
            if size < 0:
                negative = True
            elif size > 0 and target is not None and price is not None and row["Side"] in (1, 2):
                if target in orders:
                    unknown = True
                    take_out(target)
                rest(target, row["Side"], price, size)
        state["row"] = row
        state["market"] = row["MarketState"]
        last_row = i == len(rows) - 1
        if snapshot_at == "row" or row["EndOfEvent"] or last_row:
            before = published(state["last"])
            flagged = unknown or negative
            publish(row["TimestampNanoseconds"], row["MarketState"], row, unknown, negative)
            if changes_only and not flagged and published(out[-1]) == before:
                out.pop()
                state["last"] = out[-1] if out else None
            unknown = negative = False
    while c < len(changes):
        state_change(changes[c])
        c += 1
    return out
