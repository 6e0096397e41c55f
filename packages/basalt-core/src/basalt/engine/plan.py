"""The plan of a run, computed without reading market data rows.

Only Parquet footers (row counts) and the reference table (to resolve the
universe) are read. ``basalt pipeline run --dry-run`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from basalt.engine.batching import SymbolBatch
from basalt.engine.calendar import DateBatch, date_batches, trading_days
from basalt.engine.panel import lookback_of
from basalt.engine.partition import plan_symbol_batches, universe_for
from basalt.engine.resolve import ResolvedPipeline


@dataclass(frozen=True)
class PlannedBatch:
    """One date batch and the symbol batches of its first day."""

    batch: DateBatch
    listings: int
    symbol_batches: list[SymbolBatch]


@dataclass(frozen=True)
class Plan:
    """What a run will do."""

    dataset: str
    batches: list[PlannedBatch]
    passes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``--dry-run --json``)."""
        return {
            "dataset": self.dataset,
            "passes": self.passes,
            "date_batches": [
                {
                    "key": planned.batch.key,
                    "days": [d.isoformat() for d in planned.batch.days],
                    "listings": planned.listings,
                    "symbol_batches": [
                        {
                            "listings": len(s.listing_ids),
                            "mics": list(s.mics),
                            "estimated_rows": s.estimated_rows,
                        }
                        for s in planned.symbol_batches
                    ],
                }
                for planned in self.batches
            ],
        }


def build_plan(resolved: ResolvedPipeline) -> Plan:
    """Date batches, symbol batches (from the first day of each), passes and outputs."""
    config = resolved.config
    days = trading_days(config.START_DATE, config.END_DATE, exclude_weekends=config.EXCLUDE_WEEKENDS)
    planned = []
    for batch in date_batches(days, config.BATCH_FREQ, config.NUM_WORKERS):
        listings = universe_for(resolved, None, batch.start)
        symbol_batches = plan_symbol_batches(resolved, listings, list(batch.days)) if listings.height else []
        planned.append(PlannedBatch(batch, listings.height, symbol_batches))
    passes = []
    for resolved_pass in resolved.passes:
        passes.append(
            {
                "name": resolved_pass.name,
                "modules": [m.name for m in resolved_pass.modules],
                "inputs": sorted({str(ref) for m in resolved_pass.modules for ref in m.inputs.values()}),
                "time_bucket_seconds": resolved_pass.buckets.seconds,
                "timeline_mode": resolved_pass.config.timeline_mode,
                "scope": resolved_pass.config.scope,
                "lookback_days": lookback_of(resolved_pass) if resolved_pass.config.scope == "panel" else 0,
                "output": resolved_pass.output_location(config.DATASETNAME, config.START_DATE),
            }
        )
    return Plan(dataset=config.DATASETNAME, batches=planned, passes=passes)
