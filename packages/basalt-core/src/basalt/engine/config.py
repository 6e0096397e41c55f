"""Pipeline configuration: what to compute, over which listings and dates, and where to write it.

Keys of :class:`AnalyticsConfig` are upper-case, as in the pipeline files users
already know (``START_DATE``, ``PASSES``…); keys of :class:`PassConfig` are
lower-case. Unknown keys are errors. Module, source and writer settings are
validated by the ``Config`` model of the plugin that provides them (see
:mod:`basalt.engine.validate`).
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from basalt.engine.errors import KeyedValueError
from basalt.timebuckets import TimeBuckets
from basalt.universe import UniverseSpec

DATASET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
"""Dataset names become folder and table names: letters, digits, ``_`` and ``-`` only."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PluginSettings(BaseModel):
    """A plugin choice plus its settings: ``type`` names the plugin, the rest is its config."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(description="Registered name of the plugin (e.g. 'local', 'parquet').")

    def settings(self) -> dict[str, Any]:
        """Everything but ``type``: validated later by the plugin's own Config model."""
        return dict(self.model_extra or {})


class SourceSettings(PluginSettings):
    """Where market data comes from: ``type`` (local, s3, bmll, …) and that source's settings."""

    type: str = Field("local", description="Registered source name: local, s3, bmll or a plugin's.")


class OutputSettings(PluginSettings):
    """Where a pass's output goes: ``type`` (parquet, delta, sql, …) and that writer's settings.

    Path-like settings may use the templates ``{datasetname}``, ``{pass}``,
    ``{universe}``, ``{start_date}``, ``{end_date}`` and ``{date}``.
    """

    type: str = Field("parquet", description="Registered writer name: parquet, delta, sql or a plugin's.")


Severity = Literal["warn", "fail"]
"""What a failed quality rule does: ``warn`` records it and goes on; ``fail`` fails the batch."""


class NullRateRule(_Strict):
    """At most ``max`` of the rows may be null in each column matching ``columns``."""

    columns: str = Field(description="Column name or glob pattern (fnmatch: 'Spread*', '*Volume').")
    max: float = Field(ge=0, le=1, description="Largest allowed share of null rows, 0..1 (0: none).")
    count_nan: bool = Field(True, description="Count NaN in float columns as null too.")
    on_fail: Severity = Field("fail", description="warn: record and go on; fail: fail the batch.")


