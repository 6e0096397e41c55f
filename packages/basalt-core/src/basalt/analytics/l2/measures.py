"""Per-snapshot order-book measures shared by ``l2`` (last snapshot) and ``l2tw`` (time-weighted).

Each measure is a Polars expression over one L2 snapshot (one row of BMLL's
``l2`` table) plus its documentation. :class:`BookMeasures` turns a choice of
families into the input columns to read and a few ``with_columns`` stages that
add every measure as a column named like the output (``BidCumQuantity3``…).

Conventions (documented on every column):

* A level is *absent* when its value is null; ``NaN`` prices are read as null.
  Per-level values of an absent level are null; cumulative measures sum the
  levels 1..L that are present (an empty side sums to 0).
* Imbalances are ``(Bid − Ask) / (Bid + Ask)`` in [−1, 1], null when either
  term is null or the sum is 0.
* Spread and mids need both touch prices: null on a one-sided or empty book.
  Crossed (bid > ask) and locked (bid = ask) books are computed as they are:
  a negative or zero spread, mids between the two prices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

SIDES = ("Bid", "Ask")

PRICE_UNIT = "price"
QUANTITY_UNIT = "shares"

MICROPRICE_NOTE = (
    "This is not Stoikov's micro-price (S. Stoikov, 'The micro-price: a high-frequency estimator of "
    "future prices', Quantitative Finance 18(12):1959-1966, 2018), which needs a model of imbalance "
    "and spread dynamics fitted on history; it is the imbalance-weighted mid that paper starts from, "
    "with the imbalance taken over D levels, since depth behind the touch carries information too "
    "(C. Cao, O. Hansch, X. Wang, 'The information content of an open limit-order book', J. Futures "
    "Markets 29(1):16-41, 2009)."
)


@dataclass(frozen=True)
class Measure:
    """One per-snapshot measure: its column name and documentation."""

    name: str
    family: str
    unit: str
    definition: str
    """What the value of one snapshot is (modules prefix how snapshots are combined)."""
    pattern: str
    sources: tuple[str, ...]
    dtype: str
    """Polars dtype class name of the per-snapshot value."""
    terms: tuple[str, ...] = ()
    """For sums over levels: the per-level columns whose sum (nulls as 0) is the value; such a
    value is never null. Empty for every other measure."""

    @property
    def nullable(self) -> bool:
        """Whether the value can be null (sums over levels never are)."""
        return not self.terms


def _col(side: str, field: str, level: int) -> str:
    return f"{side}{field}{level}"


def notional_term(side: str, level: int) -> str:
    """Name of the per-snapshot column ``{Side}Price{L} × {Side}Quantity{L}`` (null if either is)."""
    return f"__{side}Notional{level}"


def _sources(*names: str) -> tuple[str, ...]:
    return tuple(f"l2.{name}" for name in names)


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` as Float64, null when the denominator is 0 or null."""
    return pl.when(denominator != 0).then(numerator.cast(pl.Float64) / denominator.cast(pl.Float64))


def imbalance(bid: pl.Expr, ask: pl.Expr) -> pl.Expr:
    """``(bid − ask) / (bid + ask)``, null when either is null or the sum is 0."""
    return ratio(bid - ask, bid + ask)


def mid(bid: pl.Expr, ask: pl.Expr) -> pl.Expr:
    """``(bid + ask) / 2``: null unless both touch prices exist."""
    return (bid + ask) / 2.0


def weighted_mid(bid: pl.Expr, ask: pl.Expr, bid_qty: pl.Expr, ask_qty: pl.Expr) -> pl.Expr:
    """Each touch price weighted by the opposite side's quantity; null if a term is null or both are 0."""
    return ratio(bid * ask_qty.cast(pl.Float64) + ask * bid_qty.cast(pl.Float64), bid_qty + ask_qty)


def clean_price(name: str) -> pl.Expr:
    """A price column as Float64 with NaN read as null (pandas-written files use NaN for absent levels)."""
    return pl.col(name).cast(pl.Float64).fill_nan(None)


