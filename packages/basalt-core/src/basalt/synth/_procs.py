"""Worker-process setup that must run before Polars is imported (so it imports nothing heavy)."""

from __future__ import annotations

import os


def init_worker(threads: int) -> None:
    """Limit the worker's Polars thread pool: ``workers × threads`` should not exceed the cores."""
    os.environ["POLARS_MAX_THREADS"] = str(max(1, threads))
