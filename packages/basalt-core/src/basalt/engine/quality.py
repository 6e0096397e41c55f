"""Quality gates: a pass's ``quality:`` rules, checked on each day's output before it is written.

    run_pass ─► output (one day, one symbol batch) ─► check_quality ─► writer.write
                                                     │
                                                     ├─ quality_checked event (every rule's result)
                                                     └─ QualityGateError when a ``fail`` rule fails

Rules (:class:`basalt.engine.config.QualityConfig`):

* ``schema_lock`` — the output's columns and dtypes are pinned in a JSON lock file beside the
  pipeline (written by the first run); a change warns, fails, or rewrites the lock (``update``).
* ``unique_keys`` — no two rows share the pass's keys and ``Date``.
* ``null_rate`` — at most a share of null (and NaN) rows per column pattern.
* ``ranges`` — every non-null, non-NaN value of matching columns within ``[min, max]``.
* ``row_count`` — rows per listing of the day's universe (every listing present, fewest, most).

A failing ``fail`` rule raises before the write, so the day's output of that pass is not
written and what earlier batches wrote stays as it was; the run's worker reports the
error like any other (deterministic: not retried).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from basalt._files import exclusive_lock, write_text_atomic
from basalt.engine.batching import SymbolBatch
from basalt.engine.config import NullRateRule, QualityConfig, RangeRule, RowCountRule
from basalt.engine.passes import pass_keys
from basalt.engine.resolve import ResolvedPass
from basalt.writers.base import DATE_COLUMN, LISTING_COLUMN

EventSink = Callable[[str, dict[str, Any]], None]
LOCK_VERSION = 1


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule on one output (one pass, day and symbol batch)."""

    rule: str
    """``schema_lock``, ``unique_keys``, ``null_rate``, ``range`` or ``row_count``."""
    severity: str
    """``warn``, ``fail`` or (schema lock) ``update``."""
    passed: bool
    message: str
    column: str = ""
    """The column at fault, when the rule is about one."""

    def describe(self) -> str:
        """``null_rate [fail] column 'Spread': 40.0 % null (12 of 30 rows), limit 10.0 %``."""
        where = f" column {self.column!r}" if self.column else ""
        return f"{self.rule} [{self.severity}]{where}: {self.message}"


class QualityGateError(RuntimeError):
    """A ``fail`` quality rule failed: the message names the pass, day, rule, column and numbers."""

    def __init__(self, pass_name: str, day: date, failures: list[RuleResult]) -> None:
        lines = "\n".join(f"  - {failure.describe()}" for failure in failures)
        super().__init__(
            f"quality gate failed for pass {pass_name!r} on {day} (this output was not written; "
            f"earlier outputs are kept):\n{lines}"
        )
        self.pass_name = pass_name
        self.failures = failures
        self.column = next((f.column for f in failures if f.column), "")


def check_quality(
    resolved_pass: ResolvedPass,
    dataset: str,
    output: pl.DataFrame,
    day: date,
    batch: SymbolBatch,
    emit: EventSink,
) -> list[RuleResult]:
    """Check ``output`` against the pass's rules, record the results, raise if a ``fail`` rule failed.

    Args:
        resolved_pass: The pass (its ``quality`` config and keys).
        dataset: The dataset name (names the default lock file of a pipeline given as data).
        output: The pass's output for ``day`` and ``batch``, about to be written.
        day: The trading day.
        batch: The symbol batch: its listings are the day's universe for ``row_count``.
        emit: Receives one ``quality_checked`` event with every rule's result.

    Raises:
        QualityGateError: A ``fail`` rule (or a ``fail`` schema lock) failed.
    """
    quality = resolved_pass.config.quality
    if quality is None:
        return []
    keys = [*pass_keys(resolved_pass), DATE_COLUMN]
    results = evaluate(quality, output, keys=keys, listing_ids=batch.listing_ids)
    if quality.schema_lock is not None:
        lock = quality.lock_file or Path(f"{dataset}.schema.lock.json")
        results.insert(0, check_schema_lock(lock, resolved_pass.name, output.schema, quality.schema_lock))
    emit(
        "quality_checked",
        {
            "pass": resolved_pass.name,
            "day": day.isoformat(),
            "symbol_batch": batch.index,
            "results": [asdict(result) for result in results],
        },
    )
    failures = [r for r in results if not r.passed and r.severity == "fail"]
    if failures:
        raise QualityGateError(resolved_pass.name, day, failures)
    return results


def evaluate(
    quality: QualityConfig, output: pl.DataFrame, *, keys: list[str], listing_ids: tuple[int, ...]
) -> list[RuleResult]:
    """Every data rule of ``quality`` (all but the schema lock) on ``output``."""
    results: list[RuleResult] = []
    if quality.unique_keys is not None:
        results.append(unique_keys(output, keys, quality.unique_keys))
    for null_rule in quality.null_rate:
        results.extend(null_rate(output, null_rule))
    for range_rule in quality.ranges:
        results.extend(value_range(output, range_rule))
    if quality.row_count is not None:
        results.append(row_count(output, quality.row_count, listing_ids))
    return results


