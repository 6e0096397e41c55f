"""Exact ties: hand-built panels whose ties are exact in mathematics, and listing-order invariance.

The tie rule (README, ``operators.TIE_TOLERANCE``): ``y`` ties ``x`` when
``x - 1e-12|x| <= y <= x + 1e-12|x|``; ties share the average rank, and
``ts_argmax`` / ``ts_argmin`` pick the earliest tied day.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import basalt_alpha101
from basalt_alpha101 import operators as op
from basalt_alpha101.plan import Plan
from basalt_alpha101.registry import column_name, history_of

X = pl.col("x")
Y = pl.col("y")

TIE_PRONE = (13, 15, 16, 68, 75, 76, 88, 94, 96, 97, 98)
"""The alphas of issue #20 whose ties came out as different floats."""

CYCLE = 7
"""Listings of the cyclic panel, and its period in days (prime to every adv{d} window)."""


def values(frame: pl.DataFrame, expression: pl.Expr) -> list[float | None]:
    return frame.select(expression.alias("out"))["out"].to_list()


def one_listing(x: list[float], y: list[float] | None = None) -> pl.DataFrame:
    data: dict[str, object] = {"ListingId": [1] * len(x), "TimeBucket": list(range(len(x))), "x": x}
    if y is not None:
        data["y"] = y
    return pl.DataFrame(data)


# -- the operators -----------------------------------------------------------------


def test_rank_ties_values_equal_up_to_rounding() -> None:
    # 0.1 + 0.2 and 0.3 differ in the last bit; 3 * 0.1 too: one value in mathematics.
    frame = pl.DataFrame(
        {"ListingId": [1, 2, 3, 4], "TimeBucket": [0] * 4, "x": [0.1 + 0.2, 0.3, 3 * 0.1, 0.0]}
    )
    assert values(frame, op.rank(X)) == [2 / 3, 2 / 3, 2 / 3, 0.0]


def test_rank_of_a_constant_column_is_one_half_everywhere() -> None:
    frame = pl.DataFrame({"ListingId": [1, 2, 3], "TimeBucket": [0] * 3, "x": [7.25] * 3})
    assert values(frame, op.rank(X)) == [0.5, 0.5, 0.5]


def test_values_further_apart_than_the_tolerance_do_not_tie() -> None:
    frame = pl.DataFrame({"ListingId": [1, 2], "TimeBucket": [0, 0], "x": [1.0, 1.0 + 1e-11]})
    assert values(frame, op.rank(X)) == [0.0, 1.0]
    assert values(one_listing([1.0, 1.0 + 1e-11]), op.ts_argmax(X, 2)) == [None, 0.0]


def test_ts_rank_ties_repeated_values_up_to_rounding() -> None:
    # today 0.3 ties 0.1 + 0.2 and 3 * 0.1, is above 0.0: r = 1 + (3 + 1) / 2 = 3 of 4 -> 2/3
    frame = one_listing([0.1 + 0.2, 0.0, 3 * 0.1, 0.3])
    assert values(frame, op.ts_rank(X, 4)) == [None, None, None, 2 / 3]
    assert values(one_listing([2.0] * 4), op.ts_rank(X, 3)) == [None, None, 0.5, 0.5]


def test_ts_argmax_and_argmin_take_the_earliest_of_rounded_ties() -> None:
    frame = one_listing([0.3, 0.1 + 0.2, 0.0, 3 * 0.1, 0.5])
    assert values(frame, op.ts_argmax(X, 4)) == [None, None, None, 3.0, 0.0]
    low = one_listing([0.0, 0.7, -0.0, 0.1 + 0.2 - 0.3 + 0.0, 0.3 - 0.1 - 0.2 + 5.551115123125783e-17])
    # 0.0 and -0.0 tie exactly; 5.55e-17 is not within 1e-12 of 0 (an exact zero ties only zeros).
    assert values(low, op.ts_argmin(X, 3)) == [None, None, 2.0, 1.0, 2.0]
    assert values(one_listing([4.0] * 5), op.ts_argmin(X, 5)) == [None] * 4 + [4.0]


