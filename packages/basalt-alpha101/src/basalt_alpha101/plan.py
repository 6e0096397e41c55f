"""Staged evaluation of nested window operators, shared across alphas.

Polars evaluates everything inside ``.over(...)`` per partition, so
``rank(delta(close, 1))`` cannot be one expression: within each date's partition,
"the previous row" of ``delta`` would be another listing. A :class:`Plan`
therefore turns every *window* operator (time-series or cross-sectional) into an
intermediate column whose argument only refers to columns computed before it,
and returns ``pl.col(<that column>)``. Row-by-row operators stay inline.

Intermediate columns are deduplicated on the serialised expression, so
``rank(volume)``, ``adv20`` or ``delta(close, 1)`` are computed once however many
alphas use them. A column's *stage* is one more than the latest stage it reads;
:meth:`Plan.apply` adds each stage in one ``with_columns`` (Polars runs those
expressions in parallel and shares the ``over`` groupings), drops columns after
their last reader, and selects the outputs at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from basalt_alpha101 import operators as op
from basalt_alpha101.inputs import AdvBasis, check_adv_basis
from basalt_alpha101.operators._common import DATE, EXPLICIT_WINDOW, IntoExpr, expr, window

_PREFIX = "__alpha101_"


def _span(d: float, op_name: str) -> int:
    """Earlier bars a window of ``d`` days reads: the floored window less today."""
    return window(d, op=op_name) - 1


_Grid = tuple[pl.Expr, pl.Expr]
"""A rank column as an integer numerator and its denominator: value = k / m."""


@dataclass(frozen=True)
class _Node:
    name: str
    stage: int
    expr: pl.Expr


class Plan:
    """Builds alpha expressions on a panel and evaluates them in shared stages.

    Alpha functions receive a plan and use its methods, which mirror
    :mod:`basalt_alpha101.operators` one to one. Inputs are read through
    :meth:`input` (or the properties ``p.close``, ``p.adv(20)``…) so the plan
    knows which inputs each alpha needs (:meth:`take_used`).

    ``adv_basis`` says what ``adv{d}`` averages and which volume the seven alphas
    that set share ``volume`` against ``adv20`` read (:data:`~basalt_alpha101.inputs.ADV_BASES`).

    Covariances and correlations of two ``rank`` / ``ts_rank`` values are computed
    on their integer grid (:func:`~basalt_alpha101.operators.correlation_on_grid`):
    the plan remembers which columns are ranks and derives the integer numerator
    and the denominator of each.
    """

    def __init__(self, adv_basis: AdvBasis = "consistent") -> None:
        self.adv_basis: AdvBasis = check_adv_basis(adv_basis)
        self._nodes: list[_Node] = []
        self._by_key: dict[bytes, str] = {}
        self._stage: dict[str, int] = {}
        self._used: set[str] = set()
        self._history: dict[str, int] = {}
        # Column of a rank -> its grid denominator: None for a cross-sectional rank
        # (2(n - 1), per date), the number 2(d - 1) for a ts_rank.
        self._grid: dict[str, float | None] = {}

    # -- inputs ---------------------------------------------------------------

    def input(self, name: str) -> pl.Expr:
        """Column of input ``name`` (``close``, ``sector``…), recorded as used."""
        self._used.add(name)
        return pl.col(name)

    def take_used(self) -> frozenset[str]:
        """Inputs read since the last call (then forgets them)."""
        used, self._used = frozenset(self._used), set()
        return used

    @property
    def open(self) -> pl.Expr:
        return self.input("open")

    @property
    def high(self) -> pl.Expr:
        return self.input("high")

    @property
    def low(self) -> pl.Expr:
        return self.input("low")

    @property
    def close(self) -> pl.Expr:
        return self.input("close")

    @property
    def volume(self) -> pl.Expr:
        return self.input("volume")

    @property
    def vwap(self) -> pl.Expr:
        return self.input("vwap")

    @property
    def returns(self) -> pl.Expr:
        return self.input("returns")

    @property
    def amount(self) -> pl.Expr:
        return self.input("amount")

    @property
    def cap(self) -> pl.Expr:
        return self.input("cap")

    def adv(self, d: int) -> pl.Expr:
        """``adv{d}``: mean daily volume over the last ``d`` days, strict.

        Notional (``amount``) under the ``consistent`` and ``paper`` bases (the
        paper's "average daily dollar volume"), shares (``volume``) under ``shares``.
        """
        base = "volume" if self.adv_basis == "shares" else "amount"
        return self._node(op.ts_mean(self.input(base), d), back=_span(d, "adv"))

    @property
    def volume_vs_adv(self) -> pl.Expr:
        """The paper's ``volume`` where it is compared with ``adv20`` (Alpha#7, 17, 21, 39, 43, 47, 100).

        ``amount`` (today's notional, the unit of ``adv20``) under the ``consistent``
        basis; the share ``volume`` under ``paper`` (literal) and ``shares``.
        """
        return self.input("amount" if self.adv_basis == "consistent" else "volume")

    # -- window operators: each is the same-named operator of
    #    basalt_alpha101.operators, materialised as an intermediate column --------

    def rank(self, x: IntoExpr) -> pl.Expr:
        column = self._node(op.rank(x))
        self._grid[column.meta.output_name()] = None
        return column

    def scale(self, x: IntoExpr, a: float = 1.0) -> pl.Expr:
        return self._node(op.scale(x, a))

    def indneutralize(self, x: IntoExpr, level: str) -> pl.Expr:
        """``IndNeutralize(x, IndClass.<level>)``; ``level`` is sector, industry or subindustry."""
        return self._node(op.indneutralize(x, self.input(level)))

    def delay(self, x: IntoExpr, d: float) -> pl.Expr:
        return self._node(op.delay(x, d), back=_span(d, "delay") + 1)

    def delta(self, x: IntoExpr, d: float) -> pl.Expr:
        return self._node(op.delta(x, d), back=_span(d, "delta") + 1)

    def sum(self, x: IntoExpr, d: float) -> pl.Expr:
        return self._node(op.ts_sum(x, d), back=_span(d, "sum"))

    def product(self, x: IntoExpr, d: float) -> pl.Expr:
        return self._node(op.product(self._column(x), d), back=_span(d, "product"))

    def ts_min(self, x: IntoExpr, d: float) -> pl.Expr:
        return self._node(op.ts_min(x, d), back=_span(d, "ts_min"))

    def ts_max(self, x: IntoExpr, d: float) -> pl.Expr:
        return self._node(op.ts_max(x, d), back=_span(d, "ts_max"))

    def ts_argmax(self, x: IntoExpr, d: float) -> pl.Expr:
        # op.ts_argmax compares d lags with one rolling max, which Polars would
        # recompute per lag: materialise the max (and x) first.
        x = self._column(x)
        # Lags of x reach as far back as the ts_max node already does: no extra bars.
        return self._node(op.days_ago(x, self.ts_max(x, d), d))

    def ts_argmin(self, x: IntoExpr, d: float) -> pl.Expr:
        x = self._column(x)
        # Lags of x reach as far back as the ts_min node already does: no extra bars.
        return self._node(op.days_ago(x, self.ts_min(x, d), d))

    def ts_rank(self, x: IntoExpr, d: float) -> pl.Expr:
        column = self._node(op.ts_rank(self._column(x), d), back=_span(d, "ts_rank"))
        self._grid[column.meta.output_name()] = 2.0 * (window(d, op="ts_rank", minimum=2) - 1)
        return column

    def stddev(self, x: IntoExpr, d: float) -> pl.Expr:
        if window(d, op="stddev") > EXPLICIT_WINDOW:
            return self._node(op.stddev(x, d), back=_span(d, "stddev"))
        x = self._column(x)
        return self._node(op.centred_stddev(x, self._mean(x, d), d), back=_span(d, "stddev"))

    def _mean(self, x: pl.Expr, d: float) -> pl.Expr:
        # The first pass of a centred moment, as a column: the second pass reads it d
        # times, and an expression repeated d times costs d times (the tree is copied).
        return self._node(op.window_mean(x, d))

    def covariance(self, x: IntoExpr, y: IntoExpr, d: float) -> pl.Expr:
        if window(d, op="covariance") > EXPLICIT_WINDOW:
            value = op.covariance(x, y, d)
        else:
            x, y = self._column(x), self._column(y)
            value = op.centred_covariance(x, y, self._mean(x, d), self._mean(y, d), d)
        grids = self._grids(x, y)
        if grids is not None:
            (kx, mx), (ky, my) = grids
            value = self._on_grid(op.covariance_on_grid(kx, mx, ky, my, d), value, mx, my)
        return self._node(value, back=_span(d, "covariance"))

    def correlation(self, x: IntoExpr, y: IntoExpr, d: float) -> pl.Expr:
        back = _span(d, "correlation")
        days = window(d, op="correlation", minimum=2)
        if days == 2:
            return self._node(op.correlation(x, y, d), back=back)
        if days > EXPLICIT_WINDOW:
            # Each input is read four times: normalise it once, as a shared column.
            u, v = self._node(op.normalised(x)), self._node(op.normalised(y))
            value = op.correlation_of_normalised(u, v, d)
        else:
            x, y = self._column(x), self._column(y)
            value = op.centred_correlation(x, y, self._mean(x, d), self._mean(y, d), d)
        grids = self._grids(x, y)
        if grids is not None:
            (kx, mx), (ky, my) = grids
            value = self._on_grid(op.correlation_on_grid(kx, mx, ky, my, d), value, mx, my)
        return self._node(value, back=back)

    @staticmethod
    def _on_grid(exact: pl.Expr, fallback: pl.Expr, mx: pl.Expr, my: pl.Expr) -> pl.Expr:
        # The grid result is null only where the fallback is too, or where a rank's
        # count changed within the window (a date with fewer values): then floats.
        if not (mx.meta.root_names() or my.meta.root_names()):
            return exact
        return pl.coalesce(exact, fallback)

    def _grids(
        self, x: IntoExpr, y: IntoExpr
    ) -> tuple[tuple[pl.Expr, pl.Expr], tuple[pl.Expr, pl.Expr]] | None:
        """Integer numerator and denominator columns of two rank columns; None unless both are ranks."""
        names = []
        for value in (x, y):
            if not (isinstance(value, pl.Expr) and value.meta.is_column()):
                return None
            name = value.meta.output_name()
            if name not in self._grid:
                return None
            names.append(name)
        return self._grid_of(names[0]), self._grid_of(names[1])

    def _grid_of(self, name: str) -> _Grid:
        value = pl.col(name)
        denominator = self._grid[name]
        if denominator is None:
            # A rank is 2(r - 1) over 2(n - 1), n its date's values (none where n = 1).
            m = self._node(2 * value.count().over(DATE).cast(pl.Float64) - 2)
        else:
            m = pl.lit(denominator)
        # Recovering the integer: |value * m - k| <= 2 ulp of k, far below 1/2.
        return self._node((value * m).round()), m

    def decay_linear(self, x: IntoExpr, d: float) -> pl.Expr:
        return self._node(op.decay_linear(self._column(x), d), back=_span(d, "decay_linear"))

    def min(self, a: IntoExpr, b: IntoExpr | float) -> pl.Expr:
        """The paper's ``min``: two series row-wise, or ``ts_min(a, b)`` for a number ``b``."""
        return op.minimum(a, b) if isinstance(b, pl.Expr) else self.ts_min(a, b)

    def max(self, a: IntoExpr, b: IntoExpr | float) -> pl.Expr:
        """The paper's ``max``: two series row-wise, or ``ts_max(a, b)`` for a number ``b``."""
        return op.maximum(a, b) if isinstance(b, pl.Expr) else self.ts_max(a, b)

    # -- row-by-row operators: inline -----------------------------------------

    abs = staticmethod(op.abs)
    sign = staticmethod(op.sign)
    log = staticmethod(op.log)
    signedpower = staticmethod(op.signedpower)
    power = staticmethod(op.power)
    div = staticmethod(op.div)
    iif = staticmethod(op.iif)
    num = staticmethod(op.num)
    or_ = staticmethod(op.or_)
    and_ = staticmethod(op.and_)

    # -- evaluation -------------------------------------------------------------

    def _column(self, x: IntoExpr) -> pl.Expr:
        # An operator reading its argument many times gets it as a column.
        x = expr(x)
        return x if x.meta.is_column() else self._node(x)

    def _node(self, expr: pl.Expr, *, back: int = 0) -> pl.Expr:
        """Materialise ``expr`` as an intermediate column reading ``back`` earlier bars of its arguments."""
        key = expr.meta.serialize()
        name = self._by_key.get(key)
        if name is None:
            stage = 1 + max((self._stage.get(column, 0) for column in expr.meta.root_names()), default=0)
            name = f"{_PREFIX}{len(self._nodes)}"
            self._nodes.append(_Node(name, stage, expr.alias(name)))
            self._by_key[key] = name
            self._stage[name] = stage
            self._history[name] = back + self.history(expr)
        return pl.col(name)

    def history(self, expr: pl.Expr) -> int:
        """Earlier bars of the inputs that ``expr`` (built by this plan) depends on.

        A window of d bars reads d - 1 earlier ones (``delay``/``delta`` of d read
        d); nesting adds up. With that many bars of history before the first
        output bar, the output equals a computation over the whole history, up to
        floating-point rounding of the rolling sums.
        """
        return max((self._history.get(column, 0) for column in expr.meta.root_names()), default=0)

    @property
    def depth(self) -> int:
        """Number of ``with_columns`` stages :meth:`apply` will add."""
        return max((node.stage for node in self._nodes), default=0)

    @property
    def size(self) -> int:
        """Number of distinct intermediate columns."""
        return len(self._nodes)

    def apply(self, frame: pl.LazyFrame, outputs: Mapping[str, pl.Expr], keys: Sequence[str]) -> pl.LazyFrame:
        """Add the stages to ``frame`` and select ``keys`` + ``outputs`` (name -> expression)."""
        final = self.depth + 1
        last_read: dict[str, int] = {}
        for node in self._nodes:
            for column in node.expr.meta.root_names():
                last_read[column] = max(last_read.get(column, 0), node.stage)
        for output in outputs.values():
            for column in output.meta.root_names():
                last_read[column] = final
        for stage in range(1, final):
            frame = frame.with_columns(node.expr for node in self._nodes if node.stage == stage)
            # Free what no later stage reads: hundreds of intermediates would
            # otherwise stay alive until the final select.
            done = [column for column, last in last_read.items() if last == stage and column not in keys]
            if done:
                frame = frame.drop(done)
        return frame.select(*keys, *(output.alias(name) for name, output in outputs.items()))
