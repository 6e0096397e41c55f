"""Scratch space of a day (shredded inputs): kept when the day fails, deleted once it is written.

With ``PREPARE_DATA_MODE: shredding`` each day's source files are split into
per-symbol-batch files (:class:`basalt.engine.prepare.Shredder`). They live in::

    {TEMP_DIR or the system temp dir}/basalt-{DATASETNAME}/{day}-{digest}/

where the digest covers the source settings, the tables read and the day's symbol
batches, so only an identical split is ever reused. The folder is deleted when
every day pass has written every symbol batch of the day (each write is atomic
and durable: the batches using the files have committed their outputs). If
anything fails first — an exception, a quality gate, a killed or timed-out
worker — the folder is kept, and the next attempt of that day (a retry, or
``--resume``) reuses the complete shredding instead of reading the sources again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from basalt.engine.batching import SymbolBatch
from basalt.engine.config import AnalyticsConfig

log = logging.getLogger(__name__)


def scratch_root(config: AnalyticsConfig) -> Path:
    """Where a dataset's scratch folders live: ``{TEMP_DIR}/basalt-{DATASETNAME}``."""
    base = Path(config.TEMP_DIR) if config.TEMP_DIR is not None else Path(tempfile.gettempdir())
    return base / f"basalt-{config.DATASETNAME}"


def day_folder(config: AnalyticsConfig, day: date, batches: list[SymbolBatch], tables: Iterable[str]) -> Path:
    """The scratch folder of ``day``'s ``tables`` split into ``batches`` (same inputs, same folder)."""
    identity = {
        "source": config.SOURCE.model_dump(mode="json"),
        "tables": sorted(tables),
        "batches": [[b.index, list(b.listing_ids), list(b.mics)] for b in batches],
        "limit": config.MAX_ROWS_PER_TABLE,
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return scratch_root(config) / f"{day.isoformat()}-{digest}"


@contextlib.contextmanager
def scratch_folder(
    config: AnalyticsConfig, day: date, batches: list[SymbolBatch], tables: Iterable[str]
) -> Iterator[str]:
    """The day's scratch folder: created for shredding, removed only when the block completes.

    On an exception (or a kill) it is left in place for the next attempt; the path is
    logged so the attempt's log says where. Naive mode needs no scratch: nothing is made.
    """
    if config.PREPARE_DATA_MODE != "shredding":
        yield str(day_folder(config, day, batches, tables))
        return
    folder = day_folder(config, day, batches, tables)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield str(folder)
    except BaseException:
        log.warning("kept the shredded inputs of %s for the next attempt: %s", day, folder)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # the dataset's scratch root, once no day is left in it


__all__ = ["day_folder", "scratch_folder", "scratch_root"]
