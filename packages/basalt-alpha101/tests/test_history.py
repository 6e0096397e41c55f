"""How much history each alpha needs (``history_of``), which sets a panel pass's lookback."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt_alpha101 import compute
from basalt_alpha101.module import Alpha101
from basalt_alpha101.registry import ALL_IDS, history_of, parse_ids

# Worked out by hand from the paper's formulas: a window of d reads d - 1 earlier bars,
# delay/delta of d read d, nested windows add up, and `returns` costs one more bar.
HAND = {
    1: 24,  # ts_argmax(.., 5) of stddev(returns, 20): 4 + 19 + 1
    12: 1,  # delta(volume, 1), delta(close, 1)
    101: 0,  # (close - open) / ((high - low) + .001): no window
    4: 8,  # ts_rank(rank(low), 9)
    48: 251,  # correlation(.., delta(delay(close, 1), 1), 250): 249 + 2
    # ts_rank(decay_linear(correlation(.., ts_rank(adv180, 12.06), 18.02), 4.2), 15.69):
    # 179 + 11 + 17 + 3 + 14
    71: 224,
}

# Alphas built only from operators whose value depends on the window's values alone (ranks,
# lags, rolling min/max/rank, ts_argmax): no running sums whose rounding carries history.
EXACT = [4, 9, 10, 12, 20, 23, 33, 38, 46, 49, 51, 53, 54, 101]


@pytest.mark.parametrize(("number", "bars"), sorted(HAND.items()))
def test_history_of_matches_the_hand_count(number: int, bars: int) -> None:
    assert history_of(number) == bars


def test_the_module_asks_for_the_deepest_chosen_alpha() -> None:
    assert Alpha101({"alpha_ids": [12, 101]}).lookback_days() == 1
    assert Alpha101({"alpha_ids": [1, 12]}).lookback_days() == 24
    assert Alpha101().lookback_days() == max(history_of(n) for n in ALL_IDS) == 251


@pytest.mark.parametrize("number", EXACT)
def test_with_that_much_history_a_late_start_gives_the_same_values(number: int, panel: pl.DataFrame) -> None:
    # Dropping the first `skip` bars changes nothing from bar skip + history_of(n) on.
    buckets = panel["TimeBucket"].unique().sort()
    skip, warm = 7, history_of(number)
    first_equal = buckets[skip + warm]
    full = compute(panel, ids=[number]).filter(pl.col("TimeBucket") >= first_equal)
    late = compute(panel.filter(pl.col("TimeBucket") >= buckets[skip]), ids=[number])
    late = late.filter(pl.col("TimeBucket") >= first_equal)
    assert_frame_equal(
        late.collect().sort("ListingId", "TimeBucket"), full.collect().sort("ListingId", "TimeBucket")
    )
    assert full.select(pl.nth(2).is_not_null().sum()).collect().item() > 100


def test_alpha_ids_take_ranges() -> None:
    assert parse_ids(["1-3", "Alpha010-Alpha011", 20]) == [1, 2, 3, 10, 11, 20]
    with pytest.raises(ValueError, match="runs backwards"):
        parse_ids(["5-3"])
    with pytest.raises(ValueError, match="chosen twice"):
        parse_ids(["1-3", 2])
