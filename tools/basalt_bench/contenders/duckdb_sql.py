"""The DuckDB contender: one SQL query per output (``trade-1min`` and ``l2-1min``).

Same semantics as the modules, written in plain SQL: end-labelled right-closed
60 s buckets by integer arithmetic on epoch nanoseconds; per-side sums with
``FILTER``; Open/Close by ``arg_min``/``arg_max`` on a (timestamp, file row)
HUGEINT key; the last L2 snapshot by ``arg_max_null`` (``arg_max`` skips nulls) on a (timestamp, L2EventNo)
key; time-weighted averages by ``lead()`` over each listing-day and
``unnest(range(...))`` of every interval over the buckets it covers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from basalt_bench.cases import LEVELS
from basalt_bench.workloads import files

NS = 60_000_000_000
SIDES = {
    "Bid": "AggressorSide = 2",
    "Ask": "AggressorSide = 1",
    "Total": "TRUE",
    "Unknown": "(AggressorSide IS NULL OR AggressorSide NOT IN (1, 2))",
}


def _files(lake: Path, table: str) -> str:
    return "[" + ", ".join(f"'{f}'" for f in files(lake, table)) + "]"


def _ceil(ns: str) -> str:
    """End of the right-closed bucket holding ``ns`` (positive epoch ns; DuckDB's ``//`` truncates)."""
    return f"((({ns}) + {NS - 1}) // {NS}) * {NS}"


def _label(ns: str) -> str:
    return f"make_timestamp_ns({_ceil(ns)})"


def trade_sql(lake: Path) -> str:
    """Per-side Volume, Count, Notional, VWAP, OHLC of lit continuous trades per (listing, bucket)."""
    cols = []
    for side, cond in SIDES.items():
        priced = f"{cond} AND p IS NOT NULL"
        cols += [
            f"coalesce(sum(s) FILTER (WHERE {cond}), 0) AS Trade{side}Volume",
            f"count(*) FILTER (WHERE {cond}) AS Trade{side}Count",
            f"coalesce(sum(s * p) FILTER (WHERE {cond}), 0) AS Trade{side}Notional",
            f"CASE WHEN sum(s) FILTER (WHERE {priced}) > 0 THEN sum(s * p) FILTER (WHERE {cond}) "
            f"/ sum(s) FILTER (WHERE {priced}) END AS Trade{side}VWAP",
            f"arg_min(p, k) FILTER (WHERE {priced}) AS Trade{side}Open",
            f"max(p) FILTER (WHERE {cond}) AS Trade{side}High",
            f"min(p) FILTER (WHERE {cond}) AS Trade{side}Low",
            f"arg_max(p, k) FILTER (WHERE {priced}) AS Trade{side}Close",
        ]
    return f"""
    WITH t AS (
        SELECT ListingId, AggressorSide, InstrumentCurrencyPrice AS p, Size AS s,
               epoch_ns(TradeTimestamp) AS ns,
               epoch_ns(TradeTimestamp)::HUGEINT * 4294967296 + file_row_number AS k
        FROM read_parquet({_files(lake, "trades")}, file_row_number = true, hive_partitioning = false)
        WHERE Classification = 'LIT_CONTINUOUS'
    )
    SELECT ListingId, {_label("ns")} AS TimeBucket, {", ".join(cols)}
    FROM t GROUP BY ListingId, TimeBucket
    """


def l2_measures(levels: int) -> dict[str, str]:
    """Per-snapshot SQL of families levels, imbalance, spread (output name → expression)."""
    out: dict[str, str] = {}
    cum: dict[str, str] = {}
    for side in ("Bid", "Ask"):
        terms: dict[str, list[str]] = {"CumQuantity": [], "CumNotional": [], "CumOrders": []}
        for lv in range(1, levels + 1):
            p = f"(CASE WHEN isnan({side}Price{lv}) THEN NULL ELSE {side}Price{lv} END)"
            terms["CumQuantity"].append(f"coalesce({side}Quantity{lv}, 0)")
            terms["CumNotional"].append(f"coalesce({p} * {side}Quantity{lv}, 0.0)")
            terms["CumOrders"].append(f"coalesce({side}NumOrders{lv}::BIGINT, 0)")
            out[f"{side}Price{lv}"] = p
            out[f"{side}Quantity{lv}"] = f"{side}Quantity{lv}"
            out[f"{side}NumOrders{lv}"] = f"{side}NumOrders{lv}"
            for field, items in terms.items():
                cum[f"{side}{field}{lv}"] = "(" + " + ".join(items) + ")"
    for lv in range(1, levels + 1):
        for field in ("Quantity", "CumQuantity", "CumNotional", "CumOrders"):
            b = out[f"Bid{field}{lv}"] if field == "Quantity" else cum[f"Bid{field}{lv}"]
            a = out[f"Ask{field}{lv}"] if field == "Quantity" else cum[f"Ask{field}{lv}"]
            out[f"Imbalance{field}{lv}"] = (
                f"CASE WHEN ({b}) + ({a}) <> 0 THEN (({b}) - ({a}))::DOUBLE / (({b}) + ({a}))::DOUBLE END"
            )
    bid, ask = out["BidPrice1"], out["AskPrice1"]
    out["SpreadAbs"] = f"{ask} - {bid}"
    out["SpreadBps"] = (
        f"CASE WHEN ({bid} + {ask}) / 2.0 > 0 THEN 10000.0 * ({ask} - {bid}) / (({bid} + {ask}) / 2.0) END"
    )
    return out


def l2_sql(lake: Path) -> str:
    """Last-snapshot measures and their time-weighted averages per (listing, bucket), full outer join."""
    m = l2_measures(LEVELS)
    measured = ", ".join(f"{e} AS {n}" for n, e in m.items())
    last = ", ".join(f"arg_max_null({n}, k) AS {n}" for n in m)  # arg_max skips null values
    sums = ", ".join(
        f"sum({n}::DOUBLE * w::DOUBLE) AS n_{n}, sum(w) FILTER (WHERE {n} IS NOT NULL) AS d_{n}" for n in m
    )
    twa = ", ".join(f"CASE WHEN d_{n} > 0 THEN n_{n} / d_{n} END AS {n}TWA" for n in m)
    return f"""
    WITH s AS (
        SELECT ListingId, TradeDate, epoch_ns(EventTimestamp) AS t,
               epoch_ns(EventTimestamp)::HUGEINT * 18446744073709551616
                 + (coalesce(L2EventNo::HUGEINT, -9223372036854775808) + 9223372036854775808) AS k,
               {measured}
        FROM read_parquet({_files(lake, "l2")}, hive_partitioning = false)
        WHERE EventTimestamp IS NOT NULL
    ),
    last AS (
        SELECT ListingId, {_label("t")} AS TimeBucket, {last} FROM s GROUP BY ALL
    ),
    iv AS (
        SELECT *, coalesce(lead(t) OVER (PARTITION BY ListingId, TradeDate ORDER BY k),
                           {_ceil("t")}) AS e
        FROM s
    ),
    pieces AS (
        SELECT *, least(e, (b + 1) * {NS}) - greatest(t, b * {NS}) AS w
        FROM (SELECT *, unnest(range(t // {NS}, (e - 1) // {NS} + 1)) AS b FROM iv WHERE e > t)
    ),
    tw AS (
        SELECT ListingId, make_timestamp_ns((b + 1) * {NS}) AS TimeBucket, {sums}
        FROM pieces WHERE w > 0 GROUP BY ListingId, b
    )
    SELECT COALESCE(last.ListingId, tw.ListingId) AS ListingId,
           COALESCE(last.TimeBucket, tw.TimeBucket) AS TimeBucket,
           {", ".join(f"last.{n}" for n in m)}, {twa}
    FROM last FULL OUTER JOIN tw ON last.ListingId = tw.ListingId AND last.TimeBucket = tw.TimeBucket
    """


def run(case: str, lake: Path, out: Path) -> dict[str, Any]:
    """Run the case's SQL and write ``out/bars.parquet``."""
    sql = {"trade-1min": trade_sql, "l2-1min": l2_sql}[case](lake)
    con = duckdb.connect()
    target = out / "bars.parquet"
    con.execute(f"COPY ({sql} ORDER BY ListingId, TimeBucket) TO '{target}' (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM '{target}'").fetchone()[0]
    return {"bars": rows}
