"""Run the cases: every contender in its own process, taking turns, outputs compared with Basalt's."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from basalt.engine.allocator import ALLOCATOR_ENV, WORKER_ALLOCATOR_CONF, WORKER_ALLOCATOR_ENV
from basalt_bench import compare as cmp
from basalt_bench.cases import CASES, CONTENDERS, FLOORS, Case
from basalt_bench.contenders import basalt as basalt_contender
from basalt_bench.measure import measure, python_module
from basalt_bench.workloads import Workload

TOOLS = Path(__file__).resolve().parents[1]
RENAME: dict[str, dict[str, str]] = {}
"""Contender → its column names → Basalt's (every contender here already uses Basalt's names)."""


class OutputMismatchError(RuntimeError):
    """A contender's output differs from Basalt's."""


ALLOCATOR_CHOICE_ENV = "BASALT_BENCH_ALLOCATOR"
"""Environment variable holding ``--allocator`` (read by :func:`child_env`)."""
ALLOCATORS: dict[str, dict[str, str]] = {
    # Every process gets what Basalt's workers run with: the yardstick is tuned the same way.
    "tuned": {ALLOCATOR_ENV: WORKER_ALLOCATOR_CONF, WORKER_ALLOCATOR_ENV: WORKER_ALLOCATOR_CONF},
    # Polars' defaults everywhere, Basalt's workers included (empty: nothing appended).
    "polars": {ALLOCATOR_ENV: "", WORKER_ALLOCATOR_ENV: ""},
}
"""``--allocator`` → environment of every contender process (see ``basalt.engine.pool``)."""


def allocator_line() -> str:
    """The allocator setting contenders run with, for the report's header."""
    conf = ALLOCATORS[os.environ.get(ALLOCATOR_CHOICE_ENV, "tuned")][ALLOCATOR_ENV]
    return f"{ALLOCATOR_ENV}={conf}" if conf else "Polars' defaults"


