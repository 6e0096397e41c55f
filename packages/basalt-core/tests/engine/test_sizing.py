"""How many workers a run uses: NUM_WORKERS at most, one per MIN_ROWS_PER_WORKER input rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.engine.ledger import RunLedger
from basalt.engine.loader import load_pipeline
from basalt.engine.partition import universe_for
from basalt.engine.plan import build_plan
from basalt.engine.resolve import resolve
from basalt.engine.runner import run_pipeline
from basalt.engine.sizing import estimated_input_rows, size_workers
from basalt.plugins.manager import get_plugin_manager
from basalt.sources.errors import CorruptFileError

DAYS = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)]


def _data(env: dict[str, Path], **extra: Any) -> dict[str, Any]:
    return {
        "START_DATE": str(DAYS[0]),
        "END_DATE": str(DAYS[-1]),
        "DATASETNAME": "sizing",
        "UNIVERSE": "mic=XLON",
        "SOURCE": {"type": "local", "root": str(env["lake"])},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(env["out"])},
        "PASSES": [{"name": "bars", "modules": ["runner_volume"], "timeline_mode": "dense"}],
        **extra,
    }


def _plan(env: dict[str, Path], **extra: Any) -> Any:
    return build_plan(resolve(load_pipeline(data=_data(env, **extra)), get_plugin_manager()))


def _rows_on_disk(lake: Path, day: date) -> int:
    """Rows of the XLON trades and market state files of ``day``, read the slow way (every row)."""
    files = [
        *lake.glob(f"Trades-Plus/XLON/{day:%Y/%m/%d}/*.parquet"),
        *lake.glob(f"MarketState/XLON/{day:%Y/%m/%d}/*.parquet"),
    ]
    assert files
    return sum(pl.read_parquet(f, hive_partitioning=False).height for f in files)


def test_the_estimate_counts_the_loaded_tables_on_the_first_and_last_day(env: dict[str, Path]) -> None:
    sampled = _rows_on_disk(env["lake"], DAYS[0]) + _rows_on_disk(env["lake"], DAYS[-1])
    expected = sampled * len(DAYS) // 2
    plan = _plan(env, NUM_WORKERS=4, MIN_ROWS_PER_WORKER=1)
    assert plan.workers.estimated_rows == expected
    # One per input row would be thousands: capped by the trading days (a date batch is the unit).
    assert plan.workers.count == len(DAYS)


@pytest.mark.parametrize(
    ("workers", "per_worker_share", "expected"),
    [
        (2, 2.0, 1),  # half a worker's rows: one worker
        (2, 1.0, 1),  # exactly one worker's rows
        (2, 0.5, 2),  # two workers' rows
        (3, 0.5, 2),  # two workers' rows, three allowed
        (3, 0.2, 3),  # five workers' rows, three allowed
        (1, 0.001, 1),  # NUM_WORKERS is the most
    ],
)
def test_one_worker_per_min_rows_up_to_num_workers(
    env: dict[str, Path], workers: int, per_worker_share: float, expected: int
) -> None:
    rows = _plan(env, NUM_WORKERS=3, MIN_ROWS_PER_WORKER=1).workers.estimated_rows
    per_worker = max(1, int(rows * per_worker_share))
    plan = _plan(env, NUM_WORKERS=workers, MIN_ROWS_PER_WORKER=per_worker)
    assert plan.workers.count == expected
    # The date batches are cut for the workers that run, not for NUM_WORKERS.
    assert len(plan.jobs) == expected
    if expected < workers:
        assert f"{expected} of NUM_WORKERS={workers}" in plan.workers.reason
        assert plan.to_dict()["workers"]["count"] == expected


def test_zero_min_rows_means_num_workers(env: dict[str, Path]) -> None:
    plan = _plan(env, NUM_WORKERS=2, MIN_ROWS_PER_WORKER=0)
    assert plan.workers.count == 2
    assert plan.workers.estimated_rows is None


def test_one_trading_day_is_one_worker(env: dict[str, Path]) -> None:
    plan = _plan(env, NUM_WORKERS=2, MIN_ROWS_PER_WORKER=0, END_DATE=str(DAYS[0]))
    assert plan.workers.count == 1


def test_days_without_listings_or_files_keep_num_workers(env: dict[str, Path]) -> None:
    """Nothing on the sampled days (holidays at both ends): nothing to size by, so NUM_WORKERS."""
    resolved = resolve(load_pipeline(data=_data(env, NUM_WORKERS=2)), get_plugin_manager())
    empty = pl.DataFrame(schema={"ListingId": pl.Int64, "MIC": pl.String})
    sizing = size_workers(resolved, dict.fromkeys(DAYS, empty))
    assert (sizing.count, sizing.estimated_rows) == (2, None)
    absent = pl.DataFrame({"ListingId": [1], "MIC": ["XNOW"]})  # a MIC the lake has no files for
    assert size_workers(resolved, dict.fromkeys(DAYS, absent)).count == 2


def _worker_pids(state: Path, run_id: str) -> set[int]:
    ledger = RunLedger(state, "sizing", run_id)
    return {e["pid"] for e in ledger.events() if e["event"] == "pass_started"}


def test_a_small_run_uses_one_worker_and_says_why(env: dict[str, Path]) -> None:
    report = run_pipeline(
        load_pipeline(data=_data(env, NUM_WORKERS=2, BATCH_FREQ="D")), state_dir=env["state"]
    )
    assert report.status == "succeeded"
    assert len(report.committed) == len(DAYS)
    assert len(_worker_pids(env["state"], report.run_id)) == 1
    started = next(
        e for e in RunLedger(env["state"], "sizing", report.run_id).events() if e["event"] == "run_started"
    )
    assert started["workers"] == 1
    assert "1 of NUM_WORKERS=2" in started["workers_reason"]


def test_min_rows_zero_runs_num_workers_side_by_side(env: dict[str, Path]) -> None:
    data = _data(env, NUM_WORKERS=2, MIN_ROWS_PER_WORKER=0, BATCH_FREQ="D")
    report = run_pipeline(load_pipeline(data=data), state_dir=env["state"])
    assert report.status == "succeeded"
    assert len(_worker_pids(env["state"], report.run_id)) == 2


def test_a_source_that_would_fetch_data_to_count_rows_is_not_counted(
    env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """BMLL's API downloads a partition to count it: the parent must not fetch the run's data."""
    from basalt.sources.bmll_api import BMLLSource
    from basalt.sources.local import LocalSource

    assert BMLLSource.CHEAP_ROW_COUNTS is False
    assert LocalSource.CHEAP_ROW_COUNTS is True
    resolved = resolve(load_pipeline(data=_data(env, NUM_WORKERS=2)), get_plugin_manager())
    counted: list[Any] = []
    monkeypatch.setattr(type(resolved.source), "CHEAP_ROW_COUNTS", False)
    monkeypatch.setattr(type(resolved.source), "row_count", lambda self, *args: counted.append(args) or 0)
    universes = {day: pl.DataFrame({"ListingId": [1], "MIC": ["XLON"]}) for day in DAYS}
    sizing = size_workers(resolved, universes)
    assert (sizing.count, sizing.estimated_rows) == (2, None)
    assert "would fetch data" in sizing.reason
    assert counted == []


def test_a_holiday_at_one_end_is_skipped_and_the_other_day_scaled(env: dict[str, Path]) -> None:
    resolved = resolve(load_pipeline(data=_data(env, NUM_WORKERS=2)), get_plugin_manager())
    universes = {day: universe_for(resolved, None, day) for day in DAYS}
    universes[DAYS[0]] = universes[DAYS[0]].clear()  # no listing on the first day
    expected = _rows_on_disk(env["lake"], DAYS[-1]) * len(DAYS)
    assert size_workers(resolved, universes).estimated_rows == expected


def test_an_unreadable_footer_keeps_num_workers_and_says_so(
    env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An estimate only: the batch reading the file reports it, with its retries."""
    resolved = resolve(load_pipeline(data=_data(env, NUM_WORKERS=2)), get_plugin_manager())
    universes = {day: universe_for(resolved, None, day) for day in DAYS}

    def corrupt(self: Any, *args: Any) -> int:
        raise CorruptFileError("/lake/file.parquet", "not a Parquet file")

    monkeypatch.setattr(type(resolved.source), "row_count", corrupt)
    sizing = size_workers(resolved, universes)
    assert (sizing.count, sizing.estimated_rows) == (2, None)
    assert "CorruptFileError" in sizing.reason


