"""Configuration of the ``l3`` module: which sides, actions, measures and advanced metrics to emit."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator

from basalt.modules.base import ModuleConfig

L3Side = Literal["Bid", "Ask"]
L3Action = Literal["Insert", "Remove", "Update", "Execute"]
L3Measure = Literal["Count", "Volume"]
L3Advanced = Literal[
    "ArrivalFlowImbalance",
    "CancelToTradeRatio",
    "AvgQueuePosition",
    "AvgRestingTime",
    "FleetingLiquidityRatio",
    "AvgReplacementLatency",
]
OrderKey = Literal["OriginalOrderId", "OrderId"]

SIDES: tuple[str, ...] = get_args(L3Side)
ACTIONS: tuple[str, ...] = get_args(L3Action)
MEASURES: tuple[str, ...] = get_args(L3Measure)
ADVANCED: tuple[str, ...] = get_args(L3Advanced)


def _canonical(values: tuple[str, ...], order: tuple[str, ...], field: str) -> tuple[str, ...]:
    """``values`` in the canonical ``order`` (configs listing the same items compare equal)."""
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{field} lists {repeated} more than once")
    return tuple(name for name in order if name in set(values))


class L3Config(ModuleConfig):
    """Configuration of ``l3`` (per-bucket order-flow analytics of BMLL L3 events)."""

    sides: tuple[L3Side, ...] = Field(
        SIDES,
        min_length=1,
        description="Book sides to emit per-side columns for: 'Bid' (Side 1) and/or 'Ask' (Side 2).",
    )
    actions: tuple[L3Action, ...] = Field(
        ACTIONS,
        description="Event classes of the {Action}{Measure}{Side} columns: Insert (LobAction 2), Remove "
        "(LobAction 3, not executed), Update (LobAction 4, not executed), Execute (OrderExecuted true). "
        "May be empty when only advanced metrics are wanted.",
    )
    measures: tuple[L3Measure, ...] = Field(
        MEASURES,
        description="Measures of the {Action}{Measure}{Side} columns: 'Count' (events) and/or 'Volume' "
        "(shares: Insert Size, Remove OldSize, Update |Size - OldSize|, Execute ExecutionSize).",
    )
    advanced: tuple[L3Advanced, ...] = Field(
        (),
        description="Advanced metrics to emit (none by default): ArrivalFlowImbalance, "
        "CancelToTradeRatio{Side}, AvgQueuePosition{Side}, AvgRestingTime{Side}, "
        "FleetingLiquidityRatio{Side}, AvgReplacementLatency{Side}. The last three match events "
        "of one order (order_key) or of one side across rows of the same listing and day.",
    )
    market_states: tuple[str, ...] | None = Field(
        None,
        description="If set, only events whose MarketState is listed (e.g. ['CONTINUOUS_TRADING']) are "
        "counted and measured; the order lifecycle (insert time, cancel time, next insert) is still "
        "looked up among all events of the day. None: every event.",
    )
    order_key: OrderKey = Field(
        "OriginalOrderId",
        description="How rows of one order are matched (AvgRestingTime, FleetingLiquidityRatio): "
        "'OriginalOrderId' (BMLL's id of the order's first insert, on every row of its life) or "
        "'OrderId' (OrderId of inserts, OldOrderId of removes; an order whose id changes on an update "
        "is then lost and excluded).",
    )
    fleeting_threshold_ms: float = Field(
        100.0,
        gt=0,
        description="FleetingLiquidityRatio: an insert is fleeting when its order is cancelled at most "
        "this many milliseconds after the insert (inclusive).",
    )
    replacement_threshold_ms: float = Field(
        1000.0,
        gt=0,
        description="AvgReplacementLatency: a cancel is replaced when an insert on the same side of the "
        "same listing follows it within this many milliseconds (inclusive); other cancels are ignored.",
    )

    @field_validator("sides")
    @classmethod
    def _sides(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _canonical(value, SIDES, "sides")

    @field_validator("actions")
    @classmethod
    def _actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _canonical(value, ACTIONS, "actions")

    @field_validator("measures")
    @classmethod
    def _measures(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _canonical(value, MEASURES, "measures")

    @field_validator("advanced")
    @classmethod
    def _advanced(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _canonical(value, ADVANCED, "advanced")

    @field_validator("market_states")
    @classmethod
    def _market_states(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not value:
            raise ValueError("market_states must list at least one state (or be None for all events)")
        return value

    @model_validator(mode="after")
    def _emits_something(self) -> L3Config:
        if not (self.actions and self.measures) and not self.advanced:
            raise ValueError("nothing to emit: list actions and measures, or advanced metrics")
        return self

    @property
    def fleeting_threshold_ns(self) -> int:
        """The fleeting threshold in integer nanoseconds."""
        return round(self.fleeting_threshold_ms * 1_000_000)

    @property
    def replacement_threshold_ns(self) -> int:
        """The replacement threshold in integer nanoseconds."""
        return round(self.replacement_threshold_ms * 1_000_000)