def child_env() -> dict[str, str]:
    """Environment of contender processes: this package importable, the chosen allocator setting.

    The benchmark's own process has imported Polars, which rewrote ``_RJEM_MALLOC_CONF``
    to its defaults; each child is given the setting afresh (Polars prepends its
    defaults again in the child, and the value given here, last, wins).
    """
    path = os.pathsep.join(p for p in (str(TOOLS), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, **ALLOCATORS[os.environ.get(ALLOCATOR_CHOICE_ENV, "tuned")]}


def run_once(
    case: Case, contender: str, workload: Workload, lake: Path, out: Path, workers: int
) -> dict[str, Any]:
    """One measured run of ``contender`` on ``case``; its output is left in ``out``."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    if contender == "basalt":
        command = basalt_contender.command(case, workload, lake, out, workers)
        result = measure(command, env=child_env())
        inner = basalt_contender.inner_seconds(out)
        stages = basalt_contender.stages(out)
    else:
        command = python_module("basalt_bench.run", case.name, contender, str(lake), str(out))
        result = measure(command, env=child_env())
        inner = json.loads(result.stdout.strip().splitlines()[-1])["inner_seconds"]
        stages = None
    measured = {"wall": result.wall, "cpu": result.cpu, "peak_rss_mb": result.peak_rss_mb, "inner": inner}
    return measured | ({"stages": stages} if stages else {})


CHUNK_ROWS = 500_000
"""Rows of Basalt's output compared at a time: L's outputs are several GB each in memory."""


def scan_outputs(case: Case, contender: str, out: Path) -> dict[str, pl.LazyFrame]:
    """Output name → a lazy scan of what ``contender`` wrote into ``out``."""
    if contender == "basalt":
        found = basalt_contender.outputs(case, out)
        return {
            name: pl.scan_parquet(paths, hive_partitioning=False) for name, paths in found.items() if paths
        }
    return {
        name: pl.scan_parquet(out / f"{name}.parquet")
        for name in case.keys
        if (out / f"{name}.parquet").exists()
    }


def check(case: Case, contender: str, outs: Path, *, reference: str = "basalt", actual_dir: str = "") -> None:
    """Raise :class:`OutputMismatchError` unless ``contender`` wrote exactly what Basalt wrote.

    Basalt's output is read from ``outs/<reference>``, the contender's from
    ``outs/<actual_dir or contender>``.
    """
    expected = scan_outputs(case, "basalt", outs / reference)
    actual = scan_outputs(case, contender, outs / (actual_dir or contender))
    for name, keys in case.keys.items():
        if name not in expected:
            raise OutputMismatchError(f"case {case.name}: Basalt wrote no {name!r} output")
        if name not in actual:
            raise OutputMismatchError(f"case {case.name}, contender {contender}: no {name!r} output")
        found = _compare_in_chunks(expected[name], actual[name], list(keys), RENAME.get(contender, {}))
        if found is not None:
            raise OutputMismatchError(f"case {case.name}, contender {contender}, output {name!r}: {found}")


def _compare_in_chunks(
    expected: pl.LazyFrame, actual: pl.LazyFrame, keys: list[str], rename: dict[str, str]
) -> str | cmp.Mismatch | None:
    """:func:`compare` over slices of the first key's values, so memory stays bounded.

    Every value of the first key in the contender's output must be in Basalt's;
    then each slice of values (about :data:`CHUNK_ROWS` of Basalt's rows) is
    compared in full, and the rows with a null first key on their own.
    """
    first = keys[0]
    theirs = {basalt: own for own, basalt in rename.items()}.get(first, first)
    rows = expected.select(pl.len()).collect().item()
    if rows == 0:
        return "Basalt's output is empty"
    ours = expected.select(pl.col(first).unique().drop_nulls().sort()).collect().get_column(first)
    seen = actual.select(pl.col(theirs).unique().drop_nulls()).collect().get_column(theirs)
    extra = seen.filter(~seen.is_in(ours.implode()))
    if extra.len():
        return f"rows with {first}={extra[0]} extra in the contender's output ({extra.len()} such values)"
    size = max(1, -(-ours.len() * CHUNK_ROWS // rows))  # first-key values per slice
    for begin in [*range(0, ours.len(), size), None]:  # None: the rows with a null first key

        def pick(column: str, begin: int | None = begin) -> pl.Expr:
            if begin is None:
                return pl.col(column).is_null()
            return pl.col(column).is_in(ours.slice(begin, size).implode())

        part = cmp.compare(
            expected.filter(pick(first)).collect(), actual.filter(pick(theirs)).collect(), keys, rename=rename
        )
        if part is not None:
            return part
    return None


def run_cases(
    cases: Iterable[str],
    workload: Workload,
    lake: Path,
    outs: Path,
    *,
    repeat: int,
    workers: int,
    contenders: set[str] | None = None,
    log: Any = print,
) -> tuple[dict[str, dict[str, list[dict[str, float]]]], dict[str, dict[str, bool | None]]]:
    """Measure every case ``repeat`` times, contenders taking turns (the first contender rotates).

    Outputs are compared with Basalt's after the first round of each case; a
    mismatch raises :class:`OutputMismatchError` at once.
    """
    runs: dict[str, dict[str, list[dict[str, float]]]] = {}
    agreed: dict[str, dict[str, bool | None]] = {}
    for round_ in range(repeat):
        for name in cases:
            case = CASES[name]
            order = [
                c
                for c in ("basalt", *case.contenders)
                if contenders is None or c in contenders or c == "basalt"
            ]
            shift = round_ % len(order)
            for contender in order[shift:] + order[:shift]:
                result = run_once(case, contender, workload, lake, outs / name / contender, workers)
                runs.setdefault(name, {}).setdefault(contender, []).append(result)
                log(
                    f"  round {round_ + 1}/{repeat} {name:<10} {contender:<7} wall {result['wall']:7.2f} s  "
                    f"cpu {result['cpu']:7.2f} s  rss {result['peak_rss_mb']:7.0f} MiB"
                )
            if round_ == 0:
                agreed[name] = {}
                for contender in order[1:]:
                    if contender in FLOORS:
                        agreed[name][contender] = None
                        continue
                    check(case, contender, outs / name)
                    agreed[name][contender] = True
    # Keep the contenders in turn order for the report.
    ordered = {name: {c: runs[name][c] for c in CONTENDERS if c in runs[name]} for name in runs}
    return ordered, agreed
