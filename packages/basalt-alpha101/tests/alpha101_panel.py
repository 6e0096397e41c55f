"""A generated daily panel for the alpha tests: realistic enough to exercise every branch.

30 listings x 300 calendar days, deterministic (seeded). Prices start in a narrow
band (45-55) so cross-sectional ranks of price levels move; they are continuous
(no tick grid) so that mathematically distinct values never tie by accident,
while volumes are whole multiples of 100 so that ``rank(volume)`` does see ties.

Irregularities, each on one listing so most windows stay complete:

* listing 3 is suspended on days 120-123: every value null;
* listing 5 has no rows at all on days 150-154 (windows count rows, not dates);
* listing 7 has a null volume on day 60;
* listing 11 has close = NaN on day 200 (NaN is read as null);
* listing 29 has no sub-industry label.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

N_LISTINGS = 30
N_DAYS = 300


def make_panel(n_listings: int = N_LISTINGS, n_days: int = N_DAYS, seed: int = 101) -> pl.DataFrame:
    """The panel as a long frame sorted by (ListingId, TimeBucket)."""
    rng = np.random.default_rng(seed)
    shape = (n_days, n_listings)
    sigma = rng.uniform(0.01, 0.03, n_listings)
    log_returns = rng.normal(0.0, 1.0, shape) * sigma
    close = rng.uniform(45.0, 55.0, n_listings) * np.exp(np.cumsum(log_returns, axis=0))
    previous = np.vstack([close[0] * np.exp(-log_returns[0]), close[:-1]])
    open_ = previous * np.exp(rng.normal(0.0, 0.005, shape))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.01, shape)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.01, shape)))
    vwap = low + (high - low) * rng.uniform(0.25, 0.75, shape)
    volume = np.maximum(np.round(rng.lognormal(9.0, 0.5, shape)), 1.0) * 100.0
    shares = rng.uniform(1e7, 1e9, n_listings)

    if n_listings > 11 and n_days > 200:
        for column in (open_, high, low, close, vwap, volume):
            column[120:124, 3] = np.nan
        volume[60, 7] = np.nan
        close[200, 11] = np.nan
    amount = vwap * volume
    cap = close * shares
    returns = np.vstack([np.full(n_listings, np.nan), close[1:] / close[:-1] - 1.0])

    sub = np.arange(n_listings) % 8
    subindustry = [f"U{s}" for s in sub]
    if n_listings > 29:
        subindustry[29] = None
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n_days)]

    def long(values: np.ndarray) -> np.ndarray:
        return values.T.ravel()

    frame = pl.DataFrame(
        {
            "ListingId": np.repeat(np.arange(n_listings, dtype=np.int64) + 1000, n_days),
            "TimeBucket": dates * n_listings,
            "open": long(open_),
            "high": long(high),
            "low": long(low),
            "close": long(close),
            "volume": long(volume),
            "vwap": long(vwap),
            "returns": long(returns),
            "amount": long(amount),
            "cap": long(cap),
            "sector": np.repeat([f"S{s // 4}" for s in sub], n_days),
            "industry": np.repeat([f"I{s // 2}" for s in sub], n_days),
            "subindustry": np.repeat(np.array(subindustry, dtype=object), n_days),
        },
        strict=False,
    )
    numeric = ["open", "high", "low", "close", "volume", "vwap", "returns", "amount", "cap"]
    # Keep close's NaN as NaN (compute must read it as null); the rest become nulls.
    frame = frame.with_columns(pl.col(c).fill_nan(None) for c in numeric if c != "close")
    if n_listings > 5 and n_days > 155:
        gap = (pl.col("ListingId") == 1005) & pl.col("TimeBucket").is_between(dates[150], dates[154])
        frame = frame.filter(~gap)
    return frame
