"""One listing-day through the replay kernel: code the rows, run, decode the snapshots.

:func:`replay_day` takes one listing-day's L3 rows, plus its market-state changes
(rows with ``_Change`` true), as one DataFrame and returns its L2 snapshots. It
is called once per listing-day by ``LazyGroupBy.map_groups`` (``module.py``),
so the kernel's state (orders, levels) never holds more than one listing-day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

CHANGE = "_Change"
"""Marks the market-state change rows mixed into the L3 rows of the module's input."""
L3_COLUMNS: tuple[str, ...] = (
    "ListingId", "TradeDate", "TimestampNanoseconds", "EventNo", "BMLLSequenceNo", "Side", "LobAction",
    "OrderId", "OldOrderId", "Price", "Size", "EndOfEvent", "MarketState",
)  # fmt: skip
"""L3 columns the replay reads."""


@dataclass(frozen=True)
class ReplayOptions:
    """How to replay (the module's configuration, as plain values)."""

    levels: int
    every_row: bool
    changes_only: bool


def level_names(levels: int) -> list[str]:
    """BMLL's L2 level columns for depth ``levels``: bid price, quantity, count, then ask, per level."""
    return [
        f"{side}{field}{level}"
        for side in ("Bid", "Ask")
        for level in range(1, levels + 1)
        for field in ("Price", "Quantity", "NumOrders")
    ]


def output_schema(levels: int) -> dict[str, pl.DataType]:
    """Schema of :func:`replay_day`'s output (BMLL's L2 dtypes where the column is BMLL's)."""
    schema: dict[str, pl.DataType] = {
        "ListingId": pl.Int64(),
        "TradeDate": pl.Datetime("ms"),
        "L2EventNo": pl.Int64(),
        "TimestampNanoseconds": pl.Datetime("ns"),
        "EventTimestamp": pl.Datetime("us"),
    }
    dtypes = {"Price": pl.Float64(), "Quantity": pl.Int64(), "NumOrders": pl.Int32()}
    for name in level_names(levels):
        schema[name] = dtypes[name.rstrip("0123456789").removeprefix("Bid").removeprefix("Ask")]
    schema |= {
        "BidLevelCount": pl.Int32(),
        "AskLevelCount": pl.Int32(),
        "MarketState": pl.String(),
        "L3EventNo": pl.Int64(),
        "BMLLSequenceNo": pl.Int64(),
        "BookCrossed": pl.Boolean(),
        "UnknownOrderId": pl.Boolean(),
        "NegativeSize": pl.Boolean(),
    }
    return schema


def _codes(values: pl.Series) -> np.ndarray:
    """Dense codes of strings (-1 for null or empty), in the values' sorted order."""
    codes = values.rank("dense").cast(pl.Int64) - 1
    return codes.fill_null(-1).to_numpy()


def _change_positions(rows: pl.DataFrame, changes: pl.DataFrame) -> np.ndarray:
    """Number of rows each change applies after: rows with (time, sequence) below its own.

    Rows are in (time, EventNo) order; a missing sequence number on a row counts as
    after the change, on a change as before every row of its instant.
    """
    ts = rows["TimestampNanoseconds"].cast(pl.Int64).to_numpy()
    seq = rows["BMLLSequenceNo"].fill_null(np.iinfo(np.int64).max).to_numpy()
    ct = changes["TimestampNanoseconds"].cast(pl.Int64).to_numpy()
    cs = changes["BMLLSequenceNo"].fill_null(-1).to_numpy()
    # A handful of changes per day: one vectorised count per change.
    return np.array(
        [np.count_nonzero((ts < t) | ((ts == t) & (seq < q))) for t, q in zip(ct, cs, strict=True)],
        dtype=np.int64,
    )


def _arrays(arrays: list[np.ndarray]) -> list[object]:
    """NumPy arrays for the compiled kernel; lists for the plain-Python one (much faster to index)."""
    from basalt_preprocessors.replay._jit import JIT_ENABLED

    return list(arrays) if JIT_ENABLED else [a.tolist() for a in arrays]


