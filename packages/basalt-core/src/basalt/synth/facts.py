"""Stylized facts of a (synthetic) lake, each with the band a real liquid European stock falls in.

The statistics a market-microstructure reader checks first (Cont 2001,
"Empirical properties of asset returns: stylized facts and statistical
issues", *Quantitative Finance* 1; Bouchaud, Farmer & Lillo 2009, "How
markets slowly digest changes in supply and demand"):

* bid–ask spread in ticks (time-weighted, continuous trading, every venue);
* kurtosis of one-minute mid returns (heavy tails) and the autocorrelation
  of their absolute values (volatility clustering), on primary venues;
* the intraday U-shape of activity (L3 events in the first and last 30
  minutes against midday);
* the tail index of order sizes (Hill estimator on the largest 2.5 %);
* the ratio of cancellations to trades; consolidated-book consistency (locked or
  crossed: share of rows, share of time, longest episode).

Time intervals are in *session time*: a "minute" is 1/510 of the listing's
continuous session (a real minute on a full LSE day), so scaled-down days
(``session_scale``) are measured on the same footing. Values are medians
over listing-days where a statistic is per listing-day.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from basalt.sources.layout import table_dir
from basalt.synth.day import TABLES

SESSION_MINUTES = 510
"""Minutes of the LSE's continuous session (08:00–16:30): the unit of session time."""
ACF_LAGS = (1, 5, 10, 30)
HILL_SHARE = 0.025
CONTINUOUS = "CONTINUOUS_TRADING"


@dataclass(frozen=True)
class Stat:
    """One statistic, its plausible band and whether the value lies in it."""

    name: str
    value: float
    low: float
    high: float
    note: str

    @property
    def ok(self) -> bool:
        """Whether the value is a number inside [low, high]."""
        return not math.isnan(self.value) and self.low <= self.value <= self.high


@dataclass(frozen=True)
class SynthReport:
    """The stylized-facts statistics of a lake."""

    stats: tuple[Stat, ...]
    listing_days: int

    @property
    def ok(self) -> bool:
        """Whether every statistic is inside its band."""
        return all(stat.ok for stat in self.stats)

    def __getitem__(self, name: str) -> Stat:
        for stat in self.stats:
            if stat.name == name:
                return stat
        raise KeyError(name)

    def to_frame(self) -> pl.DataFrame:
        """One row per statistic: name, value, low, high, ok, note."""
        return pl.DataFrame(
            [
                {"name": s.name, "value": s.value, "low": s.low, "high": s.high, "ok": s.ok, "note": s.note}
                for s in self.stats
            ]
        )


def _read_lake(root: Path, names: tuple[str, ...]) -> dict[str, pl.DataFrame]:
    """Every file of the given tables under a lake root, in either layout."""
    frames = {}
    for name in names:
        table = TABLES[name]
        for layout in ("bmll", "hive"):
            files = sorted((root / table_dir(table, layout)).rglob("*.parquet"))  # type: ignore[arg-type]
            if files:
                frames[name] = pl.read_parquet(files)
                break
        else:
            frames[name] = table.empty()
    return frames


def _tick_sizes(l2: pl.DataFrame) -> pl.DataFrame:
    """Tick size per listing and day, inferred as the smallest price step seen in the book."""
    steps = [
        pl.col("AskPrice1") - pl.col("BidPrice1"),
        pl.col("BidPrice1") - pl.col("BidPrice2"),
        pl.col("AskPrice2") - pl.col("AskPrice1"),
    ]
    return l2.group_by("ListingId", "TradeDate").agg(
        pl.min_horizontal([pl.when(s > 1e-9).then(s) for s in steps]).min().round(9).alias("Tick")
    )


