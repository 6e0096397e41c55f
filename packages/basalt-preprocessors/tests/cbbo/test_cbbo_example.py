"""``examples/cbbo.yaml`` end to end through ``basalt pipeline run``, on a synthesised two-day lake.

Pass 1 must reproduce the lake's own cbbo table (the same definition, see test_cbbo_reference);
pass 2's core ``l2`` columns must be the consolidated book's last state in each minute, and
``cbbo_venue`` must give a row to every venue listing. ``MAX_ROWS_PER_TABLE: 1`` puts each
instrument in a symbol batch of its own: the planner keeps an instrument's venues together.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.plugins.manager import get_plugin_manager
from basalt.synth import SynthConfig, write_lake

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "cbbo.yaml"
START, END = dt.date(2026, 1, 5), dt.date(2026, 1, 6)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cbbo-example")
    config = SynthConfig(
        start_date=START,
        end_date=END,
        listings=2,
        mics=("XLON", "BATE", "CHIX"),
        seed=5,
        session_scale=0.02,
        messages_per_day=2000,
    )
    write_lake(config, root / "lake", workers=1)
    manager = get_plugin_manager()
    args = [
        "pipeline", "run", "-p", str(EXAMPLE), "--state-dir", str(root / "state"),
        "--set", f"SOURCE.root={root / 'lake'}", "--set", f"OUTPUT_TARGET.root={root / 'out'}",
        "--set", "MAX_ROWS_PER_TABLE=1",
    ]  # fmt: skip
    result = CliRunner().invoke(build_app(manager), args, obj=manager)
    assert result.exit_code == 0, result.output
    return root


def _read(root: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(root / "out" / "cbbo" / name, hive_partitioning=False)


def _scan(root: Path, table: str) -> pl.DataFrame:
    lake = root / "lake"
    files = sorted(p for p in lake.rglob("*.parquet") if table in p.relative_to(lake).as_posix().lower())
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")


def test_pass_one_is_the_lakes_cbbo(run: Path) -> None:
    ours = _read(run, "consolidated").sort("InstrumentId", "EventTimestamp")
    lake = _scan(run, "cbbo")
    reference = _scan(run, "reference").select("ListingId", "InstrumentId").unique()
    lake = (
        lake.join(reference, on="ListingId")
        .sort("InstrumentId", "EventTimestamp", "L2EventNo")
        .unique(["InstrumentId", "EventTimestamp"], keep="last", maintain_order=True)
    )
    columns = [c for c in lake.columns if c.startswith(("Bid", "Ask"))]
    assert ours["Date"].n_unique() == 2
    assert ours["InstrumentId"].n_unique() == 2
    got = ours.select("InstrumentId", "EventTimestamp").join_asof(
        lake.select("InstrumentId", "EventTimestamp", *columns),
        on="EventTimestamp",
        by="InstrumentId",
        check_sortedness=False,
    )
    assert got.select(columns).equals(ours.select(columns))
    # contributions add up to the consolidated level
    for side in ("Bid", "Ask"):
        total = pl.sum_horizontal(f"{side}Quantity1At{mic}" for mic in ("XLON", "BATE", "CHIX"))
        assert ours.select((total == pl.col(f"{side}Quantity1")).all()).item()


def test_pass_two_reads_the_consolidated_book_like_bmll_l2(run: Path) -> None:
    book = _read(run, "consolidated")
    bars = _read(run, "bars")
    # the l2 module's BidPrice1 is the last consolidated state in each (start, end] minute
    minute = 60_000_000_000
    ns = pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64)
    expected = (
        book.with_columns((-((-ns) // minute) * minute).cast(pl.Datetime("ns")).alias("TimeBucket"))
        .sort("EventTimestamp")
        .group_by("ListingId", "TimeBucket")
        .agg(pl.col("BidPrice1", "AskPrice1", "AskQuantity2").last())
    )
    got = bars.join(expected, on=["ListingId", "TimeBucket"], suffix="_book")
    assert got.height == expected.height > 0
    for column in ("BidPrice1", "AskPrice1", "AskQuantity2"):
        assert got[column].cast(pl.Float64).equals(got[f"{column}_book"].cast(pl.Float64), check_names=False)
    assert "BidPrice1TWA" in bars.columns
    assert "SpreadBpsTWA" in bars.columns
    # cbbo_venue: every venue listing has rows, shares are fractions
    assert bars.filter(pl.col("AtCBBTimeShare").is_not_null())["ListingId"].n_unique() == 6
    shares = bars.select(pl.col("AtCBBTimeShare", "CBOQuantityShareTWA", "AloneAtCBBTimeShare")).drop_nulls()
    assert shares.height > 0
    assert shares.select(pl.all_horizontal([pl.col(c).is_between(0, 1) for c in shares.columns]).all()).item()
    # alone at the best bid implies at it
    pair = bars.drop_nulls(["AloneAtCBBTimeShare", "AtCBBTimeShare"])
    assert (pair["AloneAtCBBTimeShare"] <= pair["AtCBBTimeShare"] + 1e-12).all()


def test_pass_three_rebuilds_aggressive_orders(run: Path) -> None:
    orders = _read(run, "orders")
    trades = _scan(run, "trades").filter(
        (pl.col("Classification") == "LIT_CONTINUOUS") & pl.col("AggressorSide").is_in([1, 2])
    )
    assert orders["Fills"].sum() == trades.height > 0
    assert orders["Size"].sum() == trades["Size"].sum()
    bars = _read(run, "bars")
    assert bars["AggressiveOrderCount"].sum() == orders.height
