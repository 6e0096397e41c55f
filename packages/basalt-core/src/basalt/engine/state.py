"""Module state across days: where each (pass, module, day, listings) end-of-day state is stored.

A stateful module (:class:`basalt.modules.base.StatefulAnalyticModule`) carries one
row per listing from a day to the next. The engine keeps each day's state in a
local folder (``STATE_ROOT``, default ``{output root}/.basalt-state``)::

    {root}/{dataset}/{pass}/{module}-{digest}/Date=2026-01-05/part-{ids digest}.parquet

``digest`` names the module's configuration and state schema: state written under
another configuration is never read. Each file's footer lists the listings it
covers (``basalt.listing_ids``), also those without a row (they had no state yet):
a listing's state on a day is known exactly when a file of that day covers it.

**Commit order.** A day's state file is written after that day's output, by an
atomic rename: a day whose state exists has its output fully written, and a day
whose state is missing (a worker killed in between) is computed again — the output
write replaces what was there. So a (pass, day, listings) is there with its state,
or counts as not there at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path

import polars as pl

from basalt._files import exclusive_lock
from basalt.engine.calendar import trading_days
from basalt.engine.resolve import ResolvedModule, ResolvedPass, ResolvedPipeline
from basalt.writers._storage import LocalStore

LISTINGS_KEY = "basalt.listing_ids"
STATE_FOLDER = ".basalt-state"
"""Default state folder, inside a pass's local output root."""


def is_stateful(resolved_pass: ResolvedPass) -> bool:
    """Whether any module of the pass carries state across days."""
    return any(m.module.state_schema() is not None for m in resolved_pass.modules)


def state_modules(resolved_pass: ResolvedPass) -> list[ResolvedModule]:
    """The pass's modules that carry state, in pass order."""
    return [m for m in resolved_pass.modules if m.module.state_schema() is not None]


def module_key(module: ResolvedModule) -> str:
    """``{name}-{digest}``: the module's folder, named by its configuration and state schema."""
    schema = module.module.state_schema() or {}
    text = json.dumps(
        {
            "config": module.module.config.model_dump(mode="json"),
            "schema": {name: str(dtype) for name, dtype in schema.items()},
        },
        sort_keys=True,
        default=str,
    )
    return f"{module.name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def state_root(resolved: ResolvedPipeline, resolved_pass: ResolvedPass) -> Path:
    """Where the pass's state lives: ``STATE_ROOT``, else ``.basalt-state`` in its local output root.

    Raises:
        ValueError: Neither is set (e.g. a pass written to a database): set ``STATE_ROOT``.
    """
    configured = getattr(resolved.config, "STATE_ROOT", None)
    if configured is not None:
        return Path(configured)
    local = resolved_pass.writer.lock_dir()
    if local is None:
        raise ValueError(
            f"pass {resolved_pass.name!r} is stateful and its output has no local folder to keep "
            "its state beside: set STATE_ROOT to a local folder"
        )
    return Path(local) / STATE_FOLDER


def _digest(ids: Iterable[int]) -> str:
    return hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]


