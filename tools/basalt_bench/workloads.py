"""Benchmark workloads: synthetic lakes written by ``basalt data synth``, cached on disk.

A workload is one call of the generator with fixed parameters. Its cache folder
is named after a digest of those parameters, so changing any of them makes a new
lake; a lake is only used once its ``workload.json`` (written last) exists.

"Listings" are instruments × venues: every instrument is listed on each MIC of
``mics``, so 10 instruments on XLON and BATE are 20 listings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

TABLES = ("trades", "l2", "l3", "marketstate", "reference", "cbbo", "imbalance")
START = date(2026, 1, 5)  # a Monday


@dataclasses.dataclass(frozen=True)
class Workload:
    """Parameters of one synthetic lake."""

    name: str
    instruments: int
    days: int
    mics: tuple[str, ...] = ("XLON", "BATE")
    messages_per_day: int = 100_000
    session_scale: float = 1.0
    seed: int = 7

    @property
    def listings(self) -> int:
        """Listings = instruments × venues."""
        return self.instruments * len(self.mics)

    @property
    def start(self) -> date:
        """First trading day."""
        return START

    @property
    def end(self) -> date:
        """Last trading day: ``days`` weekdays from :data:`START`."""
        day, left = START, self.days - 1
        while left:
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day

    def params(self) -> dict[str, object]:
        """The generator's parameters (what the cache key is made of)."""
        return {
            "instruments": self.instruments,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "mics": list(self.mics),
            "messages_per_day": self.messages_per_day,
            "session_scale": self.session_scale,
            "seed": self.seed,
            "layout": "hive",
        }

    def key(self) -> str:
        """Cache folder name: the lake's shape and a digest of its parameters (not of its name).

        Two workloads with the same parameters (``S`` and the scaling point of
        20 listings × 1 day) share one lake.
        """
        digest = hashlib.sha1(json.dumps(self.params(), sort_keys=True).encode()).hexdigest()[:10]
        return f"{self.listings}x{self.days}d-{digest}"


WORKLOADS: dict[str, Workload] = {
    # Tiny: the end-to-end test's workload (4 listings, a quarter of a session).
    "XS": Workload("XS", instruments=2, days=1, messages_per_day=4_000, session_scale=0.25),
    "S": Workload("S", instruments=10, days=1),
    # S's listings over M's five days (issue #12's L2 measurements on a loaded machine): 5.6 M L2
    # snapshots, a fifth of M's memory, ~1.5 min to synthesise.
    "S5": Workload("S5", instruments=10, days=5),
    "M": Workload("M", instruments=50, days=5),
    # 500 listings × 20 days at S's density would be ~800 M L3 events: ~2 h to synthesise here and
    # ~650 GB of staging (basalt data synth stages uncompressed Arrow for the whole run before
    # writing Parquet; M needs ~40 GB of it). A twentieth of the message rate makes L as heavy
    # to generate as M (~6.5 min, ~40 GB transient, ~2.5 GB lake) with 20 × M's listing-days.
    "L": Workload("L", instruments=250, days=20, messages_per_day=5_000),
}


def scaled(base: Workload, *, instruments: int | None = None, days: int | None = None) -> Workload:
    """``base`` with another number of instruments and/or days (named after its shape)."""
    inst = instruments or base.instruments
    n_days = days or base.days
    return dataclasses.replace(base, name=f"{inst * len(base.mics)}x{n_days}d", instruments=inst, days=n_days)


def ensure(workload: Workload, cache: Path, *, workers: int = 2, quiet: bool = False) -> Path:
    """The workload's lake folder under ``cache``, generating it first if needed."""
    root = cache / workload.key()
    lake = root / "lake"
    marker = root / "workload.json"
    if marker.exists():
        return lake
    if root.exists():
        shutil.rmtree(root)  # an interrupted generation
    root.mkdir(parents=True)
    command = [
        sys.executable,
        "-m",
        "basalt",
        "data",
        "synth",
        "--out",
        str(lake),
        "--start-date",
        workload.start.isoformat(),
        "--end-date",
        workload.end.isoformat(),
        "--listings",
        str(workload.instruments),
        "--mics",
        ",".join(workload.mics),
        "--seed",
        str(workload.seed),
        "--messages-per-day",
        str(workload.messages_per_day),
        "--session-scale",
        str(workload.session_scale),
        "--layout",
        "hive",
        "--workers",
        str(workers),
    ]
    if not quiet:
        print(f"synthesising workload {workload.name} ({workload.listings} listings × {workload.days} days)")
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    info = {"params": workload.params(), "synth_seconds": round(seconds, 1), "rows": row_counts(lake)}
    marker.write_text(json.dumps(info, indent=2))
    return lake


def info(workload: Workload, cache: Path) -> dict[str, object]:
    """What ``ensure`` recorded: parameters, generation time, rows per table."""
    return json.loads((cache / workload.key() / "workload.json").read_text())


def files(lake: Path, table: str) -> list[Path]:
    """Parquet files of ``table`` in a hive lake, in a stable order."""
    return sorted((lake / table).glob("*/*/*.parquet"))


def row_counts(lake: Path) -> dict[str, int]:
    """Rows per table, read from the Parquet footers."""
    return {t: sum(pq.ParquetFile(f).metadata.num_rows for f in files(lake, t)) for t in TABLES}


def warm(lake: Path) -> None:
    """Read every file of the lake once, so the first timed contender does not pay a cold cache."""
    for path in lake.rglob("*.parquet"):
        with path.open("rb") as stream:
            while stream.read(1 << 24):
                pass
