"""A slow, plain-Python reference of ``indicators`` (loops over each series, ``math.fsum``, ``statistics``).

Independent of ``basalt.analytics.indicators``. Each function takes the list of
observations of one series (non-null inputs, in time order) and returns one
value per observation (None during the warm-up).
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from datetime import date, datetime, timedelta

import polars as pl


def sma(xs: list[float], n: int) -> list[float | None]:
    return [math.fsum(xs[t - n + 1 : t + 1]) / n if t >= n - 1 else None for t in range(len(xs))]


def ema(xs: list[float | None], n: int, alpha: float | None = None) -> list[float | None]:
    """SMA-seeded EMA over the non-None values of ``xs`` (None positions stay None and are skipped)."""
    alpha = 2 / (n + 1) if alpha is None else alpha
    out: list[float | None] = []
    seen: list[float] = []
    value = None
    for x in xs:
        if x is None:
            out.append(None)
            continue
        seen.append(x)
        if len(seen) == n:
            value = math.fsum(seen) / n
        elif len(seen) > n:
            value = alpha * x + (1 - alpha) * value
        out.append(value)
    return out


def wma(xs: list[float], n: int) -> list[float | None]:
    out = []
    for t in range(len(xs)):
        if t < n - 1:
            out.append(None)
            continue
        window = xs[t - n + 1 : t + 1]
        out.append(math.fsum((i + 1) * x for i, x in enumerate(window)) / (n * (n + 1) / 2))
    return out


def rsi(xs: list[float], n: int) -> list[float | None]:
    gains: list[float | None] = [None]
    losses: list[float | None] = [None]
    for previous, current in itertools.pairwise(xs):
        change = current - previous
        gains.append(max(change, 0.0))
        losses.append(max(-change, 0.0))
    average_gain, average_loss = ema(gains, n, 1 / n), ema(losses, n, 1 / n)
    out = []
    for g, loss in zip(average_gain, average_loss, strict=True):
        if g is None:
            out.append(None)
        elif g + loss == 0:
            out.append(50.0)
        else:
            out.append(100 * g / (g + loss))
    return out


def macd(xs: list[float], fast: int, slow: int, signal: int) -> tuple[list, list, list]:
    fast_ema, slow_ema = ema(xs, fast), ema(xs, slow)
    line = [f - s if s is not None else None for f, s in zip(fast_ema, slow_ema, strict=True)]
    sig = ema(line, signal)
    hist = [m - s if s is not None else None for m, s in zip(line, sig, strict=True)]
    return line, sig, hist


def std(xs: list[float], n: int, ddof: int) -> list[float | None]:
    out = []
    for t in range(len(xs)):
        if t < n - 1:
            out.append(None)
            continue
        window = xs[t - n + 1 : t + 1]
        # statistics' variances are computed with exact fractions: 0 for a constant window.
        out.append(statistics.pstdev(window) if ddof == 0 else statistics.stdev(window))
    return out


def bollinger(xs: list[float], n: int, k: float, ddof: int) -> tuple[list, list, list]:
    mid, sd = sma(xs, n), std(xs, n, ddof)
    upper = [m + k * s if m is not None else None for m, s in zip(mid, sd, strict=True)]
    lower = [m - k * s if m is not None else None for m, s in zip(mid, sd, strict=True)]
    return mid, upper, lower


def atr(highs: list[float], lows: list[float], closes: list[float], n: int) -> list[float | None]:
    ranges = []
    for t, (high, low) in enumerate(zip(highs, lows, strict=True)):
        if t == 0:
            ranges.append(high - low)
        else:
            ranges.append(max(high, closes[t - 1]) - min(low, closes[t - 1]))
    return ema(ranges, n, 1 / n)


def zscore(xs: list[float], n: int, ddof: int) -> list[float | None]:
    mean, sd = sma(xs, n), std(xs, n, ddof)
    return [(x - m) / s if m is not None and s > 0 else None for x, m, s in zip(xs, mean, sd, strict=True)]


def reference_indicators(
    rows: list[dict], specs: list[dict], *, group_by: str = "ListingId", reset_daily: bool = False
) -> dict[tuple, dict]:
    """``{(group, TimeBucket ns): {output: value}}`` for every source row."""
    result: dict[tuple, dict] = {(r[group_by], r["TimeBucket"]): {} for r in rows}
    series: dict[tuple, list[dict]] = {}
    for row in rows:
        series.setdefault((row[group_by], row["Date"]) if reset_daily else (row[group_by],), []).append(row)
    for members in series.values():
        members.sort(key=lambda r: r["TimeBucket"])
        for spec in specs:
            kind, column = spec["kind"], spec["column"]
            needs = [spec["high"], spec["low"], column] if kind == "atr" else [column]
            obs = [r for r in members if all(r[c] is not None for c in needs)]
            xs = [float(r[column]) for r in obs]
            n = spec.get("window")
            values: dict[str, list] = {}
            if kind == "sma":
                values[spec["name"]] = sma(xs, n)
            elif kind == "ema":
                values[spec["name"]] = ema(xs, n)
            elif kind == "wma":
                values[spec["name"]] = wma(xs, n)
            elif kind == "rsi":
                values[spec["name"]] = rsi(xs, n)
            elif kind == "macd":
                line, sig, hist = macd(xs, spec["fast"], spec["slow"], spec["signal"])
                values.update({spec["name"]: line, spec["name"] + "Signal": sig, spec["name"] + "Hist": hist})
            elif kind == "bollinger":
                mid, upper, lower = bollinger(xs, n, spec["k"], spec["ddof"])
                values.update(
                    {spec["name"] + "Mid": mid, spec["name"] + "Upper": upper, spec["name"] + "Lower": lower}
                )
            elif kind == "atr":
                highs = [float(r[spec["high"]]) for r in obs]
                lows = [float(r[spec["low"]]) for r in obs]
                values[spec["name"]] = atr(highs, lows, xs, n)
            elif kind == "zscore":
                values[spec["name"]] = zscore(xs, n, spec["ddof"])
            else:
                values[spec["name"]] = std(xs, n, spec["ddof"])
            for name, column_values in values.items():
                for row in members:
                    result[(row[group_by], row["TimeBucket"])][name] = None
                for row, value in zip(obs, column_values, strict=True):
                    result[(row[group_by], row["TimeBucket"])][name] = value
    return result


def generate_series(seed: int = 9, listings: tuple[int, ...] = (1, 2, 3, 4)) -> list[dict]:
    """Minute bars of several listings over two days: prices near 100 with small moves, some nulls,
    flat stretches (zero variance, no price change) and gaps."""
    rng = random.Random(seed)
    rows = []
    for day in (date(2024, 3, 4), date(2024, 3, 5)):
        open_ = datetime.combine(day, datetime.min.time()) + timedelta(hours=8)
        for listing in listings:
            price = 100.0 + listing
            flat = 0
            for minute in range(1, 181):
                if rng.random() < 0.1:
                    continue  # sparse timeline
                if flat == 0 and rng.random() < 0.03:
                    flat = rng.randint(3, 30)
                if flat:
                    flat -= 1
                else:
                    price = round(price * math.exp(rng.gauss(0, 0.0008)), 3)
                spread = 0.0 if flat else abs(rng.gauss(0, 0.05))
                rows.append(
                    {
                        "ListingId": listing,
                        "Date": day,
                        "TimeBucket": int(
                            (open_ + timedelta(minutes=minute) - datetime(1970, 1, 1)).total_seconds()
                        )
                        * 1_000_000_000,
                        "Close": price if rng.random() > 0.08 else None,
                        "High": price + spread,
                        "Low": price - spread if rng.random() > 0.03 else None,
                        "Volume": rng.randint(0, 1000),
                    }
                )
    return rows


def series_frame(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema={
            "ListingId": pl.Int64,
            "Date": pl.Date,
            "TimeBucket": pl.Int64,
            "Close": pl.Float64,
            "High": pl.Float64,
            "Low": pl.Float64,
            "Volume": pl.Int64,
        },
    )
    return frame.with_columns(pl.col("TimeBucket").cast(pl.Datetime("ns")))
