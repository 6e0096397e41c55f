"""The declarative metric API: expansion, docs, config, bucketing and joining, by hand and by reference."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

import polars as pl
import pytest
from pydantic import ValidationError

from basalt.metrics import SIDES, Choice, MetricModule, metric, metric_module
from basalt.testing import assert_module_matches, run_module, synth_tables
from basalt.timebuckets import TimeBuckets


@metric(
    "trades", pattern="Trade{side}Count", unit="count", params={"side": SIDES}, additive=True, dtype="Int64"
)
def trade_count(side: Choice) -> pl.Expr:
    """Number of {side.text} in the bucket."""
    return side.mask.sum()


@metric("trades", pattern="Trade{side}Volume", unit="shares", params={"side": SIDES}, additive=True)
def trade_volume(side: Choice) -> pl.Expr:
    """Sum of Size over {side.text} in the bucket."""
    return pl.col("Size").cast(pl.Float64).filter(side.mask).sum()


@metric("trades", pattern="Trade{side}MaxPrice", unit="price", params={"side": SIDES})
def trade_max_price(side: Choice) -> pl.Expr:
    """Highest Price of {side.text} in the bucket; null when there is none."""
    return side.where(pl.col("Price")).max()  # the when/then idiom; volume uses filter


@metric(
    "l3",
    pattern="L3{action}Count",
    unit="count",
    params={"action": {"Insert": 1, "Remove": 3}.keys()},
    additive=True,
)
def l3_count(action: str) -> pl.Expr:
    """Number of L3 events of action {action} in the bucket."""
    code = {"Insert": 1, "Remove": 3}[action]
    return (pl.col("LobAction") == code).sum()


Trades = metric_module("trade_metrics", trade_count, trade_volume, trade_max_price)
Both = metric_module("both_metrics", trade_count, l3_count)

T0 = datetime(2026, 1, 5, 9, 0)
TRADES = pl.DataFrame(
    {
        "ListingId": [1, 1, 1, 1, 2],
        "TradeTimestamp": [T0 + timedelta(seconds=s) for s in (10, 30, 60, 61, 5)],
        "AggressorSide": [1, 2, None, 1, 2],
        "Size": [100, 200, 50, 10, 7],
        "Price": [10.0, 11.0, 12.0, 9.0, 5.0],
    },
    schema_overrides={"AggressorSide": pl.Int64},
)


def test_columns_are_the_cartesian_product_with_formatted_names_and_definitions() -> None:
    docs = Trades().columns()
    assert [d.name for d in docs][:4] == [
        "TradeBidCount",
        "TradeAskCount",
        "TradeUnknownCount",
        "TradeTotalCount",
    ]
    assert len(docs) == 12
    bid = docs[0]
    assert bid.pattern == "Trade{side}Count"
    assert bid.definition.startswith("Number of seller-initiated trades (AggressorSide 2)")
    assert bid.dtype == "Int64"
    assert bid.additive
    assert bid.unit == "count"
    assert bid.sources == ("trades.AggressorSide",)
    volume = next(d for d in docs if d.name == "TradeAskVolume")
    assert volume.sources == ("trades.Size", "trades.AggressorSide")
    assert volume.dtype == "Float64"  # resolved from BMLL's trades schema, without data


def test_hand_computed_buckets_sides_and_nulls() -> None:
    out = run_module(Trades, {"trades": TRADES})
    rows = {(r["ListingId"], r["TimeBucket"]): r for r in out.to_dicts()}
    first = rows[(1, T0 + timedelta(minutes=1))]  # trades at :10, :30 and :60 (boundary closes the bucket)
    assert (first["TradeBidCount"], first["TradeAskCount"], first["TradeUnknownCount"]) == (1, 1, 1)
    assert first["TradeTotalCount"] == 3
    assert first["TradeTotalVolume"] == 350.0
    assert first["TradeBidVolume"] == 200.0
    assert first["TradeUnknownMaxPrice"] == 12.0
    second = rows[(1, T0 + timedelta(minutes=2))]
    assert second["TradeAskVolume"] == 10.0
    assert second["TradeBidVolume"] == 0.0
    assert second["TradeBidMaxPrice"] is None  # no bid trade: null, not 0
    assert out.select("ListingId", "TimeBucket").rows() == sorted(rows)


def test_config_selects_metrics_and_parameter_values() -> None:
    module = Trades({"metrics": ["trade_volume"], "side": ["Ask", "Total"]})
    assert [d.name for d in module.columns()] == ["TradeAskVolume", "TradeTotalVolume"]
    out = run_module(module, {"trades": TRADES})
    assert out.columns == ["ListingId", "TimeBucket", "TradeAskVolume", "TradeTotalVolume"]
    with pytest.raises(ValidationError, match="side"):
        Trades({"side": ["Buy"]})
    assert Trades.Config.model_fields["side"].description
    assert Trades.INPUTS == ("trades",)


def test_tables_are_bucketed_on_their_own_time_and_full_joined() -> None:
    l3 = pl.DataFrame(
        {
            "ListingId": [1, 3],
            "TimestampNanoseconds": [T0 + timedelta(seconds=20), T0 + timedelta(seconds=200)],
            "LobAction": [1, 3],
        }
    )
    out = run_module(Both, {"trades": TRADES, "l3": l3})
    rows = {(r["ListingId"], r["TimeBucket"]): r for r in out.to_dicts()}
    assert rows[(1, T0 + timedelta(minutes=1))]["L3InsertCount"] == 1
    only_l3 = rows[(3, T0 + timedelta(minutes=4))]
    assert only_l3["TradeTotalCount"] == 0  # additive: 0 where the table had no row, not null
    assert only_l3["L3RemoveCount"] == 1
    assert rows[(2, T0 + timedelta(minutes=1))]["L3InsertCount"] == 0
    assert Both({"metrics": ["l3_count"]}).input_names() == ("l3",)


def test_where_filters_rows_before_bucketing() -> None:
    big = metric_module("big_trades", trade_count, WHERE={"trades": pl.col("Size") >= 100})
    out = run_module(big, {"trades": TRADES})
    assert out["TradeTotalCount"].to_list() == [2]


def test_declaration_errors_name_the_metric() -> None:
    with pytest.raises(ValueError, match="not in"):
        metric("trades", pattern="Trade", unit="count", params={"side": SIDES})(trade_count.function)
    with pytest.raises(ValueError, match="docstring"):
        metric("trades", pattern="X", unit="count")(lambda: pl.len())
    with pytest.raises(ValueError, match="distinct"):
        metric("trades", pattern="X{a}", unit="count", params={"a": ["x", "x"]}, definition="d")(
            lambda a: pl.len()
        )

    @metric("mine", pattern="Mine", unit="count")
    def mine() -> pl.Expr:
        """Rows."""
        return pl.len()

    with pytest.raises(ValueError, match="time="):
        run_module(metric_module("mine", mine), {"mine": TRADES})


def test_a_subclass_is_a_regular_module() -> None:
    class Volumes(MetricModule):
        """Trade volumes."""

        NAME = "volumes"
        METRICS = (trade_volume,)

    assert Volumes.describe() == "Trade volumes."
    assert [d.name for d in Volumes({"side": ["Bid"]}).columns()] == ["TradeBidVolume"]


def _reference(inputs: Mapping[str, pl.DataFrame]) -> list[dict[str, object]]:
    """Plain Python: per (listing, minute ending at or after the trade), counts, volumes, max prices."""
    groups: dict[tuple[int, datetime], list[dict[str, object]]] = defaultdict(list)
    for row in inputs["trades"].iter_rows(named=True):
        t = row["TradeTimestamp"]
        floor = t.replace(second=0, microsecond=0)
        end = floor if t == floor else floor + timedelta(minutes=1)
        groups[(row["ListingId"], end)].append(row)
    out = []
    sides = {
        "Bid": lambda a: a == 2,
        "Ask": lambda a: a == 1,
        "Unknown": lambda a: a not in (1, 2),
        "Total": lambda a: True,
    }
    for (listing, end), rows in groups.items():
        record: dict[str, object] = {"ListingId": listing, "TimeBucket": end}
        for side, test in sides.items():
            kept = [r for r in rows if test(r["AggressorSide"])]
            record[f"Trade{side}Count"] = len(kept)
            record[f"Trade{side}Volume"] = math.fsum(float(r["Size"]) for r in kept)
            prices = [r["Price"] for r in kept if r["Price"] is not None]
            record[f"Trade{side}MaxPrice"] = max(prices) if prices else None
        out.append(record)
    return out


def test_matches_a_plain_python_reference_on_a_synthetic_day() -> None:
    trades = synth_tables(listings=3)["trades"]
    assert trades.height > 100
    assert_module_matches(Trades, {"trades": trades}, _reference, buckets=TimeBuckets(seconds=60))


def test_choice_masks_are_computed_once_before_grouping() -> None:
    query = Trades().compute({"trades": TRADES.lazy()}, TimeBuckets())
    plan = query.explain()
    grouping, before_grouping = plan.split("WITH_COLUMNS", 1)
    assert 'alias("_side_Bid")' in before_grouping  # computed once per row, before the group_by
    assert 'when(col("_side_Bid"))' in grouping  # and read by the aggregations
    assert "_side_Bid" not in query.collect_schema().names()
