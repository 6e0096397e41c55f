"""The ordered paths of ``l2tw`` (kernel, NumPy) against its lazy formulation and the references.

``basalt.analytics.l2.ordered``: when a frame's listing-days are contiguous and
in (EventTimestamp, L2EventNo) order, ``l2tw`` runs the compiled one-pass
kernel (or, without Numba, the NumPy path); otherwise it falls back to the lazy
formulation. Here the ordered paths must give the lazy path's output (rel 1e-9,
identical nulls, same rows)
over generated books in order — several listings and days, buckets of 1 s to
1 day, days sharing a bucket (overnight sessions), silences (empty buckets),
session ends, market-state filters (snapshots before the first state event,
cuts) — and input out of order must take the fallback and still match the
plain references of ``reference_l2``.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import numpy as np
import polars as pl
import pytest
from analytics import l2_books as books
from analytics import reference_l2 as ref
from analytics import reference_l2_states as states_ref

from basalt.analytics.l2 import L2Last, L2TimeWeighted, ordered, ordered_kernel
from basalt.analytics.l2 import time_weighted as tw_module
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

ORDER = ["ListingId", "TradeDate", "EventTimestamp", "L2EventNo"]
CONTINUOUS = ("CONTINUOUS_TRADING",)

BUCKETS = {
    "60s": TimeBuckets(seconds=60),
    "60s-left-start": TimeBuckets(seconds=60, closed="left", anchor="start"),
    "7.5s-start": TimeBuckets(seconds=7.5, anchor="start"),
    "1s-left": TimeBuckets(seconds=1, closed="left"),
    "1d": TimeBuckets(seconds=86_400),
}


class Paths:
    """Counts which path each module call took (ordered, or NotOrdered → lazy)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ordered = 0
        self.fallback = 0
        for owner, name in ((ordered_kernel, "partial_sums"), (tw_module, "partial_sums")):
            monkeypatch.setattr(owner, name, self._spy(getattr(owner, name)))

    def _spy(self, function: Any) -> Any:
        def spy(*args: Any, **kwargs: Any) -> Any:
            try:
                result = function(*args, **kwargs)
            except ordered.NotOrdered:
                self.fallback += 1
                raise
            self.ordered += 1
            return result

        return spy


