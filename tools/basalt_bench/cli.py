"""``tools/bench``: Basalt vs hand-written Polars, DuckDB, pandas and a scan-only floor.

    tools/bench --workload S                       # every case, 3 rounds, table on stdout
    tools/bench --workload M --repeat 5 --json bench.json
    tools/bench --scaling --json scaling.json      # time and memory vs listings and days (+ PNG)

Exit status 1 when a contender's output differs from Basalt's (the message
names case, contender, column and first differing row), 2 on a failed run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from basalt_bench import harness, report, scaling, workloads
from basalt_bench.cases import CASES, CONTENDERS
from basalt_bench.measure import CommandFailedError

REPO = Path(__file__).resolve().parents[2]
OPTIONAL = {"duckdb": "duckdb", "pandas": "pandas"}
"""Contender → the optional package it needs (the benchmark's ``bench`` set)."""


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="tools/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=list(workloads.WORKLOADS), default="S")
    parser.add_argument("--repeat", type=int, default=3, help="Rounds of every case (medians are reported).")
    parser.add_argument("--json", type=Path, help="Write the results as JSON here (and the chart beside it).")
    parser.add_argument("--cache", type=Path, default=REPO / ".bench", help="Workload and output folder.")
    parser.add_argument("--case", action="append", choices=list(CASES), help="Run only these cases.")
    parser.add_argument(
        "--contender", action="append", choices=CONTENDERS[1:], help="Only these besides Basalt."
    )
    parser.add_argument("--workers", type=int, default=2, help="Basalt's NUM_WORKERS (default 2).")
    parser.add_argument(
        "--batch-freq",
        default="auto",
        choices=["auto", "D", "W", "2W", "M", "A"],
        help="Basalt's BATCH_FREQ (default auto: the planner's own choice, chunks sized by the workers).",
    )
    parser.add_argument(
        "--allocator",
        default="tuned",
        choices=list(harness.ALLOCATORS),
        help="Allocator settings of every contender's processes, Basalt's workers included (default "
        "tuned: Basalt's worker setting for all; polars: Polars' own defaults for all).",
    )
    parser.add_argument(
        "--scaling", action="store_true", help="Measure time and memory vs listings and days."
    )
    parser.add_argument("--listings", default="20,100,500", help="Scaling: listings per point (1 day).")
    parser.add_argument("--days", default="1,5,20", help="Scaling: days per point (20 listings).")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = parse(argv)
    os.environ["BASALT_BENCH_BATCH_FREQ"] = args.batch_freq  # read by the Basalt contender
    os.environ[harness.ALLOCATOR_CHOICE_ENV] = args.allocator  # read by harness.child_env
    # Every contender may cache its bytecode, as an installed package does: without it each
    # process recompiles what it imports (Basalt's CLI and workers paid ~1 s more per process).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    args.cache.mkdir(parents=True, exist_ok=True)
    machine = report.machine()
    try:
        if args.scaling:
            result = scaling.run(args, machine)
        else:
            result = benchmark(args, machine)
    except harness.OutputMismatchError as error:
        print(f"\nOUTPUT MISMATCH — {error}", file=sys.stderr)
        return 1
    except CommandFailedError as error:
        print(f"\nRUN FAILED — {error}", file=sys.stderr)
        return 2
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=str))
        print(f"\nJSON: {args.json}")
    return 0


def benchmark(args: argparse.Namespace, machine: dict) -> dict:
    """The case × contender benchmark on one workload."""
    workload = workloads.WORKLOADS[args.workload]
    lake = workloads.ensure(workload, args.cache)
    info = workloads.info(workload, args.cache)
    print(
        f"workload {workload.name}: {workload.listings} listings ({workload.instruments} instruments × "
        f"{', '.join(workload.mics)}) × {workload.days} day(s), lake {lake}"
    )
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in info["rows"].items()))
    allocator = f"allocator: {args.allocator} ({harness.allocator_line()})"
    print(f"machine: {report.machine_line(machine)}; {allocator}")
    workloads.warm(lake)
    cases = args.case or list(CASES)
    contenders = set(args.contender) if args.contender else set(CONTENDERS[1:])
    missing = {
        name: OPTIONAL[name] for name in contenders & set(OPTIONAL) if find_spec(OPTIONAL[name]) is None
    }
    for name, package in missing.items():
        print(f"{package} is not installed: the {name} contender is skipped (pip install {package})")
    contenders -= set(missing)
    env = {**os.environ, **harness.child_env()}
    if "l2-1min" in cases and "polars" in contenders:  # compile the one-pass kernel before timing
        subprocess.run([sys.executable, "-m", "basalt_bench.contenders.l2_onepass"], check=True, env=env)
    if "l2-1min" in cases:  # and Basalt's (l2tw's ordered kernel)
        subprocess.run([sys.executable, "-m", "basalt_bench.contenders.basalt"], check=True, env=env)
    runs, agreed = harness.run_cases(
        cases,
        workload,
        lake,
        args.cache / "runs" / workload.key(),
        repeat=args.repeat,
        workers=args.workers,
        contenders=contenders,
    )
    summary = report.summarise(runs)
    print(
        f"\nMedians of {args.repeat} round(s); ratios to the hand-written Polars query; "
        "every output compared with Basalt's.\n"
    )
    print(report.markdown(summary, agreed))
    return {
        "workload": {"name": workload.name, "listings": workload.listings, "days": workload.days, **info},
        "machine": machine,
        "settings": {
            "repeat": args.repeat,
            "basalt_workers": args.workers,
            "basalt_batch_freq": args.batch_freq,
            "allocator": args.allocator,
            "skipped": sorted(missing),
        },
        "cases": summary,
        "agreed": agreed,
        "targets": report.TARGETS,
    }
