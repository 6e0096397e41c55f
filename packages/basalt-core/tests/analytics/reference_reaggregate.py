"""A slow, plain-Python reference of ``reaggregate``, and a generator of per-listing bar passes.

Independent of ``basalt.analytics.reaggregate``: dictionaries, loops and integer arithmetic.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

import polars as pl

EPOCH = datetime(1970, 1, 1)
MINUTE_NS = 60_000_000_000

# listing -> (instrument, MIC): two instruments on two venues, one on three.
LISTINGS = {
    11: (1, "XLON"),
    12: (1, "BATE"),
    21: (2, "XLON"),
    22: (2, "BATE"),
    23: (2, "CHIX"),
    31: (3, "XLON"),
}


def ns_of(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def generate_bars(seed: int = 3, days: tuple[date, ...] = (date(2024, 3, 4), date(2024, 3, 5))) -> list[dict]:
    """Sparse 1-minute, end-labelled bars per listing, as an earlier pass would hold them."""
    rng = random.Random(seed)
    rows = []
    for day in days:
        open_ = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
        for listing, (instrument, mic) in LISTINGS.items():
            price = rng.uniform(50, 150)
            for minute in range(1, 8 * 60 + 31):
                if rng.random() < 0.35:
                    continue  # sparse: no trade that minute
                price *= math.exp(rng.gauss(0, 0.001))
                volume = rng.randint(1, 5000)
                rows.append(
                    {
                        "ListingId": listing,
                        "Date": day,
                        "TimeBucket": ns_of(open_ + timedelta(minutes=minute)),
                        "InstrumentId": instrument,
                        "MIC": mic,
                        "Volume": volume if rng.random() > 0.05 else None,
                        "Count": rng.randint(1, 40),
                        "Price": round(price, 4) if rng.random() > 0.1 else None,
                        "Notional": volume * price,
                        "Weight": rng.choice((0.0, 0.0, rng.uniform(0, 3)))
                        if listing == 31
                        else rng.uniform(0, 3),
                    }
                )
    return rows


def bars_frame(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema={
            "ListingId": pl.Int64,
            "Date": pl.Date,
            "TimeBucket": pl.Int64,
            "InstrumentId": pl.Int64,
            "MIC": pl.String,
            "Volume": pl.Int64,
            "Count": pl.Int64,
            "Price": pl.Float64,
            "Notional": pl.Float64,
            "Weight": pl.Float64,
        },
    )
    return frame.with_columns(pl.col("TimeBucket").cast(pl.Datetime("ns")))


def coarse_label(label: int, size: int, source_anchor: str, anchor: str) -> int:
    """The coarse bucket of a fine bucket labelled ``label`` (ns), labelled by ``anchor``."""
    if source_anchor == "end":
        end = (label + size - 1) // size * size  # the coarse end at or after the fine end
    else:
        end = label - label % size + size  # the coarse start at or before the fine start, plus a length
    return end if anchor == "end" else end - size


def reference_reaggregate(
    rows: list[dict],
    group_of,
    outputs: dict[str, tuple[str, str, str | None]],
    *,
    size_ns: int,
    source_anchor: str = "end",
    anchor: str = "end",
) -> dict[tuple, dict]:
    """``{(group, label_ns): {output: value}}``; ``outputs``: name -> (rule, column, weight).

    ``group_of(row)`` gives a row's group, or None to drop the row.
    """
    cells: dict[tuple, list[dict]] = {}
    for row in rows:
        group = group_of(row)
        if group is None:
            continue
        label = coarse_label(row["TimeBucket"], size_ns, source_anchor, anchor)
        cells.setdefault((group, label), []).append(row)
    result = {}
    for key, members in cells.items():
        members = sorted(members, key=lambda r: (r["TimeBucket"], r["ListingId"]))
        out = {}
        for name, (rule, column, weight) in outputs.items():
            values = [r[column] for r in members if r[column] is not None]
            if rule == "sum":
                out[name] = sum(values) if values else None
            elif rule == "mean":
                out[name] = math.fsum(values) / len(values) if values else None
            elif rule == "weighted_mean":
                pairs = [
                    (r[column], r[weight]) for r in members if r[column] is not None and r[weight] is not None
                ]
                total = math.fsum(w for _, w in pairs)
                out[name] = math.fsum(x * w for x, w in pairs) / total if pairs and total != 0 else None
            elif rule == "first":
                out[name] = values[0] if values else None
            elif rule == "last":
                out[name] = values[-1] if values else None
            elif rule == "min":
                out[name] = min(values) if values else None
            else:
                out[name] = max(values) if values else None
        result[key] = out
    return result
