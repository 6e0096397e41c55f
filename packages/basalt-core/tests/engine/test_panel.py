"""Panel passes: after the day passes, over every listing, with a lookback of stored days.

The probe module ``runner_panel`` (see conftest) reports how many bars of each
listing it saw (``BarsSeen``), how many listings share each bucket
(``ListingsInBucket``) and a two-bar rolling volume (``VolumeSum2``); expected
values are computed here from the stored day-pass output with plain Python.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.engine.config import AnalyticsConfig
from basalt.engine.errors import ConfigError
from basalt.engine.loader import load_pipeline
from basalt.engine.panel import PanelInputError, run_panel_partition
from basalt.engine.plan import build_plan
from basalt.engine.resolve import resolve
from basalt.engine.runner import run_pipeline
from basalt.plugins.manager import get_plugin_manager
from basalt.synth import SynthConfig, write_lake

START, END = date(2026, 1, 5), date(2026, 1, 16)  # two ISO weeks: two date batches of 5 days


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SynthConfig(
        start_date=START,
        end_date=END,
        listings=3,
        mics=("XLON", "BATE"),
        seed=3,
        session_scale=0.02,
        messages_per_day=400,
    )
    root = tmp_path_factory.mktemp("panel-lake")
    write_lake(config, root, workers=1)
    return root


def _data(env: dict[str, Path], lake: Path, **extra: Any) -> dict[str, Any]:
    return {
        "START_DATE": START,
        "END_DATE": END,
        "DATASETNAME": "panel",
        "BATCH_FREQ": "W",
        "NUM_WORKERS": 2,
        "MIN_ROWS_PER_WORKER": 0,  # tiny data, yet two workers: batches run side by side
        "MAX_ROWS_PER_TABLE": 1,  # one instrument per symbol batch: no day pass sees them all
        "SOURCE": {"type": "local", "root": str(lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(env["out"])},
        "PASSES": [
            {"name": "bars", "modules": ["runner_volume"], "timeline_mode": "daily"},
            {
                "name": "hist",
                "scope": "panel",
                "modules": ["runner_panel"],
                "module_inputs": {"runner_panel": {"bars": "pass:bars"}},
            },
        ],
        **extra,
    }


def _read(env: dict[str, Path], name: str) -> pl.DataFrame:
    return pl.read_parquet(env["out"] / "panel" / name, hive_partitioning=False).sort("ListingId", "Date")


def _expected(bars: pl.DataFrame, lookback: int) -> dict[tuple[int, date], tuple[int, int, float | None]]:
    """(listing, day) → (BarsSeen, ListingsInBucket, VolumeSum2) from the stored bars, by hand."""
    weeks = [[d for d in sorted(set(bars["Date"])) if d.isocalendar().week == w] for w in (2, 3)]
    listings_on: dict[date, int] = defaultdict(int)
    for day in bars["Date"]:
        listings_on[day] += 1
    volume = {(row["ListingId"], row["Date"]): row["Volume"] for row in bars.iter_rows(named=True)}
    expected = {}
    for index, week in enumerate(weeks):
        seen_days = ([] if index == 0 or lookback == 0 else weeks[index - 1][-lookback:]) + week
        for listing in sorted(set(bars["ListingId"])):
            mine = [d for d in seen_days if (listing, d) in volume]
            for position, day in enumerate(mine):
                if day not in week:
                    continue
                before = volume[(listing, mine[position - 1])] if position else None
                total = volume[(listing, day)] + before if before is not None else None
                expected[(listing, day)] = (position + 1, listings_on[day], total)
    return expected


def test_a_panel_pass_sees_every_listing_and_its_lookback(env: dict[str, Path], lake: Path) -> None:
    report = run_pipeline(load_pipeline(data=_data(env, lake)), state_dir=env["state"])
    assert report.status == "succeeded"
    assert report.batches == 4  # two weeks x (day stage, panel stage)
    assert sorted(report.committed) == [
        "2026-01-05_2026-01-09",
        "2026-01-12_2026-01-16",
        "panel-2026-01-05_2026-01-09",
        "panel-2026-01-12_2026-01-16",
    ]
    bars, hist = _read(env, "bars"), _read(env, "hist")
    assert bars["ListingId"].n_unique() == 6
    assert hist.select("ListingId", "Date").equals(bars.select("ListingId", "Date"))
    expected = _expected(bars, lookback=1)
    got = {
        (r["ListingId"], r["Date"]): (r["BarsSeen"], r["ListingsInBucket"], r["VolumeSum2"])
        for r in hist.iter_rows(named=True)
    }
    assert got == expected
    # The probe proves the point: a listing's Monday of week 2 sees the Friday before it.
    assert {v[0] for k, v in got.items() if k[1] == date(2026, 1, 12)} == {2}
    assert {v[1] for v in got.values()} == {6}


def test_lookback_days_of_the_pass_overrides_the_modules(env: dict[str, Path], lake: Path) -> None:
    data = _data(env, lake)
    data["PASSES"][1]["lookback_days"] = 0
    run_pipeline(load_pipeline(data=data), state_dir=env["state"])
    bars, hist = _read(env, "bars"), _read(env, "hist")
    got = {(r["ListingId"], r["Date"]): (r["BarsSeen"], r["VolumeSum2"]) for r in hist.iter_rows(named=True)}
    expected = {key: (value[0], value[2]) for key, value in _expected(bars, lookback=0).items()}
    assert got == expected
    assert all(v == (1, None) for k, v in got.items() if k[1] == date(2026, 1, 12))


def test_the_plan_shows_scope_and_lookback(env: dict[str, Path], lake: Path) -> None:
    plan = build_plan(resolve(load_pipeline(data=_data(env, lake)), get_plugin_manager()))
    assert [(p["name"], p["scope"], p["lookback_days"]) for p in plan.passes] == [
        ("bars", "day", 0),
        ("hist", "panel", 1),
    ]


def test_a_panel_pass_without_stored_input_says_what_to_run(env: dict[str, Path], lake: Path) -> None:
    with pytest.raises(PanelInputError, match=r"no output of pass 'bars' is stored .* day passes write it"):
        run_panel_partition(load_pipeline(data=_data(env, lake)), None, START, END)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({0: {"scope": "panel"}, 1: {"scope": "day"}}, "day pass 'hist' .* reads panel pass 'bars'"),
        ({0: {"lookback_days": 3}}, r"applies to panel passes only \(scope: panel\)"),
        ({1: {"timeline_mode": "dense"}}, "timeline_mode 'dense'"),
    ],
)
def test_panel_configuration_errors(
    env: dict[str, Path], lake: Path, change: dict[int, dict[str, Any]], message: str
) -> None:
    data = _data(env, lake)
    for index, fields in change.items():
        data["PASSES"][index].update(fields)
    with pytest.raises((ConfigError, ValueError), match=message):
        AnalyticsConfig.model_validate(data)
