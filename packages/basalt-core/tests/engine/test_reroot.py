"""``--output-root``: every writer moves its own outputs, a plugin's writer included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field

from basalt import OutputWriter, WriterConfig, hookimpl
from basalt.engine.runner import reroot_outputs
from basalt.testing import make_plugin_manager


class LakeWriterConfig(WriterConfig):
    """Settings of a third-party writer with a folder of its own."""

    root: str = Field("elsewhere", description="Folder of its files.")
    compression: str = Field("zstd", description="A setting re-rooting must keep.")


class LakeWriter(OutputWriter):
    """A plugin's file writer (never writes here)."""

    NAME = "plugin_lake"
    Config = LakeWriterConfig

    def location(self, partition: Any) -> str:
        return self.config.root

    def write(self, frame: pl.DataFrame, partition: Any) -> int:  # pragma: no cover - not run
        return 0

    def read(self, partition_like: Any) -> pl.DataFrame:  # pragma: no cover - not run
        return pl.DataFrame()


class Hooks:
    @hookimpl
    def basalt_register_output_writers(self) -> list[type[OutputWriter]]:
        return [LakeWriter]


def test_every_writer_reroots_itself(tmp_path: Path) -> None:
    manager = make_plugin_manager(hooks=Hooks())
    config = {
        "OUTPUT_TARGET": {"type": "parquet", "root": "output"},
        "PASSES": [
            {"name": "a", "output": {"type": "plugin_lake", "root": "mine", "compression": "lz4"}},
            {"name": "b", "output": {"type": "sql", "url": "sqlite:///output/demo.db"}},
            {"name": "c", "output": {"type": "sql", "url": "postgresql+psycopg://u@db.example/x"}},
            {"name": "d", "output": {"type": "delta", "root": "s3://bucket/delta"}},
        ],
    }
    moved = reroot_outputs(config, tmp_path / "new", manager)
    assert moved["OUTPUT_TARGET"] == {"type": "parquet", "root": str(tmp_path / "new")}
    outputs = [p["output"] for p in moved["PASSES"]]
    assert outputs[0] == {"type": "plugin_lake", "root": str(tmp_path / "new"), "compression": "lz4"}
    assert outputs[1] == {"type": "sql", "url": f"sqlite:///{tmp_path / 'new' / 'demo.db'}"}
    assert outputs[2] == {"type": "sql", "url": "postgresql+psycopg://u@db.example/x"}  # a server stays
    assert outputs[3] == {"type": "delta", "root": str(tmp_path / "new")}
    assert config["OUTPUT_TARGET"]["root"] == "output"  # the input is left alone
