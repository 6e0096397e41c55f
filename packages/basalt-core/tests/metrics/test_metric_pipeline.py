"""A metric module in a real pipeline: the engine runs it beside the ``trade`` module, dense timeline.

Checked against the ``trade`` module (independent code) for the trade counts and
volumes, and against a plain-Python count of L3 inserts; additive columns are
0, not null, in buckets where nothing happened.
"""

from __future__ import annotations

import types
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from basalt import SIDES, Choice, hookimpl, metric, metric_module
from basalt.engine.loader import load_pipeline
from basalt.engine.partition import run_partition
from basalt.engine.resolve import resolve
from basalt.testing import make_plugin_manager, synth_tables

DAY = date(2026, 1, 5)  # the day basalt_synth_lake holds


@metric(
    "trades", pattern="Lit{side}Count", unit="count", params={"side": SIDES}, additive=True, dtype="Int64"
)
def lit_count(side: Choice) -> pl.Expr:
    """Number of lit continuous {side.text} in the bucket."""
    return side.mask.sum()


@metric("trades", pattern="Lit{side}Volume", unit="shares", params={"side": SIDES}, additive=True)
def lit_volume(side: Choice) -> pl.Expr:
    """Sum of Size over lit continuous {side.text} in the bucket."""
    return side.where(pl.col("Size").cast(pl.Float64)).sum()


@metric("l3", pattern="L3Inserts", unit="count", additive=True, dtype="Int64")
def l3_inserts() -> pl.Expr:
    """Number of L3 inserts (LobAction 2) in the bucket."""
    return (pl.col("LobAction") == 2).sum()


LitFlow = metric_module(
    "lit_flow",
    lit_count,
    lit_volume,
    l3_inserts,
    WHERE={"trades": pl.col("Classification") == "LIT_CONTINUOUS"},
)
PLUGIN = types.ModuleType("lit_flow_plugin")
PLUGIN.basalt_register_analytics = hookimpl(lambda: [LitFlow])  # type: ignore[attr-defined]


def test_a_metric_module_runs_in_a_pipeline_beside_the_trade_module(
    basalt_synth_lake: Path, tmp_path: Path
) -> None:
    data = {
        "START_DATE": DAY,
        "END_DATE": DAY,
        "DATASETNAME": "metrics",
        "UNIVERSE": "mic=XLON",
        "SOURCE": {"type": "local", "root": str(basalt_synth_lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(tmp_path / "out")},
        "PASSES": [
            {
                "name": "bars",
                "modules": ["trade", "lit_flow"],
                "time_bucket_seconds": 300,
                "timeline_mode": "dense",
            }
        ],
    }
    resolved = resolve(load_pipeline(data=data), make_plugin_manager(PLUGIN))
    run_partition(resolved, None, DAY, DAY)
    out = pl.read_parquet(tmp_path / "out" / "metrics" / "bars", hive_partitioning=False)
    assert out.height > 0
    for side in ("Bid", "Ask", "Unknown", "Total"):
        assert out[f"Lit{side}Count"].null_count() == 0  # additive: 0 in empty buckets of the dense grid
        assert out[f"Lit{side}Count"].to_list() == out[f"Trade{side}Count"].fill_null(0).to_list(), side
        lit, trade = out[f"Lit{side}Volume"].to_list(), out[f"Trade{side}Volume"].fill_null(0).to_list()
        assert all(abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in zip(lit, trade, strict=True)), side
    assert out["LitTotalCount"].sum() > 0
    # L3 inserts against plain Python over the same day, bucketed (start, end] by 5 minutes.
    l3 = synth_tables(DAY)["l3"]
    expected: Counter[tuple[int, object]] = Counter()
    for listing, stamp, action in l3.select("ListingId", "TimestampNanoseconds", "LobAction").iter_rows():
        if action != 2:
            continue
        start = stamp.replace(minute=stamp.minute - stamp.minute % 5, second=0, microsecond=0)
        end = start if stamp == start else start + timedelta(minutes=5)
        expected[(listing, end)] += 1
    assert expected
    got = {(r[0], r[1]): r[2] for r in out.select("ListingId", "TimeBucket", "L3Inserts").iter_rows() if r[2]}
    assert got == dict(expected)
