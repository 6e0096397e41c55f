"""Resolving a configuration into plugins: every module, source and writer setting validated."""

from __future__ import annotations

import types
from typing import Any

import polars as pl
import pytest
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, OutputWriter, WriterConfig, hookimpl
from basalt.engine.errors import ConfigError
from basalt.engine.loader import load_pipeline
from basalt.engine.resolve import InputRef, resolve
from basalt.testing import make_plugin_manager


class _VolumeConfig(ModuleConfig):
    """Config of the test volume module."""

    min_size: float = Field(0, ge=0, description="Smallest size counted.")


class _Volume(AnalyticModule):
    """Volume per bucket."""

    NAME = "volume"
    INPUTS = ("trades",)
    Config = _VolumeConfig

    def columns(self) -> list[ColumnDoc]:
        return [ColumnDoc("Volume", unit="shares", definition="Sum of Size.")]

    def compute(self, inputs, buckets):  # pragma: no cover - not run here
        return pl.LazyFrame()


class _Rollup(_Volume):
    """Reads an earlier pass."""

    NAME = "rollup"
    INPUTS = ("source",)


class _MemoryWriterConfig(WriterConfig):
    """Config of the test writer."""

    path: str = Field(description="Where to write.")


class _MemoryWriter(OutputWriter):
    """Keeps frames in memory."""

    NAME = "memory"
    Config = _MemoryWriterConfig

    def location(self, partition: Any) -> str:  # pragma: no cover
        return self.config.path

    def write(self, frame: pl.DataFrame, partition: Any) -> int:  # pragma: no cover
        return frame.height

    def read(self, partition_like: Any) -> pl.DataFrame:  # pragma: no cover
        return pl.DataFrame()


PLUGIN = types.ModuleType("engine_test_plugin")
PLUGIN.basalt_register_analytics = hookimpl(lambda: [_Volume, _Rollup])
PLUGIN.basalt_register_output_writers = hookimpl(lambda: [_MemoryWriter])


def _pipeline(**extra: Any) -> Any:
    data = {
        "START_DATE": "2024-01-02",
        "END_DATE": "2024-01-02",
        "DATASETNAME": "t",
        "SOURCE": {"type": "local", "root": "/lake"},
        "OUTPUT_TARGET": {"type": "memory", "path": "out/{pass}"},
        "PASSES": [
            {"name": "bars", "modules": ["volume"], "module_configs": {"volume": {"min_size": 10}}},
            {"name": "roll", "modules": ["rollup"], "module_inputs": {"rollup": {"source": "pass:bars"}}},
        ],
        **extra,
    }
    return load_pipeline(data=data)


def test_resolves_modules_inputs_writers_and_tables() -> None:
    resolved = resolve(_pipeline(), make_plugin_manager(PLUGIN))
    bars, roll = resolved.passes
    assert bars.modules[0].module.config.min_size == 10
    assert {k: str(v) for k, v in bars.modules[0].inputs.items()} == {"trades": "trades"}
    assert roll.modules[0].inputs == {"source": InputRef("pass", "bars")}
    assert bars.writer.config.path == "out/{pass}"
    assert list(resolved.tables) == ["trades"]
    assert resolved.source.NAME == "local"


def test_every_problem_is_reported_with_its_path() -> None:
    pipeline = _pipeline(
        SOURCE={"type": "local", "rooot": "/lake"},
        PASSES=[
            {
                "name": "bars",
                "modules": ["volume", "alpha101", "volum"],
                "module_configs": {"volume": {"min_size": -1}},
            },
            {"name": "roll", "modules": ["rollup"], "output": {"type": "parquett"}},
        ],
    )
    with pytest.raises(ConfigError) as excinfo:
        resolve(pipeline, make_plugin_manager(PLUGIN))
    text = str(excinfo.value)
    assert "SOURCE.rooot: unknown key; did you mean 'root'?" in text
    assert "PASSES[0].module_configs.volume.min_size: Input should be greater than or equal to 0" in text
    assert "pip install 'bmll-basalt[alpha101]'" in text
    assert "Did you mean 'volume'?" in text
    assert "PASSES[1].module_inputs.rollup.source: module 'rollup' needs input 'source'" in text
    assert "PASSES[1].output.type: no installed plugin provides writers 'parquett'" in text


def test_tables_to_load_must_cover_the_passes() -> None:
    with pytest.raises(ConfigError, match=r"the passes need tables \['trades'\]"):
        resolve(_pipeline(TABLES_TO_LOAD=["l2"]), make_plugin_manager(PLUGIN))