@pytest.mark.parametrize(("shards", "expected"), [(1, 1), (2, 2), (3, 2)])
def test_a_stateful_run_takes_a_worker_per_listing_shard(
    env: dict[str, Path], shards: int, expected: int
) -> None:
    resolved = resolve(load_pipeline(data=_data(env, NUM_WORKERS=2)), get_plugin_manager())
    universes = {day: universe_for(resolved, None, day) for day in DAYS}
    sizing = size_workers(resolved, universes, shards=shards)
    assert sizing.count == expected
    assert f"{shards} listing shard(s)" in sizing.reason


def test_a_universe_of_part_of_a_mic_counts_its_share(env: dict[str, Path], two_mic_lake: Path) -> None:
    """Three listings per MIC: a universe of one of them counts a third of its MIC's rows."""
    data = _data({"lake": two_mic_lake, "out": two_mic_lake.parent / "out"}, END_DATE=str(DAYS[0]))
    resolved = resolve(load_pipeline(data=data), get_plugin_manager())
    everything = universe_for(resolved, None, DAYS[0])
    xlon = everything.filter(pl.col("MIC") == "XLON")
    assert xlon.height == 3
    trades = sum(pl.read_parquet(f).height for f in two_mic_lake.glob("Trades-Plus/XLON/*/*/*/*.parquet"))
    states = sum(pl.read_parquet(f).height for f in two_mic_lake.glob("MarketState/XLON/*/*/*/*.parquet"))
    whole = estimated_input_rows(resolved, {DAYS[0]: xlon})
    one = estimated_input_rows(resolved, {DAYS[0]: xlon.head(1)})
    assert whole == trades + states
    assert one == round((trades + states) / 3)