def test_equal_windows_give_identical_statistics() -> None:
    # A series with period 3: windows 3 days apart hold the same values in the same
    # order, so correlation/covariance/stddev repeat with period 3 exactly. Over 5
    # days of such a series c0, c1, c2, c0, c1 (days ago 4 … 0), an extreme at phase
    # c0 or c1 is seen twice: the earliest is 4 or 3 days ago, never 1 or 0.
    rng = np.random.default_rng(20)
    base_x, base_y = rng.normal(size=3) * 1e3 + 5e3, rng.normal(size=3)
    frame = one_listing(list(np.tile(base_x, 12)), list(np.tile(base_y, 12)))
    for statistic in (op.correlation(X, Y, 6), op.covariance(X, Y, 6), op.stddev(X, 6)):
        got = values(frame, statistic)[5:]
        assert got[3:] == got[:-3]
        assert len(set(got)) <= 3
    step = frame.with_columns(c=op.correlation(X, Y, 4))
    argmax = values(step, op.ts_argmax(pl.col("c"), 5))[7:]
    argmin = values(step, op.ts_argmin(pl.col("c"), 5))[7:]
    assert set(argmax) <= {2.0, 3.0, 4.0}
    assert set(argmin) <= {2.0, 3.0, 4.0}
    assert len(set(argmax) | set(argmin)) > 1


def test_statistics_of_ranks_are_exact_on_the_grid() -> None:
    # x dev from its mean 0.4: (-.4, .1, .6, .1, -.4); y dev from .5: (-.5, 0, 0, 0, .5):
    # covariance exactly 0. Floats of the centred sums would leave ~1e-17.
    x = [0.0, 0.5, 1.0, 0.5, 0.0]
    y = [0.0, 0.5, 0.5, 0.5, 1.0]
    frame = one_listing(x, y).with_columns(kx=X * 2, ky=Y * 2)
    kx, ky = pl.col("kx"), pl.col("ky")
    assert values(frame, op.covariance_on_grid(kx, 2.0, ky, 2.0, 5))[4] == 0.0
    assert values(frame, op.correlation_on_grid(kx, 2.0, ky, 2.0, 5))[4] == 0.0
    # A denominator changing inside the window: no grid result (floats take over).
    frame = frame.with_columns(m=pl.Series([2.0, 2.0, 2.0, 4.0, 2.0]))
    assert values(frame, op.correlation_on_grid(kx, pl.col("m"), ky, 2.0, 5))[4] is None


# -- the alphas on hand-built panels --------------------------------------------------------


def cyclic_panel(period: int = CYCLE, constant_volume: bool = False, days: int = 330) -> pl.DataFrame:
    """``period`` listings; listing ``i`` on day ``t`` has the inputs of phase ``(t + i) % period``.

    Every date's cross-section is then a permutation of the same values, and every
    listing's history is the same cycle shifted: in exact arithmetic any alpha of
    listing ``i`` on day ``t`` equals that of listing ``i + 1`` on day ``t - 1`` and
    of listing ``i`` on day ``t + period``. Any window of ``period`` days (or a
    multiple) holds the same values for every listing: their statistics tie.
    Volumes repeat (100 twice, 300 twice…) so ranks of volume tie too.
    """
    close = np.array([10.0, 12.5, 11.0, 13.25, 9.5, 12.0, 10.75])[:period]
    open_ = np.array([10.5, 11.0, 12.0, 12.5, 10.0, 11.5, 11.25])[:period]
    shares = np.array([100.0, 300.0, 100.0, 200.0, 300.0, 200.0, 400.0])[:period]
    volume = np.full(period, 4000.0) if constant_volume else shares
    rows = []
    for listing in range(period):
        for day in range(days):
            k = (day + listing) % period
            high, low = max(open_[k], close[k]) + 0.75, min(open_[k], close[k]) - 0.5
            rows.append(
                {
                    "ListingId": listing,
                    "TimeBucket": day,
                    "open": open_[k],
                    "high": high,
                    "low": low,
                    "close": close[k],
                    "volume": volume[k],
                    "vwap": (high + low + close[k]) / 3,
                    "cap": close[k] * 1e6,
                    "sector": "S",
                    "industry": "I",
                    "subindustry": "U",
                }
            )
    return pl.DataFrame(rows)


