"""The ``local`` source: a Parquet lake on disk, in BMLL's or the hive layout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field

from basalt.sources import layout as lake
from basalt.sources.base import Source, SourceConfig
from basalt.sources.errors import MissingRootError
from basalt.tables.base import Table


class LocalSourceConfig(SourceConfig):
    """A Parquet lake in a folder."""

    root: Path = Field(
        Path("lake"), description="Folder holding the lake (the parent of Trades-Plus/, or of trades/)."
    )
    layout: Literal["bmll", "hive", "auto"] = Field(
        "auto",
        description="'bmll': {Folder}/{MIC}/{yyyy}/{mm}/{dd}/{prefix}-{MIC}-{yyyymmdd}.parquet; "
        "'hive': {table}/MIC={mic}/Date={yyyy-mm-dd}/*.parquet; 'auto': whichever the folder holds.",
    )


class LocalSource(Source):
    """Parquet files on a local disk, in BMLL's layout or a hive layout.

    A missing day is no file (:meth:`files` is empty); a missing ``root`` is an
    error (:class:`MissingRootError`), so a wrong path is never read as "no data".
    """

    NAME = "local"
    Config = LocalSourceConfig
    config: LocalSourceConfig

    def check(self, tables: Sequence[type[Table]] = ()) -> list[str]:
        """The lake folder must exist and hold the folder of at least one of ``tables`` (else: wrong root)."""
        root = self.config.root
        if not root.is_dir():
            return [str(MissingRootError(str(root)))]
        layouts = lake.LAYOUTS if self.config.layout == "auto" else (self.config.layout,)
        expected = [lake.table_dir(table, layout) for table in tables for layout in layouts]
        if expected and not any((root / folder).is_dir() for folder in expected):
            names = ", ".join(sorted({t.NAME for t in tables}))
            return [
                f"the lake folder {root} holds none of the tables the pipeline reads ({names}): no "
                f"{', '.join(sorted(set(expected)))} folder in it; is it the lake's root?"
            ]
        return []

    def _require_root(self) -> None:
        if not self.config.root.is_dir():
            raise MissingRootError(str(self.config.root))

    def layout_for(self, table: type[Table]) -> lake.LayoutName:
        """The layout to read ``table`` in (resolving ``auto`` per table folder)."""
        if self.config.layout != "auto":
            return self.config.layout
        for candidate in lake.LAYOUTS:
            if (self.config.root / lake.table_dir(table, candidate)).is_dir():
                return candidate
        return "bmll"

    def location(self, table: type[Table], mic: str, day: date) -> str:
        layout = self.layout_for(table)
        return str(self.config.root / lake.partition_dir(table, mic, day, layout))

    def files(self, table: type[Table], mic: str, day: date) -> list[str]:
        self._require_root()
        layout = self.layout_for(table)
        folder = Path(self.location(table, mic, day))
        if not folder.is_dir():
            return []
        return sorted(
            str(path)
            for path in folder.iterdir()
            if path.is_file() and lake.is_data_file(table, mic, day, layout, path.name)
        )

    def mics(self, table: type[Table]) -> list[str]:
        self._require_root()
        layout = self.layout_for(table)
        top = self.config.root / lake.table_dir(table, layout)
        if not top.is_dir():
            return []
        found = (lake.mic_from_dir(child.name, layout) for child in top.iterdir() if child.is_dir())
        return sorted(mic for mic in found if mic)