def _matching(output: pl.DataFrame, pattern: str) -> list[str]:
    return [name for name in output.columns if fnmatch.fnmatchcase(name, pattern)]


def _no_match(rule: str, pattern: str, output: pl.DataFrame, severity: str) -> RuleResult:
    return RuleResult(
        rule, severity, False, f"pattern {pattern!r} matches no column of the output ({output.columns})"
    )


def _percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def unique_keys(output: pl.DataFrame, keys: list[str], severity: str) -> RuleResult:
    """No two rows of ``output`` share ``keys``; on failure, the count and one duplicated key."""
    present = [k for k in keys if k in output.columns]
    if not output.height:
        return RuleResult("unique_keys", severity, True, "no rows")
    duplicated = output.select(pl.struct(present).is_duplicated()).to_series()
    count = int(duplicated.sum())
    if not count:
        return RuleResult("unique_keys", severity, True, f"no duplicate {tuple(present)}")
    example = output.filter(duplicated).select(present).row(0, named=True)
    shown = ", ".join(f"{k}={v}" for k, v in example.items())
    return RuleResult(
        "unique_keys",
        severity,
        False,
        f"{count} of {output.height} rows share their keys {tuple(present)} with another row (e.g. {shown})",
        column=present[-1] if present else "",
    )


def null_rate(output: pl.DataFrame, rule: NullRateRule) -> list[RuleResult]:
    """One result per column matching ``rule.columns``: its null share against ``rule.max``."""
    columns = _matching(output, rule.columns)
    if not columns:
        return [_no_match("null_rate", rule.columns, output, rule.on_fail)]
    results = []
    for name in columns:
        column = pl.col(name)
        missing = column.is_null()
        if rule.count_nan and output.schema[name].is_float():
            missing = missing | column.is_nan().fill_null(False)
        nulls = int(output.select(missing.sum()).item()) if output.height else 0
        share = nulls / output.height if output.height else 0.0
        what = "null or NaN" if rule.count_nan and output.schema[name].is_float() else "null"
        message = f"{_percent(share)} {what} ({nulls} of {output.height} rows), limit {_percent(rule.max)}"
        results.append(RuleResult("null_rate", rule.on_fail, share <= rule.max, message, column=name))
    return results


def value_range(output: pl.DataFrame, rule: RangeRule) -> list[RuleResult]:
    """One result per column matching ``rule.columns``: values outside ``[min, max]`` (nulls, NaN ignored)."""
    columns = _matching(output, rule.columns)
    if not columns:
        return [_no_match("range", rule.columns, output, rule.on_fail)]
    low = "-inf" if rule.min is None else f"{rule.min:g}"
    high = "inf" if rule.max is None else f"{rule.max:g}"
    results = []
    for name in columns:
        dtype = output.schema[name]
        if not dtype.is_numeric():
            message = f"dtype {dtype} is not numeric: cannot check the range [{low}, {high}]"
            results.append(RuleResult("range", rule.on_fail, False, message, column=name))
            continue
        values = output.get_column(name).drop_nulls()
        if dtype.is_float():
            values = values.filter(values.is_not_nan())
        outside = pl.Series([False] * values.len(), dtype=pl.Boolean)
        if rule.min is not None:
            outside = outside | (values < rule.min)
        if rule.max is not None:
            outside = outside | (values > rule.max)
        count = int(outside.sum())
        seen = f" (seen {values.min()!s} .. {values.max()!s})" if values.len() else ""
        message = f"{count} of {values.len()} values outside [{low}, {high}]{seen}"
        results.append(RuleResult("range", rule.on_fail, count == 0, message, column=name))
    return results


def row_count(output: pl.DataFrame, rule: RowCountRule, listing_ids: tuple[int, ...]) -> RuleResult:
    """Rows per listing of ``listing_ids`` (listings without rows count as 0) against ``rule``."""
    if LISTING_COLUMN not in output.columns:
        return RuleResult(
            "row_count", rule.on_fail, False, f"the output has no {LISTING_COLUMN} column to count rows by"
        )
    counts = dict(output.group_by(LISTING_COLUMN).len().iter_rows())
    per_listing = {lid: int(counts.get(lid, 0)) for lid in listing_ids}
    problems = []
    fewest = rule.min_per_listing
    if rule.every_listing:
        fewest = max(fewest or 0, 1)
    if fewest is not None:
        short = sorted(lid for lid, n in per_listing.items() if n < fewest)
        if short:
            absent = [lid for lid in short if per_listing[lid] == 0]
            problems.append(
                f"{len(short)} of {len(per_listing)} listings have fewer than {fewest} rows "
                f"({len(absent)} absent), e.g. ListingId {short[0]} with {per_listing[short[0]]}"
            )
    if rule.max_per_listing is not None:
        most = rule.max_per_listing
        long = sorted((lid for lid, n in per_listing.items() if n > most), key=per_listing.__getitem__)
        if long:
            problems.append(
                f"{len(long)} of {len(per_listing)} listings have more than {rule.max_per_listing} rows, "
                f"e.g. ListingId {long[-1]} with {per_listing[long[-1]]}"
            )
    if problems:
        return RuleResult("row_count", rule.on_fail, False, "; ".join(problems), column=LISTING_COLUMN)
    spread = f"{min(per_listing.values())}..{max(per_listing.values())}" if per_listing else "0"
    return RuleResult("row_count", rule.on_fail, True, f"{len(per_listing)} listings, {spread} rows each")


