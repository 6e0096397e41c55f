"""Instrument identities (ids, tickers, ISIN, FIGI, names) and the reference table.

Everything here is a deterministic function of (seed, instrument index): the
same instrument keeps its identity whatever the number of listings asked for.
ISINs carry a valid ISO 6166 check digit (UK ones embed a SEDOL with its own
check digit, as real ``GB00…`` ISINs do) and FIGIs a valid OpenFIGI check digit,
so identifier validators accept them; they are random, not real securities.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import polars as pl

from basalt.synth.config import SynthConfig
from basalt.synth.frames import conform
from basalt.synth.venues import Venue, venue
from basalt.tables.bmll import Reference

_WORDS_A = (
    "Granite", "Harbour", "Northern", "Meridian", "Atlas", "Crown", "Vale", "Summit", "Orchid", "Falcon",
    "Beacon", "Cobalt", "Linden", "Sterling", "Aurora", "Pioneer", "Quarry", "Riverside", "Sentinel",
    "Tidewater",
)  # fmt: skip
_WORDS_B = (
    "Holdings", "Resources", "Energy", "Telecom", "Pharma", "Logistics", "Foods", "Mining", "Retail",
    "Insurance", "Capital", "Systems", "Industries", "Media", "Utilities", "Bank", "Motors", "Chemicals",
    "Property", "Airways",
)  # fmt: skip
_LEGAL_FORM = {"GB": "PLC", "FR": "SA", "NL": "NV", "DE": "AG"}
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NO_VOWELS = "0123456789BCDFGHJKLMNPQRSTVWXYZ"
"""Characters of SEDOLs and FIGIs (no vowels, so no words are spelled by accident)."""


def _char_value(char: str) -> int:
    return int(char, 36)


def isin_check_digit(body: str) -> str:
    """ISO 6166 check digit of an 11-character ISIN body (letters → 10…35, then Luhn)."""
    digits = "".join(str(_char_value(c)) for c in body)
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def sedol_check_digit(body: str) -> str:
    """Check digit of a 6-character SEDOL body (weights 1, 3, 1, 7, 3, 9)."""
    total = sum(_char_value(c) * w for c, w in zip(body, (1, 3, 1, 7, 3, 9), strict=True))
    return str((10 - total % 10) % 10)


def figi_check_digit(body: str) -> str:
    """OpenFIGI check digit of an 11-character FIGI body (modified Luhn, every second value doubled)."""
    total = 0
    for position, char in enumerate(body):
        value = _char_value(char) * (2 if position % 2 == 1 else 1)
        total += sum(int(d) for d in str(value))
    return str((10 - total % 10) % 10)


def _random_chars(rng: np.random.Generator, alphabet: str, count: int) -> str:
    return "".join(alphabet[k] for k in rng.integers(0, len(alphabet), count))


def _isin(rng: np.random.Generator, country: str) -> str:
    if country == "GB":
        sedol = _random_chars(rng, _NO_VOWELS[10:], 1) + _random_chars(rng, _NO_VOWELS, 5)
        body = f"GB00{sedol}{sedol_check_digit(sedol)}"
    else:
        body = country + _random_chars(rng, "0123456789", 9)
    return body + isin_check_digit(body)


def _figi(rng: np.random.Generator) -> str:
    body = "BBG00" + _random_chars(rng, _NO_VOWELS, 6)
    return body + figi_check_digit(body)


@dataclass(frozen=True)
class Instrument:
    """One synthetic instrument (listed on every configured venue)."""

    index: int
    instrument_id: int
    ticker: str
    name: str
    isin: str
    figi_composite: str
    figi_share_class: str
    base_price: float
    """Long-run price level in the primary's quote currency (daily prices revert to it slowly)."""
    reuters_ids: tuple[str, str, str]


@dataclass(frozen=True)
class Listing:
    """An instrument on one venue."""

    instrument: Instrument
    venue: Venue
    listing_id: int
    ticker: str
    figi: str
    is_primary: bool
    currency: str


def _rng(seed: int, index: int, purpose: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index, purpose])))


