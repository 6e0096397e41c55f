"""Module state across days: one run, day-by-day runs, batch splits, kills and resumes agree byte for byte.

The probe module ``state_cumvol`` (a plugin written below, so spawned workers load it)
carries each listing's cumulative volume and day count across days: any lost,
repeated or reordered day changes every later row. Expected values are computed
here from the lake's trades with plain Python.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

from basalt.engine.calendar import trading_days
from basalt.engine.errors import ConfigError
from basalt.engine.jobs import Job, committed_days
from basalt.engine.ledger import RunLedger
from basalt.engine.loader import load_pipeline
from basalt.engine.partition import run_partition
from basalt.engine.plan import build_plan
from basalt.engine.resolve import resolve
from basalt.engine.runner import RunFailedError, run_pipeline
from basalt.plugins.manager import get_plugin_manager, reset_plugin_manager
from basalt.synth import SynthConfig, write_lake

DAYS = trading_days(date(2026, 1, 5), date(2026, 1, 16))  # ten trading days
KILL_DAY = DAYS[5]

STATE_PLUGIN = '''
import os, signal
from pathlib import Path
import polars as pl
from basalt import ColumnDoc, StatefulAnalyticModule, hookimpl


class CumVolume(StatefulAnalyticModule):
    """Volume since the listing's first computed day, and that day's number (state probe)."""

    NAME = "state_cumvol"
    INPUTS = ("trades",)

    def columns(self):
        return [
            ColumnDoc("CumVolume", unit="shares", definition="Volume of the listing since its first day."),
            ColumnDoc("DayNumber", unit="count", definition="Days of the listing computed so far."),
        ]

    def state_schema(self):
        return {"CumVolume": pl.Float64, "Days": pl.Int64}

    def compute_with_state(self, inputs, buckets, state):
        trades = inputs["trades"]
        control = os.environ.get("BASALT_STATE_CONTROL")
        if control:
            day = trades.select(pl.col("TradeTimestamp").dt.date().first()).collect().item()
            if str(day) == os.environ.get("BASALT_STATE_KILL_DAY") and (Path(control) / "kill").exists():
                (Path(control) / "kill").unlink()
                (Path(control) / "reached").touch()
                os.kill(os.getpid(), signal.SIGKILL)
        per = (
            trades.with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .group_by("ListingId", "TimeBucket")
            .agg(pl.col("Size").sum().cast(pl.Float64).alias("V"))
            .join(state, on="ListingId", how="left")
            .sort("ListingId", "TimeBucket")
        )
        out = per.select(
            "ListingId",
            "TimeBucket",
            (pl.col("CumVolume").fill_null(0.0) + pl.col("V").cum_sum().over("ListingId")).alias("CumVolume"),
            (pl.col("Days").fill_null(0) + 1).alias("DayNumber"),
        )
        new = out.group_by("ListingId").agg(
            pl.col("CumVolume").last(), pl.col("DayNumber").first().alias("Days")
        )
        return out, new


@hookimpl
def basalt_register_analytics():
    return [CumVolume]
'''


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SynthConfig(
        start_date=DAYS[0],
        end_date=DAYS[-1],
        listings=3,
        mics=("XLON",),
        seed=11,
        session_scale=0.02,
        messages_per_day=200,
    )
    root = tmp_path_factory.mktemp("state-lake")
    write_lake(config, root, workers=1)
    return root


@pytest.fixture
def state_env(env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    site = env["lake"].parent / "site"
    (site / "state_test_plugin.py").write_text(STATE_PLUGIN)
    info = site / "state_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: state-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[basalt]\nstate_test = state_test_plugin\n")
    control = env["lake"].parent / "state-control"
    control.mkdir()
    monkeypatch.setenv("BASALT_STATE_CONTROL", str(control))
    monkeypatch.setenv("BASALT_STATE_KILL_DAY", KILL_DAY.isoformat())
    reset_plugin_manager()
    return {**env, "state_control": control}


def _data(lake: Path, out: Path, start: date = DAYS[0], end: date = DAYS[-1], **extra: Any) -> dict[str, Any]:
    passes = extra.pop("PASSES", [{"name": "cum", "modules": ["state_cumvol"], "time_bucket_seconds": 600}])
    return {
        "START_DATE": str(start),
        "END_DATE": str(end),
        "DATASETNAME": "stateful",
        "UNIVERSE": "mic=XLON",
        "NUM_WORKERS": 1,
        "MAX_RETRIES": 0,
        "SOURCE": {"type": "local", "root": str(lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(out)},
        "PASSES": passes,
        **extra,
    }


def _files(out: Path) -> dict[str, bytes]:
    """Every Parquet file under the output root (outputs and states), by relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


