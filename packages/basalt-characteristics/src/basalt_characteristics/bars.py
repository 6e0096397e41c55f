"""The ``bars`` module: time, tick, volume, dollar and imbalance bars from lit trades.

López de Prado, *Advances in Financial Machine Learning* (Wiley, 2018), ch. 2.3–2.4.
Trades: the trade set and trade order of :mod:`basalt_characteristics.flow_common`
(lit continuous by default, ``TradeTimestamp`` ascending, ties in input order). A bar
is a run of consecutive trades of one listing; it closes on the trade that meets its
rule:

* **time** (``bar_seconds`` = T): trades in the same clock interval ``[kT, (k+1)T)``
  (epoch-aligned); a bar closes when a trade arrives in a later interval.
* **tick** (``ticks_per_bar`` = N): the N-th trade closes the bar.
* **volume** (``volume_per_bar`` = V) / **dollar** (``notional_per_bar`` = D): the trade
  that takes the bar's volume Σv (notional Σp·v) to V (D) or beyond closes it.
* **tick / volume imbalance** (AFML 2.3.2.1–2.3.2.2): each trade is signed, ``b_t`` by
  the tick rule (sign of the price change, the previous sign when unchanged, 0 before
  the first change; or by ``AggressorSide`` with ``imbalance_sign: aggressor``: 1 → +1,
  2 → −1, else 0). ``θ = Σ b_t`` (tick) or ``Σ b_t·v_t`` (volume) over the bar; the bar
  closes at the first trade with ``|θ| ≥ E[T]·|E[θ/T]|``. After each closed bar of T
  trades, ``E[T] ← α·T + (1−α)·E[T]`` and ``E[θ/T] ← α·θ/T + (1−α)·E[θ/T]``, with
  ``α = 2/(ewma_span + 1)``, starting from ``initial_expected_ticks`` and
  ``initial_expected_imbalance``.

**A trade exactly at the threshold** closes the bar (``≥``). **A trade spanning two
bars is not split**: it belongs whole to the bar it closes, so volume and dollar bars
overshoot V or D by less than one trade. A trade is one print at one price and time;
splitting it would invent partial prints (fractional trade counts, a next bar opening
on a fabricated trade) and make OHLC and VWAP depend on the split rule. (VPIN, which
needs exactly equal volume buckets, splits; bars do not.)

**Day boundaries**: by default every bar closes at the day's end (its last bar is marked
``BarComplete = false``) and each listing-day starts afresh (bar numbers, the tick rule,
imbalance expectations), also when one input holds several days. With ``carry_over: true``
the open bar, the bar count, the tick rule and the expectations carry to the listing's
next day through the engine's module state; a bar is written on the day it closes (its
``BarStart`` may be on an earlier day) and a bar still open at the end of the data is not
written. An empty day writes nothing; a halt is just a gap between trades (a time bar
closes at the first trade after it).

Bars are inherently sequential (whether a trade closes a bar depends on every trade
before it), so they are formed by one loop per listing (:mod:`._bars_kernel`,
Numba-compiled when available) inside the lazy query.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal, Self

import polars as pl
from pydantic import Field, model_validator

from basalt import ColumnDoc, StatefulAnalyticModule, TimeBuckets
from basalt_characteristics.flow_common import DAY, NS, PRICE, SIZE, TradeSetConfig, kept_trades

BarType = Literal["time", "tick", "volume", "dollar", "tick_imbalance", "volume_imbalance"]
_IS_STATE, _SIDE = "__is_state", "__side"
_FLOAT_STATE = [
    "BarOpen", "BarHigh", "BarLow", "BarClose", "BarVolume", "BarNotional", "BarBuyVolume",
    "BarSidedVolume", "BarRealizedVariance", "BarImbalance", "ExpectedTicks", "ExpectedImbalance",
    "LastPrice",
]  # fmt: skip
_INT_STATE = [
    "BarIsOpen",
    "BarStartNs",
    "BarEndNs",
    "BarTradeCount",
    "BarNumber",
    "LastSign",
    "HasLastPrice",
    "Interval",
]
STATE_SCHEMA: dict[str, pl.DataType] = {
    **{name: pl.Float64() for name in _FLOAT_STATE},
    **{name: pl.Int64() for name in _INT_STATE},
}
"""The bars module's state: one listing's open bar, bar count, tick rule and EWMA expectations."""


class BarsConfig(TradeSetConfig):
    """Bar type, its threshold, the imbalance-bar expectations, and whether bars span days.

    Only the threshold of the chosen ``bar_type`` is used (the others keep their defaults).
    """

    bar_type: BarType = Field(
        "volume", description="time, tick, volume, dollar, tick_imbalance or volume_imbalance."
    )
    bar_seconds: float = Field(60.0, gt=0, description="time bars: bar length T in seconds.")
    ticks_per_bar: int = Field(100, ge=1, description="tick bars: trades per bar N.")
    volume_per_bar: float = Field(10_000.0, gt=0, description="volume bars: shares per bar V.")
    notional_per_bar: float = Field(
        1_000_000.0,
        gt=0,
        description="dollar bars: notional (price × size, in the price column's currency) per bar D.",
    )
    initial_expected_ticks: float = Field(
        100.0, gt=0, description="Imbalance bars: E[T] before the first bar, trades per bar."
    )
    initial_expected_imbalance: float | None = Field(
        None,
        description="Imbalance bars: E[θ/T] before the first bar: the expected sign per trade (tick "
        "imbalance, in [-1, 1]; None: 0.1) or signed shares per trade (volume imbalance; required).",
    )
    ewma_span: float = Field(
        20.0,
        ge=1,
        description="Imbalance bars: span (in bars) of the EWMAs of E[T] and E[θ/T]; α = 2/(span+1).",
    )
    imbalance_sign: Literal["tick_rule", "aggressor"] = Field(
        "tick_rule", description="Imbalance bars: sign trades by the tick rule (AFML) or by AggressorSide."
    )
    carry_over: bool = Field(
        False,
        description="Keep a bar open across the day boundary (and bar numbers, tick rule, expectations) "
        "through the engine's module state; false: every bar closes at the day's end.",
    )

    @model_validator(mode="after")
    def _expectation(self) -> Self:
        if self.bar_type == "volume_imbalance" and self.initial_expected_imbalance is None:
            raise ValueError(
                "volume_imbalance bars need initial_expected_imbalance (signed shares per trade)"
            )
        if self.initial_expected_imbalance == 0 or abs(self.initial_expected_imbalance or 0.1) > (
            1 if self.bar_type == "tick_imbalance" else math.inf
        ):
            raise ValueError(
                "initial_expected_imbalance must be non-zero (and in [-1, 1] for tick imbalance bars)"
            )
        return self

    def expected_imbalance(self) -> float:
        """The initial E[θ/T] in force (0.1 for tick imbalance bars when not given)."""
        return self.initial_expected_imbalance if self.initial_expected_imbalance is not None else 0.1


class BarsModule(StatefulAnalyticModule):
    """Information-driven bars (López de Prado 2018, ch. 2): one row per bar, keyed by its end.

    See :mod:`basalt_characteristics.bars` for the exact rules.
    """

    NAME = "bars"
    INPUTS = ("trades",)
    KEYS = ("ListingId", "BarEnd", "BarNumber")
    Config = BarsConfig
    config: BarsConfig

    def state_schema(self) -> Mapping[str, pl.DataType] | None:
        """The open bar and sequencing state, when ``carry_over`` (else stateless)."""
        return STATE_SCHEMA if self.config.carry_over else None

    def empty_state(self) -> pl.LazyFrame:
        """No listing has a state yet (also used without ``carry_over``)."""
        return pl.LazyFrame(schema={"ListingId": pl.Int64, **STATE_SCHEMA})

    def columns(self) -> list[ColumnDoc]:
        """Bar number, span, OHLC, volume, notional, VWAP, count, buy share, realized variance."""
        cfg = self.config
        src = (f"trades.{cfg.price_column}", "trades.Size", "trades.TradeTimestamp")
        kind = f"{cfg.bar_type.replace('_', ' ')} bar"
        days = "continuing across days (carry_over)" if cfg.carry_over else "restarting each day"
        docs = [
            ColumnDoc(
                "BarNumber",
                unit="count",
                definition=f"Number of the {kind} within its listing, from 1, "
                f"{days}; with BarEnd, identifies the bar.",
                sources=src,
                dtype="Int64",
            ),
            ColumnDoc(
                "BarStart",
                unit="timestamp (ns)",
                definition=f"TradeTimestamp of the {kind}'s first trade.",
                sources=src,
                dtype="Datetime",
            ),
            ColumnDoc(
                "BarEnd",
                unit="timestamp (ns)",
                definition=f"TradeTimestamp of the {kind}'s last trade (the "
                "one that closed it, or the day's last trade when the day's end closed it).",
                sources=src,
                dtype="Datetime",
            ),
            ColumnDoc(
                "Open",
                unit="price",
                definition=f"Price of the {kind}'s first trade.",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "High",
                unit="price",
                definition=f"Highest trade price of the {kind}.",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "Low",
                unit="price",
                definition=f"Lowest trade price of the {kind}.",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "Close",
                unit="price",
                definition=f"Price of the {kind}'s last trade.",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "Volume",
                unit="shares",
                definition=f"Σ Size over the {kind}'s trades (whole trades: a "
                "trade crossing the threshold is not split).",
                sources=src,
                dtype="Float64",
                additive=True,
            ),
            ColumnDoc(
                "Notional",
                unit="price × shares",
                definition=f"Σ price × Size over the {kind}'s trades.",
                sources=src,
                dtype="Float64",
                additive=True,
            ),
            ColumnDoc("VWAP", unit="price", definition="Notional / Volume.", sources=src, dtype="Float64"),
            ColumnDoc(
                "TradeCount",
                unit="count",
                definition=f"Trades in the {kind}.",
                sources=src,
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                "BuyVolumeShare",
                unit="ratio",
                definition="Volume of trades with AggressorSide 1 (buyer-"
                "initiated) / volume of trades with AggressorSide 1 or 2; null when none has either.",
                sources=(*src, "trades.AggressorSide"),
                dtype="Float64",
            ),
            ColumnDoc(
                "RealizedVariance",
                unit="log-return²",
                definition="Σ (ln p_i − ln p_{i−1})² over "
                f"consecutive trades of the {kind} (0 for a one-trade bar).",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "BarComplete",
                unit="flag",
                definition="True when the bar's rule closed it; false when the "
                "day's end did (carry_over: false).",
                sources=src,
                dtype="Boolean",
            ),
        ]
        if cfg.bar_type in ("tick_imbalance", "volume_imbalance"):
            unit = "trades" if cfg.bar_type == "tick_imbalance" else "shares"
            docs += [
                ColumnDoc(
                    "BarImbalance",
                    unit=f"signed {unit}",
                    definition="θ of the bar: Σ b_t (tick) or "
                    "Σ b_t·Size (volume) over its trades, b_t the trade's sign.",
                    sources=src,
                    dtype="Float64",
                ),
                ColumnDoc(
                    "ExpectedImbalance",
                    unit=unit,
                    definition="The threshold E[T]·|E[θ/T]| in force when "
                    "the bar closed (EWMA expectations, López de Prado 2018, 2.3.2).",
                    sources=src,
                    dtype="Float64",
                ),
            ]
        return docs

    def compute_with_state(
        self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets, state: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """Trades in order plus each listing's state → one loop per listing → bars and new state."""
        trades = kept_trades(inputs["trades"], self.config, extra=("AggressorSide",)).select(
            "ListingId",
            NS,
            PRICE,
            SIZE,
            DAY,
            pl.col("AggressorSide").fill_null(0).cast(pl.Int64).alias(_SIDE),
            pl.lit(False).alias(_IS_STATE),
        )
        carried = state.with_columns(pl.lit(True).alias(_IS_STATE))
        combined = pl.concat([carried, trades], how="diagonal_relaxed")
        formed = combined.map_batches(self._form, schema=self._schema(), streamable=False)
        bars = formed.filter(~pl.col(_IS_STATE)).select(self._output_names())
        new_state = formed.filter(pl.col(_IS_STATE)).select("ListingId", *STATE_SCHEMA)
        return bars, new_state

    def _output_names(self) -> list[str]:
        return ["ListingId", *(d.name for d in self.columns())]

    def _schema(self) -> dict[str, pl.DataType]:
        out: dict[str, pl.DataType] = {
            "ListingId": pl.Int64(),
            _IS_STATE: pl.Boolean(),
            "BarNumber": pl.Int64(),
            "BarStart": pl.Datetime("ns"),
            "BarEnd": pl.Datetime("ns"),
            **{name: pl.Float64() for name in ("Open", "High", "Low", "Close", "Volume", "Notional", "VWAP")},
            "TradeCount": pl.Int64(),
            "BuyVolumeShare": pl.Float64(),
            "RealizedVariance": pl.Float64(),
            "BarComplete": pl.Boolean(),
            "BarImbalance": pl.Float64(),
            "ExpectedImbalance": pl.Float64(),
        }
        return {**out, **{name: dtype for name, dtype in STATE_SCHEMA.items() if name not in out}}

    def _form(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Run the kernel over every listing of ``frame`` (state rows + trades); bars and states out."""
        # Imported here, not at the top: NumPy and the (Numba) kernel would otherwise be imported
        # whenever the plugin registers, slowing every command and worker start-up.
        import numpy as np

        from basalt_characteristics import _bars_kernel as k

        cfg = self.config
        states = frame.filter(pl.col(_IS_STATE)).unique("ListingId", keep="last").sort("ListingId")
        trades = frame.filter(~pl.col(_IS_STATE))  # already in trade order within each listing
        ids = trades["ListingId"].to_numpy().astype(np.int64)
        if cfg.carry_over:  # one run of trades per listing, from its state
            listings = np.unique(np.concatenate([states["ListingId"].to_numpy(), ids])).astype(np.int64)
            order = np.argsort(ids, kind="stable")  # listings grouped, trade order kept within each
            starts = np.searchsorted(ids[order], listings, side="left").astype(np.int64)
        else:  # one run per listing-day, each from scratch (an input may hold several days)
            states = states.clear()
            days = trades[DAY].cast(pl.Int32).to_numpy()
            order = np.lexsort((days, ids))  # stable: trade order kept within each listing-day
            key_ids, key_days = ids[order], days[order]
            starts = np.flatnonzero(
                np.r_[True, (key_ids[1:] != key_ids[:-1]) | (key_days[1:] != key_days[:-1])]
            ).astype(np.int64)
            listings = key_ids[starts] if len(ids) else np.zeros(0, dtype=np.int64)
        starts = np.append(starts, len(ids)).astype(np.int64)
        fs = np.zeros((len(listings), k.FLOAT_STATE), dtype=np.float64)
        its = np.zeros((len(listings), k.INT_STATE), dtype=np.int64)
        imbalance = cfg.expected_imbalance()
        fs[:, k.F_EXP_TICKS] = cfg.initial_expected_ticks
        fs[:, k.F_EXP_IMBALANCE] = imbalance
        if states.height:
            rows = np.searchsorted(listings, states["ListingId"].to_numpy())
            fs[rows] = states.select(_FLOAT_STATE).fill_null(0.0).to_numpy()
            its[rows] = states.select(_INT_STATE).fill_null(0).to_numpy()
        kind = k.KINDS.index(cfg.bar_type)
        threshold = {
            "time": cfg.bar_seconds * 1e9,
            "tick": float(cfg.ticks_per_bar),
            "volume": cfg.volume_per_bar,
            "dollar": cfg.notional_per_bar,
        }.get(cfg.bar_type, 0.0)
        fo, io = k.form_bars(
            kind,
            float(threshold),
            2.0 / (cfg.ewma_span + 1.0),
            cfg.imbalance_sign == "aggressor",
            not cfg.carry_over,
            listings,
            starts,
            trades[NS].to_numpy()[order].astype(np.int64),
            trades[PRICE].to_numpy()[order].astype(np.float64),
            trades[SIZE].to_numpy()[order].astype(np.float64),
            trades[_SIDE].to_numpy()[order].astype(np.int64),
            fs,
            its,
        )
        volume, notional, buy, sided = (
            fo[:, k.O_VOLUME],
            fo[:, k.O_NOTIONAL],
            fo[:, k.O_BUY],
            fo[:, k.O_SIDED],
        )
        bars = pl.DataFrame(
            {
                "ListingId": io[:, k.P_LISTING],
                _IS_STATE: np.zeros(len(io), dtype=bool),
                "BarNumber": io[:, k.P_NUMBER],
                "BarStart": io[:, k.P_START],
                "BarEnd": io[:, k.P_END],
                "Open": fo[:, k.O_OPEN],
                "High": fo[:, k.O_HIGH],
                "Low": fo[:, k.O_LOW],
                "Close": fo[:, k.O_CLOSE],
                "Volume": volume,
                "Notional": notional,
                "VWAP": notional / np.where(volume > 0, volume, np.nan),
                "TradeCount": io[:, k.P_COUNT],
                "BuyVolumeShare": buy / np.where(sided > 0, sided, np.nan),
                "RealizedVariance": fo[:, k.O_RV],
                "BarComplete": io[:, k.P_COMPLETE] == 1,
                "BarImbalance": fo[:, k.O_THETA],
                "ExpectedImbalance": fo[:, k.O_THRESHOLD],
            }
        ).with_columns(
            pl.col("BarStart", "BarEnd").cast(pl.Datetime("ns")),
            pl.col("VWAP", "BuyVolumeShare").fill_nan(None),
        )
        kept = slice(None) if cfg.carry_over else slice(0)  # without carry_over there is no state
        new_states = pl.DataFrame(
            {
                "ListingId": listings[kept],
                _IS_STATE: np.ones(len(listings), dtype=bool)[kept],
                **{name: fs[kept, i] for i, name in enumerate(_FLOAT_STATE)},
                **{name: its[kept, i] for i, name in enumerate(_INT_STATE)},
            }
        )
        return pl.concat([bars, new_states], how="diagonal_relaxed").select(
            [pl.col(name).cast(dtype) for name, dtype in self._schema().items()]
        )


__all__ = ["STATE_SCHEMA", "BarsConfig", "BarsModule"]