def _spreads(l2: pl.DataFrame) -> pl.DataFrame:
    """Time-weighted spread in ticks over continuous trading, one row per L2 interval."""
    book = l2.join(_tick_sizes(l2), on=["ListingId", "TradeDate"]).sort("ListingId", "TimestampNanoseconds")
    return (
        book.with_columns(
            duration=pl.col("TimestampNanoseconds").diff().shift(-1).over("ListingId").dt.total_nanoseconds(),
            ticks=((pl.col("AskPrice1") - pl.col("BidPrice1")) / pl.col("Tick")).round(0),
        )
        .filter(
            (pl.col("MarketState") == CONTINUOUS)
            & pl.col("ticks").is_not_null()
            & pl.col("duration").is_not_null()
        )
        .select("ticks", pl.col("duration").cast(pl.Float64))
    )


def _sessions(marketstate: pl.DataFrame, primaries: pl.Series) -> pl.DataFrame:
    """Continuous session (first continuous start, last continuous end) per primary listing-day."""
    ms = marketstate.filter(pl.col("ListingId").is_in(primaries.implode())).sort(
        "ListingId", "TimestampNanoseconds"
    )
    ms = ms.with_columns(
        day=pl.col("TimestampNanoseconds").dt.date(),
        end=pl.col("TimestampNanoseconds")
        .shift(-1)
        .over("ListingId", pl.col("TimestampNanoseconds").dt.date()),
    )
    cont = ms.filter(pl.col("MarketState") == CONTINUOUS)
    return cont.group_by("ListingId", "day").agg(
        pl.col("TimestampNanoseconds").min().alias("start"), pl.col("end").max().alias("stop")
    )


def _crosses(cbbo: pl.DataFrame, sessions: pl.DataFrame) -> tuple[float, float]:
    """Locked or crossed consolidated book: (time share, longest episode in session seconds).

    Over the CBBO rows quoting both sides, each row in force until the next of its
    instrument-day; an episode is a run of consecutive rows with bid ≥ ask. Session
    seconds: the episode's share of the primary's continuous session × 510 minutes.
    """
    if cbbo.height == 0:
        return math.nan, math.nan
    day = pl.col("TimestampNanoseconds").dt.date()
    rows = (
        cbbo.sort("ListingId", "TimestampNanoseconds", "L2EventNo")
        .with_columns(
            day.alias("day"),
            (pl.col("TimestampNanoseconds").shift(-1).over("ListingId", day) - pl.col("TimestampNanoseconds"))
            .dt.total_nanoseconds()
            .alias("duration"),
        )
        .filter(
            pl.col("BidPrice1").is_not_null()
            & pl.col("AskPrice1").is_not_null()
            & pl.col("duration").is_not_null()
        )
        .with_columns((pl.col("BidPrice1") >= pl.col("AskPrice1")).alias("crossed"))
    )
    total = float(rows["duration"].sum())
    if total == 0:
        return math.nan, math.nan
    episode = (
        (pl.col("crossed") != pl.col("crossed").shift(1)).fill_null(True).cum_sum().over("ListingId", "day")
    )
    episodes = (
        rows.with_columns(episode.alias("episode"))
        .filter("crossed")
        .group_by("ListingId", "day", "episode")
        .agg(pl.col("duration").sum())
        .join(sessions, on=["ListingId", "day"], how="left")
        .with_columns(
            (
                pl.col("duration")
                / (pl.col("stop") - pl.col("start")).dt.total_nanoseconds()
                * SESSION_MINUTES
                * 60
            ).alias("session_seconds")
        )
    )
    longest = episodes["session_seconds"].max() if episodes.height else 0.0
    return float(rows.filter("crossed")["duration"].sum()) / total, float(longest or 0.0)


