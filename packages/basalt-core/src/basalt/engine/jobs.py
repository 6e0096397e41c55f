"""Jobs: one date batch of one stage, the unit a worker runs and the ledger commits.

A run has up to two stages, always in this order: ``day`` (the day passes, per
day and symbol batch) and ``panel`` (the panel passes, over the whole universe,
after every day batch is written). The ledger names a job by a string key; this
module is the only place that writes or reads that string.

A run with a stateful day pass (:mod:`basalt.engine.state`) cuts its day jobs by
listing as well: shard ``s`` of ``n`` holds every ``n``-th listing of the run's
universe (``2026-01-05_2026-01-09~s1of2``). A shard's date batches run in date
order — each starts from the state its predecessor stored — while shards run in
parallel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from basalt.engine.calendar import DateBatch, trading_days


class Stage(StrEnum):
    """A run's stages, in execution order."""

    DAY = "day"
    PANEL = "panel"


_PANEL_KEY_PREFIX = "panel-"
_SHARD_SEPARATOR = "~s"


@dataclass(frozen=True)
class Job:
    """One date batch of one stage."""

    batch: DateBatch
    stage: Stage = Stage.DAY
    shard: int = 0
    """Which listing shard (of ``shards``) the job computes; 0 of 1: every listing."""
    shards: int = 1

    @property
    def key(self) -> str:
        """The ledger key: the batch's (``2026-01-05_2026-01-09``), ``panel-``-prefixed for panels,
        ``~s{shard}of{shards}``-suffixed for a listing shard."""
        key = self.batch.key if self.stage is Stage.DAY else f"{_PANEL_KEY_PREFIX}{self.batch.key}"
        return f"{key}{_SHARD_SEPARATOR}{self.shard}of{self.shards}" if self.shards > 1 else key

    @staticmethod
    def parse_key(key: str) -> tuple[Stage, date, date]:
        """The stage and first/last day a ledger key names."""
        stage = Stage.PANEL if key.startswith(_PANEL_KEY_PREFIX) else Stage.DAY
        dates = key.removeprefix(_PANEL_KEY_PREFIX).split(_SHARD_SEPARATOR)[0]
        first, last = (date.fromisoformat(part) for part in dates.split("_"))
        return stage, first, last

    @staticmethod
    def parse_shard(key: str) -> tuple[int, int]:
        """``(shard, shards)`` of a ledger key; ``(0, 1)`` for a job of every listing."""
        if _SHARD_SEPARATOR not in key:
            return 0, 1
        shard, shards = key.split(_SHARD_SEPARATOR)[1].split("of")
        return int(shard), int(shards)

    def after(self, other: Job) -> bool:
        """Whether this job must wait for ``other``: the same stage and shard, earlier days."""
        return (
            self.stage is other.stage
            and (self.shard, self.shards) == (other.shard, other.shards)
            and other.batch.start < self.batch.start
        )

    def remainder(self, committed: set[tuple[Any, ...]]) -> list[Job]:
        """The job cut down to its days not yet committed: one job per contiguous run of them.

        Days count as committed whatever batch committed them; an empty list means nothing is left.
        """
        runs: list[list[date]] = [[]]
        for day in self.batch.days:
            if (self.stage, day) in committed or (self.stage, day, self.shard, self.shards) in committed:
                runs.append([])
            else:
                runs[-1].append(day)
        return [
            Job(DateBatch(self.batch.index, tuple(days)), self.stage, self.shard, self.shards)
            for days in runs
            if days
        ]


def committed_days(keys: set[str], exclude_weekends: bool) -> set[tuple[Any, ...]]:
    """(stage, day) pairs the committed job keys cover; (stage, day, shard, shards) for shard jobs.

    By day, not by key: a resumed run whose batches are cut differently (another
    ``NUM_WORKERS`` or ``BATCH_FREQ``) still skips every day already committed.
    A key spans ``START_END``: every trading day between was in that batch. A
    shard's day counts only for the same shard of the same number of shards.
    """
    covered: set[tuple[Any, ...]] = set()
    for key in keys:
        stage, first, last = Job.parse_key(key)
        shard, shards = Job.parse_shard(key)
        extra = (shard, shards) if shards > 1 else ()
        covered.update(
            (stage, day, *extra) for day in trading_days(first, last, exclude_weekends=exclude_weekends)
        )
    return covered


__all__ = ["Job", "Stage", "committed_days"]
