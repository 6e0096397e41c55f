"""Planted icebergs: off by default, same output compiled or not, a truth that the L3 rows bear out."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from basalt.synth import JIT_ENABLED, SynthConfig, generate_day, write_lake
from basalt.synth.icebergs import DEFAULT_RATE, TRUTH_PATH


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, tiny_config: SynthConfig) -> tuple[Path, SynthConfig]:
    config = tiny_config.model_copy(update={"iceberg_rate": 0.3, "messages_per_day": 6_000})
    root = tmp_path_factory.mktemp("ice")
    write_lake(config, root, workers=1)
    return root, config


def test_iceberg_rate_zero_writes_no_side_file(tmp_path: Path, tiny_config: SynthConfig) -> None:
    assert tiny_config.iceberg_rate == 0.0
    assert DEFAULT_RATE > 0
    write_lake(tiny_config, tmp_path, workers=1)
    assert not (tmp_path / TRUTH_PATH).exists()


def test_planting_leaves_the_other_random_draws_alone(planted: tuple[Path, SynthConfig]) -> None:
    """Same message flow with and without icebergs: the L3 rows agree up to the first refill."""
    _, config = planted
    plain = generate_day(config.model_copy(update={"iceberg_rate": 0.0}), config.start_date)["l3"]
    iced = generate_day(config, config.start_date)["l3"]
    assert plain.height > 0
    assert iced.height > plain.height * 0.5
    cols = ["ListingId", "TimestampNanoseconds", "LobAction", "Side", "Price", "Size"]
    first = plain.select(cols).head(200)
    assert first.equals(iced.select(cols).head(200))


def test_truth_matches_the_l3_rows(planted: tuple[Path, SynthConfig]) -> None:
    root, config = planted
    truth = pl.read_parquet(root / TRUTH_PATH)
    l3 = generate_day(config, config.start_date)["l3"]
    assert truth.height > 0
    assert truth["Refills"].sum() > 0
    # every order of an iceberg is in L3, on the iceberg's side; each refill shows at most the peak
    members = truth.explode("OrderIds").rename({"OrderIds": "OrderId"})
    inserts = l3.filter(pl.col("LobAction") == 2).select(
        "ListingId", "OrderId", pl.col("Side").alias("SideL3"), pl.col("Size").alias("SizeL3")
    )
    joined = members.join(inserts, on=["ListingId", "OrderId"], how="left")
    assert joined["SizeL3"].null_count() == 0
    assert (joined["Side"] == joined["SideL3"]).all()
    assert (joined["SizeL3"] <= joined["PeakSize"]).all()
    # executed volume: the sum of the members' executions in L3
    executed = (
        l3.filter(pl.col("OrderExecuted"))
        .with_columns(pl.when(pl.col("OrderId") == "").then("OldOrderId").otherwise("OrderId").alias("Oid"))
        .group_by("ListingId", "Oid")
        .agg(pl.col("ExecutionSize").sum().alias("x"))
    )
    per_iceberg = (
        members.join(executed, left_on=["ListingId", "OrderId"], right_on=["ListingId", "Oid"], how="left")
        .group_by("IcebergId")
        .agg(pl.col("x").fill_null(0).sum(), pl.col("ExecutedVolume").first())
    )
    assert (per_iceberg["x"] == per_iceberg["ExecutedVolume"]).all()
    # refills never exceed the reserve
    assert (truth["Refills"] * truth["PeakSize"] <= truth["HiddenSize"] + truth["PeakSize"]).all()


@pytest.mark.skipif(not JIT_ENABLED, reason="compares the compiled kernel with the pure-Python one")
def test_pure_python_kernel_plants_the_same_icebergs(planted: tuple[Path, SynthConfig]) -> None:
    _, config = planted
    code = (
        "import hashlib, json, sys\n"
        "from basalt.synth import SynthConfig, generate_day\n"
        "config = SynthConfig.model_validate_json(sys.argv[1])\n"
        "l3 = generate_day(config, config.start_date)['l3']\n"
        "print(json.dumps(hashlib.sha256(l3.write_ipc(None).getvalue()).hexdigest()))\n"
    )
    env = {**os.environ, "BASALT_SYNTH_JIT": "0"}
    result = subprocess.run(
        [sys.executable, "-c", code, config.model_dump_json()],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    l3 = generate_day(config, config.start_date)["l3"]
    assert (
        json.loads(result.stdout.strip().splitlines()[-1])
        == hashlib.sha256(l3.write_ipc(None).getvalue()).hexdigest()
    )