# --- the schema lock -------------------------------------------------------------------------


def schema_of(schema: pl.Schema | dict[str, pl.DataType]) -> dict[str, str]:
    """Column → dtype as text (``Datetime(time_unit='ns', time_zone='UTC')``), as the lock stores it."""
    return {name: str(dtype) for name, dtype in schema.items()}


def read_lock(path: Path) -> dict[str, Any]:
    """The lock file's contents (``{"version": 1, "passes": {pass: {column: dtype}}}``); empty if absent."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"version": LOCK_VERSION, "passes": {}}
    except (OSError, json.JSONDecodeError) as exc:
        raise QualityLockError(f"schema lock file {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("passes"), dict):
        raise QualityLockError(f"schema lock file {path} is not a Basalt schema lock (no 'passes' mapping)")
    return data


class QualityLockError(RuntimeError):
    """A schema lock file that exists but cannot be read as one."""


def schema_changes(pinned: dict[str, str], actual: dict[str, str]) -> list[tuple[str, str]]:
    """``(column, what changed)`` for every added, removed or retyped column."""
    changes = [(name, f"added ({dtype})") for name, dtype in actual.items() if name not in pinned]
    changes += [(name, f"removed (was {dtype})") for name, dtype in pinned.items() if name not in actual]
    changes += [
        (name, f"dtype {pinned[name]} → {dtype}")
        for name, dtype in actual.items()
        if name in pinned and pinned[name] != dtype
    ]
    return changes


def check_schema_lock(
    path: Path, pass_name: str, schema: pl.Schema | dict[str, pl.DataType], on_change: str
) -> RuleResult:
    """Compare the output's schema with the one pinned for ``pass_name`` in ``path``.

    Not pinned yet: pin it (the lock file is created). The same: passed. Changed:
    ``warn`` and ``fail`` report every change (``fail`` then stops the batch);
    ``update`` rewrites the pass's entry and passes. Concurrent workers of a run
    serialise on the lock file's folder, so an update is never lost.
    """
    actual = schema_of(schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(path.parent):
        lock = read_lock(path)
        pinned = lock["passes"].get(pass_name)
        if pinned is None or (on_change == "update" and pinned != actual):
            changes = schema_changes(pinned, actual) if pinned is not None else []
            lock["passes"][pass_name] = actual
            lock["version"] = LOCK_VERSION
            _write_lock(path, lock)
            if pinned is None:
                return RuleResult("schema_lock", on_change, True, f"pinned {len(actual)} columns in {path}")
            shown = "; ".join(f"{column} {what}" for column, what in changes)
            return RuleResult(
                "schema_lock", on_change, True, f"lock {path} updated: {shown}", column=changes[0][0]
            )
    changes = schema_changes(pinned, actual)
    if not changes:
        return RuleResult("schema_lock", on_change, True, f"{len(actual)} columns as pinned in {path}")
    shown = "; ".join(f"{column} {what}" for column, what in changes)
    return RuleResult(
        "schema_lock",
        on_change,
        False,
        f"the output's schema differs from {path}: {shown} (schema_lock: update rewrites the lock)",
        column=changes[0][0],
    )


def _write_lock(path: Path, lock: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(lock, indent=2, sort_keys=True) + "\n")


def summarise(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``quality_checked`` events of a run folded to one entry per pass and rule (and column).

    Each entry counts the outputs checked and failed, keeps the severity and the first
    failing message (or the last passing one): what ``report.json`` and ``basalt runs show``
    present.
    """
    folded: dict[tuple[str, str, str], dict[str, Any]] = {}
    for event in events:
        if event.get("event") != "quality_checked":
            continue
        for result in event.get("results", []):
            key = (str(event.get("pass")), str(result.get("rule")), str(result.get("column", "")))
            entry = folded.setdefault(
                key,
                {
                    "pass": key[0],
                    "rule": key[1],
                    "column": key[2],
                    "severity": result.get("severity"),
                    "checked": 0,
                    "failed": 0,
                    "message": "",
                    "first_failure": None,
                },
            )
            entry["checked"] += 1
            if not result.get("passed"):
                entry["failed"] += 1
                if entry["first_failure"] is None:
                    entry["first_failure"] = f"{event.get('day')}: {result.get('message')}"
            entry["message"] = result.get("message", "")
    return list(folded.values())


__all__ = [
    "QualityGateError",
    "QualityLockError",
    "RuleResult",
    "check_quality",
    "check_schema_lock",
    "evaluate",
    "summarise",
]
