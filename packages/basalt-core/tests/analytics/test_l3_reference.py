"""The ``l3`` module against the plain-Python reference on generated data (3 listings, 2 days)."""

from __future__ import annotations

import pytest
from analytics.reference_cellwise import assert_matches
from analytics.reference_l3 import generate_l3, l3_frame, reference_l3

from basalt.analytics.l3 import L3Module
from basalt.analytics.l3.config import ADVANCED
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

ROWS = generate_l3(seed=7)


@pytest.mark.parametrize(
    ("seconds", "closed", "anchor", "config"),
    [
        (60, "right", "end", {}),
        (10, "left", "start", {"fleeting_threshold_ms": 30, "replacement_threshold_ms": 120}),
        (60, "left", "end", {"market_states": ["CONTINUOUS_TRADING"], "order_key": "OrderId"}),
        (300, "right", "start", {"replacement_threshold_ms": 5000}),
    ],
)
def test_every_column_matches_the_reference(seconds: int, closed: str, anchor: str, config: dict) -> None:
    module = L3Module({"advanced": list(ADVANCED), **config})
    # Shuffled rows: the module must not depend on the input order.
    frame = l3_frame(ROWS).sample(fraction=1.0, shuffle=True, seed=seconds)
    result = run_module(
        module, {"l3": frame}, buckets=TimeBuckets(seconds=seconds, closed=closed, anchor=anchor)
    )
    expected = reference_l3(
        ROWS,
        size_ns=seconds * 1_000_000_000,
        closed=closed,
        anchor=anchor,
        market_states=tuple(config["market_states"]) if "market_states" in config else None,
        order_key=config.get("order_key", "OriginalOrderId"),
        fleeting_ns=round(config.get("fleeting_threshold_ms", 100) * 1_000_000),
        replacement_ns=round(config.get("replacement_threshold_ms", 1000) * 1_000_000),
    )
    assert result.height == len(expected) > 50
    assert assert_matches(result, ["ListingId", "TimeBucket"], expected) == len(expected) * 27
    assert result["ListingId"].n_unique() == 3
    # The generated data exercise every metric.
    for column in ("AvgRestingTime", "FleetingLiquidityRatio", "AvgReplacementLatency", "CancelToTradeRatio"):
        assert (result[f"{column}Bid"] > 0).any()
        assert (result[f"{column}Ask"] > 0).any()
