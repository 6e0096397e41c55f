"""The classifiers on the synthetic market, whose trades carry their true AggressorSide.

What the model implies (``basalt.synth``: a limit order book per venue, where every lit
continuous trade is a marketable order executing against resting orders, and an L2
snapshot is taken after every book event):

* **Lee-Ready**: the snapshot strictly before a trade is the book the aggressive order
  met, so a buy executes at the best ask or above (> mid) and a sell at the best bid or
  below (< mid). Lee-Ready must be right on all but the trades whose prevailing book
  is one-sided: band [0.99, 1].
* **Tick rule**: it errs whenever the quotes moved between two trades (a buy printing
  below the previous trade after the ask fell, a sell above it after the bid rose), which
  the simulated flow of inserts and cancels does often, and on the day's first trade.
  Informative but worse than the quote test: band [0.6, 0.97] and below Lee-Ready, in
  line with the 75-90 % reported on real data (Ellis, Michaely & O'Hara 2000; Chakrabarty
  et al. 2015).
* **BVC**: the simulated aggressive orders move the price (they consume the touch), so a
  bar's price change is positively related to its net order flow, but Φ(ΔP/σ) is only a
  smooth proxy of the buy share: band [0.6, 0.95] (mean over 60 s buckets), below
  Lee-Ready.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from basalt.synth import SynthConfig, generate_day
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets
from basalt_characteristics.classification import ClassificationModule

CONFIG = SynthConfig(
    start_date=dt.date(2024, 3, 4),
    end_date=dt.date(2024, 3, 4),
    listings=2,
    messages_per_day=20_000,
    session_scale=0.02,
    seed=0,
)


@pytest.fixture(scope="module")
def market() -> dict[str, pl.DataFrame]:
    return generate_day(CONFIG, CONFIG.start_date)


def day_accuracy(market: dict[str, pl.DataFrame], **config: object) -> dict[str, float]:
    """Volume-weighted accuracy of each listing-day (one bucket a day), worst listing."""
    out = run_module(
        ClassificationModule,
        {"trades": market["trades"], "l2": market["l2"]},
        config={"classifiers": ["TickRule", "LeeReady"], **config},
        buckets=TimeBuckets(seconds=86_400),
    )
    assert out.height >= 2  # one row per listing (several venues each)
    return {name: out[f"{name}Accuracy"].min() for name in ("TickRule", "LeeReady")}


def test_lee_ready_is_right_where_the_model_says(market: dict[str, pl.DataFrame]) -> None:
    accuracy = day_accuracy(market)
    assert 0.99 <= accuracy["LeeReady"] <= 1.0
    # Even leaving trades without a two-sided prevailing quote undecided (counted wrong):
    assert day_accuracy(market, lee_ready_without_quote="undecided")["LeeReady"] >= 0.99


def test_tick_rule_is_informative_but_worse(market: dict[str, pl.DataFrame]) -> None:
    accuracy = day_accuracy(market)
    assert 0.6 <= accuracy["TickRule"] <= 0.97
    assert accuracy["TickRule"] < accuracy["LeeReady"]


def test_bvc_is_informative_but_worse(market: dict[str, pl.DataFrame]) -> None:
    out = run_module(
        ClassificationModule,
        {"trades": market["trades"], "l2": market["l2"]},
        buckets=TimeBuckets(seconds=60),
    )
    bvc = out["BVCAccuracy"].drop_nulls()
    assert bvc.len() >= 10
    assert 0.6 <= bvc.mean() <= 0.95
    assert bvc.mean() < out["LeeReadyAccuracy"].drop_nulls().mean()
