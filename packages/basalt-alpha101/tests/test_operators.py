"""Each operator on tiny frames whose answers were worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from basalt_alpha101 import operators as op

X = pl.col("x")
Y = pl.col("y")


def series(listing: list[float | None], n_listings: int = 1, **extra: list[float | None]) -> pl.DataFrame:
    """One or more listings with the same values of ``x`` over consecutive dates."""
    n = len(listing)
    return pl.DataFrame(
        {
            "ListingId": np.repeat(np.arange(n_listings), n),
            "TimeBucket": list(range(n)) * n_listings,
            "x": listing * n_listings,
            **{name: values * n_listings for name, values in extra.items()},
        },
        schema_overrides={"x": pl.Float64, **{name: pl.Float64 for name in extra}},
    )


def cross_section(values: list[float | None], **extra: list[object]) -> pl.DataFrame:
    """One date, one row per listing."""
    return pl.DataFrame(
        {"ListingId": range(len(values)), "TimeBucket": [0] * len(values), "x": values, **extra},
        schema_overrides={"x": pl.Float64},
    )


def values(frame: pl.DataFrame, expression: pl.Expr) -> list[float | None]:
    return frame.select(expression.alias("out"))["out"].to_list()


def approx(expected: list[float | None]) -> list[object]:
    return [None if v is None else pytest.approx(v, rel=1e-12, abs=1e-15) for v in expected]


# -- rank ------------------------------------------------------------------------


def test_rank_averages_ties_and_scales_to_unit_interval() -> None:
    frame = cross_section([10.0, 30.0, 20.0, 30.0, 5.0])
    # ranks 2, 4.5, 3, 4.5, 1 over n = 5 -> (r - 1) / 4
    assert values(frame, op.rank(X)) == [0.25, 0.875, 0.5, 0.875, 0.0]


def test_rank_skips_nulls_and_single_values_are_null() -> None:
    frame = pl.DataFrame(
        {"ListingId": [1, 2, 3, 1, 2], "TimeBucket": [0, 0, 0, 1, 1], "x": [2.0, None, 1.0, 4.0, None]}
    )
    assert values(frame, op.rank(X)) == [1.0, None, 0.0, None, None]


def test_rank_is_per_date() -> None:
    frame = pl.DataFrame({"ListingId": [1, 2, 1, 2], "TimeBucket": [0, 0, 1, 1], "x": [1.0, 2.0, 9.0, 3.0]})
    assert values(frame, op.rank(X)) == [0.0, 1.0, 1.0, 0.0]


def test_rank_is_correctly_rounded() -> None:
    # 7 / 29 must be the nearest double, as any other implementation computes it.
    frame = cross_section([float(i) for i in range(30)])
    assert values(frame, op.rank(X))[7] == 7 / 29


# -- ts_rank -----------------------------------------------------------------------


def test_ts_rank_of_today_within_window_with_average_ties() -> None:
    frame = series([3.0, 1.0, 3.0, 0.5, 2.0])
    # windows [3,1,3] -> today 3 ties the first: r = 2.5 -> 0.75; [1,3,.5] -> r=1 -> 0; [3,.5,2] -> 0.5
    assert values(frame, op.ts_rank(X, 3)) == [None, None, 0.75, 0.0, 0.5]


def test_ts_rank_is_null_with_a_null_in_the_window() -> None:
    frame = series([1.0, None, 3.0, 4.0, 5.0])
    assert values(frame, op.ts_rank(X, 2)) == [None, None, None, 1.0, 1.0]


def test_ts_rank_floors_windows_and_needs_two_days() -> None:
    frame = series([5.0, 4.0, 6.0, 1.0])
    assert values(frame, op.ts_rank(X, 2.99)) == values(frame, op.ts_rank(X, 2)) == [None, 0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="needs at least 2"):
        op.ts_rank(X, 1.5)


# -- ts_argmax / ts_argmin ---------------------------------------------------------------


def test_ts_argmax_counts_days_ago_and_prefers_the_earliest_tie() -> None:
    frame = series([5.0, 1.0, 5.0, 2.0, 7.0])
    # [5,1,5]: maxima 2 and 0 days ago -> 2; [1,5,2] -> 1; [5,2,7] -> 0
    assert values(frame, op.ts_argmax(X, 3)) == [None, None, 2.0, 1.0, 0.0]


def test_ts_argmin_prefers_the_earliest_tie_and_is_strict() -> None:
    frame = series([1.0, 3.0, 1.0, None, 0.0, 0.0])
    assert values(frame, op.ts_argmin(X, 3)) == [None, None, 2.0, None, None, None]
    assert values(frame, op.ts_argmin(X, 2)) == [None, 1.0, 0.0, None, None, 1.0]


# -- strict time-series windows ------------------------------------------------------------


def test_delay_delta_stop_at_listing_boundaries() -> None:
    frame = series([1.0, 2.0, 4.0], n_listings=2)
    assert values(frame, op.delay(X, 1)) == [None, 1.0, 2.0, None, 1.0, 2.0]
    assert values(frame, op.delta(X, 2)) == [None, None, 3.0, None, None, 3.0]


def test_sum_product_min_max_need_the_full_window() -> None:
    frame = series([2.0, 3.0, None, 4.0, 5.0, -1.0])
    assert values(frame, op.ts_sum(X, 2)) == [None, 5.0, None, None, 9.0, 4.0]
    assert values(frame, op.product(X, 2)) == [None, 6.0, None, None, 20.0, -5.0]
    assert values(frame, op.ts_min(X, 2)) == [None, 2.0, None, None, 4.0, -1.0]
    assert values(frame, op.ts_max(X, 3)) == [None, None, None, None, None, 5.0]


def test_windows_count_rows_not_dates() -> None:
    # Dates 0, 1, 5: the previous row is the previous observation, however far back.
    frame = pl.DataFrame({"ListingId": [1, 1, 1], "TimeBucket": [0, 1, 5], "x": [1.0, 2.0, 4.0]})
    assert values(frame, op.delay(X, 1)) == [None, 1.0, 2.0]


def test_non_integer_windows_are_floored() -> None:
    frame = series([1.0, 2.0, 4.0, 8.0, 16.0])
    assert values(frame, op.ts_sum(X, 2.9)) == values(frame, op.ts_sum(X, 2))
    assert values(frame, op.delta(X, 1.99)) == [None, 1.0, 2.0, 4.0, 8.0]
    with pytest.raises(ValueError, match="floors to 0"):
        op.delay(X, 0.5)
    with pytest.raises(TypeError):
        op.ts_sum(X, pl.lit(3))  # type: ignore[arg-type]


def test_the_paper_min_and_max_are_ts_operators_with_a_number() -> None:
    frame = series([3.0, 1.0, 2.0], y=[0.0, 5.0, None])
    assert values(frame, op.min(X, 2)) == [None, 1.0, 1.0]
    assert values(frame, op.max(X, 2.5)) == [None, 3.0, 2.0]
    # two series: row-wise, skipping a null side
    assert values(frame, op.min(X, Y)) == [0.0, 1.0, 2.0]
    assert values(frame, op.max(X, Y)) == [3.0, 5.0, 2.0]


# -- stddev, covariance, correlation -------------------------------------------------------


def test_stddev_is_population_and_exactly_zero_when_flat() -> None:
    frame = series([1.0, 3.0, 3.0, 3.0, None, 1.0])
    assert values(frame, op.stddev(X, 2)) == [None, 1.0, 0.0, 0.0, None, None]
    assert values(frame, op.stddev(X, 3)) == approx([None, None, math.sqrt(8 / 9), 0.0, None, None])


def test_covariance_is_population_and_zero_against_a_constant() -> None:
    frame = series([1.0, 2.0, 3.0, 3.0, 3.0], y=[2.0, 4.0, 9.0, 1.0, None])
    # (1,2),(2,4): cov = ((-.5)(-1) + (.5)(1)) / 2 = 0.5; (2,4),(3,9): 1.25; (3,9),(3,1): 0 (x flat)
    assert values(frame, op.covariance(X, Y, 2)) == approx([None, 0.5, 1.25, 0.0, None])


def test_correlation_hand_values_and_zero_variance() -> None:
    frame = series([1.0, 2.0, 3.0, 3.0, 3.0, 3.0], y=[1.0, 3.0, 2.0, 5.0, 4.0, 0.0])
    # [1,2,3] vs [1,3,2]: cov 1/3, sds sqrt(2/3) -> 0.5; [2,3,3] vs [3,2,5]: 1/sqrt(28);
    # [3,3,3] has zero variance -> null
    expected = [None, None, 0.5, 1 / math.sqrt(28), None, None]
    assert values(frame, op.correlation(X, Y, 3)) == approx(expected)


def test_correlation_needs_full_pairs() -> None:
    frame = series([1.0, 2.0, 3.0, 5.0, 4.0, 6.0], y=[2.0, None, 1.0, 4.0, 3.0, 1.0])
    got = values(frame, op.correlation(X, Y, 3))
    assert got[:4] == [None, None, None, None]
    assert got[4] is not None
    assert got[5] is not None


def test_two_day_correlation_is_exactly_plus_or_minus_one() -> None:
    frame = series([1.0, 1.1, 0.7, 0.7], y=[5.0, 9.0, 2.0, 3.0])
    assert values(frame, op.correlation(X, Y, 2)) == [None, 1.0, 1.0, None]


def test_correlation_floors_9_91_to_9() -> None:
    rng = np.random.default_rng(3)
    frame = series(list(rng.normal(size=40)), y=list(rng.normal(size=40)))
    floored = values(frame, op.correlation(X, Y, 9.91))
    assert floored == values(frame, op.correlation(X, Y, 9))
    assert floored != values(frame, op.correlation(X, Y, 10))
    assert floored[7] is None
    assert floored[8] is not None


def test_correlation_stays_accurate_on_smooth_large_series() -> None:
    # A notional-volume-like series (level 1e9, day-to-day changes 1e-3 of it)
    # against prices: the naive moment formula loses ~1e-9 here.
    rng = np.random.default_rng(5)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 400)))
    smooth = 2e9 + np.cumsum(rng.normal(0, 2e6, 400))
    frame = series(list(prices), y=list(smooth))
    got = np.array(values(frame, op.correlation(X, Y, 9))[8:], dtype=float)
    view = np.lib.stride_tricks.sliding_window_view
    expected = np.array(
        [np.corrcoef(a, b)[0, 1] for a, b in zip(view(prices, 9), view(smooth, 9), strict=True)]
    )
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


# -- decay_linear ------------------------------------------------------------------


def test_decay_linear_weights_newest_heaviest_over_the_full_sum() -> None:
    frame = series([1.0, 2.0, 3.0, 4.0])
    # d = 3: (3*3 + 2*2 + 1*1) / 6 = 14/6 on day 2; day 0 sees only itself: 3*1/6
    assert values(frame, op.decay_linear(X, 3)) == approx([0.5, 8 / 6, 14 / 6, 20 / 6])


def test_decay_linear_counts_missing_values_as_zero_and_empty_windows_as_null() -> None:
    frame = series([None, None, 6.0, None, None, None], n_listings=2)
    # d = 2 weights (2 today, 1 yesterday) / 3
    expected = [None, None, 4.0, 2.0, None, None]
    assert values(frame, op.decay_linear(X, 2)) == approx(expected * 2)


# -- scale, IndNeutralize ------------------------------------------------------------------


def test_scale_makes_absolute_values_sum_to_a_and_all_zero_dates_null() -> None:
    frame = pl.DataFrame(
        {
            "ListingId": [1, 2, 3, 1, 2, 3],
            "TimeBucket": [0, 0, 0, 1, 1, 1],
            "x": [1.0, -3.0, None, 0.0, 0.0, None],
        }
    )
    assert values(frame, op.scale(X)) == [0.25, -0.75, None, None, None, None]
    assert values(frame, op.scale(X, 4)) == [1.0, -3.0, None, None, None, None]


def test_indneutralize_demeans_within_date_and_group() -> None:
    frame = pl.DataFrame(
        {
            "ListingId": [1, 2, 3, 4, 1, 2],
            "TimeBucket": [0, 0, 0, 0, 1, 1],
            "sector": ["A", "A", "B", None, "A", "A"],
            "x": [1.0, 3.0, 5.0, 2.0, 10.0, None],
        }
    )
    assert values(frame, op.indneutralize(X, "sector")) == [-1.0, 1.0, 0.0, None, 0.0, None]


# -- row-by-row ------------------------------------------------------------------------


def test_signedpower_power_log_div() -> None:
    frame = cross_section([-2.0, 0.0, 4.0, None])
    assert values(frame, op.signedpower(X, 2)) == [-4.0, 0.0, 16.0, None]
    assert values(frame, op.signedpower(X, -1)) == [-0.5, None, 0.25, None]
    assert values(frame, op.power(X, 0.5)) == [None, 0.0, 2.0, None]
    assert values(frame, op.log(X)) == [None, None, math.log(4.0), None]
    assert values(frame, op.div(1.0, X)) == [-0.5, None, 0.25, None]


def test_comparisons_with_null_are_null_and_booleans_count_as_numbers() -> None:
    frame = cross_section([1.0, 3.0, None])
    assert values(frame, op.num(X < 2)) == [1.0, 0.0, None]
    assert values(frame, op.iif(X < 2, 10.0, X)) == [10.0, 3.0, None]
    assert values(frame, op.or_(X < 2, X == 3)) == [True, True, None]
    assert values(frame, op.and_(X < 2, X == 1)) == [True, False, None]
    # Kleene logic would make (null || true) true; the paper's code has no such rule.
    assert values(frame, op.or_(X < 2, pl.lit(True))) == [True, True, None]
