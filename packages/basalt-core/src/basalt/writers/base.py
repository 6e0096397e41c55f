"""Base class of output writers (registered by ``basalt_register_output_writers``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import polars as pl
from pydantic import BaseModel, ConfigDict

from basalt._registrable import Registrable


class WriterConfig(BaseModel):
    """Base class of writer configurations; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OutputWriter(Registrable, ABC):
    """Writes one batch of a pass's output atomically, replacing its own earlier rows."""

    Config: ClassVar[type[WriterConfig]] = WriterConfig
    """The pydantic model validating this writer's configuration."""

    EXTRA: ClassVar[str | None] = None
    """The ``bmll-basalt[...]`` extra providing this writer's engine, if any."""

    def __init__(self, config: WriterConfig | dict[str, Any] | None = None) -> None:
        if not isinstance(config, WriterConfig):
            config = self.Config.model_validate(config or {})
        self.config = config

    @abstractmethod
    def write(self, frame: pl.DataFrame, *, partition: dict[str, Any]) -> int:
        """Write ``frame`` as the rows of ``partition``; return the rows written."""