def _output(out: Path) -> pl.DataFrame:
    frames = [pl.read_parquet(p) for p in sorted((out / "stateful" / "cum").rglob("*.parquet"))]
    return pl.concat(frames).sort("ListingId", "Date", "TimeBucket")


_REFERENCE: dict[str, Any] = {}


def _one_run(lake: Path, tmp: Path) -> tuple[dict[str, bytes], pl.DataFrame]:
    """The uninterrupted single run (computed once per test process)."""
    if not _REFERENCE:
        out = tmp / "reference-out"
        run_pipeline(load_pipeline(data=_data(lake, out)), state_dir=tmp / "reference-state")
        _REFERENCE.update(files=_files(out), frame=_output(out), out=out)
    return _REFERENCE["files"], _REFERENCE["frame"]


def test_a_single_run_carries_state_as_plain_python_does(
    state_env: dict[str, Path], lake: Path, tmp_path: Path
) -> None:
    _, frame = _one_run(lake, tmp_path)
    trades = pl.concat(
        pl.read_parquet(p) for p in sorted(lake.rglob("*.parquet")) if "trades" in str(p).lower()
    ).with_columns(pl.col("TradeTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).alias("ns"))
    total: dict[int, float] = defaultdict(float)
    days_seen: dict[int, set[date]] = defaultdict(set)
    expected: list[tuple[int, date, float, int]] = []
    buckets: dict[tuple[int, date, int], float] = defaultdict(float)
    for row in trades.iter_rows(named=True):
        step = 600 * 10**9  # (a, b] buckets labelled by their end
        label = -(-row["ns"] // step) * step
        buckets[(row["ListingId"], row["TradeTimestamp"].date(), label)] += float(row["Size"])
    for listing, day, _label in sorted(buckets):
        days_seen[listing].add(day)
        total[listing] += buckets[(listing, day, _label)]
        expected.append((listing, day, total[listing], len(days_seen[listing])))
    got = list(frame.select("ListingId", "Date", "CumVolume", "DayNumber").iter_rows())
    assert len(got) == len(expected)
    for (gl, gd, gv, gn), (el, ed, ev, en) in zip(got, expected, strict=True):
        assert (gl, gd, gn) == (el, ed, en)
        assert gv == pytest.approx(ev, rel=1e-12)
    assert frame.get_column("DayNumber").max() == len(DAYS)


def test_ten_one_day_runs_equal_one_run_byte_for_byte(
    state_env: dict[str, Path], lake: Path, tmp_path: Path
) -> None:
    files, _ = _one_run(lake, tmp_path)
    assert any(".basalt-state" in name for name in files)  # states are stored beside the output
    daily = tmp_path / "daily"
    for day in DAYS:  # ten separate runs of one day each (in-process partitions: no workers to start)
        run_partition(_data(lake, daily, day, day), None, day, day)
    assert _files(daily) == files  # (two chained weekly batches: the kill-and-resume test below)


def test_listing_shards_run_in_parallel_and_give_the_same_rows(
    state_env: dict[str, Path], lake: Path, tmp_path: Path
) -> None:
    _, frame = _one_run(lake, tmp_path)
    out = tmp_path / "sharded"
    # Over an unsharded run's files: each shard rewrites day files (outputs and states) holding
    # both shards' listings, one shard at a time (the day lock), and no row is lost or doubled.
    shutil.copytree(_REFERENCE["out"], out)
    data = _data(lake, out, NUM_WORKERS=2, BATCH_FREQ="W")
    plan = build_plan(resolve(load_pipeline(data=data), get_plugin_manager()), estimate_symbol_batches=False)
    assert plan.stateful == ("cum",)
    assert sorted(job.key for job in plan.jobs) == [
        "2026-01-05_2026-01-09~s0of2",
        "2026-01-05_2026-01-09~s1of2",
        "2026-01-12_2026-01-16~s0of2",
        "2026-01-12_2026-01-16~s1of2",
    ]
    shards = [set(plan.task(job).universes[DAYS[0]].get_column("ListingId")) for job in plan.jobs[:2]]
    assert shards[0]
    assert shards[1]
    assert not shards[0] & shards[1]
    run_pipeline(load_pipeline(data=data), state_dir=tmp_path / "st")
    assert_frame_equal(_output(out), frame)


def test_a_worker_killed_on_day_6_then_resumed_is_byte_identical(
    state_env: dict[str, Path], lake: Path, tmp_path: Path
) -> None:
    files, _ = _one_run(lake, tmp_path)
    out, state = tmp_path / "killed", tmp_path / "st"
    (state_env["state_control"] / "kill").touch()
    data = _data(lake, out, BATCH_FREQ="W")
    with pytest.raises(RunFailedError, match="crashed"):
        run_pipeline(load_pipeline(data=data), state_dir=state)
    assert (state_env["state_control"] / "reached").exists()
    # Days 5-9 Jan are committed, with their state; 12 Jan (day 6) is not.
    assert not [p for p in out.rglob(f"Date={KILL_DAY}/*.parquet")]
    report = run_pipeline(load_pipeline(data=data), state_dir=state, resume="last")
    assert report.skipped == ["2026-01-05_2026-01-09"]
    assert _files(out) == files
    loaded = [e for e in RunLedger(state, "stateful", report.run_id).events() if e["event"] == "state_loaded"]
    assert (loaded[-1]["day"], loaded[-1]["stored"]) == (str(KILL_DAY), str(DAYS[4]))  # day 5's state


def test_a_run_starting_mid_history_uses_the_stored_state_or_a_warm_up(
    state_env: dict[str, Path], lake: Path, tmp_path: Path
) -> None:
    _, frame = _one_run(lake, tmp_path)
    later = frame.filter(pl.col("Date") >= DAYS[3])
    stored = tmp_path / "stored"  # days 1-3 first, then a run from day 4 reads day 3's state
    run_partition(_data(lake, stored, DAYS[0], DAYS[2]), None, DAYS[0], DAYS[2])
    data = _data(lake, stored, DAYS[3], DAYS[-1])
    plan = build_plan(resolve(load_pipeline(data=data), get_plugin_manager()))
    assert plan.passes[0]["stateful"] is True
    assert plan.passes[0]["state"].startswith(f"stored state of {DAYS[2]} (last stored day before {DAYS[3]})")
    run_partition(data, None, DAYS[3], DAYS[-1])
    assert_frame_equal(_output(stored).filter(pl.col("Date") >= DAYS[3]), later)
    # Re-running days 1-3 now: the plan says the stored later days depend on what it rewrites.
    plan = build_plan(
        resolve(load_pipeline(data=_data(lake, stored, DAYS[0], DAYS[2])), get_plugin_manager())
    )
    assert f"{len(DAYS) - 3} day(s) after END_DATE have stored state" in plan.passes[0]["state"]

    cold = tmp_path / "cold"  # nothing stored and no warm-up: the state starts fresh on day 4
    plan = build_plan(resolve(load_pipeline(data=_data(lake, cold, DAYS[3], DAYS[-1])), get_plugin_manager()))
    assert plan.passes[0]["state"].startswith(f"fresh at {DAYS[3]}")
    run_partition(_data(lake, cold, DAYS[3], DAYS[-1]), None, DAYS[3], DAYS[-1])
    assert _output(cold).get_column("DayNumber").max() == len(DAYS) - 3

    warm = tmp_path / "warm"  # a warm-up from day 1 computes days 1-3 without writing them
    passes = [
        {"name": "cum", "modules": ["state_cumvol"], "time_bucket_seconds": 600, "warmup_start": str(DAYS[0])}
    ]
    data = _data(lake, warm, DAYS[3], DAYS[-1], PASSES=passes)
    plan = build_plan(resolve(load_pipeline(data=data), get_plugin_manager()))
    assert plan.passes[0]["state"].startswith(f"warm-up from {DAYS[0]}")
    run_partition(data, None, DAYS[3], DAYS[-1])
    assert_frame_equal(_output(warm), later)
    assert sorted(p.name for p in (warm / "stateful" / "cum").iterdir())[0] == f"Date={DAYS[3]}"


def test_shard_keys_parse_and_commit_only_their_own_shard() -> None:
    from basalt.engine.calendar import DateBatch

    job = Job(DateBatch(0, tuple(DAYS[:5])), shard=1, shards=2)
    assert Job.parse_key(job.key)[1:] == (DAYS[0], DAYS[4])
    assert Job.parse_shard(job.key) == (1, 2)
    done = committed_days({job.key}, exclude_weekends=True)
    assert job.remainder(done) == []
    other = Job(DateBatch(0, tuple(DAYS[:5])), shard=0, shards=2)
    assert other.remainder(done) == [other]
    later = Job(DateBatch(1, tuple(DAYS[5:])), shard=1, shards=2)
    assert later.after(job)
    assert not job.after(later)
    assert not later.after(other)


def test_a_stateful_module_in_a_panel_pass_is_refused(state_env: dict[str, Path], lake: Path) -> None:
    passes = [
        {"name": "bars", "modules": ["runner_volume"]},
        {
            "name": "cum",
            "modules": ["state_cumvol"],
            "scope": "panel",
            "module_inputs": {"state_cumvol": {"trades": "pass:bars"}},
        },
    ]
    data = _data(lake, lake.parent / "o", PASSES=passes)
    with pytest.raises(ConfigError, match="cannot run in a panel pass"):
        build_plan(resolve(load_pipeline(data=data), get_plugin_manager()))


def test_dry_run_marks_stateful_passes_and_says_where_their_state_comes_from(
    state_env: dict[str, Path], lake: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from basalt.cli import build_app

    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(yaml.safe_dump(_data(lake, tmp_path / "out")))
    manager = get_plugin_manager()
    command = ["pipeline", "run", "-p", str(pipeline), "--dry-run"]
    result = CliRunner().invoke(build_app(manager), command, obj=manager)
    assert result.exit_code == 0, result.output
    assert f"State of pass cum: fresh at {DAYS[0]}" in " ".join(result.output.split())
    result = CliRunner().invoke(build_app(manager), [*command, "--json"], obj=manager)
    (described,) = json.loads(result.output)["passes"]
    assert described["stateful"] is True
    assert described["state"].startswith(f"fresh at {DAYS[0]}")
    assert not (tmp_path / "out").exists()


def test_reading_a_days_states_waits_for_a_writer_of_that_day(
    state_env: dict[str, Path], lake: Path, tmp_path: Path
) -> None:
    """Another listing shard rewriting a day's state files (deleting the ones it lists) must not
    be read half-way: the reader takes the day's lock, so it reads only once the writer is done."""
    import threading

    from basalt.engine.state import PassStates

    _one_run(lake, tmp_path)
    resolved = resolve(load_pipeline(data=_data(lake, _REFERENCE["out"])), get_plugin_manager())
    states = PassStates(resolved, resolved.passes[0])
    writer_holds, writer_done = threading.Event(), threading.Event()
    released: list[bool] = []

    def writer() -> None:
        with states.lock(DAYS[4]):  # the stored day a read of DAYS[5] needs
            writer_holds.set()
            writer_done.wait(timeout=30)
            released.append(True)

    thread = threading.Thread(target=writer)
    thread.start()
    assert writer_holds.wait(timeout=30)
    reading = threading.Thread(target=lambda: released.append(bool(states.before(DAYS[5], [1, 2, 3]))))
    reading.start()
    reading.join(timeout=1.0)
    assert reading.is_alive()  # still waiting for the day's lock
    writer_done.set()
    reading.join(timeout=30)
    thread.join(timeout=30)
    assert released == [True, True]  # the writer let go first, then the read finished
