"""``l2-1min`` in one ordered pass: the fastest exact formulation we know (issue #12's yardstick).

Per listing-day, in (EventTimestamp, L2EventNo) order, one loop over the
snapshots: each snapshot's measures are computed once; its interval in force
``[t, end)`` (``end`` the next snapshot's time in the listing-day, or the end
of its own right-closed bucket for the day's last) is split over the 60 s
buckets it covers, carried forward into the following buckets; only the
current bucket's ``Σ v·w`` and ``Σ w`` (over non-null values) are held, and
the bucket's last snapshot is recorded in the same pass. No sort (when the
input is in order), no explode, no large ``group_by``: a compiled kernel
(Numba) over the decoded columns, file by file.

Semantics are those of the lazy query (:mod:`.polars_l2`) and of Basalt's
``l2``/``l2tw`` on this case: buckets labelled by their end, right-closed for
the last snapshot (``ceil(t)``), time intervals for TWAs (bucket ``t // size``);
a snapshot followed by one at the same instant weighs nothing; a bucket row
exists when it holds a snapshot or some snapshot is in force in it for a
positive time. Weights are integer nanoseconds (exact in float64 below 2**53).

Exactness safeguards, all checked at run time, each with a slower exact path:

* input out of order within a listing-day, or a listing-day's rows not
  contiguous in its file → the kernel follows a sort permutation of the key
  columns (the data is not moved);
* a listing-day spread over several files → all files processed as one chunk;
* two listing-days of one listing sharing a bucket → their partial sums are
  added and the later last snapshot kept (a small ``group_by`` on the output).

Null vs NaN: the kernel reads measures as float64 with null → NaN, so a NaN
quantity or order count (never seen in BMLL data; prices' NaN already counts
as null) would be taken for null here, while the lazy query propagates it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

from basalt_bench.cases import L2_FAMILIES, LEVELS
from basalt_bench.contenders import polars_l2
from basalt_bench.workloads import files

try:
    import numba
except ImportError as error:  # pragma: no cover - numba is in the workspace (core's [fast] extra)
    raise ImportError("the one-pass l2-1min contender needs numba (bmll-basalt[fast])") from error

NS = polars_l2.BUCKET_NS
SIDES = ("Bid", "Ask")
FIELDS = ("Price", "Quantity", "NumOrders")
IMBALANCE = ("Quantity", "CumQuantity", "CumNotional", "CumOrders")
RAW = [f"{s}{f}{lv}" for s in SIDES for lv in range(1, LEVELS + 1) for f in FIELDS]
"""Raw book columns in kernel order: side, level, field (column ``(s*LEVELS + lv-1)*3 + f``)."""
KEYS = ["ListingId", "TradeDate", "EventTimestamp", "L2EventNo"]
NULL_EVENT = np.iinfo(np.int64).min


def measure_names() -> list[str]:
    """The kernel's measures in its output order (the lazy query's ``measures`` order)."""
    names = [f"{s}{f}{lv}" for lv in range(1, LEVELS + 1) for s in SIDES for f in FIELDS]
    names += [f"Imbalance{f}{lv}" for lv in range(1, LEVELS + 1) for f in IMBALANCE]
    names += ["SpreadAbs", "SpreadBps"]
    expected = polars_l2.measures(LEVELS, tuple(L2_FAMILIES))
    assert sorted(names) == sorted(expected), "kernel measures out of step with the lazy query"
    return names


@numba.njit(cache=True, nogil=True)
def _ratio(b: float, a: float) -> float:
    den = b + a
    if np.isnan(den) or den == 0.0:
        return np.nan
    return (b - a) / den


@numba.njit(cache=True, nogil=True)
def _measures(x: np.ndarray, r: int, levels: int, out: np.ndarray) -> None:
    """Measures of snapshot ``r`` from the raw matrix ``x`` (kernel column order) into ``out``.

    NaN stands for null, in and out.
    """
    pos = 0
    for lv in range(levels):
        for s in range(2):
            for f in range(3):
                out[pos] = x[r, (s * levels + lv) * 3 + f]
                pos += 1
    bq = aq = bn = an = bo = ao = 0.0  # cumulative quantity, notional, orders (nulls count 0)
    for lv in range(levels):
        b, a = lv * 3, (levels + lv) * 3
        bp, bqq, boo = x[r, b], x[r, b + 1], x[r, b + 2]
        ap, aqq, aoo = x[r, a], x[r, a + 1], x[r, a + 2]
        if not np.isnan(bqq):
            bq += bqq
            if not np.isnan(bp):
                bn += bp * bqq
        if not np.isnan(aqq):
            aq += aqq
            if not np.isnan(ap):
                an += ap * aqq
        if not np.isnan(boo):
            bo += boo
        if not np.isnan(aoo):
            ao += aoo
        out[pos] = _ratio(bqq, aqq)
        out[pos + 1] = _ratio(bq, aq)
        out[pos + 2] = _ratio(bn, an)
        out[pos + 3] = _ratio(bo, ao)
        pos += 4
    bid, ask = x[r, 0], x[r, levels * 3]
    out[pos] = ask - bid
    mid = (bid + ask) / 2.0
    out[pos + 1] = 1e4 * (ask - bid) / mid if mid > 0 else np.nan


@numba.njit(cache=True, nogil=True)
def _in_order(lid: np.ndarray, day: np.ndarray, t: np.ndarray, eno: np.ndarray) -> bool:
    """Whether every run of equal (listing, day) is in (t, L2EventNo) order (runs may be in any order)."""
    for i in range(1, len(t)):
        same = lid[i] == lid[i - 1] and day[i] == day[i - 1]
        if same and (t[i] < t[i - 1] or (t[i] == t[i - 1] and eno[i] < eno[i - 1])):
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _bound(order: np.ndarray, lid: np.ndarray, day: np.ndarray, t: np.ndarray, size: int) -> int:
    """An upper bound on the output rows: per listing-day, its buckets from first to last label, + 2."""
    total, start = 0, 0
    for i in range(len(order)):
        r = order[i]
        if i + 1 == len(order) or lid[order[i + 1]] != lid[r] or day[order[i + 1]] != day[r]:
            total += -((-t[r]) // size) - t[order[start]] // size + 2
            start = i + 1
    return total


@numba.njit(cache=True, nogil=True)
def _emit(
    out: tuple, rows: int, lid: int, day: int, slot: int, last: int, num: np.ndarray, den: np.ndarray
) -> int:
    """Write the open bucket as output row ``rows`` and clear its sums; returns the next row."""
    o_lid, o_day, o_bucket, o_last, o_num, o_den = out
    o_lid[rows], o_day[rows], o_bucket[rows], o_last[rows] = lid, day, slot, last
    o_num[rows, :] = num
    o_den[rows, :] = den
    num[:] = 0.0
    den[:] = 0.0
    return rows + 1


@numba.njit(cache=True, nogil=True)
def _onepass(
    order: np.ndarray,
    lid: np.ndarray,
    day: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    levels: int,
    n_measures: int,
    size: int,
) -> tuple:
    """The pass: rows visited in ``order``; one output row per (listing-day, bucket) touched.

    Bucket "slots" are end labels (bucket index + 1); within a listing-day they
    only grow, so one open slot (its sums and last snapshot) is enough.
    """
    n = len(order)
    cap = _bound(order, lid, day, t, size)
    out = (
        np.empty(cap, np.int64),
        np.empty(cap, np.int64),
        np.empty(cap, np.int64),
        np.empty(cap, np.int64),
        np.empty((cap, n_measures)),
        np.empty((cap, n_measures)),
    )
    rows = 0
    num = np.zeros(n_measures)
    den = np.zeros(n_measures)
    m = np.empty(n_measures)
    slot, last, touched = -1, -1, False
    for i in range(n):
        r = order[i]
        ti = t[r]
        same_next = i + 1 < n and lid[order[i + 1]] == lid[r] and day[order[i + 1]] == day[r]
        label = -((-ti) // size)  # the right-closed bucket holding the snapshot, by its end
        end = t[order[i + 1]] if same_next else label * size
        if i == 0 or lid[order[i - 1]] != lid[r] or day[order[i - 1]] != day[r]:
            slot, last, touched = label, -1, False
        if label != slot:
            if touched or last >= 0:
                rows = _emit(out, rows, lid[r], day[r], slot, last, num, den)
            slot, last, touched = label, -1, False
        last = r
        if end > ti:
            _measures(x, r, levels, m)
            a = ti
            while a < end:
                k = a // size  # time bucket (k·size, (k+1)·size], end label k+1
                b = min(end, (k + 1) * size)
                if k + 1 != slot:
                    if touched or last >= 0:
                        rows = _emit(out, rows, lid[r], day[r], slot, last, num, den)
                    slot, last, touched = k + 1, -1, False
                w = float(b - a)
                touched = True
                for j in range(n_measures):
                    v = m[j]
                    if not np.isnan(v):
                        num[j] += v * w
                        den[j] += w
                a = b
        if not same_next and (touched or last >= 0):  # the listing-day's last bucket
            rows = _emit(out, rows, lid[r], day[r], slot, last, num, den)
    o_lid, o_day, o_bucket, o_last, o_num, o_den = out
    return o_lid[:rows], o_day[:rows], o_bucket[:rows], o_last[:rows], o_num[:rows], o_den[:rows]


def _readonly(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only, as Polars' zero-copy arrays are: one kernel signature, compiled once."""
    array.flags.writeable = False
    return array


