"""A materialisation dashboard: a calendar heatmap of materialised partitions, from Dagster's event log.

:func:`materialised_rows` reads a pass asset's materialisation events through the
instance's public :meth:`dagster.DagsterInstance.fetch_materializations` and keeps,
per (date, universe) partition, the rows the latest materialisation recorded.
:func:`calendar_heatmap` draws them as a PNG: one panel per universe, ISO weeks
down, weekdays across, colour = rows written, grey = a trading date not (yet)
materialised, blank = not a trading date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from basalt_dagster.partitions import DATE_DIMENSION, UNIVERSE_DIMENSION


def materialised_rows(
    instance: dg.DagsterInstance, asset_key: dg.AssetKey, *, limit: int = 100_000
) -> pl.DataFrame:
    """``date``, ``universe``, ``rows``, ``run_id`` of the latest materialisation of each partition."""
    latest: dict[tuple[date, str], tuple[int, str]] = {}
    cursor = None
    fetched = 0
    while fetched < limit:
        page = instance.fetch_materializations(
            asset_key, limit=min(1000, limit - fetched), cursor=cursor, ascending=True
        )
        for record in page.records:
            event = record.asset_materialization
            if event is None or event.partition is None:
                continue
            key = event.partition
            if isinstance(key, dg.MultiPartitionKey):
                parts = key.keys_by_dimension
                day, universe = parts[DATE_DIMENSION], parts[UNIVERSE_DIMENSION]
            else:
                day, _, universe = str(key).partition("|")
            rows = event.metadata.get("rows")
            latest[(date.fromisoformat(day), universe)] = (int(rows.value) if rows else 0, record.run_id)
        fetched += len(page.records)
        if not page.has_more:
            break
        cursor = page.cursor
    return pl.DataFrame(
        [{"date": d, "universe": u, "rows": r, "run_id": run} for (d, u), (r, run) in sorted(latest.items())],
        schema={"date": pl.Date, "universe": pl.String, "rows": pl.Int64, "run_id": pl.String},
    )


def calendar_heatmap(
    rows: pl.DataFrame, days: Sequence[date], universes: Sequence[str], out: Path, *, title: str = ""
) -> Path:
    """Draw ``rows`` (:func:`materialised_rows`) over the trading ``days`` × ``universes`` into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Rectangle

    weeks = sorted({d.isocalendar()[:2] for d in days})
    found = {(r["date"], r["universe"]): r["rows"] for r in rows.iter_rows(named=True)}
    top = max([v for v in found.values() if v] or [1])
    figure, axes = plt.subplots(
        1,
        len(universes),
        figsize=(2.5 + 2.5 * len(universes), 1.6 + 0.35 * len(weeks)),
        squeeze=False,
        layout="constrained",
    )
    trading = set(days)
    cmap = plt.get_cmap("viridis").with_extremes(bad="#dddddd")
    for axis, universe in zip(axes[0], universes, strict=True):
        grid = np.full((len(weeks), 5), np.nan)
        for day in days:
            value = found.get((day, universe))
            if value is not None:
                grid[weeks.index(day.isocalendar()[:2]), day.weekday()] = value
        image = axis.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=top, aspect="auto")
        for row, (year, week) in enumerate(weeks):  # weekdays outside the calendar stay blank
            for column in range(5):
                if date.fromisocalendar(year, week, column + 1) not in trading:
                    axis.add_patch(
                        Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor="white", edgecolor="none")
                    )
        axis.set_title(universe, fontsize=9)
        axis.set_xticks(range(5), ["Mon", "Tue", "Wed", "Thu", "Fri"], fontsize=7)
        axis.set_yticks(range(len(weeks)), [f"{y}-W{w:02d}" for y, w in weeks], fontsize=7)
    figure.colorbar(image, ax=axes[0].tolist(), label="rows written")
    if title:
        figure.suptitle(title, fontsize=10)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=100)
    plt.close(figure)
    return out


__all__ = ["calendar_heatmap", "materialised_rows"]