def _minute_returns(l2: pl.DataFrame, sessions: pl.DataFrame) -> list[np.ndarray]:
    """One-(session-)minute log mid returns per primary listing-day (only across continuous trading)."""
    out = []
    mids = l2.select(
        "ListingId",
        pl.col("TimestampNanoseconds").dt.date().alias("day"),
        pl.col("TimestampNanoseconds").cast(pl.Int64).alias("t"),
        ((pl.col("BidPrice1") + pl.col("AskPrice1")) / 2).alias("mid"),
        (pl.col("MarketState") == CONTINUOUS).alias("live"),
    )
    for (listing, day), group in mids.partition_by(["ListingId", "day"], as_dict=True).items():
        session = sessions.filter((pl.col("ListingId") == listing) & (pl.col("day") == day))
        if session.height == 0:
            continue
        start, stop = (session[c].cast(pl.Int64).item() for c in ("start", "stop"))
        grid = start + (stop - start) * np.arange(1, SESSION_MINUTES + 1) / SESSION_MINUTES
        t = group["t"].to_numpy()
        i = np.searchsorted(t, grid, side="right") - 1
        ok = i >= 0
        mid = np.where(ok, group["mid"].to_numpy()[np.maximum(i, 0)], np.nan)
        live = ok & group["live"].to_numpy()[np.maximum(i, 0)]
        r = np.diff(np.log(mid))
        r = r[live[1:] & live[:-1] & np.isfinite(r)]
        if r.shape[0] > 50:
            out.append(r)
    return out


def _kurtosis(r: np.ndarray) -> float:
    d = r - r.mean()
    var = float(np.mean(d**2))
    return float(np.mean(d**4) / var**2) if var > 0 else math.nan


def _acf(x: np.ndarray, lag: int) -> float:
    d = x - x.mean()
    den = float(np.sum(d * d))
    return float(np.sum(d[lag:] * d[:-lag]) / den) if den > 0 and x.shape[0] > lag else math.nan


def _u_shape(l3: pl.DataFrame, sessions: pl.DataFrame, instrument_of: pl.DataFrame) -> float:
    """Median over listing-days of (events in first + last 30 min) / (2 × events in a midday 30 min)."""
    events = l3.join(instrument_of, on="ListingId").select(
        "InstrumentId",
        pl.col("TimestampNanoseconds").dt.date().alias("day"),
        pl.col("TimestampNanoseconds").alias("t"),
    )
    s = sessions.join(instrument_of, on="ListingId").drop("ListingId")
    frac = (pl.col("t") - pl.col("start")).dt.total_nanoseconds() / (
        pl.col("stop") - pl.col("start")
    ).dt.total_nanoseconds()
    edge = 30 / SESSION_MINUTES
    counts = (
        events.join(s, on=["InstrumentId", "day"])
        .with_columns(frac=frac)
        .group_by("InstrumentId", "day")
        .agg(
            first=(pl.col("frac").is_between(0, edge, closed="left")).sum(),
            last=(pl.col("frac").is_between(1 - edge, 1, closed="left")).sum(),
            midday=(pl.col("frac").is_between(0.35, 0.65, closed="left")).sum() * edge / 0.3,
        )
    )
    ratio = counts.select((pl.col("first") + pl.col("last")) / (2 * pl.col("midday"))).to_series()
    return float(ratio.median()) if ratio.len() else math.nan


def _hill(sizes: np.ndarray) -> float:
    """Hill estimator of the tail index from the largest ``HILL_SHARE`` of the sample."""
    x = np.sort(sizes[sizes > 0].astype(np.float64))[::-1]
    k = int(x.shape[0] * HILL_SHARE)
    if k < 20:
        return math.nan
    return float(1.0 / np.mean(np.log(x[:k] / x[k])))


