"""The ``indicators`` module: rolling technical indicators over an earlier pass, natively in Polars.

Each series is one ``group_by`` value (``ListingId`` by default; also per trading
day with ``reset_daily``), ordered by ``TimeBucket``. The source must hold at most
one row per (group, TimeBucket): re-aggregate first when grouping coarser than the
source's keys.

Observations
------------
Windows count *observations*, not time: an observation is a source row where the
indicator's input column(s) are non-null. Rows where an input is null get a null
indicator and are skipped (they neither break nor fill a window); on a sparse
timeline consecutive observations may be minutes apart — use a dense timeline
for windows of fixed duration. Output has one row per source row.

Definitions (``n`` = window, ``x_t`` the t-th observation, t = 1, 2, …)
-------------------------------------------------------------------------
* ``sma``: mean of the last n observations; null until t = n.
* ``ema``: α = 2/(n+1), seeded with the SMA of the first n observations at
  t = n, then ``EMA_t = α·x_t + (1-α)·EMA_{t-1}``; null before t = n (TA-Lib's
  convention).
* ``wma``: linearly weighted mean of the last n observations, weights 1..n
  (n on the latest): ``Σ i·x_{t-n+i} / (n(n+1)/2)``; null until t = n.
* ``rsi``: Wilder's RSI. Changes ``d_t = x_t - x_{t-1}`` (t ≥ 2), gains
  ``max(d, 0)``, losses ``max(-d, 0)``; average gain/loss seeded with the simple
  mean of the first n gains/losses (at t = n+1), then Wilder's smoothing
  ``A_t = (A_{t-1}·(n-1) + g_t) / n`` (an EMA with α = 1/n).
  ``RSI = 100·AG / (AG + AL)`` (= 100 - 100/(1 + AG/AL)), 50 when both are 0;
  null until t = n+1.
* ``macd``: ``MACD = EMA_fast - EMA_slow`` (each EMA as above, so non-null from
  t = slow); ``Signal`` = EMA (period ``signal``, SMA-seeded) of the MACD line,
  non-null from t = slow + signal - 1; ``Hist = MACD - Signal``.
* ``bollinger``: ``Mid`` = SMA_n, ``Upper``/``Lower`` = Mid ± k·σ_n, σ the
  rolling standard deviation with ``ddof`` 0 by default (population, as
  Bollinger defines it).
* ``atr``: true range ``TR_t = max(H_t, C_{t-1}) - min(L_t, C_{t-1})``,
  ``TR_1 = H_1 - L_1``; ATR = Wilder's smoothing of TR (α = 1/n) seeded with the
  mean of TR_1..TR_n at t = n. An observation needs high, low and close non-null.
* ``zscore``: ``(x_t - SMA_n) / σ_n``, σ with ``ddof`` 1 by default (sample);
  null when σ is 0.
* ``std``: rolling standard deviation σ_n, ``ddof`` 1 by default (sample).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import polars as pl
from pydantic import Field, model_validator

from basalt.modules.base import AnalyticModule, ModuleConfig
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

IndicatorKind = Literal["sma", "ema", "wma", "rsi", "macd", "bollinger", "atr", "zscore", "std"]

DEFAULT_WINDOWS: dict[str, int] = {
    "sma": 20,
    "ema": 20,
    "wma": 20,
    "rsi": 14,
    "bollinger": 20,
    "atr": 14,
    "zscore": 20,
    "std": 20,
}
"""Window of each kind when the spec gives none (MACD uses fast/slow/signal instead)."""

_DEFAULT_DDOF = {"bollinger": 0, "zscore": 1, "std": 1}
_PARAMS = {
    "window": {"sma", "ema", "wma", "rsi", "bollinger", "atr", "zscore", "std"},
    "fast": {"macd"},
    "slow": {"macd"},
    "signal": {"macd"},
    "k": {"bollinger"},
    "ddof": {"bollinger", "zscore", "std"},
    "high": {"atr"},
    "low": {"atr"},
}
_SUFFIX = {
    "sma": "SMA",
    "ema": "EMA",
    "wma": "WMA",
    "rsi": "RSI",
    "atr": "ATR",
    "zscore": "ZScore",
    "std": "Std",
}

_ROW = "__row"
_DAY = "__day"


class IndicatorSpec(ModuleConfig):
    """One indicator: its kind, input column, parameters and output name."""

    kind: IndicatorKind = Field(description="sma, ema, wma, rsi, macd, bollinger, atr, zscore or std.")
    column: str = Field(min_length=1, description="Input column of the source pass (the close for atr).")
    window: int | None = Field(
        None,
        ge=1,
        description="Window n in observations; default 14 for rsi and atr, 20 otherwise (not macd).",
    )
    fast: int = Field(12, ge=1, description="macd: period of the fast EMA.")
    slow: int = Field(26, ge=2, description="macd: period of the slow EMA (greater than fast).")
    signal: int = Field(9, ge=1, description="macd: period of the signal EMA of the MACD line.")
    k: float = Field(2.0, gt=0, description="bollinger: band half-width in standard deviations.")
    ddof: Literal[0, 1] | None = Field(
        None,
        description="bollinger, zscore, std: 0 population or 1 sample standard deviation "
        "(default 0 for bollinger, 1 for zscore and std).",
    )
    high: str | None = Field(None, description="atr: the high column (required for atr).")
    low: str | None = Field(None, description="atr: the low column (required for atr).")
    name: str | None = Field(
        None,
        min_length=1,
        description="Output name (prefix for macd: +'', 'Signal', 'Hist'; bollinger: +'Mid', 'Upper', "
        "'Lower'); default {Column}{Kind}{window}, e.g. MidSMA20, MidMACD12_26_9, MidBB20.",
    )

    @model_validator(mode="after")
    def _params_fit_kind(self) -> IndicatorSpec:
        misplaced = sorted(p for p in self.model_fields_set if p in _PARAMS and self.kind not in _PARAMS[p])
        if misplaced:
            raise ValueError(f"{self.kind} takes no {', '.join(misplaced)}")
        if self.kind == "macd" and self.fast >= self.slow:
            raise ValueError(f"macd needs fast < slow (got {self.fast} and {self.slow})")
        if self.kind == "atr" and (self.high is None or self.low is None):
            raise ValueError("atr needs its high and low columns (column is the close)")
        if self.kind in _DEFAULT_DDOF and self.n < 2:
            raise ValueError(f"{self.kind} needs a window of at least 2")
        return self

    @property
    def n(self) -> int:
        """The window (the kind's default when none is given)."""
        return self.window or DEFAULT_WINDOWS.get(self.kind, 0)

    @property
    def std_ddof(self) -> int:
        """Degrees of freedom of the standard deviation (bollinger, zscore, std)."""
        return _DEFAULT_DDOF.get(self.kind, 1) if self.ddof is None else self.ddof

    def base_name(self) -> str:
        """The output name, or the prefix of the output names for macd and bollinger."""
        if self.name:
            return self.name
        if self.kind == "macd":
            return f"{self.column}MACD{self.fast}_{self.slow}_{self.signal}"
        if self.kind == "bollinger":
            return f"{self.column}BB{self.n}"
        return f"{self.column}{_SUFFIX[self.kind]}{self.n}"

    def output_names(self) -> list[str]:
        """Every column this indicator emits."""
        base = self.base_name()
        if self.kind == "macd":
            return [base, f"{base}Signal", f"{base}Hist"]
        if self.kind == "bollinger":
            return [f"{base}Mid", f"{base}Upper", f"{base}Lower"]
        return [base]

    def inputs(self) -> tuple[str, ...]:
        """Source columns an observation needs non-null."""
        if self.kind == "atr":
            assert self.high is not None
            assert self.low is not None
            return (self.high, self.low, self.column)
        return (self.column,)


class IndicatorsConfig(ModuleConfig):
    """Configuration of ``indicators``."""

    source_pass: str = Field(
        "source",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the input holding the pass to read; map it to 'pass:NAME' in module_inputs.",
    )
    group_by: str = Field(
        "ListingId",
        min_length=1,
        description="Series key column (the output key with TimeBucket): 'ListingId', or e.g. 'InstrumentId' "
        "on a re-aggregated pass.",
    )
    reset_daily: bool = Field(
        False,
        description="Restart every series each trading day (the source's Date column; without one, the "
        "date of the bucket).",
    )
    indicators: tuple[IndicatorSpec, ...] = Field(
        min_length=1, description="The indicators, each with its own kind, column, parameters and name."
    )

    @model_validator(mode="after")
    def _unique_names(self) -> IndicatorsConfig:
        names = [name for spec in self.indicators for name in spec.output_names()]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"indicators emit {repeated} more than once: give them distinct names")
        clashing = sorted(set(names) & {self.group_by, TIME_BUCKET, "Date"})
        if clashing:
            raise ValueError(f"indicator names {clashing} clash with the keys")
        if self.group_by == TIME_BUCKET:
            raise ValueError("group_by cannot be TimeBucket")
        return self