def matrix(frame: pl.DataFrame) -> np.ndarray:
    """The raw book columns as one float64 matrix (column-major, null → NaN), filled column by column."""
    x = np.empty((frame.height, len(RAW)), order="F")
    for j, name in enumerate(RAW):
        x[:, j] = frame.get_column(name).to_numpy()  # zero-copy view unless the column has nulls
    return x


def _read(paths: list[Path]) -> pl.DataFrame:
    """The case's columns of ``paths``, rows with a timestamp only."""
    return (
        pl.scan_parquet([str(p) for p in paths], hive_partitioning=False)
        .select(*KEYS, *RAW)
        .filter(pl.col("EventTimestamp").is_not_null())
        .collect()
    )


def chunk(frame: pl.DataFrame, names: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One chunk through the kernel: (per-bucket partial sums and last snapshot, its listing-days)."""
    keys = frame.select(
        pl.col("ListingId").cast(pl.Int64),
        pl.col("TradeDate").to_physical().cast(pl.Int64),
        pl.col("EventTimestamp").dt.cast_time_unit("ns").to_physical(),
        pl.col("L2EventNo").cast(pl.Int64).fill_null(NULL_EVENT),
    )
    lid, day, t, eno = (_readonly(keys.to_series(i).to_numpy()) for i in range(4))
    order = _readonly(np.arange(frame.height, dtype=np.int64))
    runs = keys.select("ListingId", "TradeDate").filter(
        (pl.col("ListingId") != pl.col("ListingId").shift(1)).fill_null(True)
        | (pl.col("TradeDate") != pl.col("TradeDate").shift(1)).fill_null(True)
    )
    if not _in_order(lid, day, t, eno) or runs.is_duplicated().any():
        order = _readonly(keys.with_row_index().sort(keys.columns)["index"].cast(pl.Int64).to_numpy())
    x = matrix(frame)
    o_lid, o_day, o_bucket, o_last, o_num, o_den = _onepass(order, lid, day, t, x, LEVELS, len(names), NS)
    has_last = o_last >= 0
    idx = pl.Series("i", np.where(has_last, o_last, 0)).to_frame()
    picked = frame.select(pl.all().gather(idx["i"]))
    book = polars_l2.measures(LEVELS, tuple(L2_FAMILIES))
    nulls = pl.Series(has_last)
    last = picked.select(
        pl.col("EventTimestamp").dt.cast_time_unit("ns").to_physical().alias("__t"),
        pl.col("L2EventNo").cast(pl.Int64).fill_null(NULL_EVENT).alias("__e"),
        *(e.alias(n) for n, e in book.items()),
    ).select(pl.when(pl.lit(nulls)).then(pl.all()).name.keep())
    sums = pl.DataFrame(
        {
            "ListingId": o_lid,
            "__day": o_day,
            "TimeBucket": o_bucket * NS,
            **{f"__n{n}": o_num[:, j] for j, n in enumerate(names)},
            **{f"__d{n}": o_den[:, j] for j, n in enumerate(names)},
        }
    )
    days = runs.unique()
    return pl.concat([sums, last], how="horizontal"), days


def l2_bars(lake: Path) -> pl.DataFrame:
    """The case's output: last snapshot's book and TWAs per (listing, bucket)."""
    names = measure_names()
    paths = files(lake, "l2")
    with ThreadPoolExecutor(2) as pool:  # one file's kernel (nogil) overlaps the next file's decoding
        parts = list(pool.map(lambda p: chunk(_read([p]), names), paths))
    spanning = pl.concat([d for _, d in parts]).is_duplicated().any()
    if spanning:  # a listing-day in several files: one chunk of everything
        parts = [chunk(_read(paths), names)]
    out = pl.concat([p for p, _ in parts])
    keys = ["ListingId", "TimeBucket"]
    if out.select(keys).is_duplicated().any():  # listing-days sharing a bucket: add them up
        held = pl.col("__t").is_not_null()
        out = out.group_by(keys).agg(
            pl.col("^__[nd].*$").sum(),
            *(
                pl.col(n).filter(held).sort_by(pl.col("__t").filter(held), pl.col("__e").filter(held)).last()
                for n in names
            ),
        )
    twa = [
        pl.when(pl.col(f"__d{n}") > 0).then(pl.col(f"__n{n}") / pl.col(f"__d{n}")).alias(f"{n}TWA")
        for n in names
    ]
    return out.select(
        "ListingId",
        pl.col("TimeBucket").cast(pl.Datetime("ns")),
        *names,
        *twa,
    ).sort(keys)


def warm() -> None:
    """Compile (or load from Numba's cache) the kernels on a tiny frame, outside any timed run."""
    t0 = 1_767_600_000_000_000  # 2026-01-05 ns
    frame = pl.DataFrame(
        {
            "ListingId": [1, 1, 1],
            "TradeDate": pl.Series([t0 // 10**6] * 3).cast(pl.Datetime("ms")),
            "EventTimestamp": pl.Series([t0 // 1000 + d for d in (0, 5, 70_000_000)]).cast(pl.Datetime("us")),
            "L2EventNo": [1, 2, 3],
            **{c: [1.0, None, 2.0] for c in RAW},
        }
    )
    chunk(frame, measure_names())
    chunk(frame.reverse(), measure_names())  # the out-of-order path


if __name__ == "__main__":
    warm()
