"""Jobs: one date batch of one stage, the unit a worker runs and the ledger commits.

A run has up to two stages, always in this order: ``day`` (the day passes, per
day and symbol batch) and ``panel`` (the panel passes, over the whole universe,
after every day batch is written). The ledger names a job by a string key; this
module is the only place that writes or reads that string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from basalt.engine.calendar import DateBatch, trading_days


class Stage(StrEnum):
    """A run's stages, in execution order."""

    DAY = "day"
    PANEL = "panel"


_PANEL_KEY_PREFIX = "panel-"


@dataclass(frozen=True)
class Job:
    """One date batch of one stage."""

    batch: DateBatch
    stage: Stage = Stage.DAY

    @property
    def key(self) -> str:
        """The ledger key: the batch's (``2026-01-05_2026-01-09``), ``panel-``-prefixed for panels."""
        return self.batch.key if self.stage is Stage.DAY else f"{_PANEL_KEY_PREFIX}{self.batch.key}"

    @staticmethod
    def parse_key(key: str) -> tuple[Stage, date, date]:
        """The stage and first/last day a ledger key names."""
        stage = Stage.PANEL if key.startswith(_PANEL_KEY_PREFIX) else Stage.DAY
        first, last = (date.fromisoformat(part) for part in key.removeprefix(_PANEL_KEY_PREFIX).split("_"))
        return stage, first, last

    def remainder(self, committed: set[tuple[Stage, date]]) -> list[Job]:
        """The job cut down to its days not yet committed: one job per contiguous run of them.

        Days count as committed whatever batch committed them; an empty list means nothing is left.
        """
        runs: list[list[date]] = [[]]
        for day in self.batch.days:
            if (self.stage, day) in committed:
                runs.append([])
            else:
                runs[-1].append(day)
        return [Job(DateBatch(self.batch.index, tuple(days)), self.stage) for days in runs if days]


def committed_days(keys: set[str], exclude_weekends: bool) -> set[tuple[Stage, date]]:
    """(stage, day) pairs the committed job keys cover.

    By day, not by key: a resumed run whose batches are cut differently (another
    ``NUM_WORKERS`` or ``BATCH_FREQ``) still skips every day already committed.
    A key spans ``START_END``: every trading day between was in that batch.
    """
    covered: set[tuple[Stage, date]] = set()
    for key in keys:
        stage, first, last = Job.parse_key(key)
        covered.update((stage, day) for day in trading_days(first, last, exclude_weekends=exclude_weekends))
    return covered


__all__ = ["Job", "Stage", "committed_days"]
