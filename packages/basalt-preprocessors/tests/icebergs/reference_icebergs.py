"""Plain-Python reference of iceberg detection: one pass over each listing-day's L3 rows with dicts.

Written from the rules stated in ``basalt_preprocessors.icebergs.detect``'s
docstring, not from its Polars code: a book of displayed quantities per (side,
price) is kept up to date row by row; events are closed at ``EndOfEvent``; the
latest full execution per (side, price) waits for its refill.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import polars as pl

Row = dict[str, Any]


def _oid(row: Row, old_first: bool = False) -> str | None:
    a, b = (
        (row.get("OldOrderId"), row.get("OrderId"))
        if old_first
        else (row.get("OrderId"), row.get("OldOrderId"))
    )
    for value in (a, b):
        if value:
            return str(value)
    return None


def _day_rows(l3: pl.DataFrame) -> dict[tuple[int, dt.date], list[Row]]:
    has_date = "TradeDate" in l3.columns
    ns = l3.get_column("TimestampNanoseconds").cast(pl.Int64).to_list()
    groups: dict[tuple[int, dt.date], list[Row]] = defaultdict(list)
    for row, t in zip(l3.iter_rows(named=True), ns, strict=True):
        if row["Side"] not in (1, 2) or row["LobAction"] not in (2, 3, 4) or t is None:
            continue
        day = row["TradeDate"] if has_date else row["TimestampNanoseconds"]
        day = day.date() if isinstance(day, dt.datetime) else day
        row["__ns"] = t
        groups[(row["ListingId"], day)].append(row)
    for rows in groups.values():
        rows.sort(key=lambda r: r["EventNo"])
    return dict(sorted(groups.items()))


def _events(rows: list[Row], by_eoe: bool) -> list[list[Row]]:
    events: list[list[Row]] = []
    current: list[Row] = []
    for row in rows:
        if current and not by_eoe and row["__ns"] != current[-1]["__ns"]:
            events.append(current)
            current = []
        current.append(row)
        eoe = row.get("EndOfEvent")
        if by_eoe and (eoe is None or eoe):
            events.append(current)
            current = []
    if current:
        events.append(current)
    return events


def reference_detect(l3: pl.DataFrame, delay_ns: int = 1_000_000, hidden: bool = True) -> list[Row]:
    """The ``iceberg`` table of ``l3`` as a list of dicts (the module's column names)."""
    return _detect(l3, delay_ns, hidden)[0]


def _detect(
    l3: pl.DataFrame, delay_ns: int, hidden: bool
) -> tuple[list[Row], dict[tuple[int, dt.date, str], str], list[tuple[int, Row]]]:
    """(table, (ListingId, day, order) -> IcebergId, [(ListingId, refill insert row)])."""
    out: list[Row] = []
    all_members: dict[tuple[int, dt.date, str], str] = {}
    all_links: list[tuple[int, Row]] = []
    by_eoe = "EndOfEvent" in l3.columns
    for (listing, day), rows in _day_rows(l3).items():
        qty: dict[tuple[int, float], int] = defaultdict(int)
        untrusted: set[tuple[int, float]] = set()
        inserted: set[str] = set()
        last_fill: dict[tuple[int, float], tuple[int, int, str]] = {}  # level -> (EventNo, ns, order)
        used_fills: set[int] = set()
        root: dict[str, str] = {}
        links: list[tuple[str, str, Row]] = []  # (parent, child, insert row)
        signals: list[tuple[str, int, Row]] = []  # (order, hidden volume, first execution row)
        for event in _events(rows, by_eoe):
            shown: dict[tuple[int, float], int] = {}
            executed: dict[tuple[int, float], list[Row]] = defaultdict(list)
            order_signals: dict[tuple[int, float], list[tuple[str, int, Row]]] = defaultdict(list)
            for row in event:
                side, action = row["Side"], row["LobAction"]
                touched = []
                if action in (3, 4) and row["OldPrice"] is not None and row["OldSize"] is not None:
                    touched.append(((side, row["OldPrice"]), -row["OldSize"], _oid(row, old_first=True)))
                if action in (2, 4) and row["Price"] is not None and row["Size"] is not None:
                    touched.append(((side, row["Price"]), row["Size"], None))
                for level, delta, old in touched:
                    shown.setdefault(level, qty[level])
                    if delta < 0 and old not in inserted:
                        untrusted.add(level)
                    qty[level] += delta
                if action == 2 and _oid(row):
                    inserted.add(_oid(row))  # type: ignore[arg-type]
                done = bool(row["OrderExecuted"]) and (row["ExecutionSize"] or 0) > 0
                if done:
                    price = row["OldPrice"] if row["OldPrice"] is not None else row["Price"]
                    executed[(side, price)].append(row)
                    if row["OldSize"] is not None and row["ExecutionSize"] > row["OldSize"]:
                        order_signals[(side, price)].append(
                            (_oid(row), row["ExecutionSize"] - row["OldSize"], row)
                        )
                if (
                    bool(row["OrderExecuted"])
                    and action == 3
                    and row["OldPrice"] is not None
                    and _oid(row, True)
                ):
                    last_fill[(side, row["OldPrice"])] = (row["EventNo"], row["__ns"], _oid(row, True))  # type: ignore[assignment]
                if action == 2 and row["Price"] is not None and _oid(row):
                    fill = last_fill.get((side, row["Price"]))
                    if fill is not None and fill[0] not in used_fills and row["__ns"] - fill[1] <= delay_ns:
                        used_fills.add(fill[0])
                        parent, child = fill[2], _oid(row)
                        root[child] = root.get(parent, parent)  # type: ignore[index]
                        links.append((parent, child, row))  # type: ignore[arg-type]
            if not hidden:
                continue
            for level, fills in executed.items():
                total = sum(r["ExecutionSize"] for r in fills)
                before, first_shown = shown[level], fills[0]["OldSize"]
                candidates = [r["ExecutionSize"] - r["OldSize"] for r in fills if r["OldSize"] is not None]
                candidates = [c for c in candidates if c > 0]
                if (
                    level not in untrusted
                    and first_shown is not None
                    and before >= first_shown
                    and total > before
                ):
                    candidates.append(total - before)
                order = _oid(fills[-1])
                if candidates and order is not None:
                    signals.append((order, max(candidates), fills[0]))
        members: dict[str, str] = {}
        for parent, child, _ in links:
            members[parent] = root.get(parent, parent)
            members[child] = root[child]
        for order, _, _ in signals:
            members.setdefault(order, order)
        all_members.update({(listing, day, order): ice for order, ice in members.items()})
        all_links.extend((listing, insert) for _, _, insert in links)
        icebergs: dict[str, Row] = {}
        for ice in dict.fromkeys(members.values()):
            icebergs[ice] = {
                "ListingId": listing, "TradeDate": day, "IcebergId": ice, "RefillCount": 0,
                "HiddenExecutionCount": 0, "HiddenVolume": 0, "ExecutedVolume": 0, "__orders": set(),
                "__peak_insert": None, "__peak_exec": None, "FirstSeen": None, "LastSeen": None, "Side": None,
                "__first": None,
            }  # fmt: skip
        for row in rows:
            order = _oid(row)
            if order not in members:
                continue
            ice = icebergs[members[order]]
            ice["__orders"].add(order)
            ice["Side"] = ice["Side"] or row["Side"]
            t = row["TimestampNanoseconds"]
            ice["FirstSeen"] = t if ice["FirstSeen"] is None else min(ice["FirstSeen"], t)
            ice["LastSeen"] = t if ice["LastSeen"] is None else max(ice["LastSeen"], t)
            if row["OrderExecuted"]:
                ice["ExecutedVolume"] += row["ExecutionSize"] or 0
                if row["OldSize"] is not None:
                    ice["__peak_exec"] = max(ice["__peak_exec"] or 0, row["OldSize"])
            if row["LobAction"] == 2 and row["Size"] is not None:
                ice["__peak_insert"] = max(ice["__peak_insert"] or 0, row["Size"])
        for parent, _, insert in links:
            ice = icebergs[members[parent]]
            ice["RefillCount"] += 1
            if ice["__first"] is None or insert["__ns"] < ice["__first"][0]:
                ice["__first"] = (insert["__ns"], insert["Price"], insert["TimestampNanoseconds"])
        for order, volume, row in signals:
            ice = icebergs[members[order]]
            ice["HiddenExecutionCount"] += 1
            ice["HiddenVolume"] += volume
            price = row["OldPrice"] if row["OldPrice"] is not None else row["Price"]
            if ice["__first"] is None or row["__ns"] < ice["__first"][0]:
                ice["__first"] = (row["__ns"], price, row["TimestampNanoseconds"])
        for ice in icebergs.values():
            _, ice["Price"], ice["DetectedAt"] = ice.pop("__first")
            peak = ice.pop("__peak_insert")
            ice["EstimatedPeakSize"] = peak if peak is not None else ice.pop("__peak_exec")
            ice.pop("__peak_exec", None)
            ice["OrderCount"] = len(ice.pop("__orders"))
            out.append(ice)
    table = sorted(out, key=lambda r: (r["ListingId"], r["TradeDate"], r["FirstSeen"], r["IcebergId"]))
    return table, all_members, all_links


def reference_metrics(
    l3: pl.DataFrame, bucket_ns: int, delay_ns: int = 1_000_000
) -> dict[tuple[int, int], Row]:
    """``iceberg_metrics`` by (ListingId, bucket end in ns); buckets right-closed, labelled by their end."""
    _, members, links = _detect(l3, delay_ns, True)
    out: dict[tuple[int, int], Row] = {}

    def cell(listing: int, ns: int) -> Row:
        key = (listing, -(-ns // bucket_ns) * bucket_ns)
        return out.setdefault(
            key,
            {"all": 0, "IcebergExecutedVolume": 0, "IcebergBidExecutedVolume": 0,
             "IcebergAskExecutedVolume": 0, "IcebergRefillCount": 0, "__ices": set()},
        )  # fmt: skip

    for (listing, day), rows in _day_rows(l3).items():
        for row in rows:
            if not row["OrderExecuted"] or not (row["ExecutionSize"] or 0) > 0:
                continue
            c = cell(listing, row["__ns"])
            c["all"] += row["ExecutionSize"]
            ice = members.get((listing, day, _oid(row)))
            if ice is not None:
                c["IcebergExecutedVolume"] += row["ExecutionSize"]
                c["IcebergBidExecutedVolume" if row["Side"] == 1 else "IcebergAskExecutedVolume"] += row[
                    "ExecutionSize"
                ]
                c["__ices"].add((day, ice))
    for listing, insert in links:
        cell(listing, insert["__ns"])["IcebergRefillCount"] += 1
    for c in out.values():
        total = c.pop("all")
        c["IcebergVolumeShare"] = c["IcebergExecutedVolume"] / total if total else None
        c["IcebergCount"] = len(c.pop("__ices"))
    return out