def replay_day(frame: pl.DataFrame, options: ReplayOptions) -> pl.DataFrame:
    """The L2 snapshots of one listing-day (``frame``: its L3 rows and ``_Change`` rows)."""
    schema = output_schema(options.levels)
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    listing, trade_date = frame["ListingId"][0], frame["TradeDate"].drop_nulls().min()
    rows = frame.filter(~pl.col(CHANGE)).sort("TimestampNanoseconds", "EventNo", maintain_order=True)
    changes = frame.filter(pl.col(CHANGE)).sort("TimestampNanoseconds", "BMLLSequenceNo", nulls_last=False)
    ids = _codes(pl.concat([rows["OrderId"], rows["OldOrderId"]]).replace("", None))
    n = rows.height
    prices = rows["Price"].to_numpy()
    valid = ~np.isnan(prices)
    levels_px, px_codes = np.unique(prices[valid], return_inverse=True)
    px = np.full(n, -1, dtype=np.int64)
    px[valid] = px_codes
    state_names = pl.concat([rows["MarketState"], changes["MarketState"]]).unique(maintain_order=True)
    states = pl.DataFrame({"MarketState": state_names, "_code": np.arange(state_names.len())})
    state_of = rows.select("MarketState").join(states, on="MarketState", how="left", nulls_equal=True)[
        "_code"
    ]
    change_state = changes.select("MarketState").join(states, on="MarketState", how="left", nulls_equal=True)
    n_ids = int(ids.max()) + 1 if ids.size else 0
    n_px = int(levels_px.shape[0])
    cap = n + changes.height
    lv = options.levels
    inputs = _arrays(
        [
            rows["Side"].fill_null(0).to_numpy().astype(np.int64),
            rows["LobAction"].fill_null(0).to_numpy().astype(np.int64),
            ids[:n],
            ids[n:],
            px,
            rows["Size"].fill_null(0).to_numpy().astype(np.int64),
            rows["EndOfEvent"].fill_null(False).to_numpy().astype(np.int64),
            state_of.to_numpy().astype(np.int64),
            _change_positions(rows, changes),
            change_state["_code"].to_numpy().astype(np.int64),
        ]
    )
    scratch = _arrays([np.zeros(max(n_ids, 1), dtype=np.int64) for _ in range(4)])
    book = _arrays([np.zeros(2 * max(n_px, 1), dtype=np.int64) for _ in range(2)])
    out = _arrays(
        [
            np.zeros(2 * lv * cap, dtype=np.int64),
            np.zeros(2 * lv * cap, dtype=np.int64),
            np.zeros(2 * lv * cap, dtype=np.int64),
            np.zeros(6 * cap, dtype=np.int64),
        ]
    )
    # Imported here, not at the top: importing Numba (~0.3 s) at plugin registration would
    # slow every command and every worker's start-up, whether or not a pass replays books.
    from basalt_preprocessors.replay import kernel as k

    count = k.replay(
        *inputs, n_px, lv, int(options.every_row), int(options.changes_only), *scratch, *book, *out, cap
    )
    out_px, out_qty, out_cnt, meta = (np.asarray(a, dtype=np.int64).reshape(-1, cap)[:, :count] for a in out)
    return _snapshot_frame(
        rows, changes, out_px, out_qty, out_cnt, meta, levels_px, state_names, listing, trade_date, schema, lv
    )


def _snapshot_frame(
    rows: pl.DataFrame,
    changes: pl.DataFrame,
    out_px: np.ndarray,
    out_qty: np.ndarray,
    out_cnt: np.ndarray,
    meta: np.ndarray,
    levels_px: np.ndarray,
    state_names: pl.Series,
    listing: int,
    trade_date: object,
    schema: dict[str, pl.DataType],
    levels: int,
) -> pl.DataFrame:
    """Decode the kernel's snapshots into BMLL-named columns."""
    count = meta.shape[1]
    row, change = meta[4], meta[5]
    is_change = change >= 0
    row_ts = rows["TimestampNanoseconds"].cast(pl.Int64).to_numpy()
    change_ts = changes["TimestampNanoseconds"].cast(pl.Int64).to_numpy()
    ts = np.where(
        is_change, change_ts[np.maximum(change, 0)] if change_ts.size else 0, row_ts[np.maximum(row, 0)]
    )
    row_seq = rows["BMLLSequenceNo"]
    change_seq = changes["BMLLSequenceNo"]
    seq = pl.select(
        pl.when(pl.lit(pl.Series(is_change)))
        .then(change_seq.gather(np.maximum(change, 0)) if change_seq.len() else None)
        .otherwise(row_seq.gather(np.maximum(row, 0)))
    ).to_series()
    event_no = rows["EventNo"].gather(np.maximum(row, 0))
    columns: dict[str, object] = {
        "ListingId": np.full(count, listing, dtype=np.int64),
        "L2EventNo": np.arange(1, count + 1, dtype=np.int64),
        "TimestampNanoseconds": pl.Series(ts, dtype=pl.Int64).cast(pl.Datetime("ns")),
    }
    priced = np.append(levels_px, np.nan)  # code -1 reads the trailing NaN
    for side_index, side in enumerate(("Bid", "Ask")):
        for level in range(levels):
            j = side_index * levels + level
            columns[f"{side}Price{level + 1}"] = pl.Series(priced[out_px[j]], nan_to_null=True)
            columns[f"{side}Quantity{level + 1}"] = out_qty[j]
            columns[f"{side}NumOrders{level + 1}"] = out_cnt[j]
    from basalt_preprocessors.replay.kernel import F_CROSSED, F_NEGATIVE, F_UNKNOWN  # see replay_day

    frame = pl.DataFrame(columns).with_columns(
        pl.lit(trade_date, dtype=pl.Datetime("ms")).alias("TradeDate"),
        pl.col("TimestampNanoseconds").dt.cast_time_unit("us").alias("EventTimestamp"),
        pl.Series("BidLevelCount", meta[0]),
        pl.Series("AskLevelCount", meta[1]),
        state_names.gather(meta[2]).alias("MarketState"),
        pl.when(pl.Series(row >= 0)).then(event_no).alias("L3EventNo"),
        seq.alias("BMLLSequenceNo"),
        pl.Series("BookCrossed", (meta[3] & F_CROSSED) != 0),
        pl.Series("UnknownOrderId", (meta[3] & F_UNKNOWN) != 0),
        pl.Series("NegativeSize", (meta[3] & F_NEGATIVE) != 0),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