def _matrix(frame: pl.DataFrame, name: str) -> np.ndarray:
    # listings x days
    wide = frame.sort("ListingId", "TimeBucket")[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return wide.reshape(frame["ListingId"].n_unique(), -1)


@pytest.fixture(scope="module")
def cyclic_alphas() -> pl.DataFrame:
    return basalt_alpha101.compute(cyclic_panel(), ids=TIE_PRONE).collect()


@pytest.fixture(scope="module")
def five_day_cycle() -> pl.DataFrame:
    return basalt_alpha101.compute(cyclic_panel(5, days=40), ids=[13, 16]).collect()


@pytest.mark.parametrize("number", TIE_PRONE)
def test_tie_prone_alphas_keep_the_symmetry_of_a_cyclic_panel(
    number: int, cyclic_alphas: pl.DataFrame
) -> None:
    grid = _matrix(cyclic_alphas, column_name(number))
    start = history_of(number) + 1 + CYCLE
    # Listing i on day t = listing i + 1 on day t - 1 = listing i on day t + CYCLE.
    now, shifted = grid[:-1, start:], grid[1:, start - 1 : -1]
    np.testing.assert_allclose(now, shifted, rtol=1e-12, atol=1e-14, equal_nan=True)
    np.testing.assert_allclose(
        grid[:, start + CYCLE :], grid[:, start:-CYCLE], rtol=1e-12, atol=1e-14, equal_nan=True
    )
    assert not np.isnan(grid[:, start:]).all(), "nothing left to compare"


def test_alpha013_and_016_are_minus_one_half_when_every_covariance_ties(five_day_cycle: pl.DataFrame) -> None:
    # On a 5-day cycle, covariance(rank(close), rank(volume), 5) spans one full cycle:
    # the same value for every listing, so rank(...) = 0.5 for all of them.
    for number in (13, 16):
        grid = _matrix(five_day_cycle, column_name(number))
        assert (grid[:, 4:] == -0.5).all(), number


def _argmin098(p: Plan) -> pl.Expr:
    # Alpha#98's right-hand side, with rank(close) for rank(adv15): over three full
    # cycles adv15 is the same for every listing, and a constant has no correlation.
    return p.ts_argmin(p.correlation(p.rank(p.open), p.rank(p.close), 20.8187), 8.62571)


def _right098(p: Plan) -> pl.Expr:
    return p.rank(p.decay_linear(p.ts_rank(_argmin098(p), 6.95668), 8.07206))


def test_alpha098_ties_the_argmin_of_a_constant_correlation() -> None:
    # On a 5-day cycle, correlation(rank(open), rank(close), 20) spans four cycles: constant in
    # time, so Ts_ArgMin over 8 days ties everywhere -> 7 (the earliest), its Ts_Rank
    # is 0.5, decay_linear of 0.5 is the same for every listing, and its rank is 0.5.
    out = basalt_alpha101.evaluate(
        cyclic_panel(5, days=80), {"argmin": _argmin098, "right": _right098}
    ).collect()
    argmin = _matrix(out, "argmin")
    start = 19 + 7
    assert (argmin[:, start:] == 7.0).all()
    right = _matrix(out, "right")
    assert (right[:, start + 6 + 7 :] == 0.5).all()


def test_constant_volume_makes_every_rank_covariance_exactly_zero() -> None:
    out = basalt_alpha101.compute(cyclic_panel(5, constant_volume=True, days=40), ids=[13, 15, 16]).collect()
    for number in (13, 16):
        grid = _matrix(out, column_name(number))
        assert (grid[:, 4:] == -0.5).all(), number  # cov = 0 for all: tied at rank 0.5
    assert out["Alpha015"].is_null().all()  # correlation against a constant rank: null


# -- listing order --------------------------------------------------------------------


def test_permuting_the_listing_order_changes_no_value(panel: pl.DataFrame, alphas: pl.DataFrame) -> None:
    ids = panel["ListingId"].unique().sort().to_list()
    rng = np.random.default_rng(7)
    relabel = dict(zip(ids, rng.permutation(ids).tolist(), strict=True))
    back = {new: old for old, new in relabel.items()}
    shuffled = panel.with_columns(pl.col("ListingId").replace_strict(relabel)).sample(
        fraction=1.0, shuffle=True, seed=3
    )
    out = basalt_alpha101.compute(shuffled).collect()
    out = out.with_columns(pl.col("ListingId").replace_strict(back)).sort("ListingId", "TimeBucket")
    assert out.equals(alphas)