def _in_order(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(ORDER) if "TradeDate" in frame.columns else frame.sort(ORDER[0], *ORDER[2:])


def _run(module: Any, inputs: dict, grid: TimeBuckets, path: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("BASALT_L2_ONEPASS", path)
    return run_module(module, inputs, buckets=grid)


def _assert_same(result: pl.DataFrame, expected: pl.DataFrame, columns: list[str]) -> None:
    """Same rows, same nulls, values within rel 1e-9 (reference_l2.assert_matches on a frame)."""
    assert expected.height > 0
    rows = expected.with_columns(pl.col("TimeBucket").cast(pl.Int64)).iter_rows(named=True)
    ref.assert_matches(result, {(r["ListingId"], r["TimeBucket"]): r for r in rows}, columns)


TW_CASES = [
    ("default-60s", 31, {}, "60s", {}),
    (
        "levels-cumulative-left-start",
        32,
        {"levels": 4, "families": ["levels", "cumulative"]},
        "60s-left-start",
        {},
    ),
    (
        "mid-microprice-7.5s",
        33,
        {"families": ["mid", "spread"], "microprice_levels": 6, "levels": 2},
        "7.5s-start",
        {},
    ),
    ("all-families-1s-left", 34, {"levels": 3}, "1s-left", {}),
    ("session-end", 35, {"session_end": time(9, 12, 30)}, "60s", {}),
    ("no-trade-date", 36, {"levels": 2}, "60s", {"trade_date": False}),
    ("overnight-daily-buckets", 37, {}, "1d", {"overnight": True}),
    ("overnight-session-end", 38, {"levels": 3, "session_end": time(0, 5)}, "60s", {"overnight": True}),
    ("states-continuous", 39, {"levels": 2, "market_states": CONTINUOUS}, "60s", {"states": True}),
    (
        "states-two-7.5s",
        40,
        {"market_states": (*CONTINUOUS, "CLOSING_AUCTION")},
        "7.5s-start",
        {"states": True},
    ),
]


def _inputs(seed: int, options: dict) -> dict[str, pl.DataFrame]:
    frame = books.random_book(seed, overnight=options.get("overnight", False), listings=4)
    if not options.get("trade_date", True):
        frame = frame.drop("TradeDate")
    if options.get("states"):
        frame = states_ref.with_nanoseconds(frame, seed)
        return {"l2": _in_order(frame), "marketstate": states_ref.random_states(frame, seed)}
    return {"l2": _in_order(frame)}


@pytest.mark.parametrize(
    ("case", "seed", "config", "buckets", "options"), TW_CASES, ids=[c[0] for c in TW_CASES]
)
def test_l2tw_ordered_paths_equal_the_lazy_path(
    case: str, seed: int, config: dict, buckets: str, options: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs, grid = _inputs(seed, options), BUCKETS[buckets]
    columns = [c.name for c in L2TimeWeighted(config).columns()]
    lazy = _run(L2TimeWeighted(config), inputs, grid, "0", monkeypatch)
    paths = Paths(monkeypatch)
    for path in ("kernel", "numpy"):
        _assert_same(_run(L2TimeWeighted(config), inputs, grid, path, monkeypatch), lazy, columns)
    assert (paths.ordered, paths.fallback) == (2, 0)


L2_CASES = [
    ("default-60s", 41, {"families": ["levels", "cumulative", "imbalance", "spread", "mid"]}, "60s", {}),
    ("levels-left-start", 42, {"levels": 3, "families": ["levels", "mid"]}, "60s-left-start", {}),
    ("spread-7.5s", 43, {"families": ["spread"]}, "7.5s-start", {}),
    ("overnight-daily-buckets", 45, {"families": ["levels", "spread"]}, "1d", {"overnight": True}),
    ("no-trade-date-1s-left", 47, {"levels": 2, "families": ["imbalance"]}, "1s-left", {"trade_date": False}),
    (
        "states",
        48,
        {"levels": 2, "families": ["levels"], "market_states": CONTINUOUS},
        "60s",
        {"states": True},
    ),
]


@pytest.mark.parametrize(
    ("case", "seed", "config", "buckets", "options"), L2_CASES, ids=[c[0] for c in L2_CASES]
)
def test_l2_ordered_path_equals_the_lazy_path(
    case: str, seed: int, config: dict, buckets: str, options: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``l2`` without bars: each bucket's last row where the label changes, as the lazy max_by picks it."""
    inputs, grid = _inputs(seed, options), BUCKETS[buckets]
    columns = [c.name for c in L2Last(config).columns()]
    lazy = _run(L2Last(config), inputs, grid, "0", monkeypatch)
    checked: list[int] = []
    runs = ordered.runs
    monkeypatch.setattr(ordered, "runs", lambda frame: checked.append(frame.height) or runs(frame))
    _assert_same(_run(L2Last(config), inputs, grid, "auto", monkeypatch), lazy, columns)
    assert len(checked) == 1  # the ordered path ran (and found the frame in order, or the test fails)


def test_l2_with_bars_keeps_the_lazy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[int] = []
    runs = ordered.runs
    monkeypatch.setattr(ordered, "runs", lambda frame: checked.append(frame.height) or runs(frame))
    inputs = _inputs(49, {})
    result = _run(L2Last({"families": ["levels", "ohlc"]}), inputs, BUCKETS["60s"], "auto", monkeypatch)
    assert result.height > 0
    assert checked == []


@pytest.mark.parametrize("path", ["kernel", "numpy"])
def test_out_of_order_input_falls_back_and_matches_the_references(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = books.random_book(51)  # rows shuffled
    grid = BUCKETS["60s"]
    paths = Paths(monkeypatch)
    tw = L2TimeWeighted({"session_end": time(9, 15)})
    result = _run(tw, {"l2": frame}, grid, path, monkeypatch)
    cfg = tw.config
    expected = ref.reference_l2tw(
        frame,
        levels=cfg.levels,
        families=cfg.families,
        microprice_levels=cfg.microprice_levels,
        seconds=grid.seconds,
        closed=grid.closed,
        anchor=grid.anchor,
        session_end=cfg.session_end,
    )
    ref.assert_matches(result, expected, ref.expected_columns(cfg.levels, cfg.families, suffix="TWA"))
    last = L2Last({"open_mode": "prev_close"})
    result = _run(last, {"l2": frame}, grid, path, monkeypatch)
    cfg = last.config
    ref.assert_l2_matches_reference(result, frame, cfg, grid)
    # l2 has no ordered path (ordered.py says why): only l2tw was tried, and fell back.
    assert (paths.ordered, paths.fallback) == (0, 1)


def _keyed(**columns: list) -> pl.DataFrame:
    return pl.DataFrame(
        {ordered.LISTING: columns["listing"], ordered.T: columns["t"], ordered.EVENT: columns["event"]}
    ).with_columns(pl.lit(0, dtype=pl.Int64).alias(ordered.DAY))


def test_runs_accept_only_contiguous_strictly_ordered_listing_days() -> None:
    found = ordered.runs(_keyed(listing=[2, 2, 1, 1, 1], t=[5, 7, 1, 1, 3], event=[0, 0, 1, 2, 0]))
    assert found.bounds.tolist() == [0, 2, 5]
    assert found.last_rows().tolist() == [False, True, False, False, True]
    refused = {
        "time goes back": _keyed(listing=[1, 1], t=[2, 1], event=[0, 0]),
        "event number goes back": _keyed(listing=[1, 1], t=[1, 1], event=[2, 1]),
        "equal keys": _keyed(listing=[1, 1], t=[1, 1], event=[1, 1]),
        "listing-day split": _keyed(listing=[1, 2, 1], t=[1, 1, 2], event=[0, 0, 0]),
        "no rows": _keyed(listing=[], t=[], event=[]),
    }
    for why, frame in refused.items():
        try:
            ordered.runs(frame)
        except ordered.NotOrdered:
            continue
        pytest.fail(f"accepted: {why}")


def test_nan_and_infinite_values_take_the_lazy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """NaN is a value in Polars but null in the ordered paths: such frames go the lazy way."""
    frame = _in_order(books.random_book(52, listings=1))
    row = pl.int_range(pl.len()) == 7
    infinite = frame.with_columns(
        pl.when(row).then(float("inf")).otherwise(pl.col("AskPrice1")).alias("AskPrice1")
    )
    grid = BUCKETS["60s"]
    for path in ("kernel", "numpy"):
        paths = Paths(monkeypatch)
        result = _run(L2TimeWeighted({"levels": 1}), {"l2": infinite}, grid, path, monkeypatch)
        lazy = _run(L2TimeWeighted({"levels": 1}), {"l2": infinite}, grid, "0", monkeypatch)
        assert result.equals(lazy)
        assert (paths.ordered, paths.fallback) == (0, 1)


def test_the_kernel_runs_as_plain_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Numba the kernel's functions run as they are: same sums as compiled (or as NumPy)."""
    from basalt.analytics.l2 import _kernels

    inputs, grid = _inputs(53, {}), BUCKETS["7.5s-start"]
    config = {"levels": 2, "families": ["cumulative", "imbalance", "mid", "spread"]}
    compiled = _run(L2TimeWeighted(config), inputs, grid, "kernel", monkeypatch)
    for name in ("atoms", "_interval", "_ratio", "capacity", "run_capacity", "tw_block"):
        function = getattr(_kernels, name)
        monkeypatch.setattr(_kernels, name, getattr(function, "py_func", function))
    plain = _run(L2TimeWeighted(config), inputs, grid, "kernel", monkeypatch)
    _assert_same(plain, compiled, [c.name for c in L2TimeWeighted(config).columns()])


def test_atom_layout_names_every_measure() -> None:
    """Every measure and term ``l2tw`` can average maps to a distinct kernel atom."""
    tw = L2TimeWeighted({"levels": 10, "microprice_levels": 10})
    atoms = tw_module._Atoms(tw._book().measures)
    indices = [ordered_kernel.atom_index(name, 10) for name in atoms.numerators]
    assert len(set(indices)) == len(indices)
    assert max(indices) < 10 * 18 + 5
    assert ordered_kernel.raw_levels(tw._book().input_columns()) == 10
    assert np.array_equal(ordered.blocks([0, 5], rows=2), [(0, 2), (2, 4), (4, 5)])


def test_l2_out_of_order_input_falls_back_and_matches_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = books.random_book(54)  # rows shuffled
    grid = BUCKETS["7.5s-start"]
    refused: list[str] = []
    runs = ordered.runs

    def spy(snapshots: pl.DataFrame) -> ordered.Runs:
        try:
            return runs(snapshots)
        except ordered.NotOrdered as error:
            refused.append(str(error))
            raise

    monkeypatch.setattr(ordered, "runs", spy)
    last = L2Last({"levels": 3, "families": ["levels", "cumulative", "spread", "mid"]})
    result = _run(last, {"l2": frame}, grid, "auto", monkeypatch)
    cfg = last.config
    ref.assert_l2_matches_reference(result, frame, cfg, grid)
    assert len(refused) == 1


STREAMING_CASES = [
    ("bars-event-open", 51, {"levels": 3}, "60s", {}),
    ("bars-prev-close", 52, {"levels": 2, "open_mode": "prev_close"}, "7.5s-start", {}),
    ("no-bars-ordered", 53, {"families": ["levels", "cumulative", "mid"]}, "60s", {}),
    ("bars-states", 54, {"levels": 2, "market_states": CONTINUOUS}, "60s", {"states": True}),
    ("bars-overnight-1d", 55, {"levels": 2}, "1d", {"overnight": True}),
]


@pytest.mark.parametrize(
    ("case", "seed", "config", "buckets", "options"), STREAMING_CASES, ids=[c[0] for c in STREAMING_CASES]
)
def test_l2_is_bit_identical_on_the_streaming_engine(
    case: str, seed: int, config: dict, buckets: str, options: dict
) -> None:
    # L2Last.streaming_safe(): the engine collects it on the streaming engine (with bars). Its
    # output must be bit-identical to the in-memory engine's, run after run (no float sums).
    inputs, grid = _inputs(seed, options), BUCKETS[buckets]
    module = L2Last(config)
    assert module.streaming_safe() == ("ohlc" in module.config.families)
    lazy = {name: frame.lazy() for name, frame in inputs.items()}
    in_memory = module.compute(lazy, grid).collect(engine="in-memory")
    assert in_memory.height > 0
    for _ in range(3):
        streamed = module.compute(lazy, grid).collect(engine="streaming")
        assert streamed.equals(in_memory, null_equal=True), case


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("closed_right", [True, False])
def test_the_output_size_from_run_ends_equals_the_row_by_row_count(
    closed_right: bool, compiled: bool
) -> None:
    """Without sessions or states the kernel's output is sized from each run's ends; Numba does not
    check bounds, so that size must be exactly what the row-by-row count finds: on bucket
    boundaries, with repeated times and one-row runs too."""
    from basalt.analytics.l2 import _kernels

    def plain(function: Any) -> Any:
        return function if compiled else getattr(function, "py_func", function)

    size = 60
    rng = np.random.default_rng(7)
    times = [0, 59, 60, 61, 119, 120, 150, 240, 299, 300]
    none_i, none_b = np.zeros(0, np.int64), np.zeros(0, bool)
    for _ in range(300):
        lengths = rng.integers(1, 6, size=rng.integers(1, 8))
        t = np.concatenate([np.sort(rng.choice(times, size=n)) for n in lengths]).astype(np.int64)
        bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        ends_run = np.zeros(len(t), dtype=bool)
        ends_run[bounds[1:] - 1] = True
        exact = plain(_kernels.capacity)(
            t, ends_run, none_b, none_i, none_i, size, closed_right, False, False
        )
        assert plain(_kernels.run_capacity)(t, bounds, size, closed_right) == exact


def test_parts_cut_between_runs_cover_every_run_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    bounds = np.array([0, 10, 20, 100, 110, 200], dtype=np.int64)
    monkeypatch.setattr(ordered_kernel, "MIN_ROWS_TO_SPLIT", 0)
    for threads in (1, 2, 3, 4, 9):
        parts = ordered_kernel._parts(bounds, threads)
        assert 1 <= len(parts) <= min(threads, 5)
        assert [a for a, _ in parts] == [0, *[b for _, b in parts[:-1]]], "contiguous, in order"
        assert parts[-1][1] == 5
    assert ordered_kernel._parts(bounds, 2) == [(0, 3), (3, 5)]  # 100 rows | 100 rows
    monkeypatch.setattr(ordered_kernel, "MIN_ROWS_TO_SPLIT", 201)
    assert ordered_kernel._parts(bounds, 2) == [(0, 5)], "a small frame stays on one thread"
    assert ordered_kernel._parts(np.array([0, 500], dtype=np.int64), 2) == [(0, 1)], "one run: one part"


THREAD_CASES = [
    c
    for c in TW_CASES
    if c[0]
    in {
        "all-families-1s-left",
        "session-end",
        "states-two-7.5s",
        # listing-days of one listing sharing a bucket: their partial sums are added up afterwards
        "overnight-daily-buckets",
        "overnight-session-end",
    }
]


@pytest.mark.parametrize(
    ("case", "seed", "config", "buckets", "options"), THREAD_CASES, ids=[c[0] for c in THREAD_CASES]
)
def test_the_kernel_split_over_threads_gives_the_same_output(
    case: str, seed: int, config: dict, buckets: str, options: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts of a frame's listing-days run side by side (``ordered_kernel._parts``): the output is the
    single-threaded one, bit for bit — with several blocks per part, and sessions or states."""
    inputs, grid = _inputs(seed, options), BUCKETS[buckets]
    monkeypatch.setattr(ordered_kernel, "KERNEL_THREADS", 1)
    one = _run(L2TimeWeighted(config), inputs, grid, "kernel", monkeypatch)

    monkeypatch.setattr(ordered_kernel, "KERNEL_THREADS", 3)
    monkeypatch.setattr(ordered_kernel.pl, "thread_pool_size", lambda: 4)
    monkeypatch.setattr(ordered_kernel, "MIN_ROWS_TO_SPLIT", 0)
    monkeypatch.setattr(ordered_kernel, "blocks", lambda bounds: ordered.blocks(bounds, rows=97))
    counts: list[int] = []
    parts = ordered_kernel._parts

    def counting(bounds: np.ndarray, threads: int) -> list[tuple[int, int]]:
        counts.append(len(found := parts(bounds, threads)))
        return found

    monkeypatch.setattr(ordered_kernel, "_parts", counting)
    threaded = _run(L2TimeWeighted(config), inputs, grid, "kernel", monkeypatch)
    assert counts == [3]
    assert one.height > 0
    assert threaded.equals(one)