class StateStore:
    """End-of-day states of one stateful module of one pass."""

    def __init__(self, root: Path, dataset: str, pass_name: str, module: ResolvedModule) -> None:
        self.module = module
        self.schema: dict[str, pl.DataType] = {
            "ListingId": pl.Int64(),
            **(module.module.state_schema() or {}),
        }
        self.folder = root / dataset / pass_name / module_key(module)
        self._store = LocalStore(str(self.folder.parent))

    def day_folder(self, day: date) -> str:
        """The folder of one day's state files."""
        return str(self.folder / f"Date={day.isoformat()}")

    def conform(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` as the declared schema: its columns in order and dtypes, one row per listing, sorted.

        Raises:
            ValueError: A module returned a state without a declared column.
        """
        missing = [name for name in self.schema if name not in frame.columns]
        if missing:
            raise ValueError(
                f"module {self.module.name!r} returned a state without column(s) {missing} "
                f"of its state_schema()"
            )
        if frame.get_column("ListingId").is_duplicated().any():
            raise ValueError(f"module {self.module.name!r} returned more than one state row for a listing")
        return frame.select(pl.col(name).cast(dtype) for name, dtype in self.schema.items()).sort("ListingId")

    def write(self, day: date, listing_ids: Iterable[int], frame: pl.DataFrame) -> None:
        """Store ``day``'s state of ``listing_ids`` atomically, replacing earlier files' rows of them."""
        ours = set(listing_ids)
        folder = self.day_folder(day)
        target = f"{folder}/part-{_digest(ours)}.parquet"
        self._put(self.conform(frame.filter(pl.col("ListingId").is_in(sorted(ours)))), target, ours)
        for other in self._store.parts(folder):
            if other == target:
                continue
            theirs = self._ids_of(other)
            if theirs <= ours:
                self._store.delete(other)
            elif theirs & ours:
                kept = self._store.frame(other).filter(~pl.col("ListingId").is_in(sorted(ours)))
                self._put(kept, other, theirs - ours)

    def _put(self, frame: pl.DataFrame, target: str, ids: set[int]) -> None:
        self._store.put(frame, target, {LISTINGS_KEY: ",".join(map(str, sorted(ids)))}, "zstd")

    def _ids_of(self, path: str) -> set[int]:
        text = self._store.metadata(path).get(LISTINGS_KEY, "")
        return {int(part) for part in text.split(",") if part}

    def days(self) -> list[date]:
        """Days with a stored state, ascending."""
        found = []
        for _, name in self._store.folders(str(self.folder)):
            try:
                found.append(date.fromisoformat(name.removeprefix("Date=")))
            except ValueError:
                continue
        return sorted(found)

    def read_before(
        self,
        day: date,
        listing_ids: Iterable[int],
        lock: Callable[[date], contextlib.AbstractContextManager[None]] | None = None,
    ) -> tuple[pl.DataFrame, dict[int, date]]:
        """Each listing's state from the last stored day before ``day`` that covers it.

        ``lock(stored_day)`` is held while a stored day's files are listed and read: another
        listing shard may be rewriting that day (deleting or replacing the files it lists), and
        a file gone between the listing and the read failed the run (1 in ~20 runs of two shards
        under load).

        Returns:
            The rows (declared schema) and, per listing found, the day its state is from.
            Listings covered with no row (no state yet) are in the mapping, not the rows.
        """
        wanted = set(listing_ids)
        frames: list[pl.DataFrame] = []
        found: dict[int, date] = {}
        for stored in reversed([d for d in self.days() if d < day]):
            if not wanted:
                break
            with lock(stored) if lock else contextlib.nullcontext():
                for path in self._store.parts(self.day_folder(stored)):
                    covered = self._ids_of(path) & wanted
                    if not covered:
                        continue
                    rows = self._store.frame(path).filter(pl.col("ListingId").is_in(sorted(covered)))
                    frames.append(rows)
                    found.update(dict.fromkeys(covered, stored))
                    wanted -= covered
        rows = pl.concat([self.conform(f) for f in frames]) if frames else self.empty()
        return rows.sort("ListingId"), found

    def empty(self) -> pl.DataFrame:
        """A state with no rows."""
        return pl.DataFrame(schema=self.schema)


def carry_forward(previous: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """The new state, plus the previous rows of listings the new state has no row for."""
    kept = previous.join(new.select("ListingId"), on="ListingId", how="anti")
    return pl.concat([new, kept]).sort("ListingId")


def describe_state_source(
    stores: Mapping[str, StateStore], start: date, listing_ids: Iterable[int], warmup: date | None
) -> str:
    """Where a stateful pass's state at ``start`` comes from, in words (``--dry-run``)."""
    ids = list(listing_ids)
    days: set[date] = set()
    for store in stores.values():
        days.update(store.read_before(start, ids)[1].values())
    if days:
        last = max(days)
        text = f"stored state of {last.isoformat()} (last stored day before {start.isoformat()})"
        gap = [d for d in trading_days(last, start, exclude_weekends=True) if last < d < start]
        if gap:  # holidays are legitimate gaps; days never computed are not
            text += (
                f"; note: {len(gap)} weekday(s) between it and {start.isoformat()} have no stored state "
                "(holidays, or days never computed: run them first, or the state skips them)"
            )
        return text
    if warmup is not None and warmup < start:
        return f"warm-up from {warmup.isoformat()} (no stored state before {start.isoformat()})"
    return f"fresh at {start.isoformat()} (no stored state before it, no warmup_start set)"


class PassStates:
    """The states of one stateful pass while a job runs its days in order (kept in memory between days).

    A listing's state is looked up in the store the first time the job meets it (the
    last stored day before that day that covers it); after that it comes from the
    previous day of the job. Both give the same rows: what is carried is exactly what
    is stored (the declared schema, one row per listing, sorted).
    """

    def __init__(self, resolved: ResolvedPipeline, resolved_pass: ResolvedPass) -> None:
        root = state_root(resolved, resolved_pass)
        dataset = resolved.config.DATASETNAME
        self.stores = {
            m.name: StateStore(root, dataset, resolved_pass.name, m) for m in state_modules(resolved_pass)
        }
        self.carry = {name: store.empty() for name, store in self.stores.items()}
        self.known: set[int] = set()
        # One lock folder for the run, whichever pass: a day's writes (every pass's output and
        # states) and every pass's reads of that day's states must exclude each other.
        first = next(p for p in resolved.passes if p.scope == "day" and is_stateful(p))
        self.locks = state_root(resolved, first) / dataset / ".locks"

    def lock(self, day: date) -> contextlib.AbstractContextManager[None]:
        """The lock every pass of the run takes to write ``day``, and to read its stored states.

        Listing shards of a stateful run write the same day folders at once; a write that
        rewrites an earlier run's file holding both shards' listings must not interleave
        with another's, nor with a shard reading that day's states.
        """
        return exclusive_lock(self.locks / f"{day.isoformat()}.lock")

    def has_stored_before(self, day: date, listing_ids: Iterable[int]) -> bool:
        """Whether any of ``listing_ids`` has a state stored before ``day`` (no warm-up needed then)."""
        return self.stored_before(day, listing_ids) is not None

    def stored_before(self, day: date, listing_ids: Iterable[int]) -> date | None:
        """The latest stored day before ``day`` holding the state of any of ``listing_ids``, if any."""
        ids = list(listing_ids)
        found = [
            d for store in self.stores.values() for d in store.read_before(day, ids, self.lock)[1].values()
        ]
        return max(found, default=None)

    def before(self, day: date, listing_ids: Iterable[int]) -> dict[str, pl.LazyFrame]:
        """Each stateful module's state at the start of ``day`` for ``listing_ids``."""
        ids = sorted(set(listing_ids))
        unseen = [i for i in ids if i not in self.known]
        if unseen:
            for name, store in self.stores.items():
                rows, _ = store.read_before(day, unseen, self.lock)
                self.carry[name] = pl.concat([self.carry[name], rows]).sort("ListingId")
            self.known.update(unseen)
        return {
            name: frame.filter(pl.col("ListingId").is_in(ids)).lazy() for name, frame in self.carry.items()
        }

    def after(
        self, day: date, listing_ids: Iterable[int], new_states: Mapping[str, pl.DataFrame], *, store: bool
    ) -> None:
        """Take ``day``'s new states of ``listing_ids`` (stored unless ``store`` is False: warm-up days).

        Call it after the day's output is written: the state file is the day's commit.
        """
        ids = sorted(set(listing_ids))
        for name, state_store in self.stores.items():
            mine = pl.col("ListingId").is_in(ids)
            new = state_store.conform(new_states[name].filter(mine))
            merged = carry_forward(self.carry[name].filter(mine), new)
            if store:
                state_store.write(day, ids, merged)
            self.carry[name] = pl.concat([self.carry[name].filter(~mine), merged]).sort("ListingId")
        self.known.update(ids)


__all__ = [
    "PassStates",
    "STATE_FOLDER",
    "StateStore",
    "carry_forward",
    "describe_state_source",
    "is_stateful",
    "module_key",
    "state_modules",
    "state_root",
]
