"""The trading venues the generator knows: hours, time zone, currency, identity.

Primary exchanges run auctions (opening, closing, unscheduled volatility
auctions); multilateral trading facilities (MTFs: Cboe's BATE/CHIX, Turquoise,
Aquis) trade the same instruments continuously during the primary market's
continuous session, as they do in Europe.

Hours are each venue's published local schedule (LSE: opening auction 07:50,
continuous 08:00–16:30, closing auction 16:30–16:35; Euronext: pre-open from
07:15, continuous 09:00–17:30, close 17:30–17:35; Xetra: 08:50/09:00–17:30/17:35),
simplified. Uncrossing times get a random delay of up to 30 s, as the LSE's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VenueKind = Literal["exchange", "mtf"]


@dataclass(frozen=True)
class Venue:
    """One venue's static description."""

    mic: str
    kind: VenueKind
    code: int
    """Small number (1–9) added to an instrument's id to form the listing id on this venue."""
    zone: Literal["london", "cet"]
    """Time zone family: UK (UTC+0/+1) or Central European (UTC+1/+2), both with EU DST dates."""
    country: str
    currency: str
    """Quote currency of instruments whose primary market this is (``GBp`` = pence)."""
    segment: str
    jurisdiction: str
    ticker_suffix: str
    """Cboe-style suffix MTFs append to tickers of instruments with this primary (``VODl``)."""
    activity: float
    """Order-book messages relative to the primary venue (primary = 1)."""
    open_auction: str | None = None
    """Local ``HH:MM`` the opening auction (call phase) starts; None for MTFs."""
    continuous: str = "08:00"
    """Local ``HH:MM`` continuous trading starts (the opening uncross time)."""
    close_auction: str = "16:30"
    """Local ``HH:MM`` continuous trading ends (closing auction start for exchanges)."""
    close_uncross: str = "16:35"
    """Local ``HH:MM`` the closing auction uncrosses."""
    post_trade_end: str = "16:40"
    """Local ``HH:MM`` the post-trade phase ends (market closed)."""
    start_of_day: str = "07:15"
    """Local ``HH:MM`` of the first (CLOSED) market-state message of the day."""


VENUES: dict[str, Venue] = {
    v.mic: v
    for v in (
        Venue("XLON", "exchange", 1, "london", "GB", "GBp", "SET1", "UK", "l", 1.0, open_auction="07:50"),
        Venue(
            "XPAR", "exchange", 2, "cet", "FR", "EUR", "OEPA", "EU", "p", 1.0,
            open_auction="07:15", continuous="09:00", close_auction="17:30",
            close_uncross="17:35", post_trade_end="17:40", start_of_day="07:00",
        ),
        Venue(
            "XAMS", "exchange", 3, "cet", "NL", "EUR", "XAMS", "EU", "a", 1.0,
            open_auction="07:15", continuous="09:00", close_auction="17:30",
            close_uncross="17:35", post_trade_end="17:40", start_of_day="07:00",
        ),
        Venue(
            "XETR", "exchange", 4, "cet", "DE", "EUR", "XETR", "EU", "d", 1.0,
            open_auction="08:50", continuous="09:00", close_auction="17:30",
            close_uncross="17:35", post_trade_end="17:45", start_of_day="08:00",
        ),
        Venue("BATE", "mtf", 5, "london", "GB", "", "BXE", "UK", "", 0.2),
        Venue("CHIX", "mtf", 6, "london", "GB", "", "CXE", "UK", "", 0.35),
        Venue("TRQX", "mtf", 7, "london", "GB", "", "TQEX", "UK", "", 0.15),
        Venue("AQXE", "mtf", 8, "london", "GB", "", "AQXE", "UK", "", 0.15),
    )
}  # fmt: skip
"""Every venue the generator can simulate, by MIC."""

DEFAULT_MICS: tuple[str, ...] = ("XLON", "BATE", "CHIX")

EUR_PER_UNIT: dict[str, float] = {"GBP": 1.17, "EUR": 1.0, "USD": 0.92, "CHF": 1.05}
"""Fixed FX used for ``TradeNotionalEUR`` (one unit of the major currency in EUR)."""

USD_PER_UNIT: dict[str, float] = {"GBP": 1.27, "EUR": 1.087, "USD": 1.0, "CHF": 1.14}
"""Fixed FX used for ``TradeNotionalUSD`` (one unit of the major currency in USD)."""

MINOR_CURRENCIES: dict[str, tuple[str, float]] = {"GBp": ("GBP", 0.01)}
"""Minor currency → (major currency, minor-to-major factor)."""


def major_currency(currency: str) -> tuple[str, float]:
    """The major currency of a quote currency and the factor to convert into it."""
    return MINOR_CURRENCIES.get(currency, (currency, 1.0))


def venue(mic: str) -> Venue:
    """The venue of a MIC.

    Raises:
        ValueError: The MIC is not one the generator simulates.
    """
    try:
        return VENUES[mic]
    except KeyError:
        known = ", ".join(VENUES)
        raise ValueError(f"unknown MIC {mic!r}: the generator simulates {known}") from None