@functools.lru_cache(maxsize=64)
def instruments(seed: int, count: int, primary_mic: str) -> tuple[Instrument, ...]:
    """The first ``count`` instruments of a seed (instrument ``i`` never depends on ``count``)."""
    primary = venue(primary_mic)
    out: list[Instrument] = []
    tickers: set[str] = set()
    for index in range(count):
        rng = _rng(seed, index, 1)
        ticker = _random_chars(rng, _UPPER, int(rng.integers(3, 5)))
        while ticker in tickers:  # later instruments yield, so earlier ones never change
            ticker = _random_chars(rng, _UPPER, 4)
        tickers.add(ticker)
        name = f"{_WORDS_A[rng.integers(20)]} {_WORDS_B[rng.integers(20)]} {_LEGAL_FORM[primary.country]}"
        # Pence-quoted UK shares trade at 80–3000p; euro shares at 8–300 EUR.
        scale = 1.0 if primary.currency == "GBp" else 0.1
        base_price = float(np.exp(rng.uniform(np.log(80.0), np.log(3000.0)))) * scale
        reuters = tuple(str(int(x)) for x in rng.integers(10_000, 9_999_999, 3))
        out.append(
            Instrument(
                index=index,
                instrument_id=1_000_000 + 10 * (index * 100 + int(rng.integers(100))),
                ticker=ticker,
                name=name.upper(),
                isin=_isin(rng, primary.country),
                figi_composite=_figi(rng),
                figi_share_class=_figi(rng),
                base_price=base_price,
                reuters_ids=(reuters[0], reuters[1], reuters[2]),
            )
        )
    return tuple(out)


def listings_of(config: SynthConfig, instrument: Instrument) -> list[Listing]:
    """The instrument's listings, one per configured MIC (primary first)."""
    primary = venue(config.primary_mic)
    out = []
    for position, mic in enumerate(config.mics):
        v = venue(mic)
        rng = _rng(config.seed, instrument.index, 100 + v.code)
        out.append(
            Listing(
                instrument=instrument,
                venue=v,
                listing_id=instrument.instrument_id + v.code,
                ticker=instrument.ticker if position == 0 else instrument.ticker + primary.ticker_suffix,
                figi=_figi(rng),
                is_primary=position == 0,
                currency=primary.currency,
            )
        )
    return out


def all_listings(config: SynthConfig) -> list[list[Listing]]:
    """Listings of every configured instrument, grouped by instrument."""
    return [listings_of(config, ins) for ins in instruments(config.seed, config.listings, config.primary_mic)]


def reference_frame(config: SynthConfig, day: dt.date) -> pl.DataFrame:
    """The reference table of one day: one row per listing, every MIC (sorted by ListingId)."""
    rows = [listing for group in all_listings(config) for listing in group]
    if not rows:
        return Reference.empty()
    frame = pl.DataFrame(
        {
            "ListingId": [r.listing_id for r in rows],
            "InstrumentId": [r.instrument.instrument_id for r in rows],
            "CurrencyCode": [r.currency for r in rows],
            "Description": [r.instrument.name for r in rows],
            "DisplayName": [r.instrument.name for r in rows],
            "FIGI": [r.figi for r in rows],
            "FIGIComposite": [r.instrument.figi_composite for r in rows],
            "FIGIShareClass": [r.instrument.figi_share_class for r in rows],
            "ISIN": [r.instrument.isin for r in rows],
            "InstrumentType": "Equity",
            "IsAlive": True,
            "IsPrimary": [r.is_primary for r in rows],
            "MIC": [r.venue.mic for r in rows],
            "MarketDataLevel": "L3",
            "OPOL": config.primary_mic,
            "OperatingMic": "",
            "ReutersInstrumentId": [r.instrument.reuters_ids[0] for r in rows],
            "ReutersOrganizationId": [r.instrument.reuters_ids[1] for r in rows],
            "ReutersQuoteId": [str(int(r.instrument.reuters_ids[2]) + r.venue.code) for r in rows],
            "SegmentCode": [r.venue.segment for r in rows],
            "Ticker": [r.ticker for r in rows],
            "Date": dt.datetime(day.year, day.month, day.day),
        },
        schema_overrides={"Date": pl.Datetime("ms")},
    )
    return conform(frame, Reference).sort("ListingId")