class RangeRule(_Strict):
    """Every non-null value of each column matching ``columns`` lies in ``[min, max]``."""

    columns: str = Field(description="Column name or glob pattern (fnmatch).")
    min: float | None = Field(None, description="Smallest allowed value (inclusive); None: no lower bound.")
    max: float | None = Field(None, description="Largest allowed value (inclusive); None: no upper bound.")
    on_fail: Severity = Field("fail", description="warn: record and go on; fail: fail the batch.")

    @model_validator(mode="after")
    def _bounded(self) -> RangeRule:
        if self.min is None and self.max is None:
            raise KeyedValueError(("min",), "give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise KeyedValueError(("max",), f"{self.max} is below min {self.min}")
        return self


class RowCountRule(_Strict):
    """Rows expected per listing of the day's universe (listings without rows count as 0)."""

    every_listing: bool = Field(
        False, description="Every listing of the day's universe has at least one row."
    )
    min_per_listing: int | None = Field(None, ge=0, description="Fewest rows a listing may have per day.")
    max_per_listing: int | None = Field(None, ge=0, description="Most rows a listing may have per day.")
    on_fail: Severity = Field("fail", description="warn: record and go on; fail: fail the batch.")


class QualityConfig(_Strict):
    """Quality gates on a pass's output, checked before it is written.

    A day pass is checked per day and symbol batch, a panel pass per day of its date batch
    (every day before any is written). A ``fail`` rule that fails stops the batch before that
    output is written (what earlier batches wrote stays); ``warn`` rules are recorded in the
    run ledger.
    """

    schema_lock: Literal["warn", "fail", "update"] | None = Field(
        None,
        description="Pin the output's columns and dtypes in a lock file; on a change: warn, fail, or "
        "update (rewrite the lock). The first run writes the lock.",
    )
    lock_file: Path | None = Field(
        None,
        description="The schema lock file; default: beside the pipeline file, named after it "
        "(pipeline.yaml → pipeline.schema.lock.json), or {DATASETNAME}.schema.lock.json in the working "
        "folder for a pipeline given as data.",
    )
    unique_keys: Severity | None = Field(
        None, description="No two rows share the pass's keys and Date (warn or fail)."
    )
    null_rate: list[NullRateRule] = Field(
        default_factory=list, description="Null-rate limits per column pattern."
    )
    ranges: list[RangeRule] = Field(default_factory=list, description="Value ranges per column pattern.")
    row_count: RowCountRule | None = Field(None, description="Row-count expectations per listing.")


class PassConfig(_Strict):
    """One pass: modules computed on the same time grid, joined on their keys, written together."""

    name: str = Field(description="Pass name; later passes read this pass's output by it.")
    modules: list[str] = Field(min_length=1, description="Registered analytics module names, run in order.")
    time_bucket_seconds: float | None = Field(
        None, gt=0, description="Bucket length in seconds; default: the pipeline's TIME_BUCKET_SECONDS."
    )
    time_bucket_anchor: Literal["end", "start"] = Field(
        "end", description="Label buckets by their end (no look-ahead) or their start."
    )
    time_bucket_closed: Literal["right", "left"] = Field(
        "right", description="Which bucket an event exactly on a boundary belongs to: (a, b] or [a, b)."
    )
    timeline_mode: Literal["sparse", "dense", "event", "daily"] = Field(
        "sparse",
        description="sparse: buckets with events; dense: every bucket of the continuous session; "
        "event: one row per listing per event timestamp (1 ns buckets); daily: one row per listing per day.",
    )
    scope: Literal["day", "panel"] = Field(
        "day",
        description="day: run per trading day and symbol batch, reading tables (the default); panel: run "
        "once per date batch over the whole universe, reading earlier passes' stored output over the "
        "batch's days plus lookback_days before them (for cross-day, cross-sectional analytics such as "
        "alpha101). Panel passes run after every day pass of the run has been written.",
    )
    lookback_days: int | None = Field(
        None,
        ge=0,
        description="Panel passes only: trading days of earlier-pass output read before each date batch's "
        "first day, so windows start warm; default: the most any of the pass's modules asks for.",
    )
    warmup_start: date | None = Field(
        None,
        description="Stateful day passes only: when a run finds no stored module state before its first "
        "day, compute the trading days from this date up to it first (without writing them) so the state "
        "starts warm; None: start fresh.",
    )
    module_inputs: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per module, input name → table name or 'pass:NAME' (an earlier pass's output).",
    )
    module_configs: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per module, its settings (validated by the module's Config)."
    )
    output: OutputSettings | None = Field(
        None, description="Where this pass is written; default OUTPUT_TARGET."
    )
    quality: QualityConfig | None = Field(
        None, description="Quality gates checked on each day's output before it is written."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not DATASET_NAME.match(value):
            raise ValueError(
                f"pass name {value!r} must be letters, digits, '_' or '-', starting with a letter"
            )
        return value

    @model_validator(mode="after")
    def _configs_name_modules_of_this_pass(self) -> PassConfig:
        if self.scope == "day" and self.lookback_days is not None:
            raise KeyedValueError(("lookback_days",), "applies to panel passes only (scope: panel)")
        if self.scope == "panel" and self.warmup_start is not None:
            raise KeyedValueError(("warmup_start",), "applies to stateful day passes only (scope: day)")
        if self.scope == "panel" and self.timeline_mode == "dense":
            raise KeyedValueError(
                ("timeline_mode",),
                "a panel pass reads earlier passes' bars; timeline_mode 'dense' needs the market state of "
                "one day: make the earlier (day) pass dense instead",
            )
        for key in ("module_configs", "module_inputs"):
            for stray in sorted(set(getattr(self, key)) - set(self.modules)):
                close = difflib.get_close_matches(stray, self.modules, n=1, cutoff=0.5)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise KeyedValueError(
                    (key, stray),
                    f"module {stray!r} is not in this pass's modules {self.modules}{hint} "
                    f"({key} may only name the pass's own modules; check both spellings)",
                )
        return self

    def buckets(self, default_seconds: float) -> TimeBuckets:
        """The pass's time-bucket semantics."""
        return TimeBuckets(
            seconds=self.time_bucket_seconds or default_seconds,
            anchor=self.time_bucket_anchor,
            closed=self.time_bucket_closed,
        )


class AnalyticsConfig(_Strict):
    """A pipeline: universe × dates × passes, with how to batch, run and write them."""

    START_DATE: date = Field(description="First trading date (inclusive).")
    END_DATE: date = Field(description="Last trading date (inclusive).")
    UNIVERSE: UniverseSpec = Field(
        default_factory=UniverseSpec,
        description="Which listings (mic, tickers, listing_ids, index, primary_only).",
    )
    DATASETNAME: str = Field(description="Name of the output dataset (folders, tables, ledger).")
    PASSES: list[PassConfig] = Field(min_length=1, description="Passes, computed in order.")
    SOURCE: SourceSettings = Field(
        default_factory=SourceSettings, description="Where market data comes from."
    )
    BATCH_FREQ: Literal["D", "W", "2W", "M", "A"] | None = Field(
        None,
        description="Date batch length (one worker process each): a calendar period; None: the days cut "
        "into as few contiguous chunks as keep NUM_WORKERS busy, at most 10 trading days each.",
    )
    TABLES_TO_LOAD: list[str] | None = Field(
        None, description="Tables to load; None: the union of what the passes' modules need."
    )
    TIME_BUCKET_SECONDS: float = Field(60.0, gt=0, description="Default bucket length of passes, in seconds.")
    PREPARE_DATA_MODE: Literal["naive", "shredding"] = Field(
        "naive",
        description="naive: scan per symbol batch with filters pushed down; shredding: read each file once "
        "and split it into per-symbol-batch files in TEMP_DIR.",
    )
    NUM_WORKERS: int = Field(
        1,
        ge=1,
        description="Worker processes running date batches in parallel, at most: a run with fewer than "
        "MIN_ROWS_PER_WORKER input rows per worker uses fewer.",
    )
    MIN_ROWS_PER_WORKER: int = Field(
        5_000_000,
        ge=0,
        description="Input rows (estimated from Parquet footers) each worker process must have to be "
        "started; 0: always NUM_WORKERS. A worker costs ~0.5 s of a core to start, and Polars already "
        "uses every core within one.",
    )
    MAX_ROWS_PER_TABLE: int = Field(
        20_000_000, gt=0, description="Symbol batches are packed so no table exceeds this many rows."
    )
    TEMP_DIR: Path | None = Field(None, description="Scratch folder (shredding); default: a system temp dir.")
    OUTPUT_TARGET: OutputSettings = Field(
        default_factory=lambda: OutputSettings(type="parquet"),
        description="Default output of every pass.",
    )
    STATE_ROOT: Path | None = Field(
        None,
        description="Local folder of stateful modules' end-of-day states; default: .basalt-state in each "
        "stateful pass's output root.",
    )
    LOGGING_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    EXCLUDE_WEEKENDS: bool = Field(True, description="Skip Saturdays and Sundays.")
    BATCH_TIMEOUT: float | None = Field(
        None, gt=0, description="Seconds a date batch may run before its worker is killed and retried."
    )
    MAX_RETRIES: int = Field(
        1,
        ge=0,
        description="Retries of a batch whose worker crashed, timed out, ran out of memory or met a "
        "network error, before the run fails (other errors are not retried: they would recur).",
    )
    WORKER_MEMORY_MB: int | None = Field(
        None,
        ge=64,
        description="Resident memory (MiB) a worker may use; above it the worker is killed and its "
        "batch retried like a crash (Linux; checked every second). Default: no cap.",
    )

    @field_validator("DATASETNAME")
    @classmethod
    def _dataset_name(cls, value: str) -> str:
        # It reaches folder names and SQL identifiers: refuse anything that could escape either.
        if not DATASET_NAME.match(value):
            raise ValueError(
                f"DATASETNAME {value!r} must be 1-63 letters, digits, '_' or '-', starting with a letter"
            )
        return value

    @field_validator("UNIVERSE", mode="before")
    @classmethod
    def _universe(cls, value: Any) -> Any:
        return UniverseSpec.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> AnalyticsConfig:
        if self.END_DATE < self.START_DATE:
            raise KeyedValueError(("END_DATE",), f"{self.END_DATE} is before START_DATE {self.START_DATE}")
        names = [p.name for p in self.PASSES]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise KeyedValueError(("PASSES",), f"pass names must be unique; repeated: {duplicates}")
        panels = {p.name for p in self.PASSES if p.scope == "panel"}
        for index, pass_config in enumerate(self.PASSES):
            for module, inputs in pass_config.module_inputs.items():
                for input_name, source in inputs.items():
                    key = ("PASSES", index, "module_inputs", module, input_name)
                    if source.startswith("pass:") and source[5:] not in names[:index]:
                        raise KeyedValueError(
                            key,
                            f"pass {pass_config.name!r} module {module!r} reads {source!r}, "
                            f"but only earlier passes can be read: {names[:index] or 'none'}",
                        )
                    if pass_config.scope == "day" and source.startswith("pass:") and source[5:] in panels:
                        raise KeyedValueError(
                            key,
                            f"day pass {pass_config.name!r} module {module!r} reads panel pass "
                            f"{source[5:]!r}; panel passes run after every day pass, so only another "
                            "panel pass can read one: set scope: panel on this pass",
                        )
        return self


def place_lock_files(data: dict[str, Any], pipeline_path: Path) -> dict[str, Any]:
    """``data`` with each pass's schema lock file placed beside ``pipeline_path`` (a raw mapping).

    A pass with ``quality.schema_lock`` and no ``lock_file`` gets the pipeline's own lock
    (``pipeline.yaml`` → ``pipeline.schema.lock.json``); a relative ``lock_file`` is relative to
    the pipeline's folder, like every path written in a pipeline file. Workers read the
    configuration, not the file, so the path is settled here, once.
    """
    passes = data.get("PASSES")
    if not isinstance(passes, list):
        return data
    default = pipeline_path.with_suffix(".schema.lock.json")
    placed = []
    for entry in passes:
        quality = entry.get("quality") if isinstance(entry, dict) else None
        if isinstance(quality, dict) and quality.get("schema_lock") is not None:
            where = quality.get("lock_file")
            if where is None:
                where = default
            elif not Path(str(where)).is_absolute():
                where = pipeline_path.parent / str(where)
            entry = {**entry, "quality": {**quality, "lock_file": str(where)}}
        placed.append(entry)
    return {**data, "PASSES": placed}
