"""Quality gates: each rule on small hand-made frames, the schema lock's paths, and a real run stopped by one.

Expected numbers are counted by hand from the frames written here, not produced by the code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.engine.config import NullRateRule, QualityConfig, RangeRule, RowCountRule
from basalt.engine.loader import load_pipeline
from basalt.engine.panel import run_panel_partition
from basalt.engine.partition import run_partition
from basalt.engine.plan import fingerprint_of
from basalt.engine.quality import (
    QualityGateError,
    QualityLockError,
    check_schema_lock,
    evaluate,
    row_count,
    summarise,
    unique_keys,
    value_range,
)
from basalt.plugins.manager import get_plugin_manager
from basalt.plugins.pluginset import PluginSet

DAY = date(2026, 1, 5)
KEYS = ["ListingId", "TimeBucket", "Date"]


def _bars() -> pl.DataFrame:
    t = [datetime(2026, 1, 5, 8, minute) for minute in (1, 2, 1)]
    return pl.DataFrame(
        {
            "ListingId": [1, 1, 2],
            "TimeBucket": t,
            "Date": [DAY] * 3,
            "Spread": [1.0, None, float("nan")],
            "SpreadBps": [0.5, 0.7, 0.9],
            "Volume": [-1, 0, 5],
            "Venue": ["XLON", "XLON", None],
        }
    )


def test_unique_keys_counts_the_rows_sharing_keys_and_shows_one() -> None:
    clean = unique_keys(_bars(), KEYS, "fail")
    assert clean.passed
    doubled = pl.concat([_bars(), _bars().head(1)])
    result = unique_keys(doubled, KEYS, "fail")
    assert not result.passed
    assert result.message.startswith("2 of 4 rows share their keys ('ListingId', 'TimeBucket', 'Date')")
    assert "ListingId=1, TimeBucket=2026-01-05 08:01:00" in result.message


def test_null_rate_per_matching_column_with_and_without_nan() -> None:
    quality = QualityConfig(null_rate=[NullRateRule(columns="Spread*", max=0.5)])
    spread, bps = evaluate(quality, _bars(), keys=KEYS, listing_ids=(1, 2))
    assert (spread.column, spread.passed) == ("Spread", False)  # None and NaN: 2 of 3 > 50 %
    assert spread.message == "66.7 % null or NaN (2 of 3 rows), limit 50.0 %"
    assert (bps.column, bps.passed) == ("SpreadBps", True)
    (only_null,) = evaluate(
        QualityConfig(null_rate=[NullRateRule(columns="Spread", max=0.5, count_nan=False)]),
        _bars(),
        keys=KEYS,
        listing_ids=(1, 2),
    )
    assert only_null.passed
    assert only_null.message.startswith("33.3 % null (1 of 3 rows)")
    (nothing,) = evaluate(
        QualityConfig(null_rate=[NullRateRule(columns="Imbalance*", max=0.1, on_fail="warn")]),
        _bars(),
        keys=KEYS,
        listing_ids=(1, 2),
    )
    assert (nothing.passed, nothing.severity) == (False, "warn")
    assert "matches no column" in nothing.message


def test_value_ranges_ignore_nulls_and_nan_and_refuse_text_columns() -> None:
    (volume,) = value_range(_bars(), RangeRule(columns="Volume", min=0, max=4))
    assert not volume.passed
    assert volume.message == "2 of 3 values outside [0, 4] (seen -1 .. 5)"  # -1 and 5
    (spread,) = value_range(_bars(), RangeRule(columns="Spread", min=0))
    assert spread.passed  # 1.0 only: the null and the NaN are not values
    assert spread.message.startswith("0 of 1 values outside [0, inf]")
    (venue,) = value_range(_bars(), RangeRule(columns="Venue", max=1))
    assert not venue.passed
    assert "dtype String is not numeric" in venue.message
    with pytest.raises(ValueError, match="give min, max or both"):
        RangeRule(columns="Volume")
    with pytest.raises(ValueError, match="below min"):
        RangeRule(columns="Volume", min=2, max=1)


def test_row_counts_per_listing_of_the_universe() -> None:
    present = row_count(_bars(), RowCountRule(every_listing=True), (1, 2))
    assert present.passed
    assert present.message == "2 listings, 1..2 rows each"
    absent = row_count(_bars(), RowCountRule(every_listing=True), (1, 2, 3))
    assert not absent.passed
    assert absent.message == "1 of 3 listings have fewer than 1 rows (1 absent), e.g. ListingId 3 with 0"
    most = row_count(_bars(), RowCountRule(max_per_listing=1), (1, 2))
    assert not most.passed
    assert most.message == "1 of 2 listings have more than 1 rows, e.g. ListingId 1 with 2"
    keyed_otherwise = row_count(_bars().drop("ListingId"), RowCountRule(min_per_listing=1), (1,))
    assert not keyed_otherwise.passed


def test_the_schema_lock_pins_then_warns_fails_or_updates(tmp_path: Path) -> None:
    lock = tmp_path / "p.schema.lock.json"
    first = {"ListingId": pl.Int64(), "Volume": pl.Float64()}
    pinned = check_schema_lock(lock, "bars", first, "fail")
    assert pinned.passed
    assert pinned.message.startswith("pinned 2 columns")
    assert json.loads(lock.read_text())["passes"]["bars"] == {"ListingId": "Int64", "Volume": "Float64"}
    assert check_schema_lock(lock, "bars", first, "fail").passed
    changed = {"ListingId": pl.Int64(), "Volume": pl.Float32(), "Trades": pl.UInt32()}
    before = lock.read_text()
    for severity in ("warn", "fail"):
        result = check_schema_lock(lock, "bars", changed, severity)
        assert (result.passed, result.severity) == (False, severity)
        assert "Trades added (UInt32)" in result.message
        assert "Volume dtype Float64 → Float32" in result.message
        assert lock.read_text() == before  # warn and fail never rewrite the lock
    updated = check_schema_lock(lock, "bars", changed, "update")
    assert updated.passed
    assert "updated" in updated.message
    assert json.loads(lock.read_text())["passes"]["bars"]["Volume"] == "Float32"
    assert check_schema_lock(lock, "bars", changed, "fail").passed
    lock.write_text("[]")
    with pytest.raises(QualityLockError, match="not a Basalt schema lock"):
        check_schema_lock(lock, "bars", changed, "fail")


def test_quality_config_placement_and_the_fingerprint(tmp_path: Path) -> None:
    pipeline = tmp_path / "nightly.yaml"
    data = {
        "START_DATE": "2026-01-05",
        "END_DATE": "2026-01-05",
        "DATASETNAME": "q",
        "PASSES": [
            {"name": "bars", "modules": ["trade_volume"], "quality": {"schema_lock": "fail"}},
            {
                "name": "more",
                "modules": ["trade_volume"],
                "quality": {"schema_lock": "warn", "lock_file": "l.json"},
            },
        ],
    }
    pipeline.write_text(yaml.safe_dump(data))
    config = load_pipeline(pipeline).config
    assert config.PASSES[0].quality is not None
    assert config.PASSES[0].quality.lock_file == tmp_path / "nightly.schema.lock.json"
    assert config.PASSES[1].quality.lock_file == tmp_path / "l.json"
    turned_on = load_pipeline(pipeline, assignments=["PASSES.1.quality.lock_file=null"]).config
    assert turned_on.PASSES[1].quality.lock_file == tmp_path / "nightly.schema.lock.json"
    # Rules decide whether output is accepted, not what is written: a resume may change them.
    raw = config.model_dump(mode="json")
    relaxed = json.loads(json.dumps(raw))
    relaxed["PASSES"][0]["quality"] = None
    empty = PluginSet(())
    assert fingerprint_of(raw, empty, {}) == fingerprint_of(relaxed, empty, {})


def _invoke(*args: str) -> tuple[int, str]:
    manager = get_plugin_manager()
    result = CliRunner().invoke(build_app(manager), list(args), obj=manager)
    return result.exit_code, result.output


def _digests(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.parquet"))}


def test_a_schema_change_under_a_fail_lock_stops_the_run_then_update_rewrites_the_lock(
    env: dict[str, Path], make_pipeline: Callable[..., Path]
) -> None:
    quality = {
        "schema_lock": "fail",
        "unique_keys": "fail",
        "ranges": [{"columns": "Volume", "min": 0}],
        "null_rate": [{"columns": "Imbalance*", "max": 0.1, "on_fail": "warn"}],  # matches nothing: warns
    }
    passes = [{"name": "bars", "modules": ["runs_volume"], "quality": quality}]
    pipeline = make_pipeline(PASSES=passes)
    state = ["--state-dir", str(env["state"])]
    code, output = _invoke("pipeline", "run", "-p", str(pipeline), *state)
    assert code == 0, output
    assert "quality warning: bars null_rate failed 2 of 2 checks: 2026-01-05: pattern 'Imbalance*'" in output
    lock = pipeline.with_suffix(".schema.lock.json")
    assert json.loads(lock.read_text())["passes"]["bars"]["Volume"] == "Float64"
    written = _digests(env["out"])
    (env["control"] / "float32").touch()  # the module's Volume dtype changes
    code, output = _invoke("pipeline", "run", "-p", str(pipeline), *state)
    assert code == 1
    assert "quality gate failed for pass 'bars' on 2026-01-05" in output
    assert "schema_lock [fail] column 'Volume'" in output
    assert "Volume dtype Float64 → Float32" in output
    assert "Traceback" not in output
    assert _digests(env["out"]) == written  # earlier outputs intact
    code, shown = _invoke("runs", "show", "last", "--json", *state)
    report = json.loads(shown)
    assert report["cause"]["type"] == "QualityGateError"
    (gate,) = [q for q in report["quality"] if q["rule"] == "schema_lock"]
    assert (gate["column"], gate["failed"]) == ("Volume", 1)
    saved = json.loads((Path(report["run_dir"]) / "report.json").read_text())
    assert any(q["rule"] == "schema_lock" and q["failed"] for q in saved["quality"])
    # The rule is not part of what the run writes: relax it and resume the same run.
    passes[0]["quality"]["schema_lock"] = "update"
    make_pipeline(PASSES=passes)
    code, output = _invoke("pipeline", "run", "-p", str(pipeline), "--resume", "last", *state)
    assert code == 0, output
    assert json.loads(lock.read_text())["passes"]["bars"]["Volume"] == "Float32"
    files = sorted((env["out"] / "watched" / "bars").rglob("*.parquet"))
    assert len(files) == 2
    assert all(pl.read_parquet_schema(f)["Volume"] == pl.Float32 for f in files)
    events = [
        json.loads(line) for line in (Path(report["run_dir"]) / "events.jsonl").read_text().splitlines()
    ]
    (volume_lock,) = [q for q in summarise(events) if q["rule"] == "schema_lock" and q["column"] == "Volume"]
    assert (volume_lock["checked"], volume_lock["failed"]) == (2, 1)  # failed in the run, updated on resume
    assert "updated: Volume dtype Float64 → Float32" in volume_lock["message"]


def test_a_panel_pass_checks_every_day_of_its_batch_before_writing_any(
    env: dict[str, Path], make_pipeline: Callable[..., Path]
) -> None:
    gated = {"null_rate": [{"columns": "Double", "max": 0.0}], "row_count": {"every_listing": True}}
    pipeline = make_pipeline(
        PASSES=[
            {"name": "bars", "modules": ["runs_volume"]},
            {
                "name": "doubled",
                "modules": ["runs_double"],
                "scope": "panel",
                "module_inputs": {"runs_double": {"bars": "pass:bars"}},
                "quality": gated,
            },
        ]
    )
    first, last = date(2026, 1, 5), date(2026, 1, 6)
    run_partition(pipeline, None, first, last)  # the day pass, stored
    (env["control"] / f"null-{last}").touch()  # the panel's second day is all null
    events: list[tuple[str, dict[str, Any]]] = []
    with pytest.raises(QualityGateError) as failed:
        run_panel_partition(pipeline, None, first, last, on_event=lambda e, f: events.append((e, f)))
    assert f"quality gate failed for pass 'doubled' on {last}" in str(failed.value)
    assert "null_rate [fail] column 'Double': 100.0 % null or NaN (7 of 7 rows), limit 0.0 %" in str(
        failed.value
    )
    assert not (env["out"] / "watched" / "doubled").exists()  # the first day passed, but nothing was written
    checked = [f["day"] for e, f in events if e == "quality_checked"]
    assert checked == [str(first), str(last)]
    (env["control"] / f"null-{last}").unlink()
    run_panel_partition(pipeline, None, first, last)
    assert len(list((env["out"] / "watched" / "doubled").rglob("*.parquet"))) == 2
