"""Data sources: where tables for a MIC and a date are found (local lake, S3, …)."""

from basalt.sources.base import Source, SourceConfig
from basalt.sources.errors import CorruptFileError, MissingDataError, SourceError

__all__ = ["CorruptFileError", "MissingDataError", "Source", "SourceConfig", "SourceError"]
