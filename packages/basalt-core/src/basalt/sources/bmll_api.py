"""The ``bmll`` source: BMLL's own data API through its Python SDK (``pip install bmll``).

Each (table, MIC, date) is queried once with ``bmll.data.query(...,
output_path=...)`` and cached as a Parquet file in a local hive lake; reading
then goes through the same validated, filter-pushing scan as the local source.
Needs BMLL credentials (see the SDK's ``bmll.login``); untested here without
them — the mapping and the caching are unit-tested with a stand-in SDK.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field

from basalt.sources import layout as lake
from basalt.sources.base import Source, SourceConfig
from basalt.tables.base import Table

DEFAULT_API_TABLES: dict[str, str] = {
    "trades": "trades_plus",
    "l2": "l2",
    "l3": "l3",
    "cbbo": "cbbo",
    "marketstate": "market_state",
    "reference": "reference",
    "imbalance": "imbalance",
}
"""Basalt table → BMLL API table name (``bmll.data.list_tables()``); overridable in config."""


class BMLLSourceConfig(SourceConfig):
    """BMLL's data API, cached locally."""

    mics: list[str] = Field(
        description="MICs to query: the API needs MIC as a filter, so it cannot list them."
    )
    cache_dir: Path = Field(
        default_factory=lambda: (
            Path(os.environ.get("BASALT_CACHE", Path.home() / ".cache" / "basalt")) / "bmll"
        ),
        description="Folder where downloaded days are kept (a hive-layout lake).",
    )
    api_tables: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_API_TABLES),
        description="Basalt table name → BMLL API table name.",
    )
    max_wait_seconds: float = Field(600.0, gt=0, description="How long to wait for one API query.")


class BMLLSource(Source):
    """BMLL's data API through the ``bmll`` SDK, one cached Parquet file per table, MIC and day."""

    NAME = "bmll"
    Config = BMLLSourceConfig
    CHEAP_ROW_COUNTS = False  # a partition not yet cached is downloaded to count its rows
    config: BMLLSourceConfig

    def query_arguments(self, table: type[Table], mic: str, day: date) -> tuple[str, dict[str, Any]]:
        """The ``bmll.data.query`` table name and keyword arguments for one partition."""
        api_table = self.config.api_tables.get(table.NAME)
        if api_table is None:
            raise KeyError(f"no BMLL API table configured for {table.NAME!r}; add it to api_tables")
        return api_table, {
            "start_date": day.isoformat(),
            "end_date": day.isoformat(),
            "MIC": mic,
            "columns": list(table.SCHEMA),
            "max_wait_seconds": self.config.max_wait_seconds,
        }

    def _cached(self, table: type[Table], mic: str, day: date) -> Path:
        return self.config.cache_dir / lake.relative_path(table, mic, day, "hive")

    def location(self, table: type[Table], mic: str, day: date) -> str:
        api_table, _ = self.query_arguments(table, mic, day)
        return f"bmll.data.query({api_table!r}, MIC={mic!r}, start_date={day.isoformat()!r})"

    def files(self, table: type[Table], mic: str, day: date) -> list[str]:
        path = self._cached(table, mic, day)
        if not path.exists():
            self._download(table, mic, day, path)
        return [str(path)] if path.exists() else []

    def mics(self, table: type[Table]) -> list[str]:
        return sorted(self.config.mics)

    def _download(self, table: type[Table], mic: str, day: date, path: Path) -> None:
        try:
            sdk = importlib.import_module("bmll")
        except ImportError as exc:
            raise ImportError("the bmll source needs BMLL's SDK: pip install 'bmll-basalt[bmll]'") from exc
        api_table, arguments = self.query_arguments(table, mic, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
        os.close(fd)
        try:
            sdk.data.query(api_table, output_path=tmp, **arguments)
            # Renamed into the cache only once complete: a killed download leaves no partial day.
            if Path(tmp).stat().st_size:
                os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