def _seeded_ewm(values: pl.Expr, obs: pl.Expr, start: int, period: int, alpha: float) -> pl.Expr:
    """EMA of ``values`` (smoothing ``alpha``), seeded at observation ``start`` with the mean of the
    ``period`` values ending there, null before. ``obs`` numbers the observations 1, 2, …

    Built from a series holding the seed at ``start``, the values after it and nulls before, smoothed
    with ``ewm_mean(adjust=False, ignore_nulls=True)``, which starts at its first non-null value.
    """
    seeded = pl.when(obs == start).then(values.rolling_mean(period)).when(obs > start).then(values)
    return seeded.ewm_mean(alpha=alpha, adjust=False, ignore_nulls=True)


class IndicatorsModule(AnalyticModule):
    """Rolling indicators (SMA, EMA, WMA, RSI, MACD, Bollinger, ATR, z-score, std) per series.

    See :mod:`basalt.analytics.indicators` for the exact definitions and warm-ups.
    The instance's ``KEYS`` is ``(group_by, "TimeBucket")``.
    """

    NAME = "indicators"
    INPUTS = ("source",)
    Config = IndicatorsConfig
    CATALOGUE_CONFIGS = (
        *({"indicators": [{"kind": kind, "column": "{Column}"}]} for kind in ("sma", "ema", "wma", "rsi")),
        *(
            {"indicators": [{"kind": kind, "column": "{Column}"}]}
            for kind in ("macd", "bollinger", "zscore", "std")
        ),
        {"indicators": [{"kind": "atr", "column": "{Column}", "high": "{High}", "low": "{Low}"}]},
    )
    """For ``basalt analytics list --all``: every kind, over a placeholder column."""
    config: IndicatorsConfig

    def __init__(self, config: IndicatorsConfig | Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        # Per-instance keys (the class attribute is only the default): the engine reads module.KEYS.
        self.KEYS = (self.config.group_by, TIME_BUCKET)  # type: ignore[misc]

    def input_names(self) -> tuple[str, ...]:
        """The configured source pass input."""
        return (self.config.source_pass,)

    def columns(self) -> list[ColumnDoc]:
        """Every indicator column, in configuration order."""
        docs: list[ColumnDoc] = []
        for spec in self.config.indicators:
            docs.extend(self._docs(spec))
        return docs

    def _docs(self, spec: IndicatorSpec) -> list[ColumnDoc]:
        cfg = self.config
        c, n = spec.column, spec.n
        series = f"per {cfg.group_by}{' and trading day' if cfg.reset_daily else ''}, in TimeBucket order"
        obs = f"observations (rows with {' / '.join(spec.inputs())} non-null; {series})"
        sources = tuple(f"{cfg.source_pass}.{col}" for col in spec.inputs())
        same = f"unit of {c}"
        names = spec.output_names()

        def doc(name: str, unit: str, definition: str, pattern: str) -> ColumnDoc:
            return ColumnDoc(
                name, unit=unit, definition=definition, pattern=pattern, sources=sources, dtype="Float64"
            )

        sd = f"{'sample' if spec.std_ddof == 1 else 'population'} standard deviation (ddof {spec.std_ddof})"
        kind = spec.kind
        if kind == "sma":
            return [
                doc(names[0], same, f"Mean of the last {n} {obs}; null before the {n}th.", "{Column}SMA{n}")
            ]
        if kind == "ema":
            return [
                doc(
                    names[0],
                    same,
                    f"Exponential moving average of {c}, α = 2/({n}+1), over the {obs}: seeded with the mean "
                    f"of the first {n} at the {n}th, then EMA = α·x + (1-α)·EMA_prev; null before the {n}th.",
                    "{Column}EMA{n}",
                )
            ]
        if kind == "wma":
            return [
                doc(
                    names[0],
                    same,
                    f"Linearly weighted mean of the last {n} {obs}, weights 1..{n} ({n} on the latest); "
                    f"null before the {n}th.",
                    "{Column}WMA{n}",
                )
            ]
        if kind == "rsi":
            return [
                doc(
                    names[0],
                    "index (0-100)",
                    f"Wilder's RSI of {c} over the {obs}: 100·AG/(AG+AL), AG/AL the average gain/loss of the "
                    f"changes between consecutive observations, seeded with the mean of the first {n} "
                    f"changes, then Wilder's smoothing A = (A_prev·({n}-1) + g)/{n}; 50 when AG = AL = 0; "
                    f"null before observation {n + 1}.",
                    "{Column}RSI{n}",
                )
            ]
        if kind == "macd":
            f, s, g = spec.fast, spec.slow, spec.signal
            ema = "EMAs SMA-seeded at their own period, α = 2/(period+1)"
            return [
                doc(
                    names[0],
                    same,
                    f"EMA{f} - EMA{s} of {c} over the {obs} ({ema}); null before the {s}th.",
                    "{Column}MACD{fast}_{slow}_{signal}",
                ),
                doc(
                    names[1],
                    same,
                    f"EMA{g} of the MACD line {names[0]} ({ema}); null before observation {s + g - 1}.",
                    "{Column}MACD{fast}_{slow}_{signal}Signal",
                ),
                doc(
                    names[2],
                    same,
                    f"{names[0]} - {names[1]} (MACD histogram).",
                    "{Column}MACD{fast}_{slow}_{signal}Hist",
                ),
            ]
        if kind == "bollinger":
            band = f"{spec.k:g}·σ, σ the rolling {sd} of the last {n} {obs}; null before the {n}th"
            return [
                doc(
                    names[0],
                    same,
                    f"Middle Bollinger band: mean of the last {n} {obs}; null before the {n}th.",
                    "{Column}BB{n}Mid",
                ),
                doc(names[1], same, f"Upper Bollinger band: {names[0]} + {band}.", "{Column}BB{n}Upper"),
                doc(names[2], same, f"Lower Bollinger band: {names[0]} - {band}.", "{Column}BB{n}Lower"),
            ]
        if kind == "atr":
            return [
                doc(
                    names[0],
                    same,
                    f"Wilder's average true range over the {obs}: TR = max({spec.high}, previous {c}) - "
                    f"min({spec.low}, previous {c}) (the first TR is {spec.high} - {spec.low}); seeded with "
                    f"the mean of the first {n} TRs at the {n}th, then ATR = (ATR_prev·({n}-1) + TR)/{n}.",
                    "{Column}ATR{n}",
                )
            ]
        if kind == "zscore":
            return [
                doc(
                    names[0],
                    "standard deviations",
                    f"({c} - mean) / σ over the last {n} {obs}, σ the {sd}; null before the {n}th or when "
                    "σ is 0.",
                    "{Column}ZScore{n}",
                )
            ]
        return [
            doc(
                names[0],
                same,
                f"Rolling {sd} of the last {n} {obs}; null before the {n}th.",
                "{Column}Std{n}",
            )
        ]

    # -- computation ---------------------------------------------------------------------------

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Per input column set: keep its observations, compute its indicators, join back on the keys."""
        cfg = self.config
        keys = [cfg.group_by, TIME_BUCKET]
        source = inputs[cfg.source_pass]
        partition = [cfg.group_by]
        if cfg.reset_daily:
            if "Date" in source.collect_schema().names():
                day = pl.col("Date").cast(pl.Date)
            else:
                label = pl.col(TIME_BUCKET)
                day = (label - pl.duration(nanoseconds=1) if buckets.anchor == "end" else label).dt.date()
            source = source.with_columns(day.alias(_DAY))
            partition.append(_DAY)
        groups: dict[tuple[str, ...], list[IndicatorSpec]] = {}
        for spec in cfg.indicators:
            groups.setdefault(spec.inputs(), []).append(spec)

        result = source.select(keys)
        for columns, specs in groups.items():
            observations = (
                source.select(*keys, *partition[1:], *columns)
                .filter(*(pl.col(c).is_not_null() for c in columns))
                .sort(*partition, TIME_BUCKET)
            )
            exprs = [e for spec in specs for e in self._exprs(spec)]
            computed = observations.with_columns(pl.int_range(1, pl.len() + 1).over(partition).alias(_ROW))
            computed = computed.with_columns(expr.over(partition) for expr in exprs)
            names = [name for spec in specs for name in spec.output_names()]
            result = result.join(computed.select(*keys, *names), on=keys, how="left", coalesce=True)
        return result.select(*keys, *(doc.name for doc in self.columns())).sort(keys)

    @staticmethod
    def _exprs(spec: IndicatorSpec) -> list[pl.Expr]:
        """The indicator's output expressions, evaluated ``.over`` each series of observations."""
        n, kind = spec.n, spec.kind
        names = spec.output_names()
        obs = pl.col(_ROW)
        x = pl.col(spec.column).cast(pl.Float64)
        # Standard deviations of x minus the series' first value: the same σ, far less cancellation.
        centred = x - x.first()
        if kind == "sma":
            return [x.rolling_mean(n).alias(names[0])]
        if kind == "ema":
            return [_seeded_ewm(x, obs, n, n, 2 / (n + 1)).alias(names[0])]
        if kind == "wma":
            weights = [float(i) for i in range(1, n + 1)]
            return [x.rolling_mean(n, weights=weights).alias(names[0])]
        if kind == "rsi":
            change = x.diff()
            gain, loss = change.clip(lower_bound=0), (-change).clip(lower_bound=0)
            avg_gain = _seeded_ewm(gain, obs, n + 1, n, 1 / n)
            avg_loss = _seeded_ewm(loss, obs, n + 1, n, 1 / n)
            total = avg_gain + avg_loss
            rsi = pl.when(total > 0).then(100 * avg_gain / total).when(total == 0).then(50.0)
            return [rsi.alias(names[0])]
        if kind == "macd":
            f, s, g = spec.fast, spec.slow, spec.signal
            macd = _seeded_ewm(x, obs, f, f, 2 / (f + 1)) - _seeded_ewm(x, obs, s, s, 2 / (s + 1))
            signal = _seeded_ewm(macd, obs, s + g - 1, g, 2 / (g + 1))
            return [macd.alias(names[0]), signal.alias(names[1]), (macd - signal).alias(names[2])]
        if kind == "bollinger":
            mid = x.rolling_mean(n)
            band = spec.k * centred.rolling_std(n, ddof=spec.std_ddof)
            return [mid.alias(names[0]), (mid + band).alias(names[1]), (mid - band).alias(names[2])]
        if kind == "atr":
            assert spec.high is not None
            assert spec.low is not None
            high, low = pl.col(spec.high).cast(pl.Float64), pl.col(spec.low).cast(pl.Float64)
            previous = x.shift(1)
            true_range = pl.max_horizontal(high, previous) - pl.min_horizontal(low, previous)
            return [_seeded_ewm(true_range, obs, n, n, 1 / n).alias(names[0])]
        sigma = centred.rolling_std(n, ddof=spec.std_ddof)
        if kind == "zscore":
            deviation = centred - centred.rolling_mean(n)
            return [pl.when(sigma > 0).then(deviation / sigma).alias(names[0])]
        return [sigma.alias(names[0])]