class BookMeasures:
    """The measures of the chosen families, and how to compute them on snapshots.

    Args:
        levels: Depth N of the per-level families.
        families: Families among ``levels``, ``cumulative``, ``imbalance``,
            ``spread``, ``mid`` (others, e.g. ``ohlc``, are ignored here).
        microprice_levels: Depth D of ``Microprice``.
    """

    def __init__(self, levels: int, families: Iterable[str], microprice_levels: int) -> None:
        self.levels = levels
        self.families = frozenset(families)
        self.microprice_levels = microprice_levels
        want_cum = bool(self.families & {"cumulative", "imbalance"})
        want_mid = "mid" in self.families
        self._cum_depth = levels if want_cum else 0
        self._cum_quantity_depth = max(self._cum_depth, microprice_levels if want_mid else 0)
        per_level = levels if self.families & {"levels", "cumulative", "imbalance"} else 0
        touch = 1 if self.families & {"spread", "mid"} else 0
        self._price_depth = max(per_level, touch)
        self._quantity_depth = max(per_level, self._cum_quantity_depth, 1 if want_mid else 0)
        self._orders_depth = levels if self.families & {"levels", "cumulative", "imbalance"} else 0
        self.measures = self._document()

    # ----------------------------------------------------------------- inputs

    def input_columns(self) -> list[str]:
        """The ``l2`` columns the measures read."""
        names: list[str] = []
        for level in range(1, max(self._price_depth, self._quantity_depth, self._orders_depth) + 1):
            for side in SIDES:
                if level <= self._price_depth:
                    names.append(_col(side, "Price", level))
                if level <= self._quantity_depth:
                    names.append(_col(side, "Quantity", level))
                if level <= self._orders_depth:
                    names.append(_col(side, "NumOrders", level))
        return names

    def clean(self) -> list[pl.Expr]:
        """Input columns cast to the schema's dtypes, NaN prices as null (replacing them in place)."""
        exprs: list[pl.Expr] = []
        for name in self.input_columns():
            if "Price" in name:
                exprs.append(clean_price(name))
            elif "Quantity" in name:
                exprs.append(pl.col(name).cast(pl.Int64))
            else:
                exprs.append(pl.col(name).cast(pl.Int32))
        return exprs

    # ------------------------------------------------------------ computation

    def stages(self) -> list[list[pl.Expr]]:
        """``with_columns`` stages adding every measure column, to run after :meth:`clean`.

        Cumulative sums are built one level per stage (each adds one level to the
        previous sum) rather than re-summing levels 1..L for every L.
        """
        stages: list[list[pl.Expr]] = []
        for level in range(1, self._cum_quantity_depth + 1):
            stage: list[pl.Expr] = []
            for side in SIDES:
                quantity = pl.col(_col(side, "Quantity", level)).fill_null(0)
                stage.append(self._accumulate(side, "CumQuantity", level, quantity))
                if level <= self._cum_depth:
                    notional = pl.col(notional_term(side, level)).fill_null(0.0)
                    orders = pl.col(_col(side, "NumOrders", level)).cast(pl.Int64).fill_null(0)
                    stage.append(self._accumulate(side, "CumNotional", level, notional))
                    stage.append(self._accumulate(side, "CumOrders", level, orders))
            stages.append(stage)
        if self._cum_depth:
            notionals = [
                (pl.col(_col(side, "Price", level)) * pl.col(_col(side, "Quantity", level))).alias(
                    notional_term(side, level)
                )
                for level in range(1, self._cum_depth + 1)
                for side in SIDES
            ]
            stages.insert(0, notionals)
        final: list[pl.Expr] = []
        if "imbalance" in self.families:
            for level in range(1, self.levels + 1):
                for field in ("Quantity", "CumQuantity", "CumNotional", "CumOrders"):
                    final.append(
                        imbalance(pl.col(_col("Bid", field, level)), pl.col(_col("Ask", field, level))).alias(
                            f"Imbalance{field}{level}"
                        )
                    )
        bid, ask = pl.col("BidPrice1"), pl.col("AskPrice1")
        if "spread" in self.families:
            final.append((ask - bid).alias("SpreadAbs"))
            touch_mid = mid(bid, ask)
            final.append(pl.when(touch_mid > 0).then(10_000.0 * (ask - bid) / touch_mid).alias("SpreadBps"))
        if "mid" in self.families:
            depth = self.microprice_levels
            final.append(mid(bid, ask).alias("Mid"))
            final.append(
                weighted_mid(bid, ask, pl.col("BidQuantity1"), pl.col("AskQuantity1")).alias("WeightedMid")
            )
            final.append(
                weighted_mid(
                    bid, ask, pl.col(f"BidCumQuantity{depth}"), pl.col(f"AskCumQuantity{depth}")
                ).alias("Microprice")
            )
        if final:
            stages.append(final)
        return stages

    @staticmethod
    def _accumulate(side: str, field: str, level: int, term: pl.Expr) -> pl.Expr:
        name = _col(side, field, level)
        total = term if level == 1 else pl.col(_col(side, field, level - 1)) + term
        return total.alias(name)

    def apply(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """``frame`` (holding :meth:`input_columns`) with every measure column added."""
        frame = frame.with_columns(self.clean())
        for stage in self.stages():
            frame = frame.with_columns(stage)
        return frame

    # ---------------------------------------------------------- documentation

    def _document(self) -> list[Measure]:
        measures: list[Measure] = []
        families = self.families
        if "levels" in families:
            for level in range(1, self.levels + 1):
                for side in SIDES:
                    lower = side.lower()
                    measures += [
                        Measure(
                            _col(side, "Price", level),
                            "levels",
                            PRICE_UNIT,
                            f"Price of {lower} level {level}; null when the {lower} side has no level "
                            f"{level} (NaN read as null).",
                            "{Side}Price{Level}",
                            _sources(_col(side, "Price", level)),
                            "Float64",
                        ),
                        Measure(
                            _col(side, "Quantity", level),
                            "levels",
                            QUANTITY_UNIT,
                            f"Quantity displayed at {lower} level {level}; null when the level is absent.",
                            "{Side}Quantity{Level}",
                            _sources(_col(side, "Quantity", level)),
                            "Int64",
                        ),
                        Measure(
                            _col(side, "NumOrders", level),
                            "levels",
                            "count",
                            f"Number of orders at {lower} level {level}; null when the level is absent.",
                            "{Side}NumOrders{Level}",
                            _sources(_col(side, "NumOrders", level)),
                            "Int32",
                        ),
                    ]
        if "cumulative" in families:
            for level in range(1, self.levels + 1):
                for side in SIDES:
                    lower = side.lower()
                    upto = range(1, level + 1)
                    skip = "absent (null) levels are skipped, an empty side gives 0"
                    measures += [
                        Measure(
                            _col(side, "CumQuantity", level),
                            "cumulative",
                            QUANTITY_UNIT,
                            f"Sum of {side}Quantity over {lower} levels 1..{level}; {skip}.",
                            "{Side}CumQuantity{Level}",
                            _sources(*(_col(side, "Quantity", k) for k in upto)),
                            "Int64",
                            terms=tuple(_col(side, "Quantity", k) for k in upto),
                        ),
                        Measure(
                            _col(side, "CumNotional", level),
                            "cumulative",
                            "currency",
                            f"Sum of {side}Price × {side}Quantity over {lower} levels 1..{level}, in the "
                            f"listing's price currency; {skip}.",
                            "{Side}CumNotional{Level}",
                            _sources(*(_col(side, f, k) for k in upto for f in ("Price", "Quantity"))),
                            "Float64",
                            terms=tuple(notional_term(side, k) for k in upto),
                        ),
                        Measure(
                            _col(side, "CumOrders", level),
                            "cumulative",
                            "count",
                            f"Sum of {side}NumOrders over {lower} levels 1..{level}; {skip}.",
                            "{Side}CumOrders{Level}",
                            _sources(*(_col(side, "NumOrders", k) for k in upto)),
                            "Int64",
                            terms=tuple(_col(side, "NumOrders", k) for k in upto),
                        ),
                    ]
        if "imbalance" in families:
            for level in range(1, self.levels + 1):
                for field in ("Quantity", "CumQuantity", "CumNotional", "CumOrders"):
                    bid, ask = _col("Bid", field, level), _col("Ask", field, level)
                    if field == "Quantity":
                        when_null = "null when either level is absent or both quantities are 0"
                        sources = _sources(bid, ask)
                    else:
                        when_null = "null when both sums are 0"
                        raw = {"CumQuantity": ("Quantity",), "CumNotional": ("Price", "Quantity")}.get(
                            field, ("NumOrders",)
                        )
                        sources = _sources(
                            *(_col(s, f, k) for s in SIDES for k in range(1, level + 1) for f in raw)
                        )
                    measures.append(
                        Measure(
                            f"Imbalance{field}{level}",
                            "imbalance",
                            "ratio",
                            f"({bid} − {ask}) / ({bid} + {ask}), in [−1, 1] (positive: more on the bid); "
                            f"{when_null}.",
                            "Imbalance{Measure}{Level}",
                            sources,
                            "Float64",
                        )
                    )
        touch = _sources("BidPrice1", "AskPrice1")
        one_sided = "null on a one-sided or empty book"
        if "spread" in families:
            measures += [
                Measure(
                    "SpreadAbs",
                    "spread",
                    PRICE_UNIT,
                    f"AskPrice1 − BidPrice1; {one_sided}; a crossed book gives a negative spread and a "
                    "locked one 0 (computed as is).",
                    "SpreadAbs",
                    touch,
                    "Float64",
                ),
                Measure(
                    "SpreadBps",
                    "spread",
                    "bps",
                    "10,000 × (AskPrice1 − BidPrice1) / Mid with Mid = (BidPrice1 + AskPrice1) / 2; "
                    f"{one_sided} or when Mid ≤ 0; negative on a crossed book.",
                    "SpreadBps",
                    touch,
                    "Float64",
                ),
            ]
        if "mid" in families:
            depth = self.microprice_levels
            measures += [
                Measure(
                    "Mid",
                    "mid",
                    PRICE_UNIT,
                    f"(BidPrice1 + AskPrice1) / 2; {one_sided}.",
                    "Mid",
                    touch,
                    "Float64",
                ),
                Measure(
                    "WeightedMid",
                    "mid",
                    PRICE_UNIT,
                    "(BidPrice1 × AskQuantity1 + AskPrice1 × BidQuantity1) / (BidQuantity1 + AskQuantity1): "
                    "the size-weighted mid, leaning towards the touch with less quantity; "
                    f"{one_sided} or when both touch quantities are 0.",
                    "WeightedMid",
                    _sources("BidPrice1", "AskPrice1", "BidQuantity1", "AskQuantity1"),
                    "Float64",
                ),
                Measure(
                    "Microprice",
                    "mid",
                    PRICE_UNIT,
                    f"(BidPrice1 × AskCumQuantity{depth} + AskPrice1 × BidCumQuantity{depth}) / "
                    f"(BidCumQuantity{depth} + AskCumQuantity{depth}) with D = microprice_levels = {depth}, "
                    f"i.e. Mid + SpreadAbs / 2 × ImbalanceCumQuantity{depth}; {one_sided} or when both "
                    f"sums are 0. D = 1 gives WeightedMid. {MICROPRICE_NOTE}",
                    "Microprice",
                    _sources(
                        "BidPrice1",
                        "AskPrice1",
                        *(_col(s, "Quantity", k) for s in SIDES for k in range(1, depth + 1)),
                    ),
                    "Float64",
                ),
            ]
        return measures
