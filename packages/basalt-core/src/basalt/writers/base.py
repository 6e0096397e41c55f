"""Base class of output writers (registered by ``basalt_register_output_writers``).

A writer receives one computed batch — one pass, one trading day, one set of
listings — and makes it durable atomically, replacing exactly the rows an
earlier run wrote for the same day and listings, so re-runs never duplicate.
Writers do no analytics.
"""

from __future__ import annotations

import importlib.util
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import polars as pl
from pydantic import BaseModel, ConfigDict

from basalt._registrable import Registrable

DATE_COLUMN = "Date"
"""Trading-date column every pass output carries (with ``ListingId``): the replacement key."""
LISTING_COLUMN = "ListingId"
"""Listing column of every pass output: with ``Date``, what a write replaces."""


class WriterConfig(BaseModel):
    """Base class of writer configurations; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class OutputPartition:
    """Which rows a write replaces: one pass, one day, these listings."""

    dataset: str
    pass_name: str
    day: date
    listing_ids: tuple[int, ...]
    """The batch's ids: listing ids, or values of ``key_column`` for passes keyed otherwise."""
    universe: str = "all"
    start_date: date | None = None
    end_date: date | None = None
    key_column: str = LISTING_COLUMN
    """Integer column whose values in ``listing_ids`` (with ``Date``) say which rows a write replaces:
    ``ListingId``, or a re-aggregated pass's own key such as ``InstrumentId``."""

    def __post_init__(self) -> None:
        # The key column reaches Delta predicates and SQL: plain identifiers only.
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.key_column):
            raise ValueError(f"output key column {self.key_column!r} must be a plain identifier")

    def template_values(self) -> dict[str, str]:
        """Values of the path templates ``{datasetname}``, ``{pass}``, ``{universe}``, ``{date}``…"""
        return {
            "datasetname": self.dataset,
            "pass": self.pass_name,
            "universe": self.universe,
            "date": self.day.isoformat(),
            "start_date": (self.start_date or self.day).isoformat(),
            "end_date": (self.end_date or self.day).isoformat(),
        }


class PathTemplateError(ValueError):
    """An output path template that is malformed or escapes the output root."""


TEMPLATE_KEYS = ("datasetname", "pass", "universe", "date", "start_date", "end_date")


def render_template(template: str, partition: OutputPartition) -> str:
    """Fill a path template; refuse unknown placeholders and anything escaping its root.

    Raises:
        PathTemplateError: Unknown ``{key}``, an absolute result, or ``..``.
    """
    try:
        rendered = template.format(**partition.template_values())
    except (KeyError, IndexError, ValueError) as exc:
        raise PathTemplateError(
            f"output path template {template!r}: unknown or malformed placeholder {exc}; "
            f"use {', '.join('{' + k + '}' for k in TEMPLATE_KEYS)}"
        ) from None
    path = PurePosixPath(rendered.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        rendering = "" if rendered == template else f" renders to {rendered!r}, which"
        raise PathTemplateError(
            f"output path template {template!r}{rendering} escapes the output root; "
            "use a relative path without '..'"
        )
    return path.as_posix()


SAMPLE_PARTITION = OutputPartition(
    dataset="{datasetname}", pass_name="{pass}", day=date(2024, 1, 2), listing_ids=(), universe="{universe}"
)
"""Stand-in values for checking a template when a config is validated (before any run): names render
as their own placeholders, so a message quotes the template as written."""


def check_template(template: str) -> str:
    """Validate a path template at config time: known placeholders, no ``..``, not absolute.

    Raises:
        ValueError: Naming the problem, so pydantic reports it at the setting's config path.
    """
    try:
        render_template(template, SAMPLE_PARTITION)
    except PathTemplateError as exc:
        raise ValueError(str(exc)) from None
    return template


def engine_problem(module: str, writer: str, extra: str | None) -> str | None:
    """A sentence naming the extra to install when ``module`` cannot be imported; None when it can."""
    try:
        missing = importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        missing = True
    if not missing:
        return None
    install = f": pip install 'bmll-basalt[{extra}]'" if extra else ""
    return f"the {writer} writer needs {module}, which is not installed{install}"


def check_batch(frame: pl.DataFrame, partition: OutputPartition) -> None:
    """Refuse a non-empty batch without the key columns or holding rows of other days or listings.

    Raises:
        ValueError: Such a batch would leave rows a re-run of its partition cannot replace.
    """
    if frame.height == 0:
        return
    missing = [c for c in (partition.key_column, DATE_COLUMN) if c not in frame.columns]
    if missing:
        raise ValueError(f"cannot write {partition.dataset}/{partition.pass_name}: no column(s) {missing}")
    outside = frame.filter(
        (pl.col(DATE_COLUMN) != partition.day).fill_null(True)
        | ~pl.col(partition.key_column).is_in(list(partition.listing_ids)).fill_null(False)
    ).height
    if outside:
        raise ValueError(
            f"cannot write {partition.dataset}/{partition.pass_name} for {partition.day}: {outside} row(s) "
            f"have another Date or a {partition.key_column} outside the batch's "
            f"{len(partition.listing_ids)} ids"
        )


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

    def check(self, partition: OutputPartition) -> list[str]:
        """Problems visible before any write (a missing engine, an output outside its root), as sentences.

        ``basalt pipeline validate`` and ``--dry-run`` report them; the default
        renders :meth:`location`, which refuses templates escaping the root.
        """
        try:
            self.location(partition)
        except PathTemplateError as exc:
            return [str(exc)]
        return []

    @classmethod
    def rerooted(cls, settings: dict[str, Any], root: Path) -> dict[str, Any]:
        """``settings`` with every file output moved under ``root`` (``--output-root``).

        The default moves a ``root`` setting, if the writer has one; writers whose
        files live elsewhere (e.g. an embedded SQLite database) override it, and
        writers of remote stores leave their settings alone.
        """
        if "root" in cls.Config.model_fields:
            return {**settings, "root": str(root)}
        return dict(settings)

    def lock_dir(self) -> Path | None:
        """A local folder holding this writer's output, where a run keeps the dataset's lock.

        Two runs writing the same output (even from different state folders) take
        the same lock there. The default: a ``root`` setting that is a local path.
        """
        root = getattr(self.config, "root", None)
        if isinstance(root, (str, Path)) and "://" not in str(root):
            return Path(root)
        return None

    @abstractmethod
    def location(self, partition: OutputPartition) -> str:
        """Where this partition's rows go (a path, URL or table name), for plans and reports."""

    @abstractmethod
    def write(self, frame: pl.DataFrame, partition: OutputPartition) -> int:
        """Replace the rows of ``partition`` with ``frame`` atomically; return the rows written."""

    @abstractmethod
    def read(self, partition_like: OutputPartition) -> pl.DataFrame:
        """Everything written for the partition's dataset and pass (tests, resume checks)."""

    def read_days(self, partition_like: OutputPartition, start: date, end: date) -> pl.DataFrame:
        """The rows written for the partition's dataset and pass with ``Date`` in ``[start, end]``.

        Panel passes read earlier passes' output through this. The default
        filters :meth:`read`; writers override it to read only those days.
        """
        frame = self.read(partition_like)
        if frame.height == 0 or DATE_COLUMN not in frame.columns:
            return frame
        return frame.filter(pl.col(DATE_COLUMN).is_between(start, end))
