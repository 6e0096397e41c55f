"""Universes: which listings a run covers on each date.

Either a user callable ``get_universe(date) -> DataFrame`` or a declarative
:class:`UniverseSpec` (``mic=XLON``, ``tickers=[...]``, ``listing_ids=[...]``,
``index=NAME``) resolved per date against the source's reference table.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator

from basalt.sources.base import Source
from basalt.tables.bmll import Reference

UNIVERSE_COLUMNS: tuple[str, ...] = (
    "ListingId",
    "MIC",
    "Ticker",
    "InstrumentId",
    "CurrencyCode",
    "IsPrimary",
)
"""Columns every resolved universe carries (more may follow)."""

INDEX_COLUMN = "IndexMembership"
"""Optional reference column listing the indices a listing belongs to, comma-separated.

BMLL's reference schema has no index membership; a reference that carries this
column (Basalt's synthetic market does) enables ``index=NAME`` selections.
"""

GetUniverse = Callable[[date], pl.DataFrame]


class UniverseError(ValueError):
    """A universe selection that cannot be resolved; says what is unknown and what exists."""


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, (str, int)) else value


class UniverseSpec(BaseModel):
    """A declarative selection of listings; all given criteria must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mic: list[str] | None = Field(None, description="Market identifier code(s), e.g. XLON.")
    tickers: list[str] | None = Field(None, description="Tickers to keep (on every selected MIC).")
    listing_ids: list[int] | None = Field(None, description="BMLL ListingIds to keep.")
    index: str | None = Field(None, description="Index name; needs an IndexMembership reference column.")
    primary_only: bool = Field(False, description="Keep only primary listings (IsPrimary).")

    _as_lists = field_validator("mic", "tickers", "listing_ids", mode="before")(_as_list)

    @classmethod
    def parse(cls, text: str) -> UniverseSpec:
        """Parse the CLI form: ``mic=XLON;tickers=VOD,BARC`` (``;``-separated ``key=values``)."""
        fields: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(";"))):
            key, sep, value = part.partition("=")
            if not sep:
                raise UniverseError(f"universe part {part!r} is not key=value (e.g. mic=XLON)")
            key = key.strip()
            values = [v.strip() for v in value.split(",") if v.strip()]
            fields[key] = values if key in {"mic", "tickers", "listing_ids"} else value.strip()
        return cls.model_validate(fields)

    def describe(self) -> str:
        """A short label for logs and output paths (``mic=XLON;tickers=VOD``)."""
        parts = [f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in self if v]
        return ";".join(parts) or "all"


def reference_for(source: Source, day: date, mics: list[str] | None = None) -> pl.DataFrame:
    """The reference rows of ``day`` for ``mics`` (default: every MIC the source holds)."""
    wanted = mics if mics is not None else source.mics(Reference)
    frames = [
        source.scan(Reference, mic, day, allow_missing=True, keep_extra_columns=True).collect()
        for mic in wanted
    ]
    frames = [frame for frame in frames if frame.height]
    return pl.concat(frames, how="diagonal_relaxed") if frames else Reference.empty()


def _require_known(kind: str, asked: list[Any], known: list[Any], day: date) -> None:
    unknown = [value for value in asked if value not in set(known)]
    if not unknown:
        return
    hints = []
    for value in unknown:
        close = difflib.get_close_matches(str(value), [str(k) for k in known], n=3)
        hints.append(f"{value!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
    shown = ", ".join(map(str, sorted(set(known))[:20])) or "none"
    raise UniverseError(f"unknown {kind} on {day:%Y-%m-%d}: {', '.join(hints)}. Known {kind}: {shown}.")


def resolve_universe(selection: UniverseSpec | GetUniverse, day: date, source: Source) -> pl.DataFrame:
    """The listings of ``day``: columns :data:`UNIVERSE_COLUMNS` (+ any others), sorted by ListingId.

    Raises:
        UniverseError: Unknown MIC, ticker, listing id or index, or a callable
            that returns a frame without the required columns.
    """
    if not isinstance(selection, UniverseSpec):
        frame = selection(day)
        missing = [c for c in UNIVERSE_COLUMNS if c not in frame.columns]
        if missing:
            raise UniverseError(
                f"get_universe({day:%Y-%m-%d}) returned a frame without columns {missing}; "
                f"it must have {', '.join(UNIVERSE_COLUMNS)}"
            )
        return frame.sort("ListingId")
    if selection.mic:
        _require_known("MICs", selection.mic, source.mics(Reference), day)
    reference = reference_for(source, day, selection.mic)
    if reference.height == 0:
        mics = selection.mic or source.mics(Reference)
        where = "; ".join(source.location(Reference, mic, day) for mic in mics[:3]) or "(no MIC found)"
        raise UniverseError(
            f"the source holds no reference data for {day:%Y-%m-%d}: nothing at {where}. Check the lake "
            f"root and the dates (`basalt data describe --date {day:%Y-%m-%d}` lists what it holds); a "
            "market holiday has no data: leave it out of the date range"
        )
    frame = reference
    if selection.tickers:
        _require_known("tickers", selection.tickers, reference["Ticker"].to_list(), day)
        frame = frame.filter(pl.col("Ticker").is_in(selection.tickers))
    if selection.listing_ids:
        _require_known("listing ids", selection.listing_ids, reference["ListingId"].to_list(), day)
        frame = frame.filter(pl.col("ListingId").is_in(selection.listing_ids))
    if selection.index:
        frame = _in_index(frame, selection.index, day)
    if selection.primary_only:
        frame = frame.filter(pl.col("IsPrimary"))
    columns = [*UNIVERSE_COLUMNS, *(c for c in frame.columns if c not in UNIVERSE_COLUMNS)]
    return frame.select(columns).unique("ListingId", keep="first", maintain_order=True).sort("ListingId")


def _in_index(frame: pl.DataFrame, index: str, day: date) -> pl.DataFrame:
    if INDEX_COLUMN not in frame.columns:
        raise UniverseError(
            f"index={index!r} needs index membership, but the reference for {day:%Y-%m-%d} has no "
            f"{INDEX_COLUMN} column; select by mic/tickers/listing_ids or give get_universe instead"
        )
    members = pl.col(INDEX_COLUMN).fill_null("").str.split(",").list.eval(pl.element().str.strip_chars())
    known = sorted({name for names in frame[INDEX_COLUMN].drop_nulls() for name in names.split(",") if name})
    _require_known("indices", [index], known, day)
    return frame.filter(members.list.contains(index))
