"""Same seed, same bytes: whatever the number of worker processes, range of dates or listings."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from basalt.synth import JIT_ENABLED, SynthConfig, generate_day, write_lake


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


DIGEST = """
def digest(frames):
    import hashlib, io
    h = hashlib.sha256()
    for name in sorted(frames):
        buffer = io.BytesIO()
        frames[name].write_ipc(buffer)
        h.update(buffer.getvalue())
    return h.hexdigest()
"""
namespace: dict = {}
exec(DIGEST, namespace)  # the subprocess below runs the very same function
_digest = namespace["digest"]


def test_same_seed_gives_identical_files_with_one_or_two_workers(
    tmp_path: Path, tiny_config: SynthConfig
) -> None:
    config = tiny_config.model_copy(update={"listings": 2, "end_date": dt.date(2024, 3, 5)})
    one = write_lake(config, tmp_path / "one", workers=1)
    two = write_lake(config, tmp_path / "two", workers=2)  # spawned processes
    files_one, files_two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert len(files_one) == one.files == two.files == 2 * (6 * 3 + 1)  # 6 tables x 3 MICs + CBBO, per day
    assert files_one == files_two
    assert one.rows == two.rows
    assert one.l3_events == two.l3_events > 0
    assert not any(".synth-staging" in name for name in files_one)


def test_different_seeds_differ(tiny_config: SynthConfig) -> None:
    a = generate_day(tiny_config, tiny_config.start_date)
    b = generate_day(tiny_config.model_copy(update={"seed": 1}), tiny_config.start_date)
    assert not a["l3"].equals(b["l3"])
    assert not a["reference"]["Ticker"].equals(b["reference"]["Ticker"])


def test_an_instrument_day_does_not_depend_on_the_other_instruments_or_dates(
    tiny_config: SynthConfig,
) -> None:
    alone = generate_day(tiny_config, tiny_config.start_date)
    wider = tiny_config.model_copy(
        update={"listings": 2, "start_date": dt.date(2024, 1, 2), "end_date": dt.date(2024, 3, 8)}
    )
    together = generate_day(wider, tiny_config.start_date)
    listing = alone["l3"]["ListingId"].unique()
    for name in ("l3", "l2", "trades", "marketstate", "reference"):
        assert (
            together[name]
            .filter(pl.col("ListingId").is_in(listing.implode()))
            .equals(alone[name].filter(pl.col("ListingId").is_in(listing.implode())))
        ), name


def test_non_trading_days_are_empty(tiny_config: SynthConfig) -> None:
    saturday = generate_day(tiny_config, dt.date(2024, 3, 9))
    assert all(frame.height == 0 for frame in saturday.values())
    christmas = SynthConfig(start_date=dt.date(2023, 12, 22), end_date=dt.date(2023, 12, 27))
    assert christmas.trading_days() == [dt.date(2023, 12, 22), dt.date(2023, 12, 27)]


@pytest.mark.skipif(not JIT_ENABLED, reason="compares the compiled kernel with the pure-Python one")
def test_pure_python_kernel_gives_the_same_output_as_numba(tiny_config: SynthConfig) -> None:
    code = (
        "import json, sys\n"
        "from basalt.synth import SynthConfig, generate_day, JIT_ENABLED\n"
        f"{DIGEST}\n"
        "config = SynthConfig.model_validate_json(sys.argv[1])\n"
        "print(json.dumps([JIT_ENABLED, digest(generate_day(config, config.start_date))]))\n"
    )
    env = {**os.environ, "BASALT_SYNTH_JIT": "0"}
    result = subprocess.run(
        [sys.executable, "-c", code, tiny_config.model_dump_json()],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    jit, digest = json.loads(result.stdout.strip().splitlines()[-1])
    assert jit is False
    assert digest == _digest(generate_day(tiny_config, tiny_config.start_date))
