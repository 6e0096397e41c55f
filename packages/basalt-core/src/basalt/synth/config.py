"""What to generate: dates, instruments, venues, seed, and the model's main knobs."""

from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from basalt.synth.venues import DEFAULT_MICS, venue

EPOCH = dt.date(2000, 1, 1)
"""Earliest date the generator simulates (the daily price paths start here)."""

FIXED_HOLIDAYS: tuple[tuple[int, int], ...] = ((1, 1), (12, 25), (12, 26))
"""(month, day) holidays every European venue observes (movable feasts are not modelled)."""


class SynthConfig(BaseModel):
    """Configuration of the synthetic market generator.

    Every output is a function of these fields alone: the same configuration
    gives byte-identical files. A given (seed, day, instrument) is simulated
    the same whatever the date range or number of listings asked for.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start_date: dt.date = Field(description="First date to generate (inclusive).")
    end_date: dt.date = Field(description="Last date to generate (inclusive).")
    listings: int = Field(
        default=5, ge=1, le=9999, description="Number of instruments; each is listed on every MIC in `mics`."
    )
    mics: tuple[str, ...] = Field(
        default=DEFAULT_MICS,
        description="Venues, primary exchange first (XLON, XPAR, XAMS or XETR), then MTFs "
        "(BATE, CHIX, TRQX, AQXE) trading the same instruments.",
    )
    seed: int = Field(default=0, ge=0, description="Seed of every random draw (ids, prices, order flow).")
    session_scale: float = Field(
        default=1.0,
        gt=0.0,
        le=1.0,
        description="Factor shrinking the wall-clock length of every market phase (1 = real hours, "
        "0.01 = a 5-minute continuous session). The number of messages does not change: "
        "use `messages_per_day` for that.",
    )
    exclude_weekends: bool = Field(default=True, description="Skip Saturdays and Sundays.")
    exclude_holidays: bool = Field(default=True, description="Skip 1 January, 25 and 26 December.")
    messages_per_day: int = Field(
        default=100_000,
        ge=200,
        le=50_000_000,
        description="Mean number of order-book messages per instrument and day on the primary venue's "
        "continuous session (MTFs get a venue-specific fraction; the auctions add about 6%).",
    )
    daily_volatility: float = Field(
        default=0.012, gt=0.0, le=0.2, description="Mean daily volatility of the efficient price (log)."
    )
    halt_probability: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Probability that an instrument has a price jump and an unscheduled volatility "
        "auction on its primary venue on a given day.",
    )
    off_book_share: float = Field(
        default=0.08,
        ge=0.0,
        le=1.0,
        description="Off-book prints (OFF_BOOK_ON_EXCHANGE and SI) per lit continuous trade on the primary.",
    )
    iceberg_rate: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Probability that a passive continuous-session limit order is an iceberg: it shows its "
        "size and refills it from a hidden reserve of 2-10 more peaks each time the displayed peak is "
        "executed in full (basalt.synth.icebergs). The planted icebergs are written to "
        "`_truth/icebergs.parquet` under the lake root. 0 (the default) plants none and changes nothing.",
    )

    @field_validator("mics", mode="before")
    @classmethod
    def _split_mics(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().upper() for part in value.split(",") if part.strip())
        return value

    @field_validator("mics")
    @classmethod
    def _check_mics(cls, mics: tuple[str, ...]) -> tuple[str, ...]:
        if not mics:
            raise ValueError("at least one MIC is needed")
        if len(set(mics)) != len(mics):
            raise ValueError(f"MICs repeat: {', '.join(mics)}")
        venues = [venue(mic) for mic in mics]
        if venues[0].kind != "exchange":
            raise ValueError(f"the first MIC must be a primary exchange, not the MTF {mics[0]}")
        extra = [v.mic for v in venues[1:] if v.kind != "mtf"]
        if extra:
            raise ValueError(f"only MTFs can follow the primary exchange; got {', '.join(extra)}")
        return mics

    @model_validator(mode="after")
    def _check_dates(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        if self.start_date < EPOCH:
            raise ValueError(f"dates before {EPOCH} are not simulated")
        return self

    @property
    def primary_mic(self) -> str:
        """The instruments' primary exchange (the first MIC)."""
        return self.mics[0]

    def is_trading_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a trading day under this configuration."""
        if self.exclude_weekends and day.weekday() >= 5:
            return False
        return not (self.exclude_holidays and (day.month, day.day) in FIXED_HOLIDAYS)

    def trading_days(self) -> list[dt.date]:
        """Every trading day from ``start_date`` to ``end_date``."""
        count = (self.end_date - self.start_date).days + 1
        days = (self.start_date + dt.timedelta(days=k) for k in range(count))
        return [day for day in days if self.is_trading_day(day)]
