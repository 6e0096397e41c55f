"""The example two-pass pipeline (examples/alpha101.yaml) end to end, through the real runner.

Pass 1 writes daily bars per listing (a day pass, split into symbol batches);
pass 2 is a panel pass computing the alphas per weekly date batch over every
listing and the stored history (the default lookback, 251 days, reaches back to
the first day). Each week must equal ``compute()`` run by hand on every stored
bar up to that week's end: no listing or day is missing from any cross-section
or window. (Up to the week's end, not the last day: Polars' rolling variance
rounds differently on longer frames, which can flip exact ties in
``rank(covariance(...))``.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

from basalt.engine.loader import load_pipeline
from basalt.engine.runner import run_pipeline
from basalt.synth import SynthConfig, write_lake
from basalt_alpha101 import compute
from basalt_alpha101.registry import ALL_IDS, history_of, parse_ids

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "alpha101.yaml"
START, END = date(2026, 1, 5), date(2026, 1, 23)  # three ISO weeks: three panel batches


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("alpha-lake")
    config = SynthConfig(
        start_date=START, end_date=END, listings=6, mics=("XLON",), seed=11, session_scale=0.05,
        messages_per_day=1500,
    )  # fmt: skip
    write_lake(config, root, workers=1)
    return root


def _example(lake: Path, out: Path, **changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text())
    data.update(
        START_DATE=START,
        END_DATE=END,
        BATCH_FREQ="W",
        MAX_ROWS_PER_TABLE=1,  # one listing per symbol batch in pass 1
        SOURCE={"type": "local", "root": str(lake)},
        OUTPUT_TARGET={"type": "parquet", "root": str(out)},
        **changes,
    )
    return data


def _read(out: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(out / "alpha101" / name, hive_partitioning=False).sort("ListingId", "TimeBucket")


def _by_week(bars: pl.DataFrame, **options: Any) -> pl.DataFrame:
    """``compute()`` of each ISO week over every bar up to its end, the weeks stacked."""
    weeks = []
    for week in sorted(set(bars["Date"].dt.week())):
        history = bars.filter(pl.col("Date").dt.week() <= week)
        computed = compute(history, **options).collect()
        weeks.append(
            computed.filter(
                pl.col("TimeBucket").is_in(
                    history.filter(pl.col("Date").dt.week() == week)["TimeBucket"].implode()
                )
            )
        )
    return pl.concat(weeks).sort("ListingId", "TimeBucket")


def test_the_example_pipeline_runs_end_to_end(lake: Path, tmp_path: Path) -> None:
    data = _example(lake, tmp_path / "out")
    report = run_pipeline(load_pipeline(data=data), state_dir=tmp_path / "state")
    assert report.status == "succeeded"
    bars, alphas = _read(tmp_path / "out", "bars"), _read(tmp_path / "out", "alphas")
    assert bars.height == alphas.height == 6 * 15
    config = data["PASSES"][1]["module_configs"]["alpha101"]
    expected = _by_week(bars, ids=config["alpha_ids"], columns=config["columns"])
    assert_frame_equal(alphas.drop("Date"), expected)
    assert (
        alphas.select(pl.col("Date") == pl.col("TimeBucket").dt.offset_by("-1d").dt.date()).to_series().all()
    )
    # 15 days is short for the paper's windows, but every alpha needing under 10 bars has values.
    short = [f"Alpha{n:03d}" for n in parse_ids(config["alpha_ids"]) if history_of(n) < 10]
    assert len(short) > 20
    assert [c for c in short if alphas[c].is_null().all()] == []


def test_all_101_with_an_industry_table(lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    data = _example(lake, out)
    run_pipeline(
        load_pipeline(data=_example(lake, out, PASSES=data["PASSES"][:1])), state_dir=tmp_path / "s1"
    )
    listings = sorted(set(_read(out, "bars")["ListingId"]))
    industry = tmp_path / "industry.csv"
    pl.DataFrame(
        {
            "ListingId": listings,
            "sector": [i % 2 for i in range(len(listings))],
            "industry": [i % 3 for i in range(len(listings))],
            "subindustry": [i % 4 for i in range(len(listings))],
        }
    ).write_csv(industry)
    alpha = data["PASSES"][1]["module_configs"]["alpha101"]
    alpha.pop("alpha_ids")  # all 101
    alpha["columns"]["cap"] = "TradeTotalNotional"  # a stand-in: BMLL has no market cap
    alpha["industry_source"] = str(industry)
    report = run_pipeline(load_pipeline(data=data), state_dir=tmp_path / "s2")
    assert report.status == "succeeded"
    bars, alphas = _read(out, "bars"), _read(out, "alphas")
    assert [c for c in alphas.columns if c.startswith("Alpha")] == [f"Alpha{n:03d}" for n in ALL_IDS]
    labelled = bars.join(pl.read_csv(industry), on="ListingId", how="left")
    expected = _by_week(labelled, columns=alpha["columns"])
    assert_frame_equal(alphas.drop("Date"), expected)
    assert alphas["Alpha058"].is_not_null().any()  # an industry-neutralised alpha has values