def _median(values: list[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.median(finite)) if finite else math.nan


def report(source: Mapping[str, pl.DataFrame] | str | Path) -> SynthReport:
    """Stylized-facts statistics of a lake: a folder (either layout) or frames by table name.

    Frames are ``generate_day`` outputs (possibly concatenated over days).
    """
    names = ("l2", "l3", "trades", "marketstate", "reference", "cbbo")
    frames = dict(source) if isinstance(source, Mapping) else _read_lake(Path(source), names)
    l2, l3, trades, ms, ref = (frames[n] for n in ("l2", "l3", "trades", "marketstate", "reference"))
    ref = ref.unique("ListingId")
    primaries = ref.filter("IsPrimary")["ListingId"]
    sessions = _sessions(ms, primaries)
    spreads = _spreads(l2)
    total = float(spreads["duration"].sum()) or math.nan

    def share(expr: pl.Expr) -> float:
        return float(spreads.filter(expr)["duration"].sum()) / total

    returns = _minute_returns(l2.filter(pl.col("ListingId").is_in(primaries.implode())), sessions)
    lit = trades.filter(pl.col("Classification") == "LIT_CONTINUOUS")
    cancels = l3.filter((pl.col("LobAction") == 3) & ~pl.col("OrderExecuted")).height
    inserts = l3.filter(pl.col("LobAction") == 2)["Size"].to_numpy()
    cbbo = frames.get("cbbo", TABLES["cbbo"].empty())
    both = cbbo.filter(pl.col("BidPrice1").is_not_null() & pl.col("AskPrice1").is_not_null())
    mean_ticks = float((spreads["ticks"] * spreads["duration"]).sum()) / total
    cross_time, longest_cross = _crosses(cbbo, sessions)
    stats = [
        Stat("spread_1_tick_share", share(pl.col("ticks") == 1), 0.4, 0.97, "time share of 1-tick spreads"),
        Stat("spread_2_tick_share", share(pl.col("ticks") == 2), 0.02, 0.5, "time share of 2-tick spreads"),
        Stat("spread_3_tick_share", share(pl.col("ticks") == 3), 0.0, 0.2, "time share of 3-tick spreads"),
        Stat(
            "spread_1_3_tick_share",
            share(pl.col("ticks").is_between(1, 3)),
            0.9,
            1.0,
            "spread within 1–3 ticks",
        ),
        Stat("mean_spread_ticks", mean_ticks, 1.0, 2.5, "time-weighted mean spread"),
        Stat(
            "return_kurtosis_1min",
            _median([_kurtosis(r) for r in returns]),
            4.0,
            100.0,
            "Pearson; normal = 3",
        ),
    ]
    for lag in ACF_LAGS:
        acf = _median([_acf(np.abs(r), lag) for r in returns])
        stats.append(
            Stat(
                f"abs_return_acf_lag{lag}",
                acf,
                0.02 if lag < 30 else -0.05,
                0.6,
                f"|1-min return|, lag {lag}",
            )
        )
    instrument_of = ref.select("ListingId", "InstrumentId")
    stats += [
        Stat("u_shape_ratio", _u_shape(l3, sessions, instrument_of), 1.3, 5.0, "first/last 30 min vs midday"),
        Stat("order_size_tail_index", _hill(inserts), 1.0, 2.5, "Hill, largest 2.5% of inserts"),
        Stat(
            "cancel_trade_ratio",
            cancels / lit.height if lit.height else math.nan,
            3.0,
            60.0,
            "L3 cancels per trade",
        ),
        Stat(
            "cbbo_locked_or_crossed_share",
            both.filter(pl.col("BidPrice1") >= pl.col("AskPrice1")).height / both.height
            if both.height
            else math.nan,
            0.0,
            0.02,
            "CBBO rows with bid ≥ ask",
        ),
        Stat("cbbo_locked_or_crossed_time_share", cross_time, 0.0, 0.001, "time with consolidated bid ≥ ask"),
        Stat(
            "cbbo_longest_cross_seconds",
            longest_cross,
            0.0,
            10.0,
            "longest bid ≥ ask episode, session s",
        ),
    ]
    listing_days = l2.select("ListingId", pl.col("TimestampNanoseconds").dt.date()).unique().height
    return SynthReport(stats=tuple(stats), listing_days=listing_days)
